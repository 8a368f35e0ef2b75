//! Scanned-page images: PDFs built here with lopdf hold images whose pixels are known (a black
//! rectangle on white), and each test checks that the rectangle lands where the page shows it.
//! The real-world run and the `pdftoppm` comparison skip when their inputs are absent.

use super::*;
use crate::ingest::Limits;
use crate::ingest::test_support::ctx;
use lopdf::{Stream, dictionary};
use std::collections::BTreeMap;
use std::time::Instant;

/// Width and height of the test image, and its black rectangle `(x0, y0, x1, y1)` (pixels,
/// y down, exclusive ends): off-centre so any turn or flip moves it.
const W: u32 = 64;
const H: u32 = 40;
const RECT: (u32, u32, u32, u32) = (4, 6, 20, 14);

fn is_ink(x: u32, y: u32) -> bool {
    let (x0, y0, x1, y1) = RECT;
    (x0..x1).contains(&x) && (y0..y1).contains(&y)
}

/// The test picture, 8-bit grey.
fn picture() -> GrayImage {
    GrayImage::from_fn(W, H, |x, y| {
        image::Luma([if is_ink(x, y) { 0 } else { 255 }])
    })
}

/// A one-page PDF (A4 unless `media` says otherwise) with the given image XObjects drawing
/// `content`; `page_extra` may add keys to the page. Saved and loaded again, as a reader sees it.
fn pdf(
    images: Vec<(&str, Stream)>,
    content: &[u8],
    page_extra: impl FnOnce(&mut lopdf::Document, &mut Dictionary),
) -> (Document, ObjectId) {
    let mut doc = lopdf::Document::with_version("1.5");
    let mut xobjects = Dictionary::new();
    for (name, stream) in images {
        let id = doc.add_object(stream);
        xobjects.set(name, id);
    }
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.to_vec()));
    let pages_id = doc.new_object_id();
    let mut page = dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content_id,
        "Resources" => dictionary! { "XObject" => xobjects },
    };
    page_extra(&mut doc, &mut page);
    let page_id = doc.add_object(page);
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("save");
    let doc = Document::load_mem(&bytes).expect("load");
    let id = *doc.get_pages().get(&1).expect("page 1");
    (doc, id)
}

fn no_extra(_: &mut lopdf::Document, _: &mut Dictionary) {}

fn image_dict(w: u32, h: u32, colour: Object, bpc: i64) -> Dictionary {
    dictionary! {
        "Type" => "XObject", "Subtype" => "Image",
        "Width" => i64::from(w), "Height" => i64::from(h),
        "ColorSpace" => colour, "BitsPerComponent" => bpc,
    }
}

/// `img` as an uncompressed 8-bit DeviceGray image.
fn raw_grey(img: &GrayImage) -> Stream {
    Stream::new(
        image_dict(img.width(), img.height(), "DeviceGray".into(), 8),
        img.as_raw().clone(),
    )
}

/// `img` as 1-bit packed rows, 1 = white (DeviceGray's sense).
fn packed_bits(img: &GrayImage) -> Vec<u8> {
    let row_bytes = img.width().div_ceil(8) as usize;
    let mut out = vec![0u8; row_bytes * img.height() as usize];
    for (x, y, p) in img.enumerate_pixels() {
        if p.0[0] >= 128 {
            out[y as usize * row_bytes + x as usize / 8] |= 0x80 >> (x % 8);
        }
    }
    out
}

/// `img` as a JPEG (grey), by the `image` crate's encoder.
fn jpeg(img: &GrayImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .expect("jpeg");
    out
}

/// `img` thresholded and encoded as CCITT Group 4.
fn g4(img: &GrayImage) -> Vec<u8> {
    use fax::{Color, VecWriter, encoder::Encoder};
    let mut encoder = Encoder::new(VecWriter::new());
    for y in 0..img.height() {
        let pels = (0..img.width()).map(|x| {
            if img.get_pixel(x, y).0[0] < 128 {
                Color::Black
            } else {
                Color::White
            }
        });
        encoder.encode_line(pels, img.width()).expect("encode");
    }
    encoder.finish().expect("finish").finish()
}

/// `img` thresholded and encoded as CCITT Group 3 one-dimensional (Modified Huffman), with an
/// EOL before each row when `eol`, each row byte-aligned when `align`.
fn g3_1d(img: &GrayImage, eol: bool, align: bool) -> Vec<u8> {
    use fax::maps::{black, white};
    let mut bits: Vec<bool> = Vec::new();
    let put = |bits: &mut Vec<bool>, code: fax::Bits| {
        for i in (0..code.len).rev() {
            bits.push(code.data >> i & 1 == 1);
        }
    };
    for y in 0..img.height() {
        // With /EncodedByteAlign, fill bits make each row start on a byte boundary, or each
        // EOL end on one when rows have EOLs.
        while align && !(bits.len() + if eol { 12 } else { 0 }).is_multiple_of(8) {
            bits.push(false);
        }
        if eol {
            put(&mut bits, fax::Bits { data: 1, len: 12 });
        }
        let mut runs = Vec::new();
        let (mut colour_black, mut run) = (false, 0u32);
        for x in 0..img.width() {
            let black = img.get_pixel(x, y).0[0] < 128;
            if black != colour_black {
                runs.push(run);
                run = 0;
                colour_black = black;
            }
            run += 1;
        }
        runs.push(run);
        for (i, mut n) in runs.into_iter().enumerate() {
            let encode = if i % 2 == 0 {
                white::encode
            } else {
                black::encode
            };
            while n >= 2560 {
                put(&mut bits, encode(2560).expect("code"));
                n -= 2560;
            }
            if n >= 64 {
                put(&mut bits, encode((n / 64 * 64) as u16).expect("code"));
                n %= 64;
            }
            put(&mut bits, encode(n as u16).expect("code"));
        }
    }
    while !bits.len().is_multiple_of(8) {
        bits.push(false);
    }
    bits.chunks(8)
        .map(|b| b.iter().fold(0u8, |acc, &v| acc << 1 | u8::from(v)))
        .collect()
}

/// Rows `Up`-predicted (PNG filter 2) and deflated: `/FlateDecode` with `/Predictor 15`.
fn flate_png_predicted(img: &GrayImage) -> Stream {
    let w = img.width() as usize;
    let mut predicted = Vec::new();
    let raw = img.as_raw();
    for (y, row) in raw.chunks(w).enumerate() {
        predicted.push(2u8);
        for (x, v) in row.iter().enumerate() {
            let above = if y == 0 { 0 } else { raw[(y - 1) * w + x] };
            predicted.push(v.wrapping_sub(above));
        }
    }
    let mut s = Stream::new(
        image_dict(img.width(), img.height(), "DeviceGray".into(), 8),
        predicted,
    );
    s.compress().expect("compress");
    assert!(s.dict.get(b"Filter").is_ok(), "compressible");
    s.dict.set(
        "DecodeParms",
        dictionary! { "Predictor" => 15, "Colors" => 1, "BitsPerComponent" => 8, "Columns" => i64::from(img.width()) },
    );
    s
}

/// Asserts that `img` is the test picture turned by `expect` (a function from the upright
/// picture's pixel to where it must appear), within `tolerance` grey levels.
fn assert_picture(img: &GrayImage, expect: impl Fn(u32, u32) -> (u32, u32), tolerance: u8) {
    let mut wrong = 0;
    for y in 0..H {
        for x in 0..W {
            let (ex, ey) = expect(x, y);
            let want: u8 = if is_ink(x, y) { 0 } else { 255 };
            let got = img.get_pixel(ex, ey).0[0];
            if got.abs_diff(want) > tolerance {
                wrong += 1;
            }
        }
    }
    assert_eq!(wrong, 0, "{wrong} pixels differ from the picture");
}

fn upright(x: u32, y: u32) -> (u32, u32) {
    (x, y)
}

/// The page's one image (asserting there is exactly one).
fn only_image(doc: &Document, id: ObjectId) -> PageImage {
    let mut images = page_images(doc, id, &ctx()).expect("images");
    assert_eq!(images.len(), 1);
    images.remove(0)
}

/// The image drawn 1 pt per pixel at the top-left of an A4 page, upright.
const PLACE_UPRIGHT: &[u8] = b"q 64 0 0 40 100 700 cm /Im1 Do Q";

#[test]
fn dct_grey_image_decodes_with_its_rectangle_and_dpi() {
    let mut s = Stream::new(
        image_dict(W, H, "DeviceGray".into(), 8),
        jpeg(&picture(), 95),
    );
    s.dict.set("Filter", "DCTDecode");
    let (doc, id) = pdf(vec![("Im1", s)], PLACE_UPRIGHT, no_extra);
    let img = only_image(&doc, id);
    assert_eq!(img.image.dimensions(), (W, H));
    assert_picture(&img.image, upright, 40);
    assert_eq!(img.dpi, Some(72.0));
}

#[test]
fn flate_grey_with_png_predictor_decodes_exactly() {
    let (doc, id) = pdf(
        vec![("Im1", flate_png_predicted(&picture()))],
        PLACE_UPRIGHT,
        no_extra,
    );
    assert_picture(&only_image(&doc, id).image, upright, 0);
}

#[test]
fn ccitt_g4_bilevel_stays_native_and_0_255() {
    let mut s = Stream::new(image_dict(W, H, "DeviceGray".into(), 1), g4(&picture()));
    s.dict.set("Filter", "CCITTFaxDecode");
    s.dict.set(
        "DecodeParms",
        dictionary! { "K" => -1, "Columns" => i64::from(W), "Rows" => i64::from(H) },
    );
    // Placed at 300 dpi: the image is returned at its own 64×40, not resampled.
    let content = b"q 15.36 0 0 9.6 100 700 cm /Im1 Do Q";
    let (doc, id) = pdf(vec![("Im1", s)], content, no_extra);
    let img = only_image(&doc, id);
    assert_eq!(img.image.dimensions(), (W, H));
    assert!(img.image.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255));
    assert_picture(&img.image, upright, 0);
    let dpi = img.dpi.expect("dpi");
    assert!((dpi - 300.0).abs() < 0.5, "{dpi}");
}

#[test]
fn ccitt_black_is_1_and_decode_inversion_cancel_out() {
    // BlackIs1 makes black pixels 1 bits, which DeviceGray shows white; /Decode [1 0] turns
    // them black again: the picture as drawn.
    let mut s = Stream::new(image_dict(W, H, "DeviceGray".into(), 1), g4(&picture()));
    s.dict.set("Filter", "CCITTFaxDecode");
    s.dict.set(
        "DecodeParms",
        dictionary! { "K" => -1, "Columns" => i64::from(W), "BlackIs1" => true },
    );
    s.dict.set("Decode", vec![1.into(), 0.into()]);
    let (doc, id) = pdf(vec![("Im1", s)], PLACE_UPRIGHT, no_extra);
    assert_picture(&only_image(&doc, id).image, upright, 0);
}

#[test]
fn ccitt_g3_one_dimensional_with_and_without_eol_and_alignment() {
    for (eol, align) in [(false, false), (true, false), (false, true), (true, true)] {
        let mut s = Stream::new(
            image_dict(W, H, "DeviceGray".into(), 1),
            g3_1d(&picture(), eol, align),
        );
        s.dict.set("Filter", "CCITTFaxDecode");
        s.dict.set(
            "DecodeParms",
            dictionary! { "K" => 0, "Columns" => i64::from(W), "EncodedByteAlign" => align, "EndOfLine" => eol },
        );
        let (doc, id) = pdf(vec![("Im1", s)], PLACE_UPRIGHT, no_extra);
        assert_picture(&only_image(&doc, id).image, upright, 0);
    }
}

#[test]
fn ccitt_g3_two_dimensional_is_a_clear_unsupported() {
    let mut s = Stream::new(image_dict(W, H, "DeviceGray".into(), 1), vec![0; 64]);
    s.dict.set("Filter", "CCITTFaxDecode");
    s.dict.set(
        "DecodeParms",
        dictionary! { "K" => 4, "Columns" => i64::from(W) },
    );
    let (doc, id) = pdf(vec![("Im1", s)], PLACE_UPRIGHT, no_extra);
    match page_images(&doc, id, &ctx()) {
        Err(ReadError::Unsupported(m)) => assert!(m.contains("Group 3"), "{m}"),
        other => panic!("expected Unsupported, got {:?}", other.map(|v| v.len())),
    }
}

#[test]
fn raw_one_bit_image_mask_paints_zero_bits() {
    // An image mask: 0 bits paint (black), 1 bits leave the page white.
    let bits = packed_bits(&picture());
    let s = Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => i64::from(W),
        "Height" => i64::from(H), "ImageMask" => true },
        bits,
    );
    let (doc, id) = pdf(vec![("Im1", s)], PLACE_UPRIGHT, no_extra);
    assert_picture(&only_image(&doc, id).image, upright, 0);
}

#[test]
fn indexed_image_looks_up_its_palette() {
    // Palette: 0 = white, 1 = pure red, 2 = black; ink pixels use 2, a band uses 1.
    let palette = vec![255, 255, 255, 255, 0, 0, 0, 0, 0];
    let indices: Vec<u8> = (0..H)
        .flat_map(|y| (0..W).map(move |x| if is_ink(x, y) { 2 } else { 0 }))
        .collect();
    let mut with_red = indices.clone();
    with_red[(H as usize - 1) * W as usize] = 1;
    let cs = Object::Array(vec![
        "Indexed".into(),
        "DeviceRGB".into(),
        2.into(),
        Object::String(palette, lopdf::StringFormat::Hexadecimal),
    ]);
    let s = Stream::new(image_dict(W, H, cs, 8), with_red);
    let (doc, id) = pdf(vec![("Im1", s)], PLACE_UPRIGHT, no_extra);
    let img = only_image(&doc, id).image;
    assert_eq!(
        img.get_pixel(0, H - 1).0[0],
        crate::ingest::ocr::ink::grey(255, 0, 0),
        "red, lightened as seal ink"
    );
    let mut fixed = img.clone();
    fixed.put_pixel(0, H - 1, image::Luma([255]));
    assert_picture(&fixed, upright, 0);
}

#[test]
fn rgb_cmyk_and_icc_based_become_luma() {
    let rgb: Vec<u8> = (0..W * H)
        .flat_map(|i| {
            let (x, y) = (i % W, i / W);
            if is_ink(x, y) {
                [0, 0, 0]
            } else {
                [255, 255, 255]
            }
        })
        .collect();
    let cmyk: Vec<u8> = (0..W * H)
        .flat_map(|i| {
            let (x, y) = (i % W, i / W);
            if is_ink(x, y) {
                [0, 0, 0, 255]
            } else {
                [0, 0, 0, 0]
            }
        })
        .collect();
    for (colour, data) in [
        (Object::from("DeviceRGB"), rgb.clone()),
        (Object::from("DeviceCMYK"), cmyk),
        (Object::from("ICCBased"), rgb),
    ] {
        let icc = colour.as_name().is_ok_and(|n| n == b"ICCBased");
        let (doc, id) = pdf(vec![], PLACE_UPRIGHT, |doc, page| {
            let cs = if icc {
                let profile = doc.add_object(Stream::new(dictionary! { "N" => 3 }, vec![0; 16]));
                Object::Array(vec!["ICCBased".into(), profile.into()])
            } else {
                colour.clone()
            };
            let im = doc.add_object(Stream::new(image_dict(W, H, cs, 8), data.clone()));
            page.set(
                "Resources",
                dictionary! { "XObject" => dictionary! { "Im1" => im } },
            );
        });
        assert_picture(&only_image(&doc, id).image, upright, 0);
    }
}

#[test]
fn four_bit_grey_and_decode_inversion() {
    // 4-bit grey with /Decode [1 0]: ink pixels are stored as 15 (white before inversion).
    let row_bytes = W.div_ceil(2) as usize;
    let mut data = vec![0u8; row_bytes * H as usize];
    for y in 0..H {
        for x in 0..W {
            let v: u8 = if is_ink(x, y) { 15 } else { 0 };
            data[y as usize * row_bytes + x as usize / 2] |= if x % 2 == 0 { v << 4 } else { v };
        }
    }
    let mut s = Stream::new(image_dict(W, H, "DeviceGray".into(), 4), data);
    s.dict.set("Decode", vec![1.into(), 0.into()]);
    let (doc, id) = pdf(vec![("Im1", s)], PLACE_UPRIGHT, no_extra);
    assert_picture(&only_image(&doc, id).image, upright, 0);
}

#[test]
fn an_image_placed_a_quarter_turn_comes_out_as_the_page_shows_it() {
    // `0 64 -40 0 tx ty cm`: image x runs up the page, image rows run right: the picture
    // is turned a quarter counter-clockwise on the page.
    let content = b"q 0 64 -40 0 300 500 cm /Im1 Do Q";
    let (doc, id) = pdf(vec![("Im1", raw_grey(&picture()))], content, no_extra);
    let img = only_image(&doc, id);
    assert_eq!(img.image.dimensions(), (H, W));
    assert_picture(&img.image, |x, y| (y, W - 1 - x), 0);
    assert_eq!(img.dpi, Some(72.0));
}

#[test]
fn a_page_rotated_90_turns_its_image_clockwise() {
    let (doc, id) = pdf(
        vec![("Im1", raw_grey(&picture()))],
        PLACE_UPRIGHT,
        |_, page| {
            page.set("Rotate", 90);
        },
    );
    let img = only_image(&doc, id);
    assert_eq!(img.image.dimensions(), (H, W));
    assert_picture(&img.image, |x, y| (H - 1 - y, x), 0);
}

#[test]
fn a_flipped_placement_shows_as_on_the_page() {
    // `64 0 0 -40` draws row 0 at the bottom: the page shows the picture upside down.
    let content = b"q 64 0 0 -40 100 740 cm /Im1 Do Q";
    let (doc, id) = pdf(vec![("Im1", raw_grey(&picture()))], content, no_extra);
    assert_picture(&only_image(&doc, id).image, |x, y| (x, H - 1 - y), 0);
}

#[test]
fn a_full_page_scan_is_the_scan_of_the_page() {
    // The picture stretched over the whole A4 page, with a small logo on top.
    let content = b"q 595 0 0 842 0 0 cm /Im1 Do Q q 20 0 0 20 10 10 cm /Logo Do Q";
    let logo = raw_grey(&GrayImage::from_pixel(4, 4, image::Luma([0])));
    let (doc, id) = pdf(
        vec![("Im1", raw_grey(&picture())), ("Logo", logo)],
        content,
        no_extra,
    );
    let scan = scan_of_page(&doc, id, &ctx()).expect("scan").expect("some");
    assert_eq!(scan.image.dimensions(), (W, H));
    assert_eq!(page_images(&doc, id, &ctx()).expect("images").len(), 2);
}

#[test]
fn two_bands_are_composited_at_their_placements() {
    // The picture cut into a top and a bottom band at row 10 (through the rectangle), drawn
    // 2 pt per pixel, bottom band first.
    let pic = picture();
    let top = image::imageops::crop_imm(&pic, 0, 0, W, 10).to_image();
    let bottom = image::imageops::crop_imm(&pic, 0, 10, W, H - 10).to_image();
    let content = format!(
        "q {w} 0 0 {hb} 0 0 cm /Bottom Do Q q {w} 0 0 {ht} 0 {hb} cm /Top Do Q",
        w = 2 * W,
        hb = 2 * (H - 10),
        ht = 2 * 10
    );
    let (doc, id) = pdf(
        vec![("Top", raw_grey(&top)), ("Bottom", raw_grey(&bottom))],
        content.as_bytes(),
        |_, page| {
            let size = vec![
                0.into(),
                0.into(),
                i64::from(2 * W).into(),
                i64::from(2 * H).into(),
            ];
            page.set("MediaBox", size);
        },
    );
    let scan = scan_of_page(&doc, id, &ctx()).expect("scan").expect("some");
    assert_eq!(scan.image.dimensions(), (W, H));
    assert_picture(&scan.image, upright, 0);
    assert_eq!(scan.dpi, Some(36.0));
}

#[test]
fn a_small_picture_on_a_text_page_is_no_scan() {
    let (doc, id) = pdf(vec![("Im1", raw_grey(&picture()))], PLACE_UPRIGHT, no_extra);
    assert!(scan_of_page(&doc, id, &ctx()).expect("ok").is_none());
    let (doc, id) = pdf(vec![], b"BT ET", no_extra);
    assert!(scan_of_page(&doc, id, &ctx()).expect("ok").is_none());
}

#[test]
fn jbig2_and_jpx_scans_are_a_clear_unsupported() {
    for (filter, words) in [("JBIG2Decode", "JBIG2"), ("JPXDecode", "JPEG 2000")] {
        let mut s = Stream::new(image_dict(2480, 3508, "DeviceGray".into(), 1), vec![0; 100]);
        s.dict.set("Filter", filter);
        let content = b"q 595 0 0 842 0 0 cm /Im1 Do Q";
        let (doc, id) = pdf(vec![("Im1", s)], content, no_extra);
        match scan_of_page(&doc, id, &ctx()) {
            Err(ReadError::Unsupported(m)) => assert!(m.contains(words), "{m}"),
            other => panic!(
                "{filter}: expected Unsupported, got {:?}",
                other.map(|o| o.is_some())
            ),
        }
    }
}

#[test]
fn a_huge_declared_size_is_refused_before_allocating() {
    let s = Stream::new(
        image_dict(200_000, 200_000, "DeviceRGB".into(), 8),
        vec![0; 10],
    );
    let (doc, id) = pdf(vec![("Im1", s)], PLACE_UPRIGHT, no_extra);
    let started = Instant::now();
    match page_images(&doc, id, &ctx()) {
        Err(ReadError::LimitExceeded(m)) => assert!(m.contains("Mpx"), "{m}"),
        other => panic!("expected LimitExceeded, got {:?}", other.map(|v| v.len())),
    }
    assert!(started.elapsed().as_millis() < 500);
}

#[test]
fn short_data_is_padded_white_from_half_the_rows_and_refused_below() {
    let pic = picture();
    let (w, h) = (W as usize, H as usize);
    // Three quarters of the rows: decoded, the rest white.
    let cut = pic.as_raw()[..w * h * 3 / 4].to_vec();
    let s = Stream::new(image_dict(W, H, "DeviceGray".into(), 8), cut);
    let (doc, id) = pdf(vec![("Im1", s)], PLACE_UPRIGHT, no_extra);
    let img = only_image(&doc, id).image;
    assert_picture(&img, upright, 0);
    // A quarter: corrupt.
    let cut = pic.as_raw()[..w * h / 4].to_vec();
    let s = Stream::new(image_dict(W, H, "DeviceGray".into(), 8), cut);
    let (doc, id) = pdf(vec![("Im1", s)], PLACE_UPRIGHT, no_extra);
    match page_images(&doc, id, &ctx()) {
        Err(ReadError::Corrupt(m)) => assert!(m.contains("10 of its 40 rows"), "{m}"),
        other => panic!("expected Corrupt, got {:?}", other.map(|v| v.len())),
    }
}

#[test]
fn images_in_forms_are_found_and_form_cycles_stop() {
    let (doc, id) = pdf(vec![], b"/Fm1 Do", |doc, page| {
        let im = doc.add_object(raw_grey(&picture()));
        let form_id = doc.new_object_id();
        let form = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                "Matrix" => vec![1.into(), 0.into(), 0.into(), 1.into(), 100.into(), 700.into()],
                "Resources" => dictionary! { "XObject" => dictionary! { "Im1" => im, "Fm1" => form_id } },
            },
            b"q 64 0 0 40 0 0 cm /Im1 Do Q /Fm1 Do".to_vec(),
        );
        doc.objects.insert(form_id, Object::Stream(form));
        page.set(
            "Resources",
            dictionary! { "XObject" => dictionary! { "Fm1" => form_id } },
        );
    });
    let page = placements(&doc, id, &ctx()).expect("placements");
    assert_eq!(page.placed.len(), 1, "drawn once: the cycle is cut");
    assert_eq!(page.placed[0].ctm, [64.0, 0.0, 0.0, 40.0, 100.0, 700.0]);
    assert_picture(&only_image(&doc, id).image, upright, 0);
}

#[test]
fn inline_images_are_decoded() {
    let mut content = b"q 64 0 0 40 100 700 cm BI /W 64 /H 40 /CS /G /BPC 8 ID ".to_vec();
    content.extend_from_slice(picture().as_raw());
    content.extend_from_slice(b"\nEI Q");
    let (doc, id) = pdf(vec![], &content, no_extra);
    assert_picture(&only_image(&doc, id).image, upright, 0);
}

#[test]
fn a_spent_time_limit_stops_decoding() {
    let (doc, id) = pdf(vec![("Im1", raw_grey(&picture()))], PLACE_UPRIGHT, no_extra);
    let spent = ReadContext::new(Limits {
        max_file_time: std::time::Duration::ZERO,
        ..Limits::default()
    });
    std::thread::sleep(std::time::Duration::from_millis(2));
    assert!(matches!(
        page_images(&doc, id, &spent),
        Err(ReadError::LimitExceeded(_))
    ));
}

/// A text-like 300-dpi A4 page (2480×3508): lines of glyph-sized blocks with strokes, so that
/// codecs see a realistic number of edges.
fn synthetic_scan() -> GrayImage {
    let mut seed = 0x2545_f491_u32;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    let mut img = GrayImage::from_pixel(2480, 3508, image::Luma([255]));
    for line in 0..60u32 {
        let top = 200 + line * 52;
        for glyph in 0..70u32 {
            let left = 150 + glyph * 31;
            let strokes = next() % 5 + 2;
            for _ in 0..strokes {
                let (horizontal, at) = (next() % 2 == 0, next() % 26);
                for t in 0..26 {
                    for thick in 0..3 {
                        let (x, y) = if horizontal {
                            (left + t, top + (at + thick).min(29))
                        } else {
                            (left + (at + thick).min(29), top + t)
                        };
                        img.put_pixel(x, y, image::Luma([0]));
                    }
                }
            }
        }
    }
    img
}

/// Decode time per 300-dpi page by filter on the synthetic page (informational; the figures
/// to quote come from `cargo test --release`).
#[test]
fn synthetic_300_dpi_scan_decode_times() {
    let page = synthetic_scan();
    let place = b"q 595.2 0 0 841.92 0 0 cm /Im1 Do Q";
    let mut g4s = Stream::new(image_dict(2480, 3508, "DeviceGray".into(), 1), g4(&page));
    g4s.dict.set("Filter", "CCITTFaxDecode");
    g4s.dict
        .set("DecodeParms", dictionary! { "K" => -1, "Columns" => 2480 });
    let mut dct = Stream::new(
        image_dict(2480, 3508, "DeviceGray".into(), 8),
        jpeg(&page, 75),
    );
    dct.dict.set("Filter", "DCTDecode");
    let mut flate_bits = Stream::new(
        image_dict(2480, 3508, "DeviceGray".into(), 1),
        packed_bits(&page),
    );
    flate_bits.compress().expect("compress");
    let cases = [
        ("CCITT G4 1-bit", g4s),
        ("DCT grey", dct),
        ("Flate grey + PNG predictor", flate_png_predicted(&page)),
        ("Flate 1-bit", flate_bits),
    ];
    for (what, stream) in cases {
        let bytes = stream.content.len();
        let (doc, id) = pdf(vec![("Im1", stream)], place, no_extra);
        let started = Instant::now();
        let scan = scan_of_page(&doc, id, &ctx()).expect("scan").expect("some");
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let ink = scan.image.pixels().filter(|p| p.0[0] < 128).count();
        let want = page.pixels().filter(|p| p.0[0] < 128).count();
        println!(
            "synthetic {what:28} {bytes:>9} bytes → {}×{} at {:.0} dpi in {ms:7.1} ms (ink {ink} of {want})",
            scan.image.width(),
            scan.image.height(),
            scan.dpi.unwrap_or(0.0)
        );
        assert_eq!(scan.image.dimensions(), (2480, 3508));
        assert!(
            ink.abs_diff(want) * 20 < want,
            "{what}: ink {ink} vs {want}"
        );
    }
}

/// The filter names of an image stream, for the per-filter counts.
fn filter_label(s: &Stream) -> String {
    match s.dict.get(b"Filter") {
        Ok(Object::Name(n)) => String::from_utf8_lossy(n).into_owned(),
        Ok(Object::Array(a)) => a
            .iter()
            .filter_map(|o| o.as_name().ok())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect::<Vec<_>>()
            .join("+"),
        _ => "none".into(),
    }
}

/// PDFs to run over: the shared real-world corpus and the repository's own fixtures.
fn corpus() -> Vec<std::path::PathBuf> {
    let mut files = crate::ingest::test_support::corpus_files(
        "realworld_scans_decode_or_say_why",
        "pdf",
        "pdf",
    )
    .unwrap_or_default();
    let hard = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hard");
    if let Ok(dir) = std::fs::read_dir(hard) {
        let mut own: Vec<_> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .collect();
        own.sort();
        files.extend(own);
    }
    files
}

/// Every page of every real PDF either gives its images or a clear error, without a panic;
/// prints the images per filter and the decode time per page with images.
#[test]
fn realworld_scans_decode_or_say_why() {
    let mut per_filter: BTreeMap<String, (usize, usize, f64)> = BTreeMap::new();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for path in corpus() {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(doc) = Document::load_mem(&bytes) else {
            continue;
        };
        if doc.is_encrypted() {
            continue;
        }
        for (number, id) in doc.get_pages() {
            let c = ctx();
            let Ok(page) = placements(&doc, id, &c) else {
                continue;
            };
            for placed in &page.placed {
                let label = filter_label(placed.stream());
                let started = Instant::now();
                let outcome = placed.decode(&doc, &c);
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                let entry = per_filter.entry(label.clone()).or_default();
                match outcome {
                    Ok(img) => {
                        entry.0 += 1;
                        entry.2 += ms;
                        assert!(img.image.width() > 0 && img.image.height() > 0);
                    }
                    Err(e) => {
                        entry.1 += 1;
                        assert!(!e.to_string().is_empty());
                        println!("{name} p{number} {label}: {e}");
                        *errors.entry(format!("{:?}", e.status())).or_default() += 1;
                    }
                }
            }
            if !page.placed.is_empty() {
                let started = Instant::now();
                let scan = scan_of_page(&doc, id, &c);
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                let what = match &scan {
                    Ok(Some(s)) => format!(
                        "scan {}×{} at {:.0} dpi",
                        s.image.width(),
                        s.image.height(),
                        s.dpi.unwrap_or(0.0)
                    ),
                    Ok(None) => "no scan".into(),
                    Err(e) => format!("error: {e}"),
                };
                println!(
                    "{name:50} p{number:<3} {} image(s), {what}, {ms:.1} ms",
                    page.placed.len()
                );
            }
        }
    }
    for (filter, (ok, failed, ms)) in &per_filter {
        let mean = if *ok > 0 { ms / *ok as f64 } else { 0.0 };
        println!(
            "filter {filter:30} decoded {ok:4}  failed {failed:3}  mean {mean:7.2} ms per image"
        );
    }
    println!("errors by status: {errors:?}");
}

/// A binarised comparison of one decoded scan with `pdftoppm -gray` at the scan's own
/// resolution: same size within a pixel, and ink in the same places on nearly every pixel.
#[test]
fn a_decoded_scan_matches_pdftoppm() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hard/pdf-scanned.pdf");
    let has_pdftoppm = std::process::Command::new("pdftoppm")
        .arg("-v")
        .output()
        .is_ok();
    if !has_pdftoppm {
        eprintln!(
            "SKIP a_decoded_scan_matches_pdftoppm: pdftoppm is not installed (apt-get install poppler-utils)"
        );
        return;
    }
    let bytes = std::fs::read(&path).expect("fixture");
    let doc = Document::load_mem(&bytes).expect("load");
    let id = *doc.get_pages().get(&1).expect("page 1");
    let scan = scan_of_page(&doc, id, &ctx()).expect("scan").expect("some");
    let dpi = scan.dpi.expect("dpi");
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("page");
    let status = std::process::Command::new("pdftoppm")
        .args([
            "-gray",
            "-r",
            &format!("{dpi:.3}"),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
        ])
        .arg(&path)
        .arg(&out)
        .status()
        .expect("pdftoppm");
    assert!(status.success());
    let pgm = std::fs::read(out.with_extension("pgm")).expect("pgm");
    let theirs = parse_pgm(&pgm).expect("a P5 pgm");
    let (w, h) = scan.image.dimensions();
    println!(
        "ours {w}×{h} at {dpi:.1} dpi, pdftoppm {}×{}",
        theirs.width(),
        theirs.height()
    );
    assert!(theirs.width().abs_diff(w) <= 1 && theirs.height().abs_diff(h) <= 1);
    let (mut same, mut total) = (0u64, 0u64);
    for y in 0..h.min(theirs.height()) {
        for x in 0..w.min(theirs.width()) {
            let a = scan.image.get_pixel(x, y).0[0] < 128;
            let b = theirs.get_pixel(x, y).0[0] < 128;
            same += u64::from(a == b);
            total += 1;
        }
    }
    let agreement = same as f64 / total as f64;
    println!("binarised agreement with pdftoppm: {agreement:.4}");
    assert!(agreement > 0.97, "{agreement}");
}

/// A binary (P5) PGM, 8-bit.
fn parse_pgm(bytes: &[u8]) -> Option<GrayImage> {
    image::load_from_memory_with_format(bytes, image::ImageFormat::Pnm)
        .ok()
        .map(|page| page.into_luma8())
}
