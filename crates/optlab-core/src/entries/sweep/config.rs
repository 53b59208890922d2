//! The notebook's sweep and basin entries: their configs, the runs they expand to, and the
//! grids they compute.

use crate::entries::training::TrainingLab;
use crate::grid::{
    Levels, MAX_RESOLUTION, MAX_STEPS, Metric, SweepAxis, SweepField, global_minimum,
};
use crate::limits::{Limit, LimitError};
use crate::optim::OptimizerConfig;
use crate::run::{NOISE_SIGMA, RunConfig};
use crate::schedule::Schedule;
use crate::surface::{Point, Surface};
use serde::{Deserialize, Serialize};

/// Updates per cell.
pub const CELL_STEPS: Limit = Limit::closed("steps", 1.0, MAX_STEPS as f64);
/// Most cells of one grid (512 × 512).
pub const MAX_CELLS: usize = 512 * 512;

/// A hyperparameter sweep: one base run, two of its fields varied over a grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SweepLab {
    /// The loss surface.
    pub surface: Surface,
    /// Start point; `None` is the surface's default start.
    pub start: Option<Point>,
    /// Updates per run.
    pub steps: u64,
    /// The base optimizer (the swept fields are overwritten per cell).
    pub optimizer: OptimizerConfig,
    /// The base schedule.
    pub schedule: Schedule,
    /// Gradient-noise standard deviation.
    pub noise: f64,
    /// Seed of the noise (every cell uses the same seed).
    pub seed: u64,
    /// The field varied across columns.
    pub x: SweepAxis,
    /// The field varied across rows.
    pub y: SweepAxis,
    /// What the heat map shows.
    pub metric: Metric,
    /// "Reached" means within this of the surface's global minimum (of 0 for a training
    /// task's validation loss).
    pub tolerance: f64,
    /// When set, every cell trains this task's (first) run instead of running on the surface;
    /// the metrics are measured on its validation data and its steps are epochs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub training: Option<Box<TrainingLab>>,
}

impl Default for SweepLab {
    /// The benchmark sweep: Momentum on Rosenbrock(1, 100) from (−1.2, 1), lr from 1e-5 to
    /// 1e-2 (log) against momentum from 0 to 0.99, 1000 steps, 100 × 100 cells.
    fn default() -> Self {
        Self {
            surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
            start: Some([-1.2, 1.0]),
            steps: 1000,
            optimizer: OptimizerConfig::Momentum {
                lr: 1e-3,
                momentum: 0.9,
                dampening: 0.0,
                weight_decay: 0.0,
            },
            schedule: Schedule::Constant,
            noise: 0.0,
            seed: 0,
            x: SweepAxis {
                field: SweepField::Momentum,
                from: 0.0,
                to: 0.99,
                count: 100,
                log: false,
            },
            y: SweepAxis { field: SweepField::Lr, from: 1e-5, to: 1e-2, count: 100, log: true },
            metric: Metric::FinalLoss,
            tolerance: 1e-6,
            training: None,
        }
    }
}

impl SweepLab {
    /// The base run (before the swept fields are set).
    #[must_use]
    pub fn base(&self) -> RunConfig {
        RunConfig {
            surface: self.surface.clone(),
            start: self.start.unwrap_or_else(|| self.surface.default_start()),
            optimizer: self.optimizer.clone(),
            schedule: self.schedule.clone(),
            steps: self.steps,
            noise_sigma: self.noise,
            seed: self.seed,
        }
    }

    /// The run of the cell with x value `x` and y value `y`.
    ///
    /// # Errors
    /// A swept field does not exist on the base run.
    pub fn cell_config(&self, x: f64, y: f64) -> Result<RunConfig, String> {
        let mut config = self.base();
        self.x.field.apply(&mut config, x)?;
        self.y.field.apply(&mut config, y)?;
        Ok(config)
    }

    /// Every cell's run, row by row (y outer, x inner).
    ///
    /// # Errors
    /// A swept field does not exist on the base run.
    pub fn configs(&self) -> Result<Vec<RunConfig>, String> {
        let xs = self.x.values();
        self.y
            .values()
            .iter()
            .flat_map(|&y| xs.iter().map(move |&x| (x, y)))
            .map(|(x, y)| self.cell_config(x, y))
            .collect()
    }

    /// The levels "steps to tolerance" is measured against.
    #[must_use]
    pub fn levels(&self) -> Levels {
        let reached =
            global_minimum(&self.surface).map_or(f64::NEG_INFINITY, |m| m + self.tolerance);
        Levels { reached, ..Levels::default() }
    }

    /// Number of cells of the grid.
    #[must_use]
    pub fn cells(&self) -> usize {
        [self.x.count, self.y.count].iter().map(|&c| c.clamp(2, MAX_RESOLUTION)).product()
    }

    /// Checks every number. (A swept field the base run lacks is reported when the grid is
    /// computed, by [`Self::configs`], once [`Self::check_axes_fit`] let it pass at load.)
    ///
    /// # Errors
    /// The first value out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
        self.base().validate()?;
        CELL_STEPS.check(self.steps as f64)?;
        crate::run::steps_within_a_day(&self.surface, self.cells() as u64, crate::grid::MAX_STEPS)
            .check(self.steps as f64)?;
        NOISE_SIGMA.check(self.noise)?;
        Limit::above("tolerance", 0.0).check(self.tolerance)?;
        self.x.validate()?;
        self.y.validate()?;
        self.axis_ends_in_range()?;
        self.training.as_deref().map_or(Ok(()), TrainingLab::validate)
    }

    /// Both axes' ends lie in their field's range, the one the field has in a notebook
    /// (momentum in [0, 1], β₂ in [0, 1), …), for the optimizer and schedule the cells run.
    fn axis_ends_in_range(&self) -> Result<(), LimitError> {
        let base = self.training.as_ref().and_then(|task| task.runs.first());
        let (optimizer, schedule) =
            base.map_or((&self.optimizer, &self.schedule), |run| (&run.optimizer, &run.schedule));
        for axis in [&self.x, &self.y] {
            let limit = axis.field.limit(optimizer, schedule);
            limit.check(axis.from)?;
            limit.check(axis.to)?;
        }
        Ok(())
    }

    /// Both axes vary a field the cells' run has: no L2 on a surface, no gradient noise on a
    /// training task, no momentum for Adam, no schedule rate for a constant schedule.
    ///
    /// # Errors
    /// The first axis whose field the run lacks, named.
    pub fn check_axes_fit(&self) -> Result<(), String> {
        for (name, axis) in [("x", &self.x), ("y", &self.y)] {
            self.field_fits(axis.field).map_err(|e| format!("{name} axis: {e}"))?;
        }
        Ok(())
    }

    /// Whether the cells' run has `field` (what [`Self::check_axes_fit`] asks of each axis).
    ///
    /// # Errors
    /// Why not, in words.
    pub fn field_fits(&self, field: SweepField) -> Result<(), String> {
        field.fits_task(self.training.is_some())?;
        match &self.training {
            Some(task) => {
                let mut run = task.config(0).ok_or("the training task has no run")?;
                field.apply_training(&mut run, 0.5)
            }
            None => field.apply(&mut self.base(), 0.5),
        }
    }
}
