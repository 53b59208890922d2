//! Lion (lion-pytorch 0.2.5) and Schedule-Free AdamW/SGD (schedulefree 1.4.1) against the
//! trajectories those packages recorded in float64 in tests/data/vectors-torch-public.json.
//!
//! Each case runs twice: (a) through the run engine as `optlab trace` does (`mode: trace`: the
//! record after t updates holds `params[t − 1]`, with the gradients taken along our own path),
//! and (b) fed the recorded gradients with the recorded lr (`mode: replay`'s convention). Both
//! must stay within 1e-10·max(1, |x|) at every step. A Lion or Schedule-Free case on a surface
//! or in a mode this file does not know fails loudly rather than being skipped.

use std::sync::LazyLock;

use optlab_core::optim::OptimizerConfig;
use optlab_core::run::{self, RunConfig, Trace};
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;
use serde_json::Value;

/// `meta.conventions.tolerance` for params.
const TOLERANCE: f64 = 1e-10;

static VECTORS: LazyLock<Value> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors-torch-public.json");
    let text = std::fs::read_to_string(path).expect("reference vectors are part of the repository");
    serde_json::from_str(&text).expect("reference vectors are valid JSON")
});

fn rows(value: &Value, what: &str) -> Vec<Vec<f64>> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{what}: expected an array"))
        .iter()
        .map(|row| match row {
            Value::Array(items) => items.iter().map(|v| v.as_f64().expect("a number")).collect(),
            other => vec![other.as_f64().expect("a number")],
        })
        .collect()
}

fn assert_close(ours: &[f64], theirs: &[f64], what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}: length");
    for (i, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
        let allowed = TOLERANCE * b.abs().max(1.0);
        assert!(
            (a - b).abs() <= allowed,
            "{what}[{i}]: ours {a:e}, reference {b:e}, diff {:e}",
            a - b
        );
    }
}

/// The cases whose `ron_optimizer` is Lion or Schedule-Free.
fn cases() -> Vec<&'static Value> {
    let all = VECTORS["optimizers"].as_array().expect("an optimizers list");
    all.iter()
        .filter(|case| {
            let ron = case["ron_optimizer"].as_str().unwrap_or_default();
            ron.starts_with("Lion") || ron.starts_with("ScheduleFree")
        })
        .collect()
}

fn config_of(case: &Value) -> OptimizerConfig {
    let text = case["ron_optimizer"].as_str().expect("ron_optimizer");
    ron::from_str(text).unwrap_or_else(|e| panic!("{}: {text} does not parse: {e}", case["id"]))
}

fn schedule_of(case: &Value) -> Schedule {
    match case["ron_schedule"].as_str() {
        None => Schedule::Constant,
        Some(text) => ron::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}")),
    }
}

/// (a) The run engine on the case's surface, as `optlab trace` runs it.
fn check_trace(case: &Value) {
    let id = case["id"].as_str().expect("id");
    let surface: Surface = ron::from_str(case["ron_surface"].as_str().expect("ron_surface"))
        .unwrap_or_else(|e| panic!("{id}: surface: {e}"));
    let x0 = rows(&case["x0"], "x0").concat();
    let expected = rows(&case["params"], "params");
    let config = RunConfig {
        surface,
        start: [x0[0], x0[1]],
        optimizer: config_of(case),
        schedule: schedule_of(case),
        steps: expected.len() as u64,
        noise_sigma: 0.0,
        seed: 0,
    };
    let mut trace = Trace::with_capacity(expected.len() + 2);
    let summary = run::execute(&config, &mut trace);
    assert_eq!(summary.outcome, run::Outcome::Finished, "{id}");
    let records = trace.records();
    assert_eq!(records.len(), expected.len() + 1, "{id}: rows");
    for (t, want) in expected.iter().enumerate() {
        assert_close(&records[t + 1].position, want, &format!("{id} trace step {}", t + 1));
    }
    if let Some(lr_used) = case.get("lr_used").filter(|v| v.is_array()) {
        for (t, lr) in rows(lr_used, "lr_used").iter().enumerate() {
            assert_close(&[records[t].lr], lr, &format!("{id} lr column row {t}"));
        }
    }
}

/// (b) The recorded gradients and lr fed to the rule directly.
fn check_replay(case: &Value) {
    let id = case["id"].as_str().expect("id");
    let mut params = rows(&case["x0"], "x0").concat();
    let grads = rows(&case["grads"], "grads");
    let lrs = rows(&case["lr_used"], "lr_used").concat();
    let expected = rows(&case["params"], "params");
    let mut optimizer = config_of(case).build(params.len());
    for (k, (grad, want)) in grads.iter().zip(&expected).enumerate() {
        optimizer.step(&mut params, grad, lrs[k]);
        assert_close(&params, want, &format!("{id} replay step {}", k + 1));
    }
}

#[test]
fn every_lion_and_schedule_free_case_matches() {
    let cases = cases();
    let ids: Vec<&str> = cases.iter().filter_map(|c| c["id"].as_str()).collect();
    for wanted in ["lion_quad2d", "sf_adamw_quad2d", "sf_sgd_quad2d"] {
        assert!(ids.contains(&wanted), "{wanted} missing from the vectors: {ids:?}");
    }
    for case in cases {
        match case["mode"].as_str() {
            Some("trace") => check_trace(case),
            Some("replay") => {}
            other => panic!("{}: unknown mode {other:?}", case["id"]),
        }
        if case["grads"].as_array().is_some_and(|g| !g.is_empty()) {
            check_replay(case);
        }
    }
}

#[test]
fn the_state_has_the_packages_names() {
    let mut lion = config_of(&serde_json::json!({"ron_optimizer": "Lion()"})).build(2);
    let mut sf = config_of(&serde_json::json!({"ron_optimizer": "ScheduleFreeAdamW()"})).build(2);
    let mut sgd = config_of(&serde_json::json!({"ron_optimizer": "ScheduleFreeSgd()"})).build(2);
    assert!(sf.state_buffer("z").is_none(), "z appears on the first step, as in the package");
    let mut params = [1.0, 2.0];
    for optimizer in [&mut lion, &mut sf, &mut sgd] {
        optimizer.step(&mut params, &[0.5, -0.5], 0.01);
    }
    assert!(lion.state_buffer("exp_avg").is_some());
    assert!(sf.state_buffer("z").is_some() && sf.state_buffer("exp_avg_sq").is_some());
    assert!(sgd.state_buffer("z").is_some() && sgd.state_buffer("exp_avg_sq").is_none());
}
