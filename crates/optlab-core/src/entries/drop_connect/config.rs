//! The drop connect entry's configuration: its fields, defaults and allowed ranges.

use crate::limits::{Limit, LimitError};
use serde::{Deserialize, Serialize};

/// Keep probability p of each weight, in (0, 1].
pub const KEEP: Limit = Limit { name: "keep", min: 0.0, max: 1.0, min_open: true, max_open: false };
/// Inputs of the layer (length of v).
pub const INPUTS: Limit = Limit::closed("inputs", 1.0, 64.0);
/// Units (rows of W).
pub const UNITS: Limit = Limit::closed("units", 1.0, 64.0);
/// Training-time masks of the Monte Carlo truth.
pub const SAMPLES: Limit = Limit::closed("samples", 1.0, 1_000_000.0);
/// Gaussian samples Z of the paper's inference.
pub const GAUSSIAN_SAMPLES: Limit = Limit::closed("gaussian_samples", 1.0, 1_000_000.0);
/// Most samples any function here draws; larger requests are clamped to it.
pub const MAX_SAMPLES: u64 = 1_000_000;
/// Largest layer side [`DenseLayer::seeded`](super::DenseLayer::seeded) builds.
pub const MAX_SIDE: usize = 64;

mod de {
    use super::{GAUSSIAN_SAMPLES, INPUTS, KEEP, SAMPLES, UNITS};
    crate::limited_f64!(keep, KEEP);
    crate::regularize::limited_count!(inputs, usize, INPUTS);
    crate::regularize::limited_count!(units, usize, UNITS);
    crate::regularize::limited_count!(samples, u64, SAMPLES);
    crate::regularize::limited_count!(gaussian_samples, u64, GAUSSIAN_SAMPLES);
}

/// The DropConnect lab: a small seeded layer and its inference compared four ways.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DropConnectLab {
    /// Inputs of the layer (length of v), 1 to 64.
    #[serde(deserialize_with = "de::inputs")]
    pub inputs: usize,
    /// Units (rows of W), 1 to 64.
    #[serde(deserialize_with = "de::units")]
    pub units: usize,
    /// Keep probability p of each weight, in (0, 1].
    #[serde(deserialize_with = "de::keep")]
    pub keep: f64,
    /// Training-time masks of the Monte Carlo truth, 1 to 10⁶.
    #[serde(deserialize_with = "de::samples")]
    pub samples: u64,
    /// Gaussian samples Z per unit of the paper's inference, 1 to 10⁶.
    #[serde(deserialize_with = "de::gaussian_samples")]
    pub gaussian_samples: u64,
    /// Seed of the layer, the input and every draw.
    pub seed: u64,
}

impl Default for DropConnectLab {
    fn default() -> Self {
        Self { inputs: 8, units: 4, keep: 0.5, samples: 10_000, gaussian_samples: 1000, seed: 0 }
    }
}

impl DropConnectLab {
    /// Checks every field against its allowed range.
    ///
    /// # Errors
    /// The first field out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
        INPUTS.check(self.inputs as f64)?;
        UNITS.check(self.units as f64)?;
        KEEP.check(self.keep)?;
        SAMPLES.check(self.samples as f64)?;
        GAUSSIAN_SAMPLES.check(self.gaussian_samples as f64).map(drop)
    }
}
