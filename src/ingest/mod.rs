//! Reading: bytes → [`Document`]s of located [`Passage`]s, one per file and zip member.
//!
//! [`sniff`] decides the kind from the content; one reader per format turns bytes into passages
//! ([`pdf`], [`docx`], [`sheet`], [`text`]; [`zip`] yields members that are read recursively).
//! Every file is read on its own behind [`read_isolated`]: an error *or a panic* inside a reader
//! becomes that file's status and message, and the rest of the bundle goes on. Limits on bytes,
//! pages, time and decompression ([`Limits`]) are checked cooperatively by the readers through a
//! [`ReadContext`] (loops whose length the input controls read its clock through one
//! [`clock::Clock`]), so a hostile file ends with `limit_exceeded` instead of hanging the batch.
//!
//! What this stage leaves to others: deciding what text *means* (rules), flags such as
//! `extension_mismatch` (rules, from [`Document::declared_kind`]) and storage (index).

pub mod doc;
pub mod docx;
pub mod names;
pub mod ocr;
pub(crate) mod odt;
pub mod ofd;
pub mod paddle;
pub mod pdf;
pub mod pptx;
pub mod rtf;
pub(crate) mod sheet;
pub(crate) mod sniff;
pub(crate) mod text;
pub mod worker;
pub mod zip;

pub mod budget;
mod bundle;
mod clock;
pub mod entry;
mod flow;
mod headings;
mod package;
#[cfg(test)]
pub(crate) mod test_support;

pub use budget::{Deadlines, TimeBudget, TimeScope};
pub use bundle::{bundle_id, read_bundle, read_bundle_observed, read_inputs, read_path};
pub use entry::{Entry, list_entries};

use crate::model::{Document, FileKind, FileStatus, Passage};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

pub use worker::Isolation;

/// Per-file and per-archive limits, and where files are read (in this process or in worker
/// processes, see [`worker`]). The defaults suit application bundles: a 200-page audit report, a
/// 10 MB network list, zips of a few hundred files.
///
/// Serialisable so a worker process gets the same limits; `isolation` is not sent (a worker
/// always reads in its own process).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest file read, in bytes (a zip member counts its uncompressed size).
    pub max_file_bytes: u64,
    /// Most PDF pages read; later pages are skipped with a note and `limit_exceeded`.
    pub max_pages: u32,
    /// Wall time one file may take before its reader gives up.
    pub max_file_time: Duration,
    /// Wall time the members of one archive may take together, nested archives included.
    #[serde(default = "default_archive_time")]
    pub max_archive_time: Duration,
    /// Wall time the files of one bundle may take together; files not started by then are
    /// `limit_exceeded`.
    #[serde(default = "default_bundle_time")]
    pub max_bundle_time: Duration,
    /// Most passages (and hence text) kept from one file.
    pub max_passages: usize,
    /// Most passages kept from one bundle, in file order: this bounds the work of the rules and
    /// the index, which is linear in passages.
    #[serde(default = "default_bundle_passages")]
    pub max_bundle_passages: usize,
    /// Most spreadsheet cells visited in one workbook.
    pub max_cells: u64,
    /// Total uncompressed bytes one archive may expand to, nested archives included.
    pub max_zip_total_bytes: u64,
    /// Largest uncompressed/compressed ratio accepted for a zip member (zip bombs).
    pub max_zip_ratio: u64,
    /// Most entries in one archive.
    pub max_zip_entries: usize,
    /// Deepest nesting of archives (a zip in a zip is depth 2).
    pub max_zip_depth: u32,
    /// Address space one worker process may use (`RLIMIT_AS`), in bytes; a file that needs more
    /// costs only its worker and gets `limit_exceeded`. Ignored when reading in-process.
    pub max_worker_memory: u64,
    /// When to OCR (`--ocr auto|off|force`); requests from before OCR existed mean `auto`.
    #[serde(default)]
    pub ocr: ocr::OcrMode,
    /// Which OCR engine (`--ocr-engine`); requests from before the choice existed mean `auto`.
    #[serde(default)]
    pub ocr_engine: ocr::EngineChoice,
    /// Where pages read by OCR are kept by their pixels' sha256 ([`ocr`]'s cache; the batch sets
    /// `OUT/ocr-cache`), so no image is read twice; `None` reads every page.
    #[serde(default)]
    pub ocr_cache: Option<std::path::PathBuf>,
    /// In-process (the library's default: it cannot know which binary to start) or in worker
    /// processes of a given program (the command line's default).
    #[serde(skip)]
    pub isolation: Isolation,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 256 * 1024 * 1024,
            max_pages: 2_000,
            max_file_time: Duration::from_secs(60),
            max_archive_time: default_archive_time(),
            max_bundle_time: default_bundle_time(),
            max_passages: 200_000,
            max_bundle_passages: default_bundle_passages(),
            max_cells: 5_000_000,
            max_zip_total_bytes: 2 * 1024 * 1024 * 1024,
            max_zip_ratio: 200,
            max_zip_entries: 10_000,
            max_zip_depth: 4,
            // Two workers on a 2-core, 24 GB box leave most of the memory to the rest; a real
            // 200-page PDF needs a few hundred MB.
            max_worker_memory: 4 * 1024 * 1024 * 1024,
            ocr: ocr::OcrMode::Auto,
            ocr_engine: ocr::EngineChoice::Auto,
            ocr_cache: None,
            isolation: Isolation::InProcess,
        }
    }
}

/// Ten minutes: a real archive of a few hundred files reads in well under one.
fn default_archive_time() -> Duration {
    Duration::from_secs(600)
}

/// Fifteen minutes: a real bundle reads in under a minute; this only stops a hostile one from
/// taking the night.
fn default_bundle_time() -> Duration {
    Duration::from_secs(900)
}

/// A million passages: five times the largest real bundle seen, and about 15 s of rules.
fn default_bundle_passages() -> usize {
    1_000_000
}

/// Why a reader could not deliver text. Each maps onto a [`FileStatus`]; the string says why in
/// words a reviewer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Password-protected.
    #[error("{0}")]
    Encrypted(String),
    /// Damaged or not what it claims to be.
    #[error("{0}")]
    Corrupt(String),
    /// A format certsift recognises but does not read.
    #[error("{0}")]
    Unsupported(String),
    /// A size, time, page or decompression limit was hit.
    #[error("{0}")]
    LimitExceeded(String),
    /// No text layer: a scan or an image.
    #[error("{0}")]
    NeedsOcr(String),
    /// No bytes or no text at all.
    #[error("{0}")]
    Empty(String),
}

impl ReadError {
    /// The file status this error gives.
    pub fn status(&self) -> FileStatus {
        match self {
            ReadError::Encrypted(_) => FileStatus::Encrypted,
            ReadError::Corrupt(_) => FileStatus::Corrupt,
            ReadError::Unsupported(_) => FileStatus::Unsupported,
            ReadError::LimitExceeded(_) => FileStatus::LimitExceeded,
            ReadError::NeedsOcr(_) => FileStatus::NeedsOcr,
            ReadError::Empty(_) => FileStatus::Empty,
        }
    }
}

/// What a reader gives back on success.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Extracted {
    /// Passages in reading order.
    pub passages: Vec<Passage>,
    /// PDF pages without a usable text layer (1-based).
    pub ocr_pages: Vec<u32>,
    /// Pages (PDF) or sheets (workbook) in the file.
    pub pages: Option<u32>,
    /// Non-fatal findings for the reviewer.
    pub notes: Vec<String>,
    /// Set when the reader read what it could but a limit cut it short: the file is then
    /// `limit_exceeded` with this message, and its passages so far are kept.
    pub truncated: Option<String>,
}

/// What readers need besides the bytes: the limits and the clock of the file being read.
#[derive(Debug, Clone)]
pub struct ReadContext {
    /// The limits in force.
    pub limits: Limits,
    /// The time this file may take and whose limit that is (its own, or what its archive or
    /// bundle has left: [`budget`]).
    pub time: TimeBudget,
    started: Instant,
}

impl ReadContext {
    /// A context whose clock starts now, with the file's own time limit.
    pub fn new(limits: Limits) -> ReadContext {
        let time = TimeBudget::file(limits.max_file_time);
        ReadContext::with_time(limits, time)
    }

    /// A context whose clock starts now and runs for `time`.
    pub fn with_time(limits: Limits, time: TimeBudget) -> ReadContext {
        ReadContext {
            limits,
            time,
            started: Instant::now(),
        }
    }

    /// `Err(LimitExceeded)` once the file has used up its wall time. Readers call this in every
    /// loop whose length the input controls; it costs one clock read.
    pub fn check_time(&self) -> Result<(), ReadError> {
        if self.started.elapsed() > self.time.time {
            Err(ReadError::LimitExceeded(self.time.spent_message()))
        } else {
            Ok(())
        }
    }

    /// When the file's wall time runs out (its own, or its archive's or bundle's if sooner):
    /// the deadline an OCR engine is given.
    pub fn deadline(&self) -> Instant {
        self.started + self.time.time
    }

    /// A fresh clock for the next file, with the same limits and its own time limit.
    pub fn restart(&self) -> ReadContext {
        ReadContext::new(self.limits.clone())
    }

    /// A fresh clock for the next file, with the same limits, within `deadlines`;
    /// `Err(LimitExceeded)` when one of them has nothing left.
    pub fn next_file(&self, deadlines: &Deadlines) -> Result<ReadContext, ReadError> {
        let time = deadlines.for_next(self.limits.max_file_time)?;
        Ok(ReadContext::with_time(self.limits.clone(), time))
    }
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads one file's bytes with the reader for `kind`. Zips are not expanded here (see
/// [`bundle`]): a zip's own document has no passages.
fn read_kind(
    kind: FileKind,
    name: &str,
    bytes: &[u8],
    ctx: &ReadContext,
) -> Result<Extracted, ReadError> {
    match kind {
        FileKind::Pdf => pdf::read(bytes, ctx),
        FileKind::Docx => docx::read(bytes, ctx),
        FileKind::Xlsx | FileKind::Xlsb | FileKind::Xls | FileKind::Ods => {
            sheet::read(kind, bytes, ctx)
        }
        FileKind::Csv => text::read(bytes, ctx, text::Lines::AsWritten),
        FileKind::Txt => text::read(bytes, ctx, text::Lines::Sentences),
        FileKind::Zip => Ok(Extracted::default()),
        FileKind::Image => ocr::picture::read(bytes, ctx),
        // No `odt` kind in the report contract: an OpenDocument text stays `doc` but is read.
        FileKind::Doc if odt::is_odt(bytes) => odt::read(bytes, ctx),
        FileKind::Doc if doc::handles(bytes) => doc::read(bytes, ctx),
        FileKind::Ofd => ofd::read(bytes, ctx),
        FileKind::Pptx => pptx::read(bytes, ctx),
        FileKind::Rtf => rtf::read(bytes, ctx),
        FileKind::Doc => Err(ReadError::Unsupported(sniff::unsupported_message(
            name, bytes,
        ))),
        FileKind::Unknown => Err(ReadError::Unsupported(
            "无法识别的文件类型：不是 PDF、Word、电子表格、文本、压缩包或图片文件 (unknown file type: not a PDF, Word, spreadsheet, text, zip or image file)".into(),
        )),
    }
}

/// Reads one file into a [`Document`], never panicking and never failing: an error or a panic
/// of a reader becomes the document's status and message.
///
/// `path` is the name reported (bundle-relative, zip members as `a.zip!/b.pdf`); its extension
/// only sets [`Document::declared_kind`] and breaks the csv/txt tie.
pub fn read_isolated(path: &str, bytes: &[u8], ctx: &ReadContext) -> Document {
    let mut doc = Document {
        path: path.to_string(),
        sha256: sha256_hex(bytes),
        bytes: bytes.len() as u64,
        kind: FileKind::Unknown,
        declared_kind: sniff::kind_from_extension(path),
        status: FileStatus::Ok,
        error: None,
        passages: Vec::new(),
        ocr_pages: Vec::new(),
        ocr: false,
        pages: None,
        notes: Vec::new(),
    };
    if bytes.is_empty() {
        doc.status = FileStatus::Empty;
        doc.error = Some("文件为空（0 字节） (file has no bytes)".into());
        return doc;
    }
    doc.kind = sniff::sniff(path, bytes);
    if doc.bytes > ctx.limits.max_file_bytes {
        doc.status = FileStatus::LimitExceeded;
        doc.error = Some(format!(
            "文件大小为 {size} 字节，超出每个文件 {max} 字节的限制 (file is {size} bytes, over the {max} byte limit per file)",
            size = doc.bytes,
            max = ctx.limits.max_file_bytes
        ));
        return doc;
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| read_kind(doc.kind, path, bytes, ctx)));
    match outcome {
        Ok(Ok(extracted)) => apply_extracted(&mut doc, extracted, ctx),
        Ok(Err(err)) => {
            doc.status = err.status();
            doc.error = Some(err.to_string());
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::warn!(file = path, "reader panicked: {what}");
            doc.status = FileStatus::Corrupt;
            doc.error = Some(format!(
                "{kind} 读取程序处理此文件时出错：{what} (the {kind} reader failed on this file)",
                kind = doc.kind
            ));
        }
    }
    doc
}

fn apply_extracted(doc: &mut Document, mut extracted: Extracted, ctx: &ReadContext) {
    if extracted.passages.len() > ctx.limits.max_passages {
        extracted.passages.truncate(ctx.limits.max_passages);
        extracted.truncated.get_or_insert_with(|| {
            format!(
                "文本段超过 {max} 段的限制，其余未读取 (more than {max} passages; the rest was not read)",
                max = ctx.limits.max_passages
            )
        });
    }
    extracted.passages.retain(|p| !p.normalized.is_empty());
    doc.passages = extracted.passages;
    doc.ocr = doc.passages.iter().any(|p| p.ocr_confidence.is_some());
    doc.ocr_pages = extracted.ocr_pages;
    doc.pages = extracted.pages;
    doc.notes = extracted.notes;
    if let Some(why) = extracted.truncated {
        doc.status = FileStatus::LimitExceeded;
        doc.error = Some(why);
    } else if !doc.ocr_pages.is_empty()
        && doc.pages.is_some_and(|n| doc.ocr_pages.len() == n as usize)
    {
        // Every page needs OCR; the few characters read (page numbers, digits in a normal
        // font) are kept as passages but do not make the file readable.
        doc.status = FileStatus::NeedsOcr;
        doc.error = Some(format!(
            "需要 OCR：没有一页有可用的文字层（{n} 页是扫描件或使用缺少 Unicode 映射的字体） (no page has a usable text layer: {n} page(s) are scans or use fonts without a Unicode mapping; OCR needed)",
            n = doc.ocr_pages.len()
        ));
    } else if doc.passages.is_empty() && doc.kind != FileKind::Zip {
        if doc.ocr_pages.is_empty() {
            doc.status = FileStatus::Empty;
            doc.error = Some("文件中没有找到文字 (no text found in the file)".into());
        } else {
            doc.status = FileStatus::NeedsOcr;
            doc.error = Some(format!(
                "需要 OCR：没有一页有可用的文字层（{n} 页是扫描件或使用缺少 Unicode 映射的字体） (no page has a usable text layer: {n} page(s) are scans or use fonts without a Unicode mapping; OCR needed)",
                n = doc.ocr_pages.len()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever the bytes and whatever the name claims, reading ends with a document and a
        /// status; a non-ok status always says why.
        #[test]
        fn any_bytes_under_any_name_give_a_status(
            bytes in proptest::collection::vec(any::<u8>(), 0..2048),
            name in prop::sample::select(vec!["a.pdf", "b.docx", "c.xlsx", "d.xls", "e.ods", "f.csv", "g.zip", "h"]),
            prefix in prop::sample::select(vec![&b""[..], b"%PDF-1.7\n", b"PK\x03\x04", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"]),
        ) {
            let mut data = prefix.to_vec();
            data.extend_from_slice(&bytes);
            let doc = read_isolated(name, &data, &ReadContext::new(Limits::default()));
            prop_assert_eq!(doc.bytes, data.len() as u64);
            prop_assert!(doc.status == FileStatus::Ok || doc.error.is_some());
        }
    }
}
