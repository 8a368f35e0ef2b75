//! Matcher benchmark: `cargo bench --bench rules`.
//!
//! Prints the cost of loading and compiling the default rules, then the full default rule set
//! matched over a corpus synthesised from the sample inbox's passages (every passage of every
//! fixture file, repeated to about 200,000 passages): passages/s and MB/s of matching-form text,
//! plus the whole `assess` (materials, indicators, fields, flags) per fixture bundle.

use certsift::ingest::{Limits, read_bundle};
use certsift::model::Bundle;
use certsift::rules::{self, classify_materials, indicator_findings};
use std::path::Path;
use std::time::Instant;

fn main() {
    let started = Instant::now();
    let set = rules::load_default().expect("default rules load");
    let compiled = rules::compile(&set).expect("default rules compile");
    println!(
        "load + compile of the default rules: {:.1} ms ({} rules, {} material classifiers)",
        started.elapsed().as_secs_f64() * 1e3,
        compiled.rule_count(),
        compiled.classifier_count()
    );

    let inbox = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inbox");
    let mut bundles: Vec<Bundle> = std::fs::read_dir(&inbox)
        .expect("inbox")
        .flatten()
        .map(|e| read_bundle(&e.path(), &Limits::default()).expect("bundle"))
        .collect();
    bundles.sort_by(|a, b| a.id.cmp(&b.id));

    // One synthetic bundle holding every fixture document many times over.
    let mut documents = Vec::new();
    let target = 200_000usize;
    let per_round: usize = bundles
        .iter()
        .flat_map(|b| &b.documents)
        .map(|d| d.passages.len())
        .sum();
    let rounds = target.div_ceil(per_round.max(1));
    for round in 0..rounds {
        for bundle in &bundles {
            for doc in &bundle.documents {
                let mut copy = doc.clone();
                copy.path = format!("{round}/{}", doc.path);
                documents.push(copy);
            }
        }
    }
    let big = Bundle {
        id: "synthetic".into(),
        documents,
    };
    let passages: usize = big.documents.iter().map(|d| d.passages.len()).sum();
    let bytes: usize = big
        .documents
        .iter()
        .flat_map(|d| &d.passages)
        .map(|p| p.normalized.len())
        .sum();
    let files = classify_materials(&big, &compiled);
    let mut best = f64::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let findings = indicator_findings(&big, &compiled, &files);
        std::hint::black_box(findings.len());
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "matching {passages} passages ({:.1} MB of text), all threads, best of 3: {:.0} ms → {:.0} passages/s, {:.1} MB/s",
        bytes as f64 / 1e6,
        best * 1e3,
        passages as f64 / best,
        bytes as f64 / 1e6 / best
    );

    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    for bundle in &bundles {
        let started = Instant::now();
        let assessment = rules::assess(bundle, &compiled, as_of);
        std::hint::black_box(assessment.flags.len());
        println!(
            "assess {:<16} {:>4} passages  {:.1} ms",
            bundle.id,
            bundle
                .documents
                .iter()
                .map(|d| d.passages.len())
                .sum::<usize>(),
            started.elapsed().as_secs_f64() * 1e3
        );
    }
}
