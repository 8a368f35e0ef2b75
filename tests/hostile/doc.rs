//! Hostile Word 97–2003 binary files (`.doc`, `.wps`), built here field by field on a small
//! valid file: a FIB cut short, a zero-length `WordDocument` stream, a piece table outside its
//! stream, counts of four billion, text ranges past the stream, pieces, formatted disk pages
//! and header stories that all point at the same bytes (a few hundred KB that ask for
//! gigabytes), a FAT whose chain points at itself, the encryption flag, and a Microsoft Works
//! `.wps`. Each class has its status; none may panic, hang or take memory beyond its size.

use super::Planted;
use std::io::{Cursor, Write};

/// Where the small file keeps its text, after the FIB.
const TEXT_AT: usize = 0x600;
/// 1Table: the CLX sits at its start.
const CLX_AT: usize = 0;

/// FIB offsets (MS-DOC §2.5): `fibRgFcLcb97` starts at 0x9A, entry n at 0x9A + 8n.
const FLAGS: usize = 0x0A;
const CCP_TEXT: usize = 0x4C;
const FC_PLCF_HDD: usize = 0x9A + 8 * 11;
const FC_PLCF_BTE_CHPX: usize = 0x9A + 8 * 12;
const FC_PLCF_BTE_PAPX: usize = 0x9A + 8 * 13;
const FC_CLX: usize = 0x9A + 8 * 33;

/// The two streams of a Word 97 file.
#[derive(Clone)]
pub struct Word97 {
    pub word: Vec<u8>,
    pub table: Vec<u8>,
}

fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// A CLX of one `Pcdt` whose pieces are `(cp_start, cp_end, fc)` (UTF-16, no property
/// modifier), contiguous in CP.
fn clx(pieces: &[(u32, u32, u32)]) -> Vec<u8> {
    let mut plc = Vec::new();
    for (start, _, _) in pieces {
        plc.extend(start.to_le_bytes());
    }
    plc.extend(pieces.last().map_or(0, |p| p.1).to_le_bytes());
    for (_, _, fc) in pieces {
        plc.extend(0u16.to_le_bytes());
        plc.extend(fc.to_le_bytes());
        plc.extend(0u16.to_le_bytes());
    }
    let mut out = vec![2u8];
    out.extend((plc.len() as u32).to_le_bytes());
    out.extend(plc);
    out
}

impl Word97 {
    /// A Word 97 file (nFib 193, Chinese) whose body is `text`, UTF-16 in one piece.
    pub fn new(text: &str) -> Word97 {
        let units: Vec<u16> = text.encode_utf16().collect();
        let mut word = vec![0u8; TEXT_AT];
        put16(&mut word, 0, 0xA5EC);
        put16(&mut word, 2, 193);
        put16(&mut word, 6, 0x0804);
        put16(&mut word, FLAGS, 1 << 9); // fWhichTblStm: 1Table
        put32(&mut word, CCP_TEXT, units.len() as u32);
        for u in &units {
            word.extend(u.to_le_bytes());
        }
        let mut doc = Word97 {
            word,
            table: Vec::new(),
        };
        doc.set_pieces(&[(0, units.len() as u32, TEXT_AT as u32)]);
        doc
    }

    /// Replaces the piece table.
    pub fn set_pieces(&mut self, pieces: &[(u32, u32, u32)]) {
        let clx = clx(pieces);
        let end = self.clx_len();
        self.table.splice(CLX_AT..end, clx.iter().copied());
        self.set_fc_lcb(FC_CLX, CLX_AT as u32, clx.len() as u32);
    }

    fn clx_len(&self) -> usize {
        let lcb = u32::from_le_bytes(
            self.word[FC_CLX + 4..FC_CLX + 8]
                .try_into()
                .expect("4 bytes"),
        );
        (lcb as usize).min(self.table.len())
    }

    fn set_fc_lcb(&mut self, at: usize, fc: u32, lcb: u32) {
        put32(&mut self.word, at, fc);
        put32(&mut self.word, at + 4, lcb);
    }

    /// Appends `data` to the table stream and points the FIB pair at `at` to it.
    fn table_part(&mut self, at: usize, data: &[u8]) {
        let fc = self.table.len() as u32;
        self.table.extend_from_slice(data);
        self.set_fc_lcb(at, fc, data.len() as u32);
    }

    /// The compound file holding both streams.
    pub fn bytes(&self) -> Vec<u8> {
        compound(&[("WordDocument", &self.word), ("1Table", &self.table)])
    }
}

/// A compound file (version 3, 512-byte sectors) of the given root streams.
pub fn compound(streams: &[(&str, &[u8])]) -> Vec<u8> {
    let mut file =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))
            .expect("cfb");
    for (name, data) in streams {
        let mut stream = file.create_stream(format!("/{name}")).expect("stream");
        stream.write_all(data).expect("write");
    }
    file.flush().expect("flush");
    file.into_inner().into_inner()
}

/// The small ordinary .doc every class starts from.
pub fn doc_small() -> Word97 {
    Word97::new("售后服务承诺书\r接到投诉后24小时内答复。\r")
}

/// A FIB cut after its first 64 bytes: the magic number and version are there, the
/// subdocument lengths are not.
pub fn truncated_fib() -> Vec<u8> {
    let mut doc = doc_small();
    doc.word.truncate(64);
    doc.bytes()
}

/// `fcClx` two gigabytes into a table stream of a few bytes.
pub fn clx_out_of_range() -> Vec<u8> {
    let mut doc = doc_small();
    let lcb = doc.clx_len() as u32;
    doc.set_fc_lcb(FC_CLX, 0x7FFF_0000, lcb);
    doc.bytes()
}

/// Counts of four billion everywhere a count is read: every subdocument length, the bin
/// tables' and header stories' byte lengths, the piece table's `lcb`.
pub fn huge_counts() -> Vec<u8> {
    let mut doc = doc_small();
    for i in 0..8 {
        put32(&mut doc.word, CCP_TEXT + 4 * i, 0xFFFF_FFFF);
    }
    for at in [FC_PLCF_HDD, FC_PLCF_BTE_CHPX, FC_PLCF_BTE_PAPX] {
        doc.set_fc_lcb(at, 0, 0xFFFF_FFFF);
    }
    put32(&mut doc.table, CLX_AT + 1, 0xFFFF_FFF0);
    doc.bytes()
}

/// A second piece of two million characters stored a megabyte past the end of the stream.
pub fn text_past_the_stream() -> Vec<u8> {
    let mut doc = doc_small();
    let n = doc.word.len().saturating_sub(TEXT_AT) as u32 / 2;
    doc.set_pieces(&[(0, n, TEXT_AT as u32), (n, n + 2_000_000, 0x10_0000)]);
    put32(&mut doc.word, CCP_TEXT, n + 2_000_000);
    doc.bytes()
}

/// 20,000 pieces that all read the same 2,000 characters: 40 million characters of text from
/// 240 KB of piece table (a legitimate file's pieces never share bytes).
pub fn pieces_sharing_bytes() -> Vec<u8> {
    const LEN: u32 = 2_000;
    const PIECES: u32 = 20_000;
    let mut doc = Word97::new(&"售后服务网点".repeat(LEN as usize / 6 + 1)[..]);
    doc.word.truncate(TEXT_AT + 2 * LEN as usize);
    let pieces: Vec<(u32, u32, u32)> = (0..PIECES)
        .map(|i| (i * LEN, (i + 1) * LEN, TEXT_AT as u32))
        .collect();
    doc.set_pieces(&pieces);
    put32(&mut doc.word, CCP_TEXT, PIECES * LEN);
    doc.bytes()
}

/// Paragraph and character bin tables of 60,000 entries that all name the same formatted disk
/// page, whose 100 runs would be decoded 60,000 times each (12 million runs, several hundred
/// megabytes).
pub fn repeated_fkp_pages() -> Vec<u8> {
    const RUNS: u32 = 100;
    let mut doc = doc_small();
    // The FKP at page 4 (bytes 2048..2560 of the stream), 100 runs over the text's offsets.
    doc.word.resize(5 * 512, 0);
    let page = 4 * 512;
    for i in 0..=RUNS {
        put32(&mut doc.word, page + 4 * i as usize, TEXT_AT as u32 + 2 * i);
    }
    doc.word[page + 511] = RUNS as u8;
    const ENTRIES: usize = 60_000;
    let mut bins = Vec::with_capacity(8 * ENTRIES + 4);
    for i in 0..=ENTRIES as u32 {
        bins.extend((TEXT_AT as u32 + i).to_le_bytes());
    }
    for _ in 0..ENTRIES {
        bins.extend(4u32.to_le_bytes());
    }
    doc.table_part(FC_PLCF_BTE_PAPX, &bins);
    // The character bin table is the same bytes.
    let (fc, lcb) = (
        u32::from_le_bytes(
            doc.word[FC_PLCF_BTE_PAPX..FC_PLCF_BTE_PAPX + 4]
                .try_into()
                .expect("4"),
        ),
        bins.len() as u32,
    );
    doc.set_fc_lcb(FC_PLCF_BTE_CHPX, fc, lcb);
    doc.bytes()
}

/// A header subdocument of 1,000 characters and a `PlcfHdd` of 50,000 CPs alternating 0 and
/// 1,000: every other story is the whole subdocument again (25 million characters).
pub fn header_stories_repeated() -> Vec<u8> {
    const HEADER: usize = 1_000;
    let body = "正文\r";
    let header = format!("{}\r", "页眉".repeat((HEADER - 1) / 2));
    let mut doc = Word97::new(&format!("{body}{header}"));
    let body_len = body.encode_utf16().count() as u32;
    let header_len = header.encode_utf16().count() as u32;
    put32(&mut doc.word, CCP_TEXT, body_len);
    put32(&mut doc.word, CCP_TEXT + 8, header_len);
    let mut plc = Vec::new();
    for i in 0..50_000u32 {
        plc.extend(if i % 2 == 0 { 0 } else { header_len }.to_le_bytes());
    }
    doc.table_part(FC_PLCF_HDD, &plc);
    doc.bytes()
}

/// The FIB's `fEncrypted` flag (RC4).
pub fn encrypted() -> Vec<u8> {
    let mut doc = doc_small();
    let flags = u16::from_le_bytes([doc.word[FLAGS], doc.word[FLAGS + 1]]);
    put16(&mut doc.word, FLAGS, flags | 1 << 8);
    doc.bytes()
}

/// A Microsoft Works word-processor file: a compound file of `CONTENTS`, `SPELLING` and the
/// like, with no `WordDocument` stream.
pub fn works_wps() -> Vec<u8> {
    compound(&[
        ("CONTENTS", b"CHNKWKS \x00\x00\x00\x00"),
        ("SPELLING", b""),
        ("MatOST", b""),
    ])
}

/// The `WordDocument` stream (made longer than the mini-stream cutoff, so its sectors are in
/// the FAT) whose first sector's FAT entry points at itself.
pub fn self_referencing_fat() -> Vec<u8> {
    let mut doc = doc_small();
    doc.word.resize(8192, 0);
    let mut bytes = doc.bytes();
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4"));
    let sector = |n: u32| 512 * (n as usize + 1);
    let fat = sector(u32_at(&bytes, 0x4C));
    let mut dir = sector(u32_at(&bytes, 0x30));
    let start = loop {
        let name: Vec<u16> = bytes[dir..dir + 24]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        if String::from_utf16_lossy(&name).starts_with("WordDocument") {
            break u32_at(&bytes, dir + 0x74);
        }
        dir += 128;
    };
    put32(&mut bytes, fat + 4 * start as usize, start);
    bytes
}

/// What each hostile .doc must get, and its file name.
pub fn cases() -> Vec<(&'static str, Vec<u8>, &'static str, &'static [&'static str])> {
    const OK: &[&str] = &["ok"];
    const CORRUPT: &[&str] = &["corrupt"];
    const LIMIT: &[&str] = &["limit_exceeded"];
    const ENCRYPTED: &[&str] = &["encrypted"];
    const UNSUPPORTED: &[&str] = &["unsupported"];
    vec![
        (
            "doc-截断FIB.doc",
            truncated_fib(),
            "DOC FIB cut after 64 bytes",
            CORRUPT,
        ),
        (
            "doc-空WordDocument.doc",
            Word97 {
                word: Vec::new(),
                table: doc_small().table,
            }
            .bytes(),
            "DOC zero-length WordDocument stream",
            CORRUPT,
        ),
        (
            "doc-CLX越界.doc",
            clx_out_of_range(),
            "DOC piece table (CLX) out of its stream",
            CORRUPT,
        ),
        (
            "doc-巨大计数.doc",
            huge_counts(),
            "DOC lengths and counts of 4e9",
            OK,
        ),
        (
            "doc-文字超出流.doc",
            text_past_the_stream(),
            "DOC text range past the stream",
            OK,
        ),
        (
            "doc-片段重复引用.doc",
            pieces_sharing_bytes(),
            "DOC 20,000 pieces sharing 2,000 characters",
            LIMIT,
        ),
        (
            "doc-FKP页重复.doc",
            repeated_fkp_pages(),
            "DOC bin tables naming one FKP page 60,000 times",
            OK,
        ),
        (
            "doc-页眉重复.doc",
            header_stories_repeated(),
            "DOC PlcfHdd repeating the header subdocument",
            OK,
        ),
        (
            "doc-自引用FAT.doc",
            self_referencing_fat(),
            "DOC FAT entry pointing at itself",
            CORRUPT,
        ),
        ("doc-加密.doc", encrypted(), "DOC fEncrypted", ENCRYPTED),
        (
            "works-文字处理.wps",
            works_wps(),
            "Microsoft Works .wps",
            UNSUPPORTED,
        ),
    ]
}

/// Adds the .doc classes to `planted`.
pub fn plant(dir: &std::path::Path, planted: &mut Vec<Planted>) {
    for (name, bytes, class, expect) in cases() {
        super::put(dir, planted, name, &bytes, class, expect);
    }
}

/// Each class read in-process, as the worker would: its status, a message, and quickly (the
/// inbox test runs them again through `certsift run` with its workers' memory cap).
#[test]
fn each_hostile_doc_gets_its_status_quickly() {
    use certsift::ingest::{Limits, ReadContext, read_isolated};
    use std::time::{Duration, Instant};
    for (name, bytes, class, expect) in cases() {
        assert!(bytes.len() < 1024 * 1024, "{name}: {} bytes", bytes.len());
        let started = Instant::now();
        let doc = read_isolated(name, &bytes, &ReadContext::new(Limits::default()));
        let took = started.elapsed();
        println!(
            "{name:<24} {:<15} {took:>8.2?} {} passages  {}",
            doc.status.as_str(),
            doc.passages.len(),
            doc.error.as_deref().unwrap_or_default()
        );
        assert!(
            expect.contains(&doc.status.as_str()),
            "{name} ({class}): {} ({:?}), expected {expect:?}",
            doc.status,
            doc.error
        );
        assert!(
            doc.status.as_str() == "ok" || doc.error.is_some(),
            "{name}: no message"
        );
        assert!(
            !doc.error
                .as_deref()
                .is_some_and(|e| e.contains("reader failed")),
            "{name} panicked: {:?}",
            doc.error
        );
        assert!(took < Duration::from_secs(5), "{name}: {took:?}");
    }
}
