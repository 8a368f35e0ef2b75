//! Flags → ready settings, once, at start-up (the LowArgs/HiArgs split of ripgrep): limits
//! checked and built, the thread pool sized. Errors here are the user's to fix and say how.

use super::args::{LimitArgs, OcrArg, OcrEngineArg};
use anyhow::{Result, bail};
use certsift::ingest::ocr::{EngineChoice, OcrMode};
use certsift::ingest::{Isolation, Limits};
use std::time::Duration;

/// Builds reading limits from the flags, refusing nonsense values.
pub fn limits_from(args: &LimitArgs) -> Result<Limits> {
    for (flag, seconds) in [
        ("--max-file-seconds", args.max_file_seconds),
        ("--max-archive-seconds", args.max_archive_seconds),
        ("--max-bundle-seconds", args.max_bundle_seconds),
    ] {
        if !(seconds.is_finite() && seconds > 0.0 && seconds < 1e9) {
            bail!("{flag} must be a positive number of seconds");
        }
    }
    if args.max_file_mb == 0 || args.max_pages == 0 || args.max_bundle_passages == 0 {
        bail!("--max-file-mb, --max-pages and --max-bundle-passages must be at least 1");
    }
    // Below this a worker cannot even start its thread pool and read a small PDF.
    if args.max_worker_memory < 256 {
        bail!("--max-worker-memory must be at least 256 (MiB)");
    }
    Ok(Limits {
        max_file_bytes: args.max_file_mb.saturating_mul(1024 * 1024),
        max_pages: args.max_pages,
        max_file_time: Duration::from_secs_f64(args.max_file_seconds),
        max_archive_time: Duration::from_secs_f64(args.max_archive_seconds),
        max_bundle_time: Duration::from_secs_f64(args.max_bundle_seconds),
        max_bundle_passages: args.max_bundle_passages,
        max_worker_memory: args.max_worker_memory.saturating_mul(1024 * 1024),
        isolation: isolation(args.no_isolation)?,
        ocr: match args.ocr {
            OcrArg::Auto => OcrMode::Auto,
            OcrArg::Off => OcrMode::Off,
            OcrArg::Force => OcrMode::Force,
        },
        ocr_engine: match args.ocr_engine {
            OcrEngineArg::Auto => EngineChoice::Auto,
            OcrEngineArg::Ppocr => EngineChoice::Ppocr,
            OcrEngineArg::Tesseract => EngineChoice::Tesseract,
        },
        ..Limits::default()
    })
}

/// Worker processes of this very binary, unless `--no-isolation` (or not on Unix).
fn isolation(no_isolation: bool) -> Result<Isolation> {
    if no_isolation || !cfg!(unix) {
        return Ok(Isolation::InProcess);
    }
    let program = std::env::current_exe().map_err(|e| {
        anyhow::anyhow!(
            "cannot find the certsift binary to start worker processes ({e}); use --no-isolation"
        )
    })?;
    Ok(Isolation::Workers { program })
}

/// Sizes rayon's global pool when `--jobs` is given.
pub fn init_threads(jobs: Option<usize>) -> Result<()> {
    if let Some(jobs) = jobs {
        if jobs == 0 {
            bail!("--jobs must be at least 1");
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build_global()?;
    }
    Ok(())
}

/// The review date: `--as-of YYYY-MM-DD`, or today.
pub fn as_of(arg: Option<&str>) -> Result<chrono::NaiveDate> {
    match arg {
        None => Ok(chrono::Local::now().date_naive()),
        Some(text) => chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
            anyhow::anyhow!(
                "--as-of {text:?} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-28"
            )
        }),
    }
}

/// Loads and compiles the rules: `--rules DIR` or the built-in ones. Every problem is listed
/// with its file and line, so the message says what to fix.
pub fn rules(dir: Option<&std::path::Path>) -> Result<certsift::rules::CompiledRules> {
    rules_and_fingerprint(dir).map(|(rules, _)| rules)
}

/// [`rules`], with the fingerprint of the files they came from.
pub fn rules_and_fingerprint(
    dir: Option<&std::path::Path>,
) -> Result<(certsift::rules::CompiledRules, String)> {
    let loaded = match dir {
        Some(d) => certsift::rules::load_dir(d),
        None => certsift::rules::load_default(),
    };
    let compiled = loaded
        .and_then(|set| certsift::rules::compile(&set).map(|rules| (rules, set.fingerprint())));
    compiled.map_err(|err| {
        let lines: Vec<String> = err.problems().iter().map(|p| p.to_string()).collect();
        anyhow::anyhow!(
            "the rules cannot be used ({} problem(s)); run `certsift rules check` for details:\n{}",
            lines.len(),
            lines.join("\n")
        )
    })
}
