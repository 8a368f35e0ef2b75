//! The PowerPoint reader on packages built here; the LibreOffice and python-pptx decks of
//! `fixtures/formats/pptx` are read in `tests/formats.rs`.

use super::read;
use crate::ingest::test_support::{ctx, located_texts, read_ok, texts, zip_of};
use crate::ingest::{Limits, ReadContext, ReadError};
use crate::model::Location;

const P: &str = r#"xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn shape(paras: &[&str]) -> String {
    let ps: String = paras
        .iter()
        .map(|t| format!("<a:p><a:r><a:rPr lang=\"zh-CN\"/><a:t>{t}</a:t></a:r></a:p>"))
        .collect();
    format!(
        "<p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"t\"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:txBody><a:bodyPr/>{ps}</p:txBody></p:sp>"
    )
}

fn slide(shapes: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><p:sld {P}><p:cSld><p:spTree>{shapes}</p:spTree></p:cSld></p:sld>"#
    )
}

/// A deck whose slide parts are given in presentation order as (part name, xml, notes xml).
fn deck(slides: &[(&str, String, Option<String>)]) -> Vec<u8> {
    let ids: String = (0..slides.len())
        .map(|i| format!(r#"<p:sldId id="{}" r:id="rId{}"/>"#, 256 + i, 10 + i))
        .collect();
    let pres = format!(
        r#"<?xml version="1.0"?><p:presentation {P}><p:sldIdLst>{ids}</p:sldIdLst></p:presentation>"#
    );
    let pres_rels: String = slides
        .iter()
        .enumerate()
        .map(|(i, (name, _, _))| {
            format!(
                r#"<Relationship Id="rId{}" Type="{REL}/slide" Target="slides/{name}"/>"#,
                10 + i
            )
        })
        .collect();
    let pres_rels = format!("<Relationships>{pres_rels}</Relationships>");
    let root_rels = format!(
        r#"<Relationships><Relationship Id="rId1" Type="{REL}/officeDocument" Target="ppt/presentation.xml"/></Relationships>"#
    );
    let mut owned: Vec<(String, Vec<u8>)> = vec![
        ("_rels/.rels".into(), root_rels.into_bytes()),
        ("ppt/presentation.xml".into(), pres.into_bytes()),
        (
            "ppt/_rels/presentation.xml.rels".into(),
            pres_rels.into_bytes(),
        ),
    ];
    for (i, (name, xml, notes)) in slides.iter().enumerate() {
        owned.push((format!("ppt/slides/{name}"), xml.clone().into_bytes()));
        if let Some(notes) = notes {
            let notes_name = format!("notesSlide{}.xml", i + 1);
            owned.push((
                format!("ppt/notesSlides/{notes_name}"),
                notes.clone().into_bytes(),
            ));
            owned.push((
                format!("ppt/slides/_rels/{name}.rels"),
                format!(r#"<Relationships><Relationship Id="rId2" Type="{REL}/notesSlide" Target="../notesSlides/{notes_name}"/></Relationships>"#).into_bytes(),
            ));
        }
    }
    let entries: Vec<(&str, &[u8])> = owned
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    zip_of(&entries)
}

fn at(slide: u32, paragraph: u32) -> Location {
    Location::Slide {
        slide,
        paragraph,
        notes: false,
        table: None,
        row: None,
        col: None,
    }
}

#[test]
fn slides_come_in_presentation_order_not_part_name_order() {
    let bytes = deck(&[
        (
            "slide2.xml",
            slide(&shape(&["公司简介", "", "售后服务体系"])),
            None,
        ),
        ("slide1.xml", slide(&shape(&["企业资质"])), None),
    ]);
    let x = read_ok(read, &bytes);
    assert_eq!(x.pages, Some(2));
    assert_eq!(
        located_texts(&x),
        vec![
            ("公司简介", &at(1, 0)),
            ("售后服务体系", &at(1, 2)),
            ("企业资质", &at(2, 0)),
        ]
    );
}

#[test]
fn tables_give_one_passage_per_cell_with_row_and_grid_column() {
    let table = r#"<p:graphicFrame><a:graphic><a:graphicData><a:tbl><a:tblGrid><a:gridCol/><a:gridCol/></a:tblGrid>
        <a:tr><a:tc><a:txBody><a:p><a:r><a:t>网点名称</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:p><a:r><a:t>电话</a:t></a:r></a:p></a:txBody></a:tc></a:tr>
        <a:tr><a:tc gridSpan="2"><a:txBody><a:p><a:r><a:t>全省12个网点</a:t></a:r></a:p><a:p><a:r><a:t>72小时内供货</a:t></a:r></a:p></a:txBody></a:tc><a:tc hMerge="1"><a:txBody><a:p><a:r><a:t>重复</a:t></a:r></a:p></a:txBody></a:tc></a:tr>
        </a:tbl></a:graphicData></a:graphic></p:graphicFrame>"#;
    let bytes = deck(&[(
        "slide1.xml",
        slide(&[shape(&["服务网点"]), table.to_string()].concat()),
        None,
    )]);
    let x = read_ok(read, &bytes);
    let cell = |paragraph, row, col| Location::Slide {
        slide: 1,
        paragraph,
        notes: false,
        table: Some(0),
        row: Some(row),
        col: Some(col),
    };
    assert_eq!(
        located_texts(&x),
        vec![
            ("服务网点", &at(1, 0)),
            ("网点名称", &cell(1, 0, 0)),
            ("电话", &cell(2, 0, 1)),
            ("全省12个网点\n72小时内供货", &cell(3, 1, 0)),
        ]
    );
}

#[test]
fn notes_are_read_after_their_slide_without_the_slide_number() {
    let notes = format!(
        r#"<p:notes {P}><p:cSld><p:spTree>
        <p:sp><p:nvSpPr><p:cNvPr id="1" name="n"/><p:cNvSpPr/><p:nvPr><p:ph type="body"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>强调投诉处理时限</a:t></a:r></a:p></p:txBody></p:sp>
        <p:sp><p:nvSpPr><p:cNvPr id="2" name="s"/><p:cNvSpPr/><p:nvPr><p:ph type="sldNum"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:fld type="slidenum"><a:t>1</a:t></a:fld></a:p></p:txBody></p:sp>
        </p:spTree></p:cSld></p:notes>"#
    );
    let bytes = deck(&[
        ("slide1.xml", slide(&shape(&["售后服务承诺"])), Some(notes)),
        ("slide2.xml", slide(&shape(&["服务网点"])), None),
    ]);
    let x = read_ok(read, &bytes);
    let note = Location::Slide {
        slide: 1,
        paragraph: 0,
        notes: true,
        table: None,
        row: None,
        col: None,
    };
    assert_eq!(
        located_texts(&x),
        vec![
            ("售后服务承诺", &at(1, 0)),
            ("强调投诉处理时限", &note),
            ("服务网点", &at(2, 0)),
        ]
    );
}

#[test]
fn fallback_copies_line_breaks_and_entities() {
    let content = r#"<mc:AlternateContent><mc:Choice Requires="wps"><p:sp><p:txBody><a:p><a:r><a:t>投诉&amp;建议</a:t></a:r><a:br/><a:r><a:t>热线</a:t></a:r></a:p></p:txBody></p:sp></mc:Choice>
        <mc:Fallback><p:sp><p:txBody><a:p><a:r><a:t>投诉&amp;建议</a:t></a:r></a:p></p:txBody></p:sp></mc:Fallback></mc:AlternateContent>"#;
    let x = read_ok(read, &deck(&[("slide1.xml", slide(content), None)]));
    assert_eq!(texts(&x), vec!["投诉&建议\n热线"]);
}

#[test]
fn broken_decks_are_corrupt_or_limited_never_a_panic() {
    assert!(matches!(read(b"junk", &ctx()), Err(ReadError::Corrupt(_))));
    let no_pres = zip_of(&[("word/document.xml", b"<w:document/>")]);
    assert!(matches!(read(&no_pres, &ctx()), Err(ReadError::Corrupt(_))));
    let broken = deck(&[("slide1.xml", "<p:sld><<<".to_string(), None)]);
    assert!(matches!(read(&broken, &ctx()), Err(ReadError::Corrupt(_))));

    let many: Vec<(String, String)> = (1..=5)
        .map(|i| {
            (
                format!("slide{i}.xml"),
                slide(&shape(&["第一段", "第二段"])),
            )
        })
        .collect();
    let slides: Vec<(&str, String, Option<String>)> = many
        .iter()
        .map(|(n, x)| (n.as_str(), x.clone(), None))
        .collect();
    let bytes = deck(&slides);
    let few = ReadContext::new(Limits {
        max_pages: 2,
        ..Limits::default()
    });
    let x = read(&bytes, &few).expect("read");
    assert_eq!(x.passages.len(), 4);
    assert!(x.truncated.is_some());
    let few_passages = ReadContext::new(Limits {
        max_passages: 3,
        ..Limits::default()
    });
    let x = read(&bytes, &few_passages).expect("read");
    assert_eq!(x.passages.len(), 3);
    assert!(x.truncated.is_some());

    let deep = slide(&"<p:grpSp>".repeat(5000));
    let x = read_ok(read, &deck(&[("slide1.xml", deep, None)]));
    assert!(x.truncated.is_some());

    let mut seed = 0x9e37_79b9_u32;
    for round in 0..300 {
        let mut bytes = bytes.clone();
        for _ in 0..(1 + round % 6) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let at = seed as usize % bytes.len();
            bytes[at] = (seed >> 8) as u8;
        }
        let _ = read(&bytes, &ctx());
    }
}

/// A text box at (`x`, `y`) EMU, or without a position of its own; `title` makes it the title
/// placeholder.
fn placed(text: &str, at: Option<(i64, i64)>, title: bool) -> String {
    let ph = if title { r#"<p:ph type="title"/>"# } else { "" };
    let xfrm = at.map_or(String::new(), |(x, y)| {
        format!(r#"<a:xfrm><a:off x="{x}" y="{y}"/><a:ext cx="100" cy="100"/></a:xfrm>"#)
    });
    format!(
        "<p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"t\"/><p:cNvSpPr/><p:nvPr>{ph}</p:nvPr></p:nvSpPr><p:spPr>{xfrm}</p:spPr><p:txBody><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>"
    )
}

#[test]
fn shapes_are_read_in_reading_order_title_first() {
    let shapes = [
        placed("页脚说明", Some((500_000, 6_000_000)), false),
        placed("右栏", Some((5_000_000, 1_500_100)), false),
        // A hair higher than the right column: the same row, read after the left column.
        placed("左栏", Some((500_000, 1_600_000)), false),
        placed("正文占位", None, false),
        placed("公司简介", None, true),
        placed("第二行", Some((500_000, 3_000_000)), false),
    ]
    .concat();
    let bytes = deck(&[("slide1.xml", slide(&shapes), None)]);
    let x = read_ok(read, &bytes);
    assert_eq!(
        located_texts(&x),
        vec![
            ("公司简介", &at(1, 0)),
            ("正文占位", &at(1, 1)),
            ("左栏", &at(1, 2)),
            ("右栏", &at(1, 3)),
            ("第二行", &at(1, 4)),
            ("页脚说明", &at(1, 5)),
        ]
    );
}

#[test]
fn pictures_on_slides_are_handed_to_ocr() {
    let pic = r#"<p:pic><p:nvPicPr><p:cNvPr id="4" name="执照"/><p:cNvPicPr/><p:nvPr/></p:nvPicPr><p:blipFill><a:blip r:embed="rId7"/></p:blipFill><p:spPr><a:xfrm><a:off x="0" y="900000"/><a:ext cx="1" cy="1"/></a:xfrm></p:spPr></p:pic>"#;
    let mut bytes = deck(&[(
        "slide1.xml",
        slide(&[shape(&["营业执照"]), pic.to_string()].concat()),
        None,
    )]);
    // The deck's builder writes no slide relationships without notes: rebuild with them.
    let rels = format!(
        r#"<Relationships><Relationship Id="rId7" Type="{REL}/image" Target="../media/image1.png"/></Relationships>"#
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).expect("zip");
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut b).expect("read");
        entries.push((f.name().expect("name").into_owned(), b));
    }
    entries.push(("ppt/slides/_rels/slide1.xml.rels".into(), rels.into_bytes()));
    entries.push(("ppt/media/image1.png".into(), b"not a png".to_vec()));
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    bytes = zip_of(&refs);
    let limits = Limits {
        ocr: crate::ingest::ocr::OcrMode::Off,
        ..Limits::default()
    };
    let x = read(&bytes, &ReadContext::new(limits)).expect("reads");
    assert_eq!(texts(&x), vec!["营业执照"]);
    assert!(
        x.notes
            .iter()
            .any(|n| n.starts_with("文档中的 1 张图片未读取（OCR 已关闭")),
        "{:?}",
        x.notes
    );
}
