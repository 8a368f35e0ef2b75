//! The flow of a word-processing part, shared by the Word ([`super::docx`]) and OpenDocument
//! ([`super::odt`]) walkers: the event loop, the container stack (stories, text boxes, tables
//! and their cells), the heading path, and where each passage goes.
//!
//! Both formats nest the same way — paragraphs in table cells in tables in cells, text boxes
//! anchored in paragraphs — and must end the same way when a part is cut off, too deep or out of
//! time. Keeping that machinery here means a fix to a cell's grid column, a nested path or the
//! order of a text box's passages reaches both readers. What differs stays in the walkers: which
//! element means what (Word matches local names, ODF namespace URIs), ODF's white-space rule,
//! Word's styles.
//!
//! Table cells sit on a grid: a cell starts at the table's cursor, its end moves the cursor by
//! its `advance` (Word's `w:gridSpan`, ODF's `table:number-columns-repeated`), and a cell that
//! `reserve`s more than one column (ODF's `table:number-columns-spanned`) keeps the next cell
//! from starting before the columns its covered cells fill, also when a writer leaves them out.

use super::ReadContext;
use super::clock::Clock;
use super::headings::{self, HeadingBudget};
use super::package::{MAX_DEPTH, Outcome};
use crate::model::{Location, Part, Passage};
use quick_xml::events::{BytesStart, Event};

/// One source of XML events, with whatever namespace information the walker needs (`()` for
/// Word, whose walker matches local names only).
pub(crate) trait Events<'x> {
    /// What the walker is told about each start tag's namespace.
    type Ns;
    /// The next event.
    fn next(&mut self) -> quick_xml::Result<(Self::Ns, Event<'x>)>;
    /// Where the last error was found, in bytes.
    fn error_position(&self) -> u64;
}

/// Word parts: plain events, no namespace resolution.
impl<'x> Events<'x> for quick_xml::Reader<&'x [u8]> {
    type Ns = ();

    fn next(&mut self) -> quick_xml::Result<((), Event<'x>)> {
        self.read_event().map(|e| ((), e))
    }

    fn error_position(&self) -> u64 {
        quick_xml::Reader::error_position(self)
    }
}

/// What a walker does with the events of one part.
pub(crate) trait Walk<N> {
    /// Elements open now.
    fn depth(&self) -> usize;
    /// True once the passage limit is reached.
    fn full(&self) -> bool;
    /// An element opens (an empty element opens and is then ended).
    fn start(&mut self, ns: N, e: &BytesStart<'_>);
    /// The innermost open element ends.
    fn end(&mut self);
    /// True when character data would be kept now (saves decoding text that is dropped).
    fn wants_text(&self) -> bool;
    /// Character data, entities resolved.
    fn text(&mut self, s: &str);
}

/// Reads one part's events to the end, a limit or an error; whatever was open at the end is
/// closed so text before a truncation is kept.
pub(crate) fn walk<'x, E, W>(events: &mut E, walker: &mut W, ctx: &ReadContext) -> Outcome
where
    E: Events<'x>,
    W: Walk<E::Ns>,
{
    let mut clock = Clock::new(ctx);
    let outcome = loop {
        if let Err(e) = clock.tick() {
            break Outcome::OutOfTime(e.to_string());
        }
        if walker.full() {
            break Outcome::Full;
        }
        match events.next() {
            Ok((ns, Event::Start(e))) => {
                if walker.depth() >= MAX_DEPTH {
                    break Outcome::TooDeep;
                }
                walker.start(ns, &e);
            }
            Ok((ns, Event::Empty(e))) => {
                if walker.depth() >= MAX_DEPTH {
                    break Outcome::TooDeep;
                }
                walker.start(ns, &e);
                walker.end();
            }
            Ok((_, Event::End(_))) => walker.end(),
            Ok((_, Event::Text(t))) => {
                if walker.wants_text() {
                    walker.text(&t.xml10_content());
                }
            }
            Ok((_, Event::CData(t))) => {
                if walker.wants_text() {
                    walker.text(&t.xml10_content());
                }
            }
            Ok((_, Event::GeneralRef(r))) => {
                if walker.wants_text() {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => {
                            quick_xml::escape::resolve_predefined_entity(&r).map(str::to_string)
                        }
                        Err(_) => None,
                    };
                    if let Some(s) = resolved {
                        walker.text(&s);
                    }
                }
            }
            Ok((_, Event::Eof)) => break Outcome::Done,
            Ok(_) => {}
            Err(e) => {
                break Outcome::Malformed(format!(
                    "XML 在第 {at} 字节处出错：{e} (XML error at byte {at})",
                    at = events.error_position()
                ));
            }
        }
    };
    // Close whatever is still open (a cut-off part, or a stop at a limit), innermost first.
    while walker.depth() > 0 && !walker.full() {
        walker.end();
    }
    if walker.full() && outcome == Outcome::Done {
        return Outcome::Full;
    }
    outcome
}

/// Paragraph and table counters of one [`Part`] kind. They run on across the files and XML
/// parts of one kind (`header1.xml`, `header2.xml`…; ODF's `content.xml` and `styles.xml`) so
/// that every location in a document is unique.
#[derive(Debug, Default, Clone, Copy)]
struct Counters {
    paragraph: u32,
    table: u32,
}

/// Where passages go: one list per [`Part`], in the output order body, headers, footers,
/// footnotes, endnotes, comments — so notes and comments met inside the body (ODF) end up after
/// it, as the Word reader's part order gives — with the counters of each part kind and the
/// per-file passage limit.
#[derive(Debug)]
pub(crate) struct Sink {
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
    pub(crate) fn new(max: usize) -> Sink {
        Sink {
            parts: Default::default(),
            counters: [Counters::default(); 6],
            total: 0,
            max,
            full: false,
        }
    }

    /// All passages: body, headers, footers, footnotes, endnotes, comments.
    pub(crate) fn into_passages(self) -> Vec<Passage> {
        self.parts.into_iter().flatten().collect()
    }

    /// Passages read so far.
    pub(crate) fn len(&self) -> usize {
        self.total
    }

    /// True once a passage was refused for the limit.
    pub(crate) fn full(&self) -> bool {
        self.full
    }

    /// The next paragraph index of `part` (paragraphs outside tables, empty ones counted).
    pub(crate) fn next_paragraph(&mut self, part: Part) -> u32 {
        let c = &mut self.counters[slot_of(part)];
        let i = c.paragraph;
        c.paragraph = i.saturating_add(1);
        i
    }

    /// The next top-level table index of `part`.
    pub(crate) fn next_table(&mut self, part: Part) -> u32 {
        let c = &mut self.counters[slot_of(part)];
        let i = c.table;
        c.table = i.saturating_add(1);
        i
    }

    /// Where the next passage of `part` goes: a paragraph or cell takes its slot when it opens,
    /// so the text boxes anchored inside it come after it.
    pub(crate) fn slot(&self, part: Part) -> usize {
        self.parts[slot_of(part)].len()
    }

    /// Puts `passage` at `slot` of its part's list; past the limit it is dropped and the sink
    /// is full.
    pub(crate) fn emit(&mut self, part: Part, passage: Passage, slot: usize) {
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

/// The heading path of the body: the enclosing headings of the passage read now, each cut to
/// [`headings::MAX_HEADING_CHARS`], and the document's [`HeadingBudget`] (one long heading
/// over thousands of paragraphs must not be copied onto each whole, issue 11).
#[derive(Debug, Default)]
pub(crate) struct HeadingPath {
    stack: Vec<(u8, String)>,
    budget: HeadingBudget,
}

impl HeadingPath {
    /// Gives `passage` the enclosing headings, outermost first, within the budget.
    pub(crate) fn give(&mut self, passage: &mut Passage) {
        let bytes = self.stack.iter().map(|(_, t)| t.len()).sum();
        let stack = &self.stack;
        self.budget.assign(passage, bytes, || {
            stack.iter().map(|(_, t)| t.clone()).collect()
        });
    }

    /// Gives `passage` its enclosing headings. With a `level` the passage is itself a heading:
    /// it closes the headings at its level and deeper, and heads the passages after it.
    pub(crate) fn place(&mut self, passage: &mut Passage, level: Option<u8>) {
        match level {
            Some(n) => {
                while self.stack.last().is_some_and(|(l, _)| *l >= n) {
                    self.stack.pop();
                }
                self.give(passage);
                passage.heading_level = Some(n);
                self.stack.push((n, headings::shorten(&passage.text)));
            }
            None => self.give(passage),
        }
    }

    /// A note for the reviewer when the budget left passages without their headings.
    pub(crate) fn note(&self) -> Option<String> {
        self.budget.note()
    }
}

/// An open table cell.
#[derive(Debug)]
pub(crate) struct Cell {
    /// Grid column.
    col: u32,
    /// Columns the cursor moves on at the cell's end.
    pub(crate) advance: u32,
    /// Columns the cell covers (more than 1: the covered cells that follow may be left out).
    reserve: u32,
    /// A merge continuation: its text belongs to the cell it continues and is not reported.
    pub(crate) continued: bool,
    paras: Vec<String>,
    nested_tables: u32,
    slot: usize,
}

/// An open table.
#[derive(Debug)]
pub(crate) struct Table {
    part: Part,
    index: u32,
    /// Path of the enclosing cells for a table nested in a cell (`t1r7c1/t0r2c0`).
    nested: Option<String>,
    /// Row being read.
    row: Option<u32>,
    /// Index the next row gets (rows may repeat).
    next_row: u32,
    /// Grid column of the next cell.
    cursor: u32,
    /// End of the last reserving cell's columns: a cell before it is one of its covered cells.
    span_end: u32,
    cell: Option<Cell>,
}

impl Table {
    /// The story the table sits in.
    pub(crate) fn part(&self) -> Part {
        self.part
    }

    /// Starts the next row, which with `repeat` stands for that many rows.
    pub(crate) fn start_row(&mut self, repeat: u32) {
        let row = self.next_row;
        self.row = Some(row);
        self.next_row = row.saturating_add(repeat);
        self.cursor = 0;
        self.span_end = 0;
        self.cell = None;
    }

    /// Starts a row for a cell met outside any (hand-made files), without moving the cursor.
    pub(crate) fn ensure_row(&mut self) {
        if self.row.is_none() {
            self.row = Some(self.next_row);
            self.next_row = self.next_row.saturating_add(1);
        }
    }

    /// Moves the cursor over `n` columns between cells (Word's `w:gridBefore`, ODF's covered
    /// cells).
    pub(crate) fn skip_columns(&mut self, n: u32) {
        if self.cell.is_none() {
            self.cursor = self.cursor.saturating_add(n);
        }
    }

    /// Opens a cell at the cursor (after the columns a reserving cell before it covers).
    pub(crate) fn start_cell(&mut self, advance: u32, reserve: u32, slot: usize) {
        if self.cursor < self.span_end {
            self.cursor = self.span_end;
        }
        self.cell = Some(Cell {
            col: self.cursor,
            advance,
            reserve,
            continued: false,
            paras: Vec::new(),
            nested_tables: 0,
            slot,
        });
    }
}

/// What a walker is inside of, innermost last.
#[derive(Debug)]
pub(crate) enum Container {
    /// A story of its own (ODF): the body, a header or footer, a note, a comment.
    Story(Part),
    /// A text box: its paragraphs sit in the flow of the story around it.
    TextBox,
    Table(Table),
}

/// The stack of open containers.
#[derive(Debug, Default)]
pub(crate) struct Containers {
    stack: Vec<Container>,
}

impl Containers {
    /// The open containers, outermost first.
    pub(crate) fn as_slice(&self) -> &[Container] {
        &self.stack
    }

    /// Opens a story or a text box.
    pub(crate) fn push(&mut self, container: Container) {
        self.stack.push(container);
    }

    /// Closes the innermost story or text box (a table is closed by [`Containers::end_table`]).
    pub(crate) fn pop_story_or_text_box(&mut self) {
        if matches!(
            self.stack.last(),
            Some(Container::Story(_) | Container::TextBox)
        ) {
            self.stack.pop();
        }
    }

    /// True inside a table cell (its paragraphs are not counted among the part's paragraphs).
    pub(crate) fn in_cell(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Container::Table(Table { cell: Some(_), .. }))
        )
    }

    /// Where the open cell of the innermost table is: its part, table, row and grid column (a
    /// nested table's own numbers, without the outer path).
    pub(crate) fn open_cell(&self) -> Option<(Part, u32, u32, u32)> {
        match self.stack.last() {
            Some(Container::Table(t)) => t
                .cell
                .as_ref()
                .map(|c| (t.part, t.index, t.row.unwrap_or(0), c.col)),
            _ => None,
        }
    }

    /// The innermost container when it is a table.
    pub(crate) fn table_mut(&mut self) -> Option<&mut Table> {
        match self.stack.last_mut() {
            Some(Container::Table(t)) => Some(t),
            _ => None,
        }
    }

    /// The open cell of the innermost table.
    pub(crate) fn cell_mut(&mut self) -> Option<&mut Cell> {
        self.table_mut().and_then(|t| t.cell.as_mut())
    }

    /// Opens a table of `part`. Inside a cell it is nested (numbered within the cell, with the
    /// path of the cells around it); otherwise it takes `next_top_level()`.
    pub(crate) fn start_table(&mut self, part: Part, next_top_level: impl FnOnce() -> u32) {
        let (index, nested) = match self.stack.last_mut() {
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
            _ => (next_top_level(), None),
        };
        self.stack.push(Container::Table(Table {
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

    /// Closes the innermost table, and first the cell a broken part left open in it (its text
    /// still gets out, as [`Containers::end_cell`] puts it).
    pub(crate) fn end_table(&mut self, sink: &mut Sink, body_headings: Option<&mut HeadingPath>) {
        if !matches!(self.stack.last(), Some(Container::Table(_))) {
            return;
        }
        self.end_cell(sink, body_headings);
        self.stack.pop();
    }

    /// Closes the open cell of the innermost table and moves its cursor on. Unless the cell is
    /// empty or a merge continuation, its paragraphs joined by `\n` become a passage located on
    /// the grid, at the cell's slot in `sink`; a body cell takes the body's headings
    /// (`body_headings`, when the walk keeps them).
    pub(crate) fn end_cell(&mut self, sink: &mut Sink, body_headings: Option<&mut HeadingPath>) {
        let Some(t) = self.table_mut() else {
            return;
        };
        let Some(cell) = t.cell.take() else {
            return;
        };
        t.cursor = cell.col.saturating_add(cell.advance);
        if cell.reserve > 1 {
            t.span_end = cell.col.saturating_add(cell.reserve);
        }
        if cell.continued || cell.paras.is_empty() {
            return;
        }
        let location = Location::TableCell {
            part: t.part,
            table: t.index,
            row: t.row.unwrap_or(0),
            col: cell.col,
            nested: t.nested.clone(),
        };
        let mut passage = Passage::new(cell.paras.join("\n"), location);
        if t.part == Part::Body
            && let Some(h) = body_headings
        {
            h.give(&mut passage);
        }
        sink.emit(t.part, passage, cell.slot);
    }

    /// The passage of a closed paragraph of `part` (paragraph `index`, when it has one) that is
    /// a passage of its own: a paragraph directly in a table goes into its open cell instead
    /// (when it has text), one inside a cell's flow has no index, and an empty one gives nothing.
    pub(crate) fn paragraph_passage(
        &mut self,
        part: Part,
        text: &str,
        index: Option<u32>,
    ) -> Option<Passage> {
        if let Some(t) = self.table_mut() {
            if let Some(c) = t.cell.as_mut()
                && !text.is_empty()
            {
                c.paras.push(text.to_string());
            }
            return None;
        }
        let paragraph = index?;
        (!text.is_empty()).then(|| Passage::new(text, Location::Paragraph { part, paragraph }))
    }
}
