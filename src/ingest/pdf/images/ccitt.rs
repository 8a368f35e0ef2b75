//! CCITTFaxDecode → packed 1-bit rows, exactly what the PDF filter outputs (so `/Decode`,
//! `/ImageMask` and the colour space apply afterwards as for any 1-bit image).
//!
//! Group 4 (`/K` < 0, what scanners write) goes through the `fax` crate's decoder. Group 3
//! one-dimensional (`/K 0`, Modified Huffman) is decoded here from `fax`'s code tables, because
//! `fax`'s Group 3 decoder requires end-of-line codes, which PDF makes optional
//! (`/EndOfLine false` is the default). Mixed two-dimensional Group 3 (`/K` > 0) and Group 4
//! with `/EncodedByteAlign` are rare and refused with a clear message.

use crate::ingest::clock::Clock;
use crate::ingest::{ReadContext, ReadError};
use fax::{BitReader, Color};
use lopdf::{Dictionary, Document, Object};

/// `/DecodeParms` of a CCITTFaxDecode stream.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Params {
    /// < 0: Group 4; 0: Group 3 1-D; > 0: Group 3 mixed 1-D/2-D.
    k: i64,
    /// Pixels per encoded row.
    columns: u32,
    /// Black pixels are 1 bits in the output (default: 0 bits).
    black_is_1: bool,
    /// Each encoded row (or, with EOLs, each EOL's end) falls on a byte boundary.
    byte_align: bool,
    /// Rows are preceded by end-of-line codes.
    end_of_line: bool,
}

impl Params {
    /// Reads the parameters (defaults from ISO 32000-1, table 11; `/Columns` defaults to the
    /// image's width, which is what it must equal, rather than the fax width of 1728).
    pub(super) fn read(doc: &Document, params: Option<&Dictionary>, width: u32) -> Params {
        let get = |key: &[u8]| {
            params
                .and_then(|p| p.get(key).ok())
                .map(|o| doc.dereference(o).map(|(_, o)| o).unwrap_or(o))
        };
        let int = |key: &[u8]| get(key).and_then(|o| o.as_i64().ok());
        let flag = |key: &[u8]| matches!(get(key), Some(Object::Boolean(true)));
        Params {
            k: int(b"K").unwrap_or(0),
            columns: int(b"Columns")
                .and_then(|c| u32::try_from(c).ok())
                .filter(|c| *c > 0)
                .unwrap_or(width),
            black_is_1: flag(b"BlackIs1"),
            byte_align: flag(b"EncodedByteAlign"),
            end_of_line: flag(b"EndOfLine"),
        }
    }
}

/// Decodes `data` into `height` packed rows of `width` bits (`ceil(width / 8)` bytes each).
/// A stream that ends early keeps its decoded rows and the rest is white (as the G4 end-of-block
/// allows); one that breaks before half the rows is corrupt.
pub(super) fn decode(
    data: &[u8],
    p: &Params,
    width: u32,
    height: u32,
    ctx: &ReadContext,
) -> Result<Vec<u8>, ReadError> {
    let mut out = Rows::new(width, height, p.black_is_1);
    let mut clock = Clock::new(ctx);
    let outcome = match (p.k, p.byte_align) {
        (k, false) if k < 0 => decode_g4(data, p.columns, &mut out, &mut clock)?,
        (k, true) if k < 0 => {
            return Err(ReadError::Unsupported(
                "CCITT G4 扫描件使用按字节对齐的行（/EncodedByteAlign），未解码 (CCITT Group 4 scan with byte-aligned rows: not decoded)".into(),
            ));
        }
        (0, _) => decode_g3_1d(data, p, &mut out, &mut clock)?,
        _ => {
            return Err(ReadError::Unsupported(
                "CCITT G3 二维编码扫描件（/K > 0），未解码 (CCITT Group 3 two-dimensional scan: not decoded)".into(),
            ));
        }
    };
    let done = out.rows_written;
    if outcome == Outcome::Broken && u64::from(done) * 2 < u64::from(height) {
        return Err(ReadError::Corrupt(format!(
            "CCITT 图像数据在 {height} 行中的第 {done} 行后中断，已损坏，未解码 (CCITT image data breaks off after {done} of its {height} rows: damaged, not decoded)"
        )));
    }
    if done < height {
        tracing::debug!("CCITT image ends after {done} of {height} rows; the rest is left white");
    }
    Ok(out.bits)
}

/// How a decode ended.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// All rows, or an end-of-block/end-of-data marker.
    Ended,
    /// The code stream is invalid from some row on.
    Broken,
}

/// The output rows, white until written.
struct Rows {
    bits: Vec<u8>,
    row_bytes: usize,
    width: u32,
    height: u32,
    rows_written: u32,
    black_is_1: bool,
}

impl Rows {
    fn new(width: u32, height: u32, black_is_1: bool) -> Rows {
        let row_bytes = (width as usize).div_ceil(8);
        let white = if black_is_1 { 0x00 } else { 0xFF };
        Rows {
            bits: vec![white; row_bytes * height as usize],
            row_bytes,
            width,
            height,
            rows_written: 0,
            black_is_1,
        }
    }

    fn full(&self) -> bool {
        self.rows_written >= self.height
    }

    /// Writes the next row from its colour changes (positions, starting with white).
    fn push(&mut self, transitions: &[u32]) {
        if self.full() {
            return;
        }
        let start = self.rows_written as usize * self.row_bytes;
        let row = &mut self.bits[start..start + self.row_bytes];
        let mut edges = transitions
            .iter()
            .copied()
            .chain(std::iter::once(self.width));
        while let (Some(from), Some(to)) = (edges.next(), edges.next()) {
            for x in from.min(self.width)..to.min(self.width) {
                let (byte, bit) = (x as usize / 8, 7 - (x % 8));
                if let Some(b) = row.get_mut(byte) {
                    if self.black_is_1 {
                        *b |= 1 << bit;
                    } else {
                        *b &= !(1 << bit);
                    }
                }
            }
        }
        self.rows_written += 1;
    }
}

/// Group 4 through `fax`.
fn decode_g4(
    data: &[u8],
    columns: u32,
    out: &mut Rows,
    clock: &mut Clock<'_>,
) -> Result<Outcome, ReadError> {
    use fax::decoder::{DecodeStatus, Group4Decoder};
    let bytes = data.iter().map(|b| Ok::<u8, std::convert::Infallible>(*b));
    let Ok(mut decoder) = Group4Decoder::new(bytes, columns);
    while !out.full() {
        clock.tick()?;
        match decoder.advance() {
            Ok(DecodeStatus::Incomplete) => out.push(decoder.transition()),
            Ok(DecodeStatus::End) => return Ok(Outcome::Ended),
            Err(_) => return Ok(Outcome::Broken),
        }
    }
    Ok(Outcome::Ended)
}

/// Group 3 one-dimensional (Modified Huffman): each row is alternating white and black run
/// lengths starting with white, optionally preceded by an end-of-line code; with
/// `/EncodedByteAlign` rows (or EOLs' ends) fall on byte boundaries. Two end-of-line codes in a row (the
/// return-to-control) end the image.
fn decode_g3_1d(
    data: &[u8],
    p: &Params,
    out: &mut Rows,
    clock: &mut Clock<'_>,
) -> Result<Outcome, ReadError> {
    let mut reader = fax::slice_reader(data);
    let mut transitions = Vec::new();
    while !out.full() {
        clock.tick()?;
        // Without EOLs, aligned rows start after fill bits; with EOLs the fill precedes each
        // EOL, which `skip_eol` eats with it (aligning first could split an EOL's zeros).
        if p.byte_align && !p.end_of_line {
            let fill = reader.bits_to_byte_boundary();
            skip(&mut reader, fill);
        }
        let mut eols = 0;
        while skip_eol(&mut reader) {
            eols += 1;
            if eols >= 2 {
                return Ok(Outcome::Ended);
            }
        }
        if reader.peek(1).is_none() {
            return Ok(Outcome::Ended);
        }
        match row_1d(&mut reader, p.columns, &mut transitions) {
            Some(()) => out.push(&transitions),
            None => return Ok(Outcome::Broken),
        }
    }
    Ok(Outcome::Ended)
}

fn skip(reader: &mut impl BitReader, bits: u8) {
    if bits > 0 {
        let _ = reader.consume(bits);
    }
}

/// Consumes an end-of-line code (eleven or more zero bits, then a one) if one is next. No run
/// code starts with more than seven zeros, so nine zeros can only be fill and an EOL.
fn skip_eol(reader: &mut impl BitReader) -> bool {
    if reader.peek(9) != Some(0) {
        return false;
    }
    // Fill bits are bounded by the row (a stream of zeros ends when the data does).
    for _ in 0..(1 << 16) {
        match reader.peek(1) {
            Some(0) => skip(reader, 1),
            Some(_) => {
                skip(reader, 1);
                return true;
            }
            None => return false,
        }
    }
    false
}

/// One Modified Huffman row into `transitions`; `None` on an invalid code.
fn row_1d(reader: &mut impl BitReader, columns: u32, transitions: &mut Vec<u32>) -> Option<()> {
    transitions.clear();
    let (mut a0, mut colour) = (0u32, Color::White);
    while a0 < columns {
        a0 = a0.checked_add(run_length(reader, colour)?)?;
        if a0 < columns {
            transitions.push(a0);
        }
        colour = !colour;
    }
    Some(())
}

/// A run: make-up codes (64 and up) then one terminating code (below 64).
fn run_length(reader: &mut impl BitReader, colour: Color) -> Option<u32> {
    let mut sum = 0u32;
    for _ in 0..64 {
        let n = match colour {
            Color::White => fax::maps::white::decode(reader)?,
            Color::Black => fax::maps::black::decode(reader)?,
        };
        sum = sum.checked_add(u32::from(n))?;
        if n < 64 {
            return Some(sum);
        }
    }
    None
}
