//! The Word 97–2003 binary reader (`.doc`, `.wps`) end to end: the LibreOffice fixtures of
//! `fixtures/formats/doc` (recall against LibreOffice's own text conversion, locations, a rule
//! citing the file through `certsift check`), and the Word files of the shared real-world corpus
//! (every file a status, in seconds; recall against antiword and catdoc where they read it).
//!
//! The real-world part skips, saying so, when `../shared` is absent; its oracle comparison
//! skips when antiword or catdoc is missing (`tools/setup-parts.sh` installs both).

use crate::util::{all_text, certsift, fixtures_dir, realworld_or_skip, recall};
use certsift::ingest::{Limits, ReadContext, read_isolated};
use certsift::model::{Document, FileKind, FileStatus, Location, Part};
use certsift::normalize::is_han;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn doc_fixtures() -> PathBuf {
    fixtures_dir().join("formats/doc")
}

fn read_file(path: &Path) -> Document {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("x.doc");
    read_isolated(name, &bytes, &ReadContext::new(Limits::default()))
}

fn visible(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && c != '\u{feff}'
}

/// Text LibreOffice shows although the document marks it deleted (its text export prints
/// tracked deletions); the reader leaves it out, so it is not counted against recall.
const DELETED_IN_FIXTURES: &[&str] = &["已撤回的旧承诺：本公司不提供上门服务。"];

#[test]
fn libreoffice_doc_and_wps_recall_cjk_against_libreoffice_text() {
    eprintln!(
        "{:<18} {:>7} {:>8} {:>8} {:>9}",
        "file", "ref Han", "Han", "all", "passages"
    );
    for name in ["policy.doc", "commitment.doc", "commitment.wps"] {
        let doc = read_file(&doc_fixtures().join(name));
        assert_eq!(doc.kind, FileKind::Doc, "{name}");
        assert_eq!(doc.status, FileStatus::Ok, "{name}: {:?}", doc.error);
        let stem = name.split('.').next().unwrap_or(name);
        let mut reference = std::fs::read_to_string(doc_fixtures().join(format!("{stem}.lo.txt")))
            .expect("reference text");
        for deleted in DELETED_IN_FIXTURES {
            reference = reference.replace(deleted, "");
        }
        let ours = all_text(&doc);
        let (han, total) = recall(&ours, &reference, is_han);
        let (all, _) = recall(&ours, &reference, visible);
        eprintln!(
            "{name:<18} {total:>7} {han:>8.3} {all:>8.3} {:>9}",
            doc.passages.len()
        );
        assert!(
            total > 100,
            "{name}: reference has only {total} Han characters"
        );
        assert!(han >= 0.98, "{name}: Han recall {han:.3}");
        assert!(all >= 0.98, "{name}: character recall {all:.3}");
    }
}

#[test]
fn libreoffice_doc_locations_are_cells_headers_and_notes() {
    let doc = read_file(&doc_fixtures().join("policy.doc"));
    let at = |needle: &str| {
        doc.passages
            .iter()
            .find(|p| p.text.contains(needle))
            .map(|p| p.location.clone())
            .unwrap_or_else(|| panic!("{needle} not read"))
    };
    assert_eq!(
        at("北京朝阳服务中心"),
        Location::TableCell {
            part: Part::Body,
            table: 0,
            row: 1,
            col: 0,
            nested: None
        }
    );
    assert_eq!(
        at("022-5981 6620"),
        Location::TableCell {
            part: Part::Body,
            table: 0,
            row: 2,
            col: 2,
            nested: None
        }
    );
    assert!(matches!(
        at("鼎盛机电（北京）科技有限公司　售后服务管理制度"),
        Location::Paragraph {
            part: Part::Header,
            ..
        }
    ));
    assert!(matches!(
        at("由客户服务部负责解释"),
        Location::Paragraph {
            part: Part::Footnote,
            ..
        }
    ));
}

#[test]
fn check_cites_the_doc_as_evidence_of_an_indicator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("鼎盛机电-2026");
    std::fs::create_dir(&bundle).expect("mkdir");
    std::fs::copy(
        doc_fixtures().join("policy.doc"),
        bundle.join("售后服务管理制度.doc"),
    )
    .expect("copy");
    std::fs::copy(
        doc_fixtures().join("commitment.wps"),
        bundle.join("售后服务承诺书.wps"),
    )
    .expect("copy");
    let out = certsift(&[
        "check",
        bundle.to_str().expect("utf-8 path"),
        "--as-of",
        "2026-11-28",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("report is JSON");
    for file in report["files"].as_array().expect("files") {
        assert_eq!(file["kind"], "doc", "{file}");
        assert_eq!(file["status"], "ok", "{file}");
    }
    let cited = |id: &str| -> Vec<(String, Value)> {
        report["indicators"]
            .as_array()
            .expect("indicators")
            .iter()
            .filter(|i| i["id"] == id)
            .flat_map(|i| i["evidence"].as_array().cloned().unwrap_or_default())
            .map(|e| {
                (
                    e["file"].as_str().unwrap_or("").to_string(),
                    e["location"].clone(),
                )
            })
            .collect()
    };
    // 5.3.1 (顾客关系): the return-visit paragraph of the .doc and the satisfaction-rate cell of
    // the .wps.
    let visits = cited("5.3.1");
    assert!(
        visits.iter().any(|(f, _)| f == "售后服务管理制度.doc"),
        "5.3.1 cites {visits:?}"
    );
    assert!(
        visits
            .iter()
            .any(|(f, l)| f == "售后服务承诺书.wps" && l.get("row").is_some()),
        "5.3.1 cites {visits:?}"
    );
}

/// An oracle's output without what it prints that is not the document's text: antiword's
/// table borders (`|`) and the field codes catdoc shows (`HYPERLINK "…"`, `PAGEREF x \h`,
/// `AUTHOR \* MERGEFORMAT`), whose results both print too.
fn oracle_text(raw: &str) -> String {
    let codes = regex::Regex::new(
        r#"\b(HYPERLINK|PAGEREF|PAGE|NUMPAGES|TOC|REF|NOTEREF|STYLEREF|SEQ|MERGEFIELD|EMBED|SHAPE|INCLUDEPICTURE|FORMTEXT|FORMCHECKBOX|FORMDROPDOWN|DATE|TIME|FILENAME|AUTHOR|TITLE|SYMBOL|EQ|LINK|MACROBUTTON|DOCPROPERTY)\b( +[A-Za-z_][A-Za-z0-9_]*)?((?: +"[^"]*")|(?: +\\[*@#!a-zA-Z]+(?: +[A-Z][A-Za-z]*\b)?))*"#,
    )
    .expect("field code pattern");
    codes.replace_all(&raw.replace('|', " "), " ").into_owned()
}

/// Runs `tool args… file` and returns its standard output when it succeeds within 10 s.
fn oracle(tool: &str, args: &[&str], file: &Path) -> Option<String> {
    let out = Command::new("timeout")
        .arg("10")
        .arg(tool)
        .args(args)
        .arg(file)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn tool_present(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Reads one file in a thread; `None` when it takes more than `limit`.
fn read_timed(path: &Path, limit: Duration) -> Option<(Document, Duration)> {
    let (tx, rx) = mpsc::channel();
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let started = Instant::now();
        let doc = read_file(&path);
        let _ = tx.send((doc, started.elapsed()));
    });
    rx.recv_timeout(limit).ok()
}

#[test]
fn realworld_doc_files_get_a_status_fast_and_recall_what_antiword_or_catdoc_read() {
    let Some(root) = realworld_or_skip("realworld_doc_files_get_a_status_fast") else {
        return;
    };
    let manifest =
        std::fs::read_to_string(root.join("MANIFEST-legacy.tsv")).expect("legacy manifest");
    let names: Vec<&str> = manifest
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|n| n.starts_with("doc/"))
        .collect();
    assert!(names.len() >= 40, "{} doc files listed", names.len());
    let oracles = tool_present("antiword") && tool_present("catdoc");
    if !oracles {
        crate::util::skip(
            "the antiword/catdoc comparison",
            "install them with tools/setup-parts.sh (Debian packages antiword, catdoc)",
        );
    }
    let expected: &[(&str, FileStatus)] = &[
        ("doc/poi-PasswordProtected.doc", FileStatus::Encrypted),
        ("doc/poi-password_tika_binaryrc4.doc", FileStatus::Encrypted),
        ("doc/poi-Word6.doc", FileStatus::Ok),
        ("doc/poi-Word6_sections.doc", FileStatus::Ok),
        ("doc/poi-Word6_sections2.doc", FileStatus::Ok),
        ("doc/poi-Bug60942.doc", FileStatus::Ok),
        ("doc/poi-word2.doc", FileStatus::Unsupported),
        ("doc/poi-simple-table.doc", FileStatus::Ok),
        ("doc/poi-innertable.doc", FileStatus::Ok),
    ];
    let mut statuses: HashMap<FileStatus, usize> = HashMap::new();
    let mut wrong = Vec::new();
    let mut slowest = Duration::ZERO;
    let mut total_bytes = 0u64;
    let mut total_time = Duration::ZERO;
    let (mut hit_all, mut ref_all, mut hit_han, mut ref_han) = (0.0, 0usize, 0.0, 0usize);
    eprintln!(
        "{:<72} {:<12} {:>5} {:>8} {:>7} {:>7}  error",
        "file", "status", "pass", "time", "ref", "recall"
    );
    for name in &names {
        let path = root.join(name);
        let Some((doc, took)) = read_timed(&path, Duration::from_secs(10)) else {
            wrong.push(format!("{name}: not read within 10 s"));
            continue;
        };
        *statuses.entry(doc.status).or_default() += 1;
        slowest = slowest.max(took);
        total_bytes += doc.bytes;
        total_time += took;
        if doc.status != FileStatus::Ok && doc.error.is_none() {
            wrong.push(format!("{name}: status {} without a message", doc.status));
        }
        if took > Duration::from_secs(3) {
            wrong.push(format!("{name}: took {took:.1?}"));
        }
        if let Some((_, want)) = expected.iter().find(|(n, _)| n == name)
            && doc.status != *want
        {
            wrong.push(format!(
                "{name}: expected {want}, got {} ({})",
                doc.status,
                doc.error.as_deref().unwrap_or("")
            ));
        }
        let ours = all_text(&doc);
        let mut figure = (String::from("-"), String::from("-"));
        if oracles && doc.status == FileStatus::Ok {
            // Our text against each oracle, cleaned of what it prints that is not text: the
            // better of the two counts (each fails on files the other reads).
            let best = [
                oracle("antiword", &["-w", "0"], &path),
                oracle("catdoc", &["-d", "utf-8", "-w"], &path),
            ]
            .into_iter()
            .flatten()
            .map(|r| {
                let r = oracle_text(&r);
                let (all, n) = recall(&ours, &r, visible);
                let (han, h) = recall(&ours, &r, is_han);
                (n, all, h, han)
            })
            .filter(|(n, ..)| *n >= 8)
            .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((n, all, h, han)) = best {
                hit_all += all * n as f64;
                ref_all += n;
                hit_han += han * h as f64;
                ref_han += h;
                figure = (n.to_string(), format!("{all:.3}"));
                if all < 0.9 {
                    wrong.push(format!("{name}: character recall {all:.3} over {n}"));
                }
            }
        }
        eprintln!(
            "{:<72} {:<12} {:>5} {:>8.1?} {:>7} {:>7}  {}",
            name.trim_start_matches("doc/"),
            doc.status.as_str(),
            doc.passages.len(),
            took,
            figure.0,
            figure.1,
            doc.error.as_deref().unwrap_or("")
        );
    }
    let mut summary: Vec<_> = statuses.iter().map(|(s, n)| format!("{s} {n}")).collect();
    summary.sort();
    eprintln!(
        "{} files: {}; slowest {slowest:.1?}; {:.1} MB/s over {} bytes",
        names.len(),
        summary.join(", "),
        total_bytes as f64 / 1e6 / total_time.as_secs_f64().max(1e-9),
        total_bytes
    );
    if ref_all > 0 {
        let all = hit_all / ref_all as f64;
        eprintln!(
            "recall against the better of antiword/catdoc: all characters {all:.3} over {ref_all}; Han {} over {ref_han}",
            if ref_han > 0 {
                format!("{:.3}", hit_han / ref_han as f64)
            } else {
                "-".into()
            }
        );
        if all < 0.98 {
            wrong.push(format!("overall character recall {all:.3} below 0.98"));
        }
    }
    let word6 = read_file(&root.join("doc/poi-Word6.doc"));
    assert!(
        all_text(&word6).contains("The quick brown fox jumps over the lazy dog"),
        "Word 6 text garbled: {:?}",
        all_text(&word6)
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
