//! Headings of a PDF, from the size of its type: a PDF has no heading styles, but its titles
//! are printed larger than its body text, and that is what a reader goes by too.
//!
//! Why: a passage's headings say what it is about where its own words do not (a 服务质量分析报告's
//! measures under its title, a complaint procedure's steps under 投诉处理), for rules that look
//! under headings and for search, which finds a passage by the headings it sits under. Word
//! passages have had them from their styles; PDF blocks had none.
//!
//! A block is a heading when it is short (at most [`MAX_HEADING_CHARS`] visible characters on
//! at most two lines), holds a letter, does not end a sentence, is printed clearly larger than
//! the document's body text (the size most of its characters have), and is not a running
//! header or footer (the same text on several pages). Larger sizes are higher levels. Each block
//! gets the headings above it in the document, outermost first, and a heading its level.

use crate::model::Passage;
use std::collections::{HashMap, HashSet};

/// Longest heading, in visible characters.
const MAX_HEADING_CHARS: usize = 40;

/// How much larger than the body text a heading is printed, at least; the layout also starts a
/// new block where the type size changes by this much, so a heading is a block of its own.
pub(super) const LARGER: f32 = 1.15;

/// Deepest heading path kept.
const MAX_DEPTH: usize = 4;

/// One text block as the layout gave it: its passage, its page and its type size.
pub(super) struct Sized<'a> {
    pub(super) passage: &'a mut Passage,
    pub(super) page: u32,
    pub(super) size: f32,
}

/// Gives the blocks of one PDF, in reading order, their heading paths and heading levels.
pub(super) fn assign(blocks: &mut [Sized<'_>]) {
    let Some(body) = body_size(blocks) else {
        return;
    };
    let repeated = repeated_texts(blocks);
    let is_heading: Vec<bool> = blocks
        .iter()
        .map(|b| {
            b.size >= LARGER * body
                && looks_like_a_title(&b.passage.text)
                && !repeated.contains(b.passage.normalized.as_str())
        })
        .collect();
    // Levels: the distinct heading sizes (to half a point), largest first.
    let mut sizes: Vec<i32> = blocks
        .iter()
        .zip(&is_heading)
        .filter(|(_, h)| **h)
        .map(|(b, _)| half_points(b.size))
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes.dedup();
    let mut path: Vec<(usize, String)> = Vec::new();
    for (block, heading) in blocks.iter_mut().zip(is_heading) {
        let level = heading
            .then(|| sizes.iter().position(|s| *s == half_points(block.size)))
            .flatten();
        if let Some(level) = level {
            while path.last().is_some_and(|(l, _)| *l >= level) {
                path.pop();
            }
        }
        block.passage.headings = path.iter().map(|(_, text)| text.clone()).collect();
        if let Some(level) = level {
            block.passage.heading_level = Some(u8::try_from(level + 1).unwrap_or(u8::MAX));
            if path.len() < MAX_DEPTH {
                // Its lines joined as the matching form joins them, already computed.
                path.push((level, block.passage.normalized.clone()));
            }
        }
    }
}

/// The size most of the document's visible characters are printed in.
fn body_size(blocks: &[Sized<'_>]) -> Option<f32> {
    let mut chars_by_size: HashMap<i32, usize> = HashMap::new();
    for b in blocks {
        let visible = b
            .passage
            .text
            .chars()
            .filter(|c| !c.is_whitespace())
            .count();
        *chars_by_size.entry(half_points(b.size)).or_default() += visible;
    }
    chars_by_size
        .into_iter()
        .filter(|(size, _)| *size > 0)
        .max_by_key(|(size, chars)| (*chars, -size))
        .map(|(size, _)| size as f32 / 2.0)
}

/// Texts (matching form) that appear on more than one page: running headers and footers.
fn repeated_texts<'b>(blocks: &'b [Sized<'_>]) -> HashSet<&'b str> {
    let mut first_page: HashMap<&str, u32> = HashMap::new();
    let mut repeated = HashSet::new();
    for b in blocks {
        let text = b.passage.normalized.as_str();
        if *first_page.entry(text).or_insert(b.page) != b.page {
            repeated.insert(text);
        }
    }
    repeated
}

/// Short, on at most two lines, with a letter, not a sentence.
fn looks_like_a_title(text: &str) -> bool {
    let visible = text.chars().filter(|c| !c.is_whitespace()).count();
    let trimmed = text.trim_end();
    visible > 0
        && visible <= MAX_HEADING_CHARS
        && text.lines().count() <= 2
        && text.chars().any(char::is_alphabetic)
        && !trimmed.ends_with(['。', '；', ';', '，', ','])
}

fn half_points(size: f32) -> i32 {
    if size.is_finite() {
        (size * 2.0).round() as i32
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Location;

    /// Blocks (text, page, size) through [`assign`]: each block's headings and level.
    fn headings_of(blocks: &[(&str, u32, f32)]) -> Vec<(Vec<String>, Option<u8>)> {
        let mut passages: Vec<Passage> = blocks
            .iter()
            .map(|(text, page, _)| Passage::new(*text, Location::page(*page)))
            .collect();
        let mut sized: Vec<Sized<'_>> = passages
            .iter_mut()
            .zip(blocks)
            .map(|(passage, (_, page, size))| Sized {
                passage,
                page: *page,
                size: *size,
            })
            .collect();
        assign(&mut sized);
        passages
            .into_iter()
            .map(|p| (p.headings, p.heading_level))
            .collect()
    }

    #[test]
    fn larger_type_heads_the_blocks_after_it_by_level() {
        let got = headings_of(&[
            ("2026年第三季度服务质量分析报告", 1, 18.0),
            ("一、投诉情况", 1, 14.0),
            (
                "本季度共受理投诉36起，较上季度下降12%，均在24小时内响应。",
                1,
                10.5,
            ),
            ("二、改进措施", 1, 14.0),
            (
                "苏州服务部新增工程师2名，10月底前到岗；园区客户设备增设远程监控。",
                2,
                10.5,
            ),
        ]);
        let title = "2026年第三季度服务质量分析报告".to_string();
        assert_eq!(got[0], (vec![], Some(1)));
        assert_eq!(got[1], (vec![title.clone()], Some(2)));
        assert_eq!(got[2], (vec![title.clone(), "一、投诉情况".into()], None));
        assert_eq!(got[3], (vec![title.clone()], Some(2)));
        assert_eq!(got[4], (vec![title, "二、改进措施".into()], None));
    }

    #[test]
    fn body_sized_text_sentences_and_running_headers_are_not_headings() {
        let header = "苏州禾川电梯工程有限公司售后服务管理手册";
        let got = headings_of(&[
            (header, 1, 14.0),
            ("第一章 总则", 1, 10.5),
            (
                "为规范售后服务，制定本手册。本手册适用于公司全部售后服务活动。",
                1,
                10.5,
            ),
            ("服务热线24小时有人值守，接到报修后30分钟内响应。", 1, 16.0),
            (header, 2, 14.0),
            ("维修人员须持证上岗，每年接受不少于40学时的培训。", 2, 10.5),
        ]);
        assert!(
            got.iter().all(|(h, level)| h.is_empty() && level.is_none()),
            "{got:?}"
        );
    }

    #[test]
    fn a_document_in_one_size_has_no_headings() {
        let got = headings_of(&[
            ("营业执照", 1, 10.0),
            ("名称 苏州禾川电梯工程有限公司", 1, 10.0),
        ]);
        assert!(got.iter().all(|(h, l)| h.is_empty() && l.is_none()));
        assert!(headings_of(&[]).is_empty());
    }
}
