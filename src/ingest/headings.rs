//! The byte budget of the headings a document's passages carry.
//!
//! Word and ODF passages carry their enclosing headings, and spreadsheet rows their sheet's
//! title and header row ([`Passage::headings`]). Each passage holds its own copy, so one long
//! heading over many passages multiplies: a 1 MiB heading over 2,000 short paragraphs of a
//! 669 KB .docx took 2 GB, and a header row of two 1 MiB shared strings over 5,000 rows as
//! much (issue 11). The data model stays as other stages read it; instead a heading is cut to
//! [`MAX_HEADING_CHARS`] when it heads other passages (the heading's own passage keeps its whole
//! text), and the heading bytes of one document are capped at [`MAX_HEADING_BYTES`]: past it
//! passages get no headings, and the reviewer is told.

use crate::model::Passage;

/// Longest heading, in characters, copied onto the passages under it; longer ones are cut and
/// end with `…`. Real headings and header rows are far shorter; under_headings rules match
/// words near the start.
pub(crate) const MAX_HEADING_CHARS: usize = 200;

/// Most heading bytes the passages of one document carry in all: 200,000 passages under three
/// 30-character headings stay well within it.
pub(crate) const MAX_HEADING_BYTES: usize = 64 * 1024 * 1024;

/// `text` as a heading of other passages: at most [`MAX_HEADING_CHARS`] characters, a cut one
/// ending with `…`.
pub(crate) fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_HEADING_CHARS) {
        Some((cut, _)) => {
            let mut short = text[..cut].to_string();
            short.push('…');
            short
        }
        None => text.to_string(),
    }
}

/// The heading bytes one document has handed out, and the passages left without headings.
#[derive(Debug)]
pub(crate) struct HeadingBudget {
    spent: usize,
    max: usize,
    refused: usize,
}

impl Default for HeadingBudget {
    fn default() -> Self {
        HeadingBudget::new(MAX_HEADING_BYTES)
    }
}

impl HeadingBudget {
    /// A budget of `max` heading bytes.
    pub(crate) fn new(max: usize) -> HeadingBudget {
        HeadingBudget {
            spent: 0,
            max,
            refused: 0,
        }
    }

    /// Gives `passage` the headings `texts()` makes, unless they would overspend the budget:
    /// then the passage keeps none, and is counted for [`HeadingBudget::note`]. `bytes` is
    /// what the headings weigh, so nothing is copied for a refused passage.
    pub(crate) fn assign(
        &mut self,
        passage: &mut Passage,
        bytes: usize,
        texts: impl FnOnce() -> Vec<String>,
    ) {
        if bytes == 0 {
            passage.headings = Vec::new();
            return;
        }
        match self.spent.checked_add(bytes) {
            Some(total) if total <= self.max => {
                self.spent = total;
                passage.headings = texts();
            }
            _ => {
                self.refused += 1;
                passage.headings = Vec::new();
            }
        }
    }

    /// A note for the reviewer when passages were left without their headings.
    pub(crate) fn note(&self) -> Option<String> {
        (self.refused > 0).then(|| {
            format!(
                "{n} 段文本未标注所属标题：文档的标题复制到各段后会超过 {mib} MiB (passage(s) were given no headings: the document's headings would copy more than {mib} MiB onto its passages)",
                n = self.refused,
                mib = self.max / (1024 * 1024)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Location, Part};

    fn passage() -> Passage {
        Passage::new(
            "正文",
            Location::Paragraph {
                part: Part::Body,
                paragraph: 0,
            },
        )
    }

    #[test]
    fn long_headings_are_cut_on_a_char_boundary() {
        assert_eq!(shorten("第三章 售后服务"), "第三章 售后服务");
        let long = "章".repeat(MAX_HEADING_CHARS + 1);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), MAX_HEADING_CHARS + 1);
        assert!(short.ends_with('…'));
        assert_eq!(
            shorten(&"章".repeat(MAX_HEADING_CHARS)).chars().count(),
            200
        );
    }

    #[test]
    fn past_the_budget_passages_get_no_headings_and_a_note() {
        let mut budget = HeadingBudget::new(10);
        let mut p = passage();
        budget.assign(&mut p, 6, || vec!["标题".into()]);
        assert_eq!(p.headings, ["标题"]);
        assert_eq!(budget.note(), None);
        let mut q = passage();
        budget.assign(&mut q, 6, || panic!("not copied"));
        assert!(q.headings.is_empty());
        assert!(
            budget
                .note()
                .is_some_and(|n| n.starts_with("1 段文本未标注所属标题"))
        );
    }
}
