//! Properties of L-BFGS (issue 16) that hold for any input: strong Wolfe finishes a quadratic
//! in a few steps, the evaluations of a step stay within PyTorch's budget, `max_iter: 1` with
//! `max_eval: None` leaves the line search no trial beyond its first, and the RON defaults.

use optlab_core::optim::{Optimizer, OptimizerConfig};
use optlab_core::run::{Discard, RunConfig, execute};
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;
use proptest::prelude::*;

fn lbfgs(max_iter: u32, max_eval: Option<u32>, strong_wolfe: bool) -> OptimizerConfig {
    OptimizerConfig::Lbfgs {
        lr: 1.0,
        max_iter,
        max_eval,
        tolerance_grad: 1e-7,
        tolerance_change: 1e-9,
        history_size: 100,
        strong_wolfe,
    }
}

/// ½(x − m)ᵀH(x − m) with gradient H(x − m); returns the loss (0 at the minimum m, so loss
/// comparisons keep their precision near it).
fn quadratic(h: [[f64; 2]; 2], m: [f64; 2]) -> impl FnMut(&[f64], &mut [f64]) -> f64 {
    move |p, g| {
        let e = [p[0] - m[0], p[1] - m[1]];
        g[0] = h[0][0] * e[0] + h[0][1] * e[1];
        g[1] = h[1][0] * e[0] + h[1][1] * e[1];
        0.5 * (e[0] * g[0] + e[1] * g[1])
    }
}

/// The Rosenbrock function (a = 1, b = 100) with its gradient.
fn rosenbrock(p: &[f64], g: &mut [f64]) -> f64 {
    let (x, y) = (p[0], p[1]);
    g[0] = -400.0 * x * (y - x * x) - 2.0 * (1.0 - x);
    g[1] = 200.0 * (y - x * x);
    100.0 * (y - x * x).powi(2) + (1.0 - x).powi(2)
}

fn evaluations(optimizer: &Optimizer) -> u32 {
    let Optimizer::Lbfgs(rule) = optimizer else { panic!("an L-BFGS optimizer") };
    rule.evaluations_last_step()
}

proptest! {
    /// On a 2-D quadratic (any SPD Hessian with condition up to 100) strong Wolfe reaches the
    /// minimum to 1e-10 within three steps, once the tolerances let it finish (PyTorch's
    /// default `tolerance_change` stops where ∇L·d > −1e-9, short of 1e-10).
    #[test]
    fn strong_wolfe_reaches_a_quadratics_minimum_in_a_few_steps(
        eigen in (0.1..10.0f64, 0.1..10.0f64),
        angle in 0.0..std::f64::consts::PI,
        minimum in (-5.0..5.0f64, -5.0..5.0f64),
        start in (-5.0..5.0f64, -5.0..5.0f64),
    ) {
        let (cos, sin) = (angle.cos(), angle.sin());
        let h = [
            [eigen.0 * cos * cos + eigen.1 * sin * sin, (eigen.0 - eigen.1) * cos * sin],
            [(eigen.0 - eigen.1) * cos * sin, eigen.0 * sin * sin + eigen.1 * cos * cos],
        ];
        let minimum = [minimum.0, minimum.1];
        let config = OptimizerConfig::Lbfgs {
            lr: 1.0,
            max_iter: 20,
            max_eval: None,
            tolerance_grad: 1e-13,
            tolerance_change: 1e-30,
            history_size: 100,
            strong_wolfe: true,
        };
        let mut optimizer = config.build(2);
        let mut objective = quadratic(h, minimum);
        let mut p = [start.0, start.1];
        for _ in 0..3 {
            optimizer.step_with_objective(&mut p, 1.0, &mut objective);
        }
        for (x, m) in p.iter().zip(minimum) {
            prop_assert!((x - m).abs() <= 1e-10 * m.abs().max(1.0), "{p:?} vs {minimum:?}");
        }
    }

    /// PyTorch checks the budget after an iteration's evaluations, so a step may pass
    /// `max_eval` by one: without a line search the first iteration re-evaluates even when
    /// `max_eval` is 1 (at most max(max_eval, 2)); with strong Wolfe the search gets
    /// `max_ls = max_eval − evaluations so far` trials after its first (at most max_eval + 1).
    #[test]
    fn evaluations_per_step_stay_within_pytorchs_budget(
        max_iter in 1..40_u32,
        max_eval in prop::option::of(1..60_u32),
        strong_wolfe in any::<bool>(),
        start in (-2.0..2.0f64, -1.0..3.0f64),
        lr in 0.01..2.0f64,
    ) {
        let config = lbfgs(max_iter, max_eval, strong_wolfe);
        let budget = max_eval.unwrap_or(max_iter * 5 / 4);
        let mut optimizer = config.build(2);
        let mut p = [start.0, start.1];
        for _ in 0..5 {
            let mut counted = 0_u32;
            let mut objective = |q: &[f64], g: &mut [f64]| {
                counted += 1;
                rosenbrock(q, g)
            };
            optimizer.step_with_objective(&mut p, lr, &mut objective);
            prop_assert_eq!(counted, evaluations(&optimizer));
            let allowed = if strong_wolfe { budget + 1 } else { budget.max(2) };
            prop_assert!(counted <= allowed, "{} evaluations, budget {}", counted, budget);
        }
    }
}

/// `max_iter: 1` with `max_eval: None` gives a budget of 1 evaluation, spent on the step's
/// first: the strong-Wolfe search gets `max_ls = 0`, evaluates its first trial and refines
/// nothing. It returns the better of t = 0 and that trial, so the step stays put when the
/// trial is not lower and moves exactly to the trial point otherwise.
#[test]
fn max_iter_one_leaves_the_line_search_only_its_first_trial() {
    let h = [[3.0, 0.5], [0.5, 1.0]];
    let mut objective = quadratic(h, [1.0, -2.0]);
    let start = [2.0, -1.5];
    let mut g = [0.0; 2];
    let f0 = objective(&start, &mut g);
    // A huge lr overshoots: the trial's loss is higher, so the step does not move.
    let mut overshoot = lbfgs(1, None, true).build(2);
    let mut p = start;
    overshoot.step_with_objective(&mut p, 100.0, &mut objective);
    #[expect(clippy::float_cmp, reason = "not moving means the very same numbers")]
    let unmoved = p == start;
    assert!(unmoved, "the step must not move: {p:?}");
    assert_eq!(evaluations(&overshoot), 2, "the step's evaluation and the search's one trial");
    // lr 0.5: the trial t = 0.5/‖g‖₁ along −g is lower, and it is taken as it is.
    let mut modest = lbfgs(1, None, true).build(2);
    let mut p = start;
    modest.step_with_objective(&mut p, 0.5, &mut objective);
    let t = 0.5 / (g[0].abs() + g[1].abs());
    let trial = [start[0] - t * g[0], start[1] - t * g[1]];
    #[expect(clippy::float_cmp, reason = "the trial point is taken as it is, bit for bit")]
    let at_trial = p == trial;
    assert!(at_trial, "{p:?} vs the trial {trial:?}");
    assert!(objective(&p, &mut [0.0; 2]) < f0);
    assert_eq!(evaluations(&modest), 2);
}

#[test]
fn bare_lbfgs_takes_pytorchs_defaults() {
    let parsed: OptimizerConfig = ron::from_str("Lbfgs()").expect("Lbfgs() parses");
    assert_eq!(parsed, lbfgs(20, None, false));
    let given: OptimizerConfig =
        ron::from_str("Lbfgs(max_eval: Some(10), strong_wolfe: true)").expect("parses");
    assert_eq!(given, lbfgs(20, Some(10), true));
    for bad in ["Lbfgs(max_iter: 0)", "Lbfgs(history_size: 0)", "Lbfgs(max_eval: Some(0))"] {
        let error = ron::from_str::<OptimizerConfig>(bad).expect_err(bad).to_string();
        assert!(error.contains("out of range"), "{bad}: {error}");
    }
}

#[test]
fn the_run_engine_steps_lbfgs_through_the_surface() {
    let config = RunConfig {
        surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
        start: [-1.2, 1.0],
        optimizer: lbfgs(20, None, true),
        schedule: Schedule::Constant,
        steps: 60,
        noise_sigma: 0.0,
        seed: 0,
    };
    let summary = execute(&config, &mut Discard);
    let last = summary.last.expect("a finite run");
    assert!((last.position[0] - 1.0).abs() < 1e-3 && (last.position[1] - 1.0).abs() < 1e-3);
}

/// Sweeps and basin maps run L-BFGS cell by cell through the run engine (the lane kernel
/// takes only the SGD family): every cell is the run `execute` computes, and the lr sweeps.
#[test]
fn a_grid_of_lbfgs_runs_is_the_engines_runs() {
    use optlab_core::grid::{self, Levels, SweepField};
    let levels = Levels { reached: 1e-6, ..Levels::default() };
    let configs: Vec<RunConfig> = [0.25, 0.5, 1.0, 2.0]
        .into_iter()
        .map(|lr| {
            let mut config = RunConfig {
                surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
                start: [-1.2, 1.0],
                optimizer: lbfgs(20, None, true),
                schedule: Schedule::Constant,
                steps: 30,
                noise_sigma: 0.0,
                seed: 0,
            };
            SweepField::Lr.apply(&mut config, lr).expect("L-BFGS sweeps its lr");
            config
        })
        .collect();
    let cells = grid::compute_cells(&configs, &levels);
    for (cell, config) in cells.iter().zip(&configs) {
        assert_eq!(cell, &grid::run_one(config, &levels));
    }
    assert!(cells.iter().all(|cell| cell.reached_at.is_some()), "{cells:?}");
    let mut config = configs[0].clone();
    assert!(SweepField::Momentum.apply(&mut config, 0.5).is_err(), "L-BFGS has no momentum");
}
