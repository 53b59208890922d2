//! The stochastic depth entry's configuration: its fields, defaults and allowed ranges.

use crate::limits::{Limit, LimitError};
use serde::{Deserialize, Serialize};

/// Number of residual blocks L.
pub const BLOCKS: Limit = Limit::closed("blocks", 1.0, 1000.0);
/// Survival probability `p_L` of the last block, in (0, 1].
pub const FINAL_SURVIVAL: Limit =
    Limit { name: "final_survival", min: 0.0, max: 1.0, min_open: true, max_open: false };
/// Mini-batches (rows) of the sampled raster.
pub const BATCHES: Limit = Limit::closed("batches", 1.0, 10_000.0);
/// Most blocks any function here builds; longer requests are clamped.
pub const MAX_BLOCKS: usize = 1000;
/// Most raster rows [`sample_raster`](super::sample_raster) draws.
pub const MAX_BATCHES: usize = 10_000;
/// Most training samples [`compare_test_rules`](super::compare_test_rules) draws.
pub const MAX_SAMPLES: u64 = 1_000_000;
/// Width of the seeded residual stack's hidden state.
pub const RESIDUAL_WIDTH: usize = 4;
/// Training samples of [`StochasticDepthLab::compare_test_rules`].
pub const RESIDUAL_SAMPLES: u64 = 2000;

mod de {
    use super::{BATCHES, BLOCKS, FINAL_SURVIVAL};
    crate::limited_f64!(final_survival, FINAL_SURVIVAL);
    crate::regularize::limited_count!(blocks, usize, BLOCKS);
    crate::regularize::limited_count!(batches, usize, BATCHES);
}

/// The stochastic depth lab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StochasticDepthLab {
    /// Number of residual blocks L, 1 to 1000.
    #[serde(deserialize_with = "de::blocks")]
    pub blocks: usize,
    /// Survival probability `p_L` of the last block, in (0, 1].
    #[serde(deserialize_with = "de::final_survival")]
    pub final_survival: f64,
    /// Mini-batches (rows) of the sampled keep/drop raster, 1 to 10 000.
    #[serde(deserialize_with = "de::batches")]
    pub batches: usize,
    /// Seed of the raster and the residual stack.
    pub seed: u64,
}

impl Default for StochasticDepthLab {
    /// ResNet-110 in the paper: 54 blocks, `p_L` = 0.5.
    fn default() -> Self {
        Self { blocks: 54, final_survival: 0.5, batches: 200, seed: 0 }
    }
}

impl StochasticDepthLab {
    /// Checks every field against its allowed range.
    ///
    /// # Errors
    /// The first field out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
        BLOCKS.check(self.blocks as f64)?;
        FINAL_SURVIVAL.check(self.final_survival)?;
        BATCHES.check(self.batches as f64).map(drop)
    }
}
