//! The matching form of text: what rules and the index see, as opposed to the text as found,
//! which reports show.
//!
//! Two things make Chinese office text hard to match as found (`research/crates.md` §1.4.8):
//! full-width forms (`ＧＢ／Ｔ`, `（`, which some PDF producers emit for ASCII) and line wraps or
//! spaces that split a word (`投诉处理等售后\n服务活动`, `售后 服务管理制度`). This module folds the
//! first with NFKC and removes the second, and does nothing else: case, 〇/零 and traditional
//! variants are the matcher's business.

use unicode_normalization::UnicodeNormalization;

/// True for characters of scripts written without spaces between words: Han (all CJK ideograph
/// blocks, including the supplementary planes), kana, Hangul syllables, and CJK punctuation.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF      // radicals
        | 0x3000..=0x303F    // CJK symbols and punctuation (。、「」〇)
        | 0x3040..=0x30FF    // kana
        | 0x3100..=0x312F    // bopomofo
        | 0x31C0..=0x31EF    // strokes
        | 0x3400..=0x4DBF    // ext A
        | 0x4E00..=0x9FFF    // unified
        | 0xAC00..=0xD7AF    // hangul
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFE30..=0xFE4F    // compatibility forms (︰ ﹏)
        | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65 // full-width punct
        | 0x20000..=0x3FFFF  // ext B–H (𠮷)
    )
}

/// The matching form of `text`:
/// 1. NFKC (full-width ASCII and punctuation become ASCII, `①` becomes `1`, compatibility
///    ideographs their unified forms);
/// 2. a whitespace run between two CJK characters is removed (`售后 服务` → `售后服务`), and one
///    that holds a line break is removed when either side is CJK (`2026年\n5月` → `2026年5月`);
/// 3. every other whitespace run becomes one space; leading and trailing whitespace goes.
///
/// Byte offsets are not preserved: keep [`crate::model::Passage::text`] for display, and use
/// [`for_matching_mapped`] to point from the matching form back into it.
///
/// ```
/// use certsift::normalize::for_matching;
/// assert_eq!(for_matching("投诉处理等售后\n服务活动"), "投诉处理等售后服务活动");
/// assert_eq!(for_matching("ＧＢ／Ｔ　２７９２２－２０１１"), "GB/T 27922-2011");
/// assert_eq!(for_matching("ISO  9001:2015\n认证"), "ISO 9001:2015认证");
/// assert_eq!(for_matching("有效期至 2026年"), "有效期至 2026年");
/// ```
pub fn for_matching(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold(text, &mut out, |_, _| {});
    out
}

/// The matching form of `text` (as [`for_matching`]) and, for each of its bytes, the byte range
/// of `text` it came from: a search hit found in the matching form is shown, and marked, in the
/// text as found. A character NFKC expands (`①` → `1`, `㈱` → `(株)`) maps every byte it gives
/// to its own range; a space kept between Latin words maps to the whitespace run's first char.
///
/// ```
/// use certsift::normalize::for_matching_mapped;
/// let found = "ＧＢ／Ｔ 售后\n服务";
/// let (matching, origin) = for_matching_mapped(found);
/// assert_eq!(matching, "GB/T 售后服务");
/// let at = matching.find("售后服务").unwrap();
/// let (from, to) = (origin[at].start, origin[at + "售后服务".len() - 1].end);
/// assert_eq!(&found[from..to], "售后\n服务");
/// ```
pub fn for_matching_mapped(text: &str) -> (String, Vec<std::ops::Range<usize>>) {
    let mut out = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    fold(text, &mut out, |source, len| {
        origin.extend(std::iter::repeat_n(source, len));
    });
    (out, origin)
}

/// Characters NFKC leaves as they are, told without asking it: ASCII other than controls, and
/// the CJK unified ideographs (no compatibility mapping, no composition). Most of a Chinese
/// document, so most characters skip the normaliser.
fn nfkc_keeps(c: char) -> bool {
    matches!(c as u32, 0x20..=0x7E | 0x4E00..=0x9FFF)
}

/// The one definition of the matching form: writes it to `out`, telling `pushed` the source
/// range and byte length of every char it writes.
///
/// NFKC is applied per segment (a character with the combining marks that follow it), which
/// equals NFKC of the whole text except for rare sequences that compose across starters
/// (conjoining Hangul jamo), and is what lets each output char name its source.
fn fold(text: &str, out: &mut String, pushed: impl FnMut(std::ops::Range<usize>, usize)) {
    use unicode_normalization::char::canonical_combining_class;
    let mut folder = Folder {
        text,
        out,
        pushed,
        pending_space: None,
        pending_newline: false,
        previous: None,
    };
    let mut chars = text.char_indices().peekable();
    while let Some((start, first)) = chars.next() {
        let mut end = start + first.len_utf8();
        while let Some(&(at, next)) = chars.peek() {
            if canonical_combining_class(next) == 0 {
                break;
            }
            end = at + next.len_utf8();
            chars.next();
        }
        if end == start + first.len_utf8() && nfkc_keeps(first) {
            folder.take(first, start..end);
            continue;
        }
        let segment = text.get(start..end).unwrap_or_default();
        for c in segment.nfkc() {
            folder.take(c, start..end);
        }
    }
}

/// The state of [`fold`] between the NFKC chars it is given.
struct Folder<'t, 'o, F> {
    text: &'t str,
    out: &'o mut String,
    pushed: F,
    /// Whitespace is held back (from this byte) until the next visible char decides its fate.
    pending_space: Option<usize>,
    pending_newline: bool,
    previous: Option<char>,
}

impl<F: FnMut(std::ops::Range<usize>, usize)> Folder<'_, '_, F> {
    /// Takes one NFKC char that came from `source`.
    fn take(&mut self, c: char, source: std::ops::Range<usize>) {
        if c.is_whitespace() || c == '\u{200B}' || c == '\u{FEFF}' {
            self.pending_space.get_or_insert(source.start);
            self.pending_newline |= matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
            return;
        }
        if c.is_control() {
            return;
        }
        if let Some(space_at) = self.pending_space.take() {
            if let Some(prev) = self.previous {
                let both_cjk = is_cjk(prev) && is_cjk(c);
                let wrapped = self.pending_newline && (is_cjk(prev) || is_cjk(c));
                if !both_cjk && !wrapped {
                    self.out.push(' ');
                    let space_end = self
                        .text
                        .get(space_at..)
                        .and_then(|t| t.chars().next())
                        .map_or(space_at, |s| space_at + s.len_utf8());
                    (self.pushed)(space_at..space_end, 1);
                }
            }
            self.pending_newline = false;
        }
        self.out.push(c);
        (self.pushed)(source, c.len_utf8());
        self.previous = Some(c);
    }
}

/// Counts the Han characters in `text` (the unit of the real-world recall measure).
#[cfg(test)]
pub(crate) fn count_han(text: &str) -> usize {
    text.chars().filter(|&c| is_han(c)).count()
}

/// True for Han ideographs only (no punctuation or kana).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_words_split_by_pdf_line_wraps() {
        assert_eq!(
            for_matching("建立售后服务管理\r\n制度，配件供应"),
            "建立售后服务管理制度,配件供应"
        );
    }

    #[test]
    fn keeps_spaces_between_latin_words() {
        assert_eq!(for_matching("ISO 9001 认证"), "ISO 9001 认证");
        assert_eq!(for_matching("  a \t b  "), "a b");
    }

    #[test]
    fn full_width_brackets_and_digits_fold() {
        assert_eq!(
            for_matching("北京某某科技有限公司（分公司）１２３"),
            "北京某某科技有限公司(分公司)123"
        );
    }

    #[test]
    fn supplementary_plane_han_counts_as_cjk() {
        assert!(is_cjk('𠮷'));
        assert_eq!(for_matching("𠮷 野家"), "𠮷野家");
        assert_eq!(count_han("𠮷野家 abc。"), 3);
    }

    #[test]
    fn empty_and_blank_input() {
        assert_eq!(for_matching(""), "");
        assert_eq!(for_matching(" \n\t "), "");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Normalising twice changes nothing, and the result never starts, ends or doubles
        /// whitespace.
        #[test]
        fn matching_form_is_idempotent_and_tidy(text in "[ \\n\\t售后服务投诉处理aZ0-9（），。ＡＢ１２]{0,40}") {
            let once = for_matching(&text);
            prop_assert_eq!(for_matching(&once), once.clone());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' '));
            prop_assert!(!once.contains("  "));
        }

        /// The mapped form is the matching form, and every byte points at a char range of the
        /// input whose own matching form holds that byte's char.
        #[test]
        fn mapped_form_points_back_into_the_text_as_found(text in "[ \\n\\t售后服务投诉处理aZ0-9（），。ＡＢ１２①㈱e\u{301}]{0,40}") {
            let (mapped, origin) = for_matching_mapped(&text);
            prop_assert_eq!(&mapped, &for_matching(&text));
            prop_assert_eq!(origin.len(), mapped.len());
            for (i, c) in mapped.char_indices() {
                let source = text.get(origin[i].clone());
                prop_assert!(source.is_some(), "{:?} at {}", origin[i], i);
                let source = source.unwrap_or_default();
                prop_assert!(c == ' ' || for_matching(source).contains(c), "{c} from {source:?}");
            }
        }
    }
}
