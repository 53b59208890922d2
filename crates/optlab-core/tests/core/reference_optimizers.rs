//! Optimizers against the trajectories PyTorch (and the NumPy reference of the course notes)
//! recorded in tests/data/vectors-public.json: sections `optimizers`, `nesterov_equivalence` and
//! `cs231n`.
//!
//! Every `optimizers` case runs twice: (a) fed the recorded gradients with the recorded lr, and
//! (b) recomputing each gradient from the objective along our own path. Both must stay within
//! the vectors' suggested tolerance |diff| <= 1e-10·max(1, |x|) at every step. A case with an
//! optimizer, hyperparameter, objective or state name this file does not know fails loudly, so
//! new (hidden) cases cannot pass by being skipped.

use std::sync::LazyLock;

use optlab_core::optim::{Optimizer, OptimizerConfig, UpdateRule};
use serde_json::Value;

/// The suggested tolerance of `meta.conventions.suggested_tolerances`.
const TOLERANCE: f64 = 1e-10;

static VECTORS: LazyLock<Value> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors-public.json");
    let text = std::fs::read_to_string(path).expect("reference vectors are part of the repository");
    serde_json::from_str(&text).expect("reference vectors are valid JSON")
});

/// All numbers of a (possibly nested) array, row-major.
fn flat(value: &Value) -> Vec<f64> {
    match value {
        Value::Array(items) => items.iter().flat_map(flat).collect(),
        Value::Number(n) => vec![n.as_f64().expect("finite number")],
        other => panic!("expected a number or an array of numbers, found {other}"),
    }
}

fn number(value: &Value, what: &str) -> f64 {
    value.as_f64().unwrap_or_else(|| panic!("{what}: expected a number, found {value}"))
}

fn text<'a>(value: &'a Value, what: &str) -> &'a str {
    value.as_str().unwrap_or_else(|| panic!("{what}: expected a string, found {value}"))
}

/// Asserts |ours − theirs| <= tolerance·max(1, |theirs|) element by element.
fn assert_close(ours: &[f64], theirs: &[f64], tolerance: f64, what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}: length");
    for (i, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
        let allowed = tolerance * b.abs().max(1.0);
        assert!(
            (a - b).abs() <= allowed,
            "{what}[{i}]: ours {a:e}, reference {b:e}, diff {:e}",
            a - b
        );
    }
}

/// The course notebook's `rel_error`: max |a − b| / max(1e-8, |a| + |b|), element-wise.
fn rel_error(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (x - y).abs() / (x.abs() + y.abs()).max(1e-8))
        .fold(0.0, f64::max)
}

// ---------------------------------------------------------------------------------------------
// Objectives (meta.objectives)

/// The gradient of one of `meta.objectives`.
enum Objective {
    /// ½xᵀAx − bᵀx: ∇ = Ax − b.
    Quadratic { a: Vec<Vec<f64>>, b: Vec<f64> },
    /// Σ ½aᵢⱼWᵢⱼ² − bᵢⱼWᵢⱼ: ∇ᵢⱼ = aᵢⱼWᵢⱼ − bᵢⱼ (flattened row-major).
    Separable { a: Vec<f64>, b: Vec<f64> },
    /// Chained Rosenbrock Σᵢ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²; for 2-D it is the classic one.
    Rosenbrock,
}

impl Objective {
    fn named(name: &str) -> Self {
        let meta = &VECTORS["meta"]["objectives"][name];
        match name {
            "quad2d" | "quad5d" => Self::Quadratic {
                a: meta["A"].as_array().expect("A").iter().map(flat).collect(),
                b: flat(&meta["b"]),
            },
            "quadmat2x3" => Self::Separable { a: flat(&meta["a"]), b: flat(&meta["b"]) },
            "rosen2d" | "rosen5d" => Self::Rosenbrock,
            other => panic!("unknown objective {other:?}: implement its gradient in this test"),
        }
    }

    fn gradient(&self, x: &[f64], out: &mut [f64]) {
        match self {
            Self::Quadratic { a, b } => {
                for ((o, row), bi) in out.iter_mut().zip(a).zip(b) {
                    *o = row.iter().zip(x).map(|(aij, xj)| aij * xj).sum::<f64>() - bi;
                }
            }
            Self::Separable { a, b } => {
                for (((o, ai), bi), xi) in out.iter_mut().zip(a).zip(b).zip(x) {
                    *o = ai * xi - bi;
                }
            }
            Self::Rosenbrock => rosenbrock_gradient(x, out),
        }
    }
}

/// ∇ᵢ = −400xᵢ(xᵢ₊₁ − xᵢ²) − 2(1 − xᵢ) [i < n−1] + 200(xᵢ − xᵢ₋₁²) [i > 0].
fn rosenbrock_gradient(x: &[f64], out: &mut [f64]) {
    let n = x.len();
    for i in 0..n {
        let mut g = 0.0;
        if i + 1 < n {
            g += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
        }
        if i > 0 {
            g += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
        }
        out[i] = g;
    }
}

// ---------------------------------------------------------------------------------------------
// Mapping a recorded case to our config

/// RON text of our config for a case's `optimizer` and `hyperparams`. Parsing it (rather than
/// filling structs) also exercises the user-facing format: a torch hyperparameter that lands on a
/// field our variant lacks is refused by `deny_unknown_fields`.
fn config_ron(case: &Value) -> String {
    let id = text(&case["id"], "id");
    let mut fields: Vec<(&str, String)> = Vec::new();
    let mut variant = match text(&case["optimizer"], "optimizer") {
        "SGD" => "Sgd",
        "Adagrad" => "Adagrad",
        "RMSprop" => "RmsProp",
        "Adam" => "Adam",
        "AdamW" => "AdamW",
        "Adam(no bias correction)" => {
            fields.push(("bias_correction", "false".to_owned()));
            "Adam"
        }
        other => panic!("{id}: unknown optimizer {other:?}; map it to an OptimizerConfig"),
    };
    let mut nesterov = false;
    let hyperparams = case["hyperparams"].as_object().expect("hyperparams is an object");
    for (key, value) in hyperparams {
        let float = || format!("{:?}", number(value, key));
        let flag =
            || value.as_bool().unwrap_or_else(|| panic!("{id}: {key} = {value}")).to_string();
        match key.as_str() {
            "lr" | "weight_decay" | "eps" | "lr_decay" | "momentum" | "dampening" | "beta1"
            | "beta2" => fields.push((key.as_str(), float())),
            "alpha" => fields.push(("decay_rate", float())),
            "initial_accumulator_value" => fields.push(("initial_accumulator", float())),
            "betas" => {
                let betas = flat(value);
                assert_eq!(betas.len(), 2, "{id}: betas");
                fields.push(("beta1", format!("{:?}", betas[0])));
                fields.push(("beta2", format!("{:?}", betas[1])));
            }
            "centered" | "amsgrad" => fields.push((key.as_str(), flag())),
            "nesterov" => nesterov = value.as_bool().expect("nesterov is a bool"),
            // Implementation switches of torch that do not change the numbers.
            "foreach" | "differentiable" => {}
            "maximize" if value == &Value::Bool(false) => {}
            other => panic!("{id}: unknown hyperparameter {other:?} = {value}; map it"),
        }
    }
    if variant == "Sgd" {
        variant = sgd_variant(id, &mut fields, nesterov);
    } else {
        assert!(!nesterov, "{id}: nesterov on {variant}");
    }
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{variant}({})", body.join(", "))
}

/// torch SGD is our Sgd, Momentum or Nesterov depending on `momentum` and `nesterov`.
fn sgd_variant(id: &str, fields: &mut Vec<(&str, String)>, nesterov: bool) -> &'static str {
    let value = |name: &str| fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
    let momentum: f64 = value("momentum").map_or(0.0, |m| m.parse().expect("momentum"));
    let dampening: f64 = value("dampening").map_or(0.0, |d| d.parse().expect("dampening"));
    if momentum == 0.0 {
        // torch ignores dampening without momentum and refuses nesterov.
        assert!(!nesterov, "{id}: torch refuses nesterov without momentum");
        fields.retain(|(k, _)| *k != "momentum" && *k != "dampening");
        "Sgd"
    } else if nesterov {
        assert!(dampening == 0.0, "{id}: torch refuses nesterov with dampening");
        fields.retain(|(k, _)| *k != "dampening");
        "Nesterov"
    } else {
        "Momentum"
    }
}

fn config_for(case: &Value) -> OptimizerConfig {
    let ron_text = config_ron(case);
    let config: OptimizerConfig = ron::from_str(&ron_text)
        .unwrap_or_else(|e| panic!("{}: {ron_text} does not parse: {e}", case["id"]));
    config.validate().unwrap_or_else(|e| panic!("{}: {e}", case["id"]));
    config
}

// ---------------------------------------------------------------------------------------------
// Running a case

/// The lr of step `k`: `lr_used[k]` when recorded, else the configured lr.
fn lr_of(case: &Value, config: &OptimizerConfig, k: usize) -> f64 {
    match &case["lr_used"] {
        Value::Null => config.lr(),
        lrs => number(&lrs[k], "lr_used"),
    }
}

/// Compares our final state with the case's `final_state` (torch state names; the NumPy cases
/// call Adam's moments `m` and `v`).
fn check_final_state(case: &Value, optimizer: &Optimizer, path: &str) {
    let id = text(&case["id"], "id");
    let state = case["final_state"].as_object().expect("final_state is an object");
    for (key, value) in state {
        let what = format!("{id} ({path}): final_state.{key}");
        if key == "step" {
            let recorded = number(value, &what);
            assert!((optimizer.steps_taken() as f64 - recorded).abs() < 0.5, "{what}: {recorded}");
            continue;
        }
        let name = match key.as_str() {
            "m" => "exp_avg",
            "v" => "exp_avg_sq",
            other => other,
        };
        match (optimizer.state_buffer(name), value) {
            (None, Value::Null) => {}
            (Some(ours), theirs) if !theirs.is_null() => {
                assert_close(ours, &flat(theirs), TOLERANCE, &what);
            }
            (ours, theirs) => panic!("{what}: ours {ours:?}, reference {theirs}; map this state"),
        }
    }
}

/// (a): the recorded gradients, applied with the recorded lr.
fn run_with_recorded_grads(case: &Value) {
    let id = text(&case["id"], "id");
    let config = config_for(case);
    let mut params = flat(&case["x0"]);
    let mut optimizer = config.build(params.len());
    let grads = case["grads"].as_array().expect("grads");
    let expected = case["params"].as_array().expect("params");
    assert_eq!(grads.len(), expected.len(), "{id}: one gradient per step");
    for (k, (grad, want)) in grads.iter().zip(expected).enumerate() {
        optimizer.step(&mut params, &flat(grad), lr_of(case, &config, k));
        assert_close(&params, &flat(want), TOLERANCE, &format!("{id} (recorded grads) step {k}"));
    }
    check_final_state(case, &optimizer, "recorded grads");
}

/// (b): gradients recomputed from the objective, at our own `gradient_point`.
fn run_along_own_path(case: &Value) {
    let id = text(&case["id"], "id");
    let config = config_for(case);
    let objective = Objective::named(text(&case["objective"], "objective"));
    let mut params = flat(&case["x0"]);
    let n = params.len();
    let mut optimizer = config.build(n);
    let (mut point, mut grad) = (vec![0.0; n], vec![0.0; n]);
    let expected = case["params"].as_array().expect("params");
    for (k, want) in expected.iter().enumerate() {
        optimizer.gradient_point(&params, &mut point);
        objective.gradient(&point, &mut grad);
        if k == 0 {
            let recorded = flat(&case["grads"][0]);
            assert_close(&grad, &recorded, 1e-12, &format!("{id}: our gradient at x0"));
        }
        optimizer.step(&mut params, &grad, lr_of(case, &config, k));
        assert_close(&params, &flat(want), TOLERANCE, &format!("{id} (own path) step {k}"));
    }
    check_final_state(case, &optimizer, "own path");
}

#[test]
fn every_optimizer_case_matches_with_recorded_gradients() {
    let cases = optimizer_cases();
    assert!(!cases.is_empty());
    for case in cases {
        run_with_recorded_grads(case);
    }
}

#[test]
fn every_optimizer_case_matches_along_its_own_path() {
    for case in optimizer_cases() {
        run_along_own_path(case);
    }
}

/// The cases of `optimizers` that claim our semantics: every torch and NumPy-reference case.
/// Keras runs are recorded to show where Keras differs (ε inside the root, ε-hat, lr inside the
/// momentum buffer: semantics.md §1–5), which optlab deliberately does not implement; any other
/// source fails loudly.
fn optimizer_cases() -> Vec<&'static Value> {
    let cases = VECTORS["optimizers"].as_array().expect("optimizers is a list");
    cases
        .iter()
        .filter(|case| match text(&case["source"], "source") {
            "torch" | "numpy-reference" | "formula" => true,
            "keras" => false,
            other => panic!("{}: unknown source {other:?}", case["id"]),
        })
        .collect()
}

#[test]
fn case_mapping_covers_the_documented_forms() {
    let ron_of = |optimizer: &str, hyperparams: Value| {
        config_ron(
            &serde_json::json!({"id": "mapping", "optimizer": optimizer, "hyperparams": hyperparams}),
        )
    };
    let sgd = ron_of("SGD", serde_json::json!({"lr": 0.1, "momentum": 0.0, "dampening": 0.5}));
    assert_eq!(sgd, "Sgd(lr: 0.1)");
    let nesterov = ron_of("SGD", serde_json::json!({"lr": 0.1, "momentum": 0.9, "nesterov": true}));
    assert!(nesterov.starts_with("Nesterov("), "{nesterov}");
    let adam = ron_of("Adam", serde_json::json!({"betas": [0.8, 0.99], "amsgrad": true}));
    let parsed: OptimizerConfig = ron::from_str(&adam).expect("parses");
    let OptimizerConfig::Adam { beta1, beta2, amsgrad, .. } = parsed else { panic!("{adam}") };
    assert_eq!((beta1, beta2, amsgrad), (0.8, 0.99, true));
}

// ---------------------------------------------------------------------------------------------
// nesterov_equivalence

#[test]
fn nesterov_forms_coincide_on_the_look_ahead_point() {
    let cases = VECTORS["nesterov_equivalence"].as_array().expect("nesterov_equivalence");
    assert!(!cases.is_empty());
    for case in cases {
        check_nesterov_case(case);
    }
}

fn check_nesterov_case(case: &Value) {
    let id = text(&case["id"], "id");
    let (lr, momentum) = (number(&case["lr"], "lr"), number(&case["mu"], "mu"));
    let objective = Objective::named(text(&case["objective"], "objective"));
    let x0 = flat(&case["x0"]);
    let steps = case["steps"].as_u64().expect("steps");
    let nesterov = OptimizerConfig::Nesterov { lr, momentum, weight_decay: 0.0 };
    let torch = run_from(&nesterov, &x0, &objective, steps);
    let lookahead_config = OptimizerConfig::NesterovLookahead { lr, momentum };
    let lookahead = run_from(&lookahead_config, &x0, &objective, steps);
    let torch_x = case["torch_sgd_nesterov"]["x"].as_array().expect("torch x");
    let form = &case["lookahead_form"];
    assert_eq!(torch.len(), torch_x.len(), "{id}: steps");
    for k in 0..torch.len() {
        let what = |name: &str| format!("{id} step {k}: {name}");
        assert_close(&torch[k].x, &flat(&torch_x[k]), TOLERANCE, &what("Nesterov vs torch"));
        let look = &lookahead[k];
        assert_close(&look.x, &flat(&form["x"][k]), TOLERANCE, &what("look-ahead x"));
        assert_close(&look.x_bar, &flat(&form["x_bar"][k]), TOLERANCE, &what("look-ahead x̄"));
        assert_close(
            &look.grad,
            &flat(&form["grads_at_lookahead"][k]),
            TOLERANCE,
            &what("∇ at x+μv"),
        );
        // The two forms coincide on x̄ (the reference measured 8.9e-16)…
        assert_close(&look.x_bar, &torch[k].x, 1e-12, &what("x̄ vs Nesterov"));
    }
    // …while the plain x of the look-ahead form is a different sequence (0.34 apart).
    let apart =
        (0..torch.len()).map(|k| rel_error(&lookahead[k].x, &torch[k].x)).fold(0.0, f64::max);
    assert!(apart > 1e-3, "{id}: plain x should differ from x̄");
}

/// One step of a run: the parameters after it, x̄ (the gradient point for the next step) and
/// the gradient this step used.
struct Visited {
    x: Vec<f64>,
    x_bar: Vec<f64>,
    grad: Vec<f64>,
}

fn run_from(
    config: &OptimizerConfig,
    x0: &[f64],
    objective: &Objective,
    steps: u64,
) -> Vec<Visited> {
    let n = x0.len();
    let mut optimizer = config.build(n);
    let mut x = x0.to_vec();
    let mut point = vec![0.0; n];
    let mut out = Vec::new();
    for _ in 0..steps {
        optimizer.gradient_point(&x, &mut point);
        let mut grad = vec![0.0; n];
        objective.gradient(&point, &mut grad);
        optimizer.step(&mut x, &grad, config.lr());
        optimizer.gradient_point(&x, &mut point);
        out.push(Visited { x: x.clone(), x_bar: point.clone(), grad });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// cs231n (assignment 2 update rules and the notebook's expected arrays)

/// numpy.linspace(start, stop, num) as numpy computes it: start + i·step, last = stop.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let step = (stop - start) / (num - 1) as f64;
    let mut out: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    out[num - 1] = stop;
    out
}

/// The notebook's `w` and `dw` (its inputs give them as formulas).
fn notebook_w_dw(section: &Value) -> (Vec<f64>, Vec<f64>) {
    let inputs = &section["inputs"];
    assert_eq!(text(&inputs["w"], "w"), "np.linspace(-0.4, 0.6, num=20).reshape(4,5)");
    assert_eq!(text(&inputs["dw"], "dw"), "np.linspace(-0.6, 0.4, num=20).reshape(4,5)");
    (linspace(-0.4, 0.6, 20), linspace(-0.6, 0.4, 20))
}

/// Our result against the notebook's printed (8-decimal) expectation and the full-precision
/// NumPy arrays. The printed arrays are rounded, so the bound is the notebook's 1e-7 — or, where
/// the notebook's own NumPy reference already exceeds it (Adam's `next_w`: 1.14e-7), the same
/// error as that reference.
fn check_cs231n(ours: &[f64], section: &Value, expected: &str, full: &str, name: &str) {
    let printed = flat(&section[expected]);
    let error = rel_error(ours, &printed);
    let numpy_error = section["rel_error_numpy_vs_expected"][name].as_f64();
    match numpy_error {
        Some(reference) if reference >= 1e-7 => assert!(
            (error - reference).abs() <= 1e-9,
            "{name}: rel_error {error:e}, the notebook's reference {reference:e}"
        ),
        _ => assert!(error < 1e-7, "{name}: rel_error {error:e} vs {expected}"),
    }
    let full_precision = flat(&section["full_precision_numpy"][full]);
    assert_close(ours, &full_precision, 1e-12, &format!("{name} vs full precision"));
}

#[test]
fn cs231n_sgd_momentum() {
    let section = &VECTORS["cs231n"]["sgd_momentum"];
    let (w, dw) = notebook_w_dw(section);
    assert_close(&w, &flat(&section["w"]), 1e-15, "linspace w");
    assert_close(&dw, &flat(&section["dw"]), 1e-15, "linspace dw");
    let lr = 1e-3;
    assert_eq!(section["inputs"]["config"]["learning_rate"].as_f64(), Some(lr));
    let velocity = flat(&section["velocity_in"]);
    // CS231n's v = μv − η·dw is torch's buffer b = −v/η.
    let buffer: Vec<f64> = velocity.iter().map(|v| -v / lr).collect();
    let config = OptimizerConfig::Momentum { lr, momentum: 0.9, dampening: 0.0, weight_decay: 0.0 };
    let Optimizer::Momentum(rule) = config.build(w.len()) else { unreachable!() };
    let mut rule = rule.with_buffer(buffer);
    let mut next_w = w;
    rule.step(&mut next_w, &dw, lr);
    let next_velocity: Vec<f64> = rule.buffer().expect("buffer").iter().map(|b| -lr * b).collect();
    check_cs231n(&next_w, section, "expected_next_w", "next_w", "next_w");
    check_cs231n(&next_velocity, section, "expected_velocity", "velocity", "velocity");
}

#[test]
fn cs231n_rmsprop() {
    let section = &VECTORS["cs231n"]["rmsprop"];
    let (w, dw) = notebook_w_dw(section);
    let config = OptimizerConfig::RmsProp {
        lr: 1e-2,
        decay_rate: 0.99,
        eps: 1e-8,
        centered: false,
        momentum: 0.0,
        weight_decay: 0.0,
    };
    let Optimizer::RmsProp(rule) = config.build(w.len()) else { unreachable!() };
    let mut rule = rule.with_square_avg(flat(&section["cache_in"]));
    let mut next_w = w;
    rule.step(&mut next_w, &dw, 1e-2);
    check_cs231n(&next_w, section, "expected_next_w", "next_w", "next_w");
    check_cs231n(rule.square_avg(), section, "expected_cache", "cache", "cache");
}

#[test]
fn cs231n_adam_increments_t_before_use() {
    let section = &VECTORS["cs231n"]["adam"];
    let (w, dw) = notebook_w_dw(section);
    assert_eq!(section["inputs"]["config"]["t"].as_u64(), Some(5));
    let config = OptimizerConfig::Adam {
        lr: 1e-2,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        bias_correction: true,
        amsgrad: false,
        weight_decay: 0.0,
    };
    let Optimizer::Adam(rule) = config.build(w.len()) else { unreachable!() };
    let mut rule = rule.with_state(flat(&section["m_in"]), flat(&section["v_in"]), 5);
    let mut next_w = w;
    rule.step(&mut next_w, &dw, 1e-2);
    assert_eq!(rule.steps_taken(), 6);
    check_cs231n(&next_w, section, "expected_next_w", "next_w", "next_w");
    check_cs231n(rule.exp_avg(), section, "expected_m", "m", "m");
    check_cs231n(rule.exp_avg_sq(), section, "expected_v", "v", "v");
    // Using t = 5 in the correction (the pitfall) would be 1.5e-3 away.
    let pitfall = flat(&section["pitfall_t_not_incremented"]["next_w_with_t=5"]);
    assert!(rel_error(&next_w, &pitfall) > 1e-4);
}
