//! The OFD, PowerPoint, RTF and xlsb readers end to end on the fixtures of `fixtures/formats/`
//! (made by real writers: our own OFD writer, python-pptx and LibreOffice Impress, LibreOffice
//! Writer and a WPS-style RTF, our own BIFF12 writer for xlsb; each folder's `gen.py` says how),
//! against the text references beside them (LibreOffice's own reading); the rules find the
//! evidence inside them; and every OFD of the shared corpus gets a status.
//!
//! Recall is CJK-character multiset recall after NFKC: of the Chinese characters the reference
//! shows, the share the reader gives (`cargo test --test tests formats -- --nocapture` prints
//! it per file).

use crate::util::{all_text, fixtures_dir, realworld_or_skip, recall};
use certsift::ingest::{Limits, read_bundle, read_path};
use certsift::model::{Document, FileKind, FileStatus, IndicatorStatus, Location, Part};
use certsift::normalize::is_han;
use certsift::rules;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn formats_dir() -> PathBuf {
    fixtures_dir().join("formats")
}

fn read_one(path: &Path) -> Document {
    let docs = read_path(path, &path.to_string_lossy(), &Limits::default());
    docs.into_iter().next().expect("one document")
}

/// Reads `file`, checks its kind and status, and returns it with its recall against `reference`.
fn read_and_recall(file: &str, reference: &str, kind: FileKind) -> (Document, f64) {
    let path = formats_dir().join(file);
    let started = Instant::now();
    let doc = read_one(&path);
    let took = started.elapsed();
    assert_eq!(doc.kind, kind, "{file}");
    assert_eq!(doc.status, FileStatus::Ok, "{file}: {:?}", doc.error);
    let reference = std::fs::read_to_string(formats_dir().join(reference)).expect("reference");
    let (recall, total) = recall(&all_text(&doc), &reference, is_han);
    assert!(total > 0, "{file}: reference without Chinese text");
    eprintln!(
        "{file}: CJK recall {recall:.4} ({} passages, {} bytes in {took:.2?})",
        doc.passages.len(),
        doc.bytes
    );
    assert!(
        recall >= 0.98,
        "{file}: recall {recall:.4}\n{}",
        all_text(&doc)
    );
    (doc, recall)
}

fn passage_at<'d>(doc: &'d Document, needle: &str) -> &'d Location {
    &doc.passages
        .iter()
        .find(|p| p.text.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not found in {}", all_text(doc)))
        .location
}

#[test]
fn ofd_fixtures_are_read_in_reading_order_with_pages() {
    let (licence, _) = read_and_recall(
        "ofd/电子营业执照.ofd",
        "ofd/电子营业执照.txt",
        FileKind::Ofd,
    );
    assert_eq!(licence.pages, Some(1));
    // Labels from the template page and values from the page meet on one line each (a space
    // where the gap between them is wide).
    let text = all_text(&licence);
    let lines: Vec<String> = text.lines().map(|l| l.replace(' ', "")).collect();
    for line in [
        "统一社会信用代码91330781MA2EDMFU53",
        "名称浙江鼎盛机电设备有限公司",
        "营业期限2015年06月01日至2045年05月31日",
    ] {
        assert!(lines.iter().any(|l| l == line), "{line} not in\n{text}");
    }
    let order: Vec<usize> = [
        "营业执照",
        "统一社会信用代码",
        "名称",
        "营业期限",
        "登记机关",
    ]
    .iter()
    .map(|w| text.find(w).expect("present"))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(
        licence.notes.iter().any(|n| n.contains("does not verify")),
        "{:?}",
        licence.notes
    );

    let (policy, _) = read_and_recall(
        "ofd/售后服务管理制度.ofd",
        "ofd/售后服务管理制度.txt",
        FileKind::Ofd,
    );
    assert_eq!(policy.pages, Some(2));
    assert_eq!(passage_at(&policy, "投诉处理").page_number(), Some(1));
    assert_eq!(passage_at(&policy, "服务网点").page_number(), Some(2));
    assert_eq!(passage_at(&policy, "仅供认证使用").page_number(), Some(2));
    // Page 1 was drawn bottom-up: its title still comes first.
    assert!(policy.passages[0].text.starts_with("售后服务管理制度"));
    // The paragraph in one TextCode comes out as its two lines, in order.
    assert!(
        all_text(&policy).contains("客服中心应在2小时内响应，\n24小时内提出处理意见"),
        "{}",
        all_text(&policy)
    );
}

#[test]
fn pptx_fixtures_are_read_in_slide_order_with_tables_and_notes() {
    for file in ["pptx/公司简介.src.pptx", "pptx/公司简介.pptx"] {
        let (deck, _) = read_and_recall(file, "pptx/公司简介.ref.txt", FileKind::Pptx);
        assert_eq!(deck.pages, Some(4), "{file}");
        let slide_of = |needle: &str| match passage_at(&deck, needle) {
            Location::Slide { slide, .. } => *slide,
            other => panic!("{needle}: {other:?}"),
        };
        // Made last, shown second.
        assert_eq!(slide_of("企业资质"), 2, "{file}");
        assert_eq!(slide_of("售后服务承诺"), 3, "{file}");
        match passage_at(&deck, "兰溪市丹溪大道") {
            Location::Slide {
                slide: 4,
                table: Some(0),
                row: Some(1),
                col: Some(1),
                notes: false,
                ..
            } => {}
            other => panic!("{file}: {other:?}"),
        }
        match passage_at(&deck, "强调投诉处理时限") {
            Location::Slide {
                slide: 3,
                notes: true,
                ..
            } => {}
            other => panic!("{file}: {other:?}"),
        }
    }
}

#[test]
fn rtf_fixtures_decode_unicode_and_gbk_escapes_with_tables() {
    let (lo, _) = read_and_recall(
        "rtf/售后服务承诺书.rtf",
        "rtf/售后服务承诺书.ref.txt",
        FileKind::Rtf,
    );
    assert_eq!(
        passage_at(&lo, "售后服务承诺书"),
        &Location::Paragraph {
            part: Part::Body,
            paragraph: 0
        }
    );
    let (wps, _) = read_and_recall(
        "rtf/服务网点说明.rtf",
        "rtf/服务网点说明.ref.txt",
        FileKind::Rtf,
    );
    assert!(!all_text(&wps).contains("不应出现的标题"));
    for doc in [&lo, &wps] {
        assert_eq!(
            passage_at(doc, "兰溪市丹溪大道"),
            &Location::TableCell {
                part: Part::Body,
                table: 0,
                row: 1,
                col: 1,
                nested: None
            },
            "{}",
            doc.path
        );
    }
}

/// The sheet, A1 range and text of the first passage holding `needle`.
fn sheet_cell<'d>(doc: &'d Document, needle: &str) -> (&'d str, &'d str, &'d str) {
    let p = doc
        .passages
        .iter()
        .find(|p| p.text.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not found in {}", all_text(doc)));
    match &p.location {
        Location::SheetCell { sheet, cell } => (sheet.as_str(), cell.as_str(), p.text.as_str()),
        other => panic!("{needle}: {other:?}"),
    }
}

/// The xlsb fixture (our BIFF12 writer, `fixtures/formats/xlsb/gen.py`; LibreOffice imports
/// xlsb but cannot write it) against LibreOffice's CSV of every sheet: Chinese sheet names,
/// shared and inline strings, RK integers, reals and a date cell, each row at its A1 range.
#[test]
fn xlsb_fixture_is_read_sheet_by_sheet_with_cell_ranges() {
    let (book, _) = read_and_recall(
        "xlsb/服务网点一览表.xlsb",
        "xlsb/服务网点一览表.ref.csv",
        FileKind::Xlsb,
    );
    assert_eq!(book.pages, Some(2));
    let at = |needle: &str| sheet_cell(&book, needle);
    assert_eq!(
        at("兰溪服务中心"),
        (
            "服务网点",
            "A3:F3",
            "1 | 兰溪服务中心 | 兰溪市丹溪大道1055号 | 0579-88222001 | 王建国 | 自营"
        )
    );
    assert_eq!(at("杭州授权服务商").1, "A6:F6");
    assert_eq!(
        at("刘先生"),
        (
            "投诉处理台账",
            "A3:F3",
            "2025-04-12 | 刘先生 | 安装师傅迟到2小时 | 致歉并赠送清洗服务 | 4.5 | 已结案"
        )
    );
    // An inline string (BrtCellSt) and an integer in a column of reals.
    assert_eq!(
        at("上门调整减震垫").2,
        "2025-08-04 | 张女士 | 空调外机噪音大 | 上门调整减震垫，顾客满意 | 24 | 已结案"
    );
    let row = book
        .passages
        .iter()
        .find(|p| p.text.contains("周先生"))
        .expect("row");
    assert_eq!(
        row.headings,
        [
            "2025年顾客投诉处理台账",
            "投诉日期 | 顾客 | 投诉内容 | 处理结果 | 用时（小时） | 状态"
        ]
    );
}

/// The rules find the complaint ledger (5.3.2) and the outlet list (5.1.1) in the xlsb rows,
/// located by sheet and range, and classify the workbook as the service-network list.
#[test]
fn formats_xlsb_evidence_is_found_by_the_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = formats_dir().join("xlsb/服务网点一览表.xlsb");
    std::fs::copy(&from, dir.path().join("服务网点一览表.xlsb")).expect("copy");
    let bundle = read_bundle(dir.path(), &Limits::default()).expect("bundle");
    let compiled = rules::compile(&rules::load_default().expect("rules")).expect("compile");
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let assessment = rules::assess(&bundle, &compiled, as_of);
    let indicator = |id: &str| {
        assessment
            .indicators
            .iter()
            .find(|i| i.id.0 == id)
            .unwrap_or_else(|| panic!("{id} assessed"))
    };
    let complaint = indicator("5.3.2");
    assert_eq!(
        complaint.status,
        IndicatorStatus::Supported,
        "{complaint:?}"
    );
    let hit = complaint
        .evidence
        .iter()
        .find(|e| e.rule.0 == "complaint-ledger-row")
        .unwrap_or_else(|| panic!("no ledger row: {complaint:?}"));
    assert!(
        matches!(&hit.location, Location::SheetCell { sheet, .. } if sheet == "投诉处理台账"),
        "{hit:?}"
    );
    let outlets = indicator("5.1.1");
    assert!(
        outlets
            .evidence
            .iter()
            .any(|e| e.rule.0 == "service-outlet-list-row"
                && matches!(&e.location, Location::SheetCell { sheet, .. } if sheet == "服务网点")),
        "{outlets:?}"
    );
    let network = assessment
        .materials
        .iter()
        .find(|m| m.id.0 == "service_network_list")
        .expect("service_network_list");
    assert_eq!(network.files, ["服务网点一览表.xlsb"], "{network:?}");
}

/// LibreOffice's RTF of footnotes in mid-sentence and a table nested in a cell: each footnote
/// is a passage of the `footnote` part and the sentence around it stays one passage; the inner
/// table's cells are passages of their own with the outer cell's path. (LibreOffice's text
/// export shows only the footnotes' numbers, so the recall counts the body and the tables.)
#[test]
fn rtf_libreoffice_footnotes_and_nested_table() {
    let (doc, _) = read_and_recall(
        "rtf/售后服务制度-脚注与嵌套表.rtf",
        "rtf/售后服务制度-脚注与嵌套表.ref.txt",
        FileKind::Rtf,
    );
    let body = |paragraph| Location::Paragraph {
        part: Part::Body,
        paragraph,
    };
    let footnote = |paragraph| Location::Paragraph {
        part: Part::Footnote,
        paragraph,
    };
    let cell = |row, col, nested: Option<&str>| Location::TableCell {
        part: Part::Body,
        table: 0,
        row,
        col,
        nested: nested.map(str::to_string),
    };
    let got: Vec<(&str, &Location)> = doc
        .passages
        .iter()
        .map(|p| (p.text.as_str(), &p.location))
        .collect();
    let expected: Vec<(&str, Location)> = vec![
        ("售后服务管理制度", body(0)),
        (
            "顾客投诉由客服中心统一受理，接到投诉后24小时内答复顾客。",
            body(1),
        ),
        (
            "产品保修期内免费维修，配件供应期不少于产品停产后八年。",
            body(2),
        ),
        ("服务项目", cell(0, 0, None)),
        ("承诺内容", cell(0, 1, None)),
        ("维修服务", cell(1, 0, None)),
        ("部件", cell(0, 0, Some("t0r1c1"))),
        ("保修期", cell(0, 1, Some("t0r1c1"))),
        ("压缩机", cell(1, 0, Some("t0r1c1"))),
        ("十年", cell(1, 1, Some("t0r1c1"))),
        ("整机", cell(2, 0, Some("t0r1c1"))),
        ("三年", cell(2, 1, Some("t0r1c1"))),
        // LibreOffice 7.4 writes the row after a nested table without ending the outer cell
        // and row (`…\nestrow}{\nonesttables\par}\pard\intbl 回访\cell\trowd…\cell\cell\row`),
        // and reads its own RTF back as we do: 回访 in the outer cell after the inner table,
        // the last row's text one cell to the right (its HTML export of this file shows these
        // cells). The well-formed nesting Word writes is in `ingest::rtf::tests`.
        ("主要部件保修期如下：\n回访", cell(1, 1, None)),
        (
            "维修完成后3日内电话回访，回访记录保存三年。",
            cell(1, 2, None),
        ),
        ("特此公布。", body(3)),
        (
            "客服中心设在兰溪市丹溪大道1055号，电话0579-88222001。",
            footnote(0),
        ),
        ("保修期自购买之日起计算，以发票日期为准。", footnote(1)),
    ];
    let expected: Vec<(&str, &Location)> = expected.iter().map(|(t, l)| (*t, l)).collect();
    assert_eq!(got, expected);
}

#[test]
fn formats_evidence_is_found_by_the_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    for file in [
        "ofd/电子营业执照.ofd",
        "ofd/售后服务管理制度.ofd",
        "pptx/公司简介.pptx",
        "rtf/售后服务承诺书.rtf",
    ] {
        let from = formats_dir().join(file);
        let name = from.file_name().expect("name");
        std::fs::copy(&from, dir.path().join(name)).expect("copy");
    }
    let bundle = read_bundle(dir.path(), &Limits::default()).expect("bundle");
    let compiled = rules::compile(&rules::load_default().expect("rules")).expect("compile");
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let assessment = rules::assess(&bundle, &compiled, as_of);
    let complaint = assessment
        .indicators
        .iter()
        .find(|i| i.id.0 == "5.3.2")
        .expect("5.3.2 assessed");
    assert_eq!(complaint.status, IndicatorStatus::Supported);
    for (suffix, kind) in [(".ofd", "page"), (".pptx", "slide"), (".rtf", "paragraph")] {
        let hit = complaint
            .evidence
            .iter()
            .find(|e| e.file.ends_with(suffix))
            .unwrap_or_else(|| panic!("no 5.3.2 evidence from a {suffix} file: {complaint:?}"));
        let located = serde_json::to_value(&hit.location).expect("json");
        assert!(located.get(kind).is_some(), "{suffix}: {located}");
    }
    let uscc = assessment
        .fields
        .iter()
        .find(|f| f.name == "uscc" && f.file.ends_with("电子营业执照.ofd"))
        .unwrap_or_else(|| panic!("no USCC from the OFD licence: {:?}", assessment.fields));
    assert_eq!(uscc.value, "91330781MA2EDMFU53");
    assert_eq!(uscc.valid, Some(true));
    assert_eq!(uscc.location.page_number(), Some(1));
    let licence = assessment
        .materials
        .iter()
        .find(|m| m.id.0 == "business_license")
        .expect("business_license");
    assert!(
        licence
            .files
            .iter()
            .any(|f| f.ends_with("电子营业执照.ofd")),
        "{licence:?}"
    );
}

/// Every OFD of the shared corpus (30 files from ofdrw's test suite) gets a status, quickly,
/// and none crashes its reader; one line per file is printed.
#[test]
fn formats_realworld_ofds_each_get_a_status() {
    let Some(root) = realworld_or_skip("formats_realworld_ofds_each_get_a_status") else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("ofd"))
        .expect("ofd folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ofd"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 30);
    let limits = Limits {
        max_file_time: Duration::from_secs(10),
        ..Limits::default()
    };
    let mut statuses: HashMap<FileStatus, usize> = HashMap::new();
    let started = Instant::now();
    let mut bytes = 0u64;
    for path in &files {
        let t = Instant::now();
        let docs = read_path(path, &path.to_string_lossy(), &limits);
        let took = t.elapsed();
        let doc = docs.first().expect("document");
        bytes += doc.bytes;
        let chars: usize = doc.passages.iter().map(|p| p.text.chars().count()).sum();
        eprintln!(
            "{:<14} {:>2} page(s) {:>5} chars {:>8.2?}  {}{}",
            doc.status.as_str(),
            doc.pages.unwrap_or(0),
            chars,
            took,
            path.file_name().unwrap_or_default().to_string_lossy(),
            doc.error
                .as_deref()
                .map_or(String::new(), |e| format!("  ({e})"))
        );
        *statuses.entry(doc.status).or_default() += 1;
        assert_eq!(doc.kind, FileKind::Ofd, "{}", path.display());
        assert!(took < Duration::from_secs(10), "{}", path.display());
        assert!(
            !doc.error
                .as_deref()
                .is_some_and(|e| e.contains("reader failed")),
            "{}: {:?}",
            path.display(),
            doc.error
        );
    }
    let elapsed = started.elapsed();
    eprintln!(
        "{} OFDs, {bytes} bytes in {elapsed:.2?}: {statuses:?}",
        files.len()
    );
    // ofdrw's samples are text OFDs: nearly all must read.
    assert!(
        statuses.get(&FileStatus::Ok).copied().unwrap_or(0) >= 25,
        "{statuses:?}"
    );
}
