//! Characters of a CP range: bytes of the pieces decoded into text runs, and the control
//! characters that structure the text (paragraph, cell and row marks, fields, breaks) handed
//! over one by one with the file offset their properties are found by.
//!
//! Decoding: UTF-16 pieces as UTF-16 (surrogate pairs may straddle nothing but control
//! characters, so a run is decoded between two of them); Word 97 "compressed" pieces are cp1252
//! except that bytes Windows leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay as the C1 code
//! points MS-DOC §2.9.73 lists, where the WHATWG decoder would turn them into something else;
//! Word 6/95 8-bit pieces in the file's code page. Double-byte code pages (GBK, Big5…) never use
//! a byte below 0x40 in a character, so a control byte always stands for itself.

use super::ReadError;
use super::pieces::{Piece, Width};
use super::props::{Runs, Shown};
use crate::ingest::clock::Clock;
use encoding_rs::Encoding;

/// What a consumer of the characters is told.
pub(super) trait Chars {
    /// Ordinary text, in order (never a control character).
    fn text(&mut self, s: &str);
    /// A control character (below U+0020) at stream offset `fc`, stored `width` bytes wide.
    fn control(&mut self, code: u8, fc: u64, width: u32);
}

/// How 8-bit pieces are decoded.
#[derive(Debug, Clone, Copy)]
pub(super) enum Bytes8 {
    /// Word 97's compressed pieces.
    Compressed,
    /// A Word 6/95 file's code page.
    CodePage(&'static Encoding),
}

/// The text of one file: its stream, pieces, and the runs of characters the formatted disk
/// pages mark deleted or hidden.
pub(super) struct Text<'a> {
    pub stream: &'a [u8],
    pub pieces: &'a [Piece],
    pub bytes8: Bytes8,
    pub deleted: &'a Runs<Shown>,
}

/// Characters stored past the end of the stream (a damaged piece table), for the notes.
#[derive(Debug, Default)]
pub(super) struct Damage {
    pub missing_cps: u64,
}

impl Text<'_> {
    /// Hands the characters of CPs `start..end` to `out`, leaving out what Word does not show
    /// (deleted revisions and hidden text, by the formatted disk pages with the piece's
    /// property modifier laid over them) except cell marks (a table keeps its shape).
    pub(super) fn read(
        &self,
        start: u32,
        end: u32,
        out: &mut impl Chars,
        clock: &mut Clock<'_>,
        damage: &mut Damage,
    ) -> Result<(), ReadError> {
        let first = self.pieces.partition_point(|p| p.end <= start);
        let mut run = Run::default();
        for piece in self.pieces.get(first..).unwrap_or_default() {
            if piece.start >= end {
                break;
            }
            let from = piece.start.max(start);
            let to = piece.end.min(end);
            for cp in from..to {
                clock.tick()?;
                let fc = piece.fc_of(cp);
                let w = u64::from(piece.width.bytes());
                let Some(raw) = usize::try_from(fc)
                    .ok()
                    .and_then(|at| self.stream.get(at..at.checked_add(w as usize)?))
                else {
                    damage.missing_cps += u64::from(to - cp);
                    break;
                };
                let unit = match piece.width {
                    Width::Utf16 => u16::from_le_bytes([raw[0], raw[1]]),
                    Width::Byte => u16::from(raw[0]),
                };
                let marked = if self.deleted.is_empty() {
                    Shown::default()
                } else {
                    self.deleted.at(fc).unwrap_or_default()
                };
                let deleted = piece.shown.over(marked).is_left_out();
                if unit < 0x20 {
                    if deleted && unit != 0x07 {
                        continue;
                    }
                    run.flush(self.bytes8, out);
                    out.control(unit as u8, fc, piece.width.bytes());
                } else if !deleted {
                    run.push(piece.width, unit, self.bytes8, out);
                }
            }
        }
        run.flush(self.bytes8, out);
        Ok(())
    }
}

/// Code units of one width waiting to be decoded together.
#[derive(Debug, Default)]
struct Run {
    utf16: Vec<u16>,
    bytes: Vec<u8>,
}

impl Run {
    fn push(&mut self, width: Width, unit: u16, bytes8: Bytes8, out: &mut impl Chars) {
        match width {
            Width::Utf16 => {
                if !self.bytes.is_empty() {
                    self.flush(bytes8, out);
                }
                self.utf16.push(unit);
            }
            Width::Byte => {
                if !self.utf16.is_empty() {
                    self.flush(bytes8, out);
                }
                self.bytes.push(unit as u8);
            }
        }
        if self.utf16.len() + self.bytes.len() >= 4096 {
            self.flush_safe(bytes8, out);
        }
    }

    /// A long run is decoded part-way, keeping a trailing half character for the next part.
    fn flush_safe(&mut self, bytes8: Bytes8, out: &mut impl Chars) {
        if let Some(&last) = self.utf16.last()
            && (0xD800..0xDC00).contains(&last)
        {
            self.utf16.pop();
            self.flush(bytes8, out);
            self.utf16.push(last);
            return;
        }
        if let Bytes8::CodePage(enc) = bytes8
            && !enc.is_single_byte()
        {
            // Keep the trailing bytes from the last ASCII byte on: they may start a character.
            let keep_from = self
                .bytes
                .iter()
                .rposition(|b| b.is_ascii())
                .map_or(0, |i| i + 1);
            let tail = self.bytes.split_off(keep_from);
            self.flush(bytes8, out);
            self.bytes = tail;
            return;
        }
        self.flush(bytes8, out);
    }

    fn flush(&mut self, bytes8: Bytes8, out: &mut impl Chars) {
        if !self.utf16.is_empty() {
            let s: String = char::decode_utf16(self.utf16.drain(..))
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            out.text(&s);
        }
        if !self.bytes.is_empty() {
            let s = match bytes8 {
                Bytes8::Compressed => self.bytes.iter().map(|&b| compressed_char(b)).collect(),
                Bytes8::CodePage(enc) => {
                    enc.decode_without_bom_handling(&self.bytes).0.into_owned()
                }
            };
            self.bytes.clear();
            out.text(&s);
        }
    }
}

/// A byte of a compressed piece (MS-DOC §2.9.73): Latin-1 except 0x80–0x9F, which are
/// cp1252's punctuation where cp1252 defines them and themselves elsewhere.
pub(super) fn compressed_char(b: u8) -> char {
    const HIGH: [u16; 32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ];
    match b {
        0x80..=0x9F => HIGH
            .get(usize::from(b - 0x80))
            .and_then(|&u| char::from_u32(u32::from(u)))
            .unwrap_or(char::REPLACEMENT_CHARACTER),
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::test_support::ctx;

    #[derive(Default)]
    struct Collect {
        out: String,
        controls: Vec<(u8, u64)>,
    }

    impl Chars for Collect {
        fn text(&mut self, s: &str) {
            self.out.push_str(s);
        }
        fn control(&mut self, code: u8, fc: u64, _: u32) {
            self.out.push('|');
            self.controls.push((code, fc));
        }
    }

    fn read(text: &Text<'_>, start: u32, end: u32) -> Collect {
        let ctx = ctx();
        let mut clock = Clock::new(&ctx);
        let mut out = Collect::default();
        text.read(start, end, &mut out, &mut clock, &mut Damage::default())
            .expect("read");
        out
    }

    #[test]
    fn unicode_and_compressed_pieces_join_in_cp_order() {
        let mut stream = vec![0u8; 16];
        stream.extend(b"Tel\x93x\x94\r\0");
        for u in "售后服务\u{7}".encode_utf16() {
            stream.extend(u.to_le_bytes());
        }
        let pieces = [
            Piece {
                start: 0,
                end: 5,
                fc: 24,
                width: Width::Utf16,
                shown: Shown::default(),
            },
            Piece {
                start: 5,
                end: 12,
                fc: 16,
                width: Width::Byte,
                shown: Shown::default(),
            },
        ];
        let deleted = Runs::default();
        let text = Text {
            stream: &stream,
            pieces: &pieces,
            bytes8: Bytes8::Compressed,
            deleted: &deleted,
        };
        let got = read(&text, 0, 12);
        assert_eq!(got.out, "售后服务|Tel“x”|");
        assert_eq!(got.controls, [(7, 32), (13, 22)]);
        assert_eq!(read(&text, 2, 7).out, "服务|Te");
    }

    #[test]
    fn a_piece_marked_deleted_or_hidden_is_left_out_but_its_cell_marks_kept() {
        let mut stream = Vec::new();
        for u in "承诺\u{7}旧文字\u{7}隐藏\r新承诺\r".encode_utf16() {
            stream.extend(u.to_le_bytes());
        }
        let piece = |start: u32, end: u32, shown| Piece {
            start,
            end,
            fc: 2 * start,
            width: Width::Utf16,
            shown,
        };
        let deleted = Shown {
            deleted: Some(true),
            hidden: None,
        };
        let hidden = Shown {
            deleted: None,
            hidden: Some(true),
        };
        let pieces = [
            piece(0, 3, Shown::default()),
            piece(3, 7, deleted),
            piece(7, 10, hidden),
            piece(10, 14, Shown::default()),
        ];
        let runs = Runs::default();
        let text = Text {
            stream: &stream,
            pieces: &pieces,
            bytes8: Bytes8::Compressed,
            deleted: &runs,
        };
        // The deleted piece's cell mark stays; the hidden piece's paragraph mark goes with it.
        assert_eq!(read(&text, 0, 14).out, "承诺||新承诺|");
    }

    #[test]
    fn word6_gbk_bytes_decode_with_the_code_page() {
        let (gbk, _, _) = encoding_rs::GBK.encode("服务网点\r");
        let pieces = [Piece {
            start: 0,
            end: gbk.len() as u32,
            fc: 0,
            width: Width::Byte,
            shown: Shown::default(),
        }];
        let deleted = Runs::default();
        let text = Text {
            stream: &gbk,
            pieces: &pieces,
            bytes8: Bytes8::CodePage(encoding_rs::GBK),
            deleted: &deleted,
        };
        assert_eq!(read(&text, 0, 9).out, "服务网点|");
    }

    #[test]
    fn compressed_bytes_follow_word_not_whatwg() {
        assert_eq!(compressed_char(0x93), '“');
        assert_eq!(compressed_char(0x81), '\u{81}');
        assert_eq!(compressed_char(0xE9), 'é');
    }

    #[test]
    fn pieces_past_the_stream_are_counted_not_read() {
        let pieces = [Piece {
            start: 0,
            end: 10,
            fc: 4,
            width: Width::Byte,
            shown: Shown::default(),
        }];
        let deleted = Runs::default();
        let text = Text {
            stream: b"abcdefg",
            pieces: &pieces,
            bytes8: Bytes8::Compressed,
            deleted: &deleted,
        };
        let ctx = ctx();
        let mut clock = Clock::new(&ctx);
        let mut damage = Damage::default();
        let mut out = Collect::default();
        text.read(0, 10, &mut out, &mut clock, &mut damage)
            .expect("read");
        assert_eq!(out.out, "efg");
        assert_eq!(damage.missing_cps, 7);
    }
}
