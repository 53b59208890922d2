//! The peak memory of one training run, estimated from its config without building anything:
//! the buffers a [`Trainer`](super::Trainer) allocates, sized as it sizes them. The training
//! and sweep entries add these up over the runs that exist at once (see [`crate::budget`]).

use std::mem::size_of;

use super::fit::{EVAL_CHUNK, EpochStats, TrainingConfig};
use super::layers::Linear;
use super::model::ModelConfig;

/// Bytes of one `f64`.
const F64: u64 = size_of::<f64>() as u64;
/// Bytes of one point with its label (`[f64; 2]` and a `usize`).
const POINT: u64 = (size_of::<[f64; 2]>() + size_of::<usize>()) as u64;
/// Copies of the parameters a run keeps: the parameters, their gradient, the look-ahead point
/// and up to three optimizer state vectors (Adam with AMSGrad keeps m, v and v̂max).
const PARAMETER_COPIES: u64 = 6;

/// Copies of the parameters a Muon run keeps (issue 16): the parameters, their gradient, the
/// look-ahead point, the momentum buffer, the orthogonalized update and the Newton–Schulz
/// scratch (X, the next X, A and B, each at most the size of the largest matrix).
const MUON_PARAMETER_COPIES: u64 = 9;

/// Copies of the parameters an L-BFGS run keeps besides its history of `history_size` pairs
/// (s, y): the parameters, the weights the closure reads, the gradient, the direction, the
/// previous gradient and the line search's trial point and gradient, with one spare.
const LBFGS_PARAMETER_COPIES: u64 = 8;

/// Copies of the parameters `optimizer` keeps during a run.
fn parameter_copies(optimizer: &crate::optim::OptimizerConfig) -> u64 {
    if let crate::optim::OptimizerConfig::Lbfgs { history_size, .. } = optimizer {
        return LBFGS_PARAMETER_COPIES + 2 * u64::from(*history_size);
    }
    if optimizer.needs_matrices() { MUON_PARAMETER_COPIES } else { PARAMETER_COPIES }
}

/// One training run's peak memory, by kind of buffer, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunMemory {
    /// The parameters and the vectors of their size ([`PARAMETER_COPIES`]).
    pub weights: u64,
    /// Layer outputs and backpropagated gradients of one batch and of one evaluation chunk,
    /// dropout factors and DropConnect weights and masks.
    pub activations: u64,
    /// The points and labels (training and validation), the shuffled order and the batch.
    pub data: u64,
    /// One [`EpochStats`] per planned epoch.
    pub history: u64,
}

impl RunMemory {
    /// Every part together.
    #[must_use]
    pub fn total(&self) -> u64 {
        [self.weights, self.activations, self.data, self.history]
            .iter()
            .fold(0, |sum: u64, &bytes| sum.saturating_add(bytes))
    }
}

/// Estimates the peak memory of training `config`.
#[must_use]
pub fn run_memory(config: &TrainingConfig) -> RunMemory {
    let points = config.dataset.points() as u64;
    let fraction =
        if config.validation_fraction.is_nan() { 0.0 } else { config.validation_fraction };
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a fraction in [0, 1] of a point count, rounded as the split rounds it"
    )]
    let validation = ((fraction.clamp(0.0, 1.0) * points as f64).round() as u64).min(points);
    let train = points - validation;
    // A full-batch optimizer (L-BFGS) evaluates the whole training set at once.
    let rows = super::full_batch::workspace_rows(
        &config.optimizer,
        config.batch_size,
        usize::try_from(train).unwrap_or(usize::MAX),
    ) as u64;
    let layers = config.model.layer_shapes(config.dataset.classes());
    let params = layers.last().map_or(0, |layer| layer.end() as u64);
    RunMemory {
        weights: params.saturating_mul(parameter_copies(&config.optimizer) * F64),
        activations: activations(&config.model, &layers, rows),
        data: points
            .saturating_mul(POINT)
            .saturating_add(train.saturating_mul(size_of::<usize>() as u64))
            .saturating_add(rows.saturating_mul(POINT)),
        history: (config.epochs as u64).saturating_mul(size_of::<EpochStats>() as u64),
    }
}

/// Bytes of the training workspace for `rows` rows, the evaluation workspace, and the draws of
/// dropout and DropConnect, as [`Network::workspace`](super::Network::workspace) and
/// [`Network::draw`](super::Network::draw) allocate them.
fn activations(model: &ModelConfig, layers: &[Linear], rows: u64) -> u64 {
    let sum = |values: &mut dyn Iterator<Item = usize>| values.map(|v| v as u64).sum::<u64>();
    let outputs = sum(&mut layers.iter().map(|l| l.fan_out));
    let widest = layers.iter().map(|l| l.fan_out.max(l.fan_in)).max().unwrap_or(1) as u64;
    let classes = layers.last().map_or(1, |l| l.fan_out) as u64;
    // Per row: every layer's output, the gradient and its predecessor, the scaled gradient of a
    // residual block, and the class probabilities.
    let per_row = (outputs + 3 * widest + classes) * F64;
    let hidden = &layers[..layers.len().saturating_sub(1)];
    let (dropout, dropconnect) = match *model {
        ModelConfig::Mlp { dropout_keep, dropconnect_keep, .. } => {
            (dropout_keep < 1.0, dropconnect_keep < 1.0 && layers.len() > 1)
        }
        ModelConfig::ResidualMlp { .. } => (false, false),
    };
    let hidden_weights = sum(&mut hidden.iter().map(Linear::weight_count));
    // Each workspace keeps its own masked weights; the draw keeps one flag per weight.
    let effective = if dropconnect { hidden_weights * F64 } else { 0 };
    let masks = if dropconnect { hidden_weights } else { 0 };
    let factors = if dropout { sum(&mut hidden.iter().map(|l| l.fan_out)) * F64 } else { 0 };
    let workspaces = rows.saturating_add(EVAL_CHUNK as u64).saturating_mul(per_row);
    workspaces
        .saturating_add(2 * effective)
        .saturating_add(masks)
        .saturating_add(rows.saturating_mul(factors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::{DatasetConfig, Network, WeightInit};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn config(points: usize, hidden: Vec<usize>, batch_size: usize) -> TrainingConfig {
        TrainingConfig {
            dataset: DatasetConfig::Moons { points, noise: 0.1 },
            model: ModelConfig::Mlp { hidden, dropout_keep: 1.0, dropconnect_keep: 1.0 },
            batch_size,
            ..TrainingConfig::default()
        }
    }

    #[test]
    fn the_weights_count_six_copies_of_the_parameters_the_network_has() {
        let config = config(300, vec![100, 50], 32);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let network = Network::new(&config.model, WeightInit::default(), 2, 0.0, &mut rng);
        let memory = run_memory(&config);
        assert_eq!(memory.weights, network.params().len() as u64 * 6 * 8);
        assert_eq!(memory.history, 100 * size_of::<EpochStats>() as u64);
    }

    #[test]
    fn a_full_batch_of_the_widest_net_on_the_most_points_needs_gigabytes_of_activations() {
        // 80 000 training rows (20 % held out) × (8 · 1024 + 2 outputs, 3 · 1024 gradients,
        // 2 probabilities) × 8 bytes, plus the 512-row evaluation workspace.
        let memory = run_memory(&config(100_000, vec![1024; 8], 100_000));
        assert_eq!(memory.activations, (80_000 + 512) * (8 * 1024 + 2 + 3 * 1024 + 2) * 8);
        assert!(memory.total() > 7 << 30, "{memory:?}");
        // Mini-batches of 32 leave the weights (6 × 7.35 million parameters) as the most.
        let batched = run_memory(&config(100_000, vec![1024; 8], 32));
        assert!(batched.activations < 64 << 20, "{batched:?}");
        assert_eq!(batched.weights, 7_352_322 * 6 * 8);
    }

    #[test]
    fn dropout_and_dropconnect_add_their_draws() {
        let plain = config(1000, vec![64, 64], 100);
        let mut dropped = plain.clone();
        dropped.model =
            ModelConfig::Mlp { hidden: vec![64, 64], dropout_keep: 0.5, dropconnect_keep: 0.5 };
        let hidden_weights = 2 * 64 + 64 * 64;
        let extra = run_memory(&dropped).activations - run_memory(&plain).activations;
        assert_eq!(extra, 100 * 128 * 8 + hidden_weights * (2 * 8 + 1));
    }
}
