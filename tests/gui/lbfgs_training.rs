//! L-BFGS in a training entry (issue 16): picked from the run's optimizer menu, it shows its own
//! controls and the full-batch note, greys out the batch size, trains, and reports the
//! evaluations of its steps; with dropout the panel says why it cannot train.

use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use optlab::app::OptlabApp;
use optlab_core::entries::{Experiment, LabReport};
use optlab_core::notebook::Notebook;
use optlab_core::optim::OptimizerConfig;
use optlab_core::train::ModelConfig;

use super::harness::{experiment, window};

/// A notebook with one training entry: Adam on a small spiral, 4 epochs.
const NOTEBOOK: &str = r#"(
    version: 1,
    title: "L-BFGS in training",
    entries: [(
        name: "spiral",
        experiment: Training(
            dataset: Spiral(classes: 3, points_per_class: 40, noise: 0.2),
            validation_fraction: 0.0,
            runs: [(name: "net", model: Mlp(hidden: [16]), optimizer: Adam(lr: 0.5), epochs: 4)],
        ),
    )],
)"#;

fn steps(h: &mut Harness<'_, OptlabApp>) {
    h.run_steps(3);
}

fn run_optimizer(h: &mut Harness<'_, OptlabApp>) -> OptimizerConfig {
    let Experiment::Training(lab) = experiment(h) else { panic!("a training entry") };
    lab.runs[0].optimizer.clone()
}

/// Steps until the report of the current config has arrived, for at most a minute.
fn settle(h: &mut Harness<'_, OptlabApp>) {
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        h.step();
        let app = h.state();
        let current = &app.document.notebook.entries[app.selected].experiment;
        if app.labs.shows(current) && !app.labs.busy() {
            break;
        }
        assert!(Instant::now() < deadline, "the training report never arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(2);
}

#[test]
fn picking_lbfgs_in_training_shows_its_controls_and_the_full_batch_note() {
    let mut h = window(Notebook::from_ron(NOTEBOOK).expect("the notebook loads"));
    steps(&mut h);
    h.get_by_role_and_label(Role::DisclosureTriangle, "net").click();
    steps(&mut h);
    assert!(h.query_by_label_contains("Full batch: each epoch is one L-BFGS step").is_none());
    h.get_by_role_and_label(Role::ComboBox, "optimizer").click();
    steps(&mut h);
    h.get_by_label("Lbfgs").scroll_to_me();
    steps(&mut h);
    h.get_by_label("Lbfgs").click();
    steps(&mut h);
    let OptimizerConfig::Lbfgs { lr, .. } = run_optimizer(&mut h) else {
        panic!("the run is L-BFGS now")
    };
    assert!((lr - 0.5).abs() < 1e-15, "the lr is kept: {lr}");
    for label in ["max iterations", "tolerance grad", "tolerance change", "history m"] {
        h.get_by_role_and_label(Role::Slider, label);
    }
    h.get_by_role_and_label(Role::CheckBox, "strong Wolfe line search");
    assert!(h.query_by_label_contains("Full batch: each epoch is one L-BFGS step").is_some());
    assert!(h.query_by_label_contains("so the batch size is ignored").is_some());
    assert!(h.get_by_role_and_label(Role::Slider, "batch size").accesskit_node().is_disabled());
    settle(&mut h);
    let Some(LabReport::Training(report)) = h.state().labs.report() else { panic!("a report") };
    let run = &report.runs[0];
    assert!(run.error.is_none(), "{:?}", run.error);
    assert_eq!(run.epochs.len(), 4);
    assert!(run.epochs.iter().all(|e| e.evaluations.is_some() && e.updates == e.epoch as u64));
    assert!(h.query_by_label_contains("evaluations of L in its last step").is_some());
}

#[test]
fn lbfgs_with_dropout_is_refused_in_the_panel_and_the_report() {
    let mut h = window(Notebook::from_ron(NOTEBOOK).expect("the notebook loads"));
    steps(&mut h);
    h.get_by_role_and_label(Role::DisclosureTriangle, "net").click();
    steps(&mut h);
    {
        let Experiment::Training(lab) = experiment(&mut h) else { panic!("a training entry") };
        lab.runs[0].optimizer = ron::from_str("Lbfgs()").expect("L-BFGS");
        lab.runs[0].model =
            ModelConfig::Mlp { hidden: vec![16], dropout_keep: 0.5, dropconnect_keep: 1.0 };
    }
    settle(&mut h);
    assert!(h.query_by_label_contains("L-BFGS cannot train this network").is_some());
    let Some(LabReport::Training(report)) = h.state().labs.report() else { panic!("a report") };
    let error = report.runs[0].error.clone().expect("refused");
    assert!(error.contains("L-BFGS compares loss values along its line search"), "{error}");
}
