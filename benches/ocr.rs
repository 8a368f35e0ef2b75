//! OCR benchmark: `cargo bench --bench ocr`.
//!
//! Renders the licence-like pages of `tools/render-ocr-pages.py` (level, tilted 2°, tilted −3°
//! at 150 dpi) and prints, for the PP-OCR engine (`ingest::paddle`) and for bare `tesseract`
//! (`chi_sim`, `--psm 6`, `OMP_THREAD_LIMIT=1`, as issue 12 measured it) on the same pages in the
//! same run:
//! - char accuracy (1 − CER over the page in reading order, whitespace ignored);
//! - seconds per page on one core (the engine warmed up by one page first);
//! - pages/s on all cores (one engine per thread, as one per worker process in a batch);
//! - peak resident memory of the process (VmHWM), with one engine and after the parallel run.
//!
//! Skips with a message when the parts (`tools/setup-onnx.sh`) or Pillow are absent.
//! Goal (issue 12): more accurate than tesseract and ≥ 1 page/s on 2 cores.

#[path = "../src/ingest/paddle/measure.rs"]
#[allow(dead_code)]
mod measure;

use certsift::ingest::paddle::{Config, PaddleEngine, Parts};
use measure::{Page, char_accuracy, peak_rss_mb, render_pages, tesseract};
use std::path::Path;
use std::time::{Duration, Instant};

/// Passes over the pages in the parallel run, so each thread has several pages to do.
const PARALLEL_PASSES: usize = 3;

fn main() {
    let parts = match Parts::locate() {
        Ok(p) => p,
        Err(e) => {
            println!("ocr bench skipped: {e}");
            return;
        }
    };
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            println!("ocr bench skipped: no temporary folder: {e}");
            return;
        }
    };
    let pages = match render_pages(dir.path()) {
        Ok(p) if !p.is_empty() => p,
        Ok(_) => {
            println!("ocr bench skipped: the render script made no pages");
            return;
        }
        Err(e) => {
            println!("ocr bench skipped: cannot render the pages: {e}");
            return;
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("{} pages, {cores} cores", pages.len());

    let started = Instant::now();
    let engine = match PaddleEngine::with_parts(&parts, Config::default()) {
        Ok(e) => e,
        Err(e) => {
            println!("ocr bench skipped: {e}");
            return;
        }
    };
    println!(
        "ppocr engine ready in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    // Warm-up: the first run of each session allocates its arenas.
    let _ = engine.recognize(&pages[0].image, far());

    let mut ppocr = Totals::default();
    let mut tess = Totals::default();
    for page in &pages {
        let started = Instant::now();
        let lines = match engine.recognize(&page.image, far()) {
            Ok(l) => l,
            Err(e) => {
                println!("ppocr failed on {}: {e}", page.name);
                continue;
            }
        };
        let took = started.elapsed();
        let texts: Vec<String> = lines.into_iter().map(|l| l.text).collect();
        ppocr.add(char_accuracy(&texts, &page.truth), took);
        println!(
            "  {:<16} ppocr     char accuracy {:.3}  {:.2} s",
            page.name,
            char_accuracy(&texts, &page.truth),
            took.as_secs_f64()
        );
        if let Some((lines, took)) = tesseract(&pgm(dir.path(), page)) {
            let acc = char_accuracy(&lines, &page.truth);
            tess.add(acc, took);
            println!(
                "  {:<16} tesseract char accuracy {acc:.3}  {:.2} s",
                page.name,
                took.as_secs_f64()
            );
        }
    }
    let one_engine_mb = peak_rss_mb();
    ppocr.print("ppocr (PP-OCRv4, ONNX Runtime, 1 intra-op thread)");
    tess.print("tesseract chi_sim --psm 6, OMP_THREAD_LIMIT=1");
    println!("peak memory with one engine: {one_engine_mb:.0} MB");

    let pps = parallel_ppocr(&parts, &pages, cores);
    println!(
        "ppocr on {cores} cores (one engine per thread): {pps:.2} pages/s; peak memory {:.0} MB",
        peak_rss_mb()
    );
    if tess.pages > 0 {
        let pps = parallel_tesseract(dir.path(), &pages, cores);
        println!("tesseract on {cores} cores (one process per core): {pps:.2} pages/s");
    } else {
        println!("tesseract with chi_sim not installed: no baseline");
    }
}

#[derive(Default)]
struct Totals {
    accuracy: f64,
    time: Duration,
    pages: usize,
}

impl Totals {
    fn add(&mut self, accuracy: f64, time: Duration) {
        self.accuracy += accuracy;
        self.time += time;
        self.pages += 1;
    }

    fn print(&self, what: &str) {
        if self.pages == 0 {
            return;
        }
        let n = self.pages as f64;
        println!(
            "{what}: mean char accuracy {:.3}, {:.2} s/page on one core",
            self.accuracy / n,
            self.time.as_secs_f64() / n
        );
    }
}

fn far() -> Instant {
    Instant::now() + Duration::from_secs(600)
}

fn pgm(dir: &Path, page: &Page) -> std::path::PathBuf {
    dir.join(format!("{}.pgm", page.name))
}

/// Pages/s with `threads` engines reading the pages, `PARALLEL_PASSES` times over.
fn parallel_ppocr(parts: &Parts, pages: &[Page], threads: usize) -> f64 {
    let jobs: Vec<&Page> = (0..PARALLEL_PASSES).flat_map(|_| pages.iter()).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let engines: Vec<PaddleEngine> = (0..threads)
        .filter_map(|_| PaddleEngine::with_parts(parts, Config::default()).ok())
        .collect();
    for e in &engines {
        let _ = e.recognize(&pages[0].image, far());
    }
    let started = Instant::now();
    std::thread::scope(|s| {
        for engine in &engines {
            let (jobs, next) = (&jobs, &next);
            s.spawn(move || {
                while let Some(page) =
                    jobs.get(next.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
                {
                    let _ = engine.recognize(&page.image, far());
                }
            });
        }
    });
    jobs.len() as f64 / started.elapsed().as_secs_f64()
}

/// Pages/s with `threads` tesseract processes at a time.
fn parallel_tesseract(dir: &Path, pages: &[Page], threads: usize) -> f64 {
    let jobs: Vec<&Page> = (0..PARALLEL_PASSES).flat_map(|_| pages.iter()).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (jobs, next) = (&jobs, &next);
            s.spawn(move || {
                while let Some(page) =
                    jobs.get(next.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
                {
                    let _ = tesseract(&pgm(dir, page));
                }
            });
        }
    });
    jobs.len() as f64 / started.elapsed().as_secs_f64()
}
