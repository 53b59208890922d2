//! The race controls (left panel) driven headless through `egui_kittest` on the real app state:
//! sliders, combo boxes, buttons and text fields edit the notebook, and only the notebook.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use optlab::app::OptlabApp;
use optlab_core::notebook::Notebook;
use optlab_core::optim::OptimizerConfig;
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;

use super::harness::{panel, race, race_mut};

/// The app on the default notebook (taco shell, five runs); the first run's block is open.
fn harness() -> Harness<'static, OptlabApp> {
    let mut h = panel(Notebook::default_notebook());
    settle(&mut h);
    h
}

/// A few frames: enough for clicks to land and popups to open (the race animates, so `run()`
/// might never settle).
fn settle(h: &mut Harness<'_, OptlabApp>) {
    h.run_steps(3);
}

#[test]
fn the_lr_slider_sets_the_runs_learning_rate() {
    let mut h = harness();
    let before = race(h.state()).clone();
    h.get_by_role_and_label(Role::Slider, "lr η").set_value_accesskit(0.25);
    settle(&mut h);
    let after = race(h.state());
    assert_eq!(after.runs[0].optimizer, OptimizerConfig::Sgd { lr: 0.25, weight_decay: 0.0 });
    assert_eq!(after.runs[1..], before.runs[1..], "the other runs are untouched");
    assert!(after.validate().is_ok());
}

#[test]
fn typing_into_the_lr_field_sets_the_learning_rate() {
    let mut h = harness();
    h.get_by_role_and_label(Role::TextInput, "lr η").focus();
    settle(&mut h);
    h.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    h.get_by_role_and_label(Role::TextInput, "lr η").type_text("0.125");
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    assert!((race(h.state()).runs[0].optimizer.lr() - 0.125).abs() < 1e-12);
}

#[test]
fn a_typed_lr_beyond_the_slider_is_clamped_into_the_allowed_range() {
    let mut h = harness();
    h.get_by_role_and_label(Role::Slider, "lr η").set_value_accesskit(-3.0);
    settle(&mut h);
    let lr = race(h.state()).runs[0].optimizer.lr();
    assert!((lr - 1e-5).abs() < 1e-18, "clamped to the slider's lower end, got {lr}");
    assert!(race(h.state()).validate().is_ok());
}

#[test]
fn add_run_adds_an_adam_run_and_opens_it() {
    let mut h = harness();
    h.get_by_label("➕ Add run").click_accesskit();
    settle(&mut h);
    let runs = &race(h.state()).runs;
    assert_eq!(runs.len(), 6);
    assert_eq!(runs[5].name, "Run 6");
    assert!(
        matches!(runs[5].optimizer, OptimizerConfig::Adam { lr, .. } if (lr - 0.05).abs() < 1e-15)
    );
    assert_eq!(runs[5].schedule, Schedule::Constant);
    // The first run's block and the new one are open: two lr sliders.
    assert_eq!(h.get_all_by_role_and_label(Role::Slider, "lr η").count(), 2);
}

#[test]
fn add_run_is_disabled_at_twelve_runs() {
    let mut h = harness();
    let runs = &mut race_mut(h.state_mut()).runs;
    while runs.len() < 12 {
        runs.push(runs[0].clone());
    }
    settle(&mut h);
    assert!(h.get_by_label("➕ Add run").accesskit_node().is_disabled());
    h.get_by_label("➕ Add run").click_accesskit();
    settle(&mut h);
    assert_eq!(race(h.state()).runs.len(), 12);
}

#[test]
fn the_surface_combo_switches_the_surface_and_resets_the_start() {
    let mut h = harness();
    race_mut(h.state_mut()).start = Some([1.0, 2.0]);
    settle(&mut h);
    h.get_by_role_and_label(Role::ComboBox, "surface").click();
    settle(&mut h);
    h.get_by_label("Rosenbrock").click();
    settle(&mut h);
    let race = race(h.state());
    assert_eq!(race.surface, Surface::Rosenbrock { a: 1.0, b: 100.0 });
    assert_eq!(race.start, None, "a new surface starts at its own default start");
    // Its parameters are now offered.
    h.get_by_role_and_label(Role::Slider, "b");
}

#[test]
fn the_optimizer_combo_switches_kind_and_keeps_the_lr() {
    let mut h = harness();
    let lr = race(h.state()).runs[0].optimizer.lr();
    h.get_by_role_and_label(Role::ComboBox, "optimizer").click();
    settle(&mut h);
    h.get_by_label("Adagrad").click();
    settle(&mut h);
    let optimizer = &race(h.state()).runs[0].optimizer;
    assert!(matches!(optimizer, OptimizerConfig::Adagrad { .. }), "{optimizer:?}");
    assert!((optimizer.lr() - lr).abs() < 1e-15, "the SGD run's lr {lr} is kept");
    h.get_by_role_and_label(Role::Slider, "lr decay d");
}

#[test]
fn the_off_diagonal_slider_keeps_the_hessian_symmetric() {
    let mut h = harness();
    race_mut(h.state_mut()).surface =
        Surface::Quadratic { h: ((1.0, 0.0), (0.0, 1.0)), c: (0.0, 0.0) };
    settle(&mut h);
    h.get_by_role_and_label(Role::Slider, "h12 = h21").set_value_accesskit(0.5);
    settle(&mut h);
    let Surface::Quadratic { h: hessian, .. } = race(h.state()).surface else {
        panic!("still a quadratic");
    };
    assert_eq!(hessian, ((1.0, 0.5), (0.5, 1.0)));
}

#[test]
fn invalid_milestones_are_not_applied() {
    let mut h = harness();
    race_mut(h.state_mut()).runs[0].schedule =
        Schedule::MultiStep { milestones: vec![30, 60], factor: 0.1 };
    settle(&mut h);
    let field = || Role::TextInput;
    h.get_by_role_and_label(field(), "milestones").focus();
    settle(&mut h);
    h.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    h.get_by_role_and_label(field(), "milestones").type_text("10, x");
    settle(&mut h);
    let schedule = &race(h.state()).runs[0].schedule;
    assert_eq!(*schedule, Schedule::MultiStep { milestones: vec![30, 60], factor: 0.1 });
    h.key_press(egui::Key::Backspace);
    h.get_by_role_and_label(field(), "milestones").type_text("20");
    settle(&mut h);
    let schedule = &race(h.state()).runs[0].schedule;
    assert_eq!(*schedule, Schedule::MultiStep { milestones: vec![10, 20], factor: 0.1 });
}

#[test]
fn every_control_in_the_window_has_a_name_with_all_runs_open() {
    let mut h = harness();
    // Open every run's block and switch them through kinds with many controls.
    {
        let race = race_mut(h.state_mut());
        race.runs[1].schedule = Schedule::catalogue().pop().expect("warmup");
        race.runs[2].schedule = Schedule::MultiStep { milestones: vec![5], factor: 0.5 };
        race.surface = Surface::Quadratic { h: ((2.0, 0.0), (0.0, 1.0)), c: (0.0, 0.0) };
    }
    for name in ["● Momentum", "● Nesterov", "● RMSprop", "● Adam"] {
        h.get_by_role_and_label(Role::DisclosureTriangle, name).click_accesskit();
        settle(&mut h);
    }
    assert_eq!(h.get_all_by_role_and_label(Role::Slider, "lr η").count(), 5);
    let unnamed = h.unnamed_widgets();
    assert!(unnamed.is_empty(), "unnamed widgets:\n{}", unnamed.join("\n"));
}

/// Whether a warning under the first run's lr names the stability limit.
fn stability_warning(h: &Harness<'_, OptlabApp>) -> Option<String> {
    h.query_all_by_role(Role::Label)
        .filter_map(|node| node.accesskit_node().value())
        .find(|label| label.contains("λmax") && label.starts_with('⚠'))
}

/// The first run's stable-lr note, shown while its lr is below the limit.
fn stable_note(h: &Harness<'_, OptlabApp>) -> Option<String> {
    h.query_all_by_role(Role::Label)
        .filter_map(|node| node.accesskit_node().value())
        .find(|label| label.starts_with("stable for lr <"))
}

#[test]
fn raising_the_condition_number_past_the_sgd_limit_shows_the_warning_at_once() {
    let mut h = harness();
    // The taco shell with κ = 100 and SGD at lr 0.019: just below 2/λmax = 0.02, which the
    // run's controls say.
    assert_eq!(stability_warning(&h), None);
    assert_eq!(
        stable_note(&h).as_deref(),
        Some("stable for lr < 2/λmax = 0.0200 on this quadratic")
    );
    h.get_by_role_and_label(Role::Slider, "condition κ").set_value_accesskit(110.0);
    settle(&mut h);
    let warning = stability_warning(&h).expect("lr 0.019 is above 2/110");
    assert_eq!(warning, "⚠ above 2/λmax = 0.0182: diverges on this quadratic");
    h.get_by_role_and_label(Role::Slider, "condition κ").set_value_accesskit(90.0);
    settle(&mut h);
    assert_eq!(stability_warning(&h), None, "lr 0.019 is below 2/90");
}
