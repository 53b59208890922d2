//! Typed numbers are taken as typed or refused with the allowed range, never silently replaced,
//! and a typed number is one edit: the notebook changes once, when the field is left.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use optlab::app::OptlabApp;
use optlab_core::notebook::Notebook;

use super::harness::{panel, race, window};

/// The app on the default notebook (taco shell, five runs); the first run's block is open.
fn harness() -> Harness<'static, OptlabApp> {
    let mut h = panel(Notebook::default_notebook());
    h.run_steps(3);
    h
}

/// Types `text` into the field labelled `label` keystroke by keystroke, with frames between.
fn type_slowly(h: &mut Harness<'_, OptlabApp>, label: &str, text: &str) {
    h.get_by_role_and_label(Role::TextInput, label).focus();
    h.run_steps(2);
    h.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    for c in text.chars() {
        h.get_by_role_and_label(Role::TextInput, label).type_text(&c.to_string());
        h.run_steps(2);
    }
}

/// Types `text` and leaves the field with Enter.
fn type_and_enter(h: &mut Harness<'_, OptlabApp>, label: &str, text: &str) {
    type_slowly(h, label, text);
    h.key_press(egui::Key::Enter);
    h.run_steps(3);
}

fn lr(h: &Harness<'_, OptlabApp>) -> f64 {
    race(h.state()).runs[0].optimizer.lr()
}

#[test]
fn text_that_is_not_a_number_is_refused_with_the_range_and_the_value_stays() {
    let mut h = harness();
    let before = lr(&h);
    type_and_enter(&mut h, "lr η", "abc");
    assert_eq!(lr(&h).to_bits(), before.to_bits(), "the lr is unchanged");
    h.get_by_label_contains("\"abc\" is not a number; allowed [0, +inf)");
    assert_eq!(
        h.get_by_role_and_label(Role::TextInput, "lr η").value().as_deref(),
        Some("abc"),
        "the refused text stays in the field so the student sees what was refused"
    );
}

#[test]
fn a_value_beyond_the_slider_but_allowed_is_taken_as_typed() {
    let mut h = harness();
    type_and_enter(&mut h, "lr η", "1e6");
    assert_eq!(lr(&h).to_bits(), 1e6_f64.to_bits(), "not clamped to the slider's end");
    type_and_enter(&mut h, "steps", "200000");
    assert_eq!(race(h.state()).steps, 200_000, "not clamped to the slider's 100000");
}

#[test]
fn steps_outside_the_limit_are_refused_with_the_range() {
    let mut h = harness();
    let steps = race(h.state()).steps;
    type_and_enter(&mut h, "steps", "0");
    assert_eq!(race(h.state()).steps, steps);
    h.get_by_label_contains("`steps` = 0 is out of range; allowed [1, 10000000]");
    type_and_enter(&mut h, "steps", "1e8");
    assert_eq!(race(h.state()).steps, steps);
    h.get_by_label_contains("`steps` = 100000000 is out of range; allowed [1, 10000000]");
    type_and_enter(&mut h, "steps", "2.5");
    h.get_by_label_contains("is not a whole number");
    type_and_enter(&mut h, "steps", "500");
    assert_eq!(race(h.state()).steps, 500);
    assert!(h.query_by_label_contains("out of range").is_none(), "an accepted value clears it");
}

#[test]
fn a_typed_number_is_one_edit_and_one_undo_step() {
    // The whole app: its frame logic feeds the undo history.
    let mut h = window(Notebook::default_notebook());
    h.run_steps(30);
    let before = lr(&h);
    type_slowly(&mut h, "lr η", "0.05");
    h.run_steps(60);
    assert_eq!(lr(&h).to_bits(), before.to_bits(), "nothing changes while typing");
    h.key_press(egui::Key::Enter);
    h.run_steps(60);
    assert_eq!(lr(&h).to_bits(), 0.05_f64.to_bits());
    h.state_mut().undo();
    h.run_steps(3);
    assert_eq!(lr(&h).to_bits(), before.to_bits(), "one undo goes back to before the typing");
}

#[test]
fn escape_puts_the_value_back() {
    let mut h = harness();
    let before = lr(&h);
    type_slowly(&mut h, "lr η", "0.3");
    h.key_press(egui::Key::Escape);
    h.run_steps(3);
    assert_eq!(lr(&h).to_bits(), before.to_bits());
    let shown = h.get_by_role_and_label(Role::TextInput, "lr η").value().unwrap_or_default();
    assert_ne!(shown, "0.3", "the field shows the value again");
}

#[test]
fn a_start_coordinate_is_any_finite_number_and_nothing_else() {
    let mut h = harness();
    type_and_enter(&mut h, "start x", "2e6");
    let x = race(h.state()).start_point()[0];
    assert_eq!(x.to_bits(), 2e6_f64.to_bits(), "no silent clamp to ±1e6");
    type_and_enter(&mut h, "start y", "inf");
    h.get_by_label_contains("`start y` = inf is out of range");
    assert!(race(h.state()).start_point()[1].is_finite());
}

#[test]
fn a_file_that_fails_to_open_says_why_in_a_window_and_keeps_the_notebook() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.ron");
    std::fs::write(&path, "(entries: [\n  (name: \"x\", experiment: Race(steps: -3))\n])\n")
        .expect("write");
    let mut h = window(Notebook::default_notebook());
    let title = h.state().document.notebook.title.clone();
    h.run_steps(3);
    h.get_by_label("File").click();
    h.run_steps(3);
    h.get_by_label_contains("Open…").click();
    h.run_steps(3);
    h.get_by_role_and_label(Role::TextInput, "File path:").focus();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "File path:").type_text(&path.display().to_string());
    h.run_steps(1);
    h.get_by_label("Open").click();
    h.run_steps(3);
    h.get_by_label("⚠ The notebook did not open");
    let where_ = format!("{}:2:", path.display());
    let places = h.get_all_by_label_contains(&where_).count();
    assert_eq!(places, 2, "FILE:LINE: in the window and in the status bar");
    assert_eq!(h.state().document.notebook.title, title, "the open notebook is kept");
    h.get_by_label("Close").click();
    h.run_steps(3);
    assert!(h.query_by_label("⚠ The notebook did not open").is_none());
}

/// Waits until the worker has computed everything the selected race asks for.
fn computed(h: &mut Harness<'_, OptlabApp>) {
    super::harness::step_until(h, "the runs to be computed", |app| {
        !app.results.pending() && app.results.computed_steps() >= race(app).steps
    });
    h.run_steps(3);
}

#[test]
fn an_edit_keeps_showing_the_run_at_the_step_the_student_was_at() {
    let mut h = window(Notebook::default_notebook());
    computed(&mut h);
    h.state_mut().playback.seek(200);
    h.run_steps(3);
    super::harness::race_mut(h.state_mut()).runs[0].optimizer =
        optlab_core::optim::OptimizerConfig::Sgd { lr: 0.015, weight_decay: 0.0 };
    computed(&mut h);
    assert_eq!(h.state().playback.step(), 200, "not back to a dot at step 0");
    assert!(!h.state().playback.playing, "still where the student paused");
}

#[test]
fn switching_entries_shows_the_other_race_whole() {
    let mut h = window(Notebook::default_notebook());
    computed(&mut h);
    h.state_mut().select(1);
    computed(&mut h);
    let steps = race(h.state()).steps;
    assert_eq!(h.state().playback.step(), steps, "every step shown, not step 0");
}
