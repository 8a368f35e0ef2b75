//! Reviewers in China read every file message — a document's `error` and its `notes` — in
//! reports and at the terminal, so each one leads with Chinese and keeps the English after it in
//! parentheses for maintainers (`PDF 已加密，需要用户密码才能打开 (the PDF is password-protected:
//! …)`). This pins that for every reader at once rather than message by message: one
//! `certsift extract --json` over the whole hostile set of issue 11, the hard and format
//! fixtures and a scan with no OCR engine reachable (so the "install the OCR parts" messages are
//! among them), and every non-empty message must carry a Chinese character near its start.

#![cfg(unix)]

use crate::hostile;
use crate::util::{copy_tree, fixtures_dir};
use serde_json::Value;
use std::process::Command;

/// How far into a message its first Chinese character may sit: room for a leading format or
/// file name (`PDF 已加密`, `OpenDocument 文本已加密`, `部件 word/document.xml …` starts at 0),
/// too little for an English sentence (`the PDF is password-protected` has none at all, and
/// `page 3 was scanned at about 100 dpi (扫描分辨率低)` has its first at 35).
const LEAD: usize = 20;

/// Whether `message` leads with Chinese: a Han character within its first [`LEAD`] characters.
fn leads_with_chinese(message: &str) -> bool {
    message
        .chars()
        .take(LEAD)
        .any(|c| matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}'))
}

#[test]
fn the_check_tells_english_from_chinese_first() {
    // The messages as they were before they were put in Chinese: the test must fail on them.
    for english in [
        "the PDF is password-protected: a user password is needed to open it",
        "page 3 was scanned at about 100 dpi (扫描分辨率低): OCR may misread small characters",
        "no OCR engine: tesseract is not installed (not found on PATH); run tools/setup-parts.sh",
    ] {
        assert!(!leads_with_chinese(english), "{english}");
    }
    for chinese in [
        "PDF 已加密，需要用户密码才能打开 (the PDF is password-protected)",
        "第 3 页无法读取：bad xref (page 3 could not be read)",
        "OpenDocument 文本已加密 (password-protected OpenDocument text)",
    ] {
        assert!(leads_with_chinese(chinese), "{chinese}");
    }
}

#[test]
fn every_error_and_note_of_every_reader_leads_with_chinese() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let bundle = scratch.path().join("申请包");
    hostile::plant_all(&bundle.join("恶意文件"));
    copy_tree(&fixtures_dir().join("hard"), &bundle.join("hard"));
    copy_tree(&fixtures_dir().join("formats"), &bundle.join("formats"));
    copy_tree(
        &fixtures_dir().join("scans/cert-service-150dpi-clean.png"),
        &bundle.join("扫描件.png"),
    );
    // No OCR engine can be found: PP-OCR's parts folder is empty and `tesseract` is not on PATH,
    // so scans and images get the messages that name tools/setup-parts.sh.
    let no_parts = scratch.path().join("no-parts");
    std::fs::create_dir_all(&no_parts).expect("mkdir");
    let out = Command::new(env!("CARGO_BIN_EXE_certsift"))
        .args(["extract", "--json", "--max-file-seconds", "5"])
        .arg(&bundle)
        .env("RUST_LOG", "error")
        .env("PATH", scratch.path().join("no-bin"))
        .env("CERTSIFT_PARTS", &no_parts)
        .output()
        .expect("run certsift");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let documents: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert!(
        documents.len() > 50,
        "too few files read ({}): {}",
        documents.len(),
        String::from_utf8_lossy(&out.stderr)
    );

    let (mut errors, mut notes, mut english) = (0usize, 0usize, Vec::new());
    for doc in &documents {
        let path = doc["path"].as_str().unwrap_or("?");
        let error = doc["error"].as_str().filter(|e| !e.is_empty());
        errors += usize::from(error.is_some());
        let doc_notes: Vec<&str> = doc["notes"]
            .as_array()
            .map(|n| n.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        notes += doc_notes.len();
        for message in error.into_iter().chain(doc_notes) {
            if !leads_with_chinese(message) {
                english.push(format!("{path}: {message}"));
            }
        }
    }
    println!("{} files, {errors} errors, {notes} notes", documents.len());
    // The set must exercise the messages, not pass for want of them.
    assert!(
        errors >= 30 && notes >= 10,
        "{errors} errors, {notes} notes"
    );
    assert!(
        english.is_empty(),
        "messages that do not lead with Chinese:\n{}",
        english.join("\n")
    );
}

/// `message` without a leading file name (`营业执照.pdf：…`, as file flags start): what the
/// reviewer reads first after the name of the file it is about.
fn after_file_name<'m>(message: &'m str, files: &[String]) -> &'m str {
    files
        .iter()
        .find_map(|f| message.strip_prefix(f.as_str()))
        .map_or(message, |rest| rest.trim_start_matches(['：', ':', '（']))
}

#[test]
fn every_flag_of_the_sample_and_held_out_bundles_leads_with_chinese() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut checked = std::collections::BTreeSet::new();
    let mut english = Vec::new();
    for (n, inbox) in [
        "inbox",
        "heldout/bundles",
        "heldout/bundles2",
        "heldout/bundles3",
        "heldout/bundles4",
    ]
    .into_iter()
    .enumerate()
    {
        let out = dir.path().join(format!("out{n}"));
        let run = Command::new(env!("CARGO_BIN_EXE_certsift"))
            .arg("run")
            .arg(fixtures_dir().join(inbox))
            .arg("--out")
            .arg(&out)
            .args(["--as-of", "2026-11-28"])
            .output()
            .expect("run certsift run");
        assert!(run.status.code().is_some_and(|c| c <= 1), "{inbox}");
        for entry in std::fs::read_dir(out.join("bundles")).expect("bundles") {
            let path = entry.expect("entry").path().join("report.json");
            let report: Value =
                serde_json::from_slice(&std::fs::read(&path).expect("report")).expect("json");
            for flag in report["flags"].as_array().into_iter().flatten() {
                let message = flag["message"].as_str().unwrap_or_default();
                let files: Vec<String> = flag["files"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f.as_str().map(str::to_owned))
                    .collect();
                checked.insert(flag["code"].as_str().unwrap_or_default().to_owned());
                if !leads_with_chinese(after_file_name(message, &files)) {
                    english.push(message.to_owned());
                }
            }
        }
    }
    assert!(
        checked.len() >= 5,
        "too few kinds of flag to judge: {checked:?}"
    );
    assert!(
        english.is_empty(),
        "flags that do not lead with Chinese ({} of the codes {checked:?}):\n{}",
        english.len(),
        english.join("\n")
    );
}
