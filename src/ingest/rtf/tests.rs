//! The RTF reader on documents written here; LibreOffice's and a WPS-style file are read in
//! `tests/formats.rs`.

use super::read;
use crate::ingest::test_support::{cell, ctx, located_texts, para, read_ok, texts};
use crate::ingest::{Limits, ReadContext, ReadError};
use crate::model::Part;
use std::time::Duration;

/// `s` as `\uN?` escapes (LibreOffice's way).
fn u(s: &str) -> String {
    s.encode_utf16()
        .map(|unit| format!("\\u{}?", unit as i16))
        .collect()
}

fn gbk(s: &str) -> String {
    let (bytes, _, _) = encoding_rs::GB18030.encode(s);
    bytes.iter().map(|b| format!("\\'{b:02x}")).collect()
}

#[test]
fn two_gbk_escapes_make_one_character_under_ansicpg936() {
    let rtf = format!(
        "{{\\rtf1\\ansi\\ansicpg936{{\\fonttbl{{\\f0\\fnil\\fcharset0 Arial;}}}}\\f0 {}\\par}}",
        gbk("售后服务")
    );
    assert_eq!(texts(&read_ok(read, rtf.as_bytes())), vec!["售后服务"]);
}

#[test]
fn a_fcharset134_font_means_gbk_whatever_the_document_code_page() {
    let rtf = format!(
        "{{\\rtf1\\ansi\\ansicpg1252{{\\fonttbl{{\\f0 Arial;}}{{\\f1\\fcharset134 {};}}}}\\f0 A{{\\f1 {}}}B\\par}}",
        gbk("宋体"),
        gbk("投诉")
    );
    assert_eq!(texts(&read_ok(read, rtf.as_bytes())), vec!["A投诉B"]);
    // Word's associated fonts: the Chinese bytes sit under `\dbch` with a charset-134 `\af`.
    let rtf = format!(
        "{{\\rtf1\\ansi\\ansicpg1252{{\\fonttbl{{\\f0 Arial;}}{{\\f13\\fcharset134 SimSun;}}}}\\f0\\loch\\af0\\hich\\af0\\dbch\\af13 {}\\par}}",
        gbk("配件")
    );
    assert_eq!(texts(&read_ok(read, rtf.as_bytes())), vec!["配件"]);
}

#[test]
fn unicode_escapes_skip_their_fallbacks_by_uc() {
    let rtf = "{\\rtf1\\ansi\\u21806\\'3f\\u21518?{\\uc2\\u26381\\'b7\\'fe\\u21153\\'ce\\'f1}\\u-10179?\\u-8576?\\par}";
    assert_eq!(texts(&read_ok(read, rtf.as_bytes())), vec!["售后服务🚀"]);
}

#[test]
fn destinations_that_are_not_text_are_skipped_and_fields_keep_their_result() {
    let rtf = format!(
        "{{\\rtf1\\ansi\\ansicpg936{{\\fonttbl{{\\f0\\fcharset134 {};}}}}{{\\colortbl;\\red0;}}{{\\stylesheet{{\\s1 heading 1;}}}}{{\\info{{\\title {}}}}}{{\\*\\generator X;}}{{\\*\\unknown 乱}}{{\\pict\\pngblip 89504e47}}\
{{\\field{{\\*\\fldinst HYPERLINK \"http://x\"}}{{\\fldrslt {}}}}}{{\\upr{{\\keywords ansi}}{{\\*\\ud{{\\keywords {}}}}}}}\\par}}",
        gbk("宋体"),
        gbk("标题"),
        gbk("售后网站"),
        gbk("投诉")
    );
    assert_eq!(texts(&read_ok(read, rtf.as_bytes())), vec!["售后网站投诉"]);
}

#[test]
fn paragraphs_tables_headers_and_special_characters_are_located() {
    let rtf = format!(
        "{{\\rtf1\\ansi{{\\header \\pard {}\\par}}\\pard {}\\par\\par {}\\line {}\\tab x\\~y\\par\
\\trowd\\cellx1000\\cellx2000\\pard\\intbl {}\\cell {}\\cell\\row\
\\trowd\\cellx1000\\cellx2000\\pard\\intbl {}\\par {}\\cell\\cell\\row\
\\pard {}\\par\\trowd\\cellx1000\\pard\\intbl {}\\cell\\row}}",
        u("页眉"),
        u("第一段"),
        u("第三段"),
        u("换行"),
        u("名称"),
        u("电话"),
        u("网点"),
        u("一"),
        u("表后"),
        u("二表")
    );
    let x = read_ok(read, rtf.as_bytes());
    assert_eq!(
        located_texts(&x),
        vec![
            ("第一段", &para(Part::Body, 0)),
            ("第三段\n换行\tx\u{a0}y", &para(Part::Body, 2)),
            ("名称", &cell(0, 0, 0, None)),
            ("电话", &cell(0, 0, 1, None)),
            ("网点\n一", &cell(0, 1, 0, None)),
            ("表后", &para(Part::Body, 3)),
            ("二表", &cell(1, 0, 0, None)),
            ("页眉", &para(Part::Header, 0)),
        ]
    );
}

#[test]
fn text_without_a_final_par_is_kept() {
    assert_eq!(
        texts(&read_ok(read, b"{\\rtf1 \xe5\x94\xae last")),
        vec!["å”® last"]
    );
}

#[test]
fn hostile_rtf_is_bounded() {
    assert!(matches!(
        read(b"not rtf", &ctx()),
        Err(ReadError::Corrupt(_))
    ));
    let deep = format!("{{\\rtf1 a{}", "{".repeat(100_000));
    let x = read_ok(read, deep.as_bytes());
    assert!(x.truncated.as_deref().is_some_and(|t| t.contains("deeper")));
    let many = format!("{{\\rtf1 {}}}", "x\\par ".repeat(50));
    let few = ReadContext::new(Limits {
        max_passages: 10,
        ..Limits::default()
    });
    let x = read(many.as_bytes(), &few).expect("read");
    assert_eq!(x.passages.len(), 10);
    assert!(x.truncated.is_some());
    let no_time = ReadContext::new(Limits {
        max_file_time: Duration::ZERO,
        ..Limits::default()
    });
    std::thread::sleep(Duration::from_millis(2));
    let long = format!("{{\\rtf1 {}}}", "\\b x".repeat(10_000));
    // The text read before the clock ran out is kept, and the file marked cut short.
    let x = read(long.as_bytes(), &no_time).expect("read");
    assert!(x.truncated.is_some());
    let long = format!("{{\\rtf1 {}}}", "{\\*\\x}".repeat(10_000));
    assert!(matches!(
        read(long.as_bytes(), &no_time),
        Err(ReadError::LimitExceeded(_))
    ));
    for junk in [
        &b"{\\rtf1 \\u-99999999999\\uc-5\\u70000 \\bin-3 x\\'\\"[..],
        b"{\\rtf1}}}}}{{{\\",
        b"{\\rtf1\\ansicpg99999 \\'ff\\'fe\\par}",
    ] {
        let _ = read(junk, &ctx());
    }
}

#[test]
fn list_numbers_are_kept_as_shown() {
    let rtf = format!(
        "{{\\rtf1\\ansi{{\\*\\listtable{{\\list{{\\listlevel{{\\leveltext {}}}}}}}}}\\pard{{\\listtext {}\\tab}}{}\\par}}",
        u("第%1条"),
        u("第一条"),
        u("投诉处理")
    );
    assert_eq!(
        texts(&read_ok(read, rtf.as_bytes())),
        vec!["第一条\t投诉处理"]
    );
}

#[test]
fn a_footnote_is_its_own_part_and_the_sentence_around_it_stays_whole() {
    let rtf = format!(
        "{{\\rtf1\\ansi\\pard {}{{\\super\\chftn}}{{\\footnote\\pard\\plain {{\\super\\chftn}} {}\\par {}}}{}\\par\
\\pard {}{{\\footnote\\ftnalt\\pard {}}}\\par}}",
        u("接到投诉后24小时内"),
        u("本制度自2026年1月1日起施行。"),
        u("第二段注释"),
        u("答复顾客。"),
        u("第二段"),
        u("尾注文字")
    );
    let x = read_ok(read, rtf.as_bytes());
    assert_eq!(
        located_texts(&x),
        vec![
            ("接到投诉后24小时内答复顾客。", &para(Part::Body, 0)),
            ("第二段", &para(Part::Body, 1)),
            ("本制度自2026年1月1日起施行。", &para(Part::Footnote, 0)),
            ("第二段注释", &para(Part::Footnote, 1)),
            ("尾注文字", &para(Part::Endnote, 0)),
        ]
    );
}

#[test]
fn nested_tables_are_cells_with_their_outer_path() {
    // Word's and LibreOffice's way: the inner cells at `\itap2` end with `\nestcell`, the
    // inner row's properties and `\nestrow` in `\*\nesttableprops`, the copy for old readers
    // in `\nonesttables`; the outer cell ends with `\cell`.
    let inner_row = |a: &str, b: &str| {
        format!(
            "\\pard\\intbl\\itap2 {}\\nestcell {}\\nestcell{{\\*\\nesttableprops\\trowd\\cellx500\\cellx1000\\nestrow}}{{\\nonesttables\\par}}",
            u(a),
            u(b)
        )
    };
    let rtf = format!(
        "{{\\rtf1\\ansi\\trowd\\cellx1000\\cellx2000\\pard\\intbl {}\\cell {}\\cell\\row\
\\trowd\\cellx1000\\cellx2000\\pard\\intbl {}\\cell\\pard\\intbl\\itap1 {}\\par{}{}\\pard\\intbl\\itap1 {}\\cell\\row\
\\pard {}\\par}}",
        u("项目"),
        u("承诺"),
        u("维修"),
        u("见下表："),
        inner_row("压缩机", "十年"),
        inner_row("整机", "三年"),
        u("以上"),
        u("表后")
    );
    let x = read_ok(read, rtf.as_bytes());
    let nested = |row, col| crate::model::Location::TableCell {
        part: Part::Body,
        table: 0,
        row,
        col,
        nested: Some("t0r1c1".into()),
    };
    assert_eq!(
        located_texts(&x),
        vec![
            ("项目", &cell(0, 0, 0, None)),
            ("承诺", &cell(0, 0, 1, None)),
            ("维修", &cell(0, 1, 0, None)),
            ("压缩机", &nested(0, 0)),
            ("十年", &nested(0, 1)),
            ("整机", &nested(1, 0)),
            ("三年", &nested(1, 1)),
            ("见下表：\n以上", &cell(0, 1, 1, None)),
            ("表后", &para(Part::Body, 0)),
        ]
    );
    // A hostile depth opens no more than the cap.
    let deep = "{\\rtf1 \\pard\\intbl\\itap2000000000 x\\nestcell\\par}";
    assert_eq!(texts(&read_ok(read, deep.as_bytes())), vec!["x"]);
}
