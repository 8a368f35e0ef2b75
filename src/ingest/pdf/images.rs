//! A scanned page as a grey image, decoded straight from the image XObjects the page draws.
//!
//! Why not render the page: issue 12 measured 0.1–0.2 s per 300-dpi page to decode a scan's
//! image stream directly (lopdf + `zune-jpeg` for DCT, `fax` for CCITT) against 5–15 s for
//! `pdftoppm` to PNG, and rendering resamples a bilevel scan to grey, which halved tesseract's
//! accuracy. So a scan is given to OCR at its native resolution, bilevel scans as 0/255 grey
//! without smoothing, turned upright as the page shows it (placement matrix and `/Rotate`).
//!
//! - this module: which images a page draws and where (a bounded walk of `q`/`Q`/`cm`/`Do`/`BI`
//!   through form XObjects, with cycles cut), their orientation and resolution, and the
//!   scan of a page (one image covering most of it, or bands composited onto one canvas);
//! - [`decode`]: one image stream → grey pixels (filters, colour spaces, bit depths, `/Decode`,
//!   `/ImageMask`), refusing oversized images before allocating;
//! - [`ccitt`]: CCITT G4 (through `fax`) and G3 one-dimensional streams → packed 1-bit rows.
//!
//! [`super::scans`] calls [`scan_of_page`] for the pages in `ocr_pages`; [`page_images`] (every
//! image of a page) is kept for pictures inside documents, hence its `dead_code` allowance.

mod ccitt;
mod decode;
#[cfg(test)]
mod tests;

use super::walker::{IDENTITY, Matrix, matrix_of, mul, num, page_rotation};
use crate::ingest::clock::Clock;
use crate::ingest::{ReadContext, ReadError};
use image::GrayImage;
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

/// Most operators run for one page, forms included (as the text walker).
const MAX_OPS: usize = super::walker::MAX_OPS;
/// Deepest `q` nesting tracked.
const MAX_SAVE_DEPTH: usize = 256;
/// Deepest form-XObject nesting followed.
const MAX_FORM_DEPTH: usize = 12;
/// Largest decompressed form XObject.
const MAX_FORM_BYTES: usize = 64 * 1024 * 1024;
/// Most image placements kept for one page (a hostile page can draw one image a million times).
const MAX_PLACEMENTS: usize = 4096;
/// Largest image decoded or canvas composed, in pixels: a 300-dpi A0 scan is 140 Mpx, a 600-dpi
/// A3 one 70 Mpx; beyond this a page is refused before anything is allocated.
pub(crate) const MAX_PIXELS: u64 = 100_000_000;
/// A single image covering at least this share of the page is the page's scan, whatever else
/// the page draws (a logo, a stamp, a signature over it).
const WHOLE_PAGE: f32 = 0.8;
/// Images (or bands of one) covering less than this share of the page together are not a scan
/// of it: such a page is left to a renderer. A third keeps an A5 certificate scanned onto A4
/// (about half) and a photo of a licence with wide margins.
const MIN_SCAN_COVERAGE: f32 = 1.0 / 3.0;
/// Images below this share of the page (icons, bullets, stamps) never take part in a composite.
const MIN_PART: f32 = 0.01;

/// The image a scanned page shows, ready for OCR.
pub(crate) struct PageImage {
    /// Grey pixels, upright as the page is displayed; bilevel scans stay 0/255.
    pub image: GrayImage,
    /// Pixels per inch on the page, from the image's size and its placement (CTM); `None`
    /// when the placement is degenerate.
    pub dpi: Option<f32>,
}

/// Every image the page draws (its own XObjects, those of the forms it draws, inline images),
/// decoded and turned upright, in drawing order.
///
/// An image that cannot be decoded (JBIG2, JPEG 2000, a damaged stream) is left out when others
/// were decoded, and its error is returned when none was: `[logo]` from a page whose JBIG2 scan
/// failed is possible, so callers wanting *the scan* use [`scan_of_page`], which says why it
/// failed. A spent time limit is always an error.
#[allow(dead_code)]
pub(crate) fn page_images(
    doc: &Document,
    page_id: ObjectId,
    ctx: &ReadContext,
) -> Result<Vec<PageImage>, ReadError> {
    let page = placements(doc, page_id, ctx)?;
    let mut out = Vec::new();
    let mut first_error = None;
    for placed in &page.placed {
        ctx.check_time()?;
        match placed.decode(doc, ctx) {
            Ok(image) => out.push(image),
            Err(e @ ReadError::LimitExceeded(_)) => return Err(e),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if out.is_empty() => Err(e),
        _ => Ok(out),
    }
}

/// The scan a page shows: the largest image when it covers most of the page, or the page's
/// images composited onto one canvas at their placements when the scanner wrote the page as
/// bands. `Ok(None)` when the page draws no image, or images covering too little of it to be a
/// scan (render such a page instead). `Err` when the scan's image cannot be decoded, with a
/// message for the reviewer ("JBIG2-compressed scan: not decoded").
pub(crate) fn scan_of_page(
    doc: &Document,
    page_id: ObjectId,
    ctx: &ReadContext,
) -> Result<Option<PageImage>, ReadError> {
    let page = placements(doc, page_id, ctx)?;
    let Some(parts) = scan_parts(&page) else {
        return Ok(None);
    };
    if let [only] = parts.as_slice() {
        return only.decode(doc, ctx).map(Some);
    }
    let mut decoded = Vec::with_capacity(parts.len());
    for part in parts {
        ctx.check_time()?;
        decoded.push((part, part.decode(doc, ctx)?));
    }
    composite(&decoded, &page.display_box).map(Some)
}

/// Which placements make up the page's scan, if any (see [`scan_of_page`]).
fn scan_parts<'p, 'a>(page: &'p PagePlacements<'a>) -> Option<Vec<&'p Placed<'a>>> {
    let coverage = |p: &Placed| p.bbox().coverage_of(&page.display_box);
    let largest = page
        .placed
        .iter()
        .max_by(|a, b| coverage(a).total_cmp(&coverage(b)))?;
    if coverage(largest) >= WHOLE_PAGE {
        return Some(vec![largest]);
    }
    let parts: Vec<&Placed> = page
        .placed
        .iter()
        .filter(|p| coverage(p) >= MIN_PART)
        .collect();
    let covered: f32 = parts.iter().map(|p| coverage(p)).sum();
    if parts.is_empty() || covered < MIN_SCAN_COVERAGE {
        return None;
    }
    Some(parts)
}

/// An axis-aligned box on the displayed page, in points, y up.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
}

impl Rect {
    /// The bounding box of the unit square under `m`.
    fn of_unit_square(m: &Matrix) -> Rect {
        let corners = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)];
        let mut r = Rect {
            x0: f32::INFINITY,
            y0: f32::INFINITY,
            x1: f32::NEG_INFINITY,
            y1: f32::NEG_INFINITY,
        };
        for (u, v) in corners {
            let (x, y) = (u * m[0] + v * m[2] + m[4], u * m[1] + v * m[3] + m[5]);
            r.x0 = r.x0.min(x);
            r.y0 = r.y0.min(y);
            r.x1 = r.x1.max(x);
            r.y1 = r.y1.max(y);
        }
        r
    }

    fn width(&self) -> f32 {
        (self.x1 - self.x0).max(0.0)
    }

    fn height(&self) -> f32 {
        (self.y1 - self.y0).max(0.0)
    }

    fn area(&self) -> f32 {
        let a = self.width() * self.height();
        if a.is_finite() { a } else { 0.0 }
    }

    fn intersect(&self, o: &Rect) -> Rect {
        Rect {
            x0: self.x0.max(o.x0),
            y0: self.y0.max(o.y0),
            x1: self.x1.min(o.x1),
            y1: self.y1.min(o.y1),
        }
    }

    fn union(&self, o: &Rect) -> Rect {
        Rect {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }

    /// The share of `page` this box covers, 0 to 1.
    fn coverage_of(&self, page: &Rect) -> f32 {
        let page_area = page.area();
        if page_area <= 0.0 {
            return 0.0;
        }
        (self.intersect(page).area() / page_area).clamp(0.0, 1.0)
    }
}

/// What the page draws: its images with their placements, and the page box as displayed.
struct PagePlacements<'a> {
    placed: Vec<Placed<'a>>,
    display_box: Rect,
}

/// One image drawn on the page.
struct Placed<'a> {
    image: ImageSource<'a>,
    /// Image space (the unit square, row 0 at the top) → the displayed page (`/Rotate`
    /// applied), y up.
    ctm: Matrix,
}

/// Where an image's stream is.
enum ImageSource<'a> {
    /// An image XObject.
    XObject(&'a Stream),
    /// An inline image, its dictionary already spelled out in full.
    Inline(Stream),
}

impl Placed<'_> {
    fn bbox(&self) -> Rect {
        Rect::of_unit_square(&self.ctm)
    }

    fn stream(&self) -> &Stream {
        match &self.image {
            ImageSource::XObject(s) => s,
            ImageSource::Inline(s) => s,
        }
    }

    /// Decodes the image and turns it as the page shows it.
    fn decode(&self, doc: &Document, ctx: &ReadContext) -> Result<PageImage, ReadError> {
        let raw = decode::decode_image(doc, self.stream(), ctx)?;
        let dpi = dpi_of(&self.ctm, raw.width(), raw.height());
        Ok(PageImage {
            image: orient(raw, &Orientation::of(&self.ctm)),
            dpi,
        })
    }
}

/// Pixels per inch of a `w`×`h` image placed by `m`: the mean of both axes (scanners are
/// isotropic; a mean absorbs rounding in the placement), `None` if degenerate.
fn dpi_of(m: &Matrix, w: u32, h: u32) -> Option<f32> {
    let along_x = (m[0] * m[0] + m[1] * m[1]).sqrt();
    let along_y = (m[2] * m[2] + m[3] * m[3]).sqrt();
    let dpi_x = 72.0 * w as f32 / along_x;
    let dpi_y = 72.0 * h as f32 / along_y;
    let dpi = (dpi_x + dpi_y) / 2.0;
    (dpi.is_finite() && dpi > 0.0).then_some(dpi)
}

/// How an image's pixel grid lands on the displayed page, snapped to quarter turns and flips
/// (a scan placed 0.7° off is left as it is: deskewing is OCR's business).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Orientation {
    /// Image columns run up or down the page (a quarter turn).
    transpose: bool,
    /// Mirror across the vertical axis of the result.
    flip_x: bool,
    /// Mirror across the horizontal axis of the result.
    flip_y: bool,
}

impl Orientation {
    /// From the placement: image x (columns) runs along `(a, b)` on the page, image rows run
    /// down along `-(c, d)`; the screen has y down.
    fn of(m: &Matrix) -> Orientation {
        let [a, b, c, d, ..] = *m;
        if a.abs() >= b.abs() {
            Orientation {
                transpose: false,
                flip_x: a < 0.0,
                flip_y: d < 0.0,
            }
        } else {
            Orientation {
                transpose: true,
                flip_x: c > 0.0,
                flip_y: b > 0.0,
            }
        }
    }
}

/// `img` turned by `o`, pixel for pixel (no resampling).
fn orient(img: GrayImage, o: &Orientation) -> GrayImage {
    use image::imageops::{flip_horizontal, flip_vertical, rotate90};
    match (o.transpose, o.flip_x, o.flip_y) {
        (false, false, false) => img,
        (false, true, false) => flip_horizontal(&img),
        (false, false, true) => flip_vertical(&img),
        (false, true, true) => image::imageops::rotate180(&img),
        // A transpose is a quarter turn clockwise then a mirror.
        (true, fx, fy) => {
            let turned = rotate90(&img);
            // rotate90 already maps source column i to row i and row j to column h-1-j,
            // i.e. a transpose with flip_x; undo or keep it as asked.
            let t = if fx { turned } else { flip_horizontal(&turned) };
            if fy { flip_vertical(&t) } else { t }
        }
    }
}

/// Draws `parts` (in drawing order) onto one white canvas covering their union, at the finest
/// resolution among them, by nearest neighbour so that bilevel bands stay 0/255.
fn composite(parts: &[(&Placed, PageImage)], page: &Rect) -> Result<PageImage, ReadError> {
    let mut union: Option<Rect> = None;
    let mut scale = 0f32;
    for (placed, img) in parts {
        let r = placed.bbox().intersect(page);
        union = Some(union.map_or(r, |u| u.union(&r)));
        let bb = placed.bbox();
        if bb.width() > 0.0 && bb.height() > 0.0 {
            scale = scale
                .max(img.image.width() as f32 / bb.width())
                .max(img.image.height() as f32 / bb.height());
        }
    }
    let Some(union) = union.filter(|u| u.area() > 0.0 && scale.is_finite() && scale > 0.0) else {
        return Err(ReadError::Corrupt(
            "该页的扫描图像条带在页面上没有面积 (the page's scan bands have no area on the page)"
                .into(),
        ));
    };
    let (w, h) = (
        (union.width() * scale).round(),
        (union.height() * scale).round(),
    );
    if !(w >= 1.0 && h >= 1.0) || (w as f64) * (h as f64) > MAX_PIXELS as f64 {
        return Err(ReadError::LimitExceeded(format!(
            "该页的扫描图像条带拼合后为 {w}×{h} 像素，超过 {mpx} 百万像素的限制 (the page's scan bands compose to {w}×{h} pixels, over the {mpx} Mpx limit)",
            mpx = MAX_PIXELS / 1_000_000
        )));
    }
    let mut canvas = GrayImage::from_pixel(w as u32, h as u32, image::Luma([255]));
    for (placed, img) in parts {
        let bb = placed.bbox();
        let dest = (
            (bb.x0 - union.x0) * scale,
            (union.y1 - bb.y1) * scale,
            bb.width() * scale,
            bb.height() * scale,
        );
        blit(&mut canvas, &img.image, dest);
    }
    Ok(PageImage {
        image: canvas,
        dpi: Some(scale * 72.0),
    })
}

/// Copies `src` into `dst` stretched to the rectangle `(x, y, w, h)` (pixels, y down), nearest
/// neighbour, clipped to `dst`.
fn blit(dst: &mut GrayImage, src: &GrayImage, (x, y, w, h): (f32, f32, f32, f32)) {
    if !(w > 0.0 && h > 0.0) || src.width() == 0 || src.height() == 0 {
        return;
    }
    let (dw, dh) = (dst.width() as f32, dst.height() as f32);
    let x_start = x.round().clamp(0.0, dw) as u32;
    let x_end = (x + w).round().clamp(0.0, dw) as u32;
    let y_start = y.round().clamp(0.0, dh) as u32;
    let y_end = (y + h).round().clamp(0.0, dh) as u32;
    let (sx, sy) = (src.width() as f32 / w, src.height() as f32 / h);
    for dy in y_start..y_end {
        let row = (((dy as f32 + 0.5 - y) * sy) as u32).min(src.height() - 1);
        for dx in x_start..x_end {
            let col = (((dx as f32 + 0.5 - x) * sx) as u32).min(src.width() - 1);
            dst.put_pixel(dx, dy, *src.get_pixel(col, row));
        }
    }
}

/// The top-left corner of page `page_id` as a viewer displays it, in the walker's page
/// coordinates (`/Rotate` applied, y up): the origin of a text block's box.
pub(super) fn display_top_left(doc: &Document, page_id: ObjectId) -> (f32, f32) {
    let b = display_box(doc, page_id, &super::walker::page_rotation(doc, page_id));
    (b.x0, b.y1)
}

/// The page's crop box (else media box, inherited), as displayed (`/Rotate` applied).
fn display_box(doc: &Document, page_id: ObjectId, rotate: &Matrix) -> Rect {
    let mut node = doc.get_dictionary(page_id).ok();
    let (mut crop, mut media) = (None, None);
    for _ in 0..32 {
        let Some(d) = node else { break };
        crop = crop.or_else(|| box_of(doc, d.get(b"CropBox").ok()));
        media = media.or_else(|| box_of(doc, d.get(b"MediaBox").ok()));
        node = d
            .get(b"Parent")
            .and_then(Object::as_reference)
            .and_then(|id| doc.get_dictionary(id))
            .ok();
    }
    let b = crop.or(media).filter(|r| r.area() > 0.0).unwrap_or(Rect {
        x0: 0.0,
        y0: 0.0,
        x1: 612.0,
        y1: 792.0,
    });
    let m = [b.width(), 0.0, 0.0, b.height(), b.x0, b.y0];
    Rect::of_unit_square(&mul(&m, rotate))
}

fn box_of(doc: &Document, obj: Option<&Object>) -> Option<Rect> {
    let (_, obj) = doc.dereference(obj?).ok()?;
    let a = obj.as_array().ok()?;
    if a.len() < 4 {
        return None;
    }
    let v: Vec<f32> = a
        .iter()
        .take(4)
        .map(|o| num(doc.dereference(o).ok().map(|(_, o)| o)))
        .collect();
    Some(Rect {
        x0: v[0].min(v[2]),
        y0: v[1].min(v[3]),
        x1: v[0].max(v[2]),
        y1: v[1].max(v[3]),
    })
}

/// Resource dictionaries in lookup order (nearest first).
#[derive(Clone)]
struct Resources<'a> {
    dicts: Vec<&'a Dictionary>,
}

impl<'a> Resources<'a> {
    fn lookup(&self, doc: &'a Document, category: &[u8], name: &[u8]) -> Option<&'a Object> {
        self.dicts.iter().find_map(|res| {
            let (_, cat) = doc.dereference(res.get(category).ok()?).ok()?;
            cat.as_dict().ok()?.get(name).ok()
        })
    }
}

/// Walks the page's content for the images it draws.
fn placements<'a>(
    doc: &'a Document,
    page_id: ObjectId,
    ctx: &ReadContext,
) -> Result<PagePlacements<'a>, ReadError> {
    let (direct, ids) = doc.get_page_resources(page_id).map_err(|e| {
        ReadError::Corrupt(format!("页面资源无法读取：{e} (page resources unreadable)"))
    })?;
    let mut dicts: Vec<&Dictionary> = direct.into_iter().collect();
    dicts.extend(ids.iter().filter_map(|id| doc.get_dictionary(*id).ok()));
    let content = doc
        .get_page_content_with_limit(page_id, MAX_FORM_BYTES)
        .map_err(|e| {
            ReadError::Corrupt(format!("页面内容无法读取：{e} (page content unreadable)"))
        })?;
    let rotate = page_rotation(doc, page_id);
    let mut walk = ImageWalk {
        doc,
        clock: Clock::new(ctx),
        ops: 0,
        forms: Vec::new(),
        placed: Vec::new(),
    };
    walk.walk(&content, &Resources { dicts }, rotate)?;
    Ok(PagePlacements {
        placed: walk.placed,
        display_box: display_box(doc, page_id, &rotate),
    })
}

/// The state of one page's image walk.
struct ImageWalk<'a, 'c> {
    doc: &'a Document,
    clock: Clock<'c>,
    ops: usize,
    /// Forms being drawn (cycles are cut).
    forms: Vec<ObjectId>,
    placed: Vec<Placed<'a>>,
}

impl<'a> ImageWalk<'a, '_> {
    /// Runs `content` under the transform `base` (which already ends with the page rotation).
    fn walk(&mut self, content: &[u8], res: &Resources<'a>, base: Matrix) -> Result<(), ReadError> {
        let mut ctm = base;
        let mut stack: Vec<Matrix> = Vec::new();
        for op in Content::decode_iter(content) {
            let Ok(op) = op else { break };
            self.ops += 1;
            if self.ops > MAX_OPS || self.placed.len() >= MAX_PLACEMENTS {
                break;
            }
            self.clock.tick()?;
            match op.operator.as_str() {
                "q" if stack.len() < MAX_SAVE_DEPTH => stack.push(ctm),
                "Q" => ctm = stack.pop().unwrap_or(ctm),
                "cm" => {
                    if let Some(m) = matrix_of(&op.operands) {
                        ctm = mul(&m, &ctm);
                    }
                }
                "Do" => {
                    if let Some(name) = op.operands.first().and_then(|o| o.as_name().ok()) {
                        self.xobject(res, name, &ctm)?;
                    }
                }
                "BI" => {
                    if let Some(Object::Stream(s)) = op.operands.first() {
                        let image = ImageSource::Inline(decode::expand_inline(self.doc, s, res));
                        self.placed.push(Placed { image, ctm });
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn xobject(&mut self, res: &Resources<'a>, name: &[u8], ctm: &Matrix) -> Result<(), ReadError> {
        let doc = self.doc;
        let Some((id, stream)) = res
            .lookup(doc, b"XObject", name)
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(id, o)| Some((id, o.as_stream().ok()?)))
        else {
            return Ok(());
        };
        match stream.dict.get(b"Subtype").and_then(Object::as_name) {
            Ok(b"Image") => {
                self.placed.push(Placed {
                    image: ImageSource::XObject(stream),
                    ctm: *ctm,
                });
                Ok(())
            }
            Ok(b"Form") => self.form(id, stream, res, ctm),
            _ => Ok(()),
        }
    }

    /// Runs a form XObject under `ctm`, bounded in depth and cut at cycles.
    fn form(
        &mut self,
        id: Option<ObjectId>,
        stream: &'a Stream,
        res: &Resources<'a>,
        ctm: &Matrix,
    ) -> Result<(), ReadError> {
        let key = id.unwrap_or((0, 0));
        if self.forms.len() >= MAX_FORM_DEPTH || self.forms.contains(&key) {
            return Ok(());
        }
        let Ok(data) = stream
            .decompressed_content_with_limit(MAX_FORM_BYTES)
            .or_else(|e| {
                if stream.dict.get(b"Filter").is_err() {
                    Ok(stream.content.clone())
                } else {
                    Err(e)
                }
            })
        else {
            return Ok(());
        };
        let form_matrix = match stream.dict.get(b"Matrix") {
            Ok(Object::Array(m)) => matrix_of(m).unwrap_or(IDENTITY),
            _ => IDENTITY,
        };
        let mut form_res = res.clone();
        if let Some(d) = stream
            .dict
            .get(b"Resources")
            .ok()
            .and_then(|o| self.doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok())
        {
            form_res.dicts.insert(0, d);
        }
        self.forms.push(key);
        let result = self.walk(&data, &form_res, mul(&form_matrix, ctm));
        self.forms.pop();
        result
    }
}
