//! The File Information Block at the start of the `WordDocument` stream: which Word wrote the
//! file, whether it is encrypted, how long each subdocument is, and where the piece table and
//! the property tables sit.
//!
//! Two layouts are read. Word 97 and later (nFib ≥ 106; MS-DOC §2.5) put a fixed 32-byte
//! `FibBase`, then counted arrays (`fibRgW`, `fibRgLw`, `fibRgFcLcb`) whose offsets are fixed in
//! practice (ccpText at 0x4C, fcClx at 0x1A2, as antiword and POI read them). Word 6 and Word 95
//! (nFib 101–105) have no arrays and no table stream: ccpText sits at 0x34 and fcClx at 0x160,
//! both in the `WordDocument` stream itself. Older Word for Windows 1/2 files are not compound
//! files at all and are refused before this ([`super::word2_magic`]).

use super::ReadError;
use encoding_rs::Encoding;

/// Which layout the FIB (and the rest of the file) has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Version {
    /// Word 97, 2000, XP, 2003, 2007 in compatibility mode, WPS, LibreOffice.
    Word97,
    /// Word 6.0 or Word 95 (nFib 101–105).
    Word6,
}

/// The subdocuments in CP order (MS-DOC §2.4.1): main text, footnotes, headers, macros,
/// comments, endnotes, text boxes, header text boxes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Lengths {
    pub text: u32,
    pub footnotes: u32,
    pub headers: u32,
    pub macros: u32,
    pub comments: u32,
    pub endnotes: u32,
    pub text_boxes: u32,
    pub header_text_boxes: u32,
}

/// A (file offset, byte length) pair of a structure in the table stream.
pub(super) type FcLcb = Option<(u32, u32)>;

/// What the reader needs from the FIB.
#[derive(Debug, Clone)]
pub(super) struct Fib {
    pub version: Version,
    pub nfib: u16,
    /// Language of the writer's installation (`lid`).
    pub lid: u16,
    /// Fast-saved: the text is in pieces (Word 6 only reads its piece table then).
    pub complex: bool,
    pub encrypted: bool,
    /// Encrypted with the XOR obfuscation rather than RC4.
    pub obfuscated: bool,
    /// `1Table` or `0Table` (Word 97); Word 6 keeps its tables in `WordDocument`.
    pub table_stream: &'static str,
    /// Word 6/95 written by a Far East edition: its text is UTF-16 (antiword's `bFarEastWord`).
    pub far_east_word6: bool,
    pub fc_min: u32,
    pub fc_mac: u32,
    pub lengths: Lengths,
    pub clx: FcLcb,
    pub papx_bins: FcLcb,
    pub chpx_bins: FcLcb,
    pub header_stories: FcLcb,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

pub(super) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Magic numbers of Word 6 and later FIBs; the Far East Word 6/95 editions wrote their own.
const WORD_IDENTS: [u16; 2] = [0xA5EC, 0xA5DC];
const FAR_EAST_WORD6_IDENTS: [u16; 4] = [0x8098, 0x8099, 0xA697, 0xA699];

impl Fib {
    /// Parses the FIB of a `WordDocument` stream.
    pub(super) fn parse(word: &[u8]) -> Result<Fib, ReadError> {
        let short = || {
            ReadError::Corrupt(
                "WordDocument 流太短，容不下文件信息块（FIB） (the WordDocument stream is too short to hold a File Information Block)".into(),
            )
        };
        let ident = u16_at(word, 0).ok_or_else(short)?;
        let nfib = u16_at(word, 2).ok_or_else(short)?;
        let lid = u16_at(word, 6).ok_or_else(short)?;
        let flags = u16_at(word, 0x0A).ok_or_else(short)?;
        let far_east_word6 = FAR_EAST_WORD6_IDENTS.contains(&ident);
        if !WORD_IDENTS.contains(&ident) && !far_east_word6 {
            return Err(ReadError::Corrupt(format!(
                "不是 Word 文档：WordDocument 流以 {ident:#06x} 开头，而不是 Word 的标识 0xa5ec (not a Word document: the WordDocument stream starts with {ident:#06x}, not Word's magic number 0xa5ec)"
            )));
        }
        let version = match nfib {
            101..=105 => Version::Word6,
            0..=100 => {
                return Err(ReadError::Unsupported(format!(
                    "Word 6 之前版本的 Word 文档（nFib {nfib}）：certsift 不读取此格式；请申请方提供 .docx 或 \
                     PDF，或自行转换（如 libreoffice --headless --convert-to docx） (Word document of a \
                     version before Word 6: not read by certsift; ask the applicant for .docx or PDF, \
                     or convert it)"
                )));
            }
            _ => Version::Word97,
        };
        let bit = |n: u16| flags & (1 << n) != 0;
        let pair = |at: usize| -> FcLcb {
            let fc = u32_at(word, at)?;
            let lcb = u32_at(word, at + 4)?;
            (lcb > 0).then_some((fc, lcb))
        };
        let lengths_at = |base: usize| -> Option<Lengths> {
            let l = |i: usize| u32_at(word, base + 4 * i);
            Some(Lengths {
                text: l(0)?,
                footnotes: l(1)?,
                headers: l(2)?,
                macros: l(3)?,
                comments: l(4)?,
                endnotes: l(5)?,
                text_boxes: l(6)?,
                header_text_boxes: l(7)?,
            })
        };
        let fc_min = u32_at(word, 0x18).ok_or_else(short)?;
        let fc_mac = u32_at(word, 0x1C).ok_or_else(short)?;
        let fib = match version {
            Version::Word97 => Fib {
                version,
                nfib,
                lid,
                complex: bit(2),
                encrypted: bit(8),
                obfuscated: bit(15),
                table_stream: if bit(9) { "1Table" } else { "0Table" },
                far_east_word6: false,
                fc_min,
                fc_mac,
                lengths: lengths_at(0x4C).ok_or_else(short)?,
                // fibRgFcLcb97 starts at 0x9A; entry n is at 0x9A + 8n.
                clx: pair(0x9A + 8 * 33),
                papx_bins: pair(0x9A + 8 * 13),
                chpx_bins: pair(0x9A + 8 * 12),
                header_stories: pair(0x9A + 8 * 11),
            },
            Version::Word6 => Fib {
                version,
                nfib,
                lid,
                complex: bit(2),
                encrypted: bit(8),
                obfuscated: bit(15),
                table_stream: "WordDocument",
                far_east_word6,
                fc_min,
                fc_mac,
                lengths: lengths_at(0x34).ok_or_else(short)?,
                clx: pair(0x160),
                papx_bins: None,
                chpx_bins: None,
                header_stories: pair(0xB0),
            },
        };
        Ok(fib)
    }

    /// The encoding of 8-bit text in a Word 6/95 file: the code page of its language. (Word 97
    /// stores 8-bit text only in cp1252 "compressed" pieces, [`super::text`].)
    pub(super) fn code_page(&self) -> &'static Encoding {
        code_page_of_language(self.lid)
    }
}

/// The ANSI code page Windows uses for a language id: GBK for Simplified Chinese, Big5 for
/// Traditional, Shift_JIS, EUC-KR (cp949), and the windows-125x pages by script.
pub(super) fn code_page_of_language(lid: u16) -> &'static Encoding {
    use encoding_rs::*;
    match lid {
        0x0804 | 0x1004 => GBK,
        0x0404 | 0x0C04 | 0x1404 => BIG5,
        // Serbian in Cyrillic; Croatian and Serbian in Latin fall to cp1250 below.
        0x0C1A => WINDOWS_1251,
        _ => match lid & 0x03FF {
            0x04 => GBK,
            0x11 => SHIFT_JIS,
            0x12 => EUC_KR,
            0x19 | 0x02 | 0x22 | 0x23 | 0x2F => WINDOWS_1251,
            0x05 | 0x0E | 0x15 | 0x18 | 0x1B | 0x24 | 0x1C | 0x1A => WINDOWS_1250,
            0x08 => WINDOWS_1253,
            0x1F | 0x2C => WINDOWS_1254,
            0x0D => WINDOWS_1255,
            0x01 | 0x20 | 0x29 => WINDOWS_1256,
            0x25..=0x27 => WINDOWS_1257,
            0x2A => WINDOWS_1258,
            0x1E => WINDOWS_874,
            _ => WINDOWS_1252,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_languages_use_their_double_byte_code_pages() {
        assert_eq!(code_page_of_language(0x0804), encoding_rs::GBK);
        assert_eq!(code_page_of_language(0x0404), encoding_rs::BIG5);
        assert_eq!(code_page_of_language(0x0409), encoding_rs::WINDOWS_1252);
        assert_eq!(code_page_of_language(0x0419), encoding_rs::WINDOWS_1251);
        assert_eq!(code_page_of_language(0x0415), encoding_rs::WINDOWS_1250);
    }

    #[test]
    fn short_or_foreign_streams_are_corrupt_and_old_versions_unsupported() {
        assert!(matches!(
            Fib::parse(&[0xEC, 0xA5]),
            Err(ReadError::Corrupt(_))
        ));
        let mut fib = vec![0u8; 0x200];
        fib[0] = 0x12;
        assert!(matches!(Fib::parse(&fib), Err(ReadError::Corrupt(_))));
        fib[0..4].copy_from_slice(&[0xEC, 0xA5, 45, 0]);
        assert!(matches!(Fib::parse(&fib), Err(ReadError::Unsupported(_))));
        fib[2] = 193;
        let parsed = Fib::parse(&fib).expect("word 97 fib");
        assert_eq!(parsed.version, Version::Word97);
        assert_eq!(parsed.table_stream, "0Table");
    }
}
