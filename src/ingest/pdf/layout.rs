//! Layout: runs → lines → blocks, in reading order.
//!
//! Why: content order is not reading order (tables drawn column by column, headers drawn last,
//! fake bold drawn twice). Runs are clustered into lines by baseline (|Δy| < half the font size),
//! sorted by position along the line, de-duplicated when the same text is drawn again at nearly
//! the same place, and joined with a space only between non-CJK text separated by a visible gap.
//! Lines become blocks (one passage each): a large vertical gap (over two font sizes, or clearly
//! wider than the block's line pitch so far), a change of direction or of font size (by as much
//! as sets a heading apart, [`super::headings::LARGER`]), a table
//! row (a line with wide gaps between its cells), or a numbered item (第三条, 二、, （一）, 1.)
//! after a line that ends a paragraph starts a new block. Rules, placeholders and citations
//! then see one article of a 制度 at a time, not a page of them run together.

use super::walker::{PageText, Run};
use crate::normalize::is_cjk;

/// One reading-order line.
struct Line {
    quadrant: u8,
    y: f32,
    size: f32,
    text: String,
    table_row: bool,
    /// Where the line starts along the text, in its reading frame.
    x0: f32,
    /// Where it ends.
    x1: f32,
    /// Where its last cell starts, when it is a table row (after its last wide gap).
    last_cell_x: Option<f32>,
}

/// One block of a page's text: its lines joined by `\n`, which of the page's lines it holds,
/// and the box around them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Block {
    /// The lines' text, joined by `\n`.
    pub(crate) text: String,
    /// Its first and last line among the page's non-empty lines, 1-based, in reading order.
    pub(crate) lines: [u32; 2],
    /// The box around its lines in the page's own coordinates (y up), as
    /// `[left, bottom, right, top]`: glyph boxes are estimated from the font size (ascent
    /// 0.85 em above the baseline, descent 0.25 em below), as the walker knows no glyph outline.
    pub(crate) page_box: [f32; 4],
    /// The largest type size of its lines, in points on the page.
    pub(crate) size: f32,
}

impl Block {
    /// The box in whole units from a top-left origin at `(left, top)` of the page's own
    /// coordinates (y up): `[left, top, right, bottom]`, rounded outwards, never negative.
    pub(crate) fn bbox_from(&self, left: f32, top: f32) -> [u32; 4] {
        let [x0, y0, x1, y1] = self.page_box;
        let whole = |v: f32| if v.is_finite() { v.max(0.0) as u32 } else { 0 };
        [
            whole((x0 - left).floor()),
            whole((top - y1).floor()),
            whole((x1 - left).ceil()),
            whole((top - y0).ceil()),
        ]
    }
}

/// Blocks of a page's text, in reading order.
pub(crate) fn blocks(page: &PageText) -> Vec<Block> {
    let mut runs: Vec<&Run> = page
        .runs
        .iter()
        .filter(|r| {
            page.text
                .get(r.start..r.end)
                .is_some_and(|t| t.chars().any(|c| !c.is_whitespace()))
        })
        .collect();
    runs.sort_by(|a, b| {
        a.quadrant
            .cmp(&b.quadrant)
            .then(b.y.total_cmp(&a.y))
            .then(a.x.total_cmp(&b.x))
    });
    let mut lines: Vec<Line> = Vec::new();
    let mut i = 0;
    let mut members: Vec<&Run> = Vec::new();
    while i < runs.len() {
        let Some(first) = runs.get(i) else { break };
        members.clear();
        members.push(first);
        let mut j = i + 1;
        while let Some(r) = runs.get(j) {
            let tol = 0.5 * first.size.max(r.size).max(1.0);
            if r.quadrant != first.quadrant || (first.y - r.y).abs() >= tol {
                break;
            }
            members.push(r);
            j += 1;
        }
        i = j;
        members.sort_by(|a, b| a.x.total_cmp(&b.x));
        lines.push(build_line(page, &members));
    }
    let mut out: Vec<Block> = Vec::new();
    let mut current: Option<Block> = None;
    let mut number = 0u32;
    let mut prev: Option<&Line> = None;
    // The line pitch of the current block: a clearly wider gap is paragraph spacing.
    let mut pitch: Option<f32> = None;
    // Where the current block's longest line ends, in the reading frame.
    let mut block_right = f32::NEG_INFINITY;
    for line in &lines {
        if line.text.trim().is_empty() {
            continue;
        }
        let mut gap = 0.0;
        let new_block = match prev {
            None => true,
            Some(p) => {
                gap = p.y - line.y;
                let size = p.size.max(line.size).max(1.0);
                let ratio = p.size.max(line.size) / p.size.min(line.size).max(0.1);
                p.quadrant != line.quadrant
                    || (p.table_row && !continues_last_cell(p, line))
                    || line.table_row
                    || gap > 2.0 * size
                    || gap < 0.0
                    || ratio >= super::headings::LARGER
                    || pitch.is_some_and(|pitch| gap > 1.3 * pitch + 0.2 * size)
                    || (opens_numbered_item(&line.text) && ends_paragraph(p, block_right))
            }
        };
        if new_block {
            pitch = None;
            block_right = f32::NEG_INFINITY;
            out.extend(current.take());
        } else if pitch.is_none() {
            pitch = Some(gap);
        }
        number += 1;
        block_right = block_right.max(line.x1);
        let line_box = page_box(line);
        match current.as_mut() {
            Some(block) => {
                block.text.push('\n');
                block.text.push_str(line.text.trim());
                block.lines[1] = number;
                block.page_box = union(block.page_box, line_box);
                block.size = block.size.max(line.size);
            }
            None => {
                current = Some(Block {
                    text: line.text.trim().to_string(),
                    lines: [number, number],
                    page_box: line_box,
                    size: line.size,
                });
            }
        }
        prev = Some(line);
    }
    out.extend(current);
    out
}

/// Whether a line opens a numbered item: 第三条 / 第二章, 二、, （一）, 1. or 1、 or 1.2 (not 1.5万).
fn opens_numbered_item(text: &str) -> bool {
    use std::sync::LazyLock;
    static NUMBERED: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"^\s*(第[一二三四五六七八九十百零〇\d]+[条章节]|[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d+(\.\d+)*[、．]|\d+(\.\d+)*\.\D|\d+(\.\d+)+\s)",
        )
        .expect("a valid constant regex")
    });
    NUMBERED.is_match(text)
}

/// Whether `line` ends a paragraph: it ends a sentence or a title (。；：！？ or a closing
/// bracket), or stops clearly short (two ems) of where the block's longest line ends.
fn ends_paragraph(line: &Line, block_right: f32) -> bool {
    let text = line.text.trim_end();
    text.ends_with([
        '。', '；', '：', '！', '？', ';', ':', '!', '?', '）', ')', '」', '”',
    ]) || line.x1 < block_right - 2.0 * line.size.max(1.0)
}

/// Whether `line` is the wrap of `row`'s last cell: a line with one cell, starting where that
/// cell starts (within an em), right under it in the same type. A licence printed as a table
/// wraps its 经营范围 or 营业期限 value this way (「经营范围 通讯设备修理；……」 then
/// 「电子产品销售；……」 under the value); the wrap belongs to the cell, not to a new block.
fn continues_last_cell(row: &Line, line: &Line) -> bool {
    let Some(cell_x) = row.last_cell_x else {
        return false;
    };
    let em = row.size.max(1.0);
    let gap = row.y - line.y;
    !line.table_row
        && row.quadrant == line.quadrant
        && (line.x0 - cell_x).abs() <= em
        && gap > 0.0
        && gap <= 1.8 * em
        && (row.size - line.size).abs() <= 0.15 * em
}

/// A line's box in page coordinates (y up), `[left, bottom, right, top]`.
fn page_box(line: &Line) -> [f32; 4] {
    let (descent, ascent) = (0.25 * line.size, 0.85 * line.size);
    let corners = [
        (line.x0, line.y - descent),
        (line.x1, line.y - descent),
        (line.x0, line.y + ascent),
        (line.x1, line.y + ascent),
    ];
    let mut b = [
        f32::INFINITY,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NEG_INFINITY,
    ];
    for (along, across) in corners {
        let (x, y) = unframe(line.quadrant, along, across);
        b = union(b, [x, y, x, y]);
    }
    b
}

fn union(a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ]
}

/// The reading frame of text running in `quadrant` → page coordinates: the inverse of the
/// walkers' `frame`.
fn unframe(quadrant: u8, along: f32, across: f32) -> (f32, f32) {
    match quadrant {
        1 => (-across, along),
        2 => (-along, -across),
        3 => (across, -along),
        _ => (along, across),
    }
}

fn build_line(page: &PageText, members: &[&Run]) -> Line {
    let mut text = String::new();
    let mut kept: Vec<&Run> = Vec::with_capacity(members.len());
    let mut table_gaps = 0;
    let mut size: f32 = 0.0;
    let mut prev_end: Option<f32> = None;
    let mut last_cell_x: Option<f32> = None;
    for r in members {
        let t = page.text.get(r.start..r.end).unwrap_or("");
        // Fake bold and repeated drawing: the same text again at (almost) the same place.
        let dup = kept.iter().rev().take(6).any(|k| {
            let tol = (0.3 * r.size).max(1.0);
            (k.x - r.x).abs() < tol
                && (k.y - r.y).abs() < tol
                && page.text.get(k.start..k.end) == Some(t)
        });
        if dup {
            continue;
        }
        size = size.max(r.size);
        if let Some(end) = prev_end {
            let gap = r.x - end;
            let em = r.size.max(1.0);
            if gap > 2.0 * em {
                table_gaps += 1;
                last_cell_x = Some(r.x);
            }
            let last = text.chars().last();
            let next = t.chars().next();
            let (last, next) = match (last, next) {
                (Some(l), Some(n)) if !l.is_whitespace() && !n.is_whitespace() => (l, n),
                _ => (' ', ' '),
            };
            let latin_gap = gap > 0.2 * em && !is_cjk(last) && !is_cjk(next);
            // A table-cell gap separates a CJK cell from a Latin one, but never two CJK ones.
            let cell_gap = gap > 2.0 * em && !(is_cjk(last) && is_cjk(next));
            if last != ' ' && (latin_gap || cell_gap) {
                text.push(' ');
            }
        }
        text.push_str(t);
        prev_end = Some(prev_end.map_or(r.x_end, |e: f32| e.max(r.x_end)));
        kept.push(r);
    }
    let first = members.first();
    Line {
        quadrant: first.map_or(0, |r| r.quadrant),
        y: first.map_or(0.0, |r| r.y),
        size,
        text,
        table_row: table_gaps >= 1,
        x0: kept.iter().map(|r| r.x).fold(f32::INFINITY, f32::min),
        x1: prev_end.unwrap_or(f32::NEG_INFINITY),
        last_cell_x,
    }
}
