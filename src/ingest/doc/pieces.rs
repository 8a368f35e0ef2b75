//! The piece table: where each run of character positions (CPs) has its bytes in the
//! `WordDocument` stream, and whether they are UTF-16 or 8-bit.
//!
//! Word does not store its text in order: a fast save appends edits and the piece table (in
//! the CLX, MS-DOC §2.9.38) says which bytes make CP n. A Word 97 piece descriptor's `fc` has
//! bit 30 set for an 8-bit "compressed" piece, whose byte offset is then `(fc & ~bit30) / 2`;
//! otherwise the piece is UTF-16LE at `fc`. Word 6/95 pieces are 8-bit at `fc` in the file's
//! code page (UTF-16 for the Far East editions). A Word 6/95 file that was not fast-saved has
//! no piece table: its text is one run from `fcMin`.

use super::ReadError;
use super::fib::{Fib, Version, u32_at};

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
                "the piece table (CLX at {fc}, {lcb} bytes) lies outside the {} stream",
                fib.table_stream
            ))
        })?;
    let plc = piece_plc(clx)?;
    let unicode_word6 = fib.far_east_word6;
    parse_plc(plc, |raw| match fib.version {
        Version::Word97 if raw & 0x4000_0000 != 0 => ((raw & 0x3FFF_FFFF) / 2, Width::Byte),
        Version::Word97 => (raw, Width::Utf16),
        Version::Word6 if unicode_word6 => (raw, Width::Utf16),
        Version::Word6 => (raw, Width::Byte),
    })
}

/// A Word 6/95 file without a piece table (or a Word 97 one that lost it): the text is one
/// run from `fcMin` to `fcMac`.
fn contiguous(fib: &Fib, word: &[u8]) -> Result<Vec<Piece>, ReadError> {
    if fib.version == Version::Word97 {
        return Err(ReadError::Corrupt(
            "the Word document has no piece table (CLX), so its text cannot be located".into(),
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
    }])
}

/// The `PlcPcd` of a CLX: skips the `Prc` entries (property modifiers, clxt 1) before the
/// `Pcdt` (clxt 2).
fn piece_plc(clx: &[u8]) -> Result<&[u8], ReadError> {
    let mut at = 0usize;
    while let Some(&clxt) = clx.get(at) {
        match clxt {
            1 => {
                let len = clx
                    .get(at + 1..at + 3)
                    .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
                    .ok_or_else(|| ReadError::Corrupt("the piece table is cut short".into()))?;
                at = at + 3 + len;
            }
            2 => {
                let lcb = u32_at(clx, at + 1)
                    .ok_or_else(|| ReadError::Corrupt("the piece table is cut short".into()))?;
                let start = at + 5;
                let end = usize::try_from(lcb)
                    .ok()
                    .and_then(|l| start.checked_add(l))
                    .unwrap_or(usize::MAX)
                    .min(clx.len());
                return Ok(clx.get(start..end).unwrap_or_default());
            }
            // Padding some Word 6 writers leave (antiword skips it the same way).
            0 => at += 2,
            other => {
                return Err(ReadError::Corrupt(format!(
                    "the piece table has an entry of unknown type {other}"
                )));
            }
        }
    }
    Err(ReadError::Corrupt(
        "the piece table (CLX) has no piece descriptors".into(),
    ))
}

/// `n+1` CPs then `n` 8-byte piece descriptors; `fc_of` turns a descriptor's raw `fc` into
/// (byte offset, width).
fn parse_plc(plc: &[u8], fc_of: impl Fn(u32) -> (u32, Width)) -> Result<Vec<Piece>, ReadError> {
    let n = plc.len().saturating_sub(4) / 12;
    if n == 0 {
        return Ok(Vec::new());
    }
    if n > MAX_PIECES {
        return Err(ReadError::LimitExceeded(format!(
            "the piece table lists {n} pieces, over the limit of {MAX_PIECES}"
        )));
    }
    let descriptors = 4 * (n + 1);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (Some(start), Some(end), Some(raw)) = (
            u32_at(plc, 4 * i),
            u32_at(plc, 4 * (i + 1)),
            u32_at(plc, descriptors + 8 * i + 2),
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
        let plc = piece_plc(&clx).expect("plc");
        let pieces = parse_plc(plc, |raw| {
            if raw & 0x4000_0000 != 0 {
                ((raw & 0x3FFF_FFFF) / 2, Width::Byte)
            } else {
                (raw, Width::Utf16)
            }
        })
        .expect("pieces");
        assert_eq!(
            pieces,
            [
                Piece {
                    start: 0,
                    end: 5,
                    fc: 1024,
                    width: Width::Byte
                },
                Piece {
                    start: 5,
                    end: 9,
                    fc: 4096,
                    width: Width::Utf16
                }
            ]
        );
        assert_eq!(pieces[1].fc_of(7), 4100);
    }

    #[test]
    fn unknown_entries_and_missing_descriptors_are_corrupt() {
        assert!(matches!(piece_plc(&[7, 0, 0]), Err(ReadError::Corrupt(_))));
        assert!(matches!(
            piece_plc(&[1, 200, 0]),
            Err(ReadError::Corrupt(_))
        ));
        assert!(matches!(piece_plc(&[]), Err(ReadError::Corrupt(_))));
    }
}
