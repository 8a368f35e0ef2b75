//! `certsift check` on the sample inbox: every bundle's report validates against the contract's
//! JSON Schema, and precision/recall against what the fixture generator planted
//! (`fixtures/truth.toml`) for materials, indicators, fields and flags.

use crate::util::{certsift, fixtures_dir, shared_dir};
use serde_json::Value;
use std::collections::BTreeSet;

const AS_OF: &str = "2026-11-28";

fn bundles() -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(fixtures_dir().join("inbox"))
        .expect("inbox")
        .flatten()
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

fn report_of(bundle: &std::path::Path) -> Value {
    let out = certsift(&[
        "check",
        bundle.to_str().expect("utf-8 path"),
        "--as-of",
        AS_OF,
        "--json",
    ]);
    assert!(
        out.status.success(),
        "check failed on {}: {}",
        bundle.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("report is JSON")
}

#[test]
fn every_fixture_report_validates_against_the_contract_schema() {
    let Some(shared) = shared_dir() else {
        crate::util::skip(
            "every_fixture_report_validates_against_the_contract_schema",
            "../shared absent",
        );
        return;
    };
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(shared.join("domain/report.schema.json")).expect("schema"),
    )
    .expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for bundle in bundles() {
        let report = report_of(&bundle);
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {}",
            bundle.display(),
            errors.join("\n")
        );
        assert_eq!(report["as_of"], AS_OF);
        assert_eq!(report["materials"].as_array().map(Vec::len), Some(13));
        assert_eq!(report["indicators"].as_array().map(Vec::len), Some(15));
    }
}

/// Precision and recall of a predicted set against a truth set.
fn pr(predicted: &BTreeSet<String>, truth: &BTreeSet<String>) -> (f64, f64) {
    let hit = predicted.intersection(truth).count() as f64;
    let p = if predicted.is_empty() {
        1.0
    } else {
        hit / predicted.len() as f64
    };
    let r = if truth.is_empty() {
        1.0
    } else {
        hit / truth.len() as f64
    };
    (p, r)
}

#[test]
fn fixture_bundles_score_against_the_planted_truth() {
    let truth: toml::Table = std::fs::read_to_string(fixtures_dir().join("truth.toml"))
        .expect("truth")
        .parse()
        .expect("truth parses");
    let truth_bundles = truth["bundles"].as_table().expect("bundles");
    let mut sets: [(BTreeSet<String>, BTreeSet<String>); 5] = Default::default();
    let names = [
        "materials present",
        "indicator status",
        "evidence file",
        "fields",
        "flags",
    ];
    let (mut cited, mut cited_planted) = (0usize, 0usize);
    let (mut best_cited, mut best_planted) = (0usize, 0usize);
    for bundle in bundles() {
        let report = report_of(&bundle);
        let id = report["bundle"].as_str().expect("bundle id").to_string();
        let Some(expected) = truth_bundles.get(&id).and_then(|b| b.as_table()) else {
            continue;
        };
        // Materials: present ones.
        for (mid, m) in expected["materials"].as_table().expect("materials") {
            if m["status"].as_str() == Some("present") {
                sets[0].1.insert(format!("{id}/{mid}"));
            }
        }
        for m in report["materials"].as_array().expect("materials") {
            if m["status"] == "present" {
                sets[0]
                    .0
                    .insert(format!("{id}/{}", m["id"].as_str().unwrap_or("")));
            }
        }
        // Indicators: the exact status; and evidence: a found indicator must cite a planted file
        // (recall), and every cited file should be one the truth plants for it (precision).
        let mut planted: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
        for (iid, ind) in expected["indicators"].as_table().expect("indicators") {
            let status = ind["status"].as_str().unwrap_or("");
            sets[1].1.insert(format!("{id}/{iid}={status}"));
            let files: BTreeSet<String> = ind
                .get("files")
                .and_then(|f| f.as_array())
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str().map(String::from))
                .collect();
            if status != "missing" && !files.is_empty() {
                sets[2].1.insert(format!("{id}/{iid}"));
            }
            planted.insert(iid.clone(), files);
        }
        for ind in report["indicators"].as_array().expect("indicators") {
            let iid = ind["id"].as_str().unwrap_or("").to_string();
            sets[1].0.insert(format!(
                "{id}/{iid}={}",
                ind["status"].as_str().unwrap_or("")
            ));
            let files = planted.get(&iid).cloned().unwrap_or_default();
            if let Some(best) = ind["evidence"].as_array().and_then(|e| e.first()) {
                best_cited += 1;
                if files.contains(best["file"].as_str().unwrap_or("")) {
                    best_planted += 1;
                }
            }
            for ev in ind["evidence"].as_array().into_iter().flatten() {
                let file = ev["file"].as_str().unwrap_or("").to_string();
                cited += 1;
                if files.contains(&file) {
                    cited_planted += 1;
                    if sets[2].1.contains(&format!("{id}/{iid}")) {
                        sets[2].0.insert(format!("{id}/{iid}"));
                    }
                } else {
                    eprintln!("    cited outside the planted files: {id}/{iid} {file}");
                }
            }
        }
        // Fields: name=value.
        for (name, f) in expected["fields"].as_table().expect("fields") {
            sets[3]
                .1
                .insert(format!("{id}/{name}={}", f["value"].as_str().unwrap_or("")));
        }
        for f in report["fields"].as_array().expect("fields") {
            let name = f["name"].as_str().unwrap_or("");
            if expected["fields"]
                .as_table()
                .is_some_and(|t| t.contains_key(name))
            {
                sets[3]
                    .0
                    .insert(format!("{id}/{name}={}", f["value"].as_str().unwrap_or("")));
            }
        }
        // Flags: codes (optional ones neither required nor wrong).
        let optional: BTreeSet<String> = expected
            .get("optional_flags")
            .and_then(|f| f.as_array())
            .into_iter()
            .flatten()
            .filter_map(|f| f.get("code").and_then(|c| c.as_str()).or(f.as_str()))
            .map(|c| format!("{id}/{c}"))
            .collect();
        for f in expected
            .get("flags")
            .and_then(|f| f.as_array())
            .into_iter()
            .flatten()
        {
            if let Some(code) = f.get("code").and_then(|c| c.as_str()).or(f.as_str()) {
                sets[4].1.insert(format!("{id}/{code}"));
                if code == "needs_ocr" && scans_read_by_ocr(&report, f) {
                    sets[4].0.insert(format!("{id}/{code}"));
                }
            }
        }
        for f in report["flags"].as_array().expect("flags") {
            let key = format!("{id}/{}", f["code"].as_str().unwrap_or(""));
            if !optional.contains(&key) || sets[4].1.contains(&key) {
                sets[4].0.insert(key);
            }
        }
    }
    let mut below = Vec::new();
    for (name, (predicted, truth)) in names.iter().zip(&sets) {
        let (mut p, r) = pr(predicted, truth);
        if *name == "evidence file" {
            // Recall: found indicators citing a planted file. Precision: found indicators whose
            // best evidence (the first cited) sits in a planted file. Every cited passage is
            // also counted, for information: the truth lists the planted files, not every file
            // a real applicant's wording makes relevant.
            p = best_planted as f64 / best_cited.max(1) as f64;
            eprintln!(
                "evidence (all cited passages in planted files: {cited_planted}/{cited} = {:.3}, for information)",
                cited_planted as f64 / cited.max(1) as f64
            );
        }
        eprintln!(
            "{name:<18} precision {p:.3}  recall {r:.3}  ({} predicted, {} true)",
            predicted.len(),
            truth.len()
        );
        for miss in truth.difference(predicted) {
            eprintln!("    missed   {miss}");
        }
        for extra in predicted.difference(truth) {
            eprintln!("    spurious {extra}");
        }
        if p < 0.95 || r < 0.95 {
            below.push(format!("{name}: precision {p:.3} recall {r:.3}"));
        }
    }
    assert!(
        below.is_empty(),
        "below the 0.95 goal:\n{}",
        below.join("\n")
    );
}

/// A `needs_ocr` the truth expects for scans is met, where an OCR engine is installed, by every
/// one of those scans having been read by OCR (`files[].ocr`): the reviewer then has their text
/// instead of the flag.
fn scans_read_by_ocr(report: &serde_json::Value, expected: &toml::Value) -> bool {
    let scans: Vec<&str> = expected
        .get("files")
        .and_then(|f| f.as_array())
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str())
        .collect();
    let files = report["files"].as_array().cloned().unwrap_or_default();
    !scans.is_empty()
        && scans.iter().all(|scan| {
            files
                .iter()
                .any(|f| f["path"] == *scan && f["ocr"] == true && f["status"] == "ok")
        })
}
