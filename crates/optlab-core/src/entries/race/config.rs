//! The race entry's configuration: a surface, a start point, steps, gradient noise and the
//! racing runs, each an optimizer with its schedule.

use serde::{Deserialize, Serialize};

use crate::limits::{Limit, LimitError};
use crate::optim::OptimizerConfig;
use crate::run::{NOISE_SIGMA, RunConfig};
use crate::schedule::Schedule;
use crate::surface::{Point, Surface};

/// Steps of one race run: at least one update, at most ten million (the GUI keeps a bounded,
/// decimated trace; the CLI streams).
pub const STEPS: Limit = Limit::closed("steps", 1.0, MAX_STEPS as f64);

/// Most steps of a race's runs: 10⁷ (they are kept whole for the plots).
pub const MAX_STEPS: u64 = 10_000_000;

/// Loss gap below which a run counts as having reached the minimum.
pub const TOLERANCE: Limit = Limit::above("tolerance", 0.0);

mod de {
    use super::{Limit, NOISE_SIGMA, Point, STEPS, TOLERANCE};
    crate::limited_f64!(noise, NOISE_SIGMA);
    crate::limited_f64!(tolerance, TOLERANCE);

    /// A start point with finite coordinates (`inf` and `NaN` parse as RON numbers).
    pub(crate) fn start<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Point>, D::Error> {
        let start = <Option<Point> as serde::Deserialize>::deserialize(deserializer)?;
        if let Some([x, y]) = start {
            Limit::finite("start x").check(x).map_err(serde::de::Error::custom)?;
            Limit::finite("start y").check(y).map_err(serde::de::Error::custom)?;
        }
        Ok(start)
    }

    /// An (r, g, b) colour, refusing components outside [0, 255] with the whole colour shown.
    pub(crate) fn color<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<(u8, u8, u8)>, D::Error> {
        let Some((r, g, b)) =
            <Option<(i64, i64, i64)> as serde::Deserialize>::deserialize(deserializer)?
        else {
            return Ok(None);
        };
        match (u8::try_from(r), u8::try_from(g), u8::try_from(b)) {
            (Ok(r), Ok(g), Ok(b)) => Ok(Some((r, g, b))),
            _ => Err(serde::de::Error::custom(format!(
                "`color` = ({r}, {g}, {b}) is out of range; each component must be in [0, 255]"
            ))),
        }
    }

    pub(crate) fn steps<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<u64, D::Error> {
        let value = <u64 as serde::Deserialize>::deserialize(deserializer)?;
        STEPS.check(value as f64).map(|_| value).map_err(serde::de::Error::custom)
    }
}

fn default_steps() -> u64 {
    500
}

fn default_tolerance() -> f64 {
    1e-6
}

fn yes() -> bool {
    true
}

/// Optimizers racing from one start point on one surface.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Race {
    /// The loss surface.
    #[serde(default)]
    pub surface: Surface,
    /// Start point; omitted means the surface's default start.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::start")]
    pub start: Option<Point>,
    /// Updates per run.
    #[serde(default = "default_steps", deserialize_with = "de::steps")]
    pub steps: u64,
    /// Standard deviation of Gaussian gradient noise (0 = exact gradients).
    #[serde(default, deserialize_with = "de::noise")]
    pub noise: f64,
    /// Seed of the noise generator (ChaCha8); run i uses `seed + i`.
    #[serde(default)]
    pub seed: u64,
    /// A run has "reached the minimum" once its loss is within this of the global minimum.
    #[serde(default = "default_tolerance", deserialize_with = "de::tolerance")]
    pub tolerance: f64,
    /// The racing runs.
    #[serde(default)]
    pub runs: Vec<RaceRun>,
}

/// One optimizer in a race.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaceRun {
    /// Legend name.
    #[serde(deserialize_with = "crate::names::limited_name")]
    pub name: String,
    /// Disabled runs stay in the file but are neither computed nor drawn.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Colour as (r, g, b); omitted means the palette colour for its position.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::color")]
    pub color: Option<(u8, u8, u8)>,
    /// Optimizer and hyperparameters.
    pub optimizer: OptimizerConfig,
    /// Learning-rate schedule.
    #[serde(default)]
    pub schedule: Schedule,
}

impl Race {
    /// The start point actually used.
    #[must_use]
    pub fn start_point(&self) -> Point {
        self.start.unwrap_or_else(|| self.surface.default_start())
    }

    /// The engine config of run `index`; each run gets its own noise stream (`seed + index`)
    /// so adding a run does not change the others.
    #[must_use]
    pub fn run_config(&self, index: usize) -> Option<RunConfig> {
        let run = self.runs.get(index)?;
        Some(RunConfig {
            surface: self.surface.clone(),
            start: self.start_point(),
            optimizer: run.optimizer.clone(),
            schedule: run.schedule.clone(),
            steps: self.steps,
            noise_sigma: self.noise,
            seed: self.seed.wrapping_add(index as u64),
        })
    }

    /// Checks every number of the race against its allowed range.
    ///
    /// # Errors
    /// The first value out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
        self.surface.validate()?;
        if let Some([x, y]) = self.start {
            Limit::finite("start x").check(x)?;
            Limit::finite("start y").check(y)?;
        }
        STEPS.check(self.steps as f64)?;
        crate::run::steps_within_a_day(&self.surface, 1, MAX_STEPS).check(self.steps as f64)?;
        NOISE_SIGMA.check(self.noise)?;
        TOLERANCE.check(self.tolerance)?;
        self.runs.iter().try_for_each(|run| {
            run.optimizer.validate()?;
            run.schedule.validate()?;
            run.schedule.check_run(&run.optimizer, self.steps)
        })
    }
}
