//! `docs/report-format.md` stays in step with the code: every [`FileKind`] is listed, every
//! [`Location`] shape has a JSON example with exactly the keys the code writes, and every key
//! and part is named. A new kind or location variant, or a field added to one, fails to compile
//! here (the matches and struct literals are exhaustive) until it is added below and described
//! in the document.

use certsift::model::{FileKind, Location, Part};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn document() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report-format.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every kind; the match makes a new variant a compile error here.
fn kinds() -> Vec<FileKind> {
    let all = [
        FileKind::Pdf,
        FileKind::Docx,
        FileKind::Xlsx,
        FileKind::Xls,
        FileKind::Ods,
        FileKind::Csv,
        FileKind::Txt,
        FileKind::Zip,
        FileKind::Image,
        FileKind::Xlsb,
        FileKind::Doc,
        FileKind::Ofd,
        FileKind::Rtf,
        FileKind::Pptx,
        FileKind::Unknown,
    ];
    for kind in all {
        match kind {
            FileKind::Pdf
            | FileKind::Docx
            | FileKind::Xlsx
            | FileKind::Xls
            | FileKind::Ods
            | FileKind::Csv
            | FileKind::Txt
            | FileKind::Zip
            | FileKind::Image
            | FileKind::Xlsb
            | FileKind::Doc
            | FileKind::Ofd
            | FileKind::Rtf
            | FileKind::Pptx
            | FileKind::Unknown => {}
        }
    }
    all.to_vec()
}

/// One location of each shape the readers write (with every field named, so a new field is a
/// compile error here), and the variant's name.
fn locations() -> Vec<(&'static str, Location)> {
    let out = vec![
        ("page", Location::page(3)),
        (
            "page block",
            Location::Page {
                page: 3,
                lines: Some([4, 6]),
                bbox: Some([72, 140, 523, 190]),
            },
        ),
        (
            "ocr line",
            Location::OcrLine {
                page: 1,
                line: 3,
                bbox: [412, 160, 1630, 214],
            },
        ),
        (
            "paragraph",
            Location::Paragraph {
                part: Part::Body,
                paragraph: 14,
            },
        ),
        (
            "paragraph",
            Location::Paragraph {
                part: Part::Footnote,
                paragraph: 0,
            },
        ),
        (
            "table cell",
            Location::TableCell {
                part: Part::Body,
                table: 0,
                row: 2,
                col: 1,
                nested: None,
            },
        ),
        (
            "table cell",
            Location::TableCell {
                part: Part::Header,
                table: 0,
                row: 1,
                col: 0,
                nested: Some("t0r2c1".into()),
            },
        ),
        (
            "sheet cell",
            Location::SheetCell {
                sheet: "服务网点".into(),
                cell: "A3:F3".into(),
            },
        ),
        (
            "slide",
            Location::Slide {
                slide: 3,
                paragraph: 0,
                notes: false,
                table: None,
                row: None,
                col: None,
            },
        ),
        (
            "slide",
            Location::Slide {
                slide: 3,
                paragraph: 2,
                notes: true,
                table: None,
                row: None,
                col: None,
            },
        ),
        (
            "slide",
            Location::Slide {
                slide: 4,
                paragraph: 5,
                notes: false,
                table: Some(0),
                row: Some(1),
                col: Some(1),
            },
        ),
        (
            "picture",
            Location::Picture {
                part: Part::Header,
                paragraph: Some(3),
                table: None,
                row: None,
                col: None,
                sheet: None,
                cell: None,
                slide: None,
                picture: 1,
                line: 2,
                bbox: [40, 12, 880, 60],
            },
        ),
        (
            "picture",
            Location::Picture {
                part: Part::Body,
                paragraph: None,
                table: Some(0),
                row: Some(1),
                col: Some(2),
                sheet: None,
                cell: None,
                slide: None,
                picture: 2,
                line: 1,
                bbox: [8, 10, 500, 42],
            },
        ),
        (
            "picture",
            Location::Picture {
                part: Part::Body,
                paragraph: None,
                table: None,
                row: None,
                col: None,
                sheet: Some("营业执照".into()),
                cell: Some("B3".into()),
                slide: None,
                picture: 1,
                line: 2,
                bbox: [60, 118, 1180, 160],
            },
        ),
        (
            "picture",
            Location::Picture {
                part: Part::Body,
                paragraph: None,
                table: None,
                row: None,
                col: None,
                sheet: None,
                cell: None,
                slide: Some(2),
                picture: 1,
                line: 2,
                bbox: [60, 118, 1180, 160],
            },
        ),
        ("line", Location::line(7)),
        ("file", Location::File {}),
    ];
    for (_, location) in &out {
        match location {
            Location::Page { .. }
            | Location::OcrLine { .. }
            | Location::Paragraph { .. }
            | Location::TableCell { .. }
            | Location::SheetCell { .. }
            | Location::Slide { .. }
            | Location::Picture { .. }
            | Location::Line { .. }
            | Location::File {} => {}
        }
    }
    out
}

/// The objects of the document's ```json blocks, at any depth.
fn json_objects(doc: &str) -> Vec<serde_json::Map<String, Value>> {
    fn walk(value: &Value, out: &mut Vec<serde_json::Map<String, Value>>) {
        match value {
            Value::Object(map) => {
                out.push(map.clone());
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for block in doc.split("```json").skip(1) {
        let body = block.split("```").next().unwrap_or_default();
        // A block is one JSON value, or JSON lines (`extract --json`).
        let values: Vec<Value> = match serde_json::from_str(body) {
            Ok(v) => vec![v],
            Err(_) => body
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
                .collect(),
        };
        values.iter().for_each(|v| walk(v, &mut out));
    }
    out
}

#[test]
fn report_format_doc_lists_every_kind_and_location_shape() {
    let doc = document();
    for kind in kinds() {
        assert!(
            doc.contains(&format!("| `{}` |", kind.as_str())),
            "docs/report-format.md: kind `{kind}` is not in the kind table"
        );
    }
    let examples: Vec<BTreeSet<String>> = json_objects(&doc)
        .into_iter()
        .map(|m| m.keys().cloned().collect())
        .collect();
    for (shape, location) in locations() {
        let json = serde_json::to_value(&location).expect("json");
        let keys: BTreeSet<String> = json
            .as_object()
            .expect("a location is an object")
            .keys()
            .cloned()
            .collect();
        assert!(
            examples.contains(&keys),
            "docs/report-format.md: no JSON example of a {shape} location with keys {keys:?} \
             (the code writes {json})"
        );
        for key in &keys {
            assert!(
                doc.contains(&format!("`{key}`")),
                "docs/report-format.md: location key `{key}` is not described"
            );
        }
    }
    for part in [
        Part::Header,
        Part::Footer,
        Part::Footnote,
        Part::Endnote,
        Part::Comment,
    ] {
        let name = serde_json::to_value(part).expect("json");
        let name = name.as_str().expect("a string");
        assert!(
            doc.contains(&format!("`{name}`")),
            "docs/report-format.md: part `{name}` is not described"
        );
    }
}
