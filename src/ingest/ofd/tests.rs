//! The OFD reader on packages built here, part by part, and on the real samples of
//! `shared/realworld/ofd` when present.

use super::read;
use crate::ingest::ocr::OcrMode;
use crate::ingest::test_support::{ctx, read_ok, texts, zip_of};
use crate::ingest::{Extracted, Limits, ReadContext, ReadError, read_isolated};
use crate::model::{FileStatus, Location};
use std::time::Duration;

const NS: &str = r#"xmlns:ofd="http://www.ofdspec.org/2016""#;

fn ofd_xml(doc_roots: &[&str], signatures: Option<&str>) -> String {
    let bodies: String = doc_roots
        .iter()
        .map(|root| {
            let sig = signatures
                .map(|s| format!("<ofd:Signatures>{s}</ofd:Signatures>"))
                .unwrap_or_default();
            format!("<ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo><ofd:DocRoot>{root}</ofd:DocRoot>{sig}</ofd:DocBody>")
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {NS} Version="1.1" DocType="OFD">{bodies}</ofd:OFD>"#
    )
}

fn document_xml(pages: &[&str], extra_common: &str, extra: &str) -> String {
    let pages: String = pages
        .iter()
        .enumerate()
        .map(|(i, loc)| format!(r#"<ofd:Page ID="{}" BaseLoc="{loc}"/>"#, i + 1))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Document {NS}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>{extra_common}</ofd:CommonData><ofd:Pages>{pages}</ofd:Pages>{extra}</ofd:Document>"#
    )
}

/// A line of text at (x, y) mm, 5 mm CJK glyphs.
fn line(x: f32, y: f32, text: &str) -> String {
    let n = text.chars().count().saturating_sub(1);
    format!(
        r#"<ofd:TextObject ID="9" Boundary="{x} {y} 180 7" Font="1" Size="5"><ofd:TextCode X="0" Y="5" DeltaX="g {n} 5">{text}</ofd:TextCode></ofd:TextObject>"#
    )
}

fn page_xml(before: &str, objects: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Page {NS}>{before}<ofd:Content><ofd:Layer ID="2">{objects}</ofd:Layer></ofd:Content></ofd:Page>"#
    )
}

fn simple(pages: &[String]) -> Vec<u8> {
    let locs: Vec<String> = (0..pages.len())
        .map(|i| format!("Pages/Page_{i}/Content.xml"))
        .collect();
    let loc_refs: Vec<&str> = locs.iter().map(String::as_str).collect();
    let ofd = ofd_xml(&["Doc_0/Document.xml"], None);
    let doc = document_xml(&loc_refs, "", "");
    let names: Vec<String> = locs.iter().map(|l| format!("Doc_0/{l}")).collect();
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("OFD.xml", ofd.as_bytes()),
        ("Doc_0/Document.xml", doc.as_bytes()),
    ];
    for (name, page) in names.iter().zip(pages) {
        entries.push((name.as_str(), page.as_bytes()));
    }
    zip_of(&entries)
}

/// Each passage's text and page.
fn paged(x: &Extracted) -> Vec<(&str, u32)> {
    x.passages
        .iter()
        .map(|p| (p.text.as_str(), p.location.page_number().unwrap_or(0)))
        .collect()
}

#[test]
fn pages_read_in_order_each_in_reading_order() {
    let first = page_xml(
        "",
        &[
            line(20.0, 60.0, "营业期限：2015年06月01日至2045年05月31日"),
            line(20.0, 20.0, "营业执照"),
            line(20.0, 40.0, "统一社会信用代码：91310000MA1FL0XXXX"),
        ]
        .concat(),
    );
    let second = page_xml("", &line(20.0, 20.0, "第二页"));
    let x = read_ok(read, &simple(&[first, second]));
    assert_eq!(x.pages, Some(2));
    assert!(x.ocr_pages.is_empty());
    let found = paged(&x);
    let on_page_1: Vec<&str> = found
        .iter()
        .filter(|(_, l)| *l == 1)
        .map(|(t, _)| *t)
        .collect();
    let joined = on_page_1.join("\n");
    let order = ["营业执照", "统一社会信用代码", "营业期限"];
    let at: Vec<usize> = order
        .iter()
        .map(|w| joined.find(w).expect("word present"))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{joined}");
    assert_eq!(found.last(), Some(&("第二页", 2)));
}

#[test]
fn a_block_is_located_by_its_lines_and_box_in_points_from_the_top_left() {
    // Two blocks: a title at 20 mm from the top, two lines further down (a pitch of 7 mm).
    let body = [
        line(20.0, 20.0, "营业执照"),
        line(20.0, 60.0, "名称：鼎盛机电有限公司"),
        line(20.0, 67.0, "类型：有限责任公司"),
    ]
    .concat();
    let x = read_ok(read, &simple(&[page_xml("", &body)]));
    let located: Vec<(&str, &Location)> = x
        .passages
        .iter()
        .map(|p| (p.text.as_str(), &p.location))
        .collect();
    let [(title, title_at), (body, body_at)] = located.as_slice() else {
        panic!("two blocks expected: {located:?}");
    };
    assert_eq!(*title, "营业执照");
    assert!(
        body.starts_with("名称") && body.ends_with("有限责任公司"),
        "{body}"
    );
    let Location::Page {
        page: 1,
        lines: Some([1, 1]),
        bbox: Some([left, top, right, bottom]),
    } = title_at
    else {
        panic!("{title_at:?}");
    };
    // 1 mm = 2.835 pt: x from 20 mm (56.7 pt) over four 5 mm characters to 40 mm (113.4 pt); the
    // baseline at 25 mm (70.9 pt), 5 mm glyphs above it.
    let near = |got: u32, want: f32| (got as f32 - want).abs() <= 2.0;
    assert!(near(*left, 56.7) && near(*right, 113.4), "{title_at:?}");
    assert!(near(*top, 58.8) && near(*bottom, 74.4), "{title_at:?}");
    assert!(
        matches!(body_at, Location::Page { lines: Some([2, 3]), bbox: Some([_, t, _, b]), .. }
            if *t > *bottom && *b > *t + 25),
        "{body_at:?}"
    );
}

#[test]
fn absolute_paths_templates_and_annotations_are_read() {
    let ofd = ofd_xml(&["/Doc_0/Document.xml"], None);
    let doc = document_xml(
        &["/Doc_0/Pages/Page_0/Content.xml"],
        r#"<ofd:TemplatePage ID="5" BaseLoc="Tpls/Tpl_0/Content.xml" ZOrder="Background"/>"#,
        "<ofd:Annotations>Annots/Annotations.xml</ofd:Annotations>",
    );
    let body = page_xml(
        r#"<ofd:Template TemplateID="5" ZOrder="Background"/>"#,
        &line(60.0, 30.0, "鼎盛机电有限公司"),
    );
    let template = page_xml("", &line(20.0, 30.0, "名称："));
    let annotations = format!(
        r#"<ofd:Annotations {NS}><ofd:Page PageID="1"><ofd:FileLoc>Page_0/Annotation.xml</ofd:FileLoc></ofd:Page></ofd:Annotations>"#
    );
    let annot = format!(
        r#"<ofd:PageAnnot {NS}><ofd:Annot Type="Stamp" ID="20"><ofd:Appearance Boundary="20 200 100 20">{}</ofd:Appearance></ofd:Annot></ofd:PageAnnot>"#,
        line(0.0, 0.0, "市场监督管理局")
    );
    let bytes = zip_of(&[
        ("OFD.xml", ofd.as_bytes()),
        ("Doc_0/Document.xml", doc.as_bytes()),
        ("Doc_0/Pages/Page_0/Content.xml", body.as_bytes()),
        ("Doc_0/Tpls/Tpl_0/Content.xml", template.as_bytes()),
        ("Doc_0/Annots/Annotations.xml", annotations.as_bytes()),
        ("Doc_0/Annots/Page_0/Annotation.xml", annot.as_bytes()),
    ]);
    let x = read_ok(read, &bytes);
    assert_eq!(texts(&x), vec!["名称：鼎盛机电有限公司", "市场监督管理局"]);
    assert!(
        x.passages
            .iter()
            .all(|p| p.location.page_number() == Some(1))
    );
}

#[test]
fn several_documents_number_their_pages_on() {
    let ofd = ofd_xml(&["Doc_0/Document.xml", "Doc_1/Document.xml"], None);
    let doc = document_xml(&["Pages/Page_0/Content.xml"], "", "");
    let one = page_xml("", &line(20.0, 20.0, "第一份"));
    let two = page_xml("", &line(20.0, 20.0, "第二份"));
    let bytes = zip_of(&[
        ("OFD.xml", ofd.as_bytes()),
        ("Doc_0/Document.xml", doc.as_bytes()),
        ("Doc_0/Pages/Page_0/Content.xml", one.as_bytes()),
        ("Doc_1/Document.xml", doc.as_bytes()),
        ("Doc_1/Pages/Page_0/Content.xml", two.as_bytes()),
    ]);
    let x = read_ok(read, &bytes);
    assert_eq!(paged(&x), vec![("第一份", 1), ("第二份", 2)]);
    assert_eq!(x.pages, Some(2));
    assert!(
        x.notes.iter().any(|n| n.contains("2 documents")),
        "{:?}",
        x.notes
    );
}

#[test]
fn signed_files_are_read_and_the_note_says_signatures_are_not_verified() {
    let ofd = ofd_xml(&["Doc_0/Document.xml"], Some("Doc_0/Signs/Signatures.xml"));
    let doc = document_xml(&["Pages/Page_0/Content.xml"], "", "");
    let body = page_xml("", &line(20.0, 20.0, "售后服务承诺书"));
    let signs = format!(
        r#"<ofd:Signatures {NS}><ofd:Signature ID="1" BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/></ofd:Signatures>"#
    );
    let bytes = zip_of(&[
        ("OFD.xml", ofd.as_bytes()),
        ("Doc_0/Document.xml", doc.as_bytes()),
        ("Doc_0/Pages/Page_0/Content.xml", body.as_bytes()),
        ("Doc_0/Signs/Signatures.xml", signs.as_bytes()),
    ]);
    let x = read_ok(read, &bytes);
    assert_eq!(texts(&x), vec!["售后服务承诺书"]);
    assert!(
        x.notes
            .iter()
            .any(|n| n.contains("1 electronic signature") && n.contains("not verify")),
        "{:?}",
        x.notes
    );
}

fn image_page_ofd(format: &str, image_name: &str, image: &[u8], boundary: &str) -> Vec<u8> {
    let ofd = ofd_xml(&["Doc_0/Document.xml"], None);
    let doc = document_xml(
        &["Pages/Page_0/Content.xml"],
        "<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>",
        "",
    );
    let res = format!(
        r#"<ofd:Res {NS} BaseLoc="Res"><ofd:MultiMedias><ofd:MultiMedia ID="7" Type="Image" Format="{format}"><ofd:MediaFile>{image_name}</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>"#
    );
    let body = page_xml(
        "",
        &format!(
            r#"<ofd:ImageObject ID="8" ResourceID="7" Boundary="{boundary}" CTM="210 0 0 297 0 0"/>"#
        ),
    );
    let image_path = format!("Doc_0/Res/{image_name}");
    zip_of(&[
        ("OFD.xml", ofd.as_bytes()),
        ("Doc_0/Document.xml", doc.as_bytes()),
        ("Doc_0/DocumentRes.xml", res.as_bytes()),
        ("Doc_0/Pages/Page_0/Content.xml", body.as_bytes()),
        (image_path.as_str(), image),
    ])
}

fn no_ocr() -> ReadContext {
    ReadContext::new(Limits {
        ocr: OcrMode::Off,
        ..Limits::default()
    })
}

#[test]
fn a_page_of_images_only_needs_ocr() {
    let bytes = image_page_ofd("PNG", "scan.png", b"not really a png", "0 0 210 297");
    let x = read(&bytes, &no_ocr()).expect("read");
    assert_eq!(x.ocr_pages, vec![1]);
    assert!(x.passages.is_empty());
    let doc = read_isolated("营业执照.ofd", &bytes, &no_ocr());
    assert_eq!(doc.status, FileStatus::NeedsOcr, "{:?}", doc.error);
}

#[test]
fn a_scan_that_cannot_be_decoded_or_is_jbig2_stays_needs_ocr_with_a_note() {
    for (format, name) in [("PNG", "scan.png"), ("GBIG2", "scan.jb2")] {
        let bytes = image_page_ofd(format, name, b"\x89PNG broken", "0 0 210 297");
        let x = read_ok(read, &bytes);
        assert_eq!(x.ocr_pages, vec![1], "{format}");
        if crate::ingest::ocr::engine(crate::ingest::ocr::EngineChoice::Auto).is_ok() {
            assert!(
                x.notes.iter().any(|n| n.contains("page 1")),
                "{format}: {:?}",
                x.notes
            );
        }
    }
}

#[test]
fn a_scanned_licence_is_read_by_ocr_when_an_engine_is_installed() {
    if crate::ingest::ocr::engine(crate::ingest::ocr::EngineChoice::Auto).is_err() {
        crate::ingest::test_support::skip(
            "OFD scan test",
            "no OCR engine installed (tools/setup-parts.sh)",
        );
        return;
    }
    let scan = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scans");
    let Some(png) = std::fs::read_dir(&scan).ok().and_then(|d| {
        d.flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "png"))
    }) else {
        crate::ingest::test_support::skip("OFD scan test", "no PNG scan in fixtures/scans");
        return;
    };
    let image = std::fs::read(&png).expect("scan");
    let bytes = image_page_ofd("PNG", "scan.png", &image, "0 0 210 297");
    let x = read_ok(read, &bytes);
    assert!(x.ocr_pages.is_empty(), "{:?}", x.notes);
    assert!(
        x.passages
            .iter()
            .any(|p| matches!(p.location, Location::OcrLine { page: 1, .. })),
        "{:?}",
        texts(&x)
    );
}

#[test]
fn a_small_image_is_a_seal_not_a_scan() {
    let bytes = image_page_ofd("PNG", "seal.png", b"x", "150 200 40 40");
    let x = read_ok(read, &bytes);
    assert_eq!(x.ocr_pages, vec![1]);
    assert!(
        x.notes.iter().any(|n| n.contains("too small")),
        "{:?}",
        x.notes
    );
}

#[test]
fn broken_packages_are_corrupt_or_encrypted() {
    let not_ofd = zip_of(&[("a.txt", b"x")]);
    assert!(matches!(read(&not_ofd, &ctx()), Err(ReadError::Corrupt(_))));
    assert!(matches!(
        read(b"garbage", &ctx()),
        Err(ReadError::Corrupt(_))
    ));
    let no_xml = zip_of(&[("OFD.xml", b"\x00\x01 not xml")]);
    assert!(matches!(read(&no_xml, &ctx()), Err(ReadError::Corrupt(_))));
    let no_body = zip_of(&[("OFD.xml", ofd_xml(&[], None).as_bytes())]);
    assert!(matches!(read(&no_body, &ctx()), Err(ReadError::Corrupt(_))));
    let missing_doc = zip_of(&[("OFD.xml", ofd_xml(&["Doc_0/Document.xml"], None).as_bytes())]);
    assert!(matches!(
        read(&missing_doc, &ctx()),
        Err(ReadError::Corrupt(_))
    ));
    let encrypted = zip_of(&[
        ("OFD.xml", ofd_xml(&["Doc_0/Document.xml"], None).as_bytes()),
        (
            "Doc_0/Document.xml",
            document_xml(&["Pages/Page_0/Content.xml"], "", "").as_bytes(),
        ),
        ("Doc_0/Pages/Page_0/Content.xml", b"\x93\x11 ciphertext"),
        ("Encryptions.xml", b"<Encryptions/>"),
    ]);
    assert!(matches!(
        read(&encrypted, &ctx()),
        Err(ReadError::Encrypted(_))
    ));
}

#[test]
fn a_missing_page_is_noted_and_the_others_read() {
    let ofd = ofd_xml(&["Doc_0/Document.xml"], None);
    let doc = document_xml(
        &["Pages/Page_0/Content.xml", "Pages/Page_1/Content.xml"],
        "",
        "",
    );
    let second = page_xml("", &line(20.0, 20.0, "第二页"));
    let bytes = zip_of(&[
        ("OFD.xml", ofd.as_bytes()),
        ("Doc_0/Document.xml", doc.as_bytes()),
        ("Doc_0/Pages/Page_1/Content.xml", second.as_bytes()),
    ]);
    let x = read_ok(read, &bytes);
    assert_eq!(paged(&x), vec![("第二页", 2)]);
    assert!(
        x.notes.iter().any(|n| n.starts_with("第 1 页：")),
        "{:?}",
        x.notes
    );
}

#[test]
fn limits_cut_reading_with_truncated_set() {
    let pages: Vec<String> = (0..5)
        .map(|i| page_xml("", &line(20.0, 20.0, &format!("第{i}页"))))
        .collect();
    let bytes = simple(&pages);
    let few_pages = ReadContext::new(Limits {
        max_pages: 2,
        ..Limits::default()
    });
    let x = read(&bytes, &few_pages).expect("read");
    assert_eq!(x.passages.len(), 2);
    assert!(x.truncated.is_some());

    let few_bytes = ReadContext::new(Limits {
        max_file_bytes: 1200,
        ..Limits::default()
    });
    let x = read(&bytes, &few_bytes).expect("read");
    assert!(
        x.truncated
            .as_deref()
            .is_some_and(|t| t.contains("byte limit")),
        "{:?}",
        x.truncated
    );

    let no_time = ReadContext::new(Limits {
        max_file_time: Duration::ZERO,
        ..Limits::default()
    });
    std::thread::sleep(Duration::from_millis(2));
    let x = read(&bytes, &no_time).expect("read");
    assert!(x.truncated.is_some());
    assert!(x.passages.is_empty());

    let deep = page_xml("", &"<ofd:PageBlock>".repeat(2000));
    let x = read_ok(read, &simple(&[deep]));
    assert!(
        x.truncated.as_deref().is_some_and(|t| t.contains("deeper")),
        "{:?}",
        x.truncated
    );
}

#[test]
fn damaged_packages_never_panic() {
    let body = page_xml(
        r#"<ofd:Template TemplateID="5"/>"#,
        &[
            line(20.0, 20.0, "营业执照"),
            line(20.0, 40.0, "统一社会信用代码"),
        ]
        .concat(),
    );
    let good = simple(&[body.clone(), body]);
    let mut seed = 0x2545_f491_u32;
    for round in 0..400 {
        let mut bytes = good.clone();
        for _ in 0..(1 + round % 8) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let at = seed as usize % bytes.len();
            bytes[at] = (seed >> 8) as u8;
        }
        if round % 5 == 0 {
            bytes.truncate(seed as usize % bytes.len());
        }
        let _ = read(&bytes, &ctx());
    }
}
