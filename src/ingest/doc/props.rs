//! Paragraph and character properties, as far as the text needs them: which paragraphs sit in
//! tables (and end cells or rows), which are headings, and which characters Word does not show
//! (deleted revisions, hidden text).
//!
//! Word 97 keeps properties in 512-byte formatted disk pages (FKPs) in the `WordDocument`
//! stream, found through the bin tables `PlcfBtePapx`/`PlcfBteChpx` of the table stream
//! (MS-DOC §2.8.25). A page lists runs of *file* offsets, each with a property list of sprms;
//! a paragraph's run is the one holding the offset of its paragraph mark. Only the few sprms
//! the layout reads are decoded; every other sprm is skipped by the size its opcode declares.
//! Word 6/95 pages have another layout and one-byte sprms; they are not read (tables then fall
//! back to the heuristic of [`super::layout`]).

use super::fib::u32_at;
use crate::ingest::ReadContext;
use crate::ingest::clock::Clock;

/// A formatted disk page.
const PAGE: usize = 512;

/// The properties of one paragraph that the layout uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct ParaProps {
    /// Style index: 1–9 are the built-in headings 1–9 (MS-DOC §2.9.271: fixed istds).
    pub istd: u16,
    /// Direct outline level, 0-based, 9 = body text.
    pub outline: Option<u8>,
    pub in_table: bool,
    /// Ends a row of the outermost table (its mark is the row-end mark).
    pub row_end: bool,
    /// Table depth (`sprmPItap`); 0 means "1 if in a table".
    pub depth: u32,
    /// Ends a cell of a nested table (its mark is a paragraph mark).
    pub inner_cell_end: bool,
    /// Ends a row of a nested table.
    pub inner_row_end: bool,
}

impl ParaProps {
    /// The heading level (1–9) the paragraph's outline level or built-in style gives.
    pub(super) fn heading_level(&self) -> Option<u8> {
        match self.outline {
            Some(n) => (n < 9).then_some(n + 1),
            None => (1..=9)
                .contains(&self.istd)
                .then(|| u8::try_from(self.istd).unwrap_or(0)),
        }
    }

    /// The table depth of the paragraph: 0 outside tables.
    pub(super) fn table_depth(&self) -> u32 {
        if self.in_table || self.depth > 0 {
            self.depth.max(1)
        } else {
            0
        }
    }
}

/// Runs of file offsets `[start, end)`, sorted, each with a value.
#[derive(Debug, Clone, Default)]
pub(super) struct Runs<T> {
    runs: Vec<(u32, u32, T)>,
}

impl<T: Copy> Runs<T> {
    pub(super) fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The value of the run holding offset `fc`.
    pub(super) fn at(&self, fc: u64) -> Option<T> {
        let i = self
            .runs
            .partition_point(|(start, _, _)| u64::from(*start) <= fc);
        let (start, end, value) = *self.runs.get(i.checked_sub(1)?)?;
        (u64::from(start) <= fc && fc < u64::from(end)).then_some(value)
    }

    /// True when a run ends exactly at `fc` (a paragraph run ends just after its mark).
    pub(super) fn ends_at(&self, fc: u64) -> bool {
        let i = self
            .runs
            .partition_point(|(_, end, _)| u64::from(*end) < fc);
        self.runs
            .get(i)
            .is_some_and(|(_, end, _)| u64::from(*end) == fc)
    }

    fn finish(mut self) -> Runs<T> {
        self.runs.sort_by_key(|(start, _, _)| *start);
        self
    }
}

/// The sprms of a Word 97 property list: (opcode, operand).
pub(super) fn sprms(mut grpprl: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let op = u16::from_le_bytes([*grpprl.first()?, *grpprl.get(1)?]);
        let rest = grpprl.get(2..)?;
        let (skip, len) = match op >> 13 {
            0 | 1 => (0, 1),
            2 | 4 | 5 => (0, 2),
            3 => (0, 4),
            7 => (0, 3),
            // sprmTDefTable and its Word 6 form: a two-byte length.
            _ if op == 0xD608 || op == 0xD606 => {
                let cb = u16::from_le_bytes([*rest.first()?, *rest.get(1)?]);
                (2, usize::from(cb).saturating_sub(1))
            }
            _ => (1, usize::from(*rest.first()?)),
        };
        let operand = rest.get(skip..skip + len)?;
        grpprl = rest.get(skip + len..).unwrap_or_default();
        Some((op, operand))
    })
}

/// The FKP pages a bin table points to, with the page's bytes.
fn pages<'w>(table: &[u8], word: &'w [u8], bins: (u32, u32)) -> Vec<&'w [u8]> {
    let (fc, lcb) = bins;
    let Some(plc) = usize::try_from(fc)
        .ok()
        .zip(usize::try_from(lcb).ok())
        .and_then(|(fc, lcb)| table.get(fc..fc.checked_add(lcb)?))
    else {
        return Vec::new();
    };
    let n = plc.len().saturating_sub(4) / 8;
    // Each page once: a bin table naming one page 60,000 times would decode its runs as often
    // (`tests/hostile/doc.rs`); distinct pages are bounded by the stream's size.
    let mut numbers: Vec<u32> = (0..n)
        .filter_map(|i| u32_at(plc, 4 * (n + 1) + 4 * i))
        .map(|pn| pn & 0x003F_FFFF)
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers
        .into_iter()
        .filter_map(|pn| {
            let at = usize::try_from(pn).ok()?.checked_mul(PAGE)?;
            word.get(at..at.checked_add(PAGE)?)
        })
        .collect()
}

/// The runs of every FKP page the bin table `bins` points to: each run's file offsets and what
/// `decode` makes of the page at the run's entry offset (`None` when the entry lies off the
/// page). `entry_size` is the size of one entry after the run offsets: 13 for a PAPX page's
/// `BxPap`, 1 for a CHPX page's offset byte. A run `decode` gives `None` for is left out.
pub(super) fn fkp_runs<T: Copy + Default>(
    table: &[u8],
    word: &[u8],
    bins: Option<(u32, u32)>,
    ctx: &ReadContext,
    entry_size: usize,
    decode: impl Fn(&[u8], Option<usize>) -> Option<T>,
) -> Runs<T> {
    let mut out = Runs::default();
    let Some(bins) = bins else {
        return out;
    };
    let mut clock = Clock::new(ctx);
    for page in pages(table, word, bins) {
        let crun = usize::from(page[PAGE - 1]);
        for i in 0..crun {
            if clock.tick().is_err() {
                return out.finish();
            }
            let (Some(start), Some(end)) = (u32_at(page, 4 * i), u32_at(page, 4 * (i + 1))) else {
                break;
            };
            let entry = page
                .get(4 * (crun + 1) + entry_size * i)
                .map(|&b| 2 * usize::from(b));
            if start < end
                && let Some(value) = decode(page, entry)
            {
                out.runs.push((start, end, value));
            }
        }
    }
    out.finish()
}

/// Paragraph properties by the offset of their marks; empty when the file has none readable.
pub(super) fn paragraphs(
    table: &[u8],
    word: &[u8],
    bins: Option<(u32, u32)>,
    ctx: &ReadContext,
) -> Runs<ParaProps> {
    fkp_runs(table, word, bins, ctx, 13, |page, at| {
        Some(at.and_then(|at| papx(page, at)).unwrap_or_default())
    })
}

/// The properties of the `PapxInFkp` at `at` of a page (offset 0: none given).
fn papx(page: &[u8], at: usize) -> Option<ParaProps> {
    if at == 0 {
        return Some(ParaProps::default());
    }
    let cb = usize::from(*page.get(at)?);
    let (from, len) = if cb == 0 {
        (at + 2, 2 * usize::from(*page.get(at + 1)?))
    } else {
        (at + 1, (2 * cb).saturating_sub(1))
    };
    let data = page.get(from..from.checked_add(len)?.min(page.len()))?;
    let istd = u16::from_le_bytes([*data.first()?, *data.get(1)?]);
    let mut props = ParaProps {
        istd,
        ..ParaProps::default()
    };
    for (op, operand) in sprms(data.get(2..)?) {
        let flag = operand.first().is_some_and(|&b| b != 0);
        match op {
            0x2416 => props.in_table = flag,
            0x2417 => props.row_end = flag,
            0x244B => props.inner_cell_end = flag,
            0x244C => props.inner_row_end = flag,
            0x6649 => props.depth = u32_at(operand, 0).unwrap_or(0).min(64),
            0x2640 => props.outline = operand.first().copied(),
            0x4600 => {
                if let [a, b, ..] = operand {
                    props.istd = u16::from_le_bytes([*a, *b]);
                }
            }
            _ => {}
        }
    }
    Some(props)
}

/// `sprmCFRMarkDel`: the character is a deleted revision.
pub(super) const SPRM_DELETED: u16 = 0x0800;
/// `sprmCFVanish`: the character is hidden text.
pub(super) const SPRM_HIDDEN: u16 = 0x083C;

/// What a character's properties say about whether Word shows it, each property `None` when
/// the properties at hand do not set it (so a piece's modifier can be laid over the formatted
/// disk pages' value, as Word applies it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Shown {
    /// A deleted revision (`sprmCFRMarkDel`).
    pub deleted: Option<bool>,
    /// Hidden text (`sprmCFVanish`), which Word neither shows nor prints by default.
    pub hidden: Option<bool>,
}

impl Shown {
    /// The marks a list of sprms sets; a later sprm overrides an earlier one.
    pub(super) fn from_sprms<'a>(sprms: impl IntoIterator<Item = (u16, &'a [u8])>) -> Shown {
        let mut out = Shown::default();
        for (op, operand) in sprms {
            // Both are toggles: 1 = on, 0 = off, 0x81 = the opposite of the style's value and
            // 0x80 the style's own (styles are neither deleted nor hidden).
            let on = matches!(operand.first(), Some(1 | 0x81));
            match op {
                SPRM_DELETED => out.deleted = Some(on),
                SPRM_HIDDEN => out.hidden = Some(on),
                _ => {}
            }
        }
        out
    }

    /// These marks laid over `base`: what `self` sets wins.
    pub(super) fn over(self, base: Shown) -> Shown {
        Shown {
            deleted: self.deleted.or(base.deleted),
            hidden: self.hidden.or(base.hidden),
        }
    }

    /// True when Word does not show the character.
    pub(super) fn is_left_out(self) -> bool {
        self.deleted == Some(true) || self.hidden == Some(true)
    }

    fn is_set(self) -> bool {
        self.deleted.is_some() || self.hidden.is_some()
    }
}

/// File-offset runs of characters whose character properties (CHPX) mark them deleted
/// revisions or hidden text; runs that set neither are left out.
pub(super) fn deletions(
    table: &[u8],
    word: &[u8],
    bins: Option<(u32, u32)>,
    ctx: &ReadContext,
) -> Runs<Shown> {
    fkp_runs(table, word, bins, ctx, 1, |page, at| {
        let at = at.filter(|&at| at != 0)?;
        let cb = usize::from(*page.get(at)?);
        let grpprl = page.get(at + 1..(at + 1 + cb).min(page.len()))?;
        Some(Shown::from_sprms(sprms(grpprl))).filter(|s| s.is_set())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::test_support::ctx;

    /// A bin table of one page at page number 1, and a stream whose page 1 is `page`.
    fn with_page(page: [u8; PAGE]) -> (Vec<u8>, Vec<u8>) {
        let mut table = Vec::new();
        table.extend_from_slice(&0u32.to_le_bytes());
        table.extend_from_slice(&1000u32.to_le_bytes());
        table.extend_from_slice(&1u32.to_le_bytes());
        let mut word = vec![0u8; PAGE];
        word.extend_from_slice(&page);
        (table, word)
    }

    #[test]
    fn table_flags_depth_and_style_from_a_papx_page() {
        let mut page = [0u8; PAGE];
        page[PAGE - 1] = 2;
        for (i, fc) in [600u32, 610, 620].iter().enumerate() {
            page[4 * i..4 * i + 4].copy_from_slice(&fc.to_le_bytes());
        }
        // Run 0: no properties; run 1: papx at byte 100 (bx offset 50).
        page[12 + 13] = 50;
        let grpprl = [
            3u8, 0, // istd 3
            0x16, 0x24, 1, // sprmPFInTable
            0x17, 0x24, 1, // sprmPFTtp
            0x49, 0x66, 2, 0, 0, 0, // sprmPItap 2
            0x15, 0xC6, 2, 9, 9, // an unread variable-length sprm
            0x40, 0x26, 0, // sprmPOutLvl 0
        ];
        page[100] = 0;
        page[101] = (grpprl.len() / 2) as u8;
        page[102..102 + grpprl.len()].copy_from_slice(&grpprl);
        let (table, word) = with_page(page);
        let runs = paragraphs(&table, &word, Some((0, 12)), &ctx());
        assert_eq!(runs.at(605), Some(ParaProps::default()));
        let p = runs.at(619).expect("run 1");
        assert!(p.in_table && p.row_end);
        assert_eq!((p.istd, p.depth, p.table_depth()), (3, 2, 2));
        assert_eq!(p.heading_level(), Some(1));
        assert_eq!(runs.at(620), None);
        assert!(runs.ends_at(610) && runs.ends_at(620) && !runs.ends_at(615));
    }

    #[test]
    fn deleted_runs_from_a_chpx_page() {
        let mut page = [0u8; PAGE];
        page[PAGE - 1] = 2;
        for (i, fc) in [600u32, 610, 620].iter().enumerate() {
            page[4 * i..4 * i + 4].copy_from_slice(&fc.to_le_bytes());
        }
        page[12 + 1] = 100; // run 1's chpx at byte 200
        page[200] = 3;
        page[201..204].copy_from_slice(&[0x00, 0x08, 1]);
        let (table, word) = with_page(page);
        let runs = deletions(&table, &word, Some((0, 12)), &ctx());
        assert_eq!(runs.at(605), None);
        let marks = runs.at(615).expect("run 1");
        assert_eq!(marks.deleted, Some(true));
        assert!(marks.is_left_out());
    }

    #[test]
    fn hidden_and_deleted_marks_toggle_and_lay_over_each_other() {
        let hidden = Shown::from_sprms([(SPRM_HIDDEN, &[0x81u8][..])]);
        assert!(hidden.is_left_out());
        let shown = Shown::from_sprms([(SPRM_HIDDEN, &[1u8][..]), (SPRM_HIDDEN, &[0x80u8][..])]);
        assert_eq!(shown.hidden, Some(false));
        // A piece's modifier that says "not hidden" wins over hidden formatting below it.
        assert!(!shown.over(hidden).is_left_out());
        assert!(Shown::default().over(hidden).is_left_out());
        assert!(!Shown::from_sprms([(0x0835, &[1u8][..])]).is_set());
    }

    #[test]
    fn hostile_bin_tables_give_no_runs() {
        let runs = paragraphs(&[0xFF; 12], &[0u8; 100], Some((0, 12)), &ctx());
        assert!(runs.is_empty());
        let runs = paragraphs(&[], &[], Some((u32::MAX, u32::MAX)), &ctx());
        assert!(runs.is_empty());
    }
}
