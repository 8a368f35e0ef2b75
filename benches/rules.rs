//! Matcher benchmark: `cargo bench --bench rules`.
//!
//! Prints the cost of loading and compiling the default rules, then the full default rule set
//! matched over a corpus synthesised from the sample inbox's passages (every passage of every
//! fixture file, repeated to about 200,000 passages): passages/s and MB/s of matching-form text,
//! plus the whole `assess` (materials, indicators, fields, flags) per fixture bundle.
//!
//! Machines are noisy, so a figure is worth most beside a baseline measured in the same run:
//! with `CERTSIFT_BENCH_BASELINE_RULES=<rules folder>` (say the previous commit's `rules/`, from
//! `git archive HEAD~1 rules | tar -x -C /tmp/base`), that folder's rules are matched over the
//! same corpus, alternating with the default rules, and the ratio is printed.

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
    let baseline = std::env::var_os("CERTSIFT_BENCH_BASELINE_RULES").map(|dir| {
        let set = rules::load_dir(Path::new(&dir)).expect("baseline rules load");
        rules::compile(&set).expect("baseline rules compile")
    });
    let files = classify_materials(&big, &compiled);
    let time_once = |rules: &rules::CompiledRules| {
        let started = Instant::now();
        let findings = indicator_findings(&big, rules, &files);
        std::hint::black_box(findings.len());
        started.elapsed().as_secs_f64()
    };
    let (mut best, mut best_baseline) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        best = best.min(time_once(&compiled));
        if let Some(base) = &baseline {
            best_baseline = best_baseline.min(time_once(base));
        }
    }
    println!(
        "matching {passages} passages ({:.1} MB of text), all threads, best of 3: {:.0} ms → {:.0} passages/s, {:.1} MB/s",
        bytes as f64 / 1e6,
        best * 1e3,
        passages as f64 / best,
        bytes as f64 / 1e6 / best
    );
    if baseline.is_some() {
        println!(
            "baseline rules, same corpus and run: {:.0} ms → {:.0} passages/s; default rules take {:.2}× the baseline's time",
            best_baseline * 1e3,
            passages as f64 / best_baseline,
            best / best_baseline
        );
    }

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
