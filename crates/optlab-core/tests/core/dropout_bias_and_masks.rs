//! Issue 15's lab additions: the dropout neuron's optional bias (E over every mask against the
//! test-time rules, exactly) and DropConnect's sampled weight mask for the picture.

use optlab_core::entries::drop_connect::{DropConnectLab, DropConnectReport};
use optlab_core::entries::dropout::{self, DropoutLab};
use optlab_core::entries::{Experiment, LabKind};
use optlab_core::notebook::Notebook;
use optlab_core::presets;

/// A small neuron: three inputs, eight masks.
const WEIGHTS: [f64; 3] = [0.5, -1.25, 2.0];
const INPUTS: [f64; 3] = [1.5, 0.75, -0.4];

fn dot() -> f64 {
    WEIGHTS.iter().zip(&INPUTS).map(|(w, x)| w * x).sum()
}

#[test]
fn expectation_over_every_mask_equals_the_test_time_rule_with_the_bias() {
    for keep in [0.25, 0.5, 0.8] {
        for bias in [0.5, -1.75, 3.0] {
            let rows = dropout::enumerate_biased_masks(&WEIGHTS, &INPUTS, bias, keep)
                .expect("three inputs enumerate");
            assert_eq!(rows.len(), 8);
            let expected: f64 = rows.iter().map(|r| r.probability * r.activation).sum();
            let test_time = dropout::test_time_with_bias(&WEIGHTS, &INPUTS, bias, keep);
            assert!((expected - test_time).abs() <= 1e-12, "p {keep}, b {bias}");
            assert!((test_time - (keep * dot() + bias)).abs() <= 1e-12, "the bias is not scaled");
            let summed = dropout::biased_expectation(&WEIGHTS, &INPUTS, bias, keep);
            assert!(summed.is_some_and(|e| (e - expected).abs() <= 1e-12));
            // Inverted dropout: the kept inputs ÷ p in training, the test pass untouched.
            let inverted: f64 =
                rows.iter().map(|r| r.probability * ((r.activation - bias) / keep + bias)).sum();
            assert!((inverted - (dot() + bias)).abs() <= 1e-12, "p {keep}, b {bias}");
            // The unit's own output dropped: the notes' (w·x + b)·p, bias included.
            let unit = dropout::unit_dropout_expectation(&WEIGHTS, &INPUTS, bias, keep);
            assert!((unit - (dot() + bias) * keep).abs() <= 1e-12, "p {keep}, b {bias}");
            // Scaling the bias too would miss E[a] by (1 − p)·b.
            assert!(((test_time - unit) - (1.0 - keep) * bias).abs() <= 1e-12);
        }
    }
}

#[test]
fn the_report_shows_the_bias_in_every_number() {
    let lab = DropoutLab {
        weights: WEIGHTS.to_vec(),
        inputs: INPUTS.to_vec(),
        bias: 0.75,
        keep: 0.25,
        ..DropoutLab::default()
    };
    let report = lab.compute();
    assert!((report.full - dot()).abs() <= 1e-15, "full stays w·x");
    assert_eq!(report.bias.to_bits(), 0.75f64.to_bits());
    assert!((report.closed_form - (0.25 * dot() + 0.75)).abs() <= 1e-12);
    assert!(report.exact.is_some_and(|e| (e - report.closed_form).abs() <= 1e-12));
    assert!((report.test_time - report.closed_form).abs() <= 1e-12);
    assert!((report.unit_scaled - (dot() + 0.75) * 0.25).abs() <= 1e-12);
    let masks = report.masks.as_deref().expect("three inputs enumerate");
    assert_eq!(masks[0].activation.to_bits(), 0.75f64.to_bits(), "no input kept: a = b");
    let unbiased = DropoutLab { bias: 0.0, ..lab }.monte_carlo();
    for ((n, biased), (m, plain)) in report.monte_carlo.iter().zip(&unbiased) {
        assert_eq!(n, m);
        assert!((biased - plain - 0.75).abs() <= 1e-12, "the bias shifts every mean");
    }
}

#[test]
fn a_dropout_without_a_bias_field_loads_with_zero_and_reloads() {
    let old = "Dropout(weights: [1.0, 1.0], inputs: [1.0, 2.0], keep: 0.5, samples: 10000, \
               layer_units: 256, seed: 0)";
    let text = format!("(version: 1, entries: [(name: \"old\", experiment: {old})])");
    let notebook = Notebook::from_ron(&text).expect("an old notebook loads");
    let Experiment::Dropout(lab) = &notebook.entries[0].experiment else { panic!("a dropout") };
    assert_eq!(lab.bias.to_bits(), 0.0f64.to_bits());
    assert_eq!(lab, &DropoutLab::default());
    let saved = notebook.to_ron();
    assert!(saved.contains("bias: 0.0"), "the canonical text names every field:\n{saved}");
    assert_eq!(Notebook::from_ron(&saved).expect("reloads"), notebook);

    let lab: DropoutLab = ron::from_str("(bias: -0.5)").expect("the field parses");
    assert_eq!(lab, DropoutLab { bias: -0.5, ..DropoutLab::default() });
    let saved = ron::to_string(&lab).expect("serializes");
    assert!(saved.contains("bias:-0.5"), "{saved}");
    assert_eq!(ron::from_str::<DropoutLab>(&saved).expect("reloads"), lab);
    let refused = ron::from_str::<DropoutLab>("(bias: 1e7)").expect_err("out of range");
    assert!(refused.to_string().contains("`bias`"), "{refused}");
    assert!(DropoutLab { bias: f64::NAN, ..DropoutLab::default() }.validate().is_err());
}

#[test]
fn every_dropout_preset_loads_and_the_bias_entry_has_its_numbers() {
    let preset = presets::find("dropout").expect("the dropout preset");
    let notebook = preset.notebook().expect("loads");
    let labs: Vec<&DropoutLab> = notebook
        .entries
        .iter()
        .filter_map(|e| match &e.experiment {
            Experiment::Dropout(lab) => Some(lab),
            _ => None,
        })
        .collect();
    assert_eq!(labs.len(), 4);
    assert!(labs[..3].iter().all(|lab| lab.bias.to_bits() == 0), "older entries keep b = 0");
    let report = labs[3].compute();
    assert!((report.closed_form - 2.0).abs() <= 1e-12, "0.5 × 3 + 0.5");
    assert!((report.unit_scaled - 1.75).abs() <= 1e-12, "(3 + 0.5) × 0.5");
}

fn mask_report(seed: u64) -> DropConnectReport {
    DropConnectLab {
        inputs: 8,
        units: 4,
        samples: 100,
        gaussian_samples: 10,
        seed,
        ..Default::default()
    }
    .compute()
}

#[test]
fn dropconnect_samples_one_mask_over_the_seeded_layer() {
    let report = mask_report(0);
    let mask = &report.mask;
    assert_eq!((mask.layer.units(), mask.layer.inputs()), (4, 8));
    assert_eq!(mask.kept.len(), 32);
    assert!(mask.kept_count() > 0 && mask.kept_count() < 32, "p = ½ keeps some, not all");
    let lab = DropConnectLab { seed: 0, ..DropConnectLab::default() };
    let (layer, input) = lab.layer_and_input();
    assert_eq!(mask.layer, layer, "the picture shows the layer the numbers use");
    assert_eq!(mask.input, input);
    for (i, row) in layer.rows().enumerate() {
        let u: f64 = row
            .iter()
            .zip(&input)
            .zip(&mask.kept[i * 8..(i + 1) * 8])
            .filter(|(_, kept)| **kept)
            .map(|((w, v), _)| w * v)
            .sum();
        assert_eq!(mask.preactivations[i].to_bits(), u.to_bits(), "unit {}", i + 1);
    }
    assert_eq!(mask_report(0).mask, report.mask, "the same seed draws the same mask");
    assert_ne!(mask_report(1).mask.kept, report.mask.kept, "Resample draws another");
    let everything = DropConnectLab { keep: 1.0, ..DropConnectLab::default() }.sampled_mask();
    assert_eq!(everything.kept_count(), 32, "p = 1 keeps every weight");
}

#[test]
fn drawing_the_mask_leaves_the_inference_numbers_unchanged() {
    let lab = DropConnectLab { samples: 500, gaussian_samples: 50, ..DropConnectLab::default() };
    assert_eq!(lab.compute().units, lab.compare(), "the mask comes from its own stream");
}
