//! Nightly-batch benchmark: `cargo bench --bench batch`.
//!
//! Synthesises an inbox of 210 bundles by varying the sample inbox (each copy renamed; folder
//! copies get a note of their own and every third one loses a file, so contents differ), then
//! runs the batch in-process twice:
//! 1. a first run over everything (read, assess, report.json + report.html, index, summary):
//!    bundles/min, MB/s of input, peak memory (VmHWM), CPU use (user + system time over wall
//!    time: 200% = both cores busy);
//! 2. a second run with nothing changed, as a fraction of the first (goal ≤ 5%);
//! 3. the first run again into a fresh OUT with files read in worker processes (the command
//!    line's default; the runs above read in-process, as `--no-isolation`), then in-process
//!    once more: isolation's cost is the worker run over the better of the two in-process runs
//!    (goal ≤ 1.10×), with the cost of the wire format (JSON) on its own.
//!
//! Baseline measured in the same run: `pdftotext` over every PDF of the inbox, one process per
//! file as a user runs it (skipped, saying so, when poppler-utils is absent).

use certsift::batch::{Quiet, Settings, run};
use certsift::ingest::{Isolation, Limits};
use certsift::rules;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const COPIES: usize = 70;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("tempdir");
    let inbox = work.path().join("inbox");
    let bytes = synthesise(&root.join("fixtures/inbox"), &inbox);
    let bundles = std::fs::read_dir(&inbox).expect("inbox").count();
    let set = rules::load_default().expect("rules");
    let compiled = rules::compile(&set).expect("compile");
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let settings = Settings {
        inbox: inbox.clone(),
        out: work.path().join("out"),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
        rules: &compiled,
        rules_fingerprint: set.fingerprint(),
        limits: Limits::default(),
        jobs,
        full: false,
    };
    println!(
        "inbox: {bundles} bundles, {:.1} MB, {jobs} jobs",
        bytes as f64 / 1e6
    );

    let cpu_before = cpu_time();
    let started = Instant::now();
    let first = run(&settings, &Quiet).expect("first run");
    let first_wall = started.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_before);
    assert_eq!(first.done, bundles, "every bundle processed");
    println!(
        "first run: {:.1} s → {:.0} bundles/min, {:.1} MB/s; CPU {:.0}% of one core ({:.0}% of {jobs}); \
         peak memory {:.0} MB; {} passages indexed",
        first_wall.as_secs_f64(),
        bundles as f64 / first_wall.as_secs_f64() * 60.0,
        bytes as f64 / 1e6 / first_wall.as_secs_f64(),
        cpu.as_secs_f64() / first_wall.as_secs_f64() * 100.0,
        cpu.as_secs_f64() / first_wall.as_secs_f64() * 100.0 / jobs as f64,
        peak_rss_mb(),
        first.passages
    );

    let started = Instant::now();
    let second = run(&settings, &Quiet).expect("second run");
    let second_wall = started.elapsed();
    assert_eq!(
        second.skipped, bundles,
        "nothing changed, everything skipped"
    );
    println!(
        "second run, nothing changed: {:.2} s = {:.1}% of the first (goal ≤ 5%)",
        second_wall.as_secs_f64(),
        second_wall.as_secs_f64() / first_wall.as_secs_f64() * 100.0
    );

    isolation_cost(&settings, first_wall, &work.path().join("out-isolated"));

    match pdftotext_baseline(&inbox) {
        Some((pdfs, took)) => println!(
            "baseline, same run: pdftotext over the inbox's {pdfs} PDFs (text only, no zips) {:.1} s; \
             the whole batch takes {:.2}× that",
            took.as_secs_f64(),
            first_wall.as_secs_f64() / took.as_secs_f64()
        ),
        None => println!("baseline skipped: pdftotext not found (apt install poppler-utils)"),
    }
}

/// Runs the first run again with files read in worker processes, then in-process once more,
/// each into a fresh OUT, and prints the ratio; then the wire format's share.
fn isolation_cost(settings: &Settings<'_>, first_wall: Duration, out: &Path) {
    let like = |out: PathBuf, limits: Limits| Settings {
        inbox: settings.inbox.clone(),
        out,
        as_of: settings.as_of,
        rules: settings.rules,
        rules_fingerprint: settings.rules_fingerprint.clone(),
        limits,
        jobs: settings.jobs,
        full: false,
    };
    let isolated = like(
        out.to_path_buf(),
        Limits {
            isolation: Isolation::Workers {
                program: PathBuf::from(env!("CARGO_BIN_EXE_certsift")),
            },
            ..settings.limits.clone()
        },
    );
    let started = Instant::now();
    let stats = run(&isolated, &Quiet).expect("isolated run");
    let isolated_wall = started.elapsed();
    certsift::ingest::worker::shutdown();
    assert_eq!(stats.skipped, 0, "a fresh OUT: every bundle read");
    let again = like(out.with_extension("in-process"), settings.limits.clone());
    let started = Instant::now();
    run(&again, &Quiet).expect("in-process run");
    let in_process = started.elapsed().min(first_wall);
    println!(
        "isolation: first run in worker processes {:.1} s vs in-process (--no-isolation) {:.1} s \
         (best of two) = {:.2}× (goal ≤ 1.10×)",
        isolated_wall.as_secs_f64(),
        in_process.as_secs_f64(),
        isolated_wall.as_secs_f64() / in_process.as_secs_f64()
    );

    // The wire: every document of the inbox encoded and decoded as a worker and its parent do.
    let docs =
        certsift::ingest::read_inputs(std::slice::from_ref(&settings.inbox), &settings.limits)
            .expect("inbox");
    let started = Instant::now();
    let mut bytes = 0;
    for doc in &docs {
        let wire = serde_json::to_vec(doc).expect("encode");
        bytes += wire.len();
        let back: certsift::model::Document = serde_json::from_slice(&wire).expect("decode");
        assert_eq!(back.passages.len(), doc.passages.len());
    }
    println!(
        "wire format (JSON): {} documents, {:.1} MB, encoded and decoded in {:.0} ms",
        docs.len(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64() * 1e3
    );
}

/// Copies the sample inbox `COPIES` times into `inbox`, varied; returns the bytes written.
fn synthesise(fixtures: &Path, inbox: &Path) -> u64 {
    let mut bytes = 0;
    let mut sources: Vec<PathBuf> = std::fs::read_dir(fixtures)
        .expect("fixtures")
        .flatten()
        .map(|e| e.path())
        .collect();
    sources.sort();
    for copy in 0..COPIES {
        for source in &sources {
            let name = source
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if source.is_dir() {
                let target = inbox.join(format!("{name}-{copy:03}"));
                let mut files = Vec::new();
                list(source, &mut files);
                files.sort();
                for (i, file) in files.iter().enumerate() {
                    // Every third copy lacks one file, a different one each time.
                    if copy % 3 == 2 && i == copy % files.len() {
                        continue;
                    }
                    let relative = file.strip_prefix(source).expect("inside");
                    let to = target.join(relative);
                    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
                    bytes += std::fs::copy(file, &to).expect("copy");
                }
                let note = format!(
                    "补充说明（第{copy}批）：本公司售后服务热线400-800-{copy:04}，\
                     投诉处理时限为{}小时内响应。",
                    12 + copy % 36
                );
                std::fs::write(target.join("补充说明.txt"), &note).expect("note");
                bytes += note.len() as u64;
            } else {
                let stem = name.trim_end_matches(".zip");
                let to = inbox.join(format!("{stem}-{copy:03}.zip"));
                std::fs::create_dir_all(inbox).expect("mkdir");
                bytes += std::fs::copy(source, to).expect("copy zip");
            }
        }
    }
    bytes
}

fn list(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            list(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// User + system CPU time of this process so far (from /proc; USER_HZ is 100 on Linux).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Peak resident memory of this process (VmHWM), MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Runs `pdftotext` on every PDF in the inbox's folders, serially; None when it is missing.
fn pdftotext_baseline(inbox: &Path) -> Option<(usize, Duration)> {
    let mut files = Vec::new();
    list(inbox, &mut files);
    let pdfs: Vec<&PathBuf> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf")))
        .collect();
    let started = Instant::now();
    for pdf in &pdfs {
        std::process::Command::new("pdftotext")
            .arg("-q")
            .arg(pdf)
            .arg("-")
            .stdout(std::process::Stdio::null())
            .status()
            .ok()?;
    }
    Some((pdfs.len(), started.elapsed()))
}
