//! Zip archives: the members' names and bytes, within limits. Reading the members is left to
//! [`super::bundle`], which sends each one back through sniffing, so a zip inside a zip works.
//!
//! Two things real bundles need that a naive unzip gets wrong:
//! - **Names.** Windows Explorer and old WinRAR on Chinese Windows store names as raw GBK without
//!   the UTF-8 flag; the zip crate then shows CP437 mojibake (`research/crates.md` §5). We decode
//!   the raw name bytes ourselves: UTF-8 if valid, else GB18030, else CP437 as a last resort.
//! - **Hostile archives.** Absolute and `../` names are made relative and can never name anything
//!   outside the archive (nothing is ever written to disk anyway); entry count, per-member size,
//!   compression ratio and the total bytes expanded across nesting levels are capped, so a zip bomb
//!   ends as `limit_exceeded`, not as an out-of-memory.
//! - **Duplicate names.** A zip may hold many entries with one name; the zip crate's
//!   `ZipArchive` keys entries by name and keeps only the last. The members are walked with its
//!   `ZipIterable` instead, which keeps every entry of the central directory, and later ones are
//!   renamed `name~2.ext`, `name~3.ext`… with a note, so each entry is a document with a status.
//! - **Many big members.** Members are unpacked as the archive is listed, but not all held: once
//!   an archive's members in memory reach [`IN_MEMORY_PER_ARCHIVE`], or a member is larger than
//!   [`IN_MEMORY_PER_MEMBER`], it is spooled to an anonymous temporary file ([`Spooled`]) and
//!   loaded only when its turn to be read comes. 2,500 members of 1 MiB cost 64 MiB of memory,
//!   not 2.5 GB, per bundle being read.

use super::{ReadContext, ReadError};
use encoding_rs::GB18030;
use std::io::{Cursor, Read, Seek, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use zip::unstable::read::ZipIterable;

/// A member larger than this is spooled to disk whatever the archive holds in memory.
pub const IN_MEMORY_PER_MEMBER: u64 = 1024 * 1024;

/// An archive keeps at most this many bytes of members in memory; the rest are spooled.
pub const IN_MEMORY_PER_ARCHIVE: u64 = 64 * 1024 * 1024;

/// One file inside an archive.
#[derive(Debug)]
pub struct Member {
    /// Its path inside the archive, decoded and made safe (`/`-separated, relative, no `..`).
    pub name: String,
    /// Its bytes, or why they could not be had (encrypted member, bad CRC, limit).
    pub content: Result<Spooled, ReadError>,
}

/// A member's unpacked bytes: in memory, or in an anonymous temporary file (removed by the
/// operating system when it is closed, even if the process is killed).
#[derive(Debug)]
pub enum Spooled {
    /// Small enough to keep.
    Memory(Vec<u8>),
    /// Written to a temporary file of this many bytes.
    Disk(std::fs::File, u64),
}

impl Spooled {
    /// The member's bytes, read back from disk if spooled.
    pub fn into_bytes(self) -> Result<Vec<u8>, ReadError> {
        match self {
            Spooled::Memory(bytes) => Ok(bytes),
            Spooled::Disk(mut file, len) => {
                let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
                file.rewind()
                    .and_then(|()| file.take(len).read_to_end(&mut bytes))
                    .map_err(|e| spool_error(&e))?;
                Ok(bytes)
            }
        }
    }

    /// Its size in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Spooled::Memory(bytes) => bytes.len() as u64,
            Spooled::Disk(_, len) => *len,
        }
    }

    /// Whether it has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A spool file could not be written or read back: the member is not read (the rest go on).
fn spool_error(e: &std::io::Error) -> ReadError {
    let full = matches!(e.raw_os_error(), Some(28 | 122)); // ENOSPC, EDQUOT
    if full {
        ReadError::LimitExceeded(format!(
            "磁盘已满，此成员文件无法解压到临时文件：{e} (disk full: this zip member could not be \
             unpacked to a temporary file)"
        ))
    } else {
        ReadError::LimitExceeded(format!(
            "此成员文件无法解压到临时文件：{e} (this zip member could not be unpacked to a temporary \
             file)"
        ))
    }
}

/// The members of an archive, plus notes about it.
#[derive(Debug, Default)]
pub struct Members {
    /// Files in archive order (directories left out).
    pub members: Vec<Member>,
    /// Findings such as rewritten unsafe names or skipped system files.
    pub notes: Vec<String>,
    /// Set when a limit stopped the listing early.
    pub truncated: Option<String>,
}

/// Lists and decompresses the members of the zip in `bytes`.
///
/// `budget` is the number of uncompressed bytes still allowed for the whole top-level archive,
/// shared by nested archives and by parallel readers; each member's bytes are taken from it.
pub fn read_members(
    bytes: &[u8],
    ctx: &ReadContext,
    budget: &AtomicU64,
) -> Result<Members, ReadError> {
    let not_a_zip = |e| {
        ReadError::Corrupt(format!(
            "压缩包已损坏或不是 zip 格式，无法读取：{e} (not a readable zip archive)"
        ))
    };
    // `ZipArchive` checks the archive as a whole (it rejects more damaged central directories
    // than the iterable reader does); its index is not used, since it drops duplicate names.
    zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_a_zip)?;
    let mut archive = ZipIterable::try_new(Cursor::new(bytes), zip::read::Config::default())
        .map_err(not_a_zip)?;
    let limits = &ctx.limits;
    let mut out = Members::default();
    let count = archive.len();
    if count > limits.max_zip_entries {
        out.truncated = Some(format!(
            "压缩包有 {count} 个条目，超出 {max} 个的限制，只读取了前 {max} 个 (archive has {count} entries, over the limit of {max}; only the first {max} were read)",
            max = limits.max_zip_entries
        ));
    }
    let mut seen = std::collections::HashSet::new();
    let mut renamed = 0usize;
    let mut in_memory = IN_MEMORY_PER_ARCHIVE;
    let files = archive.files().map_err(not_a_zip)?;
    for index in 0..count.min(limits.max_zip_entries) {
        ctx.check_time()?;
        let entry = match files.next() {
            Some(Ok(entry)) => entry,
            Some(Err(e)) => {
                // The iterable reader cannot go past a damaged central-directory entry.
                out.notes.push(format!(
                    "第 {index} 个条目无法读取：{e}；其后的条目未读取 (entry {index} is unreadable; the entries after it were not read)"
                ));
                break;
            }
            None => break,
        };
        let (raw_name, is_dir, is_encrypted, size, compressed) = (
            entry.name_raw().to_vec(),
            entry.is_dir(),
            entry.encrypted(),
            entry.size(),
            entry.compressed_size(),
        );
        if is_dir {
            continue;
        }
        let decoded = decode_name(&raw_name);
        let name = match safe_relative_name(&decoded) {
            Some(name) => name,
            None => format!("unnamed-{index}"),
        };
        if name != decoded.replace('\\', "/") {
            out.notes.push(format!(
                "条目名 {decoded:?} 指向压缩包之外，已按 {name:?} 读取 (entry name points outside the archive; read as {name:?})"
            ));
        }
        if is_system_clutter(&name) {
            continue;
        }
        let unique = unique_name(name.clone(), &mut seen);
        if unique != name {
            renamed += 1;
        }
        let name = unique;
        let content = if is_encrypted {
            Err(ReadError::Encrypted(
                "此成员文件已加密，需要密码 (this zip member is password-protected)".into(),
            ))
        } else {
            let body = files.reader_mut();
            entry
                .with_reader(body, zip::read::ZipReadOptions::new())
                .map_err(open_error)
                .and_then(|member| {
                    read_member(member, size, compressed, ctx, budget, &mut in_memory)
                })
        };
        if let Err(ReadError::LimitExceeded(why)) = &content
            && budget.load(Ordering::Relaxed) == 0
        {
            out.truncated = Some(why.clone());
            out.members.push(Member { name, content });
            break;
        }
        out.members.push(Member { name, content });
    }
    if renamed > 0 {
        out.notes.push(format!(
            "压缩包内有 {renamed} 个条目与前面的条目同名，均已读取，后出现的编号为 ~2、~3… ({renamed} \
             entries share a name with an earlier one; each is read, the later ones as name~2, \
             name~3…)"
        ));
    }
    Ok(out)
}

/// Why a member's data cannot be reached.
fn open_error(e: zip::result::ZipError) -> ReadError {
    match e {
        zip::result::ZipError::UnsupportedArchive(zip::result::ZipError::PASSWORD_REQUIRED) => {
            ReadError::Encrypted(
                "此成员文件已加密，需要密码 (this zip member is password-protected)".into(),
            )
        }
        other => ReadError::Corrupt(format!(
            "此成员文件无法解压：{other} (cannot unpack this zip member)"
        )),
    }
}

/// Unpacks one member within the size, ratio and total limits, keeping it in memory while it is
/// small and `in_memory` (what the archive may still hold) allows, else spooling it to disk.
fn read_member(
    mut entry: impl Read,
    declared_size: u64,
    compressed_size: u64,
    ctx: &ReadContext,
    budget: &AtomicU64,
    in_memory: &mut u64,
) -> Result<Spooled, ReadError> {
    let limits = &ctx.limits;
    let ratio_ceiling = compressed_size.max(1).saturating_mul(limits.max_zip_ratio);
    // Small members may compress extremely well (a page of spaces); only big ones can be bombs.
    let allowed_by_ratio = ratio_ceiling.max(1024 * 1024);
    let cap = limits.max_file_bytes.min(allowed_by_ratio);
    if declared_size > cap {
        return Err(member_too_big(declared_size, compressed_size, limits));
    }
    let unpack_error = |e: std::io::Error| {
        ReadError::Corrupt(format!(
            "此成员文件无法解压：{e} (cannot unpack this zip member)"
        ))
    };
    // Never trust the declared size: read at most cap + 1 bytes and judge by what came out.
    let keep = IN_MEMORY_PER_MEMBER.min(*in_memory);
    let mut head = Vec::with_capacity(declared_size.min(keep) as usize);
    (&mut entry)
        .take(keep.saturating_add(1))
        .read_to_end(&mut head)
        .map_err(unpack_error)?;
    let spooled = if head.len() as u64 <= keep {
        *in_memory -= head.len() as u64;
        Spooled::Memory(head)
    } else {
        let mut file = tempfile::tempfile().map_err(|e| spool_error(&e))?;
        file.write_all(&head).map_err(|e| spool_error(&e))?;
        let mut got = head.len() as u64;
        drop(head);
        let mut chunk = vec![0u8; 1 << 20];
        let mut rest = (&mut entry).take(cap.saturating_add(1).saturating_sub(got));
        loop {
            ctx.check_time()?;
            let n = rest.read(&mut chunk).map_err(unpack_error)?;
            if n == 0 {
                break;
            }
            file.write_all(&chunk[..n]).map_err(|e| spool_error(&e))?;
            got += n as u64;
        }
        Spooled::Disk(file, got)
    };
    let got = spooled.len();
    if got > cap {
        return Err(member_too_big(got, compressed_size, limits));
    }
    take_from_budget(budget, got, limits.max_zip_total_bytes)?;
    Ok(spooled)
}

fn member_too_big(size: u64, compressed: u64, limits: &super::Limits) -> ReadError {
    if size > limits.max_file_bytes {
        ReadError::LimitExceeded(format!(
            "成员文件解压后超过每个文件 {max} 字节的限制 (zip member expands to more than {max} bytes, limit per file)",
            max = limits.max_file_bytes
        ))
    } else {
        ReadError::LimitExceeded(format!(
            "成员文件从 {compressed} 字节解压到超过 {size} 字节，压缩比超出 {ratio} 倍的限制（疑似压缩炸弹） (zip member expands from {compressed} to over {size} bytes, a ratio above the limit of {ratio}: zip bomb?)",
            ratio = limits.max_zip_ratio
        ))
    }
}

fn take_from_budget(budget: &AtomicU64, amount: u64, total: u64) -> Result<(), ReadError> {
    budget
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
            left.checked_sub(amount)
        })
        .map(|_| ())
        .map_err(|_| {
            budget.store(0, Ordering::Relaxed);
            ReadError::LimitExceeded(format!(
                "压缩包解压后总计超过 {total} 字节的限制，其余未读取 (the archive expands to more than {total} bytes in all, limit; the rest was not read)"
            ))
        })
}

/// Two entries may end up with one name (a zip can hold duplicates, and unsafe names are
/// rewritten); later ones get `~2`, `~3`… before the extension so every path names one file.
fn unique_name(name: String, seen: &mut std::collections::HashSet<String>) -> String {
    if seen.insert(name.clone()) {
        return name;
    }
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if dot > name.rfind('/').map_or(0, |s| s + 1) => name.split_at(dot),
        _ => (name.as_str(), ""),
    };
    (2..)
        .map(|n| format!("{stem}~{n}{ext}"))
        .find(|candidate| seen.insert(candidate.clone()))
        .unwrap_or(name)
}

/// Decodes a raw zip entry name: UTF-8 when valid (whatever the flag says: many tools set no
/// flag for UTF-8), else GB18030 (Windows in China), else CP437 (the zip default).
pub(crate) fn decode_name(raw: &[u8]) -> String {
    if let Ok(name) = std::str::from_utf8(raw) {
        return name.to_string();
    }
    if let Some(name) = GB18030.decode_without_bom_handling_and_without_replacement(raw) {
        return name.into_owned();
    }
    raw.iter().map(|&b| cp437(b)).collect()
}

fn cp437(byte: u8) -> char {
    const HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";
    if byte < 0x80 {
        byte as char
    } else {
        HIGH.chars().nth(usize::from(byte - 0x80)).unwrap_or('?')
    }
}

/// Makes an entry name safe: backslashes become `/`, a drive letter or leading `/` goes, `.` and
/// `..` components and control characters are dropped. `None` when nothing is left.
pub(crate) fn safe_relative_name(name: &str) -> Option<String> {
    let unified = name.replace('\\', "/");
    let parts: Vec<String> = unified
        .split('/')
        .enumerate()
        .filter_map(|(i, part)| {
            let cleaned: String = part.chars().filter(|c| !c.is_control()).collect();
            let is_drive = i == 0 && cleaned.len() == 2 && cleaned.ends_with(':');
            if cleaned.is_empty() || cleaned == "." || cleaned == ".." || is_drive {
                None
            } else {
                Some(cleaned)
            }
        })
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

/// Files operating systems leave in archives and folders that are never part of an application:
/// macOS resource forks and `.DS_Store`, Windows thumbnail caches, Office lock files (`~$x.docx`).
pub(crate) fn is_system_clutter(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    path.starts_with("__MACOSX/")
        || path.contains("/__MACOSX/")
        || base == ".DS_Store"
        || base.eq_ignore_ascii_case("Thumbs.db")
        || base.eq_ignore_ascii_case("desktop.ini")
        || base.starts_with("~$")
        || base.starts_with("._")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Limits;
    use crate::ingest::test_support::zip_of;

    fn budget() -> AtomicU64 {
        AtomicU64::new(Limits::default().max_zip_total_bytes)
    }

    #[test]
    fn gbk_names_decode_to_chinese() {
        let (gbk, _, _) = GB18030.encode("01营业执照.pdf");
        assert_eq!(decode_name(&gbk), "01营业执照.pdf");
        assert_eq!(decode_name("制度/投诉.docx".as_bytes()), "制度/投诉.docx");
    }

    #[test]
    fn unsafe_names_are_made_relative() {
        assert_eq!(
            safe_relative_name("../../evil.txt").as_deref(),
            Some("evil.txt")
        );
        assert_eq!(
            safe_relative_name("/etc/passwd").as_deref(),
            Some("etc/passwd")
        );
        assert_eq!(
            safe_relative_name("C:\\temp\\a.pdf").as_deref(),
            Some("temp/a.pdf")
        );
        assert_eq!(safe_relative_name("../.."), None);
    }

    #[test]
    fn members_come_in_archive_order_without_clutter() {
        let bytes = zip_of(&[
            ("b.txt", b"bbb"),
            ("__MACOSX/._b.txt", b"x"),
            ("a/c.txt", b"ccc"),
        ]);
        let ctx = ReadContext::new(Limits::default());
        let listing = read_members(&bytes, &ctx, &budget()).expect("zip");
        let names: Vec<_> = listing.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["b.txt", "a/c.txt"]);
    }

    #[test]
    fn a_bomb_member_hits_the_ratio_limit() {
        let zeros = vec![0u8; 8 * 1024 * 1024];
        let bytes = zip_of(&[("zeros.bin", &zeros), ("ok.txt", b"fine")]);
        let ctx = ReadContext::new(Limits::default());
        let mut listing = read_members(&bytes, &ctx, &budget()).expect("zip");
        assert!(matches!(
            listing.members[0].content,
            Err(ReadError::LimitExceeded(_))
        ));
        let fine = listing.members.remove(1).content.expect("read");
        assert_eq!(fine.into_bytes().expect("bytes"), b"fine");
    }

    #[test]
    fn total_budget_is_shared_and_stops_the_listing() {
        let bytes = zip_of(&[("a.txt", &[b'a'; 600]), ("b.txt", &[b'b'; 600])]);
        let ctx = ReadContext::new(Limits::default());
        let small = AtomicU64::new(1000);
        let listing = read_members(&bytes, &ctx, &small).expect("zip");
        assert!(listing.members[0].content.is_ok());
        assert!(matches!(
            listing.members[1].content,
            Err(ReadError::LimitExceeded(_))
        ));
        assert!(listing.truncated.is_some());
    }

    #[test]
    fn big_members_and_those_past_the_archive_allowance_are_spooled_to_disk() {
        // Incompressible, so the ratio guard does not take it for a bomb.
        let mut state = 12345u32;
        let big: Vec<u8> = (0..IN_MEMORY_PER_MEMBER + 10)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 16) as u8
            })
            .collect();
        let small = vec![b'y'; 1000];
        let bytes = zip_of(&[("big.txt", &big), ("small.txt", &small)]);
        let ctx = ReadContext::new(Limits::default());
        let listing = read_members(&bytes, &ctx, &budget()).expect("zip");
        let mut contents = listing
            .members
            .into_iter()
            .map(|m| m.content.expect("read"));
        let (first, second) = (
            contents.next().expect("big"),
            contents.next().expect("small"),
        );
        assert!(matches!(first, Spooled::Disk(_, n) if n == big.len() as u64));
        assert!(matches!(second, Spooled::Memory(_)));
        assert_eq!(first.into_bytes().expect("bytes"), big);
        assert_eq!(second.into_bytes().expect("bytes"), small);

        // An archive whose allowance is spent spools even small members.
        let mut spent = 0;
        let member =
            read_member(&small[..], 1000, 1000, &ctx, &budget(), &mut spent).expect("read");
        assert!(matches!(member, Spooled::Disk(_, 1000)));
    }

    #[test]
    fn garbage_is_corrupt() {
        let ctx = ReadContext::new(Limits::default());
        assert!(matches!(
            read_members(b"PK\x03\x04garbage", &ctx, &budget()),
            Err(ReadError::Corrupt(_))
        ));
    }
}
