//! One image stream → grey pixels, as the image's own grid (the caller turns it upright).
//!
//! Sizes are never trusted: the declared pixel count is checked against [`MAX_PIXELS`] before
//! anything is allocated, decompression is capped near the size the image needs, and data that
//! comes up short is padded with white when at least half the rows are there (a scanner or a
//! transfer cut the tail; what is there is still worth reading) and refused as corrupt below
//! that. Colour becomes grey by luma; a bilevel image stays 0/255.

use super::ccitt;
use super::{MAX_PIXELS, Resources};
use crate::ingest::clock::Clock;
use crate::ingest::ocr::ink;
use crate::ingest::{ReadContext, ReadError};
use image::GrayImage;
use lopdf::{Dictionary, Document, Object, Stream};
use std::borrow::Cow;

/// Largest encoded stream an image filter (DCT, CCITT) is handed after the general filters
/// before it (`[/FlateDecode /DCTDecode]`).
const MAX_ENCODED: usize = 256 * 1024 * 1024;
/// Deepest nesting of colour spaces followed (`Indexed` over `ICCBased`…).
const MAX_COLOUR_DEPTH: usize = 4;

/// Decodes one image XObject or (expanded) inline image to grey.
pub(super) fn decode_image(
    doc: &Document,
    stream: &Stream,
    ctx: &ReadContext,
) -> Result<GrayImage, ReadError> {
    let dict = &stream.dict;
    let (width, height) = dimensions(doc, dict)?;
    let chain = FilterChain::read(doc, dict)?;
    let mask = flag(doc, dict, b"ImageMask");
    match &chain.image {
        Some(ImageFilter::Jbig2) => Err(ReadError::Unsupported(
            "JBIG2 压缩的扫描件，未解码（certsift 暂不支持 JBIG2） (JBIG2-compressed scan: not decoded, certsift has no JBIG2 decoder yet)".into(),
        )),
        Some(ImageFilter::Jpx) => Err(ReadError::Unsupported(
            "JPEG 2000（JPX）压缩的扫描件，未解码（certsift 暂不支持 JPEG 2000） (JPEG 2000 compressed scan: not decoded, certsift has no JPEG 2000 decoder yet)"
                .into(),
        )),
        Some(ImageFilter::Dct) => {
            let data = chain.prefix_decoded(stream, MAX_ENCODED)?;
            let invert = decode_array(doc, dict).is_some_and(|d| d.len() >= 2 && d[0] > d[1]);
            decode_dct(&data, invert)
        }
        Some(ImageFilter::Ccitt(params)) => {
            let data = chain.prefix_decoded(stream, MAX_ENCODED)?;
            let params = ccitt::Params::read(doc, params.as_ref(), width);
            let bits = ccitt::decode(&data, &params, width, height, ctx)?;
            let layout = Layout::of(doc, dict, width, height, mask, Some(1))?;
            samples_to_grey(&bits, &layout, ctx)
        }
        None => {
            let layout = Layout::of(doc, dict, width, height, mask, None)?;
            let expected = layout.expected_bytes();
            // Predictor bytes (one per row) and a little trailing junk are allowed for.
            let cap = expected + expected / 8 + u64::from(height) + (1 << 20);
            let cap = usize::try_from(cap).unwrap_or(usize::MAX);
            let data = chain.prefix_decoded(stream, cap)?;
            samples_to_grey(&data, &layout, ctx)
        }
    }
}

/// `/Width` and `/Height`, refused when absent, non-positive or over [`MAX_PIXELS`].
fn dimensions(doc: &Document, dict: &Dictionary) -> Result<(u32, u32), ReadError> {
    let side = |key: &[u8]| {
        int(doc, dict, key)
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v > 0)
    };
    let (Some(w), Some(h)) = (side(b"Width"), side(b"Height")) else {
        return Err(ReadError::Corrupt(
            "图像缺少有效的 /Width 和 /Height (image without a valid /Width and /Height)".into(),
        ));
    };
    check_pixels(u64::from(w), u64::from(h))?;
    Ok((w, h))
}

/// Refuses a `w`×`h` image over [`MAX_PIXELS`] (before allocating it).
fn check_pixels(w: u64, h: u64) -> Result<(), ReadError> {
    if w.saturating_mul(h) > MAX_PIXELS {
        return Err(ReadError::LimitExceeded(format!(
            "图像为 {w}×{h} 像素，超过 {mpx} 百万像素的限制，未解码 (image of {w}×{h} pixels is over the {mpx} Mpx limit; not decoded)",
            mpx = MAX_PIXELS / 1_000_000
        )));
    }
    Ok(())
}

fn resolve<'d>(doc: &'d Document, obj: &'d Object) -> &'d Object {
    doc.dereference(obj).map(|(_, o)| o).unwrap_or(obj)
}

fn get<'d>(doc: &'d Document, dict: &'d Dictionary, key: &[u8]) -> Option<&'d Object> {
    dict.get(key).ok().map(|o| resolve(doc, o))
}

fn int(doc: &Document, dict: &Dictionary, key: &[u8]) -> Option<i64> {
    match get(doc, dict, key)? {
        Object::Integer(i) => Some(*i),
        Object::Real(r) if r.is_finite() => Some(*r as i64),
        _ => None,
    }
}

fn flag(doc: &Document, dict: &Dictionary, key: &[u8]) -> bool {
    matches!(get(doc, dict, key), Some(Object::Boolean(true)))
}

/// `/Decode` as numbers, if present.
fn decode_array(doc: &Document, dict: &Dictionary) -> Option<Vec<f32>> {
    let a = get(doc, dict, b"Decode")?.as_array().ok()?;
    Some(
        a.iter()
            .map(|o| match resolve(doc, o) {
                Object::Integer(i) => *i as f32,
                Object::Real(r) if r.is_finite() => *r,
                _ => 0.0,
            })
            .collect(),
    )
}

/// The filter that turns bytes into pixels, when one ends the chain.
enum ImageFilter {
    Dct,
    Ccitt(Option<Dictionary>),
    Jbig2,
    Jpx,
}

/// A stream's filters: the general ones (Flate, LZW, RunLength, ASCII) lopdf undoes, then at
/// most one image filter, which must come last.
struct FilterChain {
    general: Vec<(Vec<u8>, Option<Dictionary>)>,
    image: Option<ImageFilter>,
}

/// The full name of a filter, inline-image abbreviations included.
fn filter_name(name: &[u8]) -> &[u8] {
    match name {
        b"AHx" => b"ASCIIHexDecode",
        b"A85" => b"ASCII85Decode",
        b"LZW" => b"LZWDecode",
        b"Fl" => b"FlateDecode",
        b"RL" => b"RunLengthDecode",
        b"CCF" => b"CCITTFaxDecode",
        b"DCT" => b"DCTDecode",
        other => other,
    }
}

impl FilterChain {
    fn read(doc: &Document, dict: &Dictionary) -> Result<FilterChain, ReadError> {
        let names: Vec<&[u8]> = match get(doc, dict, b"Filter") {
            None | Some(Object::Null) => Vec::new(),
            Some(Object::Name(n)) => vec![n.as_slice()],
            Some(Object::Array(a)) => a
                .iter()
                .filter_map(|o| resolve(doc, o).as_name().ok())
                .collect(),
            Some(_) => {
                return Err(ReadError::Corrupt(
                    "图像的 /Filter 不是名称 (image /Filter is not a name)".into(),
                ));
            }
        };
        let params: Vec<Option<Dictionary>> = match get(doc, dict, b"DecodeParms") {
            Some(Object::Array(a)) => a
                .iter()
                .map(|o| resolve(doc, o).as_dict().ok().cloned())
                .collect(),
            Some(Object::Dictionary(d)) => vec![Some(d.clone())],
            _ => Vec::new(),
        };
        let mut chain = FilterChain {
            general: Vec::new(),
            image: None,
        };
        for (i, raw) in names.iter().enumerate() {
            let name = filter_name(raw);
            let p = params.get(i).cloned().flatten();
            if chain.image.is_some() {
                return Err(ReadError::Corrupt(format!(
                    "图像压缩方式 {filter} 跟在另一种图像压缩方式之后 (image filter {filter} follows an image filter)",
                    filter = String::from_utf8_lossy(name)
                )));
            }
            match name {
                b"FlateDecode" | b"LZWDecode" | b"RunLengthDecode" | b"ASCIIHexDecode"
                | b"ASCII85Decode" => chain.general.push((name.to_vec(), p)),
                b"DCTDecode" => chain.image = Some(ImageFilter::Dct),
                b"CCITTFaxDecode" => chain.image = Some(ImageFilter::Ccitt(p)),
                b"JBIG2Decode" => chain.image = Some(ImageFilter::Jbig2),
                b"JPXDecode" => chain.image = Some(ImageFilter::Jpx),
                other => {
                    return Err(ReadError::Unsupported(format!(
                        "图像使用 {filter} 压缩，未解码 (image compressed with {filter}: not decoded)",
                        filter = String::from_utf8_lossy(other)
                    )));
                }
            }
        }
        Ok(chain)
    }

    /// The stream's bytes with the general filters undone, at most `cap` bytes.
    fn prefix_decoded<'s>(
        &self,
        stream: &'s Stream,
        cap: usize,
    ) -> Result<Cow<'s, [u8]>, ReadError> {
        if self.general.is_empty() {
            return Ok(Cow::Borrowed(&stream.content));
        }
        let mut dict = Dictionary::new();
        let names = self.general.iter().map(|(n, _)| Object::Name(n.clone()));
        dict.set("Filter", Object::Array(names.collect()));
        let params = self.general.iter().map(|(_, p)| match p {
            Some(d) => Object::Dictionary(d.clone()),
            None => Object::Null,
        });
        dict.set("DecodeParms", Object::Array(params.collect()));
        let temp = Stream::new(dict, stream.content.clone());
        match temp.decompressed_content_with_limit(cap) {
            Ok(data) => Ok(Cow::Owned(data)),
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                ..
            })) => Err(ReadError::LimitExceeded(format!(
                "图像数据流解压后超过 {mib} MiB，远超其尺寸所需，未解码 (image stream decompresses to more than {mib} MiB, far beyond what its size needs; not decoded)",
                mib = cap / (1024 * 1024)
            ))),
            Err(e) => Err(ReadError::Corrupt(format!(
                "图像数据流无法解压：{e} (image stream could not be decompressed)"
            ))),
        }
    }
}

/// A DCT (JPEG) stream → grey, by `zune-jpeg`. One-component JPEGs decode straight to luma;
/// colour ones go through RGB, so that seal red is lightened ([`ink::grey`]).
fn decode_dct(data: &[u8], invert: bool) -> Result<GrayImage, ReadError> {
    use zune_jpeg::JpegDecoder;
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let damaged = |e: &dyn std::fmt::Display| {
        ReadError::Corrupt(format!("JPEG 图像已损坏：{e} (JPEG image damaged)"))
    };
    let options = DecoderOptions::default()
        .set_max_width(1 << 16)
        .set_max_height(1 << 16);
    let mut probe = JpegDecoder::new_with_options(ZCursor::new(data), options);
    probe.decode_headers().map_err(|e| damaged(&e))?;
    let (w, h) = probe
        .dimensions()
        .ok_or_else(|| damaged(&"缺少尺寸 (no size)"))?;
    check_pixels(w as u64, h as u64)?;
    let colour = !matches!(probe.input_colorspace(), Some(ColorSpace::Luma) | None);
    let out = if colour {
        ColorSpace::RGB
    } else {
        ColorSpace::Luma
    };
    let mut decoder =
        JpegDecoder::new_with_options(ZCursor::new(data), options.jpeg_set_out_colorspace(out));
    let pixels = decoder.decode().map_err(|e| damaged(&e))?;
    let mut grey: Vec<u8> = if colour {
        ink::rgb_to_grey(&pixels)
    } else {
        pixels
    };
    if invert {
        grey.iter_mut().for_each(|v| *v = 255 - *v);
    }
    let (w, h) = (
        u32::try_from(w).map_err(|_| damaged(&"尺寸无效 (size)"))?,
        u32::try_from(h).map_err(|_| damaged(&"尺寸无效 (size)"))?,
    );
    GrayImage::from_raw(w, h, grey)
        .ok_or_else(|| damaged(&"像素少于其尺寸 (fewer pixels than its size)"))
}

/// What a pixel's components mean, for turning them into grey.
#[derive(Debug, Clone, PartialEq)]
enum Colour {
    Gray,
    Rgb,
    Cmyk,
    /// CIE L*a*b*: the lightness is the grey.
    Lab,
    /// A palette: the grey of each entry, already looked up.
    Indexed(Vec<u8>),
    /// Separation or DeviceN with `n` inks: more ink is darker.
    Tint(usize),
}

impl Colour {
    fn components(&self) -> usize {
        match self {
            Colour::Gray | Colour::Indexed(_) => 1,
            Colour::Rgb | Colour::Lab => 3,
            Colour::Cmyk => 4,
            Colour::Tint(n) => *n,
        }
    }

    /// The grey of one pixel whose components are given as bytes (0–255 over each
    /// component's range; for `Indexed`, the index).
    fn grey(&self, c: &[u8]) -> u8 {
        let at = |i: usize| c.get(i).copied().unwrap_or(0);
        match self {
            Colour::Gray | Colour::Lab => at(0),
            Colour::Rgb => ink::grey(at(0), at(1), at(2)),
            Colour::Cmyk => {
                let ink = (30 * u32::from(at(0)) + 59 * u32::from(at(1)) + 11 * u32::from(at(2)))
                    / 100
                    + u32::from(at(3));
                255 - ink.min(255) as u8
            }
            Colour::Indexed(table) => table.get(usize::from(at(0))).copied().unwrap_or(255),
            Colour::Tint(n) => {
                let ink: u32 = c.iter().take(*n).map(|v| u32::from(*v)).sum();
                255 - ink.min(255) as u8
            }
        }
    }
}

/// A colour space object → [`Colour`].
fn colour_of(doc: &Document, obj: &Object, depth: usize) -> Result<Colour, ReadError> {
    let obj = resolve(doc, obj);
    let unsupported = |what: &[u8]| {
        ReadError::Unsupported(format!(
            "图像使用 {space} 色彩空间，未解码 (image in the {space} colour space: not decoded)",
            space = String::from_utf8_lossy(what)
        ))
    };
    if depth > MAX_COLOUR_DEPTH {
        return Err(ReadError::Corrupt(
            "色彩空间嵌套过深 (colour spaces nested too deep)".into(),
        ));
    }
    let (name, args): (&[u8], &[Object]) = match obj {
        Object::Name(n) => (n, &[]),
        Object::Array(a) => match a.split_first() {
            Some((first, rest)) => (
                resolve(doc, first)
                    .as_name()
                    .map_err(|_| unsupported(b"?"))?,
                rest,
            ),
            None => {
                return Err(ReadError::Corrupt(
                    "色彩空间数组为空 (empty colour space array)".into(),
                ));
            }
        },
        _ => {
            return Err(ReadError::Corrupt(
                "图像色彩空间既不是名称也不是数组 (image colour space is not a name or array)"
                    .into(),
            ));
        }
    };
    match name {
        b"DeviceGray" | b"G" | b"CalGray" => Ok(Colour::Gray),
        b"DeviceRGB" | b"RGB" | b"CalRGB" => Ok(Colour::Rgb),
        b"DeviceCMYK" | b"CMYK" => Ok(Colour::Cmyk),
        b"Lab" => Ok(Colour::Lab),
        b"ICCBased" => icc_based(doc, args.first(), depth),
        b"Indexed" | b"I" => indexed(doc, args, depth),
        b"Separation" => Ok(Colour::Tint(1)),
        b"DeviceN" => {
            let n = args
                .first()
                .and_then(|o| resolve(doc, o).as_array().ok())
                .map_or(1, |a| a.len().max(1));
            Ok(Colour::Tint(n))
        }
        other => Err(unsupported(other)),
    }
}

/// `[/ICCBased stream]`: by the profile's `/N` (the profile itself is not applied: grey for
/// OCR does not need colour management), else its `/Alternate`.
fn icc_based(doc: &Document, profile: Option<&Object>, depth: usize) -> Result<Colour, ReadError> {
    let stream = profile.and_then(|o| resolve(doc, o).as_stream().ok());
    let Some(stream) = stream else {
        return Err(ReadError::Corrupt(
            "ICCBased 色彩空间缺少配置文件 (ICCBased colour space without a profile)".into(),
        ));
    };
    match int(doc, &stream.dict, b"N") {
        Some(1) => Ok(Colour::Gray),
        Some(3) => Ok(Colour::Rgb),
        Some(4) => Ok(Colour::Cmyk),
        _ => match get(doc, &stream.dict, b"Alternate") {
            Some(alt) => colour_of(doc, alt, depth + 1),
            None => Err(ReadError::Corrupt(
                "ICCBased 配置文件缺少有效的 /N (ICCBased profile without a valid /N)".into(),
            )),
        },
    }
}

/// `[/Indexed base hival lookup]` → the grey of every palette entry.
fn indexed(doc: &Document, args: &[Object], depth: usize) -> Result<Colour, ReadError> {
    let corrupt = |why: &str| ReadError::Corrupt(format!("索引色彩空间（Indexed）{why}"));
    let [base, hival, lookup, ..] = args else {
        return Err(corrupt("不足三个部分 (has fewer than three parts)"));
    };
    let base = colour_of(doc, base, depth + 1)?;
    if matches!(base, Colour::Indexed(_)) {
        return Err(corrupt(
            "建立在另一个索引色彩空间之上 (over another Indexed space)",
        ));
    }
    let hival = match resolve(doc, hival) {
        Object::Integer(i) => {
            usize::try_from(*i).map_err(|_| corrupt("的 hival 为负数 (has a negative hival)"))?
        }
        _ => return Err(corrupt("缺少 hival (has no hival)")),
    }
    .min(255);
    let table: Cow<[u8]> = match resolve(doc, lookup) {
        Object::String(s, _) => Cow::Borrowed(s),
        Object::Stream(s) => Cow::Owned(
            s.decompressed_content_with_limit(4096)
                .unwrap_or_else(|_| s.content.clone()),
        ),
        _ => return Err(corrupt("缺少查找表 (has no lookup table)")),
    };
    let n = base.components();
    // Entries the table is too short for are white: a damaged palette should not paint ink.
    let greys = (0..=hival)
        .map(|i| {
            table
                .get(i * n..(i + 1) * n)
                .map_or(255, |entry| base.grey(entry))
        })
        .collect();
    Ok(Colour::Indexed(greys))
}

/// How an image's samples are laid out and what they mean.
struct Layout {
    width: u32,
    height: u32,
    bpc: u8,
    colour: Colour,
    /// Per component: sample level → component byte (or, for one-component spaces, the grey).
    luts: Vec<Vec<u8>>,
}

impl Layout {
    /// Reads the layout from the image dictionary; `bpc` overrides `/BitsPerComponent` (CCITT
    /// output is always one bit).
    fn of(
        doc: &Document,
        dict: &Dictionary,
        width: u32,
        height: u32,
        mask: bool,
        bpc: Option<u8>,
    ) -> Result<Layout, ReadError> {
        let bpc = match (bpc, mask) {
            (Some(b), _) => b,
            (None, true) => 1,
            (None, false) => match int(doc, dict, b"BitsPerComponent") {
                Some(b @ (1 | 2 | 4 | 8 | 16)) => b as u8,
                other => {
                    return Err(ReadError::Corrupt(format!(
                        "图像每个分量的位数无效：{bits} (image with {bits} bits per component)",
                        bits = other.map_or("no".to_string(), |b| b.to_string())
                    )));
                }
            },
        };
        let decode = decode_array(doc, dict);
        let (colour, luts) = if mask {
            (Colour::Gray, vec![mask_lut(decode.as_deref())])
        } else {
            let cs = get(doc, dict, b"ColorSpace").ok_or_else(|| {
                ReadError::Corrupt("图像缺少 /ColorSpace (image without a /ColorSpace)".into())
            })?;
            let colour = colour_of(doc, cs, 0)?;
            let luts = component_luts(&colour, bpc, decode.as_deref());
            (colour, luts)
        };
        Ok(Layout {
            width,
            height,
            bpc,
            colour,
            luts,
        })
    }

    fn row_bytes(&self) -> u64 {
        let bits = u64::from(self.width) * self.colour.components() as u64 * u64::from(self.bpc);
        bits.div_ceil(8)
    }

    fn expected_bytes(&self) -> u64 {
        self.row_bytes() * u64::from(self.height)
    }
}

/// Sample levels of a `bpc`-bit component (16-bit samples are read by their high byte).
fn levels(bpc: u8) -> usize {
    1usize << bpc.min(8)
}

/// `/ImageMask`: sample 0 paints (black) unless `/Decode [1 0]`; the rest stays white.
fn mask_lut(decode: Option<&[f32]>) -> Vec<u8> {
    let inverted = decode.is_some_and(|d| d.len() >= 2 && d[0] > d[1]);
    let (paint, clear) = (0u8, 255u8);
    if inverted {
        vec![clear, paint]
    } else {
        vec![paint, clear]
    }
}

/// One lookup table per component from sample level to component byte, with `/Decode`
/// applied; for Indexed, the index's grey.
fn component_luts(colour: &Colour, bpc: u8, decode: Option<&[f32]>) -> Vec<Vec<u8>> {
    let n = levels(bpc);
    let top = (n - 1) as f32;
    (0..colour.components())
        .map(|k| {
            let (default_lo, default_hi) = match colour {
                Colour::Indexed(_) => (0.0, top),
                Colour::Lab if k == 0 => (0.0, 100.0),
                Colour::Lab => (-100.0, 100.0),
                _ => (0.0, 1.0),
            };
            let lo = decode
                .and_then(|d| d.get(2 * k))
                .copied()
                .unwrap_or(default_lo);
            let hi = decode
                .and_then(|d| d.get(2 * k + 1))
                .copied()
                .unwrap_or(default_hi);
            (0..n)
                .map(|level| {
                    let v = lo + level as f32 * (hi - lo) / top;
                    match colour {
                        Colour::Indexed(t) => {
                            let i = v.round().clamp(0.0, (t.len().max(1) - 1) as f32) as usize;
                            t.get(i).copied().unwrap_or(255)
                        }
                        Colour::Lab => (v / 100.0 * 255.0).round().clamp(0.0, 255.0) as u8,
                        _ => (v * 255.0).round().clamp(0.0, 255.0) as u8,
                    }
                })
                .collect()
        })
        .collect()
}

/// Unpacked samples → grey, row by row; rows the data does not reach are white (see the
/// module doc for when that is accepted).
fn samples_to_grey(
    data: &[u8],
    layout: &Layout,
    ctx: &ReadContext,
) -> Result<GrayImage, ReadError> {
    let row_bytes = usize::try_from(layout.row_bytes())
        .map_err(|_| ReadError::LimitExceeded("图像行过长 (image rows too long)".into()))?;
    let (w, h) = (layout.width as usize, layout.height as usize);
    let rows_present = data.len().checked_div(row_bytes).unwrap_or(0).min(h);
    if rows_present * 2 < h {
        return Err(ReadError::Corrupt(format!(
            "图像数据只有 {h} 行中的 {rows_present} 行（{got} / {want} 字节），已损坏，未解码 (image data holds {rows_present} of its {h} rows: damaged, not decoded)",
            got = data.len(),
            want = layout.expected_bytes()
        )));
    }
    if rows_present < h {
        tracing::debug!("image data holds {rows_present} of {h} rows; the rest is left white");
    }
    let mut out = vec![255u8; w * h];
    let mut clock = Clock::new(ctx);
    let n = layout.colour.components();
    let mut pixel = vec![0u8; n];
    for (y, row) in data.chunks_exact(row_bytes).take(rows_present).enumerate() {
        clock.tick()?;
        let dest = &mut out[y * w..(y + 1) * w];
        if n == 1 {
            let lut = layout.luts.first().map_or(&[][..], Vec::as_slice);
            for (x, d) in dest.iter_mut().enumerate() {
                *d = lut.get(sample(row, x, layout.bpc)).copied().unwrap_or(255);
            }
        } else {
            for (x, d) in dest.iter_mut().enumerate() {
                for (k, (p, lut)) in pixel.iter_mut().zip(&layout.luts).enumerate() {
                    *p = lut
                        .get(sample(row, x * n + k, layout.bpc))
                        .copied()
                        .unwrap_or(0);
                }
                *d = layout.colour.grey(&pixel);
            }
        }
    }
    GrayImage::from_raw(layout.width, layout.height, out)
        .ok_or_else(|| ReadError::Corrupt("图像缓冲区大小不符 (image buffer size mismatch)".into()))
}

/// The level of sample `s` of a packed row (16-bit samples by their high byte).
#[inline]
fn sample(row: &[u8], s: usize, bpc: u8) -> usize {
    match bpc {
        8 => usize::from(row.get(s).copied().unwrap_or(0)),
        16 => usize::from(row.get(2 * s).copied().unwrap_or(0)),
        _ => {
            let bit = s * usize::from(bpc);
            let byte = row.get(bit / 8).copied().unwrap_or(0);
            let shift = 8 - usize::from(bpc) - bit % 8;
            usize::from((byte >> shift) & ((1u8 << bpc) - 1))
        }
    }
}

/// An inline image's dictionary spelled out (`/W` → `/Width`, `/CS /RGB` → `/DeviceRGB`, a
/// named colour space looked up in the resources), so it decodes like an XObject.
pub(super) fn expand_inline(doc: &Document, image: &Stream, res: &Resources<'_>) -> Stream {
    let mut dict = Dictionary::new();
    for (key, value) in image.dict.iter() {
        let full: &[u8] = match key.as_slice() {
            b"W" => b"Width",
            b"H" => b"Height",
            b"BPC" => b"BitsPerComponent",
            b"CS" => b"ColorSpace",
            b"F" => b"Filter",
            b"DP" => b"DecodeParms",
            b"IM" => b"ImageMask",
            b"D" => b"Decode",
            b"I" => b"Interpolate",
            other => other,
        };
        let value = if full == b"ColorSpace" {
            inline_colour_space(doc, value, res)
        } else {
            value.clone()
        };
        dict.set(full.to_vec(), value);
    }
    Stream::new(dict, image.content.clone())
}

fn inline_colour_space(doc: &Document, value: &Object, res: &Resources<'_>) -> Object {
    match value {
        Object::Name(n) => match n.as_slice() {
            b"G" | b"DeviceGray" => Object::Name(b"DeviceGray".to_vec()),
            b"RGB" | b"DeviceRGB" => Object::Name(b"DeviceRGB".to_vec()),
            b"CMYK" | b"DeviceCMYK" => Object::Name(b"DeviceCMYK".to_vec()),
            other => res
                .lookup(doc, b"ColorSpace", other)
                .cloned()
                .unwrap_or_else(|| value.clone()),
        },
        other => other.clone(),
    }
}
