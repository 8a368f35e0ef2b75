//! `certsift search --index DIR [QUERY]`: print matching passages, best first. Human output is
//! bundle, file, location and a snippet with the matched words in bold (only on a terminal, so
//! pipes get plain text); `--json` prints one hit per line. No hits: no output, success.

use super::args::SearchArgs;
use anyhow::{Context, Result};
use certsift::index::{Filters, Hit, Index};
use std::io::{IsTerminal, Write};

/// The `--json` line of one hit: the wire shape, kept apart from the library's [`Hit`].
#[derive(serde::Serialize)]
struct JsonHit<'a> {
    bundle: &'a str,
    file: &'a str,
    location: &'a certsift::model::Location,
    snippet: &'a str,
    highlights: Vec<[usize; 2]>,
    score: f32,
    indicators: &'a [certsift::model::IndicatorId],
    materials: &'a [certsift::model::MaterialId],
}

/// Runs the subcommand; output goes to `out`.
pub fn run(args: &SearchArgs, out: &mut dyn Write) -> Result<()> {
    let index = Index::open(&args.index)?;
    let filters = Filters {
        clause: args.clause.clone(),
        bundle: args.bundle.clone(),
        material: args.material.clone(),
    };
    let hits = index
        .search(&args.query.join(" "), &filters, args.limit)
        .context("search failed")?;
    let bold = !args.json && std::io::stdout().is_terminal();
    for hit in &hits {
        if args.json {
            write_json(hit, out)?;
        } else {
            write_human(hit, bold, out)?;
        }
    }
    Ok(())
}

fn write_json(hit: &Hit, out: &mut dyn Write) -> Result<()> {
    let line = JsonHit {
        bundle: &hit.bundle,
        file: &hit.file,
        location: &hit.location,
        snippet: &hit.snippet,
        highlights: hit.highlights.iter().map(|r| [r.start, r.end]).collect(),
        score: hit.score,
        indicators: &hit.indicators,
        materials: &hit.materials,
    };
    serde_json::to_writer(&mut *out, &line)?;
    writeln!(out)?;
    Ok(())
}

fn write_human(hit: &Hit, bold: bool, out: &mut dyn Write) -> Result<()> {
    write!(out, "{}  {}  {}", hit.bundle, hit.file, hit.location)?;
    if !hit.indicators.is_empty() {
        let ids: Vec<&str> = hit.indicators.iter().map(|i| i.0.as_str()).collect();
        write!(out, "  [{}]", ids.join(", "))?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "    {}",
        highlight(&hit.snippet, &hit.highlights, bold)
    )?;
    Ok(())
}

/// The snippet with its highlight ranges wrapped in ANSI bold when `bold`; a range that is not
/// on char boundaries (never expected) is left unmarked rather than cutting a character.
fn highlight(snippet: &str, ranges: &[std::ops::Range<usize>], bold: bool) -> String {
    if !bold {
        return snippet.to_string();
    }
    let mut out = String::with_capacity(snippet.len() + ranges.len() * 8);
    let mut at = 0;
    for range in ranges {
        let (Some(before), Some(marked)) =
            (snippet.get(at..range.start), snippet.get(range.clone()))
        else {
            continue;
        };
        out.push_str(before);
        out.push_str("\x1b[1m");
        out.push_str(marked);
        out.push_str("\x1b[0m");
        at = range.end;
    }
    out.push_str(snippet.get(at..).unwrap_or_default());
    out
}
