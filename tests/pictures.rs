//! Pictures inside documents, end to end (issues 12 and 13): a bundle whose business licence
//! exists only as a picture pasted into a Word (`.docx`, `.doc` inline and floating), ODF, Excel
//! or PowerPoint file (`fixtures/formats/pictures/`, made by LibreOffice from `gen.py`) is
//! checked, and the licence's 统一社会信用代码 is read from the picture by OCR, located at the
//! picture, with the file marked `ocr`. Prints the fields read from each format and the seconds each check took.
//! Skips with a message naming `tools/setup-parts.sh` where no OCR engine is installed.

use crate::util::{certsift, engine_or_skip, fixtures_dir};
use serde_json::Value;
use std::time::Instant;

/// The code on the licence in the picture (`fixtures/scans/truth.toml`, `lic-jinqiao`).
const USCC: &str = "91330108MA2H4R6T32";

/// The fixtures and what their picture's location must name besides the picture (a floating
/// `.doc` picture: the paragraph it is anchored to).
const FORMATS: [(&str, &str); 6] = [
    ("营业执照.docx", "paragraph"),
    ("营业执照.odt", "paragraph"),
    ("营业执照.doc", "paragraph"),
    ("营业执照-浮动.doc", "paragraph"),
    ("营业执照.xlsx", "sheet"),
    ("营业执照.pptx", "slide"),
];

/// `certsift check --json` of a bundle holding only `file`: the report and the seconds taken.
fn check_alone(file: &str) -> (Value, f64) {
    let bundle = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        fixtures_dir().join("formats/pictures").join(file),
        bundle.path().join(file),
    )
    .expect("copy");
    let started = Instant::now();
    let out = certsift(&[
        "check",
        "--json",
        "--as-of",
        "2026-11-28",
        bundle.path().to_str().expect("utf-8"),
    ]);
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        serde_json::from_slice(&out.stdout).expect("report json"),
        seconds,
    )
}

#[test]
fn a_licence_pasted_as_a_picture_is_read_in_every_format() {
    if !engine_or_skip("a_licence_pasted_as_a_picture_is_read_in_every_format") {
        return;
    }
    let mut failures = Vec::new();
    for (file, place) in FORMATS {
        let (report, seconds) = check_alone(file);
        let entry = &report["files"][0];
        let fields: Vec<&Value> = report["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .collect();
        let shown: Vec<String> = fields
            .iter()
            .map(|f| format!("{}={}", f["name"].as_str().unwrap_or(""), f["value"]))
            .collect();
        println!(
            "{file}: {} fields in {seconds:.1} s, status {}, {} passages: {shown:?}",
            fields.len(),
            entry["status"],
            entry["passages"]
        );
        let uscc = fields
            .iter()
            .find(|f| f["name"] == "uscc" && f["value"] == USCC);
        let Some(uscc) = uscc else {
            failures.push(format!("{file}: no uscc {USCC} among {shown:?} ({entry})"));
            continue;
        };
        let location = &uscc["location"];
        if location.get("picture").is_none() || location.get(place).is_none() {
            failures.push(format!(
                "{file}: the uscc is not located at a picture with a {place}: {location}"
            ));
        }
        if entry["ocr"] != true || entry["status"] != "ok" {
            failures.push(format!("{file}: not an ok file read by OCR: {entry}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Without OCR the same files are read for their own text, and say the picture was not read.
#[test]
fn with_ocr_off_the_picture_is_named_in_a_note() {
    for (file, _) in FORMATS {
        let path = fixtures_dir().join("formats/pictures").join(file);
        let out = certsift(&[
            "extract",
            "--json",
            "--ocr",
            "off",
            path.to_str().expect("utf-8"),
        ]);
        assert!(out.status.success(), "{file}");
        let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
        let notes = doc["notes"].to_string();
        assert!(
            notes.contains("张图片未读取（OCR 已关闭，--ocr off）"),
            "{file}: {doc}"
        );
        assert!(
            !doc.to_string().contains(USCC),
            "{file}: text without OCR: {doc}"
        );
    }
}

/// A PNG that declares 60000 × 60000 pixels (3.6 gigapixels) and holds almost nothing.
fn huge_png() -> Vec<u8> {
    fn chunk(kind: &[u8], body: &[u8]) -> Vec<u8> {
        let mut crc_input = kind.to_vec();
        crc_input.extend(body);
        let mut out = u32::try_from(body.len())
            .expect("small")
            .to_be_bytes()
            .to_vec();
        out.extend(&crc_input);
        out.extend(crc32(&crc_input).to_be_bytes());
        out
    }
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = 60_000u32.to_be_bytes().to_vec();
    ihdr.extend(60_000u32.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00]));
    png.extend(chunk(b"IEND", &[]));
    png
}

/// The workbook fixture made hostile: its drawing cut off mid-element after a second anchor
/// whose picture relationship points out of the package, and its picture replaced by one that
/// declares 3.6 gigapixels. The file stays `ok` with its cell, and notes say what was lost.
#[test]
fn a_hostile_workbook_drawing_costs_notes_not_the_file() {
    let fixture =
        std::fs::read(fixtures_dir().join("formats/pictures/营业执照.xlsx")).expect("xlsx");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(fixture)).expect("zip");
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).expect("entry");
        let name = file.name().expect("name").into_owned();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).expect("read");
        let bytes = match name.as_str() {
            "xl/media/image1.png" => huge_png(),
            "xl/drawings/drawing1.xml" => {
                let xml = String::from_utf8(bytes).expect("utf-8");
                let end = xml.find("</xdr:wsDr>").expect("root end");
                let second = r#"<xdr:oneCellAnchor><xdr:from><xdr:col>3</xdr:col><xdr:row>0</xdr:row></xdr:from><xdr:pic><xdr:blipFill><a:blip r:embed="rId2"/></xdr:blipFill></xdr:pic></xdr:oneCellAnchor><xdr:twoCellAnchor><xdr:pic></xdr:wsDr>"#;
                format!("{}{second}", &xml[..end]).into_bytes()
            }
            "xl/drawings/_rels/drawing1.xml.rels" => {
                let xml = String::from_utf8(bytes).expect("utf-8");
                xml.replace(
                    "</Relationships>",
                    r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="../../../../../etc/passwd"/></Relationships>"#,
                )
                .into_bytes()
            }
            _ => bytes,
        };
        entries.push((name, bytes));
    }
    let raw: Vec<(&[u8], &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_bytes(), b.as_slice()))
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("营业执照.xlsx");
    std::fs::write(&path, crate::util::zip_with_raw_names(&raw)).expect("write");
    let out = certsift(&["extract", "--json", path.to_str().expect("utf-8")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["status"], "ok", "{doc}");
    let notes = doc["notes"].to_string();
    assert!(notes.contains("not well-formed"), "{notes}");
    assert!(notes.contains("etc/passwd"), "{notes}");
    if certsift::ingest::ocr::engine(certsift::ingest::ocr::EngineChoice::Auto).is_ok() {
        assert!(
            notes.contains("第 1 张图片（xl/media/image1.png）"),
            "{notes}"
        );
    }
    assert!(doc.to_string().contains("营业执照（副本）复印件"), "{doc}");
}
