//! `certsift run INBOX --out OUT`: the nightly batch (see `certsift::batch`), with a progress
//! bar on a terminal, log lines otherwise, and a closing summary.
//!
//! Exit codes: 0 when every bundle was processed (findings in bundles are not failures);
//! 1 when some bundles could not be processed (the rest are done and the summary lists them);
//! 2 when the run could not do its job (unreadable inbox, unwritable OUT, bad rules, a busy OUT).

use super::Failure;
use super::args::RunArgs;
use super::config::{as_of, init_threads, limits_from, rules_and_fingerprint};
use anyhow::Result;
use certsift::batch::{Observer, Outcome, Plan, RunStats, Settings};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Runs the subcommand; the closing summary goes to `out`.
pub fn run(args: &RunArgs, out: &mut dyn Write) -> Result<()> {
    let setup = |err: anyhow::Error| Failure::new(2, format!("{err:#}"));
    let limits = limits_from(&args.limits).map_err(setup)?;
    let jobs = args
        .limits
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    init_threads(Some(jobs)).map_err(setup)?;
    let as_of = as_of(args.as_of.as_deref()).map_err(setup)?;
    let (rules, rules_fingerprint) = rules_and_fingerprint(args.rules.as_deref()).map_err(setup)?;
    let settings = Settings {
        inbox: args.inbox.clone(),
        out: args.out.clone(),
        as_of,
        rules: &rules,
        rules_fingerprint,
        limits,
        jobs,
        full: args.full,
    };
    let loose = inbox_shape(&args.inbox).map_err(setup)?;
    if let Some(warning) = &loose {
        eprintln!("{warning}");
    }
    let progress = Progress::new(std::io::stdout().is_terminal());
    let stats = certsift::batch::run(&settings, &progress)
        .map_err(|err| Failure::new(2, err.to_string()))?;
    progress.finish();
    write_closing(&stats, &args.out, out)?;
    let ocr_pages = progress.ocr_pages.load(Ordering::Relaxed);
    if ocr_pages > 0 {
        writeln!(
            out,
            "OCR: {ocr_pages} 页 pages or pictures read ({:.2} 页/秒 pages/s over the run)",
            ocr_pages as f64 / progress.started.elapsed().as_secs_f64().max(1e-3)
        )?;
    }
    if let Some(warning) = &loose {
        writeln!(out, "{warning}")?;
    }
    if stats.failed > 0 {
        out.flush()?;
        return Err(Failure::new(
            1,
            format!(
                "{} bundle(s) could not be processed; see the summary for why",
                stats.failed
            ),
        )
        .into());
    }
    Ok(())
}

/// Refuses an inbox that is one applicant's bundle (a licence at its top level, no subfolder
/// holding one: its subfolders would be graded as applicants and its files ignored), and
/// returns the warning to give when loose files beside the bundles will not be read.
fn inbox_shape(inbox: &std::path::Path) -> Result<Option<String>> {
    if !inbox.is_dir() {
        return Ok(None); // the batch says what is wrong with the path.
    }
    let survey = certsift::batch::inbox::survey(inbox)?;
    if survey.loose.is_empty() {
        return Ok(None);
    }
    if survey.bundle_like == 0 && survey.loose_licence {
        return Err(anyhow::anyhow!(
            "`{p}` 看起来是一个申请包，不是收件箱 (this looks like one bundle, not an inbox: a \
             licence lies at its top level and no subfolder holds one): 用 `certsift check {p}` \
             检查它，或把它放进一个收件箱文件夹",
            p = inbox.display()
        ));
    }
    let shown: Vec<&str> = survey.loose.iter().take(5).map(String::as_str).collect();
    let more = survey.loose.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!(" …（另有 {more} 个）")
    } else {
        String::new()
    };
    Ok(Some(format!(
        "警告：收件箱顶层的 {n} 个文件不属于任何申请包，未处理 (warning: {n} loose file(s) at the \
         inbox's top level belong to no bundle and were not read): {}{more}",
        shown.join(", "),
        n = survey.loose.len()
    )))
}

/// Two bars on a terminal — bundles finished, and files on disk read (a zip bundle is one
/// file), the latter with the pages read by OCR so far and their rate — drawn on stderr;
/// `tracing` lines otherwise.
struct Progress {
    bars: MultiProgress,
    bundles: ProgressBar,
    files: ProgressBar,
    terminal: bool,
    /// Pages and pictures read by OCR so far (a cache hit counts too: it was a page to read).
    ocr_pages: AtomicUsize,
    started: Instant,
}

impl Progress {
    fn new(terminal: bool) -> Progress {
        let bars = MultiProgress::new();
        let bar = |template: &str| {
            if !terminal {
                return ProgressBar::hidden();
            }
            let style = ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bars.add(ProgressBar::new(0).with_style(style))
        };
        let bundles = bar("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} 个申请包 bundles");
        let files = bar("  [{eta_precise} left] {bar:30} {pos}/{len} 个文件 files · {msg}");
        Progress {
            bars,
            bundles,
            files,
            terminal,
            ocr_pages: AtomicUsize::new(0),
            started: Instant::now(),
        }
    }

    fn finish(&self) {
        self.files.finish_and_clear();
        self.bundles.finish_and_clear();
        let _ = self.bars.clear();
    }
}

impl Observer for Progress {
    fn planned(&self, plan: &Plan) {
        self.bundles.set_length(plan.todo as u64);
        self.files.set_length(plan.todo_files as u64);
        if !self.terminal {
            tracing::info!(
                "{} bundle(s) to do ({} files), {} unchanged, {} withdrawn",
                plan.todo,
                plan.todo_files,
                plan.skipped,
                plan.withdrawn
            );
        }
    }

    fn file_read(&self, bundle: &str, documents: &[certsift::model::Document]) {
        self.files.inc(1);
        let pages: usize = documents.iter().map(|d| d.ocr_page_count()).sum();
        let total = self.ocr_pages.fetch_add(pages, Ordering::Relaxed) + pages;
        if total == 0 {
            self.files.set_message(bundle.to_string());
        } else {
            let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
            self.files.set_message(format!(
                "{bundle} · OCR {total} 页 pages ({:.1} 页/秒)",
                total as f64 / seconds
            ));
        }
    }

    fn finished(&self, bundle: &str, outcome: &Outcome) {
        match outcome {
            Outcome::Done(by_status) => {
                if !self.terminal {
                    let files: usize = by_status.values().sum();
                    tracing::info!("bundle {bundle}: done, {files} files");
                }
            }
            Outcome::Failed(message) => {
                let _ = self.bars.println(format!("✗ {bundle}: {message}"));
                if !self.terminal {
                    tracing::warn!("bundle {bundle}: failed: {message}");
                }
            }
        }
        self.bundles.inc(1);
    }
}

/// The closing summary: bundles done, skipped, failed, withdrawn; files by status; time; where
/// to look.
fn write_closing(stats: &RunStats, out_dir: &std::path::Path, out: &mut dyn Write) -> Result<()> {
    let seconds = stats.elapsed.as_secs_f64();
    writeln!(
        out,
        "{} done, {} unchanged (skipped), {} failed, {} withdrawn · {:.1} s",
        stats.done, stats.skipped, stats.failed, stats.withdrawn, seconds
    )?;
    if !stats.files_by_status.is_empty() {
        let files: Vec<String> = stats
            .files_by_status
            .iter()
            .map(|(status, n)| format!("{n} {status}"))
            .collect();
        writeln!(
            out,
            "files read: {} · {} passages indexed · {:.1} MB",
            files.join(", "),
            stats.passages,
            stats.bytes as f64 / 1e6
        )?;
    }
    if let Some(summary) = &stats.summary {
        let t = summary.totals;
        writeln!(
            out,
            "summary: {} bundles — {} blocked, {} ready for review, {} failed, {} withdrawn",
            t.bundles, t.blocked, t.ready, t.failed, t.withdrawn
        )?;
    }
    writeln!(out, "open {}", out_dir.join("index.html").display())?;
    Ok(())
}
