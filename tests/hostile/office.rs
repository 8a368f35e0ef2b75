//! Hostile office files: spreadsheets whose declarations ask for billions of cells, headings and
//! header rows copied onto every passage, repeats that multiply bytes, entities in Word XML,
//! and small valid files of each kind to cut short or mislabel.

use super::Planted;
use super::zips::zip_of;
use std::io::{Cursor, Write};

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const SML: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const DOC_RELS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// 1 MiB of Chinese text (3 bytes a character): the size issue 11 used for headings and header
/// labels.
fn mebibyte_of(word: &str) -> String {
    word.repeat(1024 * 1024 / word.len())
}

// ---------------------------------------------------------------- Word

/// A .docx whose `word/document.xml` is `xml` as given (prolog and all).
fn docx_raw(xml: &str) -> Vec<u8> {
    let types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="word/document.xml"/></Relationships>"#
    );
    zip_of(&[
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        ("word/document.xml", xml.as_bytes()),
    ])
}

/// A .docx whose body is `body`, after an optional DOCTYPE.
fn docx(doctype: &str, body: &str) -> Vec<u8> {
    docx_raw(&format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}<w:document xmlns:w="{W}"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    ))
}

fn w_p(text: &str) -> String {
    format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
}

/// A small ordinary .docx, to cut short and to mislabel.
pub fn docx_small() -> Vec<u8> {
    docx(
        "",
        &[w_p("售后服务管理制度"), w_p("顾客投诉24小时内答复")].concat(),
    )
}

/// Issue 11 class 2: one 1 MiB heading (outline level 0) over 2,000 short paragraphs. Copied
/// onto every passage it heads it took 2 GB (20,000 paragraphs aborted); the size is the class,
/// and 2,000 is the issue's smallest count. A few KB on disk.
pub fn docx_huge_heading() -> Vec<u8> {
    let mut body = format!(
        r#"<w:p><w:pPr><w:outlineLvl w:val="0"/></w:pPr><w:r><w:t>{}</w:t></w:r></w:p>"#,
        mebibyte_of("售后")
    );
    for i in 0..2_000 {
        body.push_str(&w_p(&format!("第{i}段")));
    }
    docx("", &body)
}

/// Marker text beside the XXE entity: found in the index, while `/etc/passwd` must not be.
pub const XXE_MARKER: &str = "外部实体测试段落";

/// XXE: an external entity naming `/etc/passwd`, used in the body. The file must never be read
/// (entities are not expanded), and the paragraph's own text is.
pub fn docx_xxe() -> Vec<u8> {
    docx(
        r#"<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#,
        &[w_p(XXE_MARKER), w_p("&xxe;")].concat(),
    )
}

/// Billion laughs: ten entities each ten times the one before, `&lol9;` a billion "lol"s
/// (3 GB) if expanded; a few hundred bytes here.
pub fn docx_billion_laughs() -> Vec<u8> {
    let mut doctype = String::from(r#"<!DOCTYPE w:document [<!ENTITY lol0 "lol">"#);
    for level in 1..=9 {
        let previous = format!("&lol{};", level - 1).repeat(10);
        doctype.push_str(&format!(r#"<!ENTITY lol{level} "{previous}">"#));
    }
    doctype.push_str("]>");
    docx(&doctype, &[w_p("售后服务"), w_p("&lol9;")].concat())
}

// ---------------------------------------------------------------- OpenDocument

const ODF_NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0""#;

/// An ODF package: `mimetype` first and stored (as ODF requires), then `content.xml` deflated.
fn odf(mimetype: &str, content: &str) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer.start_file("mimetype", stored).expect("zip entry");
    writer.write_all(mimetype.as_bytes()).expect("zip write");
    let deflated = zip::write::SimpleFileOptions::default().compression_level(Some(9));
    writer
        .start_file("content.xml", deflated)
        .expect("zip entry");
    writer.write_all(content.as_bytes()).expect("zip write");
    writer.finish().expect("zip finish").into_inner()
}

fn odt(body: &str) -> Vec<u8> {
    odf(
        "application/vnd.oasis.opendocument.text",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS} office:version="1.3"><office:body><office:text>{body}</office:text></office:body></office:document-content>"#
        ),
    )
}

fn ods(body: &str) -> Vec<u8> {
    odf(
        "application/vnd.oasis.opendocument.spreadsheet",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS} office:version="1.2"><office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"#
        ),
    )
}

/// A small ordinary .odt, to cut short.
pub fn odt_small() -> Vec<u8> {
    odt("<text:h text:outline-level=\"1\">投诉处理程序</text:h><text:p>24小时内答复</text:p>")
}

/// Issue 11 class 2 for ODF: a 1 MiB `text:h` over 2,000 paragraphs.
pub fn odt_huge_heading() -> Vec<u8> {
    let mut body = format!(
        r#"<text:h text:outline-level="1">{}</text:h>"#,
        mebibyte_of("售后")
    );
    for i in 0..2_000 {
        body.push_str(&format!("<text:p>第{i}段</text:p>"));
    }
    odt(&body)
}

/// A small ordinary .ods, to cut short.
pub fn ods_small() -> Vec<u8> {
    ods(
        r#"<table:table table:name="网点"><table:table-row><table:table-cell office:value-type="string"><text:p>网点名称</text:p></table:table-cell></table:table-row></table:table>"#,
    )
}

/// Issue 11 class 3: 300 repeated rows of one 1 KB cell repeated over 16,384 columns: 4.9M
/// cells pass the 5M-cell guard, and the copies of the text are 5 GB (7.5 GB in calamine).
/// Under 2 KB on disk; the guard must count bytes.
pub fn ods_repeats() -> Vec<u8> {
    let text = "售".repeat(1024 / 3);
    ods(&format!(
        r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="300"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>{text}</text:p></table:table-cell></table:table-row></table:table>"#
    ))
}

// ---------------------------------------------------------------- Excel

/// An .xlsx of one sheet with the given `<sheetData>` rows and shared-string table (`sst`, the
/// whole element, or empty for none).
fn xlsx(rows: &str, sst: &str) -> Vec<u8> {
    let types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
    let root_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{SML}" xmlns:r="{DOC_RELS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let shared_rel = if sst.is_empty() {
        String::new()
    } else {
        format!(
            r#"<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>"#
        )
    };
    let workbook_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>{shared_rel}</Relationships>"#
    );
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{SML}"><sheetData>{rows}</sheetData></worksheet>"#
    );
    let strings = format!(r#"<?xml version="1.0" encoding="UTF-8"?>{sst}"#);
    let mut parts: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", root_rels.as_bytes()),
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", workbook_rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ];
    if !sst.is_empty() {
        parts.push(("xl/sharedStrings.xml", strings.as_bytes()));
    }
    zip_of(&parts)
}

fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// A small ordinary .xlsx, to cut short and to mislabel.
pub fn xlsx_small() -> Vec<u8> {
    xlsx(
        &format!(
            r#"<row r="1">{}{}</row>"#,
            inline("A1", "投诉日期"),
            inline("B1", "处理结果")
        ),
        "",
    )
}

/// Issue 11 class 1: a shared-string table that declares `uniqueCount="100000000000"`;
/// calamine reserved room for all of them (`memory allocation of 2400000000000 bytes failed`).
pub fn xlsx_huge_unique_count() -> Vec<u8> {
    xlsx(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
        &format!(
            r#"<sst xmlns="{SML}" count="1" uniqueCount="100000000000"><si><t>售后服务</t></si></sst>"#
        ),
    )
}

/// Issue 11 class 2 for sheets: a header row of two 1 MiB shared strings over 5,000 data rows
/// (the header was copied onto every row: 10 GB). The issue's sizes, about 60 KB on disk.
pub fn xlsx_huge_header() -> Vec<u8> {
    let mut rows = String::from(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>"#,
    );
    for r in 2..=5_001 {
        rows.push_str(&format!(
            r#"<row r="{r}">{}{}</row>"#,
            inline(&format!("A{r}"), &format!("第{r}号")),
            inline(&format!("B{r}"), "已处理")
        ));
    }
    let long = mebibyte_of("服");
    xlsx(
        &rows,
        &format!(
            r#"<sst xmlns="{SML}" count="2" uniqueCount="2"><si><t>{long}</t></si><si><t>{long}</t></si></sst>"#
        ),
    )
}

/// An XLS (BIFF8 in an OLE2 container) whose one sheet has a DIMENSIONS record (0x0200) saying
/// rows `first..end` (the first row and one past the last) of one column, and no cell.
/// Issue 11 class 1: `0..0xFFFFFFFF` made calamine allocate four billion cells, and a first row
/// after the last wrapped around to as many; both aborted the process.
pub fn xls_with_dimensions(first: u32, end: u32) -> Vec<u8> {
    fn record(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.extend_from_slice(data);
    }
    fn bof(kind: u16) -> Vec<u8> {
        let mut data = Vec::new();
        for value in [0x0600u16, kind, 0x0DBB, 0x07CC] {
            data.extend_from_slice(&value.to_le_bytes());
        }
        data.extend_from_slice(&0u32.to_le_bytes());
        data.extend_from_slice(&6u32.to_le_bytes());
        data
    }
    let sheet_name = b"Sheet1";
    let mut globals = Vec::new();
    record(&mut globals, 0x0809, &bof(0x0005));
    record(&mut globals, 0x0042, &1200u16.to_le_bytes());
    let boundsheet_at = globals.len();
    let mut boundsheet = vec![0u8; 4]; // lbPlyPos, patched below
    boundsheet.extend_from_slice(&[0, 0, sheet_name.len() as u8, 0]);
    boundsheet.extend_from_slice(sheet_name);
    record(&mut globals, 0x0085, &boundsheet);
    record(&mut globals, 0x000A, &[]);
    let sheet_at = globals.len() as u32;
    globals[boundsheet_at + 4..boundsheet_at + 8].copy_from_slice(&sheet_at.to_le_bytes());
    let mut stream = globals;
    record(&mut stream, 0x0809, &bof(0x0010));
    let mut dimensions = Vec::new();
    dimensions.extend_from_slice(&first.to_le_bytes());
    dimensions.extend_from_slice(&end.to_le_bytes());
    dimensions.extend_from_slice(&0u16.to_le_bytes());
    dimensions.extend_from_slice(&1u16.to_le_bytes());
    dimensions.extend_from_slice(&0u16.to_le_bytes());
    record(&mut stream, 0x0200, &dimensions);
    record(&mut stream, 0x000A, &[]);
    stream.resize(stream.len().max(4200), 0); // out of the mini stream

    let mut compound =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))
            .expect("cfb");
    {
        let mut workbook = compound.create_stream("/Workbook").expect("stream");
        workbook.write_all(&stream).expect("write");
    }
    compound.flush().expect("flush");
    compound.into_inner().into_inner()
}

/// Adds the office classes to `planted`.
pub fn plant(dir: &std::path::Path, planted: &mut Vec<Planted>) {
    const OK: &[&str] = &["ok"];
    const LIMIT: &[&str] = &["limit_exceeded"];
    const CORRUPT: &[&str] = &["corrupt"];
    let put = |planted: &mut Vec<Planted>, name, bytes: &[u8], class, expect| {
        super::put(dir, planted, name, bytes, class, expect);
    };
    put(
        planted,
        "xls-行数溢出.xls",
        &xls_with_dimensions(0, 0xFFFF_FFFF),
        "XLS DIMENSIONS rows 0..0xFFFFFFFF",
        LIMIT,
    );
    put(
        planted,
        "xls-首行大于末行.xls",
        &xls_with_dimensions(10, 5),
        "XLS DIMENSIONS first row after last",
        LIMIT,
    );
    put(
        planted,
        "xlsx-共享串计数.xlsx",
        &xlsx_huge_unique_count(),
        "XLSX sst uniqueCount 1e11",
        LIMIT,
    );
    put(
        planted,
        "xlsx-巨大表头.xlsx",
        &xlsx_huge_header(),
        "XLSX two 1 MiB header strings over 5,000 rows",
        OK,
    );
    put(
        planted,
        "ods-重复单元格.ods",
        &ods_repeats(),
        "ODS rows×columns repeated over a 1 KB cell",
        LIMIT,
    );
    put(
        planted,
        "docx-巨大标题.docx",
        &docx_huge_heading(),
        "DOCX 1 MiB heading over 2,000 paragraphs",
        OK,
    );
    put(
        planted,
        "odt-巨大标题.odt",
        &odt_huge_heading(),
        "ODT 1 MiB heading over 2,000 paragraphs",
        OK,
    );
    put(
        planted,
        "docx-外部实体.docx",
        &docx_xxe(),
        "DOCX XXE to /etc/passwd",
        OK,
    );
    put(
        planted,
        "docx-十亿笑.docx",
        &docx_billion_laughs(),
        "DOCX billion laughs",
        OK,
    );
    for (name, bytes) in [
        ("截断-docx.docx", docx_small()),
        ("截断-xlsx.xlsx", xlsx_small()),
        ("截断-odt.odt", odt_small()),
        ("截断-ods.ods", ods_small()),
        ("截断-xls.xls", xls_with_dimensions(0, 1)),
    ] {
        put(
            planted,
            name,
            &bytes[..bytes.len() / 2],
            "truncated office file",
            CORRUPT,
        );
    }
    put(
        planted,
        "错标-docx.pdf",
        &docx_small(),
        "DOCX named .pdf",
        OK,
    );
    put(
        planted,
        "错标-xlsx.docx",
        &xlsx_small(),
        "XLSX named .docx",
        OK,
    );
    put(
        planted,
        "损坏-docx.docx",
        b"PK\x03\x04\x14\x00\x00\x00word/document.xml garbage",
        "zip magic then junk, named .docx",
        CORRUPT,
    );
    put(
        planted,
        "损坏-xls.xls",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 not a compound file at all",
        "OLE2 magic then junk, named .xls",
        CORRUPT,
    );
}
