//! Whole-image operations on grey pages, through `image`'s `DynamicImage` methods.
//!
//! Why not `image::imageops` directly: those functions are generic, so they are compiled into
//! this crate, at this crate's optimisation level. In test builds that is none, and resizing a
//! 300-dpi page took longer than the OCR model itself. The `DynamicImage` methods are plain
//! functions of the `image` crate, compiled once with it (optimised in every profile); the copy
//! into a `DynamicImage` is one memcpy.

use image::imageops::FilterType;
use image::{DynamicImage, GrayImage};

/// `image` resized to exactly `width × height` with `filter`.
pub fn resize(image: &GrayImage, width: u32, height: u32, filter: FilterType) -> GrayImage {
    DynamicImage::ImageLuma8(image.clone())
        .resize_exact(width, height, filter)
        .into_luma8()
}

/// `image` shrunk to exactly `width × height` by area averaging (fast, for measuring).
pub fn thumbnail(image: &GrayImage, width: u32, height: u32) -> GrayImage {
    DynamicImage::ImageLuma8(image.clone())
        .thumbnail_exact(width, height)
        .into_luma8()
}

/// `image` turned 90° clockwise.
pub fn rotate90(image: &GrayImage) -> GrayImage {
    DynamicImage::ImageLuma8(image.clone())
        .rotate90()
        .into_luma8()
}

/// `image` turned 180°.
pub fn rotate180(image: &GrayImage) -> GrayImage {
    DynamicImage::ImageLuma8(image.clone())
        .rotate180()
        .into_luma8()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_pixels_as_imageops() {
        let img = GrayImage::from_fn(37, 21, |x, y| image::Luma([((x * 7 + y * 13) % 256) as u8]));
        assert_eq!(rotate90(&img), image::imageops::rotate90(&img));
        assert_eq!(rotate180(&img), image::imageops::rotate180(&img));
        assert_eq!(
            resize(&img, 16, 9, FilterType::Triangle),
            image::imageops::resize(&img, 16, 9, FilterType::Triangle)
        );
        assert_eq!(thumbnail(&img, 9, 5).dimensions(), (9, 5));
    }
}
