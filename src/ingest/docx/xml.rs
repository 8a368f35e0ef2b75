//! Small XML helpers shared by the part walkers: attribute lookup by local name and turning a
//! part's bytes into text quick-xml can read.
//!
//! Everything matches on *local* names so that Transitional (`w:` = …/2006/main) and Strict
//! (`w:` = purl.oclc.org/ooxml/…) documents, and writers that pick other prefixes, read alike.

use quick_xml::events::BytesStart;
use std::borrow::Cow;

/// The value of the attribute whose local name is `name` (`w:val` → `val`), entities resolved.
pub(super) fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let mut attrs = e.attributes();
    attrs.with_checks(false);
    for a in attrs.flatten() {
        if a.key.local_name().as_ref() == name {
            return Some(
                match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                    Ok(v) => v.into_owned(),
                    Err(_) => a.value.into_owned(),
                },
            );
        }
    }
    None
}

/// Part bytes → text. UTF-8 (BOM stripped) is what every writer uses; UTF-16 with a BOM is
/// allowed by XML and decoded; invalid UTF-8 (a part cut short mid-character, or a broken
/// writer) is decoded lossily and reported through the flag.
pub(super) fn decode(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return decode_utf8(rest);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let (text, _, had_errors) = encoding_rs::Encoding::for_bom(bytes)
            .map(|(enc, _)| enc)
            .unwrap_or(encoding_rs::UTF_16LE)
            .decode(bytes);
        return (text, had_errors);
    }
    decode_utf8(bytes)
}

fn decode_utf8(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), false),
        Err(_) => (String::from_utf8_lossy(bytes), true),
    }
}
