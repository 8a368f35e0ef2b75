//! The held-out scans (`fixtures/heldout/scans/`, written by a session that read none of our code,
//! rules or scan fixtures): each file is read as a bundle of its own through the library, and
//! scored as its README says — character accuracy (NFKC, no whitespace) over the file's `lines`,
//! order-free line recall, and the licence and certificate fields the rules extract, compared
//! exactly with `fields`. Seal text is neither required nor penalised.
//!
//! Prints a row per file and the totals; run with
//! `cargo test --test tests heldout_scans -- --nocapture`; with PP-OCR installed, bare tesseract's
//! totals on the same pages follow. Skips with a message naming
//! `tools/setup-parts.sh` where no OCR engine is installed.

use crate::util::{char_accuracy, comparable, edit_distance, engine_or_skip, fixtures_dir};
use certsift::ingest::ocr::EngineChoice;
use certsift::ingest::{Limits, read_bundle};
use certsift::model::{Bundle, FieldValue};
use rayon::prelude::*;
use std::time::Instant;

/// How truth's field names map to the extractors' (`rules/fields.toml`).
const LICENCE_FIELDS: &[(&str, &str)] = &[
    ("company_name", "company_name"),
    ("uscc", "uscc"),
    ("legal_representative", "legal_representative"),
    ("registered_capital", "registered_capital_normalized"),
    ("established_on", "established_on"),
    ("license_valid_until", "license_valid_until"),
];
const CERTIFICATE_FIELDS: &[(&str, &str)] = &[
    ("holder", "certificate_holder"),
    ("certificate_no", "certificate_number"),
    ("valid_until", "certificate_valid_until"),
];

/// One held-out file as read and scored.
struct Scored {
    path: String,
    pages: usize,
    accuracy: f64,
    lines_found: usize,
    lines: usize,
    /// (truth name, wanted, what the report gives).
    fields: Vec<(String, String, Vec<String>)>,
}

fn value_text(field: &FieldValue) -> String {
    let value = serde_json::to_value(&field.value).unwrap_or_default();
    let text = value.as_str().map(str::to_string).unwrap_or_default();
    // The truth spells capital `N万元`; the normalised field says the currency too.
    text.trim_end_matches("人民币").to_string()
}

/// The share of truth lines found in what was read: as a substring of the whole text, or within
/// an edit distance of 10% of the line from one read line.
fn lines_found(truth: &[String], read_lines: &[String], read_text: &str) -> usize {
    let read: Vec<Vec<char>> = read_lines.iter().map(|l| l.chars().collect()).collect();
    truth
        .iter()
        .filter(|line| {
            if read_text.contains(line.as_str()) {
                return true;
            }
            let want: Vec<char> = line.chars().collect();
            let allowed = want.len() / 10;
            read.iter().any(|r| edit_distance(&want, r) <= allowed)
        })
        .count()
}

fn score(file: &toml::Table, bundle: &Bundle, fields: &[FieldValue]) -> Scored {
    let path = file["path"].as_str().expect("path").to_string();
    let doc = &bundle.documents[0];
    let read_lines: Vec<String> = doc.passages.iter().map(|p| comparable(&p.text)).collect();
    let read_text: String = read_lines.concat();
    let truth_lines: Vec<String> = file["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(toml::Value::as_str)
        .map(comparable)
        .filter(|l| !l.is_empty())
        .collect();
    let accuracy = char_accuracy(&truth_lines.concat(), &read_text);
    let lines_found = lines_found(&truth_lines, &read_lines, &read_text);

    let truth = file["fields"].as_table().expect("fields");
    let mut wanted: Vec<(&str, &str, String)> = Vec::new();
    let kind = file["kind"].as_str().unwrap_or_default();
    let mut add = |table: &toml::Table, map: &[(&'static str, &'static str)]| {
        for (name, ours) in map {
            if let Some(value) = table.get(*name).and_then(toml::Value::as_str) {
                wanted.push((name, ours, value.to_string()));
            }
        }
    };
    // Letters and tables carry fields the extractors do not have (signatory, outlet counts).
    let (licence, certificate) = match kind {
        "licence" => (Some(truth), None),
        "certificate" => (None, Some(truth)),
        "licence+certificate" => (
            truth.get("licence").and_then(toml::Value::as_table),
            truth.get("certificate").and_then(toml::Value::as_table),
        ),
        _ => (None, None),
    };
    if let Some(t) = licence {
        add(t, LICENCE_FIELDS);
    }
    if let Some(t) = certificate {
        add(t, CERTIFICATE_FIELDS);
    }
    let fields = wanted
        .into_iter()
        .map(|(name, ours, value)| {
            // A person's certificate names its holder as `certificate_person`.
            let person = (ours == "certificate_holder").then_some("certificate_person");
            let got: Vec<String> = fields
                .iter()
                .filter(|f| f.name == ours || Some(f.name.as_str()) == person)
                .map(value_text)
                .collect();
            (name.to_string(), value, got)
        })
        .collect();
    Scored {
        path,
        pages: file["pages"].as_integer().unwrap_or(1) as usize,
        accuracy,
        lines_found,
        lines: truth_lines.len(),
        fields,
    }
}

/// Right when the report gives the truth's value and no other for that field.
fn right(want: &str, got: &[String]) -> bool {
    !got.is_empty() && got.iter().all(|g| g == want)
}

/// One engine's figures over the whole set.
struct Totals {
    mean: f64,
    right_fields: usize,
    all_fields: usize,
    dates_right: usize,
    dates: usize,
    uscc_wrong: Vec<String>,
}

impl Totals {
    fn field_share(&self) -> f64 {
        self.right_fields as f64 / self.all_fields.max(1) as f64
    }
}

/// Reads every held-out file with `engine`, prints a row per file (when `rows`) and the totals.
fn measure(engine: EngineChoice, rows: bool) -> Totals {
    let dir = fixtures_dir().join("heldout/scans");
    let truth: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.join("truth.toml")).expect("truth"))
            .expect("truth parses");
    let as_of = truth["set"]["as_of"].as_str().expect("as_of");
    let as_of = chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d").expect("date");
    let rules = certsift::rules::load_default()
        .and_then(|set| certsift::rules::compile(&set))
        .expect("default rules");
    let files: Vec<toml::Table> = truth["file"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f.as_table().cloned())
        .collect();
    let limits = Limits {
        ocr_engine: engine,
        ..Limits::default()
    };
    let work = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let scored: Vec<Scored> = files
        .par_iter()
        .enumerate()
        .map(|(i, file)| {
            let path = file["path"].as_str().expect("path");
            let source = dir.join(path);
            let bundle_dir = work.path().join(format!("bundle-{i:02}"));
            std::fs::create_dir_all(&bundle_dir).expect("mkdir");
            let name = source.file_name().expect("name");
            std::fs::copy(&source, bundle_dir.join(name)).expect("copy");
            let bundle = read_bundle(&bundle_dir, &limits).expect("bundle");
            let doc = &bundle.documents[0];
            assert_eq!(
                doc.status,
                certsift::model::FileStatus::Ok,
                "{path}: {:?}",
                doc.error
            );
            assert!(doc.ocr, "{path} read by OCR");
            let assessment = certsift::rules::assess(&bundle, &rules, as_of);
            score(file, &bundle, &assessment.fields)
        })
        .collect();
    let wall = started.elapsed().as_secs_f64();

    let (mut pages, mut acc, mut found, mut lines, mut right_fields, mut all_fields) =
        (0, 0.0, 0, 0, 0, 0);
    let (mut dates_right, mut dates) = (0, 0);
    let mut worst = (1.0f64, String::new());
    if rows {
        println!(
            "{:44} {:>6} {:>9} {:>7}",
            "file", "chars", "lines", "fields"
        );
    }
    for s in &scored {
        let ok = s.fields.iter().filter(|(_, w, g)| right(w, g)).count();
        if rows {
            println!(
                "{:44} {:6.3} {:>4}/{:<4} {:>3}/{:<3}",
                s.path,
                s.accuracy,
                s.lines_found,
                s.lines,
                ok,
                s.fields.len()
            );
        }
        for (name, want, got) in &s.fields {
            if rows && !right(want, got) {
                println!("    {name}: want {want}, got {got:?}");
            }
            if name.contains("valid_until") {
                dates += 1;
                dates_right += usize::from(right(want, got));
            }
        }
        pages += s.pages;
        acc += s.accuracy;
        found += s.lines_found;
        lines += s.lines;
        right_fields += ok;
        all_fields += s.fields.len();
        if s.accuracy < worst.0 {
            worst = (s.accuracy, s.path.clone());
        }
    }
    let mean = acc / scored.len() as f64;
    let field_share = right_fields as f64 / all_fields.max(1) as f64;
    println!(
        "held-out scans, {engine:?} engine: {} files, {pages} pages; char accuracy mean {mean:.3} \
         (worst {:.3}, {}); lines found {found}/{lines}; fields exact {right_fields}/{all_fields} \
         ({field_share:.3}); validity dates {dates_right}/{dates}; {:.2} s/page wall on {} threads",
        scored.len(),
        worst.0,
        worst.1,
        wall / pages as f64,
        rayon::current_num_threads()
    );
    let uscc_wrong = scored
        .iter()
        .filter(|s| {
            s.fields
                .iter()
                .any(|(name, want, got)| name == "uscc" && !right(want, got))
        })
        .map(|s| s.path.clone())
        .collect();
    Totals {
        mean,
        right_fields,
        all_fields,
        dates_right,
        dates,
        uscc_wrong,
    }
}

#[test]
fn heldout_scans_are_read_with_their_fields() {
    if !engine_or_skip("heldout_scans_are_read_with_their_fields") {
        return;
    }
    let ppocr = certsift::ingest::ocr::engine(EngineChoice::Ppocr).is_ok();
    let chosen = measure(EngineChoice::Auto, true);
    if !ppocr {
        // Tesseract alone: a floor under what it was measured at (chars 0.510, 21/44 fields).
        assert!(chosen.mean >= 0.45, "mean char accuracy {:.3}", chosen.mean);
        return;
    }
    assert!(
        chosen.uscc_wrong.is_empty(),
        "USCC misread on {:?}",
        chosen.uscc_wrong
    );
    // Issue 12's goals for the default engine: fields and validity dates ≥ 0.95 exact (measured
    // 43/44 and 11/11, chars 0.862), so that a regression fails.
    assert!(chosen.mean >= 0.82, "mean char accuracy {:.3}", chosen.mean);
    assert!(
        chosen.field_share() >= 0.95,
        "fields exact {}/{}",
        chosen.right_fields,
        chosen.all_fields
    );
    assert!(
        chosen.dates_right as f64 >= 0.95 * chosen.dates as f64,
        "validity dates {}/{}",
        chosen.dates_right,
        chosen.dates
    );
    // Bare tesseract on the same pages in the same run, printed beside it: the default engine
    // must read more of them right.
    if certsift::ingest::ocr::engine(EngineChoice::Tesseract).is_ok() {
        let tess = measure(EngineChoice::Tesseract, false);
        assert!(
            chosen.right_fields > tess.right_fields && chosen.mean > tess.mean,
            "PP-OCR ({} fields, chars {:.3}) is not ahead of tesseract ({}, {:.3})",
            chosen.right_fields,
            chosen.mean,
            tess.right_fields,
            tess.mean
        );
    }
}
