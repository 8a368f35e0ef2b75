//! Boxes → lines in reading order, on level and tilted pages alike.
//!
//! PP-OCR's own order sorts boxes by their top-left y, then swaps neighbours within 10 px: on a
//! page tilted 2°, a 2000-px line falls 70 px from one end to the other, so its right half sorts
//! after the start of the next line. Here the page skew is estimated from the boxes themselves
//! (each box's top edge runs along its text), box centres are turned by minus that skew, and
//! lines are formed in the turned frame: sort by turned y, join boxes whose turned vertical
//! extents overlap by half the smaller height, then order each line by turned x.

use super::OcrLine;
use super::det::DetBox;
use super::geometry::Quad;

/// One recognised box, before grouping.
#[derive(Debug, Clone, PartialEq)]
pub struct Recognized {
    pub quad: Quad,
    pub text: String,
    pub confidence: f32,
}

/// Boxes at least this many times wider than tall vote on the skew: short boxes (one or two
/// characters) have unreliable angles.
const SKEW_VOTER_ASPECT: f32 = 2.0;

/// Boxes at least this many times longer than tall vote on the page's axis; squarer ones (one
/// or two characters) say nothing about it.
const AXIS_VOTER_ASPECT: f32 = 1.5;

/// Whether the detected text runs across the page (`Some(true)`), down it (`Some(false)`: the
/// page lies on its side), or cannot be told (`None`: no clearly long boxes). A box's text
/// direction is its top edge (the detector lays a tall box's quad along its long side, as
/// PP-OCR crops it); each long box votes with its length, so a few stamps or table rules do not
/// outvote the lines.
pub fn mostly_upright_boxes(boxes: &[DetBox]) -> Option<bool> {
    let (mut across, mut down) = (0.0f32, 0.0f32);
    for b in boxes {
        let (w, h) = (b.quad.width(), b.quad.height());
        if w < AXIS_VOTER_ASPECT * h {
            continue;
        }
        if b.quad
            .angle()
            .abs()
            .min(std::f32::consts::PI - b.quad.angle().abs())
            <= std::f32::consts::FRAC_PI_4
        {
            across += w;
        } else {
            down += w;
        }
    }
    if across == 0.0 && down == 0.0 {
        None
    } else {
        Some(across >= down)
    }
}

/// Page skew in radians: the median text direction of the long boxes (0 when there are none).
pub fn estimate_skew(boxes: &[Recognized]) -> f32 {
    let mut angles: Vec<f32> = boxes
        .iter()
        .filter(|b| b.quad.width() >= SKEW_VOTER_ASPECT * b.quad.height())
        .map(|b| b.quad.angle())
        .filter(|a| a.abs() < std::f32::consts::FRAC_PI_4)
        .collect();
    if angles.is_empty() {
        return 0.0;
    }
    angles.sort_by(f32::total_cmp);
    angles[angles.len() / 2]
}

/// A box in the de-skewed frame.
struct Placed {
    x: f32,
    y: f32,
    half_w: f32,
    half_h: f32,
    index: usize,
}

fn place(boxes: &[Recognized], skew: f32) -> Vec<Placed> {
    let (c, s) = (skew.cos(), skew.sin());
    boxes
        .iter()
        .enumerate()
        .map(|(index, b)| {
            let p = b.quad.center();
            Placed {
                x: p.x * c + p.y * s,
                y: -p.x * s + p.y * c,
                half_w: b.quad.width() / 2.0,
                half_h: b.quad.height() / 2.0,
                index,
            }
        })
        .collect()
}

/// Whether `b` sits on the line whose turned vertical extent is `top..bottom` with smallest box
/// height `min_h`.
fn on_line(top: f32, bottom: f32, min_h: f32, b: &Placed) -> bool {
    let overlap = bottom.min(b.y + b.half_h) - top.max(b.y - b.half_h);
    overlap >= 0.5 * min_h.min(2.0 * b.half_h)
}

/// Groups the boxes into lines (each line's boxes left to right), lines top to bottom.
fn group(placed: Vec<Placed>) -> Vec<Vec<Placed>> {
    let mut sorted = placed;
    sorted.sort_by(|a, b| a.y.total_cmp(&b.y));
    let mut lines: Vec<Vec<Placed>> = Vec::new();
    let mut extent = (0.0f32, 0.0f32, 0.0f32);
    for b in sorted {
        let joins = lines
            .last()
            .is_some_and(|_| on_line(extent.0, extent.1, extent.2, &b));
        if joins && let Some(line) = lines.last_mut() {
            extent = (
                extent.0.min(b.y - b.half_h),
                extent.1.max(b.y + b.half_h),
                extent.2.min(2.0 * b.half_h),
            );
            line.push(b);
        } else {
            extent = (b.y - b.half_h, b.y + b.half_h, 2.0 * b.half_h);
            lines.push(vec![b]);
        }
    }
    for line in &mut lines {
        line.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    lines
}

/// Joins one line's boxes: a space where the gap is wider than half the text height (separate
/// words or label and value), nothing where a box was split inside a word.
fn join(line: &[Placed], boxes: &[Recognized], page: (u32, u32)) -> OcrLine {
    let mut text = String::new();
    let mut weighted = 0.0f32;
    let mut chars = 0usize;
    let mut bbox = [u32::MAX, u32::MAX, 0, 0];
    let mut previous: Option<&Placed> = None;
    for p in line {
        let b = &boxes[p.index];
        if let Some(prev) = previous {
            let gap = (p.x - p.half_w) - (prev.x + prev.half_w);
            if gap > prev.half_h.min(p.half_h) && !text.ends_with(' ') {
                text.push(' ');
            }
        }
        text.push_str(b.text.trim());
        let n = b.text.chars().count().max(1);
        weighted += b.confidence * n as f32;
        chars += n;
        let r = b.quad.bounds(page.0, page.1);
        bbox = [
            bbox[0].min(r[0]),
            bbox[1].min(r[1]),
            bbox[2].max(r[2]),
            bbox[3].max(r[3]),
        ];
        previous = Some(p);
    }
    OcrLine {
        text,
        bbox,
        confidence: if chars == 0 {
            0.0
        } else {
            weighted / chars as f32
        },
    }
}

/// The recognised boxes of a `page` (width, height) as lines in reading order.
pub fn into_lines(boxes: &[Recognized], page: (u32, u32)) -> Vec<OcrLine> {
    let skew = estimate_skew(boxes);
    group(place(boxes, skew))
        .iter()
        .map(|line| join(line, boxes, page))
        .filter(|l| !l.text.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::geometry::{Point, RotatedRect};
    use super::*;

    /// A box of `w × h` whose left end is at `(x, y)` on a page turned by `deg` about the origin.
    fn tilted(text: &str, x: f32, y: f32, w: f32, h: f32, deg: f32) -> Recognized {
        let a = deg.to_radians();
        let (cx, cy) = (x + w / 2.0, y);
        let center = Point::new(cx * a.cos() - cy * a.sin(), cx * a.sin() + cy * a.cos());
        Recognized {
            quad: RotatedRect {
                center,
                w,
                h,
                angle: a,
            }
            .to_quad(),
            text: text.into(),
            confidence: 0.9,
        }
    }

    /// A licence-like page in two columns, lines 40 px apart: label and value, then a second
    /// label and value from x = 1500. Tilted 2°, the second column's top edge is ~52 px lower
    /// than the first's: past the start of the next line.
    fn page(deg: f32) -> Vec<Recognized> {
        let mut boxes = Vec::new();
        for (i, (label, value, label2, value2)) in ROWS.iter().enumerate() {
            let y = 200.0 + 40.0 * i as f32;
            boxes.push(tilted(value2, 1700.0, y, 500.0, 24.0, deg));
            boxes.push(tilted(value, 300.0, y, 900.0, 24.0, deg));
            boxes.push(tilted(label2, 1500.0, y, 120.0, 24.0, deg));
            boxes.push(tilted(label, 100.0, y, 120.0, 24.0, deg));
        }
        boxes
    }

    const ROWS: [(&str, &str, &str, &str); 3] = [
        ("名称", "鼎盛机电设备有限公司", "类型", "有限责任公司"),
        (
            "住所",
            "北京市海淀区中关村大街1号",
            "成立日期",
            "2020年03月01日",
        ),
        ("法定代表人", "张三", "营业期限", "长期"),
    ];

    fn expected() -> Vec<String> {
        ROWS.iter()
            .map(|(a, b, c, d)| format!("{a} {b} {c} {d}"))
            .collect()
    }

    fn texts(lines: &[OcrLine]) -> Vec<String> {
        lines.iter().map(|l| l.text.clone()).collect()
    }

    fn det(quad: Quad) -> DetBox {
        DetBox { quad, score: 1.0 }
    }

    #[test]
    fn long_boxes_vote_on_the_axis_by_their_length() {
        let across = |deg: f32| det(tilted("", 0.0, 100.0, 400.0, 30.0, deg).quad);
        assert_eq!(
            mostly_upright_boxes(&[across(1.0), across(-2.0)]),
            Some(true)
        );
        // Lines running down the page (it lies on its side), either way.
        assert_eq!(
            mostly_upright_boxes(&[across(90.0), across(88.0)]),
            Some(false)
        );
        assert_eq!(mostly_upright_boxes(&[across(-90.0)]), Some(false));
        // One long line outweighs two short stamps the other way.
        let short_down = det(tilted("", 0.0, 100.0, 60.0, 30.0, 90.0).quad);
        assert_eq!(
            mostly_upright_boxes(&[across(0.0), short_down.clone(), short_down]),
            Some(true)
        );
        // Square boxes (single characters) say nothing.
        let square = det(tilted("", 0.0, 100.0, 30.0, 30.0, 0.0).quad);
        assert_eq!(mostly_upright_boxes(&[square]), None);
        assert_eq!(mostly_upright_boxes(&[]), None);
    }

    #[test]
    fn skew_is_the_median_direction_of_long_boxes() {
        let skew = estimate_skew(&page(2.0));
        assert!((skew - 2f32.to_radians()).abs() < 1e-3, "{skew}");
        assert_eq!(estimate_skew(&[]), 0.0);
    }

    #[test]
    fn a_tilted_page_reads_line_by_line() {
        for deg in [-3.0, -2.0, 0.0, 2.0, 3.0] {
            let lines = into_lines(&page(deg), (3000, 3000));
            assert_eq!(texts(&lines), expected(), "at {deg}°");
        }
    }

    #[test]
    fn naive_top_then_left_order_is_wrong_on_the_tilted_page() {
        // The failure this module exists for: sorting by the boxes' top y alone interleaves
        // the lines at 2°.
        let boxes = page(2.0);
        let mut naive: Vec<&Recognized> = boxes.iter().collect();
        naive.sort_by(|a, b| a.quad.corners[0].y.total_cmp(&b.quad.corners[0].y));
        let order: Vec<&str> = naive.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            order[..4],
            [
                "名称",
                "鼎盛机电设备有限公司",
                "住所",
                "北京市海淀区中关村大街1号"
            ]
        );
    }

    #[test]
    fn close_boxes_join_without_a_space_and_bbox_covers_both() {
        let boxes = vec![
            tilted("统一社会信用", 100.0, 100.0, 200.0, 30.0, 0.0),
            tilted("代码", 305.0, 100.0, 60.0, 30.0, 0.0),
        ];
        let lines = into_lines(&boxes, (1000, 1000));
        assert_eq!(texts(&lines), ["统一社会信用代码"]);
        assert_eq!(lines[0].bbox, [100, 85, 365, 115]);
        assert!((lines[0].confidence - 0.9).abs() < 1e-6);
    }
}
