//! Word 97–2003 binary reader (`.doc`, `.dot`, and WPS Office's `.wps`, which is the same
//! format): a compound file → located passages of the body, its tables and text boxes, and of
//! every header, footer, footnote, endnote and comment.
//!
//! # Why our own reader
//!
//! No maintained small crate reads the format, and the one we looked at decodes Word 95's
//! 8-bit text as cp1252, which turns a Chinese Word 95 file into junk. The format itself needs
//! little to get the text out right (MS-DOC; Apache POI's HWPF and antiword read it the same
//! way, and were the reference for the offsets):
//!
//! 1. [`ole`]: the compound file (a short final sector, as WPS writes it, padded first);
//! 2. [`fib`]: the File Information Block — version, encryption, subdocument lengths, where the
//!    tables are;
//! 3. [`pieces`]: the piece table, CP → bytes (UTF-16 or 8-bit);
//! 4. [`props`]: paragraph properties (tables, headings) and deleted revisions from the
//!    formatted disk pages;
//! 5. [`stories`]: which CP range is the body, a header, a footer, a note;
//! 6. [`text`] decodes the characters and [`layout`] turns marks into paragraphs and cells;
//! 7. [`pictures`]: the inline and floating pictures, read by OCR after the text.
//!
//! # Shape of the result
//!
//! As the docx reader's: [`Location::Paragraph`](crate::model::Location::Paragraph) for
//! paragraphs (0-based, counted per part, empty ones counted), one
//! [`Location::TableCell`](crate::model::Location::TableCell) passage per cell at its cell
//! index in the row, nested tables with their outer path; body passages carry their headings
//! (built-in heading styles or a direct outline level). Headers and footers come from every
//! section, footnotes, endnotes and comments after them.
//!
//! # Refused
//!
//! Encrypted files (RC4 or XOR: the FIB's `fEncrypted`) are `encrypted`; Word 1/2 files
//! and Microsoft Works word-processor files (also named `.wps`, but another format: no
//! `WordDocument` stream) are `unsupported` with a message saying what they are. Word 6/95
//! files are read: their 8-bit text in the code page of the file's language (GBK for Chinese),
//! the Far East editions' text as UTF-16; their tables by the heuristic of [`layout`].

mod fib;
mod layout;
mod ole;
mod pictures;
mod pieces;
mod props;
mod stories;
mod text;

#[cfg(test)]
mod tests;

use super::clock::Clock;
use super::flow::Sink;
use super::ocr::embedded::read_pictures;
use super::{Extracted, ReadContext, ReadError};
use fib::{Fib, Version};
use layout::Layout;
use ole::Ole;
use text::{Bytes8, Damage, Text};

const OLE2_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// True for the files of kind `doc` this reader answers for: every compound file but a
/// PowerPoint one (Word 97–2003, Word 6/95, WPS; a damaged container, which it reports
/// corrupt; a Microsoft Works file, which it names), and Word 1/2 files (also named).
pub fn handles(bytes: &[u8]) -> bool {
    if word2_magic(bytes) {
        return true;
    }
    if !bytes.starts_with(&OLE2_MAGIC) {
        return false;
    }
    match Ole::open(bytes) {
        Ok(ole) => !ole.has("PowerPoint Document"),
        Err(_) => true,
    }
}

/// Word for Windows 1.x/2.0 files are not compound files: they start with their FIB.
pub(crate) fn word2_magic(bytes: &[u8]) -> bool {
    matches!(
        bytes.get(..4),
        Some([0x9B | 0xDB, 0xA5, 0x21 | 0x2C | 0x2D, 0x00])
    )
}

/// Microsoft Works 4–9 word-processor files keep their text in a `CONTENTS` stream (with
/// `SPELLING`, `MatOST` and the like beside it) and have no `WordDocument` stream.
fn is_works(ole: &Ole<'_>) -> bool {
    !ole.has("WordDocument") && ole.has("CONTENTS")
}

/// Reads a Word 97–2003 or Word 6/95 binary document into passages.
pub fn read(bytes: &[u8], ctx: &ReadContext) -> Result<Extracted, ReadError> {
    if word2_magic(bytes) {
        return Err(ReadError::Unsupported(
            "旧版 Word for Windows 1.x/2.0 文档（Word 6 之前的格式）：certsift 不读取此格式；请申请方提供 \
             .docx 或 PDF，或自行转换（如 libreoffice --headless --convert-to docx） (Word for \
             Windows 1.x/2.0 document: not read by certsift; ask the applicant for .docx or PDF, \
             or convert it)"
                .into(),
        ));
    }
    let mut ole = Ole::open(bytes)?;
    if is_works(&ole) {
        return Err(ReadError::Unsupported(
            "微软 Works 文字处理文件（Microsoft Works 的 .wps，不是 WPS Office 文件）：certsift \
             不读取此格式；请申请方提供 .docx 或 PDF，或自行转换（如 libreoffice --headless \
             --convert-to docx） (Microsoft Works word-processor file, not WPS Office: not read \
             by certsift; ask the applicant for .docx or PDF, or convert it)"
                .into(),
        ));
    }
    let word = ole.read("WordDocument")?.ok_or_else(|| {
        ReadError::Corrupt(
            "复合文件中没有 WordDocument 流，不是 Word 文档 (compound file without a WordDocument stream: not a Word document)".into(),
        )
    })?;
    let fib = Fib::parse(&word)?;
    if fib.encrypted {
        let (zh, en) = if fib.obfuscated {
            ("XOR 混淆", "XOR obfuscation")
        } else {
            ("RC4 加密", "RC4 encryption")
        };
        return Err(ReadError::Encrypted(format!(
            "Word 文档已加密（{zh}），请申请方提供未加密的副本 (password-protected Word document, \
             {en}; ask the applicant for an unprotected copy)"
        )));
    }
    let table = match fib.version {
        Version::Word97 => ole.read(fib.table_stream)?.ok_or_else(|| {
            ReadError::Corrupt(format!(
                "Word 文档缺少 {stream} 流（存放片段表和格式属性） (the Word document has no {stream} stream: its piece table and properties)",
                stream = fib.table_stream
            ))
        })?,
        Version::Word6 => Vec::new(),
    };
    let table: &[u8] = match fib.version {
        Version::Word97 => &table,
        Version::Word6 => &word,
    };
    ctx.check_time()?;

    let pieces = pieces::pieces(&fib, &word, table)?;
    let paragraph_props = props::paragraphs(table, &word, fib.papx_bins, ctx);
    let deleted = props::deletions(table, &word, fib.chpx_bins, ctx);
    ctx.check_time()?;
    let bytes8 = match fib.version {
        Version::Word97 => Bytes8::Compressed,
        Version::Word6 => Bytes8::CodePage(fib.code_page()),
    };
    let text = Text {
        stream: &word,
        pieces: &pieces,
        bytes8,
        deleted: &deleted,
    };

    let mut out = Extracted::default();
    let mut sink = Sink::new(ctx.limits.max_passages);
    let mut layout = Layout::new(&mut sink, &paragraph_props);
    let mut clock = Clock::new(ctx);
    let mut damage = Damage::default();
    for story in stories::stories(&fib, table) {
        if layout.full() {
            break;
        }
        layout.begin(story);
        let result = text.read(story.start, story.end, &mut layout, &mut clock, &mut damage);
        layout.end();
        if let Err(e) = result {
            out.truncated.get_or_insert(e.to_string());
            break;
        }
    }
    let drawn = layout.pictures;
    let picture_chars = std::mem::take(&mut layout.picture_chars);
    let drawn_anchors = std::mem::take(&mut layout.drawn_anchors);
    let cut = layout.cut_paragraphs;
    out.notes.extend(layout.headings_note());
    drop(layout);

    if sink.full() {
        out.truncated.get_or_insert_with(|| {
            "文本段超出每个文件的限制，其余未读取 (more passages than the per-file limit; the rest was not read)".into()
        });
    }
    if ole.padded {
        out.notes
            .push("复合文件以不完整的扇区结尾（WPS 写出的文件常见），已补齐 (the compound file ends in a short sector, as WPS writes it; padded)".into());
    }
    if fib.version == Version::Word6 {
        out.notes.push(format!(
            "Word 6/95 文档（nFib {nfib}），文字按 {enc} 解码；表格单元格仅按标记识别 (Word 6/95 document, text decoded as {enc}; table cells found by their marks only)",
            nfib = fib.nfib,
            enc = if fib.far_east_word6 {
                "UTF-16"
            } else {
                fib.code_page().name()
            }
        ));
    } else if paragraph_props.is_empty() {
        out.notes
            .push("段落属性无法读取，表格单元格仅按标记识别 (paragraph properties unreadable; table cells found by their marks only)".into());
    }
    if damage.missing_cps > 0 {
        out.notes.push(format!(
            "有 {n} 个字符位于 WordDocument 流末尾之后（片段表已损坏），未读取 ({n} characters lie past the end of the WordDocument stream, a damaged piece table, and were not read)",
            n = damage.missing_cps
        ));
    }
    if cut > 0 {
        out.notes.push(format!(
            "有 {cut} 个段落超过 1 MiB，已截断，超出部分未读取 ({cut} paragraph(s) longer than 1 MiB were cut; the rest of each was not read)"
        ));
    }
    let found = if fib.version == Version::Word97 && out.truncated.is_none() {
        let data = ole.read("Data").ok().flatten();
        let streams = pictures::Streams {
            word: &word,
            table,
            data: data.as_deref(),
            chpx_bins: fib.chpx_bins,
        };
        pictures::pictures(streams, &picture_chars, &drawn_anchors, ctx, &mut out.notes)
    } else {
        Vec::new()
    };
    let unfound = usize::try_from(drawn)
        .unwrap_or(usize::MAX)
        .saturating_sub(found.len());
    if unfound > 0 {
        out.notes.push(format!(
            "正文中有 {unfound} 个绘图对象或图片找不到可读取的图像 ({unfound} drawn object(s) or picture(s) in the text without a picture to read)"
        ));
    }
    let embedded = ole.embedded_objects();
    if embedded > 0 {
        out.notes.push(format!(
            "有 {embedded} 个嵌入对象未读取（ObjectPool：Excel、Word、OLE 包） ({embedded} embedded object(s) not read)"
        ));
    }
    out.passages = sink.into_passages();
    read_pictures(found, ctx, &mut out);
    Ok(out)
}
