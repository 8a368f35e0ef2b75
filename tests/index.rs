//! `certsift index` and `certsift search` end to end through the binary, over the sample inbox.
//! The inbox is indexed once per test run (into Cargo's per-target temp dir) and shared by the
//! read-only tests; tests that write get their own temp dir.

use crate::util::{certsift, fixtures_dir};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const AS_OF: &str = "2026-11-28";

/// The sample inbox, indexed once.
fn inbox_index() -> &'static Path {
    static INDEX: OnceLock<PathBuf> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("index-inbox");
        let _ = std::fs::remove_dir_all(&dir);
        let out = certsift(&[
            "index",
            path_str(&fixtures_dir().join("inbox")),
            "--index",
            path_str(&dir),
            "--as-of",
            AS_OF,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.lines().count(), 3, "one line per bundle:\n{stdout}");
        dir
    })
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Runs `certsift search --json --index DIR args…` and parses the hits.
fn search_in(index: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec![
        "search",
        "--json",
        "--limit",
        "1000",
        "--index",
        path_str(index),
    ];
    all.extend_from_slice(args);
    let out = certsift(&all);
    // Exit 1 is "no hits", with nothing on stdout.
    assert!(
        out.status.success() || (out.status.code() == Some(1) && out.stdout.is_empty()),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

fn search(args: &[&str]) -> Vec<Value> {
    search_in(inbox_index(), args)
}

fn snippets(hits: &[Value]) -> Vec<&str> {
    hits.iter()
        .map(|h| h["snippet"].as_str().unwrap_or_default())
        .collect()
}

#[test]
fn chinese_substrings_are_found_inside_longer_words() {
    for (query, inside) in [
        ("处理", "投诉处理"),
        ("配件", "配件"),
        ("管理制度", "售后服务管理制度"),
    ] {
        let hits = search(&[query]);
        assert!(!hits.is_empty(), "{query}: no hits");
        assert!(
            snippets(&hits).iter().any(|s| s.contains(inside)),
            "{query}: no snippet holds {inside}"
        );
        for hit in &hits {
            for key in [
                "bundle",
                "file",
                "location",
                "snippet",
                "highlights",
                "score",
                "indicators",
                "materials",
            ] {
                assert!(hit.get(key).is_some(), "missing {key} in {hit}");
            }
        }
    }
}

#[test]
fn phrase_does_not_match_scattered_words() {
    let phrase = search(&["\"服务管理制度\""]);
    let both = search(&["服务", "制度"]);
    assert!(!phrase.is_empty());
    assert!(both.len() >= phrase.len());
    assert!(snippets(&phrase).iter().all(|s| s.contains("服务管理制度")));
}

#[test]
fn uscc_code_is_searchable_whole() {
    let hits = search(&["91320505MA1XH7K24N"]);
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["bundle"] == "华信家电-2026"));
    assert!(
        snippets(&hits)
            .iter()
            .all(|s| s.contains("91320505MA1XH7K24N"))
    );
}

#[test]
fn highlights_are_byte_ranges_of_the_snippet() {
    let hits = search(&["投诉处理"]);
    assert!(!hits.is_empty());
    for hit in &hits {
        let snippet = hit["snippet"].as_str().expect("snippet");
        for range in hit["highlights"].as_array().expect("highlights") {
            let from = range[0].as_u64().expect("from") as usize;
            let to = range[1].as_u64().expect("to") as usize;
            assert!(snippet.get(from..to).is_some(), "{from}..{to} in {snippet}");
        }
    }
}

#[test]
fn bundle_filter_keeps_only_that_bundle() {
    let all = search(&["售后服务"]);
    let one = search(&["售后服务", "--bundle", "鼎盛机电-2026"]);
    assert!(!one.is_empty());
    assert!(one.len() < all.len());
    assert!(one.iter().all(|h| h["bundle"] == "鼎盛机电-2026"));
}

#[test]
fn clause_prefix_includes_sub_clauses_and_empty_query_lists_evidence() {
    let exact = search(&["--clause", "5.3.2"]);
    let prefix = search(&["--clause", "5.3"]);
    assert!(!exact.is_empty(), "no passage cited for 5.3.2");
    assert!(prefix.len() >= exact.len());
    let cites = |hit: &Value, clause: &str| {
        hit["indicators"]
            .as_array()
            .expect("indicators")
            .iter()
            .filter_map(Value::as_str)
            .any(|id| id == clause || id.starts_with(&format!("{clause}.")))
    };
    assert!(exact.iter().all(|h| cites(h, "5.3.2")));
    assert!(prefix.iter().all(|h| cites(h, "5.3")));
    let key = |h: &Value| {
        (
            h["bundle"].to_string(),
            h["file"].to_string(),
            h["location"].to_string(),
        )
    };
    for hit in &exact {
        assert!(
            prefix.iter().any(|p| key(p) == key(hit)),
            "5.3 misses {hit}"
        );
    }
}

#[test]
fn clause_search_returns_the_passages_the_report_cites_not_their_whole_page() {
    let bundle = "华信家电-2026";
    let out = certsift(&[
        "check",
        "--json",
        "--as-of",
        AS_OF,
        path_str(&fixtures_dir().join("inbox").join(bundle)),
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let place = |v: &Value| (v["file"].to_string(), v["location"].to_string());
    let mut cited = std::collections::HashSet::new();
    for indicator in report["indicators"].as_array().expect("indicators") {
        if indicator["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("5.3"))
        {
            cited.extend(
                indicator["evidence"]
                    .as_array()
                    .expect("evidence")
                    .iter()
                    .map(place),
            );
        }
    }
    let hits = search(&["--clause", "5.3", "--bundle", bundle]);
    assert!(!hits.is_empty(), "nothing cited for 5.3 in {bundle}");
    for hit in &hits {
        assert!(
            cited.contains(&place(hit)),
            "not cited by the report: {hit}"
        );
    }
    assert_eq!(hits.len(), cited.len(), "each cited passage once");
    // The bundle's PDFs are cited by block: a page's line range and box, not the page alone.
    let pdf_hits: Vec<&Value> = hits
        .iter()
        .filter(|h| h["file"].as_str().is_some_and(|f| f.ends_with(".pdf")))
        .collect();
    assert!(!pdf_hits.is_empty(), "no PDF evidence for 5.3: {hits:?}");
    for hit in pdf_hits {
        let location = &hit["location"];
        let lines = location["lines"].as_array().expect("lines");
        assert!(lines[0].as_u64() <= lines[1].as_u64(), "{location}");
        assert_eq!(
            location["bbox"].as_array().map(Vec::len),
            Some(4),
            "{location}"
        );
    }
}

/// A hit's snippet is the passage as found: a word a PDF wrapped over two lines (制定纠正 /
/// 措施) is shown wrapped (the break as a space), and the mark covers it there.
#[test]
fn snippets_show_the_text_as_found_with_the_match_marked() {
    let hits = search(&["纠正措施", "--bundle", "华信家电-2026"]);
    let marked: Vec<String> = hits
        .iter()
        .flat_map(|h| {
            let snippet = h["snippet"].as_str().unwrap_or_default().to_string();
            h["highlights"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(move |r| {
                    let (from, to) = (r[0].as_u64()? as usize, r[1].as_u64()? as usize);
                    snippet.get(from..to).map(str::to_string)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        marked.iter().any(|m| m == "纠正 措施"),
        "the wrapped occurrence is marked as found: {marked:?}"
    );
}

#[test]
fn material_filter_keeps_only_files_of_that_material() {
    let hits = search(&["--material", "business_license"]);
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| {
        h["materials"]
            .as_array()
            .expect("materials")
            .iter()
            .any(|m| m == "business_license")
    }));
}

#[test]
fn reindexing_a_bundle_replaces_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = fixtures_dir().join("inbox/华信家电-2026");
    let index = |expected_ok: bool| {
        let out = certsift(&[
            "index",
            path_str(&bundle),
            "--index",
            path_str(dir.path()),
            "--as-of",
            AS_OF,
        ]);
        assert_eq!(
            out.status.success(),
            expected_ok,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    index(true);
    let first = search_in(dir.path(), &["售后"]);
    index(true);
    let second = search_in(dir.path(), &["售后"]);
    assert!(!first.is_empty());
    assert_eq!(first.len(), second.len());
}

#[test]
fn no_hits_says_so_and_exits_1() {
    let out = certsift(&[
        "search",
        "--index",
        path_str(inbox_index()),
        "不存在的词语组合",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 hits"));
}

/// A page says which hits of how many it shows, and `--offset` gives the next ones.
#[test]
fn results_say_how_many_of_how_many_and_page_on() {
    let run = |extra: &[&str]| {
        let mut args = vec!["search", "--index", path_str(inbox_index()), "售后服务"];
        args.extend_from_slice(extra);
        let out = certsift(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let total = search(&["售后服务"]).len();
    assert!(total > 4, "the sample inbox says 售后服务 often: {total}");
    let first = run(&["--limit", "2"]);
    let footer = first.lines().last().expect("a footer");
    assert!(
        footer.contains(&format!("2 of {total} hits")) && footer.contains("--offset 2"),
        "{footer}"
    );
    let second = run(&["--limit", "2", "--offset", "2"]);
    let footer2 = second.lines().last().expect("a footer");
    assert!(
        footer2.contains(&format!("第 3–4 条，共 {total} 条")),
        "{footer2}"
    );
    assert_ne!(first.lines().next(), second.lines().next(), "another page");
    let json = certsift(&[
        "search",
        "--json",
        "--limit",
        "2",
        "--index",
        path_str(inbox_index()),
        "售后服务",
    ]);
    assert_eq!(String::from_utf8_lossy(&json.stdout).lines().count(), 2);
    assert!(String::from_utf8_lossy(&json.stderr).contains(&format!("of {total} hits")));
}

/// A mistyped filter is refused with what may be named, not answered with nothing.
#[test]
fn unknown_filter_values_are_refused_with_the_valid_ones() {
    for (flag, value, listed) in [
        ("--bundle", "没有这个申请包", "鼎盛机电-2026"),
        ("--clause", "9.9", "5.3"),
        ("--material", "licence", "business_license"),
    ] {
        let out = certsift(&["search", "--index", path_str(inbox_index()), flag, value]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(
            stderr.contains(value) && stderr.contains(listed),
            "{flag}: {stderr}"
        );
    }
    // A real clause or material with no passage is 0 hits, not an error.
    let out = certsift(&[
        "search",
        "--index",
        path_str(inbox_index()),
        "--clause",
        "5.3.2",
        "不存在的词语组合",
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn malformed_query_is_a_clear_error() {
    let out = certsift(&["search", "--index", path_str(inbox_index()), "\"售后服务"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unbalanced quote"), "{stderr}");
}

#[test]
fn searching_a_missing_index_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = certsift(&[
        "search",
        "--index",
        path_str(&dir.path().join("none")),
        "售后",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no index"));
}

/// `OR` widens, `-word` narrows, and a malformed query is refused, through the binary.
#[test]
fn or_and_minus_work_and_malformed_operators_are_refused() {
    let one = search(&["投诉"]).len();
    let either = search(&["投诉", "OR", "配件"]).len();
    let without = search(&["投诉 -处理"]).len();
    assert!(either > one, "OR finds more: {either} vs {one}");
    assert!(without < one, "-处理 leaves some out: {without} vs {one}");
    assert_eq!(search(&["投诉", "NOT", "处理"]).len(), without);
    assert_eq!(search(&["--", "投诉", "-处理"]).len(), without);
    for bad in [&["投诉", "OR"][..], &["-"][..], &["NOT"][..]] {
        let mut args = vec!["search", "--index", path_str(inbox_index())];
        args.extend_from_slice(bad);
        let out = certsift(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{bad:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `--color always` marks the matched words even into a pipe; `never` (and a pipe by default)
/// gives plain text.
#[test]
fn color_always_marks_matches_and_never_does_not() {
    let run = |colour: &str| {
        let out = certsift(&[
            "search",
            "--color",
            colour,
            "--index",
            path_str(inbox_index()),
            "配件",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    assert!(run("always").contains("\u{1b}[1m"));
    assert!(!run("never").contains('\u{1b}'));
    assert!(!run("auto").contains('\u{1b}'), "a pipe is not a terminal");
}
