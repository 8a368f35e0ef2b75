//! Guards against dense-grid blow-ups: pre-scans that refuse a hostile workbook before
//! calamine expands it.
//!
//! **Hostile files end quickly.** calamine's ods and xls readers build a dense grid of the used
//! area up front, so the declared extent is measured here first (ods: `content.xml` repeat
//! attributes; xls: the BIFF cell records) and a workbook whose grid would exceed `max_cells` is
//! refused before calamine runs. Zip-based workbooks are also refused when their parts declare
//! more uncompressed bytes than a file may have.

use super::formats::corrupt;
use crate::ingest::clock::Clock;
use crate::ingest::{ReadContext, ReadError};
use std::io::{BufReader, Cursor, Read};

/// Refuses a zip-based workbook whose parts declare more uncompressed bytes than a file may have.
pub(super) fn check_zip_sizes(
    bytes: &[u8],
    ctx: &ReadContext,
    what: &str,
) -> Result<(), ReadError> {
    let mut zip = ::zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| corrupt(what, e))?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        if let Ok(entry) = zip.by_index_raw(i) {
            total = total.saturating_add(entry.size());
        }
    }
    if total > ctx.limits.max_file_bytes {
        return Err(ReadError::LimitExceeded(format!(
            "the {what} workbook expands to {total} bytes, over the {} byte limit per file",
            ctx.limits.max_file_bytes
        )));
    }
    Ok(())
}

/// Refuses an xls workbook whose BIFF cell records span more cells than `max_cells`.
pub(super) fn refuse_huge_xls(bytes: &[u8], ctx: &ReadContext) -> Result<(), ReadError> {
    if let Some(cells) = xls_dense_cells(bytes, ctx)?
        && cells > ctx.limits.max_cells
    {
        return Err(ReadError::LimitExceeded(format!(
            "the xls workbook's used area spans {cells} cells, over the limit of {}; not expanded",
            ctx.limits.max_cells
        )));
    }
    Ok(())
}

/// Refuses an ods workbook whose repeated rows and columns declare more cells than `max_cells`.
pub(super) fn refuse_huge_ods(bytes: &[u8], ctx: &ReadContext) -> Result<(), ReadError> {
    let cells = ods_dense_cells(bytes, ctx)?;
    if cells > ctx.limits.max_cells {
        return Err(ReadError::LimitExceeded(format!(
            "the ods workbook declares {cells} cells through repeated rows and columns, over the limit of {}; not expanded",
            ctx.limits.max_cells
        )));
    }
    Ok(())
}

/// Cells calamine's ods reader would allocate: per table, the bounding box of non-empty cells
/// with repeated rows and columns expanded (capped at the format's 1,048,576 × 16,384).
fn ods_dense_cells(bytes: &[u8], ctx: &ReadContext) -> Result<u64, ReadError> {
    use quick_xml::events::Event;
    const MAX_ROWS: u64 = 1_048_576;
    const MAX_COLS: u64 = 16_384;

    let mut zip = ::zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| corrupt("ods", e))?;
    let Ok(content) = zip.by_name("content.xml") else {
        return Err(corrupt("ods", "no content.xml part"));
    };
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(content));
    let mut buf = Vec::new();
    let repeat = |e: &quick_xml::events::BytesStart, key: &str| -> u64 {
        e.try_get_attribute(key)
            .ok()
            .flatten()
            .and_then(|a| a.value.trim().parse::<u64>().ok())
            .unwrap_or(1)
            .max(1)
    };

    let mut total: u64 = 0;
    // Per table.
    let mut row_pos: u64 = 0;
    let mut first_row: Option<u64> = None;
    let mut last_row: u64 = 0;
    let mut min_col = u64::MAX;
    let mut max_col: u64 = 0;
    // Per row.
    let mut row_repeat: u64 = 1;
    let mut col_pos: u64 = 0;
    let mut row_min_col = u64::MAX;
    let mut row_max_col: u64 = 0;
    let mut clock = Clock::new(ctx);
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| corrupt("ods", format!("content.xml: {e}")))?;
        clock.tick()?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e)
                if matches!(e.name().0, "table:table-cell" | "table:covered-table-cell") =>
            {
                let n = repeat(e, "table:number-columns-repeated");
                // A cell with content, or with a value type, is non-empty for calamine.
                let has_value = matches!(event, Event::Start(_))
                    || e.try_get_attribute("office:value-type")
                        .ok()
                        .flatten()
                        .is_some();
                let start = col_pos.min(MAX_COLS);
                col_pos = col_pos.saturating_add(n).min(MAX_COLS);
                if has_value && col_pos > start {
                    row_min_col = row_min_col.min(start);
                    row_max_col = row_max_col.max(col_pos - 1);
                }
            }
            Event::Start(e) if e.name().0 == "table:table-row" => {
                row_repeat = repeat(&e, "table:number-rows-repeated");
                col_pos = 0;
                row_min_col = u64::MAX;
                row_max_col = 0;
            }
            Event::End(e) if e.name().0 == "table:table-row" => {
                let start = row_pos.min(MAX_ROWS);
                row_pos = row_pos.saturating_add(row_repeat).min(MAX_ROWS);
                if row_min_col != u64::MAX && row_pos > start {
                    first_row.get_or_insert(start);
                    last_row = row_pos - 1;
                    min_col = min_col.min(row_min_col);
                    max_col = max_col.max(row_max_col);
                }
            }
            Event::Empty(e) if e.name().0 == "table:table-row" => {
                row_pos = row_pos.saturating_add(repeat(&e, "table:number-rows-repeated"));
            }
            Event::Start(e) if e.name().0 == "table:table" => {
                row_pos = 0;
                first_row = None;
                last_row = 0;
                min_col = u64::MAX;
                max_col = 0;
            }
            Event::End(e) if e.name().0 == "table:table" => {
                if let Some(first) = first_row {
                    let rows = last_row.saturating_sub(first) + 1;
                    let cols = max_col.saturating_sub(min_col) + 1;
                    total = total.saturating_add(rows.saturating_mul(cols));
                }
                first_row = None;
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(total)
}

/// Cells calamine's xls reader would allocate: per sheet substream, the bounding box of the BIFF
/// cell records (read from the `Workbook`/`Book` stream). `None` when the container cannot be
/// walked here (calamine then reports the error itself).
fn xls_dense_cells(bytes: &[u8], ctx: &ReadContext) -> Result<Option<u64>, ReadError> {
    let Ok(mut cfb) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return Ok(None);
    };
    let stream_name = ["Workbook", "Book", "WORKBOOK", "BOOK"]
        .into_iter()
        .find(|n| cfb.is_stream(format!("/{n}")));
    let Some(stream_name) = stream_name else {
        return Ok(None);
    };
    let mut data = Vec::new();
    match cfb.open_stream(format!("/{stream_name}")) {
        Ok(s) => {
            if s.take(ctx.limits.max_file_bytes)
                .read_to_end(&mut data)
                .is_err()
            {
                return Ok(None);
            }
        }
        Err(_) => return Ok(None),
    }
    let mut total: u64 = 0;
    let mut bounds: Option<(u32, u32, u32, u32)> = None;
    let mut pos = 0usize;
    let mut clock = Clock::new(ctx);
    let flush = |bounds: &mut Option<(u32, u32, u32, u32)>, total: &mut u64| {
        if let Some((r0, r1, c0, c1)) = bounds.take() {
            let rows = u64::from(r1 - r0) + 1;
            let cols = u64::from(c1 - c0) + 1;
            *total = total.saturating_add(rows * cols);
        }
    };
    while pos + 4 <= data.len() {
        let typ = u16::from_le_bytes([data[pos], data[pos + 1]]);
        let len = usize::from(u16::from_le_bytes([data[pos + 2], data[pos + 3]]));
        let body_start = pos + 4;
        let body_end = (body_start + len).min(data.len());
        let body = &data[body_start..body_end];
        clock.tick()?;
        match typ {
            // FILEPASS: the record bodies after it are encrypted, so their row/column fields
            // are noise; leave the verdict (password) to calamine.
            0x002F => return Ok(None),
            // BOF starts a substream; EOF ends one.
            0x0809 | 0x0409 | 0x0209 | 0x0009 | 0x000A => flush(&mut bounds, &mut total),
            // NUMBER, LABEL, LABELSST, RK, FORMULA, BOOLERR, RSTRING, BIFF2-4 forms.
            0x0203 | 0x0204 | 0x00FD | 0x027E | 0x0006 | 0x0406 | 0x0205 | 0x00D6 | 0x0003
            | 0x0004 | 0x0002 | 0x0005
                if body.len() >= 4 =>
            {
                let row = u32::from(u16::from_le_bytes([body[0], body[1]]));
                let col = u32::from(u16::from_le_bytes([body[2], body[3]]));
                extend(&mut bounds, row, col, col);
            }
            // MULRK: row, first col, …, last col.
            0x00BD if body.len() >= 6 => {
                let row = u32::from(u16::from_le_bytes([body[0], body[1]]));
                let first = u32::from(u16::from_le_bytes([body[2], body[3]]));
                let n = body.len();
                let last = u32::from(u16::from_le_bytes([body[n - 2], body[n - 1]]));
                extend(&mut bounds, row, first, last.max(first));
            }
            _ => {}
        }
        pos = body_start + len;
    }
    flush(&mut bounds, &mut total);
    Ok(Some(total))
}

fn extend(bounds: &mut Option<(u32, u32, u32, u32)>, row: u32, c0: u32, c1: u32) {
    match bounds {
        None => *bounds = Some((row, row, c0, c1)),
        Some((r0, r1, a, b)) => {
            *r0 = (*r0).min(row);
            *r1 = (*r1).max(row);
            *a = (*a).min(c0);
            *b = (*b).max(c1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::read;
    use super::super::test_support::*;
    use crate::ingest::ReadError;
    use crate::model::FileKind;
    use std::time::{Duration, Instant};

    #[test]
    fn ods_with_huge_repeats_is_refused_quickly() {
        let body = r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="60000"><table:table-cell table:number-columns-repeated="16000" office:value-type="string"><text:p>X</text:p></table:table-cell></table:table-row></table:table>"#;
        let started = Instant::now();
        let r = read(FileKind::Ods, &ods(body), &ctx());
        assert!(matches!(r, Err(ReadError::LimitExceeded(_))), "{r:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
