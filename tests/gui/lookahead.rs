//! Nesterov's look-ahead point on the taco-shell preset's "PyTorch form vs look-ahead form"
//! race: the look-ahead run's point x + μv is on the map (a legend and hover name), it is x
//! itself at step 0, and the Internals view says how the two forms relate.

use egui_kittest::kittest::Queryable as _;

use super::harness::{preset_window, race, step_until};
use optlab::app::{CurveView, OptlabApp};

/// The ring's legend and hover names (the app's `lookahead` module).
const LOOKAHEAD_NAME: &str = "look-ahead x + μv";
const COINCIDES_NAME: &str = "look-ahead x + μv = x (no velocity yet)";

fn all_computed(app: &OptlabApp) -> bool {
    !app.results.pending() && !app.results.runs.is_empty()
}

#[test]
fn the_lookahead_run_shows_where_its_gradient_is_taken() {
    let mut h = preset_window("taco-shell");
    let entries = &h.state().document.notebook.entries;
    let entry = entries
        .iter()
        .position(|e| e.name.starts_with("Nesterov: PyTorch form vs look-ahead form"))
        .expect("the Nesterov race in the taco-shell preset");
    h.state_mut().select(entry);
    step_until(&mut h, "both runs computed", all_computed);
    let lookahead = race(h.state())
        .runs
        .iter()
        .position(|run| run.name.contains("look-ahead"))
        .expect("a look-ahead run");
    h.state_mut().focused_run = lookahead;
    h.state_mut().curve_view = CurveView::Internals;

    // At step 0 there is no velocity: the look-ahead point is x, and the map says so.
    h.state_mut().playback.seek(0);
    h.step();
    h.step();
    h.get_by_label(COINCIDES_NAME);
    assert!(h.query_by_label(LOOKAHEAD_NAME).is_none());
    h.get_by_label("look-ahead offset μv = (x + μv) − x");
    h.get_by_label_contains("the gradient is taken at the look-ahead point");
    assert!(h.query_by_label_contains("Momentum keeps a velocity b").is_none());

    // Moving: the ring leaves x.
    h.state_mut().playback.seek(20);
    h.step();
    h.step();
    h.get_by_label(LOOKAHEAD_NAME);
    assert!(h.query_by_label(COINCIDES_NAME).is_none());

    // The PyTorch form draws no look-ahead point (its parameter is that point) and says so.
    let torch = 1 - lookahead;
    h.state_mut().focused_run = torch;
    h.step();
    h.step();
    h.get_by_label_contains("PyTorch form: the stored parameter is the look-ahead point");
    h.get_by_label_contains("Momentum keeps a velocity b");
    // Disabling the look-ahead run removes its ring.
    super::harness::race_mut(h.state_mut()).runs[lookahead].enabled = false;
    h.step();
    h.step();
    assert!(h.query_by_label(LOOKAHEAD_NAME).is_none());
}
