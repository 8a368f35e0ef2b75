//! Hostile PDFs: a ToUnicode range of every four-byte code, page trees and references that
//! loop, a document of many pages, and small ones cut short or mislabelled.

use super::Planted;
use super::zips::zip_of;
use lopdf::{Dictionary, Object, Stream, dictionary};

/// A non-embedded Adobe-GB1 font with the UCS-2 CMap: text shown as hex UTF-16 reads as itself.
fn gb_font() -> Dictionary {
    dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => "STSong-Light",
        "Encoding" => "UniGB-UCS2-H",
        "DescendantFonts" => vec![Object::Dictionary(dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType0",
            "BaseFont" => "STSong-Light",
            "CIDSystemInfo" => dictionary! {
                "Registry" => Object::string_literal("Adobe"),
                "Ordering" => Object::string_literal("GB1"),
                "Supplement" => 4,
            },
            "FontDescriptor" => dictionary! { "Type" => "FontDescriptor", "FontName" => "STSong-Light" },
            "DW" => 1000,
        })],
    }
}

/// 售后服务 in UTF-16BE, for [`gb_font`].
const SHOWN: &[u8] = b"BT /F1 12 Tf 72 700 Td <552E540E670D52A1> Tj ET";

/// A PDF of `pages` pages that all draw one shared content stream with one shared font F1 (made
/// by `font` in the document, which may add the streams it needs), so a page costs only its
/// dictionary on disk.
fn pdf_of_pages(
    pages: usize,
    content: &[u8],
    font: impl FnOnce(&mut lopdf::Document) -> Dictionary,
) -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.5");
    let font = font(&mut doc);
    let font = doc.add_object(font);
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let content = doc.add_object(Stream::new(dictionary! {}, content.to_vec()));
    let pages_id = doc.new_object_id();
    let kids: Vec<Object> = (0..pages)
        .map(|_| {
            doc.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                "Contents" => content,
                "Resources" => resources,
            })
            .into()
        })
        .collect();
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => pages as i64 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    save(&mut doc)
}

fn save(doc: &mut lopdf::Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save pdf");
    out
}

/// A one-page PDF reading 售后服务, to cut short and to mislabel.
pub fn pdf_small() -> Vec<u8> {
    pdf_of_pages(1, SHOWN, |_| gb_font())
}

/// Issue 11 class 4: an embedded Identity-H font whose ToUnicode CMap holds
/// `bfrange <00000000> <FFFFFFFF>`: lopdf built a map of every code (over 400 s and 2 GB at a
/// 5 s limit). Under 1 KB.
pub fn pdf_bfrange() -> Vec<u8> {
    let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
        /CMapName /Hostile def 1 begincodespacerange <00000000> <FFFFFFFF> endcodespacerange\n\
        1 beginbfrange <00000000> <FFFFFFFF> <0041> endbfrange\n\
        endcmap CMapName currentdict /CMap defineresource pop end end";
    let font = |doc: &mut lopdf::Document| {
        let font_file = doc.add_object(Stream::new(dictionary! {}, b"fontdata".to_vec()));
        let to_unicode = doc.add_object(Stream::new(dictionary! {}, cmap.to_vec()));
        dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "BaseFont" => "Hostile",
            "Encoding" => "Identity-H",
            "ToUnicode" => to_unicode,
            "DescendantFonts" => vec![Object::Dictionary(dictionary! {
                "Type" => "Font",
                "Subtype" => "CIDFontType2",
                "BaseFont" => "Hostile",
                "CIDSystemInfo" => dictionary! {
                    "Registry" => Object::string_literal("Adobe"),
                    "Ordering" => Object::string_literal("Identity"),
                    "Supplement" => 0,
                },
                "FontDescriptor" => dictionary! {
                    "Type" => "FontDescriptor", "FontName" => "Hostile", "FontFile2" => font_file,
                },
            })],
        }
    };
    pdf_of_pages(1, b"BT /F1 12 Tf 72 700 Td <0001000200030004> Tj ET", font)
}

/// A page tree that loops: the root `Pages` node's kids are a second `Pages` node whose kids
/// are the root again and the one page. A walker that follows kids without remembering where
/// it has been never ends.
pub fn pdf_page_tree_cycle() -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.5");
    let font = doc.add_object(gb_font());
    let content = doc.add_object(Stream::new(dictionary! {}, SHOWN.to_vec()));
    let root_pages = doc.new_object_id();
    let inner_pages = doc.new_object_id();
    let page = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => inner_pages,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
    });
    doc.objects.insert(
        root_pages,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![inner_pages.into()], "Count" => 1 },
        ),
    );
    doc.objects.insert(
        inner_pages,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Parent" => root_pages,
            "Kids" => vec![root_pages.into(), page.into()], "Count" => 1,
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => root_pages });
    doc.trailer.set("Root", catalog);
    save(&mut doc)
}

/// Objects that are references to each other (5 0 R → 6 0 R → 5 0 R) as a page's `Contents`
/// and `Resources`: resolving either never reaches a value.
pub fn pdf_reference_cycle() -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.5");
    let first = doc.new_object_id();
    let second = doc.new_object_id();
    doc.objects.insert(first, Object::Reference(second));
    doc.objects.insert(second, Object::Reference(first));
    let pages = doc.new_object_id();
    let page = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => first,
        "Resources" => second,
    });
    doc.objects.insert(
        pages,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", catalog);
    save(&mut doc)
}

/// Pages in [`pdf_many_pages`]: the default page limit (2,000), the size, all read.
pub const MANY_PAGES: usize = 2_000;

/// Issue 11 class 5: a PDF of [`MANY_PAGES`] small pages (about 220 KB, 17 KB zipped).
pub fn pdf_many_pages() -> Vec<u8> {
    pdf_of_pages(MANY_PAGES, SHOWN, |_| gb_font())
}

/// Copies of the many-page PDF in [`many_page_copies`]. The issue had 40 in an 826 KB zip run past
/// 100 s at a 5 s limit per file (each member restarts the clock); 4 keep this test fast while
/// still putting four of the largest readable PDFs in one archive.
pub const PAGE_COPIES: usize = 4;

/// A zip of `copies` copies of the many-page PDF.
pub fn many_page_copies(pdf: &[u8], copies: usize) -> (Vec<u8>, Vec<String>) {
    let names: Vec<String> = (1..=copies).map(|n| format!("审计报告{n}.pdf")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), pdf)).collect();
    (zip_of(&entries), names)
}

/// Adds the PDF classes to `planted`.
pub fn plant(dir: &std::path::Path, planted: &mut Vec<Planted>) {
    const OK: &[&str] = &["ok"];
    const LIMIT: &[&str] = &["limit_exceeded"];
    let bfrange = pdf_bfrange();
    super::put(
        dir,
        planted,
        "pdf-全码映射.pdf",
        &bfrange,
        "PDF ToUnicode bfrange of every code",
        LIMIT,
    );
    let names: Vec<String> = (1..=20).map(|n| format!("映射{n:02}.pdf")).collect();
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), bfrange.as_slice()))
        .collect();
    super::put(
        dir,
        planted,
        "pdf-全码映射x20.zip",
        &zip_of(&entries),
        "zip of 20 bfrange PDFs",
        OK,
    )
    .members(&names, LIMIT);
    // A loop must end with some status; which one depends on what the reader salvages.
    super::put(
        dir,
        planted,
        "pdf-页树循环.pdf",
        &pdf_page_tree_cycle(),
        "PDF page tree cycle",
        &[],
    );
    super::put(
        dir,
        planted,
        "pdf-引用循环.pdf",
        &pdf_reference_cycle(),
        "PDF reference cycle",
        &[],
    );
    let many = pdf_many_pages();
    // Within the per-file limit on a quiet machine; a loaded one may hit it, which is also right.
    const OK_OR_LIMIT: &[&str] = &["ok", "limit_exceeded"];
    super::put(
        dir,
        planted,
        "pdf-两千页.pdf",
        &many,
        "PDF of 2,000 pages",
        OK_OR_LIMIT,
    );
    let (bytes, members) = many_page_copies(&many, PAGE_COPIES);
    super::put(
        dir,
        planted,
        "pdf-两千页x4.zip",
        &bytes,
        "zip of 2,000-page PDFs",
        OK,
    )
    .members(&members, OK_OR_LIMIT);
    let small = pdf_small();
    // Cut in half: the reader may salvage the page (lopdf rebuilds a lost xref) or not.
    super::put(
        dir,
        planted,
        "截断-pdf.pdf",
        &small[..small.len() / 2],
        "truncated PDF",
        &["corrupt", "ok"],
    );
    super::put(dir, planted, "错标-pdf.docx", &small, "PDF named .docx", OK);
    super::put(
        dir,
        planted,
        "损坏-pdf.pdf",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog",
        "PDF header then junk",
        &["corrupt"],
    );
}
