//! 统一社会信用代码 (USCC, GB 32100-2015): charset, check character, and finding candidates in
//! text.
//!
//! A failed check is reported for manual review, never as a rejection: some early pilot-region
//! codes are legal yet fail the checksum (`shared/domain/gbt27922.md` §6).

use regex::Regex;
use std::sync::LazyLock;

/// The 31 characters of GB 32100 in value order (I, O, S, V, Z are never used).
pub const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights `3^(i-1) mod 31` for positions 1..17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A character's value in the GB 32100 charset, `None` outside it.
pub fn char_value(c: char) -> Option<u32> {
    CHARSET
        .chars()
        .position(|x| x == c.to_ascii_uppercase())
        .and_then(|p| u32::try_from(p).ok())
}

/// The check character (position 18) for a 17-character body, `None` when the body is not 17
/// characters of the charset.
pub fn check_char(body: &str) -> Option<char> {
    let mut sum = 0u32;
    let mut n = 0usize;
    for (c, w) in body.chars().zip(WEIGHTS) {
        sum += char_value(c)? * w;
        n += 1;
    }
    if n != 17 || body.chars().count() != 17 {
        return None;
    }
    let check = (31 - sum % 31) % 31;
    CHARSET.chars().nth(check as usize)
}

/// True when `code` is 18 characters of the charset whose last one is the GB 32100 check
/// character. Case-insensitive (codes are upper-cased before comparing).
pub fn uscc_check(code: &str) -> bool {
    let upper = code.to_ascii_uppercase();
    let chars: Vec<char> = upper.chars().collect();
    if chars.len() != 18 {
        return false;
    }
    let body: String = chars[..17].iter().collect();
    check_char(&body) == Some(chars[17]) && char_value(chars[17]).is_some()
}

/// A USCC-shaped run found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsccCandidate {
    /// Byte range in the searched text.
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
    /// The code, upper-cased.
    pub code: String,
    /// Whether the GB 32100 check passed.
    pub valid: bool,
}

static STRICT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}").expect("static regex")
});

static LOOSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^[0-9A-Z]{18}").expect("static regex"));

fn word_bounded(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(|c| c.is_ascii_alphanumeric())
        && !after.is_some_and(|c| c.is_ascii_alphanumeric())
}

/// The code right at the start of `value` (the text after a 统一社会信用代码 label): 18 ASCII
/// letters or digits, word-bounded. Letters outside the charset are kept (the check then
/// fails) so that a mistyped code is reported rather than silently dropped.
pub fn labelled_code(value: &str) -> Option<UsccCandidate> {
    let m = LOOSE.find(value)?;
    if !word_bounded(value, m.start(), m.end()) {
        return None;
    }
    let code = m.as_str().to_ascii_uppercase();
    // A run of digits only with no check pass is more likely another number (an ID card).
    Some(UsccCandidate {
        start: m.start(),
        end: m.end(),
        valid: uscc_check(&code),
        code,
    })
}

/// Unlabelled candidates: strict-shape, word-bounded runs whose check passes. Requiring the
/// check keeps 18-digit 身份证 numbers and other long numbers out (they pass by chance 1 in 31).
pub fn find_unlabelled(text: &str) -> Vec<UsccCandidate> {
    STRICT
        .find_iter(text)
        .filter(|m| word_bounded(text, m.start(), m.end()))
        .filter_map(|m| {
            let code = m.as_str().to_ascii_uppercase();
            uscc_check(&code).then_some(UsccCandidate {
                start: m.start(),
                end: m.end(),
                code,
                valid: true,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reference implementation written straight from the standard's text, independent of
    /// [`check_char`]: weights computed as powers of 3.
    fn naive_check(body: &[u8]) -> u8 {
        let cs = CHARSET.as_bytes();
        let mut s: u64 = 0;
        for (i, b) in body.iter().enumerate() {
            let v = cs.iter().position(|x| x == b).unwrap_or(0) as u64;
            s += v * 3u64.pow(i as u32) % 31;
        }
        cs[((31 - s % 31) % 31) as usize]
    }

    #[test]
    fn worked_example_and_fixture_codes() {
        assert!(uscc_check("91110105MA01BCDE8E"));
        for ok in [
            "91320505MA1XH7K24N",
            "91110114MA01DT8N7W",
            "91510107MA6C2YX37G",
        ] {
            assert!(uscc_check(ok), "{ok}");
        }
        assert!(!uscc_check("91110114MA01DT8N74"));
        assert!(!uscc_check("91110105MA01BCDE8Ö"));
        assert!(!uscc_check("91110105MO01BCDE8E"));
    }

    #[test]
    fn weights_are_powers_of_three() {
        for (i, w) in WEIGHTS.iter().enumerate() {
            assert_eq!(u64::from(*w), 3u64.pow(i as u32) % 31);
        }
    }

    fn body() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(proptest::sample::select(CHARSET.as_bytes().to_vec()), 17)
    }

    proptest! {
        #[test]
        fn computed_check_validates_and_matches_reference(b in body()) {
            let body = String::from_utf8(b.clone()).unwrap();
            let c = check_char(&body).unwrap();
            prop_assert_eq!(c as u8, naive_check(&b));
            let code = format!("{body}{c}");
            prop_assert!(uscc_check(&code));
        }

        #[test]
        fn any_single_change_breaks_the_check(b in body(), pos in 0usize..18, delta in 1usize..31) {
            let body = String::from_utf8(b).unwrap();
            let c = check_char(&body).unwrap();
            let mut code: Vec<char> = format!("{body}{c}").chars().collect();
            let cs: Vec<char> = CHARSET.chars().collect();
            let old = cs.iter().position(|x| *x == code[pos]).unwrap();
            code[pos] = cs[(old + delta) % 31];
            let changed: String = code.into_iter().collect();
            prop_assert!(!uscc_check(&changed));
        }

        #[test]
        fn never_panics_on_arbitrary_text(s in ".{0,60}") {
            let _ = uscc_check(&s);
            let _ = labelled_code(&s);
            let _ = find_unlabelled(&s);
        }
    }

    /// The example that documented `check_char`.
    #[test]
    fn example_of_check_char() {
        use crate::rules::fields::uscc::check_char;
        assert_eq!(check_char("91110105MA01BCDE8"), Some('E'));
    }

    /// The example that documented `uscc_check`.
    #[test]
    fn example_of_uscc_check() {
        use crate::rules::fields::uscc::uscc_check;
        assert!(uscc_check("91110105MA01BCDE8E"));
        assert!(!uscc_check("91110105MA01BCDE8F"));
        assert!(uscc_check("91320505ma1xh7k24n"));
        assert!(!uscc_check("9132050"));
    }

    /// The example that documented `labelled_code`.
    #[test]
    fn example_of_labelled_code() {
        use crate::rules::fields::uscc::labelled_code;
        assert_eq!(
            labelled_code("91320505MA1XH7K24N 法定代表人").map(|c| c.valid),
            Some(true)
        );
        assert_eq!(
            labelled_code("91110114MA01DT8N74").map(|c| c.valid),
            Some(false)
        );
        assert!(labelled_code("9132050").is_none());
    }

    /// The example that documented `find_unlabelled`.
    #[test]
    fn example_of_find_unlabelled() {
        use crate::rules::fields::uscc::find_unlabelled;
        let found = find_unlabelled("代码91110105MA01BCDE8E，身份证110101199003077777");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "91110105MA01BCDE8E");
    }
}
