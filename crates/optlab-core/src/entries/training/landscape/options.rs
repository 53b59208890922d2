//! The landscape option of a training entry (RON `landscape: (resolution: 51, span: 1.0)`),
//! its limits and the memory it adds to the entry's estimate.

use serde::{Deserialize, Serialize};

use crate::limits::{Limit, LimitError};
use crate::train::TrainingConfig;
use crate::train::landscape::recorded_epochs;

/// Points per side of a slice.
pub const RESOLUTION: Limit = Limit::closed("resolution", 3.0, 201.0);
/// Half the side of the random slice, in units of the filter-normalized directions.
pub const SPAN: Limit = Limit::closed("span", 1e-3, 100.0);
/// Points of a 1-D interpolation.
pub const INTERPOLATION_POINTS: Limit = Limit::closed("interpolation_points", 3.0, 1001.0);
/// Most parameter snapshots recorded per run (evenly spaced over its epochs).
pub const MAX_SNAPSHOTS: usize = 200;
/// The interpolations' α range: a little beyond both ends, 0 and 1 marked.
pub const ALPHA_RANGE: [f64; 2] = [-0.25, 1.25];

mod de {
    use super::{INTERPOLATION_POINTS, RESOLUTION, SPAN};
    crate::limited_f64!(span, SPAN);

    fn limited<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
        limit: crate::limits::Limit,
    ) -> Result<usize, D::Error> {
        let value = <usize as serde::Deserialize>::deserialize(deserializer)?;
        limit.check(value as f64).map_err(serde::de::Error::custom)?;
        Ok(value)
    }

    pub(crate) fn resolution<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
        limited(d, RESOLUTION)
    }

    pub(crate) fn interpolation_points<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<usize, D::Error> {
        limited(d, INTERPOLATION_POINTS)
    }
}

/// What the loss-landscape views compute once training has finished (RON
/// `landscape: (resolution: 51, span: 1.0)`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LandscapeOptions {
    /// Points per side of the random slice and of the PCA plane, in [3, 201].
    #[serde(deserialize_with = "de::resolution")]
    pub resolution: usize,
    /// The random slice covers [−span, span]², in [0.001, 100].
    #[serde(deserialize_with = "de::span")]
    pub span: f64,
    /// Points of each interpolation line over α ∈ [−0.25, 1.25], in [3, 1001].
    #[serde(deserialize_with = "de::interpolation_points")]
    pub interpolation_points: usize,
    /// The two runs (indices from 0) whose final weights are joined by a line; `None`: the
    /// first two runs with the same architecture, activation and loss.
    pub between: Option<(usize, usize)>,
}

impl Default for LandscapeOptions {
    fn default() -> Self {
        Self { resolution: 51, span: 1.0, interpolation_points: 61, between: None }
    }
}

impl LandscapeOptions {
    /// Checks every field's range, and that `between` names two different runs of `runs`.
    ///
    /// # Errors
    /// The first value out of range.
    pub fn validate(&self, runs: usize) -> Result<(), LimitError> {
        RESOLUTION.check(self.resolution as f64)?;
        SPAN.check(self.span)?;
        INTERPOLATION_POINTS.check(self.interpolation_points as f64)?;
        if let Some((a, b)) = self.between {
            let run = Limit::closed("between", 0.0, runs.saturating_sub(1) as f64);
            run.check(a as f64)?;
            run.check(b as f64)?;
            if a == b {
                return Err(LimitError {
                    limit: Limit::closed("between (second run)", 0.0, -1.0),
                    value: b as f64,
                });
            }
        }
        Ok(())
    }
}

/// Bytes of the landscape of runs `configs` (one entry per run): up to [`MAX_SNAPSHOTS`] copies
/// of the parameters, the directions and the point being evaluated, and the two grids (the
/// report's and two on their way to the window).
#[must_use]
pub fn path_memory(options: &LandscapeOptions, configs: &[TrainingConfig]) -> Vec<u64> {
    let grids = (options.resolution as u64).pow(2) * 2 * 3 * 8;
    configs
        .iter()
        .map(|config| {
            let layers = config.model.layer_shapes(config.dataset.classes());
            let params = layers.last().map_or(0, |layer| layer.end() as u64);
            let copies = recorded_epochs(config.epochs, MAX_SNAPSHOTS).len() as u64 + 4;
            params.saturating_mul(copies).saturating_mul(8).saturating_add(grids)
        })
        .collect()
}
