//! One pass of namespace-resolved quick-xml events over an ODF part (`content.xml` or
//! `styles.xml`) that turns it into located passages.
//!
//! Like the Word walker this is a stack machine, not a DOM: memory stays at the size of the
//! text, a hostile nesting depth is caught at the event that exceeds it, and text read before a
//! syntax error is kept; the event loop, the container stack and the order of passages are the
//! Word walker's ([`crate::ingest::flow`]). Elements are matched by *namespace URI and local name*, because ODF
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
//!   to [`MAX_REPEAT`], so a declared 16384-column (or 2³¹) repeat costs one addition;
//! - pictures (`draw:frame` holding `draw:image xlink:href="Pictures/…"`) are recorded with the
//!   table cell, else the paragraph, that holds the frame, for OCR after the walk. A frame with
//!   several images (an SVG with a PNG fallback) counts once, by its first raster image;
//!   object replacement images and links out of the package are not pictures of the document.

use crate::ingest::ReadContext;
use crate::ingest::flow::{self, Container, Containers, HeadingPath, Sink};
use crate::ingest::ocr::embedded::Anchor;
use crate::ingest::package::{Outcome, attr};
use crate::model::Part;
use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use std::collections::HashMap;

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

/// What one open element means to the walk; one entry per open element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Para,
    Frame,
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

/// The events of an ODF part, each start tag's namespace resolved to the ones the walk knows.
struct OdfEvents<'x>(NsReader<&'x [u8]>);

impl<'x> flow::Events<'x> for OdfEvents<'x> {
    type Ns = Ns;

    fn next(&mut self) -> quick_xml::Result<(Ns, Event<'x>)> {
        self.0
            .read_resolved_event()
            .map(|(ns, event)| (ns_of(&ns), event))
    }

    fn error_position(&self) -> u64 {
        self.0.error_position()
    }
}

/// Walks ODF parts into a [`Sink`]; one walker per part.
pub(super) struct Walker<'a> {
    sink: &'a mut Sink,
    headings: HeadingPath,
    open: Vec<Open>,
    skipping: usize,
    paras: Vec<Para>,
    containers: Containers,
    /// Automatic paragraph style → its parent (`P1` → `Title`), from `office:automatic-styles`.
    parents: HashMap<String, String>,
    /// The open `draw:frame`s: where each sits and the images it holds so far.
    frames: Vec<(Anchor, Vec<String>)>,
    /// Pictures met, in document order: their member name and place.
    pub(super) pictures: Vec<(String, Anchor)>,
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
            containers: Containers::default(),
            parents: HashMap::new(),
            frames: Vec::new(),
            pictures: Vec::new(),
        }
    }

    /// Where a frame opening now sits: the open table cell, else the innermost paragraph with a
    /// place among the part's paragraphs, else just the story.
    fn anchor(&self) -> Anchor {
        if let Some((part, table, row, col)) = self.containers.open_cell() {
            return Anchor::Cell {
                part,
                table,
                row,
                col,
            };
        }
        match self.paras.iter().rev().find(|p| p.index.is_some()) {
            Some(Para {
                index: Some(paragraph),
                part,
                ..
            }) => Anchor::Paragraph {
                part: *part,
                paragraph: *paragraph,
            },
            _ => Anchor::Part(self.story().unwrap_or(Part::Body)),
        }
    }

    /// Closes a frame: its first raster image (else its first image) is a picture.
    fn end_frame(&mut self) {
        let Some((anchor, images)) = self.frames.pop() else {
            return;
        };
        let chosen = images
            .iter()
            .find(|name| is_raster(name))
            .or_else(|| images.first());
        if let Some(name) = chosen
            && self.pictures.len() < MAX_PICTURES
        {
            self.pictures.push((name.clone(), anchor));
        }
    }

    /// Reads one part's XML to the end, a limit or an error; whatever was open at the end is
    /// flushed so text before a truncation is kept.
    pub(super) fn walk(&mut self, xml: &str, ctx: &ReadContext) -> Outcome {
        flow::walk(&mut OdfEvents(NsReader::from_str(xml)), self, ctx)
    }

    /// A note for the reviewer when the heading budget left passages without headings.
    pub(super) fn heading_note(&self) -> Option<String> {
        self.headings.note()
    }

    /// The paragraph that takes character data now, if any.
    fn collecting(&mut self) -> Option<&mut Para> {
        if self.skipping > 0 {
            return None;
        }
        let depth = self.containers.as_slice().len();
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
        self.containers
            .as_slice()
            .iter()
            .rev()
            .find_map(|c| match c {
                Container::Story(p) => Some(*p),
                Container::Table(t) => Some(t.part()),
                Container::TextBox => None,
            })
    }

    /// Opens a story of its own (a header or footer, a note, a comment, the body).
    fn open_story(&mut self, part: Part) -> Open {
        self.containers.push(Container::Story(part));
        Open::Container
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
            (Ns::Office, "text") => self.open_story(Part::Body),
            (Ns::Style, "header" | "header-left" | "header-first")
            | (Ns::Style, "footer" | "footer-left" | "footer-first") => {
                if attr(e, "display").is_some_and(|d| d == "false") {
                    Open::Skip
                } else {
                    self.open_story(if name.starts_with("header") {
                        Part::Header
                    } else {
                        Part::Footer
                    })
                }
            }
            (Ns::Text, "note") => {
                self.open_story(if attr(e, "note-class").is_some_and(|c| c == "endnote") {
                    Part::Endnote
                } else {
                    Part::Footnote
                })
            }
            (Ns::Office, "annotation") => self.open_story(Part::Comment),
            (Ns::Draw, "frame") => {
                let anchor = self.anchor();
                self.frames.push((anchor, Vec::new()));
                Open::Frame
            }
            (Ns::Draw, "image") => {
                if let Some(name) = attr(e, "href").and_then(|h| package_member(&h))
                    && let Some((_, images)) = self.frames.last_mut()
                    && images.len() < 8
                {
                    images.push(name);
                }
                Open::Other
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
                if let Some(t) = self.containers.table_mut() {
                    // A cell left open by a broken part is dropped by its row's successor.
                    t.start_row(repeat);
                }
                Open::Other
            }
            (Ns::Table, "table-cell") => self.start_cell(e),
            (Ns::Table, "covered-table-cell") => {
                let repeat = count(e, "number-columns-repeated");
                if let Some(t) = self.containers.table_mut() {
                    t.skip_columns(repeat);
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
        let index = if self.containers.in_cell() {
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
            depth: self.containers.as_slice().len(),
            slot: self.sink.slot(part),
        });
        Open::Para
    }

    fn start_cell(&mut self, e: &BytesStart<'_>) -> Open {
        let repeat = count(e, "number-columns-repeated");
        let span = count(e, "number-columns-spanned");
        let Some(part) = self.story() else {
            return Open::Skip;
        };
        let slot = self.sink.slot(part);
        let Some(t) = self.containers.table_mut() else {
            return Open::Other;
        };
        t.ensure_row();
        t.start_cell(repeat, span, slot);
        Open::Cell
    }

    fn start_table(&mut self) {
        // A table outside every story (not in valid files) still needs its container so its
        // end balances.
        let (part, sink) = match self.story() {
            Some(part) => (part, Some(&mut *self.sink)),
            None => (Part::Body, None),
        };
        self.containers
            .start_table(part, || sink.map_or(0, |s| s.next_table(part)));
    }

    fn end(&mut self) {
        let Some(kind) = self.open.pop() else {
            return;
        };
        match kind {
            Open::Skip => self.skipping = self.skipping.saturating_sub(1),
            Open::Para => self.end_para(),
            Open::Frame => self.end_frame(),
            Open::Container => self.containers.pop_story_or_text_box(),
            Open::Cell => self
                .containers
                .end_cell(self.sink, Some(&mut self.headings)),
            Open::Table => self
                .containers
                .end_table(self.sink, Some(&mut self.headings)),
            Open::Other => {}
        }
    }

    fn end_para(&mut self) {
        let Some(para) = self.paras.pop() else {
            return;
        };
        let Some(mut passage) =
            self.containers
                .paragraph_passage(para.part, para.text.trim(), para.index)
        else {
            return;
        };
        if para.part == Part::Body {
            // Only headings of the body's own flow (not text boxes) shape the outline.
            let outline_ok = matches!(self.containers.as_slice(), [Container::Story(Part::Body)]);
            self.headings
                .place(&mut passage, para.level.filter(|_| outline_ok));
        }
        self.sink.emit(para.part, passage, para.slot);
    }
}

impl flow::Walk<Ns> for Walker<'_> {
    fn depth(&self) -> usize {
        self.open.len()
    }

    fn full(&self) -> bool {
        self.sink.full()
    }

    fn start(&mut self, ns: Ns, e: &BytesStart<'_>) {
        Walker::start(self, ns, e);
    }

    fn end(&mut self) {
        Walker::end(self);
    }

    fn wants_text(&self) -> bool {
        self.skipping == 0
            && self
                .paras
                .last()
                .is_some_and(|p| p.depth == self.containers.as_slice().len())
    }

    fn text(&mut self, s: &str) {
        self.push_text(s);
    }
}

/// Most pictures recorded per part: more is no licence bundle, and each costs an OCR.
const MAX_PICTURES: usize = 10_000;

/// The package member an image's `xlink:href` names (`Pictures/1.png`, `./Pictures/1.png`), or
/// `None` for a link out of the package (`http:`, `file:`, `../`), an object's replacement
/// image or an empty reference.
fn package_member(href: &str) -> Option<String> {
    let name = href.trim().trim_start_matches("./");
    let outside = name.is_empty()
        || name.starts_with('/')
        || name.starts_with("..")
        || name.contains(':')
        || name.starts_with("ObjectReplacements/");
    (!outside).then(|| name.to_string())
}

/// True for the image formats the OCR decoders read (by the member's extension).
fn is_raster(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff"]
        .iter()
        .any(|ext| lower.ends_with(ext))
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
