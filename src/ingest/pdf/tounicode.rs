//! A bounded ToUnicode CMap: `bfchar` and `bfrange` mappings from character codes to UTF-16.
//!
//! Why our own instead of lopdf's: lopdf's `ToUnicodeCMap` builds a reverse map of every code
//! every range covers, with no way to bound it, so one `bfrange <00000000> <FFFFFFFF>` in a
//! 15 KB file runs for minutes and takes gigabytes past `--max-file-seconds` (issue 11). Here
//! ranges are kept as ranges (a lookup costs a search, nothing is expanded), a range covers at
//! most [`MAX_RANGE_CODES`] codes (a valid CMap range varies only its last byte, 256 codes), a
//! CMap holds at most [`MAX_ENTRIES`] mappings and [`MAX_TOTAL_CODES`] codes, and parsing ticks
//! the file's [`Clock`]. A CMap cut by a limit says so in [`ToUnicode::limited`], so its file
//! ends `limit_exceeded` with the text read, not `needs_ocr`.

use crate::ingest::ReadError;
use crate::ingest::clock::Clock;
use rangemap::RangeInclusiveMap;
use std::rc::Rc;

/// Most codes one `bfrange` entry maps; longer ranges are cut to their first codes.
pub(super) const MAX_RANGE_CODES: u32 = 65_536;
/// Most `bfchar` and `bfrange` entries kept from one CMap.
const MAX_ENTRIES: usize = 262_144;
/// Most codes all the ranges of one CMap map together.
const MAX_TOTAL_CODES: u64 = 1 << 24;

/// What a range of codes maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Dst {
    /// UTF-16 units whose last unit goes up by one per code (`bfchar`: the units themselves).
    Units(Rc<[u16]>),
    /// One string per code, in order.
    Array(Rc<[Rc<[u16]>]>),
}

/// A mapped range: its first code (a split range keeps it, so lookups stay right) and target.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    first: u32,
    dst: Dst,
}

/// A parsed ToUnicode CMap, one map per code length (1 to 4 bytes). Later entries override
/// earlier ones where they overlap.
#[derive(Debug, Default)]
pub(super) struct ToUnicode {
    maps: [RangeInclusiveMap<u32, Target>; 4],
    entries: usize,
    codes: u64,
    /// Why some mappings were left out, when a limit cut the CMap.
    pub(super) limited: Option<String>,
}

impl ToUnicode {
    /// Parses a decompressed CMap. Only the file's time limit fails it; damage leaves the
    /// mappings read so far.
    pub(super) fn parse(cmap: &[u8], clock: &mut Clock) -> Result<ToUnicode, ReadError> {
        let mut out = ToUnicode::default();
        let mut tokens = Tokens {
            bytes: cmap,
            pos: 0,
        };
        let mut section = Section::None;
        let mut operands: Vec<Token> = Vec::new();
        while let Some(token) = tokens.next() {
            clock.tick()?;
            if out.is_full() {
                break;
            }
            match token {
                Token::Keyword(k) => {
                    section = match k {
                        b"beginbfchar" => Section::Char,
                        b"beginbfrange" => Section::Range,
                        _ => Section::None,
                    };
                    operands.clear();
                }
                other if section != Section::None => {
                    operands.push(other);
                    out.take(section, &mut operands);
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// The UTF-16 units of `code`, `len` bytes long.
    pub(super) fn get(&self, code: u32, len: u8) -> Option<Vec<u16>> {
        let map = self.maps.get(usize::from(len).checked_sub(1)?)?;
        let target = map.get(&code)?;
        let offset = code.checked_sub(target.first)?;
        match &target.dst {
            Dst::Units(units) => {
                let mut out = units.to_vec();
                if let Some(last) = out.last_mut() {
                    // The offset is below MAX_RANGE_CODES, so it fits a u16 but for 65,535.
                    *last = last.wrapping_add(offset as u16);
                }
                Some(out)
            }
            Dst::Array(strings) => strings.get(offset as usize).map(|s| s.to_vec()),
        }
    }

    fn is_full(&self) -> bool {
        self.entries >= MAX_ENTRIES || self.codes >= MAX_TOTAL_CODES
    }

    /// Takes one entry off `operands` once it is complete: `src dst` in a `bfchar` section,
    /// `lo hi dst` in a `bfrange` one. An entry of the wrong shape is dropped.
    fn take(&mut self, section: Section, operands: &mut Vec<Token>) {
        let want = if section == Section::Char { 2 } else { 3 };
        if operands.len() < want {
            return;
        }
        let entry: Vec<Token> = std::mem::take(operands);
        match (section, entry.as_slice()) {
            (Section::Char, [Token::Hex(src), Token::Hex(dst)]) => {
                if let Some((code, len)) = code_of(src) {
                    self.put(code, code, len, Dst::Units(units_of(dst).into()));
                }
            }
            (Section::Range, [Token::Hex(lo), Token::Hex(hi), dst]) => {
                let (Some((lo, len)), Some((hi, _))) = (code_of(lo), code_of(hi)) else {
                    return;
                };
                let dst = match dst {
                    Token::Hex(d) => Dst::Units(units_of(d).into()),
                    Token::Array(items) => {
                        Dst::Array(items.iter().map(|d| units_of(d).into()).collect())
                    }
                    Token::Keyword(_) => return,
                };
                self.put(lo, hi, len, dst);
            }
            _ => {}
        }
    }

    /// Maps codes `lo..=hi` of `len` bytes, cut to [`MAX_RANGE_CODES`] and to what the CMap's
    /// total allows.
    fn put(&mut self, lo: u32, hi: u32, len: u8, dst: Dst) {
        let Some(map) = usize::from(len)
            .checked_sub(1)
            .and_then(|i| self.maps.get_mut(i))
        else {
            return;
        };
        if hi < lo {
            return;
        }
        let mut last = hi;
        if u64::from(hi - lo) >= u64::from(MAX_RANGE_CODES) {
            last = lo + (MAX_RANGE_CODES - 1);
            self.limited.get_or_insert_with(|| {
                format!(
                    "字体的 ToUnicode 映射表声明了 {count} 个编码的范围（<{lo:X}>..<{hi:X}>），只映射了前 {MAX_RANGE_CODES} 个 (a font's ToUnicode map declares a range of {count} codes; only its first {MAX_RANGE_CODES} were mapped)",
                    count = u64::from(hi - lo) + 1
                )
            });
        }
        map.insert(lo..=last, Target { first: lo, dst });
        self.entries += 1;
        self.codes += u64::from(last - lo) + 1;
        if self.is_full() {
            self.limited.get_or_insert_with(|| {
                format!(
                    "字体的 ToUnicode 映射表超过 {MAX_ENTRIES} 条或 {MAX_TOTAL_CODES} 个编码，其余未映射 (a font's ToUnicode map holds more than {MAX_ENTRIES} entries or {MAX_TOTAL_CODES} codes; the rest was not mapped)"
                )
            });
        }
    }
}

/// Which mapping section the parser is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    None,
    Char,
    Range,
}

/// The tokens of a CMap that matter here: hex strings, arrays of them, and keywords (names,
/// numbers and literal strings are skipped).
#[derive(Debug)]
enum Token {
    Hex(Vec<u8>),
    Array(Vec<Vec<u8>>),
    Keyword(&'static [u8]),
}

/// The keywords that open and close mapping sections; any other keyword closes one.
const KEYWORDS: [&[u8]; 5] = [
    b"beginbfchar",
    b"beginbfrange",
    b"endbfchar",
    b"endbfrange",
    b"endcmap",
];

struct Tokens<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Tokens<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The next token; `None` at the end.
    fn next(&mut self) -> Option<Token> {
        loop {
            let b = self.peek()?;
            match b {
                b'%' => self.skip_while(|b| b != b'\n' && b != b'\r'),
                b'<' if self.bytes.get(self.pos + 1) == Some(&b'<') => self.pos += 2,
                b'<' => return Some(Token::Hex(self.hex())),
                b'[' => return Some(Token::Array(self.array())),
                b'(' => self.literal(),
                // A name (`/CMapName`, a `/space` destination) is neither an entry nor an
                // operator.
                b'/' => {
                    self.pos += 1;
                    self.skip_while(|b| !b.is_ascii_whitespace() && !b"/<>[](){}%".contains(&b));
                }
                b if b.is_ascii_alphabetic() => {
                    let start = self.pos;
                    self.skip_while(|b| b.is_ascii_alphanumeric());
                    let word = &self.bytes[start..self.pos];
                    match KEYWORDS.iter().find(|k| **k == word) {
                        Some(k) => return Some(Token::Keyword(k)),
                        // Another operator (def, usecmap, begincodespacerange…) ends a section.
                        None => return Some(Token::Keyword(b"other")),
                    }
                }
                _ => self.pos += 1,
            }
        }
    }

    fn skip_while(&mut self, keep: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&keep) {
            self.pos += 1;
        }
    }

    /// A `<…>` hex string from its `<`; an odd last digit counts as followed by 0.
    fn hex(&mut self) -> Vec<u8> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        while let Some(b) = self.peek() {
            self.pos += 1;
            if b == b'>' {
                break;
            }
            let Some(v) = (b as char).to_digit(16) else {
                continue;
            };
            let v = v as u8;
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
        out
    }

    /// A `[…]` array from its `[`: its hex strings (at most [`MAX_RANGE_CODES`]).
    fn array(&mut self) -> Vec<Vec<u8>> {
        self.pos += 1;
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            match b {
                b']' => {
                    self.pos += 1;
                    break;
                }
                b'<' => {
                    let hex = self.hex();
                    if out.len() < MAX_RANGE_CODES as usize {
                        out.push(hex);
                    }
                }
                _ => self.pos += 1,
            }
        }
        out
    }

    /// Skips a `(…)` literal string, nested parentheses and escapes included.
    fn literal(&mut self) {
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'\\' => self.pos += 1,
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }
}

/// A source code as (value, bytes); `None` unless 1 to 4 bytes.
fn code_of(bytes: &[u8]) -> Option<(u32, u8)> {
    if bytes.is_empty() || bytes.len() > 4 {
        return None;
    }
    let value = bytes.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
    Some((value, bytes.len() as u8))
}

/// A destination string as UTF-16BE units (an odd last byte is dropped).
fn units_of(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Limits, ReadContext};
    use std::time::{Duration, Instant};

    fn parse(cmap: &[u8]) -> ToUnicode {
        let ctx = ReadContext::new(Limits::default());
        ToUnicode::parse(cmap, &mut Clock::new(&ctx)).expect("parses")
    }

    fn text(map: &ToUnicode, code: u32, len: u8) -> Option<String> {
        map.get(code, len).map(|u| String::from_utf16_lossy(&u))
    }

    #[test]
    fn chars_ranges_and_arrays_map_as_written() {
        let map = parse(
            b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
              /CMapName /T def % a comment <0009>\n\
              1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
              2 beginbfchar <0001> <4E2D> <0002> <D840DC00> endbfchar\n\
              2 beginbfrange <0010> <0012> <0041> <0020> <0021> [<6587> <0066006C>] endbfrange\n\
              1 beginbfchar <41> <0042> endbfchar endcmap",
        );
        assert_eq!(text(&map, 1, 2).as_deref(), Some("中"));
        assert_eq!(text(&map, 2, 2).as_deref(), Some("\u{20000}"));
        assert_eq!(text(&map, 0x11, 2).as_deref(), Some("B"));
        assert_eq!(text(&map, 0x12, 2).as_deref(), Some("C"));
        assert_eq!(text(&map, 0x20, 2).as_deref(), Some("文"));
        assert_eq!(text(&map, 0x21, 2).as_deref(), Some("fl"));
        assert_eq!(text(&map, 0x41, 1).as_deref(), Some("B"));
        assert_eq!(text(&map, 0x41, 2), None);
        assert_eq!(text(&map, 0x09, 2), None);
        assert!(map.limited.is_none());
    }

    #[test]
    fn a_later_entry_overrides_part_of_a_range() {
        let map = parse(
            b"1 beginbfrange <0010> <0014> <0041> endbfrange 1 beginbfchar <0012> <4E2D> endbfchar",
        );
        let got: Vec<_> = (0x10..=0x14).filter_map(|c| text(&map, c, 2)).collect();
        assert_eq!(got, ["A", "B", "中", "D", "E"]);
    }

    /// Issue 11: lopdf expanded this range code by code for minutes. Here it is cut to its
    /// first 65,536 codes, at once, and the CMap says it was limited.
    #[test]
    fn a_range_of_every_four_byte_code_is_cut_at_once() {
        let started = Instant::now();
        let map = parse(b"1 beginbfrange <00000000> <FFFFFFFF> <0041> endbfrange");
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(text(&map, 0, 4).as_deref(), Some("A"));
        assert_eq!(text(&map, 0x1_0000, 4), None);
        assert!(
            map.limited
                .as_deref()
                .is_some_and(|why| why.contains("4294967296 codes")),
            "{:?}",
            map.limited
        );
    }

    #[test]
    fn parsing_stops_at_the_file_deadline() {
        let mut cmap = b"beginbfchar ".to_vec();
        for i in 0..20_000u32 {
            cmap.extend_from_slice(format!("<{:04X}> <0041> ", i & 0xFFFF).as_bytes());
        }
        let spent = ReadContext::new(Limits {
            max_file_time: Duration::ZERO,
            ..Limits::default()
        });
        std::thread::sleep(Duration::from_millis(2));
        let r = ToUnicode::parse(&cmap, &mut Clock::new(&spent));
        assert!(matches!(r, Err(ReadError::LimitExceeded(_))), "{r:?}");
    }
}
