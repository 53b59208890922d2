//! Legends that never cover data: the training lab's legend is a row above its plots (no legend
//! entries inside the plots), naming train (solid) and validation (dashed) and each run.

use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::kittest::{Queryable as _, by};
use optlab_core::entries::Experiment;

use super::harness::{experiment, preset_window};

#[test]
fn training_legends_tell_train_from_validation_outside_the_plots() {
    let mut h = preset_window("spiral");
    let entry = h
        .state()
        .document
        .notebook
        .entries
        .iter()
        .position(|e| e.name.starts_with("Overfitting vs dropout"))
        .expect("the overfitting entry of the spiral preset");
    h.state_mut().select(entry);
    let Experiment::Training(lab) = experiment(&mut h) else { panic!("a training entry") };
    for run in &mut lab.runs {
        run.epochs = 3;
    }
    let names: Vec<String> = lab.runs.iter().map(|run| run.name.clone()).collect();
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
    h.get(by().role(Role::Label).label("train (solid)"));
    h.get(by().role(Role::Label).label("validation (dashed)"));
    h.get(by().role(Role::Label).label("validation class 0"));
    for name in &names {
        h.get(by().role(Role::Label).label(name));
        // The plots' own legends (check boxes inside the plot area) are gone.
        assert!(h.query_by_label(&format!("{name} train")).is_none());
        assert!(h.query_by_label(&format!("{name} validation")).is_none());
    }
}
