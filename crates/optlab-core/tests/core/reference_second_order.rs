//! Newton and saddle-free Newton against `tests/data/vectors-second-order-public.json` (numpy
//! float64 with exact Hessians): every case runs through the run engine on its `ron_surface`,
//! each step within 1e-10·max(1, |x|) of numpy's. Plus the behaviour the lecture cites: plain
//! Newton is attracted to a saddle, saddle-free Newton escapes it, a singular step is a
//! divergence at its step.

use std::ops::ControlFlow;
use std::sync::LazyLock;

use optlab_core::optim::OptimizerConfig;
use optlab_core::run::{Outcome, RunConfig, StepRecord, TraceSink, execute};
use optlab_core::schedule::Schedule;
use serde_json::Value;

/// `meta.conventions`: params 1e-10·max(1, |x|).
const TOLERANCE: f64 = 1e-10;

static VECTORS: LazyLock<Value> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors-second-order-public.json");
    let text = std::fs::read_to_string(path).expect("reference vectors are part of the repository");
    serde_json::from_str(&text).expect("reference vectors are valid JSON")
});

/// Every record, in step order.
#[derive(Default)]
struct Every(Vec<StepRecord>);

impl TraceSink for Every {
    fn record(&mut self, record: &StepRecord) -> ControlFlow<()> {
        self.0.push(*record);
        ControlFlow::Continue(())
    }
}

fn numbers(value: &Value) -> Vec<f64> {
    value.as_array().expect("an array").iter().map(|n| n.as_f64().expect("a number")).collect()
}

fn run(surface: &str, optimizer: &str, start: [f64; 2], steps: u64) -> (Vec<StepRecord>, Outcome) {
    let config = RunConfig {
        surface: ron::from_str(surface).expect("surface"),
        start,
        optimizer: ron::from_str(optimizer).expect("optimizer"),
        schedule: Schedule::Constant,
        steps,
        noise_sigma: 0.0,
        seed: 0,
    };
    config.validate().expect("valid config");
    let mut every = Every::default();
    let summary = execute(&config, &mut every);
    (every.0, summary.outcome)
}

fn check_case(case: &Value) {
    let id = case["id"].as_str().expect("id");
    let start = numbers(&case["x0"]);
    let (rows, outcome) = run(
        case["ron_surface"].as_str().expect("ron_surface"),
        case["ron_optimizer"].as_str().expect("ron_optimizer"),
        [start[0], start[1]],
        case["steps"].as_u64().expect("steps"),
    );
    assert_eq!(outcome, Outcome::Finished, "{id}");
    let expected = case["params"].as_array().expect("params");
    assert_eq!(rows.len(), expected.len() + 1, "{id}: rows");
    for (row, theirs) in rows[1..].iter().zip(expected) {
        for (a, b) in row.position.iter().zip(numbers(theirs)) {
            let allowed = TOLERANCE * b.abs().max(1.0);
            assert!((a - b).abs() <= allowed, "{id} step {}: ours {a:e}, numpy {b:e}", row.step);
        }
    }
    for (row, lr) in rows.iter().zip(numbers(&case["lr_used"])) {
        assert!((row.lr - lr).abs() <= 1e-12 * lr.abs(), "{id}: lr of row {}", row.step);
    }
}

#[test]
fn every_public_second_order_case_matches_numpy() {
    let cases = VECTORS["optimizers"].as_array().expect("optimizers is a list");
    assert!(cases.len() >= 5, "the public file has five cases");
    for case in cases {
        check_case(case);
    }
}

#[test]
fn the_rons_take_the_contract_defaults() {
    let newton: OptimizerConfig = ron::from_str("Newton()").expect("bare Newton");
    assert_eq!(newton, OptimizerConfig::Newton { lr: 1.0, damping: 0.0 });
    let free: OptimizerConfig = ron::from_str("SaddleFreeNewton(damping: 0.5)").expect("sfn");
    assert_eq!(free, OptimizerConfig::SaddleFreeNewton { lr: 1.0, damping: 0.5 });
    let refused = ron::from_str::<OptimizerConfig>("Newton(damping: -1.0)").unwrap_err();
    assert!(refused.to_string().contains("damping"), "{refused}");
}

#[test]
fn newton_converges_to_the_saddle_and_saddle_free_newton_escapes_it() {
    let saddle = "Expression(\"5*x^2 - y^2\")";
    let (newton, _) = run(saddle, "Newton()", [1.0, 0.1], 5);
    let end = newton.last().expect("rows").position;
    assert!(end[0].abs() < 1e-12 && end[1].abs() < 1e-12, "Newton ends at the saddle: {end:?}");
    let (free, _) = run(saddle, "SaddleFreeNewton()", [1.0, 0.1], 5);
    let end = free.last().expect("rows").position;
    assert!(end[1].abs() > 1.0, "saddle-free Newton moves away along y: {end:?}");
    assert!(free.last().expect("rows").loss < -1.0, "and downhill");
}

#[test]
fn a_singular_hessian_is_a_divergence_at_its_step() {
    // A plane has H = 0: the first Newton step divides by a zero determinant.
    let (_, outcome) = run("Expression(\"x + y\")", "Newton()", [0.5, 0.5], 10);
    assert_eq!(outcome, Outcome::Diverged { step: 1 });
}

#[test]
fn damping_turns_newton_into_a_short_gradient_step() {
    // With δ ≫ |H| the step (H + δI)⁻¹∇L ≈ ∇L/δ: a gradient step of size η/δ.
    let (rows, _) = run("Expression(\"x^2 + y^2\")", "Newton(damping: 1e6)", [1.0, 1.0], 1);
    let moved = rows[1].position;
    let gradient_step = 1.0 - 2.0 / (2.0 + 1e6);
    assert!((moved[0] - gradient_step).abs() < 1e-15, "{moved:?}");
}

#[test]
fn a_sweep_over_damping_reaches_the_newton_rule() {
    use optlab_core::entries::sweep::SweepLab;
    use optlab_core::grid::{self, SweepAxis, SweepField};
    let lab = SweepLab {
        surface: ron::from_str("Rosenbrock(a: 1.0, b: 100.0)").expect("surface"),
        start: Some([-1.2, 1.0]),
        steps: 10,
        optimizer: OptimizerConfig::Newton { lr: 1.0, damping: 0.0 },
        x: SweepAxis { field: SweepField::Damping, from: 0.0, to: 10.0, count: 3, log: false },
        y: SweepAxis { field: SweepField::Lr, from: 0.5, to: 1.0, count: 2, log: false },
        ..SweepLab::default()
    };
    lab.validate().expect("valid");
    let cells = grid::compute_cells(&lab.configs().expect("Newton has both fields"), &lab.levels());
    // Row lr = 1: no damping reaches (1, 1) within 10 steps; δ = 10 is still on its way.
    let (undamped, damped) = (cells[3], cells[5]);
    assert!(undamped.final_loss < 1e-20, "{undamped:?}");
    assert!(damped.final_loss > 1e-6, "{damped:?}");
    // Adam has no damping: the sweep refuses it, naming the optimizer.
    let adam = SweepLab { optimizer: OptimizerConfig::catalogue()[6].clone(), ..lab };
    let error = adam.configs().expect_err("Adam has no damping");
    assert!(error.contains("Adam has no Newton's damping δ"), "{error}");
}
