//! The content-stream walker: runs a page's operators (and its form XObjects) far enough to
//! know where each piece of text lands on the page.
//!
//! Why: lopdf's `extract_text` keeps drawing order and no geometry, so tables drawn column by
//! column and cairo's CTM-flipped pages come out scrambled. The walker tracks the graphics state
//! (CTM, `q`/`Q`), the text state (`Tm`, `Tf`, `Tc`, `Tw`, `Tz`, `TL`, `Ts`) and glyph advances,
//! and emits [`Run`]s: text with its start and end on the page in a frame where that text reads
//! left to right. Layout ([`super::layout`]) then rebuilds lines and blocks from the runs.
//!
//! Bounded on hostile input: operators per page, `q` nesting and form recursion (with a visited
//! set) are capped, Type3 glyph procedures are never executed, and the clock is checked.

use super::fonts::{Code, Font};
use crate::ingest::clock::Clock;
use crate::ingest::{ReadContext, ReadError};
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::HashMap;
use std::rc::Rc;

/// Most operators run for one page, forms included.
pub(super) const MAX_OPS: usize = 3_000_000;
/// Deepest `q` nesting tracked (deeper saves are ignored, as viewers do).
const MAX_SAVE_DEPTH: usize = 256;
/// Deepest form-XObject nesting followed.
const MAX_FORM_DEPTH: usize = 12;
/// Largest decompressed form XObject.
const MAX_FORM_BYTES: usize = 64 * 1024 * 1024;
/// Most text bytes kept for one page (ToUnicode entries can expand one byte to many).
const MAX_PAGE_TEXT: usize = 16 * 1024 * 1024;
/// Most runs kept for one page.
const MAX_RUNS: usize = 500_000;
/// A `TJ` adjustment beyond this (thousandths of an em) starts a new run.
const TJ_SPLIT: f32 = 150.0;

/// A PDF transformation matrix `[a b c d e f]` (a point is a row vector times it).
pub(super) type Matrix = [f32; 6];
pub(super) const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m` then `n`: the matrix that applies `m` first.
pub(super) fn mul(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

/// A piece of text laid out along one direction, in its reading frame (x along the text,
/// y up across lines).
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// Text direction in quarter turns (0 = left to right on the page as displayed).
    pub(crate) quadrant: u8,
    /// Start along the text.
    pub(crate) x: f32,
    /// End along the text.
    pub(crate) x_end: f32,
    /// Baseline position across lines (bigger = earlier line).
    pub(crate) y: f32,
    /// Font size on the page.
    pub(crate) size: f32,
    /// Byte range of the run's text in [`PageText::text`].
    pub(crate) start: usize,
    /// End of that range.
    pub(crate) end: usize,
}

/// What one page gave.
#[derive(Debug, Default)]
pub(crate) struct PageText {
    /// All runs' text, back to back (runs point into it).
    pub(crate) text: String,
    /// The runs in drawing order.
    pub(crate) runs: Vec<Run>,
    /// Glyphs whose font gives no usable Unicode (or junk).
    pub(crate) unusable_glyphs: usize,
    /// Images were drawn.
    pub(crate) has_images: bool,
    /// The page hit the operator cap.
    pub(crate) truncated: bool,
    /// Why a font of the page maps only part of its codes, when a limit cut its ToUnicode map.
    pub(crate) limited: Option<String>,
}

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    font: Option<Rc<Font>>,
    size: f32,
    char_spacing: f32,
    word_spacing: f32,
    h_scale: f32,
    leading: f32,
    rise: f32,
}

/// Resource dictionaries in lookup order (nearest first).
#[derive(Clone)]
struct Resources<'a> {
    dicts: Vec<&'a Dictionary>,
}

impl<'a> Resources<'a> {
    fn lookup(&self, doc: &'a Document, category: &[u8], name: &[u8]) -> Option<&'a Object> {
        for res in &self.dicts {
            let Some(cat) = res
                .get(category)
                .ok()
                .and_then(|o| doc.dereference(o).ok())
                .and_then(|(_, o)| o.as_dict().ok())
            else {
                continue;
            };
            if let Ok(obj) = cat.get(name) {
                return Some(obj);
            }
        }
        None
    }
}

/// Walks pages of one document; fonts are resolved once per document.
pub(super) struct Walker<'a> {
    doc: &'a Document,
    fonts: HashMap<usize, Rc<Font>>,
}

struct PageRun<'a, 'c> {
    doc: &'a Document,
    ctx: &'c ReadContext,
    /// Reads the clock every so many operators.
    clock: Clock<'c>,
    fonts: &'c mut HashMap<usize, Rc<Font>>,
    out: PageText,
    ops: usize,
    forms: Vec<ObjectId>,
    form_cache: HashMap<ObjectId, Rc<Vec<u8>>>,
    rotate: Matrix,
    // current run being built
    open: Option<Run>,
    run_glyphs: usize,
    run_bad: usize,
}

impl<'a> Walker<'a> {
    /// A walker over `doc`.
    pub(super) fn new(doc: &'a Document) -> Walker<'a> {
        Walker {
            doc,
            fonts: HashMap::new(),
        }
    }

    /// Walks one page's content (already decompressed, within limits).
    pub(super) fn page(
        &mut self,
        page_id: ObjectId,
        content: &[u8],
        ctx: &ReadContext,
    ) -> Result<PageText, ReadError> {
        let doc = self.doc;
        let (direct, ids) = doc.get_page_resources(page_id).map_err(|e| {
            ReadError::Corrupt(format!("页面资源无法读取：{e} (page resources unreadable)"))
        })?;
        let mut dicts: Vec<&Dictionary> = direct.into_iter().collect();
        dicts.extend(ids.iter().filter_map(|id| doc.get_dictionary(*id).ok()));
        let resources = Resources { dicts };
        let rotate = page_rotation(doc, page_id);
        let mut run = PageRun {
            doc,
            ctx,
            clock: Clock::new(ctx),
            fonts: &mut self.fonts,
            out: PageText::default(),
            ops: 0,
            forms: Vec::new(),
            form_cache: HashMap::new(),
            rotate,
            open: None,
            run_glyphs: 0,
            run_bad: 0,
        };
        let gs = GState {
            ctm: IDENTITY,
            font: None,
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            h_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
        };
        run.walk(content, &resources, gs.clone())?;
        run.close_run();
        run.annotations(page_id, &resources, &gs)?;
        Ok(run.out)
    }
}

/// The page's `/Rotate` (inherited) as a matrix applied after the CTM, so that page space comes
/// out as viewers display it.
pub(super) fn page_rotation(doc: &Document, page_id: ObjectId) -> Matrix {
    let mut node = doc.get_dictionary(page_id).ok();
    let mut rotate = 0i64;
    for _ in 0..32 {
        let Some(d) = node else { break };
        if let Ok(r) = d.get(b"Rotate").and_then(Object::as_i64) {
            rotate = r;
            break;
        }
        node = d
            .get(b"Parent")
            .and_then(Object::as_reference)
            .and_then(|id| doc.get_dictionary(id))
            .ok();
    }
    match rotate.rem_euclid(360) {
        90 => [0.0, -1.0, 1.0, 0.0, 0.0, 0.0],
        180 => [-1.0, 0.0, 0.0, -1.0, 0.0, 0.0],
        270 => [0.0, 1.0, -1.0, 0.0, 0.0, 0.0],
        _ => IDENTITY,
    }
}

/// A number operand, 0 when absent or not a finite number.
pub(super) fn num(o: Option<&Object>) -> f32 {
    match o {
        Some(Object::Integer(i)) => *i as f32,
        Some(Object::Real(r)) if r.is_finite() => *r,
        _ => 0.0,
    }
}

/// The six numbers of a `cm`/`Tm` operand list or a `/Matrix` array.
pub(super) fn matrix_of(ops: &[Object]) -> Option<Matrix> {
    if ops.len() < 6 {
        return None;
    }
    let m = [
        num(ops.first()),
        num(ops.get(1)),
        num(ops.get(2)),
        num(ops.get(3)),
        num(ops.get(4)),
        num(ops.get(5)),
    ];
    Some(m)
}

struct TextState {
    tm: Matrix,
    tlm: Matrix,
}

impl<'a> PageRun<'a, '_> {
    fn walk(&mut self, content: &[u8], res: &Resources<'a>, base: GState) -> Result<(), ReadError> {
        let mut gs = base;
        let mut stack: Vec<GState> = Vec::new();
        let mut ts = TextState {
            tm: IDENTITY,
            tlm: IDENTITY,
        };
        for op in Content::decode_iter(content) {
            let Ok(op) = op else { break };
            self.ops += 1;
            if self.ops > MAX_OPS {
                self.out.truncated = true;
                break;
            }
            self.clock.tick()?;
            let a = &op.operands;
            match op.operator.as_str() {
                "q" if stack.len() < MAX_SAVE_DEPTH => stack.push(gs.clone()),
                "Q" => {
                    if let Some(g) = stack.pop() {
                        gs = g;
                    }
                }
                "cm" => {
                    if let Some(m) = matrix_of(a) {
                        gs.ctm = mul(&m, &gs.ctm);
                    }
                }
                "BT" => {
                    ts.tm = IDENTITY;
                    ts.tlm = IDENTITY;
                }
                "ET" => {}
                "Tf" => {
                    gs.size = num(a.get(1));
                    gs.font = match a.first().and_then(|o| o.as_name().ok()) {
                        Some(name) => self.font(res, name)?,
                        None => None,
                    };
                }
                "Tc" => gs.char_spacing = num(a.first()),
                "Tw" => gs.word_spacing = num(a.first()),
                "Tz" => gs.h_scale = num(a.first()) / 100.0,
                "TL" => gs.leading = num(a.first()),
                "Ts" => gs.rise = num(a.first()),
                "Td" => {
                    let t = [1.0, 0.0, 0.0, 1.0, num(a.first()), num(a.get(1))];
                    ts.tlm = mul(&t, &ts.tlm);
                    ts.tm = ts.tlm;
                }
                "TD" => {
                    gs.leading = -num(a.get(1));
                    let t = [1.0, 0.0, 0.0, 1.0, num(a.first()), num(a.get(1))];
                    ts.tlm = mul(&t, &ts.tlm);
                    ts.tm = ts.tlm;
                }
                "Tm" => {
                    if let Some(m) = matrix_of(a) {
                        ts.tlm = m;
                        ts.tm = m;
                    }
                }
                "T*" => next_line(&mut ts, &gs),
                "Tj" => {
                    if let Some(Object::String(s, _)) = a.first() {
                        self.show(s, &gs, &mut ts);
                    }
                    self.close_run();
                }
                "'" => {
                    next_line(&mut ts, &gs);
                    if let Some(Object::String(s, _)) = a.first() {
                        self.show(s, &gs, &mut ts);
                    }
                    self.close_run();
                }
                "\"" => {
                    gs.word_spacing = num(a.first());
                    gs.char_spacing = num(a.get(1));
                    next_line(&mut ts, &gs);
                    if let Some(Object::String(s, _)) = a.get(2) {
                        self.show(s, &gs, &mut ts);
                    }
                    self.close_run();
                }
                "TJ" => {
                    if let Some(Object::Array(items)) = a.first() {
                        for item in items {
                            match item {
                                Object::String(s, _) => self.show(s, &gs, &mut ts),
                                Object::Integer(_) | Object::Real(_) => {
                                    let adj = num(Some(item));
                                    let vertical = gs.font.as_ref().is_some_and(|f| f.vertical);
                                    let d = -adj / 1000.0 * gs.size;
                                    let t = if vertical {
                                        [1.0, 0.0, 0.0, 1.0, 0.0, d]
                                    } else {
                                        [1.0, 0.0, 0.0, 1.0, d * gs.h_scale, 0.0]
                                    };
                                    ts.tm = mul(&t, &ts.tm);
                                    if adj.abs() > TJ_SPLIT {
                                        self.close_run();
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                    self.close_run();
                }
                "Do" => {
                    if let Some(name) = a.first().and_then(|o| o.as_name().ok()) {
                        self.do_xobject(res, name, &gs)?;
                    }
                }
                "BI" | "ID" | "EI" => self.out.has_images = true,
                _ => {}
            }
        }
        Ok(())
    }

    /// The font resource `name`, resolved once per walker. `Err` when the file's time runs
    /// out while loading it; a font whose ToUnicode map a limit cut marks the page limited.
    fn font(&mut self, res: &Resources<'a>, name: &[u8]) -> Result<Option<Rc<Font>>, ReadError> {
        let doc = self.doc;
        let Some(dict) = res
            .lookup(doc, b"Font", name)
            .and_then(|obj| doc.dereference(obj).ok())
            .and_then(|(_, o)| o.as_dict().ok())
        else {
            return Ok(None);
        };
        let key = dict as *const Dictionary as usize;
        if let Some(f) = self.fonts.get(&key) {
            return Ok(Some(f.clone()));
        }
        let f = Rc::new(Font::load(doc, dict, &mut self.clock)?);
        if let Some(why) = f.limited() {
            self.out.limited.get_or_insert_with(|| why.to_string());
        }
        self.fonts.insert(key, f.clone());
        Ok(Some(f))
    }

    fn do_xobject(
        &mut self,
        res: &Resources<'a>,
        name: &[u8],
        gs: &GState,
    ) -> Result<(), ReadError> {
        let doc = self.doc;
        let Some(obj) = res.lookup(doc, b"XObject", name) else {
            return Ok(());
        };
        let Ok((id, target)) = doc.dereference(obj) else {
            return Ok(());
        };
        let Ok(stream) = target.as_stream() else {
            return Ok(());
        };
        match stream.dict.get(b"Subtype").and_then(Object::as_name) {
            Ok(b"Image") => {
                self.out.has_images = true;
                Ok(())
            }
            Ok(b"Form") => self.form(id, stream, res, gs),
            _ => Ok(()),
        }
    }

    /// Draws the appearance streams of the page's visible annotations (form fields, free text,
    /// stamps), as viewers and `pdftotext` do: filled-in application forms keep their values
    /// there.
    fn annotations(
        &mut self,
        page_id: ObjectId,
        res: &Resources<'a>,
        gs: &GState,
    ) -> Result<(), ReadError> {
        let doc = self.doc;
        let Ok(annots) = doc.get_page_annotations(page_id) else {
            return Ok(());
        };
        for annot in annots.into_iter().take(10_000) {
            self.ctx.check_time()?;
            let subtype = annot
                .get(b"Subtype")
                .and_then(Object::as_name)
                .unwrap_or(b"");
            if matches!(subtype, b"Popup" | b"Link") {
                continue;
            }
            let flags = annot.get(b"F").and_then(Object::as_i64).unwrap_or(0);
            if flags & 2 != 0 {
                continue;
            }
            let Some(normal) = annot
                .get(b"AP")
                .ok()
                .and_then(|o| doc.dereference(o).ok())
                .and_then(|(_, o)| o.as_dict().ok())
                .and_then(|ap| ap.get(b"N").ok())
                .and_then(|o| doc.dereference(o).ok())
            else {
                continue;
            };
            let (id, stream) = match normal {
                (id, Object::Stream(s)) => (id, s),
                (_, Object::Dictionary(states)) => {
                    let Some(state) = annot.get(b"AS").and_then(Object::as_name).ok() else {
                        continue;
                    };
                    match states.get(state).ok().and_then(|o| doc.dereference(o).ok()) {
                        Some((id, Object::Stream(s))) => (id, s),
                        _ => continue,
                    }
                }
                _ => continue,
            };
            let Some(rect) = annot
                .get(b"Rect")
                .ok()
                .and_then(|o| doc.dereference(o).ok())
                .and_then(|(_, o)| o.as_array().ok())
                .and_then(|a| matrix_of4(a))
            else {
                continue;
            };
            let bbox = stream
                .dict
                .get(b"BBox")
                .ok()
                .and_then(|o| o.as_array().ok())
                .and_then(|a| matrix_of4(a))
                .unwrap_or(rect);
            let m = match stream.dict.get(b"Matrix") {
                Ok(Object::Array(m)) => matrix_of(m).unwrap_or(IDENTITY),
                _ => IDENTITY,
            };
            // Map the form's transformed bounding box onto the annotation rectangle (ISO 32000-1,
            // 12.5.5).
            let corners = [
                (bbox[0], bbox[1]),
                (bbox[2], bbox[1]),
                (bbox[0], bbox[3]),
                (bbox[2], bbox[3]),
            ];
            let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
            for (x, y) in corners {
                let (tx, ty) = (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]);
                x0 = x0.min(tx);
                y0 = y0.min(ty);
                x1 = x1.max(tx);
                y1 = y1.max(ty);
            }
            let (rx0, ry0) = (rect[0].min(rect[2]), rect[1].min(rect[3]));
            let (rx1, ry1) = (rect[0].max(rect[2]), rect[1].max(rect[3]));
            let sx = if x1 - x0 > 1e-3 {
                (rx1 - rx0) / (x1 - x0)
            } else {
                1.0
            };
            let sy = if y1 - y0 > 1e-3 {
                (ry1 - ry0) / (y1 - y0)
            } else {
                1.0
            };
            let a = [sx, 0.0, 0.0, sy, rx0 - sx * x0, ry0 - sy * y0];
            let mut inner = gs.clone();
            inner.ctm = mul(&a, &gs.ctm);
            self.form(id, stream, res, &inner)?;
        }
        Ok(())
    }

    /// Runs a form XObject (a `Do` target or an annotation appearance) inside `gs`.
    fn form(
        &mut self,
        id: Option<ObjectId>,
        stream: &'a lopdf::Stream,
        res: &Resources<'a>,
        gs: &GState,
    ) -> Result<(), ReadError> {
        let doc = self.doc;
        {
            {
                if self.forms.len() >= MAX_FORM_DEPTH
                    || id.is_some_and(|id| self.forms.contains(&id))
                {
                    return Ok(());
                }
                let data = match id.and_then(|id| self.form_cache.get(&id)) {
                    Some(d) => d.clone(),
                    None => {
                        let decoded = stream
                            .decompressed_content_with_limit(MAX_FORM_BYTES)
                            .or_else(|e| {
                                if stream.dict.get(b"Filter").is_err()
                                    && stream.content.len() <= MAX_FORM_BYTES
                                {
                                    Ok(stream.content.clone())
                                } else {
                                    Err(e)
                                }
                            });
                        let Ok(decoded) = decoded else {
                            return Ok(());
                        };
                        let decoded = Rc::new(decoded);
                        // Forms drawn many times are decompressed once per page.
                        if let Some(id) = id {
                            self.form_cache.insert(id, decoded.clone());
                        }
                        decoded
                    }
                };
                let mut inner = gs.clone();
                if let Ok(Object::Array(m)) = stream.dict.get(b"Matrix")
                    && let Some(m) = matrix_of(m)
                {
                    inner.ctm = mul(&m, &inner.ctm);
                }
                let mut form_res = res.clone();
                if let Some(d) = stream
                    .dict
                    .get(b"Resources")
                    .ok()
                    .and_then(|o| doc.dereference(o).ok())
                    .and_then(|(_, o)| o.as_dict().ok())
                {
                    form_res.dicts.insert(0, d);
                }
                self.forms.push(id.unwrap_or((0, 0)));
                self.close_run();
                let r = self.walk(&data, &form_res, inner);
                self.close_run();
                self.forms.pop();
                r
            }
        }
    }

    /// Shows one string: decodes its codes, appends their text to the open run (opening one at
    /// the first glyph) and advances the text matrix by each glyph's width.
    fn show(&mut self, s: &[u8], gs: &GState, ts: &mut TextState) {
        let Some(font) = gs.font.clone() else {
            return;
        };
        let mut pos = 0;
        let mut guard = 0usize;
        while let Some(code) = font.next_code(s, &mut pos) {
            guard += 1;
            if guard > s.len() + 1 {
                break;
            }
            self.glyph(&font, &code, gs, ts);
        }
    }

    fn glyph(&mut self, font: &Font, code: &Code, gs: &GState, ts: &mut TextState) {
        let before = self.out.text.len();
        if before > MAX_PAGE_TEXT || self.out.runs.len() > MAX_RUNS {
            self.out.truncated = true;
            return;
        }
        let trm = mul(
            &mul(
                &[gs.size * gs.h_scale, 0.0, 0.0, gs.size, 0.0, gs.rise],
                &ts.tm,
            ),
            &mul(&gs.ctm, &self.rotate),
        );
        if self.open.is_none() {
            // Direction of reading on the page: the text-space x axis, or -y for vertical fonts.
            let (dx, dy) = if font.vertical {
                (-trm[2], -trm[3])
            } else {
                (trm[0], trm[1])
            };
            let angle = dy.atan2(dx);
            let quadrant =
                ((angle / std::f32::consts::FRAC_PI_2).round() as i32).rem_euclid(4) as u8;
            let (x, y) = frame(quadrant, trm[4], trm[5]);
            let size = if font.vertical {
                (trm[0] * trm[0] + trm[1] * trm[1]).sqrt()
            } else {
                (trm[2] * trm[2] + trm[3] * trm[3]).sqrt()
            };
            self.open = Some(Run {
                quadrant,
                x,
                x_end: x,
                y,
                size: if size.is_finite() { size } else { 0.0 },
                start: before,
                end: before,
            });
            self.run_glyphs = 0;
            self.run_bad = 0;
        }
        let usable = font.push_text(code, &mut self.out.text);
        self.run_glyphs += 1;
        if !usable {
            self.run_bad += 1;
        }
        let text = self.out.text.get(before..).unwrap_or("");
        let w = font.width(code, text) / 1000.0;
        let is_space = code.len == 1 && code.code == 32;
        let spacing = gs.char_spacing + if is_space { gs.word_spacing } else { 0.0 };
        let t = if font.vertical {
            [1.0, 0.0, 0.0, 1.0, 0.0, -(w * gs.size) + spacing]
        } else {
            [
                1.0,
                0.0,
                0.0,
                1.0,
                (w * gs.size + spacing) * gs.h_scale,
                0.0,
            ]
        };
        ts.tm = mul(&t, &ts.tm);
        if let Some(run) = self.open.as_mut() {
            let end = mul(
                &mul(
                    &[gs.size * gs.h_scale, 0.0, 0.0, gs.size, 0.0, gs.rise],
                    &ts.tm,
                ),
                &mul(&gs.ctm, &self.rotate),
            );
            let (x_end, _) = frame(run.quadrant, end[4], end[5]);
            if x_end.is_finite() {
                run.x_end = x_end;
            }
            run.end = self.out.text.len();
        }
    }

    /// Ends the open run: keeps it when it has text that is not junk, else counts its glyphs
    /// as unusable and drops its text.
    fn close_run(&mut self) {
        let Some(run) = self.open.take() else {
            return;
        };
        let text = self.out.text.get(run.start..run.end).unwrap_or("");
        let junk = text
            .chars()
            .filter(|c| {
                let u = *c as u32;
                (0xE000..=0xF8FF).contains(&u) || u >= 0xF0000 || c.is_control() || *c == '\u{FFFD}'
            })
            .count();
        let total = text.chars().count();
        let bad = self.run_bad + junk;
        let good = self.run_glyphs.saturating_sub(self.run_bad);
        if total == 0 || bad * 2 > self.run_glyphs.max(total) || good == 0 {
            if text.chars().all(char::is_whitespace) && self.run_bad == 0 {
                // A run of spaces: neither text nor junk.
            } else {
                self.out.unusable_glyphs += self.run_glyphs;
            }
            self.out.text.truncate(run.start);
            return;
        }
        if !(run.x.is_finite() && run.y.is_finite()) {
            self.out.text.truncate(run.start);
            return;
        }
        self.out.runs.push(run);
    }
}

fn matrix_of4(a: &[Object]) -> Option<[f32; 4]> {
    if a.len() < 4 {
        return None;
    }
    Some([num(a.first()), num(a.get(1)), num(a.get(2)), num(a.get(3))])
}

/// Page coordinates → the reading frame of text running in `quadrant`.
fn frame(quadrant: u8, x: f32, y: f32) -> (f32, f32) {
    match quadrant {
        1 => (y, -x),
        2 => (-x, -y),
        3 => (-y, x),
        _ => (x, y),
    }
}

fn next_line(ts: &mut TextState, gs: &GState) {
    let t = [1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading];
    ts.tlm = mul(&t, &ts.tlm);
    ts.tm = ts.tlm;
}
