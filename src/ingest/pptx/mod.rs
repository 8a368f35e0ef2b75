//! PowerPoint `.pptx` reader (company profiles, training decks): a zip of DrawingML parts →
//! one passage per paragraph and per table cell of each slide, in presentation order, then the
//! slide's speaker notes, located by [`Location::Slide`](crate::model::Location::Slide).
//!
//! Why its own reader and not the Word flow ([`super::flow`]): a slide has no story, headings or
//! nested tables, its paragraphs sit in shapes, and its tables carry their merges on every cell;
//! what is shared is the bounded package ([`super::package`]) and the event loop
//! ([`super::flow::walk`]). The slide order is `ppt/presentation.xml`'s `p:sldIdLst` through its
//! relationships ([`rels`]), not the part names; shapes in reading order ([`walk`]); pictures
//! (`p:pic`) read by OCR and located at their slide; SmartArt text (`diagramData` parts: org charts
//! are common in company profiles) is read with its slide, charts and embedded objects are only
//! counted in a note.
//!
//! Bounds as for Word: entry count, each part's size and ratio, XML depth, the file's clock,
//! `max_passages`, and `max_pages` slides.

mod rels;
mod walk;

#[cfg(test)]
mod tests;

use super::ocr::embedded::{Anchor, Budget, Embedded, read_pictures};
use super::package::{self, PartError, refuse_unread, secondary_part, settle};
use super::{Extracted, ReadContext, ReadError, sniff};
use std::collections::HashMap;
use walk::SlideSink;

/// Reads a .pptx (also .pptm, .ppsx; PowerPoint, WPS and LibreOffice output) into passages.
pub fn read(bytes: &[u8], ctx: &ReadContext) -> Result<Extracted, ReadError> {
    if sniff::is_encrypted_ooxml(bytes) {
        return Err(ReadError::Encrypted(
            "PowerPoint 演示文稿已加密（加密的 OOXML 包），请申请方提供未加密的副本 (password-protected PowerPoint presentation: an encrypted OOXML package; ask the applicant for an unprotected copy)".into(),
        ));
    }
    let mut package = Package::open(bytes, ctx)?;
    let presentation = package.presentation_part(ctx).ok_or_else(|| {
        ReadError::Corrupt(
            "压缩包中没有 ppt/presentation.xml，不是 PowerPoint 演示文稿 (zip has no ppt/presentation.xml, so it is not a PowerPoint presentation)".into(),
        )
    })?;
    let mut out = Extracted::default();
    let pres_idx = package.find(&presentation).ok_or_else(|| {
        ReadError::Corrupt("演示文稿主部件丢失 (presentation part vanished)".into())
    })?;
    let (pres_xml, note) = package
        .read_part(pres_idx)
        .map_err(PartError::into_file_error)?;
    out.notes.extend(note);
    let pres_rels = package.rels_of(&presentation, ctx, &mut out);
    let by_id: HashMap<&str, &rels::Rel> = pres_rels.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut slides: Vec<String> = rels::slide_ids(&pres_xml, ctx)
        .iter()
        .filter_map(|rid| by_id.get(rid.as_str()))
        .filter(|r| r.kind == "slide")
        .map(|r| r.target.clone())
        .collect();
    drop(pres_xml);
    if slides.is_empty() {
        slides = package.numbered("ppt/slides/slide");
        if !slides.is_empty() {
            out.notes.push(
                "presentation.xml 中没有列出幻灯片，已按部件名称顺序读取各幻灯片 (presentation.xml lists no slides; the slide parts were read in the order of their names)".into(),
            );
        }
    }
    out.pages = Some(u32::try_from(slides.len()).unwrap_or(u32::MAX));
    let mut passages = Vec::new();
    let mut pictures = Vec::new();
    let mut budget = Budget::new(&ctx.limits);
    let mut hidden = Vec::new();
    let mut charts = 0usize;
    let mut read_any = false;
    for (i, part) in slides.iter().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if number > ctx.limits.max_pages {
            out.truncated.get_or_insert_with(|| {
                format!(
                    "演示文稿共 {total} 张幻灯片，只读取了前 {max} 张 (the presentation has {total} slides; only the first {max} were read)",
                    total = slides.len(),
                    max = ctx.limits.max_pages
                )
            });
            break;
        }
        if let Err(e) = ctx.check_time() {
            out.truncated.get_or_insert(e.to_string());
            break;
        }
        let Some(idx) = package.find(part) else {
            out.notes.push(format!(
                "第 {number} 张幻灯片：文件包中没有其部件 {part} (slide {number}: its part {part} is not in the package)"
            ));
            continue;
        };
        let Some(xml) = secondary_part(
            package.read_part(idx),
            &mut out,
            Some("其文字缺失 (its text is missing)"),
        ) else {
            continue;
        };
        read_any = true;
        if is_hidden(&xml) {
            hidden.push(number);
        }
        let mut sink = SlideSink {
            slide: number,
            notes: false,
            paragraph: 0,
            table: 0,
            out: &mut passages,
            max: ctx.limits.max_passages,
            pictures: Vec::new(),
        };
        let outcome = walk::walk(&xml, &mut sink, ctx);
        let (next_paragraph, next_table) = (sink.paragraph, sink.table);
        let picture_ids = std::mem::take(&mut sink.pictures);
        drop(xml);
        if slides.len() == 1 {
            refuse_unread(part, &outcome, passages.len())?;
        }
        let mut stop = settle(part, outcome, &mut out);
        let slide_rels = package.rels_of(part, ctx, &mut out);
        charts += slide_rels.iter().filter(|r| r.kind == "chart").count();
        if !stop {
            package.pictures(
                number,
                &picture_ids,
                &slide_rels,
                &mut budget,
                &mut pictures,
                &mut out,
            );
        }
        for (kind, notes) in [("diagramData", false), ("notesSlide", true)] {
            let mut sink = SlideSink {
                slide: number,
                notes,
                paragraph: if notes { 0 } else { next_paragraph },
                table: if notes { 0 } else { next_table },
                out: &mut passages,
                max: ctx.limits.max_passages,
                pictures: Vec::new(),
            };
            for rel in slide_rels.iter().filter(|r| r.kind == kind) {
                if stop {
                    break;
                }
                let Some(idx) = package.find(&rel.target) else {
                    continue;
                };
                let Some(xml) = secondary_part(package.read_part(idx), &mut out, None) else {
                    continue;
                };
                let outcome = walk::walk(&xml, &mut sink, ctx);
                stop = settle(&rel.target, outcome, &mut out);
            }
        }
        if stop {
            break;
        }
    }
    if !slides.is_empty() && !read_any {
        return Err(ReadError::Corrupt(
            "演示文稿中没有可读取的幻灯片 (no slide of the presentation could be read)".into(),
        ));
    }
    if !hidden.is_empty() {
        out.notes.push(format!(
            "隐藏的幻灯片（放映时不显示）也已读取：第 {list} 张 (hidden slide(s) {list}, not shown in a slide show, were read too)",
            list = hidden
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if charts > 0 {
        out.notes.push(format!(
            "幻灯片上的 {charts} 个图表未读取 ({charts} chart(s) on the slides not read)"
        ));
    }
    let embedded = package.count_under("ppt/embeddings/");
    if embedded > 0 {
        out.notes.push(format!(
            "有 {embedded} 个嵌入对象未读取（位于 ppt/embeddings/：Word、Excel、OLE 包） \
             ({embedded} embedded object(s) not read)"
        ));
    }
    out.passages = passages;
    out.notes.extend(budget.note());
    read_pictures(pictures, ctx, &mut out);
    Ok(out)
}

/// Whether the slide's root element says `show="0"` (hidden in a slide show).
fn is_hidden(xml: &str) -> bool {
    let mut reader = quick_xml::Reader::from_str(xml);
    for _ in 0..64 {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                return package::attr(&e, "show")
                    .is_some_and(|v| matches!(v.trim(), "0" | "false"));
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
    false
}

/// The opened package plus a case-insensitive name index (OPC part names are case-insensitive).
struct Package<'b, 'c> {
    parts: package::Package<'b, 'c>,
    names: HashMap<String, usize>,
}

impl<'b, 'c> Package<'b, 'c> {
    fn open(bytes: &'b [u8], ctx: &'c ReadContext) -> Result<Package<'b, 'c>, ReadError> {
        let parts = package::Package::open(bytes, &ctx.limits, ".pptx")?;
        let mut names = HashMap::new();
        for (i, name) in parts.member_names().enumerate() {
            names
                .entry(name.trim_start_matches('/').to_lowercase())
                .or_insert(i);
        }
        Ok(Package { parts, names })
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.names.get(&name.to_lowercase()).copied()
    }

    fn read_part(&mut self, idx: usize) -> Result<(String, Option<String>), PartError> {
        self.parts.read_part(idx)
    }

    /// The presentation part: the package's `officeDocument` relationship target when it
    /// exists, else `ppt/presentation.xml`.
    fn presentation_part(&mut self, ctx: &ReadContext) -> Option<String> {
        if let Some(idx) = self.find("_rels/.rels")
            && let Ok((xml, _)) = self.read_part(idx)
            && let Some(rel) = rels::parse(&xml, "", ctx)
                .into_iter()
                .find(|r| r.kind == "officeDocument" && self.find(&r.target).is_some())
        {
            return Some(rel.target);
        }
        self.find("ppt/presentation.xml")
            .map(|_| "ppt/presentation.xml".to_string())
    }

    /// The relationships of `part` (none when it has no `_rels` part or it cannot be read).
    fn rels_of(&mut self, part: &str, ctx: &ReadContext, out: &mut Extracted) -> Vec<rels::Rel> {
        let Some(idx) = self.find(&rels::rels_part_of(part)) else {
            return Vec::new();
        };
        match secondary_part(self.read_part(idx), out, None) {
            Some(xml) => rels::parse(&xml, part, ctx),
            None => Vec::new(),
        }
    }

    /// Parts `{prefix}{N}.xml` in numeric order.
    fn numbered(&self, prefix: &str) -> Vec<String> {
        let mut found: Vec<(u64, String)> = self
            .names
            .keys()
            .filter_map(|name| {
                let n = name.strip_prefix(prefix)?.strip_suffix(".xml")?;
                (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| (n.parse().unwrap_or(u64::MAX), name.clone()))
            })
            .collect();
        found.sort();
        found.into_iter().map(|(_, n)| n).collect()
    }

    /// The pictures of slide `number` (`ids`: relationship ids in reading order) out of the
    /// package into `pictures`; an id without an image part in the package is passed over.
    fn pictures(
        &mut self,
        number: u32,
        ids: &[String],
        rels: &[rels::Rel],
        budget: &mut Budget,
        pictures: &mut Vec<Embedded>,
        out: &mut Extracted,
    ) {
        for id in ids {
            let Some(rel) = rels.iter().find(|r| &r.id == id) else {
                continue;
            };
            let Some(idx) = self.find(&rel.target) else {
                out.notes.push(format!(
                    "第 {number} 张幻灯片上的图片引用了 {target}，但文件包中没有该文件 (a picture on slide {number} refers to {target}, which the package does not hold)",
                    target = rel.target
                ));
                continue;
            };
            if !budget.admit(&rel.target, self.parts.declared_size(idx)) {
                continue;
            }
            match self.parts.read_bytes(idx) {
                Ok((bytes, _)) => pictures.push(Embedded {
                    anchor: Anchor::Slide(number),
                    name: rel.target.clone(),
                    bytes,
                }),
                Err(e) => out
                    .notes
                    .push(format!("图片 {}：{}", rel.target, e.message())),
            }
        }
    }

    fn count_under(&self, dir: &str) -> usize {
        self.names
            .keys()
            .filter(|n| n.starts_with(dir) && !n.ends_with('/'))
            .count()
    }
}
