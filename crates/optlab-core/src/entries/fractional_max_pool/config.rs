//! The fractional max pool entry's configuration: its fields, defaults and allowed ranges.

use crate::limits::{Limit, LimitError};
use serde::{Deserialize, Serialize};

/// Side `n_in` of the square input image.
pub const INPUT_SIZE: Limit = Limit::closed("input_size", 4.0, 256.0);
/// Reduction ratio α = `n_in`/`n_out`, strictly between 1 and 2.
pub const ALPHA: Limit = Limit::open("alpha", 1.0, 2.0);
/// Largest image side [`render_pattern`](super::render_pattern) draws.
pub const MAX_PATTERN_SIZE: usize = 256;
/// Longest input a pooling sequence is built for: keeps every integer product of the exact
/// ceiling below 2⁵³ and every allocation small.
pub const MAX_SEQUENCE_INPUT: usize = 1 << 20;
/// Most test-time draws [`average_of_draws`](super::average_of_draws) makes.
pub const MAX_DRAWS: usize = 1000;
/// How far above an integer α(i + u) may lie and still count as that integer (see
/// [`pseudo_random_sequence`](super::pseudo_random_sequence)).
pub const CEIL_SNAP: f64 = 1e-9;

mod de {
    use super::{ALPHA, INPUT_SIZE};
    crate::limited_f64!(alpha, ALPHA);
    crate::regularize::limited_count!(input_size, usize, INPUT_SIZE);
}

/// The input image of the lab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Pattern {
    /// A few smooth Gaussian blobs at seeded places: what a feature map looks like.
    #[default]
    Blobs,
    /// Independent uniform noise per pixel, seeded.
    Noise,
    /// Squares of 3 × 3 pixels, a size 2 × 2 pooling cannot line up with.
    Checkerboard,
    /// Brightness rising from 0 at the left edge to 1 at the right.
    Gradient,
    /// Diagonal stripes 2 pixels wide.
    DiagonalStripes,
    /// One bright pixel in the middle of a dark image: where does its maximum travel?
    SinglePixel,
}

impl Pattern {
    /// Every pattern, in menu order.
    pub const ALL: [Self; 6] = [
        Self::Blobs,
        Self::Noise,
        Self::Checkerboard,
        Self::Gradient,
        Self::DiagonalStripes,
        Self::SinglePixel,
    ];

    /// The name users type in RON (`DiagonalStripes`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Blobs => "Blobs",
            Self::Noise => "Noise",
            Self::Checkerboard => "Checkerboard",
            Self::Gradient => "Gradient",
            Self::DiagonalStripes => "DiagonalStripes",
            Self::SinglePixel => "SinglePixel",
        }
    }
}

/// The fractional max pooling lab: one image pooled by one draw of the sequences.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FractionalMaxPoolLab {
    /// Side `n_in` of the square input image, 4 to 256.
    #[serde(deserialize_with = "de::input_size")]
    pub input_size: usize,
    /// Target ratio α in (1, 2); `n_out` = ⌊`n_in`/α⌋ (see [`output_size`](super::output_size)).
    #[serde(deserialize_with = "de::alpha")]
    pub alpha: f64,
    /// Pseudo-random sequences ⌈α(i + u)⌉ instead of shuffled increments.
    pub pseudo_random: bool,
    /// Overlapping regions [a_{i−1}, aᵢ] instead of disjoint ones.
    pub overlapping: bool,
    /// The input image.
    pub pattern: Pattern,
    /// Seed of the image (for the seeded patterns) and of the sequences.
    pub seed: u64,
}

impl Default for FractionalMaxPoolLab {
    /// The paper's α = √2 (rounded) on a 25-pixel image: 25 → 17.
    fn default() -> Self {
        Self {
            input_size: 25,
            alpha: 1.414,
            pseudo_random: true,
            overlapping: false,
            pattern: Pattern::Blobs,
            seed: 0,
        }
    }
}

impl FractionalMaxPoolLab {
    /// Checks every field against its allowed range.
    ///
    /// # Errors
    /// The first field out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
        INPUT_SIZE.check(self.input_size as f64)?;
        ALPHA.check(self.alpha).map(drop)
    }
}
