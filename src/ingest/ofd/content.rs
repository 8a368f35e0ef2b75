//! One content part of an OFD — a page's `Content.xml`, a template page, an annotation file —
//! walked as a stream into glyph runs placed on the page, for the PDF reader's layout
//! ([`crate::ingest::pdf::blocks`]) to put in reading order.
//!
//! Where a glyph is (GB/T 33190 §11): a `TextObject` has a `Boundary` (`x y w h`, mm, y down,
//! relative to its container: the page, or an annotation's `Appearance`) and an optional `CTM`
//! from its own space into the boundary's; each `TextCode` starts at `X`/`Y` (the baseline;
//! when absent, where the previous code ended) and spaces its characters by `DeltaX`/`DeltaY`.
//! Each glyph's position is carried through that chain and turned into the PDF layout's frame
//! (points, y up), so lines are grouped by baseline within half a font size, top to bottom, left
//! to right, exactly as PDF pages are. A code is split into runs where its glyphs leave the line
//! or jump (one `TextCode` may hold a whole paragraph, placed by `DeltaX`/`DeltaY` jumps).
//!
//! Also noted on the way: images drawn (`ImageObject`, for OCR of a page that is a scan),
//! template pages the page refers to, the page's own size and resources.

use super::deltas::{number, numbers, offsets};
use crate::ingest::ReadContext;
use crate::ingest::flow::{self, Walk};
use crate::ingest::package::{Outcome, attr};
use crate::ingest::pdf::{PageText, Run};
use crate::normalize::is_cjk;
use quick_xml::events::BytesStart;

/// Points per millimetre: OFD measures in mm, the PDF layout's thresholds are tuned in points.
const PT_PER_MM: f32 = 72.0 / 25.4;

/// Font size assumed when a `TextObject` gives none (10.5 pt, 五号, in mm).
const DEFAULT_SIZE_MM: f32 = 3.7;

/// Most glyphs placed from one part; past it the walk stops as full.
const MAX_GLYPHS: usize = 20_000_000;

/// An image drawn on the page.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Image {
    /// The `MultiMedia` resource it shows.
    pub(super) resource: String,
    /// Its boundary's area on the page, mm².
    pub(super) area: f32,
}

/// A template page a page draws under or over its own content.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TemplateRef {
    /// The `TemplatePage` ID in the document's `CommonData`.
    pub(super) id: String,
    /// Drawn over the page's content (`ZOrder="Foreground"`) rather than under it.
    pub(super) foreground: bool,
}

/// What one content part drew.
#[derive(Debug, Default)]
pub(super) struct Drawn {
    /// The glyph runs, in the PDF layout's frame.
    pub(super) text: PageText,
    /// Images drawn.
    pub(super) images: Vec<Image>,
    /// Template pages referred to (a page's `Template` elements).
    pub(super) templates: Vec<TemplateRef>,
    /// The page's own `Area/PhysicalBox`, when it has one.
    pub(super) physical_box: Option<[f32; 4]>,
    /// The page's own resource files (`PageRes`), as written.
    pub(super) page_res: Vec<String>,
    /// Glyphs placed.
    pub(super) glyphs: usize,
}

/// Walks one content part.
pub(super) fn walk(xml: &str, ctx: &ReadContext) -> (Drawn, Outcome) {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = false;
    let mut walker = Walker::default();
    let outcome = flow::walk(&mut reader, &mut walker, ctx);
    (walker.drawn, outcome)
}

/// An affine map `[a b c d e f]`: (x, y) → (a x + c y + e, b x + d y + f).
type Matrix = [f32; 6];

const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

fn apply(m: &Matrix, x: f32, y: f32) -> (f32, f32) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

/// What an open element means to the walk.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Other,
    /// Children are placed relative to this origin (an annotation's `Appearance`).
    Offset,
    TextObject,
    TextCode,
    /// `Area` of a page: its `PhysicalBox` is the page size.
    Area,
    PhysicalBox,
    PageRes,
}

struct Frame {
    kind: Kind,
    /// Origin of children, in page mm.
    origin: (f32, f32),
}

/// The text object being walked.
struct TextObject {
    /// Its own space → page mm (CTM, then the boundary's origin).
    to_page: Matrix,
    /// Font size in its own space, mm.
    size: f32,
    /// Where the next code starts when it gives no `X`/`Y`.
    pen: (f32, f32),
}

/// The text code being walked.
struct TextCode {
    x: Option<f32>,
    y: Option<f32>,
    delta_x: Option<String>,
    delta_y: Option<String>,
    text: String,
}

#[derive(Default)]
struct Walker {
    stack: Vec<Frame>,
    object: Option<TextObject>,
    code: Option<TextCode>,
    drawn: Drawn,
    /// Text of a `PhysicalBox` or `PageRes` being read.
    pending: String,
}

impl Walker {
    fn origin(&self) -> (f32, f32) {
        self.stack.last().map_or((0.0, 0.0), |f| f.origin)
    }

    fn parent_kind(&self) -> Kind {
        self.stack.last().map_or(Kind::Other, |f| f.kind)
    }

    /// Places the finished code's glyphs and advances the object's pen.
    fn place(&mut self, code: TextCode) {
        let Some(object) = self.object.as_mut() else {
            return;
        };
        let chars: Vec<char> = code.text.chars().filter(|c| !c.is_control()).collect();
        if chars.is_empty() {
            return;
        }
        let room = MAX_GLYPHS.saturating_sub(self.drawn.glyphs);
        let chars = &chars[..chars.len().min(room)];
        self.drawn.glyphs += chars.len();
        let gaps = chars.len().saturating_sub(1);
        let dx = code
            .delta_x
            .as_deref()
            .map_or_else(Vec::new, |d| offsets(d, gaps));
        let dy = code
            .delta_y
            .as_deref()
            .map_or_else(Vec::new, |d| offsets(d, gaps));
        let vertical = dx.is_empty() && !dy.is_empty();
        let m = object.to_page;
        let scale = (m[0] * m[3] - m[1] * m[2]).abs().sqrt();
        let scale = if scale.is_finite() && scale > 1e-6 {
            scale
        } else {
            1.0
        };
        let size_pt = object.size * scale * PT_PER_MM;
        // The direction glyphs advance in, on the page as displayed (y up).
        let (ux, uy) = if vertical { (0.0, 1.0) } else { (1.0, 0.0) };
        let (dir_x, dir_y) = (m[0] * ux + m[2] * uy, -(m[1] * ux + m[3] * uy));
        let angle = dir_y.atan2(dir_x);
        let quadrant = if angle.is_finite() {
            ((angle / std::f32::consts::FRAC_PI_2).round() as i32).rem_euclid(4) as u8
        } else {
            0
        };
        let mut x = code.x.unwrap_or(object.pen.0);
        let mut y = code.y.unwrap_or(object.pen.1);
        let text = &mut self.drawn.text;
        let mut open: Option<(Run, f32)> = None;
        for (i, &c) in chars.iter().enumerate() {
            let (px, py) = apply(&m, x, y);
            let (along, across) = frame(quadrant, px * PT_PER_MM, -py * PT_PER_MM);
            let width = size_pt * if is_cjk(c) || !c.is_ascii() { 1.0 } else { 0.5 };
            let continues = open.as_ref().is_some_and(|(run, last)| {
                (across - run.y).abs() <= 0.3 * size_pt.max(0.1)
                    && along >= *last - 0.3 * size_pt
                    && along <= run.x_end + 1.5 * size_pt.max(0.1)
            });
            if !continues {
                if let Some((run, _)) = open.take() {
                    text.runs.push(run);
                }
                open = Some((
                    Run {
                        quadrant,
                        x: along,
                        x_end: along,
                        y: across,
                        size: size_pt,
                        start: text.text.len(),
                        end: text.text.len(),
                    },
                    along,
                ));
            }
            text.text.push(c);
            if let Some((run, last)) = open.as_mut() {
                run.end = text.text.len();
                run.x_end = run.x_end.max(along + width);
                *last = along;
            }
            // The next glyph's place: the listed offset, else the last one listed, else an
            // estimate from the font size (no offsets at all).
            let step = |list: &[f32], estimate: f32| {
                list.get(i)
                    .or_else(|| list.last())
                    .copied()
                    .unwrap_or(estimate)
            };
            let em = object.size * if is_cjk(c) || !c.is_ascii() { 1.0 } else { 0.5 };
            if vertical {
                y += step(&dy, em);
            } else {
                x += step(&dx, em);
                if !dy.is_empty() {
                    y += dy.get(i).copied().unwrap_or(0.0);
                }
            }
        }
        if let Some((run, _)) = open {
            text.runs.push(run);
        }
        object.pen = (x, y);
    }
}

/// Page coordinates (y up) → the reading frame of text running in `quadrant`, as the PDF
/// walker's: x along the text, y across lines (bigger = earlier line).
fn frame(quadrant: u8, x: f32, y: f32) -> (f32, f32) {
    match quadrant {
        1 => (y, -x),
        2 => (-x, -y),
        3 => (-y, x),
        _ => (x, y),
    }
}

fn local(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_string()
}

impl Walk<()> for Walker {
    fn depth(&self) -> usize {
        self.stack.len()
    }

    fn full(&self) -> bool {
        self.drawn.glyphs >= MAX_GLYPHS
    }

    fn start(&mut self, _ns: (), e: &BytesStart<'_>) {
        let name = local(e);
        let origin = self.origin();
        let boundary = attr(e, "Boundary").and_then(|b| numbers::<4>(&b));
        let mut kind = Kind::Other;
        let mut child_origin = origin;
        match name.as_str() {
            "TextObject" => {
                kind = Kind::TextObject;
                let (bx, by) = boundary.map_or((0.0, 0.0), |b| (b[0], b[1]));
                let ctm = attr(e, "CTM")
                    .and_then(|c| numbers::<6>(&c))
                    .unwrap_or(IDENTITY);
                let mut to_page = ctm;
                to_page[4] += bx + origin.0;
                to_page[5] += by + origin.1;
                let size = attr(e, "Size")
                    .and_then(|s| number(&s))
                    .filter(|s| *s > 0.0)
                    .unwrap_or(DEFAULT_SIZE_MM);
                self.object = Some(TextObject {
                    to_page,
                    size,
                    pen: (0.0, 0.0),
                });
            }
            "TextCode" if self.object.is_some() => {
                kind = Kind::TextCode;
                self.code = Some(TextCode {
                    x: attr(e, "X").and_then(|v| number(&v)),
                    y: attr(e, "Y").and_then(|v| number(&v)),
                    delta_x: attr(e, "DeltaX"),
                    delta_y: attr(e, "DeltaY"),
                    text: String::new(),
                });
            }
            "ImageObject" => {
                let area = boundary.map_or(0.0, |b| (b[2] * b[3]).abs());
                if let Some(resource) = attr(e, "ResourceID") {
                    self.drawn.images.push(Image {
                        resource: resource.trim().to_string(),
                        area,
                    });
                }
            }
            "Appearance" => {
                kind = Kind::Offset;
                if let Some(b) = boundary {
                    child_origin = (origin.0 + b[0], origin.1 + b[1]);
                }
            }
            "Template" => {
                if let Some(id) = attr(e, "TemplateID") {
                    let foreground = attr(e, "ZOrder")
                        .is_some_and(|z| z.trim().eq_ignore_ascii_case("Foreground"));
                    self.drawn.templates.push(TemplateRef {
                        id: id.trim().to_string(),
                        foreground,
                    });
                }
            }
            "Area" if self.stack.len() == 1 => kind = Kind::Area,
            "PhysicalBox" if self.parent_kind() == Kind::Area => kind = Kind::PhysicalBox,
            "PageRes" if self.stack.len() == 1 => kind = Kind::PageRes,
            _ => {}
        }
        if matches!(kind, Kind::PhysicalBox | Kind::PageRes) {
            self.pending.clear();
        }
        self.stack.push(Frame {
            kind,
            origin: child_origin,
        });
    }

    fn end(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        match frame.kind {
            Kind::TextCode => {
                if let Some(code) = self.code.take() {
                    self.place(code);
                }
            }
            Kind::TextObject => {
                self.object = None;
                self.code = None;
            }
            Kind::PhysicalBox => {
                self.drawn.physical_box = numbers::<4>(&self.pending);
            }
            Kind::PageRes => {
                let loc = self.pending.trim();
                if !loc.is_empty() {
                    self.drawn.page_res.push(loc.to_string());
                }
            }
            _ => {}
        }
    }

    fn wants_text(&self) -> bool {
        matches!(
            self.parent_kind(),
            Kind::TextCode | Kind::PhysicalBox | Kind::PageRes
        )
    }

    fn text(&mut self, s: &str) {
        match self.parent_kind() {
            Kind::TextCode => {
                if let Some(code) = self.code.as_mut() {
                    code.text.push_str(s);
                }
            }
            Kind::PhysicalBox | Kind::PageRes => self.pending.push_str(s),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::test_support::ctx;

    fn page(body: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016">{body}</ofd:Page>"#
        )
    }

    fn lines(drawn: &Drawn) -> Vec<String> {
        crate::ingest::pdf::blocks(&drawn.text)
            .into_iter()
            .map(|b| b.text)
            .collect()
    }

    #[test]
    fn codes_are_placed_by_boundary_and_read_top_to_bottom_left_to_right() {
        // Drawn bottom line first, and the top line's right half before its left half.
        let xml = page(
            r#"<ofd:Content><ofd:Layer ID="1">
            <ofd:TextObject ID="2" Boundary="20 60 100 10" Size="5"><ofd:TextCode X="0" Y="5" DeltaX="g 3 5">营业期限</ofd:TextCode></ofd:TextObject>
            <ofd:TextObject ID="3" Boundary="60 20 100 10" Size="5"><ofd:TextCode X="0" Y="5" DeltaX="5 5 5">有限公司</ofd:TextCode></ofd:TextObject>
            <ofd:TextObject ID="4" Boundary="20 20 40 10" Size="5"><ofd:TextCode X="0" Y="5" DeltaX="5 5 5">鼎盛机电</ofd:TextCode></ofd:TextObject>
            </ofd:Layer></ofd:Content>"#,
        );
        let (drawn, outcome) = walk(&xml, &ctx());
        assert_eq!(outcome, Outcome::Done);
        assert_eq!(drawn.glyphs, 12);
        assert_eq!(lines(&drawn), vec!["鼎盛机电有限公司", "营业期限"]);
    }

    #[test]
    fn one_code_holding_two_lines_is_split_by_its_jumps() {
        // A paragraph in one TextCode: DeltaX jumps back and DeltaY moves down a line.
        let xml = page(
            r#"<ofd:Content><ofd:Layer><ofd:TextObject Boundary="10 10 100 50" Size="4">
            <ofd:TextCode X="0" Y="4" DeltaX="4 4 -8 4" DeltaY="0 0 6 0">售后服务制度</ofd:TextCode>
            </ofd:TextObject></ofd:Layer></ofd:Content>"#,
        );
        let (drawn, _) = walk(&xml, &ctx());
        assert_eq!(drawn.text.runs.len(), 2);
        assert_eq!(lines(&drawn), vec!["售后服\n务制度"]);
    }

    #[test]
    fn ctm_scales_and_missing_positions_continue_from_the_pen() {
        let xml = page(
            r#"<ofd:Content><ofd:Layer><ofd:TextObject Boundary="10 10 100 50" Size="1" CTM="5 0 0 5 0 0">
            <ofd:TextCode X="0" Y="1" DeltaX="1">投诉</ofd:TextCode><ofd:TextCode DeltaX="1">处理</ofd:TextCode>
            </ofd:TextObject></ofd:Layer></ofd:Content>"#,
        );
        let (drawn, _) = walk(&xml, &ctx());
        assert_eq!(lines(&drawn), vec!["投诉处理"]);
        let size = drawn.text.runs[0].size;
        assert!((size - 5.0 * PT_PER_MM).abs() < 0.01, "{size}");
    }

    #[test]
    fn vertical_text_by_delta_y_reads_down_its_column() {
        let xml = page(
            r#"<ofd:Content><ofd:Layer><ofd:TextObject Boundary="100 10 10 100" Size="5">
            <ofd:TextCode X="0" Y="5" DeltaY="g 3 5">备案证明</ofd:TextCode>
            </ofd:TextObject></ofd:Layer></ofd:Content>"#,
        );
        let (drawn, _) = walk(&xml, &ctx());
        assert_eq!(lines(&drawn), vec!["备案证明"]);
        assert_eq!(drawn.text.runs[0].quadrant, 3);
    }

    #[test]
    fn images_templates_page_box_and_appearance_offsets_are_noted() {
        let xml = page(
            r#"<ofd:Area><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:Area>
            <ofd:Template TemplateID="7" ZOrder="Foreground"/><ofd:PageRes>Res/r.xml</ofd:PageRes>
            <ofd:Content><ofd:Layer><ofd:ImageObject ResourceID=" 9 " Boundary="0 0 210 297"/></ofd:Layer></ofd:Content>"#,
        );
        let (drawn, _) = walk(&xml, &ctx());
        assert_eq!(drawn.physical_box, Some([0.0, 0.0, 210.0, 297.0]));
        assert_eq!(
            drawn.templates,
            vec![TemplateRef {
                id: "7".into(),
                foreground: true
            }]
        );
        assert_eq!(drawn.page_res, vec!["Res/r.xml"]);
        assert_eq!(drawn.images[0].resource, "9");
        assert!((drawn.images[0].area - 210.0 * 297.0).abs() < 1.0);

        let annot = r#"<ofd:PageAnnot><ofd:Annot Type="Watermark"><ofd:Appearance Boundary="0 100 50 10">
            <ofd:TextObject Boundary="0 0 50 10" Size="5"><ofd:TextCode X="0" Y="5" DeltaX="g 2 5">仅供审核</ofd:TextCode></ofd:TextObject>
            </ofd:Appearance></ofd:Annot></ofd:PageAnnot>"#;
        let (drawn, _) = walk(annot, &ctx());
        assert_eq!(lines(&drawn), vec!["仅供审核"]);
        let expected_y = -(100.0 + 5.0) * PT_PER_MM;
        assert!((drawn.text.runs[0].y - expected_y).abs() < 0.01);
    }

    #[test]
    fn hostile_numbers_do_not_explode() {
        let xml = page(
            r#"<ofd:Content><ofd:Layer><ofd:TextObject Boundary="NaN 1e39 x" Size="-3" CTM="0 0 0 0 0 0">
            <ofd:TextCode X="inf" DeltaX="g 18446744073709551615 1e30">营业执照</ofd:TextCode>
            </ofd:TextObject><ofd:TextCode>孤立</ofd:TextCode></ofd:Layer></ofd:Content>"#,
        );
        let (drawn, _) = walk(&xml, &ctx());
        assert_eq!(drawn.glyphs, 4);
        let text = lines(&drawn).join("");
        assert!(text.contains("营业执照"), "{text}");
    }
}
