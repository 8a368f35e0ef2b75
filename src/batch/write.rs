//! Writing outputs so that a reader, or a run killed half-way, never sees half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary file in the same folder, flushed to disk, then
/// renamed over `path` (atomic on one file system): `path` holds either its old or its new
/// content, whatever happens. The folder is created when missing.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let tmp = temp_name(path);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        #[cfg(test)]
        test_hooks::check(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `.name.tmp-PID` beside `path`: hidden, per process, so two writers never share one.
pub(crate) fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Removes temporary files a killed run left in `out` and in each `out/bundles/<id>`.
pub(crate) fn remove_all_leftovers(out: &Path) {
    remove_leftovers(out);
    if let Ok(bundles) = std::fs::read_dir(out.join("bundles")) {
        for bundle in bundles.flatten() {
            remove_leftovers(&bundle.path());
        }
    }
}

/// Removes temporary files a killed run left in `dir` (not recursive).
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A full disk cannot be made without root (and CI's root may not mount one): tests mark a
/// folder whose writes then fail as `ENOSPC` would, after the temporary file was created.
#[cfg(test)]
pub(crate) mod test_hooks {
    use std::path::{Path, PathBuf};
    use std::sync::Mutex;

    static FULL: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

    /// Writes below `dir` fail with "no space left on device" until [`free`].
    pub(crate) fn fill(dir: &Path) {
        if let Ok(mut full) = FULL.lock() {
            full.push(dir.to_path_buf());
        }
    }

    /// Writes below `dir` succeed again.
    pub(crate) fn free(dir: &Path) {
        if let Ok(mut full) = FULL.lock() {
            full.retain(|d| d != dir);
        }
    }

    pub(crate) fn check(path: &Path) -> std::io::Result<()> {
        let full = FULL
            .lock()
            .is_ok_and(|f| f.iter().any(|d| path.starts_with(d)));
        if full {
            Err(std::io::Error::from(std::io::ErrorKind::StorageFull))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("报告/report.json");
        write_atomically(&path, b"first").expect("write");
        write_atomically(&path, b"second").expect("overwrite");
        assert_eq!(std::fs::read(&path).expect("read"), b"second");
        let names: Vec<String> = std::fs::read_dir(path.parent().expect("parent"))
            .expect("list")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["report.json"]);
    }
}
