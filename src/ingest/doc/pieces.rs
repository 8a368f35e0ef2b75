//! The piece table: where each run of character positions (CPs) has its bytes in the
//! `WordDocument` stream, and whether they are UTF-16 or 8-bit.
//!
//! Word does not store its text in order: a fast save appends edits and the piece table (in
//! the CLX, MS-DOC §2.9.38) says which bytes make CP n. A Word 97 piece descriptor's `fc` has
//! bit 30 set for an 8-bit "compressed" piece, whose byte offset is then `(fc & ~bit30) / 2`;
//! otherwise the piece is UTF-16LE at `fc`. Word 6/95 pieces are 8-bit at `fc` in the file's
//! code page (UTF-16 for the Far East editions). A Word 6/95 file that was not fast-saved has
//! no piece table: its text is one run from `fcMin`.
//!
//! A fast save also changes properties of whole pieces without rewriting the formatted disk
//! pages: each descriptor's property modifier (`Prm`, MS-DOC §2.9.214) is either one sprm
//! (`Prm0`: an index into a fixed table of sprms and a one-byte operand) or an index into the
//! property lists (`Prc`) at the start of the CLX (`Prm1`). Of what they can set, only what
//! changes the text we emit is read ([`Shown`]: deleted revisions and hidden text); paragraph
//! and table properties set this way are left to the formatted disk pages, which
//! Word writes again on a full save.

use super::ReadError;
use super::fib::{Fib, Version, u32_at};
use super::props::{SPRM_DELETED, SPRM_HIDDEN, Shown, sprms};

/// How a piece stores its characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Width {
    /// Two bytes per CP, UTF-16LE.
    Utf16,
    /// One byte per CP: cp1252 with Word's remaps (Word 97), or the file's code page (Word 6).
    Byte,
}

impl Width {
    pub(super) fn bytes(self) -> u32 {
        match self {
            Width::Utf16 => 2,
            Width::Byte => 1,
        }
    }
}

/// CPs `start..end` are stored from byte `fc` of the `WordDocument` stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Piece {
    pub start: u32,
    pub end: u32,
    pub fc: u32,
    pub width: Width,
    /// What the piece's property modifier says about showing its characters; laid over the
    /// character properties of the formatted disk pages.
    pub shown: Shown,
}

impl Piece {
    /// The stream offset of CP `cp` (which lies in the piece).
    pub(super) fn fc_of(&self, cp: u32) -> u64 {
        u64::from(self.fc) + u64::from(cp - self.start) * u64::from(self.width.bytes())
    }
}

/// Most pieces accepted: each costs 12 bytes in the table stream, so a real file stays far
/// below; more is a hostile table.
const MAX_PIECES: usize = 4_000_000;

/// The pieces of a file, sorted by CP, non-overlapping.
pub(super) fn pieces(fib: &Fib, word: &[u8], table: &[u8]) -> Result<Vec<Piece>, ReadError> {
    let Some((fc, lcb)) = fib
        .clx
        .filter(|_| fib.version == Version::Word97 || fib.complex)
    else {
        return contiguous(fib, word);
    };
    let clx = usize::try_from(fc)
        .ok()
        .zip(usize::try_from(lcb).ok())
        .and_then(|(fc, lcb)| table.get(fc..fc.checked_add(lcb)?))
        .ok_or_else(|| {
            ReadError::Corrupt(format!(
                "片段表（CLX，位于 {fc}，{lcb} 字节）超出了 {stream} 流的范围 (the piece table lies outside the {stream} stream)",
                stream = fib.table_stream
            ))
        })?;
    let (plc, grpprls) = piece_plc(clx)?;
    let unicode_word6 = fib.far_east_word6;
    let pieces = parse_plc(
        plc,
        |raw| match fib.version {
            Version::Word97 if raw & 0x4000_0000 != 0 => ((raw & 0x3FFF_FFFF) / 2, Width::Byte),
            Version::Word97 => (raw, Width::Utf16),
            Version::Word6 if unicode_word6 => (raw, Width::Utf16),
            Version::Word6 => (raw, Width::Byte),
        },
        |prm| shown_by_prm(prm, &grpprls, fib.version),
    )?;
    refuse_shared_bytes(&pieces, word.len())?;
    Ok(pieces)
}

/// `Prm0.isprm` of the two sprms read (MS-DOC §2.9.213's table: Word 6's one-byte sprm numbers,
/// which is why a Word 6/95 file's `Prm0` reads the same).
const ISPRM_DELETED: u16 = 0x41;
const ISPRM_HIDDEN: u16 = 0x5C;

/// What a piece's property modifier `prm` says about showing its text. `Prm1` indexes the
/// CLX's property lists, which hold Word 97 sprms; a Word 6/95 file's lists hold one-byte
/// sprms of another layout and are not read (its `Prm0` is).
fn shown_by_prm(prm: u16, grpprls: &[&[u8]], version: Version) -> Shown {
    if prm & 1 == 0 {
        let isprm = (prm >> 1) & 0x7F;
        let operand = [(prm >> 8) as u8];
        let op = match isprm {
            ISPRM_DELETED => SPRM_DELETED,
            ISPRM_HIDDEN => SPRM_HIDDEN,
            _ => return Shown::default(),
        };
        return Shown::from_sprms([(op, &operand[..])]);
    }
    if version != Version::Word97 {
        return Shown::default();
    }
    grpprls
        .get(usize::from(prm >> 1))
        .map(|grpprl| Shown::from_sprms(sprms(grpprl)))
        .unwrap_or_default()
}

/// Refuses pieces that together claim more bytes of the stream than it has. Word writes each
/// character once, so a real file's pieces never share bytes; a table whose pieces all point
/// at the same bytes turns a few hundred KB into gigabytes of text (`tests/hostile/doc.rs`).
/// Bytes past the end of the stream are not counted: [`super::text`] skips and counts them.
fn refuse_shared_bytes(pieces: &[Piece], stream: usize) -> Result<(), ReadError> {
    let stream = stream as u64;
    let mut claimed = 0u64;
    for p in pieces {
        let from = u64::from(p.fc);
        let to = p.fc_of(p.end).min(stream);
        claimed = claimed.saturating_add(to.saturating_sub(from));
    }
    if claimed > stream {
        return Err(ReadError::LimitExceeded(format!(
            "片段表（piece table）的片段共引用 {claimed} 字节，超过 WordDocument 流的 {stream} \
             字节：多个片段重复引用同一段文字，不是 Word 写出的文件，未读取 (the pieces share \
             bytes of the stream: not read)"
        )));
    }
    Ok(())
}

/// A Word 6/95 file without a piece table (or a Word 97 one that lost it): the text is one
/// run from `fcMin` to `fcMac`.
fn contiguous(fib: &Fib, word: &[u8]) -> Result<Vec<Piece>, ReadError> {
    if fib.version == Version::Word97 {
        return Err(ReadError::Corrupt(
            "Word 文档没有片段表（CLX），无法定位其文字 (the Word document has no piece table, so its text cannot be located)".into(),
        ));
    }
    let width = if fib.far_east_word6 {
        Width::Utf16
    } else {
        Width::Byte
    };
    let available = u32::try_from(word.len()).unwrap_or(u32::MAX);
    let end = fib.fc_mac.min(available);
    if fib.fc_min >= end {
        return Ok(Vec::new());
    }
    Ok(vec![Piece {
        start: 0,
        end: (end - fib.fc_min) / width.bytes(),
        fc: fib.fc_min,
        width,
        shown: Shown::default(),
    }])
}

/// The `PlcPcd` of a CLX, and the property lists (`Prc`, clxt 1) before it in order, which a
/// piece's `Prm1` indexes.
fn piece_plc(clx: &[u8]) -> Result<(&[u8], Vec<&[u8]>), ReadError> {
    let short = || ReadError::Corrupt("片段表不完整 (the piece table is cut short)".into());
    let mut grpprls = Vec::new();
    let mut at = 0usize;
    while let Some(&clxt) = clx.get(at) {
        match clxt {
            1 => {
                // cbGrpprl is signed; a negative length is a damaged table.
                let len = clx
                    .get(at + 1..at + 3)
                    .map(|b| i16::from_le_bytes([b[0], b[1]]))
                    .ok_or_else(short)?;
                let len = usize::try_from(len).map_err(|_| short())?;
                let start = at + 3;
                grpprls.push(clx.get(start..start + len).ok_or_else(short)?);
                at = start + len;
            }
            2 => {
                let lcb = u32_at(clx, at + 1).ok_or_else(short)?;
                let start = at + 5;
                let end = usize::try_from(lcb)
                    .ok()
                    .and_then(|l| start.checked_add(l))
                    .unwrap_or(usize::MAX)
                    .min(clx.len());
                return Ok((clx.get(start..end).unwrap_or_default(), grpprls));
            }
            // Padding some Word 6 writers leave (antiword skips it the same way).
            0 => at += 2,
            other => {
                return Err(ReadError::Corrupt(format!(
                    "片段表中有未知类型 {other} 的条目 (the piece table has an entry of unknown type {other})"
                )));
            }
        }
    }
    Err(ReadError::Corrupt(
        "片段表（CLX）中没有片段描述符 (the piece table has no piece descriptors)".into(),
    ))
}

/// `n+1` CPs then `n` 8-byte piece descriptors (flags, `fc`, `prm`); `fc_of` turns a
/// descriptor's raw `fc` into (byte offset, width), `shown_of` its `prm` into marks.
fn parse_plc(
    plc: &[u8],
    fc_of: impl Fn(u32) -> (u32, Width),
    shown_of: impl Fn(u16) -> Shown,
) -> Result<Vec<Piece>, ReadError> {
    let n = plc.len().saturating_sub(4) / 12;
    if n == 0 {
        return Ok(Vec::new());
    }
    if n > MAX_PIECES {
        return Err(ReadError::LimitExceeded(format!(
            "片段表列出 {n} 个片段，超出 {MAX_PIECES} 个的限制 (the piece table lists {n} pieces, over the limit of {MAX_PIECES})"
        )));
    }
    let descriptors = 4 * (n + 1);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let at = descriptors + 8 * i;
        let (Some(start), Some(end), Some(raw), Some(prm)) = (
            u32_at(plc, 4 * i),
            u32_at(plc, 4 * (i + 1)),
            u32_at(plc, at + 2),
            plc.get(at + 6..at + 8)
                .map(|b| u16::from_le_bytes([b[0], b[1]])),
        ) else {
            break;
        };
        if end <= start {
            continue;
        }
        let (fc, width) = fc_of(raw);
        out.push(Piece {
            start,
            end,
            fc,
            width,
            shown: shown_of(prm),
        });
    }
    out.sort_by_key(|p| p.start);
    // Overlapping pieces (a damaged table): the first to claim a CP keeps it.
    let mut kept: Vec<Piece> = Vec::with_capacity(out.len());
    for mut p in out {
        if let Some(last) = kept.last() {
            if p.end <= last.end {
                continue;
            }
            if p.start < last.end {
                let skip = last.end - p.start;
                p.fc = p.fc.saturating_add(skip.saturating_mul(p.width.bytes()));
                p.start = last.end;
            }
        }
        kept.push(p);
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcdt(cps: &[u32], fcs: &[u32]) -> Vec<u8> {
        let mut plc = Vec::new();
        for cp in cps {
            plc.extend_from_slice(&cp.to_le_bytes());
        }
        for fc in fcs {
            plc.extend_from_slice(&0u16.to_le_bytes());
            plc.extend_from_slice(&fc.to_le_bytes());
            plc.extend_from_slice(&0u16.to_le_bytes());
        }
        let mut clx = vec![1, 2, 0, 0xAA, 0xBB, 2];
        clx.extend_from_slice(&(plc.len() as u32).to_le_bytes());
        clx.extend_from_slice(&plc);
        clx
    }

    #[test]
    fn compressed_and_unicode_pieces_after_a_property_modifier() {
        let clx = pcdt(&[0, 5, 9], &[0x4000_0000 | 2048, 4096]);
        let (plc, grpprls) = piece_plc(&clx).expect("plc");
        assert_eq!(grpprls, [&[0xAAu8, 0xBB][..]]);
        let pieces = parse_plc(
            plc,
            |raw| {
                if raw & 0x4000_0000 != 0 {
                    ((raw & 0x3FFF_FFFF) / 2, Width::Byte)
                } else {
                    (raw, Width::Utf16)
                }
            },
            |_| Shown::default(),
        )
        .expect("pieces");
        assert_eq!(
            pieces,
            [
                Piece {
                    start: 0,
                    end: 5,
                    fc: 1024,
                    width: Width::Byte,
                    shown: Shown::default(),
                },
                Piece {
                    start: 5,
                    end: 9,
                    fc: 4096,
                    width: Width::Utf16,
                    shown: Shown::default(),
                }
            ]
        );
        assert_eq!(pieces[1].fc_of(7), 4100);
    }

    #[test]
    fn pieces_sharing_bytes_are_refused_and_bytes_past_the_end_not_counted() {
        let piece = |start, end, fc| Piece {
            start,
            end,
            fc,
            width: Width::Utf16,
            shown: Shown::default(),
        };
        // Two pieces reading the same 100 bytes of a 150-byte stream.
        let shared = [piece(0, 50, 0), piece(50, 100, 0)];
        assert!(matches!(
            refuse_shared_bytes(&shared, 150),
            Err(ReadError::LimitExceeded(m)) if m.contains("重复引用")
        ));
        // Disjoint pieces, one running far past the end: fine (the text reader counts the rest).
        let past = [piece(0, 50, 0), piece(50, 1_000_000, 100)];
        assert!(refuse_shared_bytes(&past, 150).is_ok());
    }

    #[test]
    fn prm0_and_prm1_mark_deleted_and_hidden_pieces() {
        let grpprls: [&[u8]; 2] = [&[0x3C, 0x08, 0x01], &[0x00, 0x08, 0x01, 0x3C, 0x08, 0x00]];
        let prm0 = |isprm: u16, val: u16| (isprm << 1) | (val << 8);
        let shown = |prm| shown_by_prm(prm, &grpprls, Version::Word97);
        assert_eq!(shown(prm0(0x41, 1)).deleted, Some(true));
        assert_eq!(shown(prm0(0x5C, 0x81)).hidden, Some(true));
        assert_eq!(shown(prm0(0x5C, 0)).hidden, Some(false));
        // sprmPFInTable (isprm 0x18), as poi-Bug60942.doc carries: nothing about the text.
        assert_eq!(shown(prm0(0x18, 1)), Shown::default());
        assert_eq!(shown(1).hidden, Some(true));
        let both = shown(1 | 1 << 1);
        assert_eq!((both.deleted, both.hidden), (Some(true), Some(false)));
        // An index past the lists, and Word 6 lists (one-byte sprms): nothing.
        assert_eq!(shown(1 | 9 << 1), Shown::default());
        assert_eq!(shown_by_prm(1, &grpprls, Version::Word6), Shown::default());
        assert!(shown_by_prm(prm0(0x41, 1), &[], Version::Word6).is_left_out());
    }

    /// A fast-saved Word 97 file built here: four pieces, one deleted by its `Prm0`, one hidden
    /// by a `Prm1` pointing at the CLX's property list, one whose `Prm1` says "not hidden".
    #[test]
    fn a_fast_saved_file_leaves_out_pieces_its_modifiers_delete_or_hide() {
        use crate::ingest::test_support::{compound, read_ok, texts};
        let parts = [
            ("售后服务承诺\r接到投诉后", 0u16),
            ("七个工作日内", (0x41 << 1) | (1 << 8)),
            ("（内部备注：不对外）", 1),
            ("24小时内答复。\r", 1 | 1 << 1),
        ];
        const TEXT_AT: u32 = 0x600;
        let mut word = vec![0u8; TEXT_AT as usize];
        word[0..2].copy_from_slice(&0xA5ECu16.to_le_bytes());
        word[2..4].copy_from_slice(&193u16.to_le_bytes());
        word[6..8].copy_from_slice(&0x0804u16.to_le_bytes());
        // fComplex (fast-saved) and fWhichTblStm.
        word[0x0A..0x0C].copy_from_slice(&(1u16 << 2 | 1 << 9).to_le_bytes());
        let mut cps = vec![0u32];
        let mut descriptors = Vec::new();
        for (text, prm) in parts {
            let fc = word.len() as u32;
            for u in text.encode_utf16() {
                word.extend(u.to_le_bytes());
            }
            cps.push(cps.last().copied().unwrap_or(0) + text.encode_utf16().count() as u32);
            descriptors.push((fc, prm));
        }
        let ccp = *cps.last().expect("cps");
        word[0x4C..0x50].copy_from_slice(&ccp.to_le_bytes());
        // Two property lists: sprmCFVanish on, then sprmCFVanish off.
        let mut clx = vec![1, 3, 0, 0x3C, 0x08, 0x01, 1, 3, 0, 0x3C, 0x08, 0x00, 2];
        let mut plc: Vec<u8> = cps.iter().flat_map(|cp| cp.to_le_bytes()).collect();
        for (fc, prm) in descriptors {
            plc.extend(0u16.to_le_bytes());
            plc.extend(fc.to_le_bytes());
            plc.extend(prm.to_le_bytes());
        }
        clx.extend((plc.len() as u32).to_le_bytes());
        clx.extend(plc);
        let at = 0x9A + 8 * 33;
        word[at + 4..at + 8].copy_from_slice(&(clx.len() as u32).to_le_bytes());
        let x = read_ok(
            crate::ingest::doc::read,
            &compound(&[("WordDocument", &word), ("1Table", &clx)]),
        );
        assert_eq!(texts(&x), ["售后服务承诺", "接到投诉后24小时内答复。"]);
    }

    /// A real fast-saved file (Word 6, from Apache POI's tests) whose pieces carry `Prm0`
    /// modifiers of a paragraph property: its text is all there.
    #[test]
    fn a_real_fast_saved_word6_file_keeps_its_text() {
        use crate::ingest::test_support::{read_ok, shared_corpus};
        let Some(dir) = shared_corpus("a_real_fast_saved_word6_file_keeps_its_text", "doc") else {
            return;
        };
        let bytes = std::fs::read(dir.join("poi-Bug60942.doc")).expect("poi-Bug60942.doc");
        let x = read_ok(crate::ingest::doc::read, &bytes);
        let all: String = x.passages.iter().map(|p| p.text.as_str()).collect();
        for needle in ["KATALYSE", "A L'ATTENTION DE", "12/12/97"] {
            assert!(all.contains(needle), "{needle} not in {all}");
        }
    }

    #[test]
    fn unknown_entries_and_missing_descriptors_are_corrupt() {
        assert!(matches!(piece_plc(&[7, 0, 0]), Err(ReadError::Corrupt(_))));
        // A property list of negative length.
        assert!(matches!(
            piece_plc(&[1, 0xFF, 0xFF, 2, 0, 0, 0, 0]),
            Err(ReadError::Corrupt(_))
        ));
        assert!(matches!(
            piece_plc(&[1, 200, 0]),
            Err(ReadError::Corrupt(_))
        ));
        assert!(matches!(piece_plc(&[]), Err(ReadError::Corrupt(_))));
    }
}
