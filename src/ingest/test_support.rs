//! Helpers shared by the tests of several readers: tiny in-memory archives, and the shared
//! real-world corpus.
//!
//! The library's tests cannot use `tests/util.rs`, so the corpus is found here the same way:
//! `$CERTSIFT_SHARED` when set, else `../shared` beside the checkout; a test whose folder is
//! absent says so and skips.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

/// A zip holding the given members, in order, deflated.
pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut out);
    for (name, data) in entries {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("start");
        writer.write_all(data).expect("write");
    }
    writer.finish().expect("finish");
    out.into_inner()
}

/// The folder `sub` of the shared real-world corpus (`pdf`, `docx`, `sheets`…), or `None` after
/// printing why `test` skips.
pub(crate) fn shared_corpus(test: &str, sub: &str) -> Option<PathBuf> {
    let shared = std::env::var_os("CERTSIFT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let dir = shared.join("realworld").join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP {test}: ../shared/realworld/{sub} is absent (set CERTSIFT_SHARED to run it)"
        );
        None
    }
}
