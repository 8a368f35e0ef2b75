//! Builders shared by the spreadsheet reader's tests: minimal xlsx and ods workbooks written part
//! by part in memory, and accessors for what a read gave.

use super::read;
use crate::ingest::{Extracted, Limits, ReadContext};
use crate::model::{FileKind, Location, Passage};
use std::io::{Cursor, Write};

/// One sheet of a test workbook: name, hidden, `<sheetData>` rows, `<mergeCell>` refs.
pub(super) struct TestSheet<'a> {
    pub(super) name: &'a str,
    pub(super) hidden: bool,
    pub(super) rows: String,
    pub(super) merges: &'a [&'a str],
}

pub(super) fn sheet<'a>(name: &'a str, rows: String) -> TestSheet<'a> {
    TestSheet {
        name,
        hidden: false,
        rows,
        merges: &[],
    }
}

pub(super) fn zip_parts(parts: &[(&str, String)]) -> Vec<u8> {
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
pub(super) fn xlsx(sheets: &[TestSheet]) -> Vec<u8> {
    xlsx_with_shared_strings(sheets, &[])
}

/// A minimal xlsx whose shared-string table holds `shared` (cells refer to them with [`s`]).
pub(super) fn xlsx_with_shared_strings(sheets: &[TestSheet], shared: &[&str]) -> Vec<u8> {
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
    if !shared.is_empty() {
        rels.push_str(r#"<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
        let items: String = shared
            .iter()
            .map(|text| format!("<si><t>{text}</t></si>"))
            .collect();
        parts.push((
            "xl/sharedStrings.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{}">{items}</sst>"#,
                shared.len()
            ),
        ));
    }
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
pub(super) fn t(r: &str, v: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{v}</t></is></c>"#)
}
/// A cell holding shared string `index`.
pub(super) fn s(r: &str, index: usize) -> String {
    format!(r#"<c r="{r}" t="s"><v>{index}</v></c>"#)
}
/// A number cell with a style.
pub(super) fn n(r: &str, v: &str, style: u32) -> String {
    format!(r#"<c r="{r}" s="{style}"><v>{v}</v></c>"#)
}
pub(super) fn row(r: u32, cells: &[String]) -> String {
    format!(r#"<row r="{r}">{}</row>"#, cells.concat())
}

pub(super) fn ctx() -> ReadContext {
    ReadContext::new(Limits::default())
}

pub(super) fn read_xlsx_ok(sheets: &[TestSheet]) -> Extracted {
    read(FileKind::Xlsx, &xlsx(sheets), &ctx()).expect("xlsx reads")
}

/// A workbook whose one sheet, `Sheet1`, has the given cells in row 1, read.
pub(super) fn read_one_row(cells: &[String]) -> Extracted {
    read_xlsx_ok(&[sheet("Sheet1", row(1, cells))])
}

pub(super) fn texts(x: &Extracted) -> Vec<&str> {
    x.passages.iter().map(|p| p.text.as_str()).collect()
}

pub(super) fn cell_of(p: &Passage) -> (&str, &str) {
    match &p.location {
        Location::SheetCell { sheet, cell } => (sheet.as_str(), cell.as_str()),
        other => panic!("not a sheet cell: {other:?}"),
    }
}

pub(super) fn ods(content_body: &str) -> Vec<u8> {
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
