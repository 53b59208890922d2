//! Sharpness benchmark: λmax by 20 power iterations of exact Hessian-vector products on the
//! net of `../shared/bench/sharpness_jax.py` (the course's spiral, 3 × 100 points; 2 → 64 →
//! 64 → 3 tanh MLP, squared error, `LeCun` normal init, float64), the forward and backward pass
//! included as in JAX's jitted `lam_max`; and, for the cost of tracking sharpness during
//! training, one full-batch SGD epoch of the same net and one warm-started λmax of 20
//! iterations. Run with `cargo bench --bench sharpness`.

use divan::{Bencher, black_box};
use optlab_core::optim::OptimizerConfig;
use optlab_core::train::hessian::HessianWorkspace;
use optlab_core::train::model::{ModelConfig, WeightInit};
use optlab_core::train::sharpness::PowerIteration;
use optlab_core::train::{Activation, DatasetConfig, LossFunction, Trainer, TrainingConfig};

fn main() {
    divan::main();
}

fn model() -> ModelConfig {
    ModelConfig::Mlp { hidden: vec![64, 64], dropout_keep: 1.0, dropconnect_keep: 1.0 }
}

fn config() -> TrainingConfig {
    TrainingConfig {
        dataset: DatasetConfig::Spiral { classes: 3, points_per_class: 100, noise: 0.2 },
        validation_fraction: 0.0,
        model: model(),
        init: WeightInit::LecunNormal,
        activation: Activation::Tanh,
        loss: LossFunction::SquaredError,
        l2: 0.0,
        optimizer: OptimizerConfig::Sgd { lr: 0.2, weight_decay: 0.0 },
        batch_size: 300,
        epochs: 1_000_000,
        ..TrainingConfig::default()
    }
}

/// 20 power iterations from a fixed start, with the forward and backward pass.
#[divan::bench]
fn lambda_max_20_power_iterations(bencher: Bencher) {
    let trainer = Trainer::new(&config()).expect("valid config");
    let network = trainer.network().clone();
    let data = trainer.train_data().clone();
    let mut hessian = HessianWorkspace::new(&network, &model(), &data.x, &data.y).expect("plan");
    let start = PowerIteration::new(network.params().len(), 0);
    bencher.bench_local(|| {
        hessian.prepare(black_box(network.params()));
        start.clone().run(&mut hessian, 20)
    });
}

/// One epoch (one full-batch SGD update and the epoch's statistics) of the same net.
#[divan::bench]
fn full_batch_epoch(bencher: Bencher) {
    let mut trainer = Trainer::new(&config()).expect("valid config");
    bencher.bench_local(|| trainer.epoch());
}

/// A single Hessian-vector product at prepared parameters.
#[divan::bench]
fn one_product(bencher: Bencher) {
    let trainer = Trainer::new(&config()).expect("valid config");
    let network = trainer.network().clone();
    let data = trainer.train_data().clone();
    let mut hessian = HessianWorkspace::new(&network, &model(), &data.x, &data.y).expect("plan");
    hessian.prepare(network.params());
    let v = PowerIteration::new(network.params().len(), 7);
    let mut hv = vec![0.0; v.vector().len()];
    bencher.bench_local(|| hessian.product(black_box(v.vector()), &mut hv));
}
