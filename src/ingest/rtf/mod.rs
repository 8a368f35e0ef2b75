//! RTF reader: paragraphs and table cells of a Rich Text document, as WPS, Word, WordPad and
//! LibreOffice write them for Chinese text.
//!
//! # Why our own tokenizer
//!
//! Chinese RTF carries its text three ways, often in one file: `\'xx` escapes of the document's
//! ANSI code page (`\ansicpg936`: two escapes in a row are *one* GBK character, so bytes must be
//! gathered before decoding), `\'xx` escapes in the code page of the current font (a font with
//! `\fcharset134` means GBK whatever the document's code page), and `\uN` with `\ucN` fallback
//! characters to skip. The RTF crates we looked at decode escapes byte by byte as Latin-1 or
//! ignore `\ucN`, which garbles exactly these files; a reader that does it right is a small
//! tokenizer ([`lexer`]) and the group state below.
//!
//! # Shape of the result
//!
//! As for Word: body paragraphs are [`Location::Paragraph`] (0-based, empty paragraphs
//! counted, only non-empty emitted), table cells one passage each at [`Location::TableCell`]
//! (`\intbl` paragraphs, `\cell` ends a cell, `\row` a row; a table is a run of rows),
//! header and footer text (`\header`, `\footer`…) as their parts.
//!
//! Nested tables (RTF 1.6+: `\itapN` gives a paragraph's table depth, `\nestcell` and
//! `\nestrow` end a nested cell and row, the row's properties sit in `{\*\nesttableprops …}`)
//! are read as cells of their own, numbered within the outer cell and located with its path
//! (`nested: "t0r1c1"`), as the Word readers do; the `{\nonesttables …}` copy for old readers
//! is skipped.
//!
//! Footnotes and endnotes (`{\footnote …}`, `\ftnalt` for an endnote) sit in the middle of the
//! paragraph that cites them; their text is read as a part of its own (`footnote`,
//! `endnote`, paragraphs counted per part), and the citing paragraph goes on after the group
//! without it.
//!
//! Destinations that are not
//! text are skipped: font, colour and style tables, document info, pictures, objects' data,
//! field instructions (a field's result is kept), and every `{\*\…}` destination certsift does
//! not know. List numbers as shown (`\listtext`, `\pntext`: `第一条`, `1.`) are kept, as
//! LibreOffice's own text export keeps them.
//!
//! Bounds: group depth ([`MAX_DEPTH`]), the file's clock (every token), `max_passages`.

mod lexer;

#[cfg(test)]
mod tests;

use super::clock::Clock;
use super::{Extracted, ReadContext, ReadError};
use crate::model::{Location, Part, Passage};
use encoding_rs::Encoding;
use lexer::{Lexer, Token};
use std::collections::HashMap;

/// Deepest group nesting followed; real documents stay under 30.
const MAX_DEPTH: usize = 512;
/// Deepest table nesting followed (`\itapN`; Word allows 63 levels): a larger `N` is read as
/// this, so a hostile `\itap2000000000` cannot open two billion tables.
const MAX_TABLE_DEPTH: u32 = 64;

/// Reads an RTF document. Errors: [`ReadError::Corrupt`] when it does not start as RTF,
/// [`ReadError::LimitExceeded`] when time runs out before any text was read.
pub fn read(bytes: &[u8], ctx: &ReadContext) -> Result<Extracted, ReadError> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    if !bytes[start..].starts_with(b"{\\rtf") {
        return Err(ReadError::Corrupt(
            "不是 RTF 文档：文件开头不是 {\\rtf (not an RTF document: it does not start with {\\rtf)".into(),
        ));
    }
    let mut reader = Reader::new(ctx.limits.max_passages);
    let mut lexer = Lexer::new(&bytes[start..]);
    let mut clock = Clock::new(ctx);
    let mut out = Extracted::default();
    while let Some(token) = lexer.next_token() {
        if let Err(e) = clock.tick() {
            out.truncated = Some(e.to_string());
            break;
        }
        if let Err(stop) = reader.token(token) {
            out.truncated = Some(stop);
            break;
        }
        if reader.full {
            out.truncated =
                Some("文本段超出每个文件的限制，其余未读取 (more passages than the per-file limit; the rest was not read)".into());
            break;
        }
    }
    reader.finish();
    if reader.unknown_codepage {
        out.notes.push(
            "RTF 声明了 certsift 无法识别的代码页，其 8 位文字已按 Windows-1252 读取 (the RTF names a code page certsift does not know; its 8-bit text was read as Windows-1252)".into(),
        );
    }
    out.passages = reader.into_passages();
    if out.passages.is_empty()
        && let Some(why) = out.truncated.take()
    {
        return Err(ReadError::LimitExceeded(why));
    }
    Ok(out)
}

/// What a group's destination means for its text.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Dest {
    /// Text of `part`.
    Text(Part),
    /// Not text.
    Skip,
    /// The font table: `\fN`, `\fcharsetN`, `\cpgN` define fonts.
    FontTable,
}

/// The state a group inherits from its parent and may change.
#[derive(Debug, Clone, Copy)]
struct Group {
    dest: Dest,
    /// Fallback characters after `\uN`.
    uc: u32,
    /// Current font (`\fN`).
    font: Option<i32>,
    /// The double-byte font of `\dbch` text (`\afN` after `\dbch`).
    dbch_font: Option<i32>,
    dbch: bool,
}

/// A table being read.
#[derive(Debug)]
struct Table {
    part: Part,
    /// Index among the part's top-level tables, or among the outer cell's tables.
    index: u32,
    /// The outer cells' path for a nested table (`t0r1c1`, `t0r1c1/t0r0c2`).
    nested: Option<String>,
    row: u32,
    col: u32,
    /// Paragraphs of the open cell.
    paras: Vec<String>,
    /// Tables opened so far in the open cell.
    inner_tables: u32,
}

/// The paragraph and tables a note interrupted, given back when its group closes.
#[derive(Debug)]
struct Interrupted {
    /// Group depth of the note's group.
    depth: usize,
    para: String,
    in_table: bool,
    itap: u32,
    tables: Vec<Table>,
}

struct Reader {
    stack: Vec<Group>,
    /// `\*` seen: the next control word starts an optional destination.
    star: bool,
    /// Fallback characters still to skip after `\uN`.
    skip: u32,
    /// High surrogate of a `\uN` pair.
    high: Option<u16>,
    /// Bytes of 8-bit text not yet decoded (two GBK escapes make one character).
    bytes: Vec<u8>,
    bytes_encoding: &'static Encoding,
    /// The document's code page (`\ansicpgN`).
    ansi: &'static Encoding,
    /// Code page of each font of the font table.
    fonts: HashMap<i32, &'static Encoding>,
    /// The font being defined in the font table.
    defining: Option<i32>,
    /// The paragraph being read, whether it is in a table (`\intbl`) and how deep (`\itapN`).
    para: String,
    in_table: bool,
    itap: u32,
    /// Open tables, outermost first: the one at index `d - 1` holds the cells of depth `d`.
    tables: Vec<Table>,
    /// Stories a footnote or endnote interrupted, innermost last.
    interrupted: Vec<Interrupted>,
    next_table: [u32; 2],
    paragraphs: [u32; PARTS],
    passages: [Vec<Passage>; PARTS],
    total: usize,
    max: usize,
    full: bool,
    unknown_codepage: bool,
}

/// Parts read, each with its own paragraph count and passages, in output order.
const PARTS: usize = 5;

fn slot(part: Part) -> usize {
    match part {
        Part::Header => 1,
        Part::Footer => 2,
        Part::Footnote => 3,
        Part::Endnote => 4,
        Part::Body | Part::Comment => 0,
    }
}

/// Destinations whose content is not document text.
const SKIPPED: &[&str] = &[
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "object",
    "objdata",
    "fldinst",
    "datafield",
    "themedata",
    "colorschememapping",
    "latentstyles",
    "datastore",
    "xmlnstbl",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "filetbl",
    "revtbl",
    "pgdsctbl",
    "nonshppict",
    "sp",
    "sn",
    "sv",
    "pntxta",
    "pntxtb",
    "bkmkstart",
    "bkmkend",
    "nesttableprops",
    "nonesttables",
    "annotation",
    "atnid",
    "atnauthor",
    "xe",
    "tc",
    "private",
    "upr",
];

impl Reader {
    fn new(max: usize) -> Reader {
        Reader {
            stack: Vec::new(),
            star: false,
            skip: 0,
            high: None,
            bytes: Vec::new(),
            bytes_encoding: encoding_rs::WINDOWS_1252,
            ansi: encoding_rs::WINDOWS_1252,
            fonts: HashMap::new(),
            defining: None,
            para: String::new(),
            in_table: false,
            itap: 1,
            tables: Vec::new(),
            interrupted: Vec::new(),
            next_table: [0; 2],
            paragraphs: [0; PARTS],
            passages: Default::default(),
            total: 0,
            max,
            full: false,
            unknown_codepage: false,
        }
    }

    fn group(&self) -> Group {
        self.stack.last().copied().unwrap_or(Group {
            dest: Dest::Text(Part::Body),
            uc: 1,
            font: None,
            dbch_font: None,
            dbch: false,
        })
    }

    fn group_mut(&mut self) -> Option<&mut Group> {
        self.stack.last_mut()
    }

    /// Changes the current group's state (nothing outside any group).
    fn update_group(&mut self, change: impl FnOnce(&mut Group)) {
        if let Some(g) = self.stack.last_mut() {
            change(g);
        }
    }

    fn text_part(&self) -> Option<Part> {
        match self.group().dest {
            Dest::Text(part) => Some(part),
            _ => None,
        }
    }

    /// The code page 8-bit text is decoded with now: the current font's, unless it is a
    /// single-byte one and `\dbch` text names a double-byte font; else the document's.
    fn encoding(&self) -> &'static Encoding {
        let g = self.group();
        let of = |font: Option<i32>| font.and_then(|f| self.fonts.get(&f).copied());
        let font = of(g.font);
        if g.dbch
            && let Some(dbcs) = of(g.dbch_font).filter(|e| is_dbcs(e))
            && font.is_none_or(|e| !is_dbcs(e))
        {
            return dbcs;
        }
        font.unwrap_or(self.ansi)
    }

    fn token(&mut self, token: Token<'_>) -> Result<(), String> {
        match token {
            Token::Open => {
                self.flush_bytes();
                if self.stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "RTF 的组嵌套超过 {MAX_DEPTH} 层，其余未读取 (the RTF nests groups deeper than {MAX_DEPTH} levels; the rest was not read)"
                    ));
                }
                let mut g = self.group();
                if self.stack.is_empty() {
                    g.dest = Dest::Text(Part::Body);
                }
                self.stack.push(g);
                self.skip = 0;
                self.star = false;
            }
            Token::Close => {
                self.flush_bytes();
                if self
                    .interrupted
                    .last()
                    .is_some_and(|i| i.depth == self.stack.len())
                {
                    self.end_note();
                }
                self.stack.pop();
                self.skip = 0;
                self.star = false;
                if self.stack.is_empty() {
                    self.end_paragraph();
                }
            }
            Token::Word(name, param) => {
                if self.skip > 0 && !matches!(name, "par" | "cell" | "row" | "nestcell" | "nestrow")
                {
                    self.skip -= 1;
                    return Ok(());
                }
                let star = std::mem::take(&mut self.star);
                self.word(name, param, star);
            }
            Token::Symbol(c) => {
                if c == b'*' {
                    self.star = true;
                    return Ok(());
                }
                if self.skip > 0 {
                    self.skip -= 1;
                    return Ok(());
                }
                match c {
                    b'~' => self.push_char('\u{a0}'),
                    b'_' => self.push_char('-'),
                    b'{' | b'}' | b'\\' => self.push_char(char::from(c)),
                    b'\t' => self.push_char('\t'),
                    _ => {}
                }
            }
            Token::Byte(b) => {
                if self.skip > 0 {
                    self.skip -= 1;
                    return Ok(());
                }
                self.push_byte(b);
            }
            Token::Text(text) => {
                let mut text = text;
                while self.skip > 0 && !text.is_empty() {
                    self.skip -= 1;
                    text = &text[1..];
                }
                for &b in text {
                    self.push_byte(b);
                }
            }
            Token::Binary => {}
        }
        Ok(())
    }

    fn word(&mut self, name: &str, param: Option<i32>, star: bool) {
        let dest = self.group().dest;
        if dest == Dest::FontTable {
            match name {
                "f" => self.defining = param,
                "fcharset" => {
                    if let (Some(f), Some(enc)) = (self.defining, param.and_then(charset_encoding))
                    {
                        self.fonts.insert(f, enc);
                    }
                }
                "cpg" => {
                    if let (Some(f), Some(enc)) = (self.defining, param.and_then(codepage)) {
                        self.fonts.insert(f, enc);
                    }
                }
                _ => {}
            }
            return;
        }
        match name {
            "ansicpg" => match param.and_then(codepage) {
                Some(enc) => self.ansi = enc,
                None => self.unknown_codepage = true,
            },
            "fonttbl" => self.set_dest(Dest::FontTable),
            "ud" => self.set_dest(Dest::Text(self.text_part().unwrap_or(Part::Body))),
            "header" | "headerl" | "headerr" | "headerf" => self.set_dest(Dest::Text(Part::Header)),
            "footer" | "footerl" | "footerr" | "footerf" => self.set_dest(Dest::Text(Part::Footer)),
            "footnote" if matches!(dest, Dest::Text(_)) => self.begin_note(),
            "ftnalt" if dest == Dest::Text(Part::Footnote) => {
                self.set_dest(Dest::Text(Part::Endnote))
            }
            // Ends a nested row although it sits in the skipped `\nesttableprops`.
            "nestrow" => self.end_row(self.nested_depth()),
            _ if SKIPPED.contains(&name) || star => self.set_dest(Dest::Skip),
            _ if dest == Dest::Skip => {}
            "uc" => {
                let uc = u32::try_from(param.unwrap_or(1)).unwrap_or(1).min(8);
                self.update_group(|g| g.uc = uc);
            }
            "u" => {
                let n = param.unwrap_or(0);
                let unit = if n < 0 { n + 65536 } else { n };
                self.push_unit(u16::try_from(unit).unwrap_or(0xFFFD));
                self.skip = self.group().uc;
            }
            "f" => self.set_font(param),
            "af" if self.group().dbch => self.update_group(|g| g.dbch_font = param),
            "dbch" => self.update_group(|g| g.dbch = true),
            "loch" | "hich" | "plain" => self.update_group(|g| g.dbch = false),
            "par" | "sect" => self.end_paragraph(),
            "pard" => {
                self.in_table = false;
                self.itap = 1;
            }
            "intbl" => self.in_table = true,
            "itap" => {
                let depth = u32::try_from(param.unwrap_or(1)).unwrap_or(0);
                self.itap = depth.min(MAX_TABLE_DEPTH);
                self.in_table = depth > 0;
            }
            "cell" => self.end_cell(1),
            "nestcell" => self.end_cell(self.nested_depth()),
            "row" => self.end_row(1),
            "line" => self.push_char('\n'),
            "tab" => self.push_char('\t'),
            "emdash" => self.push_char('—'),
            "endash" => self.push_char('–'),
            "emspace" | "enspace" | "qmspace" => self.push_char(' '),
            "lquote" => self.push_char('‘'),
            "rquote" => self.push_char('’'),
            "ldblquote" => self.push_char('“'),
            "rdblquote" => self.push_char('”'),
            "bullet" => self.push_char('•'),
            _ => {}
        }
    }

    fn set_dest(&mut self, dest: Dest) {
        self.flush_bytes();
        if let Some(g) = self.group_mut() {
            g.dest = dest;
        }
    }

    fn set_font(&mut self, font: Option<i32>) {
        self.flush_bytes();
        if let Some(g) = self.group_mut() {
            g.font = font;
        }
    }

    fn push_byte(&mut self, b: u8) {
        if self.text_part().is_none() {
            return;
        }
        let enc = self.encoding();
        if enc != self.bytes_encoding {
            self.flush_bytes();
            self.bytes_encoding = enc;
        }
        self.bytes.push(b);
    }

    fn flush_bytes(&mut self) {
        if self.bytes.is_empty() {
            return;
        }
        let (text, _) = self.bytes_encoding.decode_without_bom_handling(&self.bytes);
        let text = text.into_owned();
        self.bytes.clear();
        for c in text.chars() {
            self.push_decoded(c);
        }
    }

    fn push_unit(&mut self, unit: u16) {
        self.flush_bytes();
        if (0xD800..0xDC00).contains(&unit) {
            self.high = Some(unit);
            return;
        }
        let c = match self.high.take() {
            Some(high) if (0xDC00..0xE000).contains(&unit) => {
                let code =
                    0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                char::from_u32(code).unwrap_or('\u{FFFD}')
            }
            _ => char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'),
        };
        self.push_decoded(c);
    }

    fn push_char(&mut self, c: char) {
        self.flush_bytes();
        self.push_decoded(c);
    }

    fn push_decoded(&mut self, c: char) {
        if self.text_part().is_some() && (c == '\n' || c == '\t' || !c.is_control()) {
            self.para.push(c);
        }
    }

    /// The table depth of the current paragraph: 0 outside tables.
    fn depth(&self) -> usize {
        if self.in_table {
            self.itap.max(1) as usize
        } else {
            0
        }
    }

    /// The depth a `\nestcell` or `\nestrow` ends: the paragraph's, at least 2.
    fn nested_depth(&self) -> usize {
        self.itap.max(2) as usize
    }

    fn end_paragraph(&mut self) {
        self.flush_bytes();
        let part = self.text_part().unwrap_or(Part::Body);
        let text = std::mem::take(&mut self.para);
        let text = text.trim();
        let depth = self.depth();
        if depth > 0 {
            let table = self.table_at(depth, part);
            if !text.is_empty() {
                table.paras.push(text.to_string());
            }
            return;
        }
        self.tables.clear();
        let counter = &mut self.paragraphs[slot(part)];
        let paragraph = *counter;
        *counter = paragraph.saturating_add(1);
        if !text.is_empty() {
            let passage = Passage::new(text, Location::Paragraph { part, paragraph });
            self.emit(part, passage);
        }
    }

    /// The table of cells at `depth` (1 = outermost), opening it and the levels above it when
    /// they are not open (a nested one in the open cell of the level above) and closing the
    /// levels below it.
    fn table_at(&mut self, depth: usize, part: Part) -> &mut Table {
        self.tables.truncate(depth);
        while self.tables.len() < depth {
            let (index, nested) = match self.tables.last_mut() {
                Some(outer) => {
                    let index = outer.inner_tables;
                    outer.inner_tables = index.saturating_add(1);
                    let here = format!("t{}r{}c{}", outer.index, outer.row, outer.col);
                    let path = match &outer.nested {
                        Some(p) => format!("{p}/{here}"),
                        None => here,
                    };
                    (index, Some(path))
                }
                None => {
                    let counter = &mut self.next_table[usize::from(part != Part::Body)];
                    let index = *counter;
                    *counter = index.saturating_add(1);
                    (index, None)
                }
            };
            self.tables.push(Table {
                part,
                index,
                nested,
                row: 0,
                col: 0,
                paras: Vec::new(),
                inner_tables: 0,
            });
        }
        let last = self.tables.len() - 1;
        &mut self.tables[last]
    }

    /// Ends the open cell of the table at `depth` (`\cell`: 1; `\nestcell`: deeper).
    fn end_cell(&mut self, depth: usize) {
        self.flush_bytes();
        let part = self.text_part().unwrap_or(Part::Body);
        let text = std::mem::take(&mut self.para);
        let text = text.trim().to_string();
        let table = self.table_at(depth, part);
        if !text.is_empty() {
            table.paras.push(text);
        }
        let paras = std::mem::take(&mut table.paras);
        let location = Location::TableCell {
            part: table.part,
            table: table.index,
            row: table.row,
            col: table.col,
            nested: table.nested.clone(),
        };
        let part = table.part;
        table.col = table.col.saturating_add(1);
        table.inner_tables = 0;
        if !paras.is_empty() {
            self.emit(part, Passage::new(paras.join("\n"), location));
        }
    }

    /// Ends the row of the table at `depth` (`\row`: 1; `\nestrow`: deeper).
    fn end_row(&mut self, depth: usize) {
        if self.tables.len() >= depth {
            self.tables.truncate(depth);
            if let Some(t) = self.tables.last_mut() {
                t.row = t.row.saturating_add(1);
                t.col = 0;
                t.paras.clear();
                t.inner_tables = 0;
            }
        }
        self.para.clear();
        if depth == 1 {
            // The row's paragraph properties end with it; a paragraph after it without
            // `\intbl` ends the table.
            self.in_table = false;
            self.itap = 1;
        }
    }

    /// A footnote's group opens in the middle of a paragraph: that paragraph and its tables
    /// wait until the group closes, and the note's text becomes a part of its own.
    fn begin_note(&mut self) {
        self.flush_bytes();
        self.interrupted.push(Interrupted {
            depth: self.stack.len(),
            para: std::mem::take(&mut self.para),
            in_table: std::mem::take(&mut self.in_table),
            itap: std::mem::replace(&mut self.itap, 1),
            tables: std::mem::take(&mut self.tables),
        });
        self.set_dest(Dest::Text(Part::Footnote));
    }

    /// The note's group closes: its last paragraph ends, and the interrupted one goes on.
    fn end_note(&mut self) {
        self.flush_bytes();
        if !self.para.trim().is_empty() {
            self.in_table = false;
            self.end_paragraph();
        }
        if let Some(i) = self.interrupted.pop() {
            self.para = i.para;
            self.in_table = i.in_table;
            self.itap = i.itap;
            self.tables = i.tables;
        }
    }

    fn emit(&mut self, part: Part, passage: Passage) {
        if self.total >= self.max {
            self.full = true;
            return;
        }
        self.total += 1;
        self.passages[slot(part)].push(passage);
    }

    /// Ends the text left open at the end of the file.
    fn finish(&mut self) {
        self.flush_bytes();
        if !self.para.trim().is_empty() {
            self.in_table = false;
            let keep = std::mem::take(&mut self.stack);
            self.end_paragraph();
            self.stack = keep;
        }
    }

    fn into_passages(self) -> Vec<Passage> {
        self.passages.into_iter().flatten().collect()
    }
}

fn is_dbcs(e: &'static Encoding) -> bool {
    e == encoding_rs::GB18030
        || e == encoding_rs::BIG5
        || e == encoding_rs::SHIFT_JIS
        || e == encoding_rs::EUC_KR
}

/// The encoding of a Windows code page (`\ansicpgN`, `\cpgN`); GBK (936) is decoded as GB18030,
/// its superset.
fn codepage(cp: i32) -> Option<&'static Encoding> {
    Some(match cp {
        936 | 54936 | 20936 => encoding_rs::GB18030,
        950 => encoding_rs::BIG5,
        932 => encoding_rs::SHIFT_JIS,
        949 => encoding_rs::EUC_KR,
        874 => encoding_rs::WINDOWS_874,
        1250 => encoding_rs::WINDOWS_1250,
        1251 => encoding_rs::WINDOWS_1251,
        1252 | 437 | 850 => encoding_rs::WINDOWS_1252,
        1253 => encoding_rs::WINDOWS_1253,
        1254 => encoding_rs::WINDOWS_1254,
        1255 => encoding_rs::WINDOWS_1255,
        1256 => encoding_rs::WINDOWS_1256,
        1257 => encoding_rs::WINDOWS_1257,
        1258 => encoding_rs::WINDOWS_1258,
        10000 => encoding_rs::MACINTOSH,
        65001 => encoding_rs::UTF_8,
        _ => return None,
    })
}

/// The code page a font's `\fcharsetN` implies; `None` for ANSI and default (the document's).
fn charset_encoding(charset: i32) -> Option<&'static Encoding> {
    codepage(match charset {
        77 => 10000,
        128 => 932,
        129 => 949,
        134 => 936,
        136 => 950,
        161 => 1253,
        162 => 1254,
        163 => 1258,
        177 => 1255,
        178 => 1256,
        186 => 1257,
        204 => 1251,
        222 => 874,
        238 => 1250,
        _ => return None,
    })
}
