//! Pictures inside documents → passages: a licence pasted into Word (`.docx`, `.doc`), an ODF
//! text, a workbook or a slide. Readers find the pictures and where they sit ([`Anchor`]); this
//! reads each one by OCR and locates its lines as [`Location::Picture`], so a reviewer sees
//! "段落12 图片1 第3行" or "工作表 营业执照 单元格 B3 图片1 第3行".
//!
//! Small pictures are passed over: below [`MIN_SIDE`] pixels a side or [`MIN_PIXELS`] in all, a
//! picture is a logo, an icon, a signature or a QR code, never a page of text. Formats the image
//! decoders do not read (EMF/WMF drawings) are counted in a note, not failed. The pictures share
//! the file's clock: when it runs out, the rest are not read and the file says so.

use super::picture::decode_one;
use super::{OcrMode, engine, read_page_cached};
use crate::ingest::{Extracted, Limits, ReadContext, ReadError};
use crate::model::{Location, Part, Passage};
use std::collections::HashSet;

/// Pictures narrower or lower than this are not read (icons, logos, seals, signatures).
pub const MIN_SIDE: u32 = 120;
/// Pictures of fewer pixels than this are not read: a 400 × 300 crop at 150 dpi still holds a
/// few lines of a licence.
pub const MIN_PIXELS: u64 = 100_000;

/// Where a picture sits in its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// In a paragraph (0-based, as [`Location::Paragraph`] counts) of `part`.
    Paragraph { part: Part, paragraph: u32 },
    /// In a table cell (as [`Location::TableCell`]).
    Cell {
        part: Part,
        table: u32,
        row: u32,
        col: u32,
    },
    /// In a workbook: on `sheet`, its top-left corner anchored at `cell` (A1; `None` for a
    /// picture placed at an absolute position).
    Sheet { sheet: String, cell: Option<String> },
    /// On a slide (1-based, in presentation order).
    Slide(u32),
    /// Somewhere in `part`, place unknown.
    Part(Part),
}

/// One picture a reader found: where it is, its name in the package (for notes), its bytes.
#[derive(Debug, Clone)]
pub struct Embedded {
    pub anchor: Anchor,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What readers may take out of one file for OCR: each picture once (a picture placed twice is
/// read at its first place), and at most [`Limits::max_file_bytes`] of pictures in all, so a
/// file that refers to one big picture a thousand times costs one copy, not a thousand.
#[derive(Debug)]
pub struct Budget {
    seen: HashSet<String>,
    left: u64,
    refused: usize,
}

impl Budget {
    /// A budget for one file under `limits`.
    pub fn new(limits: &Limits) -> Budget {
        Budget {
            seen: HashSet::new(),
            left: limits.max_file_bytes,
            refused: 0,
        }
    }

    /// True when picture `name` (a package member, a stream offset) of `size` bytes is to be
    /// taken: not taken before, and within what is left (which it then uses up).
    pub fn admit(&mut self, name: &str, size: u64) -> bool {
        if self.seen.contains(name) {
            return false;
        }
        if size > self.left {
            self.refused += 1;
            return false;
        }
        self.left -= size;
        self.seen.insert(name.to_string());
        true
    }

    /// The reviewer's note when pictures were left out for the total.
    pub fn note(&self) -> Option<String> {
        (self.refused > 0).then(|| {
            format!(
                "有 {n} 张图片未读取：文档中的图片合计超出每个文件的大小限制 ({n} picture(s) not read: the document's pictures together exceed the per-file size limit)",
                n = self.refused
            )
        })
    }
}

/// Reads `pictures` (in document order) by OCR into `out`: their lines become passages after the
/// document's own, and notes say what was passed over and why.
pub(crate) fn read_pictures(pictures: Vec<Embedded>, ctx: &ReadContext, out: &mut Extracted) {
    if pictures.is_empty() {
        return;
    }
    let count = pictures.len();
    if ctx.limits.ocr == OcrMode::Off {
        out.notes.push(format!(
            "文档中的 {count} 张图片未读取（OCR 已关闭，--ocr off） ({count} picture(s) in the document not read, --ocr off)"
        ));
        return;
    }
    let engine = match engine(ctx.limits.ocr_engine) {
        Ok(engine) => engine,
        Err(e) => {
            out.notes.push(format!(
                "文档中的 {count} 张图片未读取：{e} ({count} picture(s) in the document not read)"
            ));
            return;
        }
    };
    let deadline = ctx.deadline();
    let (mut small, mut undecodable, mut read, mut empty) = (0usize, Vec::new(), 0usize, 0usize);
    for (i, picture) in pictures.into_iter().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if let Err(e) = ctx.check_time() {
            out.notes.push(format!(
                "文档中的第 {number}–{count} 张图片未读取：{e} (pictures {number}–{count} of the document not read)"
            ));
            out.truncated.get_or_insert_with(|| e.to_string());
            break;
        }
        let image = match decode_one(&picture.bytes) {
            Ok(image) => image,
            Err(ReadError::LimitExceeded(why)) => {
                out.notes
                    .push(format!("第 {number} 张图片（{}）：{why}", picture.name));
                continue;
            }
            Err(_) => {
                undecodable.push(picture.name);
                continue;
            }
        };
        let (w, h) = image.dimensions();
        if w < MIN_SIDE || h < MIN_SIDE || u64::from(w) * u64::from(h) < MIN_PIXELS {
            small += 1;
            continue;
        }
        let text = match read_page_cached(engine, &image, deadline, ctx.limits.ocr_cache.as_deref())
        {
            Ok(text) => text,
            Err(super::OcrError::Timeout) => {
                let why = format!("第 {number} 张图片 OCR：{}", ctx.time.spent_message());
                out.notes.push(why.clone());
                out.truncated.get_or_insert(why);
                break;
            }
            Err(e) => {
                out.notes
                    .push(format!("第 {number} 张图片（{}）：{e}", picture.name));
                continue;
            }
        };
        let before = out.passages.len();
        out.passages.extend(
            text.lines
                .into_iter()
                .filter(|l| !l.text.trim().is_empty())
                .enumerate()
                .map(|(k, line)| {
                    let location = located(
                        &picture.anchor,
                        number,
                        u32::try_from(k + 1).unwrap_or(u32::MAX),
                        line.bbox,
                    );
                    let mut passage = Passage::new(line.text, location);
                    passage.ocr_confidence = Some(line.confidence);
                    passage
                }),
        );
        if out.passages.len() > before {
            read += 1;
        } else {
            empty += 1;
        }
    }
    if read > 0 {
        out.notes.push(format!(
            "文档中有 {read} 张图片已通过 OCR（{engine}）读取 ({read} picture(s) in the document read by OCR)",
            engine = engine.name()
        ));
    }
    if empty > 0 {
        out.notes.push(format!(
            "文档中有 {empty} 张图片没有可辨认的文字 ({empty} picture(s) in the document had no legible text)"
        ));
    }
    if small > 0 {
        out.notes.push(format!(
            "有 {small} 张小图片（标志、图标、签名）未读取 ({small} small picture(s) not read)"
        ));
    }
    if !undecodable.is_empty() {
        out.notes.push(format!(
            "有 {n} 张图片的格式无法读取（如 EMF/WMF 绘图）：{names} ({n} picture(s) in a format not read)",
            n = undecodable.len(),
            names = undecodable.join(", ")
        ));
    }
}

/// The location of line `line` (box `bbox`) of picture `picture` at `anchor`.
fn located(anchor: &Anchor, picture: u32, line: u32, bbox: [u32; 4]) -> Location {
    let (mut part, mut paragraph, mut table, mut row, mut col) =
        (Part::Body, None, None, None, None);
    let (mut sheet, mut cell, mut slide) = (None, None, None);
    match anchor {
        Anchor::Paragraph {
            part: p,
            paragraph: i,
        } => (part, paragraph) = (*p, Some(*i)),
        Anchor::Cell {
            part: p,
            table: t,
            row: r,
            col: c,
        } => (part, table, row, col) = (*p, Some(*t), Some(*r), Some(*c)),
        Anchor::Sheet { sheet: s, cell: c } => (sheet, cell) = (Some(s.clone()), c.clone()),
        Anchor::Slide(s) => slide = Some(*s),
        Anchor::Part(p) => part = *p,
    }
    Location::Picture {
        part,
        paragraph,
        table,
        row,
        col,
        sheet,
        cell,
        slide,
        picture,
        line,
        bbox,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picture_in_a_cell_is_located_at_the_cell() {
        let at = located(
            &Anchor::Cell {
                part: Part::Body,
                table: 1,
                row: 2,
                col: 0,
            },
            3,
            4,
            [1, 2, 3, 4],
        );
        let json = serde_json::to_string(&at).expect("json");
        assert_eq!(
            json,
            r#"{"table":1,"row":2,"col":0,"picture":3,"line":4,"bbox":[1,2,3,4]}"#
        );
        let back: Location = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, at);
    }

    /// Every anchor's location survives JSON: the untagged enum tries `Picture` first, and no
    /// other shape (a slide paragraph, a sheet cell, a table cell) takes a picture's keys.
    #[test]
    fn every_anchor_round_trips_through_json() {
        let anchors = [
            Anchor::Paragraph {
                part: Part::Header,
                paragraph: 7,
            },
            Anchor::Sheet {
                sheet: "营业执照".into(),
                cell: Some("B3".into()),
            },
            Anchor::Slide(2),
            Anchor::Part(Part::Body),
        ];
        let expected = [
            r#"{"part":"header","paragraph":7,"picture":1,"line":2,"bbox":[0,0,9,9]}"#,
            r#"{"sheet":"营业执照","cell":"B3","picture":1,"line":2,"bbox":[0,0,9,9]}"#,
            r#"{"slide":2,"picture":1,"line":2,"bbox":[0,0,9,9]}"#,
            r#"{"picture":1,"line":2,"bbox":[0,0,9,9]}"#,
        ];
        for (anchor, want) in anchors.iter().zip(expected) {
            let at = located(anchor, 1, 2, [0, 0, 9, 9]);
            let json = serde_json::to_string(&at).expect("json");
            assert_eq!(json, want);
            let back: Location = serde_json::from_str(&json).expect("parse");
            assert_eq!(back, at, "{json}");
        }
        let at = located(&Anchor::Slide(2), 1, 2, [0, 0, 9, 9]);
        assert_eq!(at.to_string(), "slide 2 picture 1 line 2 (OCR)");
        let sheet = Anchor::Sheet {
            sheet: "执照".into(),
            cell: Some("B3".into()),
        };
        assert_eq!(
            located(&sheet, 1, 2, [0; 4]).to_string(),
            "执照!B3 picture 1 line 2 (OCR)"
        );
        // The shapes a picture must not be mistaken for still read as themselves.
        let slide: Location = serde_json::from_str(r#"{"slide":2,"paragraph":0}"#).expect("slide");
        assert!(matches!(slide, Location::Slide { .. }));
        let cell: Location = serde_json::from_str(r#"{"sheet":"a","cell":"B3"}"#).expect("cell");
        assert!(matches!(cell, Location::SheetCell { .. }));
    }

    #[test]
    fn the_budget_takes_each_picture_once_and_stops_at_the_total() {
        let mut budget = Budget::new(&crate::ingest::Limits {
            max_file_bytes: 100,
            ..crate::ingest::Limits::default()
        });
        assert!(budget.admit("a.png", 60));
        assert!(!budget.admit("a.png", 60), "the same picture twice");
        assert!(!budget.admit("b.png", 41), "over the total");
        assert!(budget.admit("c.png", 40));
        assert!(
            budget
                .note()
                .is_some_and(|n| n.starts_with("有 1 张图片未读取"))
        );
    }

    #[test]
    fn off_reads_nothing_and_says_so() {
        let ctx = ReadContext::new(crate::ingest::Limits {
            ocr: OcrMode::Off,
            ..crate::ingest::Limits::default()
        });
        let mut out = Extracted::default();
        let picture = Embedded {
            anchor: Anchor::Part(Part::Body),
            name: "word/media/image1.png".into(),
            bytes: Vec::new(),
        };
        read_pictures(vec![picture], &ctx, &mut out);
        assert!(out.passages.is_empty());
        assert!(out.notes[0].contains("--ocr off"), "{:?}", out.notes);
    }
}
