//! Adadelta, ASGD and Rprop against the trajectories PyTorch 2.15 (float64, `foreach=False`)
//! recorded in tests/data/vectors-torch-public.json (issue 16).
//!
//! Every case of those optimizers without a schedule runs twice: fed the recorded gradients
//! with the recorded lr, and recomputing each gradient on the case's surface along our own
//! path. Both must stay within 1e-10·max(1, |x|) at every step.

use std::sync::LazyLock;

use optlab_core::optim::OptimizerConfig;
use optlab_core::surface::Surface;
use serde_json::Value;

/// `meta.conventions.tolerance` of the parameters.
const TOLERANCE: f64 = 1e-10;

/// The RON variants this file checks.
const VARIANTS: [&str; 3] = ["Adadelta", "Asgd", "Rprop"];

static VECTORS: LazyLock<Value> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors-torch-public.json");
    let text = std::fs::read_to_string(path).expect("reference vectors are part of the repository");
    serde_json::from_str(&text).expect("reference vectors are valid JSON")
});

fn numbers(value: &Value) -> Vec<f64> {
    value.as_array().expect("an array").iter().map(|v| v.as_f64().expect("a number")).collect()
}

fn text(value: &Value) -> &str {
    value.as_str().expect("a string")
}

/// This file's cases: trace mode, no schedule, one of [`VARIANTS`].
fn cases() -> Vec<&'static Value> {
    let all = VECTORS["optimizers"].as_array().expect("optimizers is a list");
    all.iter()
        .filter(|case| {
            let ron = text(&case["ron_optimizer"]);
            let variant = ron.split('(').next().unwrap_or_default();
            VARIANTS.contains(&variant) && case["ron_schedule"].is_null()
        })
        .collect()
}

fn assert_close(ours: &[f64], theirs: &[f64], what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}: length");
    for (i, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
        assert!(
            (a - b).abs() <= TOLERANCE * b.abs().max(1.0),
            "{what}[{i}]: ours {a:e}, reference {b:e}, diff {:e}",
            a - b
        );
    }
}

fn config_of(case: &Value) -> OptimizerConfig {
    let ron_text = text(&case["ron_optimizer"]);
    let config: OptimizerConfig =
        ron::from_str(ron_text).unwrap_or_else(|e| panic!("{ron_text} does not parse: {e}"));
    config.validate().expect("in range");
    config
}

/// The recorded lr of update `k`, which is the param group's lr: for these optimizers with no
/// schedule, the configured lr every step (ASGD's decaying η is not in it).
fn lr_of(case: &Value, config: &OptimizerConfig, k: usize) -> f64 {
    let lr = case["lr_used"][k].as_f64().expect("lr_used");
    assert!((lr - config.lr()).abs() <= 1e-15 * lr.abs(), "{}: lr column {lr}", case["id"]);
    lr
}

fn run_with_recorded_grads(case: &Value) {
    let id = text(&case["id"]);
    let config = config_of(case);
    let mut params = numbers(&case["x0"]);
    let mut optimizer = config.build(params.len());
    let grads = case["grads"].as_array().expect("grads");
    let expected = case["params"].as_array().expect("params");
    assert_eq!(grads.len(), expected.len(), "{id}: one gradient per step");
    for (k, (grad, want)) in grads.iter().zip(expected).enumerate() {
        optimizer.step(&mut params, &numbers(grad), lr_of(case, &config, k));
        assert_close(&params, &numbers(want), &format!("{id} (recorded grads) step {k}"));
    }
    assert_eq!(optimizer.steps_taken(), grads.len() as u64);
}

/// Along our own path with the 2-D fast path, as a race runs it.
fn run_on_the_surface(case: &Value) {
    let id = text(&case["id"]);
    let config = config_of(case);
    let surface: Surface = ron::from_str(text(&case["ron_surface"])).expect("a surface");
    let [x, y] = numbers(&case["x0"])[..] else { panic!("{id}: a 2-D case") };
    let mut point = [x, y];
    let mut optimizer = config.build(2);
    for (k, want) in case["params"].as_array().expect("params").iter().enumerate() {
        let grad = surface.gradient(point);
        if k == 0 {
            assert_close(&grad, &numbers(&case["grads"][0]), &format!("{id}: gradient at x0"));
        }
        let lr = lr_of(case, &config, k);
        optimizer.visit(Step2d { point: &mut point, grad, lr });
        assert_close(&point, &numbers(want), &format!("{id} (own path) step {k}"));
    }
}

struct Step2d<'a> {
    point: &'a mut [f64; 2],
    grad: [f64; 2],
    lr: f64,
}

impl optlab_core::optim::RuleVisitor for Step2d<'_> {
    type Output = ();
    fn visit<R: optlab_core::optim::UpdateRule>(self, rule: &mut R) {
        rule.step_2d(self.point, self.grad, self.lr);
    }
}

#[test]
fn classic_cases_are_present() {
    let ids: Vec<&str> = cases().iter().map(|c| text(&c["id"])).collect();
    for id in ["adadelta_default_quad2d", "asgd_quad2d", "rprop_quad2d"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
}

#[test]
fn classic_cases_match_torch_with_recorded_gradients() {
    for case in cases() {
        assert_eq!(text(&case["mode"]), "trace", "{}: only trace cases are mapped", case["id"]);
        run_with_recorded_grads(case);
    }
}

#[test]
fn classic_cases_match_torch_along_their_own_path() {
    for case in cases() {
        run_on_the_surface(case);
    }
}
