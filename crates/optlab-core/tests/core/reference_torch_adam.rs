//! `NAdam`, `RAdam` and Adamax against the trajectories PyTorch 2.15 recorded in float64 with
//! `foreach=False` (tests/data/vectors-torch-public.json, section `optimizers`), plus cases
//! derived by hand.
//!
//! Every case whose `ron_optimizer` is one of the three (and has no schedule) runs twice: (a) fed
//! the recorded gradients through `Optimizer::step`, (b) as a race run on its `ron_surface`
//! through the run engine (the 2-D fast path, the gradients of our own path). Both must stay
//! within 1e-10·max(1, |x|) at every step.

use optlab_core::optim::OptimizerConfig;
use optlab_core::run::{self, RunConfig, Trace};
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;
use serde_json::Value;

/// The tolerance of `meta.conventions.tolerance`.
const TOLERANCE: f64 = 1e-10;

/// The optimizers this file checks, as their RON names start.
const OURS: [&str; 3] = ["Adamax(", "NAdam(", "RAdam("];

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors-torch-public.json");
    let text = std::fs::read_to_string(path).expect("reference vectors are part of the repository");
    serde_json::from_str(&text).expect("reference vectors are valid JSON")
}

fn numbers(value: &Value) -> Vec<f64> {
    value.as_array().expect("an array").iter().map(|n| n.as_f64().expect("a number")).collect()
}

fn rows(value: &Value) -> Vec<Vec<f64>> {
    value.as_array().expect("an array of rows").iter().map(numbers).collect()
}

fn assert_close(ours: &[f64], theirs: &[f64], what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}: length");
    for (i, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
        assert!(
            (a - b).abs() <= TOLERANCE * b.abs().max(1.0),
            "{what}[{i}]: ours {a:e}, torch {b:e}, diff {:e}",
            a - b
        );
    }
}

/// The cases of our three optimizers without a schedule.
fn our_cases(vectors: &Value) -> Vec<&Value> {
    vectors["optimizers"]
        .as_array()
        .expect("optimizers section")
        .iter()
        .filter(|case| {
            let ron = case["ron_optimizer"].as_str().unwrap_or_default();
            OURS.iter().any(|name| ron.starts_with(name)) && case["ron_schedule"].is_null()
        })
        .collect()
}

fn config_of(case: &Value) -> OptimizerConfig {
    let ron = case["ron_optimizer"].as_str().expect("ron_optimizer");
    ron::from_str(ron).unwrap_or_else(|e| panic!("{ron}: {e}"))
}

fn check_with_recorded_gradients(case: &Value) {
    let id = case["id"].as_str().expect("id");
    let config = config_of(case);
    let mut params = numbers(&case["x0"]);
    let mut optimizer = config.build(params.len());
    let (grads, expected, lrs) =
        (rows(&case["grads"]), rows(&case["params"]), numbers(&case["lr_used"]));
    assert_eq!(grads.len(), expected.len(), "{id}");
    for (k, (grad, want)) in grads.iter().zip(&expected).enumerate() {
        optimizer.step(&mut params, grad, lrs[k]);
        assert_close(&params, want, &format!("{id} (recorded gradients) step {}", k + 1));
    }
}

fn check_as_a_race_run(case: &Value) {
    let id = case["id"].as_str().expect("id");
    let surface_ron = case["ron_surface"].as_str().expect("a trace case has a surface");
    let surface: Surface = ron::from_str(surface_ron).unwrap_or_else(|e| panic!("{id}: {e}"));
    let x0 = numbers(&case["x0"]);
    let expected = rows(&case["params"]);
    let config = RunConfig {
        surface,
        start: [x0[0], x0[1]],
        optimizer: config_of(case),
        schedule: Schedule::Constant,
        steps: expected.len() as u64,
        noise_sigma: 0.0,
        seed: 0,
    };
    let mut trace = Trace::with_capacity(expected.len() + 1);
    let summary = run::execute(&config, &mut trace);
    assert_eq!(summary.outcome, run::Outcome::Finished, "{id}");
    let records = trace.records();
    assert_eq!(records.len(), expected.len() + 1, "{id}: every step recorded");
    for (record, want) in records[1..].iter().zip(&expected) {
        let what = format!("{id} (race run) step {}", record.step);
        assert_close(&record.position, want, &what);
    }
}

#[test]
fn the_public_torch_cases_of_nadam_radam_and_adamax_match() {
    let vectors = vectors();
    let cases = our_cases(&vectors);
    let ids: Vec<&str> = cases.iter().filter_map(|c| c["id"].as_str()).collect();
    for wanted in ["adamax_quad2d", "nadam_quad2d", "radam_quad2d"] {
        assert!(ids.contains(&wanted), "{wanted} missing from {ids:?}");
    }
    for case in cases {
        check_with_recorded_gradients(case);
        if case["mode"] == "trace" {
            check_as_a_race_run(case);
        }
    }
}

/// One step of `config` from `start` with gradient `grad` and lr `lr`.
fn one_step(config: &OptimizerConfig, start: [f64; 2], grad: [f64; 2], lr: f64) -> [f64; 2] {
    let mut params = start;
    let mut optimizer = config.build(2);
    optimizer.step(&mut params, &grad, lr);
    params
}

fn parse(ron: &str) -> OptimizerConfig {
    ron::from_str(ron).unwrap_or_else(|e| panic!("{ron}: {e}"))
}

#[test]
fn decoupled_weight_decay_shrinks_the_parameter_before_the_first_step() {
    // RAdam's first step (ρ₁ = 1 ≤ 5) is the momentum step η·m̂ = η·g, after θ(1 − ηλ).
    let radam = parse("RAdam(lr: 0.1, weight_decay: 0.5, decoupled_weight_decay: true)");
    let [x, y] = one_step(&radam, [2.0, -4.0], [1.0, 3.0], 0.1);
    assert_eq!(x.to_bits(), (2.0 * (1.0 - 0.1 * 0.5) - 0.1 * 1.0f64).to_bits());
    assert_eq!(y.to_bits(), (-4.0 * (1.0 - 0.1 * 0.5) - 0.1 * 3.0f64).to_bits());
    // Coupled: the gradient is g + λθ, the parameter is not shrunk.
    let coupled = parse("RAdam(lr: 0.1, weight_decay: 0.5)");
    let [x, _] = one_step(&coupled, [2.0, -4.0], [1.0, 3.0], 0.1);
    assert!((x - (2.0 - 0.1 * (1.0 + 0.5 * 2.0))).abs() < 1e-15, "{x}");
}

#[test]
fn nadam_first_step_matches_the_hand_computation() {
    // t = 1: m = (1 − β₁)g, v = (1 − β₂)g², v̂ = g², denominator |g| + ε;
    // θ ← θ − η(1 − μ₁)/(1 − μ₁)·g/d − ημ₂/(1 − μ₁μ₂)·m/d.
    let (beta1, psi, lr, eps) = (0.9, 0.004, 0.01, 1e-8);
    let mu = |t: f64| beta1 * (1.0 - 0.5 * 0.96f64.powf(t * psi));
    for decoupled in [false, true] {
        let ron =
            format!("NAdam(lr: {lr}, weight_decay: 0.2, decoupled_weight_decay: {decoupled})");
        let [x, _] = one_step(&parse(&ron), [3.0, 1.0], [2.0, -1.0], lr);
        let theta = if decoupled { 3.0 * (1.0 - lr * 0.2) } else { 3.0 };
        let g = if decoupled { 2.0 } else { 2.0 + 0.2 * 3.0 };
        let d = g + eps;
        let m = (1.0 - beta1) * g;
        let expected = theta - lr * g / d - lr * mu(2.0) / (1.0 - mu(1.0) * mu(2.0)) * m / d;
        assert!((x - expected).abs() < 1e-14, "decoupled {decoupled}: {x} vs {expected}");
    }
}

#[test]
fn adamax_weight_decay_is_coupled() {
    // t = 1: g' = g + λθ, step η·g'/(|g'| + ε).
    let adamax = parse("Adamax(lr: 0.1, weight_decay: 0.5)");
    let [x, y] = one_step(&adamax, [2.0, -4.0], [1.0, 1.0], 0.1);
    assert!((x - (2.0 - 0.1 * 2.0 / (2.0 + 1e-8))).abs() < 1e-15, "{x}");
    assert!((y - (-4.0 + 0.1 * 1.0 / (1.0 + 1e-8))).abs() < 1e-15, "{y}");
}

#[test]
fn the_contract_defaults_are_pytorchs() {
    let OptimizerConfig::Adamax { lr, beta1, beta2, eps, weight_decay } = parse("Adamax()") else {
        panic!("Adamax")
    };
    assert_eq!((lr, beta1, beta2, eps, weight_decay), (0.002, 0.9, 0.999, 1e-8, 0.0));
    let nadam = parse("NAdam()");
    let OptimizerConfig::NAdam {
        lr,
        eps,
        weight_decay,
        momentum_decay,
        decoupled_weight_decay,
        ..
    } = nadam
    else {
        panic!("NAdam")
    };
    assert_eq!((lr, eps, weight_decay, momentum_decay), (0.002, 1e-8, 0.0, 0.004));
    assert!(!decoupled_weight_decay);
    let OptimizerConfig::RAdam { lr, beta1, beta2, decoupled_weight_decay, .. } = parse("RAdam()")
    else {
        panic!("RAdam")
    };
    assert_eq!((lr, beta1, beta2), (0.001, 0.9, 0.999));
    assert!(!decoupled_weight_decay);
}

#[test]
fn out_of_range_fields_are_refused_with_their_name() {
    for (ron, field) in [
        ("NAdam(momentum_decay: -0.1)", "momentum_decay"),
        ("RAdam(beta2: 1.0)", "beta2"),
        ("Adamax(eps: -1.0)", "eps"),
        ("Adamax(beta1: 1.5)", "beta1"),
    ] {
        let error = ron::from_str::<OptimizerConfig>(ron).expect_err(ron).to_string();
        assert!(error.contains(field), "{ron}: {error}");
    }
    let mut config = parse("NAdam()");
    if let OptimizerConfig::NAdam { momentum_decay, .. } = &mut config {
        *momentum_decay = f64::NAN;
    }
    assert!(config.validate().is_err());
}

#[test]
fn update_rules_name_their_decay_and_fit_the_controls_column() {
    let rule = |ron: &str| parse(ron).update_rule();
    assert!(rule("RAdam()").contains("ρₜ ≤ 5: θ ← θ − ηm̂"));
    assert!(rule("NAdam()").contains("μₜ = β₁(1 − ½·0.96^(tψ))"));
    assert!(rule("Adamax()").contains("u ← max(β₂u, |∇L| + ε)"));
    let decoupled = rule("NAdam(weight_decay: 0.1, decoupled_weight_decay: true)");
    assert!(decoupled.starts_with("θ ← θ(1 − ηλ)"), "{decoupled}");
    let coupled = rule("RAdam(weight_decay: 0.1)");
    assert!(coupled.starts_with("∇L ← ∇L + λθ"), "{coupled}");
    assert!(rule("Adamax(weight_decay: 0.1)").starts_with("∇L ← ∇L + λθ"));
    assert!(!rule("RAdam(decoupled_weight_decay: true)").contains('λ'), "λ = 0: no decay line");
    for ron in ["Adamax()", "NAdam()", "RAdam()"] {
        let widest = rule(ron).lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(widest <= 40, "{ron}: a line of {widest} characters");
    }
}
