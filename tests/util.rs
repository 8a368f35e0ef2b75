//! Shared helpers: the shared real-world corpus (skipped when absent), temp dirs, running the
//! binary, tiny in-memory archives.

use certsift::model::Document;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use unicode_normalization::UnicodeNormalization;

/// Multiset recall of the characters `keep` selects, both sides NFKC-normalised: Σ min(ours,
/// ref) / Σ ref, and Σ ref (1.0 when the reference has none).
pub fn recall(ours: &str, reference: &str, keep: fn(char) -> bool) -> (f64, usize) {
    let count = |text: &str| {
        let mut counts: HashMap<char, usize> = HashMap::new();
        for c in text.nfkc().filter(|&c| keep(c)) {
            *counts.entry(c).or_default() += 1;
        }
        counts
    };
    let (ours, reference) = (count(ours), count(reference));
    let total: usize = reference.values().sum();
    let hit: usize = reference
        .iter()
        .map(|(c, n)| (*n).min(ours.get(c).copied().unwrap_or(0)))
        .sum();
    if total == 0 {
        (1.0, 0)
    } else {
        (hit as f64 / total as f64, total)
    }
}

/// A document's passages' text, one passage a line.
pub fn all_text(doc: &Document) -> String {
    doc.passages
        .iter()
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The form both sides are compared in: the matching form (NFKC: `（` is `(`), no whitespace.
pub fn comparable(text: &str) -> String {
    certsift::normalize::for_matching(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Levenshtein distance between two character sequences.
pub fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let best = (prev[j + 1] + 1)
                .min(cur[j] + 1)
                .min(prev[j] + usize::from(ca != cb));
            cur.push(best);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// 1 − CER: one minus the edit distance over the truth's length.
pub fn char_accuracy(truth: &str, read: &str) -> f64 {
    let (t, r): (Vec<char>, Vec<char>) = (truth.chars().collect(), read.chars().collect());
    1.0 - edit_distance(&t, &r) as f64 / t.len().max(1) as f64
}

/// True when an OCR engine is installed; otherwise prints why `test` skips.
pub fn engine_or_skip(test: &str) -> bool {
    match certsift::ingest::ocr::engine(certsift::ingest::ocr::EngineChoice::Auto) {
        Ok(_) => true,
        Err(why) => {
            eprintln!("SKIP {test}: {why}");
            false
        }
    }
}

/// `../shared` beside the checkout (or `$CERTSIFT_SHARED`), when present.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CERTSIFT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    dir.join("realworld/MANIFEST.tsv").is_file().then_some(dir)
}

/// The real-world corpus, or `None` after printing why the calling test skips.
pub fn realworld_or_skip(test: &str) -> Option<PathBuf> {
    match shared_dir() {
        Some(dir) => Some(dir.join("realworld")),
        None => {
            eprintln!("SKIP {test}: ../shared/realworld is absent (set CERTSIFT_SHARED to run it)");
            None
        }
    }
}

/// The repository's own fixtures folder.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Runs the built `certsift` binary with `args`.
pub fn certsift(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_certsift"))
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .expect("run certsift")
}

/// A zip whose entry names are stored as given, raw bytes (GBK without the UTF-8 flag, as
/// Windows Explorer writes them, or anything else a test needs).
pub fn zip_with_raw_names(entries: &[(&[u8], &[u8])]) -> Vec<u8> {
    // Hand-written local headers + central directory: the zip crate's writer always stores UTF-8.
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let header = |sig: &[u8], central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(sig);
            if central {
                h.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // needed
            h.extend_from_slice(&0u16.to_le_bytes()); // flags: bit 11 clear
            h.extend_from_slice(&0u16.to_le_bytes()); // stored
            h.extend_from_slice(&0u32.to_le_bytes()); // time/date
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                h.extend_from_slice(&[0; 6]); // comment len, disk, int attr
                h.extend_from_slice(&0u32.to_le_bytes()); // ext attr
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name);
            h
        };
        out.extend(header(b"PK\x03\x04", false));
        out.extend_from_slice(data);
        central.extend(header(b"PK\x01\x02", true));
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A JSON file the binary wrote (a report, a ledger, a summary).
pub fn read_json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Copies a folder (or a file) and everything below it.
pub fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read dir").flatten() {
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::copy(from, to).expect("copy");
    }
}
