//! Pictures in a Word 97–2003 binary document → [`Embedded`] pictures for OCR: a licence pasted
//! into a `.doc` (or WPS `.wps`) is as common as one pasted into a `.docx`.
//!
//! Two places hold them (MS-DOC §2.9.192, §2.9.70; Apache POI's HWPF `PicturesTable` reads
//! them the same way):
//!
//! - **Inline pictures**: the character `0x01` whose character properties carry
//!   `sprmCPicLocation` (0x6A03), the offset of a `PICFAndOfficeArtData` in the `Data` stream:
//!   a 68-byte `PICF` (its `lcb` the size of the whole), for `mm = 0x66` a picture name, then
//!   OfficeArt records — a shape container and the file block (`OfficeArtFBSE`, which embeds
//!   the BLIP) or the BLIP itself. [`super::layout`] says which paragraph or table cell holds
//!   each `0x01`; the character properties are read here from the CHPX pages on their own
//!   (the layout's property runs keep only what the text needs).
//! - **Floating pictures**: the blips of the OfficeArt BStore in the drawing group
//!   (`fcDggInfo` of the FIB, in the table stream), each embedded in its `OfficeArtFBSE` or at
//!   `foDelay` in the `WordDocument` stream. A main-document picture is anchored to the
//!   paragraph or cell of its drawn-object character (`0x08`): the k-th shape of `PlcfSpaMom`
//!   sits at the k-th such character, and its shape's `pib` property names its blip. Pictures
//!   of headers and footers, and blips no shape names, are anchored to the body.
//!
//! BLIPs: JPEG, PNG, TIFF and DIB (given a BMP file header) are handed on; EMF, WMF and PICT
//! metafiles are too, for the OCR stage to count as a format it does not read. Every offset and
//! length comes from the file and is checked against its stream; a picture that does not fit
//! is passed over, never read past.

use super::fib::{FcLcb, u32_at};
use super::props::{Runs, fkp_runs, sprms};
use crate::ingest::ReadContext;
use crate::ingest::clock::Clock;
use crate::ingest::ocr::embedded::{Anchor, Budget, Embedded};
use crate::model::Part;
use std::collections::HashMap;

/// A formatted disk page.
const PAGE: usize = 512;
/// `sprmCPicLocation`: the picture's offset in the `Data` stream.
const SPRM_PIC_LOCATION: u16 = 0x6A03;
/// `sprmCFData`: the `0x01` holds form-field data, not a picture.
const SPRM_F_DATA: u16 = 0x0806;
/// `sprmCFOle2`: the `0x01` is an OLE object (its picture is only a preview).
const SPRM_F_OLE2: u16 = 0x080A;
/// Size of a `PICF`, the only one MS-DOC allows.
const PICF_SIZE: usize = 0x44;
/// Most pictures taken from one document; each costs an OCR run.
const MAX_PICTURES: usize = 1_000;
/// Most OfficeArt records looked at per picture or BStore (a real one has a handful).
const MAX_RECORDS: usize = 4_096;

/// The inline pictures at `chars` (the `0x01` characters the layout placed: stream offset and
/// place), then the floating ones of the BStore, in that order; `notes` says what was left out
/// for the per-file size limit.
pub(super) fn pictures(
    streams: Streams<'_>,
    chars: &[(u64, Anchor)],
    drawn: &[Anchor],
    ctx: &ReadContext,
    notes: &mut Vec<String>,
) -> Vec<Embedded> {
    let mut out = Vec::new();
    let mut budget = Budget::new(&ctx.limits);
    if let Some(data) = streams.data
        && !chars.is_empty()
    {
        let locations = picture_locations(streams.table, streams.word, streams.chpx_bins, ctx);
        let mut seen = Vec::new();
        for (fc, anchor) in chars {
            if out.len() >= MAX_PICTURES || ctx.check_time().is_err() {
                break;
            }
            let Some(offset) = locations.at(*fc) else {
                continue;
            };
            if seen.contains(&offset) {
                continue;
            }
            seen.push(offset);
            if let Some((kind, blip)) = picf_blip(data, offset) {
                let name = format!("Data@{offset:#x}.{kind}");
                if let Some(bytes) = budget
                    .admit(&name, blip.len() as u64)
                    .then(|| owned(kind, blip))
                    .flatten()
                {
                    out.push(Embedded {
                        anchor: anchor.clone(),
                        name,
                        bytes,
                    });
                }
            }
        }
    }
    let inline = out.len();
    let floating = floating_anchors(streams.word, streams.table, drawn, ctx);
    for (index, kind, blip) in bstore_blips(streams.word, streams.table, ctx) {
        if out.len() >= MAX_PICTURES {
            break;
        }
        let name = format!("BStore#{index}.{kind}");
        if !budget.admit(&name, blip.len() as u64) {
            continue;
        }
        let Some(bytes) = owned(kind, blip) else {
            continue;
        };
        // A blip both inline and in the BStore (the same file pasted twice) is read once.
        if out[..inline].iter().any(|p| p.bytes == bytes) {
            continue;
        }
        out.push(Embedded {
            anchor: floating
                .get(&index)
                .cloned()
                .unwrap_or(Anchor::Part(Part::Body)),
            name,
            bytes,
        });
    }
    notes.extend(budget.note());
    out
}

/// A blip's bytes ready to decode: a DIB (`bmp`) given its file header, the others as they are.
fn owned(kind: &str, blip: &[u8]) -> Option<Vec<u8>> {
    if kind == "bmp" {
        bmp_of_dib(blip)
    } else {
        Some(blip.to_vec())
    }
}

/// The streams the pictures are found in.
#[derive(Clone, Copy)]
pub(super) struct Streams<'a> {
    /// The `WordDocument` stream (FIB, CHPX pages, delayed blips).
    pub(super) word: &'a [u8],
    /// The table stream (bin tables, drawing group).
    pub(super) table: &'a [u8],
    /// The `Data` stream, when the file has one.
    pub(super) data: Option<&'a [u8]>,
    /// The FIB's `PlcfBteChpx`.
    pub(super) chpx_bins: FcLcb,
}

/// Runs of file offsets whose characters have a `sprmCPicLocation`, with its value.
type Locations = Runs<u32>;

/// The picture locations of every CHPX page the bin table `bins` names (the pages walked by
/// [`fkp_runs`], each page once, as for the other character properties).
fn picture_locations(table: &[u8], word: &[u8], bins: FcLcb, ctx: &ReadContext) -> Locations {
    fkp_runs(table, word, bins, ctx, 1, |page, at| {
        let at = at.filter(|&at| at != 0)?;
        let cb = *page.get(at)?;
        let grpprl = page.get(at + 1..(at + 1 + usize::from(cb)).min(PAGE))?;
        let (mut location, mut other) = (None, false);
        for (op, operand) in sprms(grpprl) {
            match op {
                SPRM_PIC_LOCATION => location = u32_at(operand, 0),
                SPRM_F_DATA | SPRM_F_OLE2 => other |= operand.first().is_some_and(|&b| b != 0),
                _ => {}
            }
        }
        location.filter(|_| !other)
    })
}

/// The blip of the `PICFAndOfficeArtData` at `offset` of the `Data` stream: its kind (file
/// extension) and bytes ready to decode.
fn picf_blip(data: &[u8], offset: u32) -> Option<(&'static str, &[u8])> {
    let at = usize::try_from(offset).ok()?;
    let lcb = usize::try_from(u32_at(data, at)?).ok()?;
    let cb_header = usize::from(u16::from_le_bytes([*data.get(at + 4)?, *data.get(at + 5)?]));
    if cb_header != PICF_SIZE || lcb < PICF_SIZE {
        return None;
    }
    let block = data.get(at..at.checked_add(lcb)?)?;
    let mm = u16::from_le_bytes([*block.get(6)?, *block.get(7)?]);
    let mut from = PICF_SIZE;
    if mm == 0x0066 {
        from += 1 + usize::from(*block.get(PICF_SIZE)?);
    }
    first_blip(block.get(from..)?)
}

/// The first BLIP among the OfficeArt records of `records`, looking into a file block (one
/// level: a block holds a blip, never another block, so a file that nests them is refused
/// rather than followed down the stack).
fn first_blip(records: &[u8]) -> Option<(&'static str, &[u8])> {
    blip_in(records, true)
}

fn blip_in(records: &[u8], into_blocks: bool) -> Option<(&'static str, &[u8])> {
    let mut at = 0usize;
    for _ in 0..MAX_RECORDS {
        let (instance, kind, len) = header(records, at)?;
        let body = records.get(at + 8..(at + 8).checked_add(len)?.min(records.len()))?;
        match kind {
            // OfficeArtFBSE: 36 bytes, the name, then the embedded blip.
            0xF007 if into_blocks => {
                let name = usize::from(*body.get(33)?);
                return blip_in(body.get(36 + name..)?, false);
            }
            0xF007 => return None,
            0xF018..=0xF117 => return blip(instance, kind, body),
            _ => at = at.checked_add(8 + len)?,
        }
    }
    None
}

/// An OfficeArt record header at `at`: instance, type, length.
fn header(b: &[u8], at: usize) -> Option<(u16, u16, usize)> {
    let ver_inst = u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]);
    let kind = u16::from_le_bytes([*b.get(at + 2)?, *b.get(at + 3)?]);
    let len = usize::try_from(u32_at(b, at + 4)?).ok()?;
    Some((ver_inst >> 4, kind, len))
}

/// A BLIP record's picture (`body` after its header): the UID(s), for bitmaps a tag byte, for
/// metafiles a 34-byte header, then the bytes (a DIB without its file header, see [`owned`]).
/// An odd instance means a second UID.
fn blip(instance: u16, kind: u16, body: &[u8]) -> Option<(&'static str, &[u8])> {
    let uids = if instance & 1 == 1 { 32 } else { 16 };
    let (ext, skip) = match kind {
        0xF01A => ("emf", uids + 34),
        0xF01B => ("wmf", uids + 34),
        0xF01C => ("pict", uids + 34),
        0xF01D | 0xF02A => ("jpg", uids + 1),
        0xF01E => ("png", uids + 1),
        0xF01F => ("bmp", uids + 1),
        0xF029 => ("tif", uids + 1),
        _ => return None,
    };
    let bytes = body.get(skip..)?;
    (!bytes.is_empty()).then_some((ext, bytes))
}

/// A device-independent bitmap with the 14-byte BMP file header image decoders expect.
fn bmp_of_dib(dib: &[u8]) -> Option<Vec<u8>> {
    let size = u32_at(dib, 0)?;
    let bits = u16::from_le_bytes([*dib.get(14)?, *dib.get(15)?]);
    let compression = u32_at(dib, 16)?;
    let used = u32_at(dib, 32).unwrap_or(0);
    let palette = match (used, bits) {
        (0, 1..=8) => 1u32 << bits,
        (n, _) => n.min(256),
    };
    let masks = if size == 40 && compression == 3 {
        12
    } else {
        0
    };
    let offset = 14u32
        .checked_add(size)?
        .checked_add(palette.checked_mul(4)?)?
        .checked_add(masks)?;
    let total = u32::try_from(dib.len()).ok()?.checked_add(14)?;
    let mut out = Vec::with_capacity(dib.len() + 14);
    out.extend_from_slice(b"BM");
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&offset.to_le_bytes());
    out.extend_from_slice(dib);
    Some(out)
}

/// The blips of the drawing group's BStore (floating pictures), each from its file block or
/// from `foDelay` in the `WordDocument` stream; unused entries (`cRef` 0) are left out.
fn bstore_blips<'a>(
    word: &'a [u8],
    table: &'a [u8],
    ctx: &ReadContext,
) -> Vec<(u32, &'static str, &'a [u8])> {
    let mut out = Vec::new();
    // fcDggInfo is entry 50 of fibRgFcLcb97, which starts at 0x9A.
    let (Some(fc), Some(lcb)) = (u32_at(word, 0x9A + 8 * 50), u32_at(word, 0x9A + 8 * 50 + 4))
    else {
        return out;
    };
    let Some(dgg) = usize::try_from(fc)
        .ok()
        .and_then(|fc| table.get(fc..fc.checked_add(usize::try_from(lcb).ok()?)?.min(table.len())))
    else {
        return out;
    };
    if lcb == 0 {
        return out;
    }
    // OfficeArtContent: the drawing group container (0xF000) comes first; its BStore (0xF001)
    // holds the file blocks.
    let Some((_, 0xF000, len)) = header(dgg, 0) else {
        return out;
    };
    let Some(group) = dgg.get(8..8usize.saturating_add(len).min(dgg.len())) else {
        return out;
    };
    let mut clock = Clock::new(ctx);
    let mut at = 0usize;
    for _ in 0..MAX_RECORDS {
        let Some((_, kind, len)) = header(group, at) else {
            break;
        };
        if kind == 0xF001 {
            let Some(store) = group.get(at + 8..(at + 8).saturating_add(len).min(group.len()))
            else {
                break;
            };
            let (mut k, mut index) = (0usize, 0u32);
            while let Some((_, kind, len)) = header(store, k) {
                index = index.saturating_add(1);
                if clock.tick().is_err() || out.len() >= MAX_PICTURES {
                    break;
                }
                let end = (k + 8).saturating_add(len).min(store.len());
                if kind == 0xF007
                    && let Some(body) = store.get(k + 8..end)
                    && let Some((kind, blip)) = fbse_blip(body, word)
                {
                    out.push((index, kind, blip));
                }
                let Some(next) = k.checked_add(8 + len) else {
                    break;
                };
                k = next;
            }
            break;
        }
        let Some(next) = at.checked_add(8 + len) else {
            break;
        };
        at = next;
    }
    out
}

/// The drawing group and drawings (`OfficeArtContent`, `fcDggInfo`: entry 50 of fibRgFcLcb97,
/// which starts at 0x9A) in the table stream.
fn drawing_info<'a>(word: &[u8], table: &'a [u8]) -> Option<&'a [u8]> {
    let fc = usize::try_from(u32_at(word, 0x9A + 8 * 50)?).ok()?;
    let lcb = usize::try_from(u32_at(word, 0x9A + 8 * 50 + 4)?).ok()?;
    (lcb > 0).then(|| table.get(fc..fc.checked_add(lcb)?.min(table.len())))?
}

/// Where each floating picture of the main document sits, by its 1-based BStore index: the
/// `k`-th shape of `PlcfSpaMom` (entry 40 of fibRgFcLcb97) is anchored at the `k`-th
/// drawn-object character of the text (`drawn`, from the layout), and its shape's `pib`
/// property (in the main document's drawing) names the blip it shows. A picture shown twice
/// keeps its first place.
fn floating_anchors(
    word: &[u8],
    table: &[u8],
    drawn: &[Anchor],
    ctx: &ReadContext,
) -> HashMap<u32, Anchor> {
    let mut out = HashMap::new();
    let Some(spa) = u32_at(word, 0x9A + 8 * 40)
        .zip(u32_at(word, 0x9A + 8 * 40 + 4))
        .and_then(|(fc, lcb)| {
            let fc = usize::try_from(fc).ok()?;
            table.get(fc..fc.checked_add(usize::try_from(lcb).ok()?)?)
        })
    else {
        return out;
    };
    // PlcfSpa: n + 1 CPs, then n 26-byte SPAs whose first field is the shape id.
    let n = spa.len().saturating_sub(4) / 30;
    let Some(pibs) = drawing_info(word, table).map(|info| shape_pibs(info, ctx)) else {
        return out;
    };
    for (k, anchor) in drawn.iter().enumerate().take(n) {
        if let Some(pib) = u32_at(spa, 4 * (n + 1) + 26 * k).and_then(|spid| pibs.get(&spid)) {
            out.entry(*pib).or_insert_with(|| anchor.clone());
        }
    }
    out
}

/// The `pib` (1-based BStore index of the picture shown) of every shape of the main document's
/// drawing, by shape id. The drawings follow the drawing group in `info`, each a `dgglbl` byte
/// (0: main document) and an `OfficeArtDgContainer`.
fn shape_pibs(info: &[u8], ctx: &ReadContext) -> HashMap<u32, u32> {
    let mut out = HashMap::new();
    let Some((_, 0xF000, len)) = header(info, 0) else {
        return out;
    };
    let mut at = 8usize.saturating_add(len);
    let mut clock = Clock::new(ctx);
    while let (Some(&label), Some((_, kind, len))) = (info.get(at), header(info, at + 1)) {
        let body = info.get(at + 9..(at + 9).saturating_add(len).min(info.len()));
        if label == 0
            && kind == 0xF002
            && let Some(body) = body
        {
            shapes_in(body, 0, &mut clock, &mut out);
        }
        let Some(next) = at.checked_add(9 + len) else {
            break;
        };
        at = next;
    }
    out
}

/// Walks the containers of a drawing (`body`) for shape containers, bounded in depth and by the
/// clock, recording each shape's id and `pib`.
fn shapes_in(body: &[u8], depth: usize, clock: &mut Clock<'_>, out: &mut HashMap<u32, u32>) {
    if depth > 8 {
        return;
    }
    let mut at = 0usize;
    let (mut spid, mut pib) = (None, None);
    while let Some((instance, kind, len)) = header(body, at) {
        if clock.tick().is_err() {
            return;
        }
        let end = (at + 8).saturating_add(len).min(body.len());
        let Some(child) = body.get(at + 8..end) else {
            break;
        };
        match kind {
            // Group and shape containers.
            0xF003 | 0xF004 => shapes_in(child, depth + 1, clock, out),
            // OfficeArtFSP: the shape id first.
            0xF00A => spid = u32_at(child, 0),
            // Primary and tertiary property tables: 6-byte entries, pid 0x104 is `pib`.
            0xF00B | 0xF122 => {
                for i in 0..usize::from(instance) {
                    let Some(opid) = child.get(6 * i..6 * i + 2) else {
                        break;
                    };
                    if u16::from_le_bytes([opid[0], opid[1]]) & 0x3FFF == 0x0104 {
                        pib = u32_at(child, 6 * i + 2);
                    }
                }
            }
            _ => {}
        }
        let Some(next) = at.checked_add(8 + len) else {
            break;
        };
        at = next;
    }
    if let (Some(spid), Some(pib)) = (spid, pib) {
        out.insert(spid, pib);
    }
}

/// The blip of one BStore file block: embedded after its name, else at `foDelay` of `word`.
fn fbse_blip<'a>(body: &'a [u8], word: &'a [u8]) -> Option<(&'static str, &'a [u8])> {
    let size = usize::try_from(u32_at(body, 20)?).ok()?;
    let refs = u32_at(body, 24)?;
    let delay = usize::try_from(u32_at(body, 28)?).ok()?;
    let name = usize::from(*body.get(33)?);
    if refs == 0 {
        return None;
    }
    match body.get(36 + name..).filter(|rest| rest.len() >= 8) {
        Some(rest) => blip_in(rest, false),
        None if size >= 8 => blip_in(word.get(delay..delay.checked_add(size)?)?, false),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::test_support::ctx;

    /// An OfficeArt record.
    fn record(instance: u16, kind: u16, body: &[u8]) -> Vec<u8> {
        let mut out = (instance << 4).to_le_bytes().to_vec();
        out.extend(kind.to_le_bytes());
        out.extend(u32::try_from(body.len()).expect("small").to_le_bytes());
        out.extend(body);
        out
    }

    /// A PNG blip record (one UID, tag byte) holding `png`.
    fn png_blip(png: &[u8]) -> Vec<u8> {
        let mut body = vec![0u8; 17];
        body.extend(png);
        record(0x6E0, 0xF01E, &body)
    }

    /// A file block embedding `blip`.
    fn fbse(blip: &[u8], refs: u32) -> Vec<u8> {
        let mut body = vec![0u8; 36];
        body[20..24].copy_from_slice(&u32::try_from(blip.len()).expect("small").to_le_bytes());
        body[24..28].copy_from_slice(&refs.to_le_bytes());
        body.extend(blip);
        record(0x6, 0xF007, &body)
    }

    /// A `PICFAndOfficeArtData`: PICF, a shape container, a file block with the blip.
    fn picf(png: &[u8]) -> Vec<u8> {
        let mut art = record(0xF, 0xF004, &[0u8; 24]);
        art.extend(fbse(&png_blip(png), 1));
        let mut out = vec![0u8; PICF_SIZE];
        let lcb = u32::try_from(PICF_SIZE + art.len()).expect("small");
        out[..4].copy_from_slice(&lcb.to_le_bytes());
        out[4..6].copy_from_slice(&0x44u16.to_le_bytes());
        out[6..8].copy_from_slice(&0x64u16.to_le_bytes());
        out.extend(art);
        out
    }

    #[test]
    fn a_picf_gives_its_blip() {
        let mut data = vec![0xAAu8; 16];
        data.extend(picf(b"\x89PNG fake"));
        assert_eq!(picf_blip(&data, 16), Some(("png", &b"\x89PNG fake"[..])));
        // Not a PICF there, or one whose length runs past the stream.
        assert_eq!(picf_blip(&data, 0), None);
        let cut = &data[..data.len() - 3];
        assert_eq!(picf_blip(cut, 16), None);
        assert_eq!(picf_blip(&data, u32::MAX), None);
    }

    #[test]
    fn a_chpx_page_gives_the_picture_location() {
        // Word stream: page 1 is a CHPX page with one run [0x400, 0x402) whose CHPX sets
        // sprmCPicLocation = 0x10 and a second run flagged as OLE.
        let mut word = vec![0u8; 2 * PAGE];
        let page = &mut word[PAGE..];
        page[..4].copy_from_slice(&0x400u32.to_le_bytes());
        page[4..8].copy_from_slice(&0x402u32.to_le_bytes());
        page[8..12].copy_from_slice(&0x404u32.to_le_bytes());
        page[12] = 100; // CHPX of run 0 at byte 200
        page[13] = 110; // CHPX of run 1 at byte 220
        page[PAGE - 1] = 2;
        page[200] = 6;
        page[201..203].copy_from_slice(&SPRM_PIC_LOCATION.to_le_bytes());
        page[203..207].copy_from_slice(&0x10u32.to_le_bytes());
        page[220] = 9;
        page[221..223].copy_from_slice(&SPRM_PIC_LOCATION.to_le_bytes());
        page[223..227].copy_from_slice(&0x20u32.to_le_bytes());
        page[227..229].copy_from_slice(&SPRM_F_OLE2.to_le_bytes());
        page[229] = 1;
        // Bin table: fcs 0x400, 0x404, then page number 1.
        let mut table = 0x400u32.to_le_bytes().to_vec();
        table.extend(0x404u32.to_le_bytes());
        table.extend(1u32.to_le_bytes());
        let locations = picture_locations(&table, &word, Some((0, 12)), &ctx());
        assert_eq!(locations.at(0x400), Some(0x10));
        assert_eq!(locations.at(0x402), None, "an OLE object is not a picture");
        assert_eq!(locations.at(0x500), None);
        // A bin table pointing off the stream gives nothing.
        let mut far = table.clone();
        far[8..12].copy_from_slice(&9999u32.to_le_bytes());
        assert_eq!(
            picture_locations(&far, &word, Some((0, 12)), &ctx()).at(0x400),
            None
        );
    }

    #[test]
    fn the_bstore_gives_floating_blips_and_skips_unused_ones() {
        let store = [fbse(&png_blip(b"one"), 1), fbse(&png_blip(b"unused"), 0)].concat();
        let group = record(
            0xF,
            0xF000,
            &[record(0, 0xF006, &[0; 16]), record(2, 0xF001, &store)].concat(),
        );
        let mut word = vec![0u8; 0x9A + 8 * 51];
        word[0x9A + 8 * 50..0x9A + 8 * 50 + 4].copy_from_slice(&4u32.to_le_bytes());
        let lcb = u32::try_from(group.len()).expect("small");
        word[0x9A + 8 * 50 + 4..0x9A + 8 * 51].copy_from_slice(&lcb.to_le_bytes());
        let mut table = vec![0u8; 4];
        table.extend(&group);
        assert_eq!(
            bstore_blips(&word, &table, &ctx()),
            vec![(1, "png", &b"one"[..])]
        );
        // A drawing group cut short gives what fits, and never panics.
        for cut in 0..table.len() {
            let _ = bstore_blips(&word, &table[..cut], &ctx());
        }
    }

    /// Cut short or with any byte changed, a picture's records give a picture or none, never a
    /// panic or a read past the stream.
    #[test]
    fn damaged_records_never_panic() {
        let mut data = vec![0u8; 8];
        data.extend(picf(b"\x89PNG fake"));
        for cut in 0..data.len() {
            let _ = picf_blip(&data[..cut], 8);
        }
        for at in 8..data.len() {
            for value in [0x00, 0x07, 0x66, 0x80, 0xF0, 0xFF] {
                let mut bad = data.clone();
                bad[at] = value;
                let _ = picf_blip(&bad, 8);
                let _ = first_blip(&bad[8..]);
            }
        }
    }

    #[test]
    fn nested_file_blocks_are_refused_not_followed() {
        let mut nested = png_blip(b"deep");
        for _ in 0..1_000 {
            nested = fbse(&nested, 1);
        }
        assert_eq!(first_blip(&nested), None);
        assert_eq!(
            first_blip(&fbse(&png_blip(b"one"), 1)),
            Some(("png", &b"one"[..]))
        );
    }

    #[test]
    fn a_floating_picture_is_anchored_at_its_shapes_character() {
        // The main drawing: a group holding shape 1025, whose `pib` is BStore entry 1.
        let mut fsp = 1025u32.to_le_bytes().to_vec();
        fsp.extend([0; 4]);
        let mut fopt = (0x4104u16).to_le_bytes().to_vec();
        fopt.extend(1u32.to_le_bytes());
        let shape = record(
            0xF,
            0xF004,
            &[record(2, 0xF00A, &fsp), record(1, 0xF00B, &fopt)].concat(),
        );
        let drawing = record(0xF, 0xF002, &record(0xF, 0xF003, &shape));
        let mut info = record(0xF, 0xF000, &[]);
        info.push(0);
        info.extend(drawing);
        // PlcfSpaMom: CPs 5 and 6, one SPA for shape 1025.
        let mut spa = 5u32.to_le_bytes().to_vec();
        spa.extend(6u32.to_le_bytes());
        spa.extend(1025u32.to_le_bytes());
        spa.extend([0; 22]);
        let mut table = info.clone();
        let spa_at = u32::try_from(table.len()).expect("small");
        table.extend(&spa);
        let mut word = vec![0u8; 0x9A + 8 * 51];
        let put = |word: &mut Vec<u8>, entry: usize, fc: u32, lcb: usize| {
            let at = 0x9A + 8 * entry;
            word[at..at + 4].copy_from_slice(&fc.to_le_bytes());
            word[at + 4..at + 8].copy_from_slice(&u32::try_from(lcb).expect("small").to_le_bytes());
        };
        put(&mut word, 50, 0, info.len());
        put(&mut word, 40, spa_at, spa.len());
        let at = Anchor::Paragraph {
            part: Part::Body,
            paragraph: 3,
        };
        let anchors = floating_anchors(&word, &table, std::slice::from_ref(&at), &ctx());
        assert_eq!(anchors.get(&1), Some(&at));
        // No drawn-object character, no place.
        assert!(floating_anchors(&word, &table, &[], &ctx()).is_empty());
    }

    #[test]
    fn a_dib_gets_a_bmp_header() {
        let mut dib = vec![0u8; 40];
        dib[..4].copy_from_slice(&40u32.to_le_bytes());
        dib[14..16].copy_from_slice(&8u16.to_le_bytes());
        dib.extend(vec![0u8; 256 * 4 + 16]);
        let bmp = bmp_of_dib(&dib).expect("bmp");
        assert_eq!(&bmp[..2], b"BM");
        assert_eq!(u32_at(&bmp, 10), Some(14 + 40 + 1024));
    }
}
