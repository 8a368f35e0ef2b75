//! [`CjkBigramTokenizer`]: the tokenizer of the passage text field, and of queries over it.
//!
//! Chinese has no spaces, so tantivy's default tokenizer finds nothing in it, and its
//! `NgramTokenizer` puts every gram at position 0, which turns a phrase query into a bag of
//! bigrams (`research/crates.md` §4). This tokenizer gives overlapping bigrams *sequential*
//! positions, so a phrase query over a query's bigrams matches exactly that substring:
//! `处理` is found inside `待处理`, `管理制度` inside `售后服务管理制度`, and `理制` does not
//! match `管理 制度` split across two runs.
//!
//! | input                 | tokens (text, byte offsets, position)                              |
//! |-----------------------|--------------------------------------------------------------------|
//! | `零配件`              | `零配` 0..6 @0, `配件` 3..9 @1                                     |
//! | `厂`                  | `厂` 0..3 @0 (a lone CJK character is a unigram)                    |
//! | `ISO 9001:2015认证`   | `iso` @0, `9001` @1, `2015` @2, `认证` @3                           |
//! | `400-800-1234`        | `400` @0, `800` @1, `1234` @2                                      |
//! | `GB/T27922-2011`      | `gb` @0, `t` @1, `27922` @2, `2011` @3                             |
//! | `91110105MA01BCDE8E`  | `91110105` @0, `ma` @1, `01` @2, `bcde` @3, `8` @4, `e` @5         |
//!
//! Splitting: a run of letters, or a run of digits (any script but CJK), is one token,
//! lower-cased; every other character (`-`, `:`, `/`, `.`, spaces, CJK punctuation) only
//! separates, and a run ends where letters meet digits. Applicants write `GB/T27922`,
//! `GB/T 27922` and `ISO9001` as often as not, and an auditor searches `27922`: each must find the
//! others. Because a query goes through the same tokenizer and becomes a phrase, `400-800-1234`
//! and a whole USCC still match exactly that sequence of parts. The cost: `400-800-1234` also
//! matches `400 800 1234`, and `ma01` matches `MA 01`, which is harmless for screening.
//!
//! Known limit: a lone CJK character in a query (`厂`) is a unigram, which is only indexed where
//! the text itself has a lone character between non-CJK characters; [`super::search`] handles
//! single-character queries separately.
//!
//! Offsets are byte offsets into the input and always on char boundaries, so
//! `&text[offset_from..offset_to]` is the token (lower-cased for Latin).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the tokenizer is registered under in the index's tokenizer manager.
/// The version is in the name, so an index tokenized otherwise has another schema and is
/// refused, then rebuilt by `run`.
pub const NAME: &str = "cjk_bigram_v2";

/// Han, kana and Hangul become bigrams; Latin letters and digits whole lower-cased words.
/// See the module docs for the exact rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct CjkBigramTokenizer;

/// The token stream of [`CjkBigramTokenizer`]: walks the chars once, reusing one [`Token`].
pub struct CjkBigramStream<'a> {
    text: &'a str,
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    /// The previous character of the current CJK run (byte offset, char).
    previous_cjk: Option<(usize, char)>,
    /// Whether the current CJK run has produced a bigram (if not, it ends as a unigram).
    run_emitted: bool,
    token: Token,
}

impl Tokenizer for CjkBigramTokenizer {
    type TokenStream<'a> = CjkBigramStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CjkBigramStream<'a> {
        CjkBigramStream {
            text,
            chars: text.char_indices().peekable(),
            previous_cjk: None,
            run_emitted: false,
            token: Token::default(),
        }
    }
}

/// Characters of scripts written without spaces: Han (with 〇 and 々), kana, Hangul. CJK
/// punctuation is not among them: it separates, like ASCII punctuation.
pub fn is_bigram_char(c: char) -> bool {
    crate::normalize::is_han(c)
        || matches!(c as u32,
            0x3005 | 0x3007         // 々 〇
            | 0x3041..=0x30FA       // kana (without the middle dot ・)
            | 0x30FC..=0x30FF
            | 0xAC00..=0xD7AF       // hangul syllables
        )
}

impl CjkBigramStream<'_> {
    fn emit(&mut self, from: usize, to: usize, lowercase: bool) {
        self.token.offset_from = from;
        self.token.offset_to = to;
        // Token::default() starts at usize::MAX, so the first token gets position 0.
        self.token.position = self.token.position.wrapping_add(1);
        self.token.position_length = 1;
        self.token.text.clear();
        let text = &self.text[from..to];
        if lowercase {
            self.token
                .text
                .extend(text.chars().flat_map(char::to_lowercase));
        } else {
            self.token.text.push_str(text);
        }
    }

    /// Ends the current CJK run; true when it was a lone character, now emitted as a unigram.
    fn end_run(&mut self) -> bool {
        match self.previous_cjk.take() {
            Some((from, c)) if !self.run_emitted => {
                self.emit(from, from + c.len_utf8(), false);
                true
            }
            _ => false,
        }
    }
}

impl TokenStream for CjkBigramStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            let Some(&(at, c)) = self.chars.peek() else {
                return self.end_run();
            };
            if is_bigram_char(c) {
                self.chars.next();
                if let Some((from, _)) = self.previous_cjk.replace((at, c)) {
                    self.run_emitted = true;
                    self.emit(from, at + c.len_utf8(), false);
                    return true;
                }
                self.run_emitted = false;
                continue;
            }
            if self.end_run() {
                return true;
            }
            self.chars.next();
            if c.is_alphanumeric() {
                let mut to = at + c.len_utf8();
                while let Some(&(next_at, next)) = self.chars.peek() {
                    if !next.is_alphanumeric()
                        || is_bigram_char(next)
                        || next.is_numeric() != c.is_numeric()
                    {
                        break;
                    }
                    to = next_at + next.len_utf8();
                    self.chars.next();
                }
                self.emit(at, to, true);
                return true;
            }
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tokens(text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut tokenizer = CjkBigramTokenizer;
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        out
    }

    fn texts(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|t| t.0).collect()
    }

    #[test]
    fn han_runs_become_overlapping_bigrams_with_sequential_positions() {
        assert_eq!(
            tokens("零配件"),
            [("零配".into(), 0, 6, 0), ("配件".into(), 3, 9, 1)]
        );
    }

    #[test]
    fn lone_han_char_is_a_unigram() {
        assert_eq!(texts("厂"), ["厂"]);
        assert_eq!(texts("2026年5月"), ["2026", "年", "5", "月"]);
    }

    #[test]
    fn codes_stay_whole_and_lowercased_and_punctuation_splits() {
        assert_eq!(
            texts("91110105MA01BCDE8E"),
            ["91110105", "ma", "01", "bcde", "8", "e"]
        );
        assert_eq!(texts("GB/T27922-2011"), ["gb", "t", "27922", "2011"]);
        assert_eq!(texts("ISO9001"), texts("ISO 9001"));
        assert_eq!(texts("电话:400-800-1234"), ["电话", "400", "800", "1234"]);
        assert_eq!(
            texts("ISO 9001:2015认证，GB/T"),
            ["iso", "9001", "2015", "认证", "gb", "t"]
        );
    }

    #[test]
    fn cjk_punctuation_separates_runs() {
        assert_eq!(texts("售后。服务"), ["售后", "服务"]);
    }

    #[test]
    fn empty_and_punctuation_only_give_nothing() {
        assert!(tokens("").is_empty());
        assert!(tokens(" -:/。").is_empty());
    }

    proptest! {
        #[test]
        fn offsets_point_at_the_token_and_positions_increase(
            text in "[a-zA-Z0-9 \\-:/。，零配件待处理管理制度售后服务ｱあ한İ]{0,40}"
        ) {
            let mut last: Option<usize> = None;
            for (token, from, to, position) in tokens(&text) {
                prop_assert!(text.is_char_boundary(from) && text.is_char_boundary(to));
                prop_assert!(from < to);
                let slice: String = text[from..to].chars().flat_map(char::to_lowercase).collect();
                prop_assert_eq!(slice, token);
                if let Some(last) = last {
                    prop_assert_eq!(position, last + 1);
                }
                last = Some(position);
            }
        }

        #[test]
        fn never_panics_on_any_text(text in "\\PC{0,60}") {
            let _ = tokens(&text);
        }
    }

    /// The example that documented `cjkbigramtokenizer`.
    #[test]
    fn example_of_cjkbigramtokenizer() {
        use crate::index::tokenizer::CjkBigramTokenizer;
        use tantivy::tokenizer::{TokenStream, Tokenizer};
        let mut tokenizer = CjkBigramTokenizer;
        let mut stream = tokenizer.token_stream("待处理 ISO");
        let mut tokens = Vec::new();
        while let Some(token) = stream.next() {
            tokens.push((token.text.clone(), token.position));
        }
        assert_eq!(
            tokens,
            [("待处".into(), 0), ("处理".into(), 1), ("iso".into(), 2)]
        );
    }
}
