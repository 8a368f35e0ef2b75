//! `certsift index PATH... --index DIR`: read each bundle, assess it with the rules (for the
//! indicator and material tags), and replace its passages in the index. A PATH is a bundle (a
//! folder or a .zip) or an inbox: a folder holding only folders and zips, each one a bundle.

use super::args::IndexArgs;
use super::config::{as_of, init_threads, limits_from, rules};
use anyhow::{Context, Result};
use certsift::batch::inbox;
use certsift::index::Index;
use certsift::ingest::read_bundle;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Runs the subcommand; one line per bundle goes to `out`.
pub fn run(args: &IndexArgs, out: &mut dyn Write) -> Result<()> {
    let limits = limits_from(&args.limits)?;
    init_threads(args.limits.jobs)?;
    let as_of = as_of(args.as_of.as_deref())?;
    let rules = rules(args.rules.as_deref())?;
    let index = Index::open_or_create(&args.index)
        .with_context(|| format!("cannot open the index at {}", args.index.display()))?;
    let mut writer = index
        .writer()
        .with_context(|| format!("cannot write to the index at {}", args.index.display()))?;
    for path in &args.paths {
        for bundle_path in bundles_in(path)? {
            let bundle = read_bundle(&bundle_path, &limits)?;
            let assessment = certsift::rules::assess(&bundle, &rules, as_of);
            // One commit per bundle: an interrupted run keeps every bundle it reported.
            let passages = writer
                .replace_bundle(&bundle, &assessment, as_of)
                .and_then(|count| writer.commit().map(|()| count))
                .with_context(|| format!("cannot index {}", bundle_path.display()))?;
            writeln!(out, "indexed {}: {passages} passages", bundle.id)?;
        }
    }
    writer.finish().context("cannot finish the index")?;
    Ok(())
}

/// The bundles a PATH stands for: an inbox's bundles when `path` is a folder holding only
/// folders and zips (see [`inbox::as_inbox`]), otherwise `path` itself.
fn bundles_in(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let sources =
        inbox::as_inbox(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(match sources {
        Some(sources) => sources
            .into_iter()
            .filter_map(|s| match s.refused {
                None => Some(s.path),
                Some(why) => {
                    tracing::warn!("{}: not indexed: {why}", s.path.display());
                    None
                }
            })
            .collect(),
        None => vec![path.to_path_buf()],
    })
}
