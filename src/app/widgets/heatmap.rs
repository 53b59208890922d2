//! The loss surface as a picture: a colour texture, contour lines and a colour bar.
//!
//! Everything here is computed once per surface and view box and cached in [`HeatmapCache`];
//! a frame only looks it up. Colours and contours share one log scale ([`LogScale`]):
//! `t = normalised log10(f − f_min + δ)`, so the valleys near a minimum get as much of the colour
//! map as the steep walls, and the contour levels are evenly spaced in `t`.

use egui::{ColorImage, TextureHandle, TextureOptions};
use egui_plot::PlotPoint;

use crate::app::widgets::palette;
use optlab_core::surface::{Surface, ViewBox};

/// Columns and rows of the sampled grid (the texture's size in pixels).
pub const GRID: usize = 256;
/// Number of contour levels, evenly spaced in the log scale.
pub const CONTOUR_LEVELS: usize = 12;
/// δ relative to the loss range of the grid: the log scale spans three decades.
const RELATIVE_DELTA: f64 = 1e-3;
/// Number of labels on the colour bar.
const COLOUR_BAR_LABELS: usize = 5;
/// Gradient steps of the colour bar.
const SEGMENTS: u32 = 48;
/// Width of the colour bar widget in points.
pub const COLOUR_BAR_WIDTH: f32 = 60.0;

/// The map from loss values to `t` in [0, 1]: `t = (log10(f − f_min + δ) − lo) / (hi − lo)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogScale {
    /// The lowest loss on the grid; `t = 0` there.
    pub f_min: f64,
    /// The offset δ that keeps the logarithm finite at `f_min`.
    pub delta: f64,
    /// `log10(δ)`.
    log_lo: f64,
    /// `log10(f_max − f_min + δ)`.
    log_hi: f64,
}

impl LogScale {
    /// The scale spanning the finite values of `values` (non-finite ones are ignored).
    #[must_use]
    pub fn fit(values: impl IntoIterator<Item = f64>) -> Self {
        let (lo, hi) = values
            .into_iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if !lo.is_finite() {
            // No finite value at all: a flat scale at zero.
            return Self { f_min: 0.0, delta: 1.0, log_lo: 0.0, log_hi: 0.0 };
        }
        let range = hi - lo;
        if !(range.is_finite() && range > 0.0) {
            // Flat (or absurdly wide) surface: every t is 0.5.
            return Self { f_min: lo, delta: 1.0, log_lo: 0.0, log_hi: 0.0 };
        }
        let delta = range * RELATIVE_DELTA;
        Self { f_min: lo, delta, log_lo: delta.log10(), log_hi: (range + delta).log10() }
    }

    /// Whether the scale has a non-empty range (a flat surface has none).
    #[must_use]
    pub fn is_flat(&self) -> bool {
        self.log_hi <= self.log_lo
    }

    /// `t` in [0, 1] of loss `f` (clamped; NaN counts as the top of the scale).
    #[must_use]
    pub fn t(&self, f: f64) -> f64 {
        if self.is_flat() {
            return 0.5;
        }
        if f.is_nan() {
            return 1.0;
        }
        let g = ((f - self.f_min).max(0.0) + self.delta).log10();
        ((g - self.log_lo) / (self.log_hi - self.log_lo)).clamp(0.0, 1.0)
    }

    /// The loss at `t` (the inverse of [`LogScale::t`] on [0, 1]).
    #[must_use]
    pub fn loss(&self, t: f64) -> f64 {
        if self.is_flat() {
            return self.f_min;
        }
        let g = self.log_lo + t * (self.log_hi - self.log_lo);
        self.f_min + 10f64.powf(g) - self.delta
    }
}

/// The surface sampled at pixel centres over a view box, as `t` values. Row 0 is the TOP of the
/// box (`y_max`), as in an image.
#[derive(Clone, Debug)]
pub struct SurfaceGrid {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// The sampled region.
    pub view_box: ViewBox,
    /// The scale the `t` values were computed with.
    pub scale: LogScale,
    /// `t` of each pixel, row-major, row 0 at the top.
    pub t: Vec<f64>,
}

impl SurfaceGrid {
    /// Samples `surface` on a `width × height` grid over `view_box`.
    #[must_use]
    pub fn sample(surface: &Surface, view_box: ViewBox, width: usize, height: usize) -> Self {
        let (dx, dy) = (view_box.width() / width as f64, view_box.height() / height as f64);
        let mut values = Vec::with_capacity(width * height);
        for row in 0..height {
            let y = view_box.y_max - (row as f64 + 0.5) * dy;
            for col in 0..width {
                let x = view_box.x_min + (col as f64 + 0.5) * dx;
                values.push(surface.value([x, y]));
            }
        }
        let scale = LogScale::fit(values.iter().copied());
        for v in &mut values {
            *v = scale.t(*v);
        }
        Self { width, height, view_box, scale, t: values }
    }

    /// Plot coordinates of a point given in the contour crate's grid coordinates (pixel `i`
    /// has its centre at `i + 0.5`; the grid's outer edge is at 0 and `width`/`height`).
    #[must_use]
    pub fn plot_point(&self, grid_x: f64, grid_y: f64) -> [f64; 2] {
        let b = &self.view_box;
        [
            b.x_min + grid_x * b.width() / self.width as f64,
            b.y_max - grid_y * b.height() / self.height as f64,
        ]
    }

    /// The colour image of the grid (row 0 at the top, as egui wants it).
    #[must_use]
    pub fn image(&self) -> ColorImage {
        let pixels = self.t.iter().map(|&t| palette::surface_colour(t)).collect();
        ColorImage::new([self.width, self.height], pixels)
    }

    /// Contour lines at `levels` values of `t`, as polylines in plot coordinates.
    ///
    /// The contour crate closes every ring around the grid's border (it treats the outside as
    /// below every level); those border segments are not level lines and are cut out, so a
    /// ring that leaves the box becomes an open polyline ending at the edge.
    #[must_use]
    pub fn contours(&self, levels: &[f64]) -> Vec<Vec<[f64; 2]>> {
        if self.width < 2 || self.height < 2 || levels.is_empty() {
            return Vec::new();
        }
        let builder = contour::ContourBuilder::new(self.width, self.height, true);
        let Ok(lines) = builder.lines(&self.t, levels) else { return Vec::new() };
        let (w, h) = (self.width as f64, self.height as f64);
        let on_border = |x: f64, y: f64| x <= 0.0 || y <= 0.0 || x >= w || y >= h;
        let mut polylines = Vec::new();
        for line in lines {
            for ring in &line.geometry().0 {
                let mut current: Vec<[f64; 2]> = Vec::new();
                for pair in ring.0.windows(2) {
                    let (a, b) = (pair[0], pair[1]);
                    if on_border(a.x, a.y) && on_border(b.x, b.y) {
                        // A border segment: ends the current piece.
                        if current.len() >= 2 {
                            polylines.push(std::mem::take(&mut current));
                        }
                        current.clear();
                        continue;
                    }
                    if current.is_empty() {
                        current.push(self.plot_point(a.x, a.y));
                    }
                    current.push(self.plot_point(b.x, b.y));
                }
                if current.len() >= 2 {
                    polylines.push(current);
                }
            }
        }
        polylines
    }
}

/// The `t` values of the contour levels: `CONTOUR_LEVELS` evenly spaced inside (0, 1).
#[must_use]
pub fn contour_levels() -> Vec<f64> {
    (1..=CONTOUR_LEVELS).map(|k| k as f64 / (CONTOUR_LEVELS + 1) as f64).collect()
}

/// One label of the colour bar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ColourLevel {
    /// Position on the colour map, 0 (bottom) to 1 (top).
    pub t: f64,
    /// The loss with that colour.
    pub loss: f64,
}

/// Everything drawn for one surface and view box.
pub struct Heatmap {
    /// The surface this was computed for.
    pub surface: Surface,
    /// The region covered by the texture and contours.
    pub view_box: ViewBox,
    /// The colour image of the loss (row 0 = `y_max`).
    pub texture: TextureHandle,
    /// The loss ↔ `t` map of the colours and contours.
    pub scale: LogScale,
    /// Contour polylines in plot coordinates, as plot points so drawing them borrows
    /// instead of copying (`Line::new(name, &line[..])`).
    pub contours: Vec<Vec<PlotPoint>>,
    /// Colour-bar labels from the bottom (t = 0) to the top (t = 1).
    pub levels: Vec<ColourLevel>,
    /// Counts rebuilds of the cache: changes exactly when the surface or view box changed.
    pub generation: u64,
    /// Counts surface changes: the map fits its view to a new surface when this changes.
    pub surface_generation: u64,
}

impl Heatmap {
    fn build(
        ctx: &egui::Context,
        surface: &Surface,
        view_box: ViewBox,
        (generation, surface_generation): (u64, u64),
    ) -> Self {
        let grid = SurfaceGrid::sample(surface, view_box, GRID, GRID);
        let texture = ctx.load_texture("optlab-loss-heatmap", grid.image(), TextureOptions::LINEAR);
        let contours = grid
            .contours(&contour_levels())
            .into_iter()
            .map(|line| line.into_iter().map(PlotPoint::from).collect())
            .collect();
        let levels = (0..COLOUR_BAR_LABELS)
            .map(|i| {
                let t = i as f64 / (COLOUR_BAR_LABELS - 1) as f64;
                ColourLevel { t, loss: grid.scale.loss(t) }
            })
            .collect();
        Self {
            surface: surface.clone(),
            view_box,
            texture,
            scale: grid.scale,
            contours,
            levels,
            generation,
            surface_generation,
        }
    }
}

/// Which part of the plane a heatmap must cover.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Coverage {
    /// Exactly the surface's own view box (the 3D view's mesh).
    Home,
    /// What the map shows: `visible` is last frame's plot bounds (unknown on the first frame),
    /// `aspect` the plot's width over height, used to fit the home box when the surface changes.
    Map {
        /// Last frame's plot bounds.
        visible: Option<ViewBox>,
        /// Width over height of the plot on screen.
        aspect: f64,
    },
}

/// Zooming in further than this many times past the sampled region resamples it, so the
/// texture never looks coarser than about a quarter of its resolution.
const MAX_ZOOM_IN: f64 = 4.0;
/// A map region is sampled this much larger than the visible box on every side, so panning
/// and zooming out a little reuse it.
const MAP_MARGIN: f64 = 0.25;

/// The heatmap of the surface on screen, rebuilt only when the surface changes or the map
/// shows a region it does not cover (or has zoomed far into it).
#[derive(Default)]
pub struct HeatmapCache {
    current: Option<Heatmap>,
    rebuilds: u64,
    surface_changes: u64,
}

impl HeatmapCache {
    /// The heatmap of `surface` covering `coverage`, computing it only if the cached one does
    /// not.
    pub fn get(&mut self, ctx: &egui::Context, surface: &Surface, coverage: Coverage) -> &Heatmap {
        let home = surface.view_box();
        let same_surface = self.current.as_ref().is_some_and(|h| h.surface == *surface);
        let wanted = match coverage {
            Coverage::Home => home,
            Coverage::Map { visible: Some(visible), .. } if same_surface && visible.is_proper() => {
                visible
            }
            Coverage::Map { aspect, .. } => home.with_aspect(aspect),
        };
        let fits = self.current.as_ref().is_some_and(|h| {
            same_surface
                && match coverage {
                    Coverage::Home => h.view_box == home,
                    Coverage::Map { .. } => {
                        h.view_box.covers(&wanted)
                            && h.view_box.width() <= MAX_ZOOM_IN * wanted.width()
                            && h.view_box.height() <= MAX_ZOOM_IN * wanted.height()
                    }
                }
        });
        if !fits {
            self.rebuilds += 1;
            if !same_surface {
                self.surface_changes += 1;
            }
            // Drop the old texture first so it is freed rather than kept alongside.
            self.current = None;
        }
        let region = if coverage == Coverage::Home { home } else { wanted.grown(MAP_MARGIN) };
        let ids = (self.rebuilds, self.surface_changes);
        self.current.get_or_insert_with(|| Heatmap::build(ctx, surface, region, ids))
    }

    /// How many times a heatmap was computed.
    #[cfg(test)]
    #[must_use]
    pub fn rebuilds(&self) -> u64 {
        self.rebuilds
    }
}

/// Contour lines simplified for drawing at one zoom level, kept until the heatmap or the zoom
/// changes: the raw lines have a point per grid cell (thousands), most of them closer than a
/// pixel to the straight line through their neighbours, and every drawn point costs
/// tessellation each frame.
#[derive(Default)]
pub struct DrawnContours {
    key: Option<(u64, u64)>,
    lines: Vec<Vec<PlotPoint>>,
}

impl DrawnContours {
    /// `heatmap`'s contours simplified to within `tolerance` plot units.
    pub fn get(&mut self, heatmap: &Heatmap, tolerance: f64) -> &[Vec<PlotPoint>] {
        let key = Some((heatmap.generation, tolerance.to_bits()));
        if self.key != key {
            self.key = key;
            self.lines = heatmap.contours.iter().map(|l| simplified(l, tolerance)).collect();
        }
        &self.lines
    }
}

/// Ramer–Douglas–Peucker: the fewest of `points` (always both ends) such that no dropped point
/// lies farther than `tolerance` from the kept polyline. Iterative, so long lines cannot
/// overflow the stack. A closed ring keeps its shape because its first and last points are
/// kept.
#[must_use]
pub fn simplified(points: &[PlotPoint], tolerance: f64) -> Vec<PlotPoint> {
    if points.len() <= 2 || tolerance.is_nan() || tolerance <= 0.0 {
        return points.to_vec();
    }
    let mut keep = vec![false; points.len()];
    keep[0] = true;
    keep[points.len() - 1] = true;
    let mut spans = vec![(0, points.len() - 1)];
    while let Some((first, last)) = spans.pop() {
        let (a, b) = (points[first], points[last]);
        let farthest = (first + 1..last)
            .map(|i| (i, distance_to_segment(points[i], a, b)))
            .max_by(|x, y| x.1.total_cmp(&y.1));
        if let Some((i, d)) = farthest
            && d > tolerance
        {
            keep[i] = true;
            spans.push((first, i));
            spans.push((i, last));
        }
    }
    points.iter().zip(keep).filter_map(|(p, k)| k.then_some(*p)).collect()
}

/// Distance from `p` to the segment from `a` to `b`.
fn distance_to_segment(p: PlotPoint, a: PlotPoint, b: PlotPoint) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let length_squared = dx * dx + dy * dy;
    let t = if length_squared > 0.0 {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / length_squared).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p.x - (a.x + t * dx)).hypot(p.y - (a.y + t * dy))
}

/// A loss value in at most about five characters: `0`, `0.042`, `3.75`, `128`, `1.2e5`.
#[must_use]
pub fn format_loss(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".to_owned()
    } else if !(1e-3..1e4).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// A vertical colour bar (low loss at the bottom) with loss labels, filling the available
/// height in a strip [`COLOUR_BAR_WIDTH`] wide.
#[expect(clippy::cast_possible_truncation, reason = "screen coordinates are f32")]
pub fn colour_bar(ui: &mut egui::Ui, heatmap: &Heatmap) {
    let height = ui.available_height().max(80.0);
    let (rect, _) =
        ui.allocate_exact_size(egui::vec2(COLOUR_BAR_WIDTH, height), egui::Sense::hover());
    if !ui.is_rect_visible(rect) {
        return;
    }
    let painter = ui.painter_at(rect);
    let text_colour = ui.visuals().text_color();
    let small = egui::TextStyle::Small.resolve(ui.style());
    // Leave room for the title at the top and line up roughly with the plot frame (whose
    // x axis takes the bottom ~24 points).
    let title_height = 16.0;
    let strip = egui::Rect::from_min_max(
        egui::pos2(rect.left() + 4.0, rect.top() + title_height + 6.0),
        egui::pos2(rect.left() + 16.0, rect.bottom() - 28.0),
    );
    painter.text(
        egui::pos2(rect.left() + 2.0, rect.top() + 2.0),
        egui::Align2::LEFT_TOP,
        "loss",
        small.clone(),
        text_colour,
    );
    if strip.height() < 10.0 {
        return;
    }
    let y_of = |t: f64| -> f32 { strip.bottom() - strip.height() * t as f32 };
    let mut mesh = egui::Mesh::default();
    for i in 0..=SEGMENTS {
        let t = f64::from(i) / f64::from(SEGMENTS);
        let colour = palette::surface_colour(t);
        let y = y_of(t);
        mesh.colored_vertex(egui::pos2(strip.left(), y), colour);
        mesh.colored_vertex(egui::pos2(strip.right(), y), colour);
        if i > 0 {
            let k = 2 * i;
            mesh.add_triangle(k - 2, k - 1, k);
            mesh.add_triangle(k - 1, k, k + 1);
        }
    }
    painter.add(mesh);
    painter.rect_stroke(
        strip,
        0.0,
        ui.visuals().widgets.noninteractive.fg_stroke,
        egui::StrokeKind::Outside,
    );
    // With little height only the ends are labelled, so labels never overlap.
    let every = if strip.height() < 4.0 * 18.0 { heatmap.levels.len().max(2) - 1 } else { 1 };
    for (i, level) in heatmap.levels.iter().enumerate() {
        if i % every != 0 && i + 1 != heatmap.levels.len() {
            continue;
        }
        let y = y_of(level.t);
        painter.line_segment(
            [egui::pos2(strip.right(), y), egui::pos2(strip.right() + 4.0, y)],
            egui::Stroke::new(1.0, text_colour),
        );
        painter.text(
            egui::pos2(strip.right() + 6.0, y),
            egui::Align2::LEFT_CENTER,
            format_loss(level.loss),
            small.clone(),
            text_colour,
        );
    }
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact by construction")]
mod tests {
    use super::*;

    fn taco() -> Surface {
        Surface::TacoShell { condition: 30.0, angle: 30.0 }
    }

    #[test]
    fn log_scale_round_trips_and_clamps() {
        let scale = LogScale::fit([2.0, 5.0, 102.0, f64::NAN, f64::INFINITY]);
        assert_eq!(scale.f_min, 2.0);
        assert!((scale.delta - 100.0 * RELATIVE_DELTA).abs() < 1e-12);
        assert_eq!(scale.t(2.0), 0.0);
        assert!((scale.t(102.0) - 1.0).abs() < 1e-12);
        for f in [2.0, 2.001, 3.0, 10.0, 50.0, 102.0] {
            let back = scale.loss(scale.t(f));
            assert!((back - f).abs() < 1e-9 * f.max(1.0), "{f} -> {back}");
        }
        assert_eq!(scale.t(-1e9), 0.0);
        assert_eq!(scale.t(1e9), 1.0);
        assert_eq!(scale.t(f64::NAN), 1.0);
        // t grows with the loss.
        assert!(scale.t(3.0) < scale.t(4.0));
        // Flat surfaces give a flat scale instead of NaN.
        let flat = LogScale::fit([1.0, 1.0]);
        assert!(flat.is_flat());
        assert_eq!(flat.t(1.0), 0.5);
        assert_eq!(flat.loss(0.7), 1.0);
        assert!(LogScale::fit([f64::NAN]).is_flat());
    }

    #[test]
    fn grid_is_normalised_with_row_zero_at_the_top() {
        // Minimum at (1, 2) in the box [-2, 4] × [-1, 5]: upper half, right of centre.
        let surface = Surface::Quadratic { h: ((1.0, 0.0), (0.0, 1.0)), c: (1.0, 2.0) };
        let view_box = surface.view_box();
        let grid = SurfaceGrid::sample(&surface, view_box, 64, 48);
        assert_eq!(grid.t.len(), 64 * 48);
        assert!(grid.t.iter().all(|t| (0.0..=1.0).contains(t)));
        let (argmin, min) = grid
            .t
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, &t)| (i, t))
            .unwrap();
        let max = grid.t.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(min, 0.0);
        assert!((max - 1.0).abs() < 1e-12);
        let (row, col) = (argmin / 64, argmin % 64);
        // The minimum's pixel: x = 1 is column (1 + 2) / 6 * 64 = 32; y = 2 is row
        // (5 - 2) / 6 * 48 = 24 counted from the top.
        assert!((31..=32).contains(&col), "col {col}");
        assert!((23..=24).contains(&row), "row {row}");
        // Pixel (row, col) is sampled at its centre, top row at y_max.
        let top_left = surface.value([view_box.x_min + 3.0 / 64.0, view_box.y_max - 3.0 / 48.0]);
        assert!((grid.scale.t(top_left) - grid.t[0]).abs() < 1e-12);
        // The minimum is visible: the darker half of the colour map covers a patch of pixels
        // around it, not just one.
        let dark = grid.t.iter().filter(|&&t| t < 0.5).count();
        assert!(dark > 64 * 48 / 50, "{dark} dark pixels");
        // The image has the grid's size and the colour of t.
        let image = grid.image();
        assert_eq!(image.size, [64, 48]);
        assert_eq!(image.pixels[argmin], palette::surface_colour(0.0));
    }

    #[test]
    fn simplified_lines_stay_within_the_tolerance_and_keep_their_ends() {
        let circle: Vec<PlotPoint> = (0..=1000)
            .map(|i| {
                let a = std::f64::consts::TAU * f64::from(i) / 1000.0;
                PlotPoint::new(a.cos(), a.sin())
            })
            .collect();
        let kept = simplified(&circle, 1e-3);
        assert!(kept.len() < 200, "1001 points on the circle, {} kept", kept.len());
        assert_eq!((kept[0], kept[kept.len() - 1]), (circle[0], circle[1000]));
        for p in &circle {
            let nearest = kept
                .windows(2)
                .map(|w| distance_to_segment(*p, w[0], w[1]))
                .fold(f64::INFINITY, f64::min);
            assert!(nearest <= 1e-3 + 1e-12, "{nearest}");
        }
        let straight: Vec<PlotPoint> = (0..50).map(|i| PlotPoint::new(f64::from(i), 2.0)).collect();
        assert_eq!(simplified(&straight, 1e-9).len(), 2);
        assert_eq!(simplified(&circle, 0.0).len(), circle.len(), "no tolerance, no change");
    }

    #[test]
    fn contours_follow_their_levels_and_stay_in_the_box() {
        let surface = Surface::TacoShell { condition: 1.0, angle: 0.0 }; // circles ½r²
        let view_box = surface.view_box();
        let grid = SurfaceGrid::sample(&surface, view_box, 128, 128);
        let levels = contour_levels();
        assert_eq!(levels.len(), CONTOUR_LEVELS);
        assert!(levels.windows(2).all(|w| w[0] < w[1]) && levels[0] > 0.0 && levels[11] < 1.0);
        let lines = grid.contours(&levels);
        assert!(lines.len() >= 8, "{} lines", lines.len());
        let cell = view_box.width() / 128.0;
        let mut closed = 0;
        for line in &lines {
            assert!(line.len() >= 2);
            // Every point is on one level. Where the log scale is steep (within a few cells of
            // the minimum) a small position error is a large error in t, so check farther out.
            let t0 = grid.scale.t(surface.value(line[0]));
            let level = levels
                .iter()
                .copied()
                .min_by(|a, b| (a - t0).abs().total_cmp(&(b - t0).abs()))
                .unwrap();
            for &p in line {
                assert!(view_box.contains(p), "{p:?} outside the box");
                if p[0].hypot(p[1]) > 8.0 * cell {
                    let t = grid.scale.t(surface.value(p));
                    assert!((t - level).abs() < 0.03, "t {t} vs level {level} at {p:?}");
                }
            }
            // No polyline runs along the edge of the box.
            for pair in line.windows(2) {
                let on_edge = |p: [f64; 2]| {
                    (p[0] - view_box.x_min).abs() < 1e-9
                        || (p[0] - view_box.x_max).abs() < 1e-9
                        || (p[1] - view_box.y_min).abs() < 1e-9
                        || (p[1] - view_box.y_max).abs() < 1e-9
                };
                assert!(!(on_edge(pair[0]) && on_edge(pair[1])), "edge segment {pair:?}");
            }
            if line.first() == line.last() {
                closed += 1;
                // Circles around the origin.
                let radii: Vec<f64> = line.iter().map(|p| p[0].hypot(p[1])).collect();
                let (lo, hi) = radii
                    .iter()
                    .fold((f64::INFINITY, 0.0f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
                assert!(hi - lo < 2.0 * cell, "not a circle: {lo}..{hi}");
            }
        }
        // The inner levels are whole circles inside the box.
        assert!(closed >= 6, "{closed} closed rings");
        // The crate's grid coordinates map to the box edges.
        assert_eq!(grid.plot_point(0.0, 0.0), [view_box.x_min, view_box.y_max]);
        assert_eq!(grid.plot_point(128.0, 128.0), [view_box.x_max, view_box.y_min]);
    }

    #[test]
    fn levels_of_the_colour_bar_match_the_scale() {
        let ctx = egui::Context::default();
        let mut cache = HeatmapCache::default();
        let heatmap = cache.get(&ctx, &taco(), Coverage::Home);
        assert_eq!(heatmap.levels.len(), COLOUR_BAR_LABELS);
        assert_eq!(heatmap.levels[0].t, 0.0);
        assert!((heatmap.levels[0].loss - heatmap.scale.f_min).abs() < 1e-12);
        assert!(heatmap.levels.windows(2).all(|w| w[0].loss < w[1].loss));
        assert_eq!(heatmap.texture.size(), [GRID, GRID]);
        assert!(heatmap.contours.iter().filter(|line| line.len() > 10).count() >= CONTOUR_LEVELS);
        // The grid's minimum is near the surface's minimum 0.
        assert!(heatmap.scale.f_min >= 0.0 && heatmap.scale.f_min < 0.05);
    }

    #[test]
    fn cache_rebuilds_only_when_the_surface_changes() {
        let ctx = egui::Context::default();
        let mut cache = HeatmapCache::default();
        assert_eq!(cache.rebuilds(), 0);
        let first = cache.get(&ctx, &taco(), Coverage::Home).texture.id();
        for _ in 0..5 {
            assert_eq!(cache.get(&ctx, &taco(), Coverage::Home).texture.id(), first);
        }
        assert_eq!(cache.rebuilds(), 1);
        assert_eq!(cache.get(&ctx, &taco(), Coverage::Home).generation, 1);
        cache.get(&ctx, &Surface::Beale, Coverage::Home);
        cache.get(&ctx, &Surface::Beale, Coverage::Home);
        assert_eq!(cache.rebuilds(), 2);
        // A parameter change is a different surface (and here a different view box too).
        cache.get(&ctx, &Surface::Rosenbrock { a: 1.0, b: 100.0 }, Coverage::Home);
        cache.get(&ctx, &Surface::Rosenbrock { a: 2.0, b: 100.0 }, Coverage::Home);
        cache.get(&ctx, &Surface::Rosenbrock { a: 2.0, b: 100.0 }, Coverage::Home);
        assert_eq!(cache.rebuilds(), 4);
        assert_eq!(cache.get(&ctx, &taco(), Coverage::Home).generation, 5);
    }

    #[test]
    fn the_map_region_follows_zoom_only_when_it_must() {
        let ctx = egui::Context::default();
        let mut cache = HeatmapCache::default();
        let surface = taco();
        let home = surface.view_box();
        // First frame: the home box widened to the plot's aspect, with a margin.
        let tall = Coverage::Map { visible: None, aspect: 0.5 };
        let first = cache.get(&ctx, &surface, tall).view_box;
        assert!(first.covers(&home.with_aspect(0.5)), "{first:?}");
        let surface_generation = cache.get(&ctx, &surface, tall).surface_generation;
        // Panning a little and zooming in twofold reuse it.
        let near = ViewBox { x_min: -2.0, x_max: 2.5, y_min: -4.0, y_max: 4.5 };
        let reused = cache.get(&ctx, &surface, Coverage::Map { visible: Some(near), aspect: 0.5 });
        assert_eq!(reused.view_box, first);
        assert_eq!(cache.rebuilds(), 1);
        // Zooming far in or out resamples around what is visible; the surface is the same.
        let small = ViewBox { x_min: 0.0, x_max: 0.1, y_min: 0.0, y_max: 0.2 };
        let zoomed = cache.get(&ctx, &surface, Coverage::Map { visible: Some(small), aspect: 0.5 });
        assert!(zoomed.view_box.covers(&small) && zoomed.view_box.width() < 1.0);
        assert_eq!(zoomed.surface_generation, surface_generation, "no refit on zoom");
        let wide = home.grown(3.0);
        let out = cache.get(&ctx, &surface, Coverage::Map { visible: Some(wide), aspect: 1.0 });
        assert!(out.view_box.covers(&wide));
        assert_eq!(cache.rebuilds(), 3);
        // The 3D view wants exactly the home box.
        assert_eq!(cache.get(&ctx, &surface, Coverage::Home).view_box, home);
    }

    #[test]
    fn losses_format_short() {
        assert_eq!(format_loss(0.0), "0");
        assert_eq!(format_loss(0.0421), "0.042");
        assert_eq!(format_loss(3.751), "3.75");
        assert_eq!(format_loss(42.0), "42.0");
        assert_eq!(format_loss(128.4), "128");
        assert_eq!(format_loss(123_456.0), "1.2e5");
        assert_eq!(format_loss(-0.5), "-0.500");
        assert_eq!(format_loss(1e-6), "1.0e-6");
    }
}
