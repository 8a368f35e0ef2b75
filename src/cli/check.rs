//! `certsift check BUNDLE...`: read each bundle, run the rules, print the triage summary (or the
//! JSON report), and with `--out` write `DIR/bundles/<id>/report.json`, holding DIR's lock as
//! `certsift run` does (a busy DIR is refused, exit 2) and making the batch's ledger forget the
//! bundle, so the next run redoes it rather than list a row that disagrees with the report.

use super::Failure;
use super::args::CheckArgs;
use super::config::{as_of, init_threads, limits_from, rules};
use anyhow::{Context, Result};
use certsift::ingest::read_bundle;
use certsift::report::{build, summary};
use std::io::Write;

/// Runs the subcommand; output goes to `out`.
pub fn run(args: &CheckArgs, out: &mut dyn Write) -> Result<()> {
    let limits = limits_from(&args.limits)?;
    init_threads(args.limits.jobs)?;
    let as_of = as_of(args.as_of.as_deref())?;
    let rules = rules(args.rules.as_deref())?;
    let several = args.bundles.len() > 1;
    // Held until every report is written: a run on the same OUT waits for nothing half-done.
    let lock = match &args.out {
        Some(dir) => {
            Some(certsift::batch::OutLock::take(dir).map_err(|e| Failure::new(2, e.to_string()))?)
        }
        None => None,
    };
    for (index, path) in args.bundles.iter().enumerate() {
        let bundle = read_bundle(path, &limits)?;
        let assessment = certsift::rules::assess(&bundle, &rules, as_of);
        let report = build::build(&bundle, &assessment, &rules);
        if let (Some(dir), Some(lock)) = (&args.out, &lock) {
            let path = dir.join("bundles").join(&report.bundle).join("report.json");
            certsift::batch::write::write_atomically(&path, &serde_json::to_vec_pretty(&report)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
            lock.replaced_report(&report.bundle)?;
        }
        if args.json && several {
            serde_json::to_writer(&mut *out, &report)?;
            writeln!(out)?;
        } else if args.json {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)?;
        } else {
            if index > 0 {
                writeln!(out, "\n{}\n", "─".repeat(72))?;
            }
            summary::write(&report, &build::names(&rules), out)?;
        }
    }
    Ok(())
}
