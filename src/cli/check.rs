//! `certsift check BUNDLE...`: read each bundle, run the rules, print the triage summary (or the
//! JSON report), and with `--out` write `DIR/bundles/<id>/report.json`, holding DIR's lock as
//! `certsift run` does (a busy DIR is refused, exit 2) and making the batch's ledger forget the
//! bundle, so the next run redoes it rather than list a row that disagrees with the report.

use super::Failure;
use super::args::CheckArgs;
use super::config::{as_of, init_threads, limits_from, rules};
use anyhow::{Context, Result};
use certsift::ingest::read_bundle;
use certsift::model::FileStatus;
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
    let mut unreadable = Vec::new();
    for path in &args.bundles {
        refuse_what_is_not_a_bundle(path)?;
    }
    for (index, path) in args.bundles.iter().enumerate() {
        let bundle = read_bundle(path, &limits)?;
        if bundle.documents.is_empty() {
            return Err(Failure::new(
                2,
                format!(
                    "`{}` 里没有可读取的文件 (the bundle holds no file to read)",
                    path.display()
                ),
            )
            .into());
        }
        if !bundle.documents.iter().any(|d| d.status == FileStatus::Ok) {
            unreadable.push(bundle.id.clone());
        }
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
    if !unreadable.is_empty() {
        out.flush()?;
        return Err(Failure::new(
            1,
            format!(
                "没有一个文件可以读取，评估无从谈起 (no file could be read, so nothing was assessed): {}",
                unreadable.join(", ")
            ),
        )
        .into());
    }
    Ok(())
}

/// Refuses, before reading, what `check` would grade as one applicant although it is not one:
/// a single file (`extract` reads those), and an inbox — a folder of several applicants'
/// bundles (`run` does those).
fn refuse_what_is_not_a_bundle(path: &std::path::Path) -> Result<()> {
    let refuse = |message: String| -> Result<()> { Err(Failure::new(2, message).into()) };
    if path.is_file() {
        let is_zip = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
        if !is_zip {
            return refuse(format!(
                "`{p}` 是单个文件，不是申请包 (a single file, not a bundle): check 读取一个申请包文件夹或 \
                 .zip；查看这个文件读出了什么用 `certsift extract {p}`",
                p = path.display()
            ));
        }
        return Ok(());
    }
    if !path.is_dir() {
        return Ok(()); // read_bundle says what is wrong with the path.
    }
    let survey = certsift::batch::inbox::survey(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if survey.bundle_like >= 2 && survey.loose.is_empty() {
        let names: Vec<&str> = survey.sources.iter().map(|s| s.id.as_str()).collect();
        return refuse(format!(
            "`{p}` 是收件箱，内有 {n} 个申请包 (an inbox of {n} bundles: {list}): 用 \
             `certsift run {p} --out OUT` 处理全部，或 `certsift check {p}/<包名>` 检查其中一个",
            p = path.display(),
            n = survey.sources.len(),
            list = names.join(", ")
        ));
    }
    Ok(())
}
