//! Tests of the Word binary reader on whole files: small files built here byte by byte (a
//! Word 97 piece table, a Word 6 file in GBK, encrypted and Works files) and the committed
//! LibreOffice fixtures of `fixtures/formats/doc` (made by its `gen.py`).

use super::{handles, read};
use crate::ingest::test_support::{self, cell, compound, ctx, para};
use crate::ingest::{Extracted, ReadError};
use crate::model::{Location, Part};
use std::io::Cursor;

fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Where a hand-built Word 97 file keeps its text.
const TEXT_AT: u32 = 0x600;

/// A Word 97 file whose CPs are `main` then `headers` (UTF-16, one piece), with a `PlcfHdd`
/// of `header_cps` when given, and FIB flags `flags` (bit 9, the 1Table stream, is set).
fn word97(main: &str, headers: &str, header_cps: &[u32], flags: u16) -> Vec<u8> {
    let units: Vec<u16> = main.encode_utf16().chain(headers.encode_utf16()).collect();
    let mut word = vec![0u8; TEXT_AT as usize];
    put16(&mut word, 0, 0xA5EC);
    put16(&mut word, 2, 193);
    put16(&mut word, 6, 0x0804);
    put16(&mut word, 0x0A, flags | 1 << 9);
    put32(&mut word, 0x4C, main.encode_utf16().count() as u32);
    put32(&mut word, 0x54, headers.encode_utf16().count() as u32);
    for u in &units {
        word.extend(u.to_le_bytes());
    }
    // CLX: one Pcdt with one piece.
    let mut table = vec![2u8];
    let mut plc = Vec::new();
    plc.extend(0u32.to_le_bytes());
    plc.extend((units.len() as u32).to_le_bytes());
    plc.extend(0u16.to_le_bytes());
    plc.extend(TEXT_AT.to_le_bytes());
    plc.extend(0u16.to_le_bytes());
    table.extend((plc.len() as u32).to_le_bytes());
    table.extend(&plc);
    let clx_len = table.len() as u32;
    put32(&mut word, 0x1A2, 0);
    put32(&mut word, 0x1A6, clx_len);
    if !header_cps.is_empty() {
        let at = table.len() as u32;
        for cp in header_cps {
            table.extend(cp.to_le_bytes());
        }
        put32(&mut word, 0x9A + 8 * 11, at);
        put32(&mut word, 0x9A + 8 * 11 + 4, 4 * header_cps.len() as u32);
    }
    compound(&[("WordDocument", &word), ("1Table", &table)])
}

/// A Word 6 file (nFib 101) of language `lid` whose text is `bytes` from fcMin.
fn word6(bytes: &[u8], lid: u16) -> Vec<u8> {
    let mut word = vec![0u8; 0x200];
    put16(&mut word, 0, 0xA5DC);
    put16(&mut word, 2, 101);
    put16(&mut word, 6, lid);
    put32(&mut word, 0x18, 0x200);
    put32(&mut word, 0x1C, 0x200 + bytes.len() as u32);
    put32(&mut word, 0x34, bytes.len() as u32);
    word.extend_from_slice(bytes);
    compound(&[("WordDocument", &word)])
}

fn read_ok(bytes: &[u8]) -> Extracted {
    test_support::read_ok(read, bytes)
}

fn texts(x: &Extracted) -> Vec<&str> {
    test_support::texts(x)
}

#[test]
fn paragraphs_fields_and_special_characters() {
    let main = "售后服务管理制度\r\r详见\u{13} HYPERLINK \"https://x.cn\" \u{14}服务网点查询\u{15}页面，\u{1}图\u{b}第二行\r第\u{13} PAGE \u{14}1\u{15}页\u{1e}末\u{1f}尾\r";
    let x = read_ok(&word97(main, "", &[], 0));
    assert_eq!(
        texts(&x),
        [
            "售后服务管理制度",
            "详见服务网点查询页面，图\n第二行",
            "第1页-末尾"
        ]
    );
    assert_eq!(x.passages[0].location, para(Part::Body, 0));
    assert_eq!(x.passages[1].location, para(Part::Body, 2));
    assert!(
        x.notes.iter().any(|n| n.contains("picture")),
        "{:?}",
        x.notes
    );
}

#[test]
fn cell_marks_make_cells_without_paragraph_properties() {
    // No PAPX here: the heuristic (a mark right after a cell end ends the row).
    let main = "服务网点\r名称\u{7}电话\u{7}\u{7}北京服务中心\u{7}010-1\u{7}\u{7}正文\r";
    let x = read_ok(&word97(main, "", &[], 0));
    let got: Vec<(&str, &Location)> = test_support::located_texts(&x);
    assert_eq!(
        got,
        [
            ("服务网点", &para(Part::Body, 0)),
            ("名称", &cell(0, 0, 0, None)),
            ("电话", &cell(0, 0, 1, None)),
            ("北京服务中心", &cell(0, 1, 0, None)),
            ("010-1", &cell(0, 1, 1, None)),
            ("正文", &para(Part::Body, 1)),
        ]
    );
}

#[test]
fn headers_and_footers_from_the_header_stories() {
    let main = "正文\r";
    // Six empty separator stories, then even header (empty), odd header, even footer (empty),
    // odd footer.
    let headers = "鼎盛机电\r第1页\r\r";
    let cps = [0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 9, 9, 9];
    let x = read_ok(&word97(main, headers, &cps, 0));
    let got: Vec<(&str, &Location)> = test_support::located_texts(&x);
    assert_eq!(
        got,
        [
            ("正文", &para(Part::Body, 0)),
            ("鼎盛机电", &para(Part::Header, 0)),
            ("第1页", &para(Part::Footer, 0)),
        ]
    );
}

#[test]
fn encrypted_files_say_how() {
    let rc4 = word97("x\r", "", &[], 1 << 8);
    match read(&rc4, &ctx()) {
        Err(ReadError::Encrypted(m)) => assert!(m.contains("RC4"), "{m}"),
        other => panic!("expected encrypted, got {other:?}"),
    }
    let xor = word97("x\r", "", &[], 1 << 8 | 1 << 15);
    match read(&xor, &ctx()) {
        Err(ReadError::Encrypted(m)) => assert!(m.contains("XOR"), "{m}"),
        other => panic!("expected encrypted, got {other:?}"),
    }
}

#[test]
fn word6_chinese_text_is_decoded_as_gbk_not_cp1252() {
    let (gbk, _, _) = encoding_rs::GBK.encode("售后服务承诺\r服务网点：北京\r");
    let x = read_ok(&word6(&gbk, 0x0804));
    assert_eq!(texts(&x), ["售后服务承诺", "服务网点：北京"]);
    assert!(x.notes.iter().any(|n| n.contains("GBK")), "{:?}", x.notes);
    let x = read_ok(&word6(b"Caf\xe9 ouvert\r", 0x040C));
    assert_eq!(texts(&x), ["Café ouvert"]);
}

#[test]
fn works_word2_and_other_compound_files() {
    let works = compound(&[("CONTENTS", b"CHNKWKS "), ("SPELLING", b"")]);
    assert!(handles(&works));
    match read(&works, &ctx()) {
        Err(ReadError::Unsupported(m)) => assert!(m.contains("Microsoft Works"), "{m}"),
        other => panic!("expected unsupported, got {other:?}"),
    }
    let mut word2 = vec![0xDB, 0xA5, 0x2D, 0x00];
    word2.extend([0u8; 300]);
    assert!(handles(&word2));
    assert!(matches!(
        read(&word2, &ctx()),
        Err(ReadError::Unsupported(_))
    ));
    let ppt = compound(&[("PowerPoint Document", b"")]);
    assert!(!handles(&ppt));
    let doc = crate::ingest::read_isolated("a.ppt", &ppt, &ctx());
    assert_eq!(doc.status, crate::model::FileStatus::Unsupported);
}

#[test]
fn a_damaged_fib_or_piece_table_is_corrupt_never_a_panic() {
    let good = word97("售后服务\r", "", &[], 0);
    assert!(matches!(
        read(&compound(&[("WordDocument", b"\xEC\xA5")]), &ctx()),
        Err(ReadError::Corrupt(_))
    ));
    // Flip every byte of the FIB and CLX region in turn: any result but a panic.
    let mut cf = cfb::CompoundFile::open(Cursor::new(good.clone())).expect("open");
    let mut word = Vec::new();
    std::io::Read::read_to_end(&mut cf.open_stream("/WordDocument").expect("s"), &mut word)
        .expect("read");
    let mut table = Vec::new();
    std::io::Read::read_to_end(&mut cf.open_stream("/1Table").expect("s"), &mut table)
        .expect("read");
    for at in 0..0x1B0 {
        let mut w = word.clone();
        w[at] ^= 0xFF;
        let _ = read(
            &compound(&[("WordDocument", &w), ("1Table", &table)]),
            &ctx(),
        );
    }
    for at in 0..table.len() {
        let mut t = table.clone();
        t[at] ^= 0xFF;
        let _ = read(
            &compound(&[("WordDocument", &word), ("1Table", &t)]),
            &ctx(),
        );
    }
}

/// Reads a committed fixture of `fixtures/formats/doc`.
fn fixture(name: &str) -> Extracted {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/formats/doc")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(handles(&bytes), "{name} is a Word binary file");
    read_ok(&bytes)
}

fn find<'x>(x: &'x Extracted, needle: &str) -> &'x crate::model::Passage {
    x.passages
        .iter()
        .find(|p| p.text.contains(needle))
        .unwrap_or_else(|| panic!("no passage with {needle}: {:#?}", texts(x)))
}

#[test]
fn libreoffice_policy_headings_table_header_footer_footnote_and_fields() {
    let x = fixture("policy.doc");
    let title = find(&x, "售后服务管理制度");
    assert_eq!(title.location, para(Part::Body, 0));
    assert_eq!(title.heading_level, Some(1));
    let visit = find(&x, "回访率不低于90%");
    assert_eq!(visit.headings, ["售后服务管理制度", "二、顾客回访"]);
    assert_eq!(find(&x, "天津滨海服务站").location, cell(0, 2, 0, None));
    assert_eq!(find(&x, "021-5830 1175").location, cell(0, 3, 2, None));
    assert_eq!(find(&x, "网点名称").location, cell(0, 0, 0, None));
    let link = find(&x, "服务网点查询页面");
    assert!(!link.text.contains("HYPERLINK"), "{}", link.text);
    let header = find(&x, "鼎盛机电（北京）科技有限公司　售后服务管理制度");
    assert!(matches!(
        header.location,
        Location::Paragraph {
            part: Part::Header,
            ..
        }
    ));
    let footers: Vec<&str> = x
        .passages
        .iter()
        .filter(|p| {
            matches!(
                p.location,
                Location::Paragraph {
                    part: Part::Footer,
                    ..
                }
            )
        })
        .map(|p| p.text.as_str())
        .collect();
    // The PAGE field's result (the page number when last laid out) is kept, its code dropped.
    assert_eq!(footers, ["第1页"]);
    let note = find(&x, "本制度自2026年1月1日起施行");
    assert!(matches!(
        note.location,
        Location::Paragraph {
            part: Part::Footnote,
            ..
        }
    ));
}

#[test]
fn libreoffice_commitment_nested_table_and_deleted_revision() {
    let x = fixture("commitment.doc");
    let two = find(&x, "城区2小时内响应。");
    assert_eq!(two.text, "城区2小时内响应。\n郊县24小时内上门。");
    assert_eq!(two.location, cell(0, 1, 1, None));
    assert_eq!(find(&x, "压缩机").location, cell(0, 1, 0, Some("t0r2c1")));
    assert_eq!(find(&x, "见附表").location, cell(0, 2, 2, None));
    assert_eq!(find(&x, "满意率达到98.5%").location, cell(0, 3, 1, None));
    assert!(
        x.passages
            .iter()
            .all(|p| !p.text.contains("已撤回的旧承诺")),
        "deleted revision read: {:#?}",
        texts(&x)
    );
    let wps = fixture("commitment.wps");
    assert_eq!(wps.passages, x.passages);
}

/// Prints what the reader makes of a file: `DOC_DUMP=path cargo test --lib dump_a_file -- --nocapture`.
#[test]
fn dump_a_file() {
    let Some(path) = std::env::var_os("DOC_DUMP") else {
        return;
    };
    let bytes = std::fs::read(&path).expect("read");
    match read(&bytes, &ctx()) {
        Ok(x) => {
            for p in &x.passages {
                println!("{:?} {:?} {:?}", p.location, p.heading_level, p.text);
            }
            println!("notes: {:?}", x.notes);
        }
        Err(e) => println!("error: {e:?}"),
    }
}
