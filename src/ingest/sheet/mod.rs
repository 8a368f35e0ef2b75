//! Spreadsheet reader (xlsx, xls BIFF5–8, ods) on calamine: every non-empty row of every sheet
//! becomes one [`Passage`](crate::model::Passage) located by sheet name and A1 range, with the
//! table's header row carried in [`Passage::headings`](crate::model::Passage::headings) so later
//! stages know what a column means.
//!
//! Why it looks the way it does (each point is one module's job):
//! - **Values as a reviewer reads them** ([`values`]): dates become ISO dates, never serial
//!   numbers; numbers print as Excel shows them.
//! - **Things a reviewer must know** go into notes ([`state`]): hidden sheets, formulas saved
//!   without a cached value, numbers whose precision the file may already have lost.
//! - **Hostile files end quickly** ([`guards`], [`formats`]): xlsx is streamed cell by cell;
//!   ods and xls, whose calamine readers build a dense grid up front, are measured first and
//!   refused when the grid would exceed `max_cells`. Cells visited, passages and wall time are
//!   checked against [`super::Limits`].
//! - **Rows as passages** ([`rows`]): one passage per non-empty row, the sheet's title lines and
//!   header row carried into the headings of the rows below them.
//!
//! - **Pictures on the sheets** ([`pictures`], xlsx only): followed from each sheet's drawing and
//!   read by OCR after the rows, located at their sheet and anchor cell.
//!
//! This module is the entry point: it refuses encrypted packages and dispatches on the sniffed
//! kind to the format reader, then turns the cells gathered into passages and notes.

mod formats;
mod guards;
mod pictures;
mod rows;
mod state;
mod values;

#[cfg(test)]
mod test_support;

use super::ocr::embedded::read_pictures;
use super::{Extracted, ReadContext, ReadError, sniff};
use crate::model::FileKind;
use formats::{read_ods, read_xls, read_xlsb, read_xlsx};
use state::State;

/// Reads a workbook into row passages. `kind` is the sniffed kind (Xlsx, Xlsb, Xls or Ods); other kinds
/// are refused as unsupported.
pub fn read(kind: FileKind, bytes: &[u8], ctx: &ReadContext) -> Result<Extracted, ReadError> {
    if sniff::is_encrypted_ooxml(bytes) {
        return Err(ReadError::Encrypted(
            "Excel 工作簿已加密（加密的 OOXML 包），请申请方提供未加密的副本 (password-protected Excel workbook: ask the applicant for an unprotected copy)"
                .into(),
        ));
    }
    let mut state = State::new(ctx);
    let sheets = match kind {
        FileKind::Xlsx => read_xlsx(bytes, &mut state)?,
        FileKind::Xlsb => read_xlsb(bytes, &mut state)?,
        FileKind::Xls => read_xls(bytes, &mut state)?,
        FileKind::Ods => read_ods(bytes, &mut state)?,
        other => {
            return Err(ReadError::Unsupported(format!(
                "电子表格读取程序不读取 {other} 文件 (the spreadsheet reader does not read {other} files)"
            )));
        }
    };
    let mut out = state.finish(sheets)?;
    if kind == FileKind::Xlsx && out.truncated.is_none() {
        let found = pictures::workbook_pictures(bytes, ctx, &mut out);
        read_pictures(found, ctx, &mut out);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::rows::a1;
    use super::test_support::*;
    use super::*;
    use std::collections::BTreeMap;
    use std::time::{Duration, Instant};

    /// Recall of the reference CSV's Han characters in our passages (multiset, per character).
    fn han_recall(ours: &str, reference: &str) -> Option<f64> {
        let count = |s: &str| {
            let mut m: BTreeMap<char, usize> = BTreeMap::new();
            for c in s.chars().filter(|&c| crate::normalize::is_han(c)) {
                *m.entry(c).or_default() += 1;
            }
            m
        };
        let (a, b) = (count(ours), count(reference));
        let total: usize = b.values().sum();
        if total == 0 {
            return None;
        }
        let hit: usize = b
            .iter()
            .map(|(c, n)| (*n).min(a.get(c).copied().unwrap_or(0)))
            .sum();
        Some(hit as f64 / total as f64)
    }

    #[test]
    fn realworld_sheets() {
        let Some(dir) = crate::ingest::test_support::shared_corpus("realworld_sheets", "sheets")
        else {
            return;
        };
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .expect("corpus folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| !p.to_string_lossy().ends_with(".csv"))
            .collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let kind = sniff::sniff(&name, &bytes);
            let started = Instant::now();
            // A file the sniffer does not take for a workbook is still given to the reader the
            // extension names, to check it fails in words.
            let kind = match (kind, sniff::kind_from_extension(&name)) {
                (FileKind::Xlsx | FileKind::Xlsb | FileKind::Xls | FileKind::Ods, _) => kind,
                (_, Some(claimed)) => claimed,
                (other, None) => other,
            };
            let result = read(kind, &bytes, &ctx());
            let elapsed = started.elapsed();
            assert!(elapsed < Duration::from_secs(10), "{name} took {elapsed:?}");
            let reference = std::fs::read_to_string(format!("{}.ref.csv", path.display())).ok();
            match &result {
                Ok(x) => {
                    let first_sheet = x.passages.first().map(|p| cell_of(p).0.to_string());
                    let ours: String = x
                        .passages
                        .iter()
                        .filter(|p| Some(cell_of(p).0.to_string()) == first_sheet)
                        .map(|p| p.text.as_str())
                        .collect::<Vec<_>>()
                        .join("\n");
                    let recall = reference.as_deref().and_then(|r| han_recall(&ours, r));
                    println!(
                        "{name}: ok kind={kind} rows={} sheets={:?} han_recall={} notes={} truncated={:?} {:?}",
                        x.passages.len(),
                        x.pages,
                        recall.map_or("-".into(), |r| format!("{r:.3}")),
                        x.notes.len(),
                        x.truncated,
                        elapsed
                    );
                    for n in &x.notes {
                        println!("    note: {n}");
                    }
                    for p in x.passages.iter().take(3) {
                        println!("    {} {:?} {:?}", p.location, p.text, p.headings);
                    }
                    if let Some(r) = recall {
                        assert!(r >= 0.98, "{name}: Han recall {r:.3}");
                    }
                }
                Err(e) => {
                    println!("{name}: {} kind={kind} ({e}) {elapsed:?}", e.status());
                    assert!(
                        reference.is_none() || name.contains("OOM"),
                        "{name}: has a reference but failed: {e}"
                    );
                }
            }
        }
    }

    /// Speed: 10,000 rows × 10 columns generated in memory. Run in release with
    /// `cargo test --release --lib sheet::tests::speed -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn speed_100k_cells() {
        let mut rows = String::new();
        rows.push_str(&row(
            1,
            &(0..10)
                .map(|c| t(&a1(0, c), &format!("列{c}")))
                .collect::<Vec<_>>(),
        ));
        for r in 1..=10_000u32 {
            let cells: Vec<String> = (0..10u32)
                .map(|c| {
                    let at = a1(r, c);
                    if c % 2 == 0 {
                        t(&at, &format!("网点{r}-{c}"))
                    } else {
                        n(&at, &format!("{}.5", r * c), 0)
                    }
                })
                .collect();
            rows.push_str(&row(r + 1, &cells));
        }
        let bytes = xlsx(&[sheet("Sheet1", rows)]);
        let c = ctx();
        let started = Instant::now();
        let cells = read_xlsx(&bytes, &mut State::new(&c)).expect("reads");
        println!(
            "100k-cell xlsx: calamine streaming + value formatting {:?} ({} sheet)",
            started.elapsed(),
            cells.len()
        );
        let started = Instant::now();
        let x = read(FileKind::Xlsx, &bytes, &ctx()).expect("reads");
        println!(
            "100k-cell xlsx ({} bytes): {} passages in {:?}",
            bytes.len(),
            x.passages.len(),
            started.elapsed()
        );
        assert_eq!(x.passages.len(), 10_001);
    }
}
