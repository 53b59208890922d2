//! The 2-D run loop's fast paths (`UpdateRule::step_2d`, which `NAdam`, `RAdam`, Adafactor and
//! Muon specialise for the surfaces' 1×2 matrix) give the same bits as the general slice path
//! (`Optimizer::step` on the same shapes): every position of 3000 Rosenbrock steps, long enough
//! for `NAdam`'s ∏μ to reach the subnormals and stay there.

use optlab_core::optim::{OptimizerConfig, SURFACE};
use optlab_core::run::{self, RunConfig, Trace};
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;

const STEPS: u64 = 3000;
const START: [f64; 2] = [-1.2, 1.0];

fn parse(ron: &str) -> OptimizerConfig {
    let config: OptimizerConfig = ron::from_str(ron).expect("a valid optimizer");
    config.validate().expect("in range");
    config
}

/// The positions of `run::execute` (the monomorphized loop with `step_2d`).
fn run_loop_positions(config: &OptimizerConfig, surface: &Surface) -> Vec<[u64; 2]> {
    let run = RunConfig {
        surface: surface.clone(),
        start: START,
        optimizer: config.clone(),
        schedule: Schedule::Constant,
        steps: STEPS,
        noise_sigma: 0.0,
        seed: 0,
    };
    let mut trace = Trace::with_capacity(usize::try_from(STEPS).expect("small") + 1);
    let summary = run::execute(&run, &mut trace);
    assert_eq!(summary.outcome, run::Outcome::Finished, "{config:?}");
    trace.records().iter().map(|r| r.position.map(f64::to_bits)).collect()
}

/// The positions of the general path: the built optimizer stepped on slices.
fn slice_positions(config: &OptimizerConfig, surface: &Surface) -> Vec<[u64; 2]> {
    let mut optimizer = config.build_shaped(&[SURFACE]);
    let mut position = START;
    let mut positions = vec![position.map(f64::to_bits)];
    for _ in 0..STEPS {
        let (_, gradient) = surface.value_and_gradient(position);
        optimizer.step(&mut position, &gradient, config.lr());
        positions.push(position.map(f64::to_bits));
    }
    positions
}

#[test]
fn the_2d_fast_paths_give_the_general_paths_bits() {
    let surface = Surface::Rosenbrock { a: 1.0, b: 100.0 };
    let configs = [
        "NAdam(lr: 1e-3)",
        "NAdam(lr: 1e-3, beta1: 0.99, weight_decay: 0.01)",
        "NAdam(lr: 1e-3, beta1: 0.6, weight_decay: 0.01, decoupled_weight_decay: true)",
        "RAdam(lr: 1e-3)",
        "RAdam(lr: 1e-3, beta2: 0.9, weight_decay: 0.01, decoupled_weight_decay: true)",
        "Adafactor()",
        "Adafactor(lr: 1e-4, eps1: Some(1e-30), d: 1.5, weight_decay: 0.1)",
        "Adafactor(lr: 0.5, beta2_decay: -0.5)",
        "Muon(lr: 1e-3)",
        "Muon(lr: 1e-3, nesterov: false, weight_decay: 0.0, ns_steps: 3, adjust_lr: MatchRmsAdamW)",
    ];
    for ron in configs {
        let config = parse(ron);
        let fast = run_loop_positions(&config, &surface);
        let general = slice_positions(&config, &surface);
        assert_eq!(fast.len(), general.len(), "{ron}");
        for (step, (a, b)) in fast.iter().zip(&general).enumerate() {
            assert_eq!(a, b, "{ron}: position after {step} updates");
        }
    }
}
