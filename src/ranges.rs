//! Byte ranges to mark in a text (search hits in a snippet, matched terms in a report's
//! passage): one helper both stages share, so a mark means the same everywhere.

use std::ops::Range;

/// `ranges` sorted, with those that overlap or touch joined: a CJK word's bigrams overlap
/// (`售后`, `后服`, `服务`), and a reader wants one mark over `售后服务`.
pub(crate) fn merged(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match out.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => out.push(range),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::merged;

    #[test]
    fn overlapping_and_touching_ranges_join_and_apart_ones_stay() {
        assert_eq!(merged(vec![6..9, 0..6, 3..9, 12..15]), [0..9, 12..15]);
        assert!(merged(Vec::new()).is_empty());
    }
}
