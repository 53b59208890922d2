//! The race's Internals view on the adagrad-vs-rmsprop preset: each optimizer family is
//! described by what it keeps (no "keeps no velocity" for the adaptive rules), each plot has a
//! legend entry per coordinate, and the numbers tell the preset's story: Adagrad's effective
//! step shrinks while RMSprop's grows back.

use egui_kittest::kittest::Queryable as _;

use super::harness::{preset_window, step_until};
use optlab::app::{CurveView, OptlabApp};

fn all_computed(app: &OptlabApp) -> bool {
    !app.results.pending() && !app.results.runs.is_empty()
}

/// The effective step of the y coordinate after the first update and at the end of run `index`.
fn first_and_last_step(app: &OptlabApp, index: usize) -> (f64, f64) {
    let internals = &app.results.runs[index].internals;
    let first = internals.iter().find(|s| s.step == 1).expect("a sample after one update");
    let last = internals.last().expect("samples");
    (first.effective_step[1], last.effective_step[1])
}

#[test]
fn adagrad_and_rmsprop_internals_show_their_accumulators_and_effective_steps() {
    let mut h = preset_window("adagrad-vs-rmsprop");
    h.state_mut().curve_view = CurveView::Internals;
    step_until(&mut h, "both runs computed", all_computed);
    h.step();
    assert!(h.query_by_label_contains("keeps no state").is_none());
    assert!(h.query_by_label_contains("keeps no velocity").is_none());
    h.get_by_label_contains("Adagrad keeps G");
    h.get_by_label("G = Σ g², sum of squared gradients");
    h.get_by_label("effective step η/(√G + ε)");
    // One legend entry per coordinate in each of the two plots.
    assert_eq!(h.query_all_by_label("x coordinate").count(), 2);
    assert_eq!(h.query_all_by_label("y coordinate").count(), 2);

    h.state_mut().focused_run = 1;
    h.step();
    h.step();
    h.get_by_label_contains("RMSprop keeps v");
    h.get_by_label("effective step η/(√v + ε)");
    h.get_by_label("v, leaky average of squared gradients");
    assert!(h.query_by_label_contains("Adagrad keeps G").is_none());

    let (adagrad_first, adagrad_last) = first_and_last_step(h.state(), 0);
    let (rmsprop_first, rmsprop_last) = first_and_last_step(h.state(), 1);
    assert!(
        adagrad_last < adagrad_first,
        "Adagrad's step shrinks: {adagrad_first} → {adagrad_last}"
    );
    assert!(rmsprop_last > rmsprop_first, "RMSprop's grows back: {rmsprop_first} → {rmsprop_last}");
}
