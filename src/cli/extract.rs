//! `certsift extract PATH... [--json]`: the user's way to see exactly what certsift read.

use super::args::ExtractArgs;
use super::config::{init_threads, limits_from};
use anyhow::Result;
use certsift::ingest::read_inputs;
use certsift::model::{Document, FileStatus};
use certsift::report::extract::ExtractedFile;
use std::io::Write;

/// Runs the subcommand; output goes to `out`.
pub fn run(args: &ExtractArgs, out: &mut dyn Write) -> Result<()> {
    let limits = limits_from(&args.limits)?;
    init_threads(args.limits.jobs)?;
    let documents = read_inputs(&args.paths, &limits)?;
    for doc in &documents {
        if args.json {
            serde_json::to_writer(&mut *out, &ExtractedFile::from(doc))?;
            writeln!(out)?;
        } else {
            write_human(doc, args.brief, out)?;
        }
    }
    if !args.json {
        write_totals(&documents, out)?;
    }
    Ok(())
}

fn write_human(doc: &Document, brief: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let pages = doc
        .pages
        .map(|n| format!(", {n} pages"))
        .unwrap_or_default();
    writeln!(
        out,
        "{}  [{} · {} · {} passages{pages}]",
        doc.path,
        doc.kind,
        doc.status,
        doc.passages.len()
    )?;
    if let Some(error) = &doc.error {
        writeln!(out, "    ! {error}")?;
    }
    if !doc.ocr_pages.is_empty() && doc.status == FileStatus::Ok {
        writeln!(out, "    ! pages needing OCR: {:?}", doc.ocr_pages)?;
    }
    for note in &doc.notes {
        writeln!(out, "    · {note}")?;
    }
    if brief {
        return Ok(());
    }
    for passage in &doc.passages {
        let mut lines = passage.text.lines();
        let first = lines.next().unwrap_or("");
        let location = passage.location.to_string();
        writeln!(out, "    {location:>10}  {first}")?;
        for line in lines {
            writeln!(out, "    {:>10}  {line}", "")?;
        }
    }
    Ok(())
}

fn write_totals(documents: &[Document], out: &mut dyn Write) -> std::io::Result<()> {
    let mut by_status: std::collections::BTreeMap<FileStatus, usize> = Default::default();
    for doc in documents {
        *by_status.entry(doc.status).or_default() += 1;
    }
    let parts: Vec<String> = by_status
        .iter()
        .map(|(status, n)| format!("{n} {status}"))
        .collect();
    writeln!(out, "\n{} files: {}", documents.len(), parts.join(", "))
}
