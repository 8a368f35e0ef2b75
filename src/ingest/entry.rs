//! What each entry of a bundle folder is, decided from its metadata before anything is opened.
//!
//! A bundle comes from outside, so its folder may hold what no office software writes: symbolic
//! links (to `/etc`, or to each other in a loop), named pipes (opening one blocks until a writer
//! comes: forever), sockets, device files, files or folders nobody may read. Each becomes an
//! [`Entry`] that is either read or refused with a status and a message for the reviewer
//! (Chinese, then English); none is skipped silently, and nothing outside the bundle is read.
//!
//! **Links.** A link that resolves (through any chain of links) to a regular file *inside* the
//! bundle is read under its own name, like a copy. A link to a folder is never followed (when the
//! folder is inside the bundle it is read where it is), so a loop cannot trap the walk. A link
//! that resolves outside the bundle, or to nothing, is refused and not read.
//!
//! **Opening.** [`open_regular`] checks the type before opening and again on the open file, so a
//! named pipe is never opened for reading; a file swapped for a pipe in between (an attacker on
//! the same machine, not a bundle's content) is the one window left.

use super::ReadError;
use super::names::slash_path;
use super::zip::is_system_clutter;
use crate::error::{Error, Result};
use std::fs::FileType;
use std::path::{Path, PathBuf};

/// One entry below a bundle folder (folders themselves are walked, not listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Where it is on disk.
    pub path: PathBuf,
    /// Its path inside the bundle, `/`-separated and escaped losslessly
    /// ([`super::names::escape`]).
    pub relative: String,
    /// `None` to read it; otherwise why it is not read, which is its document's status and
    /// message.
    pub refused: Option<ReadError>,
}

/// Every entry below `dir` except folders and operating-system clutter, sorted by relative path.
///
/// Fails only when `dir` itself cannot be listed; a subfolder that cannot be listed is an entry
/// (`corrupt`, with why), so the rest of the bundle is still read.
pub fn list_entries(dir: &Path) -> Result<Vec<Entry>> {
    let root = std::fs::canonicalize(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        cause: source,
    })?;
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = match std::fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(source) if current == dir => {
                return Err(Error::Io {
                    path: current,
                    cause: source,
                });
            }
            Err(err) => {
                let relative = relative_to(&current, dir);
                out.push(Entry {
                    refused: Some(ReadError::Corrupt(format!(
                        "无法打开文件夹 {relative}：{err}，其中文件未读取 (cannot list the folder; its \
                         files were not read)"
                    ))),
                    path: current,
                    relative,
                });
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    let relative = relative_to(&current, dir);
                    out.push(Entry {
                        refused: Some(ReadError::Corrupt(format!(
                            "文件夹 {relative} 的一个条目无法读取：{err} (an entry of this folder \
                             cannot be read)"
                        ))),
                        path: current.clone(),
                        relative,
                    });
                    continue;
                }
            };
            let path = entry.path();
            let relative = relative_to(&path, dir);
            if is_system_clutter(&relative) {
                continue;
            }
            let refused = match entry.file_type() {
                Ok(kind) if kind.is_dir() => {
                    stack.push(path);
                    continue;
                }
                Ok(kind) if kind.is_file() => None,
                Ok(kind) if kind.is_symlink() => resolve_link(&path, &root, dir),
                Ok(kind) => Some(not_regular(kind)),
                Err(err) => Some(unreadable(&err)),
            };
            out.push(Entry {
                path,
                relative,
                refused,
            });
        }
    }
    out.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(out)
}

/// Whether a link below the bundle may be read: only when it resolves to a regular file inside
/// `root` (the bundle's canonical path; `dir` is the bundle as given, for messages).
fn resolve_link(link: &Path, root: &Path, dir: &Path) -> Option<ReadError> {
    let target = match std::fs::canonicalize(link) {
        Ok(target) => target,
        Err(err) => {
            return Some(ReadError::Corrupt(format!(
                "符号链接无法解析：{err}，未读取 (broken symbolic link; not read)"
            )));
        }
    };
    let Ok(inside) = target.strip_prefix(root) else {
        return Some(outside(&target, "申请包", "bundle"));
    };
    match std::fs::metadata(&target) {
        Ok(meta) if meta.is_file() => None,
        Ok(meta) if meta.is_dir() => {
            let folder = relative_to(&dir.join(inside), dir);
            Some(ReadError::Unsupported(format!(
                "符号链接指向包内文件夹 {folder}，不跟随；该文件夹在原处读取 (a link to the folder \
                 {folder} inside the bundle: not followed, the folder is read where it is)"
            )))
        }
        Ok(meta) => Some(not_regular(meta.file_type())),
        Err(err) => Some(unreadable(&err)),
    }
}

/// A link to `target`, outside the bundle or inbox (`zh`/`en` name which), refused.
pub(crate) fn outside(target: &Path, zh: &str, en: &str) -> ReadError {
    let target = slash_path(target);
    ReadError::Unsupported(format!(
        "符号链接指向{zh}之外 ({target})，未读取；请把文件本身放入{zh} (a symbolic link to \
         {target}, outside the {en}: not read; put the file itself in the {en})"
    ))
}

/// A named pipe, socket or device: never opened.
fn not_regular(kind: FileType) -> ReadError {
    let (zh, en) = special_kind(kind);
    ReadError::Unsupported(format!(
        "不是普通文件，而是{zh}，未读取 (not a regular file but {en}: not read)"
    ))
}

#[cfg(unix)]
fn special_kind(kind: FileType) -> (&'static str, &'static str) {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        ("命名管道", "a named pipe (FIFO)")
    } else if kind.is_socket() {
        ("套接字", "a socket")
    } else if kind.is_block_device() || kind.is_char_device() {
        ("设备文件", "a device file")
    } else {
        ("特殊文件", "a special file")
    }
}

#[cfg(not(unix))]
fn special_kind(_: FileType) -> (&'static str, &'static str) {
    ("特殊文件", "a special file")
}

/// A file the operating system will not let us read (permission denied, I/O error).
pub(crate) fn unreadable(err: &std::io::Error) -> ReadError {
    if err.kind() == std::io::ErrorKind::PermissionDenied {
        ReadError::Corrupt(format!(
            "无权读取此文件：{err}，请检查文件权限 (cannot read the file; check its permissions)"
        ))
    } else {
        ReadError::Corrupt(format!("无法读取此文件：{err} (cannot read the file)"))
    }
}

/// Opens `path` for reading only if it is a regular file (links followed: callers decide about
/// links before), checked before opening, so a named pipe is never opened, and again on the open
/// file. Anything else is `Err` with the status and message its document gets.
pub fn open_regular(path: &Path) -> std::result::Result<std::fs::File, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| unreadable(&e))?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    #[cfg(test)]
    if test_hooks::is_denied(path) {
        return Err(unreadable(&std::io::Error::from(
            std::io::ErrorKind::PermissionDenied,
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| unreadable(&e))?;
    match file.metadata() {
        Ok(meta) if meta.is_file() => Ok(file),
        Ok(meta) => Err(not_regular(meta.file_type())),
        Err(err) => Err(unreadable(&err)),
    }
}

fn relative_to(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir)
        .map(slash_path)
        .unwrap_or_else(|_| slash_path(path))
}

/// Tests run as root in CI, where no permission bit makes a file unreadable: they mark paths
/// that [`open_regular`] then refuses as if permission were denied.
#[cfg(test)]
pub(crate) mod test_hooks {
    use std::path::{Path, PathBuf};
    use std::sync::Mutex;

    static DENIED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

    /// From now on, opening `path` fails with "permission denied".
    pub(crate) fn deny(path: &Path) {
        if let Ok(mut denied) = DENIED.lock() {
            denied.push(path.to_path_buf());
        }
    }

    pub(super) fn is_denied(path: &Path) -> bool {
        DENIED.lock().is_ok_and(|d| d.iter().any(|p| p == path))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::model::FileStatus;
    use std::os::unix::fs::symlink;

    fn statuses(dir: &Path) -> Vec<(String, Option<FileStatus>)> {
        list_entries(dir)
            .expect("list")
            .into_iter()
            .map(|e| (e.relative, e.refused.map(|r| r.status())))
            .collect()
    }

    #[test]
    fn links_out_of_the_bundle_are_refused_links_inside_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = dir.path().join("secret.txt");
        std::fs::write(&outside, "机密").expect("write");
        let bundle = dir.path().join("b");
        std::fs::create_dir_all(bundle.join("制度")).expect("mkdir");
        std::fs::write(bundle.join("制度/a.txt"), "售后").expect("write");
        symlink(&outside, bundle.join("out.txt")).expect("link");
        symlink("/etc", bundle.join("etc")).expect("link");
        symlink("制度/a.txt", bundle.join("copy.txt")).expect("link");
        symlink("制度", bundle.join("folder")).expect("link");
        symlink("missing", bundle.join("dangling.txt")).expect("link");
        symlink("loop2", bundle.join("loop1")).expect("link");
        symlink("loop1", bundle.join("loop2")).expect("link");
        let got = statuses(&bundle);
        assert_eq!(
            got,
            [
                ("copy.txt".into(), None),
                ("dangling.txt".into(), Some(FileStatus::Corrupt)),
                ("etc".into(), Some(FileStatus::Unsupported)),
                ("folder".into(), Some(FileStatus::Unsupported)),
                ("loop1".into(), Some(FileStatus::Corrupt)),
                ("loop2".into(), Some(FileStatus::Corrupt)),
                ("out.txt".into(), Some(FileStatus::Unsupported)),
                ("制度/a.txt".into(), None),
            ]
        );
        let entries = list_entries(&bundle).expect("list");
        let etc = entries.iter().find(|e| e.relative == "etc").expect("etc");
        let message = etc.refused.as_ref().expect("refused").to_string();
        assert!(message.contains("申请包之外") && message.contains("outside the bundle"));
    }

    #[test]
    fn a_fifo_is_refused_without_being_opened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe.txt");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        // Would block forever if opened for reading.
        assert_eq!(
            statuses(dir.path()),
            [("pipe.txt".into(), Some(FileStatus::Unsupported))]
        );
        let err = open_regular(&fifo).expect_err("not opened");
        assert!(err.to_string().contains("named pipe"), "{err}");
    }
}
