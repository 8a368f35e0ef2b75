//! Characters → located passages: paragraphs at paragraph marks, table cells at cell marks,
//! rows at row-end marks, field codes dropped and field results kept.
//!
//! The container machinery (tables, cells on the grid, nested paths, where each passage goes)
//! is the one the docx and odt walkers share ([`crate::ingest::flow`]); this module only says
//! what Word's marks mean:
//!
//! - `0x0D` ends a paragraph, `0x07` ends a table cell, and the `0x07` whose paragraph has
//!   `fTtp` ends a row. Nested tables (`sprmPItap` > 1) end their cells and rows with paragraph
//!   marks flagged `fInnerTableCell`/`fInnerTtp`. The depth of each paragraph says which tables
//!   are open. A section mark `0x0C` ends a paragraph when the properties end a paragraph there;
//!   otherwise it is a page break inside one (`\n`).
//! - Without paragraph properties (Word 6/95, or a file whose bin tables are unreadable) a
//!   heuristic stands in: every `0x07` ends a cell of a one-level table, a `0x07` right after a
//!   cell end with no text between ends the row, and a paragraph after a row end is outside the
//!   table. It misreads an empty last cell as a row end; such files are rare and old.
//! - Fields: `0x13` opens a field, `0x14` separates its code from its result, `0x15` closes it;
//!   text is kept only where every open field is past its separator (the code of a HYPERLINK,
//!   PAGE or TOC is dropped, the text shown is kept).
//! - `0x0B` (line break) → `\n`, `0x09` → `\t`, `0x1E` (non-breaking hyphen) → `-`; other control
//!   characters (pictures `0x01`, note references `0x02`, drawn objects `0x08`, optional
//!   hyphens `0x1F`…) are dropped; each picture character is recorded with the paragraph or
//!   table cell its mark closes, for [`super::pictures`].

use super::props::{ParaProps, Runs};
use super::stories::Story;
use super::text::Chars;
use crate::ingest::flow::{Containers, HeadingPath, Sink};
use crate::ingest::ocr::embedded::Anchor;
use crate::model::Part;

/// Deepest field nesting followed; deeper fields are treated as code (dropped).
const MAX_FIELD_DEPTH: usize = 64;
/// Longest paragraph kept, in bytes; the rest of a longer one is dropped with a note.
const MAX_PARAGRAPH_BYTES: usize = 1 << 20;
/// Most picture characters recorded; each may cost an OCR run.
const MAX_PICTURE_CHARS: usize = 1_000;

/// What a mark ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// A paragraph outside tables, or inside a cell.
    Paragraph,
    Cell,
    Row,
}

/// Turns the characters of the stories into passages in a [`Sink`].
pub(super) struct Layout<'s> {
    sink: &'s mut Sink,
    props: &'s Runs<ParaProps>,
    headings: HeadingPath,
    containers: Containers,
    /// Per open table: a row is open.
    rows_open: Vec<bool>,
    story: Story,
    text: String,
    /// Open fields: true once past the separator.
    fields: Vec<bool>,
    /// Fields opened past [`MAX_FIELD_DEPTH`], treated as code until they close.
    deep_fields: u32,
    /// Heuristic mode: the last mark ended a cell and no text came since.
    after_cell_end: bool,
    /// Pictures and drawn objects met.
    pub pictures: u32,
    /// Picture characters (`0x01`) met: their offset in the `WordDocument` stream and the
    /// paragraph or cell holding them.
    pub picture_chars: Vec<(u64, Anchor)>,
    /// The places of the main document's drawn-object characters (`0x08`), in text order: the
    /// k-th is where the k-th floating shape of `PlcfSpaMom` is anchored.
    pub drawn_anchors: Vec<Anchor>,
    /// Picture (`0x01`, with its offset) and drawn-object (`0x08`) characters of the paragraph
    /// being read, placed when its mark comes.
    pending_pictures: Vec<(u8, u64)>,
    /// Paragraphs cut at [`MAX_PARAGRAPH_BYTES`].
    pub cut_paragraphs: u32,
}

impl<'s> Layout<'s> {
    pub(super) fn new(sink: &'s mut Sink, props: &'s Runs<ParaProps>) -> Layout<'s> {
        Layout {
            sink,
            props,
            headings: HeadingPath::default(),
            containers: Containers::default(),
            rows_open: Vec::new(),
            story: Story {
                part: Part::Body,
                start: 0,
                end: 0,
                main: true,
            },
            text: String::new(),
            fields: Vec::new(),
            deep_fields: 0,
            after_cell_end: false,
            pictures: 0,
            picture_chars: Vec::new(),
            drawn_anchors: Vec::new(),
            pending_pictures: Vec::new(),
            cut_paragraphs: 0,
        }
    }

    /// The picture characters read since the last mark sit at `anchor`.
    fn place_pictures(&mut self, anchor: Anchor) {
        for (code, fc) in self.pending_pictures.drain(..) {
            if code == 0x01 {
                self.picture_chars.push((fc, anchor.clone()));
            } else {
                self.drawn_anchors.push(anchor.clone());
            }
        }
    }

    /// True once the passage limit is reached.
    pub(super) fn full(&self) -> bool {
        self.sink.full()
    }

    /// A note for the reviewer when the heading budget ran out.
    pub(super) fn headings_note(&self) -> Option<String> {
        self.headings.note()
    }

    /// Starts `story`; the previous one must have been ended.
    pub(super) fn begin(&mut self, story: Story) {
        self.story = story;
        self.fields.clear();
        self.deep_fields = 0;
        self.after_cell_end = false;
    }

    /// Ends the story: text after its last mark is a paragraph, open tables close.
    pub(super) fn end(&mut self) {
        if !self.text.trim().is_empty() {
            self.mark(0x0D, None);
        }
        self.text.clear();
        let part = self.part();
        self.place_pictures(Anchor::Part(part));
        self.close_tables_to(0);
    }

    fn keeps_text(&self) -> bool {
        self.deep_fields == 0 && self.fields.iter().all(|&past_separator| past_separator)
    }

    fn push(&mut self, s: &str) {
        if !self.keeps_text() {
            return;
        }
        if self.text.len() + s.len() > MAX_PARAGRAPH_BYTES {
            if self.text.len() < MAX_PARAGRAPH_BYTES {
                self.cut_paragraphs += 1;
                let mut cut = MAX_PARAGRAPH_BYTES - self.text.len();
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                self.text.push_str(&s[..cut]);
            }
            return;
        }
        self.text.push_str(s);
        self.after_cell_end = false;
    }

    fn part(&self) -> Part {
        self.story.part
    }

    fn depth(&self) -> usize {
        self.containers.as_slice().len()
    }

    /// Closes tables until `depth` remain.
    fn close_tables_to(&mut self, depth: usize) {
        while self.depth() > depth {
            let headings = (self.part() == Part::Body).then_some(&mut self.headings);
            self.containers.end_table(self.sink, headings);
            self.rows_open.pop();
        }
    }

    /// Opens tables (nested in the open cell) until `depth` are open, and makes sure the
    /// innermost has an open row and cell.
    fn open_to(&mut self, depth: usize) {
        while self.depth() < depth {
            if self.depth() > 0 {
                self.ensure_cell();
            }
            let (part, sink) = (self.part(), &mut *self.sink);
            self.containers.start_table(part, || sink.next_table(part));
            self.rows_open.push(false);
        }
        self.ensure_cell();
    }

    fn ensure_cell(&mut self) {
        let slot = self.sink.slot(self.part());
        let Some(row_open) = self.rows_open.last_mut() else {
            return;
        };
        let Some(table) = self.containers.table_mut() else {
            return;
        };
        if !*row_open {
            table.start_row(1);
            *row_open = true;
        }
        if self.containers.cell_mut().is_none()
            && let Some(table) = self.containers.table_mut()
        {
            table.start_cell(1, 1, slot);
        }
    }

    /// What the mark `code` at `fc` ends, and at which table depth.
    fn classify(&self, code: u8, props: Option<ParaProps>) -> (usize, Mark) {
        match props {
            Some(p) => {
                let depth = p.table_depth() as usize;
                let mark = match (depth, code) {
                    (0, 0x07) => return (1, Mark::Cell),
                    (0, _) => Mark::Paragraph,
                    (1, 0x07) if p.row_end => Mark::Row,
                    (1, 0x07) => Mark::Cell,
                    (1, _) => Mark::Paragraph,
                    (_, _) if p.inner_row_end => Mark::Row,
                    (_, 0x07) => Mark::Cell,
                    (_, _) if p.inner_cell_end => Mark::Cell,
                    _ => Mark::Paragraph,
                };
                (depth, mark)
            }
            None => match code {
                0x07 if self.after_cell_end && self.text.trim().is_empty() => (1, Mark::Row),
                0x07 => (1, Mark::Cell),
                _ if self.rows_open.last().copied().unwrap_or(false) => (1, Mark::Paragraph),
                _ => (0, Mark::Paragraph),
            },
        }
    }

    /// A paragraph, cell or row mark: the text read since the last one goes where it belongs.
    fn mark(&mut self, code: u8, props: Option<ParaProps>) {
        let (depth, mark) = self.classify(code, props);
        let text = std::mem::take(&mut self.text);
        let text = text.trim();
        let part = self.part();
        if depth == 0 {
            self.close_tables_to(0);
            let index = self.sink.next_paragraph(part);
            self.place_pictures(Anchor::Paragraph {
                part,
                paragraph: index,
            });
            let slot = self.sink.slot(part);
            if let Some(mut passage) = self.containers.paragraph_passage(part, text, Some(index)) {
                if part == Part::Body {
                    let level = props
                        .and_then(|p| p.heading_level())
                        .filter(|_| self.story.main);
                    self.headings.place(&mut passage, level);
                }
                self.sink.emit(part, passage, slot);
            }
            self.after_cell_end = false;
            return;
        }
        self.close_tables_to(depth);
        if mark == Mark::Row && text.is_empty() {
            // The row-end mark: close the cell a row may have left open, then the row.
            let headings = (part == Part::Body).then_some(&mut self.headings);
            self.containers.end_cell(self.sink, headings);
            if let Some(open) = self.rows_open.last_mut() {
                *open = false;
            }
            self.after_cell_end = false;
            return;
        }
        self.open_to(depth);
        if !self.pending_pictures.is_empty() {
            let anchor = match self.containers.open_cell() {
                Some((part, table, row, col)) => Anchor::Cell {
                    part,
                    table,
                    row,
                    col,
                },
                None => Anchor::Part(part),
            };
            self.place_pictures(anchor);
        }
        let _ = self.containers.paragraph_passage(part, text, None);
        match mark {
            Mark::Paragraph => self.after_cell_end = false,
            Mark::Cell | Mark::Row => {
                let headings = (part == Part::Body).then_some(&mut self.headings);
                self.containers.end_cell(self.sink, headings);
                self.after_cell_end = true;
                if mark == Mark::Row
                    && let Some(open) = self.rows_open.last_mut()
                {
                    *open = false;
                }
            }
        }
    }
}

impl Chars for Layout<'_> {
    fn text(&mut self, s: &str) {
        self.push(s);
    }

    fn control(&mut self, code: u8, fc: u64, width: u32) {
        let props = || {
            (!self.props.is_empty())
                .then(|| self.props.at(fc))
                .flatten()
        };
        match code {
            0x0D | 0x07 => {
                let p = props();
                self.mark(code, p);
            }
            0x0C => {
                let ends = self.props.is_empty() || self.props.ends_at(fc + u64::from(width));
                if ends {
                    let p = props();
                    self.mark(0x0D, p);
                } else {
                    self.push("\n");
                }
            }
            0x13 if self.fields.len() >= MAX_FIELD_DEPTH => {
                self.deep_fields = self.deep_fields.saturating_add(1);
            }
            0x13 => self.fields.push(false),
            0x14 if self.deep_fields > 0 => {}
            0x14 => {
                if let Some(top) = self.fields.last_mut() {
                    *top = true;
                }
            }
            0x15 if self.deep_fields > 0 => self.deep_fields -= 1,
            0x15 => {
                self.fields.pop();
            }
            0x0B => self.push("\n"),
            0x09 => self.push("\t"),
            0x1E => self.push("-"),
            // A picture in a field's code is the field's data (a hyperlink's), not a picture.
            0x01 | 0x08 if self.keeps_text() => {
                self.pictures = self.pictures.saturating_add(1);
                let recorded = self.picture_chars.len() + self.drawn_anchors.len();
                // Drawn objects are numbered by PlcfSpaMom for the main document only.
                if (code == 0x01 || self.story.main)
                    && recorded + self.pending_pictures.len() < MAX_PICTURE_CHARS
                {
                    self.pending_pictures.push((code, fc));
                }
            }
            _ => {}
        }
    }
}
