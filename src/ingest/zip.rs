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

use super::{ReadContext, ReadError};
use encoding_rs::GB18030;
use std::io::{Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use zip::unstable::read::ZipIterable;

/// One file inside an archive.
#[derive(Debug)]
pub struct Member {
    /// Its path inside the archive, decoded and made safe (`/`-separated, relative, no `..`).
    pub name: String,
    /// Its bytes, or why they could not be had (encrypted member, bad CRC, limit).
    pub content: Result<Vec<u8>, ReadError>,
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
    let not_a_zip = |e| ReadError::Corrupt(format!("not a readable zip archive: {e}"));
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
            "archive has {count} entries, over the limit of {}; only the first {} were read",
            limits.max_zip_entries, limits.max_zip_entries
        ));
    }
    let mut seen = std::collections::HashSet::new();
    let mut renamed = 0usize;
    let files = archive.files().map_err(not_a_zip)?;
    for index in 0..count.min(limits.max_zip_entries) {
        ctx.check_time()?;
        let entry = match files.next() {
            Some(Ok(entry)) => entry,
            Some(Err(e)) => {
                // The iterable reader cannot go past a damaged central-directory entry.
                out.notes.push(format!(
                    "entry {index} is unreadable: {e}; the entries after it were not read"
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
                "entry name {decoded:?} points outside the archive; read as {name:?}"
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
                "this zip member is password-protected".into(),
            ))
        } else {
            let body = files.reader_mut();
            entry
                .with_reader(body, zip::read::ZipReadOptions::new())
                .map_err(open_error)
                .and_then(|member| read_member(member, size, compressed, ctx, budget))
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
            "压缩包内有同名条目，后出现的已编号为 ~2、~3… ({renamed} entries share a name with an \
             earlier one; each is read, the later ones as name~2, name~3…)"
        ));
    }
    Ok(out)
}

/// Why a member's data cannot be reached.
fn open_error(e: zip::result::ZipError) -> ReadError {
    match e {
        zip::result::ZipError::UnsupportedArchive(zip::result::ZipError::PASSWORD_REQUIRED) => {
            ReadError::Encrypted("this zip member is password-protected".into())
        }
        other => ReadError::Corrupt(format!("cannot unpack this zip member: {other}")),
    }
}

fn read_member(
    mut entry: impl Read,
    declared_size: u64,
    compressed_size: u64,
    ctx: &ReadContext,
    budget: &AtomicU64,
) -> Result<Vec<u8>, ReadError> {
    let limits = &ctx.limits;
    let ratio_ceiling = compressed_size.max(1).saturating_mul(limits.max_zip_ratio);
    // Small members may compress extremely well (a page of spaces); only big ones can be bombs.
    let allowed_by_ratio = ratio_ceiling.max(1024 * 1024);
    let cap = limits.max_file_bytes.min(allowed_by_ratio);
    if declared_size > cap {
        return Err(member_too_big(declared_size, compressed_size, limits));
    }
    // Never trust the declared size: read at most cap + 1 bytes and judge by what came out.
    let mut data = Vec::with_capacity(declared_size.min(cap).min(64 * 1024 * 1024) as usize);
    (&mut entry)
        .take(cap.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| ReadError::Corrupt(format!("cannot unpack this zip member: {e}")))?;
    let got = data.len() as u64;
    if got > cap {
        return Err(member_too_big(got, compressed_size, limits));
    }
    take_from_budget(budget, got, limits.max_zip_total_bytes)?;
    Ok(data)
}

fn member_too_big(size: u64, compressed: u64, limits: &super::Limits) -> ReadError {
    if size > limits.max_file_bytes {
        ReadError::LimitExceeded(format!(
            "zip member expands to more than {} bytes (limit per file)",
            limits.max_file_bytes
        ))
    } else {
        ReadError::LimitExceeded(format!(
            "zip member expands from {compressed} to over {size} bytes, a ratio above the limit of {} (zip bomb?)",
            limits.max_zip_ratio
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
                "the archive expands to more than {total} bytes in all (limit); the rest was not read"
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
        let listing = read_members(&bytes, &ctx, &budget()).expect("zip");
        assert!(matches!(
            listing.members[0].content,
            Err(ReadError::LimitExceeded(_))
        ));
        assert_eq!(
            listing.members[1].content.as_deref().ok(),
            Some(&b"fine"[..])
        );
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
    fn garbage_is_corrupt() {
        let ctx = ReadContext::new(Limits::default());
        assert!(matches!(
            read_members(b"PK\x03\x04garbage", &ctx, &budget()),
            Err(ReadError::Corrupt(_))
        ));
    }
}
