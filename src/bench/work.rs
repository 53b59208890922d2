//! The work `optlab bench --compare` times on optlab's side: the 100 × 100 Momentum and Adam
//! sweeps on Rosenbrock, one full-batch step of the course's spiral net, and λmax by 20 power
//! iterations of Hessian-vector products — each the same work as its Python anchor in
//! `benches/anchors.py`, timed in this process (as JAX's steady state is timed in its own).

use std::hint::black_box;
use std::time::Instant;

use optlab_core::entries::sweep::SweepLab;
use optlab_core::grid::{self as sweep, SweepAxis, SweepField};
use optlab_core::optim::OptimizerConfig;
use optlab_core::run::RunConfig;
use optlab_core::surface::Surface;
use optlab_core::train::hessian::HessianWorkspace;
use optlab_core::train::model::{Draw, ModelConfig, WeightInit};
use optlab_core::train::sharpness::PowerIteration;
use optlab_core::train::{Activation, DatasetConfig, LossFunction, Trainer, TrainingConfig};

/// One piece of compared work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// lr (log 1e-5…1e-2, rows) × momentum (0…0.99, columns), 1000 steps from (−1.2, 1).
    MomentumSweep,
    /// lr (log 1e-4…1e-1, rows) × β₁ (0…0.99, columns), bias-corrected Adam, 1000 steps.
    AdamSweep,
    /// One full-batch SGD step of the 2 → 100 → 3 relu net on 300 spiral points.
    SpiralStep,
    /// λmax of the 2 → 64 → 64 → 3 tanh net (squared error) by 20 power iterations.
    Sharpness,
}

impl Work {
    /// Every piece, in the report's order.
    pub const ALL: [Self; 4] =
        [Self::MomentumSweep, Self::AdamSweep, Self::SpiralStep, Self::Sharpness];

    /// The name `benches/anchors.py` takes and the report prints.
    pub fn name(self) -> &'static str {
        match self {
            Self::MomentumSweep => "momentum_sweep",
            Self::AdamSweep => "adam_sweep",
            Self::SpiralStep => "spiral_step",
            Self::Sharpness => "sharpness",
        }
    }

    /// Timed repeats per round, the same on both sides (λmax is short, and its first repeats
    /// run slower while the threads and caches warm up: 20, as `sharpness_jax.py` takes).
    pub fn repeats(self) -> usize {
        match self {
            Self::Sharpness => 20,
            _ => 5,
        }
    }

    /// The Python anchors it is compared with (numpy has no automatic differentiation).
    pub fn backends(self) -> &'static [&'static str] {
        match self {
            Self::Sharpness => &["jax"],
            _ => &["numpy", "jax"],
        }
    }
}

/// A sweep's runs in the anchors' order (row = lr, column = the other field), with their lr and
/// other value as the anchor reads them.
pub struct Grid {
    /// The runs, row by row.
    pub configs: Vec<RunConfig>,
    /// Per run: (lr, momentum or β₁).
    pub values: Vec<(f64, f64)>,
    /// Updates per run.
    pub steps: u64,
}

/// The sweep of `work` as the app builds it (`None` for the other work).
pub fn lab(work: Work, quick: bool) -> Option<SweepLab> {
    let (side, steps) = if quick { (32, 100) } else { (100, 1000) };
    let (optimizer, field, lr_from) = match work {
        Work::MomentumSweep => (
            OptimizerConfig::Momentum {
                lr: 1e-3,
                momentum: 0.9,
                dampening: 0.0,
                weight_decay: 0.0,
            },
            SweepField::Momentum,
            1e-5,
        ),
        Work::AdamSweep => (
            OptimizerConfig::Adam {
                lr: 1e-3,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                bias_correction: true,
                amsgrad: false,
                weight_decay: 0.0,
            },
            SweepField::Beta1,
            1e-4,
        ),
        Work::SpiralStep | Work::Sharpness => return None,
    };
    Some(SweepLab {
        surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
        start: Some([-1.2, 1.0]),
        steps,
        optimizer,
        x: SweepAxis { field, from: 0.0, to: 0.99, count: side, log: false },
        y: SweepAxis {
            field: SweepField::Lr,
            from: lr_from,
            to: lr_from * 1e3,
            count: side,
            log: true,
        },
        ..SweepLab::default()
    })
}

/// The runs of [`lab`] (`None` for work that is not a sweep).
pub fn grid(work: Work, quick: bool) -> Option<Grid> {
    let lab = lab(work, quick)?;
    let configs = lab.configs().ok()?;
    let values = configs.iter().map(|c| (c.optimizer.lr(), swept_value(&c.optimizer))).collect();
    Some(Grid { configs, values, steps: lab.steps })
}

/// The momentum or β₁ of a swept run.
fn swept_value(optimizer: &OptimizerConfig) -> f64 {
    match *optimizer {
        OptimizerConfig::Momentum { momentum, .. } => momentum,
        OptimizerConfig::Adam { beta1, .. } => beta1,
        _ => f64::NAN,
    }
}

/// Median seconds of `repeats` sweeps of `grid` on every core, and its runs' final losses.
pub fn sweep_seconds(grid: &Grid, repeats: usize) -> (f64, Vec<f64>) {
    let levels = sweep::Levels::default();
    let cells = sweep::compute_cells(&grid.configs, &levels);
    let seconds = median_of(repeats, || {
        black_box(sweep::compute_cells(&grid.configs, &levels));
    });
    (seconds, cells.iter().map(|c| c.final_loss).collect())
}

/// Median seconds per step of `iterations` full-batch SGD steps (lr 1, L2 1e-3) of the course's
/// spiral net (2 → 100 → 3, relu, softmax) from its 0.01-scaled normal init, as the anchor's
/// loop of jitted steps; `None` if the net could not be built (its configuration is fixed).
pub fn spiral_step_seconds(quick: bool, repeats: usize) -> Option<f64> {
    let iterations = if quick { 100 } else { 1000 };
    let model = ModelConfig::Mlp { hidden: vec![100], dropout_keep: 1.0, dropconnect_keep: 1.0 };
    let config = TrainingConfig {
        dataset: DatasetConfig::Spiral { classes: 3, points_per_class: 100, noise: 0.2 },
        validation_fraction: 0.0,
        model,
        init: WeightInit::Normal { std: 0.01 },
        activation: Activation::Relu,
        loss: LossFunction::CrossEntropy,
        l2: 1e-3,
        batch_size: 300,
        ..TrainingConfig::default()
    };
    let trainer = Trainer::new(&config).ok()?;
    let points = trainer.train_data();
    let sgd = OptimizerConfig::Sgd { lr: 1.0, weight_decay: 0.0 };
    let draw = Draw::default();
    let seconds = median_of(repeats, || {
        let mut network = trainer.network().clone();
        let mut optimizer = sgd.build(network.params().len());
        let mut workspace = network.workspace(points.x.len());
        let mut grad = vec![0.0; network.params().len()];
        for _ in 0..iterations {
            let params = network.params();
            network.loss_and_gradient(
                params,
                &points.x,
                &points.y,
                &draw,
                &mut workspace,
                &mut grad,
            );
            optimizer.step(network.params_mut(), &grad, 1.0);
        }
        black_box(network.params());
    });
    Some(seconds / f64::from(iterations))
}

/// Median seconds of λmax by 20 power iterations (forward and backward pass included, as in
/// the anchor's jitted `lam_max`) at the tanh net's LeCun-normal init; `None` if the net could
/// not be built (it always can: the configuration is fixed).
pub fn sharpness_seconds(repeats: usize) -> Option<f64> {
    let model = ModelConfig::Mlp { hidden: vec![64, 64], dropout_keep: 1.0, dropconnect_keep: 1.0 };
    let config = TrainingConfig {
        dataset: DatasetConfig::Spiral { classes: 3, points_per_class: 100, noise: 0.2 },
        validation_fraction: 0.0,
        model: model.clone(),
        init: WeightInit::LecunNormal,
        activation: Activation::Tanh,
        loss: LossFunction::SquaredError,
        l2: 0.0,
        batch_size: 300,
        ..TrainingConfig::default()
    };
    let trainer = Trainer::new(&config).ok()?;
    let network = trainer.network();
    let data = trainer.train_data();
    let mut hessian = HessianWorkspace::new(network, &model, &data.x, &data.y)?;
    let start = PowerIteration::new(network.params().len(), 0);
    Some(median_of(repeats, || {
        hessian.prepare(black_box(network.params()));
        black_box(start.clone().run(&mut hessian, 20));
    }))
}

/// Median wall-clock seconds of `repeats` calls of `work` after one warm-up call.
fn median_of(repeats: usize, mut work: impl FnMut()) -> f64 {
    work();
    let mut seconds: Vec<f64> = (0..repeats.max(1))
        .map(|_| {
            let begin = Instant::now();
            work();
            begin.elapsed().as_secs_f64()
        })
        .collect();
    seconds.sort_by(f64::total_cmp);
    seconds[seconds.len() / 2]
}
