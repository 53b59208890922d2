//! What a network computes besides its layers: the hidden layers' nonlinearity and the data
//! loss it is trained on (both chosen per training run).

use serde::{Deserialize, Serialize};

use super::layers::relu_of;

/// The nonlinearity after every hidden layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// max(0, z), the course's choice.
    #[default]
    Relu,
    /// tanh(z), smooth everywhere (the edge-of-stability experiments use it).
    Tanh,
}

/// The data loss averaged over the points of a batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LossFunction {
    /// Softmax cross-entropy −log softmax(s)ᵧ.
    #[default]
    CrossEntropy,
    /// ½‖s − one-hot(y)‖² on the raw outputs s (no softmax).
    SquaredError,
}

impl Activation {
    /// Every activation, in menu order.
    pub const ALL: [Self; 2] = [Self::Relu, Self::Tanh];

    /// The RON name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Relu => "Relu",
            Self::Tanh => "Tanh",
        }
    }
}

impl LossFunction {
    /// Every loss, in menu order.
    pub const ALL: [Self; 2] = [Self::CrossEntropy, Self::SquaredError];

    /// The RON name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::CrossEntropy => "CrossEntropy",
            Self::SquaredError => "SquaredError",
        }
    }
}

impl Activation {
    /// a(z).
    #[inline]
    #[must_use]
    pub fn apply(self, z: f64) -> f64 {
        match self {
            Self::Relu => relu_of(z),
            Self::Tanh => z.tanh(),
        }
    }

    /// a′(z) written from the output h = a(z): relu's is 1 where h > 0 and 0 elsewhere
    /// (`relu'(0) = 0`, as numpy's `dhidden[hidden <= 0] = 0`), tanh's is 1 − h².
    #[inline]
    #[must_use]
    pub fn slope_from_output(self, h: f64) -> f64 {
        match self {
            Self::Relu => {
                if h > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Self::Tanh => 1.0 - h * h,
        }
    }
}

/// ½‖s − one-hot(label)‖² of one row of output scores, and with `delta` its gradient
/// (s − one-hot(label)) divided by `rows` (the batch mean's factor). A label outside the row
/// has no hot entry.
pub(super) fn squared_error_row(
    row: &[f64],
    label: usize,
    delta: Option<(&mut [f64], f64)>,
) -> f64 {
    let target = |class: usize| if class == label { 1.0 } else { 0.0 };
    let total: f64 = row.iter().enumerate().map(|(k, s)| (s - target(k)) * (s - target(k))).sum();
    if let Some((delta, rows)) = delta {
        for (k, (d, s)) in delta.iter_mut().zip(row).enumerate() {
            *d = (s - target(k)) / rows;
        }
    }
    0.5 * total
}
