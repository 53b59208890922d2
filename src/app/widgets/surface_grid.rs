//! The loss surface sampled on a grid: the log scale of its colours and contours, the grid of
//! `t` values, its contour lines, and [`Refinement`], which samples a grid coarse to fine so a
//! picture can be shown long before an expensive surface is fully sampled.
//!
//! Everything here is pure (no window, no texture): the surface jobs run it on their own
//! thread ([`super::surface_jobs`]) and the window only uploads the finished image. Colours and
//! contours share one log scale ([`LogScale`]): `t = normalised log10(f − f_min + δ)`, so the
//! valleys near a minimum get as much of the colour map as the steep walls, and the contour
//! levels are evenly spaced in `t`.

use egui::ColorImage;

use crate::app::widgets::palette;
use optlab_core::surface::{Surface, ViewBox};

/// Number of contour levels, evenly spaced in the log scale.
pub const CONTOUR_LEVELS: usize = 12;
/// δ relative to the loss range of the grid: the log scale spans three decades.
const RELATIVE_DELTA: f64 = 1e-3;
/// Number of labels on the colour bar.
pub const COLOUR_BAR_LABELS: usize = 5;
/// Strides of the sampling passes, coarsest first: a pass samples every `stride`-th row and
/// column that no coarser pass sampled, so the passes together sample every pixel once.
const STRIDES: [usize; 5] = [16, 8, 4, 2, 1];

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
    /// `t` of each pixel, row-major, row 0 at the top (1 where the surface is undefined, so
    /// contours and the 3D mesh stay finite).
    pub t: Vec<f64>,
    /// Which pixels the surface is undefined at (NaN): drawn hatched, not in the colour
    /// scale. Empty when it is defined everywhere.
    pub undefined: Vec<bool>,
}

/// The hatch where the surface is undefined: diagonal stripes of two neutral greys, outside
/// the colour scale so "undefined" never reads as "very high".
#[must_use]
pub fn undefined_colour(col: usize, row: usize) -> egui::Color32 {
    if ((col + row) / 3).is_multiple_of(2) {
        egui::Color32::from_gray(70)
    } else {
        egui::Color32::from_gray(120)
    }
}

impl SurfaceGrid {
    /// Samples `surface` on a `width × height` grid over `view_box` (at once; the app samples
    /// with a [`Refinement`] on a surface job).
    #[cfg(test)]
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
        Self::from_values(values, (width, height), view_box)
    }

    /// The grid of losses `values` (row-major, row 0 at the top) of size `width × height`
    /// over `view_box`, normalised on the scale that fits them.
    #[must_use]
    pub fn from_values(
        mut values: Vec<f64>,
        (width, height): (usize, usize),
        view_box: ViewBox,
    ) -> Self {
        let scale = LogScale::fit(values.iter().copied());
        let undefined: Vec<bool> = if values.iter().any(|v| v.is_nan()) {
            values.iter().map(|v| v.is_nan()).collect()
        } else {
            Vec::new()
        };
        for v in &mut values {
            *v = scale.t(*v);
        }
        Self { width, height, view_box, scale, t: values, undefined }
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

    /// `t` at plot point `p`, interpolated bilinearly between pixel centres (clamped to the
    /// outermost centres, so points on or past the edge take the edge's value).
    #[must_use]
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a pixel index, clamped to the grid"
    )]
    pub fn t_at(&self, p: [f64; 2]) -> f64 {
        let b = &self.view_box;
        let (w, h) = (self.width as f64, self.height as f64);
        let gx = ((p[0] - b.x_min) / b.width() * w - 0.5).clamp(0.0, w - 1.0);
        let gy = ((b.y_max - p[1]) / b.height() * h - 0.5).clamp(0.0, h - 1.0);
        if !(gx.is_finite() && gy.is_finite()) {
            return 1.0;
        }
        let (i, j) = (gx as usize, gy as usize);
        let (i1, j1) = ((i + 1).min(self.width - 1), (j + 1).min(self.height - 1));
        let (fx, fy) = (gx - i as f64, gy - j as f64);
        let at = |i: usize, j: usize| self.t[j * self.width + i];
        let top = at(i, j) + fx * (at(i1, j) - at(i, j));
        let bottom = at(i, j1) + fx * (at(i1, j1) - at(i, j1));
        top + fy * (bottom - top)
    }

    /// The colour image of the grid (row 0 at the top, as egui wants it).
    #[must_use]
    pub fn image(&self) -> ColorImage {
        let pixels = self
            .t
            .iter()
            .enumerate()
            .map(|(k, &t)| {
                if self.undefined.get(k).copied().unwrap_or(false) {
                    undefined_colour(k % self.width, k / self.width)
                } else {
                    palette::surface_colour(t)
                }
            })
            .collect();
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

/// The colour-bar labels of `scale`, from the bottom (t = 0) to the top (t = 1).
#[must_use]
pub fn colour_levels(scale: &LogScale) -> Vec<ColourLevel> {
    (0..COLOUR_BAR_LABELS)
        .map(|i| {
            let t = i as f64 / (COLOUR_BAR_LABELS - 1) as f64;
            ColourLevel { t, loss: scale.loss(t) }
        })
        .collect()
}

/// A grid being sampled coarse to fine. Pixel centres are where [`SurfaceGrid::sample`] samples
/// them; each pixel is sampled once, by the first pass whose stride divides its row and column.
#[derive(Clone, Debug)]
pub struct Refinement {
    width: usize,
    height: usize,
    view_box: ViewBox,
    /// The loss of each pixel, row-major, row 0 at the top; meaningful where `known`.
    values: Vec<f64>,
    known: Vec<bool>,
}

impl Refinement {
    /// A `width × height` grid over `view_box` with nothing sampled yet.
    #[must_use]
    pub fn new(view_box: ViewBox, width: usize, height: usize) -> Self {
        let (width, height) = (width.max(1), height.max(1));
        Self {
            width,
            height,
            view_box,
            values: vec![f64::NAN; width * height],
            known: vec![false; width * height],
        }
    }

    /// The strides of the passes, coarsest first: those leaving at least a 2 × 2 grid, then 1.
    #[must_use]
    pub fn strides(&self) -> Vec<usize> {
        let fits = |s: &usize| *s == 1 || (self.width / s >= 2 && self.height / s >= 2);
        STRIDES.into_iter().filter(fits).collect()
    }

    /// Number of pixels.
    #[cfg(test)]
    #[must_use]
    pub fn pixels(&self) -> usize {
        self.values.len()
    }

    /// Samples the pixels of `row` on every `stride`-th column that are not known yet, unless
    /// `stop` says to stop first (it is asked before each sample). Returns how many pixels it
    /// sampled, or `None` when it stopped.
    pub fn sample_row(
        &mut self,
        surface: &Surface,
        (row, stride): (usize, usize),
        stop: &dyn Fn() -> bool,
    ) -> Option<usize> {
        let b = self.view_box;
        let (dx, dy) = (b.width() / self.width as f64, b.height() / self.height as f64);
        let y = b.y_max - (row as f64 + 0.5) * dy;
        let mut sampled = 0;
        for col in (0..self.width).step_by(stride.max(1)) {
            let at = row * self.width + col;
            if self.known[at] {
                continue;
            }
            if stop() {
                return None;
            }
            self.values[at] = surface.value([b.x_min + (col as f64 + 0.5) * dx, y]);
            self.known[at] = true;
            sampled += 1;
        }
        Some(sampled)
    }

    /// The grid of every `stride`-th row and column. A pixel not sampled yet takes the value of
    /// the nearest coarser sample above and left of it (or none). The grid's box is shifted so
    /// each of its pixel centres is where that pixel's sample was taken.
    #[must_use]
    pub fn grid(&self, stride: usize) -> SurfaceGrid {
        let s = stride.max(1);
        let (cols, rows) = (self.width.div_ceil(s), self.height.div_ceil(s));
        let mut values = Vec::with_capacity(cols * rows);
        for j in 0..rows {
            for i in 0..cols {
                values.push(self.nearest_known(j * s, i * s, s));
            }
        }
        let b = self.view_box;
        let (dx, dy) = (b.width() / self.width as f64, b.height() / self.height as f64);
        let shift = 0.5 * (s as f64 - 1.0);
        let x_min = b.x_min - shift * dx;
        let y_max = b.y_max + shift * dy;
        let view_box = ViewBox {
            x_min,
            x_max: x_min + (cols * s) as f64 * dx,
            y_min: y_max - (rows * s) as f64 * dy,
            y_max,
        };
        SurfaceGrid::from_values(values, (cols, rows), view_box)
    }

    /// The value at (`row`, `col`), or at the corner of the coarser blocks it lies in.
    fn nearest_known(&self, row: usize, col: usize, stride: usize) -> f64 {
        let mut s = stride;
        loop {
            let (r, c) = (row - row % s, col - col % s);
            let at = r * self.width + c;
            if self.known[at] {
                return self.values[at];
            }
            if s >= STRIDES[0] {
                return f64::NAN;
            }
            s *= 2;
        }
    }
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact by construction")]
mod tests {
    use super::*;

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
    fn refinement_samples_every_pixel_once_and_ends_equal_to_a_plain_sample() {
        let surface = Surface::Himmelblau;
        let view_box = surface.view_box();
        let mut refinement = Refinement::new(view_box, 40, 24);
        let strides = refinement.strides();
        assert_eq!(strides, vec![8, 4, 2, 1]);
        let mut sampled = 0;
        for (pass, &stride) in strides.iter().enumerate() {
            for row in (0..24).step_by(stride) {
                sampled += refinement.sample_row(&surface, (row, stride), &|| false).unwrap();
            }
            let coarse = refinement.grid(stride);
            assert_eq!((coarse.width, coarse.height), (40usize.div_ceil(stride), 24 / stride));
            assert!(coarse.t.iter().all(|t| (0.0..=1.0).contains(t)), "pass {pass}");
            // Each coarse pixel's centre is where its sample was taken.
            let centre = coarse.plot_point(0.5, 0.5);
            let fine = SurfaceGrid::sample(&surface, view_box, 40, 24).plot_point(0.5, 0.5);
            assert!((centre[0] - fine[0]).abs() < 1e-9 && (centre[1] - fine[1]).abs() < 1e-9);
        }
        assert_eq!(sampled, refinement.pixels());
        let plain = SurfaceGrid::sample(&surface, view_box, 40, 24);
        let last = refinement.grid(1);
        assert_eq!(last.t, plain.t);
        assert_eq!(last.view_box, plain.view_box);
        // A stop request stops before the next sample.
        let mut stopped = Refinement::new(view_box, 40, 24);
        assert_eq!(stopped.sample_row(&surface, (0, 1), &|| true), None);
        // Interpolation hits the samples at pixel centres and stays between them elsewhere.
        let centre = plain.plot_point(3.5, 2.5);
        assert!((plain.t_at(centre) - plain.t[2 * 40 + 3]).abs() < 1e-12);
        let between = plain.t_at(plain.plot_point(4.0, 2.5));
        let (a, b) = (plain.t[2 * 40 + 3], plain.t[2 * 40 + 4]);
        assert!((between - 0.5 * (a + b)).abs() < 1e-12);
        assert_eq!(plain.t_at([-1e9, 1e9]), plain.t[0]);
        // Rows not refined yet show their coarser sample.
        let mut partial = Refinement::new(view_box, 32, 32);
        for row in (0..32).step_by(16) {
            partial.sample_row(&surface, (row, 16), &|| false).unwrap();
        }
        let grid = partial.grid(8);
        assert_eq!(grid.t[1], grid.t[0], "column 8 falls back to column 0");
    }

    #[test]
    fn undefined_points_are_hatched_not_painted_as_the_highest_loss() {
        let values = vec![1.0, f64::NAN, 10.0, 100.0];
        let grid = SurfaceGrid::from_values(values, (2, 2), Surface::Himmelblau.view_box());
        assert_eq!(grid.undefined, vec![false, true, false, false]);
        assert!(grid.t.iter().all(|t| t.is_finite()), "{:?}", grid.t);
        let image = grid.image();
        let undefined = image.pixels[1];
        assert_eq!(undefined, undefined_colour(1, 0));
        assert_ne!(undefined, palette::surface_colour(1.0));
        let defined =
            SurfaceGrid::from_values(vec![1.0, 2.0], (2, 1), Surface::Himmelblau.view_box());
        assert!(defined.undefined.is_empty());
    }
}
