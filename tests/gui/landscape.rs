//! The training entry's Landscape tab in the real app: off, it explains itself and a button
//! turns it on (one undo step); on, the random slice, the PCA plane and the lines appear once
//! training has finished.

use egui_kittest::kittest::Queryable as _;
use optlab_core::entries::training::TrainingLab;
use optlab_core::entries::{Experiment, LabReport};
use optlab_core::notebook::{Entry, Notebook};
use optlab_core::train::ModelConfig;

use super::harness::{experiment, step_until, window};

fn small_training() -> Notebook {
    let mut lab = TrainingLab::default();
    let run = &mut lab.runs[0];
    run.model = ModelConfig::Mlp { hidden: vec![8], dropout_keep: 1.0, dropconnect_keep: 1.0 };
    run.epochs = 10;
    run.batch_size = 1000;
    lab.runs.push(lab.runs[0].clone());
    "Adam 2".clone_into(&mut lab.runs[1].name);
    let mut notebook = Notebook::default_notebook();
    notebook.entries = vec![Entry {
        name: "landscape".to_owned(),
        notes: String::new(),
        experiment: Experiment::Training(lab),
    }];
    notebook
}

fn landscape_on(h: &egui_kittest::Harness<'_, optlab::app::OptlabApp>) -> bool {
    let app = h.state();
    matches!(&app.document.notebook.entries[app.selected].experiment,
        Experiment::Training(lab) if lab.landscape.is_some())
}

#[test]
fn the_landscape_tab_turns_on_with_one_click_and_shows_its_three_views() {
    let mut h = window(small_training());
    // The tabs are drawn with the first report (later on a loaded machine).
    step_until(&mut h, "the first report", |app| {
        matches!(app.labs.report(), Some(LabReport::Training(_)))
    });
    h.run_steps(3);
    h.get_by_label("Landscape").click();
    h.run_steps(3);
    assert!(h.query_by_label_contains("The loss-landscape views are off").is_some());
    h.get_by_label("Turn on the landscape views").click();
    h.run_steps(3);
    assert!(landscape_on(&h), "the button sets the option");
    step_until(
        &mut h,
        "the landscape computed",
        |app| matches!(app.labs.report(), Some(LabReport::Training(r)) if r.landscape.finished),
    );
    h.run_steps(3);
    assert!(h.query_by_label_contains("of the path's variance").is_some());
    assert!(h.query_by_label("Random filter-normalized slice").is_some());
    assert!(h.query_by_label_contains("Adam → Adam 2 (final weights)").is_some());
    h.state_mut().undo();
    h.run_steps(3);
    assert!(!landscape_on(&h), "one undo turns it off again");
    let Experiment::Training(lab) = experiment(&mut h) else { panic!("a training entry") };
    assert!(lab.landscape.is_none());
}
