//! Ingestion benchmark: `cargo bench --bench ingest`.
//!
//! Prints, over the sample inbox (`fixtures/`) and the shared real-world corpus (when
//! `../shared/realworld` is present):
//! - per format: files, MB, pages (PDF), MB/s and pages/s with one thread;
//! - `pdftotext` (poppler) on the same readable PDFs in the same run, and the ratio of
//!   milliseconds per page, since this machine is noisy and only same-run ratios mean anything;
//! - LibreOffice's conversion of the same RTF and PowerPoint files (to text, and to PDF for
//!   decks, Impress having no text export) beside certsift's MB/s (OFD has no LibreOffice
//!   filter);
//! - a whole-folder ingest with 1 thread and with all cores, and the speed-up;
//! - peak resident memory of the process (VmHWM).
//!
//! Goals (issue 2): PDF no slower per page than pdftotext; whole-folder speed-up ≥ 1.7× on 2 cores.

use certsift::ingest::{Limits, ReadContext, read_inputs, read_isolated};
use certsift::model::{FileKind, FileStatus};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs = vec![root.join("fixtures")];
    let shared = std::env::var_os("CERTSIFT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    let realworld = shared.join("realworld");
    if realworld.is_dir() {
        inputs.push(realworld);
    } else {
        println!("(../shared/realworld absent: fixtures only)");
    }
    let files = list(&inputs);
    let total_bytes: u64 = files.iter().map(|(_, bytes)| bytes.len() as u64).sum();
    println!(
        "corpus: {} files, {:.1} MB ({})",
        files.len(),
        mb(total_bytes),
        inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Per-format figures and the pdftotext comparison run on one thread (pdftotext has one).
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    one_thread.install(|| {
        per_format(&files);
        pdf_against_pdftotext(&files);
        office_against_libreoffice(&files);
    });
    // The whole corpus is dominated by one 2.3 MB, 67-page PDF (its pages are read in
    // parallel); the nightly batch reads many bundles of ordinary files, so the sample inbox
    // eight times over is measured too.
    parallel_speedup("corpus", &inputs);
    let inbox = root.join("fixtures/inbox");
    parallel_speedup("sample inbox ×8", &vec![inbox; 8]);
    println!(
        "peak RSS: {}",
        peak_rss().unwrap_or_else(|| "unknown".into())
    );
}

/// Every file under `inputs` with its bytes (reference extractions left out).
fn list(inputs: &[PathBuf]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for input in inputs {
        let mut stack = vec![input.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let name = path.to_string_lossy().into_owned();
                    if name.contains(".ref.") || name.ends_with(".tsv") || name.ends_with(".md") {
                        continue;
                    }
                    if let Ok(bytes) = std::fs::read(&path) {
                        out.push((name, bytes));
                    }
                }
            }
        }
    }
    out.sort();
    out
}

#[derive(Default)]
struct Tally {
    files: usize,
    bytes: u64,
    pages: u64,
    time: Duration,
}

fn per_format(files: &[(String, Vec<u8>)]) {
    let mut by_kind: BTreeMap<FileKind, Tally> = BTreeMap::new();
    let ctx = ReadContext::new(Limits::default());
    for (name, bytes) in files {
        let started = Instant::now();
        let doc = read_isolated(name, bytes, &ctx.restart());
        let elapsed = started.elapsed();
        let tally = by_kind.entry(doc.kind).or_default();
        tally.files += 1;
        tally.bytes += doc.bytes;
        tally.pages += u64::from(doc.pages.unwrap_or(0));
        tally.time += elapsed;
    }
    println!("\nper format, one thread:");
    println!(
        "{:<8} {:>6} {:>9} {:>7} {:>10} {:>9} {:>10}",
        "kind", "files", "MB", "pages", "time ms", "MB/s", "pages/s"
    );
    for (kind, t) in &by_kind {
        let secs = t.time.as_secs_f64().max(1e-9);
        println!(
            "{:<8} {:>6} {:>9.2} {:>7} {:>10.1} {:>9.1} {:>10}",
            kind.as_str(),
            t.files,
            mb(t.bytes),
            t.pages,
            secs * 1e3,
            mb(t.bytes) / secs,
            if t.pages > 0 {
                format!("{:.0}", t.pages as f64 / secs)
            } else {
                "-".into()
            }
        );
    }
}

fn pdf_against_pdftotext(files: &[(String, Vec<u8>)]) {
    let ctx = ReadContext::new(Limits::default());
    let pdfs: Vec<(&String, &Vec<u8>, u32)> = files
        .iter()
        .filter_map(|(name, bytes)| {
            let doc = read_isolated(name, bytes, &ctx.restart());
            (doc.kind == FileKind::Pdf && doc.status == FileStatus::Ok).then_some((
                name,
                bytes,
                doc.pages.unwrap_or(0),
            ))
        })
        .collect();
    let pages: u64 = pdfs.iter().map(|(_, _, p)| u64::from(*p)).sum();
    if pages == 0 {
        return;
    }
    // Best of three rounds each, interleaved, so both see the same machine load.
    let mut ours = Duration::MAX;
    let mut theirs = Duration::MAX;
    let mut has_pdftotext = true;
    for _ in 0..3 {
        let started = Instant::now();
        for (name, bytes, _) in &pdfs {
            let _ = read_isolated(name, bytes, &ctx.restart());
        }
        ours = ours.min(started.elapsed());
        let started = Instant::now();
        for (name, _, _) in &pdfs {
            let status = Command::new("pdftotext")
                .args(["-q", "-enc", "UTF-8", name.as_str(), "-"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            if status.is_err() {
                has_pdftotext = false;
                break;
            }
        }
        theirs = theirs.min(started.elapsed());
    }
    println!(
        "\nPDF text, one thread, {} readable PDFs, {pages} pages (best of 3):",
        pdfs.len()
    );
    let ms_page = |d: Duration| d.as_secs_f64() * 1e3 / pages as f64;
    println!("  certsift   {:>8.3} ms/page", ms_page(ours));
    if has_pdftotext {
        println!(
            "  pdftotext  {:>8.3} ms/page (process per file, as a user runs it)",
            ms_page(theirs)
        );
        println!(
            "  ratio certsift/pdftotext = {:.2} (≤ 1.00 is the goal)",
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
    } else {
        println!("  pdftotext not installed (apt-get install poppler-utils): no baseline");
    }
}

fn parallel_speedup(label: &str, inputs: &[PathBuf]) {
    let limits = Limits::default();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        (0..3)
            .map(|_| {
                let started = Instant::now();
                let docs = pool
                    .install(|| read_inputs(inputs, &limits))
                    .expect("inputs");
                std::hint::black_box(docs.len());
                started.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let one = run(1);
    let all = run(cores);
    println!("\nwhole-folder ingest, {label} (best of 3):");
    println!("  1 thread    {:>8.1} ms", one.as_secs_f64() * 1e3);
    println!("  {cores} threads   {:>8.1} ms", all.as_secs_f64() * 1e3);
    println!(
        "  speed-up {:.2}× (goal ≥ 1.7× on 2 cores)",
        one.as_secs_f64() / all.as_secs_f64().max(1e-9)
    );
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
}

/// certsift's MB/s on the readable RTF and PowerPoint files beside LibreOffice converting the
/// same files (one `soffice` process per format, so its start-up is paid once per format).
fn office_against_libreoffice(files: &[(String, Vec<u8>)]) {
    let ctx = ReadContext::new(Limits::default());
    println!("\nRTF and PowerPoint, one thread, beside LibreOffice (soffice --headless):");
    for (kind, target) in [
        (FileKind::Rtf, "txt:Text (encoded):UTF8"),
        (FileKind::Pptx, "pdf"),
    ] {
        let chosen: Vec<(&String, &Vec<u8>)> = files
            .iter()
            .filter(|(name, bytes)| {
                let doc = read_isolated(name, bytes, &ctx.restart());
                doc.kind == kind && doc.status == FileStatus::Ok
            })
            .map(|(n, b)| (n, b))
            .collect();
        if chosen.is_empty() {
            continue;
        }
        let bytes: u64 = chosen.iter().map(|(_, b)| b.len() as u64).sum();
        let mut ours = Duration::MAX;
        for _ in 0..5 {
            let started = Instant::now();
            for (name, b) in &chosen {
                let _ = read_isolated(name, b, &ctx.restart());
            }
            ours = ours.min(started.elapsed());
        }
        let out = std::env::temp_dir().join(format!("certsift-bench-lo-{}", std::process::id()));
        let started = Instant::now();
        let status = Command::new("soffice")
            .args(["--headless", "--convert-to", target, "--outdir"])
            .arg(&out)
            .args(chosen.iter().map(|(n, _)| n.as_str()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let theirs = started.elapsed();
        let _ = std::fs::remove_dir_all(&out);
        let rate = |d: Duration| mb(bytes) / d.as_secs_f64().max(1e-9);
        print!(
            "  {:<5} {} files, {:.2} MB: certsift {:.2} ms ({:.1} MB/s, best of 5)",
            kind.as_str(),
            chosen.len(),
            mb(bytes),
            ours.as_secs_f64() * 1e3,
            rate(ours)
        );
        match status {
            Ok(s) if s.success() => println!(
                "; LibreOffice → {target} {:.0} ms ({:.3} MB/s, start-up included)",
                theirs.as_secs_f64() * 1e3,
                rate(theirs)
            ),
            _ => println!("; LibreOffice not installed or failed: no baseline"),
        }
    }
}
