//! Sharpness during training: every `every` epochs (and at epoch 0), λmax of the training
//! objective's Hessian on the whole training set at the current parameters, by power iteration
//! on exact Hessian-vector products ([`crate::train::hessian`], eval mode for networks with
//! random draws), warm-started from the previous measurement's vector. Each point carries the
//! edge of stability of the run's optimizer at that epoch's learning rate: 2/lr for SGD,
//! (2 + 2μ)/((1 − τ)·lr) for heavy-ball momentum, 2(1 + μ)/((1 + 2μ)·lr) for Nesterov, minus
//! coupled weight decay ([`crate::stability::limit_factor`]); NaN for optimizers with no such
//! limit (Adam, RMSprop, L-BFGS, …).

use serde::{Deserialize, Deserializer, Serialize};

use crate::entries::kind::Table;
use crate::limits::{Limit, LimitError, check_all};
use crate::optim::OptimizerConfig;
use crate::stability::limit_factor;
use crate::train::hessian::HessianWorkspace;
use crate::train::sharpness::PowerIteration;
use crate::train::{Trainer, TrainingConfig};

/// Epochs between two measurements.
pub const EVERY: Limit = Limit::closed("every", 1.0, 100_000.0);
/// Power iterations per measurement.
pub const ITERATIONS: Limit = Limit::closed("iterations", 1.0, 1000.0);
/// The first measurement starts from a random vector: it runs this many times the iterations.
pub const COLD_START_FACTOR: usize = 5;

fn limited_usize<'de, D: Deserializer<'de>>(
    deserializer: D,
    limit: Limit,
) -> Result<usize, D::Error> {
    let value = usize::deserialize(deserializer)?;
    limit.check(value as f64).map_err(serde::de::Error::custom)?;
    Ok(value)
}

fn de_every<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    limited_usize(deserializer, EVERY)
}

fn de_iterations<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    limited_usize(deserializer, ITERATIONS)
}

/// How often and how precisely sharpness is tracked (RON `sharpness: Some((every: 10,
/// iterations: 20))` on a training entry; `None` turns tracking off).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharpnessTracking {
    /// Epochs between two measurements, 1 to 100 000 (epoch 0 is always measured).
    #[serde(default = "default_every", deserialize_with = "de_every")]
    pub every: usize,
    /// Power iterations per measurement, 1 to 1000 (the first one runs five times as many).
    #[serde(default = "default_iterations", deserialize_with = "de_iterations")]
    pub iterations: usize,
}

fn default_every() -> usize {
    SharpnessTracking::default().every
}

fn default_iterations() -> usize {
    SharpnessTracking::default().iterations
}

impl Default for SharpnessTracking {
    /// Every 10 epochs, 20 power iterations.
    fn default() -> Self {
        Self { every: 10, iterations: 20 }
    }
}

impl SharpnessTracking {
    /// Checks both fields.
    ///
    /// # Errors
    /// The first field out of range, with its interval.
    pub fn validate(&self) -> Result<(), LimitError> {
        check_all(&[(self.every as f64, EVERY), (self.iterations as f64, ITERATIONS)])
    }
}

/// One measurement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SharpnessPoint {
    /// Epochs done (0: the initial weights).
    pub epoch: usize,
    /// λmax of the training objective's Hessian (data loss over the training set + L2).
    pub sharpness: f64,
    /// The optimizer's edge of stability at this epoch's learning rate (NaN: none).
    pub edge: f64,
    /// The training objective at the same parameters.
    pub train_loss: f64,
}

/// The curvature above which `optimizer` is unstable at learning rate `lr` on a quadratic:
/// factor/lr − coupled weight decay; NaN for optimizers without such a limit or lr ≤ 0.
#[must_use]
pub fn edge(optimizer: &OptimizerConfig, lr: f64) -> f64 {
    match limit_factor(optimizer) {
        Some((_, factor, weight_decay)) if lr > 0.0 => factor / lr - weight_decay,
        _ => f64::NAN,
    }
}

/// One run's tracking state: the Hessian's buffers and the power iteration's vector.
pub struct SharpnessTracker {
    hessian: HessianWorkspace,
    power: PowerIteration,
    tracking: SharpnessTracking,
    optimizer: OptimizerConfig,
}

impl SharpnessTracker {
    /// The tracker of `trainer`'s run, after measuring its initial weights into `points`;
    /// `None` without `tracking`.
    #[must_use]
    pub fn start(
        tracking: Option<SharpnessTracking>,
        trainer: &Trainer,
        points: &mut Vec<SharpnessPoint>,
    ) -> Option<Self> {
        let tracking = tracking?;
        let config = trainer.config();
        let data = trainer.train_data();
        let network = trainer.network();
        let hessian = HessianWorkspace::new(network, &config.model, &data.x, &data.y)?;
        let power = PowerIteration::new(network.params().len(), config.seed);
        let mut tracker = Self { hessian, power, tracking, optimizer: config.optimizer.clone() };
        let iterations = tracking.iterations.saturating_mul(COLD_START_FACTOR);
        points.push(tracker.measure(trainer, trainer.current_lr(), iterations));
        Some(tracker)
    }

    /// Measures into `points` after an epoch whose last update used `lr`, when one is due
    /// (every `every` epochs, and the run's last).
    pub fn after_epoch(&mut self, trainer: &Trainer, lr: f64, points: &mut Vec<SharpnessPoint>) {
        let done = trainer.epochs_done();
        let due =
            done.is_multiple_of(self.tracking.every.max(1)) || done == trainer.config().epochs;
        if due && points.last().is_none_or(|p| p.epoch < done) {
            points.push(self.measure(trainer, lr, self.tracking.iterations));
        }
    }

    fn measure(&mut self, trainer: &Trainer, lr: f64, iterations: usize) -> SharpnessPoint {
        let loss = self.hessian.prepare(trainer.network().params());
        let sharpness = self.power.run(&mut self.hessian, iterations);
        SharpnessPoint {
            epoch: trainer.epochs_done(),
            sharpness,
            edge: edge(&self.optimizer, lr),
            train_loss: loss.total(),
        }
    }
}

/// `<slug>/sharpness.csv` of a run with measurements (`slug` from `run_slugs`).
#[must_use]
pub fn table(points: &[SharpnessPoint], slug: &str) -> Option<Table> {
    (!points.is_empty()).then(|| Table {
        name: format!("{slug}/sharpness"),
        header: vec!["epoch", "sharpness", "edge", "train_loss"],
        rows: points
            .iter()
            .map(|p| vec![p.epoch as f64, p.sharpness, p.edge, p.train_loss])
            .collect(),
    })
}

/// `sharpness_final`, `sharpness_mean_last_half` (mean over the points with epoch ≥ half the
/// run's planned epochs) and `edge` (the last point's), for a run with measurements.
#[must_use]
pub fn summary(points: &[SharpnessPoint], planned_epochs: usize) -> Vec<(&'static str, f64)> {
    let Some(last) = points.last() else { return Vec::new() };
    vec![
        ("sharpness_final", last.sharpness),
        ("sharpness_mean_last_half", mean_last_half(points, planned_epochs)),
        ("edge", last.edge),
    ]
}

/// Mean sharpness over the points with 2·epoch ≥ `planned_epochs` (NaN when there are none).
#[must_use]
pub fn mean_last_half(points: &[SharpnessPoint], planned_epochs: usize) -> f64 {
    let half: Vec<f64> =
        points.iter().filter(|p| 2 * p.epoch >= planned_epochs).map(|p| p.sharpness).collect();
    if half.is_empty() { f64::NAN } else { half.iter().sum::<f64>() / half.len() as f64 }
}

/// Bytes the tracker of one run holds: its Hessian workspace (seven buffers of rows × every
/// layer's outputs, the weights and the direction twice, two parameter vectors per part) and
/// the power iteration's two vectors; 0 without tracking.
#[must_use]
pub fn tracker_memory(config: &TrainingConfig, tracking: Option<SharpnessTracking>) -> u64 {
    const F64: u64 = 8;
    if tracking.is_none() {
        return 0;
    }
    let points = config.dataset.points() as u64;
    let layers = config.model.layer_shapes(config.dataset.classes());
    let outputs: u64 = layers.iter().map(|l| l.fan_out as u64).sum();
    let weights: u64 = layers.iter().map(|l| l.weight_count() as u64).sum();
    let params = layers.last().map_or(0, |l| l.end() as u64);
    let parts = points.div_ceil(crate::train::hessian::PART_ROWS as u64).max(1);
    let rows = points.saturating_mul(7 * outputs + 3).saturating_mul(F64);
    let fixed = (4 * weights + 2 * params * parts + 4 * params + weights * parts) * F64;
    // The points, in the report and two copies on their way to the window.
    let history = (config.epochs as u64 / tracking.map_or(1, |t| t.every.max(1) as u64) + 2)
        .saturating_mul(3 * size_of::<SharpnessPoint>() as u64);
    rows.saturating_add(fixed).saturating_add(history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entries::training::{TrainingLab, TrainingSession};
    use crate::train::ModelConfig;

    #[test]
    fn the_edge_is_two_over_lr_or_its_momentum_form_and_none_for_adam() {
        let sgd = OptimizerConfig::Sgd { lr: 0.2, weight_decay: 0.0 };
        assert!((edge(&sgd, 0.2) - 10.0).abs() < 1e-12);
        let momentum =
            OptimizerConfig::Momentum { lr: 0.1, momentum: 0.9, dampening: 0.0, weight_decay: 0.0 };
        assert!((edge(&momentum, 0.1) - 38.0).abs() < 1e-9, "(2 + 2μ)/lr");
        assert!(edge(&TrainingConfig::default().optimizer, 0.01).is_nan(), "Adam has no edge");
        assert!(edge(&sgd, 0.0).is_nan());
    }

    #[test]
    fn a_session_measures_epoch_zero_every_k_epochs_and_the_last() {
        let mut lab = TrainingLab::default();
        for run in &mut lab.runs {
            run.model =
                ModelConfig::Mlp { hidden: vec![6], dropout_keep: 1.0, dropconnect_keep: 1.0 };
            run.epochs = 25;
            run.optimizer = OptimizerConfig::Sgd { lr: 0.5, weight_decay: 0.0 };
        }
        assert!(TrainingSession::new(&lab).finish().runs[0].sharpness.is_empty(), "off by default");
        lab.sharpness = Some(SharpnessTracking { every: 10, iterations: 15 });
        let report = TrainingSession::new(&lab).finish();
        let points = &report.runs[0].sharpness;
        assert_eq!(points.iter().map(|p| p.epoch).collect::<Vec<_>>(), [0, 10, 20, 25]);
        assert!(points.iter().all(|p| p.sharpness > 0.0 && (p.edge - 4.0).abs() < 1e-12));
        let last = report.runs[0].epochs.last().expect("epochs");
        let loss = points.last().expect("points").train_loss;
        assert!((loss - last.train_loss).abs() < 1e-9 * last.train_loss, "{loss} vs {last:?}");
        let summary = summary(points, 25);
        let mean = f64::midpoint(points[2].sharpness, points[3].sharpness);
        assert_eq!(summary[1], ("sharpness_mean_last_half", mean));
    }
}
