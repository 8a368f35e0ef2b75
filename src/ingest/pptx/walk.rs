//! One slide part (or notes slide, or SmartArt data part) → located passages: every DrawingML
//! paragraph (`a:p`) of its shapes in document order, and every table cell (`a:tbl/a:tr/a:tc`)
//! as one passage with its row and grid column.
//!
//! What is left out: `mc:Fallback` (a copy of the `mc:Choice` content for old readers), merged
//! table cells' continuations (`hMerge`/`vMerge`, their text is in the first cell), the slide
//! number placeholder, and in notes the date, header and footer placeholders (the slide's own
//! footer text is kept: it is shown on the slide).

use crate::ingest::ReadContext;
use crate::ingest::flow::{self, Walk};
use crate::ingest::package::{Outcome, attr};
use crate::model::{Location, Passage};
use quick_xml::events::BytesStart;

/// Where one walk's passages go and how they are numbered.
pub(super) struct SlideSink<'s> {
    /// 1-based slide number.
    pub(super) slide: u32,
    /// Notes of the slide rather than the slide.
    pub(super) notes: bool,
    /// Next paragraph index (runs on across the parts of one slide: slide, then SmartArt).
    pub(super) paragraph: u32,
    /// Next table index on the slide.
    pub(super) table: u32,
    pub(super) out: &'s mut Vec<Passage>,
    /// Most passages the file may have.
    pub(super) max: usize,
}

/// Walks `xml` into `sink`.
pub(super) fn walk(xml: &str, sink: &mut SlideSink<'_>, ctx: &ReadContext) -> Outcome {
    let mut walker = Walker {
        sink,
        depth: 0,
        skip_below: None,
        shape_skipped: false,
        para: None,
        run_text: None,
        cell: None,
        table: None,
        full: false,
    };
    flow::walk(&mut quick_xml::Reader::from_str(xml), &mut walker, ctx)
}

struct Table {
    index: u32,
    depth: usize,
    row: Option<u32>,
    next_row: u32,
    cursor: u32,
}

struct Cell {
    depth: usize,
    row: u32,
    col: u32,
    continued: bool,
    first_paragraph: Option<u32>,
    paras: Vec<String>,
}

struct Walker<'a, 's> {
    sink: &'a mut SlideSink<'s>,
    depth: usize,
    /// Inside a subtree that is skipped: elements at depth greater than this.
    skip_below: Option<usize>,
    /// The current shape is a placeholder whose text is not read.
    shape_skipped: bool,
    /// The paragraph being read, with the depth of its `a:p`.
    para: Option<(usize, String)>,
    /// Depth of the `a:t` being read (text outside `a:t` is layout whitespace).
    run_text: Option<usize>,
    cell: Option<Cell>,
    table: Option<Table>,
    full: bool,
}

impl Walker<'_, '_> {
    fn emit(&mut self, text: String, paragraph: u32, cell: Option<(u32, u32, u32)>) {
        if self.sink.out.len() >= self.sink.max {
            self.full = true;
            return;
        }
        self.sink.out.push(Passage::new(
            text,
            Location::Slide {
                slide: self.sink.slide,
                paragraph,
                notes: self.sink.notes,
                table: cell.map(|c| c.0),
                row: cell.map(|c| c.1),
                col: cell.map(|c| c.2),
            },
        ));
    }

    /// Placeholders whose text is not the slide's content.
    fn skipped_placeholder(&self, kind: &str) -> bool {
        match kind {
            "sldNum" => true,
            "dt" | "hdr" | "ftr" => self.sink.notes,
            _ => false,
        }
    }

    fn is_true(value: Option<String>) -> bool {
        value.is_some_and(|v| matches!(v.trim(), "1" | "true" | "on"))
    }
}

impl Walk<()> for Walker<'_, '_> {
    fn depth(&self) -> usize {
        self.depth
    }

    fn full(&self) -> bool {
        self.full
    }

    fn start(&mut self, _ns: (), e: &BytesStart<'_>) {
        self.depth += 1;
        if self.skip_below.is_some() {
            return;
        }
        let depth = self.depth;
        match e.local_name().as_ref() {
            "Fallback" => self.skip_below = Some(depth),
            "sp" => self.shape_skipped = false,
            "ph" => {
                let kind = attr(e, "type").unwrap_or_default();
                if self.skipped_placeholder(&kind) {
                    self.shape_skipped = true;
                }
            }
            "txBody" if self.shape_skipped => self.skip_below = Some(depth),
            "tbl" if self.table.is_none() => {
                let index = self.sink.table;
                self.sink.table = index.saturating_add(1);
                self.table = Some(Table {
                    index,
                    depth,
                    row: None,
                    next_row: 0,
                    cursor: 0,
                });
            }
            "tr" => {
                if let Some(t) = self.table.as_mut() {
                    t.row = Some(t.next_row);
                    t.next_row = t.next_row.saturating_add(1);
                    t.cursor = 0;
                }
            }
            "tc" if self.cell.is_none() => {
                if let Some(t) = self.table.as_mut() {
                    let row = match t.row {
                        Some(r) => r,
                        None => {
                            t.row = Some(t.next_row);
                            t.next_row = t.next_row.saturating_add(1);
                            t.next_row - 1
                        }
                    };
                    let col = t.cursor;
                    // Every `a:tc` holds one grid column, spanned ones included (their
                    // continuations are `a:tc` elements with `hMerge`).
                    t.cursor = t.cursor.saturating_add(1);
                    self.cell = Some(Cell {
                        depth,
                        row,
                        col,
                        continued: Self::is_true(attr(e, "hMerge"))
                            || Self::is_true(attr(e, "vMerge")),
                        first_paragraph: None,
                        paras: Vec::new(),
                    });
                }
            }
            "p" => self.para = Some((depth, String::new())),
            "t" if self.para.is_some() => self.run_text = Some(depth),
            "br" => {
                if let Some((_, p)) = self.para.as_mut() {
                    p.push('\n');
                }
            }
            _ => {}
        }
    }

    fn end(&mut self) {
        let depth = self.depth;
        self.depth = depth.saturating_sub(1);
        if let Some(skip) = self.skip_below {
            if depth > skip {
                return;
            }
            self.skip_below = None;
            return;
        }
        if self.run_text == Some(depth) {
            self.run_text = None;
        } else if self.para.as_ref().is_some_and(|(d, _)| *d == depth) {
            let Some((_, text)) = self.para.take() else {
                return;
            };
            let text = text.trim().to_string();
            let index = self.sink.paragraph;
            self.sink.paragraph = index.saturating_add(1);
            match self.cell.as_mut() {
                Some(cell) => {
                    cell.first_paragraph.get_or_insert(index);
                    if !text.is_empty() {
                        cell.paras.push(text);
                    }
                }
                None if !text.is_empty() => self.emit(text, index, None),
                None => {}
            }
        } else if self.cell.as_ref().is_some_and(|c| c.depth == depth) {
            if let Some(cell) = self.cell.take()
                && !cell.continued
                && !cell.paras.is_empty()
            {
                let table = self.table.as_ref().map_or(0, |t| t.index);
                let paragraph = cell.first_paragraph.unwrap_or(self.sink.paragraph);
                self.emit(
                    cell.paras.join("\n"),
                    paragraph,
                    Some((table, cell.row, cell.col)),
                );
            }
        } else if self.table.as_ref().is_some_and(|t| t.depth == depth) {
            self.table = None;
        }
    }

    fn wants_text(&self) -> bool {
        self.skip_below.is_none() && self.run_text.is_some()
    }

    fn text(&mut self, s: &str) {
        if let Some((_, p)) = self.para.as_mut() {
            p.push_str(s);
        }
    }
}
