//! Engine benchmarks (see the comment below).
//! Engine throughput: optimizer steps per second on 2-D Rosenbrock (the run loop, as the app and
//! `optlab trace` use it) and on a 1000-parameter diagonal quadratic (the optimizer alone, as a
//! network uses it). Run with `cargo bench --bench engine`; divan prints items/s = steps/s.

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use optlab_core::optim::OptimizerConfig;
use optlab_core::run::{self, Discard, RunConfig, Trace};
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;

fn main() {
    divan::main();
}

const STEPS_2D: u64 = 200_000;
const PARAMS: usize = 1000;
const STEPS_ND: u64 = 200;

fn optimizers() -> Vec<OptimizerConfig> {
    OptimizerConfig::catalogue()
}

fn names() -> Vec<&'static str> {
    optimizers().iter().map(OptimizerConfig::name).collect()
}

/// The optimizers that step from a gradient alone (not L-BFGS, which needs loss values).
fn gradient_names() -> Vec<&'static str> {
    optimizers()
        .iter()
        .filter(|c| c.lbfgs_settings().is_none())
        .map(OptimizerConfig::name)
        .collect()
}

fn config_named(name: &str) -> OptimizerConfig {
    let mut config =
        optimizers().into_iter().find(|c| c.name() == name).expect("a catalogue optimizer");
    // Small enough that no optimizer diverges on Rosenbrock within the benchmark.
    config.set_lr(1e-4);
    config
}

fn rosenbrock_run(optimizer: OptimizerConfig) -> RunConfig {
    RunConfig {
        surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
        start: [-1.2, 1.0],
        optimizer,
        schedule: Schedule::Constant,
        steps: STEPS_2D,
        noise_sigma: 0.0,
        seed: 0,
    }
}

/// The bare engine: every step computed, nothing stored.
#[divan::bench(args = names())]
fn rosenbrock_2d(bencher: Bencher, name: &str) {
    let config = rosenbrock_run(config_named(name));
    bencher.counter(ItemsCount::new(STEPS_2D)).bench(|| {
        let summary = run::execute(black_box(&config), &mut Discard);
        assert!(matches!(summary.outcome, run::Outcome::Finished), "{name} diverged");
        summary.last
    });
}

/// As the app runs it: the decimating trace kept for drawing.
#[divan::bench]
fn rosenbrock_2d_adam_with_trace(bencher: Bencher) {
    let config = rosenbrock_run(config_named("Adam"));
    bencher.counter(ItemsCount::new(STEPS_2D)).bench(|| {
        let mut trace = Trace::with_capacity(20_000);
        run::execute(black_box(&config), &mut trace);
        trace
    });
}

/// 1000 parameters of ½Σaᵢxᵢ² − bᵢxᵢ; items are parameter updates (steps × 1000).
#[divan::bench(args = gradient_names())]
fn quadratic_1000d(bencher: Bencher, name: &str) {
    let config = config_named(name);
    let curvature: Vec<f64> = (0..PARAMS).map(|i| 1.0 + (i % 17) as f64).collect();
    let target: Vec<f64> = (0..PARAMS).map(|i| ((i % 7) as f64) - 3.0).collect();
    bencher.counter(ItemsCount::new(STEPS_ND * PARAMS as u64)).bench(|| {
        let mut optimizer = config.build(PARAMS);
        let mut params = vec![1.0; PARAMS];
        let mut grad = vec![0.0; PARAMS];
        for _ in 0..STEPS_ND {
            for ((g, p), (a, b)) in grad.iter_mut().zip(&params).zip(curvature.iter().zip(&target))
            {
                *g = a * p - b;
            }
            optimizer.step(&mut params, &grad, 1e-4);
        }
        params
    });
}
