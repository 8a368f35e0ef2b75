//! The inbox: which bundles it holds, and a fingerprint of each bundle's content.
//!
//! Every direct subfolder or `.zip` of the inbox is a bundle; loose files and OS clutter are
//! not. The fingerprint hashes what the bundle *contains* (each file's relative path and
//! sha256, or the zip's bytes), not modification times: a copy, a touch or a re-upload of the
//! same files is the same bundle, and any change to any byte is a new one.

use crate::ingest::zip::is_system_clutter;
use crate::ingest::{bundle_id, list_files};
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
    Ok((loose == 0 && !sources.is_empty()).then_some(sources))
}

/// The folder's bundles (direct subfolders and zips, sorted by path) and its number of loose
/// files. Symlinks are followed: an inbox of links to where submissions really live is fine.
fn scan(dir: &Path) -> std::io::Result<(Vec<Source>, usize)> {
    let mut sources = Vec::new();
    let mut loose = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_system_clutter(&name) || name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let is_zip = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
        if path.is_dir() || (is_zip && path.is_file()) {
            sources.push(Source {
                id: bundle_id(&path),
                path,
            });
        } else {
            loose += 1;
        }
    }
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((sources, loose))
}

/// The content fingerprint of a bundle (hex sha256), and its number of files (a zip counts as
/// one until it is read).
pub fn fingerprint(source: &Source) -> std::io::Result<(String, usize)> {
    let mut hasher = Sha256::new();
    if source.path.is_dir() {
        let mut files = list_files(&source.path).map_err(std::io::Error::other)?;
        files.sort_by(|a, b| a.1.cmp(&b.1));
        for (path, relative) in &files {
            hasher.update((relative.len() as u64).to_le_bytes());
            hasher.update(relative.as_bytes());
            hasher.update(hash_file(path)?);
        }
        Ok((hex::encode(hasher.finalize()), files.len()))
    } else {
        hasher.update(hash_file(&source.path)?);
        Ok((hex::encode(hasher.finalize()), 1))
    }
}

/// sha256 of a file, streamed: bundles may hold files larger than we would like to load twice.
fn hash_file(path: &Path) -> std::io::Result<[u8; 32]> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
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
