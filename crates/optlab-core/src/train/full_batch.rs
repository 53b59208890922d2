//! Full-batch training with an optimizer that evaluates the loss itself (L-BFGS): one
//! `optimizer.step(closure)` per epoch, the closure evaluating the loss and gradient of the
//! whole training set (with the L2 penalty) at any weights the optimizer asks for.
//!
//! L-BFGS compares losses along its line search and builds its curvature pairs from gradient
//! differences, so every evaluation must be of the same function: a network with random draws
//! (dropout, DropConnect, stochastic depth) would give each evaluation other masks. Such runs
//! are refused ([`LBFGS_WITH_RANDOM_DRAWS`]) rather than stepped with a noisy closure.

use super::data::Dataset;
use super::model::{Draw, ModelConfig, Network, Workspace};
use crate::limits::Limit;
use crate::optim::{Optimizer, OptimizerConfig};

/// Refuses L-BFGS on a network with random draws. The name is the sentence a user reads; such a
/// run checks the value 1 against [0, 0].
pub const LBFGS_WITH_RANDOM_DRAWS: Limit = Limit::closed(
    "optimizer: L-BFGS compares loss values along its line search, so every evaluation in a \
     step must see the same network, but dropout, DropConnect and stochastic depth draw new \
     masks each time (PyTorch's closure would too); set their keep probabilities to 1 or pick \
     another optimizer. L-BFGS with random draws",
    0.0,
    0.0,
);

/// Whether `optimizer` trains full batch, one closure step per epoch (L-BFGS).
#[must_use]
pub fn is_full_batch(optimizer: &OptimizerConfig) -> bool {
    matches!(optimizer, OptimizerConfig::Lbfgs { .. })
}

/// Whether `model` draws random masks or gates in training.
#[must_use]
pub fn draws_randomly(model: &ModelConfig) -> bool {
    match model {
        ModelConfig::Mlp { dropout_keep, dropconnect_keep, .. } => {
            *dropout_keep < 1.0 || *dropconnect_keep < 1.0
        }
        ModelConfig::ResidualMlp { blocks, final_survival, .. } => {
            *blocks > 0 && *final_survival < 1.0
        }
    }
}

/// Rows of the training workspace: the whole training set for a full-batch optimizer, else one
/// mini-batch (`batch_size`, at most the training set).
#[must_use]
pub fn workspace_rows(optimizer: &OptimizerConfig, batch_size: usize, train_len: usize) -> usize {
    if is_full_batch(optimizer) { train_len.max(1) } else { batch_size.clamp(1, train_len.max(1)) }
}

/// What one full-batch step did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FullBatchStep {
    /// The training loss (with L2) at the weights the step started from: the closure's first
    /// evaluation.
    pub loss_before: f64,
    /// Evaluations of the loss and gradient the step made.
    pub evaluations: u32,
}

/// One `optimizer.step(closure)` over the whole of `train`: moves the network's weights in place.
/// `scratch` (the parameters' length) holds the weights while the closure reads the network.
pub fn step(
    optimizer: &mut Optimizer,
    network: &mut Network,
    train: &Dataset,
    (workspace, scratch): (&mut Workspace, &mut Vec<f64>),
    lr: f64,
) -> FullBatchStep {
    scratch.clear();
    scratch.extend_from_slice(network.params());
    let no_draws = Draw::default();
    let mut loss_before = None;
    let mut evaluations: u32 = 0;
    {
        let net: &Network = network;
        let mut objective = |weights: &[f64], gradient: &mut [f64]| {
            let loss = net
                .loss_and_gradient(weights, &train.x, &train.y, &no_draws, workspace, gradient)
                .total();
            loss_before.get_or_insert(loss);
            evaluations = evaluations.saturating_add(1);
            loss
        };
        optimizer.step_with_objective(scratch, lr, &mut objective);
    }
    network.params_mut().copy_from_slice(scratch);
    FullBatchStep { loss_before: loss_before.unwrap_or(f64::NAN), evaluations }
}
