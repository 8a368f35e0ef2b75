//! The number lists of OFD attributes: `DeltaX`/`DeltaY` glyph offsets, `Boundary` boxes and
//! `CTM` matrices.
//!
//! `DeltaX="g 10 6.5297 3.175"` means ten offsets of 6.5297 then one of 3.175 (GB/T 33190
//! §11.3's `g` repeat). A hostile repeat count must not allocate, so a list is expanded only as
//! far as the glyphs it spaces.

/// The first `want` offsets of a `DeltaX`/`DeltaY` list, `g` repeats expanded; fewer when the
/// list is shorter. Unparsable tokens end the list.
pub(super) fn offsets(list: &str, want: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(want.min(4096));
    let mut tokens = list.split_ascii_whitespace();
    while out.len() < want {
        let Some(token) = tokens.next() else { break };
        if token.eq_ignore_ascii_case("g") {
            let (Some(count), Some(value)) = (tokens.next(), tokens.next()) else {
                break;
            };
            let (Ok(count), Some(value)) = (count.parse::<u64>(), number(value)) else {
                break;
            };
            let room = want - out.len();
            let n = usize::try_from(count).map_or(room, |c| c.min(room));
            out.extend(std::iter::repeat_n(value, n));
        } else {
            match number(token) {
                Some(v) => out.push(v),
                None => break,
            }
        }
    }
    out
}

/// Up to `N` numbers of a space-separated list (`Boundary="x y w h"`, `CTM="a b c d e f"`);
/// `None` unless all `N` are there and finite.
pub(super) fn numbers<const N: usize>(list: &str) -> Option<[f32; N]> {
    let mut out = [0.0f32; N];
    let mut tokens = list.split(|c: char| c.is_ascii_whitespace() || c == ',');
    let mut filled = 0;
    for slot in &mut out {
        let token = tokens.by_ref().find(|t| !t.is_empty())?;
        *slot = number(token)?;
        filled += 1;
    }
    (filled == N).then_some(out)
}

/// One finite number.
pub(super) fn number(token: &str) -> Option<f32> {
    token.trim().parse::<f32>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_repeats_expand_only_as_far_as_wanted() {
        assert_eq!(offsets("g 3 2 1.5", 10), vec![2.0, 2.0, 2.0, 1.5]);
        assert_eq!(offsets("1 2 3", 2), vec![1.0, 2.0]);
        assert_eq!(offsets("g 4000000000 1", 3), vec![1.0; 3]);
        assert_eq!(offsets("g 99999999999999999999999 1", 2), Vec::<f32>::new());
        assert_eq!(offsets("1 x 2", 5), vec![1.0]);
        assert_eq!(offsets("1 NaN", 5), vec![1.0]);
        assert_eq!(offsets("", 5), Vec::<f32>::new());
    }

    #[test]
    fn boxes_and_matrices_need_all_their_numbers() {
        assert_eq!(
            numbers::<4>("31.7 25.4 40.5 5"),
            Some([31.7, 25.4, 40.5, 5.0])
        );
        assert_eq!(numbers::<4>("1 2 3"), None);
        assert_eq!(
            numbers::<6>("1,0 0 1  10 20"),
            Some([1.0, 0.0, 0.0, 1.0, 10.0, 20.0])
        );
        assert_eq!(numbers::<2>("1 inf"), None);
    }
}
