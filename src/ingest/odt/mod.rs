//! OpenDocument text (`.odt`, `.ott`) reader: the zip package → located passages of the body,
//! its tables, text boxes, footnotes, endnotes and comments (`content.xml`), and of the page
//! headers and footers (`styles.xml`).
//!
//! Applicants who work in LibreOffice or save from WPS as ODF send these. The report contract
//! has no `odt` kind: an ODT stays [`FileKind::Doc`](crate::model::FileKind::Doc) and
//! [`read_kind`](super) routes it here by content ([`is_odt`]), so a `.doc`, `.wps` or OFD file
//! keeps its "unsupported" answer.
//!
//! # Why zip + quick-xml
//!
//! Same reasons and same shape as the Word reader ([`super::docx`]): no extra dependency, one
//! event pass per part (memory ≈ text), bounded decompression, bounded depth, the clock checked
//! as the walk goes, and text before a syntax error kept. The walk itself is in [`walk`].
//!
//! # Shape of the result (as the Word reader's)
//!
//! - Body paragraphs (`text:p`, `text:h`): [`Location::Paragraph`](crate::model::Location) with
//!   `part: Body` and the 0-based index among the paragraphs outside tables, empty ones counted,
//!   only non-empty ones emitted; text-box paragraphs share the counter.
//! - Headings: `text:h` with `text:outline-level` → `heading_level`; every body passage carries
//!   the enclosing headings in `headings`.
//! - Table cells: one passage per cell at its grid column, paragraphs joined by `\n`; nested
//!   tables carry `nested` (`"t1r7c1"`).
//! - Then headers, footers (from the master pages), footnotes, endnotes, comments.
//!
//! Errors: not a zip or no `content.xml` → [`ReadError::Corrupt`]; a password-protected package
//! (`manifest:encryption-data` for `content.xml` in `META-INF/manifest.xml`) →
//! [`ReadError::Encrypted`]; `content.xml` over the size/ratio bound → [`ReadError::LimitExceeded`].
//! Malformed XML after some text keeps the text and adds a note.
//!
//! The package opening, the bounded part reader, the attribute helper and the decoding are the
//! Word reader's, shared through [`super::package`], and so are the walk's event loop,
//! container stack and passage order ([`super::flow`]); member lookup (case-sensitive ODF
//! names) and what each namespace-qualified element means are this reader's own.

mod walk;

#[cfg(test)]
mod tests;

use super::flow::Sink;
use super::ocr::embedded::{Anchor, Budget, Embedded, read_pictures};
use super::package::{self, PartError, attr, refuse_unread, secondary_part, settle};
use super::{Extracted, ReadContext, ReadError, sniff};
use quick_xml::NsReader;
use quick_xml::events::Event;
use walk::Walker;

/// Media types read here: text documents and their templates.
const TEXT_MIMETYPES: [&str; 2] = [
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.text-template",
];

/// True when `bytes` are a zip whose `mimetype` member names an OpenDocument text document or
/// template — how [`read_kind`](super) tells an ODT from the other `doc`-kind formats.
pub fn is_odt(bytes: &[u8]) -> bool {
    sniff::zip_mimetype(bytes).is_some_and(|value| TEXT_MIMETYPES.contains(&value.trim()))
}

/// Reads an OpenDocument text package into passages.
pub fn read(bytes: &[u8], ctx: &ReadContext) -> Result<Extracted, ReadError> {
    let mut package = Package::open(bytes, ctx)?;
    if package.content_is_encrypted() {
        return Err(ReadError::Encrypted(
            "OpenDocument 文本已加密（META-INF/manifest.xml 声明 content.xml 已加密），请申请方提供未\
             加密的副本 (password-protected OpenDocument text; ask the applicant for an unprotected \
             copy)"
                .into(),
        ));
    }
    let content_idx = package.find("content.xml").ok_or_else(|| {
        ReadError::Corrupt(
            "压缩包中没有 content.xml，不是可读取的 OpenDocument 文本文件 (zip has no content.xml, so it is not a readable OpenDocument text file)".into(),
        )
    })?;
    let (content, note) = package
        .read_part(content_idx)
        .map_err(PartError::into_file_error)?;

    let mut out = Extracted::default();
    out.notes.extend(note);
    let mut sink = Sink::new(ctx.limits.max_passages);
    let mut walker = Walker::new(&mut sink);
    let outcome = walker.walk(&content, ctx);
    out.notes.extend(walker.heading_note());
    let mut picture_refs = std::mem::take(&mut walker.pictures);
    drop(content);
    refuse_unread("content.xml", &outcome, sink.len())?;
    let stop = settle("content.xml", outcome, &mut out);

    if !stop
        && let Some(idx) = package.find("styles.xml")
        && let Some(styles) = secondary_part(
            package.read_part(idx),
            &mut out,
            Some("页眉和页脚未读取 (page headers and footers were not read)"),
        )
    {
        let mut walker = Walker::new(&mut sink);
        let outcome = walker.walk(&styles, ctx);
        picture_refs.append(&mut walker.pictures);
        settle("styles.xml", outcome, &mut out);
    }

    let embedded = package.embedded_objects();
    let kinds = "位于 Object N/：图表、电子表格、公式";
    let pictures = if stop || out.truncated.is_some() {
        Vec::new()
    } else {
        package.pictures(picture_refs, ctx, &mut out)
    };
    let mut out = package::finish(out, sink, embedded, kinds);
    read_pictures(pictures, ctx, &mut out);
    Ok(out)
}

/// The opened zip with the member names (ODF names are case-sensitive; a case-insensitive match
/// is the fallback for hand-made packages).
struct Package<'b, 'c> {
    parts: package::Package<'b, 'c>,
    names: Vec<String>,
}

impl<'b, 'c> Package<'b, 'c> {
    fn open(bytes: &'b [u8], ctx: &'c ReadContext) -> Result<Package<'b, 'c>, ReadError> {
        let parts = package::Package::open(bytes, &ctx.limits, ".odt")?;
        let names = parts.member_names().collect();
        Ok(Package { parts, names })
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .or_else(|| self.names.iter().position(|n| n.eq_ignore_ascii_case(name)))
    }

    /// Embedded objects (`Object 1/content.xml`…): charts and OLE objects not read.
    fn embedded_objects(&self) -> usize {
        self.names
            .iter()
            .filter(|n| n.starts_with("Object ") && n.ends_with("/content.xml"))
            .count()
    }

    /// True when the manifest gives `content.xml` an `encryption-data` element. A missing or
    /// unreadable manifest says nothing: the content is then tried as it is.
    fn content_is_encrypted(&mut self) -> bool {
        let Some(idx) = self.find("META-INF/manifest.xml") else {
            return false;
        };
        let Ok((manifest, _)) = self.read_part(idx) else {
            return false;
        };
        let mut reader = NsReader::from_str(&manifest);
        let mut current: Option<String> = None;
        for _ in 0..1_000_000 {
            match reader.read_event() {
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                    "file-entry" => current = attr(&e, "full-path"),
                    "encryption-data"
                        if current
                            .as_deref()
                            .is_some_and(|p| p.trim_start_matches('/') == "content.xml") =>
                    {
                        return true;
                    }
                    _ => {}
                },
                Ok(Event::Eof) | Err(_) => return false,
                Ok(_) => {}
            }
        }
        false
    }

    fn read_part(&mut self, idx: usize) -> Result<(String, Option<String>), PartError> {
        self.parts.read_part(idx)
    }

    /// The pictures the walk met (`refs`: member name and place), read from the package; a
    /// name the package does not hold is passed over with a note.
    fn pictures(
        &mut self,
        refs: Vec<(String, Anchor)>,
        ctx: &ReadContext,
        out: &mut Extracted,
    ) -> Vec<Embedded> {
        let mut pictures = Vec::new();
        let mut budget = Budget::new(&ctx.limits);
        let mut missing = 0usize;
        for (name, anchor) in refs {
            let Some(idx) = self.find(&name) else {
                missing += 1;
                continue;
            };
            if !budget.admit(&name, self.parts.declared_size(idx)) {
                continue;
            }
            match self.parts.read_bytes(idx) {
                Ok((bytes, _)) => pictures.push(Embedded {
                    anchor,
                    name,
                    bytes,
                }),
                Err(e) => out.notes.push(format!("图片 {name}：{}", e.message())),
            }
        }
        if missing > 0 {
            out.notes.push(format!(
                "文档引用的 {missing} 张图片不在文件包中 ({missing} picture(s) the document refers to are not in the package)"
            ));
        }
        out.notes.extend(budget.note());
        pictures
    }
}
