//! A full disk, said plainly, and what a run cut short by one leaves behind, cleaned.
//!
//! When OUT's disk fills, the write that fails may be a report, the ledger, the summary or the
//! index. tantivy's indexing thread dies on its `ENOSPC` and the batch only hears that "an index
//! writer was killed", so a failed index is checked with [`is_full`], which tries to write a
//! small file beside it; other writes carry the error kind ([`is_storage_full`]). The run then
//! stops with [`super::BatchError::DiskFull`] rather than failing every later bundle one by one
//! (which would also drop them from the ledger), and cleans up what it can: temporary files of
//! atomic writes and index files no commit refers to (segments the dead writer was writing).
//! The next run cleans the same way before it writes anything, so once space is freed it simply
//! goes on, without anyone cleaning by hand.
//!
//! The index garbage collection opens the index with tantivy directly: [`crate::index`] has no
//! call for it yet, and it must run before the batch takes its own writer.

use std::io::Write;
use std::path::Path;

/// Whether a write failed because the disk (or the user's quota) is full.
pub(crate) fn is_storage_full(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

/// Whether `dir`'s disk has no room left for a small file (1 MiB, flushed). For errors that do
/// not say why, such as tantivy's dead indexing thread.
pub(crate) fn is_full(dir: &Path) -> bool {
    let probe = dir.join(format!(".disk-probe.tmp-{}", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&probe)?;
        #[cfg(test)]
        super::write::test_hooks::check(&probe)?;
        file.write_all(&vec![0u8; 1024 * 1024])?;
        file.sync_all()
    })();
    let _ = std::fs::remove_file(&probe);
    written.as_ref().is_err_and(is_storage_full)
}

/// Removes what an index writer cut short left in `index_dir`: tantivy's temporary files
/// (`.tmp…`, from its atomic writes) and every managed file no commit refers to. Call it only
/// while holding OUT's lock and before opening a writer. Never fails: what cannot be removed
/// is logged and left for the next time.
pub(crate) fn clean_index(index_dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(index_dir) {
        for entry in entries.flatten() {
            let is_temporary = entry.file_name().to_string_lossy().starts_with(".tmp");
            if is_temporary && entry.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    if !index_dir.join("meta.json").is_file() {
        return;
    }
    let collected = (|| -> tantivy::Result<usize> {
        let index = tantivy::Index::open_in_dir(index_dir)?;
        // The smallest budget tantivy takes; this writer only collects garbage.
        let writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
        let result = writer.garbage_collect_files().wait()?;
        Ok(result.deleted_files.len())
    })();
    match collected {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            "{}: removed {n} index file(s) a cut-short run left",
            index_dir.display()
        ),
        Err(err) => tracing::warn!(
            "{}: could not clean the index ({err}); the next commit will",
            index_dir.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_recognised_by_its_probe() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(!is_full(dir.path()));
        super::super::write::test_hooks::fill(dir.path());
        assert!(is_full(dir.path()));
        super::super::write::test_hooks::free(dir.path());
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
        assert!(left.is_empty(), "the probe is removed");
    }
}
