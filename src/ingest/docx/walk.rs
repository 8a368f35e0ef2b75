//! One pass of quick-xml events over a WordprocessingML part (body, header, footer, notes,
//! comments) that turns it into located passages.
//!
//! The walk is a single stack machine instead of a DOM so that a 100 MB `document.xml` costs no
//! more memory than its text, a hostile nesting depth is caught at the event that exceeds it, and
//! text read before a syntax error is kept. Rules (research/crates.md §2):
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
use crate::ingest::clock::Clock;
use crate::ingest::package::attr;
use crate::model::{Location, Part, Passage};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

pub(super) use crate::ingest::package::{MAX_DEPTH, Outcome};

/// Paragraph and table counters of one [`Part`] kind. They run on across files of the same kind
/// (`header1.xml`, `header2.xml`…) so that every location in a document is unique.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Counters {
    /// Next paragraph index (outside tables).
    pub paragraph: u32,
    /// Next top-level table index.
    pub table: u32,
}

/// The heading path of the body, carried across the body walk.
#[derive(Debug, Default)]
pub(super) struct HeadingPath {
    stack: Vec<(u8, String)>,
}

impl HeadingPath {
    fn texts(&self) -> Vec<String> {
        self.stack.iter().map(|(_, t)| t.clone()).collect()
    }
}

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

#[derive(Debug)]
struct Cell {
    col: u32,
    span: u32,
    continued: bool,
    paras: Vec<String>,
    nested_tables: u32,
    slot: usize,
}

#[derive(Debug)]
struct Table {
    index: u32,
    nested: Option<String>,
    row: Option<u32>,
    cursor: u32,
    cell: Option<Cell>,
}

#[derive(Debug)]
enum Container {
    TextBox,
    Table(Table),
}

/// Walks one part, appending passages to `out`.
pub(super) struct Walker<'a> {
    part: Part,
    styles: &'a Styles,
    headings: Option<&'a mut HeadingPath>,
    counters: &'a mut Counters,
    out: &'a mut Vec<Passage>,
    max_passages: usize,
    open: Vec<Open>,
    skipping: usize,
    paras: Vec<Para>,
    containers: Vec<Container>,
    runs: usize,
    texts: usize,
    full: bool,
    /// `w:altChunk` elements seen (embedded HTML/MHT/RTF not read).
    pub alt_chunks: u32,
}

impl<'a> Walker<'a> {
    /// A walker for one part. `headings` is given for the body only: headers and notes have no
    /// place in the outline.
    pub(super) fn new(
        part: Part,
        styles: &'a Styles,
        headings: Option<&'a mut HeadingPath>,
        counters: &'a mut Counters,
        out: &'a mut Vec<Passage>,
        max_passages: usize,
    ) -> Walker<'a> {
        Walker {
            part,
            styles,
            headings,
            counters,
            out,
            max_passages,
            open: Vec::new(),
            skipping: 0,
            paras: Vec::new(),
            containers: Vec::new(),
            runs: 0,
            texts: 0,
            full: false,
            alt_chunks: 0,
        }
    }

    /// Reads the part's XML to the end, a limit or an error; whatever was open at the end is
    /// flushed so text before a truncation is kept.
    pub(super) fn walk(&mut self, xml: &str, ctx: &ReadContext) -> Outcome {
        let mut reader = Reader::from_str(xml);
        let mut clock = Clock::new(ctx);
        let outcome = loop {
            if let Err(e) = clock.tick() {
                break Outcome::OutOfTime(e.to_string());
            }
            if self.full {
                break Outcome::Full;
            }
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    if self.open.len() >= MAX_DEPTH {
                        break Outcome::TooDeep;
                    }
                    self.start(&e);
                }
                Ok(Event::Empty(e)) => {
                    if self.open.len() >= MAX_DEPTH {
                        break Outcome::TooDeep;
                    }
                    self.start(&e);
                    self.end();
                }
                Ok(Event::End(_)) => self.end(),
                Ok(Event::Text(t)) => {
                    if self.collecting() {
                        let s = t.xml10_content();
                        self.push_text(&s);
                    }
                }
                Ok(Event::CData(t)) => {
                    if self.collecting() {
                        let s = t.xml10_content();
                        self.push_text(&s);
                    }
                }
                Ok(Event::GeneralRef(r)) => {
                    if self.collecting() {
                        let resolved = match r.resolve_char_ref() {
                            Ok(Some(c)) => Some(c.to_string()),
                            Ok(None) => {
                                quick_xml::escape::resolve_predefined_entity(&r).map(str::to_string)
                            }
                            Err(_) => None,
                        };
                        if let Some(s) = resolved {
                            self.push_text(&s);
                        }
                    }
                }
                Ok(Event::Eof) => break Outcome::Done,
                Ok(_) => {}
                Err(e) => {
                    break Outcome::Malformed(format!(
                        "XML error at byte {}: {e}",
                        reader.error_position()
                    ));
                }
            }
        };
        // Close whatever is still open (a cut-off part, or a stop at a limit), innermost first.
        while !self.open.is_empty() && !self.full {
            self.end();
        }
        if self.full && outcome == Outcome::Done {
            return Outcome::Full;
        }
        outcome
    }

    fn collecting(&self) -> bool {
        self.texts > 0 && self.skipping == 0
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
                let index = if self.in_cell() {
                    None
                } else {
                    let i = self.counters.paragraph;
                    self.counters.paragraph = i.saturating_add(1);
                    Some(i)
                };
                self.paras.push(Para {
                    text: String::new(),
                    style: None,
                    direct: None,
                    index,
                    slot: self.out.len(),
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
                self.start_table();
                Open::Table
            }
            "tr" => {
                if let Some(t) = self.table_mut() {
                    t.row = Some(t.row.map_or(0, |r| r.saturating_add(1)));
                    t.cursor = 0;
                    t.cell = None;
                }
                Open::Other
            }
            "gridBefore" => {
                let n = number(e);
                if let Some(t) = self.table_mut()
                    && t.cell.is_none()
                {
                    t.cursor = t.cursor.saturating_add(n.unwrap_or(0).min(1000));
                }
                Open::Other
            }
            "tc" => {
                let slot = self.out.len();
                if let Some(t) = self.table_mut() {
                    t.cell = Some(Cell {
                        col: t.cursor,
                        span: 1,
                        continued: false,
                        paras: Vec::new(),
                        nested_tables: 0,
                        slot,
                    });
                    Open::Cell
                } else {
                    Open::Other
                }
            }
            "gridSpan" => {
                let n = number(e).unwrap_or(1).clamp(1, 1000);
                if let Some(c) = self.cell_mut() {
                    c.span = n;
                }
                Open::Other
            }
            "vMerge" | "hMerge" => {
                let continued = attr(e, "val").is_none_or(|v| v != "restart");
                if let Some(c) = self.cell_mut() {
                    c.continued |= continued;
                }
                Open::Other
            }
            "altChunk" => {
                self.alt_chunks += 1;
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
            Open::TextBox => {
                if matches!(self.containers.last(), Some(Container::TextBox)) {
                    self.containers.pop();
                }
            }
            Open::Cell => self.end_cell(),
            Open::Table => {
                if matches!(self.containers.last(), Some(Container::Table(_))) {
                    // A cell left open by a broken part still gets its text out.
                    self.end_cell();
                    self.containers.pop();
                }
            }
            Open::Other => {}
        }
    }

    fn in_cell(&self) -> bool {
        matches!(
            self.containers.last(),
            Some(Container::Table(Table { cell: Some(_), .. }))
        )
    }

    fn table_mut(&mut self) -> Option<&mut Table> {
        match self.containers.last_mut() {
            Some(Container::Table(t)) => Some(t),
            _ => None,
        }
    }

    fn cell_mut(&mut self) -> Option<&mut Cell> {
        self.table_mut().and_then(|t| t.cell.as_mut())
    }

    fn start_table(&mut self) {
        let (index, nested) = match self.containers.last_mut() {
            Some(Container::Table(outer)) if outer.cell.is_some() => {
                let row = outer.row.unwrap_or(0);
                let (col, index) = match outer.cell.as_mut() {
                    Some(c) => {
                        let i = c.nested_tables;
                        c.nested_tables = i.saturating_add(1);
                        (c.col, i)
                    }
                    None => (0, 0),
                };
                let here = format!("t{}r{row}c{col}", outer.index);
                let path = match &outer.nested {
                    Some(p) => format!("{p}/{here}"),
                    None => here,
                };
                (index, Some(path))
            }
            _ => {
                let i = self.counters.table;
                self.counters.table = i.saturating_add(1);
                (i, None)
            }
        };
        self.containers.push(Container::Table(Table {
            index,
            nested,
            row: None,
            cursor: 0,
            cell: None,
        }));
    }

    fn end_cell(&mut self) {
        let Some(t) = self.table_mut() else {
            return;
        };
        let Some(cell) = t.cell.take() else {
            return;
        };
        t.cursor = t.cursor.saturating_add(cell.span);
        if cell.continued || cell.paras.is_empty() {
            return;
        }
        let (table, row, nested) = (t.index, t.row.unwrap_or(0), t.nested.clone());
        let location = Location::TableCell {
            part: self.part,
            table,
            row,
            col: cell.col,
            nested,
        };
        let mut passage = Passage::new(cell.paras.join("\n"), location);
        if let Some(h) = self.headings.as_deref() {
            passage.headings = h.texts();
        }
        self.emit(passage, cell.slot);
    }

    fn end_para(&mut self) {
        let Some(para) = self.paras.pop() else {
            return;
        };
        let text = para.text.trim();
        if let Some(Container::Table(t)) = self.containers.last_mut() {
            if let Some(c) = t.cell.as_mut()
                && !text.is_empty()
            {
                c.paras.push(text.to_string());
            }
            return;
        }
        let Some(index) = para.index else {
            return;
        };
        if text.is_empty() {
            return;
        }
        let location = Location::Paragraph {
            part: self.part,
            paragraph: index,
        };
        let mut passage = Passage::new(text, location);
        // Only the body's own paragraphs (not text boxes) shape the outline.
        let outline_ok = self.containers.is_empty();
        let level = match para.direct {
            Some(direct) => direct,
            None => self.styles.level(para.style.as_deref()),
        };
        if let Some(h) = self.headings.as_deref_mut() {
            match level {
                Some(n) if outline_ok => {
                    while h.stack.last().is_some_and(|(l, _)| *l >= n) {
                        h.stack.pop();
                    }
                    passage.headings = h.texts();
                    passage.heading_level = Some(n);
                    h.stack.push((n, passage.text.clone()));
                }
                _ => passage.headings = h.texts(),
            }
        }
        self.emit(passage, para.slot);
    }

    fn emit(&mut self, passage: Passage, slot: usize) {
        if self.out.len() >= self.max_passages {
            self.full = true;
            return;
        }
        if slot < self.out.len() {
            self.out.insert(slot, passage);
        } else {
            self.out.push(passage);
        }
    }
}

/// `w:val` as a count (`gridSpan`, `gridBefore`).
fn number(e: &BytesStart<'_>) -> Option<u32> {
    attr(e, "val").and_then(|v| v.trim().parse().ok())
}
