//! Pictures inside documents, end to end (issues 12 and 13): a bundle whose business licence
//! exists only as a picture pasted into a Word (`.docx`, `.doc`), ODF, Excel or PowerPoint file
//! (`fixtures/formats/pictures/`, made by LibreOffice from `gen.py`) is checked, and the
//! licence's 统一社会信用代码 is read from the picture by OCR, located at the picture, with the
//! file marked `ocr`. Prints the fields read from each format and the seconds each check took.
//! Skips with a message naming `tools/setup-parts.sh` where no OCR engine is installed.

use crate::util::{certsift, fixtures_dir};
use serde_json::Value;
use std::time::Instant;

/// The code on the licence in the picture (`fixtures/scans/truth.toml`, `lic-jinqiao`).
const USCC: &str = "91330108MA2H4R6T32";

/// The fixtures and what their picture's location must name besides the picture.
const FORMATS: [(&str, &str); 5] = [
    ("营业执照.docx", "paragraph"),
    ("营业执照.odt", "paragraph"),
    ("营业执照.doc", "paragraph"),
    ("营业执照.xlsx", "sheet"),
    ("营业执照.pptx", "slide"),
];

fn engine_or_skip(test: &str) -> bool {
    match certsift::ingest::ocr::engine(certsift::ingest::ocr::EngineChoice::Auto) {
        Ok(_) => true,
        Err(why) => {
            eprintln!("SKIP {test}: {why}");
            false
        }
    }
}

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
            notes.contains("picture(s) in the document not read (--ocr off)"),
            "{file}: {doc}"
        );
        assert!(
            !doc.to_string().contains(USCC),
            "{file}: text without OCR: {doc}"
        );
    }
}
