//! The stories of a Word binary file: which CP range is the body, a header, a footer, a note
//! or a comment.
//!
//! All text sits in one CP space, subdocument after subdocument in the FIB's order (MS-DOC
//! §2.4.1). The header subdocument is split further by `PlcfHdd`: its first six stories are the
//! footnote and endnote separators (not text a reviewer reads), then six per section — even
//! header, odd header, even footer, odd footer, first-page header, first-page footer. Without a
//! readable `PlcfHdd` the whole subdocument is reported as headers.

use super::fib::{Fib, Version, u32_at};
use crate::model::Part;

/// One story: CPs `start..end` of `part`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Story {
    pub part: Part,
    pub start: u32,
    pub end: u32,
    /// The main document's own text: only its paragraphs shape the heading outline.
    pub main: bool,
}

/// The stories in output order: body, text boxes, headers and footers, footnotes, endnotes,
/// comments. Macro text is left out.
pub(super) fn stories(fib: &Fib, table: &[u8]) -> Vec<Story> {
    let l = fib.lengths;
    let mut at = 0u32;
    let mut next = |len: u32| {
        let start = at;
        at = at.saturating_add(len);
        (start, at)
    };
    let text = next(l.text);
    let footnotes = next(l.footnotes);
    let headers = next(l.headers);
    let _macros = next(l.macros);
    let comments = next(l.comments);
    let endnotes = next(l.endnotes);
    let text_boxes = next(l.text_boxes);
    let header_text_boxes = next(l.header_text_boxes);

    let story = |part, (start, end): (u32, u32)| Story {
        part,
        start,
        end,
        main: false,
    };
    let mut out = vec![Story {
        main: true,
        ..story(Part::Body, text)
    }];
    out.push(story(Part::Body, text_boxes));
    out.extend(header_stories(fib, table, headers));
    out.push(story(Part::Header, header_text_boxes));
    out.push(story(Part::Footnote, footnotes));
    out.push(story(Part::Endnote, endnotes));
    out.push(story(Part::Comment, comments));
    out.retain(|s| s.start < s.end);
    out
}

/// The header subdocument's stories as headers and footers.
fn header_stories(fib: &Fib, table: &[u8], (start, end): (u32, u32)) -> Vec<Story> {
    let whole = Story {
        part: Part::Header,
        start,
        end,
        main: false,
    };
    if start >= end {
        return Vec::new();
    }
    let plc = fib.header_stories.and_then(|(fc, lcb)| {
        let fc = usize::try_from(fc).ok()?;
        table.get(fc..fc.checked_add(usize::try_from(lcb).ok()?)?)
    });
    let Some(plc) = plc.filter(|_| fib.version == Version::Word97) else {
        return vec![whole];
    };
    let cps: Vec<u32> = (0..plc.len() / 4)
        .filter_map(|i| u32_at(plc, 4 * i))
        .collect();
    let mut out = Vec::new();
    // CPs only go forward: a story that starts before the last one ended is cut to what is
    // new, so a PlcfHdd alternating 0 and N cannot read the subdocument once per entry.
    let mut read_to = 0u32;
    for (i, pair) in cps.windows(2).enumerate() {
        let (a, b) = (pair[0].max(read_to), pair[1]);
        if i < 6 || a >= b {
            continue;
        }
        read_to = b;
        let part = match (i - 6) % 6 {
            0 | 1 | 4 => Part::Header,
            _ => Part::Footer,
        };
        let (a, b) = (start.saturating_add(a), start.saturating_add(b).min(end));
        if a < b {
            out.push(Story {
                part,
                start: a,
                end: b,
                main: false,
            });
        }
    }
    if out.is_empty() && cps.len() < 2 {
        return vec![whole];
    }
    // Headers first, then footers, each in section order.
    out.sort_by_key(|s| (s.part, s.start));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::doc::fib::Lengths;

    fn fib(lengths: Lengths, header_stories: Option<(u32, u32)>) -> Fib {
        Fib {
            version: Version::Word97,
            nfib: 193,
            lid: 0x0804,
            complex: false,
            encrypted: false,
            obfuscated: false,
            table_stream: "1Table",
            far_east_word6: false,
            fc_min: 0,
            fc_mac: 0,
            lengths,
            clx: None,
            papx_bins: None,
            chpx_bins: None,
            header_stories,
        }
    }

    #[test]
    fn subdocuments_follow_each_other_and_headers_split_by_plcfhdd() {
        let lengths = Lengths {
            text: 100,
            footnotes: 20,
            headers: 50,
            ..Lengths::default()
        };
        // Six separator stories (two non-empty), then one section: odd header 10..25,
        // odd footer 25..40, the rest empty; what follows the last CP is not a story.
        let cps: [u32; 13] = [0, 5, 10, 10, 10, 10, 10, 10, 25, 25, 40, 40, 40];
        let table: Vec<u8> = cps.iter().flat_map(|c| c.to_le_bytes()).collect();
        let s = stories(&fib(lengths, Some((0, table.len() as u32))), &table);
        let got: Vec<(Part, u32, u32)> = s.iter().map(|s| (s.part, s.start, s.end)).collect();
        assert_eq!(
            got,
            [
                (Part::Body, 0, 100),
                (Part::Header, 130, 145),
                (Part::Footer, 145, 160),
                (Part::Footnote, 100, 120),
            ]
        );
        assert!(s[0].main && !s[1].main);
    }

    #[test]
    fn a_plcfhdd_that_goes_back_reads_each_cp_once() {
        let lengths = Lengths {
            text: 10,
            headers: 40,
            ..Lengths::default()
        };
        let mut cps = vec![0u32; 6];
        cps.extend((0..1000).map(|i| if i % 2 == 0 { 0 } else { 40 }));
        let table: Vec<u8> = cps.iter().flat_map(|c| c.to_le_bytes()).collect();
        let s = stories(&fib(lengths, Some((0, table.len() as u32))), &table);
        let header_cps: u32 = s
            .iter()
            .filter(|s| s.part != Part::Body)
            .map(|s| s.end - s.start)
            .sum();
        assert_eq!(header_cps, 40, "{s:?}");
    }

    #[test]
    fn without_plcfhdd_the_header_subdocument_is_one_header_story() {
        let lengths = Lengths {
            text: 10,
            headers: 5,
            ..Lengths::default()
        };
        let s = stories(&fib(lengths, None), &[]);
        assert_eq!(s.len(), 2);
        assert_eq!((s[1].part, s[1].start, s[1].end), (Part::Header, 10, 15));
    }
}
