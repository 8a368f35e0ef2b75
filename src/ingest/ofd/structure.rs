//! What an OFD's structure parts say: the documents of `OFD.xml`, and of each `Document.xml`
//! its pages in order, template pages, resource files and annotation list; of a resource file
//! its images; of an annotation list which file annotates which page.
//!
//! Every location is resolved here against the file that holds it ([`Names::resolve`]), so the
//! rest of the reader deals in zip entries only.

use super::names::{Names, folder};
use super::tree::Element;
use std::collections::HashMap;

/// A zip entry: its index and normalised path.
pub(super) type Entry = (usize, String);

/// One `DocBody` of `OFD.xml`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Body {
    /// Its `Document.xml`, when the entry exists.
    pub(super) root: Option<Entry>,
    /// The `DocRoot` as written (for messages).
    pub(super) root_written: String,
    /// Its `Signatures.xml`, when it names one that exists.
    pub(super) signatures: Option<Entry>,
}

/// The documents of `OFD.xml`, in order.
pub(super) fn bodies(ofd: &Element, names: &Names) -> Vec<Body> {
    ofd.children("DocBody")
        .map(|body| {
            let root_written = body.child_text("DocRoot").unwrap_or("").to_string();
            Body {
                root: names.resolve(&[""], &root_written),
                signatures: body
                    .child_text("Signatures")
                    .and_then(|s| names.resolve(&[""], s)),
                root_written,
            }
        })
        .collect()
}

/// One page of a document.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PageRef {
    /// Its `ID`, which annotations refer to.
    pub(super) id: Option<String>,
    /// Its content part, when the entry exists.
    pub(super) content: Option<Entry>,
    /// The `BaseLoc` as written (for messages).
    pub(super) written: String,
}

/// What one `Document.xml` lists.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct DocumentParts {
    /// Pages in order.
    pub(super) pages: Vec<PageRef>,
    /// Template pages by ID.
    pub(super) templates: HashMap<String, Entry>,
    /// `PublicRes` and `DocumentRes` files.
    pub(super) resources: Vec<Entry>,
    /// The annotation list.
    pub(super) annotations: Option<Entry>,
    /// Attachments are listed (not read).
    pub(super) attachments: bool,
    /// The document's `CommonData/PageArea/PhysicalBox`.
    pub(super) page_box: Option<[f32; 4]>,
}

/// Reads a `Document.xml` at `path`.
pub(super) fn document(doc: &Element, path: &str, names: &Names) -> DocumentParts {
    let dir = folder(path);
    let bases = [dir];
    let resolve = |loc: &str| names.resolve(&bases, loc);
    let mut parts = DocumentParts::default();
    for pages in doc.children("Pages") {
        for page in pages.children("Page") {
            let written = page.attr("BaseLoc").unwrap_or("").to_string();
            parts.pages.push(PageRef {
                id: page.attr("ID").map(|s| s.trim().to_string()),
                content: resolve(&written),
                written,
            });
        }
    }
    if let Some(common) = doc.child("CommonData") {
        for template in common.children("TemplatePage") {
            if let (Some(id), Some(loc)) = (template.attr("ID"), template.attr("BaseLoc"))
                && let Some(entry) = resolve(loc)
            {
                parts.templates.insert(id.trim().to_string(), entry);
            }
        }
        for res in common
            .children("PublicRes")
            .chain(common.children("DocumentRes"))
        {
            if let Some(entry) = resolve(res.text.trim()) {
                parts.resources.push(entry);
            }
        }
        parts.page_box = common
            .child("PageArea")
            .and_then(|a| a.child_text("PhysicalBox"))
            .and_then(super::deltas::numbers::<4>);
    }
    parts.annotations = doc.child_text("Annotations").and_then(resolve);
    parts.attachments = doc.child("Attachments").is_some();
    parts
}

/// Which annotation files annotate which page (by page ID), from an `Annotations.xml` at
/// `path`.
pub(super) fn annotations(
    list: &Element,
    path: &str,
    names: &Names,
) -> HashMap<String, Vec<Entry>> {
    let dir = folder(path);
    let mut by_page: HashMap<String, Vec<Entry>> = HashMap::new();
    for page in list.children("Page") {
        let Some(id) = page.attr("PageID") else {
            continue;
        };
        for loc in page.children("FileLoc") {
            if let Some(entry) = names.resolve(&[dir], loc.text.trim()) {
                by_page
                    .entry(id.trim().to_string())
                    .or_default()
                    .push(entry);
            }
        }
    }
    by_page
}

/// An image resource.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Media {
    /// Its file, when the entry exists.
    pub(super) file: Option<Entry>,
    /// `Format` as declared (`JPEG`, `PNG`, `GBIG2`…), upper case.
    pub(super) format: String,
}

/// The images of a resource file at `path` by ID; their files are relative to the file's
/// `BaseLoc` folder (or, for loose writers, the file's own folder).
pub(super) fn media(res: &Element, path: &str, names: &Names) -> HashMap<String, Media> {
    let dir = folder(path);
    let base = res
        .attr("BaseLoc")
        .map(|b| super::names::normalise(&format!("{dir}/{b}")))
        .unwrap_or_else(|| dir.to_string());
    let mut out = HashMap::new();
    let mut found = Vec::new();
    res.descendants("MultiMedia", &mut found);
    for m in found {
        let Some(id) = m.attr("ID") else { continue };
        let file = m
            .child_text("MediaFile")
            .and_then(|f| names.resolve(&[&base, dir], f));
        out.insert(
            id.trim().to_string(),
            Media {
                file,
                format: m.attr("Format").unwrap_or("").trim().to_ascii_uppercase(),
            },
        );
    }
    out
}

/// How many signatures a `Signatures.xml` lists.
pub(super) fn signature_count(list: &Element) -> usize {
    list.children("Signature").count()
}
