//! The schedule controls of issue 17: every schedule's fields and formula, the preview under
//! them, refused formulas, Sequential's children, and the momentum curve of a schedule that
//! cycles it (in the preview and in the Loss & lr tab).

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use optlab::app::{CurveView, OptlabApp};
use optlab_core::notebook::Notebook;
use optlab_core::optim::OptimizerConfig;
use optlab_core::schedule::Schedule;

use super::harness::{panel, race, race_mut, step_until, window};

/// The Loss & lr tab's legend name of the momentum curves (the app's `curves_view`).
const MOMENTUM_NAME: &str = "momentum or β₁ cycled by the schedule (bottom plot)";

/// The app on the default notebook (taco shell, five runs; the first run's block is open).
fn harness() -> Harness<'static, OptlabApp> {
    let mut h = panel(Notebook::default_notebook());
    settle(&mut h);
    h
}

fn settle(h: &mut Harness<'_, OptlabApp>) {
    h.run_steps(3);
}

/// The first run's schedule.
fn first_schedule(h: &Harness<'_, OptlabApp>) -> Schedule {
    race(h.state()).runs[0].schedule.clone()
}

/// The text of the preview's summary ("lr: … at t = 0, …").
fn summary(h: &Harness<'_, OptlabApp>) -> String {
    let node = h.get_by_label_contains("lr: ");
    let node = node.accesskit_node();
    node.value().or_else(|| node.label()).unwrap_or_default()
}

/// A number as the preview's summary prints it (4 decimals).
fn numbers_of(value: f64) -> String {
    format!("{value:.4}")
}

/// Opens the first run's schedule picker and picks `name`.
fn pick(h: &mut Harness<'_, OptlabApp>, name: &str) {
    h.get_by_role_and_label(Role::ComboBox, "schedule").scroll_to_me();
    settle(h);
    h.get_by_role_and_label(Role::ComboBox, "schedule").click();
    settle(h);
    h.get_by_label(name).click_accesskit();
    settle(h);
    // An accesskit click leaves the popup open.
    h.key_press(egui::Key::Escape);
    settle(h);
}

#[test]
fn picking_each_new_schedule_shows_its_fields_and_formula() {
    let mut h = harness();
    let fields = [
        ("ConstantFactor", "total_iters"),
        ("Linear", "end_factor"),
        ("Polynomial", "power"),
        ("CosineWarmRestarts", "T_mult"),
        ("Cyclic", "step_size_up"),
        ("OneCycle", "pct_start"),
        ("Lambda", "lr_lambda f(t)"),
        ("Multiplicative", "lr_lambda f(t)"),
        ("Sequential", "milestones"),
        ("Chained", "schedule 2"),
        ("ReduceOnPlateau", "patience"),
    ];
    for (name, field) in fields {
        pick(&mut h, name);
        let schedule = first_schedule(&h);
        assert_eq!(schedule.name(), name);
        assert!(h.query_all_by_label(field).next().is_some(), "{name} shows {field}");
        let formula = schedule.formula();
        assert!(h.query_all_by_label(&formula).next().is_some(), "{name} shows {formula}");
    }
    // Sized to the run: OneCycle spans the race's updates and peaks at the optimizer's lr.
    pick(&mut h, "OneCycle");
    let Schedule::OneCycle { total_steps, max_lr, .. } = first_schedule(&h) else {
        panic!("OneCycle picked");
    };
    assert_eq!(total_steps, race(h.state()).steps);
    assert!((max_lr - race(h.state()).runs[0].optimizer.lr()).abs() < 1e-15);
}

#[test]
fn editing_a_field_changes_the_preview() {
    let mut h = harness();
    race_mut(h.state_mut()).runs[0].schedule = Schedule::Step { every: 30, factor: 0.1 };
    settle(&mut h);
    let before = summary(&h);
    h.get_by_role_and_label(Role::Slider, "factor").set_value_accesskit(0.5);
    settle(&mut h);
    assert_eq!(first_schedule(&h), Schedule::Step { every: 30, factor: 0.5 });
    let after = summary(&h);
    assert_ne!(before, after, "the preview follows the edit");
    assert!(after.starts_with("lr: "), "{after}");
}

#[test]
fn a_bad_lambda_formula_is_refused_with_its_message_and_the_old_one_kept() {
    let mut h = harness();
    race_mut(h.state_mut()).runs[0].schedule = Schedule::Lambda("0.9^t".to_owned());
    settle(&mut h);
    let field = || (Role::TextInput, "lr_lambda f(t)");
    h.get_by_role_and_label(field().0, field().1).focus();
    settle(&mut h);
    h.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    h.get_by_role_and_label(field().0, field().1).type_text("0.9^(t");
    settle(&mut h);
    assert_eq!(first_schedule(&h), Schedule::Lambda("0.9^t".to_owned()), "not applied");
    h.get_by_label_contains("⚠ formula `0.9^(t`: column");
    h.get_by_role_and_label(field().0, field().1).type_text(")");
    settle(&mut h);
    assert_eq!(first_schedule(&h), Schedule::Lambda("0.9^(t)".to_owned()));
    assert!(h.query_by_label_contains("⚠ formula").is_none(), "the refusal is gone");
}

#[test]
fn a_sequential_child_can_be_added_and_removed() {
    let mut h = harness();
    race_mut(h.state_mut()).runs[0].schedule = Schedule::Sequential {
        schedules: vec![Schedule::Constant, Schedule::Exponential { k: 0.01 }],
        milestones: vec![50],
    };
    settle(&mut h);
    h.get_by_label("➕ schedule").click_accesskit();
    settle(&mut h);
    let Schedule::Sequential { schedules, milestones } = first_schedule(&h) else {
        panic!("still Sequential");
    };
    assert_eq!(schedules.len(), 3);
    assert_eq!(milestones, vec![50, 150]);
    // The new child has its own picker, one level down.
    h.get_by_role_and_label(Role::ComboBox, "schedule 3");
    h.get_all_by_label("✖ remove").next().expect("a remove button").click_accesskit();
    settle(&mut h);
    let Schedule::Sequential { schedules, milestones } = first_schedule(&h) else {
        panic!("still Sequential");
    };
    assert_eq!(schedules, vec![Schedule::Exponential { k: 0.01 }, Schedule::Constant]);
    assert_eq!(milestones, vec![150]);
}

#[test]
fn one_cycle_previews_the_momentum_of_a_momentum_run_and_refuses_adagrad() {
    let mut h = harness();
    race_mut(h.state_mut()).runs[0].optimizer =
        OptimizerConfig::Momentum { lr: 0.01, momentum: 0.9, dampening: 0.0, weight_decay: 0.0 };
    settle(&mut h);
    pick(&mut h, "OneCycle");
    let text = summary(&h);
    assert!(text.contains("\nmomentum: 0.9500 at t = 0"), "{text}");
    h.get_by_role_and_label(Role::ComboBox, "optimizer").click();
    settle(&mut h);
    h.get_by_label("Adagrad").click();
    settle(&mut h);
    assert!(!summary(&h).contains("momentum"), "no momentum to cycle");
    h.get_by_label_contains("⚠ OneCycle cycles the momentum, but Adagrad has no momentum or beta1");
}

const MOMENTUM_NOTEBOOK: &str = r#"(
    version: 1,
    title: "One cycle",
    entries: [(
        name: "One cycle on Rosenbrock",
        experiment: Race(
            surface: Rosenbrock(),
            start: (-1.2, 1.0),
            steps: 300,
            runs: [
                (name: "one-cycle", optimizer: Momentum(lr: 0.001, momentum: 0.9),
                 schedule: OneCycle(max_lr: 0.002, total_steps: 300)),
                (name: "constant", optimizer: Momentum(lr: 0.001, momentum: 0.9)),
            ],
        ),
    )],
)"#;

#[test]
fn the_loss_and_lr_tab_draws_a_cycled_momentum_only_when_a_schedule_cycles_it() {
    let notebook = Notebook::from_ron(MOMENTUM_NOTEBOOK).expect("the notebook loads");
    let mut h = window(notebook);
    h.state_mut().select(0);
    step_until(&mut h, "both runs computed", |app| {
        !app.results.pending() && !app.results.runs.is_empty()
    });
    h.state_mut().curve_view = CurveView::Curves;
    h.step();
    h.step();
    h.get_by_label(MOMENTUM_NAME);
    race_mut(h.state_mut()).runs[0].schedule = Schedule::Constant;
    step_until(&mut h, "recomputed", |app| !app.results.pending());
    h.step();
    h.step();
    assert!(h.query_by_label(MOMENTUM_NAME).is_none());
}

#[test]
fn reduce_on_plateau_says_its_preview_depends_on_the_loss() {
    let mut h = harness();
    pick(&mut h, "ReduceOnPlateau");
    h.get_by_label_contains("ReduceOnPlateau depends on the loss after each update");
    let lr = numbers_of(race(h.state()).runs[0].optimizer.lr());
    let text = summary(&h);
    assert!(
        text.starts_with(&format!("lr: {lr} at t = 0, lowest {lr} at t = 0, highest {lr}")),
        "{text}"
    );
}

#[test]
fn a_one_cycle_shorter_than_the_race_is_refused_in_the_panel() {
    let mut h = harness();
    let steps = race(h.state()).steps;
    pick(&mut h, "OneCycle");
    let Schedule::OneCycle { total_steps, .. } = &mut race_mut(h.state_mut()).runs[0].schedule
    else {
        panic!("OneCycle picked");
    };
    *total_steps = steps - 1;
    settle(&mut h);
    h.get_by_label_contains(&format!("⚠ the run has {steps} updates but its OneCycle"));
    assert!(h.query_by_label_contains("lr: ").is_none(), "no preview of a refused run");
}

const TRAINING_NOTEBOOK: &str = r#"(
    version: 1,
    title: "Schedules in training",
    entries: [(
        name: "Spiral",
        experiment: Training(
            dataset: Spiral(classes: 3, points_per_class: 100, noise: 0.2),
            validation_fraction: 0.2,
            runs: [(name: "plateau", model: Mlp(hidden: [10]), optimizer: Adam(lr: 0.05),
                    batch_size: 30, epochs: 5, schedule: ReduceOnPlateau())],
        ),
    )],
)"#;

#[test]
fn the_training_panel_previews_its_schedule_over_the_runs_updates_once_per_epoch() {
    let notebook = Notebook::from_ron(TRAINING_NOTEBOOK).expect("the notebook loads");
    let mut h = panel(notebook);
    settle(&mut h);
    h.get_by_label("plateau").click_accesskit();
    settle(&mut h);
    h.get_by_label_contains("the validation loss, once per epoch");
    // 240 training points in batches of 30: 8 updates an epoch, 40 in 5 epochs.
    let text = summary(&h);
    assert!(text.ends_with("at t = 39"), "{text}");
}
