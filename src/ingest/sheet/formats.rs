//! The format readers: xlsx, xls and ods workbooks → the cells of each sheet.
//!
//! xlsx is streamed cell by cell, so a huge declared extent costs nothing (its shared-string
//! table's declared size is checked first: calamine reserves it). calamine's xls and
//! ods readers build a dense grid of the used area on open, so those are measured first by the
//! [`guards`](super::guards) and refused before calamine runs when the grid would exceed
//! `max_cells`; their dense ranges are then walked for the used cells only.

use super::guards::{check_zip_sizes, refuse_huge_ods, refuse_huge_xls, refuse_huge_xlsx};
use super::state::{SheetCells, State};
use crate::ingest::ReadError;
use crate::ingest::clock::Clock;
use calamine::{Data, DataRef, Dimensions, Ods, Range, Reader, Xls, Xlsb, Xlsx};
use std::io::Cursor;

pub(super) fn corrupt(what: &str, err: impl std::fmt::Display) -> ReadError {
    ReadError::Corrupt(format!(
        "{what} 工作簿无法读取（文件已损坏，或并非真正的 {what} 文件）：{err} (the {what} workbook \
         could not be read: damaged, or not really an {what} file)"
    ))
}

/// xlsx: streamed cell by cell, so a huge declared extent costs nothing.
pub(super) fn read_xlsx(bytes: &[u8], state: &mut State) -> Result<Vec<SheetCells>, ReadError> {
    check_zip_sizes(bytes, state.ctx, "xlsx")?;
    refuse_huge_xlsx(bytes, state.ctx)?;
    let mut wb: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| corrupt("xlsx", e))?;
    let meta = wb.sheets_metadata().to_vec();
    each_sheet(meta, state, |name, state| {
        let merges = match wb.merge_cells_by_sheet_name(&name) {
            Ok(m) => m,
            Err(e) => {
                state
                    .notes
                    .push(format!("工作表 {name} 的合并单元格无法读取：{e} ({name}: merged cells could not be read)"));
                Vec::new()
            }
        };
        let mut cells = Vec::new();
        let mut reader = match wb.worksheet_cells_reader(&name) {
            Ok(r) => r,
            // Chart sheets and the like have no cells.
            Err(calamine::XlsxError::WorksheetNotFound(_)) => return Ok(None),
            Err(e) => return Err(corrupt("xlsx", format!("工作表 {name}：{e}"))),
        };
        loop {
            let next = reader
                .next_cell_with_formula()
                .map_err(|e| corrupt("xlsx", format!("工作表 {name}：{e}")))?;
            let Some(cell) = next else { break };
            if !state.visit()? {
                break;
            }
            let (row, col) = cell.pos;
            let value = match cell.value {
                DataRef::SharedString(s) => Data::String(s.to_string()),
                other => Data::from(other),
            };
            if let Some(formula) = cell.formula.as_deref()
                && is_uncached(&value)
                && !formula.trim().is_empty()
            {
                state.note_uncached(&name, row, col, formula);
            }
            if let Some(c) = state.cell(&name, row, col, &value) {
                cells.push(c);
            }
        }
        Ok(Some(SheetCells {
            name,
            cells,
            merges,
        }))
    })
}

/// xlsb: streamed cell by cell like xlsx. calamine keeps no merged regions for xlsb, so a
/// merged value simply sits in its first cell.
pub(super) fn read_xlsb(bytes: &[u8], state: &mut State) -> Result<Vec<SheetCells>, ReadError> {
    check_zip_sizes(bytes, state.ctx, "xlsb")?;
    let mut wb: Xlsb<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
        if matches!(e, calamine::XlsbError::Password) {
            ReadError::Encrypted(
                "xlsb 工作簿已加密，请申请方提供未加密的副本 (password-protected xlsb workbook: ask the applicant for an unprotected copy)"
                    .into(),
            )
        } else {
            corrupt("xlsb", e)
        }
    })?;
    let meta = wb.sheets_metadata().to_vec();
    each_sheet(meta, state, |name, state| {
        let mut cells = Vec::new();
        let mut reader = match wb.worksheet_cells_reader(&name) {
            Ok(r) => r,
            Err(calamine::XlsbError::WorksheetNotFound(_)) => return Ok(None),
            Err(e) => return Err(corrupt("xlsb", format!("工作表 {name}：{e}"))),
        };
        loop {
            let next = reader
                .next_cell()
                .map_err(|e| corrupt("xlsb", format!("工作表 {name}：{e}")))?;
            let Some(cell) = next else { break };
            if !state.visit()? {
                break;
            }
            let (row, col) = cell.get_position();
            let value = match cell.get_value() {
                DataRef::SharedString(s) => Data::String(s.to_string()),
                other => Data::from(other.clone()),
            };
            if let Some(c) = state.cell(&name, row, col, &value) {
                cells.push(c);
            }
        }
        Ok(Some(SheetCells {
            name,
            cells,
            merges: Vec::new(),
        }))
    })
}

/// xls: calamine parses the whole workbook on open into dense grids, so the BIFF cell records
/// are measured first.
pub(super) fn read_xls(bytes: &[u8], state: &mut State) -> Result<Vec<SheetCells>, ReadError> {
    refuse_huge_xls(bytes, state.ctx)?;
    let dense = Dense {
        what: "xls",
        encrypted: "xls 工作簿已加密（加密的 BIFF），请申请方提供未加密的副本 (password-protected xls workbook: ask the applicant for an unprotected copy)",
        is_password: |e: &calamine::XlsError| matches!(e, calamine::XlsError::Password),
        is_missing: |e: &calamine::XlsError| matches!(e, calamine::XlsError::WorksheetNotFound(_)),
    };
    read_dense::<Xls<_>>(bytes, &dense, state, |wb, name| {
        wb.merge_cells_by_sheet_name(name).unwrap_or_default()
    })
}

/// ods: calamine expands repeated rows and columns into a dense grid on open, so `content.xml`
/// is measured first.
pub(super) fn read_ods(bytes: &[u8], state: &mut State) -> Result<Vec<SheetCells>, ReadError> {
    check_zip_sizes(bytes, state.ctx, "ods")?;
    refuse_huge_ods(bytes, state.ctx)?;
    let dense = Dense {
        what: "ods",
        encrypted: "ods 工作簿已加密，请申请方提供未加密的副本 (password-protected ods workbook: ask the applicant for an unprotected copy)",
        is_password: |e: &calamine::OdsError| matches!(e, calamine::OdsError::Password),
        is_missing: |e: &calamine::OdsError| matches!(e, calamine::OdsError::WorksheetNotFound(_)),
    };
    // ODS has no merged-region API in calamine: values simply sit in the first cell.
    read_dense::<Ods<_>>(bytes, &dense, state, |_, _| Vec::new())
}

/// Runs `read_sheet` over the workbook's sheets in order, after noting the hidden ones. Stops
/// with an error when the file's time is up, and quietly once the cell budget is spent;
/// `read_sheet` gives `None` for a sheet without cells (a chart sheet).
fn each_sheet(
    meta: Vec<calamine::Sheet>,
    state: &mut State,
    mut read_sheet: impl FnMut(String, &mut State) -> Result<Option<SheetCells>, ReadError>,
) -> Result<Vec<SheetCells>, ReadError> {
    state.note_hidden(&meta);
    let mut out = Vec::new();
    for sheet in meta {
        state.ctx.check_time()?;
        if state.truncated.is_some() {
            break;
        }
        if let Some(cells) = read_sheet(sheet.name, state)? {
            out.push(cells);
        }
    }
    Ok(out)
}

/// What tells the two dense-grid formats' calamine errors apart.
struct Dense<E> {
    what: &'static str,
    /// The message for a password-protected workbook.
    encrypted: &'static str,
    is_password: fn(&E) -> bool,
    /// The sheet has no cells to read (a chart sheet and the like).
    is_missing: fn(&E) -> bool,
}

/// Opens a dense-grid workbook (xls, ods) and walks each sheet's range; `merges` gives a
/// sheet's merged regions.
fn read_dense<'b, W>(
    bytes: &'b [u8],
    dense: &Dense<W::Error>,
    state: &mut State,
    merges: impl Fn(&W, &str) -> Vec<Dimensions>,
) -> Result<Vec<SheetCells>, ReadError>
where
    W: Reader<Cursor<&'b [u8]>>,
    W::Error: std::fmt::Display,
{
    let mut wb: W = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
        if (dense.is_password)(&e) {
            ReadError::Encrypted(dense.encrypted.into())
        } else {
            corrupt(dense.what, e)
        }
    })?;
    let meta = wb.sheets_metadata().to_vec();
    each_sheet(meta, state, |name, state| {
        let merges = merges(&wb, &name);
        let range = match wb.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) if (dense.is_missing)(&e) => return Ok(None),
            Err(e) => return Err(corrupt(dense.what, format!("工作表 {name}：{e}"))),
        };
        let formulas = wb.worksheet_formula(&name).unwrap_or_default();
        dense_sheet(name, &range, &formulas, merges, state).map(Some)
    })
}

/// Walks a dense calamine range (xls, ods): used cells only, positions made absolute.
fn dense_sheet(
    name: String,
    range: &Range<Data>,
    formulas: &Range<String>,
    merges: Vec<Dimensions>,
    state: &mut State,
) -> Result<SheetCells, ReadError> {
    let mut cells = Vec::new();
    let (r0, c0) = range.start().unwrap_or((0, 0));
    for (r, c, value) in range.used_cells() {
        if !state.visit()? {
            break;
        }
        let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else {
            continue;
        };
        if let Some(cell) = state.cell(&name, r0.saturating_add(r), c0.saturating_add(c), value) {
            cells.push(cell);
        }
    }
    let (f0, g0) = formulas.start().unwrap_or((0, 0));
    let mut clock = Clock::new(state.ctx);
    for (r, c, formula) in formulas.used_cells() {
        clock.tick()?;
        let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else {
            continue;
        };
        let pos = (f0.saturating_add(r), g0.saturating_add(c));
        if formula.trim().is_empty() {
            continue;
        }
        let value = range.get_value(pos).unwrap_or(&Data::Empty);
        if is_uncached(value) {
            state.note_uncached(&name, pos.0, pos.1, formula);
        }
    }
    Ok(SheetCells {
        name,
        cells,
        merges,
    })
}

/// A formula's stored result that is no result: openpyxl writes none (Empty), xlwt an empty string.
fn is_uncached(value: &Data) -> bool {
    match value {
        Data::Empty => true,
        Data::String(s) => s.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::read;
    use super::super::test_support::*;
    use crate::ingest::ReadError;
    use crate::model::FileKind;

    #[test]
    fn formula_without_cached_value_is_noted() {
        let rows = row(3, &[n("D3", "5", 0)])
            + &row(
                9,
                &[
                    t("C9", "合计"),
                    r#"<c r="D9"><f>SUM(D3:D8)</f></c>"#.to_string(),
                ],
            );
        let x = read_xlsx_ok(&[sheet("Sheet1", rows)]);
        assert!(
            x.notes.iter().any(|n| n.starts_with(
                "单元格 Sheet1!D9（公式 =SUM(D3:D8)）没有缓存的计算结果（文件保存时未重新计算）"
            )),
            "{:?}",
            x.notes
        );
        assert_eq!(texts(&x), vec!["5", "合计"]);
    }

    #[test]
    fn garbage_is_corrupt() {
        let junk = b"this is not a workbook at all, just some text bytes".to_vec();
        for kind in [FileKind::Xlsx, FileKind::Xls, FileKind::Ods] {
            match read(kind, &junk, &ctx()) {
                Err(ReadError::Corrupt(msg)) => assert!(msg.contains(kind.as_str()), "{msg}"),
                other => panic!("{kind}: {other:?}"),
            }
        }
        // A zip that is not a workbook.
        let z = zip_parts(&[("readme.txt", "hello".into())]);
        assert!(matches!(
            read(FileKind::Xlsx, &z, &ctx()),
            Err(ReadError::Corrupt(_))
        ));
    }
}
