//! The training lab: small neural networks trained on toy 2-D classification data with optlab's
//! own optimizers ([`crate::optim`]) and schedules ([`crate::schedule`]), the same code as the
//! loss-surface races.
//!
//! * [`data`]: the course's spiral, moons, circles, XOR and Gaussian blobs, seeded, with a
//!   train/validation split.
//! * [`model`]: an MLP (relu, inverted dropout, DropConnect) and a residual MLP with stochastic
//!   depth, softmax cross-entropy and an L2 penalty, all parameters in one flat vector.
//! * [`fit`]: [`TrainingConfig`], the epoch-by-epoch [`Trainer`] and the decision-region grid.
//! * [`full_batch`]: L-BFGS's epoch, one closure step over the whole training set.
//! * [`lr_range`]: the LR range test (fastai's `lr_find`): the exponential ramp, the smoothed
//!   loss, the stop rule and fastai's four suggestions.
//! * [`memory`]: the peak memory of one run, estimated from its config (see [`crate::budget`]).
//!
//! The notebook's training entry (its config, its runs trained side by side, its report) is
//! [`crate::entries::training`].
//!
//! Nothing here draws; conventions follow [`crate::regularize`] (p is the keep probability,
//! all randomness from a `ChaCha8Rng`, `validate()` refuses and compute functions clamp).

pub mod data;
pub mod fit;
pub mod full_batch;
pub mod hessian;
mod kernels;
pub mod landscape;
pub mod layers;
pub mod lr_range;
pub mod memory;
pub mod model;
pub mod objective;
pub mod sharpness;

pub use data::{Dataset, DatasetConfig};
pub use fit::{DecisionGrid, EpochStats, GridSpec, Trainer, TrainingConfig, decision_grid};
pub use layers::Linear;
pub use model::{Draw, Evaluation, Loss, Mode, ModelConfig, Network, WeightInit, Workspace};
pub use objective::{Activation, LossFunction};
