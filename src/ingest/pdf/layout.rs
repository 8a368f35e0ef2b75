//! Layout: runs → lines → blocks, in reading order.
//!
//! Why: content order is not reading order (tables drawn column by column, headers drawn last,
//! fake bold drawn twice). Runs are clustered into lines by baseline (|Δy| < half the font size),
//! sorted by position along the line, de-duplicated when the same text is drawn again at nearly
//! the same place, and joined with a space only between non-CJK text separated by a visible gap.
//! Lines become blocks (one passage each): a large vertical gap (over two font sizes, or clearly
//! wider than the block's line pitch so far), a change of direction or of font size, or a table
//! row (a line with wide gaps between its cells) starts a new block.

use super::walker::{PageText, Run};
use crate::normalize::is_cjk;

/// One reading-order line.
struct Line {
    quadrant: u8,
    y: f32,
    size: f32,
    text: String,
    table_row: bool,
}

/// Blocks of a page's text, each block's lines joined by `\n`.
pub(crate) fn blocks(page: &PageText) -> Vec<String> {
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
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev: Option<&Line> = None;
    // The line pitch of the current block: a clearly wider gap is paragraph spacing.
    let mut pitch: Option<f32> = None;
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
                    || p.table_row
                    || line.table_row
                    || gap > 2.0 * size
                    || gap < 0.0
                    || ratio > 1.4
                    || pitch.is_some_and(|pitch| gap > 1.3 * pitch + 0.2 * size)
            }
        };
        if new_block {
            pitch = None;
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else if pitch.is_none() {
            pitch = Some(gap);
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(line.text.trim());
        prev = Some(line);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn build_line(page: &PageText, members: &[&Run]) -> Line {
    let mut text = String::new();
    let mut kept: Vec<&Run> = Vec::with_capacity(members.len());
    let mut table_gaps = 0;
    let mut size: f32 = 0.0;
    let mut prev_end: Option<f32> = None;
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
    }
}
