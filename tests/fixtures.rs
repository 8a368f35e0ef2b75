//! The committed hard-case fixtures (`fixtures/hard/`), checked against what the generator says
//! it planted (`fixtures/truth.toml`, `[hard."<file>"]`): kind, status, text that must and must
//! not come out, and Han-character recall against `pdftotext` where a reference was written.

use crate::util::fixtures_dir;
use certsift::ingest::{Limits, read_inputs};
use certsift::model::{Document, FileStatus};
use certsift::normalize::{for_matching, is_han};
use std::collections::HashMap;

fn hard_truth() -> toml::Table {
    let text = std::fs::read_to_string(fixtures_dir().join("truth.toml")).expect("truth.toml");
    let truth: toml::Table = text.parse().expect("truth.toml parses");
    truth
        .get("hard")
        .and_then(|h| h.as_table())
        .cloned()
        .expect("[hard] table")
}

fn read_hard() -> HashMap<String, Document> {
    let docs = read_inputs(&[fixtures_dir().join("hard")], &Limits::default()).expect("read");
    docs.into_iter()
        .map(|d| {
            let name = d
                .path
                .rsplit_once("hard/")
                .map_or(d.path.clone(), |(_, n)| n.to_string());
            (name, d)
        })
        .collect()
}

fn strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn hard_fixtures_get_the_planted_kind_status_and_text() {
    let truth = hard_truth();
    let docs = read_hard();
    let mut wrong = Vec::new();
    for (name, expected) in &truth {
        let Some(doc) = docs.get(name) else {
            wrong.push(format!("{name}: not read"));
            continue;
        };
        let want_kind = expected.get("kind").and_then(|v| v.as_str()).unwrap_or("");
        let want_status = expected
            .get("status")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        if !want_kind.split('|').any(|k| k == doc.kind.as_str()) {
            wrong.push(format!("{name}: kind {} (want {want_kind})", doc.kind));
        }
        if !want_status.split('|').any(|s| s == doc.status.as_str()) {
            wrong.push(format!(
                "{name}: status {} (want {want_status}): {}",
                doc.status,
                doc.error.as_deref().unwrap_or("")
            ));
        }
        for member in strings(expected.get("members")) {
            if !docs.contains_key(&format!("{name}!/{member}")) {
                wrong.push(format!("{name}: member {member:?} not found by that name"));
            }
        }
        let text: String = doc
            .passages
            .iter()
            .map(|p| p.normalized.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        for needle in strings(expected.get("must_contain")) {
            if !text.contains(&for_matching(&needle)) {
                wrong.push(format!("{name}: missing {needle:?}"));
            }
        }
        for needle in strings(expected.get("must_not_contain")) {
            if text.contains(&for_matching(&needle)) {
                wrong.push(format!("{name}: must not contain {needle:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "hard fixtures:\n{}", wrong.join("\n"));
}

#[test]
fn hard_pdfs_recall_the_han_characters_pdftotext_finds() {
    let docs = read_hard();
    let mut low = Vec::new();
    for (name, doc) in &docs {
        let reference = fixtures_dir()
            .join("hard")
            .join(name.replace(".pdf", ".pdftotext.txt"));
        if !name.ends_with(".pdf") || !reference.is_file() || doc.status != FileStatus::Ok {
            continue;
        }
        let reference = std::fs::read_to_string(&reference).expect("reference");
        let ours: String = doc.passages.iter().map(|p| p.normalized.as_str()).collect();
        let mut counts: HashMap<char, i64> = HashMap::new();
        let reference_han: Vec<char> = for_matching(&reference)
            .chars()
            .filter(|&c| is_han(c))
            .collect();
        for c in &reference_han {
            *counts.entry(*c).or_default() += 1;
        }
        let mut hit = 0;
        for c in ours.chars().filter(|&c| is_han(c)) {
            if let Some(n) = counts.get_mut(&c).filter(|n| **n > 0) {
                *n -= 1;
                hit += 1;
            }
        }
        let recall = hit as f64 / reference_han.len().max(1) as f64;
        eprintln!(
            "{name:<45} {:>5} Han  recall {recall:.3}",
            reference_han.len()
        );
        if recall < 0.98 {
            low.push(format!("{name}: recall {recall:.3}"));
        }
    }
    assert!(low.is_empty(), "{}", low.join("\n"));
}

#[test]
fn output_order_does_not_depend_on_the_number_of_threads() {
    let inbox = fixtures_dir().join("inbox");
    let read_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| read_inputs(std::slice::from_ref(&inbox), &Limits::default()))
            .expect("read")
    };
    let one = read_with(1);
    let four = read_with(4);
    assert!(one.len() > 40, "the sample inbox has its files");
    assert_eq!(one, four);
}
