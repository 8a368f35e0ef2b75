//! Tests for the ODT reader: hand-written ODF packages zipped in memory, plus the committed
//! fixtures checked against an independent ElementTree count.

use super::{is_odt, read};
use crate::ingest::test_support::{self, cell, ctx, para, texts};
use crate::ingest::{Extracted, Limits, ReadContext, ReadError};
use crate::model::{Location, Part};
use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

const NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0""#;

const MIMETYPE: &str = "application/vnd.oasis.opendocument.text";

/// An ODF package: `mimetype` first and stored, then the given members (deflated).
fn package(mimetype: &str, parts: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("mimetype", stored).expect("start");
    w.write_all(mimetype.as_bytes()).expect("write");
    let opts = zip::write::SimpleFileOptions::default();
    for (name, text) in parts {
        w.start_file(*name, opts).expect("start");
        w.write_all(text.as_bytes()).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

fn content(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS} office:version="1.3"><office:automatic-styles><style:style style:name="P1" style:family="paragraph" style:parent-style-name="Title"/></office:automatic-styles><office:body><office:text><text:sequence-decls><text:sequence-decl text:display-outline-level="0" text:name="Table"/></text:sequence-decls>{body}</office:text></office:body></office:document-content>"#
    )
}

fn odt(body: &str) -> Vec<u8> {
    package(MIMETYPE, &[("content.xml", &content(body))])
}

fn read_ok(bytes: &[u8]) -> Extracted {
    test_support::read_ok(read, bytes)
}

fn located<'x>(x: &'x Extracted, loc: &Location) -> Option<&'x str> {
    x.passages
        .iter()
        .find(|p| &p.location == loc)
        .map(|p| p.text.as_str())
}

fn han(s: &str) -> usize {
    s.chars()
        .filter(|&c| {
            matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2FFFF | 0xF900..=0xFAFF)
        })
        .count()
}

#[test]
fn headings_give_levels_and_a_path_and_empty_paragraphs_count() {
    let x = read_ok(&odt(
        r#"<text:p text:style-name="P1">售后服务管理制度</text:p>
        <text:h text:outline-level="1">第一章 总则</text:h>
        <text:p/>
        <text:p>本制度适用于全国网点。</text:p>
        <text:h text:outline-level="2">1.1 投诉处理</text:h>
        <text:p>24小时内答复。</text:p>
        <text:h text:outline-level="1">第二章 附则</text:h>
        <text:p>本制度自发布之日起施行。</text:p>"#,
    ));
    assert_eq!(
        texts(&x),
        [
            "售后服务管理制度",
            "第一章 总则",
            "本制度适用于全国网点。",
            "1.1 投诉处理",
            "24小时内答复。",
            "第二章 附则",
            "本制度自发布之日起施行。"
        ]
    );
    let p = &x.passages;
    assert_eq!(p[0].heading_level, Some(1), "Title style through P1");
    assert_eq!(p[1].heading_level, Some(1));
    assert_eq!(p[1].headings, Vec::<String>::new());
    assert_eq!(
        p[2].location,
        para(Part::Body, 3),
        "the empty text:p is counted"
    );
    assert_eq!(p[2].headings, ["第一章 总则"]);
    assert_eq!(p[3].heading_level, Some(2));
    assert_eq!(p[4].headings, ["第一章 总则", "1.1 投诉处理"]);
    assert_eq!(p[6].headings, ["第二章 附则"]);
}

#[test]
fn spans_spaces_tabs_breaks_links_and_fields() {
    let x = read_ok(&odt(
        r#"<text:p>文件编号：<text:span>HX-007</text:span><text:s text:c="3"/>版本<text:s/>A
        <text:soft-page-break/><text:tab/>热线<text:a xlink:href="tel:400" xmlns:xlink="http://www.w3.org/1999/xlink">400-655-1288</text:a><text:line-break/>第<text:page-number>2</text:page-number>页 <text:date>2026-03-02</text:date> 表<text:sequence text:name="Table">1</text:sequence><text:bookmark text:name="b"/><text:ruby><text:ruby-base>龔</text:ruby-base><text:ruby-text>gong</text:ruby-text></text:ruby></text:p>"#,
    ));
    assert_eq!(
        texts(&x),
        ["文件编号：HX-007   版本 A \t热线400-655-1288\n第2页 2026-03-02 表1龔"]
    );
}

#[test]
fn table_with_spans_covered_cells_and_repeats() {
    let x = read_ok(&odt(r#"<text:p>前言</text:p>
        <table:table table:name="T1"><table:table-column table:number-columns-repeated="4"/>
          <table:table-header-rows><table:table-row>
            <table:table-cell><text:p>序号</text:p></table:table-cell>
            <table:table-cell table:number-columns-spanned="2"><text:p>网点</text:p><text:p>名称</text:p></table:table-cell>
            <table:covered-table-cell><text:p>被合并</text:p></table:covered-table-cell>
            <table:table-cell><text:p>电话</text:p></table:table-cell>
          </table:table-row></table:table-header-rows>
          <table:table-row table:number-rows-repeated="3">
            <table:table-cell table:number-columns-repeated="2"/>
            <table:table-cell><text:p>空行</text:p></table:table-cell>
          </table:table-row>
          <table:table-row>
            <table:table-cell table:number-columns-spanned="3"><text:p>合计</text:p></table:table-cell>
            <table:table-cell><text:p>39</text:p></table:table-cell>
          </table:table-row>
        </table:table>
        <text:p>后记</text:p>"#));
    assert_eq!(x.passages[0].location, para(Part::Body, 0));
    assert_eq!(located(&x, &cell(0, 0, 0, None)), Some("序号"));
    assert_eq!(located(&x, &cell(0, 0, 1, None)), Some("网点\n名称"));
    assert_eq!(located(&x, &cell(0, 0, 3, None)), Some("电话"));
    assert_eq!(located(&x, &cell(0, 1, 2, None)), Some("空行"));
    // Covered cells omitted by the writer: "39" still lands after the 3-column span; the
    // repeated row took rows 1–3.
    assert_eq!(located(&x, &cell(0, 4, 0, None)), Some("合计"));
    assert_eq!(located(&x, &cell(0, 4, 3, None)), Some("39"));
    assert!(
        !texts(&x).contains(&"被合并"),
        "covered cell content is hidden"
    );
    assert_eq!(
        x.passages.last().map(|p| &p.location),
        Some(&para(Part::Body, 1))
    );
}

#[test]
fn nested_table_has_outer_path() {
    let x = read_ok(&odt(
        r#"<table:table><table:table-row><table:table-cell><text:p>外</text:p></table:table-cell></table:table-row></table:table>
        <table:table>
          <table:table-row><table:table-cell><text:p>a</text:p></table:table-cell></table:table-row>
          <table:table-row><table:table-cell/><table:table-cell><text:p>资质</text:p>
            <table:table><table:table-row><table:table-cell/><table:table-cell><text:p>内</text:p></table:table-cell></table:table-row></table:table>
          </table:table-cell></table:table-row>
        </table:table>"#,
    ));
    assert_eq!(texts(&x), ["外", "a", "资质", "内"]);
    assert_eq!(x.passages[2].location, cell(1, 1, 1, None));
    assert_eq!(x.passages[3].location, cell(0, 0, 1, Some("t1r1c1")));
}

#[test]
fn tracked_deletions_are_excluded() {
    let x = read_ok(&odt(
        r#"<text:tracked-changes><text:changed-region text:id="ct1"><text:deletion><office:change-info><dc:creator>张三</dc:creator><dc:date>2026-01-01</dc:date></office:change-info><text:p>48小时内上门</text:p></text:deletion></text:changed-region></text:tracked-changes>
        <text:p><text:change text:change-id="ct1"/>24小时内上门</text:p>"#,
    ));
    assert_eq!(texts(&x), ["24小时内上门"]);
    assert_eq!(x.passages[0].location, para(Part::Body, 0));
}

#[test]
fn text_box_read_once_after_its_anchor() {
    let x = read_ok(&odt(
        r#"<text:p>锚点<draw:frame draw:name="f1"><svg:title>替代文字</svg:title><draw:text-box><text:p>框内文字</text:p></draw:text-box></draw:frame>之后</text:p><text:p>下一段</text:p>"#,
    ));
    assert_eq!(texts(&x), ["锚点之后", "框内文字", "下一段"]);
    assert_eq!(x.passages[0].location, para(Part::Body, 0));
    assert_eq!(x.passages[1].location, para(Part::Body, 1));
    assert_eq!(x.passages[2].location, para(Part::Body, 2));
}

#[test]
fn notes_and_comments_are_their_own_passages() {
    let x = read_ok(&odt(
        r#"<text:p>保修3年<text:note text:id="n1" text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>电机5年</text:p></text:note-body></text:note>。<office:annotation><dc:creator>审核员</dc:creator><dc:date>2026-03-01</dc:date><text:p>请核实</text:p></office:annotation></text:p>
        <text:p>配件<text:note text:note-class="endnote"><text:note-citation>i</text:note-citation><text:note-body><text:p>不少于8年</text:p></text:note-body></text:note></text:p>"#,
    ));
    assert_eq!(
        texts(&x),
        ["保修3年。", "配件", "电机5年", "不少于8年", "请核实"]
    );
    assert_eq!(x.passages[2].location, para(Part::Footnote, 0));
    assert_eq!(x.passages[3].location, para(Part::Endnote, 0));
    assert_eq!(x.passages[4].location, para(Part::Comment, 0));
}

#[test]
fn header_and_footer_from_styles() {
    let styles = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-styles {NS}><office:styles><style:style style:name="Header" style:family="paragraph"/></office:styles><office:master-styles><style:master-page style:name="Standard"><style:header><text:p>明远厨卫 <text:s/>售后服务</text:p></style:header><style:header-left style:display="false"><text:p>隐藏</text:p></style:header-left><style:footer><text:p>第<text:page-number>1</text:page-number>页</text:p></style:footer><style:footer-first><text:p>首页页脚</text:p></style:footer-first></style:master-page></office:master-styles></office:document-styles>"#
    );
    let bytes = package(
        MIMETYPE,
        &[
            ("content.xml", &content("<text:p>正文</text:p>")),
            ("styles.xml", &styles),
        ],
    );
    let x = read_ok(&bytes);
    assert_eq!(
        texts(&x),
        ["正文", "明远厨卫  售后服务", "第1页", "首页页脚"]
    );
    assert_eq!(x.passages[1].location, para(Part::Header, 0));
    assert_eq!(x.passages[2].location, para(Part::Footer, 0));
    assert_eq!(x.passages[3].location, para(Part::Footer, 1));
    assert!(x.passages[1].headings.is_empty());
}

#[test]
fn repeated_columns_bomb_is_bounded() {
    let rows = r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#
        .repeat(2000);
    let body = format!(
        r#"<table:table><table:table-row><table:table-cell table:number-columns-repeated="4294967295"/><table:table-cell table:number-columns-spanned="99999999"><text:p>尾</text:p><text:p>y<text:s text:c="2000000000"/>x</text:p></table:table-cell></table:table-row>{rows}<table:table-row><table:table-cell><text:p>末行</text:p></table:table-cell></table:table-row></table:table>"#
    );
    let started = Instant::now();
    let x = read_ok(&odt(&body));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(x.passages.len(), 2);
    assert_eq!(
        x.passages[0].location,
        cell(0, 0, super::walk::MAX_REPEAT, None)
    );
    assert!(x.passages[0].text.len() < 400, "text:s is clamped");
    match &x.passages[1].location {
        Location::TableCell { row, col: 0, .. } => assert!(*row > 1),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn max_passages_truncates() {
    let body = "<text:p>网点</text:p>".repeat(50);
    let limits = Limits {
        max_passages: 10,
        ..Limits::default()
    };
    let x = match read(&odt(&body), &ReadContext::new(limits)) {
        Ok(x) => x,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(x.passages.len(), 10);
    assert!(x.truncated.is_some());
}

#[test]
fn garbage_and_packages_without_content_are_corrupt() {
    assert!(matches!(
        read(b"not a zip at all", &ctx()),
        Err(ReadError::Corrupt(_))
    ));
    let no_content = package(MIMETYPE, &[("styles.xml", "<x/>")]);
    assert!(matches!(
        read(&no_content, &ctx()),
        Err(ReadError::Corrupt(_))
    ));
    let mut cut = odt("<text:p>截断</text:p>");
    cut.truncate(cut.len() / 2);
    assert!(read(&cut, &ctx()).is_err());
    let broken = package(MIMETYPE, &[("content.xml", "<office:document-content><<<")]);
    assert!(matches!(read(&broken, &ctx()), Err(ReadError::Corrupt(_))));
}

#[test]
fn malformed_after_text_keeps_text_with_a_note() {
    let cut = format!(
        r#"<?xml version="1.0"?><office:document-content {NS}><office:body><office:text><text:p>第一段</text:p><text:p>第二段</text:p><text:p>第三</text:h>"#
    );
    let x = read_ok(&package(MIMETYPE, &[("content.xml", &cut)]));
    assert_eq!(&texts(&x)[..2], ["第一段", "第二段"]);
    assert!(
        x.notes.iter().any(|n| n.contains("not well-formed")),
        "{:?}",
        x.notes
    );
}

#[test]
fn encrypted_package_is_encrypted() {
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="3000"><manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="AAAA"/><manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:key-size="32" manifest:iteration-count="100000" manifest:salt="AAAA"/></manifest:encryption-data></manifest:file-entry></manifest:manifest>"#;
    let bytes = package(
        MIMETYPE,
        &[
            ("content.xml", "\u{1}\u{2}garbage"),
            ("META-INF/manifest.xml", manifest),
        ],
    );
    match read(&bytes, &ctx()) {
        Err(ReadError::Encrypted(m)) => assert!(m.contains("password")),
        other => panic!("expected Encrypted, got {other:?}"),
    }
}

#[test]
fn is_odt_by_mimetype() {
    assert!(is_odt(&odt("<text:p>x</text:p>")));
    assert!(is_odt(&package(
        "application/vnd.oasis.opendocument.text-template",
        &[("content.xml", "<x/>")]
    )));
    assert!(!is_odt(&package(
        "application/vnd.oasis.opendocument.presentation",
        &[("content.xml", "<x/>")]
    )));
    assert!(!is_odt(b"{\\rtf1"));
}

#[test]
fn routed_from_doc_kind_in_read_isolated() {
    let doc = crate::ingest::read_isolated("申请/制度.odt", &odt("<text:p>制度</text:p>"), &ctx());
    assert_eq!(doc.kind, crate::model::FileKind::Doc);
    assert_eq!(doc.status, crate::model::FileStatus::Ok);
    assert_eq!(doc.passages.len(), 1);
    let pres = package(
        "application/vnd.oasis.opendocument.presentation",
        &[("content.xml", "<x/>")],
    );
    let doc = crate::ingest::read_isolated("a.odp", &pres, &ctx());
    assert_eq!(doc.status, crate::model::FileStatus::Unsupported);
}

/// Reads a committed fixture (path relative to the crate root).
fn fixture(rel: &str) -> Extracted {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(is_odt(&bytes), "{rel} is an ODT");
    read_ok(&bytes)
}

fn body_han(x: &Extracted) -> usize {
    x.passages
        .iter()
        .filter(|p| {
            matches!(
                p.location,
                Location::Paragraph {
                    part: Part::Body,
                    ..
                } | Location::TableCell {
                    part: Part::Body,
                    ..
                }
            )
        })
        .map(|p| han(&p.text))
        .sum()
}

fn other_han(x: &Extracted) -> usize {
    x.passages.iter().map(|p| han(&p.text)).sum::<usize>() - body_han(x)
}

/// The Han characters read from the body, and from the other stories (headers, footers, notes).
fn assert_han(x: &Extracted, body: usize, other: usize) {
    assert_eq!(
        (body_han(x), other_han(x)),
        (body, other),
        "Han in body, elsewhere"
    );
}

// Ground truth for the Han counts below (no LibreOffice needed): python3 with zipfile +
// xml.etree.ElementTree, `''.join(office:body.itertext())` after clearing every
// `text:tracked-changes`, and the same over `office:master-styles` of styles.xml.

#[test]
fn fixture_libreoffice_headings_table_header_footer() {
    let x = fixture("fixtures/hard/odt-libreoffice.odt");
    assert_eq!(x.passages.len(), 46);
    let p = &x.passages;
    assert_eq!(p[0].text, "售后服务承诺书");
    assert_eq!(p[0].heading_level, Some(1));
    assert_eq!(p[2].text, "一、响应时限");
    assert_eq!(p[3].headings, ["一、响应时限"]);
    assert!(p[3].text.contains("接到报修后2小时内响应"));
    assert_eq!(located(&x, &cell(0, 1, 1, None)), Some("浙江省"));
    assert_eq!(
        located(&x, &cell(0, 2, 2, None)),
        Some("宁波安居厨电服务站")
    );
    assert_eq!(
        located(&x, &cell(0, 2, 1, None)),
        None,
        "vertically covered"
    );
    assert_eq!(located(&x, &cell(0, 7, 0, None)), Some("合计"));
    assert_eq!(located(&x, &cell(0, 7, 4, None)), Some("39"));
    assert_eq!(
        located(&x, &para(Part::Body, 7)),
        Some(
            "生僻字与繁体：𠮷野家、龔先生；半角ABC 123 与全角ＡＢＣ１２３。\n软换行之后的文字\t制表符之后的文字"
        )
    );
    assert_eq!(
        located(&x, &para(Part::Header, 0)),
        Some("杭州明远厨卫电器有限公司 · 售后服务管理制度")
    );
    assert_eq!(
        located(&x, &para(Part::Footer, 0)),
        Some("受控文件 MY-FW-001 第2版")
    );
    assert_han(&x, 241, 26);
}

#[test]
fn fixture_huaxin_supervision_rules() {
    let x = fixture("fixtures/inbox/华信家电-2026/12-制度文件/服务质量监督检查及考核办法.odt");
    assert_eq!(
        located(&x, &para(Part::Body, 1)),
        Some("文件编号：HX-SH-007    版本：A/2")
    );
    assert_eq!(located(&x, &para(Part::Body, 8)), Some("四、社会监督"));
    let last = &x.passages[9];
    assert!(last.text.contains("监督电话0512-6608-1234"));
    // The title is level 1 like Word's `Title`, so a level-1 heading replaces it.
    assert_eq!(last.headings, ["四、社会监督"]);
    assert!(texts(&x).iter().any(|t| t.contains("神秘顾客暗访")));
    assert_eq!(
        located(&x, &para(Part::Header, 0)),
        Some("苏州华信智能家电有限公司  售后服务认证申请材料")
    );
    assert_han(&x, 268, 22);
}

#[test]
fn fixture_youxuan_complaint_procedure() {
    let x = fixture("fixtures/inbox/优选生活-2026/制度/顾客投诉处理程序.odt");
    assert_eq!(x.passages.len(), 7);
    assert_eq!(located(&x, &para(Part::Body, 0)), Some("顾客投诉处理程序"));
    assert!(
        located(&x, &para(Part::Body, 3)).is_some_and(|t| t.contains("在24小时内答复处理意见"))
    );
    assert_eq!(
        located(&x, &para(Part::Header, 0)),
        Some("成都优选生活百货连锁有限公司  商品售后服务认证申报")
    );
    assert_han(&x, 158, 24);
}

/// Issue 11, as for Word: a 1 MiB ODF heading is cut where it heads the paragraphs under it.
#[test]
fn a_huge_heading_is_cut_where_it_heads_other_passages() {
    let long = "售后".repeat(512 * 1024 / 3);
    let mut body = format!(r#"<text:h text:outline-level="1">{long}</text:h>"#);
    for i in 0..2_000 {
        body.push_str(&format!("<text:p>第{i}段</text:p>"));
    }
    let x = read_ok(&odt(&body));
    assert_eq!(x.passages.len(), 2_001);
    assert_eq!(x.passages[0].text, long);
    for passage in &x.passages[1..] {
        assert_eq!(passage.headings.len(), 1);
        assert_eq!(passage.headings[0].chars().count(), 201);
    }
}

/// The pictures a walk of `body` records: member name and place.
fn pictures_of(body: &str) -> Vec<(String, crate::ingest::ocr::embedded::Anchor)> {
    let mut sink = crate::ingest::flow::Sink::new(1000);
    let mut walker = super::walk::Walker::new(&mut sink);
    walker.walk(&content(body), &ctx());
    std::mem::take(&mut walker.pictures)
}

#[test]
fn pictures_are_recorded_at_their_paragraph_or_cell() {
    use crate::ingest::ocr::embedded::Anchor;
    let image = |href: &str| {
        format!(
            r#"<draw:frame text:anchor-type="as-char"><draw:image xlink:href="{href}" xmlns:xlink="http://www.w3.org/1999/xlink"/></draw:frame>"#
        )
    };
    let body = format!(
        r#"<text:p>附件：营业执照</text:p><text:p>{}</text:p>
        <table:table><table:table-row><table:table-cell><text:p>照片</text:p></table:table-cell><table:table-cell><text:p>{}</text:p></table:table-cell></table:table-row></table:table>
        <draw:frame><draw:image xlink:href="Pictures/v.svg" xmlns:xlink="http://www.w3.org/1999/xlink"/><draw:image xlink:href="./Pictures/v.png" xmlns:xlink="http://www.w3.org/1999/xlink"/></draw:frame>
        <text:p>{}{}{}</text:p>"#,
        image("Pictures/licence.png"),
        image("Pictures/photo.jpg"),
        image("http://example.org/a.png"),
        image("../outside.png"),
        image("./ObjectReplacements/Object 1"),
    );
    assert_eq!(
        pictures_of(&body),
        vec![
            (
                "Pictures/licence.png".to_string(),
                Anchor::Paragraph {
                    part: Part::Body,
                    paragraph: 1
                }
            ),
            (
                "Pictures/photo.jpg".to_string(),
                Anchor::Cell {
                    part: Part::Body,
                    table: 0,
                    row: 0,
                    col: 1
                }
            ),
            // A page-anchored frame with an SVG and its PNG fallback: once, the PNG.
            ("Pictures/v.png".to_string(), Anchor::Part(Part::Body)),
        ]
    );
}

#[test]
fn pictures_are_handed_to_ocr_and_missing_ones_noted() {
    let frame = |href: &str| {
        format!(
            r#"<draw:frame><draw:image xlink:href="{href}" xmlns:xlink="http://www.w3.org/1999/xlink"/></draw:frame>"#
        )
    };
    let body = format!(
        "<text:p>附件</text:p><text:p>{}{}</text:p>",
        frame("Pictures/a.png"),
        frame("Pictures/missing.png")
    );
    let bytes = package(
        MIMETYPE,
        &[
            ("content.xml", &content(&body)),
            ("Pictures/a.png", "not a png"),
        ],
    );
    let limits = Limits {
        ocr: crate::ingest::ocr::OcrMode::Off,
        ..Limits::default()
    };
    let x = read(&bytes, &ReadContext::new(limits)).expect("reads");
    assert_eq!(texts(&x), vec!["附件"]);
    assert!(
        x.notes
            .iter()
            .any(|n| n.starts_with("文档中的 1 张图片未读取（OCR 已关闭")),
        "{:?}",
        x.notes
    );
    assert!(
        x.notes.iter().any(|n| n.contains("not in the package")),
        "{:?}",
        x.notes
    );
}
