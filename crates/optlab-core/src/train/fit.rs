//! The training loop: mini-batch training with any optimizer and schedule, one epoch at a time.
//!
//! [`Trainer`] owns everything one run needs (data, network, optimizer state, buffers, the
//! generator), so a GUI worker can move it to a thread (it is `Send`), call
//! [`Trainer::epoch`] in a loop, stream the [`EpochStats`] and simply stop calling to pause.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::data::{Dataset, DatasetConfig};
use super::full_batch;
use super::model::{Draw, ModelConfig, Network, WeightInit, Workspace, argmax};
use super::objective::{Activation, LossFunction};
use crate::limits::{Limit, LimitError, check_all};
use crate::optim::{Optimizer, OptimizerConfig, Shape};
use crate::schedule::{Schedule, Scheduler};

/// Fraction of the data held out for validation.
pub const VALIDATION_FRACTION: Limit = Limit::closed("validation_fraction", 0.0, 0.9);
/// L2 strength λ of the penalty `½λΣW²` in the loss.
pub const L2: Limit = Limit::closed("l2", 0.0, 1e3);
/// Mini-batch size (a size at or above the training set's is full-batch training).
pub const BATCH_SIZE: Limit = Limit::closed("batch_size", 1.0, 1e6);
/// Epochs of a run.
pub const EPOCHS: Limit = Limit::closed("epochs", 1.0, 1e6);
/// Grid cells per side of [`decision_grid`].
pub const GRID_SIDE: Limit = Limit::closed("grid side", 1.0, MAX_GRID_SIDE as f64);
/// Most grid cells per side.
pub const MAX_GRID_SIDE: usize = 1024;
/// Rows evaluated at once by [`decision_grid`] and the epoch statistics.
pub(super) const EVAL_CHUNK: usize = 512;

mod de {
    use super::{L2, VALIDATION_FRACTION};
    crate::limited_f64!(validation_fraction, VALIDATION_FRACTION);
    crate::limited_f64!(l2, L2);
}

/// One training run, as written in RON. Omitted fields take the defaults of
/// [`TrainingConfig::default`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainingConfig {
    /// The data.
    pub dataset: DatasetConfig,
    /// Fraction held out for validation, in [0, 0.9].
    #[serde(deserialize_with = "de::validation_fraction")]
    pub validation_fraction: f64,
    /// Architecture and its dropout, DropConnect or stochastic-depth settings.
    pub model: ModelConfig,
    /// Weight initialisation.
    pub init: WeightInit,
    /// The hidden layers' nonlinearity.
    pub activation: Activation,
    /// The data loss.
    pub loss: LossFunction,
    /// λ of the penalty `½λΣW²` in the loss (the course's `reg`), in [0, 1000]. Separate from an
    /// optimizer's `weight_decay`, which adds λθ to the gradient without showing in the loss.
    #[serde(deserialize_with = "de::l2")]
    pub l2: f64,
    /// The optimizer and its base learning rate.
    pub optimizer: OptimizerConfig,
    /// Learning-rate schedule, one step per parameter update.
    pub schedule: Schedule,
    /// Mini-batch size, at least 1; at or above the training set's size trains full batch.
    pub batch_size: usize,
    /// Epochs (passes over the training set), at least 1.
    pub epochs: usize,
    /// Seed of the data, the split, the initial weights, the shuffles and every mask.
    pub seed: u64,
}

impl Default for TrainingConfig {
    /// The course's spiral net (K = 3, N = 100, 100 hidden units, λ = 10⁻³) with Adam
    /// (lr 0.01) on mini-batches of 32, 20 % held out.
    fn default() -> Self {
        Self {
            dataset: DatasetConfig::default(),
            validation_fraction: 0.2,
            model: ModelConfig::default(),
            init: WeightInit::default(),
            activation: Activation::default(),
            loss: LossFunction::default(),
            l2: 1e-3,
            optimizer: OptimizerConfig::Adam {
                lr: 0.01,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                bias_correction: true,
                amsgrad: false,
                weight_decay: 0.0,
            },
            schedule: Schedule::Constant,
            batch_size: 32,
            epochs: 100,
            seed: 0,
        }
    }
}

impl TrainingConfig {
    /// Checks every field against its allowed range.
    ///
    /// # Errors
    /// The first field out of range, naming the field and its interval.
    pub fn validate(&self) -> Result<(), LimitError> {
        self.dataset.validate()?;
        self.model.validate()?;
        self.init.validate()?;
        self.optimizer.validate()?;
        if full_batch::is_full_batch(&self.optimizer) && full_batch::draws_randomly(&self.model) {
            full_batch::LBFGS_WITH_RANDOM_DRAWS.check(1.0)?;
        }
        if matches!(
            self.optimizer,
            OptimizerConfig::Newton { .. } | OptimizerConfig::SaddleFreeNewton { .. }
        ) {
            crate::optim::NEWTON_IN_TRAINING.check(1.0)?;
        }
        self.schedule.validate()?;
        self.schedule.check_run(&self.optimizer, 0)?;
        check_all(&[
            (self.validation_fraction, VALIDATION_FRACTION),
            (self.l2, L2),
            (self.batch_size as f64, BATCH_SIZE),
            (self.epochs as f64, EPOCHS),
        ])
    }
}

/// What one epoch did. Losses and accuracies are measured after the epoch in eval mode (no
/// dropout, test-time scaling), so train and validation figures are comparable.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// Epochs completed, counting this one (1 for the first).
    pub epoch: usize,
    /// Parameter updates so far.
    pub updates: u64,
    /// Learning rate of the last update.
    pub lr: f64,
    /// Mean of the mini-batch losses the optimizer saw (train mode, with L2).
    pub mean_batch_loss: f64,
    /// Training loss: data loss plus `½λΣW²`.
    pub train_loss: f64,
    /// Training accuracy.
    pub train_accuracy: f64,
    /// Validation data loss (no penalty); `None` without validation data.
    pub validation_loss: Option<f64>,
    /// Validation accuracy; `None` without validation data.
    pub validation_accuracy: Option<f64>,
    /// Loss-and-gradient evaluations of the epoch's full-batch step (L-BFGS: every inner
    /// iteration and line-search trial); `None` for mini-batch optimizers.
    #[serde(default)]
    pub evaluations: Option<u32>,
}

/// A training run in progress.
#[derive(Clone, Debug)]
pub struct Trainer {
    config: TrainingConfig,
    train: Dataset,
    validation: Dataset,
    network: Network,
    optimizer: Optimizer,
    /// The schedule: stepped after every update, or (`ReduceOnPlateau`) once per epoch with
    /// the validation loss.
    scheduler: Scheduler,
    rng: ChaCha8Rng,
    buffers: Buffers,
    epochs_done: usize,
    updates: u64,
}

/// Buffers reused by every update.
#[derive(Clone, Debug)]
struct Buffers {
    grad: Vec<f64>,
    /// The look-ahead point where the gradient is taken, or Schedule-Free's evaluation point.
    lookahead: Vec<f64>,
    order: Vec<usize>,
    batch_x: Vec<[f64; 2]>,
    batch_y: Vec<usize>,
    draw: Draw,
    train: Workspace,
    eval: Workspace,
}

impl Trainer {
    /// Validates `config`, generates its dataset, splits it and initialises the network, all
    /// from `config.seed`.
    ///
    /// # Errors
    /// The first config field out of range.
    pub fn new(config: &TrainingConfig) -> Result<Self, LimitError> {
        config.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let data = config.dataset.generate(&mut rng);
        let (train, validation) = data.split(config.validation_fraction, &mut rng);
        check_schedule_length(config, train.len())?;
        Ok(Self::from_parts(config, train, validation, rng))
    }

    /// A run on given data (`config.dataset` and `validation_fraction` are ignored).
    ///
    /// # Errors
    /// The first config field out of range.
    pub fn with_data(
        config: &TrainingConfig,
        train: Dataset,
        validation: Dataset,
    ) -> Result<Self, LimitError> {
        config.validate()?;
        check_schedule_length(config, train.len())?;
        let rng = ChaCha8Rng::seed_from_u64(config.seed);
        Ok(Self::from_parts(config, train, validation, rng))
    }

    fn from_parts(
        config: &TrainingConfig,
        train: Dataset,
        validation: Dataset,
        mut rng: ChaCha8Rng,
    ) -> Self {
        let classes = train.classes.max(validation.classes);
        let network = Network::new(&config.model, config.init, classes, config.l2, &mut rng)
            .with_objective(config.activation, config.loss);
        let n_params = network.params().len();
        let rows = full_batch::workspace_rows(&config.optimizer, config.batch_size, train.len());
        let buffers = Buffers {
            grad: vec![0.0; n_params],
            lookahead: vec![0.0; n_params],
            order: (0..train.len()).collect(),
            batch_x: Vec::with_capacity(rows),
            batch_y: Vec::with_capacity(rows),
            draw: Draw::default(),
            train: network.workspace(rows),
            eval: network.workspace(EVAL_CHUNK),
        };
        Self {
            optimizer: config.optimizer.build_shaped(&param_shapes(&network)),
            scheduler: Scheduler::new(
                &config.schedule,
                config.optimizer.lr(),
                config.optimizer.momentum(),
            ),
            config: config.clone(),
            train,
            validation,
            network,
            rng,
            buffers,
            epochs_done: 0,
            updates: 0,
        }
    }

    /// The run's config.
    #[must_use]
    pub fn config(&self) -> &TrainingConfig {
        &self.config
    }

    /// The network as trained so far.
    #[must_use]
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// Training data.
    #[must_use]
    pub fn train_data(&self) -> &Dataset {
        &self.train
    }

    /// Validation data.
    #[must_use]
    pub fn validation_data(&self) -> &Dataset {
        &self.validation
    }

    /// Epochs completed.
    #[must_use]
    pub fn epochs_done(&self) -> usize {
        self.epochs_done
    }

    /// Parameter updates so far.
    #[must_use]
    pub fn updates(&self) -> u64 {
        self.updates
    }

    /// Whether the configured number of epochs has run.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.epochs_done >= self.config.epochs
    }

    /// One update on the points at `indices` of the training set: fresh masks, loss and
    /// gradient (at the optimizer's look-ahead point where it has one), then the optimizer
    /// step with the schedule's learning rate. Returns the batch loss (with L2).
    fn update(&mut self, start: usize, end: usize) -> f64 {
        let lr = self.current_lr();
        let b = &mut self.buffers;
        b.batch_x.clear();
        b.batch_y.clear();
        for &i in b.order.get(start..end).unwrap_or(&[]) {
            if let (Some(x), Some(y)) = (self.train.x.get(i), self.train.y.get(i)) {
                b.batch_x.push(*x);
                b.batch_y.push(*y);
            }
        }
        self.network.draw(b.batch_x.len(), &mut self.rng, &mut b.draw);
        let params = if self.optimizer.needs_lookahead() {
            self.optimizer.gradient_point(self.network.params(), &mut b.lookahead);
            &b.lookahead
        } else {
            self.network.params()
        };
        let loss = self.network.loss_and_gradient(
            params,
            &b.batch_x,
            &b.batch_y,
            &b.draw,
            &mut b.train,
            &mut b.grad,
        );
        if let Some(momentum) = self.scheduler.momentum() {
            self.optimizer.set_momentum(momentum);
        }
        self.optimizer.step(self.network.params_mut(), &b.grad, lr);
        self.updates += 1;
        if !self.config.schedule.reads_loss() {
            self.scheduler.step(None);
        }
        loss.total()
    }

    /// One mini-batch update at learning rate `lr` instead of the schedule's: a step of the LR
    /// range test ([`super::lr_range`]). Batches follow each other as in training (the order
    /// is reshuffled when a pass over the training set begins, masks are drawn, the optimizer
    /// keeps its other hyper-parameters). Returns the batch loss before the update (with L2),
    /// or `None` for a full-batch optimizer (L-BFGS) or an empty training set.
    pub fn update_at_lr(&mut self, lr: f64) -> Option<f64> {
        let n = self.buffers.order.len();
        if n == 0 || self.optimizer.needs_objective() {
            return None;
        }
        let batch = self.config.batch_size.max(1);
        let batches = n.div_ceil(batch) as u64;
        let start = usize::try_from(self.updates % batches).unwrap_or(0) * batch;
        if start == 0 {
            self.buffers.order.shuffle(&mut self.rng);
        }
        self.scheduler = Scheduler::new(&Schedule::Constant, lr, None);
        Some(self.update(start, (start + batch).min(n)))
    }

    /// The learning rate the next update will use.
    #[must_use]
    pub fn current_lr(&self) -> f64 {
        self.scheduler.lr()
    }

    /// One epoch: a seeded shuffle, one update per mini-batch, then the statistics. Runs even
    /// past the configured epochs (a GUI may extend a run); see [`Self::is_finished`]. A
    /// full-batch optimizer (L-BFGS) makes one step over the whole training set instead.
    pub fn epoch(&mut self) -> EpochStats {
        if self.optimizer.needs_objective() {
            return self.full_batch_epoch();
        }
        self.buffers.order.shuffle(&mut self.rng);
        let n = self.buffers.order.len();
        let batch = self.config.batch_size.max(1);
        let (mut loss_sum, mut batches) = (0.0, 0_usize);
        let mut lr = self.current_lr();
        for start in (0..n).step_by(batch) {
            lr = self.current_lr();
            loss_sum += self.update(start, (start + batch).min(n));
            batches += 1;
        }
        self.epochs_done += 1;
        let stats = self.stats(lr, loss_sum / batches.max(1) as f64);
        if self.config.schedule.reads_loss() {
            self.scheduler.step(Some(stats.validation_loss.unwrap_or(stats.train_loss)));
        }
        stats
    }

    /// One `optimizer.step(closure)` over the whole training set (see [`full_batch`]); the
    /// batch size plays no part.
    fn full_batch_epoch(&mut self) -> EpochStats {
        let lr = self.current_lr();
        let b = &mut self.buffers;
        let step = full_batch::step(
            &mut self.optimizer,
            &mut self.network,
            &self.train,
            (&mut b.train, &mut b.lookahead),
            lr,
        );
        self.updates += 1;
        self.epochs_done += 1;
        EpochStats { evaluations: Some(step.evaluations), ..self.stats(lr, step.loss_before) }
    }

    /// Runs the remaining epochs and returns their statistics.
    pub fn run(&mut self) -> Vec<EpochStats> {
        let mut history = Vec::with_capacity(self.config.epochs.saturating_sub(self.epochs_done));
        while !self.is_finished() {
            history.push(self.epoch());
        }
        history
    }

    fn stats(&mut self, lr: f64, mean_batch_loss: f64) -> EpochStats {
        // Schedule-Free is measured at its evaluation point x (the package's `eval()`), not at
        // the train-mode parameters y: swap x in for the statistics, and y back afterwards.
        let b = &mut self.buffers;
        let at_x = self.optimizer.evaluation_point(self.network.params(), &mut b.lookahead);
        if at_x {
            self.network.params_mut().swap_with_slice(&mut b.lookahead);
        }
        let ws = &mut b.eval;
        let train = self.network.evaluate(&self.train.x, &self.train.y, ws);
        let validation = self.network.evaluate(&self.validation.x, &self.validation.y, ws);
        let l2 = self.network.l2_penalty(self.network.params());
        if at_x {
            self.network.params_mut().swap_with_slice(&mut b.lookahead);
        }
        EpochStats {
            epoch: self.epochs_done,
            updates: self.updates,
            lr,
            mean_batch_loss,
            train_loss: train.map_or(f64::NAN, |e| e.data_loss + l2),
            train_accuracy: train.map_or(f64::NAN, |e| e.accuracy),
            validation_loss: validation.map(|e| e.data_loss),
            validation_accuracy: validation.map(|e| e.accuracy),
            evaluations: None,
        }
    }
}

/// Refuses a `OneCycle` schedule shorter than the run: `epochs` epochs of ⌈`train_len`/batch⌉
/// updates (PyTorch raises past `total_steps`).
fn check_schedule_length(config: &TrainingConfig, train_len: usize) -> Result<(), LimitError> {
    let batches = train_len.div_ceil(config.batch_size.max(1)).max(1);
    let updates = (config.epochs as u64).saturating_mul(batches as u64);
    config.schedule.check_run(&config.optimizer, updates)
}

/// A rectangular grid of points for a decision-region picture.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridSpec {
    /// Lower-left corner (x, y).
    pub min: [f64; 2],
    /// Upper-right corner (x, y).
    pub max: [f64; 2],
    /// Points along x and along y, each 1 to 1024.
    pub side: [usize; 2],
}

impl GridSpec {
    /// A `side` × `side` grid over the bounding box of `data`, widened by `margin`.
    #[must_use]
    pub fn around(data: &Dataset, margin: f64, side: usize) -> Self {
        let (min, max) = data.bounds(margin);
        Self { min, max, side: [side, side] }
    }

    /// The grid's points, row after row (y outer, x inner), cell centres included at both
    /// ends. Sides are clamped to 1..=1024.
    #[must_use]
    pub fn points(&self) -> Vec<[f64; 2]> {
        let [nx, ny] = self.side.map(|s| s.clamp(1, MAX_GRID_SIDE));
        let coordinate = |axis: usize, i: usize, n: usize| {
            let t = if n > 1 { i as f64 / (n - 1) as f64 } else { 0.5 };
            self.min[axis] + t * (self.max[axis] - self.min[axis])
        };
        (0..ny)
            .flat_map(|j| (0..nx).map(move |i| [coordinate(0, i, nx), coordinate(1, j, ny)]))
            .collect()
    }
}

/// Class probabilities and predicted class at every grid point.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionGrid {
    /// The grid.
    pub spec: GridSpec,
    /// Number of classes.
    pub classes: usize,
    /// Probabilities, `classes` per point, points in [`GridSpec::points`] order.
    pub probabilities: Vec<f64>,
    /// Most probable class per point.
    pub predicted: Vec<usize>,
}

/// Evaluates `network` (eval mode) at every point of `spec`.
#[must_use]
pub fn decision_grid(network: &Network, spec: GridSpec) -> DecisionGrid {
    let points = spec.points();
    let mut ws = network.workspace(EVAL_CHUNK);
    let probabilities = network.predict_proba(&points, &mut ws);
    let classes = network.classes();
    let predicted = probabilities.chunks_exact(classes.max(1)).map(argmax).collect();
    DecisionGrid { spec, classes, probabilities, predicted }
}

/// The network's parameter tensors in storage order, as torch's `nn.Linear` has them: each
/// layer's weight matrix (torch shape outputs × inputs) then its bias vector. Adafactor factors
/// the matrices; Muon orthogonalizes them and steps the biases with AdamW.
fn param_shapes(network: &Network) -> Vec<Shape> {
    let mut shapes = Vec::with_capacity(2 * network.layers().len());
    let mut next = 0;
    for layer in network.layers() {
        if layer.weight_offset > next {
            shapes.push(Shape::Vector(layer.weight_offset - next));
        }
        shapes.push(Shape::Matrix {
            rows: layer.fan_out,
            cols: layer.fan_in,
            stored_transposed: !layer.transposed,
        });
        shapes.push(Shape::Vector(layer.fan_out));
        next = layer.end();
    }
    let total = network.params().len();
    if total > next {
        shapes.push(Shape::Vector(total - next));
    }
    // Layers always tile the parameters; should they not, one flat vector keeps the sizes right.
    if crate::optim::total_len(&shapes) == total { shapes } else { vec![Shape::Vector(total)] }
}
