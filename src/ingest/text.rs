//! Plain text and CSV: decode, then one passage per non-blank line (1-based line numbers); in
//! plain text, a sentence that Notepad users wrapped by hand is joined again (see [`Lines`]).
//!
//! Applicants' text files come from Windows Notepad, Excel's "CSV" export and WPS: UTF-8 with or
//! without a BOM, UTF-16 with a BOM, and very often GBK/GB18030 with no marker at all. Detection
//! follows `research/crates.md` §5: a BOM first, then BOM-less UTF-16 (told by its NUL bytes), then
//! strict UTF-8, and otherwise GB18030 (a superset of GBK and GB2312). A file that is none of
//! these still decodes (with U+FFFD) and a note says so.

use super::clock::Clock;
use super::{Extracted, ReadContext, ReadError};
use crate::model::{Location, Passage};
use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};

/// The encoding a text file was decoded with, and the decoded text.
#[derive(Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Name of the encoding (`UTF-8`, `UTF-16LE`, `gb18030`…).
    pub encoding: &'static str,
    /// Whether any byte sequence was invalid in that encoding and replaced by U+FFFD.
    pub had_errors: bool,
    /// The text, BOM removed.
    pub text: String,
}

/// Decodes text bytes by sniffing their encoding (see the module docs).
pub fn decode(bytes: &[u8]) -> Decoded {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            encoding: encoding.name(),
            had_errors,
            text: text.into_owned(),
        };
    }
    // Before UTF-8: ASCII in UTF-16 is valid UTF-8 too (NUL is a valid byte), but real UTF-8
    // text practically never holds NULs.
    let utf16 = bomless_utf16(bytes);
    if utf16.is_none()
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        return Decoded {
            encoding: "UTF-8",
            had_errors: false,
            text: text.to_string(),
        };
    }
    let encoding = utf16.unwrap_or(GB18030);
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    Decoded {
        encoding: encoding.name(),
        had_errors,
        text: text.into_owned(),
    }
}

/// UTF-16 without a BOM shows NUL bytes in every other position for ASCII; GBK never has NULs.
fn bomless_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let even_nuls = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_nuls = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|&&b| b == 0)
        .count();
    if odd_nuls * 4 > pairs && even_nuls * 20 < pairs {
        Some(UTF_16LE)
    } else if even_nuls * 4 > pairs && odd_nuls * 20 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// How lines become passages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// One passage per line: a CSV record is a line, whatever its cells end with.
    AsWritten,
    /// A line that ends inside a clause (on ，、（“《) goes on at the next non-blank line, so a
    /// sentence wrapped by hand (「……因制造原因出现鼓包、脱层、裂口的，」 / 「按剩余花纹深度比例
    /// 折价更换新胎；……」) is one passage and its negations and time limits stay with it. At most
    /// [`MAX_JOINED_LINES`] lines are joined, and never onto a line that opens a new list item.
    Sentences,
}

/// Most lines joined into one passage: a run of commas longer than this is a list, not a
/// wrapped sentence.
const MAX_JOINED_LINES: usize = 4;

/// Whether a line ends inside a clause, so that the next line carries on its sentence.
fn ends_inside_a_clause(line: &str) -> bool {
    line.trim_end()
        .chars()
        .next_back()
        .is_some_and(|c| matches!(c, '，' | '、' | '（' | '“' | '《'))
}

/// Whether a line opens a list item of its own (「2. 」, 「二、」, 「（三）」, 「- 」, 「●」): such a
/// line starts a new passage even after a comma.
fn opens_a_list_item(line: &str) -> bool {
    let line = line.trim_start();
    let Some(first) = line.chars().next() else {
        return false;
    };
    if matches!(first, '-' | '•' | '●' | '■' | '◆' | '*' | '（' | '(') {
        return true;
    }
    let marker: String = line
        .chars()
        .take_while(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(*c))
        .collect();
    !marker.is_empty()
        && line[marker.len()..]
            .chars()
            .next()
            .is_some_and(|c| matches!(c, '.' | '、' | '．' | '）' | ')'))
}

/// Reads a text or CSV file: one passage per non-blank line (or wrapped sentence, see
/// [`Lines`]), `Location::Line` 1-based.
pub fn read(bytes: &[u8], ctx: &ReadContext, lines: Lines) -> Result<Extracted, ReadError> {
    let decoded = decode(bytes);
    let mut extracted = Extracted::default();
    if decoded.encoding != "UTF-8" {
        extracted.notes.push(format!(
            "按 {enc} 编码解码 (decoded as {enc})",
            enc = decoded.encoding
        ));
    }
    if decoded.had_errors {
        extracted.notes.push(format!(
            "部分字节不是有效的 {enc}，已替换为 � (some bytes are not valid {enc} and were replaced with �)",
            enc = decoded.encoding
        ));
    }
    // Decoding a large file takes time of its own: the clock is read once before the lines.
    ctx.check_time()?;
    let mut clock = Clock::new(ctx);
    // The passage being built: its text, first and last line. Its lines are consecutive (a
    // blank line ends it), so it holds `last - first + 1` of them.
    let mut open: Option<(String, u32, u32)> = None;
    for (index, line) in decoded.text.lines().enumerate() {
        clock.tick()?;
        let line = line.trim_end_matches('\r');
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if line.trim().is_empty() {
            // A blank line ends a paragraph: nothing carries on over it.
            if let Some(done) = open.take() {
                push_passage(&mut extracted, done);
            }
            continue;
        }
        if let Some((text, first, last)) = open.as_mut()
            && lines == Lines::Sentences
            && ((*last - *first) as usize) + 1 < MAX_JOINED_LINES
            && ends_inside_a_clause(text)
            && !opens_a_list_item(line)
        {
            text.push_str(line.trim());
            *last = number;
            continue;
        }
        if let Some(done) = open.take() {
            push_passage(&mut extracted, done);
        }
        if extracted.passages.len() >= ctx.limits.max_passages {
            extracted.truncated = Some(format!(
                "非空行超过 {max} 行的限制，其余未读取 (more than {max} non-blank lines; the rest was not read)",
                max = ctx.limits.max_passages
            ));
            break;
        }
        open = Some((line.to_string(), number, number));
    }
    if let Some(done) = open.take() {
        push_passage(&mut extracted, done);
    }
    Ok(extracted)
}

/// Ends a passage of one line or of several (a wrapped sentence: `through` its last line).
fn push_passage(extracted: &mut Extracted, (text, first, last): (String, u32, u32)) {
    let through = (last > first).then_some(last);
    extracted.passages.push(Passage::new(
        text,
        Location::Line {
            line: first,
            through,
        },
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Limits;

    fn ctx() -> ReadContext {
        ReadContext::new(Limits::default())
    }

    #[test]
    fn gbk_without_marker_is_detected() {
        let (bytes, _, _) = GB18030.encode("网点名称,地址\r\n北京朝阳服务站,朝阳路1号\r\n");
        let decoded = decode(&bytes);
        assert_eq!(decoded.encoding, "gb18030");
        assert!(!decoded.had_errors);
        assert!(decoded.text.starts_with("网点名称"));
    }

    #[test]
    fn utf8_bom_and_utf16_bom_and_bomless_utf16() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice("售后服务".as_bytes());
        assert_eq!(decode(&bytes).text, "售后服务");

        let utf16le: Vec<u8> = "投诉处理 ok\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend_from_slice(&utf16le);
        assert_eq!(decode(&with_bom).text, "投诉处理 ok\n");
        let ascii_utf16: Vec<u8> = "hello world, 售后\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(decode(&ascii_utf16).encoding, "UTF-16LE");
    }

    #[test]
    fn lines_keep_their_one_based_numbers_and_skip_blanks() {
        let extracted = read(
            "第一行\n\n  \n第四行\r\n".as_bytes(),
            &ctx(),
            Lines::Sentences,
        )
        .expect("read");
        let lines: Vec<_> = extracted
            .passages
            .iter()
            .map(|p| (p.text.as_str(), p.location.clone()))
            .collect();
        assert_eq!(
            lines,
            vec![("第一行", Location::line(1)), ("第四行", Location::line(4))]
        );
    }

    #[test]
    fn passage_limit_truncates_with_a_message() {
        let limits = Limits {
            max_passages: 2,
            ..Limits::default()
        };
        let extracted =
            read(b"a\nb\nc\n", &ReadContext::new(limits), Lines::AsWritten).expect("read");
        assert_eq!(extracted.passages.len(), 2);
        assert!(extracted.truncated.is_some());
    }

    /// A sentence wrapped after a comma is one passage, located at its lines; a list item, a
    /// blank line or a CSV record is not carried on.
    #[test]
    fn a_sentence_wrapped_by_hand_is_one_passage_over_its_lines() {
        let text = "1. 自购买之日起2年内，因制造原因出现鼓包的，\n   按比例折价更换新胎。\n\
                    下一步将与再生胶企业谈合作，\n争取设废旧轮胎回收点。\n\
                    服务内容包括：安装、\n2. 维修\n\
                    回访，\n\n投诉\n";
        let read_as = |lines| {
            read(text.as_bytes(), &ctx(), lines)
                .expect("read")
                .passages
                .into_iter()
                .map(|p| (p.text, p.location))
                .collect::<Vec<_>>()
        };
        let joined = read_as(Lines::Sentences);
        let through = |line, last| Location::Line {
            line,
            through: Some(last),
        };
        assert_eq!(
            joined,
            vec![
                (
                    "1. 自购买之日起2年内，因制造原因出现鼓包的，按比例折价更换新胎。".to_string(),
                    through(1, 2)
                ),
                (
                    "下一步将与再生胶企业谈合作，争取设废旧轮胎回收点。".to_string(),
                    through(3, 4)
                ),
                ("服务内容包括：安装、".to_string(), Location::line(5)),
                ("2. 维修".to_string(), Location::line(6)),
                ("回访，".to_string(), Location::line(7)),
                ("投诉".to_string(), Location::line(9)),
            ]
        );
        assert_eq!(read_as(Lines::AsWritten).len(), 8);
    }
}
