//! Bundles and assessments for the index's unit tests.

use crate::model::{Bundle, Document, FileKind, FileStatus, Location, Part, Passage};
use crate::rules::{Assessment, FileMaterials};

/// A bundle `id` of one Word file at `path` with content hash `sha256`, one body paragraph per
/// text, numbered from 0.
pub(crate) fn one_file_bundle(id: &str, path: &str, sha256: &str, texts: &[&str]) -> Bundle {
    Bundle {
        id: id.into(),
        documents: vec![Document {
            path: path.into(),
            sha256: sha256.into(),
            bytes: 1,
            kind: FileKind::Docx,
            declared_kind: Some(FileKind::Docx),
            status: FileStatus::Ok,
            error: None,
            passages: texts
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    Passage::new(
                        *t,
                        Location::Paragraph {
                            part: Part::Body,
                            paragraph: u32::try_from(i).unwrap_or(u32::MAX),
                        },
                    )
                })
                .collect(),
            ocr_pages: Vec::new(),
            ocr: false,
            pages: None,
            notes: Vec::new(),
        }],
    }
}

/// An assessment that cites nothing and classifies nothing.
pub(crate) fn empty_assessment() -> Assessment {
    Assessment {
        as_of: chrono::NaiveDate::default(),
        file_materials: FileMaterials::default(),
        materials: Vec::new(),
        indicators: Vec::new(),
        fields: Vec::new(),
        flags: Vec::new(),
        expiry_dates: Vec::new(),
    }
}
