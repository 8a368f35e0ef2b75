//! The engine on rendered licence pages, with tesseract beside it as the baseline.
//!
//! Needs the parts (`tools/setup-onnx.sh`) and Pillow to render the pages
//! (`tools/render-ocr-pages.py`); without either it prints why and passes, so the suite runs on
//! machines without them. Prints char accuracy, seconds per page and peak memory, and, where
//! `tesseract` with `chi_sim` is installed, its figures on the same pages in the same run.

use super::measure::{
    char_accuracy, edit_distance, peak_rss_mb, read_pgm, render_pages, tesseract,
};
use super::*;
use std::time::{Duration, Instant};

/// The installed parts and the rendered test pages (in `dir`), or `None` after saying why the
/// test skips.
fn parts_and_pages(dir: &std::path::Path) -> Option<(Parts, Vec<super::measure::Page>)> {
    let parts = match Parts::locate() {
        Ok(p) => p,
        Err(e) => {
            crate::ingest::test_support::skip("PP-OCR live test", &e.to_string());
            return None;
        }
    };
    match render_pages(dir) {
        Ok(pages) => Some((parts, pages)),
        Err(e) => {
            crate::ingest::test_support::skip(
                "PP-OCR live test",
                &format!("cannot render the test pages: {e}"),
            );
            None
        }
    }
}

#[test]
fn reads_rendered_licence_pages_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some((parts, pages)) = parts_and_pages(dir.path()) else {
        return;
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
fn reads_turned_pages_upright_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some((parts, pages)) = parts_and_pages(dir.path()) else {
        return;
    };
    let engine = PaddleEngine::with_parts(&parts, Config::default()).expect("engine");
    let page = &pages[0];
    let turns: [(&str, GrayImage, bool, bool); 4] = [
        ("0°", page.image.clone(), false, false),
        // Turned back by a clockwise quarter turn, then 180°: 270° in all.
        ("90°", image::imageops::rotate90(&page.image), true, true),
        ("180°", image::imageops::rotate180(&page.image), false, true),
        ("270°", image::imageops::rotate270(&page.image), true, false),
    ];
    for (name, image, quarter, flipped) in turns {
        let start = Instant::now();
        let (lines, upright) = engine
            .read_upright(&image, Instant::now() + Duration::from_secs(120))
            .expect("read");
        let texts: Vec<String> = lines.iter().map(|l| l.text.clone()).collect();
        let acc = char_accuracy(&texts, &page.truth);
        println!(
            "{} turned {name}: char accuracy {acc:.3}, {:.2} s, read as {upright:?}",
            page.name,
            start.elapsed().as_secs_f64()
        );
        assert!(acc >= 0.95, "{name}: char accuracy {acc:.3}: {texts:?}");
        assert_eq!(
            (upright.quarter_turn, upright.flipped),
            (quarter, flipped),
            "{name}"
        );
        for l in &lines {
            assert!(l.bbox[2] <= image.width() && l.bbox[3] <= image.height());
        }
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
