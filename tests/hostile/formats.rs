//! Hostile OFD, PowerPoint and RTF files: a glyph repeat of four billion, a page listed 20,000
//! times, XML nested too deep, groups nested too deep,
//! a `\bin` longer than the file, and each format cut short or mislabelled.

use super::Planted;
use super::zips::zip_of;

const OFD_NS: &str = r#"xmlns:ofd="http://www.ofdspec.org/2016""#;

/// An OFD whose one document lists `pages` (each `Pages/Page_0/Content.xml`) and whose page
/// content is `content`.
fn ofd(pages: usize, content: &str) -> Vec<u8> {
    let root = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {OFD_NS} Version="1.1" DocType="OFD"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#
    );
    let listed = r#"<ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/>"#.repeat(pages);
    let doc = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Document {OFD_NS}><ofd:Pages>{listed}</ofd:Pages></ofd:Document>"#
    );
    let page = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Page {OFD_NS}><ofd:Content><ofd:Layer>{content}</ofd:Layer></ofd:Content></ofd:Page>"#
    );
    zip_of(&[
        ("OFD.xml", root.as_bytes()),
        ("Doc_0/Document.xml", doc.as_bytes()),
        ("Doc_0/Pages/Page_0/Content.xml", page.as_bytes()),
    ])
}

fn ofd_text(text: &str, delta_x: &str) -> String {
    format!(
        r#"<ofd:TextObject ID="2" Boundary="20 20 170 10" Size="5"><ofd:TextCode X="0" Y="5" DeltaX="{delta_x}">{text}</ofd:TextCode></ofd:TextObject>"#
    )
}

/// A small ordinary OFD, to cut short and to mislabel.
pub fn ofd_small() -> Vec<u8> {
    ofd(1, &ofd_text("售后服务管理制度", "g 7 5"))
}

/// A small ordinary .pptx.
pub fn pptx_small() -> Vec<u8> {
    pptx_with_slide("<a:p><a:r><a:t>售后服务承诺</a:t></a:r></a:p>")
}

fn pptx_with_slide(body: &str) -> Vec<u8> {
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let pres = format!(
        r#"<p:presentation xmlns:p="p" xmlns:r="{REL}"><p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst></p:presentation>"#
    );
    let rels = format!(
        r#"<Relationships><Relationship Id="rId2" Type="{REL}/slide" Target="slides/slide1.xml"/></Relationships>"#
    );
    let slide = format!(
        r#"<p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree><p:sp><p:txBody>{body}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#
    );
    zip_of(&[
        ("ppt/presentation.xml", pres.as_bytes()),
        ("ppt/_rels/presentation.xml.rels", rels.as_bytes()),
        ("ppt/slides/slide1.xml", slide.as_bytes()),
    ])
}

/// Adds the OFD, PowerPoint and RTF classes to `planted`.
pub fn plant(dir: &std::path::Path, planted: &mut Vec<Planted>) {
    const OK: &[&str] = &["ok"];
    const LIMIT: &[&str] = &["limit_exceeded"];
    const CORRUPT: &[&str] = &["corrupt"];
    let put = |planted: &mut Vec<Planted>, name, bytes: &[u8], class, expect| {
        super::put(dir, planted, name, bytes, class, expect);
    };
    put(
        planted,
        "ofd-四十亿字距.ofd",
        &ofd(1, &ofd_text("营业执照", "g 4000000000 5")),
        "OFD DeltaX repeat of 4e9",
        OK,
    );
    put(
        planted,
        "ofd-两万页.ofd",
        &ofd(20_000, &ofd_text("第一页", "g 2 5")),
        "OFD one page listed 20,000 times (over the page limit)",
        LIMIT,
    );
    put(
        planted,
        "ofd-深嵌套.ofd",
        &ofd(1, &"<ofd:PageBlock>".repeat(100_000)),
        "OFD page content nested 100,000 deep",
        LIMIT,
    );
    put(
        planted,
        "pptx-深嵌套.pptx",
        &pptx_with_slide(&"<a:p>".repeat(100_000)),
        "PPTX slide nested 100,000 deep",
        LIMIT,
    );
    let deep_rtf = format!("{{\\rtf1 售后{}", "{".repeat(100_000));
    put(
        planted,
        "rtf-深嵌套.rtf",
        deep_rtf.as_bytes(),
        "RTF groups nested 100,000 deep",
        LIMIT,
    );
    put(
        planted,
        "rtf-超长bin.rtf",
        b"{\\rtf1 \\u21806?\\bin99999999999 x}",
        "RTF \\bin past the end of the file",
        OK,
    );
    for (name, bytes) in [
        ("截断-ofd.ofd", ofd_small()),
        ("截断-pptx.pptx", pptx_small()),
    ] {
        put(
            planted,
            name,
            &bytes[..bytes.len() / 2],
            "truncated package",
            CORRUPT,
        );
    }
    put(planted, "错标-ofd.pdf", &ofd_small(), "OFD named .pdf", OK);
    put(
        planted,
        "错标-pptx.docx",
        &pptx_small(),
        "PPTX named .docx",
        OK,
    );
}
