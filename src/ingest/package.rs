//! Zip-based office packages (OOXML, ODF): opening, bounded part reads, how a part walk ends and
//! local-name XML helpers, shared by the docx and odt readers.
//!
//! Both formats are a zip of XML parts, and both readers must open the package and take a part
//! out the same guarded way: the zip's entry count bounded, each part decompressed through a bounded `take()` (size and compression-ratio limits, so a zip
//! bomb ends as `limit_exceeded`), text before damage kept with a note, and the bytes decoded
//! the same way. Keeping that in one place means a fix to the bounds or the decoding reaches
//! both readers. What differs between the formats stays in the readers: how member names are
//! looked up (OPC names are case-insensitive, ODF names case-sensitive) and how the XML is
//! walked.
//!
//! The XML helpers match on *local* names so that Transitional (`w:` = …/2006/main) and Strict
//! (`w:` = purl.oclc.org/ooxml/…) Word documents, ODF parts, and writers that pick other
//! prefixes read alike.

use super::flow::Sink;
use super::{Extracted, Limits, ReadError};
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Cursor, Read, Seek};

/// Decompressed size every part may reach regardless of its compression ratio (small parts
/// compress extremely well and must not trip the ratio check).
const RATIO_FLOOR_BYTES: u64 = 4 * 1024 * 1024;

/// Why one part could not be taken out of the zip.
#[derive(Debug)]
pub(super) enum PartError {
    /// Over the decompressed-size or ratio bound.
    TooBig(String),
    /// The zip entry cannot be read at all.
    Broken(String),
}

impl PartError {
    pub(super) fn message(&self) -> &str {
        match self {
            PartError::TooBig(m) | PartError::Broken(m) => m,
        }
    }

    /// The error of a file whose main part (Word's body, ODF's `content.xml`) cannot be taken
    /// out: over the bounds is `limit_exceeded`, unreadable is `corrupt`.
    pub(super) fn into_file_error(self) -> ReadError {
        match self {
            PartError::TooBig(m) => ReadError::LimitExceeded(m),
            PartError::Broken(m) => ReadError::Corrupt(m),
        }
    }
}

/// Takes out a part other than the main one (`result` of [`Package::read_part`]): its note goes
/// to `out`; over the bounds it is skipped and the file marked truncated; unreadable it is
/// skipped with a note, saying what is `lost` when the reader would not know.
pub(super) fn secondary_part(
    result: Result<(String, Option<String>), PartError>,
    out: &mut Extracted,
    lost: Option<&str>,
) -> Option<String> {
    match result {
        Ok((xml, note)) => {
            out.notes.extend(note);
            Some(xml)
        }
        Err(PartError::TooBig(m)) => {
            out.truncated.get_or_insert(m);
            None
        }
        Err(PartError::Broken(m)) => {
            out.notes.push(match lost {
                Some(lost) => format!("{m}；{lost}"),
                None => m,
            });
            None
        }
    }
}

/// The file's result: the passages walked into `sink`, and a note when the package holds
/// `embedded` objects (`kinds` says which and where) that are not read.
pub(super) fn finish(mut out: Extracted, sink: Sink, embedded: usize, kinds: &str) -> Extracted {
    if embedded > 0 {
        out.notes.push(format!(
            "有 {embedded} 个嵌入对象未读取（{kinds}） ({embedded} embedded object(s) not read)"
        ));
    }
    out.passages = sink.into_passages();
    out
}

/// An office package opened for reading: its zip, and the limits its parts are read within.
pub(super) struct Package<'b, 'c> {
    zip: zip::ZipArchive<Cursor<&'b [u8]>>,
    limits: &'c Limits,
}

impl<'b, 'c> Package<'b, 'c> {
    /// Opens the zip of a `what` package (`.docx`, `.odt`): damage is `corrupt`, more entries
    /// than `max_zip_entries` is `limit_exceeded`.
    pub(super) fn open(
        bytes: &'b [u8],
        limits: &'c Limits,
        what: &str,
    ) -> Result<Package<'b, 'c>, ReadError> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
            ReadError::Corrupt(format!(
                "文件已损坏或不完整，无法作为 {what} 读取：{e} (not a readable {what}: the zip package is damaged \
                 or truncated)"
            ))
        })?;
        if zip.len() > limits.max_zip_entries {
            return Err(ReadError::LimitExceeded(format!(
                "该 {what} 文件包含 {n} 个条目，超出 {max} 个的限制 (the {what} package has {n} entries, over the limit of {max})",
                n = zip.len(),
                max = limits.max_zip_entries
            )));
        }
        Ok(Package { zip, limits })
    }

    /// The member names in entry order, undecodable bytes replaced and `\` read as `/` (some
    /// Windows writers).
    pub(super) fn member_names(&self) -> impl Iterator<Item = String> + '_ {
        self.zip
            .file_names_raw()
            .map(|raw| String::from_utf8_lossy(raw).replace('\\', "/"))
    }

    /// The member names' raw bytes in entry order (for readers that decode GBK names).
    pub(super) fn raw_member_names(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.zip.file_names_raw()
    }

    /// Decompresses entry `idx` within the size bounds and decodes it ([`read_part`]).
    pub(super) fn read_part(&mut self, idx: usize) -> Result<(String, Option<String>), PartError> {
        read_part(&mut self.zip, idx, self.limits)
    }

    /// Decompresses entry `idx` within the size bounds, undecoded (an image for OCR).
    pub(super) fn read_bytes(
        &mut self,
        idx: usize,
    ) -> Result<(Vec<u8>, Option<String>), PartError> {
        read_bounded(&mut self.zip, idx, self.limits)
    }

    /// The limits its parts are read within.
    pub(super) fn limits(&self) -> &Limits {
        self.limits
    }

    /// The uncompressed size entry `idx` declares, without reading it (0 when unreadable).
    pub(super) fn declared_size(&mut self, idx: usize) -> u64 {
        self.zip.by_index_raw(idx).map_or(0, |e| e.size())
    }
}

/// Decompresses zip entry `idx` within the size bounds of `limits` and decodes it. A read error
/// part-way (a truncated entry, a CRC mismatch) keeps the bytes read so far and says so in the
/// note.
fn read_part<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    idx: usize,
    limits: &Limits,
) -> Result<(String, Option<String>), PartError> {
    let (buf, mut note) = read_bounded(zip, idx, limits)?;
    let (text, lossy) = decode(&buf);
    if lossy && note.is_none() {
        let name = zip
            .by_index_raw(idx)
            .ok()
            .and_then(|f| f.name().ok().map(|n| n.into_owned()))
            .unwrap_or_default();
        note = Some(format!(
            "部件 {name} 含有无效的 UTF-8 字节，已替换为 U+FFFD ({name} has invalid UTF-8; undecodable bytes became U+FFFD)"
        ));
    }
    Ok((text.into_owned(), note))
}

/// Decompresses zip entry `idx` within the size bounds of `limits`, keeping the bytes read
/// before a read error part-way (with a note saying so).
fn read_bounded<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    idx: usize,
    limits: &Limits,
) -> Result<(Vec<u8>, Option<String>), PartError> {
    let mut file = zip.by_index(idx).map_err(|e| {
        PartError::Broken(format!(
            "第 {idx} 个 zip 条目无法打开：{e} (zip entry #{idx} cannot be opened)"
        ))
    })?;
    let name = file.name().map(|n| n.into_owned()).unwrap_or_default();
    let by_ratio = file
        .compressed_size()
        .saturating_mul(limits.max_zip_ratio)
        .max(RATIO_FLOOR_BYTES);
    let bound = limits.max_file_bytes.min(by_ratio);
    if file.size() > bound {
        return Err(PartError::TooBig(format!(
            "部件 {name} 解压后为 {size} 字节，超出 {bound} 字节的上限（大小或压缩比限制） ({name} expands to {size} bytes, over the {bound} byte bound: size or compression ratio limit)",
            size = file.size()
        )));
    }
    let mut buf = Vec::new();
    let mut note = None;
    let read = (&mut file)
        .take(bound.saturating_add(1))
        .read_to_end(&mut buf);
    if buf.len() as u64 > bound {
        return Err(PartError::TooBig(format!(
            "部件 {name} 解压后超出 {bound} 字节的上限（大小或压缩比限制） ({name} expands past the {bound} byte bound: size or compression ratio limit)"
        )));
    }
    if let Err(e) = read {
        if buf.is_empty() {
            return Err(PartError::Broken(format!(
                "部件 {name} 无法解压：{e} ({name} cannot be decompressed)"
            )));
        }
        note = Some(format!(
            "部件 {name} 已损坏：{e}；已保留损坏处之前解压出的文字 ({name} is damaged; the text decompressed before the damage was kept)"
        ));
    }
    Ok((buf, note))
}

/// The targets of an OPC relationships part (`_rels/*.rels`) by id, resolved against `base`
/// (the folder of the part they belong to, `word`), `..` and absolute targets included;
/// external targets (links to the web or to other files) are left out.
pub(super) fn relationship_targets(rels: &str, base: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut reader = quick_xml::Reader::from_str(rels);
    for _ in 0..1_000_000 {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                if e.local_name().as_ref() != "Relationship"
                    || attr(&e, "TargetMode").is_some_and(|m| m.eq_ignore_ascii_case("external"))
                {
                    continue;
                }
                if let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) {
                    out.insert(id, resolve_target(base, &target));
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    out
}

/// `target` relative to the folder `base`, as a package member name (no leading `/`).
fn resolve_target(base: &str, target: &str) -> String {
    let target = target.replace('\\', "/");
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    for piece in target.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The value of the attribute whose local name is `name` (`w:val` → `val`, `text:c` → `c`),
/// entities resolved. Attributes are matched by local name only: on the elements the readers
/// look at no two attributes share one.
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
fn decode(bytes: &[u8]) -> (Cow<'_, str>, bool) {
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

/// Deepest XML element nesting a part walk follows; deeper documents are hostile or broken.
pub(crate) const MAX_DEPTH: usize = 512;

/// How a part walk ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The whole part was read.
    Done,
    /// `max_passages` reached; the caller stops reading.
    Full,
    /// The wall-time limit ran out (the message says so).
    OutOfTime(String),
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// An XML syntax error; text before it was kept.
    Malformed(String),
}

/// The error of a file whose main part ended malformed before any text was read: nothing in it
/// can be trusted, so the file is `corrupt` (with text read, [`settle`] keeps it with a note).
pub(crate) fn refuse_unread(
    name: &str,
    outcome: &Outcome,
    passages: usize,
) -> Result<(), ReadError> {
    match outcome {
        Outcome::Malformed(why) if passages == 0 => Err(ReadError::Corrupt(format!(
            "部件 {name} 不是格式正确的 XML，出错前未读到任何文字：{why} ({name} is not well-formed XML and no text was read before the error)"
        ))),
        _ => Ok(()),
    }
}

/// Records a part walk's ending in `out`; true when reading must stop.
pub(crate) fn settle(name: &str, outcome: Outcome, out: &mut Extracted) -> bool {
    match outcome {
        Outcome::Done => false,
        Outcome::Malformed(why) => {
            out.notes.push(format!(
                "部件 {name} 不是格式正确的 XML：{why}；已保留出错前的文字 ({name} is not well-formed XML; the text before the error was kept)"
            ));
            false
        }
        Outcome::Full => {
            out.truncated.get_or_insert_with(|| {
                "文本段超出每个文件的限制，其余未读取 (more passages than the per-file limit; the rest was not read)".into()
            });
            true
        }
        Outcome::OutOfTime(why) => {
            out.truncated.get_or_insert(why);
            true
        }
        Outcome::TooDeep => {
            out.truncated.get_or_insert_with(|| {
                format!("部件 {name} 的 XML 元素嵌套超过 {MAX_DEPTH} 层，其余未读取 ({name} nests XML elements deeper than {MAX_DEPTH} levels; the rest was not read)")
            });
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationship_targets_resolve_against_the_part_folder() {
        let rels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId4" Type=".../image" Target="media/image1.png"/>
<Relationship Id="rId5" Type=".../image" Target="../media/image2.jpeg"/>
<Relationship Id="rId6" Type=".../image" Target="/word/media/image3.png"/>
<Relationship Id="rId7" Type=".../hyperlink" Target="https://example.org/" TargetMode="External"/>
</Relationships>"#;
        let t = relationship_targets(rels, "word");
        assert_eq!(t["rId4"], "word/media/image1.png");
        assert_eq!(t["rId5"], "media/image2.jpeg");
        assert_eq!(t["rId6"], "word/media/image3.png");
        assert!(!t.contains_key("rId7"));
    }
}
