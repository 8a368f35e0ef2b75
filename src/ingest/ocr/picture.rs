//! Image files (jpg, png, bmp, tiff with every page of a multi-page one) → passages, one per
//! OCR line, each located at its page, line and box.
//!
//! Decoding is bounded before it allocates: the declared size is checked against
//! [`MAX_PIXELS`] first, and the decoders get the same bound as [`image::Limits`] (a 1 KB PNG
//! may declare 100 000 × 100 000 pixels). Pages are decoded and read one at a time, so a
//! 200-page TIFF holds one page in memory.

use super::{OcrMode, engine, ink, page_passages, read_error, read_page_cached};
use crate::ingest::{Extracted, ReadContext, ReadError};
use image::GrayImage;
use std::io::Cursor;

/// Largest page decoded, in pixels: an A3 page at 600 dpi is 70 million.
pub const MAX_PIXELS: u64 = 100_000_000;

/// Reads an image file by OCR. `needs_ocr` when OCR is off or no engine is installed (the
/// message names `tools/setup-parts.sh`), or when OCR found nothing legible.
pub(crate) fn read(bytes: &[u8], ctx: &ReadContext) -> Result<Extracted, ReadError> {
    if ctx.limits.ocr == OcrMode::Off {
        return Err(ReadError::NeedsOcr(
            "需要 OCR：图片文件没有文字层，且 OCR 已关闭（--ocr off） (image file: no text layer, and OCR is off)".into(),
        ));
    }
    let engine = engine(ctx.limits.ocr_engine).map_err(|e| {
        ReadError::NeedsOcr(format!(
            "需要 OCR：图片文件没有文字层 (image file: no text layer)；{e}"
        ))
    })?;
    let deadline = ctx.deadline();
    let mut out = Extracted::default();
    let mut pages = 0u32;
    let mut read_one = |page: u32, image: GrayImage| -> Result<(), ReadError> {
        pages = page;
        ctx.check_time()?;
        let text = read_page_cached(engine, &image, deadline, ctx.limits.ocr_cache.as_deref())
            .map_err(|e| read_error(e, page, ctx))?;
        out.passages
            .extend(page_passages(page, text, &mut out.notes));
        Ok(())
    };
    let walked = if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        tiff_pages(bytes, ctx, &mut read_one)
    } else {
        decode_one(bytes).and_then(|image| read_one(1, image))
    };
    match walked {
        Ok(()) => {}
        // Keep the pages read so far: the file is limit_exceeded with their text.
        Err(ReadError::LimitExceeded(why)) if !out.passages.is_empty() => {
            out.truncated = Some(why);
        }
        Err(e) => return Err(e),
    }
    out.pages = Some(pages.max(1));
    if out.passages.iter().all(|p| p.normalized.is_empty()) {
        return Err(ReadError::NeedsOcr(format!(
            "图片文件：OCR（{engine}）未识别出可辨认的文字 (image file: OCR found nothing legible)",
            engine = engine.name()
        )));
    }
    Ok(out)
}

fn decoder_limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(100_000);
    limits.max_image_height = Some(100_000);
    // The page at 4 bytes a pixel, and its grey copy.
    limits.max_alloc = Some(MAX_PIXELS * 5);
    limits
}

fn too_big(w: u32, h: u32) -> Option<ReadError> {
    let pixels = u64::from(w) * u64::from(h);
    (pixels > MAX_PIXELS).then(|| {
        ReadError::LimitExceeded(format!(
            "图片为 {w} × {h} 像素，超出 OCR 的 {MAX_PIXELS} 像素限制 (image is {w} × {h} pixels, over the {MAX_PIXELS} pixel limit for OCR)"
        ))
    })
}

fn image_error(e: image::ImageError) -> ReadError {
    use image::ImageError as E;
    match e {
        E::Limits(l) => ReadError::LimitExceeded(format!(
            "图片超出解码限制：{l} (image over a decoding limit)"
        )),
        E::Unsupported(u) => ReadError::Unsupported(format!(
            "不支持的图片格式：{u}；certsift 可读取 jpg、png、tiff 和 bmp (image format not read; certsift reads jpg, png, tiff and bmp)"
        )),
        other => ReadError::Corrupt(format!(
            "图片无法解码：{other} (the image cannot be decoded)"
        )),
    }
}

/// A jpg, png or bmp as grey, transparent areas on white.
pub(crate) fn decode_one(bytes: &[u8]) -> Result<GrayImage, ReadError> {
    let reader = || -> Result<image::ImageReader<Cursor<&[u8]>>, ReadError> {
        let mut reader = image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| {
                ReadError::Corrupt(format!("图片无法读取：{e} (the image cannot be read)"))
            })?;
        reader.limits(decoder_limits());
        Ok(reader)
    };
    let (w, h) = reader()?.into_dimensions().map_err(image_error)?;
    if let Some(refused) = too_big(w, h) {
        return Err(refused);
    }
    let decoded = reader()?.decode().map_err(image_error)?;
    let colour = decoded.color().has_color();
    Ok(match (colour, decoded.color().has_alpha()) {
        (false, false) => decoded.to_luma8(),
        (false, true) => {
            let la = decoded.to_luma_alpha8();
            GrayImage::from_fn(la.width(), la.height(), |x, y| {
                let [l, a] = la.get_pixel(x, y).0;
                on_white(l, a)
            })
        }
        (true, false) => {
            let rgb = decoded.to_rgb8();
            let (w, h) = rgb.dimensions();
            GrayImage::from_raw(w, h, ink::rgb_to_grey(rgb.as_raw()))
                .unwrap_or_else(|| decoded.to_luma8())
        }
        (true, true) => {
            let rgba = decoded.to_rgba8();
            GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
                let [r, g, b, a] = rgba.get_pixel(x, y).0;
                on_white(ink::grey(r, g, b), a)
            })
        }
    })
}

/// A grey value with alpha `a`, laid on white paper.
fn on_white(grey: u8, a: u8) -> image::Luma<u8> {
    let (l, a) = (u32::from(grey), u32::from(a));
    image::Luma([((l * a + 255 * (255 - a)) / 255) as u8])
}

/// Every page of a TIFF, in order, to `each` (1-based page numbers), at most `max_pages`.
fn tiff_pages(
    bytes: &[u8],
    ctx: &ReadContext,
    each: &mut dyn FnMut(u32, GrayImage) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let corrupt = |e: tiff::TiffError| match e {
        tiff::TiffError::LimitsExceeded => ReadError::LimitExceeded(
            "TIFF 页面超出解码限制 (TIFF page over a decoding limit)".into(),
        ),
        tiff::TiffError::UnsupportedError(u) => ReadError::Unsupported(format!(
            "不支持的 TIFF 类型：{u}；certsift 可读取灰度、黑白（含 CCITT G4）和 RGB 页面 (TIFF variant not read; certsift reads grey, bilevel and RGB pages)"
        )),
        other => ReadError::Corrupt(format!(
            "TIFF 无法解码：{other} (the TIFF cannot be decoded)"
        )),
    };
    let mut limits = tiff::decoder::Limits::default();
    limits.decoding_buffer_size = usize::try_from(MAX_PIXELS * 4).unwrap_or(usize::MAX);
    let mut decoder = tiff::decoder::Decoder::new(Cursor::new(bytes))
        .map_err(corrupt)?
        .with_limits(limits);
    let mut page = 0u32;
    loop {
        page += 1;
        if page > ctx.limits.max_pages {
            return Err(ReadError::LimitExceeded(format!(
                "超过 {max} 页的限制，其余未读取 (more than {max} pages; the rest was not read)",
                max = ctx.limits.max_pages
            )));
        }
        let (w, h) = decoder.dimensions().map_err(corrupt)?;
        if let Some(refused) = too_big(w, h) {
            return Err(refused);
        }
        let color = decoder.colortype().map_err(corrupt)?;
        let data = decoder.read_image().map_err(corrupt)?;
        each(page, tiff_grey(w, h, color, data)?)?;
        if !decoder.more_images() {
            return Ok(());
        }
        decoder.next_image().map_err(corrupt)?;
    }
}

/// A decoded TIFF page as grey (RGB by [`ink::grey`], CMYK as printed).
fn tiff_grey(
    w: u32,
    h: u32,
    color: tiff::ColorType,
    data: tiff::decoder::DecodingResult,
) -> Result<GrayImage, ReadError> {
    use tiff::ColorType as C;
    use tiff::decoder::DecodingResult as D;
    let n = (w as usize) * (h as usize);
    let luma = |r: u32, g: u32, b: u32| ink::grey(r as u8, g as u8, b as u8);
    let grey: Option<Vec<u8>> = match (color, data) {
        (C::Gray(8), D::U8(v)) => Some(v),
        (C::Gray(16), D::U16(v)) => Some(v.iter().map(|p| (p >> 8) as u8).collect()),
        (C::Gray(1), D::U8(v)) => {
            // Rows are packed MSB first and padded to a byte.
            let stride = (w as usize).div_ceil(8);
            Some(
                (0..n)
                    .map(|i| {
                        let (x, y) = (i % w as usize, i / w as usize);
                        let byte = v.get(y * stride + x / 8).copied().unwrap_or(0);
                        if byte & (0x80 >> (x % 8)) != 0 {
                            255
                        } else {
                            0
                        }
                    })
                    .collect(),
            )
        }
        (C::GrayA(8), D::U8(v)) => Some(v.chunks_exact(2).map(|p| p[0]).collect()),
        (C::RGB(8), D::U8(v)) => Some(
            v.chunks_exact(3)
                .map(|p| luma(p[0].into(), p[1].into(), p[2].into()))
                .collect(),
        ),
        (C::RGBA(8), D::U8(v)) => Some(
            v.chunks_exact(4)
                .map(|p| luma(p[0].into(), p[1].into(), p[2].into()))
                .collect(),
        ),
        (C::RGB(16), D::U16(v)) => Some(
            v.chunks_exact(3)
                .map(|p| luma((p[0] >> 8).into(), (p[1] >> 8).into(), (p[2] >> 8).into()))
                .collect(),
        ),
        (C::CMYK(8), D::U8(v)) => Some(
            v.chunks_exact(4)
                .map(|p| {
                    let ink = |c: u8| (255 - u32::from(c)) * (255 - u32::from(p[3])) / 255;
                    luma(ink(p[0]), ink(p[1]), ink(p[2]))
                })
                .collect(),
        ),
        _ => None,
    };
    let Some(grey) = grey else {
        return Err(ReadError::Unsupported(format!(
            "不支持的 TIFF 颜色类型 {color:?}；certsift 可读取灰度、黑白和 RGB 页面 (TIFF colour type {color:?} not read; certsift reads grey, bilevel and RGB pages)"
        )));
    };
    GrayImage::from_raw(w, h, grey).ok_or_else(|| {
        ReadError::Corrupt(
            "TIFF 页面的像素少于其标称尺寸 (the TIFF page holds fewer pixels than its size says)"
                .into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Limits;

    fn encode(img: &GrayImage, format: image::ImageFormat) -> Vec<u8> {
        let mut bytes = Cursor::new(Vec::new());
        img.write_to(&mut bytes, format).expect("encode");
        bytes.into_inner()
    }

    #[test]
    fn png_bmp_and_jpeg_decode_to_grey() {
        let img = GrayImage::from_fn(40, 30, |x, _| image::Luma([(x * 6) as u8]));
        for format in [
            image::ImageFormat::Png,
            image::ImageFormat::Bmp,
            image::ImageFormat::Jpeg,
        ] {
            let grey = decode_one(&encode(&img, format)).expect("decodes");
            assert_eq!(grey.dimensions(), (40, 30), "{format:?}");
        }
    }

    #[test]
    fn a_huge_declared_size_is_refused_before_decoding() {
        // A valid PNG header declaring 60000 × 60000 pixels, and no pixel data.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&60_000u32.to_be_bytes());
        png.extend_from_slice(&60_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 0, 0, 0, 0]);
        let crc = crc32(&png[12..]);
        png.extend_from_slice(&crc.to_be_bytes());
        // An empty IDAT and IEND, so the header is all the decoder reads.
        for chunk in [&b"IDAT"[..], b"IEND"] {
            png.extend_from_slice(&0u32.to_be_bytes());
            png.extend_from_slice(chunk);
            png.extend_from_slice(&crc32(chunk).to_be_bytes());
        }
        match decode_one(&png) {
            Err(ReadError::LimitExceeded(why)) => assert!(why.contains("pixel limit"), "{why}"),
            other => panic!("expected limit_exceeded, got {other:?}"),
        }
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn junk_is_corrupt_and_ocr_off_is_needs_ocr() {
        assert!(matches!(
            decode_one(b"\x89PNG\r\n\x1a\nnot really"),
            Err(ReadError::Corrupt(_))
        ));
        let off = ReadContext::new(Limits {
            ocr: OcrMode::Off,
            ..Limits::default()
        });
        match read(b"\x89PNG\r\n\x1a\n", &off) {
            Err(ReadError::NeedsOcr(why)) => assert!(why.contains("--ocr off"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bilevel_tiff_rows_unpack() {
        // 10 × 2, first row all white, second black but for the last pixel.
        let data = tiff::decoder::DecodingResult::U8(vec![0xFF, 0xC0, 0x00, 0x40]);
        let grey = tiff_grey(10, 2, tiff::ColorType::Gray(1), data).expect("grey");
        assert_eq!(grey.get_pixel(9, 0).0, [255]);
        assert_eq!(grey.get_pixel(0, 1).0, [0]);
        assert_eq!(grey.get_pixel(9, 1).0, [255]);
    }
}
