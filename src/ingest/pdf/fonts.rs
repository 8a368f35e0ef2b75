//! Font decoding: byte strings of a text-showing operator → codes → Unicode text and widths.
//!
//! Why our own instead of lopdf's `Encoding`: lopdf fails on legacy predefined CMaps
//! (`GBK-EUC-H`…), gives junk for `Identity-H` without `/ToUnicode`, drops Differences with
//! unknown glyph names and knows no widths. Here every font is resolved once per document into a
//! [`Font`] that knows how to split bytes into codes (its CMap's code scheme), how to map a code to
//! text (ToUnicode first, parsed by our bounded [`ToUnicode`], then the CMap's charset via `encoding_rs`, the Adobe CID tables, or the
//! simple-font encoding), and each code's advance width. A code's text is cached per font, so
//! decoding a glyph costs one hash lookup and no allocation after its first use.

use super::cid2unicode::Collection;
use super::tounicode::ToUnicode;
use crate::ingest::ReadError;
use crate::ingest::clock::Clock;
use lopdf::{Dictionary, Document, Encoding, Object};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Largest ToUnicode CMap stream we decompress (a bomb guard).
const MAX_CMAP_BYTES: usize = 16 * 1024 * 1024;
/// Most `/W` entries kept for one CID font (bounded memory on hostile arrays).
const MAX_W_ENTRIES: usize = 200_000;

/// How a font's byte strings split into character codes (its CMap's codespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    /// Simple fonts: one byte per code.
    OneByte,
    /// Identity and other 2-byte CMaps.
    TwoByte,
    /// GBK / GB18030 (1, 2 or 4 bytes).
    Gb18030,
    /// Big5, EUC-KR/UHC: a lead byte 0x81–0xFE starts a 2-byte code.
    DoubleByteHigh,
    /// Shift_JIS.
    ShiftJis,
    /// EUC-JP (0x8F starts a 3-byte code).
    EucJp,
    /// UTF-16BE with surrogate pairs.
    Utf16,
    /// UTF-8.
    Utf8,
    /// UTF-32BE.
    Utf32,
}

/// What a CID font's codes mean when there is no (usable) ToUnicode entry.
#[derive(Debug, Clone, Copy)]
enum Charset {
    /// Nothing: only ToUnicode can give text.
    None,
    /// Decode the code bytes with this `encoding_rs` encoding; `iso2022` codes (0x21–0x7E
    /// bytes, the `GB-H`/`H`/`KSC-H` CMaps) get 0x80 added to each byte first.
    Legacy(&'static encoding_rs::Encoding, bool),
    /// UTF-16BE; private-use code points go through the collection's PUA table.
    Utf16(Option<Collection>),
    /// UTF-8.
    Utf8,
    /// UTF-32BE.
    Utf32,
    /// Codes are CIDs of an Adobe collection (Identity CMap, non-embedded or CFF CID font).
    Cid(Collection),
}

/// Advance widths in thousandths of text space.
#[derive(Debug, Clone)]
enum Widths {
    /// `/FirstChar` and `/Widths`, with the width for codes outside.
    Simple {
        first: u32,
        widths: Vec<f32>,
        missing: f32,
    },
    /// `/W` ranges `(first, last, width)` sorted by `first`, and `/DW`.
    Cid {
        ranges: Vec<(u32, u32, f32)>,
        default: f32,
    },
    /// Predefined CMap without CIDs we can compute: 500 for half-width text, else 1000.
    ByText,
}

/// One font, resolved once per document.
pub(super) struct Font {
    scheme: Scheme,
    charset: Charset,
    /// Parsed `/ToUnicode`.
    to_unicode: Option<ToUnicode>,
    /// Simple-font encoding (base encoding + Differences).
    simple: Option<Box<[Option<char>; 256]>>,
    widths: Widths,
    /// Type3 `/FontMatrix` x scale × 1000 (widths are in glyph space), else 1.
    width_scale: f32,
    /// Vertical writing (`-V` CMaps).
    pub(super) vertical: bool,
    /// Code → text cache; `None` = no usable mapping for that code.
    cache: RefCell<HashMap<u64, Option<Box<str>>>>,
}

/// One decoded code of a shown string.
pub(super) struct Code {
    /// The code value (bytes big-endian).
    pub(super) code: u32,
    /// Bytes the code took.
    pub(super) len: u8,
}

fn name_of<'a>(dict: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    dict.get(key).ok().and_then(|o| o.as_name().ok())
}

fn deref<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a Object> {
    doc.dereference(obj).ok().map(|(_, o)| o)
}

fn dict_at<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Dictionary> {
    deref(doc, dict.get(key).ok()?)?.as_dict().ok()
}

fn number(obj: &Object) -> Option<f32> {
    match obj {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
    .filter(|v| v.is_finite())
}

fn is_embedded(doc: &Document, descriptor: Option<&Dictionary>) -> bool {
    descriptor.is_some_and(|d| {
        [&b"FontFile"[..], b"FontFile2", b"FontFile3"]
            .iter()
            .any(|k| d.get(k).ok().and_then(|o| deref(doc, o)).is_some())
    })
}

/// The parsed ToUnicode CMap of `font`, if it has a readable one; `Err` only when the file's
/// time runs out while parsing it (see [`ToUnicode`] for why lopdf's parser is not used).
fn load_to_unicode(
    doc: &Document,
    font: &Dictionary,
    clock: &mut Clock,
) -> Result<Option<ToUnicode>, ReadError> {
    let Some(Object::Stream(stream)) = font.get(b"ToUnicode").ok().and_then(|o| deref(doc, o))
    else {
        return Ok(None);
    };
    let Ok(cmap) = stream.get_plain_content_with_limit(MAX_CMAP_BYTES) else {
        return Ok(None);
    };
    ToUnicode::parse(&cmap, clock).map(Some)
}

/// A standard base encoding as a char table (WinAnsi, MacRoman, Standard, MacExpert).
fn base_table(name: &[u8]) -> [Option<char>; 256] {
    static TABLES: OnceLock<[[Option<char>; 256]; 4]> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        let names: [&[u8]; 4] = [
            b"StandardEncoding",
            b"WinAnsiEncoding",
            b"MacRomanEncoding",
            b"MacExpertEncoding",
        ];
        let doc = Document::new();
        names.map(|n| {
            let mut probe = Dictionary::new();
            probe.set("Type", Object::Name(b"Font".to_vec()));
            probe.set("Encoding", Object::Name(n.to_vec()));
            let mut table = [None; 256];
            if let Ok(enc) = probe.get_font_encoding(&doc) {
                for (b, slot) in table.iter_mut().enumerate() {
                    *slot = enc
                        .bytes_to_string(&[b as u8])
                        .ok()
                        .and_then(|s| s.chars().next());
                }
            }
            table
        })
    });
    match name {
        b"WinAnsiEncoding" => tables[1],
        b"MacRomanEncoding" => tables[2],
        b"MacExpertEncoding" => tables[3],
        _ => tables[0],
    }
}

/// The character a glyph name stands for: `uniXXXX`, `uXXXX[XX]`, or an Adobe Glyph List name
/// (looked up through lopdf). Names such as `g12` or `cid123` carry no meaning and give `None`.
fn glyph_char(doc: &Document, name: &[u8]) -> Option<char> {
    let s = std::str::from_utf8(name).ok()?;
    let s = s.split('.').next().unwrap_or(s);
    if let Some(hex) = s.strip_prefix("uni")
        && hex.len() >= 4
        && let Some(head) = hex.get(..4)
        && let Ok(v) = u32::from_str_radix(head, 16)
    {
        return char::from_u32(v);
    }
    if let Some(hex) = s.strip_prefix('u')
        && (4..=6).contains(&hex.len())
        && let Ok(v) = u32::from_str_radix(hex, 16)
    {
        return char::from_u32(v);
    }
    let mut probe = Dictionary::new();
    probe.set("Type", Object::Name(b"Font".to_vec()));
    let mut enc = Dictionary::new();
    enc.set(
        "Differences",
        Object::Array(vec![Object::Integer(65), Object::Name(name.to_vec())]),
    );
    probe.set("Encoding", Object::Dictionary(enc));
    match probe.get_font_encoding(doc) {
        Ok(e @ Encoding::Differences(_)) => e.bytes_to_string(&[65]).ok()?.chars().next(),
        _ => None,
    }
}

fn simple_table(doc: &Document, font: &Dictionary, subtype: &[u8]) -> [Option<char>; 256] {
    let default_base: &[u8] = if subtype == b"TrueType" {
        b"WinAnsiEncoding"
    } else {
        b"StandardEncoding"
    };
    let enc = font.get(b"Encoding").ok().and_then(|o| deref(doc, o));
    match enc {
        Some(Object::Name(n)) => base_table(n),
        Some(Object::Dictionary(d)) => {
            let mut table = base_table(name_of(d, b"BaseEncoding").unwrap_or(default_base));
            if let Some(Object::Array(diffs)) =
                d.get(b"Differences").ok().and_then(|o| deref(doc, o))
            {
                let mut code: usize = 0;
                for item in diffs.iter().take(4096) {
                    match item {
                        Object::Integer(i) => code = usize::try_from(*i).unwrap_or(256),
                        Object::Name(n) => {
                            if let Some(slot) = table.get_mut(code) {
                                // Type3 glyph names are often private (`/square`); like poppler,
                                // fall back to the code itself when it is printable ASCII.
                                *slot = glyph_char(doc, n).or_else(|| {
                                    (subtype == b"Type3" && (0x21..0x7F).contains(&code))
                                        .then_some(code as u8 as char)
                                });
                            }
                            code = code.saturating_add(1);
                        }
                        _ => {}
                    }
                }
            }
            table
        }
        _ => base_table(default_base),
    }
}

fn simple_widths(doc: &Document, font: &Dictionary, descriptor: Option<&Dictionary>) -> Widths {
    let first = font
        .get(b"FirstChar")
        .ok()
        .and_then(number)
        .map_or(0, |v| v.clamp(0.0, 255.0) as u32);
    let widths = match font.get(b"Widths").ok().and_then(|o| deref(doc, o)) {
        Some(Object::Array(a)) => a
            .iter()
            .take(256)
            .map(|o| deref(doc, o).and_then(number).unwrap_or(0.0))
            .collect(),
        _ => Vec::new(),
    };
    let missing = descriptor
        .and_then(|d| d.get(b"MissingWidth").ok())
        .and_then(number)
        .filter(|w| *w > 0.0)
        .unwrap_or(500.0);
    Widths::Simple {
        first,
        widths,
        missing,
    }
}

fn cid_widths(doc: &Document, cid_font: &Dictionary) -> Widths {
    let default = cid_font.get(b"DW").ok().and_then(number).unwrap_or(1000.0);
    let mut ranges = Vec::new();
    if let Some(Object::Array(w)) = cid_font.get(b"W").ok().and_then(|o| deref(doc, o)) {
        let mut i = 0;
        while i < w.len() && ranges.len() < MAX_W_ENTRIES {
            let Some(first) = w.get(i).and_then(|o| deref(doc, o)).and_then(number) else {
                break;
            };
            let first = first.max(0.0) as u32;
            match w.get(i + 1).and_then(|o| deref(doc, o)) {
                Some(Object::Array(list)) => {
                    for (k, o) in list.iter().enumerate().take(MAX_W_ENTRIES) {
                        let c = first.saturating_add(k as u32);
                        ranges.push((c, c, number(o).unwrap_or(default)));
                    }
                    i += 2;
                }
                Some(o) => {
                    let last = number(o).unwrap_or(0.0).max(0.0) as u32;
                    let width = w
                        .get(i + 2)
                        .and_then(|o| deref(doc, o))
                        .and_then(number)
                        .unwrap_or(default);
                    ranges.push((first, last.max(first), width));
                    i += 3;
                }
                None => break,
            }
        }
    }
    ranges.sort_by_key(|r| r.0);
    Widths::Cid { ranges, default }
}

/// Code scheme, charset and writing mode of a predefined CMap name.
fn predefined_cmap(name: &[u8]) -> (Scheme, Charset, bool) {
    let s = String::from_utf8_lossy(name);
    let vertical = s.ends_with("-V");
    let base = s.trim_end_matches("-V").trim_end_matches("-H");
    use encoding_rs::{BIG5, EUC_JP, EUC_KR, GB18030, SHIFT_JIS};
    let (scheme, charset) = if base.starts_with("Uni") {
        if base.contains("UTF8") {
            (Scheme::Utf8, Charset::Utf8)
        } else if base.contains("UTF32") {
            (Scheme::Utf32, Charset::Utf32)
        } else {
            (Scheme::Utf16, Charset::Utf16(None))
        }
    } else if base.starts_with("GB") && base.contains("EUC") || base.starts_with("GBK") {
        (Scheme::Gb18030, Charset::Legacy(GB18030, false))
    } else if base == "GB" || base == "GBT" {
        (Scheme::TwoByte, Charset::Legacy(GB18030, true))
    } else if base.starts_with("B5") || base.contains("-B5") || base.starts_with("HKscs") {
        (Scheme::DoubleByteHigh, Charset::Legacy(BIG5, false))
    } else if base.contains("RKSJ") {
        (Scheme::ShiftJis, Charset::Legacy(SHIFT_JIS, false))
    } else if base == "EUC" {
        (Scheme::EucJp, Charset::Legacy(EUC_JP, false))
    } else if base.is_empty() {
        // "H" / "V": JIS X 0208 in ISO-2022 form.
        (Scheme::TwoByte, Charset::Legacy(EUC_JP, true))
    } else if base.starts_with("KSC") && (base.contains("EUC") || base.contains("UHC")) {
        (Scheme::DoubleByteHigh, Charset::Legacy(EUC_KR, false))
    } else if base == "KSC" {
        (Scheme::TwoByte, Charset::Legacy(EUC_KR, true))
    } else {
        (Scheme::TwoByte, Charset::None)
    };
    (scheme, charset, vertical)
}

impl Font {
    /// Resolves a font dictionary. Fails only when the file's time runs out: a font we cannot
    /// map gives codes without text, which the caller counts as unusable (a reason to OCR the
    /// page) rather than junk.
    pub(super) fn load(
        doc: &Document,
        font: &Dictionary,
        clock: &mut Clock,
    ) -> Result<Font, ReadError> {
        let subtype = name_of(font, b"Subtype").unwrap_or(b"Type1");
        let to_unicode = load_to_unicode(doc, font, clock)?;
        if subtype == b"Type0" {
            let cid_font = match font
                .get(b"DescendantFonts")
                .ok()
                .and_then(|o| deref(doc, o))
            {
                Some(Object::Array(a)) => a
                    .first()
                    .and_then(|o| deref(doc, o))
                    .and_then(|o| o.as_dict().ok()),
                Some(Object::Dictionary(d)) => Some(d),
                _ => None,
            };
            let (scheme, mut charset, vertical, identity) =
                match font.get(b"Encoding").ok().and_then(|o| deref(doc, o)) {
                    Some(Object::Name(n)) if n.starts_with(b"Identity") => {
                        (Scheme::TwoByte, Charset::None, n.ends_with(b"-V"), true)
                    }
                    Some(Object::Name(n)) => {
                        let (s, c, v) = predefined_cmap(n);
                        (s, c, v, false)
                    }
                    // An embedded CMap stream: its /CMapName often names a predefined one.
                    Some(Object::Stream(st)) => match name_of(&st.dict, b"CMapName") {
                        Some(n) if n.starts_with(b"Identity") => {
                            (Scheme::TwoByte, Charset::None, n.ends_with(b"-V"), true)
                        }
                        Some(n) => {
                            let (s, c, v) = predefined_cmap(n);
                            (s, c, v, false)
                        }
                        None => (Scheme::TwoByte, Charset::None, false, true),
                    },
                    _ => (Scheme::TwoByte, Charset::None, false, true),
                };
            let mut widths = Widths::ByText;
            if let Some(cid_font) = cid_font {
                let collection = dict_at(doc, cid_font, b"CIDSystemInfo").and_then(|info| {
                    let reg = info.get(b"Registry").ok().and_then(|o| deref(doc, o))?;
                    let ord = info.get(b"Ordering").ok().and_then(|o| deref(doc, o))?;
                    Collection::from_system_info(reg.as_str().ok()?, ord.as_str().ok()?)
                });
                if let Charset::Utf16(_) = charset {
                    charset = Charset::Utf16(collection);
                }
                if identity {
                    widths = cid_widths(doc, cid_font);
                    let descriptor = dict_at(doc, cid_font, b"FontDescriptor");
                    let embedded = is_embedded(doc, descriptor);
                    let cff = name_of(cid_font, b"Subtype") == Some(b"CIDFontType0");
                    // CIDs are Adobe CIDs when the font is not embedded (the viewer picks a
                    // system font by collection) or is a CID-keyed CFF font; a TrueType
                    // CIDFont's CIDs are glyph ids of its own, meaningless without ToUnicode.
                    if let Some(c) = collection
                        && (!embedded || cff)
                    {
                        charset = Charset::Cid(c);
                    }
                }
            }
            return Ok(Font {
                scheme,
                charset,
                to_unicode,
                simple: None,
                widths,
                width_scale: 1.0,
                vertical,
                cache: RefCell::new(HashMap::new()),
            });
        }
        let descriptor = dict_at(doc, font, b"FontDescriptor");
        let width_scale = if subtype == b"Type3" {
            match font.get(b"FontMatrix").ok().and_then(|o| deref(doc, o)) {
                Some(Object::Array(m)) => m
                    .first()
                    .and_then(number)
                    .map_or(1.0, |a| (a * 1000.0).abs())
                    .clamp(0.0, 1.0e6),
                _ => 1.0,
            }
        } else {
            1.0
        };
        Ok(Font {
            scheme: Scheme::OneByte,
            charset: Charset::None,
            to_unicode,
            simple: Some(Box::new(simple_table(doc, font, subtype))),
            widths: simple_widths(doc, font, descriptor),
            width_scale,
            vertical: false,
            cache: RefCell::new(HashMap::new()),
        })
    }

    /// Why the font's ToUnicode map is incomplete, when a limit cut it.
    pub(super) fn limited(&self) -> Option<&str> {
        self.to_unicode.as_ref().and_then(|t| t.limited.as_deref())
    }

    /// Splits the next code off `bytes` starting at `*pos`, advancing `*pos`.
    pub(super) fn next_code(&self, bytes: &[u8], pos: &mut usize) -> Option<Code> {
        let rest = bytes.get(*pos..)?;
        let b0 = *rest.first()?;
        let want = match self.scheme {
            Scheme::OneByte => 1,
            Scheme::TwoByte => 2,
            Scheme::Gb18030 => match (b0, rest.get(1)) {
                (0x81..=0xFE, Some(0x30..=0x39)) => 4,
                (0x81..=0xFE, _) => 2,
                _ => 1,
            },
            Scheme::DoubleByteHigh => {
                if (0x81..=0xFE).contains(&b0) {
                    2
                } else {
                    1
                }
            }
            Scheme::ShiftJis => match b0 {
                0x81..=0x9F | 0xE0..=0xFC => 2,
                _ => 1,
            },
            Scheme::EucJp => match b0 {
                0x8F => 3,
                0x8E | 0xA1..=0xFE => 2,
                _ => 1,
            },
            Scheme::Utf16 => match (b0, rest.len()) {
                (0xD8..=0xDB, 4..) => 4,
                _ => 2,
            },
            Scheme::Utf8 => match b0 {
                0xF0..=0xF7 => 4,
                0xE0..=0xEF => 3,
                0xC0..=0xDF => 2,
                _ => 1,
            },
            Scheme::Utf32 => 4,
        };
        let len = want.min(rest.len());
        let code = rest
            .iter()
            .take(len)
            .fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        *pos += len;
        Some(Code {
            code,
            len: len as u8,
        })
    }

    /// Appends the text of `code` to `out`; false when the font gives it no usable meaning.
    pub(super) fn push_text(&self, code: &Code, out: &mut String) -> bool {
        let key = (u64::from(code.len) << 32) | u64::from(code.code);
        let mut cache = self.cache.borrow_mut();
        let entry = cache.entry(key).or_insert_with(|| self.resolve(code));
        match entry {
            Some(s) => {
                out.push_str(s);
                true
            }
            None => false,
        }
    }

    fn resolve(&self, code: &Code) -> Option<Box<str>> {
        let clean = |s: String| -> Option<Box<str>> {
            let s: String = s
                .chars()
                .filter(|c| !c.is_control() && *c != '\u{FFFD}' && *c != '\0')
                .collect();
            if s.is_empty() {
                None
            } else {
                Some(s.into_boxed_str())
            }
        };
        if let Some(map) = &self.to_unicode
            && let Some(units) = map.get(code.code, code.len)
            && let Some(s) = clean(String::from_utf16_lossy(&units))
        {
            return Some(s);
        }
        if let Some(table) = &self.simple {
            let c = table.get(code.code as usize).copied().flatten()?;
            return clean(c.to_string());
        }
        let mut bytes = [0u8; 4];
        let n = usize::from(code.len).min(4);
        for (i, slot) in bytes.iter_mut().take(n).enumerate() {
            *slot = (code.code >> (8 * (n - 1 - i))) as u8;
        }
        let bytes = bytes.get(..n)?;
        match self.charset {
            Charset::None => None,
            Charset::Legacy(enc, iso2022) => {
                let mut buf = [0u8; 4];
                let src = if iso2022 && n == 2 {
                    for (d, s) in buf.iter_mut().zip(bytes) {
                        *d = s | 0x80;
                    }
                    buf.get(..2)?
                } else {
                    bytes
                };
                let (s, had_errors) = enc.decode_without_bom_handling(src);
                if had_errors {
                    return None;
                }
                clean(s.into_owned())
            }
            Charset::Utf16(collection) => {
                let s = encoding_rs::UTF_16BE.decode_without_bom_handling(bytes).0;
                let mut chars = s.chars();
                if let (Some(c), None, Some(coll)) = (chars.next(), chars.next(), collection)
                    && let Some(mapped) = coll.pua_to_char(c)
                {
                    return Some(mapped.to_string().into_boxed_str());
                }
                clean(s.into_owned())
            }
            Charset::Utf8 => clean(String::from_utf8_lossy(bytes).into_owned()),
            Charset::Utf32 => char::from_u32(code.code).and_then(|c| clean(c.to_string())),
            Charset::Cid(collection) => collection
                .to_char(code.code)
                .and_then(|c| clean(c.to_string())),
        }
    }

    /// Advance of `code` in thousandths of an em (text space), `text` being what it decoded to.
    pub(super) fn width(&self, code: &Code, text: &str) -> f32 {
        let w = match &self.widths {
            Widths::Simple {
                first,
                widths,
                missing,
            } => code
                .code
                .checked_sub(*first)
                .and_then(|i| widths.get(i as usize).copied())
                .unwrap_or(*missing),
            Widths::Cid { ranges, default } => {
                let idx = ranges.partition_point(|r| r.0 <= code.code);
                idx.checked_sub(1)
                    .and_then(|i| ranges.get(i))
                    .filter(|r| code.code <= r.1)
                    .map_or(*default, |r| r.2)
            }
            Widths::ByText => match text.chars().next() {
                Some(c) if (c as u32) < 0x2E80 || ('\u{FF61}'..='\u{FFDC}').contains(&c) => 500.0,
                Some(_) => 1000.0,
                None if code.len == 1 => 500.0,
                None => 1000.0,
            },
        };
        w * self.width_scale
    }
}
