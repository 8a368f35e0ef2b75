//! Plain data types shared by every stage: files → [`Document`]s of [`Passage`]s → evidence and index
//! → reports. Stages talk only through these (serde) types, never through each other's internals.
//!
//! The JSON shape of [`FileKind`], [`FileStatus`] and [`Location`] is fixed by
//! `shared/domain/report-contract.md`; the serde attributes here produce exactly that shape.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a file's content is, sniffed from its bytes (magic numbers, zip member names), never from
/// its extension alone. Serialised as in the report contract (`"pdf"`, `"docx"`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// Portable Document Format.
    Pdf,
    /// Office Open XML word-processing document (Word, WPS, LibreOffice).
    Docx,
    /// Office Open XML workbook.
    Xlsx,
    /// Legacy Excel workbook (BIFF5–8, an OLE2 compound file).
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// Comma-separated values.
    Csv,
    /// Plain text.
    Txt,
    /// Zip archive (an applicant's bundle or a bundle inside one).
    Zip,
    /// Raster image (jpg, png, tiff, bmp): a scan with no text layer.
    Image,
    /// Excel binary workbook (`.xlsb`: an OOXML package of BIFF12 records).
    Xlsb,
    /// Legacy Word `.doc` and WPS `.wps` (Word 97 binary), OpenDocument text and other
    /// word-processing formats without a kind of their own.
    Doc,
    /// OFD (GB/T 33190), China's fixed-layout format of e-licences, e-invoices and official
    /// documents.
    Ofd,
    /// Rich Text Format.
    Rtf,
    /// PowerPoint presentation (OOXML).
    Pptx,
    /// Anything else.
    Unknown,
}

impl FileKind {
    /// The contract's spelling, e.g. `"pdf"`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Docx => "docx",
            FileKind::Xlsx => "xlsx",
            FileKind::Xls => "xls",
            FileKind::Ods => "ods",
            FileKind::Csv => "csv",
            FileKind::Txt => "txt",
            FileKind::Zip => "zip",
            FileKind::Image => "image",
            FileKind::Xlsb => "xlsb",
            FileKind::Doc => "doc",
            FileKind::Ofd => "ofd",
            FileKind::Rtf => "rtf",
            FileKind::Pptx => "pptx",
            FileKind::Unknown => "unknown",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How reading a file went. Anything but `Ok` comes with an error message in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Text was read.
    Ok,
    /// No text layer (a scan, an image, or fonts without a usable Unicode mapping): OCR needed.
    NeedsOcr,
    /// Password-protected and no (empty) password opens it.
    Encrypted,
    /// Damaged beyond recovery, or not what it claims to be.
    Corrupt,
    /// Recognised, but a format certsift does not read (.doc, .wps, .ppt…).
    Unsupported,
    /// No bytes, or no text at all.
    Empty,
    /// Hit a size, time, page, entry-count or decompression limit.
    LimitExceeded,
}

impl Document {
    /// How many pages and pictures of this file were read by OCR: the distinct pages of its
    /// OCR lines, and the distinct pictures of a document whose pictures were read.
    pub fn ocr_page_count(&self) -> usize {
        let mut seen: std::collections::BTreeSet<(bool, u32)> = std::collections::BTreeSet::new();
        for passage in self.passages.iter().filter(|p| p.ocr_confidence.is_some()) {
            match passage.location {
                Location::OcrLine { page, .. } => seen.insert((false, page)),
                Location::Picture { picture, .. } => seen.insert((true, picture)),
                _ => false,
            };
        }
        seen.len()
    }
}

impl FileStatus {
    /// Whether a file of this status gave no usable text: damaged, locked, empty, of a format
    /// not read, or stopped by a limit. A material whose files are all so is not present, and
    /// every view (report, terminal, pages, triage) says so the same way. A scan not yet read
    /// by OCR is not counted here: the document is there, its text is not.
    pub fn is_unreadable(self) -> bool {
        matches!(
            self,
            FileStatus::Corrupt
                | FileStatus::Encrypted
                | FileStatus::Empty
                | FileStatus::LimitExceeded
                | FileStatus::Unsupported
        )
    }

    /// The contract's spelling, e.g. `"needs_ocr"`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Ok => "ok",
            FileStatus::NeedsOcr => "needs_ocr",
            FileStatus::Encrypted => "encrypted",
            FileStatus::Corrupt => "corrupt",
            FileStatus::Unsupported => "unsupported",
            FileStatus::Empty => "empty",
            FileStatus::LimitExceeded => "limit_exceeded",
        }
    }
}

impl fmt::Display for FileStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which part of a Word document a passage comes from. The body is the default and is omitted
/// from JSON; the others let a reviewer tell a letterhead from the document's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// `word/document.xml`, including text boxes and content controls in it.
    Body,
    /// A page header (`word/header*.xml`).
    Header,
    /// A page footer (`word/footer*.xml`).
    Footer,
    /// A footnote.
    Footnote,
    /// An endnote.
    Endnote,
    /// A reviewer comment.
    Comment,
}

impl Part {
    fn is_body(&self) -> bool {
        *self == Part::Body
    }
}

/// Where a passage sits inside its file, exactly as the report contract spells it: only the keys
/// that apply are present (`{"page": 3}`, `{"table": 0, "row": 2, "col": 1}`,
/// `{"sheet": "网点", "cell": "A3:F3"}`, `{"line": 7}`, `{"slide": 3, "paragraph": 0}`).
///
/// Pages and lines are 1-based; paragraphs, tables, rows and columns 0-based (contract).
/// Deserialising tries the variants in declaration order, so the most specific shapes come first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Location {
    /// A line read by OCR from a picture inside a document (a licence pasted into Word, WPS,
    /// LibreOffice, Excel or PowerPoint): where the picture sits — the paragraph or table cell
    /// holding it, the sheet cell its top-left corner is anchored at, or its slide — which
    /// picture it is (1-based, in the document's order), and the line on it with its box in the
    /// picture's pixels. First, as it has the most keys and is the only shape with `picture`:
    /// [`Location::Slide`], [`Location::TableCell`], [`Location::SheetCell`] and
    /// [`Location::Paragraph`] would otherwise take its place keys when deserialising.
    Picture {
        /// Document part, omitted for the body.
        #[serde(default = "body", skip_serializing_if = "Part::is_body")]
        part: Part,
        /// The 0-based paragraph holding the picture, when it is not in a table cell.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paragraph: Option<u32>,
        /// The table cell holding the picture (0-based, as [`Location::TableCell`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table: Option<u32>,
        /// The cell's row.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        row: Option<u32>,
        /// The cell's grid column.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        col: Option<u32>,
        /// The sheet of a workbook picture.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sheet: Option<String>,
        /// The A1 cell a workbook picture's top-left corner is anchored at.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cell: Option<String>,
        /// The 1-based slide of a presentation picture.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slide: Option<u32>,
        /// 1-based picture number in the document.
        picture: u32,
        /// 1-based line on the picture, in reading order.
        line: u32,
        /// The line's box in the picture's pixels: left, top, right, bottom.
        bbox: [u32; 4],
    },
    /// A PowerPoint slide's paragraph or table cell. First: no other shape has a `slide` key,
    /// and a cell's `table`/`row`/`col` would otherwise be taken for a Word table cell.
    Slide {
        /// 1-based slide number, in presentation order.
        slide: u32,
        /// 0-based index of the paragraph among the slide's (or its notes') paragraphs in
        /// reading order; a table cell has the index of its first paragraph.
        paragraph: u32,
        /// True for the slide's speaker notes.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        notes: bool,
        /// For a table cell: the 0-based index of the table on the slide.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table: Option<u32>,
        /// For a table cell: its 0-based row.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        row: Option<u32>,
        /// For a table cell: its 0-based grid column.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        col: Option<u32>,
    },
    /// A Word table cell; `row`/`col` are grid positions (a merged cell is reported once, at its
    /// first grid column). `nested` holds the outer cells' path for a table inside a table.
    TableCell {
        /// Document part, omitted for the body.
        #[serde(default = "body", skip_serializing_if = "Part::is_body")]
        part: Part,
        /// 0-based index of the table among the part's top-level tables.
        table: u32,
        /// 0-based row.
        row: u32,
        /// 0-based grid column.
        col: u32,
        /// For nested tables: the outer table cells, e.g. `"t1r7c1"`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nested: Option<String>,
    },
    /// A spreadsheet cell or a row range of cells (`"A3"` or `"A3:F3"`).
    SheetCell {
        /// Sheet name as stored in the workbook.
        sheet: String,
        /// A1-style cell or range.
        cell: String,
    },
    /// A line read by OCR from a page image: the page (1-based, of a PDF or a multi-page
    /// image), the line on it (1-based, in reading order) and its box `[x0, y0, x1, y1]` in
    /// pixels of the page image as stored in the file. Before [`Location::Page`], which would
    /// otherwise take these keys when deserialising.
    OcrLine {
        /// 1-based page number.
        page: u32,
        /// 1-based line number on the page.
        line: u32,
        /// The line's box in the page image's pixels: left, top, right, bottom.
        bbox: [u32; 4],
    },
    /// A text block of a PDF or OFD page: the page (1-based), and where its text layer gives
    /// positions, which of the page's lines the block holds and the box around them, so that
    /// evidence points at the lines and not at the whole page.
    Page {
        /// 1-based page number.
        page: u32,
        /// The block's first and last line among the page's lines (1-based, reading order).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lines: Option<[u32; 2]>,
        /// The box around those lines in points (1/72 inch) from the page's top-left corner as
        /// displayed: left, top, right, bottom.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bbox: Option<[u32; 4]>,
    },
    /// A Word paragraph (0-based index among the part's paragraphs).
    Paragraph {
        /// Document part, omitted for the body.
        #[serde(default = "body", skip_serializing_if = "Part::is_body")]
        part: Part,
        /// 0-based paragraph index.
        paragraph: u32,
    },
    /// A line of a text or CSV file (1-based), or the lines of a sentence wrapped by hand.
    Line {
        /// 1-based line number (the first, for a wrapped sentence).
        line: u32,
        /// The last line of a sentence wrapped over several lines.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        through: Option<u32>,
    },
    /// The file as a whole (used for a file-level finding such as a file name).
    File {},
}

fn body() -> Part {
    Part::Body
}

impl Location {
    /// A whole page, no finer place known (a page read as one, an OFD block without positions).
    pub fn page(page: u32) -> Location {
        Location::Page {
            page,
            lines: None,
            bbox: None,
        }
    }

    /// One line of a text or CSV file.
    pub fn line(line: u32) -> Location {
        Location::Line {
            line,
            through: None,
        }
    }

    /// The page this place is on, for the shapes that have one (text blocks, OCR lines).
    pub fn page_number(&self) -> Option<u32> {
        match self {
            Location::Page { page, .. } | Location::OcrLine { page, .. } => Some(*page),
            _ => None,
        }
    }
}

impl fmt::Display for Location {
    /// For humans only (terminal output); machines use the serde shape.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part_prefix = |part: &Part| match part {
            Part::Body => "",
            Part::Header => "页眉 ",
            Part::Footer => "页脚 ",
            Part::Footnote => "脚注 ",
            Part::Endnote => "尾注 ",
            Part::Comment => "批注 ",
        };
        match self {
            Location::Slide {
                slide,
                paragraph,
                notes,
                table,
                row,
                col,
            } => {
                write!(f, "slide {slide}")?;
                if *notes {
                    f.write_str(" notes")?;
                }
                match (table, row, col) {
                    (Some(t), Some(r), Some(c)) => write!(f, " table {t} r{r} c{c}"),
                    _ => write!(f, " ¶{paragraph}"),
                }
            }
            Location::Page {
                page,
                lines: Some([first, last]),
                ..
            } if first != last => write!(f, "p.{page} lines {first}–{last}"),
            Location::Page {
                page,
                lines: Some([line, _]),
                ..
            } => write!(f, "p.{page} line {line}"),
            Location::Page { page, .. } => write!(f, "p.{page}"),
            Location::OcrLine { page, line, .. } => write!(f, "p.{page} line {line} (OCR)"),
            Location::Paragraph { part, paragraph } => {
                write!(f, "{}¶{paragraph}", part_prefix(part))
            }
            Location::TableCell {
                part,
                table,
                row,
                col,
                nested,
            } => {
                write!(f, "{}", part_prefix(part))?;
                if let Some(outer) = nested {
                    write!(f, "{outer}/")?;
                }
                write!(f, "table {table} r{row} c{col}")
            }
            Location::SheetCell { sheet, cell } => write!(f, "{sheet}!{cell}"),
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
                ..
            } => {
                write!(f, "{}", part_prefix(part))?;
                match (paragraph, table, row, col) {
                    (Some(p), ..) => write!(f, "¶{p} ")?,
                    (None, Some(t), Some(r), Some(c)) => write!(f, "table {t} r{r} c{c} ")?,
                    _ => {}
                }
                match (sheet, cell) {
                    (Some(s), Some(c)) => write!(f, "{s}!{c} ")?,
                    (Some(s), None) => write!(f, "{s} ")?,
                    _ => {}
                }
                if let Some(s) = slide {
                    write!(f, "slide {s} ")?;
                }
                write!(f, "picture {picture} line {line} (OCR)")
            }
            Location::Line {
                line,
                through: None,
            } => write!(f, "line {line}"),
            Location::Line {
                line,
                through: Some(last),
            } => write!(f, "lines {line}–{last}"),
            Location::File {} => f.write_str("(file)"),
        }
    }
}

/// One piece of text with its exact place: a PDF text block, a Word paragraph or table cell, a
/// spreadsheet row, a line of text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    /// The text as the file has it, for display and snippets (line breaks kept).
    pub text: String,
    /// Where it is.
    pub location: Location,
    /// What this passage sits under, outermost first. Word: the enclosing headings (e.g.
    /// `["第三章 售后服务", "3.2 投诉处理"]`). Spreadsheets: the sheet's title line(s) and the
    /// column header row (`"网点名称 | 地址 | 电话"`), so a data row keeps its meaning. PDF: the
    /// titles above the block, told by their larger type. Empty elsewhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headings: Vec<String>,
    /// When this passage is itself a heading: its outline level (1 = 标题 1 in Word; in a PDF,
    /// 1 for the largest heading type size, 2 for the next).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading_level: Option<u8>,
    /// The text the rules and the index work on: see [`crate::normalize::for_matching`].
    /// Computed once at read time so no later stage normalises again.
    #[serde(default)]
    pub normalized: String,
    /// Set when the text was read by OCR: the engine's confidence in it, 0..=1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr_confidence: Option<f32>,
}

impl Passage {
    /// A passage whose matching form is computed from `text`.
    pub fn new(text: impl Into<String>, location: Location) -> Passage {
        let text = text.into();
        let normalized = crate::normalize::for_matching(&text);
        Passage {
            text,
            location,
            headings: Vec::new(),
            heading_level: None,
            normalized,
            ocr_confidence: None,
        }
    }
}

/// Everything read from one file (or one zip member): the unit every later stage consumes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Path relative to the bundle (or as given on the command line), `/`-separated; a zip member
    /// is `outer.zip!/inner/path`.
    pub path: String,
    /// Lower-case hex sha256 of the file's bytes.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// What the content is.
    pub kind: FileKind,
    /// The kind the file name's extension claims, when it has a known one; differs from `kind`
    /// for a mislabelled file (the rules stage raises `extension_mismatch`).
    pub declared_kind: Option<FileKind>,
    /// How reading went.
    pub status: FileStatus,
    /// Why, in words, whenever `status` is not `Ok`.
    pub error: Option<String>,
    /// Text in reading order.
    pub passages: Vec<Passage>,
    /// PDF pages (1-based) that have no usable text layer and need OCR; may be non-empty for an
    /// `Ok` file whose other pages have text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ocr_pages: Vec<u32>,
    /// True when some of the text was read by OCR (its passages carry the confidence).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ocr: bool,
    /// Number of pages (PDF, multi-page image) or sheets (workbooks), when the format has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    /// Things a reviewer should know that do not stop reading: a rebuilt xref, formulas without
    /// cached values, a hidden sheet, a number that lost digits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A bundle as read: every file of one applicant's submission, zip members included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// The bundle id: the folder name or the zip's stem.
    pub id: String,
    /// The files in a deterministic order (sorted by path, zip members right after their zip).
    pub documents: Vec<Document>,
}

// ---------------------------------------------------------------------------------------------
// What the rules stage concludes about a bundle. The report stage turns these into the contract's
// JSON; the index stage tags passages with them.
// ---------------------------------------------------------------------------------------------

/// A catalog indicator id, the clause number of GB/T 27922-2011 (`"5.3.2"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IndicatorId(pub String);

/// A catalog material id (`"business_license"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MaterialId(pub String);

/// A rule's id as written in `rules/` (`"complaint-time-limit"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RuleId(pub String);

impl fmt::Display for IndicatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Display for MaterialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How much a rule's hit proves: a strong hit supports an indicator, a weak one only mentions it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// A passing mention: the indicator is at most `weak`.
    Weak,
    /// Clear evidence: the indicator is `supported`.
    Strong,
}

/// One passage cited as evidence, with the rule that found it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The file, bundle-relative.
    pub file: String,
    /// Where in the file.
    pub location: Location,
    /// The passage text as found.
    pub text: String,
    /// The rule that matched.
    pub rule: RuleId,
    /// How much the hit proves.
    pub strength: Strength,
    /// The words that matched (in matching form), for highlighting.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<String>,
    /// Ranking score, higher first (strength, rule weight, number of distinct terms).
    pub score: f32,
}

/// Whether a bundle carries a material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialStatus {
    /// At least one file is that material.
    Present,
    /// No file is.
    Missing,
    /// The applicant declares it does not apply (e.g. no permit is required by law).
    NotApplicable,
}

/// The verdict on one material.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaterialFinding {
    /// Catalog id.
    pub id: MaterialId,
    /// Verdict.
    pub status: MaterialStatus,
    /// The files classified as this material, best first.
    pub files: Vec<String>,
}

/// The verdict on one level-2 indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorStatus {
    /// Clear evidence.
    Supported,
    /// Only passing mentions.
    Weak,
    /// No evidence.
    Missing,
    /// The applicant declares it does not apply; the evidence cites the declaration.
    Excluded,
}

/// Evidence gathered for one level-2 indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorFinding {
    /// Catalog id.
    pub id: IndicatorId,
    /// Verdict.
    pub status: IndicatorStatus,
    /// Deduplicated, best first.
    pub evidence: Vec<Evidence>,
}

/// A field pulled from the bundle (the applicant's identity, licence term, certificates…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldValue {
    /// `company_name`, `uscc`, `legal_representative`, `registered_capital`,
    /// `license_valid_until`, `established_on`, `certificate_number`, …
    pub name: String,
    /// As found; dates stay dates until the report is written (ISO `YYYY-MM-DD`, or `长期`).
    pub value: Value,
    /// File it came from.
    pub file: String,
    /// Where in the file.
    pub location: Location,
    /// For checked values (USCC checksum): whether the check passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<bool>,
    /// Groups fields that belong together (one certificate's number, holder and validity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<u32>,
    /// How the value was read when that matters to a reviewer, in Chinese: a USCC read by OCR
    /// and corrected by its check character says what was changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A field's value. Dates are kept as dates from extraction through the checks, so no stage
/// parses a string that another stage formatted; the report writes them as ISO `YYYY-MM-DD`
/// and an open-ended validity as `长期` (the contract's string), and reads them back the same way.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// Text as found (names, codes, amounts, addresses).
    Text(String),
    /// A date (成立日期, a validity's last day).
    Date(chrono::NaiveDate),
    /// A validity with no end (长期, 永久, 无固定期限).
    NoEnd,
}

impl Value {
    /// The report's spelling of an open-ended validity.
    pub const NO_END: &'static str = "长期";

    /// The date, for a date value.
    pub fn date(&self) -> Option<chrono::NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }

    /// The text, for a text value.
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// Reads the report's spelling back: an ISO date, `长期`, else text.
    pub fn parse(s: &str) -> Value {
        if s == Value::NO_END {
            return Value::NoEnd;
        }
        match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if d.format("%Y-%m-%d").to_string() == s => Value::Date(d),
            _ => Value::Text(s.to_string()),
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Text(t) => f.write_str(t),
            Value::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Value::NoEnd => f.write_str(Value::NO_END),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        match self {
            Value::Text(t) => t == other,
            _ => Value::parse(other) == *self,
        }
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        let s = String::deserialize(deserializer)?;
        Ok(Value::parse(&s))
    }
}

/// How bad a flag is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks the review until fixed.
    Error,
    /// Needs a reviewer's look.
    Warning,
    /// For information.
    Info,
}

/// A problem a reviewer would catch by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// A code of `[flags]` in the catalog.
    pub code: String,
    /// How bad.
    pub severity: Severity,
    /// In words.
    pub message: String,
    /// The files concerned.
    pub files: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocr_pages_count_distinct_pages_and_pictures_read_by_ocr() {
        let line = |page, line| {
            let mut p = Passage::new(
                "营业执照",
                Location::OcrLine {
                    page,
                    line,
                    bbox: [0, 0, 1, 1],
                },
            );
            p.ocr_confidence = Some(0.9);
            p
        };
        let mut picture = Passage::new(
            "统一社会信用代码",
            Location::Picture {
                part: Part::Body,
                paragraph: Some(3),
                table: None,
                row: None,
                col: None,
                sheet: None,
                cell: None,
                slide: None,
                picture: 1,
                line: 1,
                bbox: [0, 0, 1, 1],
            },
        );
        picture.ocr_confidence = Some(0.8);
        let text = Passage::new("第一条", Location::page(1));
        let doc = Document {
            path: "营业执照.pdf".into(),
            sha256: String::new(),
            bytes: 0,
            kind: FileKind::Pdf,
            declared_kind: None,
            status: FileStatus::Ok,
            error: None,
            passages: vec![line(1, 1), line(1, 2), line(2, 1), picture, text],
            ocr_pages: Vec::new(),
            ocr: true,
            pages: Some(2),
            notes: Vec::new(),
        };
        assert_eq!(doc.ocr_page_count(), 3);
    }
}
