//! OFD reader (GB/T 33190, the fixed-layout format of Chinese e-licences, e-invoices and
//! official documents): a zip of XML parts → one passage per text block of each page, in
//! reading order, located by page.
//!
//! The chain: `OFD.xml` → each `DocBody/DocRoot` (an OFD may hold several documents; pages
//! are numbered across them, 1-based) → its `Document.xml` → `Pages/Page@BaseLoc` → each
//! page's content part ([`content`]), with the template pages it draws under or over it and
//! its annotations (`Annotations.xml` → per-page annotation files: stamps, watermarks, notes).
//! Glyphs are placed from `TextObject`/`TextCode` positions and handed to the PDF reader's
//! layout, so a page reads top to bottom, left to right, whatever order the writer drew it in.
//!
//! A page whose only content is images (a scan saved as OFD) is listed in `ocr_pages` and, when
//! an OCR engine is present, its largest image is read by OCR ([`scan`]); signed OFDs are read
//! and a note says the signatures were not verified; encrypted OFDs (GM/T 0099) are
//! `encrypted`.
//!
//! Bounds: the zip's entry count and each part's size and ratio (the shared [`package`]
//! helpers), the bytes of all parts read together (`max_file_bytes`), XML depth and elements,
//! glyphs per part, pages (`max_pages`), time (the file's clock, checked per page and inside
//! every XML walk) and passages (`max_passages`). Reference resolution is in [`names`].
//!
//! [`package`]: crate::ingest::package

mod content;
mod deltas;
mod names;
mod scan;
mod structure;
mod tree;

#[cfg(test)]
mod tests;

use super::package::{Outcome, Package, secondary_part, settle};
use super::pdf::{PageText, blocks};
use super::{Extracted, ReadContext, ReadError};
use crate::model::{Location, Passage};
use content::Drawn;
use names::Names;
use std::collections::HashMap;
use std::rc::Rc;
use structure::{DocumentParts, Entry};
use tree::Element;

/// Reads an OFD into page passages. Errors: [`ReadError::Corrupt`] for a damaged zip or one
/// without a readable `OFD.xml` or document, [`ReadError::Encrypted`] for an encrypted package
/// with no readable text, [`ReadError::LimitExceeded`] for a zip over the entry limit.
pub fn read(bytes: &[u8], ctx: &ReadContext) -> Result<Extracted, ReadError> {
    let package = Package::open(bytes, &ctx.limits, "OFD")?;
    let names = Names::new(package.raw_member_names());
    let mut reader = Reader {
        package,
        names,
        ctx,
        bytes_left: ctx
            .limits
            .max_file_bytes
            .min(ctx.limits.max_zip_total_bytes),
        out: Extracted::default(),
        stop: false,
        ocr_unavailable_noted: false,
    };
    reader.read_all()?;
    Ok(reader.out)
}

/// The reading of one OFD package.
struct Reader<'b, 'c> {
    package: Package<'b, 'c>,
    names: Names,
    ctx: &'c ReadContext,
    /// Decompressed bytes the remaining parts may take together.
    bytes_left: u64,
    out: Extracted,
    /// A limit was reached: read no further.
    stop: bool,
    /// "No OCR engine" was said once already.
    ocr_unavailable_noted: bool,
}

/// One document's parts as the page loop needs them.
struct DocumentContext {
    parts: DocumentParts,
    /// Annotation files by page ID.
    annotations: HashMap<String, Vec<Entry>>,
    /// Template pages drawn so far, by ID (a template serves many pages).
    templates: HashMap<String, Rc<Drawn>>,
}

impl Reader<'_, '_> {
    fn read_all(&mut self) -> Result<(), ReadError> {
        let Some(root_idx) = self.names.get("OFD.xml") else {
            return Err(ReadError::Corrupt(
                "压缩包根目录中没有 OFD.xml，不是 OFD 文档 (zip has no OFD.xml at its root, so it is not an OFD document)".into(),
            ));
        };
        let root_entry = (root_idx, "OFD.xml".to_string());
        let ofd = match self.tree(&root_entry) {
            Some(tree) if tree.name == "OFD" => tree,
            Some(other) => {
                return Err(ReadError::Corrupt(format!(
                    "OFD.xml 的根元素是 <{root}>，而不是 <OFD> (OFD.xml's root element is <{root}>, not <OFD>)",
                    root = other.name
                )));
            }
            None => {
                return Err(ReadError::Corrupt(
                    "OFD.xml 无法读取或不是 XML (OFD.xml cannot be read or is not XML)".into(),
                ));
            }
        };
        let bodies = structure::bodies(&ofd, &self.names);
        if bodies.is_empty() {
            return Err(ReadError::Corrupt(
                "OFD.xml 中没有列出任何文档（缺少 DocBody） (OFD.xml lists no document: no DocBody)".into(),
            ));
        }
        if bodies.len() > 1 {
            self.out.notes.push(format!(
                "此 OFD 包含 {n} 个文档，页码跨文档连续编号 (the OFD holds {n} documents; their pages are numbered on across them)",
                n = bodies.len()
            ));
        }
        let mut number = 0u32;
        let mut documents_read = 0usize;
        let mut signatures = 0usize;
        let mut attachments = false;
        for (i, body) in bodies.iter().enumerate() {
            if self.stop {
                break;
            }
            if let Some(list) = &body.signatures {
                signatures += self
                    .tree(list)
                    .map_or(1, |t| structure::signature_count(&t).max(1));
            }
            let Some(root) = &body.root else {
                self.out.notes.push(format!(
                    "第 {n} 个文档：文件包中没有其 Document.xml（{root}） (document {n}: its Document.xml is not in the package)",
                    n = i + 1,
                    root = body.root_written
                ));
                continue;
            };
            let Some(doc) = self.tree(root) else {
                continue;
            };
            documents_read += 1;
            let mut document = self.document(&doc, root);
            attachments |= document.parts.attachments;
            self.read_pages(&mut document, &mut number);
        }
        if documents_read == 0 {
            return Err(ReadError::Corrupt(
                "此 OFD 中没有可读取的文档（DocRoot 缺失或不是 XML） (no document of the OFD could be read: DocRoot missing or not XML)".into(),
            ));
        }
        self.out.pages = Some(number);
        if signatures > 0 {
            self.out.notes.push(format!(
                "此 OFD 带有 {signatures} 个电子签名或电子印章（Signatures.xml）；certsift 读取文字，但不验证签名 (the OFD carries {signatures} electronic signature(s) or seal(s); certsift reads the text but does not verify signatures)"
            ));
        }
        if attachments {
            self.out
                .notes
                .push("此 OFD 列有附件（Attachments.xml），附件未读取 (the OFD lists attachments; they are not read)".into());
        }
        if self.out.passages.is_empty() && self.out.ocr_pages.is_empty() && self.is_encrypted() {
            return Err(ReadError::Encrypted(
                "OFD 已加密（Encryptions.xml，GM/T 0099），没有密钥无法读取页面，请申请方提供未加密的副本 (encrypted OFD: its pages cannot be read without the key; ask the applicant for an unencrypted copy)".into(),
            ));
        }
        Ok(())
    }

    fn is_encrypted(&self) -> bool {
        self.names.get("Encryptions.xml").is_some()
    }

    /// The parts `doc` (a `Document.xml` at `entry`) lists, with its annotation list read.
    fn document(&mut self, doc: &Element, entry: &Entry) -> DocumentContext {
        let parts = structure::document(doc, &entry.1, &self.names);
        let annotations = match &parts.annotations {
            Some(list) => self
                .tree(list)
                .map(|t| structure::annotations(&t, &list.1, &self.names))
                .unwrap_or_default(),
            None => HashMap::new(),
        };
        DocumentContext {
            parts,
            annotations,
            templates: HashMap::new(),
        }
    }

    /// Reads the pages of one document, numbering them on from `number`.
    fn read_pages(&mut self, document: &mut DocumentContext, number: &mut u32) {
        let pages = document.parts.pages.clone();
        for page in &pages {
            if self.stop {
                return;
            }
            if *number >= self.ctx.limits.max_pages {
                self.out.truncated.get_or_insert_with(|| {
                    format!(
                        "OFD 超过 {max} 页，只读取了前 {max} 页 (the OFD has more than {max} pages; only the first {max} were read)",
                        max = self.ctx.limits.max_pages
                    )
                });
                self.stop = true;
                return;
            }
            if let Err(e) = self.ctx.check_time() {
                self.out.truncated.get_or_insert(e.to_string());
                self.stop = true;
                return;
            }
            *number += 1;
            self.read_page(document, page, *number);
            if self.out.passages.len() > self.ctx.limits.max_passages {
                self.out.truncated.get_or_insert_with(|| {
                    "文本段超出每个文件的限制，其余未读取 (more passages than the per-file limit; the rest was not read)".into()
                });
                self.stop = true;
            }
        }
    }

    /// Reads page `number`: its content with its templates, then its annotations.
    fn read_page(
        &mut self,
        document: &mut DocumentContext,
        page: &structure::PageRef,
        number: u32,
    ) {
        let drawn = match &page.content {
            Some(entry) => self.content(entry).unwrap_or_default(),
            None => {
                self.out.notes.push(format!(
                    "第 {number} 页：文件包中没有其内容部件（{part}） (page {number}: its content is not in the package)",
                    part = page.written
                ));
                Drawn::default()
            }
        };
        let mut text = PageText::default();
        let templates: Vec<_> = drawn.templates.clone();
        for t in templates.iter().filter(|t| !t.foreground) {
            if let Some(tpl) = self.template(document, &t.id) {
                append(&mut text, &tpl.text);
            }
        }
        append(&mut text, &drawn.text);
        for t in templates.iter().filter(|t| t.foreground) {
            if let Some(tpl) = self.template(document, &t.id) {
                append(&mut text, &tpl.text);
            }
        }
        let mut images = drawn.images.clone();
        for tpl in templates
            .iter()
            .filter_map(|t| document.templates.get(&t.id))
        {
            images.extend(tpl.images.iter().cloned());
        }
        let before = self.out.passages.len();
        self.push_blocks(&text, number);
        let annotation_files = page
            .id
            .as_ref()
            .and_then(|id| document.annotations.get(id))
            .cloned()
            .unwrap_or_default();
        for file in &annotation_files {
            if let Some(annot) = self.content(file) {
                self.push_blocks(&annot.text, number);
            }
        }
        let has_text = self.out.passages[before..]
            .iter()
            .any(|p| !p.normalized.is_empty());
        if !has_text && !images.is_empty() {
            self.out.ocr_pages.push(number);
            let page_box = drawn.physical_box.or(document.parts.page_box);
            self.read_scan(document, &drawn.page_res, page, &images, page_box, number);
        }
    }

    /// A template page's drawing, read once per document.
    fn template(&mut self, document: &mut DocumentContext, id: &str) -> Option<Rc<Drawn>> {
        if let Some(t) = document.templates.get(id) {
            return Some(Rc::clone(t));
        }
        let entry = document.parts.templates.get(id).cloned()?;
        let drawn = Rc::new(self.content(&entry).unwrap_or_default());
        document.templates.insert(id.to_string(), Rc::clone(&drawn));
        Some(drawn)
    }

    fn push_blocks(&mut self, text: &PageText, number: u32) {
        // The OFD walker's page coordinates are points with y up from the page's top edge.
        for block in blocks(text) {
            let location = Location::Page {
                page: number,
                lines: Some(block.lines),
                bbox: Some(block.bbox_from(0.0, 0.0)),
            };
            self.out.passages.push(Passage::new(block.text, location));
        }
    }

    /// Walks a content part (page, template, annotation file); `None` when it cannot be read.
    fn content(&mut self, entry: &Entry) -> Option<Drawn> {
        let xml = self.part_text(entry)?;
        let (drawn, outcome) = content::walk(&xml, self.ctx);
        self.settle(&entry.1, outcome);
        Some(drawn)
    }

    /// Reads and parses a structure part; `None` (with a note) when it cannot be read.
    fn tree(&mut self, entry: &Entry) -> Option<Element> {
        let xml = self.part_text(entry)?;
        let (root, outcome) = tree::parse(&xml, self.ctx);
        self.settle(&entry.1, outcome);
        if root.is_none() {
            self.out.notes.push(format!(
                "部件 {name} 没有 XML 元素，未读取 ({name} has no XML element; not read)",
                name = entry.1
            ));
        }
        root
    }

    /// Records how a walk of `name` ended; a limit stops the reading.
    fn settle(&mut self, name: &str, outcome: Outcome) {
        if settle(name, outcome, &mut self.out) {
            self.stop = true;
        }
    }

    /// A part's text within the size bounds and the bytes left for the file.
    fn part_text(&mut self, entry: &Entry) -> Option<String> {
        if self.stop || !self.take_bytes(entry) {
            return None;
        }
        secondary_part(
            self.package.read_part(entry.0),
            &mut self.out,
            Some("其文字缺失 (its text is missing)"),
        )
    }

    /// A part's bytes (an image) within the same bounds.
    fn part_bytes(&mut self, entry: &Entry) -> Result<Vec<u8>, String> {
        if self.stop || !self.take_bytes(entry) {
            return Err(format!(
                "部件 {name} 未读取：已达到限制 ({name} not read: a limit was reached)",
                name = entry.1
            ));
        }
        match self.package.read_bytes(entry.0) {
            Ok((bytes, note)) => {
                self.out.notes.extend(note);
                Ok(bytes)
            }
            Err(e) => Err(e.message().to_string()),
        }
    }

    /// Counts a part's declared size against the bytes left; false (the file truncated) when it
    /// does not fit.
    fn take_bytes(&mut self, entry: &Entry) -> bool {
        let size = self.package.declared_size(entry.0);
        if size > self.bytes_left {
            self.out.truncated.get_or_insert_with(|| {
                format!(
                    "OFD 各部件解压后超过每个文件 {max} 字节的限制，{name} 及其后部件未读取 (the OFD's parts expand to more than the {max} byte limit per file; {name} and the rest were not read)",
                    max = self.ctx.limits.max_file_bytes,
                    name = entry.1
                )
            });
            self.stop = true;
            return false;
        }
        self.bytes_left -= size;
        true
    }
}

/// Appends `src`'s runs to `dst`, their text ranges moved along.
fn append(dst: &mut PageText, src: &PageText) {
    let shift = dst.text.len();
    dst.text.push_str(&src.text);
    dst.runs.extend(src.runs.iter().map(|r| {
        let mut r = r.clone();
        r.start += shift;
        r.end += shift;
        r
    }));
}
