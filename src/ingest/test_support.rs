//! Helpers shared by the tests of several readers: a context with the default limits, accessors
//! for what a read gave, tiny in-memory archives, and the shared real-world corpus.
//!
//! The library's tests cannot use `tests/util.rs`, so the corpus is found here the same way:
//! `$CERTSIFT_SHARED` when set, else `../shared` beside the checkout; a test whose folder is
//! absent says so and skips.

use super::{Extracted, Limits, ReadContext, ReadError};
use crate::model::{Location, Part};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

/// An OLE2 compound file holding the given root streams (a `.doc`, an encrypted OOXML…).
pub(crate) fn compound(streams: &[(&str, &[u8])]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("create");
    for (name, data) in streams {
        let mut s = file.create_stream(format!("/{name}")).expect("stream");
        s.write_all(data).expect("write");
    }
    file.flush().expect("flush");
    file.into_inner().into_inner()
}

/// A context with the default limits, its clock started now.
pub(crate) fn ctx() -> ReadContext {
    ReadContext::new(Limits::default())
}

/// `read` of `bytes` with the default limits, which must succeed.
pub(crate) fn read_ok(
    read: fn(&[u8], &ReadContext) -> Result<Extracted, ReadError>,
    bytes: &[u8],
) -> Extracted {
    match read(bytes, &ctx()) {
        Ok(x) => x,
        Err(e) => panic!("read failed: {e}"),
    }
}

/// The passages' texts, in order.
pub(crate) fn texts(x: &Extracted) -> Vec<&str> {
    x.passages.iter().map(|p| p.text.as_str()).collect()
}

/// The passages' texts with their locations, in order.
pub(crate) fn located_texts(x: &Extracted) -> Vec<(&str, &Location)> {
    x.passages
        .iter()
        .map(|p| (p.text.as_str(), &p.location))
        .collect()
}

/// Paragraph `paragraph` of `part`.
pub(crate) fn para(part: Part, paragraph: u32) -> Location {
    Location::Paragraph { part, paragraph }
}

/// A cell of a body table.
pub(crate) fn cell(table: u32, row: u32, col: u32, nested: Option<&str>) -> Location {
    Location::TableCell {
        part: Part::Body,
        table,
        row,
        col,
        nested: nested.map(str::to_string),
    }
}

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

/// The `.{ext}` files of the corpus folder `sub`, sorted, or `None` after printing why `test`
/// skips.
pub(crate) fn corpus_files(test: &str, sub: &str, ext: &str) -> Option<Vec<PathBuf>> {
    let dir = shared_corpus(test, sub)?;
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    Some(files)
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
        skip(
            test,
            &format!("../shared/realworld/{sub} is absent (set CERTSIFT_SHARED to run it)"),
        );
        None
    }
}

/// Says on the terminal that `test` skips, and why. Written to the stderr handle itself, not
/// with `eprintln!`: the test harness captures the print macros of passing tests, so a skip
/// would be silent in the normal `cargo test` output.
pub(crate) fn skip(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIP {test}: {why}");
}
