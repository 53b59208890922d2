//! The dropout entry's configuration: its fields, defaults and allowed ranges.

use crate::limits::{Limit, LimitError};
use serde::{Deserialize, Serialize};

/// Keep probability p, in (0, 1]. PyTorch's `p` is the drop probability 1 − p.
pub const KEEP: Limit = Limit { name: "keep", min: 0.0, max: 1.0, min_open: true, max_open: false };
/// Monte Carlo samples (masks) of the convergence plot.
pub const SAMPLES: Limit = Limit::closed("samples", 1.0, MAX_SAMPLES as f64);
/// Most Monte Carlo samples [`monte_carlo_means`](super::monte_carlo_means) draws (the rest is ignored).
pub const MAX_SAMPLES: u64 = 10_000_000;
/// Units of the random relu layer in the scaling experiment.
pub const LAYER_UNITS: Limit = Limit::closed("layer_units", 1.0, MAX_LAYER_UNITS as f64);
/// Most units [`ReluLayer::seeded`](super::ReluLayer::seeded) builds.
pub const MAX_LAYER_UNITS: usize = 4096;
/// Number of the neuron's weights; `inputs` must have the same length.
pub const NEURON_INPUTS: Limit = Limit::closed("number of weights", 1.0, 64.0);
/// Each weight wᵢ (bounded so that sums stay far from overflow).
pub const WEIGHT: Limit = Limit::closed("weights", -1e6, 1e6);
/// Each input xᵢ.
pub const INPUT: Limit = Limit::closed("inputs", -1e6, 1e6);
/// The neuron's bias b (optional in RON, 0 when omitted).
pub const BIAS: Limit = Limit::closed("bias", -1e6, 1e6);
/// Largest neuron whose 2ⁿ masks [`enumerate_masks`](super::enumerate_masks) lists (2¹² = 4096 rows).
pub const MAX_ENUMERATED_INPUTS: usize = 12;
/// Fan-in of the random layer of the scaling experiment.
pub const LAYER_FAN_IN: usize = 16;
/// Training passes (fresh masks) the scaling experiment of a [`DropoutLab`] averages over.
pub const SCALING_PASSES: usize = 64;
/// Most training passes [`compare_scalings`](super::compare_scalings) and [`scaling_sweep`](super::scaling_sweep) draw (the rest is ignored).
pub const MAX_PASSES: usize = 10_000;
/// Most points [`keep_grid`](super::keep_grid) returns.
pub const MAX_GRID_POINTS: usize = 1000;

mod de {
    use super::{BIAS, KEEP, LAYER_UNITS, SAMPLES};
    crate::limited_f64!(keep, KEEP);
    crate::limited_f64!(bias, BIAS);
    crate::regularize::limited_count!(samples, u64, SAMPLES);
    crate::regularize::limited_count!(layer_units, usize, LAYER_UNITS);
}

/// The dropout lab: one neuron a = w·x + b for the expectation, and a random relu layer for the
/// train/test scaling experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DropoutLab {
    /// The neuron's input weights w (the notes' a = w₁x + w₂y has two).
    pub weights: Vec<f64>,
    /// The neuron's inputs x, one per weight.
    pub inputs: Vec<f64>,
    /// The neuron's bias b, never dropped (it is not an input); 0 when omitted, so notebooks
    /// from before the field load unchanged.
    #[serde(deserialize_with = "de::bias")]
    pub bias: f64,
    /// Keep probability p in (0, 1].
    #[serde(deserialize_with = "de::keep")]
    pub keep: f64,
    /// Monte Carlo samples (masks) of the convergence plot, 1 to 10⁷.
    #[serde(deserialize_with = "de::samples")]
    pub samples: u64,
    /// Units of the random relu layer in the scaling experiment, 1 to 4096.
    #[serde(deserialize_with = "de::layer_units")]
    pub layer_units: usize,
    /// Seed of every random draw of the lab.
    pub seed: u64,
}

impl Default for DropoutLab {
    /// The notes' example a = w₁x + w₂y with w = (1, 1), (x, y) = (1, 2) and p = ½.
    fn default() -> Self {
        Self {
            weights: vec![1.0, 1.0],
            inputs: vec![1.0, 2.0],
            bias: 0.0,
            keep: 0.5,
            samples: 10_000,
            layer_units: 256,
            seed: 0,
        }
    }
}

impl DropoutLab {
    /// Checks every field against its allowed range.
    ///
    /// # Errors
    /// The first field out of range: the number of weights (1 to 64), the number of inputs
    /// (equal to it), each weight and input, `bias`, `keep`, `samples`, `layer_units`.
    pub fn validate(&self) -> Result<(), LimitError> {
        let count = self.weights.len() as f64;
        NEURON_INPUTS.check(count)?;
        Limit::closed("number of inputs (one per weight)", count, count)
            .check(self.inputs.len() as f64)?;
        self.weights.iter().try_for_each(|&w| WEIGHT.check(w).map(drop))?;
        self.inputs.iter().try_for_each(|&x| INPUT.check(x).map(drop))?;
        BIAS.check(self.bias)?;
        KEEP.check(self.keep)?;
        SAMPLES.check(self.samples as f64)?;
        LAYER_UNITS.check(self.layer_units as f64).map(drop)
    }
}
