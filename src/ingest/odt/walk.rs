//! One pass of namespace-resolved quick-xml events over an ODF part (`content.xml` or
//! `styles.xml`) that turns it into located passages.
//!
//! Like the Word walker this is a stack machine, not a DOM: memory stays at the size of the
//! text, a hostile nesting depth is caught at the event that exceeds it, and text read before a
//! syntax error is kept. Elements are matched by *namespace URI and local name*, because ODF
//! reuses local names across namespaces (`text:date` is a field to keep, `dc:date` inside a
//! comment is metadata to drop). Rules:
//!
//! - character data inside `text:p`/`text:h` is text, with ODF's white-space rule (runs of
//!   space, tab, CR, LF collapse to one space; leading ones are dropped); `text:s` (`text:c`
//!   times), `text:tab` → `\t`, `text:line-break` → `\n` are literal; `text:span`, `text:a`,
//!   fields (`text:date`, `text:sequence`, `text:page-number`…), `text:list*`, `text:section`,
//!   index bodies are transparent;
//! - whole subtrees are skipped where the text is not what the reader sees: `text:tracked-changes`
//!   (it holds *deleted* text), `text:note-citation` (the footnote mark), `text:ruby-text`,
//!   the index templates (`text:*-source`), declarations, `office:forms`, `svg:title`/`svg:desc`
//!   (alternative text), `dc:*`/`meta:*` (comment author and date), covered (merged-away)
//!   table cells, and headers/footers declared `style:display="false"`;
//! - stories: `office:text` is the body; `text:note` is a footnote or endnote and
//!   `office:annotation` a comment, each with its own paragraph counter, never inline in the
//!   paragraph that anchors it; `style:header*`/`style:footer*` in `styles.xml` are headers and
//!   footers. Paragraphs outside every story (none exist in valid files) are ignored;
//! - text boxes (`draw:text-box`) share the counter of the story they sit in, like Word's;
//! - table cells sit on the grid: `table:number-columns-repeated` and covered cells advance the
//!   column, `table:number-columns-spanned` reserves the columns its covered cells fill (also
//!   when a writer omits them), `table:number-rows-repeated` advances the row. A repeated
//!   non-empty cell or row is reported once, at its first position; repeat counts are clamped
//!   to [`MAX_REPEAT`], so a declared 16384-column (or 2³¹) repeat costs one addition.

use crate::ingest::ReadContext;
use crate::ingest::clock::Clock;
use crate::ingest::package::attr;
use crate::model::{Location, Part, Passage};
use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use std::collections::HashMap;

pub(super) use crate::ingest::package::{MAX_DEPTH, Outcome};

/// Largest column/row repeat or span honoured (Calc's column count). Larger values are clamped:
/// positions stay meaningful and nothing is ever allocated per repeated cell.
pub(super) const MAX_REPEAT: u32 = 16_384;

/// Most spaces one `text:s` inserts (a `text:c="2000000000"` must not allocate gigabytes).
const MAX_SPACES: usize = 256;

/// Most automatic styles remembered (a real document has a few hundred).
const MAX_STYLES: usize = 100_000;

const NS_OFFICE: &str = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
const NS_TEXT: &str = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
const NS_TABLE: &str = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
const NS_DRAW: &str = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0";
const NS_STYLE: &str = "urn:oasis:names:tc:opendocument:xmlns:style:1.0";
const NS_SVG: &str = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0";
const NS_META: &str = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0";
const NS_DC: &str = "http://purl.org/dc/elements/1.1/";

/// The namespaces the walk cares about; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Office,
    Text,
    Table,
    Draw,
    Style,
    Svg,
    Meta,
    Dc,
    Other,
}

fn ns_of(resolved: &ResolveResult<'_>) -> Ns {
    match resolved {
        ResolveResult::Bound(ns) => match ns.0 {
            NS_OFFICE => Ns::Office,
            NS_TEXT => Ns::Text,
            NS_TABLE => Ns::Table,
            NS_DRAW => Ns::Draw,
            NS_STYLE => Ns::Style,
            NS_SVG => Ns::Svg,
            NS_META => Ns::Meta,
            NS_DC => Ns::Dc,
            _ => Ns::Other,
        },
        _ => Ns::Other,
    }
}

/// Paragraph and table counters of one part kind.
#[derive(Debug, Default, Clone, Copy)]
struct Counters {
    paragraph: u32,
    table: u32,
}

/// Where passages go: one list per [`Part`] so that notes and comments met inside the body end
/// up after it (the Word reader's order), with counters that run on across both XML parts.
#[derive(Debug)]
pub(super) struct Sink {
    parts: [Vec<Passage>; 6],
    counters: [Counters; 6],
    total: usize,
    max: usize,
    full: bool,
}

/// Index of a part in the [`Sink`] arrays, which is also the output order.
fn slot_of(part: Part) -> usize {
    match part {
        Part::Body => 0,
        Part::Header => 1,
        Part::Footer => 2,
        Part::Footnote => 3,
        Part::Endnote => 4,
        Part::Comment => 5,
    }
}

impl Sink {
    /// An empty sink that holds at most `max` passages.
    pub(super) fn new(max: usize) -> Sink {
        Sink {
            parts: Default::default(),
            counters: [Counters::default(); 6],
            total: 0,
            max,
            full: false,
        }
    }

    /// All passages: body, headers, footers, footnotes, endnotes, comments.
    pub(super) fn into_passages(self) -> Vec<Passage> {
        self.parts.into_iter().flatten().collect()
    }

    /// Passages read so far.
    pub(super) fn len(&self) -> usize {
        self.total
    }

    fn next_paragraph(&mut self, part: Part) -> u32 {
        let c = &mut self.counters[slot_of(part)];
        let i = c.paragraph;
        c.paragraph = i.saturating_add(1);
        i
    }

    fn next_table(&mut self, part: Part) -> u32 {
        let c = &mut self.counters[slot_of(part)];
        let i = c.table;
        c.table = i.saturating_add(1);
        i
    }

    fn len_of(&self, part: Part) -> usize {
        self.parts[slot_of(part)].len()
    }

    fn emit(&mut self, part: Part, passage: Passage, slot: usize) {
        if self.total >= self.max {
            self.full = true;
            return;
        }
        let list = &mut self.parts[slot_of(part)];
        if slot < list.len() {
            list.insert(slot, passage);
        } else {
            list.push(passage);
        }
        self.total += 1;
    }
}

/// The heading path of the body.
#[derive(Debug, Default)]
struct HeadingPath {
    stack: Vec<(u8, String)>,
}

impl HeadingPath {
    fn texts(&self) -> Vec<String> {
        self.stack.iter().map(|(_, t)| t.clone()).collect()
    }
}

/// What one open element means to the walk; one entry per open element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Para,
    Container,
    Table,
    Cell,
    Skip,
    Other,
}

#[derive(Debug)]
struct Para {
    text: String,
    /// The last character came from collapsible white space (or the paragraph just started).
    last_space: bool,
    /// `Some(level)` for `text:h`.
    level: Option<u8>,
    /// Paragraph index when the paragraph is not in a table cell.
    index: Option<u32>,
    /// Story it belongs to.
    part: Part,
    /// `containers.len()` when it opened: text is collected only while no container (text box,
    /// note, comment) has opened inside it since.
    depth: usize,
    /// Where its passage goes, so that text boxes inside it come after it.
    slot: usize,
}

impl Para {
    fn push_collapsing(&mut self, s: &str) {
        for c in s.chars() {
            if matches!(c, ' ' | '\t' | '\n' | '\r') {
                if !self.last_space {
                    self.text.push(' ');
                    self.last_space = true;
                }
            } else {
                self.text.push(c);
                self.last_space = false;
            }
        }
    }

    fn push_literal(&mut self, s: &str) {
        self.text.push_str(s);
        self.last_space = false;
    }
}

#[derive(Debug)]
struct Cell {
    col: u32,
    span: u32,
    repeat: u32,
    paras: Vec<String>,
    nested_tables: u32,
    slot: usize,
}

#[derive(Debug)]
struct Table {
    part: Part,
    index: u32,
    nested: Option<String>,
    /// Row being read.
    row: Option<u32>,
    /// Index the next row gets (rows may repeat).
    next_row: u32,
    /// Grid column of the next cell.
    cursor: u32,
    /// End of the last spanned cell's columns: a cell before it is one of its covered cells.
    span_end: u32,
    cell: Option<Cell>,
}

#[derive(Debug)]
enum Container {
    /// A story of its own: the body, a header or footer, a note, a comment.
    Story(Part),
    TextBox,
    Table(Table),
}

/// Walks ODF parts into a [`Sink`]; one walker per part.
pub(super) struct Walker<'a> {
    sink: &'a mut Sink,
    headings: HeadingPath,
    open: Vec<Open>,
    skipping: usize,
    paras: Vec<Para>,
    containers: Vec<Container>,
    /// Automatic paragraph style → its parent (`P1` → `Title`), from `office:automatic-styles`.
    parents: HashMap<String, String>,
}

impl<'a> Walker<'a> {
    /// A walker writing into `sink`.
    pub(super) fn new(sink: &'a mut Sink) -> Walker<'a> {
        Walker {
            sink,
            headings: HeadingPath::default(),
            open: Vec::new(),
            skipping: 0,
            paras: Vec::new(),
            containers: Vec::new(),
            parents: HashMap::new(),
        }
    }

    /// Reads one part's XML to the end, a limit or an error; whatever was open at the end is
    /// flushed so text before a truncation is kept.
    pub(super) fn walk(&mut self, xml: &str, ctx: &ReadContext) -> Outcome {
        let mut reader = NsReader::from_str(xml);
        let mut clock = Clock::new(ctx);
        let outcome = loop {
            if let Err(e) = clock.tick() {
                break Outcome::OutOfTime(e.to_string());
            }
            if self.sink.full {
                break Outcome::Full;
            }
            match reader.read_resolved_event() {
                Ok((ns, Event::Start(e))) => {
                    if self.open.len() >= MAX_DEPTH {
                        break Outcome::TooDeep;
                    }
                    let ns = ns_of(&ns);
                    self.start(ns, &e);
                }
                Ok((ns, Event::Empty(e))) => {
                    if self.open.len() >= MAX_DEPTH {
                        break Outcome::TooDeep;
                    }
                    let ns = ns_of(&ns);
                    self.start(ns, &e);
                    self.end();
                }
                Ok((_, Event::End(_))) => self.end(),
                Ok((_, Event::Text(t))) => {
                    let s = t.xml10_content();
                    self.push_text(&s);
                }
                Ok((_, Event::CData(t))) => {
                    let s = t.xml10_content();
                    self.push_text(&s);
                }
                Ok((_, Event::GeneralRef(r))) => {
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
                Ok((_, Event::Eof)) => break Outcome::Done,
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
        while !self.open.is_empty() && !self.sink.full {
            self.end();
        }
        if self.sink.full && outcome == Outcome::Done {
            return Outcome::Full;
        }
        outcome
    }

    /// The paragraph that takes character data now, if any.
    fn collecting(&mut self) -> Option<&mut Para> {
        if self.skipping > 0 {
            return None;
        }
        let depth = self.containers.len();
        self.paras.last_mut().filter(|p| p.depth == depth)
    }

    fn push_text(&mut self, s: &str) {
        if let Some(p) = self.collecting() {
            p.push_collapsing(s);
        }
    }

    fn push_literal(&mut self, s: &str) {
        if let Some(p) = self.collecting() {
            p.push_literal(s);
        }
    }

    /// The story the next paragraph belongs to.
    fn story(&self) -> Option<Part> {
        self.containers.iter().rev().find_map(|c| match c {
            Container::Story(p) => Some(*p),
            Container::Table(t) => Some(t.part),
            Container::TextBox => None,
        })
    }

    fn start(&mut self, ns: Ns, e: &BytesStart<'_>) {
        if self.skipping > 0 {
            self.open.push(Open::Other);
            return;
        }
        let local = e.local_name();
        let name: &str = local.as_ref();
        let kind = match (ns, name) {
            (Ns::Text, "tracked-changes" | "note-citation" | "ruby-text")
            | (Ns::Text, "sequence-decls" | "variable-decls" | "user-field-decls")
            | (Ns::Text, "dde-connection-decls")
            | (Ns::Office, "forms" | "event-listeners" | "binary-data")
            | (Ns::Svg, "title" | "desc")
            | (Ns::Dc, _)
            | (Ns::Meta, _)
            | (Ns::Table, "title" | "desc") => Open::Skip,
            (Ns::Text, n) if n.ends_with("-source") => Open::Skip,
            (Ns::Office, "text") => {
                self.containers.push(Container::Story(Part::Body));
                Open::Container
            }
            (Ns::Style, "header" | "header-left" | "header-first")
            | (Ns::Style, "footer" | "footer-left" | "footer-first") => {
                if attr(e, "display").is_some_and(|d| d == "false") {
                    Open::Skip
                } else {
                    let part = if name.starts_with("header") {
                        Part::Header
                    } else {
                        Part::Footer
                    };
                    self.containers.push(Container::Story(part));
                    Open::Container
                }
            }
            (Ns::Text, "note") => {
                let part = if attr(e, "note-class").is_some_and(|c| c == "endnote") {
                    Part::Endnote
                } else {
                    Part::Footnote
                };
                self.containers.push(Container::Story(part));
                Open::Container
            }
            (Ns::Office, "annotation") => {
                self.containers.push(Container::Story(Part::Comment));
                Open::Container
            }
            (Ns::Draw, "text-box") => {
                self.containers.push(Container::TextBox);
                Open::Container
            }
            (Ns::Text, "p" | "h") => self.start_para(name == "h", e),
            (Ns::Style, "style") => {
                if attr(e, "family").is_some_and(|f| f == "paragraph")
                    && let (Some(child), Some(parent)) =
                        (attr(e, "name"), attr(e, "parent-style-name"))
                    && self.parents.len() < MAX_STYLES
                {
                    self.parents.insert(child, parent);
                }
                Open::Other
            }
            (Ns::Text, "s") => {
                let n = attr(e, "c")
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(1)
                    .clamp(1, MAX_SPACES);
                self.push_literal(&" ".repeat(n));
                Open::Other
            }
            (Ns::Text, "tab") => {
                self.push_literal("\t");
                Open::Other
            }
            (Ns::Text, "line-break") => {
                self.push_literal("\n");
                Open::Other
            }
            (Ns::Table, "table") => {
                self.start_table();
                Open::Table
            }
            (Ns::Table, "table-row") => {
                let repeat = count(e, "number-rows-repeated");
                if let Some(t) = self.table_mut() {
                    // A cell left open by a broken part is closed by its row's successor.
                    let row = t.next_row;
                    t.row = Some(row);
                    t.next_row = row.saturating_add(repeat);
                    t.cursor = 0;
                    t.span_end = 0;
                    t.cell = None;
                }
                Open::Other
            }
            (Ns::Table, "table-cell") => self.start_cell(e),
            (Ns::Table, "covered-table-cell") => {
                let repeat = count(e, "number-columns-repeated");
                if let Some(t) = self.table_mut()
                    && t.cell.is_none()
                {
                    t.cursor = t.cursor.saturating_add(repeat);
                }
                Open::Skip
            }
            _ => Open::Other,
        };
        if kind == Open::Skip {
            self.skipping += 1;
        }
        self.open.push(kind);
    }

    fn start_para(&mut self, heading: bool, e: &BytesStart<'_>) -> Open {
        let Some(part) = self.story() else {
            // Outside every story (not in valid files): its text is not read.
            return Open::Skip;
        };
        let index = if self.in_cell() {
            None
        } else {
            Some(self.sink.next_paragraph(part))
        };
        let level = if heading {
            Some(
                attr(e, "outline-level")
                    .and_then(|v| v.trim().parse::<u32>().ok())
                    .unwrap_or(1)
                    .clamp(1, 10) as u8,
            )
        } else {
            // The document title (`Title` style, directly or through an automatic style) heads
            // the outline, as Word's `Title` does in the Word reader.
            attr(e, "style-name")
                .filter(|s| is_title(s) || self.parents.get(s).is_some_and(|p| is_title(p)))
                .map(|_| 1)
        };
        self.paras.push(Para {
            text: String::new(),
            last_space: true,
            level,
            index,
            part,
            depth: self.containers.len(),
            slot: self.sink.len_of(part),
        });
        Open::Para
    }

    fn start_cell(&mut self, e: &BytesStart<'_>) -> Open {
        let repeat = count(e, "number-columns-repeated");
        let span = count(e, "number-columns-spanned");
        let Some(part) = self.story() else {
            return Open::Skip;
        };
        let slot = self.sink.len_of(part);
        let Some(t) = self.table_mut() else {
            return Open::Other;
        };
        if t.row.is_none() {
            t.row = Some(t.next_row);
            t.next_row = t.next_row.saturating_add(1);
        }
        if t.cursor < t.span_end {
            // The covered cells of a spanned cell were left out by the writer.
            t.cursor = t.span_end;
        }
        t.cell = Some(Cell {
            col: t.cursor,
            span,
            repeat,
            paras: Vec::new(),
            nested_tables: 0,
            slot,
        });
        Open::Cell
    }

    fn end(&mut self) {
        let Some(kind) = self.open.pop() else {
            return;
        };
        match kind {
            Open::Skip => self.skipping = self.skipping.saturating_sub(1),
            Open::Para => self.end_para(),
            Open::Container => {
                if matches!(
                    self.containers.last(),
                    Some(Container::Story(_) | Container::TextBox)
                ) {
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

    fn start_table(&mut self) {
        let Some(part) = self.story() else {
            // A table outside every story still needs its container so its end balances.
            self.containers.push(Container::Table(Table {
                part: Part::Body,
                index: 0,
                nested: None,
                row: None,
                next_row: 0,
                cursor: 0,
                span_end: 0,
                cell: None,
            }));
            return;
        };
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
            _ => (self.sink.next_table(part), None),
        };
        self.containers.push(Container::Table(Table {
            part,
            index,
            nested,
            row: None,
            next_row: 0,
            cursor: 0,
            span_end: 0,
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
        t.cursor = cell.col.saturating_add(cell.repeat);
        if cell.span > 1 {
            t.span_end = cell.col.saturating_add(cell.span);
        }
        if cell.paras.is_empty() {
            return;
        }
        let (part, table, row, nested) = (t.part, t.index, t.row.unwrap_or(0), t.nested.clone());
        let location = Location::TableCell {
            part,
            table,
            row,
            col: cell.col,
            nested,
        };
        let mut passage = Passage::new(cell.paras.join("\n"), location);
        if part == Part::Body {
            passage.headings = self.headings.texts();
        }
        self.sink.emit(part, passage, cell.slot);
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
            part: para.part,
            paragraph: index,
        };
        let mut passage = Passage::new(text, location);
        if para.part == Part::Body {
            // Only headings of the body's own flow (not text boxes) shape the outline.
            let outline_ok = matches!(self.containers.as_slice(), [Container::Story(Part::Body)]);
            match para.level {
                Some(n) if outline_ok => {
                    let h = &mut self.headings;
                    while h.stack.last().is_some_and(|(l, _)| *l >= n) {
                        h.stack.pop();
                    }
                    passage.headings = h.texts();
                    passage.heading_level = Some(n);
                    h.stack.push((n, passage.text.clone()));
                }
                _ => passage.headings = self.headings.texts(),
            }
        }
        self.sink.emit(para.part, passage, para.slot);
    }
}

/// The document-title paragraph style (`Title`; WPS may localise it as `标题`).
fn is_title(style: &str) -> bool {
    style == "Title" || style == "标题"
}

/// A repeat or span attribute as a count in `1..=MAX_REPEAT` (absent or nonsense → 1).
fn count(e: &BytesStart<'_>, name: &str) -> u32 {
    attr(e, name)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .clamp(1, u64::from(MAX_REPEAT)) as u32
}
