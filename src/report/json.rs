//! The bundle report (`report.json`): wire types mirroring `shared/domain/report.schema.json`,
//! and nothing else. Nested parts reuse the model's serde shapes, which match the contract
//! (extra keys such as an evidence's `strength` and `terms` are allowed by the schema).

use crate::model::{
    Bundle, FieldValue, FileKind, FileStatus, Flag, IndicatorFinding, MaterialFinding, MaterialId,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The report's schema version (contract: `1`).
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// One bundle's report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleReport {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Bundle id.
    pub bundle: String,
    /// Review date, `YYYY-MM-DD`.
    pub as_of: String,
    /// Every file read, zip members included.
    pub files: Vec<FileEntry>,
    /// Every catalog material.
    pub materials: Vec<MaterialFinding>,
    /// Every level-2 catalog indicator.
    pub indicators: Vec<IndicatorFinding>,
    /// The applicant's fields (one per name) and certificate fields.
    pub fields: Vec<FieldValue>,
    /// Problems, errors first.
    pub flags: Vec<Flag>,
    /// Weighted evidence coverage and the estimated score band (an addition to the contract).
    pub coverage: Coverage,
}

/// One file in the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    /// Bundle-relative path.
    pub path: String,
    /// Hex sha256.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Sniffed kind.
    pub kind: FileKind,
    /// Reading status.
    pub status: FileStatus,
    /// Why, when not ok.
    pub error: Option<String>,
    /// Number of passages read.
    pub passages: usize,
    /// Materials this file was classified as.
    pub materials: Vec<MaterialId>,
    /// PDF pages needing OCR.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ocr_pages: Vec<u32>,
    /// Some of the text was read by OCR (`files[].ocr` of the contract, only when true).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ocr: bool,
    /// Reader notes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl FileEntry {
    /// The entries of a bundle's files, with their materials.
    pub fn list(bundle: &Bundle, file_materials: &BTreeMap<String, Vec<MaterialId>>) -> Vec<Self> {
        bundle
            .documents
            .iter()
            .map(|doc| FileEntry {
                path: doc.path.clone(),
                sha256: doc.sha256.clone(),
                bytes: doc.bytes,
                kind: doc.kind,
                status: doc.status,
                error: doc.error.clone(),
                passages: doc.passages.len(),
                materials: file_materials.get(&doc.path).cloned().unwrap_or_default(),
                ocr_pages: doc.ocr_pages.clone(),
                ocr: doc.ocr,
                notes: doc.notes.clone(),
            })
            .collect()
    }
}

/// Weighted evidence coverage: an estimate from documents only, never a score.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Coverage {
    /// Per level-1 indicator: share of its applicable weight that has evidence (supported = 1,
    /// weak = 0.5), 0–1.
    pub level1: Vec<Level1Coverage>,
    /// The same over all applicable level-2 indicators, scaled to 0–100.
    pub estimated_score: f64,
    /// The GB/T 27922 band that score would fall in (达标 ≥ 70, 三星 ≥ 80, 四星 ≥ 90, 五星 ≥ 95), or
    /// 未达标.
    pub estimated_band: String,
    /// Says what this is, so nobody mistakes it for an audit result.
    pub note: String,
}

/// Coverage of one level-1 indicator.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Level1Coverage {
    /// Level-1 id (`5.1`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// 0–1.
    pub coverage: f64,
}
