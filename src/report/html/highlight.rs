//! Highlighting evidence terms in the text as found.
//!
//! An evidence's `terms` are in matching form ([`crate::normalize::for_matching`]: NFKC, line
//! wraps and spaces inside CJK removed) while its `text` is raw, so a term cannot be searched in
//! the text directly. Instead every raw character is folded on its own (NFKC, lower case) and raw
//! whitespace is skipped; a term folded the same way is found in that folded sequence and each
//! hit is mapped back to the raw characters that produced it. Offsets are always those of whole
//! raw characters, so no slice can fall inside a UTF-8 sequence; a term that cannot be found is
//! simply not highlighted.

use serde::Serialize;
use std::ops::Range;
use unicode_normalization::UnicodeNormalization;

/// A piece of a snippet: plain or highlighted. The template escapes `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// Raw text (not yet escaped).
    pub text: String,
    /// Whether it is a matched term (rendered in `<mark>`).
    pub marked: bool,
}

/// Characters that separate nothing in the matching form: whitespace, zero-width space, BOM
/// and other controls (the same set `for_matching` drops or collapses).
fn ignorable(c: char) -> bool {
    c.is_whitespace() || c == '\u{200B}' || c == '\u{FEFF}' || c.is_control()
}

/// Appends the folded form of one character: NFKC, then lower case, ignorables dropped. Folding
/// per character (not per string) is what lets each folded char point back to its raw char.
fn fold_char(c: char, out: &mut Vec<char>) {
    for n in std::iter::once(c).nfkc() {
        if !ignorable(n) {
            out.extend(n.to_lowercase());
        }
    }
}

/// The folded characters of `text`, each with the byte range of the raw character it came from.
fn fold_text(text: &str) -> (Vec<char>, Vec<Range<usize>>) {
    let mut folded = Vec::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    let mut buf = Vec::new();
    for (start, c) in text.char_indices() {
        buf.clear();
        fold_char(c, &mut buf);
        let raw = start..start + c.len_utf8();
        for &f in &buf {
            folded.push(f);
            origin.push(raw.clone());
        }
    }
    (folded, origin)
}

/// The folded form of a term (its spaces dropped, as raw whitespace is).
fn fold_term(term: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(term.len());
    for c in term.chars() {
        fold_char(c, &mut out);
    }
    out
}

/// Byte ranges of `text` where any of `terms` occurs, sorted and merged (overlapping or
/// touching hits become one range). Every range starts and ends on a char boundary.
pub fn match_ranges(text: &str, terms: &[String]) -> Vec<Range<usize>> {
    let (hay, origin) = fold_text(text);
    let mut hits: Vec<Range<usize>> = Vec::new();
    for term in terms {
        let needle = fold_term(term);
        if needle.is_empty() || needle.len() > hay.len() {
            continue;
        }
        for (i, window) in hay.windows(needle.len()).enumerate() {
            if window == needle.as_slice() {
                let last = i + needle.len() - 1;
                hits.push(origin[i].start..origin[last].end);
            }
        }
    }
    crate::ranges::merged(hits)
}

/// The byte window of at most `max_chars` characters to show: the whole text when short
/// enough, else one that starts a little before the first hit so the hit is visible.
fn window(text: &str, first_hit: Option<usize>, max_chars: usize) -> Range<usize> {
    /// Characters of context kept before the first hit.
    const BEFORE: usize = 60;
    let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    if starts.len() <= max_chars {
        return 0..text.len();
    }
    let hit_char = first_hit.map_or(0, |b| starts.partition_point(|&s| s < b));
    let mut begin = hit_char.saturating_sub(BEFORE);
    let end = (begin + max_chars).min(starts.len());
    begin = end.saturating_sub(max_chars);
    let byte = |c: usize| starts.get(c).copied().unwrap_or(text.len());
    byte(begin)..byte(end)
}

/// The snippet of `text` to show for an evidence: at most `max_chars` characters around the
/// first hit (with `…` where cut), split into plain and marked segments.
pub fn snippet(text: &str, terms: &[String], max_chars: usize) -> Vec<Segment> {
    let hits = match_ranges(text, terms);
    let shown = window(text, hits.first().map(|r| r.start), max_chars);
    let mut segments = Vec::new();
    if shown.start > 0 {
        push(&mut segments, "…", false);
    }
    let mut at = shown.start;
    for hit in &hits {
        let start = hit.start.clamp(shown.start, shown.end).max(at);
        let end = hit.end.clamp(shown.start, shown.end);
        if start >= end {
            continue;
        }
        push(&mut segments, slice(text, at..start), false);
        push(&mut segments, slice(text, start..end), true);
        at = end;
    }
    push(&mut segments, slice(text, at..shown.end), false);
    if shown.end < text.len() {
        push(&mut segments, "…", false);
    }
    segments
}

/// `text[range]`, or nothing if the range is not on char boundaries (it always is; this only
/// keeps a bug from becoming a panic).
fn slice(text: &str, range: Range<usize>) -> &str {
    text.get(range).unwrap_or("")
}

/// Appends a segment, joining it to the previous one when both are plain or both marked.
fn push(segments: &mut Vec<Segment>, text: &str, marked: bool) {
    if text.is_empty() {
        return;
    }
    match segments.last_mut() {
        Some(last) if last.marked == marked => last.text.push_str(text),
        _ => segments.push(Segment {
            text: text.to_string(),
            marked,
        }),
    }
}
