//! One slide part (or notes slide, or SmartArt data part) → located passages: every DrawingML
//! paragraph (`a:p`) of its shapes, and every table cell (`a:tbl/a:tr/a:tc`) as one passage
//! with its row and grid column, and the relationship ids of its pictures (`p:pic` →
//! `a:blip r:embed`) for OCR.
//!
//! Shapes come out in reading order, not in the order they were drawn (which is the order they
//! were added: a text box added last to fix a typo at the top of the slide is last in the
//! file). Title placeholders first; then shapes without a position of their own (placeholders
//! that take the layout's, which puts the body right under the title); then the rest by the
//! top-left corner of their `a:off`, row by row — shapes whose tops lie within [`ROW_TOLERANCE`]
//! of the row's first are one row, read left to right. Paragraph and table numbers follow the
//! new order. A part whose text does not sit wholly in top-level shapes (SmartArt data) keeps
//! its order.
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

/// Most pictures recorded per slide part; each costs an OCR run.
const MAX_PICTURES: usize = 1_000;

/// Shapes whose tops differ by at most this (EMU; a quarter inch) are on one row.
pub(super) const ROW_TOLERANCE: i64 = 228_600;

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
    /// Relationship ids of the pictures met, in reading order.
    pub(super) pictures: Vec<String>,
}

/// Walks `xml` into `sink`.
pub(super) fn walk(xml: &str, sink: &mut SlideSink<'_>, ctx: &ReadContext) -> Outcome {
    let first = walker_start(sink);
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
        shape: None,
        spans: Vec::new(),
        pic_depth: None,
        first,
    };
    let outcome = flow::walk(&mut quick_xml::Reader::from_str(xml), &mut walker, ctx);
    let (first, spans) = (walker.first, std::mem::take(&mut walker.spans));
    reorder(walker.sink, first, spans);
    outcome
}

/// Where a walk starts in `sink`: passages, paragraphs and tables before it.
fn walker_start(sink: &SlideSink<'_>) -> Counts {
    Counts {
        passages: sink.out.len(),
        paragraph: sink.paragraph,
        table: sink.table,
        pictures: sink.pictures.len(),
    }
}

/// Positions in the sink: passages, paragraph and table numbers, pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    passages: usize,
    paragraph: u32,
    table: u32,
    pictures: usize,
}

/// A top-level shape being read: where it began in the sink and what places it.
struct Shape {
    depth: usize,
    start: Counts,
    /// Its `a:off` (x, y) in EMU, when it has its own.
    offset: Option<(i64, i64)>,
    title: bool,
}

/// A top-level shape read: what of the sink it covers (`start..end`) and its place.
struct Span {
    start: Counts,
    end: Counts,
    offset: Option<(i64, i64)>,
    title: bool,
}

/// The order shapes are read in: titles, shapes placed by their layout, then the others row
/// by row (see the module docs). Returns indices into `spans`.
fn reading_order(spans: &[Span]) -> Vec<usize> {
    let mut titles = Vec::new();
    let mut unplaced = Vec::new();
    let mut placed: Vec<(i64, i64, usize)> = Vec::new();
    for (i, span) in spans.iter().enumerate() {
        match (span.title, span.offset) {
            (true, _) => titles.push(i),
            (false, None) => unplaced.push(i),
            (false, Some((x, y))) => placed.push((y, x, i)),
        }
    }
    placed.sort();
    let mut order = titles;
    order.extend(unplaced);
    let mut row: Vec<(i64, i64, usize)> = Vec::new();
    for shape in placed {
        if row
            .first()
            .is_some_and(|top| shape.0.saturating_sub(top.0) > ROW_TOLERANCE)
        {
            row.sort_by_key(|&(y, x, i)| (x, y, i));
            order.extend(row.drain(..).map(|(_, _, i)| i));
        }
        row.push(shape);
    }
    row.sort_by_key(|&(y, x, i)| (x, y, i));
    order.extend(row.into_iter().map(|(_, _, i)| i));
    order
}

/// Puts the passages and pictures of one walk into reading order and renumbers paragraphs and
/// tables to match. Left as read unless the shapes tile the walk exactly (every passage,
/// paragraph, table and picture inside some top-level shape).
fn reorder(sink: &mut SlideSink<'_>, first: Counts, spans: Vec<Span>) {
    let end = walker_start(sink);
    let tiles = spans.first().is_some_and(|s| s.start == first)
        && spans.last().is_some_and(|s| s.end == end)
        && spans.windows(2).all(|w| w[0].end == w[1].start);
    if !tiles || spans.len() < 2 {
        return;
    }
    let order = reading_order(&spans);
    if order.iter().enumerate().all(|(k, &i)| k == i) {
        return;
    }
    let passages = sink.out.split_off(first.passages);
    let pictures = sink.pictures.split_off(first.pictures);
    let (mut paragraph, mut table) = (first.paragraph, first.table);
    for i in order {
        let span = &spans[i];
        let shift_p = i64::from(paragraph) - i64::from(span.start.paragraph);
        let shift_t = i64::from(table) - i64::from(span.start.table);
        for mut passage in passages[span.start.passages..span.end.passages]
            .iter()
            .cloned()
        {
            if let Location::Slide {
                paragraph: p,
                table: t,
                ..
            } = &mut passage.location
            {
                *p = shifted(*p, shift_p);
                *t = t.map(|t| shifted(t, shift_t));
            }
            sink.out.push(passage);
        }
        sink.pictures.extend(
            pictures[span.start.pictures - first.pictures..span.end.pictures - first.pictures]
                .iter()
                .cloned(),
        );
        paragraph = paragraph.saturating_add(span.end.paragraph - span.start.paragraph);
        table = table.saturating_add(span.end.table - span.start.table);
    }
}

fn shifted(n: u32, by: i64) -> u32 {
    u32::try_from((i64::from(n) + by).max(0)).unwrap_or(u32::MAX)
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
    /// The top-level shape open now.
    shape: Option<Shape>,
    /// The top-level shapes read, in file order.
    spans: Vec<Span>,
    /// Depth of the outermost `p:pic` open now.
    pic_depth: Option<usize>,
    /// Where this walk began in the sink.
    first: Counts,
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
        let local = e.local_name();
        let name: &str = local.as_ref();
        if self.shape.is_none()
            && matches!(
                name,
                "sp" | "grpSp" | "graphicFrame" | "pic" | "cxnSp" | "contentPart"
            )
        {
            self.shape = Some(Shape {
                depth,
                start: walker_start(self.sink),
                offset: None,
                title: false,
            });
        }
        match name {
            "off" => {
                if let Some(shape) = self.shape.as_mut()
                    && shape.offset.is_none()
                {
                    let coord = |k| attr(e, k).and_then(|v| v.trim().parse::<i64>().ok());
                    shape.offset = coord("x").zip(coord("y"));
                }
            }
            "pic" if self.pic_depth.is_none() => self.pic_depth = Some(depth),
            "blip" if self.pic_depth.is_some() => {
                if let Some(id) = attr(e, "embed")
                    && self.sink.pictures.len() < MAX_PICTURES
                {
                    self.sink.pictures.push(id);
                }
            }
            _ => {}
        }
        match name {
            "Fallback" => self.skip_below = Some(depth),
            "sp" => self.shape_skipped = false,
            "ph" => {
                let kind = attr(e, "type").unwrap_or_default();
                if matches!(kind.as_str(), "title" | "ctrTitle")
                    && let Some(shape) = self.shape.as_mut()
                {
                    shape.title = true;
                }
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
        if self.pic_depth == Some(depth) {
            self.pic_depth = None;
        }
        if self.shape.as_ref().is_some_and(|s| s.depth == depth) {
            if let Some(shape) = self.shape.take() {
                self.spans.push(Span {
                    start: shape.start,
                    end: walker_start(self.sink),
                    offset: shape.offset,
                    title: shape.title,
                });
            }
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
