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
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};

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
    let progress = Progress::new(std::io::stdout().is_terminal());
    let stats = certsift::batch::run(&settings, &progress)
        .map_err(|err| Failure::new(2, err.to_string()))?;
    progress.bar.finish_and_clear();
    write_closing(&stats, &args.out, out)?;
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

/// A bar over bundles (with files read so far) on a terminal; `tracing` lines otherwise.
struct Progress {
    bar: ProgressBar,
    terminal: bool,
    files: std::sync::atomic::AtomicUsize,
}

impl Progress {
    fn new(terminal: bool) -> Progress {
        let bar = if terminal {
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} 个申请包 · {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress {
            bar,
            terminal,
            files: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

impl Observer for Progress {
    fn planned(&self, plan: &Plan) {
        self.bar.set_length(plan.todo as u64);
        self.bar.set_message(format!("0/{} files", plan.todo_files));
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

    fn finished(&self, bundle: &str, outcome: &Outcome) {
        match outcome {
            Outcome::Done(by_status) => {
                let files: usize = by_status.values().sum();
                let total = self
                    .files
                    .fetch_add(files, std::sync::atomic::Ordering::Relaxed)
                    + files;
                self.bar.set_message(format!("{total} files read"));
                if !self.terminal {
                    tracing::info!("bundle {bundle}: done, {files} files");
                }
            }
            Outcome::Failed(message) => {
                self.bar.println(format!("✗ {bundle}: {message}"));
                if !self.terminal {
                    tracing::warn!("bundle {bundle}: failed: {message}");
                }
            }
        }
        self.bar.inc(1);
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
