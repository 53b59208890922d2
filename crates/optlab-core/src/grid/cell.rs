//! What one grid cell measures of its run, and the loss levels a cell watches for.

use crate::surface::Point;

/// What one run of a grid did (the fields of [`crate::run::RunSummary`] a map needs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell {
    /// Loss at the last finite step.
    pub final_loss: f64,
    /// Position at the last finite step.
    pub end: Point,
    /// Lowest loss of any step.
    pub best_loss: f64,
    /// First step whose loss was within the tolerance of the level (see [`Levels`]).
    pub reached_at: Option<u64>,
    /// The step at which the run diverged: no longer finite, outside the divergence box, or a
    /// loss above `run::divergence_loss` of its start.
    pub diverged_at: Option<u64>,
    /// Per level, the first step from which the loss stayed at or below it to the end.
    pub settled_at: [Option<u64>; MAX_LEVELS],
    /// A training cell's final accuracy (validation, or training without a split).
    pub accuracy: Option<f64>,
}

/// Most loss levels a kernel tracks (the known minima of a basin map).
pub const MAX_LEVELS: usize = 4;

/// Loss levels a run is measured against: `reached` for "steps to tolerance" (the global
/// minimum plus the tolerance), `settle` for basins (each known minimum plus the tolerance).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Levels {
    /// The first step at or below this is `reached_at`.
    pub reached: f64,
    /// Levels whose last crossing is `settled_at` (unused entries: −∞).
    pub settle: [f64; MAX_LEVELS],
}

impl Default for Levels {
    fn default() -> Self {
        Self { reached: f64::NEG_INFINITY, settle: [f64::NEG_INFINITY; MAX_LEVELS] }
    }
}
