//! `certsift search --index DIR [QUERY]`: print matching passages, best first. Human output is
//! bundle, file, location and a snippet with the matched words in bold (only on a terminal, so
//! pipes get plain text), then how many of how many were shown; `--json` prints one hit per
//! line. When the passages with every word run out, those with at least half of them follow,
//! and under `--clause` those that say the words but are not cited for the clause, under a
//! line saying so (`"partial": true` in JSON); `--exact` leaves them out. No hits:
//! "0 hits" on stderr and exit 1, as ripgrep does.

use super::Failure;
use super::args::SearchArgs;
use anyhow::{Context, Result};
use certsift::index::{Filters, Hit, Index};
use std::io::Write;

/// The `--json` line of one hit: the wire shape, kept apart from the library's [`Hit`].
#[derive(serde::Serialize)]
struct JsonHit<'a> {
    bundle: &'a str,
    file: &'a str,
    location: &'a certsift::model::Location,
    snippet: &'a str,
    highlights: Vec<[usize; 2]>,
    score: f32,
    partial: bool,
    indicators: &'a [certsift::model::IndicatorId],
    materials: &'a [certsift::model::MaterialId],
}

/// Runs the subcommand; output goes to `out`. Exit 1 with "0 hits" when nothing matches (as
/// ripgrep does), 2 when the search cannot run (no index, a bad query, an unknown filter value).
pub fn run(args: &SearchArgs, colour: bool, out: &mut dyn Write) -> Result<()> {
    let index = Index::open(&args.index)?;
    check_filters(args, &index)?;
    let filters = Filters {
        clause: args.clause.clone(),
        bundle: args.bundle.clone(),
        material: args.material.clone(),
    };
    let query = args.query.join(" ");
    let page = if args.exact {
        index.search_page(&query, &filters, args.offset, args.limit)
    } else {
        index.search_page_widened(&query, &filters, args.offset, args.limit)
    }
    .map_err(|e| Failure::new(2, format!("search failed: {e}")))?;
    let bold = !args.json && colour;
    let mut said_partial = false;
    for hit in &page.hits {
        if args.json {
            write_json(hit, out)?;
        } else {
            if hit.partial && !said_partial {
                let line = if args.clause.is_some() {
                    "—— 以下为部分匹配：只含查询中一半以上的词，或未被引为该条款的证据 (partial matches: at least half of the words, or not cited for the clause) ——"
                } else {
                    "—— 以下为部分匹配：只含查询中一半以上的词 (partial matches: at least half of the words) ——"
                };
                writeln!(out, "{line}")?;
                said_partial = true;
            }
            write_human(hit, bold, out)?;
        }
    }
    if page.total == 0 && page.partial_total == 0 {
        return Err(Failure::new(1, "0 条结果 (0 hits)".into()).into());
    }
    let partial = (page.partial_total > 0).then(|| {
        format!(
            "；另有 {} 条部分匹配 ({} partial matches; --exact leaves them out)",
            page.partial_total, page.partial_total
        )
    });
    let shown = count_line(&page, args.offset);
    let shown = format!("{shown}{}", partial.unwrap_or_default());
    // JSON lines stay one hit per line on stdout; the count goes beside them on stderr.
    if args.json {
        eprintln!("{shown}");
    } else {
        writeln!(out, "{shown}")?;
    }
    Ok(())
}

/// "N of M hits" for the full matches on this page (partial ones are counted apart).
fn count_line(page: &certsift::index::Page, offset: usize) -> String {
    let full_shown = page.hits.iter().filter(|h| !h.partial).count();
    let (first, last) = (offset + 1, offset + full_shown);
    if page.total == 0 {
        return "没有含全部词语的结果 (no passage has every word)".into();
    }
    if full_shown == 0 {
        format!(
            "第 {first} 条起没有结果，共 {} 条 (no hits after {}; {} in all)",
            page.total, offset, page.total
        )
    } else if full_shown < page.total {
        let more = if last < page.total {
            format!("; --offset {last} for more")
        } else {
            String::new()
        };
        format!(
            "第 {first}–{last} 条，共 {} 条 ({} of {} hits{more})",
            page.total, full_shown, page.total
        )
    } else {
        format!("共 {} 条 ({} hits)", page.total, page.total)
    }
}

/// Refuses a `--bundle`, `--clause` or `--material` that names nothing, listing what may be
/// named: an empty result would read as "no evidence" when the filter was mistyped. Clauses and
/// materials are the catalog's (a real one with no passage gives 0 hits); bundles the index's.
fn check_filters(args: &SearchArgs, index: &Index) -> Result<()> {
    let refuse = |what: &str, given: &str, valid: Vec<String>| -> anyhow::Error {
        Failure::new(
            2,
            format!(
                "{what} `{given}` 不存在 (unknown); 可用的有 (valid): {}",
                valid.join(", ")
            ),
        )
        .into()
    };
    if let Some(bundle) = &args.bundle {
        let bundles = index.bundles().context("cannot list the index's bundles")?;
        if !bundles.contains(bundle) {
            return Err(refuse("--bundle", bundle, bundles));
        }
    }
    if args.clause.is_none() && args.material.is_none() {
        return Ok(());
    }
    let rules = super::config::rules(None)?;
    if let Some(clause) = &args.clause {
        let wanted = clause.trim().trim_end_matches('.');
        let ids: Vec<String> = rules.indicators().iter().map(|i| i.id.0.clone()).collect();
        let known = ids
            .iter()
            .any(|id| id == wanted || id.starts_with(&format!("{wanted}.")));
        if !known {
            let top: Vec<String> = ids
                .into_iter()
                .filter(|id| id.matches('.').count() <= 1)
                .collect();
            return Err(refuse("--clause", clause, top));
        }
    }
    if let Some(material) = &args.material {
        let ids: Vec<String> = rules.materials().iter().map(|m| m.id.0.clone()).collect();
        if !ids.contains(material) {
            return Err(refuse("--material", material, ids));
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
        partial: hit.partial,
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
