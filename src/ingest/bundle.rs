//! From paths on disk to documents: walking folders, opening files, expanding zips (recursively,
//! within the limits), reading everything in parallel with rayon.
//!
//! Output order never depends on thread scheduling: files are sorted by path, and a zip's members
//! follow their zip in archive order (rayon's indexed `collect` keeps input order).
//!
//! A bundle's files share one clock, and an archive's members another ([`super::budget`]); a
//! bundle's passages are capped in that order ([`Limits::max_bundle_passages`]).

use super::entry::{Entry, list_entries, open_regular};
use super::names::{escape, slash_path};
use super::zip::{Member, read_members};
use super::{Deadlines, Limits, ReadContext, ReadError, TimeScope, worker};
use crate::error::{Error, Result};
use crate::model::{Bundle, Document, FileKind, FileStatus};
use rayon::prelude::*;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

/// Reads the files, folders and zips named on a command line: every file found, zip members
/// included, each a [`Document`]. Paths are reported as given (folders: joined with the relative
/// path inside them, `/`-separated).
///
/// Fails only when a named path does not exist or a folder cannot be listed.
pub fn read_inputs(paths: &[PathBuf], limits: &Limits) -> Result<Vec<Document>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| Error::Io {
            path: path.clone(),
            cause: source,
        })?;
        let shown = slash_path(path);
        if meta.is_dir() {
            for entry in list_entries(path)? {
                let relative = format!("{}/{}", shown.trim_end_matches('/'), entry.relative);
                files.push(Entry { relative, ..entry });
            }
        } else {
            files.push(Entry {
                path: path.clone(),
                relative: shown,
                refused: None,
            });
        }
    }
    Ok(read_files(&files, limits, &Deadlines::none(), &|_| {}))
}

/// Reads one bundle: a folder (every file below it) or a `.zip` (every member). Paths are
/// relative to the bundle. The bundle id is the folder name or the zip's stem.
pub fn read_bundle(path: &Path, limits: &Limits) -> Result<Bundle> {
    read_bundle_observed(path, limits, &|_| {})
}

/// [`read_bundle`], calling `on_file` with the documents of each file on disk as soon as it is
/// read (a zip bundle is one file on disk: its members come in one call). For progress
/// reporting; called from rayon's threads.
pub fn read_bundle_observed(
    path: &Path,
    limits: &Limits,
    on_file: &(dyn Fn(&[Document]) + Sync),
) -> Result<Bundle> {
    let id = bundle_id(path);
    let meta = std::fs::metadata(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        cause: source,
    })?;
    let deadlines = Deadlines::none().starting(TimeScope::Bundle, limits.max_bundle_time);
    let mut documents = if meta.is_dir() {
        read_files(&list_entries(path)?, limits, &deadlines, on_file)
    } else {
        // A zip bundle's files are named inside it (`bundle.zip!/制度/a.docx`), as the contract
        // names any file inside a zip; the zip itself is listed only when it cannot be opened.
        let name = path.file_name().map(escape).unwrap_or_else(|| id.clone());
        let mut docs = read_path_within(path, &name, limits, &deadlines);
        on_file(&docs);
        let opened = docs
            .first()
            .is_some_and(|zip| zip.kind == FileKind::Zip && zip.status == FileStatus::Ok);
        if opened {
            docs.remove(0);
        }
        docs
    };
    cap_passages(&mut documents, limits.max_bundle_passages);
    Ok(Bundle { id, documents })
}

/// Keeps at most `max` passages of a bundle, in file order: the file that crosses the line keeps
/// what fits, the files after it keep none, and each of them is `limit_exceeded` saying why.
fn cap_passages(documents: &mut [Document], max: usize) {
    let mut left = max;
    for doc in documents {
        if doc.passages.len() <= left {
            left -= doc.passages.len();
            continue;
        }
        doc.passages.truncate(left);
        left = 0;
        doc.status = FileStatus::LimitExceeded;
        doc.error = Some(format!(
            "申请包文本过多：整个申请包超过 {max} 段文本的限制（--max-bundle-passages），此文件超出部分\
             未保留 (bundle passage limit: the bundle holds more than {max} passages; this file's \
             text past that was not kept)"
        ));
    }
}

/// The bundle id: a folder's name, or a zip's file stem, escaped losslessly
/// ([`super::names::escape`]: two names that differ in bytes that are not UTF-8 stay two ids).
pub fn bundle_id(path: &Path) -> String {
    let name = if path.is_dir() {
        path.file_name()
    } else {
        path.file_stem()
    };
    name.map(escape).unwrap_or_else(|| "bundle".into())
}

/// Reads a single file from disk (a zip expands into its members after it). Never an error: a
/// file that cannot be read gives one document with status `corrupt`, something that is not a
/// regular file (a named pipe, a device: checked before opening) one with `unsupported`.
pub fn read_path(path: &Path, shown: &str, limits: &Limits) -> Vec<Document> {
    read_path_within(path, shown, limits, &Deadlines::none())
}

/// [`read_path`] for a file whose bundle (or archive) clock is `deadlines`: a file reached after
/// it ran out is not read.
fn read_path_within(
    path: &Path,
    shown: &str,
    limits: &Limits,
    deadlines: &Deadlines,
) -> Vec<Document> {
    let ctx = match ReadContext::new(limits.clone()).next_file(deadlines) {
        Ok(ctx) => ctx,
        // Not read, but still named by its real size and hash (the ledger and duplicate check
        // rely on them).
        Err(why) => {
            let doc = refused_document(shown, why);
            return vec![match hash_streaming(path) {
                Ok((bytes, sha256)) => Document {
                    bytes,
                    sha256,
                    ..doc
                },
                Err(_) => doc,
            }];
        }
    };
    match read_bounded(path, limits.max_file_bytes) {
        Ok(bytes) => {
            let budget = AtomicU64::new(limits.max_zip_total_bytes);
            read_tree(shown, &bytes, &ctx, 1, &budget, deadlines)
        }
        Err(FileTooBig { size, sha256 }) => vec![Document {
            path: shown.to_string(),
            sha256,
            bytes: size,
            kind: super::sniff::kind_from_extension(shown).unwrap_or(FileKind::Unknown),
            declared_kind: super::sniff::kind_from_extension(shown),
            status: FileStatus::LimitExceeded,
            error: Some(format!(
                "文件大小为 {size} 字节，超出每个文件 {max} 字节的限制 (file is {size} bytes, over the {max} byte limit per file)",
                max = limits.max_file_bytes
            )),
            passages: Vec::new(),
            ocr_pages: Vec::new(),
            ocr: false,
            pages: None,
            notes: Vec::new(),
        }],
        Err(Unreadable(why)) => vec![refused_document(shown, why)],
    }
}

/// The document of a file or zip member that is not read (a link out of the bundle, a named
/// pipe, a file nobody may read, an encrypted member): no bytes, the refusal's status and
/// message.
fn refused_document(shown: &str, why: ReadError) -> Document {
    Document {
        path: shown.to_string(),
        sha256: super::sha256_hex(&[]),
        bytes: 0,
        kind: super::sniff::kind_from_extension(shown).unwrap_or(FileKind::Unknown),
        declared_kind: super::sniff::kind_from_extension(shown),
        status: why.status(),
        error: Some(why.to_string()),
        passages: Vec::new(),
        ocr_pages: Vec::new(),
        ocr: false,
        pages: None,
        notes: Vec::new(),
    }
}

enum ReadFailure {
    FileTooBig { size: u64, sha256: String },
    Unreadable(ReadError),
}
use ReadFailure::{FileTooBig, Unreadable};

/// Reads a file whole unless it is over `max` bytes; an oversize file is hashed by streaming so it
/// still gets its sha256 without being held in memory.
fn read_bounded(path: &Path, max: u64) -> std::result::Result<Vec<u8>, ReadFailure> {
    let unreadable = |e: std::io::Error| Unreadable(super::entry::unreadable(&e));
    let file = open_regular(path).map_err(Unreadable)?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if (bytes.len() as u64) <= max {
        return Ok(bytes);
    }
    let (size, sha256) = hash_streaming(path)?;
    Err(FileTooBig { size, sha256 })
}

/// A file's size and sha256, read in 1 MiB chunks so a file of any size costs no memory.
fn hash_streaming(path: &Path) -> std::result::Result<(u64, String), ReadFailure> {
    use sha2::{Digest, Sha256};
    let unreadable = |e: std::io::Error| Unreadable(super::entry::unreadable(&e));
    let mut hasher = Sha256::new();
    let mut file = open_regular(path).map_err(Unreadable)?;
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(unreadable)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((size, hex::encode(hasher.finalize())))
}

fn read_files(
    files: &[Entry],
    limits: &Limits,
    deadlines: &Deadlines,
    on_file: &(dyn Fn(&[Document]) + Sync),
) -> Vec<Document> {
    files
        .par_iter()
        .map(|entry| {
            let documents = match &entry.refused {
                None => read_path_within(&entry.path, &entry.relative, limits, deadlines),
                Some(why) => vec![refused_document(&entry.relative, why.clone())],
            };
            on_file(&documents);
            documents
        })
        .flatten()
        .collect()
}

/// Reads one file's bytes; a zip is followed by its members, read recursively (`depth` 1 is a
/// file on disk). `budget` is the uncompressed bytes left for the top-level archive; `deadlines`
/// are the clocks around this file (a zip's members get one more: the archive's).
///
/// Every file and member is read through [`worker::read`] (in a worker process unless the
/// limits say in-process); the zip walk itself stays here, within the zip limits.
fn read_tree(
    name: &str,
    bytes: &[u8],
    ctx: &ReadContext,
    depth: u32,
    budget: &AtomicU64,
    deadlines: &Deadlines,
) -> Vec<Document> {
    let mut doc = worker::read(name, bytes, ctx);
    if doc.kind != FileKind::Zip || doc.status != FileStatus::Ok {
        return vec![doc];
    }
    if depth > ctx.limits.max_zip_depth {
        doc.status = FileStatus::LimitExceeded;
        doc.error = Some(format!(
            "压缩包嵌套超过 {max} 层，未打开 (zip nested more than {max} levels deep; not opened)",
            max = ctx.limits.max_zip_depth
        ));
        return vec![doc];
    }
    let listing = catch_unwind(AssertUnwindSafe(|| read_members(bytes, ctx, budget)))
        .unwrap_or_else(|_| {
            Err(ReadError::Corrupt(
                "压缩包读取程序处理此文件时出错 (the zip reader failed on this file)".into(),
            ))
        });
    let listing = match listing {
        Ok(listing) => listing,
        Err(err) => {
            doc.status = err.status();
            doc.error = Some(err.to_string());
            return vec![doc];
        }
    };
    doc.notes.extend(listing.notes);
    if let Some(why) = listing.truncated {
        doc.status = FileStatus::LimitExceeded;
        doc.error = Some(why);
    }
    let member_deadlines = deadlines.starting(TimeScope::Archive, ctx.limits.max_archive_time);
    let members: Vec<Document> = listing
        .members
        .into_par_iter()
        .map(
            |Member {
                 name: inner,
                 content,
             }| {
                let path = format!("{name}!/{inner}");
                let data = match content.and_then(super::zip::Spooled::into_bytes) {
                    Ok(data) => data,
                    Err(err) => return vec![refused_document(&path, err)],
                };
                match ctx.next_file(&member_deadlines) {
                    Ok(member_ctx) => read_tree(
                        &path,
                        &data,
                        &member_ctx,
                        depth + 1,
                        budget,
                        &member_deadlines,
                    ),
                    Err(why) => vec![Document {
                        sha256: super::sha256_hex(&data),
                        bytes: data.len() as u64,
                        ..refused_document(&path, why)
                    }],
                }
            },
        )
        .flatten()
        .collect();
    doc.passages.clear();
    let mut out = Vec::with_capacity(members.len() + 1);
    out.push(doc);
    out.extend(members);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::test_support::zip_of;

    #[test]
    fn nested_zip_members_are_named_with_their_chain() {
        let inner = zip_of(&[("说明.txt", "售后服务".as_bytes())]);
        let outer = zip_of(&[("附件/inner.zip", &inner), ("a.txt", b"hello")]);
        let ctx = ReadContext::new(Limits::default());
        let docs = read_tree(
            "bundle.zip",
            &outer,
            &ctx,
            1,
            &AtomicU64::new(u64::MAX),
            &Deadlines::none(),
        );
        let paths: Vec<_> = docs.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "bundle.zip",
                "bundle.zip!/附件/inner.zip",
                "bundle.zip!/附件/inner.zip!/说明.txt",
                "bundle.zip!/a.txt"
            ]
        );
        assert_eq!(docs[2].passages[0].text, "售后服务");
    }

    #[test]
    fn depth_limit_stops_recursion() {
        let mut data = zip_of(&[("x.txt", b"x")]);
        for _ in 0..3 {
            data = zip_of(&[("z.zip", &data)]);
        }
        let limits = Limits {
            max_zip_depth: 2,
            ..Limits::default()
        };
        let ctx = ReadContext::new(limits);
        let docs = read_tree(
            "top.zip",
            &data,
            &ctx,
            1,
            &AtomicU64::new(u64::MAX),
            &Deadlines::none(),
        );
        assert!(
            docs.iter()
                .any(|d| d.status == FileStatus::LimitExceeded && d.kind == FileKind::Zip)
        );
        assert!(!docs.iter().any(|d| d.path.ends_with("x.txt")));
    }

    #[test]
    fn folder_bundle_lists_sorted_relative_paths() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("制度")).expect("mkdir");
        std::fs::write(dir.path().join("制度/b.txt"), "投诉处理").expect("write");
        std::fs::write(dir.path().join("a.txt"), "").expect("write");
        std::fs::write(dir.path().join(".DS_Store"), "junk").expect("write");
        let bundle = read_bundle(dir.path(), &Limits::default()).expect("bundle");
        let got: Vec<_> = bundle
            .documents
            .iter()
            .map(|d| (d.path.as_str(), d.status))
            .collect();
        assert_eq!(
            got,
            [("a.txt", FileStatus::Empty), ("制度/b.txt", FileStatus::Ok)]
        );
    }

    #[test]
    fn zip_bundle_files_are_named_inside_the_zip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("申报-2026.zip");
        std::fs::write(&path, zip_of(&[("资料/说明.txt", "售后".as_bytes())])).expect("write");
        let bundle = read_bundle(&path, &Limits::default()).expect("bundle");
        assert_eq!(bundle.id, "申报-2026");
        let paths: Vec<_> = bundle.documents.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["申报-2026.zip!/资料/说明.txt"]);
    }
}
