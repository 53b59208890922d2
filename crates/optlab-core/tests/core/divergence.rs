//! Divergence the way a student means it: a loss 10¹² times its start (or 10¹² when the start's
//! loss is below 1) stops the run, at a definite step, in the engine and in the sweep lanes.

use optlab_core::grid::{self as sweep, Levels, lanes};
use optlab_core::optim::OptimizerConfig;
use optlab_core::run::{self, Discard, Outcome, RunConfig, Trace, divergence_loss};
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;

fn taco_sgd(lr: f64, steps: u64) -> RunConfig {
    let surface = Surface::TacoShell { condition: 100.0, angle: 30.0 };
    RunConfig {
        start: surface.default_start(),
        surface,
        optimizer: OptimizerConfig::Sgd { lr, weight_decay: 0.0 },
        schedule: Schedule::Constant,
        steps,
        noise_sigma: 0.0,
        seed: 0,
    }
}

/// The step at which the loss of SGD on the κ = 100 taco shell first passes 10¹²·f(start):
/// across the valley the coordinate v is multiplied by 1 − 100·lr each step, so the loss's v
/// part, 50·v², grows by (1 − 100·lr)² per step.
#[test]
fn sgd_above_the_stability_limit_on_the_taco_shell_diverges_at_a_definite_step() {
    let config = taco_sgd(0.021, 300);
    let mut trace = Trace::with_capacity(1000);
    let summary = run::execute(&config, &mut trace);
    let start_loss = config.surface.value(config.start);
    assert_eq!(start_loss.to_bits(), 58f64.to_bits());
    assert_eq!(summary.outcome, Outcome::Diverged { step: 146 });
    let records = trace.records();
    let last = records.last().expect("records before the divergence");
    assert_eq!(last.step, 145);
    assert!(last.loss <= divergence_loss(start_loss), "{last:?}");
    assert!(last.loss > 1e13, "the loss had grown a lot by then: {last:?}");
}

#[test]
fn sgd_below_the_stability_limit_on_the_taco_shell_does_not_diverge() {
    let summary = run::execute(&taco_sgd(0.019, 300), &mut Discard);
    assert_eq!(summary.outcome, Outcome::Finished);
    assert!(summary.last.is_some_and(|r| r.loss < 1e-2), "{summary:?}");
}

#[test]
fn the_bound_is_ten_to_the_twelve_times_the_start_loss_and_never_below_ten_to_the_twelve() {
    assert_eq!(divergence_loss(58.0).to_bits(), 5.8e13f64.to_bits());
    assert_eq!(divergence_loss(0.5).to_bits(), 1e12f64.to_bits());
    assert_eq!(divergence_loss(0.0).to_bits(), 1e12f64.to_bits());
    assert_eq!(divergence_loss(-3.0).to_bits(), 1e12f64.to_bits());
}

/// A surface with negative values (a start loss below zero): the bound is 10¹², and a run that
/// descends towards −∞ is stopped by the coordinate box, not by the loss bound.
#[test]
fn a_start_below_zero_uses_ten_to_the_twelve() {
    let config = RunConfig {
        surface: Surface::Saddle,
        start: [0.0, 0.0],
        optimizer: OptimizerConfig::Sgd { lr: 0.1, weight_decay: 0.0 },
        schedule: Schedule::Constant,
        steps: 50,
        noise_sigma: 0.0,
        seed: 0,
    };
    // At the saddle point itself the gradient is zero: nothing moves, nothing diverges.
    assert_eq!(run::execute(&config, &mut Discard).outcome, Outcome::Finished);
    let wall = RunConfig {
        start: [0.0, -1.2],
        optimizer: OptimizerConfig::Sgd { lr: 1.5, weight_decay: 0.0 },
        ..config
    };
    let start_loss = wall.surface.value(wall.start);
    assert!(start_loss < 0.0, "{start_loss}");
    let Outcome::Diverged { step } = run::execute(&wall, &mut Discard).outcome else {
        panic!("lr 1.5 throws the run up the quartic wall")
    };
    assert!(step > 0);
}

#[test]
fn lanes_stop_where_the_engine_stops_when_the_loss_passes_the_bound() {
    let mut configs = vec![taco_sgd(0.021, 300), taco_sgd(0.019, 300), taco_sgd(0.0205, 300)];
    configs.push(RunConfig {
        optimizer: OptimizerConfig::Momentum {
            lr: 0.04,
            momentum: 0.9,
            dampening: 0.0,
            weight_decay: 0.0,
        },
        ..taco_sgd(0.0, 300)
    });
    let cells = lanes::run_chunk(&configs, &Levels::default());
    assert_eq!(cells[0].diverged_at, Some(146));
    assert_eq!(cells[1].diverged_at, None);
    assert!(cells[2].diverged_at.is_some() && cells[3].diverged_at.is_some(), "{cells:?}");
    for (cell, config) in cells.iter().zip(&configs) {
        let engine = sweep::run_one(config, &Levels::default());
        assert_eq!(cell.diverged_at, engine.diverged_at, "{config:?}");
        assert_eq!(cell.final_loss.to_bits(), engine.final_loss.to_bits(), "{config:?}");
        assert_eq!(cell.best_loss.to_bits(), engine.best_loss.to_bits(), "{config:?}");
    }
}

/// A finite loss with a non-finite gradient (`sqrt(x) + sqrt(y)` where x or y is 0) diverges
/// there, in the lanes as in the engine, whichever coordinate's gradient it is.
#[test]
fn lanes_stop_where_the_gradient_is_not_finite() {
    use optlab_core::expr::Formula;
    let surface = Surface::Expression(Formula::new("sqrt(x) + sqrt(y)").expect("a formula"));
    let config = |start| RunConfig {
        surface: surface.clone(),
        start,
        optimizer: OptimizerConfig::Sgd { lr: 0.1, weight_decay: 0.0 },
        ..taco_sgd(0.1, 20)
    };
    let configs = [config([0.0, 1.0]), config([1.0, 0.0]), config([1.0, 1.0])];
    let cells = lanes::run_chunk(&configs, &Levels::default());
    assert_eq!(cells[0].diverged_at, Some(0), "{:?}", cells[0]);
    assert_eq!(cells[1].diverged_at, Some(0), "{:?}", cells[1]);
    for (cell, config) in cells.iter().zip(&configs) {
        let engine = sweep::run_one(config, &Levels::default());
        assert_eq!(cell.diverged_at, engine.diverged_at, "{config:?}");
        assert_eq!(cell.final_loss.to_bits(), engine.final_loss.to_bits(), "{config:?}");
        assert_eq!(cell.end.map(f64::to_bits), engine.end.map(f64::to_bits), "{config:?}");
    }
}
