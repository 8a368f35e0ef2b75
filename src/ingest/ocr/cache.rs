//! Pages already read by OCR, kept by the sha256 of their pixels under the batch's OUT
//! (`OUT/ocr-cache/ab/abcdef….json`), so a nightly rerun of a bundle that changed in one file,
//! or the same licence scan sent in two bundles, never OCRs the same image twice.
//!
//! The key covers what decides the reading: the engine (name and language), the image's size
//! and every pixel. An entry is written atomically (a temporary file renamed into place), so a
//! run killed mid-write leaves no half entry; an entry that cannot be read is ignored and
//! rewritten. The cache is an optimisation only: any failure to read or write it just means the
//! page is read again.

use super::{OcrLine, PageText, Upright};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Bumped when the stored form or the reading pipeline changes what a page gives.
const VERSION: u32 = 2;

/// What is stored for one page.
#[derive(Serialize, Deserialize)]
struct Entry {
    version: u32,
    lines: Vec<StoredLine>,
    quarter_turn: bool,
    skew_degrees: f32,
    flipped: bool,
}

#[derive(Serialize, Deserialize)]
struct StoredLine {
    text: String,
    bbox: [u32; 4],
    confidence: f32,
}

/// The cache key of `image` read by `engine`.
pub(super) fn key(engine: &str, image: &image::GrayImage) -> String {
    let mut hash = Sha256::new();
    hash.update(VERSION.to_le_bytes());
    hash.update(engine.as_bytes());
    hash.update([0]);
    hash.update(image.width().to_le_bytes());
    hash.update(image.height().to_le_bytes());
    hash.update(image.as_raw());
    hex::encode(hash.finalize())
}

fn path_of(dir: &Path, key: &str) -> PathBuf {
    dir.join(key.get(..2).unwrap_or("00"))
        .join(format!("{key}.json"))
}

/// The page stored under `key`, if any.
pub(super) fn get(dir: &Path, key: &str) -> Option<PageText> {
    let bytes = std::fs::read(path_of(dir, key)).ok()?;
    let entry: Entry = serde_json::from_slice(&bytes).ok()?;
    (entry.version == VERSION).then(|| PageText {
        lines: entry
            .lines
            .into_iter()
            .map(|l| OcrLine {
                text: l.text,
                bbox: l.bbox,
                confidence: l.confidence,
            })
            .collect(),
        upright: Upright {
            quarter_turn: entry.quarter_turn,
            skew_degrees: entry.skew_degrees,
            flipped: entry.flipped,
        },
    })
}

/// Stores `page` under `key`; failures are logged and otherwise ignored.
pub(super) fn put(dir: &Path, key: &str, page: &PageText) {
    let entry = Entry {
        version: VERSION,
        lines: page
            .lines
            .iter()
            .map(|l| StoredLine {
                text: l.text.clone(),
                bbox: l.bbox,
                confidence: l.confidence,
            })
            .collect(),
        quarter_turn: page.upright.quarter_turn,
        skew_degrees: page.upright.skew_degrees,
        flipped: page.upright.flipped,
    };
    let path = path_of(dir, key);
    let written = (|| -> std::io::Result<()> {
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)?;
        let bytes = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        let mut temp = tempfile::NamedTempFile::new_in(parent)?;
        std::io::Write::write_all(&mut temp, &bytes)?;
        temp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    })();
    if let Err(e) = written {
        tracing::debug!("OCR cache entry {} not written: {e}", path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_round_trips_and_another_image_or_engine_misses() {
        let dir = tempfile::tempdir().expect("tempdir");
        let image = image::GrayImage::from_pixel(4, 3, image::Luma([200]));
        let page = PageText {
            lines: vec![OcrLine {
                text: "统一社会信用代码".into(),
                bbox: [1, 2, 3, 4],
                confidence: 0.9,
            }],
            upright: Upright {
                quarter_turn: true,
                skew_degrees: 1.5,
                flipped: false,
            },
        };
        let k = key("tesseract HanS", &image);
        assert!(get(dir.path(), &k).is_none());
        put(dir.path(), &k, &page);
        assert_eq!(get(dir.path(), &k), Some(page));

        let mut other = image.clone();
        other.put_pixel(0, 0, image::Luma([0]));
        assert_ne!(key("tesseract HanS", &other), k);
        assert_ne!(key("tesseract chi_sim", &image), k);
    }
}
