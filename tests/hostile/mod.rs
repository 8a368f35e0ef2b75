//! The hostile set of issue 11, generated at test time into a folder: files small on disk and
//! huge in work (spreadsheets that declare billions of cells, headings copied onto every
//! passage, repeats that multiply bytes, a ToUnicode range of every code, many pages, many
//! 1 MiB zip members), the bombs that already pass (zip, nested zip, XXE, billion laughs,
//! cyclic PDFs), names that climb out of an archive, and what a file system can hold besides
//! files (a link to `/etc`, a named pipe, a socket, a name that is not UTF-8, an empty file).
//!
//! Nothing hostile is committed as bytes: this generator is the committed artefact, and
//! `tests/hostile_inbox.rs` runs the whole set through `certsift run`. Each builder says what it
//! attacks; sizes are the smallest that still exercise a class where size is the class.

#![cfg(unix)]

pub mod doc;
pub mod formats;
pub mod office;
pub mod pdf;
pub mod zips;

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// One file the generator wrote, and what a run must say about it.
#[derive(Debug, Clone)]
pub struct Planted {
    /// Its name in the bundle folder, as bytes on disk (not always UTF-8).
    pub name: OsString,
    /// What it attacks, in a few words.
    pub class: &'static str,
    /// The statuses it may get; empty when any status will do (the class asks only for one).
    pub expect: &'static [&'static str],
    /// Members (paths inside it, `!/`-joined when nested) that must be listed too, each with
    /// the statuses it may get.
    pub members: Vec<(String, &'static [&'static str])>,
}

impl Planted {
    /// Adds `names` to the members that must be listed, each allowed `expect`.
    pub fn members(
        &mut self,
        names: &[impl AsRef<str>],
        expect: &'static [&'static str],
    ) -> &mut Planted {
        self.members
            .extend(names.iter().map(|n| (n.as_ref().to_string(), expect)));
        self
    }
}

/// Writes `bytes` as `dir/name` and records it.
fn put<'a>(
    dir: &Path,
    planted: &'a mut Vec<Planted>,
    name: impl AsRef<OsStr>,
    bytes: &[u8],
    class: &'static str,
    expect: &'static [&'static str],
) -> &'a mut Planted {
    std::fs::write(dir.join(name.as_ref()), bytes).expect("write a hostile file");
    record(planted, name, class, expect)
}

fn record<'a>(
    planted: &'a mut Vec<Planted>,
    name: impl AsRef<OsStr>,
    class: &'static str,
    expect: &'static [&'static str],
) -> &'a mut Planted {
    planted.push(Planted {
        name: name.as_ref().to_os_string(),
        class,
        expect,
        members: Vec::new(),
    });
    planted.last_mut().expect("just pushed")
}

/// Writes every hostile file into `dir` (created if need be) and returns what was written.
pub fn plant_all(dir: &Path) -> Vec<Planted> {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut planted = Vec::new();
    office::plant(dir, &mut planted);
    formats::plant(dir, &mut planted);
    doc::plant(dir, &mut planted);
    pdf::plant(dir, &mut planted);
    zips::plant(dir, &mut planted);
    plant_file_system(dir, &mut planted);
    planted
}

/// What a file system holds besides ordinary files, and names no archive can carry.
fn plant_file_system(dir: &Path, planted: &mut Vec<Planted>) {
    put(dir, planted, "空文件.pdf", b"", "empty file", &["empty"]);
    // 制度.txt in GBK: a name that is not UTF-8, kept losslessly (`\xD6\xC6…`).
    let gbk = OsStr::from_bytes(b"\xD6\xC6\xB6\xC8.txt");
    put(
        dir,
        planted,
        gbk,
        "售后服务制度".as_bytes(),
        "GBK file name (invalid UTF-8)",
        &["ok"],
    );
    // A link out of the bundle: reported, never followed (the whole of /etc was read).
    std::os::unix::fs::symlink("/etc", dir.join("etc")).expect("symlink");
    record(planted, "etc", "symlink to /etc", &["unsupported"]);
    // A reader that opens a named pipe blocks forever: judged from its metadata, never opened.
    let fifo = dir.join("管道.pdf");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success(), "mkfifo {}", fifo.display());
    record(planted, "管道.pdf", "FIFO", &["unsupported"]);
    // The socket file stays after its listener is dropped.
    drop(std::os::unix::net::UnixListener::bind(dir.join("套接字.docx")).expect("bind"));
    record(planted, "套接字.docx", "socket", &["unsupported"]);
    let (bytes, _) = zips::slip();
    put(
        dir,
        planted,
        "截断-zip.zip",
        &bytes[..bytes.len() / 2],
        "truncated zip",
        &["corrupt"],
    );
}
