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
/// Byte offsets are not preserved: keep [`crate::model::Passage::text`] for display.
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
    // Whitespace is held back until the next visible character decides its fate.
    let mut pending_space = false;
    let mut pending_newline = false;
    let mut previous: Option<char> = None;
    for c in text.nfkc() {
        if c.is_whitespace() || c == '\u{200B}' || c == '\u{FEFF}' {
            pending_space = true;
            pending_newline |= matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
            continue;
        }
        if c.is_control() {
            continue;
        }
        if pending_space {
            if let Some(prev) = previous {
                let both_cjk = is_cjk(prev) && is_cjk(c);
                let wrapped = pending_newline && (is_cjk(prev) || is_cjk(c));
                if !both_cjk && !wrapped {
                    out.push(' ');
                }
            }
            pending_space = false;
            pending_newline = false;
        }
        out.push(c);
        previous = Some(c);
    }
    out
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
    }
}
