//! A training entry of a notebook: one dataset, several runs trained on it side by side (for
//! example without and with dropout), each with its own model, optimizer and schedule.

use serde::{Deserialize, Serialize};

use super::landscape::options::LandscapeOptions;
use super::lr_finder::{self, LrFinderOptions};
use super::sharpness::{SharpnessTracking, tracker_memory};
use crate::budget::{MemoryError, MemoryEstimate};
use crate::limits::{Limit, LimitError};
use crate::optim::OptimizerConfig;
use crate::schedule::Schedule;
use crate::train::memory::{RunMemory, run_memory};
use crate::train::{
    Activation, DatasetConfig, LossFunction, ModelConfig, TrainingConfig, WeightInit,
};

/// Most runs one training entry holds.
pub const MAX_RUNS: usize = 8;

/// What to make smaller when a training entry needs too much memory.
pub const MEMORY_ADVICE: &str =
    "use fewer points, a smaller batch, fewer hidden units or fewer runs";

/// Copies of a run's epoch history that exist at once: the report's, and two on their way to
/// the window (a snapshot being drawn and the one being filled).
const HISTORY_COPIES: u64 = 3;

/// A training entry: the data every run shares and the runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainingLab {
    /// The data, shared by every run.
    pub dataset: DatasetConfig,
    /// Fraction held out for validation, in [0, 0.9].
    pub validation_fraction: f64,
    /// Seed of the data, the split, the initial weights and the masks (shared by every run).
    pub seed: u64,
    /// The runs, trained side by side.
    pub runs: Vec<TrainingRun>,
    /// The LR range test of every run before it trains (fastai's `lr_find`), when on.
    pub lr_finder: Option<LrFinderOptions>,
    /// The loss-landscape views computed after training (`None`: off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub landscape: Option<LandscapeOptions>,
    /// Sharpness (λmax of the training objective's Hessian) tracked every few epochs; `None`
    /// is off.
    pub sharpness: Option<SharpnessTracking>,
}

/// One network trained on the entry's data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingRun {
    /// Shown in the legend and the summary line.
    #[serde(deserialize_with = "crate::names::limited_name")]
    pub name: String,
    /// Architecture and its regularizers.
    #[serde(default)]
    pub model: ModelConfig,
    /// Weight initialisation.
    #[serde(default)]
    pub init: WeightInit,
    /// The hidden layers' nonlinearity.
    #[serde(default)]
    pub activation: Activation,
    /// The data loss.
    #[serde(default)]
    pub loss: LossFunction,
    /// λ of the penalty `½λΣW²`.
    #[serde(default = "default_l2")]
    pub l2: f64,
    /// The optimizer and its learning rate.
    pub optimizer: OptimizerConfig,
    /// Learning-rate schedule, one step per update.
    #[serde(default)]
    pub schedule: Schedule,
    /// Mini-batch size (at or above the training set's size: full batch).
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// Passes over the training set.
    #[serde(default = "default_epochs")]
    pub epochs: usize,
}

fn default_l2() -> f64 {
    TrainingConfig::default().l2
}

fn default_batch_size() -> usize {
    TrainingConfig::default().batch_size
}

fn default_epochs() -> usize {
    TrainingConfig::default().epochs
}

impl Default for TrainingLab {
    /// The course's spiral with the default run.
    fn default() -> Self {
        let config = TrainingConfig::default();
        Self {
            dataset: config.dataset.clone(),
            validation_fraction: config.validation_fraction,
            seed: 0,
            runs: vec![TrainingRun::from_config("Adam", &config)],
            lr_finder: None,
            landscape: None,
            sharpness: None,
        }
    }
}

impl TrainingRun {
    /// The run part of `config`, named `name`.
    #[must_use]
    pub fn from_config(name: &str, config: &TrainingConfig) -> Self {
        Self {
            name: name.to_owned(),
            model: config.model.clone(),
            init: config.init,
            activation: config.activation,
            loss: config.loss,
            l2: config.l2,
            optimizer: config.optimizer.clone(),
            schedule: config.schedule.clone(),
            batch_size: config.batch_size,
            epochs: config.epochs,
        }
    }
}

impl TrainingLab {
    /// The full config of run `index` (`None` past the end).
    #[must_use]
    pub fn config(&self, index: usize) -> Option<TrainingConfig> {
        let run = self.runs.get(index)?;
        Some(TrainingConfig {
            dataset: self.dataset.clone(),
            validation_fraction: self.validation_fraction,
            model: run.model.clone(),
            init: run.init,
            activation: run.activation,
            loss: run.loss,
            l2: run.l2,
            optimizer: run.optimizer.clone(),
            schedule: run.schedule.clone(),
            batch_size: run.batch_size,
            epochs: run.epochs,
            // Every run uses the entry's seed: the same data and split, and runs with the same
            // architecture start from the same weights, so they differ only by what was varied.
            seed: self.seed,
        })
    }

    /// Checks the number of runs and every run's config.
    ///
    /// # Errors
    /// The first value out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
        Limit::closed("number of runs", 1.0, MAX_RUNS as f64).check(self.runs.len() as f64)?;
        self.lr_finder.as_ref().map_or(Ok(()), LrFinderOptions::validate)?;
        self.sharpness.as_ref().map_or(Ok(()), SharpnessTracking::validate)?;
        (0..self.runs.len()).filter_map(|i| self.config(i)).try_for_each(|c| c.validate())?;
        self.landscape.as_ref().map_or(Ok(()), |l| l.validate(self.runs.len()))
    }

    /// The peak memory of training every run side by side (they all exist at once: the
    /// session advances them epoch by epoch in turn).
    #[must_use]
    pub fn memory(&self) -> MemoryEstimate {
        let runs: Vec<RunMemory> =
            (0..self.runs.len()).filter_map(|i| self.config(i)).map(|c| run_memory(&c)).collect();
        let parts = |part: fn(&RunMemory) -> u64| runs.iter().map(part).collect::<Vec<_>>();
        let mut estimate = MemoryEstimate::default();
        estimate.add_each("runs", "activations", &parts(|r| r.activations));
        estimate.add_each("runs", "weights and optimizer state", &parts(|r| r.weights));
        estimate.add_each("runs", "data", &parts(|r| r.data));
        estimate.add_each("runs", "epoch history", &parts(|r| r.history * HISTORY_COPIES));
        let lr_find = lr_finder::memory_bytes(self.lr_finder.as_ref(), runs.len());
        estimate.add_each("runs", "LR range test", &lr_find);
        if let Some(options) = &self.landscape {
            let configs: Vec<TrainingConfig> =
                (0..self.runs.len()).filter_map(|i| self.config(i)).collect();
            estimate.add_each(
                "runs",
                "landscape",
                &super::landscape::path_memory(options, &configs),
            );
        }
        let configs = (0..self.runs.len()).filter_map(|i| self.config(i));
        let tracking: Vec<u64> = configs.map(|c| tracker_memory(&c, self.sharpness)).collect();
        estimate.add_each("runs", "sharpness tracking", &tracking);
        estimate
    }

    /// Checks [`Self::memory`] against the budget.
    ///
    /// # Errors
    /// The estimate, when it is above [`crate::budget::MAX_MEMORY_BYTES`].
    pub fn check_memory(&self) -> Result<(), MemoryError> {
        self.memory().check(MEMORY_ADVICE)
    }
}
