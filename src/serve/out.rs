//! What the workbench reads of a batch output: the summary, each bundle's report, and (for
//! page images) the bundle's own files in the inbox the run read.
//!
//! Every read goes through the summary: a bundle is looked up by its id among the summary's
//! rows and its report found where the row says, a file by its index in that report's file
//! list. Nothing a URL carries is ever joined to a path, so no request can name a file the
//! batch did not list. Files are read afresh on each request: the batch replaces them by
//! atomic renames, so a page always sees one whole version while a nightly `run` writes.

use crate::ingest::zip::read_members;
use crate::ingest::{Limits, ReadContext};
use crate::report::json::{BundleReport, FileEntry};
use crate::report::triage::{Summary, SummaryRow};
use sha2::{Digest, Sha256};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::AtomicU64;

/// Largest source file the workbench reads to render a page (the bundle reader's own limit is
/// of the same order).
const MAX_SOURCE_BYTES: u64 = 256 * 1024 * 1024;

/// What cannot be read from OUT.
#[derive(Debug, thiserror::Error)]
pub enum OutError {
    /// No such bundle in the summary (or no such file in its report): a 404, never a path.
    #[error("没有找到：{0} (not found)")]
    NotFound(String),
    /// A file the batch wrote cannot be read or parsed.
    #[error("无法读取 {path}：{message} (cannot read the batch output)")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The source file is not where the run read it, or its content changed since.
    #[error("{0}")]
    Source(String),
}

/// A batch output folder.
#[derive(Debug, Clone)]
pub struct Out {
    dir: PathBuf,
}

impl Out {
    /// The output folder `dir`.
    pub fn new(dir: PathBuf) -> Out {
        Out { dir }
    }

    /// The folder itself.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `summary.json` as the last run wrote it.
    pub fn summary(&self) -> Result<Summary, OutError> {
        read_json(&self.dir.join("summary.json"))
    }

    /// The summary row of bundle `id`.
    pub fn row(&self, summary: &Summary, id: &str) -> Result<SummaryRow, OutError> {
        summary
            .bundles
            .iter()
            .find(|row| row.bundle == id)
            .cloned()
            .ok_or_else(|| OutError::NotFound(format!("材料包 {id}")))
    }

    /// The report of bundle `id`, found through its summary row.
    pub fn report(&self, summary: &Summary, id: &str) -> Result<BundleReport, OutError> {
        let row = self.row(summary, id)?;
        let href = row
            .report
            .as_deref()
            .ok_or_else(|| OutError::NotFound(format!("材料包 {id} 的报告")))?;
        let html = self.dir.join(safe_relative(href)?);
        let json = html.with_file_name("report.json");
        read_json(&json)
    }

    /// The bytes of file number `index` of `report`, from the inbox the run read, checked
    /// against the sha256 the report lists: a file changed since the run is refused, so a page
    /// image always shows what the evidence was read from.
    pub fn source_bytes(
        &self,
        summary: &Summary,
        report: &BundleReport,
        file: &FileEntry,
    ) -> Result<Vec<u8>, OutError> {
        let inbox = summary.inbox.as_deref().ok_or_else(|| {
            OutError::Source(
                "汇总中没有记录收件箱位置（由旧版本生成），请重新运行 certsift run (the summary does not say where the inbox is)".into(),
            )
        })?;
        let inbox = Path::new(inbox);
        let mut parts = file.path.split("!/");
        let first = parts.next().unwrap_or_default();
        // A folder bundle's paths start inside the folder; a zip bundle's paths start with the
        // zip's own name (`鼎盛机电-2026.zip!/…`), as the bundle reader lists them.
        let folder = inbox.join(safe_relative(&report.bundle)?);
        let zip_name = format!("{}.zip", report.bundle);
        let mut bytes = if folder.is_dir() {
            read_bounded(&folder.join(safe_relative(first)?))?
        } else if first == zip_name && inbox.join(&zip_name).is_file() {
            read_bounded(&inbox.join(safe_relative(&zip_name)?))?
        } else {
            return Err(OutError::Source(format!(
                "收件箱中已没有材料包 {}（{}）(the bundle is no longer in the inbox)",
                report.bundle,
                inbox.display()
            )));
        };
        for inner in parts {
            bytes = member(&bytes, inner)?;
        }
        let sha = hex::encode(Sha256::digest(&bytes));
        if sha != file.sha256 {
            return Err(OutError::Source(format!(
                "{} 自本次运行以来已改变，页面不再对应证据 (the file changed since the run)",
                file.path
            )));
        }
        Ok(bytes)
    }
}

/// The member called `name` of the zip in `bytes`, as the bundle reader names members.
fn member(bytes: &[u8], name: &str) -> Result<Vec<u8>, OutError> {
    let limits = Limits::default();
    let budget = AtomicU64::new(limits.max_zip_total_bytes);
    let members = read_members(bytes, &ReadContext::new(limits), &budget)
        .map_err(|e| OutError::Source(e.to_string()))?;
    let found = members
        .members
        .into_iter()
        .find(|m| m.name == name)
        .ok_or_else(|| OutError::Source(format!("压缩包中没有 {name} (no such zip member)")))?;
    found
        .content
        .and_then(crate::ingest::zip::Spooled::into_bytes)
        .map_err(|e| OutError::Source(e.to_string()))
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, OutError> {
    let unreadable = |e: std::io::Error| {
        OutError::Source(format!(
            "无法读取原文件 {}：{e} (cannot read the source file)",
            path.display()
        ))
    };
    let len = std::fs::metadata(path).map_err(unreadable)?.len();
    if len > MAX_SOURCE_BYTES {
        return Err(OutError::Source(format!(
            "原文件过大（{len} 字节），不生成页面图像 (the source file is too large to render)"
        )));
    }
    std::fs::read(path).map_err(unreadable)
}

/// `path` if it is relative and has no `..`, root or prefix: a report's own paths are made
/// safe by the reader, and this keeps them so however the report was written.
fn safe_relative(path: &str) -> Result<PathBuf, OutError> {
    let path = Path::new(path);
    if path
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        Ok(path.to_path_buf())
    } else {
        Err(OutError::NotFound(path.display().to_string()))
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, OutError> {
    let unreadable = |message: String| OutError::Unreadable {
        path: path.to_path_buf(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| unreadable(e.to_string()))
}

/// What a decision on an item was made against: its verdict and evidence (indicators), its
/// status and files (materials), its message and files (flags), hashed. A rerun that
/// reproduces them gives the same fingerprint.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(&hasher.finalize()[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_pass() {
        assert!(safe_relative("bundles/华信/report.html").is_ok());
        for bad in ["../etc/passwd", "/etc/passwd", "a/../../b"] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_fingerprint_changes_with_any_part_and_with_where_parts_split() {
        let a = fingerprint(&["supported", "制度.docx", "24小时"]);
        assert_eq!(a, fingerprint(&["supported", "制度.docx", "24小时"]));
        assert_ne!(a, fingerprint(&["weak", "制度.docx", "24小时"]));
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
    }
}
