//! L-BFGS against `tests/data/vectors-torch-public.json` (float64 PyTorch, `optimizer.step(closure)`
//! per row): every case whose `ron_optimizer` is `Lbfgs(…)` runs through the run engine on its
//! `ron_surface`, and each step's position must be within 1e-10·max(1, |x|) of PyTorch's.

use std::ops::ControlFlow;
use std::sync::LazyLock;

use optlab_core::optim::OptimizerConfig;
use optlab_core::run::{RunConfig, StepRecord, TraceSink, execute};
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;
use serde_json::Value;

/// `meta.conventions.tolerance`: params 1e-10·max(1, |x|).
const TOLERANCE: f64 = 1e-10;

static VECTORS: LazyLock<Value> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors-torch-public.json");
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

fn lbfgs_cases() -> Vec<&'static Value> {
    let cases = VECTORS["optimizers"].as_array().expect("optimizers is a list");
    cases
        .iter()
        .filter(|case| case["ron_optimizer"].as_str().is_some_and(|o| o.starts_with("Lbfgs")))
        .collect()
}

fn numbers(value: &Value) -> Vec<f64> {
    value.as_array().expect("an array").iter().map(|n| n.as_f64().expect("a number")).collect()
}

fn check_case(case: &Value) {
    let id = case["id"].as_str().expect("id");
    assert!(case["ron_schedule"].is_null(), "{id}: schedules belong to issue 13");
    let optimizer: OptimizerConfig =
        ron::from_str(case["ron_optimizer"].as_str().expect("ron_optimizer")).expect(id);
    let surface: Surface =
        ron::from_str(case["ron_surface"].as_str().expect("ron_surface")).expect(id);
    let start = numbers(&case["x0"]);
    let steps = case["steps"].as_u64().expect("steps");
    let config = RunConfig {
        surface,
        start: [start[0], start[1]],
        optimizer,
        schedule: Schedule::Constant,
        steps,
        noise_sigma: 0.0,
        seed: 0,
    };
    config.validate().expect(id);
    let mut every = Every::default();
    execute(&config, &mut every);
    let expected = case["params"].as_array().expect("params");
    assert_eq!(every.0.len(), expected.len() + 1, "{id}: rows");
    for (row, theirs) in every.0[1..].iter().zip(expected) {
        for (a, b) in row.position.iter().zip(numbers(theirs)) {
            let allowed = TOLERANCE * b.abs().max(1.0);
            assert!((a - b).abs() <= allowed, "{id} step {}: ours {a:e}, torch {b:e}", row.step);
        }
    }
    for (row, lr) in every.0.iter().zip(numbers(&case["lr_used"])) {
        assert!((row.lr - lr).abs() <= 1e-12 * lr.abs(), "{id}: lr of row {}", row.step);
    }
}

#[test]
fn every_lbfgs_case_matches_pytorch() {
    let cases = lbfgs_cases();
    assert!(cases.len() >= 2, "the public vectors hold two L-BFGS cases");
    for case in cases {
        check_case(case);
    }
}

#[test]
fn the_named_public_cases_are_there() {
    let ids: Vec<&str> = lbfgs_cases().iter().filter_map(|case| case["id"].as_str()).collect();
    assert!(ids.contains(&"lbfgs_quad2d_iter1"), "{ids:?}");
    assert!(ids.contains(&"lbfgs_rosen2d_wolfe_iter1"), "{ids:?}");
}
