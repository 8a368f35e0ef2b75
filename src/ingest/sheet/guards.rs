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
            "{what} 工作簿解压后为 {total} 字节，超出每个文件 {max} 字节的限制 (the {what} workbook expands to {total} bytes, over the {max} byte limit per file)",
            max = ctx.limits.max_file_bytes
        )));
    }
    Ok(())
}

/// Refuses an xlsx workbook whose shared-string table declares more strings than `max_cells`:
/// calamine reserves room for `uniqueCount` strings before reading one, so
/// `uniqueCount="100000000000"` in a 2 KB file asks for 2.4 TB (issue 11).
pub(super) fn refuse_huge_xlsx(bytes: &[u8], ctx: &ReadContext) -> Result<(), ReadError> {
    let mut zip = ::zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| corrupt("xlsx", e))?;
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index(i) else {
            continue;
        };
        let is_shared_strings = entry
            .name()
            .is_ok_and(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml"));
        if !is_shared_strings {
            continue;
        }
        if let Some(declared) = sst_unique_count(entry, ctx)?
            && declared > ctx.limits.max_cells
        {
            return Err(ReadError::LimitExceeded(format!(
                "xlsx 工作簿的共享字符串表声明了 {declared} 个字符串（uniqueCount），超出 {max} 个单元格的限制，未读取 (the xlsx workbook's shared-string table declares {declared} strings, over the limit of {max} cells; not read)",
                max = ctx.limits.max_cells
            )));
        }
    }
    Ok(())
}

/// The `uniqueCount` of the part's `<sst>` root element, read no further than that element.
fn sst_unique_count(part: impl Read, ctx: &ReadContext) -> Result<Option<u64>, ReadError> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut buf = Vec::new();
    let mut clock = Clock::new(ctx);
    loop {
        clock.tick()?;
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                if e.local_name().as_ref() != "sst" {
                    return Ok(None);
                }
                // calamine reserves only a count that parses as a `usize`.
                return Ok(e
                    .try_get_attribute("uniqueCount")
                    .ok()
                    .flatten()
                    .and_then(|a| a.value.trim().parse::<u64>().ok()));
            }
            Ok(Event::Eof) | Err(_) => return Ok(None),
            Ok(_) => {}
        }
        buf.clear();
    }
}

/// Refuses an xls workbook before calamine parses it: a sheet whose DIMENSIONS record declares
/// more cells than `max_cells` (or a wrapped range), whose BIFF cell records span more, or whose
/// cells would copy more shared-string text than a file may have bytes.
pub(super) fn refuse_huge_xls(bytes: &[u8], ctx: &ReadContext) -> Result<(), ReadError> {
    let Some(scan) = scan_xls(bytes, ctx)? else {
        return Ok(());
    };
    if let Some(why) = scan.declared {
        return Err(ReadError::LimitExceeded(why));
    }
    if scan.cells > ctx.limits.max_cells {
        return Err(ReadError::LimitExceeded(format!(
            "xls 工作簿的已用区域有 {cells} 个单元格，超出 {max} 个的限制，未展开 (the xls workbook's used area spans {cells} cells, over the limit of {max}; not expanded)",
            cells = scan.cells,
            max = ctx.limits.max_cells
        )));
    }
    refuse_text_bytes("xls", "共享字符串在多个单元格中重复", scan.text_bytes, ctx)
}

/// Refuses a workbook whose cells would hold more text than a file may have bytes: calamine
/// copies a repeated or shared cell text once per cell, so a small file can expand to gigabytes.
fn refuse_text_bytes(
    what: &str,
    how: &str,
    text_bytes: u64,
    ctx: &ReadContext,
) -> Result<(), ReadError> {
    if text_bytes > ctx.limits.max_file_bytes {
        return Err(ReadError::LimitExceeded(format!(
            "{what} 工作簿的单元格展开后将有 {text_bytes} 字节文字（{how}），超出每个文件 {max} 字节的限制，未展开 (the {what} workbook's cells would hold {text_bytes} bytes of text, over the {max} byte limit per file; not expanded)",
            max = ctx.limits.max_file_bytes
        )));
    }
    Ok(())
}

/// Refuses an ods workbook whose repeated rows and columns declare more cells than `max_cells`,
/// or copy more text than a file may have bytes (a 1 KB cell repeated over 16,384 columns and
/// 300 rows passes the cell limit and is 5 GB of text, issue 11).
pub(super) fn refuse_huge_ods(bytes: &[u8], ctx: &ReadContext) -> Result<(), ReadError> {
    let extent = ods_extent(bytes, ctx)?;
    if extent.cells > ctx.limits.max_cells {
        return Err(ReadError::LimitExceeded(format!(
            "ods 工作簿通过重复行列声明了 {cells} 个单元格，超出 {max} 个的限制，未展开 (the ods workbook declares {cells} cells through repeated rows and columns, over the limit of {max}; not expanded)",
            cells = extent.cells,
            max = ctx.limits.max_cells
        )));
    }
    refuse_text_bytes("ods", "单元格文字在多行多列中重复", extent.text_bytes, ctx)
}

/// What calamine's ods reader would allocate.
#[derive(Debug, Default)]
struct OdsExtent {
    /// Per table, the bounding box of non-empty cells with repeated rows and columns expanded
    /// (capped at the format's 1,048,576 × 16,384).
    cells: u64,
    /// Bytes of cell text (and formulas) once every repeat holds its own copy.
    text_bytes: u64,
}

/// Measures `content.xml` as calamine's ods reader would expand it.
fn ods_extent(bytes: &[u8], ctx: &ReadContext) -> Result<OdsExtent, ReadError> {
    use quick_xml::events::Event;
    const MAX_ROWS: u64 = 1_048_576;
    const MAX_COLS: u64 = 16_384;

    let mut zip = ::zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| corrupt("ods", e))?;
    let Ok(content) = zip.by_name("content.xml") else {
        return Err(corrupt(
            "ods",
            "缺少 content.xml 部件 (no content.xml part)",
        ));
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
    // Text: the open cell's copies and bytes so far, the row's bytes once per repeat.
    let mut cell: Option<(u64, u64)> = None;
    let mut row_text: u64 = 0;
    let mut text_bytes: u64 = 0;
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
                let copies = col_pos - start;
                let attrs = attribute_bytes(e);
                if matches!(event, Event::Start(_)) {
                    cell = Some((copies, attrs));
                } else {
                    row_text = row_text.saturating_add(attrs.saturating_mul(copies));
                }
            }
            Event::Text(ref t) => {
                if let Some((_, bytes)) = cell.as_mut() {
                    *bytes = bytes.saturating_add(t.len() as u64);
                }
            }
            Event::CData(ref t) => {
                if let Some((_, bytes)) = cell.as_mut() {
                    *bytes = bytes.saturating_add(t.len() as u64);
                }
            }
            Event::End(ref e)
                if matches!(e.name().0, "table:table-cell" | "table:covered-table-cell") =>
            {
                if let Some((copies, bytes)) = cell.take() {
                    row_text = row_text.saturating_add(bytes.saturating_mul(copies));
                }
            }
            Event::Start(e) if e.name().0 == "table:table-row" => {
                row_repeat = repeat(&e, "table:number-rows-repeated");
                row_text = 0;
                col_pos = 0;
                row_min_col = u64::MAX;
                row_max_col = 0;
            }
            Event::End(e) if e.name().0 == "table:table-row" => {
                let start = row_pos.min(MAX_ROWS);
                row_pos = row_pos.saturating_add(row_repeat).min(MAX_ROWS);
                text_bytes = text_bytes.saturating_add(row_text.saturating_mul(row_pos - start));
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
    Ok(OdsExtent {
        cells: total,
        text_bytes,
    })
}

/// Bytes of the attributes calamine copies with an ods cell: a text kept in
/// `office:string-value`, and the formula in `table:formula` (styles are not copied).
fn attribute_bytes(e: &quick_xml::events::BytesStart) -> u64 {
    ["office:string-value", "table:formula"]
        .iter()
        .filter_map(|key| e.try_get_attribute(key).ok().flatten())
        .map(|a| a.value.len() as u64)
        .sum()
}

/// What the pre-scan of an xls workbook found.
#[derive(Debug, Default)]
struct XlsScan {
    /// Cells calamine would allocate: per sheet substream, the bounding box of the BIFF cell
    /// records.
    cells: u64,
    /// Why a DIMENSIONS record alone makes the workbook too big, if it does.
    declared: Option<String>,
    /// Upper bound of the UTF-8 bytes the `LABELSST` cells copy out of the shared-string table.
    text_bytes: u64,
}

/// Scans the BIFF records of the `Workbook`/`Book` stream for what calamine would allocate.
/// `None` when the container cannot be walked here (calamine then reports the error itself).
fn scan_xls(bytes: &[u8], ctx: &ReadContext) -> Result<Option<XlsScan>, ReadError> {
    let Some(data) = workbook_stream(bytes, ctx) else {
        return Ok(None);
    };
    let mut scan = XlsScan::default();
    let mut strings: Vec<u64> = Vec::new();
    let mut bounds: Option<(u32, u32, u32, u32)> = None;
    let mut clock = Clock::new(ctx);
    let flush = |bounds: &mut Option<(u32, u32, u32, u32)>, total: &mut u64| {
        if let Some((r0, r1, c0, c1)) = bounds.take() {
            let rows = u64::from(r1 - r0) + 1;
            let cols = u64::from(c1 - c0) + 1;
            *total = total.saturating_add(rows * cols);
        }
    };
    let records = biff_records(&data);
    for (i, &(typ, body)) in records.iter().enumerate() {
        clock.tick()?;
        match typ {
            // FILEPASS: the record bodies after it are encrypted, so their row/column fields
            // are noise; leave the verdict (password) to calamine.
            0x002F => return Ok(None),
            // BOF starts a substream; EOF ends one.
            0x0809 | 0x0409 | 0x0209 | 0x0009 | 0x000A => flush(&mut bounds, &mut scan.cells),
            // DIMENSIONS: calamine reserves the declared area before reading a cell.
            0x0200 if scan.declared.is_none() => {
                scan.declared = refuse_dimensions(body, ctx);
            }
            // SST, continued by the CONTINUE records after it.
            0x00FC => {
                let continues = records[i + 1..]
                    .iter()
                    .take_while(|(t, _)| *t == 0x003C)
                    .map(|(_, b)| *b);
                strings = sst_string_bytes(body, continues, &mut clock)?;
            }
            // LABELSST: a copy of one shared string.
            0x00FD if body.len() >= 10 => {
                let row = u32::from(u16::from_le_bytes([body[0], body[1]]));
                let col = u32::from(u16::from_le_bytes([body[2], body[3]]));
                extend(&mut bounds, row, col, col);
                let index = u32::from_le_bytes([body[6], body[7], body[8], body[9]]);
                let len = usize::try_from(index)
                    .ok()
                    .and_then(|i| strings.get(i))
                    .copied()
                    .unwrap_or(0);
                scan.text_bytes = scan.text_bytes.saturating_add(len);
            }
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
    }
    flush(&mut bounds, &mut scan.cells);
    Ok(Some(scan))
}

/// The `Workbook` (BIFF8) or `Book` (BIFF5) stream of an OLE2 file, read up to the file size
/// limit; `None` when there is none or it cannot be read.
fn workbook_stream(bytes: &[u8], ctx: &ReadContext) -> Option<Vec<u8>> {
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).ok()?;
    let stream_name = ["Workbook", "Book", "WORKBOOK", "BOOK"]
        .into_iter()
        .find(|n| cfb.is_stream(format!("/{n}")))?;
    let stream = cfb.open_stream(format!("/{stream_name}")).ok()?;
    let mut data = Vec::new();
    stream
        .take(ctx.limits.max_file_bytes)
        .read_to_end(&mut data)
        .ok()?;
    Some(data)
}

/// The BIFF records of a stream as (type, body); a body cut by the stream's end is kept short.
fn biff_records(data: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while let Some(header) = data.get(pos..pos + 4) {
        let typ = u16::from_le_bytes([header[0], header[1]]);
        let len = usize::from(u16::from_le_bytes([header[2], header[3]]));
        let start = pos + 4;
        let end = (start + len).min(data.len());
        out.push((typ, &data[start..end]));
        pos = start + len;
    }
    out
}

/// Why a DIMENSIONS record ([MS-XLS] 2.4.90) makes calamine reserve too much, if it does.
/// Mirrors calamine's `parse_dimensions`, which reserves `(last - first + 1) × cols` cells in
/// `u32` arithmetic: rows 0..0xFFFFFFFF asks for four billion cells, and a first row after the
/// last wraps around to as many (issue 11).
fn refuse_dimensions(body: &[u8], ctx: &ReadContext) -> Option<String> {
    let u16_at = |i: usize| u32::from(u16::from_le_bytes([body[i], body[i + 1]]));
    let u32_at = |i: usize| u32::from_le_bytes([body[i], body[i + 1], body[i + 2], body[i + 3]]);
    let (first_row, row_end, mut first_col, col_end) = match body.len() {
        10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
        14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
        // calamine refuses other lengths itself.
        _ => return None,
    };
    if first_col > 0xFF || col_end < first_col {
        first_col = 0;
    }
    if row_end == 0 || col_end == 0 {
        return None;
    }
    let last_row = row_end - 1;
    if last_row < first_row {
        return Some(format!(
            "xls 工作表的 DIMENSIONS 记录中首行（{first_row}）在末行（{last_row}）之后，范围回绕成数十亿个单元格，未展开 (the xls sheet's DIMENSIONS record puts its first row after its last, a range that wraps around to billions of cells; not expanded)"
        ));
    }
    let rows = u64::from(last_row - first_row) + 1;
    let cols = u64::from(col_end - 1 - first_col) + 1;
    let cells = rows.saturating_mul(cols);
    (cells > ctx.limits.max_cells).then(|| {
        format!(
            "xls 工作表的 DIMENSIONS 记录声明了 {cells} 个单元格（{rows} 行 × {cols} 列），超出 {max} 个单元格的限制，未展开 (the xls sheet's DIMENSIONS record declares {cells} cells, over the limit of {max} cells; not expanded)",
            max = ctx.limits.max_cells
        )
    })
}

/// Upper bounds of the UTF-8 bytes of each string of a BIFF8 shared-string table (SST,
/// [MS-XLS] 2.4.265), in order: 2 bytes per character stored in one byte (Latin-1), 3 per
/// UTF-16 unit. The table runs on in the CONTINUE records after it, where a string's characters
/// resume after one option byte.
fn sst_string_bytes<'d>(
    sst: &'d [u8],
    continues: impl Iterator<Item = &'d [u8]>,
    clock: &mut Clock,
) -> Result<Vec<u64>, ReadError> {
    let mut segments: Vec<&[u8]> = vec![sst.get(8..).unwrap_or(&[])];
    segments.extend(continues);
    let mut cursor = Segments {
        segments,
        seg: 0,
        pos: 0,
    };
    let mut out = Vec::new();
    while let Some(cch) = cursor.u16() {
        clock.tick()?;
        let Some(flags) = cursor.u8() else { break };
        let runs = if flags & 0x08 != 0 {
            cursor.u16().unwrap_or(0)
        } else {
            0
        };
        let ext = if flags & 0x04 != 0 {
            cursor.u32().unwrap_or(0)
        } else {
            0
        };
        let mut wide = flags & 0x01 != 0;
        let mut left = u64::from(cch);
        let mut bytes: u64 = 0;
        while left > 0 {
            clock.tick()?;
            let width: u64 = if wide { 2 } else { 1 };
            let fits = (cursor.left_in_segment() / width).min(left);
            if fits == 0 {
                // The characters resume in the next CONTINUE record, after an option byte.
                if !cursor.next_segment() {
                    break;
                }
                match cursor.u8() {
                    Some(f) => wide = f & 0x01 != 0,
                    None => break,
                }
                continue;
            }
            cursor.skip(fits * width);
            bytes = bytes.saturating_add(fits * if wide { 3 } else { 2 });
            left -= fits;
        }
        out.push(bytes);
        cursor.skip(u64::from(runs) * 4 + u64::from(ext));
    }
    Ok(out)
}

/// A read position over a record and its CONTINUE records, read as one byte sequence.
struct Segments<'d> {
    segments: Vec<&'d [u8]>,
    seg: usize,
    pos: usize,
}

impl Segments<'_> {
    fn left_in_segment(&self) -> u64 {
        self.segments
            .get(self.seg)
            .map_or(0, |s| s.len().saturating_sub(self.pos) as u64)
    }

    /// Moves to the start of the next segment; false at the end.
    fn next_segment(&mut self) -> bool {
        if self.seg + 1 >= self.segments.len() {
            self.seg = self.segments.len();
            return false;
        }
        self.seg += 1;
        self.pos = 0;
        true
    }

    fn u8(&mut self) -> Option<u8> {
        loop {
            let segment = self.segments.get(self.seg)?;
            if let Some(&b) = segment.get(self.pos) {
                self.pos += 1;
                return Some(b);
            }
            if !self.next_segment() {
                return None;
            }
        }
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.u8()?, self.u8()?]))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes([
            self.u8()?,
            self.u8()?,
            self.u8()?,
            self.u8()?,
        ]))
    }

    /// Skips `n` bytes, across segments.
    fn skip(&mut self, mut n: u64) {
        while n > 0 {
            let here = self.left_in_segment();
            if here >= n {
                self.pos += n as usize;
                return;
            }
            n -= here;
            if !self.next_segment() {
                return;
            }
        }
    }
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
    use crate::ingest::{Limits, ReadContext, ReadError};
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

    /// One row of `rows` repeats of one `kb` KiB text cell repeated over `cols` columns.
    fn ods_repeated_text(rows: u32, cols: u32, kb: usize) -> Vec<u8> {
        let text = "售".repeat(kb * 1024 / 3);
        ods(&format!(
            r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="{rows}"><table:table-cell table:number-columns-repeated="{cols}" office:value-type="string"><text:p>{text}</text:p></table:table-cell></table:table-row></table:table>"#
        ))
    }

    /// Issue 11: 300 rows × 16,384 columns of one 1 KB cell pass the 5M-cell guard, and
    /// calamine's copies of the text would take 7.5 GB; the bytes are counted and refused.
    #[test]
    fn ods_with_repeated_text_over_the_byte_limit_is_refused_quickly() {
        let bytes = ods_repeated_text(300, 16_384, 1);
        assert!(bytes.len() < 4096, "{} bytes", bytes.len());
        let started = Instant::now();
        match read(FileKind::Ods, &bytes, &ctx()) {
            Err(ReadError::LimitExceeded(why)) => {
                assert!(why.contains("byte limit per file"), "{why}")
            }
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn ods_repeated_text_is_measured_in_bytes_against_the_file_limit() {
        let small = ReadContext::new(Limits {
            max_file_bytes: 1024 * 1024,
            ..Limits::default()
        });
        // 40 × 40 copies of 1 KB: 1.6 MB of text from a tiny file.
        let r = read(FileKind::Ods, &ods_repeated_text(40, 40, 1), &small);
        assert!(matches!(r, Err(ReadError::LimitExceeded(_))), "{r:?}");
        // 10 × 10 copies fit.
        let x = read(FileKind::Ods, &ods_repeated_text(10, 10, 1), &small).expect("reads");
        assert_eq!(x.passages.len(), 10);
    }

    /// Every cell of a row refers to one 1 MiB shared string: the cells are few, the copies
    /// are not. Reading stops at the byte limit, with what was read kept.
    #[test]
    fn xlsx_cells_sharing_a_long_string_stop_at_the_byte_limit() {
        let long = "服".repeat(1024 * 1024 / 3);
        let rows: String = (1..=40)
            .map(|r| row(r, &[s(&format!("A{r}"), 0)]))
            .collect();
        let limits = Limits {
            max_file_bytes: 8 * 1024 * 1024,
            ..Limits::default()
        };
        let x = read(
            FileKind::Xlsx,
            &xlsx_with_shared_strings(&[sheet("S", rows)], &[&long]),
            &ReadContext::new(limits),
        )
        .expect("reads");
        let why = x.truncated.as_deref().expect("truncated");
        assert!(why.contains("bytes of text"), "{why}");
        assert!(x.passages.len() < 10, "{}", x.passages.len());
    }
}
