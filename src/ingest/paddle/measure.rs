//! Measuring OCR on rendered pages: render, read PGM, char accuracy, tesseract, peak memory.
//!
//! Shared by the live test (`live_tests.rs`) and the OCR bench (`benches/ocr.rs`, which
//! includes this file by path), so both report the same figures the same way. Uses only std,
//! `image` and `unicode-normalization`.

use image::GrayImage;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use unicode_normalization::UnicodeNormalization;

/// A rendered page and its truth, lines in reading order.
pub struct Page {
    pub name: String,
    pub image: GrayImage,
    pub truth: Vec<String>,
}

/// Reads a binary PGM (`P5`, 8-bit) as written by Pillow.
pub fn read_pgm(bytes: &[u8]) -> Option<GrayImage> {
    image::load_from_memory_with_format(bytes, image::ImageFormat::Pnm)
        .ok()
        .map(|page| page.into_luma8())
}

pub fn render_pages(dir: &Path) -> Result<Vec<Page>, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/render-ocr-pages.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(dir)
        .output()
        .map_err(|e| format!("python3 not runnable: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed (needs Pillow and fonts-wqy-zenhei): {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut pages = Vec::new();
    for name in String::from_utf8_lossy(&out.stdout).lines() {
        let bytes = std::fs::read(dir.join(format!("{name}.pgm"))).map_err(|e| e.to_string())?;
        let image = read_pgm(&bytes).ok_or_else(|| format!("{name}.pgm is not a P5 PGM"))?;
        let truth = std::fs::read_to_string(dir.join(format!("{name}.txt")))
            .map_err(|e| e.to_string())?
            .lines()
            .map(str::to_string)
            .collect();
        pages.push(Page {
            name: name.to_string(),
            image,
            truth,
        });
    }
    Ok(pages)
}

/// What accuracy compares: NFKC (full-width punctuation as ASCII), whitespace removed (engines
/// differ in spaces between Chinese characters, which the matching form drops anyway).
fn comparable(lines: &[String]) -> Vec<char> {
    lines
        .join("")
        .nfkc()
        .filter(|c| !c.is_whitespace())
        .collect()
}

pub fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `1 − CER` over the page read as one sequence in reading order: lines out of order cost
/// edits, so this checks the order too.
pub fn char_accuracy(got: &[String], truth: &[String]) -> f64 {
    let (g, t) = (comparable(got), comparable(truth));
    1.0 - edit_distance(&g, &t) as f64 / t.len().max(1) as f64
}

pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Tesseract as issue 12 measured it: `chi_sim`, `--psm 6`, one OpenMP thread.
pub fn tesseract(pgm: &Path) -> Option<(Vec<String>, Duration)> {
    let start = Instant::now();
    let out = Command::new("tesseract")
        .arg(pgm)
        .args(["stdout", "-l", "chi_sim", "--psm", "6"])
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .ok()?;
    let took = start.elapsed();
    out.status.success().then(|| {
        let lines = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect();
        (lines, took)
    })
}
