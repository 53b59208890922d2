//! What the map frames and how its axes are marked, pure: the box around the runs and the
//! minima they head for, the map's own state between frames (framing, arrows, hidden runs),
//! and tick marks at 1, 2 or 5 times a power of ten.

use std::collections::BTreeSet;

use egui_plot::{GridInput, GridMark};

use crate::app::entries::race::results::RunResult;
use optlab_core::directions::{Directions, surface_directions};
use optlab_core::runner::Wake;
use optlab_core::surface::{Point, ViewBox};

use crate::app::widgets::surface_probe::Probe;

/// Space left around the framed points, as a fraction of their extent on each side.
const FIT_MARGIN: f64 = 0.12;
/// Smallest framed half-extent, as a fraction of the surface's box (a run that has not moved
/// yet is framed with some of its surroundings).
const SMALLEST_FIT: f64 = 0.06;
/// Points further out than this many surface boxes (a diverging run) are left out of the fit.
const FIT_REACH: f64 = 1.0;

/// What the map frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Framing {
    /// The runs, their start and the minima they head for.
    #[default]
    FitRuns,
    /// The surface's own box.
    WholeSurface,
}

/// What a framing was computed from: when it changes, the map frames again.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameKey {
    /// The surface picture's generation (a new surface).
    pub surface: u64,
    /// The start point (as bits).
    pub start: [u64; 2],
    /// Each shown run's job generation and whether it has finished.
    pub runs: Vec<(usize, u64, bool)>,
    /// What is framed.
    pub framing: Framing,
}

/// The map's own state, kept between frames.
#[derive(Clone)]
pub struct MapState {
    /// Whether the direction arrows are drawn.
    pub show_directions: bool,
    /// What the view frames.
    pub framing: Framing,
    /// The key and box of the last framing.
    pub framed: Option<(FrameKey, ViewBox)>,
    /// Runs hidden from the map by a click on their legend entry.
    pub hidden: BTreeSet<usize>,
    /// The plot's size last frame (a new size frames again).
    pub size: Option<[f32; 2]>,
    /// The directions at the start and at the selected run's current point (made on the first
    /// frame that needs them; off the window's thread for expensive formulas).
    pub probes: Option<[Probe<Directions>; 2]>,
}

impl Default for MapState {
    fn default() -> Self {
        Self {
            show_directions: true,
            framing: Framing::default(),
            framed: None,
            hidden: BTreeSet::new(),
            size: None,
            probes: None,
        }
    }
}

impl MapState {
    /// The two direction probes, made with `wake` the first time.
    pub fn probes(&mut self, wake: &Wake) -> &[Probe<Directions>; 2] {
        self.probes.get_or_insert_with(|| {
            [
                Probe::new(surface_directions, wake.clone()),
                Probe::new(surface_directions, wake.clone()),
            ]
        })
    }
}

/// The box the map shows to frame `points` (finite ones within reach of `surface_box`) with a
/// margin; the surface's box when there are none.
#[must_use]
pub fn fit_box(points: impl IntoIterator<Item = Point>, surface_box: &ViewBox) -> ViewBox {
    let reach = surface_box.grown(FIT_REACH);
    let mut bounds: Option<ViewBox> = None;
    for p in points.into_iter().filter(|p| reach.contains(*p)) {
        let b =
            bounds.get_or_insert(ViewBox { x_min: p[0], x_max: p[0], y_min: p[1], y_max: p[1] });
        b.x_min = b.x_min.min(p[0]);
        b.x_max = b.x_max.max(p[0]);
        b.y_min = b.y_min.min(p[1]);
        b.y_max = b.y_max.max(p[1]);
    }
    let Some(bounds) = bounds else { return *surface_box };
    let least = SMALLEST_FIT * surface_box.width().max(surface_box.height());
    let [cx, cy] = bounds.center();
    let half_width = (0.5 + FIT_MARGIN) * bounds.width().max(least);
    let half_height = (0.5 + FIT_MARGIN) * bounds.height().max(least);
    ViewBox {
        x_min: cx - half_width,
        x_max: cx + half_width,
        y_min: cy - half_height,
        y_max: cy + half_height,
    }
}

/// What the runs' framing covers: the start, every shown run's positions and the nearest of
/// `minima` to where each run ends (the positions of a diverged run up to its divergence).
pub fn framed_points<'a>(
    start: Point,
    runs: impl IntoIterator<Item = &'a RunResult>,
    minima: &[Point],
) -> Vec<Point> {
    let mut points = vec![start];
    for run in runs {
        let finite: Vec<Point> = run
            .records
            .iter()
            .map(|r| r.position)
            .filter(|p| p[0].is_finite() && p[1].is_finite())
            .collect();
        let end = finite.last().copied().unwrap_or(start);
        points.extend(optlab_core::directions::nearest(minima, end));
        points.extend(finite);
    }
    points
}

/// Least distance between labelled ticks on the x axis, in screen points.
pub const X_LABEL_SPACING: f64 = 55.0;
/// Least distance between labelled ticks on the y axis, in screen points.
pub const Y_LABEL_SPACING: f64 = 40.0;

/// Tick marks at 1, 2 or 5 times a power of ten, at least `spacing` screen points apart (and
/// at most about a dozen), every one labelled (the map draws no grid lines).
#[must_use]
pub fn axis_marks(input: &GridInput, spacing: f64) -> Vec<GridMark> {
    let (low, high) = input.bounds;
    // `base_step_size` is the plot's smallest grid step: 8 screen points.
    let per_point = input.base_step_size / 8.0;
    if !(low.is_finite() && high.is_finite() && high > low && per_point > 0.0) {
        return Vec::new();
    }
    let wanted = (spacing * per_point).max((high - low) / 12.0);
    let decade = 10f64.powf(wanted.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * decade).find(|s| *s >= wanted);
    let step = step.unwrap_or(10.0 * decade);
    let (first, last) = ((low / step).ceil(), (high / step).floor());
    if !(last - first).is_finite() || last - first > 100.0 {
        return Vec::new();
    }
    let mut marks = Vec::new();
    let mut index = first;
    while index <= last {
        marks.push(GridMark { value: index * step, step_size: step });
        index += 1.0;
    }
    marks
}

/// A tick's label: as many decimals as its step needs.
#[must_use]
pub fn axis_label(value: f64, step_size: f64) -> String {
    if value.abs() < step_size * 1e-6 {
        return "0".to_owned();
    }
    let magnitude = value.abs().max(step_size);
    if (1e-5..1e6).contains(&magnitude) && step_size >= 1e-5 {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "the step is at least 1e-5 here: 0 to 5 decimals"
        )]
        let decimals = (-step_size.log10().floor()).clamp(0.0, 5.0) as usize;
        format!("{value:.decimals$}")
    } else {
        format!("{value:.1e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use optlab_core::run::StepRecord;

    fn run(positions: &[Point]) -> RunResult {
        RunResult {
            records: positions
                .iter()
                .enumerate()
                .map(|(i, &position)| StepRecord {
                    step: i as u64,
                    position,
                    loss: 0.0,
                    lr: 0.1,
                    grad_norm: 0.0,
                })
                .collect(),
            ..RunResult::default()
        }
    }

    #[test]
    fn the_fit_frames_runs_and_minima_and_leaves_out_divergence() {
        let surface = ViewBox { x_min: -5.0, x_max: 5.0, y_min: -5.0, y_max: 5.0 };
        let runs =
            [run(&[[-3.0, -1.0], [-2.0, -0.5], [-1.0, -0.2]]), run(&[[-3.0, -1.0], [1e30, 1e30]])];
        let points = framed_points([-3.0, -1.0], &runs, &[[0.0, 0.0], [4.0, 4.0]]);
        let fitted = fit_box(points, &surface);
        // From the start (−3, −1) to the minimum (0, 0), with a margin, not out to 1e30.
        assert!(fitted.x_min < -3.0 && fitted.x_min > -3.5, "{fitted:?}");
        assert!(fitted.x_max > 0.0 && fitted.x_max < 0.5, "{fitted:?}");
        assert!(fitted.y_min < -1.0 && fitted.y_max > 0.0 && fitted.y_max < 0.3, "{fitted:?}");
        // Nothing to frame: the surface's box; a single point: a small box around it.
        assert_eq!(fit_box([], &surface), surface);
        let around = fit_box([[1.0, 1.0]], &surface);
        assert!(around.contains([1.0, 1.0]) && around.width() > 0.5 && around.width() < 2.0);
        assert_eq!(fit_box([[f64::NAN, 0.0]], &surface), surface);
    }

    #[test]
    fn axes_get_several_labelled_ticks() {
        // A plot 400 points wide showing −5..5: 10 units over 400 points.
        let input = GridInput { bounds: (-5.0, 5.0), base_step_size: 8.0 * 10.0 / 400.0 };
        let marks = axis_marks(&input, X_LABEL_SPACING);
        let labelled: Vec<f64> = marks.iter().map(|m| m.value).collect();
        assert_eq!(labelled, vec![-4.0, -2.0, 0.0, 2.0, 4.0], "{marks:?}");
        // Each labelled mark at least the spacing apart on screen: 2 units are 80 points.
        assert!(marks.iter().all(|m| m.step_size * 40.0 >= X_LABEL_SPACING));
        let taller = axis_marks(&input, Y_LABEL_SPACING);
        assert_eq!(taller.len(), 11, "{taller:?}");
        // Zoomed in far: still several, with readable labels.
        let input = GridInput { bounds: (0.00095, 0.00135), base_step_size: 8.0 * 0.0004 / 400.0 };
        let marks = axis_marks(&input, X_LABEL_SPACING);
        assert!(marks.len() >= 4, "{marks:?}");
        assert_eq!(axis_label(0.00105, 0.00005), "0.00105");
        assert_eq!(axis_label(-2.0, 2.0), "-2");
        assert_eq!(axis_label(0.5, 0.5), "0.5");
        assert_eq!(axis_label(1e-9, 1.0), "0");
        assert_eq!(axis_label(2e-6, 1e-6), "2.0e-6");
        let empty = GridInput { bounds: (1.0, 1.0), base_step_size: 1.0 };
        assert!(axis_marks(&empty, X_LABEL_SPACING).is_empty());
    }
}
