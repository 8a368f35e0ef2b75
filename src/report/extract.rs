//! `certsift extract --json`: one JSON object per file, one per line. The contract the other
//! stages and users' scripts build on:
//! `{"path", "sha256", "bytes", "kind", "status", "error", "passages": [{"text", "location"}]}`
//! with `kind`, `status` and `location` spelled as in the report contract. Extra keys (`notes`,
//! `ocr_pages`, `pages`, `headings`) appear only when they have something to say.

use crate::model::{Document, FileKind, FileStatus, Location};
use serde::Serialize;

/// One line of `extract --json`.
#[derive(Debug, Serialize)]
pub struct ExtractedFile<'a> {
    /// Path as given or inside its zip (`a.zip!/b.pdf`).
    pub path: &'a str,
    /// Hex sha256 of the bytes.
    pub sha256: &'a str,
    /// Size in bytes.
    pub bytes: u64,
    /// Sniffed kind.
    pub kind: FileKind,
    /// Reading status.
    pub status: FileStatus,
    /// Why, when status is not ok.
    pub error: Option<&'a str>,
    /// Passages in reading order.
    pub passages: Vec<ExtractedPassage<'a>>,
    /// PDF pages without a text layer.
    #[serde(skip_serializing_if = "<[u32]>::is_empty")]
    pub ocr_pages: &'a [u32],
    /// Some text was read by OCR.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ocr: bool,
    /// Pages or sheets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    /// Non-fatal findings.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub notes: &'a [String],
}

/// One passage of `extract --json`.
#[derive(Debug, Serialize)]
pub struct ExtractedPassage<'a> {
    /// Text as found.
    pub text: &'a str,
    /// Where it is.
    pub location: &'a Location,
    /// Enclosing headings (Word) or column headers (sheets).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub headings: &'a [String],
    /// The OCR confidence, for text read by OCR.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocr_confidence: Option<f32>,
}

impl<'a> From<&'a Document> for ExtractedFile<'a> {
    fn from(doc: &'a Document) -> Self {
        ExtractedFile {
            path: &doc.path,
            sha256: &doc.sha256,
            bytes: doc.bytes,
            kind: doc.kind,
            status: doc.status,
            error: doc.error.as_deref(),
            passages: doc
                .passages
                .iter()
                .map(|p| ExtractedPassage {
                    text: &p.text,
                    location: &p.location,
                    headings: &p.headings,
                    ocr_confidence: p.ocr_confidence,
                })
                .collect(),
            ocr_pages: &doc.ocr_pages,
            ocr: doc.ocr,
            pages: doc.pages,
            notes: &doc.notes,
        }
    }
}
