//! The map: the loss surface from above (colours and contours), its known minima and saddles,
//! the start point, every run's path up to the playback step and the direction arrows (see
//! `map_directions`), with the runs' legend under it.
//!
//! The view frames the runs, their start and the minima they head for (or, with the toolbar's
//! "Whole surface", the surface's own box), again when the surface or a run changes. Clicking
//! or dragging with the primary button moves the race's start point; the scroll wheel zooms, a
//! secondary-button drag zooms into a box and a double click frames again.

use std::sync::Arc;

use egui::{Align2, Color32, CursorIcon, PointerButton, RichText, Vec2};
use egui_plot::{
    AxisHints, HoverPosition, Line, MarkerShape, Plot, PlotBounds, PlotImage, PlotPoint, PlotUi,
    Points, Text,
};

use crate::app::entries::race::map_directions::{self, DirectionMark};
use crate::app::entries::race::map_frame::{
    FrameKey, Framing, MapState, X_LABEL_SPACING, Y_LABEL_SPACING, axis_label, axis_marks, fit_box,
    framed_points,
};
use crate::app::entries::race::results::RunResult;
use crate::app::widgets::draw_cache::{DrawCache, RecordsKey};
use crate::app::widgets::heatmap::{
    COLOUR_BAR_WIDTH, Coverage, DrawnContours, Heatmap, HeatmapCache, colour_bar, surface_status,
};
use crate::app::widgets::palette;
use crate::app::widgets::surface_probe::{Answer, Probe, is_cheap};
use optlab_core::entries::race::Race;
use optlab_core::run::StepRecord;
use optlab_core::surface::{MinimumKind, Point, Surface, ViewBox};

/// Most points a trajectory is drawn with, after dropping those closer than a screen point
/// to the previous one (the data itself is never thinned).
pub const MAX_DRAWN_POINTS: usize = 4000;
/// Drawn coordinates are clamped to the view box grown by this many times its size on each
/// side, so a diverging run draws a line off the map instead of garbage.
const CLAMP_FACTOR: f64 = 50.0;
/// Contour lines: thin, semi-transparent white.
const CONTOUR_COLOUR: Color32 = Color32::from_rgba_premultiplied(110, 110, 110, 110);
/// The dark halo under paths and markers, for contrast on every colour of the map.
const HALO: Color32 = Color32::from_rgba_premultiplied(0, 0, 0, 170);
/// The diverged marker.
const DIVERGED: Color32 = Color32::from_rgb(255, 40, 40);

/// Records to draw: all of them if there are at most `max` (at least 3), otherwise the first,
/// the last and one per bucket of `k` records in between, chosen to keep the path's shape.
///
/// Each bucket keeps the record that spans the largest triangle with the record kept before
/// it and the mean of the next bucket ("largest triangle three buckets", here on the plane):
/// the turning points of a zig-zag or a spiral, which a fixed stride would alias into a few
/// straight segments. `k` is odd, so a bucket of a period-2 oscillation (gradient descent
/// bouncing across a valley) holds both of its sides, and buckets start at fixed steps, so
/// the drawn path does not flicker as playback adds records.
pub fn decimated(records: &[StepRecord], max: usize) -> impl Iterator<Item = &StepRecord> {
    let positions: Vec<Point> = records.iter().map(|r| r.position).collect();
    kept_indices(&positions, max).into_iter().map(move |i| &records[i])
}

/// At most `max` of `points` (finite ones) keeping the path's shape, like [`decimated`], with
/// buckets of equal length along the path instead of equal counts: a fast start (a few long
/// steps) keeps as many points as a long jitter around the minimum of the same length.
#[must_use]
pub fn decimated_points(points: &[Point], max: usize) -> Vec<Point> {
    let n = points.len();
    let max = max.max(3);
    if n <= max {
        return points.to_vec();
    }
    let last = n - 1;
    let step = |i: usize| (points[i][0] - points[i - 1][0]).hypot(points[i][1] - points[i - 1][1]);
    let length: f64 = (1..n).map(step).filter(|d| d.is_finite()).sum();
    let per_bucket = length / (max - 2) as f64;
    if !(per_bucket.is_finite() && per_bucket > 0.0) {
        return kept_indices(points, max).into_iter().map(|i| points[i]).collect();
    }
    let mut starts = vec![1];
    let mut walked = 0.0;
    for i in 2..last {
        walked += step(i).min(length);
        if walked >= per_bucket * starts.len() as f64 && starts.len() < max - 2 {
            starts.push(i);
        }
    }
    starts.push(last);
    triangles_in_buckets(points, &starts).into_iter().map(|i| points[i]).collect()
}

/// The indices [`decimated`] keeps of `points`.
fn kept_indices(points: &[Point], max: usize) -> Vec<usize> {
    let n = points.len();
    let max = max.max(3);
    if n <= max {
        return (0..n).collect();
    }
    let mut stride = (n - 1).div_ceil(max - 2);
    if stride.is_multiple_of(2) {
        stride += 1;
    }
    largest_triangles(points, stride)
}

/// The indices "largest triangle three buckets" keeps of `points` with buckets of `stride`
/// points between the first and the last.
fn largest_triangles(points: &[Point], stride: usize) -> Vec<usize> {
    let last = points.len() - 1;
    let mut starts: Vec<usize> = (1..last).step_by(stride).collect();
    starts.push(last);
    triangles_in_buckets(points, &starts)
}

/// "Largest triangle three buckets" with the buckets `starts[b]..starts[b + 1]` between the
/// first point and the last (`starts` ascending from 1, ending with the last index).
fn triangles_in_buckets(points: &[Point], starts: &[usize]) -> Vec<usize> {
    let n = points.len();
    let last = n - 1;
    let buckets = starts.len() - 1;
    let bucket = |b: usize| starts[b]..starts[b + 1];
    let finite = |i: usize| {
        let p = points[i];
        (p[0].is_finite() && p[1].is_finite()).then_some(p)
    };
    let mut kept = Vec::with_capacity(buckets + 2);
    kept.push(0);
    let mut previous = finite(0);
    for b in 0..buckets {
        let next = if b + 1 < buckets { bucket(b + 1) } else { last..n };
        let (sum, count) = next
            .filter_map(finite)
            .fold(([0.0, 0.0], 0.0), |(s, c), p| ([s[0] + p[0], s[1] + p[1]], c + 1.0));
        let mean = (count > 0.0).then(|| [sum[0] / count, sum[1] / count]);
        let area = |p: [f64; 2]| match (previous, mean) {
            (Some(a), Some(c)) => {
                ((p[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (p[1] - a[1])).abs()
            }
            _ => 0.0,
        };
        let range = bucket(b);
        let first = range.start;
        let best = range
            .filter_map(|i| Some((i, area(finite(i)?))))
            .fold(None, |best: Option<(usize, f64)>, (i, a)| match best {
                Some((_, top)) if top >= a => best,
                _ => Some((i, a)),
            })
            // A bucket with no finite record keeps its first (the path shows the gap).
            .map_or(first, |(i, _)| i);
        previous = finite(best).or(previous);
        kept.push(best);
    }
    kept.push(last);
    kept
}

/// The box drawn coordinates are clamped to.
#[must_use]
pub fn clamp_box(view: &ViewBox) -> ViewBox {
    let (dx, dy) = (CLAMP_FACTOR * view.width(), CLAMP_FACTOR * view.height());
    ViewBox {
        x_min: view.x_min - dx,
        x_max: view.x_max + dx,
        y_min: view.y_min - dy,
        y_max: view.y_max + dy,
    }
}

/// `p` clamped into `limits`, or `None` when it is not a number.
#[must_use]
pub fn clamp_point(p: Point, limits: &ViewBox) -> Option<Point> {
    (p[0].is_finite() && p[1].is_finite())
        .then(|| [p[0].clamp(limits.x_min, limits.x_max), p[1].clamp(limits.y_min, limits.y_max)])
}

/// The part of segment `a`–`b` inside `limits` (Liang–Barsky), or `None` if it misses the
/// box (or its length overflows).
#[must_use]
pub fn clip_segment(a: Point, b: Point, limits: &ViewBox) -> Option<(Point, Point)> {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    if !(dx.is_finite() && dy.is_finite()) {
        return None;
    }
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    let edges = [
        (-dx, a[0] - limits.x_min),
        (dx, limits.x_max - a[0]),
        (-dy, a[1] - limits.y_min),
        (dy, limits.y_max - a[1]),
    ];
    for (p, q) in edges {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else if p < 0.0 {
            t0 = t0.max(q / p);
        } else {
            t1 = t1.min(q / p);
        }
    }
    // Clamping only removes rounding (the points are on the box's edge or inside).
    let at = |t: f64| clamp_point([a[0] + t * dx, a[1] + t * dy], limits);
    if t0 <= t1 { at(t0).zip(at(t1)) } else { None }
}

/// Largest sine of the angle between a segment and the reversed previous one that still
/// counts as turning straight back. On screen, rounding to f32 turns the direction of a
/// segment one point long by up to ~2·10⁻⁴, so anything closer to a reversal than this may
/// be an exact one by the time egui sees it.
const COLLINEAR: f64 = 2e-3;

/// `points` without the non-finite ones and without those closer than `min_distance` to the
/// last one kept (the last point is always kept). With `min_distance` one screen point, this
/// drops only what cannot be seen, and removes the sub-point and repeated segments whose
/// joins egui cannot stroke (a converged run repeats its position thousands of times).
#[must_use]
pub fn thinned(points: impl IntoIterator<Item = Point>, min_distance: f64) -> Vec<Point> {
    let mut kept: Vec<Point> = Vec::new();
    let mut skipped: Option<Point> = None;
    let min_squared = min_distance * min_distance;
    for p in points.into_iter().filter(|p| p[0].is_finite() && p[1].is_finite()) {
        match kept.last() {
            // Squared distances: no square root (or `hypot`) per point of a long path.
            Some(q) if (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) < min_squared => {
                skipped = Some(p);
            }
            _ => {
                kept.push(p);
                skipped = None;
            }
        }
    }
    if let Some(last) = skipped {
        // The real end of the path, even if it is close to the previous point.
        if kept.len() >= 2 {
            kept.pop();
        }
        kept.push(last);
    }
    kept
}

/// A polyline redrawn without turning straight back on itself, split into pieces.
///
/// egui's stroke tessellator turns a join that reverses along the same line into a spike
/// hundreds of thousands of points long (the corner's normal is the rounding error of two
/// opposite unit vectors). Optimizers produce exactly that: a period-2 oscillation through a
/// minimum (RMSprop's limit cycle, gradient descent bouncing along one eigenvector). When the
/// path turns straight back, the back-and-forth run along that line is drawn as one segment
/// covering its extent, and the path goes on as a new piece from the run's last point. The
/// same set of segments is drawn, with at most two extra pieces per run however long it is.
/// Lines stay lines under affine and perspective maps, so this works on plot and on screen
/// coordinates alike.
#[must_use]
pub fn without_reversals(points: &[Point]) -> Vec<Vec<Point>> {
    /// A back-and-forth run along the line `origin + t·direction`.
    struct Run {
        origin: Point,
        direction: Point,
        extent: (f64, f64),
        scale: f64,
        last: Point,
    }
    impl Run {
        fn along(&self, p: Point) -> Option<f64> {
            let w = [p[0] - self.origin[0], p[1] - self.origin[1]];
            let off = (self.direction[0] * w[1] - self.direction[1] * w[0]).abs();
            let length = w[0].hypot(w[1]);
            (off <= COLLINEAR * length.max(self.scale))
                .then(|| self.direction[0] * w[0] + self.direction[1] * w[1])
        }
        fn segment(&self) -> Vec<Point> {
            let at = |t: f64| {
                [self.origin[0] + t * self.direction[0], self.origin[1] + t * self.direction[1]]
            };
            vec![at(self.extent.0), at(self.extent.1)]
        }
    }
    let mut pieces = Vec::new();
    let mut piece: Vec<Point> = Vec::new();
    let mut run: Option<Run> = None;
    for &p in points {
        if let Some(r) = &mut run {
            if let Some(t) = r.along(p) {
                r.extent = (r.extent.0.min(t), r.extent.1.max(t));
                r.last = p;
                continue;
            }
            // Leaving the line: its extent as one segment, then on from where the path was.
            pieces.push(std::mem::take(&mut piece));
            pieces.push(r.segment());
            piece.push(r.last);
            run = None;
        }
        if piece.last() == Some(&p) {
            continue;
        }
        if let [.., a, b] = piece[..] {
            let u = [b[0] - a[0], b[1] - a[1]];
            let v = [p[0] - b[0], p[1] - b[1]];
            let (lu, lv) = (u[0].hypot(u[1]), v[0].hypot(v[1]));
            let dot = u[0] * v[0] + u[1] * v[1];
            let cross = u[0] * v[1] - u[1] * v[0];
            if dot < 0.0 && cross.abs() <= COLLINEAR * lu * lv {
                let direction = [u[0] / lu, u[1] / lu];
                let t = direction[0] * (p[0] - a[0]) + direction[1] * (p[1] - a[1]);
                run = Some(Run {
                    origin: a,
                    direction,
                    extent: (t.min(0.0), lu),
                    scale: lu,
                    last: p,
                });
                continue;
            }
        }
        piece.push(p);
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    if let Some(r) = run {
        pieces.push(r.segment());
    }
    pieces
}

/// A polyline cut to `limits`: the pieces that lie inside, each segment in its true
/// direction (clamping the points instead would bend a diverging path into the box corners).
#[must_use]
pub fn clip_polyline(points: impl IntoIterator<Item = Point>, limits: &ViewBox) -> Vec<Vec<Point>> {
    let mut pieces: Vec<Vec<Point>> = Vec::new();
    let mut piece: Vec<Point> = Vec::new();
    let mut previous: Option<Point> = None;
    for p in points.into_iter().filter(|p| p[0].is_finite() && p[1].is_finite()) {
        let kept = match previous {
            None => limits.contains(p).then_some((p, p)),
            Some(a) => clip_segment(a, p, limits),
        };
        if let Some((c, d)) = kept {
            if piece.last() != Some(&c) {
                // The path re-enters the box elsewhere: a new piece.
                if piece.len() >= 2 {
                    pieces.push(std::mem::take(&mut piece));
                }
                piece.clear();
                piece.push(c);
            }
            if previous.is_some() {
                piece.push(d);
            }
        } else if previous.is_some() {
            if piece.len() >= 2 {
                pieces.push(std::mem::take(&mut piece));
            }
            piece.clear();
        }
        previous = Some(p);
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

/// What is drawn for one run this frame.
struct RunPath<'a> {
    index: usize,
    name: &'a str,
    colour: Color32,
    geometry: &'a PathGeometry,
}

/// A run's path as drawn, cached between frames (see [`PathCache`]).
#[derive(Debug)]
pub struct PathGeometry {
    /// The path cut to the drawing box (usually one piece).
    pieces: Vec<Vec<PlotPoint>>,
    current: Option<PlotPoint>,
    /// Step of divergence and the last finite position, once playback has reached it.
    diverged: Option<(u64, PlotPoint)>,
    /// Length of the drawn pieces in plot units (the longest path is drawn on top).
    drawn_length: f64,
}

/// What a run's drawn path is built from: its shown records, the start, the drawing box and
/// the size of a screen point in plot units (as bits, so the key compares exactly).
type PathKey = (RecordsKey, [u64; 2], [u64; 4], u64);

/// Every run's drawn path, rebuilt only when its key changes.
pub type PathCache = DrawCache<PathKey, PathGeometry>;

impl PathGeometry {
    fn new(
        result: &RunResult,
        shown: &[StepRecord],
        start: Point,
        limits: &ViewBox,
        pixel: f64,
    ) -> Self {
        // First what cannot be seen (a converged run's thousands of sub-point steps), then, if
        // still too many, the shape-keeping reduction.
        let visible = thinned(shown.iter().map(|r| r.position), pixel);
        let positions = decimated_points(&visible, MAX_DRAWN_POINTS);
        let mut pieces: Vec<Vec<PlotPoint>> = clip_polyline(positions, limits)
            .iter()
            .flat_map(|piece| without_reversals(piece))
            .map(|piece| piece.into_iter().map(PlotPoint::from).collect())
            .collect();
        let current =
            shown.iter().rev().find_map(|r| clamp_point(r.position, limits)).map(PlotPoint::from);
        if pieces.is_empty() {
            // Nothing (visible) yet: the start alone keeps the run in the legend.
            pieces.push(clamp_point(start, limits).map(PlotPoint::from).into_iter().collect());
        }
        let step = shown.last().map_or(0, |r| r.step);
        let diverged = result
            .diverged_at()
            .and_then(|at| (at <= step.saturating_add(result.stride)).then_some((at, current?)));
        let drawn_length = pieces
            .iter()
            .flat_map(|piece| piece.windows(2))
            .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
            .sum();
        Self { pieces, current, diverged, drawn_length }
    }
}

/// Brings the cached path of every enabled run up to `step`.
fn update_paths(
    paths: &mut PathCache,
    results: &[RunResult],
    race: &Race,
    step: u64,
    (limits, pixel): (&ViewBox, f64),
) {
    let start = race.start_point();
    let limit_bits = [limits.x_min, limits.x_max, limits.y_min, limits.y_max].map(f64::to_bits);
    for (index, _) in race.runs.iter().enumerate().filter(|(_, run)| run.enabled) {
        let Some(result) = results.get(index) else { continue };
        let shown = result.records_until(step);
        let key = (
            RecordsKey::new(result, shown.len()),
            start.map(f64::to_bits),
            limit_bits,
            pixel.to_bits(),
        );
        paths.ensure(index, key, || PathGeometry::new(result, shown, start, limits, pixel));
    }
}

/// The size of a divergence label as the plot will lay it out (body font, with its
/// background's padding).
fn label_size(ctx: &egui::Context, text: &str) -> egui::Vec2 {
    let font = egui::TextStyle::Body.resolve(&ctx.global_style());
    let size = ctx.fonts_mut(|f| f.layout_no_wrap(text.to_owned(), font, Color32::WHITE).size());
    size + egui::vec2(6.0, 4.0)
}

/// The left-centre anchor for a label of `size` as close to `wanted` as possible: inside
/// `frame`, moved up or down (nearest first) to the first place clear of everything in
/// `taken`; where no place is clear, at `wanted`. Records its rectangle.
fn place_label(
    wanted: egui::Pos2,
    size: egui::Vec2,
    frame: egui::Rect,
    taken: &mut Vec<egui::Rect>,
) -> egui::Pos2 {
    let margin = 4.0;
    let clamp = |pos: egui::Pos2| {
        let x_max = (frame.right() - size.x - margin).max(frame.left() + margin);
        let y_min = frame.top() + 0.5 * size.y + margin;
        let y_max = (frame.bottom() - 0.5 * size.y - margin).max(y_min);
        egui::pos2(pos.x.clamp(frame.left() + margin, x_max), pos.y.clamp(y_min, y_max))
    };
    let rect_at =
        |pos: egui::Pos2| egui::Rect::from_min_size(pos - egui::vec2(0.0, 0.5 * size.y), size);
    let start = clamp(wanted);
    let step = size.y + 2.0;
    let clear = |pos: &egui::Pos2| !taken.iter().any(|r| r.intersects(rect_at(*pos)));
    // Offsets 0, +1, −1, +2, −2, … label heights, as far as the frame reaches.
    let reach = (frame.height() / step).ceil() + 1.0;
    let candidates = (0u16..).take_while(|i| f32::from(*i) <= 2.0 * reach).map(|i| {
        let k = f32::from(i.div_ceil(2));
        let sign = if i % 2 == 1 { 1.0 } else { -1.0 };
        clamp(egui::pos2(start.x, start.y + sign * k * step))
    });
    let pos = candidates.into_iter().find(|p| clear(p)).unwrap_or(start);
    taken.push(rect_at(pos));
    pos
}

/// A dark disc under markers, so they read on every colour of the map.
fn shadow(points: &[PlotPoint], radius: f32) -> Points<'_> {
    Points::new("", points)
        .id("marker-shadows")
        .shape(MarkerShape::Circle)
        .filled(true)
        .radius(radius)
        .color(HALO)
        .allow_hover(false)
}

/// Loss for the hover label, with more digits than the colour bar.
fn hover_loss(v: f64) -> String {
    if v == 0.0 {
        "0".to_owned()
    } else if (1e-3..1e5).contains(&v.abs()) {
        format!("{v:.5}")
    } else {
        format!("{v:.4e}")
    }
}

/// `v` rounded to a grid a thousandth of `extent` fine (a power of ten), so a start set with
/// the mouse reads `(-3.46, 1.23)` in the notebook rather than seventeen digits.
fn tidy(v: f64, extent: f64) -> f64 {
    let quantum = 10f64.powf((extent / 1000.0).log10().floor());
    if quantum.is_finite() && quantum > 0.0 { (v / quantum).round() * quantum } else { v }
}

/// The plot's bounds as a view box.
fn bounds_box(bounds: &PlotBounds) -> ViewBox {
    let ([x_min, y_min], [x_max, y_max]) = (bounds.min(), bounds.max());
    ViewBox { x_min, x_max, y_min, y_max }
}

/// What the map draws from and the caches it keeps between frames.
pub struct MapParts<'a> {
    /// Surface textures and contours.
    pub heatmap: &'a mut HeatmapCache,
    /// Contour lines simplified for the zoom.
    pub contours: &'a mut DrawnContours,
    /// Every run's drawn path.
    pub paths: &'a mut PathCache,
    /// The loss under the pointer, computed off the window's thread for expensive surfaces.
    pub hover: &'a Probe<f64>,
    /// The computed runs.
    pub runs: &'a [RunResult],
    /// Framing, arrows and hidden runs, kept between frames.
    pub state: &'a mut MapState,
    /// The run selected in the table: the arrows follow its current point.
    pub focused_run: usize,
}

/// The surface's special points as the map marks them.
struct Markers {
    global: Vec<PlotPoint>,
    local: Vec<PlotPoint>,
    saddles: Vec<PlotPoint>,
    /// The start point, clamped to the drawing box.
    start: Option<PlotPoint>,
}

impl Markers {
    fn of(race: &Race, limits: &ViewBox) -> Self {
        let minima = race.surface.minima();
        let marker = |kind: MinimumKind| -> Vec<PlotPoint> {
            minima.iter().filter(|m| m.kind == kind).map(|m| PlotPoint::from(m.position)).collect()
        };
        Self {
            global: marker(MinimumKind::Global),
            local: marker(MinimumKind::Local),
            saddles: race.surface.saddle_points().into_iter().map(PlotPoint::from).collect(),
            start: clamp_point(race.start_point(), limits).map(PlotPoint::from),
        }
    }

    /// What the marker at `p` is, if one is there.
    fn name_of(&self, p: &PlotPoint) -> Option<&'static str> {
        let same = |q: &PlotPoint| (q.x - p.x).abs() < 1e-12 && (q.y - p.y).abs() < 1e-12;
        if self.global.iter().any(same) {
            Some("global minimum")
        } else if self.local.iter().any(same) {
            Some("local minimum")
        } else if self.saddles.iter().any(same) {
            Some("saddle point")
        } else if self.start.as_ref().is_some_and(same) {
            Some("start")
        } else {
            None
        }
    }
}

/// Everything the map's plot draws this frame.
struct MapScene<'a> {
    /// The surface's own box: what a start picked with the mouse is tidied to.
    view: ViewBox,
    /// What the map frames (the runs or the whole surface): what a double click returns to.
    home: ViewBox,
    heatmap: Option<&'a Heatmap>,
    contours: &'a mut DrawnContours,
    /// Plot units per screen point.
    pixel: f64,
    markers: &'a Markers,
    paths: Vec<RunPath<'a>>,
    /// Whether to frame `home` now (the surface or the runs changed, or this is the first frame).
    reframe: bool,
    /// The direction arrows to draw.
    directions: &'a [DirectionMark],
}

/// Height kept under the map for the direction sentences and the legend.
const BELOW_MAP: f32 = 100.0;

/// Draws the map's toolbar, the map and the colour bar beside it, the direction sentences and
/// the legend; returns the start point a click or drag picked (when it differs from the race's).
pub fn show(
    ui: &mut egui::Ui,
    race: &Race,
    step: u64,
    MapParts { heatmap, contours, paths, hover, runs, state, focused_run }: MapParts<'_>,
) -> Option<Point> {
    // The surface's own box: what "Whole surface" shows, and what paths are clamped around.
    let view = race.surface.view_box();
    let limits = clamp_box(&view);
    toolbar(ui, state);
    let plot_id = ui.make_persistent_id("optlab-map");
    let plot_width =
        (ui.available_width() - COLOUR_BAR_WIDTH - ui.spacing().item_spacing.x).max(120.0);
    // Square-ish: a tall strip would spend its height on what lies beside the runs.
    let height = map_height(state, &view, plot_width, ui.available_height() - BELOW_MAP);
    let memory = egui_plot::PlotMemory::load(ui.ctx(), plot_id);
    let coverage = Coverage::Map {
        visible: memory.as_ref().map(|m| bounds_box(m.transform().bounds())),
        aspect: f64::from(plot_width / height),
    };
    heatmap.update(ui.ctx(), &race.surface, coverage);
    let cache: &HeatmapCache = heatmap;
    let (home, mut reframe) = framing(state, race, runs, cache.surface_generation());
    // A new size (the framed box's shape changed it) frames again.
    reframe |= state.size.replace([plot_width, height]) != Some([plot_width, height]);
    let heatmap = cache.shown();
    // Plot units per screen point, from the last frame (or the whole box across the plot).
    let pixel = memory
        .map(|memory| memory.transform().dvalue_dpos()[0].abs())
        .filter(|p| p.is_finite() && *p > 0.0)
        .unwrap_or(home.width().max(home.height()) / f64::from(plot_width));
    update_paths(paths, runs, race, step, (&limits, pixel));
    let markers = Markers::of(race, &limits);
    let ctx = ui.ctx().clone();
    let wake: optlab_core::runner::Wake = Arc::new(move || ctx.request_repaint());
    let current = current_place(race, runs, focused_run, step)
        .filter(|_| !state.hidden.contains(&focused_run));
    let directions =
        map_directions::marks(state, (&wake, pixel), &race.surface, race.start_point(), current);
    let scene = MapScene {
        view,
        home,
        heatmap,
        contours,
        pixel,
        markers: &markers,
        paths: run_paths(race, paths, state),
        reframe,
        directions: &directions,
    };
    let new_start = ui
        .horizontal_top(|ui| {
            let plot = map_plot(plot_id, [plot_width, height], (&race.surface, hover), &markers);
            let shown = plot.show(ui, |plot_ui| {
                let (new_start, slice_line) = draw(plot_ui, scene);
                let lookahead = super::lookahead::draw(plot_ui, race, step, runs);
                let evaluation =
                    super::evaluation_point::draw(plot_ui, race, step, (runs, &state.hidden));
                let average = super::asgd_average::draw(plot_ui, race, step, runs);
                let overlays = [
                    lookahead.map(|name| ("◯", name)),
                    evaluation.map(|name| ("┄", name)),
                    average.map(|name| (super::asgd_average::SWATCH, name)),
                    slice_line.then_some(SLICE_LINE),
                ];
                (new_start, overlays)
            });
            surface_status(ui, shown.response.rect, cache);
            match heatmap {
                Some(heatmap) => {
                    ui.allocate_ui(egui::vec2(COLOUR_BAR_WIDTH, height), |ui| {
                        colour_bar(ui, heatmap);
                    });
                }
                None => {
                    ui.allocate_exact_size(egui::vec2(COLOUR_BAR_WIDTH, 1.0), egui::Sense::hover());
                }
            }
            shown.inner
        })
        .inner;
    let (new_start, overlays) = new_start;
    captions(ui, &directions);
    legend(ui, race, state, overlays.iter().flatten());
    new_start.filter(|p| p[0].is_finite() && p[1].is_finite() && race.start != Some(*p))
}

/// What the "Whole surface" button does.
const WHOLE_SURFACE_HINT: &str = "Show the surface's whole box. On the map: scroll to zoom, \
    drag with the right button to zoom into a box, double-click to frame again";
/// What the "Fit runs" button does.
const FIT_RUNS_HINT: &str = "Frame the runs, their start and the minima they head for. On the \
    map: scroll to zoom, drag with the right button to zoom into a box, double-click to frame again";

/// The map's height for `width`: the framed box's shape (the last one framed, else the
/// surface's), kept between 1 and 1.3 times the width (square-ish, a tall column's height
/// used for context around a wide box) and within `room`.
fn map_height(state: &MapState, view: &ViewBox, width: f32, room: f32) -> f32 {
    let framed = state.framed.as_ref().map_or(view, |(_, home)| home);
    let shape = (framed.height() / framed.width()).clamp(1.0, 1.3);
    #[expect(clippy::cast_possible_truncation, reason = "a ratio between 1 and 1.3")]
    let shape = if shape.is_finite() { shape as f32 } else { 1.0 };
    (shape * width).min(room).max(120.0)
}

/// The arrows' switch and the framing button.
fn toolbar(ui: &mut egui::Ui, state: &mut MapState) {
    ui.horizontal(|ui| {
        ui.checkbox(&mut state.show_directions, "Directions").on_hover_text(
            "Arrows at the start and at the selected run's current point: solid, −∇f (steepest \
             descent); dashed, the way to the nearest known minimum (Newton's direction −H⁻¹∇f \
             when the surface has none); the label is the angle between them",
        );
        let (label, hover, next) = match state.framing {
            Framing::FitRuns => ("Whole surface", WHOLE_SURFACE_HINT, Framing::WholeSurface),
            Framing::WholeSurface => ("Fit runs", FIT_RUNS_HINT, Framing::FitRuns),
        };
        if ui.button(label).on_hover_text(hover).clicked() {
            state.framing = next;
        }
    });
}

/// What the map frames and whether to frame it now: the runs (or the whole surface), again
/// whenever the surface, the start or a run's computation changes, not every frame.
fn framing(
    state: &mut MapState,
    race: &Race,
    runs: &[RunResult],
    surface_generation: u64,
) -> (ViewBox, bool) {
    let shown: Vec<(usize, &RunResult)> = race
        .runs
        .iter()
        .enumerate()
        .filter(|(index, run)| run.enabled && !state.hidden.contains(index))
        .filter_map(|(index, _)| Some((index, runs.get(index)?)))
        .collect();
    let start = race.start_point();
    let key = FrameKey {
        surface: surface_generation,
        start: start.map(f64::to_bits),
        runs: shown.iter().map(|(i, r)| (*i, r.generation, r.summary.is_some())).collect(),
        framing: state.framing,
    };
    if let Some((framed, home)) = &state.framed
        && *framed == key
    {
        return (*home, false);
    }
    let view = race.surface.view_box();
    let moved = shown.iter().any(|(_, r)| r.records.len() > 1);
    let home = match state.framing {
        // Before any run has moved there is nothing to frame but the start.
        Framing::FitRuns if moved => {
            let minima: Vec<Point> = race.surface.minima().iter().map(|m| m.position).collect();
            let fitted =
                fit_box(framed_points(start, shown.iter().map(|(_, r)| *r), &minima), &view);
            // An expensive formula's picture takes long to resample: grow the view to the
            // runs, never zoom in (the wheel still does).
            if is_cheap(&race.surface) { fitted } else { union(&fitted, &view) }
        }
        Framing::FitRuns | Framing::WholeSurface => view,
    };
    state.framed = Some((key, home));
    (home, true)
}

/// The smallest box containing `a` and `b`.
fn union(a: &ViewBox, b: &ViewBox) -> ViewBox {
    ViewBox {
        x_min: a.x_min.min(b.x_min),
        x_max: a.x_max.max(b.x_max),
        y_min: a.y_min.min(b.y_min),
        y_max: a.y_max.max(b.y_max),
    }
}

/// The selected run's place name and last finite position at `step`, when it is shown.
fn current_place(
    race: &Race,
    runs: &[RunResult],
    focused_run: usize,
    step: u64,
) -> Option<(String, Point)> {
    let run = race.runs.get(focused_run).filter(|run| run.enabled)?;
    let record = runs
        .get(focused_run)?
        .records_until(step)
        .iter()
        .rev()
        .find(|r| r.position[0].is_finite() && r.position[1].is_finite())?;
    Some((format!("step {} ({})", record.step, run.name), record.position))
}

/// One sentence per place the arrows are drawn at.
fn captions(ui: &mut egui::Ui, marks: &[DirectionMark]) {
    for mark in marks {
        let text = match &mark.answer {
            Answer::Ready(directions) if mark.settled => {
                map_directions::settled_caption(&mark.place, directions)
            }
            Answer::Ready(directions) => map_directions::caption(&mark.place, directions),
            Answer::Pending => format!("{}: directions …", mark.place),
            Answer::Failed => format!("{}: the directions could not be computed", mark.place),
        };
        ui.label(text);
        if let Answer::Ready(directions) = &mark.answer
            && let Some(curvature) = &directions.curvature
        {
            ui.label(super::map_curvature::caption(&mark.place, curvature));
        }
    }
}

/// The legend entry of the Slice view's line: a dashed stroke.
const SLICE_LINE: (&str, &str) = ("┄", "slice line");

/// The runs' legend, under the map (never over its data): a click hides or shows a run. After
/// the runs, the `overlays` drawn (a swatch and a name: the look-ahead point, the slice line).
fn legend<'a>(
    ui: &mut egui::Ui,
    race: &Race,
    state: &mut MapState,
    overlays: impl Iterator<Item = &'a (&'static str, &'static str)>,
) {
    ui.horizontal_wrapped(|ui| {
        legend_runs(ui, race, state);
        for (swatch, name) in overlays {
            ui.label(*swatch);
            ui.label(*name);
        }
    });
}

/// The runs' entries of [`legend`].
fn legend_runs(ui: &mut egui::Ui, race: &Race, state: &mut MapState) {
    for (index, run) in race.runs.iter().enumerate().filter(|(_, run)| run.enabled) {
        let shown = !state.hidden.contains(&index);
        let colour = palette::run_colour(run.color, index);
        let bullet = if shown { colour } else { palette::dimmed(colour, 0.35) };
        ui.label(RichText::new("●").color(bullet));
        let name = if shown {
            RichText::new(&run.name)
        } else {
            RichText::new(&run.name).strikethrough().weak()
        };
        let response = ui
            .add(egui::Button::new(name).frame(false))
            .on_hover_text("Click to hide or show this run on the map");
        if response.clicked() {
            if shown {
                state.hidden.insert(index);
            } else {
                state.hidden.remove(&index);
            }
        }
    }
}

/// The enabled, not hidden runs' cached paths with their names and colours.
fn run_paths<'a>(race: &'a Race, paths: &'a PathCache, state: &MapState) -> Vec<RunPath<'a>> {
    race.runs
        .iter()
        .enumerate()
        .filter(|(index, run)| run.enabled && !state.hidden.contains(index))
        .filter_map(|(index, run)| {
            Some(RunPath {
                index,
                name: &run.name,
                colour: palette::run_colour(run.color, index),
                geometry: paths.get(index)?,
            })
        })
        .collect()
}

/// The map's plot: equal axes, no panning by drag or wheel, labelled ticks, and hover labels with
/// the marker's name and the loss under the pointer.
fn map_plot<'a>(
    plot_id: egui::Id,
    [width, height]: [f32; 2],
    (surface, hover): (&'a Surface, &'a Probe<f64>),
    markers: &'a Markers,
) -> Plot<'a> {
    let label = move |position: &HoverPosition<'_>| -> Option<String> {
        let (title, p) = match position {
            HoverPosition::NearDataPoint { plot_name, position, .. } => {
                let title =
                    if plot_name.is_empty() { markers.name_of(position) } else { Some(*plot_name) };
                (title, *position)
            }
            HoverPosition::Elsewhere { position } => (None, *position),
        };
        let loss = match hover.get(surface, [p.x, p.y]) {
            Answer::Ready(v) => hover_loss(v),
            Answer::Pending => "…".to_owned(),
            Answer::Failed => "?".to_owned(),
        };
        let body = format!("x = {:.4}\ny = {:.4}\nloss = {loss}", p.x, p.y);
        Some(match title {
            Some(title) => format!("{title}\n{body}"),
            None => body,
        })
    };
    Plot::new("map")
        .id(plot_id)
        .width(width)
        .height(height)
        .data_aspect(1.0)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(true)
        .show_grid(false)
        .custom_x_axes(vec![
            AxisHints::new_x()
                .label("x")
                .label_spacing(45.0..=50.0)
                .formatter(|mark, _| axis_label(mark.value, mark.step_size)),
        ])
        .custom_y_axes(vec![
            AxisHints::new_y()
                .label("y")
                .label_spacing(25.0..=30.0)
                .formatter(|mark, _| axis_label(mark.value, mark.step_size)),
        ])
        .x_grid_spacer(|input| axis_marks(&input, X_LABEL_SPACING))
        .y_grid_spacer(|input| axis_marks(&input, Y_LABEL_SPACING))
        .label_formatter(label)
}

/// Draws the scene in the plot; returns the start point a primary click or drag picked and
/// whether the Slice view's line is drawn.
fn draw<'a>(plot_ui: &mut PlotUi<'a>, scene: MapScene<'a>) -> (Option<Point>, bool) {
    let MapScene { view, home, heatmap, contours, pixel, markers, paths, reframe, directions } =
        scene;
    let response = plot_ui.response().clone();
    navigate(plot_ui, &response, &home, reframe);
    if let Some(heatmap) = heatmap {
        draw_surface(plot_ui, heatmap, contours, pixel);
    }
    let slice_line = super::slice_map::draw_on_map(plot_ui);
    draw_markers(plot_ui, markers);
    draw_paths(plot_ui, &paths);
    super::map_curvature::draw(plot_ui, directions);
    map_directions::draw(plot_ui, directions);
    draw_divergences(plot_ui, &paths);
    (picked_start(plot_ui, &response, &view), slice_line)
}

/// Frames `home` when asked (a double click too); the wheel zooms.
fn navigate(plot_ui: &mut PlotUi<'_>, response: &egui::Response, home: &ViewBox, now: bool) {
    if now || plot_ui.auto_bounds().any() || response.double_clicked() {
        plot_ui.set_plot_bounds(PlotBounds::from_min_max(
            [home.x_min, home.y_min],
            [home.x_max, home.y_max],
        ));
    }
    // The wheel zooms (the plot's own scrolling would pan).
    if response.contains_pointer() {
        let scroll = plot_ui.ctx().input(|i| i.smooth_scroll_delta.y);
        if scroll != 0.0 {
            plot_ui.zoom_bounds_around_hovered(Vec2::splat((scroll * 0.003).exp()));
        }
    }
    if response.hovered() {
        plot_ui.ctx().set_cursor_icon(CursorIcon::Crosshair);
    }
}

/// The surface's colours and its contour lines.
fn draw_surface<'a>(
    plot_ui: &mut PlotUi<'a>,
    heatmap: &'a Heatmap,
    contours: &'a mut DrawnContours,
    pixel: f64,
) {
    let sampled = heatmap.view_box;
    let centre = PlotPoint::from(sampled.center());
    #[expect(
        clippy::cast_possible_truncation,
        reason = "a size in plot units; f32 is plenty for drawing"
    )]
    let size = [sampled.width() as f32, sampled.height() as f32];
    plot_ui.image(PlotImage::new("", heatmap.texture.id(), centre, size).allow_hover(false));
    // Half a screen point: simplification is invisible at this zoom.
    for line in contours.get(heatmap, 0.5 * pixel) {
        plot_ui.line(
            Line::new("", line.as_slice())
                .id("contours")
                .color(CONTOUR_COLOUR)
                .width(1.0)
                .allow_hover(false)
                .allow_band(false),
        );
    }
}

/// Minima, saddle points and the start, each over a dark halo.
fn draw_markers<'a>(plot_ui: &mut PlotUi<'a>, markers: &'a Markers) {
    plot_ui.points(shadow(&markers.global, 8.0));
    plot_ui.points(shadow(&markers.local, 8.0));
    plot_ui.points(shadow(&markers.saddles, 7.0));
    plot_ui.points(
        Points::new("", markers.global.as_slice())
            .id("global minima")
            .shape(MarkerShape::Diamond)
            .filled(true)
            .radius(6.0)
            .color(Color32::WHITE),
    );
    plot_ui.points(
        Points::new("", markers.local.as_slice())
            .id("local minima")
            .shape(MarkerShape::Diamond)
            .filled(false)
            .radius(6.5)
            .color(Color32::WHITE),
    );
    plot_ui.points(
        Points::new("", markers.saddles.as_slice())
            .id("saddle points")
            .shape(MarkerShape::Cross)
            .radius(6.5)
            .color(Color32::WHITE),
    );
    if let Some(p) = markers.start {
        plot_ui.points(
            Points::new("", [p.x, p.y])
                .id("start ring")
                .shape(MarkerShape::Circle)
                .filled(false)
                .radius(9.0)
                .color(HALO)
                .allow_hover(false),
        );
        plot_ui.points(
            Points::new("", [p.x, p.y])
                .id("start")
                .shape(MarkerShape::Circle)
                .filled(false)
                .radius(7.0)
                .color(Color32::WHITE),
        );
    }
}

/// Widest drawn path (the bottom one); each path above is this much narrower.
const WIDEST_PATH: f32 = 4.0;
/// How much narrower each path is than the one under it.
const PATH_WIDTH_STEP: f32 = 0.5;
/// Narrowest drawn path (the top one).
const NARROWEST_PATH: f32 = 2.0;

/// Every run's path and current position. All halos go under all paths (a halo over another
/// run's path would hide it). The longest path on screen (a zig-zag that covers an area) is
/// drawn first, at the bottom, where it shows around the others; shorter, smoother paths go
/// on top, and each path is narrower than the one under it, so it shows past its edges.
fn draw_paths<'a>(plot_ui: &mut PlotUi<'a>, paths: &[RunPath<'a>]) {
    let mut order: Vec<&RunPath<'a>> = paths.iter().collect();
    order.sort_by(|a, b| b.geometry.drawn_length.total_cmp(&a.geometry.drawn_length));
    let count = order.len();
    let width = |rank: usize| {
        #[expect(clippy::cast_precision_loss, reason = "a handful of runs")]
        let above = (count - 1 - rank) as f32;
        (NARROWEST_PATH + PATH_WIDTH_STEP * above).min(WIDEST_PATH)
    };
    for (rank, path) in order.iter().enumerate() {
        for piece in &path.geometry.pieces {
            plot_ui.line(
                Line::new("", piece.as_slice())
                    .id(("optlab-run-halo", path.index))
                    .color(HALO)
                    .width(width(rank) + 2.5)
                    .allow_hover(false)
                    .allow_band(false),
            );
        }
    }
    for (rank, path) in order.iter().enumerate() {
        let geometry: &'a PathGeometry = path.geometry;
        for piece in &geometry.pieces {
            plot_ui.line(
                Line::new(path.name, piece.as_slice())
                    .id(("optlab-run", path.index))
                    .color(path.colour)
                    .width(width(rank))
                    .allow_band(false),
            );
        }
    }
    for path in &order {
        draw_current(plot_ui, path);
    }
}

/// A run's current position, a dot over a dark ring.
fn draw_current(plot_ui: &mut PlotUi<'_>, path: &RunPath<'_>) {
    let Some(p) = path.geometry.current else { return };
    let id = ("optlab-run", path.index);
    plot_ui.points(
        Points::new("", [p.x, p.y])
            .id(id)
            .shape(MarkerShape::Circle)
            .radius(6.5)
            .color(HALO)
            .allow_hover(false),
    );
    plot_ui.points(
        Points::new("", [p.x, p.y])
            .id(id)
            .shape(MarkerShape::Circle)
            .radius(4.5)
            .color(path.colour)
            .allow_hover(false),
    );
}

/// Diverged runs: a red ✖ at the last finite point and a label kept inside the frame, clear of
/// each other.
fn draw_divergences<'a>(plot_ui: &mut PlotUi<'a>, paths: &[RunPath<'a>]) {
    let frame = *plot_ui.transform().frame();
    let mut taken = Vec::new();
    for path in paths {
        let Some((at, p)) = path.geometry.diverged else { continue };
        let id = ("optlab-run", path.index);
        plot_ui.points(
            Points::new("", [p.x, p.y])
                .id(id)
                .shape(MarkerShape::Circle)
                .radius(8.0)
                .color(HALO)
                .allow_hover(false),
        );
        plot_ui.points(
            Points::new("", [p.x, p.y])
                .id(id)
                .shape(MarkerShape::Cross)
                .radius(9.0)
                .color(DIVERGED)
                .allow_hover(false),
        );
        let text = format!("{} diverged at step {at}", path.name);
        let wanted = plot_ui.screen_from_plot(p) + egui::vec2(14.0, 0.0);
        let size = label_size(plot_ui.ctx(), &text);
        let pos = place_label(wanted, size, frame, &mut taken);
        plot_ui.text(
            Text::new(
                "",
                plot_ui.plot_from_screen(pos),
                RichText::new(text)
                    .text_style(egui::TextStyle::Body)
                    .color(DIVERGED)
                    .background_color(Color32::from_black_alpha(200)),
            )
            .id(id)
            .anchor(Align2::LEFT_CENTER)
            .allow_hover(false),
        );
    }
}

/// Primary click or drag: the start point goes where the pointer is (tidied).
fn picked_start(plot_ui: &PlotUi<'_>, response: &egui::Response, view: &ViewBox) -> Option<Point> {
    let press =
        response.clicked_by(PointerButton::Primary) || response.dragged_by(PointerButton::Primary);
    if !press {
        return None;
    }
    let pointer = plot_ui.ctx().input(|i| i.pointer.latest_pos());
    pointer.map(|pos| {
        let p = plot_ui.plot_from_screen(pos);
        [tidy(p.x, view.width()), tidy(p.y, view.height())]
    })
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact by construction")]
mod tests {
    use super::*;

    fn records(n: usize) -> Vec<StepRecord> {
        (0..n)
            .map(|i| StepRecord {
                step: i as u64,
                position: [i as f64, if i % 2 == 0 { 1.0 } else { -1.0 }],
                loss: 1.0,
                lr: 0.1,
                grad_norm: 1.0,
            })
            .collect()
    }

    #[test]
    fn decimation_keeps_ends_and_bounds_the_count() {
        for n in [0, 1, 2, 10, 3999, 4000, 4001, 7000, 8000, 10_000, 123_457] {
            let all = records(n);
            let kept: Vec<&StepRecord> = decimated(&all, MAX_DRAWN_POINTS).collect();
            assert!(kept.len() <= MAX_DRAWN_POINTS, "{n}: {}", kept.len());
            if n > 0 {
                assert_eq!(kept[0].step, 0);
                assert_eq!(kept.last().unwrap().step, n as u64 - 1);
            }
            if n <= MAX_DRAWN_POINTS {
                assert_eq!(kept.len(), n);
            } else {
                assert!(kept.len() > MAX_DRAWN_POINTS / 3, "{n}: {}", kept.len());
                // The zig-zag survives: consecutive kept points alternate sides.
                let flips =
                    kept.windows(2).filter(|w| w[0].position[1] != w[1].position[1]).count();
                assert!(flips >= kept.len() - 2, "{n}: {flips} of {}", kept.len());
            }
        }
        assert!(decimated(&records(9000), 100).count() > 90);
    }

    #[test]
    fn a_long_zig_zag_keeps_its_alternation_and_its_envelope() {
        // 10⁵ steps bouncing across a valley that slowly bends and narrows, like SGD on the
        // taco shell: the drawn path must still zig-zag, not collapse into a few segments.
        let all: Vec<StepRecord> = (0..100_000u32)
            .map(|i| {
                let t = f64::from(i) / 100_000.0;
                let side = if i % 2 == 0 { 1.0 } else { -1.0 };
                let width = 1.0 - 0.8 * t;
                StepRecord {
                    step: u64::from(i),
                    position: [4.0 * t, (3.0 * t).sin() + side * width],
                    loss: 1.0,
                    lr: 0.1,
                    grad_norm: 1.0,
                }
            })
            .collect();
        let by_count: Vec<Point> = decimated(&all, MAX_DRAWN_POINTS).map(|r| r.position).collect();
        let positions: Vec<Point> = all.iter().map(|r| r.position).collect();
        let by_length = decimated_points(&positions, MAX_DRAWN_POINTS);
        for kept in [by_count, by_length] {
            assert!(kept.len() <= MAX_DRAWN_POINTS && kept.len() > MAX_DRAWN_POINTS / 2);
            let turning =
                kept.windows(3).filter(|w| (w[1][1] - w[0][1]) * (w[2][1] - w[1][1]) < 0.0).count();
            assert!(turning * 10 >= (kept.len() - 2) * 9, "{turning} of {}", kept.len() - 2);
            let envelope = |points: &mut dyn Iterator<Item = Point>| {
                points.fold([f64::INFINITY, f64::NEG_INFINITY], |e, p| {
                    [e[0].min(p[1]), e[1].max(p[1])]
                })
            };
            let full = envelope(&mut all.iter().map(|r| r.position));
            let drawn = envelope(&mut kept.iter().copied());
            assert!(
                (full[0] - drawn[0]).abs() < 0.01 && (full[1] - drawn[1]).abs() < 0.01,
                "{full:?} {drawn:?}"
            );
        }
    }

    #[test]
    fn clipping_keeps_the_direction_of_diverging_segments() {
        let limits = ViewBox { x_min: -10.0, x_max: 10.0, y_min: -10.0, y_max: 10.0 };
        // Inside: untouched.
        assert_eq!(clip_segment([0.0, 0.0], [1.0, 2.0], &limits), Some(([0.0, 0.0], [1.0, 2.0])));
        // Out to far away: cut at the edge along the same line.
        let (a, b) = clip_segment([0.0, 0.0], [1e6, 5e5], &limits).unwrap();
        assert_eq!(a, [0.0, 0.0]);
        assert!((b[0] - 10.0).abs() < 1e-9 && (b[1] - 5.0).abs() < 1e-9);
        // Across the box from outside to outside (an oscillating divergence).
        let (a, b) = clip_segment([-1e3, -1e3], [1e4, 1e4], &limits).unwrap();
        assert!((a[0] + 10.0).abs() < 1e-9 && (b[1] - 10.0).abs() < 1e-9);
        // Missing the box, or overflowing.
        assert_eq!(clip_segment([20.0, 0.0], [30.0, 50.0], &limits), None);
        assert_eq!(clip_segment([-1e308, 0.0], [1e308, 0.0], &limits), None);
        // A path that leaves, comes back and leaves again: pieces in the true directions.
        let path =
            [[0.0, 0.0], [5.0, 0.0], [100.0, 0.0], [-100.0, 8.0], [1e300, 1e300], [f64::NAN, 0.0]];
        let pieces = clip_polyline(path, &limits);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert_eq!(pieces[0], vec![[0.0, 0.0], [5.0, 0.0], [10.0, 0.0]]);
        let close = |p: Point, q: Point| (p[0] - q[0]).abs() < 1e-9 && (p[1] - q[1]).abs() < 1e-9;
        assert!(pieces[1].len() == 2 && close(pieces[1][0], [10.0, 3.6]), "{pieces:?}");
        assert!(close(pieces[1][1], [-10.0, 4.4]), "{pieces:?}");
        assert!(pieces.iter().flatten().all(|&p| limits.contains(p)));
        // A lone start inside is one piece of one point; outside, nothing.
        assert_eq!(clip_polyline([[1.0, 1.0]], &limits), vec![vec![[1.0, 1.0]]]);
        assert!(clip_polyline([[11.0, 1.0]], &limits).is_empty());
    }

    #[test]
    fn straight_back_joins_are_removed_without_losing_segments() {
        let close = |p: Point, q: Point| (p[0] - q[0]).abs() < 1e-12 && (p[1] - q[1]).abs() < 1e-12;
        // RMSprop's limit cycle: exactly back and forth.
        let (a, b) = ([0.025, -0.025], [-0.025, 0.025]);
        let cycle: Vec<Point> = (0..1000).map(|i| if i % 2 == 0 { a } else { b }).collect();
        let pieces = without_reversals(&cycle);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert_eq!(pieces[0], vec![a, b]);
        assert!(close(pieces[1][0], a) && close(pieces[1][1], b), "{pieces:?}");
        // A zig-zag that turns but never straight back is left alone.
        let zigzag: Vec<Point> =
            (0..50).map(|i| [f64::from(i), if i % 2 == 0 { 1.0 } else { -1.0 }]).collect();
        assert_eq!(without_reversals(&zigzag), vec![zigzag.clone()]);
        // Growing along one line: one segment over the whole extent.
        let growing: Vec<Point> = (0..9).map(|i| [(-1.5f64).powi(i), 0.0]).collect();
        let pieces = without_reversals(&growing);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        let (lo, hi) = (growing[7][0], growing[8][0]);
        let ends = [pieces[1][0][0].min(pieces[1][1][0]), pieces[1][0][0].max(pieces[1][1][0])];
        assert!((ends[0] - lo.min(hi)).abs() < 1e-12 && (ends[1] - lo.max(hi)).abs() < 1e-12);
        // Converge on a line, then leave it: the path goes on from its real position.
        let mut leaving: Vec<Point> =
            (0..6).map(|i| [(-0.9f64).powi(i), 2.0 * (-0.9f64).powi(i)]).collect();
        leaving.push([5.0, 5.0]);
        leaving.push([6.0, 4.0]);
        let pieces = without_reversals(&leaving);
        assert_eq!(pieces.len(), 3, "{pieces:?}");
        assert_eq!(pieces[0], leaving[..2].to_vec());
        assert!(close(pieces[1][0], leaving[0]) && close(pieces[1][1], leaving[1]));
        assert_eq!(pieces[2], vec![leaving[5], [5.0, 5.0], [6.0, 4.0]]);
        // No piece anywhere turns straight back, and every point is covered.
        for path in [&cycle, &zigzag, &growing, &leaving] {
            let pieces = without_reversals(path);
            for piece in &pieces {
                for w in piece.windows(3) {
                    let u = [w[1][0] - w[0][0], w[1][1] - w[0][1]];
                    let v = [w[2][0] - w[1][0], w[2][1] - w[1][1]];
                    let straight_back = u[0] * v[0] + u[1] * v[1] < 0.0
                        && (u[0] * v[1] - u[1] * v[0]).abs()
                            < 1e-3 * u[0].hypot(u[1]) * v[0].hypot(v[1]);
                    assert!(!straight_back, "{w:?}");
                }
            }
            for &p in path {
                let on = |s: &[Point]| {
                    s.windows(2).any(|w| {
                        let (d, e) = (
                            [w[1][0] - w[0][0], w[1][1] - w[0][1]],
                            [p[0] - w[0][0], p[1] - w[0][1]],
                        );
                        let len2 = d[0] * d[0] + d[1] * d[1];
                        let t = if len2 > 0.0 { (d[0] * e[0] + d[1] * e[1]) / len2 } else { 0.0 };
                        let off = [e[0] - t * d[0], e[1] - t * d[1]];
                        (-1e-9..=1.0 + 1e-9).contains(&t) && off[0].hypot(off[1]) < 1e-9
                    }) || s.iter().any(|&q| close(p, q))
                };
                assert!(pieces.iter().any(|s| on(s)), "{p:?} not drawn");
            }
        }
    }

    #[test]
    fn an_oscillating_run_tessellates_without_spikes() {
        // Screen-space regression for the egui join spike, through the real plot and tessellator.
        // RMSprop (lr 0.05) on the taco shell around step 1200: a slowly modulated period-2
        // oscillation through the minimum, which egui draws with a ~10⁶-point spike.
        let cycle: Vec<Point> = (0..400)
            .map(|i| {
                let r = 0.025 + 0.002 * (f64::from(i) * 0.13).sin();
                let s = if i % 2 == 0 { 1.0 } else { -1.0 };
                [s * r, -s * r * 1.000_033_5]
            })
            .collect();
        let bounds_of = |pieces: &[Vec<Point>]| {
            let ctx = egui::Context::default();
            let pieces: Vec<Vec<PlotPoint>> =
                pieces.iter().map(|p| p.iter().map(|&q| q.into()).collect()).collect();
            let input = egui::RawInput {
                screen_rect: Some(egui::Rect::from_min_size(
                    egui::Pos2::ZERO,
                    egui::vec2(600.0, 600.0),
                )),
                ..Default::default()
            };
            let mut output = ctx.run_ui(input, |ui| {
                Plot::new("spikes").data_aspect(1.0).show(ui, |plot_ui| {
                    plot_ui.set_plot_bounds(PlotBounds::from_min_max([-5.0, -5.0], [5.0, 5.0]));
                    for piece in &pieces {
                        plot_ui.line(Line::new("", piece.as_slice()).width(4.5).allow_band(false));
                    }
                });
            });
            output.textures_delta.clear();
            let mut bounds = egui::Rect::NOTHING;
            for clipped in ctx.tessellate(output.shapes, 1.0) {
                if let egui::epaint::Primitive::Mesh(mesh) = clipped.primitive {
                    bounds = bounds.union(mesh.calc_bounds());
                }
            }
            bounds
        };
        // (Drawn as one line, this cycle's bounds were ±900 000 points with egui 0.37.)
        let clean = bounds_of(&without_reversals(&cycle));
        assert!(clean.width() < 1000.0 && clean.height() < 1000.0, "{clean:?}");
    }

    #[test]
    fn thinning_drops_only_what_cannot_be_seen() {
        let converged: Vec<Point> = (0..100)
            .map(|i| if i < 10 { [f64::from(i), 0.0] } else { [9.0 + 1e-9 * f64::from(i), 0.0] })
            .collect();
        let kept = thinned(converged.iter().copied(), 0.5);
        assert_eq!(kept.len(), 10, "{kept:?}");
        assert_eq!(kept.last(), converged.last());
        assert_eq!(kept[0], [0.0, 0.0]);
        assert_eq!(
            thinned([[0.0, 0.0], [f64::NAN, 1.0], [2.0, 0.0]], 0.5),
            vec![[0.0, 0.0], [2.0, 0.0]]
        );
        // A path shorter than the distance keeps its start and its end.
        assert_eq!(thinned([[0.0, 0.0], [0.1, 0.0]], 0.5), vec![[0.0, 0.0], [0.1, 0.0]]);
        assert!(thinned([], 1.0).is_empty());
    }

    #[test]
    fn labels_avoid_each_other_and_stay_in_the_frame() {
        let frame = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(400.0, 300.0));
        let legend = egui::Rect::from_min_max(egui::pos2(300.0, 0.0), egui::pos2(400.0, 80.0));
        let mut taken = vec![legend];
        let size = egui::vec2(150.0, 20.0);
        // Far off to the top right: clamped into the frame and pushed below the legend.
        let a = place_label(egui::pos2(1e6, -1e6), size, frame, &mut taken);
        assert!(frame.contains_rect(taken[1]) && !taken[1].intersects(legend), "{a:?}");
        // Same spot again: stacked below the first.
        place_label(egui::pos2(1e6, -1e6), size, frame, &mut taken);
        assert!(!taken[2].intersects(taken[1]) && frame.contains_rect(taken[2]));
        // Five divergence labels wanted at the same spot: none covers another.
        let mut taken = Vec::new();
        for _ in 0..5 {
            place_label(egui::pos2(200.0, 150.0), size, frame, &mut taken);
        }
        for (i, a) in taken.iter().enumerate() {
            assert!(frame.contains_rect(*a), "{a:?}");
            assert!(taken[i + 1..].iter().all(|b| !a.intersects(*b)), "{taken:?}");
        }
        // At the bottom edge with the spot taken: goes above.
        let mut taken =
            vec![egui::Rect::from_min_max(egui::pos2(0.0, 270.0), egui::pos2(400.0, 300.0))];
        place_label(egui::pos2(10.0, 290.0), size, frame, &mut taken);
        assert!(!taken[1].intersects(taken[0]) && frame.contains_rect(taken[1]));
    }

    #[test]
    fn clamping_keeps_diverging_runs_drawable() {
        let view = ViewBox { x_min: -1.0, x_max: 1.0, y_min: -2.0, y_max: 2.0 };
        let limits = clamp_box(&view);
        assert_eq!(limits.x_min, -101.0);
        assert_eq!(limits.y_max, 202.0);
        assert_eq!(clamp_point([0.5, 0.5], &limits), Some([0.5, 0.5]));
        assert_eq!(clamp_point([1e300, -1e300], &limits), Some([101.0, -202.0]));
        assert_eq!(clamp_point([f64::INFINITY, 0.0], &limits), None);
        assert_eq!(clamp_point([0.0, f64::NAN], &limits), None);
    }

    #[test]
    fn starts_are_tidy() {
        assert!((tidy(-3.456_789, 10.0) - -3.46).abs() < 1e-12);
        assert!((tidy(0.123_456, 0.5) - 0.1235).abs() < 1e-12);
        assert_eq!(tidy(2.5, 0.0), 2.5);
        assert_eq!(hover_loss(0.0), "0");
        assert_eq!(hover_loss(1.5), "1.50000");
        assert_eq!(hover_loss(1e-7), "1.0000e-7");
    }
}
