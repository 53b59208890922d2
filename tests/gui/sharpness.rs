//! The training entry's Sharpness tab: without tracking it offers a button that turns tracking
//! on (one action, the lab trains again), and then shows λmax against epoch.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use optlab::app::OptlabApp;
use optlab_core::entries::training::{SharpnessTracking, TrainingLab};
use optlab_core::entries::{Experiment, LabReport};
use optlab_core::notebook::{Entry, FORMAT_VERSION, Notebook};
use optlab_core::train::ModelConfig;

use super::harness::{experiment, step_until, window};

fn small_training() -> Notebook {
    let mut lab = TrainingLab::default();
    for run in &mut lab.runs {
        run.model = ModelConfig::Mlp { hidden: vec![8], dropout_keep: 1.0, dropconnect_keep: 1.0 };
        run.epochs = 30;
        run.batch_size = 300;
    }
    Notebook {
        version: FORMAT_VERSION,
        title: "sharpness".to_owned(),
        entries: vec![Entry {
            name: "small".to_owned(),
            notes: String::new(),
            experiment: Experiment::Training(lab),
        }],
    }
}

fn settle(h: &mut Harness<'_, OptlabApp>) {
    let deadline = Instant::now() + Duration::from_mins(5);
    loop {
        h.step();
        let app = h.state();
        let current = &app.document.notebook.entries[app.selected].experiment;
        if app.labs.shows(current) && !app.labs.busy() {
            break;
        }
        assert!(Instant::now() < deadline, "the lab report never arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn the_sharpness_tab_turns_tracking_on_and_plots_it() {
    let mut h = window(small_training());
    settle(&mut h);
    h.get_by_label("Sharpness").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("Sharpness is not tracked").is_some());
    h.get_by_label("Track sharpness").click();
    h.run_steps(2);
    let Experiment::Training(lab) = experiment(&mut h) else { panic!("a training entry") };
    assert_eq!(lab.sharpness, Some(SharpnessTracking::default()), "the button turned tracking on");
    settle(&mut h);
    step_until(&mut h, "sharpness points", |app| match app.labs.report() {
        Some(LabReport::Training(r)) => r.runs.iter().all(|run| run.sharpness.len() == 4),
        _ => false,
    });
    h.run_steps(2);
    assert!(h.query_by_label_contains("Sharpness is not tracked").is_none());
    assert!(h.query_by_label_contains("No edge line for Adam").is_some(), "Adam has no 2/lr");
    assert!(h.query_by_label_contains("λmax (solid)").is_some());
}

/// The status bar tells a running lab from an idle window: "computing the lab" while it
/// trains, "lab paused" while paused, "idle" once it was stopped (no race runs here, so the
/// race worker alone would say idle all along).
#[test]
fn the_status_bar_says_when_a_lab_computes() {
    let mut notebook = small_training();
    let Experiment::Training(lab) = &mut notebook.entries[0].experiment else { unreachable!() };
    for run in &mut lab.runs {
        run.epochs = 1_000_000;
    }
    let mut h = window(notebook);
    step_until(&mut h, "the lab to start", |app| app.labs.busy());
    h.run_steps(2);
    assert!(h.query_by_label_contains("computing the lab").is_some());
    assert!(h.query_by_label_contains("idle").is_none());
    h.state_mut().labs.set_paused(true);
    h.run_steps(2);
    assert!(h.query_by_label_contains("lab paused").is_some());
    h.state_mut().labs.set_paused(false);
    h.state_mut().labs.stop();
    step_until(&mut h, "the lab to stop", |app| !app.labs.busy());
    h.run_steps(2);
    assert!(h.query_by_label_contains("idle").is_some());
    assert!(h.query_by_label_contains("computing the lab").is_none());
}
