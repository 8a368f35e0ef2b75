//! CTC greedy decoding of the recognition model's output.
//!
//! The PP-OCR rec model emits, per time step, a probability for every class: class 0 is the CTC
//! blank, classes `1..=n` are the characters of the model's list (stored in its metadata under
//! `character`, one per line), and the last class is the space PP-OCR appends.

/// The recognition alphabet: index 0 is the blank, then the model's characters, then a space.
#[derive(Debug, Clone)]
pub struct Charset {
    classes: Vec<String>,
}

impl Charset {
    /// From the model metadata's `character` value: one character per line. Lines are kept as
    /// they are (a line may hold a space or a multi-byte character), only the line ends removed.
    pub fn from_metadata(list: &str) -> Charset {
        let mut classes = vec![String::new()];
        classes.extend(
            list.split('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string()),
        );
        // A trailing newline would leave one empty entry that is not a class.
        if classes.len() > 1 && classes.last().is_some_and(|c| c.is_empty()) {
            classes.pop();
        }
        classes.push(" ".to_string());
        Charset { classes }
    }

    /// Number of classes, blank and space included: must equal the rec output's last dimension.
    pub fn classes(&self) -> usize {
        self.classes.len()
    }

    fn get(&self, class: usize) -> Option<&str> {
        self.classes.get(class).map(String::as_str)
    }
}

/// One decoded crop: its text and the mean of the winning probabilities of the characters kept
/// (PP-OCR's own confidence, so thresholds carry over).
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub text: String,
    pub confidence: f32,
}

/// Greedy CTC: take the best class per step, drop repeats of the previous step and blanks, map
/// the rest through `charset`. `probs` is `steps × classes`, row-major. A class past the charset
/// (a model/metadata mismatch) is skipped rather than trusted.
pub fn greedy_decode(probs: &[f32], classes: usize, charset: &Charset) -> Decoded {
    let mut text = String::new();
    let mut sum = 0.0f32;
    let mut kept = 0usize;
    let mut previous = usize::MAX;
    if classes == 0 {
        return Decoded {
            text,
            confidence: 0.0,
        };
    }
    for step in probs.chunks_exact(classes) {
        let (best, p) = argmax(step);
        if best != 0
            && best != previous
            && let Some(ch) = charset.get(best)
        {
            text.push_str(ch);
            sum += p;
            kept += 1;
        }
        previous = best;
    }
    let confidence = if kept == 0 { 0.0 } else { sum / kept as f32 };
    Decoded { text, confidence }
}

fn argmax(row: &[f32]) -> (usize, f32) {
    row.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |(bi, bp), (i, &p)| {
            if p > bp { (i, p) } else { (bi, bp) }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A canned matrix over blank, 营, 业, 执, 照, space: "营 营 blank 营 业 业 执 照 blank"
    /// reads 营营业执照 (the blank separates the doubled 营).
    #[test]
    fn greedy_collapses_repeats_and_blanks() {
        let cs = Charset::from_metadata("营\n业\n执\n照\n");
        assert_eq!(cs.classes(), 6);
        let best = [1usize, 1, 0, 1, 2, 2, 3, 4, 0];
        let mut probs = Vec::new();
        for (i, &b) in best.iter().enumerate() {
            let mut row = vec![0.01f32; 6];
            row[b] = if i == 4 { 0.6 } else { 0.9 };
            probs.extend(row);
        }
        let d = greedy_decode(&probs, 6, &cs);
        assert_eq!(d.text, "营营业执照");
        // Kept steps 0, 3, 4, 6, 7: (0.9 + 0.9 + 0.6 + 0.9 + 0.9) / 5.
        assert!((d.confidence - 0.84).abs() < 1e-4, "{}", d.confidence);
    }

    #[test]
    fn last_class_is_a_space_and_out_of_range_is_skipped() {
        let cs = Charset::from_metadata("A\nB");
        assert_eq!(cs.classes(), 4);
        // A, space, B, then class 7 (not in the charset).
        let probs = [
            0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, //
            0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, //
            0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, //
            0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0,
        ];
        assert_eq!(greedy_decode(&probs, 8, &cs).text, "A B");
    }

    #[test]
    fn all_blank_is_empty_with_zero_confidence() {
        let cs = Charset::from_metadata("A");
        let probs = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        let d = greedy_decode(&probs, 3, &cs);
        assert_eq!(d.text, "");
        assert_eq!(d.confidence, 0.0);
        assert_eq!(greedy_decode(&probs, 0, &cs).text, "");
    }
}
