//! Splitting a detected region that fuses a text line with something taller laid over it.
//!
//! A red seal (公章) is stamped over the lines that matter most: 有效期至, the issue date, the
//! signatory. Lightened as it is ([`crate::ingest::ocr::ink`]), the seal's own ring of text is
//! still text to the detector, and where the ring crosses a printed line the two become one
//! 8-connected region. Its minimum-area rectangle is then a box several lines tall; cropped to
//! the recogniser's height of 48 pixels it reads as one or two characters of noise, and the
//! line under the seal is lost.
//!
//! Such a region is recognised by its height against the page's typical line, and cut along its
//! projection across the text direction: a printed line is a band of rows far denser than the
//! ring's arcs beside it. Each band a line's height thick becomes its own region, and what is
//! left (the ring, the star) is regrouped into connected pieces, which the recogniser reads or
//! its confidence floor drops. A region taller than a line that has no such band, such as a
//! title in large type or two lines touching along their whole length, is left whole.

use super::det::components;
use super::geometry::RotatedRect;

/// A region is examined once its short side exceeds this many typical line heights: large
/// titles (up to about twice the body size on licences and certificates) stay below it.
const TALL: f32 = 2.5;
/// A row is part of a printed line when it holds at least this share of the densest row.
const DENSE_SHARE: f32 = 0.5;
/// A band is a line when its thickness is within these multiples of the typical line height.
const BAND_MIN: f32 = 0.4;
const BAND_MAX: f32 = 1.8;
/// Fewest line-like regions for the page's typical line to be known.
const MIN_LINES: usize = 3;

/// The page's typical text line, in detector-map pixels: the median short side and direction
/// of the regions shaped like lines (at least twice as long as thick).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TypicalLine {
    pub height: f32,
    /// Direction of the text, radians (the angle of the lines' long side, within ±45°).
    pub angle: f32,
}

/// The typical line of a page from its regions' rectangles, or `None` with fewer than
/// [`MIN_LINES`] line-like regions (nothing to compare a tall region with).
pub fn typical_line(rects: &[Option<RotatedRect>]) -> Option<TypicalLine> {
    let mut heights = Vec::new();
    let mut angles = Vec::new();
    for rect in rects.iter().flatten() {
        let (long, short) = (rect.w.max(rect.h), rect.w.min(rect.h));
        if short < 3.0 || long < 2.0 * short {
            continue;
        }
        let along = if rect.w >= rect.h {
            rect.angle
        } else {
            rect.angle + std::f32::consts::FRAC_PI_2
        };
        heights.push(short);
        angles.push(near_horizontal(along));
    }
    if heights.len() < MIN_LINES {
        return None;
    }
    Some(TypicalLine {
        height: median(&mut heights),
        angle: median(&mut angles),
    })
}

/// Whether a region whose rectangle is `rect` is tall enough to be examined.
pub fn is_tall(rect: &RotatedRect, line: &TypicalLine) -> bool {
    rect.min_side() > TALL * line.height
}

/// The region (pixel indices of a `w`-wide map) cut into its line bands and the connected pieces
/// of the rest; the region itself, alone, when it has no band of a line's thickness.
pub fn split_region(region: &[usize], w: usize, line: &TypicalLine) -> Vec<Vec<usize>> {
    if region.is_empty() || w == 0 {
        return vec![region.to_vec()];
    }
    let (sin, cos) = line.angle.sin_cos();
    let across: Vec<f32> = region
        .iter()
        .map(|&i| {
            let (x, y) = ((i % w) as f32, (i / w) as f32);
            -x * sin + y * cos
        })
        .collect();
    let lo = across.iter().copied().fold(f32::INFINITY, f32::min);
    let row_of = |v: f32| (v - lo).floor() as usize;
    let rows = across.iter().map(|&v| row_of(v)).max().unwrap_or(0) + 1;
    let mut counts = vec![0usize; rows];
    for &v in &across {
        counts[row_of(v)] += 1;
    }
    let densest = counts.iter().copied().max().unwrap_or(0) as f32;
    let dense: Vec<bool> = counts
        .iter()
        .map(|&c| c as f32 >= DENSE_SHARE * densest)
        .collect();
    let bands: Vec<(usize, usize)> = runs(&dense)
        .into_iter()
        .filter(|&(start, end)| {
            let thickness = (end - start + 1) as f32;
            (BAND_MIN * line.height..=BAND_MAX * line.height).contains(&thickness)
        })
        .collect();
    if bands.is_empty() {
        return vec![region.to_vec()];
    }
    // Group 0 is the rest; group k + 1 is band k.
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); bands.len() + 1];
    for (&i, &v) in region.iter().zip(&across) {
        let row = row_of(v);
        let band = bands.iter().position(|&(s, e)| (s..=e).contains(&row));
        groups[band.map_or(0, |b| b + 1)].push(i);
    }
    groups
        .iter()
        .flat_map(|g| connected(g, w))
        .filter(|piece| !piece.is_empty())
        .collect()
}

/// The 8-connected pieces of a set of pixels of a `w`-wide map (the detector's own
/// [`components`] over a mask of just those pixels).
fn connected(pixels: &[usize], w: usize) -> Vec<Vec<usize>> {
    let Some(&last) = pixels.iter().max() else {
        return Vec::new();
    };
    let h = last / w + 1;
    let mut mask = vec![false; w * h];
    for &i in pixels {
        mask[i] = true;
    }
    components(&mask, w, h)
}

/// Maximal runs of `true`, as inclusive `(start, end)` pairs.
fn runs(flags: &[bool]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &f) in flags.iter().enumerate() {
        match (f, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i - 1));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, flags.len() - 1));
    }
    out
}

/// `angle` folded to the nearest direction within ±45° of horizontal (a line's long side and
/// its reverse are the same direction).
fn near_horizontal(angle: f32) -> f32 {
    use std::f32::consts::{FRAC_PI_2, FRAC_PI_4};
    let a = angle.rem_euclid(FRAC_PI_2);
    if a > FRAC_PI_4 { a - FRAC_PI_2 } else { a }
}

fn median(values: &mut [f32]) -> f32 {
    values.sort_by(f32::total_cmp);
    values[values.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: usize = 200;

    /// Pixel indices of the filled rectangle `x0..x1 × y0..y1`.
    fn rect(x0: usize, y0: usize, x1: usize, y1: usize) -> Vec<usize> {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| y * W + x))
            .collect()
    }

    /// A ring of thickness `t` about `(cx, cy)`, as a seal's band of text is.
    fn ring(cx: f32, cy: f32, r: f32, t: f32) -> Vec<usize> {
        let mut out = Vec::new();
        for y in 0..W {
            for x in 0..W {
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
                if (r - t..=r).contains(&d) {
                    out.push(y * W + x);
                }
            }
        }
        out
    }

    fn union(parts: &[Vec<usize>]) -> Vec<usize> {
        let mut all: Vec<usize> = parts.iter().flatten().copied().collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    fn bounds(piece: &[usize]) -> (usize, usize, usize, usize) {
        let xs = piece.iter().map(|i| i % W);
        let ys = piece.iter().map(|i| i / W);
        (
            xs.clone().min().unwrap_or(0),
            ys.clone().min().unwrap_or(0),
            xs.max().unwrap_or(0),
            ys.max().unwrap_or(0),
        )
    }

    const LINE: TypicalLine = TypicalLine {
        height: 8.0,
        angle: 0.0,
    };

    #[test]
    fn a_line_under_a_seal_comes_out_as_its_own_band() {
        // A line 8 px thick from x 10 to 140, crossed by a seal ring centred below its right end.
        let line = rect(10, 60, 140, 68);
        let seal = ring(130.0, 80.0, 40.0, 7.0);
        let region = union(&[line, seal]);
        let pieces = split_region(&region, W, &LINE);
        assert!(pieces.len() > 1, "{}", pieces.len());
        let widest = pieces
            .iter()
            .max_by_key(|p| {
                let (x0, _, x1, _) = bounds(p);
                x1 - x0
            })
            .expect("pieces");
        let (x0, y0, x1, y1) = bounds(widest);
        assert!(
            x0 <= 10 && x1 >= 125,
            "the line keeps its length: {x0}..{x1}"
        );
        assert!(y0 >= 58 && y1 <= 70, "and only its own rows: {y0}..{y1}");
        // No pixel is lost or counted twice.
        let mut all: Vec<usize> = pieces.concat();
        all.sort_unstable();
        assert_eq!(all, region);
    }

    #[test]
    fn a_large_title_or_two_touching_lines_stay_whole() {
        let title = rect(20, 20, 180, 44);
        assert_eq!(split_region(&title, W, &LINE), vec![title.clone()]);
        let two_lines = union(&[rect(20, 60, 180, 68), rect(20, 68, 170, 76)]);
        assert_eq!(split_region(&two_lines, W, &LINE).len(), 1);
    }

    #[test]
    fn the_typical_line_is_the_median_of_line_shaped_regions() {
        let r = |w: f32, h: f32, angle: f32| {
            Some(RotatedRect {
                center: super::super::geometry::Point::new(0.0, 0.0),
                w,
                h,
                angle,
            })
        };
        // Three lines (one given with its sides the other way round), a square seal, nothing.
        let rects = [
            r(100.0, 8.0, 0.02),
            r(7.0, 90.0, 0.02 - std::f32::consts::FRAC_PI_2),
            r(120.0, 9.0, 0.02),
            r(60.0, 60.0, 0.0),
            None,
        ];
        let line = typical_line(&rects).expect("three lines");
        assert_eq!(line.height, 8.0);
        assert!((line.angle - 0.02).abs() < 1e-4, "{}", line.angle);
        assert!(typical_line(&rects[3..]).is_none());
        assert!(is_tall(&r(60.0, 60.0, 0.0).unwrap(), &line));
        assert!(!is_tall(&r(160.0, 18.0, 0.0).unwrap(), &line));
    }
}
