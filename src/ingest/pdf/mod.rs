//! PDF reader: bytes → one passage per text block of each page, in reading order.
//!
//! Why not lopdf's `extract_text` (see `research/crates.md` §1): it has no line structure, keeps
//! drawing order, fails on `GBK-EUC-H` and emits junk for `Identity-H` without ToUnicode. We use
//! lopdf only to parse the file and the content streams, and do the rest here:
//! - [`fonts`]: codes → Unicode for every CJK font setup (ToUnicode, predefined CMaps decoded by
//!   charset with `encoding_rs`, Adobe CID tables for non-embedded Identity fonts), and widths;
//! - [`walker`]: a bounded content-stream interpreter that places text on the page;
//! - [`layout`]: lines and blocks in reading order.
//!
//! Pages whose only text is unmappable (or that only draw images) are listed in `ocr_pages`
//! instead of yielding junk; a damaged page is noted and skipped; a password-protected file is
//! [`ReadError::Encrypted`].

mod cid2unicode;
mod fonts;
mod layout;
mod walker;

use super::{Extracted, ReadContext, ReadError};
use crate::model::{Location, Passage};
use lopdf::Document;

/// Largest decompressed content of one page (a decompression-bomb guard).
const MAX_PAGE_CONTENT: usize = 64 * 1024 * 1024;

/// Reads a PDF into page passages (one per text block), listing pages without usable text in
/// `ocr_pages`. Errors: [`ReadError::Encrypted`] when a user password is needed,
/// [`ReadError::Corrupt`] when the file cannot be parsed, [`ReadError::LimitExceeded`] when the
/// time limit ends reading before any text was read.
pub fn read(bytes: &[u8], ctx: &ReadContext) -> Result<Extracted, ReadError> {
    let doc = Document::load_mem(bytes).map_err(|e| corrupt_message(&e))?;
    if doc.is_encrypted() {
        return Err(ReadError::Encrypted(
            "the PDF is password-protected: a user password is needed to open it".into(),
        ));
    }
    let mut ex = Extracted::default();
    if doc.xref_recovery.is_some() {
        ex.notes
            .push("the PDF's cross-reference table was damaged and has been rebuilt".into());
    }
    ctx.check_time()?;
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(ReadError::Corrupt(
            "the PDF has no readable pages (its page tree is missing or damaged)".into(),
        ));
    }
    ex.pages = Some(u32::try_from(pages.len()).unwrap_or(u32::MAX));
    let mut walker = walker::Walker::new(&doc);
    for (&number, &id) in &pages {
        if number > ctx.limits.max_pages {
            ex.truncated = Some(format!(
                "the PDF has {} pages; only the first {} were read",
                pages.len(),
                ctx.limits.max_pages
            ));
            break;
        }
        if let Err(e) = ctx.check_time() {
            return stop_on_time(ex, e, number);
        }
        let content = match doc.get_page_content_with_limit(id, MAX_PAGE_CONTENT) {
            Ok(c) => c,
            Err(e) => {
                ex.notes
                    .push(format!("page {number} could not be read: {e}"));
                continue;
            }
        };
        let page = match walker.page(id, &content, ctx) {
            Ok(p) => p,
            Err(e @ ReadError::LimitExceeded(_)) => return stop_on_time(ex, e, number),
            Err(e) => {
                ex.notes.push(format!("page {number} could not be read: {e}"));
                continue;
            }
        };
        if page.truncated {
            ex.notes.push(format!(
                "page {number} has too many drawing operators; only its beginning was read"
            ));
        }
        let blocks = layout::blocks(&page);
        if blocks.is_empty() {
            if page.has_images || page.unusable_glyphs > 0 {
                ex.ocr_pages.push(number);
            }
            continue;
        }
        ex.passages.extend(
            blocks
                .into_iter()
                .map(|b| Passage::new(b, Location::Page { page: number })),
        );
    }
    Ok(ex)
}

/// The time limit struck while reading page `page`: keep what was read, if anything.
fn stop_on_time(mut ex: Extracted, err: ReadError, page: u32) -> Result<Extracted, ReadError> {
    if ex.passages.is_empty() {
        return Err(err);
    }
    ex.truncated = Some(format!("{err}; pages from {page} on were not read"));
    Ok(ex)
}

fn corrupt_message(e: &lopdf::Error) -> ReadError {
    use lopdf::Error as E;
    match e {
        E::Decryption(_) | E::InvalidPassword => ReadError::Encrypted(
            "the PDF is password-protected: a user password is needed to open it".into(),
        ),
        _ => ReadError::Corrupt(format!(
            "the PDF is damaged and cannot be parsed ({e})"
        )),
    }
}
