//! Spreadsheet reader (xlsx, xls BIFF5–8, ods) on calamine: every non-empty row of every sheet
//! becomes one [`Passage`] located by sheet name and A1 range, with the table's header row
//! carried in [`Passage::headings`] so later stages know what a column means.
//!
//! Why it looks the way it does:
//! - **Values as a reviewer reads them.** Dates become ISO dates (never serial numbers), ODS
//!   `DateTimeIso`/`DurationIso` strings are parsed the same way, integral floats print without
//!   `.0`, other floats without binary noise (at most 15 significant digits, as Excel shows them).
//! - **Things a reviewer must know** go into notes: hidden sheets, formulas saved without a cached
//!   value (openpyxl, xlwt), numbers of 15+ digits whose precision the file may already have lost
//!   (an 18-digit 统一社会信用代码 stored as a number).
//! - **Hostile files end quickly.** xlsx is streamed cell by cell (no dense grid is built);
//!   for ods and xls, whose calamine readers build a dense grid of the used area up front, the
//!   declared extent is measured first (ods: `content.xml` repeat attributes; xls: the BIFF cell
//!   records) and a workbook whose grid would exceed `max_cells` is refused before calamine runs.
//!   Cells visited, passages and wall time are checked against [`super::Limits`].

use super::{Extracted, ReadContext, ReadError, sniff};
use crate::model::{FileKind, Location, Passage};
use calamine::{Data, DataRef, Dimensions, Ods, Range, Reader, SheetVisible, Xls, Xlsx};
use std::collections::BTreeMap;
use std::io::{BufReader, Cursor, Read};

/// How many individual findings of one sort are listed before they are collapsed to a count.
const MAX_LISTED: usize = 5;
/// Merged regions wider than this are not carried into header labels (hostile files).
const MAX_MERGE_SPAN: u32 = 512;
/// Most leading single-cell rows treated as the table's title lines.
const MAX_TITLE_ROWS: usize = 3;

/// Reads a workbook into row passages. `kind` is the sniffed kind (Xlsx, Xls or Ods); other kinds
/// are refused as unsupported.
pub fn read(kind: FileKind, bytes: &[u8], ctx: &ReadContext) -> Result<Extracted, ReadError> {
    if sniff::is_encrypted_ooxml(bytes) {
        return Err(ReadError::Encrypted(
            "password-protected Excel workbook (encrypted OOXML package): ask the applicant for an unprotected copy"
                .into(),
        ));
    }
    let mut state = State::new(ctx);
    let sheets = match kind {
        FileKind::Xlsx => read_xlsx(bytes, &mut state)?,
        FileKind::Xls => read_xls(bytes, &mut state)?,
        FileKind::Ods => read_ods(bytes, &mut state)?,
        other => {
            return Err(ReadError::Unsupported(format!(
                "the spreadsheet reader does not read {other} files"
            )));
        }
    };
    state.finish(sheets)
}

// ---------------------------------------------------------------------------------------------
// Shared state: budget, notes, passages
// ---------------------------------------------------------------------------------------------

/// One non-empty cell as text, with whether it holds text (for header detection).
#[derive(Debug, Clone)]
struct CellText {
    row: u32,
    col: u32,
    text: String,
    is_text: bool,
}

/// What one sheet gave: its cells (any order) and merged regions (absolute coordinates).
#[derive(Debug, Default)]
struct SheetCells {
    name: String,
    cells: Vec<CellText>,
    merges: Vec<Dimensions>,
}

/// Per-file reading state: the cell budget, the clock, and the notes gathered on the way.
struct State<'a> {
    ctx: &'a ReadContext,
    visited: u64,
    truncated: Option<String>,
    uncached: Vec<String>,
    uncached_count: usize,
    long_numbers: Vec<String>,
    long_count: usize,
    notes: Vec<String>,
    sheet_count: u32,
}

impl<'a> State<'a> {
    fn new(ctx: &'a ReadContext) -> State<'a> {
        State {
            ctx,
            visited: 0,
            truncated: None,
            uncached: Vec::new(),
            uncached_count: 0,
            long_numbers: Vec::new(),
            long_count: 0,
            notes: Vec::new(),
            sheet_count: 0,
        }
    }

    /// Counts one visited cell. `Ok(false)` once the cell budget is spent (reading stops and the
    /// file is marked truncated); `Err` when the file's time is up.
    fn visit(&mut self) -> Result<bool, ReadError> {
        if self.truncated.is_some() {
            return Ok(false);
        }
        self.visited += 1;
        if self.visited.is_multiple_of(4096) {
            self.ctx.check_time()?;
        }
        if self.visited > self.ctx.limits.max_cells {
            self.truncated = Some(format!(
                "more than {} spreadsheet cells; the rest of the workbook was not read",
                self.ctx.limits.max_cells
            ));
            return Ok(false);
        }
        Ok(true)
    }

    fn note_uncached(&mut self, sheet: &str, row: u32, col: u32, formula: &str) {
        self.uncached_count += 1;
        if self.uncached.len() < MAX_LISTED {
            let formula = formula.trim();
            let shown = if formula.starts_with('=') || formula.starts_with("of:") {
                formula.to_string()
            } else {
                format!("={formula}")
            };
            self.uncached
                .push(format!("{sheet}!{}: formula {shown}", a1(row, col)));
        }
    }

    fn note_long_number(&mut self, sheet: &str, row: u32, col: u32, text: &str) {
        self.long_count += 1;
        if self.long_numbers.len() < MAX_LISTED {
            self.long_numbers
                .push(format!("{sheet}!{} ({text})", a1(row, col)));
        }
    }

    /// Turns the per-sheet cells into passages and the gathered findings into notes.
    fn finish(mut self, sheets: Vec<SheetCells>) -> Result<Extracted, ReadError> {
        let mut passages = Vec::new();
        'sheets: for sheet in sheets {
            for passage in sheet_passages(sheet, self.ctx)? {
                if passages.len() >= self.ctx.limits.max_passages {
                    self.truncated.get_or_insert_with(|| {
                        format!(
                            "more than {} passages; the rest of the workbook was not read",
                            self.ctx.limits.max_passages
                        )
                    });
                    break 'sheets;
                }
                passages.push(passage);
            }
        }
        let mut notes = std::mem::take(&mut self.notes);
        if self.uncached_count > 0 {
            if self.uncached_count <= MAX_LISTED {
                for n in &self.uncached {
                    notes.push(format!(
                        "{n} has no cached value (file saved without recalculation)"
                    ));
                }
            } else {
                notes.push(format!(
                    "{} formula cells have no cached value (file saved without recalculation), e.g. {}",
                    self.uncached_count,
                    self.uncached.join("; ")
                ));
            }
        }
        if self.long_count > 0 {
            notes.push(format!(
                "{} numeric cell(s) with 15 or more significant digits: precision may be lost (a long ID such as a 统一社会信用代码 stored as a number is already damaged in the file): {}{}",
                self.long_count,
                self.long_numbers.join("; "),
                if self.long_count > MAX_LISTED { "; …" } else { "" }
            ));
        }
        Ok(Extracted {
            passages,
            ocr_pages: Vec::new(),
            pages: Some(self.sheet_count),
            notes,
            truncated: self.truncated,
        })
    }

    /// Notes the workbook's hidden sheets (they are read like the others).
    fn note_hidden(&mut self, meta: &[calamine::Sheet]) {
        self.sheet_count = u32::try_from(meta.len()).unwrap_or(u32::MAX);
        let hidden: Vec<String> = meta
            .iter()
            .filter_map(|s| match s.visible {
                SheetVisible::Visible => None,
                SheetVisible::Hidden => Some(format!("{} (hidden)", s.name)),
                SheetVisible::VeryHidden => Some(format!("{} (very hidden)", s.name)),
            })
            .collect();
        if !hidden.is_empty() {
            self.notes.push(format!(
                "workbook has hidden sheet(s), read like the others: {}",
                hidden.join(", ")
            ));
        }
    }

    /// Formats a value and records a long-number finding for it.
    fn cell(&mut self, sheet: &str, row: u32, col: u32, value: &Data) -> Option<CellText> {
        let f = format_value(value)?;
        if f.long_number {
            self.note_long_number(sheet, row, col, &f.text);
        }
        Some(CellText {
            row,
            col,
            text: f.text,
            is_text: f.is_text,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Format readers
// ---------------------------------------------------------------------------------------------

fn corrupt(what: &str, err: impl std::fmt::Display) -> ReadError {
    ReadError::Corrupt(format!(
        "the {what} workbook could not be read (damaged, or not really an {what} file): {err}"
    ))
}

/// xlsx: streamed cell by cell, so a huge declared extent costs nothing.
fn read_xlsx(bytes: &[u8], state: &mut State) -> Result<Vec<SheetCells>, ReadError> {
    check_zip_sizes(bytes, state.ctx, "xlsx")?;
    let mut wb: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| corrupt("xlsx", e))?;
    let meta = wb.sheets_metadata().to_vec();
    state.note_hidden(&meta);
    let mut out = Vec::new();
    for sheet in meta {
        state.ctx.check_time()?;
        if state.truncated.is_some() {
            break;
        }
        let name = sheet.name.clone();
        let merges = match wb.merge_cells_by_sheet_name(&name) {
            Ok(m) => m,
            Err(e) => {
                state
                    .notes
                    .push(format!("{name}: merged cells could not be read: {e}"));
                Vec::new()
            }
        };
        let mut cells = Vec::new();
        let mut reader = match wb.worksheet_cells_reader(&name) {
            Ok(r) => r,
            // Chart sheets and the like have no cells.
            Err(calamine::XlsxError::WorksheetNotFound(_)) => continue,
            Err(e) => return Err(corrupt("xlsx", format!("sheet {name}: {e}"))),
        };
        loop {
            let next = reader
                .next_cell_with_formula()
                .map_err(|e| corrupt("xlsx", format!("sheet {name}: {e}")))?;
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
        out.push(SheetCells {
            name,
            cells,
            merges,
        });
    }
    Ok(out)
}

/// xls: calamine parses the whole workbook on open into dense grids, so the BIFF cell records
/// are measured first.
fn read_xls(bytes: &[u8], state: &mut State) -> Result<Vec<SheetCells>, ReadError> {
    if let Some(cells) = xls_dense_cells(bytes, state.ctx)?
        && cells > state.ctx.limits.max_cells
    {
        return Err(ReadError::LimitExceeded(format!(
            "the xls workbook's used area spans {cells} cells, over the limit of {}; not expanded",
            state.ctx.limits.max_cells
        )));
    }
    let mut wb: Xls<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| match e {
            calamine::XlsError::Password => ReadError::Encrypted(
                "password-protected xls workbook (encrypted BIFF): ask the applicant for an unprotected copy"
                    .into(),
            ),
            e => corrupt("xls", e),
        })?;
    let meta = wb.sheets_metadata().to_vec();
    state.note_hidden(&meta);
    let mut out = Vec::new();
    for sheet in meta {
        state.ctx.check_time()?;
        if state.truncated.is_some() {
            break;
        }
        let name = sheet.name.clone();
        let merges = wb.merge_cells_by_sheet_name(&name).unwrap_or_default();
        let range = match wb.worksheet_range(&name) {
            Ok(r) => r,
            Err(calamine::XlsError::WorksheetNotFound(_)) => continue,
            Err(e) => return Err(corrupt("xls", format!("sheet {name}: {e}"))),
        };
        let formulas = wb.worksheet_formula(&name).unwrap_or_default();
        out.push(dense_sheet(name, &range, &formulas, merges, state)?);
    }
    Ok(out)
}

/// ods: calamine expands repeated rows and columns into a dense grid on open, so `content.xml`
/// is measured first.
fn read_ods(bytes: &[u8], state: &mut State) -> Result<Vec<SheetCells>, ReadError> {
    check_zip_sizes(bytes, state.ctx, "ods")?;
    let cells = ods_dense_cells(bytes, state.ctx)?;
    if cells > state.ctx.limits.max_cells {
        return Err(ReadError::LimitExceeded(format!(
            "the ods workbook declares {cells} cells through repeated rows and columns, over the limit of {}; not expanded",
            state.ctx.limits.max_cells
        )));
    }
    let mut wb: Ods<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| match e {
            calamine::OdsError::Password => ReadError::Encrypted(
                "password-protected ods workbook: ask the applicant for an unprotected copy".into(),
            ),
            e => corrupt("ods", e),
        })?;
    let meta = wb.sheets_metadata().to_vec();
    state.note_hidden(&meta);
    let mut out = Vec::new();
    for sheet in meta {
        state.ctx.check_time()?;
        if state.truncated.is_some() {
            break;
        }
        let name = sheet.name.clone();
        let range = match wb.worksheet_range(&name) {
            Ok(r) => r,
            Err(calamine::OdsError::WorksheetNotFound(_)) => continue,
            Err(e) => return Err(corrupt("ods", format!("sheet {name}: {e}"))),
        };
        let formulas = wb.worksheet_formula(&name).unwrap_or_default();
        // ODS has no merged-region API in calamine: values simply sit in the first cell.
        out.push(dense_sheet(name, &range, &formulas, Vec::new(), state)?);
    }
    Ok(out)
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
    let mut scanned: u64 = 0;
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
    for (r, c, formula) in formulas.used_cells() {
        scanned += 1;
        if scanned.is_multiple_of(4096) {
            state.ctx.check_time()?;
        }
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

// ---------------------------------------------------------------------------------------------
// Guards against dense-grid blow-ups
// ---------------------------------------------------------------------------------------------

/// Refuses a zip-based workbook whose parts declare more uncompressed bytes than a file may have.
fn check_zip_sizes(bytes: &[u8], ctx: &ReadContext, what: &str) -> Result<(), ReadError> {
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
    let mut events: u64 = 0;
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| corrupt("ods", format!("content.xml: {e}")))?;
        events += 1;
        if events.is_multiple_of(4096) {
            ctx.check_time()?;
        }
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
    let mut records: u64 = 0;
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
        records += 1;
        if records.is_multiple_of(4096) {
            ctx.check_time()?;
        }
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

// ---------------------------------------------------------------------------------------------
// Rows → passages, with title and header carry
// ---------------------------------------------------------------------------------------------

/// One non-empty row: its absolute index and cells in column order.
struct Row {
    row: u32,
    cells: Vec<CellText>,
}

impl Row {
    fn text(&self) -> String {
        self.cells
            .iter()
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    }

    fn mostly_text(&self) -> bool {
        let text = self.cells.iter().filter(|c| c.is_text).count();
        text * 2 > self.cells.len()
    }
}

/// Builds the passages of one sheet: one per non-empty row, with the title line(s) and the
/// header row carried into `headings` of the rows below them.
fn sheet_passages(sheet: SheetCells, ctx: &ReadContext) -> Result<Vec<Passage>, ReadError> {
    ctx.check_time()?;
    let SheetCells {
        name,
        mut cells,
        merges,
    } = sheet;
    cells.sort_by_key(|c| (c.row, c.col));
    let mut rows: Vec<Row> = Vec::new();
    for cell in cells {
        match rows.last_mut() {
            Some(last) if last.row == cell.row => last.cells.push(cell),
            _ => rows.push(Row {
                row: cell.row,
                cells: vec![cell],
            }),
        }
    }
    if rows.is_empty() {
        return Ok(Vec::new());
    }

    // Title lines: leading single-cell rows (a merged banner, or a caption) above a wider row.
    let mut titles = Vec::new();
    let mut idx = 0;
    while idx < rows.len().min(MAX_TITLE_ROWS)
        && rows[idx].cells.len() == 1
        && rows.get(idx + 1).is_some_and(|next| {
            next.cells.len() >= 2 || is_wide_merge(&merges, &rows[idx].cells[0])
        })
    {
        titles.push(title_line(&rows[idx].cells[0].text));
        idx += 1;
    }

    // Header: the next row, if mostly text; a second text row below a header whose merged cells
    // reach down into it is a sub-header.
    let mut header: Option<String> = None;
    let mut data_from = idx;
    if let Some(candidate) = rows.get(idx)
        && candidate.cells.len() >= 2
        && candidate.mostly_text()
        && rows.len() > idx + 1
    {
        let mut labels: BTreeMap<u32, String> = BTreeMap::new();
        for c in &candidate.cells {
            labels.insert(c.col, one_line(&c.text));
        }
        let mut reaches_down = false;
        for m in &merges {
            if m.start.0 <= candidate.row && candidate.row <= m.end.0 {
                if m.end.0 > candidate.row {
                    reaches_down = true;
                }
                let Some(value) = value_at(&rows, m.start.0, m.start.1) else {
                    continue;
                };
                let last = m.end.1.min(m.start.1.saturating_add(MAX_MERGE_SPAN));
                for col in m.start.1..=last {
                    labels.entry(col).or_insert_with(|| one_line(value));
                }
            }
        }
        data_from = idx + 1;
        if reaches_down
            && let Some(sub) = rows.get(idx + 1)
            && sub.row == candidate.row + 1
            && sub.mostly_text()
            && rows.len() > idx + 2
        {
            for c in &sub.cells {
                let text = one_line(&c.text);
                let label = match labels.get(&c.col) {
                    Some(top) if *top != text => format!("{top}/{text}"),
                    _ => text,
                };
                labels.insert(c.col, label);
            }
            data_from = idx + 2;
        }
        let joined = labels
            .values()
            .filter(|l| !l.trim().is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" | ");
        header = Some(joined);
    }

    let mut passages = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let first = row.cells.first().map_or(0, |c| c.col);
        let last = row.cells.last().map_or(0, |c| c.col);
        let cell = if first == last {
            a1(row.row, first)
        } else {
            format!("{}:{}", a1(row.row, first), a1(row.row, last))
        };
        let mut passage = Passage::new(
            row.text(),
            Location::SheetCell {
                sheet: name.clone(),
                cell,
            },
        );
        if i >= idx {
            passage.headings = titles.clone();
        } else {
            passage.headings = titles[..i].to_vec();
        }
        if i >= data_from
            && let Some(h) = &header
        {
            passage.headings.push(h.clone());
        }
        passages.push(passage);
    }
    Ok(passages)
}

/// A cell's manual line breaks removed, for a heading: dropped between CJK characters
/// (`原料含\n量` → `原料含量`), a space elsewhere.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let joins_cjk = out.chars().last().is_some_and(crate::normalize::is_cjk)
            && line.chars().next().is_some_and(crate::normalize::is_cjk);
        if !out.is_empty() && !joins_cjk {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

/// A title cell as a heading: its first line, at most 100 characters (some templates put a
/// page of instructions in the merged title cell).
fn title_line(text: &str) -> String {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if first.chars().count() > 100 {
        let mut s: String = first.chars().take(100).collect();
        s.push('…');
        s
    } else {
        first.to_string()
    }
}

/// True when a merged region starting at this cell spans two or more columns (a banner title).
fn is_wide_merge(merges: &[Dimensions], cell: &CellText) -> bool {
    merges
        .iter()
        .any(|m| m.start == (cell.row, cell.col) && m.end.1 > m.start.1)
}

fn value_at(rows: &[Row], row: u32, col: u32) -> Option<&str> {
    let i = rows.binary_search_by_key(&row, |r| r.row).ok()?;
    rows[i]
        .cells
        .iter()
        .find(|c| c.col == col)
        .map(|c| c.text.as_str())
}

/// A1 reference of a 0-based (row, col), e.g. (2, 5) → `F3`.
fn a1(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.reverse();
    let mut s: String = letters.into_iter().collect();
    s.push_str(&(u64::from(row) + 1).to_string());
    s
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/// A cell value as text, whether it is text, and whether it is a number of 15+ digits.
struct Formatted {
    text: String,
    is_text: bool,
    long_number: bool,
}

/// Formats a cell value the way a reviewer reads it; `None` for empty cells.
fn format_value(value: &Data) -> Option<Formatted> {
    let (text, is_text, long_number) = match value {
        Data::Empty => return None,
        Data::String(s) => {
            if s.trim().is_empty() {
                return None;
            }
            (s.clone(), true, false)
        }
        Data::Int(i) => (
            i.to_string(),
            false,
            i.unsigned_abs() >= 100_000_000_000_000,
        ),
        Data::Float(f) => (
            format_float(*f),
            false,
            f.is_finite() && f.fract() == 0.0 && f.abs() >= 1e14,
        ),
        Data::Bool(b) => (
            (if *b { "TRUE" } else { "FALSE" }).to_string(),
            false,
            false,
        ),
        Data::Error(e) => (e.to_string(), false, false),
        Data::DateTime(dt) => (format_excel_datetime(dt), false, false),
        Data::DateTimeIso(s) => (format_iso_datetime(s), false, false),
        Data::DurationIso(s) => (format_iso_duration(s), false, false),
    };
    Some(Formatted {
        text,
        is_text,
        long_number,
    })
}

/// A float without binary noise: at most 15 significant digits (Excel's precision), shortest
/// form, integers without `.0`.
fn format_float(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    let abs = rounded.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        format!("{rounded:e}")
    } else {
        format!("{rounded}")
    }
}

/// An Excel serial date/time as ISO text: `2019-05-01`, `2019-05-01 09:30`, `09:30`; durations
/// as `h:mm[:ss]`.
fn format_excel_datetime(dt: &calamine::ExcelDateTime) -> String {
    let value = dt.as_f64();
    if dt.is_duration() {
        return format_seconds(value * 86_400.0);
    }
    let (y, mo, d, h, mi, s, _ms) = dt.to_ymd_hms_milli();
    let time = if s == 0 {
        format!("{h:02}:{mi:02}")
    } else {
        format!("{h:02}:{mi:02}:{s:02}")
    };
    if (0.0..1.0).contains(&value) {
        time
    } else if value.fract() == 0.0 || (h, mi, s) == (0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {time}")
    }
}

/// Seconds as `hh:mm` or `hh:mm:ss` (hours may exceed 24; negative kept).
fn format_seconds(total: f64) -> String {
    if !total.is_finite() {
        return total.to_string();
    }
    let sign = if total < 0.0 { "-" } else { "" };
    let secs = total.abs().round() as u64;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if s == 0 {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}:{m:02}:{s:02}")
    }
}

/// ODS `office:date-value` (`2019-05-01`, `2019-05-01T09:30:00[.123]`) as ISO text.
fn format_iso_datetime(s: &str) -> String {
    let s = s.trim();
    match s.split_once('T') {
        Some((date, time)) => match format_hms(time) {
            Some(t) if t == "00:00" => date.to_string(),
            Some(t) => format!("{date} {t}"),
            None => s.to_string(),
        },
        None if s.contains(':') => format_hms(s).unwrap_or_else(|| s.to_string()),
        None => s.to_string(),
    }
}

/// `09:30:00[.5][Z|+08:00]` → `09:30` (seconds only when non-zero).
fn format_hms(t: &str) -> Option<String> {
    let t = t.trim_end_matches('Z');
    let t = t.split(['+']).next().unwrap_or(t);
    let mut parts = t.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let s: f64 = match parts.next() {
        Some(p) => p.parse().ok()?,
        None => 0.0,
    };
    let s = s.round() as u32;
    Some(if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    })
}

/// ODS `office:time-value` (`PT09H30M00S`, `P1DT2H`, `-PT1H`) as `hh:mm[:ss]`.
fn format_iso_duration(s: &str) -> String {
    parse_iso_duration(s.trim()).map_or_else(|| s.to_string(), format_seconds)
}

fn parse_iso_duration(s: &str) -> Option<f64> {
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let rest = rest.strip_prefix('P')?;
    let mut total = 0.0;
    let mut in_time = false;
    let mut number = String::new();
    for ch in rest.chars() {
        match ch {
            'T' => in_time = true,
            '0'..='9' | '.' | ',' => number.push(if ch == ',' { '.' } else { ch }),
            unit => {
                let n: f64 = number.parse().ok()?;
                number.clear();
                total += n * match (unit, in_time) {
                    ('D', false) => 86_400.0,
                    ('W', false) => 604_800.0,
                    ('H', true) => 3_600.0,
                    ('M', true) => 60.0,
                    ('S', true) => 1.0,
                    _ => return None,
                };
            }
        }
    }
    if !number.is_empty() {
        return None;
    }
    Some(if neg { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Limits;
    use std::io::Write;
    use std::time::{Duration, Instant};

    /// One sheet of a test workbook: name, hidden, `<sheetData>` rows, `<mergeCell>` refs.
    struct TestSheet<'a> {
        name: &'a str,
        hidden: bool,
        rows: String,
        merges: &'a [&'a str],
    }

    fn sheet<'a>(name: &'a str, rows: String) -> TestSheet<'a> {
        TestSheet {
            name,
            hidden: false,
            rows,
            merges: &[],
        }
    }

    fn zip_parts(parts: &[(&str, String)]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut zip = ::zip::ZipWriter::new(&mut out);
            let opts = ::zip::write::SimpleFileOptions::default()
                .compression_method(::zip::CompressionMethod::Stored);
            for (name, body) in parts {
                zip.start_file(*name, opts).expect("zip entry");
                zip.write_all(body.as_bytes()).expect("zip write");
            }
            zip.finish().expect("zip finish");
        }
        out.into_inner()
    }

    /// A minimal xlsx written part by part. Styles: 0 general, 1 `yyyy"年"m"月"d"日"`,
    /// 2 `yyyy-mm-dd hh:mm`, 3 `h:mm`.
    fn xlsx(sheets: &[TestSheet]) -> Vec<u8> {
        let mut parts = vec![
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#.to_string(),
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
            ),
            (
                "xl/styles.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/><numFmt numFmtId="166" formatCode="h:mm"/></numFmts><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="165" applyNumberFormat="1"/><xf numFmtId="166" applyNumberFormat="1"/></cellXfs></styleSheet>"#.to_string(),
            ),
        ];
        let mut wb_sheets = String::new();
        let mut rels = String::new();
        for (i, s) in sheets.iter().enumerate() {
            let n = i + 1;
            let state = if s.hidden { r#" state="hidden""# } else { "" };
            wb_sheets.push_str(&format!(
                r#"<sheet name="{}" sheetId="{n}"{state} r:id="rId{n}"/>"#,
                s.name
            ));
            rels.push_str(&format!(
                r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
            ));
            let merges = if s.merges.is_empty() {
                String::new()
            } else {
                let m: String = s
                    .merges
                    .iter()
                    .map(|r| format!(r#"<mergeCell ref="{r}"/>"#))
                    .collect();
                format!(r#"<mergeCells count="{}">{m}</mergeCells>"#, s.merges.len())
            };
            parts.push((
                Box::leak(format!("xl/worksheets/sheet{n}.xml").into_boxed_str()),
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{}</sheetData>{merges}</worksheet>"#,
                    s.rows
                ),
            ));
        }
        rels.push_str(r#"<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#);
        parts.push((
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{wb_sheets}</sheets></workbook>"#
            ),
        ));
        parts.push((
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
            ),
        ));
        zip_parts(&parts)
    }

    /// A text cell.
    fn t(r: &str, v: &str) -> String {
        format!(r#"<c r="{r}" t="inlineStr"><is><t>{v}</t></is></c>"#)
    }
    /// A number cell with a style.
    fn n(r: &str, v: &str, style: u32) -> String {
        format!(r#"<c r="{r}" s="{style}"><v>{v}</v></c>"#)
    }
    fn row(r: u32, cells: &[String]) -> String {
        format!(r#"<row r="{r}">{}</row>"#, cells.concat())
    }

    fn ctx() -> ReadContext {
        ReadContext::new(Limits::default())
    }

    fn read_xlsx_ok(sheets: &[TestSheet]) -> Extracted {
        read(FileKind::Xlsx, &xlsx(sheets), &ctx()).expect("xlsx reads")
    }

    fn texts(x: &Extracted) -> Vec<&str> {
        x.passages.iter().map(|p| p.text.as_str()).collect()
    }

    fn cell_of(p: &Passage) -> (&str, &str) {
        match &p.location {
            Location::SheetCell { sheet, cell } => (sheet.as_str(), cell.as_str()),
            other => panic!("not a sheet cell: {other:?}"),
        }
    }

    #[test]
    fn chinese_sheet_name_and_a1_ranges() {
        let rows = row(3, &[t("A3", "网点"), t("B3", "地址"), t("F3", "电话")])
            + &row(7, &[t("B7", "北京市海淀区")]);
        let x = read_xlsx_ok(&[sheet("网点名单", rows)]);
        assert_eq!(texts(&x), vec!["网点 | 地址 | 电话", "北京市海淀区"]);
        assert_eq!(cell_of(&x.passages[0]), ("网点名单", "A3:F3"));
        assert_eq!(cell_of(&x.passages[1]), ("网点名单", "B7"));
        assert_eq!(x.pages, Some(1));
    }

    #[test]
    fn chinese_date_format_becomes_iso() {
        let rows = row(
            1,
            &[
                n("A1", "43586", 1),
                n("B1", "43586.395833333336", 2),
                n("C1", "0.3958333333333333", 3),
            ],
        );
        let x = read_xlsx_ok(&[sheet("Sheet1", rows)]);
        assert_eq!(texts(&x), vec!["2019-05-01 | 2019-05-01 09:30 | 09:30"]);
    }

    #[test]
    fn numbers_print_without_float_noise() {
        let rows = row(
            1,
            &[
                n("A1", "12", 0),
                n("B1", "0.1", 0),
                n("C1", "0.30000000000000004", 0),
                n("D1", "-3.5", 0),
                r#"<c r="E1" t="b"><v>1</v></c>"#.to_string(),
                r#"<c r="F1" t="e"><v>#DIV/0!</v></c>"#.to_string(),
            ],
        );
        let x = read_xlsx_ok(&[sheet("Sheet1", rows)]);
        assert_eq!(texts(&x), vec!["12 | 0.1 | 0.3 | -3.5 | TRUE | #DIV/0!"]);
        assert!(x.notes.is_empty(), "{:?}", x.notes);
    }

    #[test]
    fn merged_title_and_header_are_carried() {
        let rows = row(1, &[t("A1", "售后服务网点一览表")])
            + &row(
                2,
                &[t("A2", "序号"), t("B2", "网点名称"), t("C2", "联系方式")],
            )
            + &row(3, &[t("C3", "电话"), t("D3", "地址")])
            + &row(
                4,
                &[
                    n("A4", "1", 0),
                    t("B4", "北京网点"),
                    t("C4", "010-1234"),
                    t("D4", "北京市"),
                ],
            );
        let s = TestSheet {
            name: "网点",
            hidden: false,
            rows,
            merges: &["A1:D1", "A2:A3", "B2:B3", "C2:D2"],
        };
        let x = read_xlsx_ok(&[s]);
        assert_eq!(x.passages.len(), 4);
        assert!(x.passages[0].headings.is_empty());
        assert_eq!(x.passages[1].headings, vec!["售后服务网点一览表"]);
        assert_eq!(
            x.passages[3].headings,
            vec![
                "售后服务网点一览表",
                "序号 | 网点名称 | 联系方式/电话 | 联系方式/地址"
            ]
        );
        assert_eq!(x.passages[3].text, "1 | 北京网点 | 010-1234 | 北京市");
    }

    #[test]
    fn merged_header_cell_spans_its_columns() {
        let rows = row(1, &[t("A1", "姓名"), t("B1", "证书")])
            + &row(2, &[t("A2", "张三"), t("B2", "国家级"), t("C2", "2020")]);
        let s = TestSheet {
            name: "人员",
            hidden: false,
            rows,
            merges: &["B1:C1"],
        };
        let x = read_xlsx_ok(&[s]);
        assert_eq!(x.passages[1].headings, vec!["姓名 | 证书 | 证书"]);
    }

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
            x.notes.iter().any(|n| n
                == "Sheet1!D9: formula =SUM(D3:D8) has no cached value (file saved without recalculation)"),
            "{:?}",
            x.notes
        );
        assert_eq!(texts(&x), vec!["5", "合计"]);
    }

    #[test]
    fn many_uncached_formulas_collapse_to_a_count() {
        let rows: String = (1..=8)
            .map(|r| row(r, &[format!(r#"<c r="A{r}"><f>1+{r}</f></c>"#)]))
            .collect();
        let x = read_xlsx_ok(&[sheet("S", rows)]);
        assert_eq!(x.notes.len(), 1, "{:?}", x.notes);
        assert!(x.notes[0].starts_with("8 formula cells have no cached value"));
    }

    #[test]
    fn hidden_sheet_is_read_and_noted() {
        let visible = sheet("首页", row(1, &[t("A1", "公开")]));
        let hidden = TestSheet {
            name: "隐藏名单",
            hidden: true,
            rows: row(1, &[t("A1", "秘密")]),
            merges: &[],
        };
        let x = read_xlsx_ok(&[visible, hidden]);
        assert_eq!(texts(&x), vec!["公开", "秘密"]);
        assert!(
            x.notes.iter().any(|n| n.contains("隐藏名单 (hidden)")),
            "{:?}",
            x.notes
        );
        assert_eq!(x.pages, Some(2));
    }

    #[test]
    fn eighteen_digit_number_is_noted() {
        let rows = row(
            1,
            &[
                t("A1", "统一社会信用代码"),
                n("B1", "913100001234567890", 0),
            ],
        );
        let x = read_xlsx_ok(&[sheet("Sheet1", rows)]);
        assert_eq!(texts(&x), vec!["统一社会信用代码 | 913100001234568000"]);
        assert!(
            x.notes
                .iter()
                .any(|n| n.contains("Sheet1!B1") && n.contains("precision")),
            "{:?}",
            x.notes
        );
    }

    #[test]
    fn empty_rows_and_blank_cells_are_skipped() {
        let rows = row(1, &[t("A1", "甲")])
            + &row(2, &[t("A2", "  "), r#"<c r="B2" s="1"/>"#.to_string()])
            + &row(5, &[t("C5", "乙")]);
        let x = read_xlsx_ok(&[sheet("S", rows)]);
        assert_eq!(texts(&x), vec!["甲", "乙"]);
        assert_eq!(cell_of(&x.passages[1]).1, "C5");
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

    #[test]
    fn cell_limit_truncates_and_keeps_rows() {
        let rows: String = (1..=50)
            .map(|r| row(r, &[t(&format!("A{r}"), "行"), n(&format!("B{r}"), "1", 0)]))
            .collect();
        let limits = Limits {
            max_cells: 21,
            ..Limits::default()
        };
        let x = read(
            FileKind::Xlsx,
            &xlsx(&[sheet("S", rows)]),
            &ReadContext::new(limits),
        )
        .expect("reads");
        assert!(x.truncated.is_some());
        assert_eq!(x.passages.len(), 11);
    }

    fn ods(content_body: &str) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{content_body}</office:spreadsheet></office:body></office:document-content>"#
        );
        zip_parts(&[
            (
                "mimetype",
                "application/vnd.oasis.opendocument.spreadsheet".into(),
            ),
            ("META-INF/manifest.xml", r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#.into()),
            ("content.xml", content),
        ])
    }

    #[test]
    fn ods_iso_dates_and_durations() {
        let body = r#"<table:table table:name="日期"><table:table-row><table:table-cell office:value-type="date" office:date-value="2019-05-01"><text:p>2019年5月1日</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2019-05-01T09:30:00"><text:p>x</text:p></table:table-cell><table:table-cell office:value-type="time" office:time-value="PT09H30M00S"><text:p>09:30</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="12"><text:p>12</text:p></table:table-cell></table:table-row></table:table>"#;
        let x = read(FileKind::Ods, &ods(body), &ctx()).expect("ods reads");
        assert_eq!(
            texts(&x),
            vec!["2019-05-01 | 2019-05-01 09:30 | 09:30 | 12"]
        );
        assert_eq!(cell_of(&x.passages[0]), ("日期", "A1:D1"));
    }

    #[test]
    fn ods_with_huge_repeats_is_refused_quickly() {
        let body = r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="60000"><table:table-cell table:number-columns-repeated="16000" office:value-type="string"><text:p>X</text:p></table:table-cell></table:table-row></table:table>"#;
        let started = Instant::now();
        let r = read(FileKind::Ods, &ods(body), &ctx());
        assert!(matches!(r, Err(ReadError::LimitExceeded(_))), "{r:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn value_formatting_helpers() {
        assert_eq!(format_float(12.0), "12");
        assert_eq!(format_float(0.1), "0.1");
        assert_eq!(format_float(-0.0), "0");
        assert_eq!(format_float(1e300), "1e300");
        assert_eq!(format_float(1.5e-9), "1.5e-9");
        assert_eq!(format_iso_duration("PT09H30M00S"), "09:30");
        assert_eq!(format_iso_duration("P1DT2H0M5S"), "26:00:05");
        assert_eq!(format_iso_duration("garbage"), "garbage");
        assert_eq!(format_iso_datetime("2019-05-01T00:00:00"), "2019-05-01");
        assert_eq!(
            format_iso_datetime("2019-05-01T09:30:15.2"),
            "2019-05-01 09:30:15"
        );
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(2, 5), "F3");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(a1(0, 16_383), "XFD1");
        assert_eq!(one_line("原料含\n量（%）"), "原料含量（%）");
        assert_eq!(one_line("Unit\nprice"), "Unit price");
        assert_eq!(title_line("模板\n1、材质：必填"), "模板");
    }

    /// Recall of the reference CSV's Han characters in our passages (multiset, per character).
    fn han_recall(ours: &str, reference: &str) -> Option<f64> {
        let count = |s: &str| {
            let mut m: BTreeMap<char, usize> = BTreeMap::new();
            for c in s.chars().filter(|&c| crate::normalize::is_han(c)) {
                *m.entry(c).or_default() += 1;
            }
            m
        };
        let (a, b) = (count(ours), count(reference));
        let total: usize = b.values().sum();
        if total == 0 {
            return None;
        }
        let hit: usize = b
            .iter()
            .map(|(c, n)| (*n).min(a.get(c).copied().unwrap_or(0)))
            .sum();
        Some(hit as f64 / total as f64)
    }

    #[test]
    fn realworld_sheets() {
        let dir = std::path::Path::new("/work/shared/realworld/sheets");
        let Ok(entries) = std::fs::read_dir(dir) else {
            println!("realworld sheets absent at {}; skipped", dir.display());
            return;
        };
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| !p.to_string_lossy().ends_with(".csv"))
            .collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let kind = sniff::sniff(&name, &bytes);
            let started = Instant::now();
            // A file the sniffer does not take for a workbook is still given to the reader the
            // extension names, to check it fails in words.
            let kind = match (kind, sniff::kind_from_extension(&name)) {
                (FileKind::Xlsx | FileKind::Xls | FileKind::Ods, _) => kind,
                (_, Some(claimed)) => claimed,
                (other, None) => other,
            };
            let result = read(kind, &bytes, &ctx());
            let elapsed = started.elapsed();
            assert!(elapsed < Duration::from_secs(10), "{name} took {elapsed:?}");
            let reference = std::fs::read_to_string(format!("{}.ref.csv", path.display())).ok();
            match &result {
                Ok(x) => {
                    let first_sheet = x.passages.first().map(|p| cell_of(p).0.to_string());
                    let ours: String = x
                        .passages
                        .iter()
                        .filter(|p| Some(cell_of(p).0.to_string()) == first_sheet)
                        .map(|p| p.text.as_str())
                        .collect::<Vec<_>>()
                        .join("\n");
                    let recall = reference.as_deref().and_then(|r| han_recall(&ours, r));
                    println!(
                        "{name}: ok kind={kind} rows={} sheets={:?} han_recall={} notes={} truncated={:?} {:?}",
                        x.passages.len(),
                        x.pages,
                        recall.map_or("-".into(), |r| format!("{r:.3}")),
                        x.notes.len(),
                        x.truncated,
                        elapsed
                    );
                    for n in &x.notes {
                        println!("    note: {n}");
                    }
                    for p in x.passages.iter().take(3) {
                        println!("    {} {:?} {:?}", p.location, p.text, p.headings);
                    }
                    if let Some(r) = recall {
                        assert!(r >= 0.98, "{name}: Han recall {r:.3}");
                    }
                }
                Err(e) => {
                    println!("{name}: {} kind={kind} ({e}) {elapsed:?}", e.status());
                    assert!(
                        reference.is_none() || name.contains("OOM"),
                        "{name}: has a reference but failed: {e}"
                    );
                }
            }
        }
    }

    /// Speed: 10,000 rows × 10 columns generated in memory. Run in release with
    /// `cargo test --release --lib sheet::tests::speed -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn speed_100k_cells() {
        let mut rows = String::new();
        rows.push_str(&row(
            1,
            &(0..10)
                .map(|c| t(&a1(0, c), &format!("列{c}")))
                .collect::<Vec<_>>(),
        ));
        for r in 1..=10_000u32 {
            let cells: Vec<String> = (0..10u32)
                .map(|c| {
                    let at = a1(r, c);
                    if c % 2 == 0 {
                        t(&at, &format!("网点{r}-{c}"))
                    } else {
                        n(&at, &format!("{}.5", r * c), 0)
                    }
                })
                .collect();
            rows.push_str(&row(r + 1, &cells));
        }
        let bytes = xlsx(&[sheet("Sheet1", rows)]);
        let c = ctx();
        let started = Instant::now();
        let cells = read_xlsx(&bytes, &mut State::new(&c)).expect("reads");
        println!(
            "100k-cell xlsx: calamine streaming + value formatting {:?} ({} sheet)",
            started.elapsed(),
            cells.len()
        );
        let started = Instant::now();
        let x = read(FileKind::Xlsx, &bytes, &ctx()).expect("reads");
        println!(
            "100k-cell xlsx ({} bytes): {} passages in {:?}",
            bytes.len(),
            x.passages.len(),
            started.elapsed()
        );
        assert_eq!(x.passages.len(), 10_001);
    }
}
