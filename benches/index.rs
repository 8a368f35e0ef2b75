//! Index benchmark: `cargo bench --bench index`.
//!
//! Builds an on-disk index of at least 1,000,000 passages synthesised from the sample inbox's
//! passages (every fixture bundle's documents copied into ten synthetic bundles of ~100k
//! passages each, one commit per bundle, then waiting for tantivy's merges), then prints indexing
//! throughput (MB/s of matching-form text), index size per MB of text, and query latency
//! p50/p99 over a fixed mix of 100 queries (phrases, codes, filters).
//! Goals (issue 4) on this 2-core machine: indexing ≥ 20 MB/s, p99 ≤ 50 ms.

use certsift::index::Filters;
use certsift::index::Index;
use certsift::ingest::{Limits, read_bundle};
use certsift::model::Bundle;
use certsift::rules;
use std::path::Path;
use std::time::Instant;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let compiled = rules::compile(&rules::load_default().expect("rules")).expect("compile");
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    let mut fixtures: Vec<Bundle> = std::fs::read_dir(root.join("fixtures/inbox"))
        .expect("inbox")
        .flatten()
        .map(|e| read_bundle(&e.path(), &Limits::default()).expect("bundle"))
        .collect();
    fixtures.sort_by(|a, b| a.id.cmp(&b.id));
    let per_round: usize = fixtures
        .iter()
        .flat_map(|b| &b.documents)
        .map(|d| d.passages.len())
        .sum();

    let dir = tempfile::tempdir().expect("tempdir");
    let index = Index::open_or_create(dir.path()).expect("index");
    let bundles = 10usize;
    let rounds_per_bundle = 100_000usize.div_ceil(per_round.max(1));
    let (mut passages, mut text_bytes) = (0usize, 0usize);
    let mut indexing = std::time::Duration::ZERO;
    let mut writer = index.writer().expect("writer");
    for b in 0..bundles {
        let mut documents = Vec::new();
        for round in 0..rounds_per_bundle {
            for bundle in &fixtures {
                for doc in &bundle.documents {
                    let mut copy = doc.clone();
                    copy.path = format!("{round}/{}/{}", bundle.id, doc.path);
                    documents.push(copy);
                }
            }
        }
        let big = Bundle {
            id: format!("synthetic-{b:02}"),
            documents,
        };
        let assessment = rules::assess(&big, &compiled, as_of);
        text_bytes += big
            .documents
            .iter()
            .flat_map(|d| &d.passages)
            .map(|p| p.normalized.len())
            .sum::<usize>();
        let started = Instant::now();
        passages += writer
            .replace_bundle(&big, &assessment, as_of)
            .expect("add");
        writer.commit().expect("commit");
        indexing += started.elapsed();
    }
    // Merges still running belong to the indexing cost: wait for them.
    let started = Instant::now();
    writer.finish().expect("merges");
    indexing += started.elapsed();
    let baseline = bare_tantivy_seconds(&fixtures, bundles, rounds_per_bundle);
    let size: u64 = walk_size(dir.path());
    let mb = text_bytes as f64 / 1e6;
    println!(
        "indexed {passages} passages, {mb:.1} MB of text, in {:.1} s → {:.1} MB/s ({:.0} passages/s)",
        indexing.as_secs_f64(),
        mb / indexing.as_secs_f64(),
        passages as f64 / indexing.as_secs_f64()
    );
    println!(
        "baseline, same run: bare tantivy (one stored text field, NgramTokenizer 2..2, same commits) {:.1} MB/s → certsift takes {:.2}× its time",
        mb / baseline,
        indexing.as_secs_f64() / baseline
    );
    println!(
        "index size {:.1} MB → {:.2} MB per MB of text",
        size as f64 / 1e6,
        size as f64 / 1e6 / mb
    );

    let words = [
        "投诉处理",
        "配件供应",
        "售后服务管理制度",
        "管理制度",
        "处理",
        "配件",
        "24小时内",
        "满意度调查",
        "以旧换新",
        "服务网点",
        "91320505MA1XH7K24N",
        "400-828-6655",
        "ISO 9001",
        "GB/T 27922",
        "神秘顾客",
        "回访",
        "三包",
        "培训记录",
        "组织结构图",
        "营业执照",
    ];
    let clauses = [None, Some("5.3"), Some("5.2.4"), Some("5.1")];
    let mut latencies = Vec::new();
    for i in 0..100 {
        let query = words[i % words.len()];
        let filters = Filters {
            clause: clauses[i % clauses.len()].map(String::from),
            bundle: (i % 5 == 0).then(|| format!("synthetic-{:02}", i % bundles)),
            material: None,
        };
        let started = Instant::now();
        let hits = index.search(query, &filters, 10).expect("search");
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(hits.len());
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "query latency over 100 queries (top 10 with snippets): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(0.50),
        pct(0.99),
        latencies.last().copied().unwrap_or(0.0)
    );
}

/// Seconds bare tantivy takes to index the same text: one stored field with tantivy's own
/// bigram tokenizer, no tags, one commit per synthetic bundle. The ratio to it is what this
/// machine's noise cannot move.
fn bare_tantivy_seconds(fixtures: &[Bundle], bundles: usize, rounds: usize) -> f64 {
    use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
    use tantivy::tokenizer::{NgramTokenizer, TextAnalyzer};
    let mut builder = Schema::builder();
    let options = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("bigram")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let text = builder.add_text_field("text", options);
    let dir = tempfile::tempdir().expect("tempdir");
    let index = tantivy::Index::create_in_dir(dir.path(), builder.build()).expect("bare index");
    index.tokenizers().register(
        "bigram",
        TextAnalyzer::from(NgramTokenizer::new(2, 2, false).expect("ngram")),
    );
    let started = Instant::now();
    let mut writer: tantivy::IndexWriter = index.writer(64 * 1024 * 1024).expect("writer");
    for _ in 0..bundles {
        for _ in 0..rounds {
            for passage in fixtures
                .iter()
                .flat_map(|b| &b.documents)
                .flat_map(|d| &d.passages)
                .filter(|p| !p.normalized.is_empty())
            {
                writer
                    .add_document(tantivy::doc!(text => passage.normalized.as_str()))
                    .expect("add");
            }
        }
        writer.commit().expect("commit");
    }
    writer.wait_merging_threads().expect("merges");
    started.elapsed().as_secs_f64()
}

fn walk_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let path = e.path();
                    if path.is_dir() {
                        walk_size(&path)
                    } else {
                        e.metadata().map_or(0, |m| m.len())
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}
