//! Codes read by OCR, put right by the numbering scheme they follow.
//!
//! Many certificate numbers follow a published scheme: a management-system certificate issued in
//! China is the body's code and the year (5 digits), the system (`Q`, `E`, `S` …), a serial
//! (5 digits), `R` and the number of recertifications, and the organisation's size (`S`, `M`,
//! `L`), as in `03410Q10286R0S`. OCR confuses look-alikes (`0`/`O`, `1`/`I`, `5`/`S`, `8`/`B`),
//! and a scheme says which one a position holds. A field rule lists the schemes its values
//! follow (`ocr_shapes` in `fields.toml`): a value read by OCR that fits none of them but fits
//! exactly one after the fewest look-alike substitutions (at most two) is corrected, and the field
//! says what was changed. A value that fits no scheme either way is kept as read: many bodies
//! number their certificates their own way. Typed text is never changed.

use super::uscc::look_alikes;
use regex::Regex;

/// Most substitutions tried: two keeps a wrong correction unlikely on a 14-character code.
const MOST_CHANGES: usize = 2;

/// What the schemes say about a value read by OCR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShapeReading {
    /// The value fits a scheme as read, or fits none even with substitutions: kept.
    Kept,
    /// Exactly one set of the fewest substitutions makes it fit.
    Repaired {
        /// The corrected value.
        value: String,
        /// The substitutions made (`O→0 at 13`, 1-based positions), for the reviewer.
        changes: String,
    },
}

/// Puts `read` right by `shapes` (anchored patterns), as the module says.
pub fn repair(read: &str, shapes: &[Regex]) -> ShapeReading {
    let fits = |s: &str| shapes.iter().any(|re| re.is_match(s));
    if shapes.is_empty() || fits(read) {
        return ShapeReading::Kept;
    }
    let chars: Vec<char> = read.chars().collect();
    // Candidates with `n` substitutions, built from those with `n - 1`; positions increase so
    // each set is tried once.
    let mut frontier: Vec<(Vec<char>, Vec<String>, usize)> = vec![(chars.clone(), Vec::new(), 0)];
    for _ in 0..MOST_CHANGES {
        let mut next = Vec::new();
        for (candidate, changes, from) in &frontier {
            for i in *from..candidate.len() {
                for &r in look_alikes(chars[i]) {
                    let mut c = candidate.clone();
                    c[i] = r;
                    let mut ch = changes.clone();
                    ch.push(format!("{}→{r} at {}", chars[i], i + 1));
                    next.push((c, ch, i + 1));
                }
            }
        }
        let fitting: Vec<&(Vec<char>, Vec<String>, usize)> = next
            .iter()
            .filter(|(c, _, _)| fits(&c.iter().collect::<String>()))
            .collect();
        match fitting.as_slice() {
            [] => frontier = next,
            [(value, changes, _)] => {
                return ShapeReading::Repaired {
                    value: value.iter().collect(),
                    changes: changes.join(", "),
                };
            }
            _ => return ShapeReading::Kept,
        }
    }
    ShapeReading::Kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cnca() -> Vec<Regex> {
        vec![Regex::new(r"^[0-9]{5}[A-Z]{1,4}[0-9]{5}R[0-9][SML]$").expect("regex")]
    }

    #[test]
    fn a_letter_where_the_scheme_has_a_digit_is_put_right() {
        assert_eq!(
            repair("50823Q10452ROS", &cnca()),
            ShapeReading::Repaired {
                value: "50823Q10452R0S".into(),
                changes: "O→0 at 13".into(),
            }
        );
        assert_eq!(
            repair("O7324Q2O815R1M", &cnca()),
            ShapeReading::Repaired {
                value: "07324Q20815R1M".into(),
                changes: "O→0 at 1, O→0 at 8".into(),
            }
        );
    }

    #[test]
    fn a_value_that_fits_or_fits_no_scheme_is_kept() {
        assert_eq!(repair("03410Q10286R0S", &cnca()), ShapeReading::Kept);
        // Another body's own numbering: nothing to correct it by.
        assert_eq!(repair("GHRZ-SH-2025-00416", &cnca()), ShapeReading::Kept);
        // Three misreadings are too many to trust a correction.
        assert_eq!(repair("O7324Q2O8I5R1M", &cnca()), ShapeReading::Kept);
        assert_eq!(repair("50823Q10452ROS", &[]), ShapeReading::Kept);
    }

    #[test]
    fn two_equally_short_corrections_are_no_correction() {
        let tie = vec![Regex::new(r"^[0-9]I$|^B1$").expect("regex")];
        // `BI`: `B→8` gives `8I` and `I→1` gives `B1`, and both fit: nothing decides, kept.
        assert_eq!(repair("BI", &tie), ShapeReading::Kept);
    }
}
