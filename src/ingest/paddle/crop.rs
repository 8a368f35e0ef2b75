//! Cutting a detected box out of the page, upright, and packing crops into model tensors.
//!
//! A box is a rotated rectangle; it is sampled straight to the recogniser's height (48 px) with
//! bilinear interpolation along its own axes, so a tilted line comes out level with no second
//! resize.

use super::geometry::Quad;
use image::GrayImage;

/// Height the PP-OCRv4 recogniser and the angle classifier take.
pub const LINE_HEIGHT: u32 = 48;

/// Widest crop made, in pixels at [`LINE_HEIGHT`]: a 60:1 line is already a whole page width.
const MAX_WIDTH: u32 = 48 * 60;

/// Samples `quad` from `image` into an upright crop `LINE_HEIGHT` high, its width keeping the
/// box's aspect ratio. Points outside the page read as white (paper).
pub fn crop_line(image: &GrayImage, quad: &Quad) -> GrayImage {
    let (bw, bh) = (quad.width().max(1.0), quad.height().max(1.0));
    let out_h = LINE_HEIGHT;
    let out_w = ((bw / bh * out_h as f32).round() as u32).clamp(1, MAX_WIDTH);
    let [tl, tr, _, bl] = quad.corners;
    let mut out = GrayImage::new(out_w, out_h);
    for oy in 0..out_h {
        let v = (oy as f32 + 0.5) / out_h as f32;
        for ox in 0..out_w {
            let u = (ox as f32 + 0.5) / out_w as f32;
            let x = tl.x + u * (tr.x - tl.x) + v * (bl.x - tl.x);
            let y = tl.y + u * (tr.y - tl.y) + v * (bl.y - tl.y);
            out.put_pixel(ox, oy, image::Luma([bilinear(image, x - 0.5, y - 0.5)]));
        }
    }
    out
}

fn bilinear(image: &GrayImage, x: f32, y: f32) -> u8 {
    let (w, h) = image.dimensions();
    let at = |xi: i64, yi: i64| -> f32 {
        if xi < 0 || yi < 0 || xi >= w as i64 || yi >= h as i64 {
            255.0
        } else {
            image.get_pixel(xi as u32, yi as u32).0[0] as f32
        }
    };
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (xi, yi) = (x0 as i64, y0 as i64);
    let top = at(xi, yi) * (1.0 - fx) + at(xi + 1, yi) * fx;
    let bottom = at(xi, yi + 1) * (1.0 - fx) + at(xi + 1, yi + 1) * fx;
    (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8
}

/// The crop turned half a turn (the classifier said it was upside down).
pub fn rotate180(image: &GrayImage) -> GrayImage {
    crate::ingest::ocr::pixels::rotate180(image)
}

/// Packs crops into an `n × 3 × 48 × width` tensor: each crop resized to `width` at most
/// (keeping its ratio), normalised to `(v/255 − 0.5)/0.5`, right-padded with zeros as PP-OCR
/// does.
pub fn batch_tensor(crops: &[&GrayImage], width: u32) -> Vec<f32> {
    let h = LINE_HEIGHT as usize;
    let w = width as usize;
    let mut data = vec![0.0f32; crops.len() * 3 * h * w];
    for (n, crop) in crops.iter().enumerate() {
        let fitted = fit_width(crop, width);
        let fw = fitted.width() as usize;
        for y in 0..h {
            for x in 0..fw {
                let v = fitted.get_pixel(x as u32, y as u32).0[0] as f32 / 127.5 - 1.0;
                for c in 0..3 {
                    data[((n * 3 + c) * h + y) * w + x] = v;
                }
            }
        }
    }
    data
}

fn fit_width(crop: &GrayImage, width: u32) -> GrayImage {
    if crop.width() <= width && crop.height() == LINE_HEIGHT {
        return crop.clone();
    }
    let ratio = crop.width() as f32 / crop.height().max(1) as f32;
    let w = ((ratio * LINE_HEIGHT as f32).ceil() as u32).clamp(1, width);
    crate::ingest::ocr::pixels::resize(crop, w, LINE_HEIGHT, image::imageops::FilterType::Triangle)
}

#[cfg(test)]
mod tests {
    use super::super::geometry::{Point, RotatedRect};
    use super::*;

    #[test]
    fn a_tilted_box_is_cropped_level() {
        // A dark bar 200 × 20 tilted 5° on white: the crop must be dark in its middle row
        // end to end and white outside the box.
        let mut img = GrayImage::from_pixel(400, 200, image::Luma([255]));
        let rect = RotatedRect {
            center: Point::new(200.0, 100.0),
            w: 200.0,
            h: 20.0,
            angle: 5f32.to_radians(),
        };
        let quad = rect.to_quad();
        let (c, s) = (rect.angle.cos(), rect.angle.sin());
        for y in 0..200u32 {
            for x in 0..400u32 {
                let (dx, dy) = (x as f32 - 200.0, y as f32 - 100.0);
                let (u, v) = (dx * c + dy * s, -dx * s + dy * c);
                if u.abs() < 100.0 && v.abs() < 10.0 {
                    img.put_pixel(x, y, image::Luma([0]));
                }
            }
        }
        let crop = crop_line(&img, &quad);
        assert_eq!(crop.height(), LINE_HEIGHT);
        assert_eq!(crop.width(), 480);
        let mid = LINE_HEIGHT / 2;
        assert!((5..475).all(|x| crop.get_pixel(x, mid).0[0] < 60));
        let big = rect.unclip(2.0).to_quad();
        let loose = crop_line(&img, &big);
        assert!(loose.get_pixel(loose.width() / 2, 1).0[0] > 200);
    }

    #[test]
    fn batch_pads_to_the_width_with_zeros() {
        let a = GrayImage::from_pixel(10, 48, image::Luma([255]));
        let b = GrayImage::from_pixel(300, 48, image::Luma([0]));
        let t = batch_tensor(&[&a, &b], 100);
        assert_eq!(t.len(), 2 * 3 * 48 * 100);
        assert_eq!(t[0], 1.0);
        assert_eq!(t[50], 0.0);
        assert_eq!(t[3 * 48 * 100 + 99], -1.0);
    }
}
