//! One pass of quick-xml events over a WordprocessingML part (body, header, footer, notes,
//! comments) that turns it into located passages.
//!
//! The walk is a single stack machine instead of a DOM so that a 100 MB `document.xml` costs no
//! more memory than its text, a hostile nesting depth is caught at the event that exceeds it, and
//! text read before a syntax error is kept. The event loop, the container stack and the order of
//! passages are shared with the ODF walker ([`crate::ingest::flow`]); this module says what each
//! WordprocessingML element means. Rules (research/crates.md §2):
//!
//! - text is what sits in `w:t` (any namespace's `t`, so Office Math `m:t` counts), plus `w:tab`/
//!   `w:ptab` → `\t`, `w:br`/`w:cr` → `\n`, `w:noBreakHyphen` → `-` inside runs; entities arrive
//!   as `Event::GeneralRef` and are resolved;
//! - whole subtrees are skipped for deleted or duplicate text: `w:del`, `w:moveFrom`,
//!   `w:delText`, `w:instrText`/`w:delInstrText` (field codes; the field *result* is kept),
//!   `mc:Fallback` (the VML copy of a text box), `w:rt` (ruby/phonetic guide), every `*Change`
//!   element (old formatting), and footnote separators;
//! - everything else (`w:ins`, `w:hyperlink`, `w:sdt`/`w:sdtContent`, `w:smartTag`,
//!   `w:customXml`, `w:fldSimple`) is transparent;
//! - paragraphs are counted where Word shows them (empty ones too), table cells are placed on the
//!   grid (`w:gridBefore`, `w:gridSpan`), vertically or horizontally continued merge cells are
//!   not reported, and nested tables carry their outer path (`t1r7c1/t0r2c0`).

use super::styles::{Styles, outline_to_level};
use crate::ingest::ReadContext;
use crate::ingest::flow::{self, Container, Containers, HeadingPath, Sink};
use crate::ingest::ocr::embedded::Anchor;
use crate::ingest::package::attr;
use crate::model::Part;
use quick_xml::Reader;
use quick_xml::events::BytesStart;

use crate::ingest::package::Outcome;

/// What one open element means to the walk; one entry per open element, so the stack depth is
/// the XML depth and closing an element needs no name comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Para,
    Run,
    Text,
    TextBox,
    Table,
    Cell,
    Skip,
    Other,
}

#[derive(Debug)]
struct Para {
    text: String,
    style: Option<String>,
    /// `Some(level)` when the paragraph's own `w:outlineLvl` decides (`Some(None)` = body text).
    direct: Option<Option<u8>>,
    /// Paragraph index when the paragraph is not in a table cell.
    index: Option<u32>,
    /// Where its passage goes, so that text boxes inside it come after it.
    slot: usize,
}

/// Walks one part into a [`Sink`].
pub(super) struct Walker<'a> {
    part: Part,
    styles: &'a Styles,
    headings: Option<&'a mut HeadingPath>,
    sink: &'a mut Sink,
    open: Vec<Open>,
    skipping: usize,
    paras: Vec<Para>,
    containers: Containers,
    runs: usize,
    texts: usize,
    /// `w:altChunk` elements seen (embedded HTML/MHT/RTF not read).
    pub alt_chunks: u32,
    /// Pictures met (DrawingML `a:blip`, VML `v:imagedata`): their relationship id and place.
    pub pictures: Vec<(String, Anchor)>,
}

impl<'a> Walker<'a> {
    /// A walker for one part. `headings` is given for the body only: headers and notes have no
    /// place in the outline.
    pub(super) fn new(
        part: Part,
        styles: &'a Styles,
        headings: Option<&'a mut HeadingPath>,
        sink: &'a mut Sink,
    ) -> Walker<'a> {
        Walker {
            part,
            styles,
            headings,
            sink,
            open: Vec::new(),
            skipping: 0,
            paras: Vec::new(),
            containers: Containers::default(),
            runs: 0,
            texts: 0,
            alt_chunks: 0,
            pictures: Vec::new(),
        }
    }

    /// Records a picture (relationship `id`) where the walk is now: the open table cell, else
    /// the open paragraph, else just the part.
    fn picture(&mut self, id: String) {
        let anchor = if let Some((part, table, row, col)) = self.containers.open_cell() {
            Anchor::Cell {
                part,
                table,
                row,
                col,
            }
        } else if let Some(paragraph) = self.paras.iter().rev().find_map(|p| p.index) {
            Anchor::Paragraph {
                part: self.part,
                paragraph,
            }
        } else {
            Anchor::Part(self.part)
        };
        self.pictures.push((id, anchor));
    }

    /// Reads the part's XML to the end, a limit or an error; whatever was open at the end is
    /// flushed so text before a truncation is kept.
    pub(super) fn walk(&mut self, xml: &str, ctx: &ReadContext) -> Outcome {
        flow::walk(&mut Reader::from_str(xml), self, ctx)
    }

    fn push_text(&mut self, s: &str) {
        if let Some(p) = self.paras.last_mut() {
            p.text.push_str(s);
        }
    }

    fn start(&mut self, e: &BytesStart<'_>) {
        if self.skipping > 0 {
            self.open.push(Open::Other);
            return;
        }
        let name = e.local_name();
        let name: &str = name.as_ref();
        let kind = match name {
            "del" | "moveFrom" | "delText" | "instrText" | "delInstrText" | "Fallback" | "rt" => {
                Open::Skip
            }
            n if n.ends_with("Change") => Open::Skip,
            "footnote" | "endnote"
                if attr(e, "type").is_some_and(|t| {
                    matches!(
                        t.as_str(),
                        "separator" | "continuationSeparator" | "continuationNotice"
                    )
                }) =>
            {
                Open::Skip
            }
            "p" => {
                let index = if self.containers.in_cell() {
                    None
                } else {
                    Some(self.sink.next_paragraph(self.part))
                };
                self.paras.push(Para {
                    text: String::new(),
                    style: None,
                    direct: None,
                    index,
                    slot: self.sink.slot(self.part),
                });
                Open::Para
            }
            "r" => {
                self.runs += 1;
                Open::Run
            }
            "t" => {
                self.texts += 1;
                Open::Text
            }
            "tab" | "ptab" if self.runs > 0 => {
                self.push_text("\t");
                Open::Other
            }
            "br" | "cr" if self.runs > 0 => {
                self.push_text("\n");
                Open::Other
            }
            "noBreakHyphen" if self.runs > 0 => {
                self.push_text("-");
                Open::Other
            }
            "pStyle" => {
                if let Some(p) = self.paras.last_mut() {
                    p.style = attr(e, "val");
                }
                Open::Other
            }
            "outlineLvl" => {
                if let Some(p) = self.paras.last_mut() {
                    p.direct = attr(e, "val")
                        .and_then(|v| v.trim().parse::<u8>().ok())
                        .map(outline_to_level);
                }
                Open::Other
            }
            "txbxContent" => {
                self.containers.push(Container::TextBox);
                Open::TextBox
            }
            "tbl" => {
                let (part, sink) = (self.part, &mut *self.sink);
                self.containers.start_table(part, || sink.next_table(part));
                Open::Table
            }
            "tr" => {
                if let Some(t) = self.containers.table_mut() {
                    t.start_row(1);
                }
                Open::Other
            }
            "gridBefore" => {
                let n = number(e);
                if let Some(t) = self.containers.table_mut() {
                    t.skip_columns(n.unwrap_or(0).min(1000));
                }
                Open::Other
            }
            "tc" => {
                let slot = self.sink.slot(self.part);
                if let Some(t) = self.containers.table_mut() {
                    t.start_cell(1, 1, slot);
                    Open::Cell
                } else {
                    Open::Other
                }
            }
            "gridSpan" => {
                let n = number(e).unwrap_or(1).clamp(1, 1000);
                if let Some(c) = self.containers.cell_mut() {
                    c.advance = n;
                }
                Open::Other
            }
            "vMerge" | "hMerge" => {
                let continued = attr(e, "val").is_none_or(|v| v != "restart");
                if let Some(c) = self.containers.cell_mut() {
                    c.continued |= continued;
                }
                Open::Other
            }
            "altChunk" => {
                self.alt_chunks += 1;
                Open::Other
            }
            // `mc:Fallback` is skipped above, so a picture in both branches counts once.
            "blip" => {
                if let Some(id) = attr(e, "embed") {
                    self.picture(id);
                }
                Open::Other
            }
            "imagedata" => {
                if let Some(id) = attr(e, "id") {
                    self.picture(id);
                }
                Open::Other
            }
            _ => Open::Other,
        };
        if kind == Open::Skip {
            self.skipping += 1;
        }
        self.open.push(kind);
    }

    fn end(&mut self) {
        let Some(kind) = self.open.pop() else {
            return;
        };
        match kind {
            Open::Skip => self.skipping = self.skipping.saturating_sub(1),
            Open::Run => self.runs = self.runs.saturating_sub(1),
            Open::Text => self.texts = self.texts.saturating_sub(1),
            Open::Para => self.end_para(),
            Open::TextBox => self.containers.pop_story_or_text_box(),
            Open::Cell => self
                .containers
                .end_cell(self.sink, self.headings.as_deref_mut()),
            Open::Table => self
                .containers
                .end_table(self.sink, self.headings.as_deref_mut()),
            Open::Other => {}
        }
    }

    fn end_para(&mut self) {
        let Some(para) = self.paras.pop() else {
            return;
        };
        let Some(mut passage) =
            self.containers
                .paragraph_passage(self.part, para.text.trim(), para.index)
        else {
            return;
        };
        // Only the body's own paragraphs (not text boxes) shape the outline.
        let outline_ok = self.containers.as_slice().is_empty();
        let level = match para.direct {
            Some(direct) => direct,
            None => self.styles.level(para.style.as_deref()),
        };
        if let Some(h) = self.headings.as_deref_mut() {
            h.place(&mut passage, level.filter(|_| outline_ok));
        }
        self.sink.emit(self.part, passage, para.slot);
    }
}

impl flow::Walk<()> for Walker<'_> {
    fn depth(&self) -> usize {
        self.open.len()
    }

    fn full(&self) -> bool {
        self.sink.full()
    }

    fn start(&mut self, _: (), e: &BytesStart<'_>) {
        Walker::start(self, e);
    }

    fn end(&mut self) {
        Walker::end(self);
    }

    fn wants_text(&self) -> bool {
        self.texts > 0 && self.skipping == 0
    }

    fn text(&mut self, s: &str) {
        self.push_text(s);
    }
}

/// `w:val` as a count (`gridSpan`, `gridBefore`).
fn number(e: &BytesStart<'_>) -> Option<u32> {
    attr(e, "val").and_then(|v| v.trim().parse().ok())
}
