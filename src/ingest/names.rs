//! File-system names as strings, losslessly.
//!
//! A name on disk is bytes (on Unix), and an applicant's archive unpacked on a server with the
//! wrong locale gives names that are not UTF-8. `to_string_lossy` would turn every bad byte into
//! U+FFFD, so two folders `\xB9\xAB` and `\xC9\xCC` would both become `��`: one bundle id, or one
//! file path, for two different things. [`escape`] keeps every name distinct and readable: valid
//! UTF-8 is kept as it is, each byte that is not part of valid UTF-8 is written `\xNN` (two
//! upper-case hex digits), and a backslash in the name itself is doubled (`\\`), so no real name
//! can pass for an escaped one and the escaping can be undone.
//!
//! Paths are written with `/` between components ([`slash_path`]); on Windows, where names are
//! UTF-16, an unpaired surrogate is the only thing lost, and it becomes U+FFFD.

use std::ffi::OsStr;
use std::path::Path;

/// The name as a string: UTF-8 as is, `\` as `\\`, any other byte as `\xNN`.
///
/// ```
/// use certsift::ingest::names::escape_bytes;
/// assert_eq!(escape_bytes("营业执照.pdf".as_bytes()), "营业执照.pdf");
/// assert_eq!(escape_bytes(b"\xB9\xAB-2026"), "\\xB9\\xAB-2026");
/// assert_eq!(escape_bytes(b"a\\b"), "a\\\\b");
/// ```
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else {
                out.push(c);
            }
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02X}"));
        }
    }
    out
}

/// [`escape_bytes`] of an OS string (a file or folder name).
pub fn escape(name: &OsStr) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        escape_bytes(name.as_bytes())
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().replace('\\', "\\\\")
    }
}

/// A path as shown in documents and reports: components joined by `/`, each [`escape`]d.
pub fn slash_path(path: &Path) -> String {
    #[cfg(unix)]
    {
        // `/` is the only separator and is ASCII, so escaping the whole path keeps it.
        escape(path.as_os_str())
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().replace('\\', "/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn different_invalid_names_stay_different() {
        let a = escape_bytes(b"\xB9\xAB");
        let b = escape_bytes(b"\xC9\xCC");
        assert_ne!(a, b);
        assert_eq!(a, "\\xB9\\xAB");
    }

    #[test]
    fn a_real_name_cannot_pass_for_an_escaped_one() {
        // The folder literally named `\xB9` and the one whose byte is 0xB9.
        assert_ne!(escape_bytes(b"\\xB9"), escape_bytes(b"\xB9"));
    }

    #[cfg(unix)]
    #[test]
    fn paths_keep_their_slashes() {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new(OsStr::from_bytes(b"\xB9/\xE5\x88\xB6.txt"));
        assert_eq!(slash_path(path), "\\xB9/制.txt");
    }
}
