//! The inbox: which bundles it holds, and a fingerprint of each bundle's content.
//!
//! Every direct subfolder or `.zip` of the inbox is a bundle; loose files and OS clutter are
//! not. The fingerprint hashes what the bundle *contains* (each file's relative path and
//! sha256, or the zip's bytes), not modification times: a copy, a touch or a re-upload of the
//! same files is the same bundle, and any change to any byte is a new one.
//!
//! A symbolic link in the inbox is followed only when it resolves inside the inbox (a link to
//! where a bundle of the inbox really lives); one to a folder or zip elsewhere (`/etc`) is a
//! bundle that is not read, with a message. A file of a bundle that cannot be read counts in the
//! fingerprint by its name and why, so it costs that file (`corrupt`), not its bundle.

use crate::ingest::entry::{open_regular, outside};
use crate::ingest::names::escape;
use crate::ingest::zip::is_system_clutter;
use crate::ingest::{ReadError, bundle_id, list_entries};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// One bundle found in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Bundle id: the folder name or the zip's stem.
    pub id: String,
    /// Its folder or zip.
    pub path: PathBuf,
    /// Why it is not read, when it is a link to somewhere outside the inbox.
    pub refused: Option<String>,
}

/// The bundles of `inbox`, sorted by path; loose files beside them are ignored. Fails only when
/// the inbox itself cannot be read.
pub(crate) fn discover(inbox: &Path) -> std::io::Result<Vec<Source>> {
    scan(inbox).map(|(sources, _)| sources)
}

/// Whether `dir` is an inbox (it holds bundles and no loose file, OS clutter aside) rather than
/// a bundle, with its bundles: a bundle folder always holds at least one loose file.
pub fn as_inbox(dir: &Path) -> std::io::Result<Option<Vec<Source>>> {
    let (sources, loose) = scan(dir)?;
    Ok((loose.is_empty() && !sources.is_empty()).then_some(sources))
}

/// What a folder given as an inbox or a bundle holds at its top level, to tell the two apart
/// before a command reads the wrong one (an inbox graded as one applicant, a bundle's
/// subfolders graded as applicants).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    /// Direct subfolders and zips, sorted by path.
    pub sources: Vec<Source>,
    /// Names of the loose files beside them (OS clutter and hidden files aside), sorted.
    pub loose: Vec<String>,
    /// How many of `sources` look like an applicant's bundle of their own: a zip, or a folder
    /// holding a business licence by its name (营业执照) within a few levels.
    pub bundle_like: usize,
    /// Whether a loose file is named as a business licence.
    pub loose_licence: bool,
}

/// Surveys `dir` (see [`Survey`]).
pub fn survey(dir: &Path) -> std::io::Result<Survey> {
    let (sources, loose) = scan(dir)?;
    let bundle_like = sources
        .iter()
        .filter(|s| s.path.is_file() || holds_a_licence(&s.path, 3))
        .count();
    let loose_licence = loose.iter().any(|n| names_a_licence(n));
    Ok(Survey {
        sources,
        loose,
        bundle_like,
        loose_licence,
    })
}

/// A file name that says it is a business licence.
fn names_a_licence(name: &str) -> bool {
    name.contains("营业执照") || name.contains("执照")
}

/// Whether `dir`, or a folder under it down to `depth` levels, holds a file named as a licence.
fn holds_a_licence(dir: &Path, depth: u32) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| {
        let path = e.path();
        let is_link = e.file_type().is_ok_and(|t| t.is_symlink());
        if is_link {
            return false;
        }
        if path.is_dir() {
            depth > 0 && holds_a_licence(&path, depth - 1)
        } else {
            names_a_licence(&escape(&e.file_name()))
        }
    })
}

/// The folder's bundles (direct subfolders and zips, sorted by path) and the names of its loose
/// files, sorted. A symlink to a folder or zip counts as a bundle; it is read only when it resolves
/// inside `dir` (see the module's docs).
fn scan(dir: &Path) -> std::io::Result<(Vec<Source>, Vec<String>)> {
    let root = std::fs::canonicalize(dir)?;
    let mut sources = Vec::new();
    let mut loose = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = escape(&entry.file_name());
        if is_system_clutter(&name) || name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let is_zip = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
        // `is_dir`/`is_file` follow links but only stat, never open.
        if path.is_dir() || (is_zip && path.is_file()) {
            let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
            let refused = is_link
                .then(|| std::fs::canonicalize(&path))
                .and_then(|target| match target {
                    Ok(target) if target.starts_with(&root) => None,
                    Ok(target) => Some(outside(&target, "收件箱", "inbox").to_string()),
                    Err(err) => Some(format!("符号链接无法解析 (broken symbolic link: {err})")),
                });
            sources.push(Source {
                id: bundle_id(&path),
                path,
                refused,
            });
        } else {
            loose.push(name);
        }
    }
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    loose.sort();
    Ok((sources, loose))
}

/// The content fingerprint of a bundle (hex sha256), and its number of files (a zip counts as
/// one until it is read).
pub fn fingerprint(source: &Source) -> std::io::Result<(String, usize)> {
    let mut hasher = Sha256::new();
    if source.path.is_dir() {
        let files = list_entries(&source.path).map_err(std::io::Error::other)?;
        for entry in &files {
            hasher.update((entry.relative.len() as u64).to_le_bytes());
            hasher.update(entry.relative.as_bytes());
            // A file that is not read counts by why, so it is redone once it can be read.
            let content = match &entry.refused {
                None => hash_file(&entry.path),
                Some(why) => Err(why.clone()),
            };
            match content {
                Ok(hash) => hasher.update(hash),
                Err(why) => {
                    hasher.update(b"refused:");
                    hasher.update(why.to_string().as_bytes());
                }
            }
        }
        Ok((hex::encode(hasher.finalize()), files.len()))
    } else {
        // A zip that cannot be read is read as one `corrupt` file, as `check` does.
        match hash_file(&source.path) {
            Ok(hash) => hasher.update(hash),
            Err(why) => {
                hasher.update(b"refused:");
                hasher.update(why.to_string().as_bytes());
            }
        }
        Ok((hex::encode(hasher.finalize()), 1))
    }
}

/// sha256 of a regular file, streamed: bundles may hold files larger than we would like to load
/// twice.
fn hash_file(path: &Path) -> Result<[u8; 32], ReadError> {
    let mut file = open_regular(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|e| crate::ingest::entry::unreadable(&e))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_survey_tells_an_inbox_from_a_bundle() {
        let inbox = tempfile::tempdir().expect("tempdir");
        for name in ["华信家电", "鼎盛机电"] {
            let dir = inbox.path().join(name).join("资质");
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(dir.join("营业执照.pdf"), "x").expect("write");
        }
        std::fs::write(inbox.path().join("优选.zip"), b"PK").expect("write");
        let seen = super::survey(inbox.path()).expect("survey");
        assert_eq!((seen.sources.len(), seen.bundle_like), (3, 3));
        assert!(seen.loose.is_empty() && !seen.loose_licence);

        let bundle = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(bundle.path().join("制度")).expect("mkdir");
        std::fs::write(bundle.path().join("制度/投诉处理办法.docx"), "x").expect("write");
        std::fs::write(bundle.path().join("营业执照副本.jpg"), "x").expect("write");
        std::fs::write(bundle.path().join(".DS_Store"), "x").expect("write");
        let seen = super::survey(bundle.path()).expect("survey");
        assert_eq!((seen.sources.len(), seen.bundle_like), (1, 0));
        assert_eq!(seen.loose, ["营业执照副本.jpg"]);
        assert!(seen.loose_licence);
    }

    use super::*;

    #[test]
    fn finds_folders_and_zips_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("华信家电")).expect("mkdir");
        std::fs::write(dir.path().join("华信家电/营业执照.txt"), "x").expect("write");
        std::fs::write(dir.path().join("鼎盛.ZIP"), b"PK").expect("write");
        std::fs::write(dir.path().join("readme.txt"), "loose").expect("write");
        std::fs::write(dir.path().join(".DS_Store"), "x").expect("write");
        let ids: Vec<String> = discover(dir.path())
            .expect("inbox")
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, ["华信家电", "鼎盛"]);
    }

    #[test]
    fn a_folder_with_loose_files_is_a_bundle_not_an_inbox() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("制度")).expect("mkdir");
        assert_eq!(
            as_inbox(dir.path()).expect("read").map(|s| s.len()),
            Some(1)
        );
        std::fs::write(dir.path().join("营业执照.pdf"), "x").expect("write");
        assert!(as_inbox(dir.path()).expect("read").is_none());
        assert_eq!(discover(dir.path()).expect("read").len(), 1);
    }

    #[test]
    fn fingerprint_follows_content_not_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bundle = dir.path().join("b");
        std::fs::create_dir_all(bundle.join("制度")).expect("mkdir");
        std::fs::write(bundle.join("制度/a.txt"), "售后服务").expect("write");
        let source = Source {
            id: "b".into(),
            path: bundle.clone(),
            refused: None,
        };
        let (first, files) = fingerprint(&source).expect("fingerprint");
        assert_eq!(files, 1);
        std::fs::write(bundle.join("制度/a.txt"), "售后服务").expect("rewrite same");
        assert_eq!(fingerprint(&source).expect("again").0, first);
        std::fs::write(bundle.join("制度/a.txt"), "售后服务!").expect("change");
        assert_ne!(fingerprint(&source).expect("changed").0, first);
        std::fs::write(bundle.join("制度/a.txt"), "售后服务").expect("restore");
        std::fs::rename(bundle.join("制度/a.txt"), bundle.join("制度/b.txt")).expect("rename");
        assert_ne!(fingerprint(&source).expect("renamed").0, first);
    }
}
