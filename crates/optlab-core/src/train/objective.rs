//! What a network computes besides its layers: the hidden layers' nonlinearity and the data
//! loss it is trained on (both chosen per training run).

use serde::{Deserialize, Serialize};

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
