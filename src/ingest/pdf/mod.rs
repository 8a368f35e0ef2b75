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
mod headings;
pub(crate) mod images;
mod layout;
mod scans;
mod tounicode;
mod walker;

// The OFD reader lays its glyph runs out the same way (`ingest/ofd`).
pub(crate) use layout::blocks;
pub(crate) use walker::{PageText, Run};

use super::{Extracted, ReadContext, ReadError};
use crate::model::{Location, Passage};
use lopdf::Document;
use rayon::prelude::*;

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
            "PDF 已加密，需要用户密码才能打开 (the PDF is password-protected: a user password is needed to open it)".into(),
        ));
    }
    let mut ex = Extracted::default();
    if doc.xref_recovery.is_some() {
        ex.notes
            .push("PDF 的交叉引用表已损坏，已重建 (the PDF's cross-reference table was damaged and has been rebuilt)".into());
    }
    ctx.check_time()?;
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(ReadError::Corrupt(
            "PDF 没有可读取的页（页面树缺失或已损坏） (the PDF has no readable pages: its page tree is missing or damaged)".into(),
        ));
    }
    ex.pages = Some(u32::try_from(pages.len()).unwrap_or(u32::MAX));
    let wanted: Vec<(u32, lopdf::ObjectId)> = pages
        .iter()
        .map(|(&number, &id)| (number, id))
        .filter(|(number, _)| *number <= ctx.limits.max_pages)
        .collect();
    if wanted.len() < pages.len() {
        ex.truncated = Some(format!(
            "PDF 共 {total} 页，超出页数限制，只读取了前 {max} 页 (the PDF has {total} pages; only the first {max} were read)",
            total = pages.len(),
            max = ctx.limits.max_pages
        ));
    }
    // Pages are independent once the document is parsed, so a long audit report is read on
    // every core (one walker, with its font cache, per worker); results merge in page order.
    let results: Vec<PageResult> = wanted
        .par_iter()
        .map_init(
            || walker::Walker::new(&doc),
            |walker, &(number, id)| read_page(&doc, walker, number, id, ctx),
        )
        .collect();
    let mut undecodable_pages = 0usize;
    // (page, type size) of each passage read so far, all text blocks: for the headings.
    let mut block_sizes: Vec<(u32, f32)> = Vec::new();
    for (result, &(number, _)) in results.into_iter().zip(&wanted) {
        match result {
            PageResult::OutOfTime(e) => return stop_on_time(ex, e, number),
            PageResult::Read {
                undecodable,
                notes,
                needs_ocr,
                limited,
                passages,
                sizes,
            } => {
                undecodable_pages += usize::from(undecodable);
                // A limit that cut a page makes the file `limit_exceeded`, whatever was read
                // (neither `empty` nor `needs_ocr`: the reviewer must know text may be missing).
                if let Some(why) = limited {
                    ex.truncated.get_or_insert(why);
                }
                ex.notes.extend(notes);
                if needs_ocr {
                    ex.ocr_pages.push(number);
                }
                ex.passages.extend(passages);
                block_sizes.extend(sizes.into_iter().map(|size| (number, size)));
            }
        }
    }
    give_headings(&mut ex.passages, &block_sizes);
    if ex.passages.is_empty() && ex.ocr_pages.is_empty() && undecodable_pages == pages.len() {
        // Seen on `pdfjs-issue7665.pdf` (AES-256 R6, empty user password): lopdf opens the
        // file but every content stream comes out undecodable. Saying "empty" would tell the
        // reviewer the applicant sent a blank file.
        return Err(ReadError::Corrupt(
            "所有页的内容都无法解码（数据流已损坏，或使用了 certsift 无法解密的加密方式）；请在 PDF 阅读器中打开后另存或打印为 PDF (no page's content could be decoded: damaged streams, or an encryption variant certsift cannot decrypt; open it in a PDF viewer and re-save or print to PDF)".into(),
        ));
    }
    scans::read_scanned_pages(&doc, &pages, &mut ex, ctx);
    Ok(ex)
}

/// What reading one page gave.
enum PageResult {
    /// The time limit struck on this page.
    OutOfTime(ReadError),
    /// The page was read (possibly with nothing usable on it).
    Read {
        /// Its content stream exists but decodes to nothing.
        undecodable: bool,
        /// Findings for the reviewer.
        notes: Vec<String>,
        /// The page has no usable text layer.
        needs_ocr: bool,
        /// Why a limit cut the page (operators, text, content size, a font's ToUnicode map).
        limited: Option<String>,
        /// Its text blocks, in reading order.
        passages: Vec<Passage>,
        /// Each block's type size (for [`headings`]).
        sizes: Vec<f32>,
    },
}

/// Reads page `number`: decode its content (bounded), walk it, lay out its text blocks.
fn read_page(
    doc: &Document,
    walker: &mut walker::Walker<'_>,
    number: u32,
    id: lopdf::ObjectId,
    ctx: &ReadContext,
) -> PageResult {
    let mut notes = Vec::new();
    let mut undecodable = false;
    if let Err(e) = ctx.check_time() {
        return PageResult::OutOfTime(e);
    }
    let mut limited: Option<String> = None;
    let done = |notes, undecodable, needs_ocr, limited, blocks: Vec<(Passage, f32)>| {
        let (passages, sizes) = blocks.into_iter().unzip();
        PageResult::Read {
            undecodable,
            notes,
            needs_ocr,
            limited,
            passages,
            sizes,
        }
    };
    let content = match doc.get_page_content_with_limit(id, MAX_PAGE_CONTENT) {
        Ok(c) => c,
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
            let why = format!(
                "第 {number} 页的内容解压后超过 {mib} MiB（每页上限），未读取 (page {number}'s content decompresses to more than {mib} MiB, the limit per page; it was not read)",
                mib = MAX_PAGE_CONTENT / (1024 * 1024)
            );
            return done(notes, false, false, Some(why), Vec::new());
        }
        Err(e) => {
            notes.push(format!(
                "第 {number} 页无法读取：{e} (page {number} could not be read)"
            ));
            return done(notes, false, false, None, Vec::new());
        }
    };
    if content.iter().all(u8::is_ascii_whitespace)
        && doc
            .get_dictionary(id)
            .is_ok_and(|d| d.get(b"Contents").is_ok())
    {
        undecodable = true;
        notes.push(format!(
            "第 {number} 页的内容流无法解码（已损坏或无法解密） (page {number}: its content stream could not be decoded, damaged or undecryptable)"
        ));
    }
    let page = match walker.page(id, &content, ctx) {
        Ok(p) => p,
        Err(e @ ReadError::LimitExceeded(_)) => return PageResult::OutOfTime(e),
        Err(e) => {
            notes.push(format!(
                "第 {number} 页无法读取：{e} (page {number} could not be read)"
            ));
            return done(notes, undecodable, false, None, Vec::new());
        }
    };
    if page.truncated {
        limited = Some(format!(
            "第 {number} 页过大（绘图指令或文字过多），只读取了开头部分 (page {number} is too large: too many drawing operators or too much text; only its beginning was read)"
        ));
    }
    if let Some(why) = &page.limited {
        limited.get_or_insert_with(|| format!("第 {number} 页：{why}"));
    }
    let blocks = layout::blocks(&page);
    if blocks.is_empty() {
        let needs_ocr = page.has_images || page.unusable_glyphs > 0;
        return done(notes, undecodable, needs_ocr, limited, Vec::new());
    }
    let mut needs_ocr = false;
    if page.unusable_glyphs > 0 {
        // A page whose Chinese sits in an unmappable font but whose digits and Latin come
        // from a normal one (`fixtures/hard/pdf-identity-no-tounicode.pdf`) has text, yet a
        // reviewer would miss most of it: when a third or more of its glyphs are unusable,
        // the page needs OCR all the same.
        let usable: usize = blocks
            .iter()
            .map(|b| b.text.chars().filter(|c| !c.is_whitespace()).count())
            .sum();
        needs_ocr = page.unusable_glyphs * 2 >= usable;
        notes.push(format!(
            "第 {number} 页：{} 个字形所用字体没有可用的 Unicode 映射，已跳过（OCR 可以识别） (page {number}: glyph(s) in fonts without a usable Unicode mapping were skipped)",
            page.unusable_glyphs
        ));
    }
    let (left, top) = images::display_top_left(doc, id);
    let passages = blocks
        .into_iter()
        .map(|b| {
            let location = Location::Page {
                page: number,
                lines: Some(b.lines),
                bbox: Some(b.bbox_from(left, top)),
            };
            let size = b.size;
            (Passage::new(b.text, location), size)
        })
        .collect();
    done(notes, undecodable, needs_ocr, limited, passages)
}

/// Gives the text blocks their heading paths ([`headings`]) from their type sizes: one
/// `(page, size)` per passage, as the pages' blocks were appended (OCR lines come later).
fn give_headings(passages: &mut [Passage], block_sizes: &[(u32, f32)]) {
    debug_assert_eq!(passages.len(), block_sizes.len());
    let mut sized: Vec<headings::Sized<'_>> = passages
        .iter_mut()
        .zip(block_sizes)
        .map(|(passage, &(page, size))| headings::Sized {
            passage,
            page,
            size,
        })
        .collect();
    headings::assign(&mut sized);
}

/// The time limit struck while reading page `page`: keep what was read, if anything.
fn stop_on_time(mut ex: Extracted, err: ReadError, page: u32) -> Result<Extracted, ReadError> {
    if ex.passages.is_empty() {
        return Err(err);
    }
    ex.truncated = Some(format!(
        "{err}；第 {page} 页及以后未读取 (pages from {page} on were not read)"
    ));
    Ok(ex)
}

fn corrupt_message(e: &lopdf::Error) -> ReadError {
    use lopdf::Error as E;
    match e {
        E::Decryption(_) | E::InvalidPassword => ReadError::Encrypted(
            "PDF 已加密，需要用户密码才能打开 (the PDF is password-protected: a user password is needed to open it)".into(),
        ),
        _ => ReadError::Corrupt(format!("PDF 文件已损坏，无法解析：{e} (the PDF is damaged and cannot be parsed)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Limits;
    use crate::model::FileStatus;
    use crate::normalize::is_han;
    use lopdf::{Dictionary, Object, Stream, dictionary};
    use std::collections::HashMap;
    use std::time::{Duration, Instant};
    use unicode_normalization::UnicodeNormalization;

    fn ctx() -> ReadContext {
        ReadContext::new(Limits::default())
    }

    /// A one-page PDF drawing `content` with the fonts `fonts` (resource name → font dict) and
    /// the XObjects `xobjects`; `build` may add more objects first.
    fn pdf_with(
        content: &[u8],
        fonts: Vec<(&str, Dictionary)>,
        build: impl FnOnce(&mut lopdf::Document, &mut Dictionary),
    ) -> Vec<u8> {
        let mut doc = lopdf::Document::with_version("1.5");
        let mut font_res = Dictionary::new();
        for (name, font) in fonts {
            let id = doc.add_object(font);
            font_res.set(name, id);
        }
        let mut resources = dictionary! { "Font" => font_res };
        build(&mut doc, &mut resources);
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.to_vec()));
        let pages_id = doc.new_object_id();
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Contents" => content_id,
            "Resources" => resources,
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => vec![page_id.into()],
                "Count" => 1,
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).expect("save");
        out
    }

    fn pdf(content: &[u8], fonts: Vec<(&str, Dictionary)>) -> Vec<u8> {
        pdf_with(content, fonts, |_, _| {})
    }

    fn type0(encoding: &str, cid_font: Dictionary) -> Dictionary {
        dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "BaseFont" => "STSong-Light",
            "Encoding" => encoding,
            "DescendantFonts" => vec![Object::Dictionary(cid_font)],
        }
    }

    fn cid_font(ordering: &str, embedded: Option<Object>) -> Dictionary {
        let mut descriptor =
            dictionary! { "Type" => "FontDescriptor", "FontName" => "STSong-Light" };
        if let Some(f) = embedded {
            descriptor.set("FontFile2", f);
        }
        dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType2",
            "BaseFont" => "STSong-Light",
            "CIDSystemInfo" => dictionary! {
                "Registry" => Object::string_literal("Adobe"),
                "Ordering" => Object::string_literal(ordering),
                "Supplement" => 4,
            },
            "FontDescriptor" => descriptor,
            "DW" => 1000,
        }
    }

    /// `F1`: a non-embedded Adobe-GB1 font with the UCS-2 CMap, so text is hex UTF-16.
    fn gb_font() -> Vec<(&'static str, Dictionary)> {
        vec![("F1", type0("UniGB-UCS2-H", cid_font("GB1", None)))]
    }

    /// A page showing codes 1 to 4 in an embedded Identity-H font of the given CID ordering,
    /// with the given ToUnicode CMap if any.
    fn embedded_identity_pdf(ordering: &str, to_unicode: Option<&[u8]>) -> Vec<u8> {
        pdf_with(
            b"BT /F1 12 Tf 72 700 Td <0001000200030004> Tj ET",
            vec![],
            |doc, res| {
                let ff = doc.add_object(Stream::new(dictionary! {}, b"fontdata".to_vec()));
                let mut font = type0("Identity-H", cid_font(ordering, Some(ff.into())));
                if let Some(cmap) = to_unicode {
                    let tu = doc.add_object(Stream::new(dictionary! {}, cmap.to_vec()));
                    font.set("ToUnicode", tu);
                }
                let id = doc.add_object(font);
                res.set("Font", dictionary! { "F1" => id });
            },
        )
    }

    fn texts(ex: &Extracted) -> Vec<String> {
        ex.passages.iter().map(|p| p.text.clone()).collect()
    }

    fn all_text(ex: &Extracted) -> String {
        texts(ex).join("\n")
    }

    const TO_UNICODE: &[u8] = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
        /CMapName /Test def 1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
        2 beginbfchar <0001> <4E2D> <0002> <6587> endbfchar\n\
        1 beginbfrange <0003> <0004> <552E> endbfrange\n\
        endcmap CMapName currentdict /CMap defineresource pop end end";

    /// Issue 11: a ToUnicode range of every 4-byte code ran past the file's time limit in
    /// lopdf and the file came out `needs_ocr`. Our CMap cuts the range at once; the file is
    /// `limit_exceeded` with its text read.
    #[test]
    fn a_to_unicode_range_of_every_code_is_cut_and_the_file_is_limit_exceeded() {
        let mut cmap = TO_UNICODE.to_vec();
        cmap.extend_from_slice(b"\n1 beginbfrange <00000000> <FFFFFFFF> <0041> endbfrange\n");
        let bytes = embedded_identity_pdf("Identity", Some(&cmap));
        let limits = Limits {
            max_file_time: Duration::from_secs(5),
            ..Limits::default()
        };
        let started = Instant::now();
        let doc = crate::ingest::read_isolated("a.pdf", &bytes, &ReadContext::new(limits));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(doc.status, FileStatus::LimitExceeded, "{:?}", doc.error);
        assert!(
            doc.error
                .as_deref()
                .is_some_and(|e| e.contains("ToUnicode")),
            "{:?}",
            doc.error
        );
        let text: Vec<&str> = doc.passages.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(text, ["中文售唯"]);
    }

    /// A page cut by the operator cap was `empty` when the cut came before any text; it is a
    /// limit, so `limit_exceeded`.
    #[test]
    fn a_page_cut_by_the_operator_cap_is_limit_exceeded_not_empty() {
        let content = b"n ".repeat(walker::MAX_OPS + 10);
        let bytes = pdf(&content, gb_font());
        let doc = crate::ingest::read_isolated("a.pdf", &bytes, &ctx());
        assert_eq!(doc.status, FileStatus::LimitExceeded, "{:?}", doc.error);
        assert!(
            doc.error
                .as_deref()
                .is_some_and(|e| e.contains("too large")),
            "{:?}",
            doc.error
        );
    }

    /// A page whose content decompresses past the content cap is not read: a limit, so
    /// `limit_exceeded`, not `empty`.
    #[test]
    fn a_page_over_the_content_cap_is_limit_exceeded_not_empty() {
        let content = b"n ".repeat(MAX_PAGE_CONTENT / 2 + 1024);
        let bytes = pdf_with(b"", vec![], |doc, res| {
            let mut stream = Stream::new(dictionary! {}, content.clone());
            stream.compress().expect("compress");
            let id = doc.add_object(stream);
            res.set("Big", id);
        });
        // Point the page's contents at the compressed stream.
        let mut doc = lopdf::Document::load_mem(&bytes).expect("load");
        let page = *doc.get_pages().values().next().expect("page");
        let big = doc
            .get_dictionary(page)
            .and_then(|d| d.get(b"Resources"))
            .and_then(Object::as_dict)
            .and_then(|r| r.get(b"Big"))
            .and_then(Object::as_reference)
            .expect("big stream");
        doc.get_object_mut(page)
            .and_then(Object::as_dict_mut)
            .expect("page dict")
            .set("Contents", big);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).expect("save");
        assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
        let doc = crate::ingest::read_isolated("a.pdf", &bytes, &ctx());
        assert_eq!(doc.status, FileStatus::LimitExceeded, "{:?}", doc.error);
        assert!(
            doc.error.as_deref().is_some_and(|e| e.contains("MiB")),
            "{:?}",
            doc.error
        );
    }

    #[test]
    fn identity_h_with_to_unicode() {
        let bytes = embedded_identity_pdf("Identity", Some(TO_UNICODE));
        let ex = read(&bytes, &ctx()).expect("read");
        assert_eq!(texts(&ex), vec!["中文售唯"]);
        assert_eq!(ex.pages, Some(1));
        assert!(ex.ocr_pages.is_empty());
    }

    #[test]
    fn unigb_ucs2_without_to_unicode() {
        let bytes = pdf(
            b"BT /F1 12 Tf 72 700 Td <552E540E670D52A1> Tj ET",
            gb_font(),
        );
        assert_eq!(
            texts(&read(&bytes, &ctx()).expect("read")),
            vec!["售后服务"]
        );
    }

    #[test]
    fn gbk_euc_h_bytes_decode() {
        let font = type0("GBK-EUC-H", cid_font("GB1", None));
        let (gbk, _, _) = encoding_rs::GBK.encode("GB/T 27922售后服务认证");
        let mut content = b"BT /F1 12 Tf 72 700 Td <".to_vec();
        content.extend(hex::encode(&gbk).into_bytes());
        content.extend(b"> Tj ET");
        let ex = read(&pdf(&content, vec![("F1", font)]), &ctx()).expect("read");
        assert_eq!(texts(&ex), vec!["GB/T 27922售后服务认证"]);
    }

    #[test]
    fn big5_shift_jis_and_euc_kr_cmaps() {
        for (cmap, ordering, enc, text) in [
            ("ETen-B5-H", "CNS1", encoding_rs::BIG5, "售後服務"),
            ("90ms-RKSJ-H", "Japan1", encoding_rs::SHIFT_JIS, "日本語"),
            ("KSCms-UHC-H", "Korea1", encoding_rs::EUC_KR, "한국어"),
        ] {
            let font = type0(cmap, cid_font(ordering, None));
            let (bytes, _, _) = enc.encode(text);
            let mut content = b"BT /F1 12 Tf 72 700 Td <".to_vec();
            content.extend(hex::encode(&bytes).into_bytes());
            content.extend(b"> Tj ET");
            let ex = read(&pdf(&content, vec![("F1", font)]), &ctx()).expect("read");
            assert_eq!(texts(&ex), vec![text], "{cmap}");
        }
    }

    #[test]
    fn identity_h_non_embedded_uses_adobe_cids() {
        // Adobe-GB1 CIDs 4559 中 and 4162 一.
        let font = type0("Identity-H", cid_font("GB1", None));
        let bytes = pdf(
            b"BT /F1 12 Tf 72 700 Td <11CF1042> Tj ET",
            vec![("F1", font)],
        );
        assert_eq!(texts(&read(&bytes, &ctx()).expect("read")), vec!["中一"]);
    }

    #[test]
    fn identity_h_embedded_without_to_unicode_goes_to_ocr() {
        let bytes = embedded_identity_pdf("GB1", None);
        let ex = read(&bytes, &ctx()).expect("read");
        assert!(ex.passages.is_empty(), "{:?}", texts(&ex));
        assert_eq!(ex.ocr_pages, vec![1]);
    }

    #[test]
    fn junk_to_unicode_is_not_emitted() {
        // A ToUnicode that maps every code into the private-use area: junk, so OCR instead.
        let cmap = b"begincmap 1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
            1 beginbfrange <0001> <0010> <E001> endbfrange endcmap";
        let bytes = embedded_identity_pdf("Identity", Some(cmap));
        let ex = read(&bytes, &ctx()).expect("read");
        assert!(ex.passages.is_empty(), "{:?}", texts(&ex));
        assert_eq!(ex.ocr_pages, vec![1]);
    }

    #[test]
    fn vertical_cmap_reads_columns_right_to_left() {
        let font = type0("UniGB-UCS2-V", cid_font("GB1", None));
        // Two vertical columns: the right one (x=300) is read first.
        let content = b"BT /F1 12 Tf 1 0 0 1 280 700 Tm <670D52A1> Tj ET\n\
            BT /F1 12 Tf 1 0 0 1 300 700 Tm <552E540E> Tj ET";
        let ex = read(&pdf(content, vec![("F1", font)]), &ctx()).expect("read");
        assert_eq!(all_text(&ex).replace('\n', ""), "售后服务");
    }

    #[test]
    fn rotated_page_keeps_text() {
        // /Rotate 90 page whose text runs up the page in user space (reads left to right once the
        // page is turned); the line at smaller x is the upper one.
        let bytes = pdf_with(
            b"BT /F1 12 Tf 0 1 -1 0 80 100 Tm <552E540E> Tj ET BT /F1 12 Tf 0 1 -1 0 100 100 Tm <670D52A1> Tj ET",
            gb_font(),
            |_, _| {},
        );
        let mut doc = lopdf::Document::load_mem(&bytes).expect("load");
        let page = *doc.get_pages().values().next().expect("page");
        doc.get_dictionary_mut(page)
            .expect("page")
            .set("Rotate", 90);
        let mut rotated = Vec::new();
        doc.save_to(&mut rotated).expect("save");
        let ex = read(&rotated, &ctx()).expect("read");
        assert_eq!(all_text(&ex), "售后\n服务");
        // Boxes are of the page as displayed: turned, the 842 pt edge is its width, user-space
        // y is the distance from its left edge, and x from its top edge.
        let Some(Location::Page {
            page: 1,
            lines: Some([1, 2]),
            bbox: Some([left, top, right, bottom]),
        }) = ex.passages.first().map(|p| &p.location)
        else {
            panic!("{:?}", ex.passages);
        };
        assert_eq!((*left, *right), (100, 124), "two 12 pt glyphs from y = 100");
        assert!(
            (68..=70).contains(top) && (102..=104).contains(bottom),
            "{top}..{bottom}"
        );
    }

    #[test]
    fn a_title_in_larger_type_heads_the_blocks_under_it() {
        // An 18 pt title, then body text in 10 pt (more of it, so 10 pt is the body size).
        let content = b"BT /F1 18 Tf 72 760 Td <552E540E670D52A1> Tj ET\n\
            BT /F1 10 Tf 72 730 Td <670D52A1552E540E670D52A1552E540E> Tj ET\n\
            BT /F1 10 Tf 72 717 Td <552E540E670D52A1552E540E> Tj ET";
        let ex = read(&pdf(content, gb_font()), &ctx()).expect("read");
        let got: Vec<(&str, &[String], Option<u8>)> = ex
            .passages
            .iter()
            .map(|p| (p.text.as_str(), p.headings.as_slice(), p.heading_level))
            .collect();
        assert_eq!(
            got,
            vec![
                ("售后服务", &[][..], Some(1)),
                (
                    "服务售后服务售后\n售后服务售后",
                    &["售后服务".to_string()][..],
                    None
                ),
            ]
        );
    }

    /// A numbered article after a line that ends a sentence starts a block of its own, so a
    /// 制度 typed at one line pitch is read an article at a time; a numbered line that goes on
    /// from a full line does not.
    #[test]
    fn a_numbered_article_after_a_finished_line_starts_a_block() {
        // 第一条售后 / 服务售后服务。 / 第二条服务 / 售后服务售后, 15 pt apart in 12 pt type.
        let content = b"BT /F1 12 Tf 72 700 Td <7B2C4E006761552E540E> Tj ET\n\
            BT /F1 12 Tf 72 685 Td <670D52A1552E540E670D52A13002> Tj ET\n\
            BT /F1 12 Tf 72 670 Td <7B2C4E8C6761670D52A1> Tj ET\n\
            BT /F1 12 Tf 72 655 Td <552E540E670D52A1552E540E> Tj ET";
        let ex = read(&pdf(content, gb_font()), &ctx()).expect("read");
        let texts: Vec<&str> = ex.passages.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            vec!["第一条售后\n服务售后服务。", "第二条服务\n售后服务售后"]
        );
        // 售后服务售后服务 (a full line, no full stop) / 二、售后: one paragraph.
        let content = b"BT /F1 12 Tf 72 700 Td <552E540E670D52A1552E540E670D52A1> Tj ET\n\
            BT /F1 12 Tf 72 685 Td <4E8C3001552E540E> Tj ET";
        let ex = read(&pdf(content, gb_font()), &ctx()).expect("read");
        let texts: Vec<&str> = ex.passages.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, vec!["售后服务售后服务\n二、售后"]);
    }

    #[test]
    fn a_block_is_located_by_its_lines_and_box_from_the_top_left() {
        // A title, then a two-line paragraph well below it, on an A4 page (842 pt high).
        let content = b"BT /F1 12 Tf 72 700 Td <552E540E670D52A1> Tj ET\n\
            BT /F1 12 Tf 72 600 Td <670D52A1> Tj ET\n\
            BT /F1 12 Tf 72 585 Td <552E540E> Tj ET";
        let ex = read(&pdf(content, gb_font()), &ctx()).expect("read");
        let located: Vec<(&str, &Location)> = ex
            .passages
            .iter()
            .map(|p| (p.text.as_str(), &p.location))
            .collect();
        assert_eq!(
            located,
            vec![
                (
                    "售后服务",
                    &Location::Page {
                        page: 1,
                        lines: Some([1, 1]),
                        // 842 − 700 − 0.85 em above the baseline, 0.25 em below it.
                        bbox: Some([72, 131, 120, 145]),
                    }
                ),
                (
                    "服务\n售后",
                    &Location::Page {
                        page: 1,
                        lines: Some([2, 3]),
                        bbox: Some([72, 231, 96, 260]),
                    }
                ),
            ]
        );
    }

    /// `bytes` re-saved with RC4-128 encryption under the given user password.
    fn encrypted(bytes: &[u8], user_password: &str) -> Vec<u8> {
        let mut doc = lopdf::Document::load_mem(bytes).expect("load");
        let id = Object::string_literal(b"0123456789abcdef".to_vec());
        doc.trailer.set("ID", vec![id.clone(), id]);
        let version = lopdf::EncryptionVersion::V2 {
            document: &doc,
            owner_password: "owner",
            user_password,
            key_length: 128,
            permissions: lopdf::Permissions::all(),
        };
        let state = lopdf::EncryptionState::try_from(version).expect("encryption state");
        doc.encrypt(&state).expect("encrypt");
        let mut out = Vec::new();
        doc.save_to(&mut out).expect("save");
        out
    }

    #[test]
    fn user_password_is_encrypted_and_empty_password_is_read() {
        let plain = pdf(b"BT /F1 12 Tf 72 700 Td <670D52A1> Tj ET", gb_font());
        match read(&encrypted(&plain, "secret"), &ctx()) {
            Err(ReadError::Encrypted(msg)) => assert!(msg.contains("password")),
            other => panic!("expected Encrypted, got {other:?}"),
        }
        let ex = read(&encrypted(&plain, ""), &ctx()).expect("empty user password");
        assert_eq!(texts(&ex), vec!["服务"]);
    }

    #[test]
    fn image_only_page_goes_to_ocr() {
        let bytes = pdf_with(b"q 500 0 0 700 40 60 cm /Im1 Do Q", vec![], |doc, res| {
            let img = doc.add_object(Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Image", "Width" => 1, "Height" => 1,
                    "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
                },
                vec![0],
            ));
            res.set("XObject", dictionary! { "Im1" => img });
        });
        let ex = read(&bytes, &ctx()).expect("read");
        assert!(ex.passages.is_empty());
        assert_eq!(ex.ocr_pages, vec![1]);
    }

    #[test]
    fn column_drawn_table_comes_out_in_rows() {
        // Column 1 (名称, 电话) first, then column 2 (values): content order ≠ reading order.
        let content = b"BT /F1 12 Tf 1 0 0 1 72 700 Tm <540D79F0> Tj ET\n\
            BT /F1 12 Tf 1 0 0 1 72 680 Tm <75358BDD> Tj ET\n\
            BT /F1 12 Tf 1 0 0 1 300 700 Tm <67D067D0516C53F8> Tj ET\n\
            BT /F1 12 Tf 1 0 0 1 300 680 Tm <003400300030> Tj ET\n\
            BT /F1 12 Tf 1 0 0 1 72 600 Tm <552E540E> Tj ET";
        let ex = read(&pdf(content, gb_font()), &ctx()).expect("read");
        assert_eq!(texts(&ex), vec!["名称某某公司", "电话 400", "售后"]);
    }

    #[test]
    fn a_table_cell_wrapped_onto_the_next_line_stays_in_its_row() {
        // 名称 | 某某公司, then 售后服务 under the value (the cell wraps), then the next row
        // 电话 | 400, which is a row of its own.
        let content = b"BT /F1 12 Tf 1 0 0 1 72 700 Tm <540D79F0> Tj ET\n\
            BT /F1 12 Tf 1 0 0 1 300 700 Tm <67D067D0516C53F8> Tj ET\n\
            BT /F1 12 Tf 1 0 0 1 300 685 Tm <552E540E670D52A1> Tj ET\n\
            BT /F1 12 Tf 1 0 0 1 72 665 Tm <75358BDD> Tj ET\n\
            BT /F1 12 Tf 1 0 0 1 300 665 Tm <003400300030> Tj ET\n\
            BT /F1 12 Tf 1 0 0 1 72 645 Tm <552E540E> Tj ET";
        let ex = read(&pdf(content, gb_font()), &ctx()).expect("read");
        assert_eq!(
            texts(&ex),
            vec!["名称某某公司\n售后服务", "电话 400", "售后"]
        );
    }

    #[test]
    fn fake_bold_is_printed_once_and_latin_words_keep_spaces() {
        let content = b"BT /F1 12 Tf 72 700 Td (Service) Tj ET\n\
            BT /F1 12 Tf 72.4 700.2 Td (Service) Tj ET\n\
            BT /F1 12 Tf 130 700 Td (policy) Tj ET\n\
            BT /F1 12 Tf 72 686 Td [(second) -300 (line)] TJ ET";
        let font = dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding" };
        let ex = read(&pdf(content, vec![("F1", font)]), &ctx()).expect("read");
        assert_eq!(texts(&ex), vec!["Service policy\nsecond line"]);
    }

    #[test]
    fn cairo_style_flipped_ctm_keeps_line_order() {
        // cairo: y-down CTM and a flipped text matrix with Tf size 1; drawn bottom line first.
        let content = b"1 0 0 -1 0 842 cm BT /F1 1 Tf 12 0 0 -12 72 160 Tm <540E> Tj ET\n\
            BT /F1 1 Tf 12 0 0 -12 72 142 Tm <552E> Tj ET";
        let ex = read(&pdf(content, gb_font()), &ctx()).expect("read");
        assert_eq!(texts(&ex), vec!["售\n后"]);
    }

    #[test]
    fn simple_font_differences_with_uni_names() {
        let font = dictionary! {
            "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "Sub",
            "Encoding" => dictionary! {
                "Type" => "Encoding",
                "Differences" => vec![1.into(), Object::Name(b"uni552E".to_vec()),
                    Object::Name(b"uni540E".to_vec()), Object::Name(b"g77".to_vec()),
                    Object::Name(b"A".to_vec())],
            },
        };
        let ex = read(
            &pdf(
                b"BT /F1 12 Tf 72 700 Td <01020304> Tj ET",
                vec![("F1", font)],
            ),
            &ctx(),
        )
        .expect("read");
        assert_eq!(texts(&ex), vec!["售后A"]);
    }

    #[test]
    fn form_xobjects_are_followed_and_cycles_stop() {
        let bytes = pdf_with(b"/Fm1 Do", gb_font(), |doc, res| {
            let id = doc.new_object_id();
            let fonts = res.get(b"Font").expect("fonts").clone();
            let form = Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Form",
                    "BBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                    "Resources" => dictionary! { "Font" => fonts, "XObject" => dictionary! { "Fm1" => id } },
                },
                b"BT /F1 12 Tf 72 700 Td <670D52A1> Tj ET /Fm1 Do".to_vec(),
            );
            doc.objects.insert(id, Object::Stream(form));
            res.set("XObject", dictionary! { "Fm1" => id });
        });
        let ex = read(&bytes, &ctx()).expect("read");
        assert_eq!(texts(&ex), vec!["服务"]);
    }

    #[test]
    fn garbage_is_corrupt() {
        for bytes in [
            &b"not a pdf at all"[..],
            b"%PDF-1.7\n1 0 obj << /Type /Catalog",
            b"",
        ] {
            match read(bytes, &ctx()) {
                Err(ReadError::Corrupt(msg)) => assert!(!msg.is_empty()),
                other => panic!("expected Corrupt, got {other:?}"),
            }
        }
    }

    #[test]
    fn hostile_content_is_bounded() {
        let mut content = Vec::new();
        for _ in 0..10_000 {
            content.extend_from_slice(b"q 1 0 0 1 0 0 cm ");
        }
        content.extend_from_slice(b"BT /F1 12 Tf 72 700 Td <670D52A1> Tj ET");
        for _ in 0..20_000 {
            content.extend_from_slice(b"Q ");
        }
        let ex = read(&pdf(&content, gb_font()), &ctx()).expect("read");
        assert_eq!(all_text(&ex), "服务");
    }

    #[test]
    fn page_limit_truncates() {
        let bytes = pdf(b"BT /F1 12 Tf 72 700 Td <670D52A1> Tj ET", gb_font());
        let limits = Limits {
            max_pages: 0,
            ..Limits::default()
        };
        let ex = read(&bytes, &ReadContext::new(limits)).expect("read");
        assert!(ex.truncated.is_some());
        assert!(ex.passages.is_empty());
    }

    fn realworld_dir(test: &str) -> Option<std::path::PathBuf> {
        crate::ingest::test_support::shared_corpus(test, "pdf")
    }

    #[test]
    fn realworld_encrypted_needs_password() {
        let Some(dir) = realworld_dir("realworld_encrypted_needs_password") else {
            return;
        };
        for name in ["pdfjs-pr6531_1.pdf", "tika-testUnicodePassword.pdf"] {
            let Ok(bytes) = std::fs::read(dir.join(name)) else {
                continue;
            };
            assert!(
                matches!(read(&bytes, &ctx()), Err(ReadError::Encrypted(_))),
                "{name}"
            );
        }
        // Empty user password (RC4-128, RC4-40): read transparently.
        for name in ["pdfjs-issue17215.pdf", "pdfjs-bug900822.pdf"] {
            if let Ok(bytes) = std::fs::read(dir.join(name)) {
                let read = read(&bytes, &ctx());
                assert!(read.is_ok_and(|ex| !ex.passages.is_empty()), "{name}");
            }
        }
        // AES-256 R6 with an empty password: lopdf opens it but cannot decode the streams;
        // that must be a clear `Corrupt`, not an empty file.
        if let Ok(bytes) = std::fs::read(dir.join("pdfjs-issue7665.pdf")) {
            assert!(matches!(read(&bytes, &ctx()), Err(ReadError::Corrupt(_))));
        }
    }

    /// Recall of the reference's `keep` characters, after NFKC: (hit, total) over the multiset.
    fn nfkc_recall(reference: &str, ours: &str, keep: fn(&char) -> bool) -> (usize, usize) {
        let count = |t: &str| {
            let mut m: HashMap<char, usize> = HashMap::new();
            for c in t.nfkc().filter(keep) {
                *m.entry(c).or_insert(0) += 1;
            }
            m
        };
        let (want, got) = (count(reference), count(ours));
        let total: usize = want.values().sum();
        let hit: usize = want
            .iter()
            .map(|(c, n)| (*n).min(got.get(c).copied().unwrap_or(0)))
            .sum();
        (hit, total)
    }

    /// Multiset recall of all non-space characters (after NFKC): informational, to spot lost
    /// Latin text or spacing damage on files without Han characters.
    fn char_recall(reference: &str, ours: &str) -> f64 {
        match nfkc_recall(reference, ours, |c| !c.is_whitespace()) {
            (_, 0) => 1.0,
            (hit, total) => hit as f64 / total as f64,
        }
    }

    /// Files whose reference text is not a fair target, and why.
    const RECALL_EXCEPTIONS: &[(&str, &str)] = &[(
        "pdfjs-issue7696.pdf",
        "the pdftotext reference is garbled CJK from a bad ToUnicode (MANIFEST)",
    )];

    #[test]
    fn realworld_cjk_recall() {
        let Some(dir) = realworld_dir("realworld_cjk_recall") else {
            return;
        };
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".pdf"))
            .collect();
        names.sort();
        let mut failures = Vec::new();
        for name in names {
            let Ok(reference) = std::fs::read_to_string(dir.join(format!("{name}.ref.txt"))) else {
                continue;
            };
            let bytes = std::fs::read(dir.join(&name)).expect("pdf");
            let ours = match read(&bytes, &ctx()) {
                Ok(ex) => all_text(&ex),
                Err(e) => format!("<{e:?}>"),
            };
            let (hit, total) = nfkc_recall(&reference, &ours, |c| is_han(*c));
            let all = char_recall(&reference, &ours);
            if total == 0 {
                println!("{name:55} no Han characters in reference; all-character recall {all:.3}");
                continue;
            }
            let recall = hit as f64 / total as f64;
            println!("{name:55} recall {recall:.3} ({hit}/{total}); all-character recall {all:.3}");
            let excused = RECALL_EXCEPTIONS.iter().any(|(n, _)| *n == name);
            if recall < 0.98 && !excused {
                failures.push(format!("{name}: {recall:.3}"));
            }
        }
        assert!(failures.is_empty(), "CJK recall below 0.98: {failures:?}");
    }

    #[test]
    fn realworld_every_pdf_returns_quickly() {
        let Some(entries) = crate::ingest::test_support::corpus_files(
            "realworld_every_pdf_returns_quickly",
            "pdf",
            "pdf",
        ) else {
            return;
        };
        for path in entries {
            let bytes = std::fs::read(&path).expect("pdf");
            let started = Instant::now();
            let outcome = read(&bytes, &ctx());
            let took = started.elapsed();
            let summary = match &outcome {
                Ok(ex) => format!(
                    "ok pages={:?} passages={} ocr={:?} notes={:?}",
                    ex.pages,
                    ex.passages.len(),
                    ex.ocr_pages,
                    ex.notes
                ),
                Err(e) => format!("err {e:?}"),
            };
            println!(
                "{:55} {:>7.1} ms {summary}",
                path.file_name().unwrap_or_default().to_string_lossy(),
                took.as_secs_f64() * 1000.0
            );
            // A hang guard, not a speed target (that is `cargo bench --bench ingest`): the
            // largest file, 67 pages and 2.3 MB, takes ~0.5 s in release, but a scanned page is
            // OCRed, ~8 s in an unoptimised build and more on a busy 2-core machine.
            let bound = Duration::from_secs(if cfg!(debug_assertions) { 60 } else { 20 });
            assert!(took < bound, "{path:?} took {took:?}");
        }
    }
}

/// Developer aids: `PDF_DUMP=file.pdf cargo test --lib pdf::dump -- --ignored --nocapture`.
#[cfg(test)]
mod dump {
    /// The bytes of the file `PDF_DUMP` names, if set.
    fn dumped() -> Option<Vec<u8>> {
        let path = std::env::var("PDF_DUMP").ok()?;
        Some(std::fs::read(&path).expect("read file"))
    }

    #[test]
    #[ignore]
    fn dump_pdf_text() {
        let Some(bytes) = dumped() else {
            return;
        };
        let ctx = crate::ingest::ReadContext::new(crate::ingest::Limits::default());
        match super::read(&bytes, &ctx) {
            Ok(ex) => {
                for p in &ex.passages {
                    println!("--- {:?}\n{}", p.location, p.text);
                }
                println!(
                    "=== pages {:?} ocr {:?} notes {:?}",
                    ex.pages, ex.ocr_pages, ex.notes
                );
            }
            Err(e) => println!("=== error {e:?}"),
        }
    }

    #[test]
    #[ignore]
    fn dump_page_content() {
        let Some(bytes) = dumped() else {
            return;
        };
        let doc = lopdf::Document::load_mem(&bytes).expect("load");
        for (n, id) in doc.get_pages() {
            let c = doc.get_page_content(id);
            println!(
                "page {n}: {} bytes: {}",
                c.len(),
                String::from_utf8_lossy(&c[..c.len().min(600)])
            );
            println!(
                "fonts {:?}",
                doc.get_page_fonts(id).map(|f| f
                    .keys()
                    .map(|k| String::from_utf8_lossy(k).into_owned())
                    .collect::<Vec<_>>())
            );
        }
    }
}

#[cfg(test)]
mod bench {
    /// Speed check: `cargo test --release --lib pdf::bench -- --ignored --nocapture` reads every
    /// real-world PDF and prints the time per file and per page.
    #[test]
    #[ignore]
    fn bench_realworld() {
        let Some(paths) =
            crate::ingest::test_support::corpus_files("bench_realworld", "pdf", "pdf")
        else {
            return;
        };
        let ctx = crate::ingest::ReadContext::new(crate::ingest::Limits::default());
        let (mut total, mut pages) = (0.0, 0u32);
        for path in paths {
            let bytes = std::fs::read(&path).expect("read");
            let reps = 5;
            let started = std::time::Instant::now();
            let mut n = 0;
            for _ in 0..reps {
                n = super::read(&bytes, &ctx)
                    .ok()
                    .and_then(|e| e.pages)
                    .unwrap_or(0);
            }
            let ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(reps);
            total += ms;
            pages += n;
            let t = std::time::Instant::now();
            let load_ok = lopdf::Document::load_mem(&bytes).is_ok();
            let load_ms = t.elapsed().as_secs_f64() * 1000.0;
            println!(
                "{:60} {:>8.2} ms {:>4} pages (load {load_ms:.2} ms, ok={load_ok})",
                path.file_name().unwrap_or_default().to_string_lossy(),
                ms,
                n
            );
        }
        println!("TOTAL {total:.1} ms for {pages} pages");
    }
}
