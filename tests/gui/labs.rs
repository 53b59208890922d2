//! The regularization labs in the real app, driven headless through `egui_kittest`: each lab's
//! preset opens on its views, and an edited control recomputes the report in the background.

use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{Queryable as _, by};
use optlab::app::OptlabApp;
use optlab_core::entries::Experiment;
use optlab_core::entries::LabReport;

use super::harness::{experiment, preset_window as harness, step_until};

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

#[test]
fn dropout_shows_every_mask_and_the_scaling_rules_and_follows_p() {
    let mut h = harness("dropout");
    settle(&mut h);
    assert!(h.query_by_label_contains("Every mask of a").is_some());
    assert!(h.query_by_label_contains("E[a] = Σ P(mask)·a = 1.500000").is_some());
    assert!(h.query_by_label_contains("MEANS DIFFER").is_some(), "no scaling: the mismatch shows");
    assert_eq!(h.query_all_by_label_contains("means match").count(), 2);
    let Experiment::Dropout(lab) = experiment(&mut h) else { panic!("a dropout entry") };
    lab.keep = 0.25;
    settle(&mut h);
    assert!(h.query_by_label_contains("E[a] = Σ P(mask)·a = 0.750000").is_some());
    let Some(LabReport::Dropout(report)) = h.state().labs.report() else { panic!("a report") };
    assert_eq!(report.keep.to_bits(), 0.25f64.to_bits());
}

#[test]
fn dropout_has_a_bias_field_that_moves_the_test_time_values() {
    let mut h = harness("dropout");
    settle(&mut h);
    assert!(h.query_by_label_contains("a = w·(p·x) + b = 1.5000").is_some());
    assert!(h.query_by_label_contains("z = (w·x + b)·p = 1.5000").is_some());
    h.get_by_role_and_label(Role::TextInput, "bias b").focus();
    settle(&mut h);
    h.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    h.get_by_role_and_label(Role::TextInput, "bias b").type_text("0.5");
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    let Experiment::Dropout(lab) = experiment(&mut h) else { panic!("a dropout entry") };
    assert_eq!(lab.bias.to_bits(), 0.5f64.to_bits(), "the typed bias is the lab's");
    assert!(h.query_by_label_contains("E[a] = Σ P(mask)·a = 2.000000").is_some());
    assert!(h.query_by_label_contains("a = w·(p·x) + b = 2.0000").is_some(), "b not scaled");
    assert!(h.query_by_label_contains("test a = w·x + b = 3.5000").is_some(), "inverted");
    assert!(h.query_by_label_contains("z = (w·x + b)·p = 1.7500").is_some(), "b scaled with z");
    assert!(h.query_by_label_contains("a = w·(p·x) + b = 1.5000").is_none(), "the old value went");
}

#[test]
fn dropconnect_draws_the_weight_matrix_under_one_mask() {
    let mut h = harness("dropconnect");
    settle(&mut h);
    assert!(h.query_by_label_contains("One training mask: M ⊙ W").is_some());
    let Some(LabReport::DropConnect(report)) = h.state().labs.report() else { panic!("a report") };
    let caption = format!("kept {} of 32 weights", report.mask.kept_count());
    assert!(h.query_by_label_contains(&caption).is_some(), "{caption}");
    let before = report.mask.kept.clone();
    // Hovering the top-left cell names the weight w₁₁ and whether this mask keeps it.
    // The picture (`drop_connect/mask_picture.rs`): 52 points of row labels, then the cells;
    // a header row of column numbers, then one row per unit (4 here).
    let picture = h.get_by_label("weight matrix under one mask").rect();
    let cell = picture.height() / 5.0;
    let first = picture.min + egui::vec2(52.0 + 0.5 * cell, 1.5 * cell);
    h.hover_at(first);
    h.run_steps(60);
    let state = if before[0] { "kept" } else { "dropped" };
    let tip = format!("{state} (unit 1, input 1)");
    assert!(h.query_by_label_contains(&tip).is_some(), "hover shows {tip}");
    assert!(h.query_by_label_contains("w₁₁ = ").is_some());
    h.hover_at(egui::pos2(1.0, 1.0));
    h.get_by_label("🎲 Resample").click();
    settle(&mut h);
    let Some(LabReport::DropConnect(report)) = h.state().labs.report() else { panic!("a report") };
    assert_ne!(report.mask.kept, before, "Resample draws another mask");
    let caption = format!("kept {} of 32 weights", report.mask.kept_count());
    assert!(h.query_by_label_contains(&caption).is_some(), "{caption}");
}

#[test]
fn fractional_pooling_outlines_overlapping_regions() {
    let mut h = harness("fractional-max-pooling");
    settle(&mut h);
    assert!(h.query_by_label_contains("disjoint regions tile the image").is_some());
    assert!(h.query_by_label_contains("overlapping regions share").is_none());
    let Experiment::FractionalMaxPool(lab) = experiment(&mut h) else { panic!("a pooling entry") };
    lab.overlapping = true;
    settle(&mut h);
    assert!(h.query_by_label_contains("Pooling region outlines: each region is a bar").is_some());
    assert!(h.query_by_label_contains("overlapping regions share a row or column").is_some());
}

#[test]
fn dropconnect_compares_inference_per_unit() {
    let mut h = harness("dropconnect");
    settle(&mut h);
    assert!(h.query_by_label_contains("E[relu(u)] per unit, four ways").is_some());
    assert!(h.query_by_label_contains("Layer means: training").is_some());
    let Experiment::DropConnect(lab) = experiment(&mut h) else { panic!("a DropConnect entry") };
    lab.units = 6;
    settle(&mut h);
    let Some(LabReport::DropConnect(report)) = h.state().labs.report() else { panic!("a report") };
    assert_eq!(report.units.len(), 6);
}

#[test]
fn fractional_pooling_draws_regions_and_resamples() {
    let mut h = harness("fractional-max-pooling");
    settle(&mut h);
    assert!(h.query_by_label_contains("input with pooling regions").is_some());
    assert!(h.query_by_label_contains("25 → 17 pixels per side").is_some());
    let seed = |h: &mut Harness<'_, OptlabApp>| match experiment(h) {
        Experiment::FractionalMaxPool(lab) => lab.seed,
        _ => panic!("a pooling entry"),
    };
    let before = seed(&mut h);
    h.get_by_label("🎲 Resample").click();
    settle(&mut h);
    assert_eq!(seed(&mut h), before + 1, "Resample draws with the next seed");
}

#[test]
fn stochastic_depth_shows_survival_raster_and_test_rules() {
    let mut h = harness("stochastic-depth");
    settle(&mut h);
    assert!(h.query_by_label_contains("Survival probability of each block").is_some());
    assert!(h.query_by_label_contains("expected depth Σ pₗ = 40.25").is_some());
    assert!(h.query_by_label_contains("Kept blocks per mini-batch").is_some());
    assert!(h.query_by_label("kept (ran)").is_some(), "the raster has a key");
    assert!(h.query_by_label("skipped").is_some(), "the raster has a key");
    let Experiment::StochasticDepth(lab) = experiment(&mut h) else { panic!("a depth entry") };
    lab.blocks = 10;
    lab.final_survival = 1.0;
    settle(&mut h);
    assert!(h.query_by_label_contains("expected depth Σ pₗ = 10.00").is_some());
}

#[test]
fn the_lab_menu_adds_every_kind_of_lab() {
    let mut h = harness("dropout");
    settle(&mut h);
    let before = h.state().document.notebook.entries.len();
    let items = [
        "Dropout",
        "DropConnect",
        "Fractional max pooling",
        "Stochastic depth",
        "Training",
        "Sweep",
        "Basin map",
        "Assignment helper",
    ];
    for item in items {
        h.get_by_label("➕ Lab").click();
        h.run_steps(2);
        h.get(by().role(Role::Button).label(item)).click();
        settle(&mut h);
    }
    let entries = &h.state().document.notebook.entries;
    assert_eq!(entries.len(), before + items.len());
    let kinds: Vec<&str> = entries[before..].iter().map(|e| e.experiment.kind_name()).collect();
    assert_eq!(
        kinds,
        [
            "dropout",
            "DropConnect",
            "fractional pooling",
            "stochastic depth",
            "training",
            "sweep",
            "basin map",
            "assignment"
        ]
    );
}

#[test]
fn training_shows_curves_and_decision_regions_of_the_chosen_run() {
    let mut h = harness("spiral");
    settle(&mut h);
    assert!(h.query_by_label_contains("Final accuracy — 2-layer, Adam: train 98.7 %").is_some());
    assert!(h.query_by_label_contains("decision regions of").is_some());
    let Some(LabReport::Training(report)) = h.state().labs.report() else { panic!("a report") };
    assert_eq!(report.runs.len(), 2);
    assert!(report.runs.iter().all(|run| run.grid.is_some() && run.error.is_none()));
    let no_rings = "Points: training data (no validation split).";
    assert!(h.query_by_label_contains(no_rings).is_some(), "no rings promised without validation");
    let Experiment::Training(lab) = experiment(&mut h) else { panic!("a training entry") };
    lab.runs[0].epochs = 5;
    settle(&mut h);
    let Some(LabReport::Training(report)) = h.state().labs.report() else { panic!("a report") };
    assert_eq!(report.runs[0].epochs.len(), 5, "an edited run is trained again");
    let Experiment::Training(lab) = experiment(&mut h) else { panic!("a training entry") };
    (lab.validation_fraction, lab.runs[1].epochs) = (0.3, 5);
    settle(&mut h);
    assert!(h.query_by_label_contains("rings: validation data").is_some(), "held-out points");
    assert!(h.query_by_label_contains(no_rings).is_none());
}

fn epochs_done(h: &Harness<'_, OptlabApp>) -> usize {
    match h.state().labs.report() {
        Some(LabReport::Training(report)) => report.progress_epochs().0,
        _ => 0,
    }
}

#[test]
fn training_streams_live_and_pauses_and_resumes() {
    let mut h = harness("spiral");
    let Experiment::Training(lab) = experiment(&mut h) else { panic!("a training entry") };
    lab.runs[1].epochs = 20_000;
    step_until(
        &mut h,
        "a partial report",
        |app| matches!(app.labs.report(), Some(LabReport::Training(r)) if r.progress_epochs().0 > 0),
    );
    assert!(h.state().labs.busy(), "still training: the report is a snapshot");
    assert!(h.query_by_label_contains("Accuracy so far").is_some());
    h.get_by_label("⏸ Pause").click();
    h.run_steps(2);
    assert!(h.state().labs.paused());
    // The thread stops at its next epoch; after that, no more epochs arrive.
    std::thread::sleep(Duration::from_millis(400));
    h.run_steps(2);
    let paused_at = epochs_done(&h);
    std::thread::sleep(Duration::from_millis(400));
    h.run_steps(2);
    assert_eq!(epochs_done(&h), paused_at, "no epochs while paused");
    assert!(h.query_by_label_contains("paused at").is_some());
    h.key_press(egui::Key::Space);
    h.run_steps(2);
    assert!(!h.state().labs.paused(), "Space resumes");
    step_until(&mut h, "more epochs after resuming", |app| match app.labs.report() {
        Some(LabReport::Training(r)) => r.progress_epochs().0 > paused_at,
        _ => false,
    });
}

#[test]
fn a_sweep_fills_its_map_and_a_picked_cell_replays_in_a_race() {
    let mut h = harness("sweep");
    settle(&mut h);
    assert!(h.query_by_label_contains("Lowest final loss").is_some());
    assert!(h.query_by_label_contains("10000 runs in").is_some());
    let Some(LabReport::Sweep(report)) = h.state().labs.report() else { panic!("a sweep") };
    let (i, j, best) = report.best.expect("a best cell");
    let config = report.lab.cell_config(report.x_values[i], report.y_values[j]).expect("a run");
    let entries_before = h.state().document.notebook.entries.len();
    h.state_mut().add_run_to_race(&config, "picked".to_owned());
    let notebook = &h.state().document.notebook;
    assert_eq!(notebook.entries.len(), entries_before + 1, "a new race for the picked run");
    let race = notebook.entries[1].experiment.race().expect("inserted after the sweep");
    let replay = race.run_config(0).expect("the picked run");
    let summary = optlab_core::run::execute(&replay, &mut optlab_core::run::Discard);
    assert_eq!(summary.last.expect("finite").loss.to_bits(), best.to_bits(), "same numbers");
    // A second pick on the same surface and start joins that race.
    h.state_mut().add_run_to_race(&config, "again".to_owned());
    assert_eq!(h.state().document.notebook.entries.len(), entries_before + 1);
}

#[test]
fn a_basin_map_colours_every_start_and_reports_the_shares() {
    let mut h = harness("basins");
    settle(&mut h);
    assert!(h.query_by_label_contains("minimum 1:").is_some());
    assert!(h.query_by_label_contains("65536 starts in").is_some());
    let Some(LabReport::Basin(report)) = h.state().labs.report() else { panic!("a basin map") };
    assert_eq!(report.progress(), (65_536, 65_536));
    assert_eq!(report.minima.len(), 4);
}

#[test]
fn a_stopped_sweep_keeps_its_partial_map_until_an_edit() {
    let mut h = harness("sweep");
    let Experiment::Sweep(lab) = experiment(&mut h) else { panic!("a sweep entry") };
    (lab.x.count, lab.y.count, lab.steps) = (512, 512, 20_000);
    step_until(&mut h, "a partial map of the edited sweep", |app| {
        matches!(app.labs.report(), Some(LabReport::Sweep(r))
            if r.progress().0 > 0 && r.progress().1 == 512 * 512)
    });
    assert!(h.query_by_label("⏹ Stop").is_some(), "the Stop button is offered");
    h.get_by_label("⏹ Stop").click();
    h.run_steps(2);
    step_until(&mut h, "the computation to stop", |app| !app.labs.busy());
    h.run_steps(3);
    let Some(LabReport::Sweep(report)) = h.state().labs.report() else { panic!("a sweep") };
    let (done, total) = report.progress();
    assert!(0 < done && done < total, "{done} / {total}");
    assert!(h.state().labs.stopped());
    assert!(h.query_by_label_contains("stopped at").is_some());
    let Experiment::Sweep(lab) = experiment(&mut h) else { panic!("a sweep entry") };
    (lab.x.count, lab.y.count, lab.steps) = (8, 8, 50);
    settle(&mut h);
    let Some(LabReport::Sweep(report)) = h.state().labs.report() else { panic!("a sweep") };
    assert_eq!(report.progress(), (64, 64), "an edit computes again");
}

/// What the window saves loads again: an axis whose field the base run no longer has moves to
/// one it has, and axis ends stay in their field's range.
#[test]
fn sweep_axes_follow_the_base_run_so_the_saved_notebook_loads() {
    let mut h = harness("sweep");
    let Experiment::Sweep(lab) = experiment(&mut h) else { panic!("a sweep entry") };
    lab.training = None;
    lab.optimizer = optlab_core::optim::OptimizerConfig::Adam {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        bias_correction: true,
        amsgrad: false,
        weight_decay: 0.0,
    };
    lab.x = optlab_core::grid::SweepAxis {
        field: optlab_core::grid::SweepField::Momentum,
        from: 0.0,
        to: 0.9,
        count: 4,
        log: false,
    };
    lab.y = optlab_core::grid::SweepAxis {
        field: optlab_core::grid::SweepField::Beta2,
        from: 0.5,
        to: 5.0,
        count: 4,
        log: false,
    };
    h.run_steps(2);
    let Experiment::Sweep(lab) = experiment(&mut h) else { panic!("a sweep entry") };
    assert_ne!(lab.x.field, optlab_core::grid::SweepField::Momentum, "Adam has no momentum");
    assert!(lab.y.to < 1.0, "β₂ stays below 1: {}", lab.y.to);
    let text = h.state().document.notebook.to_ron();
    if let Err(e) = optlab_core::notebook::Notebook::from_ron(&text) {
        panic!("the window's notebook does not load: {e}");
    }
}

#[test]
fn the_assignment_helper_checks_pasted_results_and_names_a_mistake() {
    let mut h = harness("assignment");
    settle(&mut h);
    assert_eq!(h.query_all_by_label_contains("✔ agrees").count(), 3, "next_w, m and v agree");
    assert!(h.query_by_label_contains("Intermediate values (last step)").is_some());
    assert!(h.query_all_by_label_contains("mt = m / (1 - beta1**t)").count() >= 2, "rule, value");
    h.state_mut().select(1);
    settle(&mut h);
    assert!(h.query_by_label_contains("Your result matches this mistake").is_some());
    assert!(h.query_by_label_contains("t is used before it is incremented").is_some());
}

#[test]
fn a_numpy_field_applies_only_text_that_parses() {
    let mut h = harness("assignment");
    settle(&mut h);
    let field = || Role::MultilineTextInput;
    h.get_by_role_and_label(field(), "learning_rate").focus();
    h.run_steps(2);
    h.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    h.get_by_role_and_label(field(), "learning_rate").type_text("np.linspace(0, 1, num=)");
    settle(&mut h);
    assert!(h.query_by_label_contains("learning_rate: column 23").is_some(), "the error shows");
    let Experiment::Assignment(lab) = experiment(&mut h) else { panic!("an assignment entry") };
    assert_eq!(lab.config["learning_rate"].text(), "1e-2", "the config keeps its value");
    h.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    h.get_by_role_and_label(field(), "learning_rate").type_text("0.5");
    settle(&mut h);
    let Experiment::Assignment(lab) = experiment(&mut h) else { panic!("an assignment entry") };
    assert_eq!(lab.config["learning_rate"].text(), "0.5");
    let Some(LabReport::Assignment(report)) = h.state().labs.report() else { panic!("a report") };
    assert_eq!(
        report.resolved.iter().find(|n| n.name == "learning_rate").unwrap().value.as_scalar(),
        Some(0.5)
    );
    assert!(h.query_all_by_label_contains("✘ differs").count() >= 1, "next_w no longer agrees");
}

#[test]
fn a_training_sweep_shows_validation_losses_and_a_picked_cell_trains_the_same() {
    let mut h = harness("sweep");
    h.state_mut().select(2);
    settle(&mut h);
    assert!(h.query_by_label_contains("Lowest final validation loss").is_some());
    let Some(LabReport::Sweep(report)) = h.state().labs.report() else { panic!("a sweep") };
    let task = report.lab.training.clone().expect("a training task");
    let (i, j, best) = report.best.expect("a best cell");
    let (x, y) = (report.x_values[i], report.y_values[j]);
    let config = optlab_core::entries::sweep::training::cell_config(&report.lab, &task, x, y)
        .expect("a run");
    let entries_before = h.state().document.notebook.entries.len();
    h.state_mut().add_run_to_training(&config, "picked");
    let notebook = &h.state().document.notebook;
    assert_eq!(notebook.entries.len(), entries_before + 1, "a new training entry");
    let Experiment::Training(lab) = &notebook.entries[3].experiment else {
        panic!("inserted after the sweep")
    };
    let replay = lab.config(0).expect("the picked run");
    let last =
        optlab_core::train::Trainer::new(&replay).expect("valid").run().pop().expect("epochs");
    assert_eq!(last.validation_loss.expect("a split").to_bits(), best.to_bits(), "same numbers");
}
