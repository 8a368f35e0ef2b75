//! Plane geometry for text boxes: convex hull, minimum-area rectangle, DB unclip.
//!
//! Owned here rather than taken from an image-processing crate because the pipeline needs only
//! these few functions, and each is short enough to test on exact numbers.

use std::f32::consts::{FRAC_PI_2, PI};

/// A point in image pixels (x right, y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub fn new(x: f32, y: f32) -> Point {
        Point { x, y }
    }

    fn sub(self, o: Point) -> Point {
        Point::new(self.x - o.x, self.y - o.y)
    }

    fn dist(self, o: Point) -> f32 {
        let d = self.sub(o);
        (d.x * d.x + d.y * d.y).sqrt()
    }
}

/// A rectangle at any angle, as its four corners in reading order: top-left, top-right,
/// bottom-right, bottom-left of the text it holds (so `corners[0] → corners[1]` runs along the
/// text line).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quad {
    pub corners: [Point; 4],
}

impl Quad {
    /// Length of the top edge: the text direction.
    pub fn width(&self) -> f32 {
        self.corners[0].dist(self.corners[1])
    }

    /// Length of the left edge: across the text.
    pub fn height(&self) -> f32 {
        self.corners[0].dist(self.corners[3])
    }

    /// Centre of the four corners.
    pub fn center(&self) -> Point {
        let (sx, sy) = self
            .corners
            .iter()
            .fold((0.0, 0.0), |(sx, sy), p| (sx + p.x, sy + p.y));
        Point::new(sx / 4.0, sy / 4.0)
    }

    /// Angle of the top edge in radians, positive when the line descends to the right.
    pub fn angle(&self) -> f32 {
        let d = self.corners[1].sub(self.corners[0]);
        d.y.atan2(d.x)
    }

    /// Every corner multiplied by `(sx, sy)` (from the detector's resized image back to the
    /// page).
    pub fn scaled(&self, sx: f32, sy: f32) -> Quad {
        Quad {
            corners: self.corners.map(|p| Point::new(p.x * sx, p.y * sy)),
        }
    }

    /// The same box on the page turned by 180° (`page` = its width and height): every corner
    /// moves to the opposite side, and the corners are renamed so the top-left is again the
    /// text's.
    pub fn turned_180(&self, page: (u32, u32)) -> Quad {
        let (w, h) = (page.0 as f32, page.1 as f32);
        let turn = |p: Point| Point::new(w - p.x, h - p.y);
        let [tl, tr, br, bl] = self.corners;
        Quad {
            corners: [turn(br), turn(bl), turn(tl), turn(tr)],
        }
    }

    /// Axis-aligned bounds `[x0, y0, x1, y1]`, clamped to an image of `w × h`.
    pub fn bounds(&self, w: u32, h: u32) -> [u32; 4] {
        let clamp = |v: f32, hi: u32| v.round().clamp(0.0, hi as f32) as u32;
        let xs = self.corners.map(|p| p.x);
        let ys = self.corners.map(|p| p.y);
        let min = |a: [f32; 4]| a.into_iter().fold(f32::INFINITY, f32::min);
        let max = |a: [f32; 4]| a.into_iter().fold(f32::NEG_INFINITY, f32::max);
        [
            clamp(min(xs), w),
            clamp(min(ys), h),
            clamp(max(xs), w),
            clamp(max(ys), h),
        ]
    }
}

/// A rotated rectangle by centre, side lengths and the angle of its `w` side (radians).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RotatedRect {
    pub center: Point,
    pub w: f32,
    pub h: f32,
    pub angle: f32,
}

impl RotatedRect {
    /// The shorter side: the DB post-processing drops boxes thinner than a few pixels.
    pub fn min_side(&self) -> f32 {
        self.w.min(self.h)
    }

    /// DB "unclip": the detector is trained on text regions shrunk by the Vatti offset
    /// `d = area × (1 − r²) / perimeter` (r = 0.4); inference grows each found region back by
    /// `d = area × ratio / perimeter`. Offsetting a rectangle outwards by `d` and taking the
    /// minimum-area rectangle of the result adds `2d` to each side, which is what this returns
    /// (no polygon clipper needed for rectangles).
    pub fn unclip(&self, ratio: f32) -> RotatedRect {
        let perimeter = 2.0 * (self.w + self.h);
        if perimeter <= 0.0 {
            return *self;
        }
        let d = self.w * self.h * ratio / perimeter;
        RotatedRect {
            w: self.w + 2.0 * d,
            h: self.h + 2.0 * d,
            ..*self
        }
    }

    /// The corners in reading order. The text runs along the side closest to horizontal (the
    /// longer side would turn a one-character box that is a little taller than wide on its
    /// side), unless the box is clearly a vertical column (across ≥ 1.5 × along, PP-OCR's rule),
    /// which is then laid along its long side. The direction points right (or down), so a box
    /// tilted by a few degrees keeps its top-left corner first.
    pub fn to_quad(self) -> Quad {
        let (a, b) = (upright(self.angle), upright(self.angle + FRAC_PI_2));
        let (mut len, mut across, mut angle) = if a.abs() <= b.abs() {
            (self.w, self.h, a)
        } else {
            (self.h, self.w, b)
        };
        if across >= 1.5 * len {
            std::mem::swap(&mut len, &mut across);
            angle = upright(angle + FRAC_PI_2);
        }
        let (ux, uy) = (angle.cos(), angle.sin());
        // Across the line, pointing down the page.
        let (vx, vy) = (-uy, ux);
        let (hl, ha) = (len / 2.0, across / 2.0);
        let c = self.center;
        let at = |a: f32, b: f32| Point::new(c.x + a * ux + b * vx, c.y + a * uy + b * vy);
        Quad {
            corners: [at(-hl, -ha), at(hl, -ha), at(hl, ha), at(-hl, ha)],
        }
    }
}

/// `angle` as a direction pointing right: within (−90°, 90°].
fn upright(angle: f32) -> f32 {
    let a = angle.rem_euclid(PI);
    if a > FRAC_PI_2 { a - PI } else { a }
}

fn cross(o: Point, a: Point, b: Point) -> f32 {
    (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
}

/// Convex hull (Andrew's monotone chain), counter-clockwise in a y-up frame, no repeated end
/// point. Fewer than three distinct points come back as they are.
pub fn convex_hull(points: &[Point]) -> Vec<Point> {
    let mut pts: Vec<Point> = points.to_vec();
    pts.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let mut hull: Vec<Point> = Vec::with_capacity(pts.len() * 2);
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &Point>> = if pass == 0 {
            Box::new(pts.iter())
        } else {
            Box::new(pts.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// The minimum-area rectangle enclosing `points` (rotating calipers: one of its sides lies on a
/// hull edge). `None` for an empty set.
pub fn min_area_rect(points: &[Point]) -> Option<RotatedRect> {
    let hull = convex_hull(points);
    match hull.len() {
        0 => return None,
        1 => {
            return Some(RotatedRect {
                center: hull[0],
                w: 0.0,
                h: 0.0,
                angle: 0.0,
            });
        }
        _ => {}
    }
    let mut best: Option<(f32, RotatedRect)> = None;
    for i in 0..hull.len() {
        let a = hull[i];
        let b = hull[(i + 1) % hull.len()];
        let len = a.dist(b);
        if len == 0.0 {
            continue;
        }
        let (ux, uy) = ((b.x - a.x) / len, (b.y - a.y) / len);
        let (mut lo_u, mut hi_u, mut lo_v, mut hi_v) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
        for p in &hull {
            let (dx, dy) = (p.x - a.x, p.y - a.y);
            let u = dx * ux + dy * uy;
            let v = -dx * uy + dy * ux;
            lo_u = lo_u.min(u);
            hi_u = hi_u.max(u);
            lo_v = lo_v.min(v);
            hi_v = hi_v.max(v);
        }
        let area = (hi_u - lo_u) * (hi_v - lo_v);
        if best.as_ref().is_some_and(|(a, _)| *a <= area) {
            continue;
        }
        let (cu, cv) = ((lo_u + hi_u) / 2.0, (lo_v + hi_v) / 2.0);
        let center = Point::new(a.x + cu * ux - cv * uy, a.y + cu * uy + cv * ux);
        let rect = RotatedRect {
            center,
            w: hi_u - lo_u,
            h: hi_v - lo_v,
            angle: uy.atan2(ux),
        };
        best = Some((area, rect));
    }
    best.map(|(_, r)| r)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_box_turned_180_keeps_its_text_corner_first() {
        let q = Quad {
            corners: [
                Point::new(10.0, 20.0),
                Point::new(110.0, 20.0),
                Point::new(110.0, 40.0),
                Point::new(10.0, 40.0),
            ],
        };
        let t = q.turned_180((200, 100));
        assert_eq!(t.corners[0], Point::new(90.0, 60.0));
        assert_eq!(t.corners[1], Point::new(190.0, 60.0));
        assert_eq!(t.corners[2], Point::new(190.0, 80.0));
        assert!((t.width() - q.width()).abs() < 1e-4 && t.angle().abs() < 1e-4);
    }

    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-3
    }

    #[test]
    fn hull_drops_inner_points() {
        let pts = [
            Point::new(0.0, 0.0),
            Point::new(4.0, 0.0),
            Point::new(4.0, 2.0),
            Point::new(0.0, 2.0),
            Point::new(2.0, 1.0),
            Point::new(1.0, 0.0),
        ];
        assert_eq!(convex_hull(&pts).len(), 4);
    }

    #[test]
    fn min_rect_of_an_upright_rectangle() {
        let pts = [
            Point::new(10.0, 5.0),
            Point::new(30.0, 5.0),
            Point::new(30.0, 15.0),
            Point::new(10.0, 15.0),
        ];
        let r = min_area_rect(&pts).expect("rect");
        assert!(close(r.w * r.h, 200.0), "{r:?}");
        assert!(close(r.center.x, 20.0) && close(r.center.y, 10.0), "{r:?}");
        let q = r.to_quad();
        assert!(close(q.width(), 20.0) && close(q.height(), 10.0), "{q:?}");
        assert!(
            close(q.corners[0].x, 10.0) && close(q.corners[0].y, 5.0),
            "{q:?}"
        );
    }

    #[test]
    fn min_rect_finds_a_tilted_rectangle() {
        let r = RotatedRect {
            center: Point::new(100.0, 50.0),
            w: 80.0,
            h: 12.0,
            angle: 3f32.to_radians(),
        };
        let q = r.to_quad();
        let found = min_area_rect(&q.corners).expect("rect").to_quad();
        assert!(close(found.width(), 80.0) && close(found.height(), 12.0));
        assert!(close(found.angle(), 3f32.to_radians()), "{}", found.angle());
        for (a, b) in found.corners.iter().zip(q.corners.iter()) {
            assert!(close(a.x, b.x) && close(a.y, b.y), "{found:?} vs {q:?}");
        }
    }

    #[test]
    fn unclip_grows_each_side_by_twice_the_offset() {
        let r = RotatedRect {
            center: Point::new(0.0, 0.0),
            w: 100.0,
            h: 10.0,
            angle: 0.0,
        };
        // d = 1000 × 1.5 / 220
        let u = r.unclip(1.5);
        let d = 1000.0 * 1.5 / 220.0;
        assert!(
            close(u.w, 100.0 + 2.0 * d) && close(u.h, 10.0 + 2.0 * d),
            "{u:?}"
        );
        assert_eq!(u.center, r.center);
    }

    #[test]
    fn quad_of_a_tall_rect_still_reads_left_to_right() {
        // The calipers may report the long side as `h` at 90°: the quad must still run right.
        let r = RotatedRect {
            center: Point::new(50.0, 50.0),
            w: 10.0,
            h: 60.0,
            angle: -FRAC_PI_2 + 0.02,
        };
        let q = r.to_quad();
        assert!(close(q.width(), 60.0));
        assert!(q.corners[1].x > q.corners[0].x);
        assert!(q.corners[3].y > q.corners[0].y);
    }

    #[test]
    fn a_near_square_box_keeps_the_horizontal_direction() {
        // One character, a little taller than wide, as the calipers may report it (at 90°).
        let r = RotatedRect {
            center: Point::new(50.0, 50.0),
            w: 42.0,
            h: 40.0,
            angle: FRAC_PI_2 - 0.01,
        };
        let q = r.to_quad();
        assert!(close(q.width(), 40.0) && close(q.height(), 42.0), "{q:?}");
        assert!(q.angle().abs() < 0.02, "{}", q.angle());
        // A real vertical column is laid along its length.
        let column = RotatedRect {
            w: 20.0,
            h: 90.0,
            angle: 0.0,
            ..r
        }
        .to_quad();
        assert!(close(column.width(), 90.0));
    }

    #[test]
    fn bounds_are_clamped() {
        let q = RotatedRect {
            center: Point::new(2.0, 2.0),
            w: 10.0,
            h: 4.0,
            angle: 0.0,
        }
        .to_quad();
        assert_eq!(q.bounds(100, 100), [0, 0, 7, 4]);
    }
}
