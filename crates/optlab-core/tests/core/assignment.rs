//! The assignment helper: the cs231n section of the reference vectors reproduced through the
//! helper's own parsing path (numpy text in, verdicts and arrays out), its mistake diagnosis,
//! multi-step mode, and bad input.

use optlab_core::entries::Experiment;
use optlab_core::entries::assignment::compute::rel_error;
use optlab_core::entries::assignment::numpy::{self, Array};
use optlab_core::entries::assignment::rules::Mistake;
use optlab_core::entries::assignment::{AGREES_BELOW, Verdict};
use optlab_core::entries::assignment::{AssignmentLab, AssignmentReport, NumpyText, Rule};
use optlab_core::notebook::Notebook;
use optlab_core::optim::OptimizerConfig;
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::LazyLock;

static VECTORS: LazyLock<Value> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors-public.json");
    let text = std::fs::read_to_string(path).expect("reference vectors are part of the repository");
    serde_json::from_str(&text).expect("reference vectors are valid JSON")
});

fn rows(value: &Value) -> Vec<Vec<f64>> {
    value
        .as_array()
        .expect("a matrix")
        .iter()
        .map(|row| row.as_array().expect("a row").iter().map(|v| v.as_f64().unwrap()).collect())
        .collect()
}

fn flat(value: &Value) -> Vec<f64> {
    rows(value).concat()
}

/// A matrix as numpy's `print` writes it: no commas, rows on their own lines.
fn printed(matrix: &[Vec<f64>]) -> String {
    let lines: Vec<String> = matrix
        .iter()
        .map(|row| {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:11.8}")).collect();
            format!("[{}]", cells.join(" "))
        })
        .collect();
    format!("[{}]", lines.join("\n "))
}

fn text(s: &str) -> NumpyText {
    NumpyText::new(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn map(pairs: &[(&str, String)]) -> BTreeMap<String, NumpyText> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), text(v))).collect()
}

/// The notebook's inputs, read as the helper reads them: the texts of `inputs` and the
/// config's numbers written as numpy text.
fn notebook_lab(rule: Rule, section: &Value, state: &[&str]) -> AssignmentLab {
    let inputs = &section["inputs"];
    let mut config = vec![];
    for (key, value) in inputs["config"].as_object().unwrap() {
        if !key.contains("(default)") {
            config.push((key.as_str(), value.to_string()));
        }
    }
    for key in state {
        config.push((key, inputs[key].as_str().unwrap().to_owned()));
    }
    AssignmentLab {
        rule,
        inputs: map(&[
            ("w", inputs["w"].as_str().unwrap().to_owned()),
            ("dw", inputs["dw"].as_str().unwrap().to_owned()),
        ]),
        config: map(&config),
        expected: BTreeMap::new(),
        steps: 1,
    }
}

/// Pastes the notebook's expected arrays (printed) and checks the helper: every result
/// agrees with the notebook's own `rel_error`, and every output equals numpy's full precision.
fn reproduce(rule: Rule, section_name: &str, state: &[&str], outputs: &[(&str, &str)]) {
    let section = &VECTORS["cs231n"][section_name];
    let mut lab = notebook_lab(rule, section, state);
    for (output, expected_key) in outputs {
        lab.expected.insert((*output).to_owned(), text(&printed(&rows(&section[expected_key]))));
    }
    let report = lab.compute();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.checks.len(), outputs.len());
    for check in &report.checks {
        let reference = section["rel_error_numpy_vs_expected"][&check.name].as_f64().unwrap();
        let ours = check.rel_error.expect("comparable");
        assert_eq!(check.verdict, Verdict::Agrees, "{section_name} {}: {ours:e}", check.name);
        // The same rel_error the notebook prints (the expected arrays are rounded to 8
        // decimals, so this is rounding, and it is numpy's rounding).
        assert!(
            (ours - reference).abs() <= 1e-9 + reference * 1e-3,
            "{}: {ours:e} vs {reference:e}",
            check.name
        );
        let full = flat(&section["full_precision_numpy"][&check.name]);
        let value = report.output(&check.name).unwrap();
        let error = rel_error(value.data(), &full).unwrap();
        assert!(error < 1e-12, "{section_name} {} vs numpy full precision: {error:e}", check.name);
    }
}

#[test]
fn cs231n_sgd_momentum_through_the_helper() {
    reproduce(
        Rule::SgdMomentum,
        "sgd_momentum",
        &["velocity"],
        &[("next_w", "expected_next_w"), ("velocity", "expected_velocity")],
    );
}

#[test]
fn cs231n_rmsprop_through_the_helper() {
    reproduce(
        Rule::RmsProp,
        "rmsprop",
        &["cache"],
        &[("next_w", "expected_next_w"), ("cache", "expected_cache")],
    );
}

#[test]
fn cs231n_adam_through_the_helper_increments_t() {
    reproduce(
        Rule::Adam,
        "adam",
        &["m", "v"],
        &[("next_w", "expected_next_w"), ("m", "expected_m"), ("v", "expected_v")],
    );
    let lab = notebook_lab(Rule::Adam, &VECTORS["cs231n"]["adam"], &["m", "v"]);
    let t = lab.compute().output("t").unwrap().as_scalar();
    assert_eq!(t, VECTORS["cs231n"]["adam"]["full_precision_numpy"]["t_after"].as_f64());
}

#[test]
fn the_t_pitfall_is_named_when_pasted() {
    let section = &VECTORS["cs231n"]["adam"];
    let mut lab = notebook_lab(Rule::Adam, section, &["m", "v"]);
    let pitfall = rows(&section["pitfall_t_not_incremented"]["next_w_with_t=5"]);
    lab.expected.insert("next_w".to_owned(), text(&printed(&pitfall)));
    let report = lab.compute();
    let check = &report.checks[0];
    let reference = section["pitfall_t_not_incremented"]["rel_error_vs_expected_next_w"].as_f64();
    assert_ne!(check.verdict, Verdict::Agrees);
    // Against the helper's full-precision result rather than the rounded print: near 1.5e-3.
    assert!((check.rel_error.unwrap() - reference.unwrap()).abs() < 1e-5, "{check:?}");
    let (mistake, error) = check.mistake.expect("the mistake is found");
    assert_eq!(mistake, Mistake::TNotIncremented);
    assert!(error < AGREES_BELOW);
}

#[test]
fn every_mistake_is_recognised_from_its_own_result() {
    for rule in Rule::ALL.into_iter().filter(|r| *r != Rule::DropoutForward) {
        for &mistake in rule.mistakes() {
            let lab = AssignmentLab::preloaded(rule);
            let wrong = mistaken_next_w(&lab, mistake);
            let mut pasted = lab.clone();
            pasted.expected = map(&[("next_w", wrong.to_numpy_text())]);
            let check = &pasted.compute().checks[0];
            if check.verdict == Verdict::Agrees {
                // Some slips change only the state (CorrectedMomentsStored), not next_w.
                continue;
            }
            assert_eq!(check.mistake.map(|m| m.0), Some(mistake), "{rule:?} {check:?}");
        }
    }
}

/// The result of `lab` with `mistake` made, computed directly with the rules module.
fn mistaken_next_w(lab: &AssignmentLab, mistake: Mistake) -> Array {
    use optlab_core::entries::assignment::rules::{Hyper, State, step};
    let report = lab.compute();
    let get = |name: &str| report.resolved.iter().find(|n| n.name == name).map(|n| n.value.clone());
    let scalar = |name: &str| get(name).and_then(|a| a.as_scalar()).unwrap_or(0.0);
    let vector = |name: &str| get(name).map(|a| a.data().to_vec()).unwrap_or_default();
    let hyper = Hyper {
        learning_rate: scalar("learning_rate"),
        momentum: scalar("momentum"),
        decay_rate: scalar("decay_rate"),
        beta1: scalar("beta1"),
        beta2: scalar("beta2"),
        epsilon: scalar("epsilon"),
    };
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a small count")]
    let mut state = State {
        velocity: vector("velocity"),
        cache: vector("cache"),
        m: vector("m"),
        v: vector("v"),
        t: scalar("t") as u64,
    };
    let w = get("w").unwrap();
    let mut next = w.data().to_vec();
    step(lab.rule, &hyper, &mut next, &vector("dw"), &mut state, Some(mistake));
    Array::new(w.shape().to_vec(), next).unwrap()
}

#[test]
fn multi_step_equals_single_steps_chained_through_numpy_text() {
    for rule in [Rule::Sgd, Rule::SgdMomentum, Rule::RmsProp, Rule::Adam] {
        let mut lab = AssignmentLab::preloaded(rule);
        lab.expected.clear();
        lab.steps = 4;
        let whole = lab.compute();
        let mut single = AssignmentLab { steps: 1, ..lab.clone() };
        for step in 0..4 {
            let report = single.compute();
            assert_eq!(whole.steps[step].values, report.outputs, "{rule:?} step {}", step + 1);
            for output in &report.outputs {
                let target =
                    if output.name == "next_w" { &mut single.inputs } else { &mut single.config };
                let name = if output.name == "next_w" { "w" } else { &output.name };
                target.insert(name.to_owned(), text(&output.value.to_numpy_text()));
            }
        }
    }
}

#[test]
fn a_stack_of_gradients_gives_one_per_step() {
    let mut lab = AssignmentLab::preloaded(Rule::Sgd);
    lab.inputs = map(&[
        ("w", "np.zeros(2)".to_owned()),
        ("dw", "[[1, 2], [10, 20], [100, 200]]".to_owned()),
    ]);
    lab.config = map(&[("learning_rate", "0.5".to_owned())]);
    lab.steps = 3;
    let report = lab.compute();
    let ws: Vec<&[f64]> = report.steps.iter().map(|s| s.values[0].value.data()).collect();
    assert_eq!(ws, [&[-0.5, -1.0][..], &[-5.5, -11.0], &[-55.5, -111.0]]);
    lab.steps = 2;
    let report = lab.compute();
    assert!(report.problems[0].contains("dw has shape (3, 2)"), "{:?}", report.problems);
}

/// Multi-step momentum from zero velocity is the engine's (`optlab replay`'s) Momentum with
/// the velocity b = −v/lr, to rounding.
#[test]
fn multi_step_momentum_follows_the_engine() {
    let mut lab = AssignmentLab::preloaded(Rule::SgdMomentum);
    lab.config.remove("velocity");
    lab.expected.clear();
    lab.steps = 50;
    let report = lab.compute();
    let lr = 1e-3;
    let config = OptimizerConfig::Momentum { lr, momentum: 0.9, dampening: 0.0, weight_decay: 0.0 };
    let w0 = numpy::parse("np.linspace(-0.4, 0.6, num=20)").unwrap();
    let dw = numpy::parse("np.linspace(-0.6, 0.4, num=20)").unwrap();
    let mut optimizer = config.build(w0.len());
    let mut params = w0.data().to_vec();
    for record in &report.steps {
        optimizer.step(&mut params, dw.data(), lr);
        let ours = record.values[0].value.data();
        assert!(rel_error(ours, &params).unwrap() < 1e-12, "step {}", record.step);
    }
}

#[test]
fn dropout_matches_the_notebooks_statistics() {
    let section = &VECTORS["cs231n"]["dropout"];
    for published in section["published_outputs"].as_array().unwrap() {
        let keep = published["p"].as_f64().unwrap();
        let mut lab = AssignmentLab::preloaded(Rule::DropoutForward);
        lab.config.insert("p".to_owned(), text(&keep.to_string()));
        let report = lab.compute();
        let stats = report.dropout.expect("dropout statistics");
        let zeros = published["frac_zero_train"].as_f64().unwrap();
        assert!((stats.zeros_train - (1.0 - keep)).abs() < 0.005, "p={keep}: {stats:?}");
        assert!((stats.zeros_train - zeros).abs() < 0.006, "p={keep}: {stats:?}");
        assert!((stats.mean_train - stats.mean_input).abs() < 0.05, "p={keep}: {stats:?}");
        assert!((stats.mean_input - 10.0).abs() < 0.01);
        assert_eq!(
            report.output("out_test"),
            lab.inputs["x"].value().reshaped(vec![500, 500]).as_ref()
        );
        assert!(stats.zeros_test <= published["frac_zero_test"].as_f64().unwrap());
    }
}

#[test]
fn a_pasted_dropout_output_is_checked_by_its_pattern_not_its_random_numbers() {
    use optlab_core::entries::assignment::rules::dropout_forward;
    let mut lab = AssignmentLab::preloaded(Rule::DropoutForward);
    lab.inputs = map(&[("x", "np.random.seed(3); np.random.randn(100, 100) + 10".to_owned())]);
    lab.config = map(&[("p", "0.4".to_owned())]);
    let x = lab.inputs["x"].value().clone();
    let cases = [
        (None, Verdict::Agrees, None),
        (Some(Mistake::NotInverted), Verdict::Differs, Some(Mistake::NotInverted)),
        (
            Some(Mistake::KeepAsDropProbability),
            Verdict::Differs,
            Some(Mistake::KeepAsDropProbability),
        ),
    ];
    for (made, verdict, named) in cases {
        // Another seed: a student's mask never equals ours.
        let pass = dropout_forward(x.data(), 0.4, 99, made);
        let out = Array::new(x.shape().to_vec(), pass.out_train).unwrap();
        lab.expected = map(&[("out", out.to_numpy_text())]);
        let check = &lab.compute().checks[0];
        assert_eq!(check.verdict, verdict, "{made:?}: {check:?}");
        assert_eq!(check.mistake.map(|m| m.0), named, "{made:?}: {check:?}");
    }
}

#[test]
fn notebook_files_keep_the_entry_and_refuse_bad_text_with_its_place() {
    let mut notebook = Notebook::default_notebook();
    notebook.entries[0].experiment = Experiment::Assignment(AssignmentLab::default());
    let back = Notebook::from_ron(&notebook.to_ron()).expect("round trip");
    assert_eq!(back, notebook);
    let ron = notebook.to_ron();
    let broken =
        ron.replacen("np.linspace(-0.4, 0.6, num=20)", "np.linspace(-0.4, 0.6, num=2O)", 1);
    let err = Notebook::from_ron(&broken).unwrap_err();
    assert!(err.message.contains("column 29"), "{err:?}");
    assert!(err.line > 1, "{err:?}");
    let unknown = ron.replacen("\"beta1\"", "\"betta1\"", 1).replacen(
        "\"learning_rate\":",
        "\"betta1\": \"0.9\", \"learning_rate\":",
        1,
    );
    let err = Notebook::from_ron(&unknown).unwrap_err();
    assert!(err.message.contains("`betta1` is not used by adam"), "{err:?}");
}

#[test]
fn shapes_that_do_not_fit_are_problems_not_panics() {
    let mut lab = AssignmentLab::preloaded(Rule::Adam);
    lab.config.insert("m".to_owned(), text("np.zeros((5, 4))"));
    lab.config.insert("beta2".to_owned(), text("1.5"));
    lab.expected.insert("next_w".to_owned(), text("[1, 2, 3]"));
    let report: AssignmentReport = lab.compute();
    assert!(
        report.problems.iter().any(|p| p.contains("`m` has shape (5, 4)")),
        "{:?}",
        report.problems
    );
    assert!(report.problems.iter().any(|p| p.contains("beta2")), "{:?}", report.problems);
    assert!(report.outputs.is_empty());
    lab = AssignmentLab::preloaded(Rule::Adam);
    lab.expected.insert("next_w".to_owned(), text("[1, 2, 3]"));
    let report = lab.compute();
    let check = report.checks.iter().find(|c| c.name == "next_w").unwrap();
    assert_eq!(check.name, "next_w");
    assert!(check.note.contains("shape (3,) pasted"), "{check:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn no_text_panics(text in "\\PC{0,60}") {
        let _ = numpy::parse(&text);
    }

    #[test]
    fn no_numpy_like_text_panics(
        text in "[-+*/()\\[\\],;=. 0-9e]{0,30}|(np\\.(linspace|zeros|ones|arange|full|random\\.randn|array)\\([-0-9, ().\\[\\]]{0,20}\\)(\\.reshape\\([-0-9, ]{0,8}\\))?)",
    ) {
        let _ = numpy::parse(&text);
    }

    #[test]
    fn printed_arrays_round_trip(values in proptest::collection::vec(-1e6f64..1e6, 1..40)) {
        let array = Array::vector(values);
        prop_assert_eq!(numpy::parse(&array.to_numpy_text()).unwrap(), array);
    }
}

/// The `assignment` preset's notes hold: the notebook's tests agree, the pitfall is named,
/// Adam moves every coordinate by about lr per step and SGD by lr·dw.
#[test]
fn the_assignment_preset_teaches_its_lessons() {
    let notebook = optlab_core::presets::find("assignment").unwrap().notebook().unwrap();
    let reports: Vec<(String, AssignmentReport)> = notebook
        .entries
        .iter()
        .map(|entry| {
            let Experiment::Assignment(lab) = &entry.experiment else { panic!("{}", entry.name) };
            (entry.name.clone(), lab.compute())
        })
        .collect();
    for (name, report) in &reports {
        assert!(report.problems.is_empty(), "{name}: {:?}", report.problems);
        if name.contains("pitfall") {
            let check = &report.checks[0];
            assert!((check.rel_error.unwrap() - 1.5e-3).abs() < 5e-5, "{check:?}");
            assert_eq!(check.mistake.map(|m| m.0), Some(Mistake::TNotIncremented));
        } else {
            assert!(report.checks.iter().all(|c| c.verdict == Verdict::Agrees), "{name}");
        }
    }
    let next_w = |entry: &str| {
        let (_, report) = reports.iter().find(|(name, _)| name.contains(entry)).unwrap();
        report.output("next_w").unwrap().data().to_vec()
    };
    assert!(next_w("Adam's step").iter().all(|w| (w + 0.5).abs() < 1e-4));
    let sgd = next_w("SGD's step");
    assert!((sgd[0] + 5e-4).abs() < 1e-12 && (sgd[4] + 500.0).abs() < 1e-9, "{sgd:?}");
    let (_, dropout) = reports.iter().find(|(name, _)| name.contains("Dropout")).unwrap();
    let stats = dropout.dropout.unwrap();
    assert!((stats.zeros_train - 0.75).abs() < 0.005 && (stats.mean_train - 10.0).abs() < 0.05);
}
