//! Kind by content: magic bytes, zip member names, OLE2 stream names. The extension is consulted
//! only to break ties the bytes cannot (CSV vs. plain text) and to record what the name claims
//! (for `extension_mismatch`). A `.docx` renamed `.pdf` is a docx here.

use crate::model::FileKind;
use std::io::{Cursor, Read};

/// The kind an extension claims, for the extensions applicants use. `None` for none or others.
pub fn kind_from_extension(name: &str) -> Option<FileKind> {
    let base = name.rsplit(['/', '\\', '!']).next().unwrap_or(name);
    let (_, ext) = base.rsplit_once('.')?;
    let kind = match ext.to_ascii_lowercase().as_str() {
        "pdf" => FileKind::Pdf,
        "docx" | "docm" | "dotx" => FileKind::Docx,
        "xlsx" | "xlsm" | "xltx" => FileKind::Xlsx,
        "xls" | "et" | "ett" => FileKind::Xls,
        "xlsb" => FileKind::Xlsb,
        "ods" => FileKind::Ods,
        "csv" => FileKind::Csv,
        "txt" | "text" | "md" | "log" => FileKind::Txt,
        "zip" => FileKind::Zip,
        "jpg" | "jpeg" | "png" | "tif" | "tiff" | "bmp" | "gif" | "webp" => FileKind::Image,
        "doc" | "dot" | "wps" | "wpt" | "odt" | "ppt" | "dps" => FileKind::Doc,
        "ofd" => FileKind::Ofd,
        "rtf" => FileKind::Rtf,
        "pptx" | "pptm" | "ppsx" => FileKind::Pptx,
        _ => return None,
    };
    Some(kind)
}

/// What the bytes are. Never fails: unrecognised content is [`FileKind::Unknown`].
pub fn sniff(name: &str, bytes: &[u8]) -> FileKind {
    let head = &bytes[..bytes.len().min(1024)];
    if find(head, b"%PDF-").is_some() {
        // The header may sit after junk (up to 1 KB, as readers accept).
        return FileKind::Pdf;
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return sniff_zip(name, bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return sniff_ole2(name, bytes);
    }
    if is_image(bytes) {
        return FileKind::Image;
    }
    if super::doc::word2_magic(bytes) {
        // Word for Windows 1/2: not a compound file; the Word reader says what it is.
        return FileKind::Doc;
    }
    if bytes.starts_with(b"{\\rtf") {
        return FileKind::Rtf;
    }
    if looks_like_text(bytes) {
        return match kind_from_extension(name) {
            Some(FileKind::Csv) => FileKind::Csv,
            _ => FileKind::Txt,
        };
    }
    FileKind::Unknown
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
        || bytes.starts_with(b"GIF8")
        || (bytes.starts_with(b"BM") && bytes.len() > 26)
        || (bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP")
}

/// OOXML, ODF and OFD packages are zips; their member names say which.
fn sniff_zip(name: &str, bytes: &[u8]) -> FileKind {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // Damaged central directory (a truncated download): the local headers still name the
        // parts, so a broken .docx is reported as a corrupt docx rather than a corrupt zip.
        let scan = &bytes[..bytes.len().min(1 << 20)];
        return if find(scan, b"word/").is_some() {
            FileKind::Docx
        } else if find(scan, b"xl/").is_some() {
            FileKind::Xlsx
        } else if find(scan, b"ppt/").is_some() {
            FileKind::Pptx
        } else if find(scan, b"OFD.xml").is_some() || find(scan, b"Doc_0/").is_some() {
            FileKind::Ofd
        } else if find(scan, b"[Content_Types].xml").is_some() {
            // An OOXML package cut before its main part: only the name can say which.
            match kind_from_extension(name) {
                Some(kind @ (FileKind::Docx | FileKind::Xlsx)) => kind,
                _ => FileKind::Zip,
            }
        } else {
            FileKind::Zip
        };
    };
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let has = |name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    if has("word/document.xml") {
        return FileKind::Docx;
    }
    if has("xl/workbook.bin") {
        return FileKind::Xlsb;
    }
    if has("xl/workbook.xml") {
        return FileKind::Xlsx;
    }
    if has("ppt/presentation.xml") {
        return FileKind::Pptx;
    }
    if has("OFD.xml") || has("Doc_0/Document.xml") {
        return FileKind::Ofd;
    }
    if let Ok(mut mimetype) = archive.by_name("mimetype") {
        let mut value = String::new();
        if mimetype.size() < 200 && mimetype.read_to_string(&mut value).is_ok() {
            if value.contains("opendocument.spreadsheet") {
                return FileKind::Ods;
            }
            if value.contains("opendocument") {
                return FileKind::Doc;
            }
        }
    }
    // An OOXML package whose main part is missing is a broken docx/xlsx, not a bundle of files.
    if has("[Content_Types].xml") {
        if names.iter().any(|n| n.starts_with("word/")) {
            return FileKind::Docx;
        }
        if names.iter().any(|n| n.starts_with("xl/")) {
            return FileKind::Xlsx;
        }
    }
    FileKind::Zip
}

/// OLE2 compound files hold legacy Excel (`Workbook`/`Book`), legacy Word and WPS
/// (`WordDocument`), and password-protected OOXML (`EncryptedPackage`).
fn sniff_ole2(name: &str, bytes: &[u8]) -> FileKind {
    let streams = ole2_stream_names(bytes);
    let has = |wanted: &str| streams.iter().any(|s| s.eq_ignore_ascii_case(wanted));
    if has("Workbook") || has("Book") {
        FileKind::Xls
    } else if has("WordDocument") || has("PowerPoint Document") {
        FileKind::Doc
    } else if has("EncryptedPackage") {
        // An encrypted docx or xlsx: the container hides which, so trust the name.
        match kind_from_extension(name) {
            Some(kind @ (FileKind::Docx | FileKind::Xlsx)) => kind,
            _ => FileKind::Unknown,
        }
    } else {
        match kind_from_extension(name) {
            Some(FileKind::Xls) => FileKind::Xls,
            _ => FileKind::Doc,
        }
    }
}

/// Names of the root storage's streams; empty when the container cannot be parsed.
pub(crate) fn ole2_stream_names(bytes: &[u8]) -> Vec<String> {
    match cfb::CompoundFile::open(Cursor::new(bytes)) {
        Ok(file) => file
            .read_root_storage()
            .map(|entry| entry.name().to_string())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// True for a password-protected OOXML file (an OLE2 container with an `EncryptedPackage`).
pub fn is_encrypted_ooxml(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
        && ole2_stream_names(bytes)
            .iter()
            .any(|s| s == "EncryptedPackage")
}

/// Text if the first 8 KB have a text BOM, or hold no NUL and few control bytes.
fn looks_like_text(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return false;
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C | 0x1A))
        .count();
    controls * 100 <= head.len()
}

/// A message for a recognised but unread format that tells the user what to do instead.
pub fn unsupported_message(name: &str, bytes: &[u8]) -> String {
    let ext = kind_from_extension(name)
        .map(|_| {
            name.rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let (zh, en) = if bytes.starts_with(b"{\\rtf") {
        ("RTF 文档", "RTF document")
    } else if ext == "wps" {
        ("WPS 文字（.wps）文档", "WPS (.wps) document")
    } else if ext == "ofd" || sniff_zip_is_ofd(bytes) {
        ("OFD 版式文档", "OFD file")
    } else if ext == "odt" || zip_mimetype_contains(bytes, "opendocument.text") {
        ("OpenDocument 文本（.odt）", "OpenDocument text (.odt)")
    } else if matches!(ext.as_str(), "ppt" | "pptx" | "dps" | "odp")
        || zip_mimetype_contains(bytes, "opendocument.presentation")
        || zip_has_member(bytes, "ppt/presentation.xml")
    {
        ("演示文稿", "presentation")
    } else {
        ("旧版 Word（.doc）文档", "legacy Word (.doc) document")
    };
    format!(
        "{zh}：certsift 不读取此格式；请申请方提供 .docx 或 PDF，或自行转换（如 libreoffice \
         --headless --convert-to docx） ({en}: not read by certsift; ask the applicant for .docx \
         or PDF, or convert it)"
    )
}

fn sniff_zip_is_ofd(bytes: &[u8]) -> bool {
    zip_has_member(bytes, "OFD.xml")
}

fn zip_has_member(bytes: &[u8], wanted: &str) -> bool {
    bytes.starts_with(b"PK")
        && zip::ZipArchive::new(Cursor::new(bytes))
            .map(|a| a.file_names().any(|n| n.is_ok_and(|n| n == wanted)))
            .unwrap_or(false)
}

fn zip_mimetype_contains(bytes: &[u8], wanted: &str) -> bool {
    zip_mimetype(bytes).is_some_and(|value| value.contains(wanted))
}

/// The first 200 bytes of the `mimetype` member of a zip (how ODF packages name their media
/// type), untrimmed; `None` when `bytes` are not a zip, have no such member or it is not
/// readable UTF-8 text.
pub(crate) fn zip_mimetype(bytes: &[u8]) -> Option<String> {
    if !bytes.starts_with(b"PK") {
        return None;
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let entry = archive.by_name("mimetype").ok()?;
    let mut value = String::new();
    entry.take(200).read_to_string(&mut value).ok()?;
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(names: &[&str]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut out);
        for name in names {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .expect("start");
            writer.write_all(b"<x/>").expect("write");
        }
        writer.finish().expect("finish");
        out.into_inner()
    }

    #[test]
    fn docx_renamed_pdf_is_docx() {
        let bytes = zip_with(&["[Content_Types].xml", "word/document.xml"]);
        assert_eq!(sniff("营业执照.pdf", &bytes), FileKind::Docx);
        assert_eq!(kind_from_extension("营业执照.pdf"), Some(FileKind::Pdf));
    }

    #[test]
    fn xlsx_and_plain_zip() {
        assert_eq!(
            sniff("a.zip", &zip_with(&["xl/workbook.xml"])),
            FileKind::Xlsx
        );
        assert_eq!(
            sniff("a.docx", &zip_with(&["01 营业执照.pdf"])),
            FileKind::Zip
        );
    }

    #[test]
    fn cut_ofd_and_pptx_packages_keep_their_kind() {
        for (members, kind) in [
            (&["OFD.xml", "Doc_0/Document.xml"][..], FileKind::Ofd),
            (
                &["ppt/presentation.xml", "ppt/slides/slide1.xml"][..],
                FileKind::Pptx,
            ),
        ] {
            let bytes = zip_with(members);
            assert_eq!(sniff("x.bin", &bytes), kind);
            assert_eq!(sniff("x.bin", &bytes[..bytes.len() / 2]), kind);
        }
    }

    #[test]
    fn text_vs_binary_and_csv_tie_break() {
        assert_eq!(sniff("网点.csv", "名称,地址\n".as_bytes()), FileKind::Csv);
        assert_eq!(sniff("说明", "售后服务".as_bytes()), FileKind::Txt);
        assert_eq!(sniff("x.bin", &[0u8, 1, 2, 3, 0, 0]), FileKind::Unknown);
        assert_eq!(sniff("scan.pdf", b"\x89PNG\r\n\x1a\n...."), FileKind::Image);
    }

    #[test]
    fn pdf_header_after_junk() {
        assert_eq!(sniff("x", b"\r\n%PDF-1.4\n"), FileKind::Pdf);
    }

    #[test]
    fn extension_of_zip_member_path() {
        assert_eq!(
            kind_from_extension("bundle.zip!/制度/投诉.DOCX"),
            Some(FileKind::Docx)
        );
        assert_eq!(kind_from_extension("README"), None);
    }
}
