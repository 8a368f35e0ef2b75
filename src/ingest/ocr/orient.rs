//! Putting a page upright before recognition: a quarter turn for a page scanned sideways, and a
//! small rotation for one fed crooked or photographed at an angle.
//!
//! Both come from one projection profile (Postl's method) of the page's dark pixels, on a copy
//! scaled down to about 1000 pixels: text lines are horizontal when the row sums are most
//! concentrated, so the angle that concentrates them most is the skew, and a page whose columns
//! concentrate better than its rows is lying on its side. This costs milliseconds, where
//! tesseract's own orientation detection (`--psm 0`) costs about as much CPU as reading the page
//! (0.8 s at 150 dpi, measured on the scan fixtures) and engines other than tesseract lack it. The
//! profile cannot tell up from down, and a certificate's frame and sparse centred lines can
//! outweigh its text; [`super::read_page`] settles both by the reading's confidence.
//!
//! Deskewing pays from about 1° (measured on the fixtures' tilted licences with tesseract
//! `chi_sim`: 3° pages gain 3 points of character accuracy, 1.5° pages gain or lose 2), so
//! smaller angles are left to the engine.

use image::GrayImage;

/// Longest side of the copy the profile is measured on.
const PROFILE_SIDE: u32 = 1000;
/// Skew searched, in degrees either way (beyond it a page is a photo to retake).
const MAX_SKEW: f32 = 6.0;
/// Smallest skew corrected, in degrees (see the module's notes).
const MIN_DESKEW: f32 = 1.0;
/// Fewer dark pixels than this on the profile copy: nothing to measure (a blank page).
const MIN_INK: usize = 200;
/// The profile uses at most this many dark pixels (evenly subsampled), which bounds its cost.
const MAX_POINTS: usize = 150_000;

/// How a page was put upright; [`Upright::apply`] does it, [`Upright::unmap`] maps boxes back.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Upright {
    /// Turned by 90° clockwise (the page lay on its side).
    pub quarter_turn: bool,
    /// The text lines' slope in degrees (image coordinates, y down) after the quarter turn; the
    /// page is rotated by minus this when its size is at least [`MIN_DESKEW`], else 0.
    pub skew_degrees: f32,
    /// Then turned by 180° (tried by [`super::read_page`] when a reading is unconfident).
    pub flipped: bool,
}

/// Measures how `image` lies: whether its text lines run across or down, and their slope.
pub fn upright(image: &GrayImage) -> Upright {
    let small = super::pixels::thumbnail(
        image,
        scaled(image.width(), image),
        scaled(image.height(), image),
    );
    let Some(threshold) = otsu(&small) else {
        return Upright::default();
    };
    let h = small.height();
    let dark = small.pixels().filter(|p| p.0[0] < threshold).count();
    if dark < MIN_INK {
        return Upright::default();
    }
    let stride = dark.div_ceil(MAX_POINTS).max(1);
    let mut across = Vec::with_capacity(dark / stride + 1);
    let mut down = Vec::with_capacity(dark / stride + 1);
    for (i, (x, y, _)) in small
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0[0] < threshold)
        .enumerate()
    {
        if i % stride == 0 {
            across.push((x as f32, y as f32));
            // The same pixel after a clockwise quarter turn.
            down.push(((h - 1 - y) as f32, x as f32));
        }
    }
    let (skew_across, score_across) = best_angle(&across);
    let (skew_down, score_down) = best_angle(&down);
    let (quarter_turn, skew) = if score_down > score_across {
        (true, skew_down)
    } else {
        (false, skew_across)
    };
    Upright {
        quarter_turn,
        skew_degrees: if skew.abs() >= MIN_DESKEW { skew } else { 0.0 },
        flipped: false,
    }
}

fn scaled(side: u32, image: &GrayImage) -> u32 {
    let longest = image.width().max(image.height()).max(1);
    if longest <= PROFILE_SIDE {
        side.max(1)
    } else {
        ((u64::from(side) * u64::from(PROFILE_SIDE) / u64::from(longest)) as u32).max(1)
    }
}

/// Otsu's threshold of a grey image; `None` for a single-valued one.
fn otsu(image: &GrayImage) -> Option<u8> {
    let mut hist = [0u64; 256];
    for p in image.pixels() {
        hist[p.0[0] as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(v, &n)| v as f64 * n as f64)
        .sum();
    let (mut weight_b, mut sum_b, mut best, mut best_t) = (0u64, 0f64, -1f64, None);
    for (t, &count) in hist.iter().enumerate() {
        weight_b += count;
        if weight_b == 0 {
            continue;
        }
        let weight_f = total - weight_b;
        if weight_f == 0 {
            break;
        }
        sum_b += t as f64 * count as f64;
        let mean_b = sum_b / weight_b as f64;
        let mean_f = (sum_all - sum_b) / weight_f as f64;
        let between = weight_b as f64 * weight_f as f64 * (mean_b - mean_f).powi(2);
        if between > best {
            best = between;
            best_t = Some(t as u8 + 1);
        }
    }
    best_t
}

/// The angle (degrees) whose row profile of `points` is most concentrated, and that score.
fn best_angle(points: &[(f32, f32)]) -> (f32, f64) {
    let mut best = (0.0f32, profile_score(points, 0.0));
    let consider = |angle: f32, best: &mut (f32, f64)| {
        let score = profile_score(points, angle);
        if score > best.1 {
            *best = (angle, score);
        }
    };
    let steps = (MAX_SKEW / 0.5) as i32;
    for i in -steps..=steps {
        consider(i as f32 * 0.5, &mut best);
    }
    let coarse = best.0;
    for i in -5..=5 {
        consider(coarse + i as f32 * 0.1, &mut best);
    }
    best
}

/// Sum of squared row counts of `points` projected on lines of slope `angle` degrees.
fn profile_score(points: &[(f32, f32)], angle: f32) -> f64 {
    let (sin, cos) = angle.to_radians().sin_cos();
    let rows: Vec<i64> = points
        .iter()
        .map(|&(x, y)| (y * cos - x * sin).round() as i64)
        .collect();
    let Some(&min) = rows.iter().min() else {
        return 0.0;
    };
    let max = rows.iter().copied().max().unwrap_or(min);
    let mut bins = vec![0u32; (max - min + 1) as usize];
    for r in rows {
        bins[(r - min) as usize] += 1;
    }
    bins.iter().map(|&n| f64::from(n) * f64::from(n)).sum()
}

impl Upright {
    /// The page turned and rotated as measured (a copy; the caller keeps the original).
    pub fn apply(&self, image: &GrayImage) -> GrayImage {
        let turned;
        let page = if self.quarter_turn {
            turned = super::pixels::rotate90(image);
            &turned
        } else {
            image
        };
        let level = if self.skew_degrees == 0.0 {
            page.clone()
        } else {
            rotate(page, self.skew_degrees, paper(page))
        };
        if self.flipped {
            super::pixels::rotate180(&level)
        } else {
            level
        }
    }

    /// A box in the upright page (`page` = its size) back in the original image (`original` =
    /// its size): the box around the four mapped corners, clamped to the image.
    pub fn unmap(&self, bbox: [u32; 4], page: (u32, u32), original: (u32, u32)) -> [u32; 4] {
        let (w0, h0) = original;
        let turned = if self.quarter_turn {
            (h0, w0)
        } else {
            (w0, h0)
        };
        let [x0, y0, x1, y1] = if self.flipped {
            let [x0, y0, x1, y1] = bbox;
            let (w, h) = page;
            [
                w.saturating_sub(x1),
                h.saturating_sub(y1),
                w.saturating_sub(x0),
                h.saturating_sub(y0),
            ]
        } else {
            bbox
        }
        .map(|v| v as f32);
        let corners = [(x0, y0), (x1, y0), (x0, y1), (x1, y1)];
        let (sin, cos) = self.skew_degrees.to_radians().sin_cos();
        let (pcx, pcy) = (page.0 as f32 / 2.0, page.1 as f32 / 2.0);
        let (tcx, tcy) = (turned.0 as f32 / 2.0, turned.1 as f32 / 2.0);
        let mapped = corners.map(|(x, y)| {
            // Undo the deskew: the same formula `rotate` samples with.
            let (u, v) = (x - pcx, y - pcy);
            let (tx, ty) = (u * cos - v * sin + tcx, u * sin + v * cos + tcy);
            // Undo the clockwise quarter turn: turned (tx, ty) came from original (ty, h0 - tx).
            if self.quarter_turn {
                (ty, h0 as f32 - tx)
            } else {
                (tx, ty)
            }
        });
        let clamp = |v: f32, max: u32| v.round().clamp(0.0, max as f32) as u32;
        let xs = mapped.map(|p| p.0);
        let ys = mapped.map(|p| p.1);
        let min = |a: [f32; 4]| a.into_iter().fold(f32::INFINITY, f32::min);
        let max = |a: [f32; 4]| a.into_iter().fold(f32::NEG_INFINITY, f32::max);
        [
            clamp(min(xs), w0),
            clamp(min(ys), h0),
            clamp(max(xs), w0),
            clamp(max(ys), h0),
        ]
    }
}

/// The paper's grey: the 90th percentile, so the corners a rotation uncovers match the page
/// (a photo's paper is rarely 255).
fn paper(image: &GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    for p in image.pixels() {
        hist[p.0[0] as usize] += 1;
    }
    let target = (image.width() as u64 * image.height() as u64) * 9 / 10;
    let mut seen = 0;
    for (v, n) in hist.iter().enumerate() {
        seen += n;
        if seen >= target {
            return v as u8;
        }
    }
    255
}

/// `image` rotated so that lines of slope `degrees` become level, on a canvas large enough to
/// keep every pixel, bilinear, uncovered area filled with `fill`.
fn rotate(image: &GrayImage, degrees: f32, fill: u8) -> GrayImage {
    let (w, h) = image.dimensions();
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (asin, acos) = (sin.abs(), cos.abs());
    let nw = (w as f32 * acos + h as f32 * asin).ceil() as u32;
    let nh = (w as f32 * asin + h as f32 * acos).ceil() as u32;
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (ncx, ncy) = (nw as f32 / 2.0, nh as f32 / 2.0);
    let src = image.as_raw();
    let at = |x: i64, y: i64| -> f32 {
        if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
            f32::from(fill)
        } else {
            f32::from(src[(y as usize) * (w as usize) + x as usize])
        }
    };
    GrayImage::from_fn(nw, nh, |x, y| {
        let (u, v) = (x as f32 + 0.5 - ncx, y as f32 + 0.5 - ncy);
        let sx = u * cos - v * sin + cx - 0.5;
        let sy = u * sin + v * cos + cy - 0.5;
        let (fx, fy) = (sx.floor(), sy.floor());
        let (dx, dy) = (sx - fx, sy - fy);
        let (ix, iy) = (fx as i64, fy as i64);
        let top = at(ix, iy) * (1.0 - dx) + at(ix + 1, iy) * dx;
        let bottom = at(ix, iy + 1) * (1.0 - dx) + at(ix + 1, iy + 1) * dx;
        image::Luma([(top * (1.0 - dy) + bottom * dy).round().clamp(0.0, 255.0) as u8])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic page: dark bars like text lines, sloped by `degrees`.
    fn lines_page(w: u32, h: u32, degrees: f32) -> GrayImage {
        let slope = degrees.to_radians().tan();
        GrayImage::from_fn(w, h, |x, y| {
            let level = y as f32 - x as f32 * slope;
            let in_line = level > 40.0 && (level as u32 % 40) < 12;
            // Gaps between "characters" so columns are not solid.
            let in_char = (x % 30) < 22 && x > 30 && x < w - 30;
            image::Luma([if in_line && in_char { 20 } else { 240 }])
        })
    }

    #[test]
    fn level_lines_need_nothing() {
        let u = upright(&lines_page(800, 600, 0.0));
        assert!(!u.quarter_turn);
        assert_eq!(u.skew_degrees, 0.0);
    }

    #[test]
    fn sloped_lines_are_measured() {
        let u = upright(&lines_page(800, 600, 3.0));
        assert!(!u.quarter_turn);
        assert!((u.skew_degrees - 3.0).abs() < 0.3, "{u:?}");
        let level = u.apply(&lines_page(800, 600, 3.0));
        let again = upright(&level);
        assert_eq!(again.skew_degrees, 0.0, "{again:?}");
    }

    #[test]
    fn a_page_on_its_side_gets_a_quarter_turn() {
        let sideways = image::imageops::rotate270(&lines_page(800, 600, 0.0));
        let u = upright(&sideways);
        assert!(u.quarter_turn, "{u:?}");
    }

    #[test]
    fn blank_page_is_left_alone() {
        let blank = GrayImage::from_pixel(300, 200, image::Luma([250]));
        assert_eq!(upright(&blank), Upright::default());
    }

    #[test]
    fn boxes_map_back_through_the_quarter_turn() {
        // Original 100×60; turned clockwise it is 60×100. The original's top-left corner pixel
        // lands at the turned image's top-right.
        let u = Upright {
            quarter_turn: true,
            ..Upright::default()
        };
        assert_eq!(
            u.unmap([50, 0, 60, 10], (60, 100), (100, 60)),
            [0, 0, 10, 10]
        );
    }
}
