//! The engine on rendered licence pages, with tesseract beside it as the baseline.
//!
//! Needs the parts (`tools/setup-onnx.sh`) and Pillow to render the pages
//! (`tools/render-ocr-pages.py`); without either it prints why and passes, so the suite runs on
//! machines without them. Prints char accuracy, seconds per page and peak memory, and, where
//! `tesseract` with `chi_sim` is installed, its figures on the same pages in the same run.

use super::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use unicode_normalization::UnicodeNormalization;

/// A rendered page and its truth, lines in reading order.
struct Page {
    name: String,
    image: GrayImage,
    truth: Vec<String>,
}

/// Reads a binary PGM (`P5`, 8-bit) as written by Pillow.
fn read_pgm(bytes: &[u8]) -> Option<GrayImage> {
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while bytes.get(pos)?.is_ascii_whitespace() {
            pos += 1;
        }
        let start = pos;
        while !bytes.get(pos)?.is_ascii_whitespace() {
            pos += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..pos]).ok()?.to_string());
    }
    let (w, h): (u32, u32) = (fields[1].parse().ok()?, fields[2].parse().ok()?);
    if fields[0] != "P5" || fields[3] != "255" {
        return None;
    }
    let data = bytes.get(pos + 1..pos + 1 + (w * h) as usize)?;
    GrayImage::from_raw(w, h, data.to_vec())
}

fn render_pages(dir: &Path) -> Result<Vec<Page>, String> {
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

fn edit_distance(a: &[char], b: &[char]) -> usize {
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
fn char_accuracy(got: &[String], truth: &[String]) -> f64 {
    let (g, t) = (comparable(got), comparable(truth));
    1.0 - edit_distance(&g, &t) as f64 / t.len().max(1) as f64
}

fn peak_rss_mb() -> f64 {
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
fn tesseract(pgm: &Path) -> Option<(Vec<String>, Duration)> {
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

#[test]
fn reads_rendered_licence_pages_in_order() {
    let parts = match Parts::locate() {
        Ok(p) => p,
        Err(e) => {
            println!("skipped: {e}");
            return;
        }
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let pages = match render_pages(dir.path()) {
        Ok(p) => p,
        Err(e) => {
            println!("skipped: cannot render the test pages: {e}");
            return;
        }
    };
    let start = Instant::now();
    let engine = PaddleEngine::with_parts(&parts, Config::default()).expect("engine");
    println!("engine ready in {:.2} s", start.elapsed().as_secs_f64());
    let (mut total, mut seconds, mut tess_total, mut tess_seconds, mut tess_pages) =
        (0.0, 0.0, 0.0, 0.0, 0);
    for page in &pages {
        let start = Instant::now();
        let lines = engine
            .recognize(&page.image, Instant::now() + Duration::from_secs(120))
            .expect("recognize");
        let took = start.elapsed().as_secs_f64();
        let texts: Vec<String> = lines.iter().map(|l| l.text.clone()).collect();
        let acc = char_accuracy(&texts, &page.truth);
        println!(
            "ppocr {:<16} {}×{}  char accuracy {acc:.3}  {took:.2} s  {} lines",
            page.name,
            page.image.width(),
            page.image.height(),
            lines.len()
        );
        for l in &lines {
            println!("    {:.2} {:?} {}", l.confidence, l.bbox, l.text);
        }
        assert!(acc >= 0.9, "{}: char accuracy {acc:.3}", page.name);
        assert!(lines.iter().all(|l| (0.0..=1.0).contains(&l.confidence)));
        total += acc;
        seconds += took;
        if let Some((tess, t)) = tesseract(&dir.path().join(format!("{}.pgm", page.name))) {
            let tacc = char_accuracy(&tess, &page.truth);
            println!(
                "tesseract {:<12} char accuracy {tacc:.3}  {:.2} s",
                page.name,
                t.as_secs_f64()
            );
            tess_total += tacc;
            tess_seconds += t.as_secs_f64();
            tess_pages += 1;
        }
    }
    let n = pages.len().max(1) as f64;
    println!(
        "ppocr: mean char accuracy {:.3}, {:.2} s/page, peak memory {:.0} MB (test process)",
        total / n,
        seconds / n,
        peak_rss_mb()
    );
    if tess_pages > 0 {
        let m = tess_pages as f64;
        println!(
            "tesseract chi_sim --psm 6, OMP_THREAD_LIMIT=1: mean char accuracy {:.3}, {:.2} s/page",
            tess_total / m,
            tess_seconds / m
        );
    } else {
        println!("tesseract with chi_sim not installed: no baseline");
    }
}

#[test]
fn edit_distance_and_accuracy_helpers() {
    let a: Vec<char> = "营业执照".chars().collect();
    let b: Vec<char> = "营业执".chars().collect();
    assert_eq!(edit_distance(&a, &b), 1);
    let acc = char_accuracy(&["营业 执照".into()], &["营业执照".into()]);
    assert_eq!(acc, 1.0);
    let img = read_pgm(b"P5\n2 1\n255\n\x00\xff").expect("pgm");
    assert_eq!(img.get_pixel(1, 0).0[0], 255);
}
