//! The LR finder tab in the real app: its suggestion buttons set the run's learning rate in
//! the notebook (one undo step), and while the finder is off the tab offers to turn it on.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use optlab::app::OptlabApp;
use optlab_core::entries::training::TrainingLab;
use optlab_core::entries::training::lr_finder::LrFinderOptions;
use optlab_core::entries::{Experiment, LabReport};

use super::harness::{experiment, preset_window};

/// Steps until the selected lab's report for the current config has arrived.
fn settle(h: &mut Harness<'_, OptlabApp>) {
    // A hang guard, not a speed check: generous, so a loaded machine does not fail it.
    let deadline = Instant::now() + Duration::from_mins(5);
    loop {
        h.step();
        let app = h.state();
        assert!(app.labs.failure.is_none(), "{:?}", app.labs.failure);
        let current = &app.document.notebook.entries[app.selected].experiment;
        if app.labs.shows(current) && !app.labs.busy() {
            break;
        }
        assert!(Instant::now() < deadline, "the lab report never arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(2);
}

fn lab<'a>(h: &'a mut Harness<'_, OptlabApp>) -> &'a mut TrainingLab {
    let Experiment::Training(lab) = experiment(h) else { panic!("a training entry") };
    lab
}

#[test]
fn a_suggestion_button_sets_the_run_s_lr_as_one_undo_step() {
    let mut h = preset_window("lr-finder");
    lab(&mut h).runs[0].epochs = 3;
    settle(&mut h);
    let Some(LabReport::Training(report)) = h.state().labs.report() else { panic!("a report") };
    let test = report.runs[0].lr_find.as_ref().expect("the finder ran");
    let valley = test.suggestions.valley.as_ref().expect("a valley suggestion").lr;
    assert!((lab(&mut h).runs[0].optimizer.lr() - 0.01).abs() < 1e-15);

    h.get_by_label("LR finder").click();
    h.run_steps(2);
    let button = format!("Use valley: lr = {valley:.1e}");
    h.get_by_label(&button).click();
    h.run_steps(2);
    assert!((lab(&mut h).runs[0].optimizer.lr() - valley).abs() < 1e-15 * valley);
    // The run trains again with the new lr; the range test itself does not depend on it.
    settle(&mut h);
    let Some(LabReport::Training(again)) = h.state().labs.report() else { panic!("a report") };
    assert_eq!(again.runs[0].lr_find, report_test(&h));
    h.state_mut().undo();
    h.run_steps(2);
    assert!((lab(&mut h).runs[0].optimizer.lr() - 0.01).abs() < 1e-15, "one undo restores it");
}

/// The shown report's range test of the first run.
fn report_test(h: &Harness<'_, OptlabApp>) -> Option<optlab_core::train::lr_range::RangeTest> {
    match h.state().labs.report() {
        Some(LabReport::Training(r)) => r.runs[0].lr_find.clone(),
        _ => None,
    }
}

#[test]
fn while_off_the_tab_explains_and_turns_the_finder_on() {
    let mut h = preset_window("lr-finder");
    let first = lab(&mut h);
    first.runs[0].epochs = 2;
    first.lr_finder = None;
    settle(&mut h);
    h.get_by_label("LR finder").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("The LR range test (Smith 2017").is_some());
    h.get_by_label("Turn on the LR finder").click();
    h.run_steps(2);
    assert_eq!(lab(&mut h).lr_finder, Some(LrFinderOptions::default()));
    settle(&mut h);
    assert!(report_test(&h).is_some_and(|t| t.lrs.len() == 100));
}
