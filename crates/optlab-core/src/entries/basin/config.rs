//! The basin map entry's configuration: the optimizer, the grid of start points and the region.

use crate::entries::sweep::CELL_STEPS;
use crate::grid::{Cell, Levels, MAX_LEVELS};
use crate::limits::{Limit, LimitError};
use crate::optim::OptimizerConfig;
use crate::run::RunConfig;
use crate::schedule::Schedule;
use crate::surface::{Point, Surface, ViewBox};
use serde::{Deserialize, Serialize};

/// A basin map: one optimizer from every start point of a grid, coloured by the known minimum
/// it ends in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BasinLab {
    /// The loss surface (its known minima are the basins).
    pub surface: Surface,
    /// The optimizer every run uses.
    pub optimizer: OptimizerConfig,
    /// Its schedule.
    pub schedule: Schedule,
    /// Updates per run.
    pub steps: u64,
    /// Start points per side, 2 to 512.
    pub resolution: usize,
    /// The region of start points; `None` is the surface's view box.
    pub region: Option<ViewBox>,
    /// A run has settled in a minimum once its loss stays within this of the minimum's value
    /// and it ends nearer to that minimum than to any other.
    pub tolerance: f64,
}

impl Default for BasinLab {
    /// Momentum on Himmelblau's four equal minima, 256 × 256 starts of 500 steps.
    fn default() -> Self {
        Self {
            surface: Surface::Himmelblau,
            optimizer: OptimizerConfig::Momentum {
                lr: 0.002,
                momentum: 0.9,
                dampening: 0.0,
                weight_decay: 0.0,
            },
            schedule: Schedule::Constant,
            steps: 500,
            resolution: 256,
            region: None,
            tolerance: 1e-3,
        }
    }
}

impl BasinLab {
    /// The start region.
    #[must_use]
    pub fn region(&self) -> ViewBox {
        self.region.unwrap_or_else(|| self.surface.view_box())
    }

    /// The start points, row by row from the bottom (y outer, x inner), at cell centres.
    #[must_use]
    pub fn starts(&self) -> Vec<Point> {
        let n = self.resolution.clamp(2, crate::grid::MAX_RESOLUTION);
        let r = self.region();
        let at = |lo: f64, hi: f64, i: usize| lo + (hi - lo) * (i as f64 + 0.5) / n as f64;
        (0..n)
            .flat_map(|j| (0..n).map(move |i| [at(r.x_min, r.x_max, i), at(r.y_min, r.y_max, j)]))
            .collect()
    }

    /// Every start's run.
    #[must_use]
    pub fn configs(&self) -> Vec<RunConfig> {
        self.starts()
            .into_iter()
            .map(|start| RunConfig {
                surface: self.surface.clone(),
                start,
                optimizer: self.optimizer.clone(),
                schedule: self.schedule.clone(),
                steps: self.steps,
                noise_sigma: 0.0,
                seed: 0,
            })
            .collect()
    }

    /// One settle level per known minimum (its value plus the tolerance), at most
    /// [`MAX_LEVELS`].
    #[must_use]
    pub fn levels(&self) -> Levels {
        let mut levels = Levels::default();
        for (level, minimum) in levels.settle.iter_mut().zip(self.surface.minima()) {
            *level = minimum.value + self.tolerance;
        }
        levels
    }

    /// Which minimum a cell ended in (index into the surface's minima) and from which step it
    /// stayed there; `None` for a run that diverged or ended elsewhere.
    #[must_use]
    pub fn basin_of(&self, cell: &Cell) -> Option<(usize, u64)> {
        basin_among(&self.surface.minima(), cell)
    }
    /// Checks every number.
    ///
    /// # Errors
    /// The first value out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
        self.surface.validate()?;
        self.optimizer.validate()?;
        self.schedule.validate()?;
        self.schedule.check_run(&self.optimizer, self.steps)?;
        CELL_STEPS.check(self.steps as f64)?;
        Limit { name: "resolution", ..crate::grid::RESOLUTION }.check(self.resolution as f64)?;
        let cells = (self.resolution as u64).saturating_mul(self.resolution as u64);
        crate::run::steps_within_a_day(&self.surface, cells, crate::grid::MAX_STEPS)
            .check(self.steps as f64)?;
        Limit::above("tolerance", 0.0).check(self.tolerance)?;
        if let Some(r) = self.region {
            for v in [r.x_min, r.x_max, r.y_min, r.y_max] {
                Limit::finite("region").check(v)?;
            }
            Limit::above("region width", 0.0).check(r.x_max - r.x_min)?;
            Limit::above("region height", 0.0).check(r.y_max - r.y_min)?;
        }
        Ok(())
    }
}

/// [`BasinLab::basin_of`] with the minima given (computing them once per grid, not per cell).
#[must_use]
pub fn basin_among(minima: &[crate::surface::Minimum], cell: &Cell) -> Option<(usize, u64)> {
    if cell.diverged_at.is_some() {
        return None;
    }
    let distance = |p: Point| (p[0] - cell.end[0]).hypot(p[1] - cell.end[1]);
    let (index, _) = minima
        .iter()
        .take(MAX_LEVELS)
        .enumerate()
        .min_by(|a, b| distance(a.1.position).total_cmp(&distance(b.1.position)))?;
    let settled = cell.settled_at.get(index).copied().flatten()?;
    Some((index, settled))
}
