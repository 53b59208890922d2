//! Adafactor and Muon against `tests/data/vectors-torch-public.json` (PyTorch 2.15 in float64,
//! and torch.optim.Muon's algorithm in float64 with NumPy): every case whose optimizer is one of
//! them, within 1e-10·max(1, |x|) at every step. A `trace` case runs on its surface, where
//! (x, y) is a 1×2 matrix; a `replay` case takes the recorded gradients with the case's shape.

use std::ops::ControlFlow;
use std::sync::LazyLock;

use optlab_core::optim::{Optimizer, OptimizerConfig, SURFACE, Shape};
use optlab_core::run::{self, RunConfig, StepRecord, TraceSink};
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;
use serde_json::Value;

const TOLERANCE: f64 = 1e-10;

static VECTORS: LazyLock<Value> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors-torch-public.json");
    let text = std::fs::read_to_string(path).expect("reference vectors are part of the repository");
    serde_json::from_str(&text).expect("reference vectors are valid JSON")
});

fn flat(value: &Value) -> Vec<f64> {
    match value {
        Value::Array(items) => items.iter().flat_map(flat).collect(),
        Value::Number(n) => vec![n.as_f64().expect("finite number")],
        other => panic!("expected numbers, found {other}"),
    }
}

fn assert_close(ours: &[f64], theirs: &[f64], what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}: length");
    for (i, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
        let allowed = TOLERANCE * b.abs().max(1.0);
        assert!((a - b).abs() <= allowed, "{what}[{i}]: ours {a:e}, reference {b:e}");
    }
}

/// The cases of Adafactor and Muon (their `ron_optimizer` names the variant).
fn cases() -> Vec<&'static Value> {
    let all = VECTORS["optimizers"].as_array().expect("optimizers");
    let mine: Vec<&Value> = all
        .iter()
        .filter(|c| {
            let ron = c["ron_optimizer"].as_str().unwrap_or_default();
            ron.starts_with("Adafactor") || ron.starts_with("Muon")
        })
        .collect();
    assert!(mine.len() >= 4, "the public file has four Adafactor and Muon cases");
    mine
}

fn config_of(case: &Value) -> OptimizerConfig {
    let text = case["ron_optimizer"].as_str().expect("ron_optimizer");
    let config: OptimizerConfig = ron::from_str(text).expect("the case's optimizer parses");
    config.validate().expect("the case's optimizer is in range");
    assert!(case["ron_schedule"].is_null(), "schedules belong to issue 13");
    config
}

/// The case's parameter shape as `replay --shape` gives it.
fn shape_of(case: &Value) -> Shape {
    let dims: Vec<usize> = case["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| usize::try_from(d.as_u64().expect("a dimension")).expect("small"))
        .collect();
    match dims[..] {
        [len] => Shape::Vector(len),
        [rows, cols] => Shape::matrix(rows, cols),
        _ => panic!("unexpected shape {dims:?}"),
    }
}

/// The recorded gradients with the recorded lr, from x0, in the case's shape (a `trace` case on
/// its surface: the 1×2 matrix).
fn run_recorded(case: &Value, shape: Shape) -> Optimizer {
    let id = case["id"].as_str().expect("id");
    let config = config_of(case);
    let mut optimizer = config.build_shaped(&[shape]);
    let mut params = flat(&case["x0"]);
    let (grads, expected) = (case["grads"].as_array().expect("grads"), case["params"].as_array());
    for (k, (grad, want)) in grads.iter().zip(expected.expect("params")).enumerate() {
        let lr = case["lr_used"][k].as_f64().expect("lr_used");
        optimizer.step(&mut params, &flat(grad), lr);
        assert_close(&params, &flat(want), &format!("{id} (recorded grads) step {k}"));
    }
    optimizer
}

#[test]
fn adafactor_and_muon_match_torch_with_the_recorded_gradients() {
    for case in cases() {
        let shape = if case["mode"] == "trace" { SURFACE } else { shape_of(case) };
        let optimizer = run_recorded(case, shape);
        let id = case["id"].as_str().expect("id");
        let state = match &optimizer {
            Optimizer::Adafactor(_) => ["row_var", "col_var"],
            Optimizer::Muon(_) => ["momentum_buffer", "momentum_buffer"],
            other => panic!("{id}: built {other:?}"),
        };
        for name in state {
            let buffer = optimizer.state_buffer(name).expect("torch's state name");
            assert!(buffer.iter().all(|v| v.is_finite()), "{id}: {name}");
        }
        assert_eq!(optimizer.steps_taken(), case["steps"].as_u64().expect("steps"), "{id}");
    }
}

/// `adafactor_vec_quad2d` is named for torch's vector: as a flat vector (`replay` without
/// `--shape`) it matches too, the 1×2 factors being equal to it up to rounding.
#[test]
fn the_adafactor_surface_case_matches_as_a_vector_too() {
    let case = cases().into_iter().find(|c| c["id"] == "adafactor_vec_quad2d").expect("the case");
    let optimizer = run_recorded(case, shape_of(case));
    assert!(optimizer.state_buffer("variance").is_some());
}

/// Positions of a run, one per step after the start.
struct Positions(Vec<[f64; 2]>);

impl TraceSink for Positions {
    fn record(&mut self, record: &StepRecord) -> ControlFlow<()> {
        if record.step > 0 {
            self.0.push(record.position);
        }
        ControlFlow::Continue(())
    }
}

#[test]
fn trace_cases_match_along_their_own_path_on_the_surface() {
    for case in cases().into_iter().filter(|c| c["mode"] == "trace") {
        let id = case["id"].as_str().expect("id");
        let surface: Surface = ron::from_str(case["ron_surface"].as_str().expect("surface"))
            .expect("the case's surface parses");
        let x0 = flat(&case["x0"]);
        let expected = case["params"].as_array().expect("params");
        let config = RunConfig {
            surface,
            start: [x0[0], x0[1]],
            optimizer: config_of(case),
            schedule: Schedule::Constant,
            steps: expected.len() as u64,
            noise_sigma: 0.0,
            seed: 0,
        };
        let mut positions = Positions(Vec::new());
        run::execute(&config, &mut positions);
        assert_eq!(positions.0.len(), expected.len(), "{id}: every step finite");
        for (k, (ours, want)) in positions.0.iter().zip(expected).enumerate() {
            assert_close(ours, &flat(want), &format!("{id} (own path) step {k}"));
        }
    }
}

#[test]
fn the_vector_form_of_adafactor_keeps_variance_and_the_matrix_form_factors() {
    let config: OptimizerConfig = ron::from_str("Adafactor(lr: 0.1)").expect("parses");
    let vector = config.build_shaped(&[Shape::Vector(6)]);
    assert!(vector.state_buffer("variance").is_some_and(|v| v.len() == 6));
    assert!(vector.state_buffer("row_var").is_none());
    let matrix = config.build_shaped(&[Shape::matrix(2, 3)]);
    assert_eq!(matrix.state_buffer("row_var").map(<[f64]>::len), Some(2));
    assert_eq!(matrix.state_buffer("col_var").map(<[f64]>::len), Some(3));
    assert!(matrix.state_buffer("variance").is_none());
}
