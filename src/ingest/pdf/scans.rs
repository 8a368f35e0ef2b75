//! Scanned PDF pages read by OCR: the pages the walker found without a usable text layer
//! (`ocr_pages`) are decoded straight from their image XObjects ([`super::images`]) and read by
//! the OCR engine ([`crate::ingest::ocr`]), on every core, in page order.
//!
//! A page read this way leaves `ocr_pages`, and its lines join the page's passages after the
//! few characters its text layer had (page numbers). A page whose images are not a scan (a
//! logo, or vector text in fonts without a Unicode mapping) or cannot be decoded (JBIG2, JPX)
//! stays in `ocr_pages` with a note: rendering such pages is left to a later renderer.

use super::images::scan_of_page;
use crate::ingest::ocr::{self, OcrMode};
use crate::ingest::{Extracted, ReadContext, ReadError};
use lopdf::{Document, ObjectId};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Below this resolution a scan's small print (the USCC, dates) is often misread; 200 dpi is the
/// usual floor for archival scans of A4 documents.
const LOW_DPI: f32 = 150.0;

/// What OCR of one page gave.
enum Scanned {
    /// Its lines as passages, and notes.
    Read(Vec<crate::model::Passage>, Vec<String>),
    /// Not a scan OCR can read (the reason, for a note).
    NotRead(String),
    /// A limit or an engine failure that ends OCR of the file.
    Stop(ReadError),
}

/// OCRs `ex.ocr_pages` unless OCR is off; without an engine, says so in a note (the file then
/// stays `needs_ocr` with a message naming the setup script).
pub(super) fn read_scanned_pages(
    doc: &Document,
    pages: &BTreeMap<u32, ObjectId>,
    ex: &mut Extracted,
    ctx: &ReadContext,
) {
    // `--ocr force`: every page that shows a scan is read by OCR, its text layer (often a bad
    // OCR layer of another tool) replaced; pages without one keep their text.
    let force = ctx.limits.ocr == OcrMode::Force;
    let candidates: Vec<u32> = if force {
        pages
            .keys()
            .copied()
            .filter(|n| *n <= ctx.limits.max_pages)
            .collect()
    } else {
        ex.ocr_pages.clone()
    };
    if candidates.is_empty() || ctx.limits.ocr == OcrMode::Off {
        return;
    }
    let engine = match ocr::engine(ctx.limits.ocr_engine) {
        Ok(engine) => engine,
        Err(e) => {
            ex.notes
                .push(format!("扫描页未读取：{e} (scanned pages not read)"));
            return;
        }
    };
    let deadline = ctx.deadline();
    let results: Vec<(u32, Scanned)> = candidates
        .par_iter()
        .map(|&number| {
            let Some(&id) = pages.get(&number) else {
                return (
                    number,
                    Scanned::NotRead("找不到该页 (page not found)".into()),
                );
            };
            (number, scan_page(doc, id, number, engine, deadline, ctx))
        })
        .collect();
    let mut still = Vec::new();
    let mut read = BTreeMap::new();
    for (number, result) in results {
        match result {
            Scanned::Read(passages, notes) if passages.iter().all(|p| p.normalized.is_empty()) => {
                ex.notes.extend(notes);
                ex.notes.push(format!(
                    "第 {number} 页：OCR（{engine}）未在扫描件上识别出可辨认的文字 (page {number}: OCR found nothing legible on the scan)",
                    engine = engine.name()
                ));
                if ex.ocr_pages.contains(&number) {
                    still.push(number);
                }
            }
            Scanned::Read(passages, notes) => {
                ex.notes.extend(notes);
                read.insert(number, passages);
            }
            Scanned::NotRead(_) if force && !ex.ocr_pages.contains(&number) => {}
            Scanned::NotRead(why) => {
                ex.notes.push(format!("第 {number} 页：{why}"));
                still.push(number);
            }
            Scanned::Stop(e) => {
                if let ReadError::LimitExceeded(why) = &e {
                    ex.truncated.get_or_insert_with(|| why.clone());
                } else {
                    ex.notes.push(format!("第 {number} 页：{e}"));
                }
                if ex.ocr_pages.contains(&number) {
                    still.push(number);
                }
            }
        }
    }
    ex.ocr_pages = still;
    if force {
        // The text layer of a page OCR read is replaced, not doubled.
        ex.passages.retain(|p| match p.location {
            crate::model::Location::Page { page, .. } => !read.contains_key(&page),
            _ => true,
        });
    }
    merge_in_page_order(&mut ex.passages, read);
}

fn scan_page(
    doc: &Document,
    id: ObjectId,
    number: u32,
    engine: &dyn ocr::Engine,
    deadline: std::time::Instant,
    ctx: &ReadContext,
) -> Scanned {
    if let Err(e) = ctx.check_time() {
        return Scanned::Stop(e);
    }
    let scan = match scan_of_page(doc, id, ctx) {
        Ok(Some(scan)) => scan,
        Ok(None) => {
            return Scanned::NotRead(
                "该页没有覆盖整页的扫描图像（可能是字体缺少 Unicode 映射的文字），未进行 OCR (no scanned image covers the page: text in fonts without a Unicode mapping?; not read by OCR)".into(),
            );
        }
        Err(ReadError::LimitExceeded(why)) => return Scanned::Stop(ReadError::LimitExceeded(why)),
        Err(e) => return Scanned::NotRead(e.to_string()),
    };
    match ocr::read_page_cached(
        engine,
        &scan.image,
        deadline,
        ctx.limits.ocr_cache.as_deref(),
    ) {
        Ok(text) => {
            let mut notes = Vec::new();
            if let Some(dpi) = scan.dpi.filter(|dpi| *dpi < LOW_DPI) {
                notes.push(format!(
                    "第 {number} 页扫描分辨率低（约 {dpi:.0} dpi），OCR 可能认错小字 (page {number} was scanned at about {dpi:.0} dpi: OCR may misread small characters)"
                ));
            }
            let passages = ocr::page_passages(number, text, &mut notes);
            Scanned::Read(passages, notes)
        }
        Err(e) => Scanned::Stop(ocr::read_error(e, number, ctx)),
    }
}

/// Puts each page's OCR lines after that page's own passages, keeping every other order.
fn merge_in_page_order(
    passages: &mut Vec<crate::model::Passage>,
    mut read: BTreeMap<u32, Vec<crate::model::Passage>>,
) {
    if read.is_empty() {
        return;
    }
    let page_of = |p: &crate::model::Passage| p.location.page_number().unwrap_or(0);
    let old = std::mem::take(passages);
    let mut old = old.into_iter().peekable();
    let numbers: Vec<u32> = read.keys().copied().collect();
    for number in numbers {
        while let Some(p) = old.next_if(|p| page_of(p) <= number) {
            passages.push(p);
        }
        passages.extend(read.remove(&number).unwrap_or_default());
    }
    passages.extend(old);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Location, Passage};

    #[test]
    fn ocr_lines_go_after_their_page_and_before_the_next() {
        let page = |text: &str, page: u32| Passage::new(text, Location::page(page));
        let line = |text: &str, page: u32| {
            Passage::new(
                text,
                Location::OcrLine {
                    page,
                    line: 1,
                    bbox: [0, 0, 1, 1],
                },
            )
        };
        let mut passages = vec![page("一", 1), page("- 2 -", 2), page("三", 3)];
        let read = BTreeMap::from([(2, vec![line("扫描", 2)]), (4, vec![line("四", 4)])]);
        merge_in_page_order(&mut passages, read);
        let texts: Vec<_> = passages.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["一", "- 2 -", "扫描", "三", "四"]);
    }
}
