//! The images of the grid labs (sweep cells, basin starts) built from their reports. The
//! computing thread prepares them with each snapshot and the views draw them, so this lives
//! apart from both.

use egui::{Color32, ColorImage};

use crate::app::widgets::palette;
use crate::app::widgets::surface_grid::LogScale;
use optlab_core::entries::basin::{BasinReport, Ending};
use optlab_core::entries::sweep::SweepReport;
use optlab_core::grid::{Cell, Metric};

// ---- Sweep ----------------------------------------------------------------------------------

/// Cells whose run diverged (the metric has no value there).
pub const SWEEP_DIVERGED: Color32 = Color32::from_rgb(110, 20, 30);
/// Cells not computed yet.
pub const SWEEP_PENDING: Color32 = Color32::from_gray(45);
/// Cells computed but without a value of the metric (never reached, never diverged).
pub const SWEEP_NO_VALUE: Color32 = Color32::from_gray(90);

/// The metric's colour scale over the computed cells, from the lowest to the highest value:
/// log10 for positive losses, log of the gap above the lowest for losses that reach zero or
/// below, linear for steps and accuracies.
#[must_use]
pub fn sweep_scale(r: &SweepReport) -> SweepScale {
    // The range is summarized once per snapshot (`SweepReport::summarize`), not per frame.
    let (lo, hi) = r.metric_range.unwrap_or((0.0, 0.0));
    match r.lab.metric {
        Metric::FinalLoss | Metric::BestLoss if lo > 0.0 && hi.is_finite() => {
            SweepScale::Decades(lo.log10(), hi.log10())
        }
        Metric::FinalLoss | Metric::BestLoss => SweepScale::Log(LogScale::fit([lo, hi])),
        Metric::StepsToTolerance | Metric::Diverged | Metric::Accuracy => {
            SweepScale::Linear(lo, hi)
        }
    }
}

/// How metric values map to [0, 1].
pub enum SweepScale {
    /// log10 of the value, linear from the first to the second log10 (positive losses): every
    /// decade between the lowest and the highest cell gets the same share of the colours.
    Decades(f64, f64),
    /// Log of the gap above the lowest value, for losses that reach zero or below.
    Log(LogScale),
    /// Linear from the first to the second value, for steps and accuracies.
    Linear(f64, f64),
}

impl SweepScale {
    /// Where `v` lies on the scale, in [0, 1].
    #[must_use]
    pub fn t(&self, v: f64) -> f64 {
        match self {
            Self::Decades(lo, hi) if hi > lo => ((v.log10() - lo) / (hi - lo)).clamp(0.0, 1.0),
            Self::Log(scale) => scale.t(v),
            Self::Linear(lo, hi) if hi > lo => ((v - lo) / (hi - lo)).clamp(0.0, 1.0),
            Self::Decades(..) | Self::Linear(..) => 0.5,
        }
    }

    /// The value at `t` in [0, 1] (the inverse of [`Self::t`]).
    #[must_use]
    pub fn value(&self, t: f64) -> f64 {
        match self {
            Self::Decades(lo, hi) => 10f64.powf(lo + t * (hi - lo)),
            // The inverse can round a hair below the lowest value; never label below it.
            Self::Log(scale) => scale.loss(t).max(scale.f_min),
            Self::Linear(lo, hi) => lo + t * (hi - lo),
        }
    }
}

/// A cell's colour: the metric on the scale, or what stands for its absence.
fn sweep_colour(r: &SweepReport, cell: Option<&Cell>, scale: &SweepScale) -> Color32 {
    let Some(cell) = cell else { return SWEEP_PENDING };
    match r.lab.metric.of(cell) {
        Some(v) => palette::surface_colour_fast(scale.t(v)),
        None if cell.diverged_at.is_some() => SWEEP_DIVERGED,
        None => SWEEP_NO_VALUE,
    }
}

/// The cells as an image (row 0 at the top = the last y value). Up to 262 144 cells: the
/// computing thread calls this for each snapshot, so the window does not have to.
#[must_use]
pub fn sweep_image(r: &SweepReport) -> ColorImage {
    let scale = sweep_scale(r);
    let (nx, ny) = (r.x_values.len(), r.y_values.len());
    let pixels = (0..ny)
        .rev()
        .flat_map(|j| (0..nx).map(move |i| (i, j)))
        .map(|(i, j)| sweep_colour(r, r.cell(i, j), &scale))
        .collect();
    ColorImage::new([nx, ny], pixels)
}

// ---- Basin ----------------------------------------------------------------------------------

/// Runs that diverged.
const BASIN_DIVERGED: Color32 = Color32::from_rgb(10, 10, 10);
/// Runs that ended in none of the known minima.
const BASIN_ELSEWHERE: Color32 = Color32::from_gray(110);
/// Starts not computed yet.
const BASIN_PENDING: Color32 = Color32::from_gray(40);

/// The colour of a start: its minimum's colour, from dim (settled at the last step) to full
/// (settled at once).
fn basin_colour(r: &BasinReport, ending: Ending) -> Color32 {
    match ending {
        Ending::Minimum { index, step } => {
            let speed = 1.0 - step as f64 / r.lab.steps.max(1) as f64;
            palette::dimmed(palette::run_colour(None, index), 0.35 + 0.65 * speed)
        }
        Ending::Elsewhere => BASIN_ELSEWHERE,
        Ending::Diverged => BASIN_DIVERGED,
    }
}

/// The starts as an image, coloured by their endings; the computing thread calls this for each
/// snapshot, so the window does not have to.
#[must_use]
pub fn basin_image(r: &BasinReport) -> ColorImage {
    let n = r.side();
    // Cells are stored from the bottom row; images start at the top.
    let pixels = (0..n)
        .rev()
        .flat_map(|j| (0..n).map(move |i| j * n + i))
        .map(|k| r.endings.get(k).copied().flatten().map_or(BASIN_PENDING, |e| basin_colour(r, e)))
        .collect();
    ColorImage::new([n, n], pixels)
}
