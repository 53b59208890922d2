//! Schedule-Free's evaluation point x beside its parameters y: the map draws x's dashed path
//! (named in the legend under the map) and the loss plot a dashed curve of the loss at x, for
//! Schedule-Free runs only; the Internals view says what y and x are.

use egui_kittest::kittest::Queryable as _;

use super::harness::{race_mut, step_until, window};
use optlab::app::{CurveView, OptlabApp};
use optlab_core::notebook::Notebook;

/// The map legend's name of x's dashed path (the app's `evaluation_point` module).
const EVALUATION_NAME: &str = "evaluation point x (Schedule-Free average)";
/// The loss plot's legend name of the dashed curves.
const LOSS_AT_X_NAME: &str = "loss at the evaluation point x (Schedule-Free)";

const NOTEBOOK: &str = r#"(
    version: 1,
    title: "Schedule-Free",
    entries: [(
        name: "Schedule-Free on Rosenbrock",
        experiment: Race(
            surface: Rosenbrock(),
            start: (-1.2, 1.0),
            steps: 400,
            runs: [
                (name: "SF AdamW", optimizer: ScheduleFreeAdamW(lr: 0.02)),
                (name: "Lion", optimizer: Lion(lr: 0.003)),
            ],
        ),
    )],
)"#;

fn all_computed(app: &OptlabApp) -> bool {
    !app.results.pending() && !app.results.runs.is_empty()
}

#[test]
fn schedule_free_shows_its_evaluation_point_on_the_map_and_in_the_loss_plot() {
    let notebook = Notebook::from_ron(NOTEBOOK).expect("the notebook loads");
    let mut h = window(notebook);
    h.state_mut().select(0);
    step_until(&mut h, "both runs computed", all_computed);
    h.state_mut().playback.seek(200);
    h.state_mut().curve_view = CurveView::Curves;
    h.step();
    h.step();
    h.get_by_label(EVALUATION_NAME);
    h.get_by_label(LOSS_AT_X_NAME);

    h.state_mut().focused_run = 0;
    h.state_mut().curve_view = CurveView::Internals;
    h.step();
    h.step();
    h.get_by_label_contains("Schedule-Free AdamW takes Adam-normalized steps on a sequence z");

    // Without a Schedule-Free run there is no evaluation point to draw.
    race_mut(h.state_mut()).runs[0].enabled = false;
    h.step();
    h.step();
    assert!(h.query_by_label(EVALUATION_NAME).is_none());
    assert!(h.query_by_label(LOSS_AT_X_NAME).is_none());
}
