//! Adadelta, ASGD and Rprop (issue 16) in the app: picked from the optimizer menu with their
//! sliders, their state in the Internals view, and ASGD's average `θ_avg` drawn on the map once
//! averaging has started.

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable as _;

use super::harness::{race, race_mut, step_until, window};
use optlab::app::{CurveView, OptlabApp};
use optlab_core::notebook::Notebook;
use optlab_core::optim::OptimizerConfig;

/// The square's legend and hover names (the app's `asgd_average` module).
const AVERAGE_NAME: &str = "ASGD average θ_avg of the iterates (ax)";
const NOT_STARTED_NAME: &str = "ASGD average θ_avg = θ (averaging starts after t0)";

const NOTEBOOK: &str = r#"(
    version: 1,
    title: "classic optimizers",
    entries: [(
        name: "Adadelta, ASGD, Rprop",
        experiment: Race(
            surface: TacoShell(condition: 10.0, angle: 30.0),
            steps: 200,
            runs: [
                (name: "ASGD", optimizer: Asgd(lr: 0.05, t0: 20.0)),
                (name: "Rprop", optimizer: Rprop(lr: 0.05)),
                (name: "Adadelta", optimizer: Adadelta(lr: 1.0)),
            ],
        ),
    )],
)"#;

fn all_computed(app: &OptlabApp) -> bool {
    !app.results.pending() && app.results.runs.len() == 3
}

#[test]
fn asgd_shows_its_average_on_the_map_and_each_rule_its_state() {
    let notebook = Notebook::from_ron(NOTEBOOK).expect("the notebook loads");
    let mut h = window(notebook);
    step_until(&mut h, "the runs computed", all_computed);
    h.state_mut().focused_run = 0;
    h.state_mut().curve_view = CurveView::Internals;

    // Before update t0 + 2 the average is θ itself.
    h.state_mut().playback.seek(5);
    h.step();
    h.step();
    h.get_by_label(NOT_STARTED_NAME);
    assert!(h.query_by_label(AVERAGE_NAME).is_none());
    h.get_by_label("θ_avg, average of the iterates (ax; θ_avg = θ until t0)");
    h.get_by_label_contains("drawn on the map as a hollow square");
    // ASGD's sliders, each with its torch name in the tooltip's words.
    for label in ["decay λ", "power α", "t0"] {
        h.get_by_role_and_label(Role::Slider, label);
    }

    h.state_mut().playback.seek(150);
    h.step();
    h.step();
    h.get_by_label(AVERAGE_NAME);
    assert!(h.query_by_label(NOT_STARTED_NAME).is_none());

    h.state_mut().focused_run = 1;
    h.step();
    h.step();
    h.get_by_label("previous gradient (prev; 0 after a sign change)");
    h.get_by_label("step size Δ per coordinate (θ moves by Δ·sign(∇L))");
    h.state_mut().focused_run = 2;
    h.step();
    h.step();
    h.get_by_label("effective step η√(u + ε)/√(v + ε)");
    let kinds: Vec<&str> = race(h.state()).runs.iter().map(|r| r.optimizer.name()).collect();
    assert_eq!(kinds, ["Asgd", "Rprop", "Adadelta"]);

    // The first run's controls (the ones on screen) for the other two rules.
    for (ron, labels) in
        [("Rprop()", &["η⁻", "η⁺", "step min", "step max"][..]), ("Adadelta()", &["ρ", "ε"][..])]
    {
        let optimizer: OptimizerConfig = ron::from_str(ron).expect("parses");
        race_mut(h.state_mut()).runs[0].optimizer = optimizer;
        h.step();
        h.step();
        for label in labels {
            h.get_by_role_and_label(Role::Slider, label);
        }
    }
}
