//! DB (differentiable binarisation) text detection: the input tensor, and boxes from the
//! probability map.
//!
//! The model maps an image whose sides are multiples of 32 to a same-size map of "this pixel is
//! inside a (shrunk) text region" probabilities. Boxes come from thresholding that map, taking
//! each 8-connected region's minimum-area rectangle, scoring it by the region's mean probability
//! and growing it back by the DB unclip ratio.

use super::geometry::{Point, Quad, RotatedRect, min_area_rect};
use super::split;
use crate::ingest::ocr::pixels::resize;
use image::GrayImage;
use image::imageops::FilterType;

/// Settings of the detector's post-processing; the defaults are PP-OCRv4's.
#[derive(Debug, Clone, PartialEq)]
pub struct DetParams {
    /// Longest side the page is resized to before detection. Larger reads smaller print but
    /// costs quadratically; 1280 keeps 9-point type on a 300-dpi A4 scan above 10 px high.
    pub max_side: u32,
    /// Probability above which a pixel is text.
    pub threshold: f32,
    /// Mean probability a region needs to be kept as a box.
    pub box_threshold: f32,
    /// DB unclip ratio.
    pub unclip_ratio: f32,
    /// Most boxes kept per page (hostile images cannot make the recogniser run forever).
    pub max_boxes: usize,
}

impl Default for DetParams {
    fn default() -> Self {
        DetParams {
            max_side: 1280,
            threshold: 0.3,
            box_threshold: 0.5,
            unclip_ratio: 1.6,
            max_boxes: 1000,
        }
    }
}

/// The detector input: the page resized so both sides are multiples of 32 (at least 32) and the
/// longest at most `max_side`, normalised to `(v/255 − 0.5)/0.5` and repeated over the three
/// channels the model expects (`1 × 3 × h × w`).
pub struct DetInput {
    pub width: u32,
    pub height: u32,
    pub data: Vec<f32>,
}

/// Builds [`DetInput`] from a grey page.
pub fn prepare(image: &GrayImage, max_side: u32) -> DetInput {
    let (w, h) = image.dimensions();
    let longest = w.max(h).max(1) as f32;
    let scale = (max_side as f32 / longest).min(1.0);
    let round32 = |v: u32| {
        let scaled = (v as f32 * scale).round() as u32;
        (scaled.div_ceil(32) * 32).max(32)
    };
    let (rw, rh) = (round32(w), round32(h));
    let resized = resize(image, rw, rh, FilterType::Triangle);
    let plane: Vec<f32> = resized
        .as_raw()
        .iter()
        .map(|&v| v as f32 / 127.5 - 1.0)
        .collect();
    let mut data = Vec::with_capacity(plane.len() * 3);
    for _ in 0..3 {
        data.extend_from_slice(&plane);
    }
    DetInput {
        width: rw,
        height: rh,
        data,
    }
}

/// A detected text box in page pixels, with its DB score.
#[derive(Debug, Clone, PartialEq)]
pub struct DetBox {
    pub quad: Quad,
    pub score: f32,
}

/// Boxes from a `map_w × map_h` probability map, scaled to a `page_w × page_h` page.
pub fn boxes_from_map(
    probs: &[f32],
    map_w: usize,
    map_h: usize,
    page: (u32, u32),
    params: &DetParams,
) -> Vec<DetBox> {
    if map_w == 0 || map_h == 0 || probs.len() < map_w * map_h {
        return Vec::new();
    }
    let mask = dilate(&binarize(probs, params.threshold), map_w, map_h);
    let sx = page.0 as f32 / map_w as f32;
    let sy = page.1 as f32 / map_h as f32;
    let regions = components(&mask, map_w, map_h);
    let rects: Vec<Option<RotatedRect>> = regions.iter().map(|r| region_rect(r, map_w)).collect();
    let line = split::typical_line(&rects);
    let mut out = Vec::new();
    for (region, rect) in regions.into_iter().zip(rects) {
        // A region several lines tall is a line fused with a seal over it (see [`split`]); the
        // pieces it is cut into get their own rectangles.
        let pieces: Vec<(Vec<usize>, Option<RotatedRect>)> = match (&line, rect) {
            (Some(line), Some(rect)) if split::is_tall(&rect, line) => {
                split::split_region(&region, map_w, line)
                    .into_iter()
                    .map(|piece| {
                        let rect = region_rect(&piece, map_w);
                        (piece, rect)
                    })
                    .collect()
            }
            _ => vec![(region, rect)],
        };
        for (piece, rect) in pieces {
            if out.len() >= params.max_boxes {
                return out;
            }
            if let Some(b) = rect.and_then(|rect| region_box(&piece, rect, probs, params)) {
                out.push(DetBox {
                    quad: b.quad.scaled(sx, sy),
                    score: b.score,
                });
            }
        }
    }
    out
}

fn binarize(probs: &[f32], threshold: f32) -> Vec<bool> {
    probs.iter().map(|&p| p > threshold).collect()
}

/// PP-OCR dilates the bitmap with a 2 × 2 kernel so strokes of one word join up.
fn dilate(mask: &[bool], w: usize, h: usize) -> Vec<bool> {
    let mut out = mask.to_vec();
    for y in 0..h {
        for x in 0..w {
            if mask[y * w + x] {
                continue;
            }
            let left = x > 0 && mask[y * w + x - 1];
            let up = y > 0 && mask[(y - 1) * w + x];
            let diag = x > 0 && y > 0 && mask[(y - 1) * w + x - 1];
            out[y * w + x] = left || up || diag;
        }
    }
    out
}

/// 8-connected regions of `mask`, each as the list of its pixel indices, in scan order of
/// their first pixel. Iterative (an explicit stack), so a page-sized region cannot overflow.
pub(super) fn components(mask: &[bool], w: usize, h: usize) -> Vec<Vec<usize>> {
    let mut seen = vec![false; mask.len()];
    let mut regions = Vec::new();
    let mut stack = Vec::new();
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut region = Vec::new();
        while let Some(i) = stack.pop() {
            region.push(i);
            let (x, y) = ((i % w) as isize, (i / w) as isize);
            for dy in -1..=1isize {
                for dx in -1..=1isize {
                    let (nx, ny) = (x + dx, y + dy);
                    if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                        continue;
                    }
                    let j = ny as usize * w + nx as usize;
                    if mask[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        regions.push(region);
    }
    regions
}

/// The box of one region (its rectangle `rect`) in map pixels, or `None` when it is too thin,
/// too faint or too small once grown.
fn region_box(
    region: &[usize],
    rect: RotatedRect,
    probs: &[f32],
    params: &DetParams,
) -> Option<DetBox> {
    if rect.min_side() < 3.0 {
        return None;
    }
    let score = region.iter().map(|&i| probs[i]).sum::<f32>() / region.len() as f32;
    if score < params.box_threshold {
        return None;
    }
    let grown: RotatedRect = rect.unclip(params.unclip_ratio);
    if grown.min_side() < 5.0 {
        return None;
    }
    Some(DetBox {
        quad: grown.to_quad(),
        score,
    })
}

/// The minimum-area rectangle of a region, in map pixels. Each pixel covers the unit square
/// from its corner: the four corners of each pixel are taken, so a one-pixel-wide stroke still
/// has an area.
fn region_rect(region: &[usize], w: usize) -> Option<RotatedRect> {
    let mut points = Vec::with_capacity(region.len() * 4);
    for &i in region {
        let (x, y) = ((i % w) as f32, (i / w) as f32);
        points.extend([
            Point::new(x, y),
            Point::new(x + 1.0, y),
            Point::new(x + 1.0, y + 1.0),
            Point::new(x, y + 1.0),
        ]);
    }
    min_area_rect(&points)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_with(w: usize, h: usize, rects: &[(usize, usize, usize, usize, f32)]) -> Vec<f32> {
        let mut m = vec![0.0f32; w * h];
        for &(x0, y0, x1, y1, p) in rects {
            for y in y0..y1 {
                for x in x0..x1 {
                    m[y * w + x] = p;
                }
            }
        }
        m
    }

    #[test]
    fn prepare_rounds_to_multiples_of_32_within_the_limit() {
        let img = GrayImage::new(2480, 3508);
        let input = prepare(&img, 1280);
        assert_eq!((input.width % 32, input.height % 32), (0, 0));
        assert!(input.height <= 1280 + 31 && input.width < input.height);
        assert_eq!(input.data.len(), 3 * (input.width * input.height) as usize);
        assert_eq!(input.data[0], -1.0);
        let tiny = prepare(&GrayImage::new(5, 3), 1280);
        assert_eq!((tiny.width, tiny.height), (32, 32));
    }

    #[test]
    fn two_regions_give_two_unclipped_boxes_scaled_to_the_page() {
        let (w, h) = (64, 32);
        let probs = map_with(w, h, &[(4, 4, 40, 10, 0.9), (4, 20, 30, 26, 0.8)]);
        let boxes = boxes_from_map(&probs, w, h, (128, 64), &DetParams::default());
        assert_eq!(boxes.len(), 2, "{boxes:?}");
        let first = &boxes[0];
        // Region 36 × 6, 37 × 7 once dilated: the ring dilation adds reads 0 and counts.
        let (rw, rh) = (37.0f32, 7.0f32);
        assert!(
            (first.score - 0.9 * 216.0 / (rw * rh)).abs() < 1e-4,
            "{first:?}"
        );
        // Grown by d = area × 1.6 / perimeter each side, then ×2 to the page.
        let d = rw * rh * 1.6 / (2.0 * (rw + rh));
        assert!(
            (first.quad.width() - 2.0 * (rw + 2.0 * d)).abs() < 0.5,
            "{first:?}"
        );
        assert!(first.quad.center().y < boxes[1].quad.center().y);
    }

    #[test]
    fn faint_and_thin_regions_are_dropped() {
        let (w, h) = (64, 32);
        let probs = map_with(w, h, &[(4, 4, 40, 10, 0.35), (4, 20, 40, 21, 0.95)]);
        assert!(boxes_from_map(&probs, w, h, (64, 32), &DetParams::default()).is_empty());
    }

    #[test]
    fn a_line_fused_with_a_seal_ring_gives_a_box_of_its_own_height() {
        let (w, h) = (200, 200);
        let mut probs = map_with(
            w,
            h,
            &[
                (10, 10, 150, 18, 0.9),
                (10, 30, 150, 38, 0.9),
                (10, 50, 150, 58, 0.9),
            ],
        );
        // The fourth line, crossed by a ring (a seal) centred below its right end.
        for y in 0..h {
            for x in 0..w {
                let d = ((x as f32 - 130.0).powi(2) + (y as f32 - 110.0).powi(2)).sqrt();
                let on_line = (10..150).contains(&x) && (90..98).contains(&y);
                if on_line || (33.0..=40.0).contains(&d) {
                    probs[y * w + x] = 0.9;
                }
            }
        }
        let boxes = boxes_from_map(&probs, w, h, (w as u32, h as u32), &DetParams::default());
        let line_box = boxes
            .iter()
            .find(|b| (b.quad.center().y - 94.0).abs() < 4.0 && b.quad.width() > 130.0)
            .unwrap_or_else(|| panic!("no box for the line under the seal: {boxes:?}"));
        assert!(line_box.quad.height() < 25.0, "{line_box:?}");
    }

    #[test]
    fn a_short_map_is_not_read_past_its_end() {
        assert!(boxes_from_map(&[0.9; 10], 64, 32, (64, 32), &DetParams::default()).is_empty());
    }
}
