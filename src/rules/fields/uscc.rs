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

/// Characters OCR engines confuse, each with what it may really be. The code's alphabet has no
/// I, O, S, V or Z, so those are always misreadings; digits and letters that look alike are
/// candidates only where the checksum decides.
const OCR_CONFUSIONS: &[(char, &[char])] = &[
    ('I', &['1']),
    ('L', &['1']),
    ('1', &['L', 'T']),
    ('O', &['0']),
    ('D', &['0']),
    ('Q', &['0']),
    ('0', &['D', 'Q']),
    ('Z', &['2']),
    ('2', &[]),
    ('S', &['5']),
    ('5', &[]),
    ('B', &['8']),
    ('8', &['B']),
    ('G', &['6']),
    ('6', &['G']),
    ('V', &['U', 'Y']),
    ('U', &[]),
    ('T', &['7', '1']),
    ('7', &['T']),
];

/// What the checksum says about a code read by OCR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcrReading {
    /// The code as read passes the check.
    Verified(String),
    /// Exactly one set of look-alike substitutions makes it pass: the code, and what was changed
    /// (`"I→1 at 10"`, 1-based positions).
    Repaired {
        /// The repaired code.
        code: String,
        /// The substitutions made, for the reviewer.
        changes: String,
    },
    /// No repair, or more than one, passes: kept as read, not verified.
    Unverified(String),
}

/// Repairs an 18-character code read by OCR with the check character (GB 32100): characters
/// outside the alphabet are replaced by their only look-alike, positions 3–8 (the
/// administrative division, all digits) take the digit a letter resembles; then, if the check
/// still fails, each single look-alike substitution is tried and taken only when exactly one
/// passes. Never used on typed text, where a failed check is the applicant's typo to report.
pub fn repair_ocr(code: &str) -> OcrReading {
    let read = code.to_ascii_uppercase();
    let chars: Vec<char> = read.chars().collect();
    if chars.len() != 18 {
        return OcrReading::Unverified(read);
    }
    if uscc_check(&read) {
        return OcrReading::Verified(read);
    }
    let mut fixed = chars.clone();
    let mut changes = Vec::new();
    for (i, c) in fixed.iter_mut().enumerate() {
        let must_be_digit = (2..8).contains(&i);
        let outside = char_value(*c).is_none();
        if !(outside || must_be_digit && !c.is_ascii_digit()) {
            continue;
        }
        let replacement = look_alikes(*c)
            .iter()
            .copied()
            .find(|r| char_value(*r).is_some() && (!must_be_digit || r.is_ascii_digit()));
        if let Some(r) = replacement {
            changes.push(format!("{c}→{r} at {}", i + 1));
            *c = r;
        }
    }
    let joined: String = fixed.iter().collect();
    if uscc_check(&joined) {
        return repaired(joined, &changes);
    }
    let mut passing = Vec::new();
    for i in 0..18 {
        for &r in look_alikes(fixed[i]) {
            if (2..8).contains(&i) && !r.is_ascii_digit() {
                continue;
            }
            let mut candidate = fixed.clone();
            candidate[i] = r;
            let candidate: String = candidate.into_iter().collect();
            if uscc_check(&candidate) {
                passing.push((candidate, format!("{}→{r} at {}", fixed[i], i + 1)));
            }
        }
    }
    match passing.as_slice() {
        [(code, change)] => {
            changes.push(change.clone());
            repaired(code.clone(), &changes)
        }
        _ => OcrReading::Unverified(read),
    }
}

/// The characters OCR reads in place of `c` (shared with [`super::shapes`]).
pub(crate) fn look_alikes(c: char) -> &'static [char] {
    OCR_CONFUSIONS
        .iter()
        .find(|(from, _)| *from == c)
        .map_or(&[], |(_, to)| to)
}

fn repaired(code: String, changes: &[String]) -> OcrReading {
    OcrReading::Repaired {
        code,
        changes: changes.join(", "),
    }
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

    #[test]
    fn ocr_confusions_are_repaired_when_the_check_decides() {
        // MA1X read as MAIX: I is outside the alphabet, its only look-alike is 1.
        assert_eq!(
            repair_ocr("91320505MAIXH7K24N"),
            OcrReading::Repaired {
                code: "91320505MA1XH7K24N".into(),
                changes: "I→1 at 11".into()
            }
        );
        // O for 0 in the division code, lower case as some engines give it.
        assert!(matches!(
            repair_ocr("9111O114ma01dt8n7w"),
            OcrReading::Repaired { code, .. } if code == "91110114MA01DT8N7W"
        ));
        // B for 8 inside the alphabet: found by trying single look-alikes.
        assert!(matches!(
            repair_ocr("91110105MA01BCDEBE"),
            OcrReading::Repaired { code, changes } if code == "91110105MA01BCDE8E" && changes == "B→8 at 17"
        ));
        assert_eq!(
            repair_ocr("91110105MA01BCDE8E"),
            OcrReading::Verified("91110105MA01BCDE8E".into())
        );
    }

    #[test]
    fn an_unrepairable_code_stays_as_read_and_unverified() {
        // A wrong character with no look-alike that fixes it.
        assert_eq!(
            repair_ocr("91110114MA01DT8N74"),
            OcrReading::Unverified("91110114MA01DT8N74".into())
        );
        assert!(matches!(repair_ocr("9111"), OcrReading::Unverified(_)));
    }

    proptest! {
        /// Whatever single look-alike misreading OCR makes of a valid code, the repair never
        /// returns a code that fails the check, and when it repairs it is usually the original.
        #[test]
        fn a_repair_always_passes_the_check(b in body(), pos in 0usize..18) {
            let body = String::from_utf8(b).unwrap();
            let c = check_char(&body).unwrap();
            let code: Vec<char> = format!("{body}{c}").chars().collect();
            let Some(&wrong) = OCR_CONFUSIONS
                .iter()
                .find(|(_, to)| to.contains(&code[pos]))
                .map(|(from, _)| from) else { return Ok(()) };
            let mut misread = code.clone();
            misread[pos] = wrong;
            let misread: String = misread.into_iter().collect();
            match repair_ocr(&misread) {
                OcrReading::Repaired { code: fixed, .. } | OcrReading::Verified(fixed) => {
                    prop_assert!(uscc_check(&fixed));
                }
                OcrReading::Unverified(kept) => prop_assert_eq!(kept, misread),
            }
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
