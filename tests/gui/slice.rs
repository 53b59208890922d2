//! The race's Slice view on the saddle-point preset: along the Hessian's two eigenvectors at
//! SGD's point (still on the saddle at step 500) the loss curves down along one (negative
//! eigenvalue) and up along the other (positive), every run is marked, and changing the
//! direction changes the curve. On a formula whose one evaluation costs milliseconds the slice
//! is computed off the window's thread.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use optlab_core::expr::Formula;
use optlab_core::notebook::Notebook;
use optlab_core::surface::Surface;

use super::harness::{preset_window, race_mut, step_until, window};
use optlab::app::{CurveView, OptlabApp};

fn all_computed(app: &OptlabApp) -> bool {
    !app.results.pending() && !app.results.runs.is_empty()
}

/// The text of the one label containing `part` (AccessKit keeps a label's text as its value).
fn label_with(h: &Harness<'_, OptlabApp>, part: &str) -> String {
    let node = h.get_by_label_contains(part).accesskit_node();
    node.value().or_else(|| node.label()).unwrap_or_default()
}

/// Picks the direction button `name` and lets the view redraw.
fn pick(h: &mut Harness<'_, OptlabApp>, name: &str) {
    h.get_by_label(name).click();
    h.step();
    h.step();
}

/// The eigenvalue the sentence about the chosen eigenvector states ("eigenvalue λ = V: …").
fn chosen_eigenvalue(sentence: &str) -> f64 {
    let after = sentence.split("eigenvalue λ = ").nth(1).expect("an eigenvalue");
    let number = after.split(':').next().expect("a number");
    number.trim().parse().unwrap_or_else(|_| panic!("a number in {sentence}"))
}

#[test]
fn the_saddles_eigen_directions_curve_one_down_and_one_up_with_the_runs_marked() {
    let mut h = preset_window("saddle-point");
    step_until(&mut h, "every run computed", all_computed);
    h.state_mut().playback.seek(500);
    h.get_by_label("Slice").click();
    h.step();
    h.step();
    assert_eq!(h.state().curve_view, CurveView::Slice);
    h.get_by_label_contains("The line goes through SGD's point at step 500");

    pick(&mut h, "eigenvector 1");
    let down = label_with(&h, "eigenvalue λ = ");
    assert!(down.contains("the loss curves down along it"), "{down}");
    assert!(down.contains("one up and one down: a saddle"), "{down}");
    let falling = chosen_eigenvalue(&down);
    assert!(falling < -1.0, "{down}");
    let curve_down = label_with(&h, "Along the line: lowest loss");
    // The saddle's falling direction reaches both minima (−0.5) at s ≈ ±1.
    assert!(curve_down.contains("lowest loss -0.5000"), "{curve_down}");
    // Every run is marked: SGD at the through point, the two escaped runs at the minimum.
    let sgd = label_with(&h, "SGD at s = 0.0000");
    assert!(sgd.contains("on the line"), "{sgd}");
    for run in ["Momentum at s = ", "Adam at s = "] {
        let marker = label_with(&h, run);
        assert!(marker.contains("loss -0.5000"), "{marker}");
    }

    pick(&mut h, "eigenvector 2");
    let up = label_with(&h, "eigenvalue λ = ");
    assert!(up.contains("the loss curves up along it"), "{up}");
    let rising = chosen_eigenvalue(&up);
    assert!(rising > 1.0, "{up}");
    assert!(falling * rising < 0.0, "opposite signs: {falling} and {rising}");
    let curve_up = label_with(&h, "Along the line: lowest loss");
    assert_ne!(curve_up, curve_down, "another direction, another curve");
    // Along x through SGD's point the loss only rises from s = 0: no lower point on this line.
    assert!(!curve_up.contains("lowest loss -0.5000"), "{curve_up}");
    // Off this line (x through y ≈ 0.02), the escaped runs at y ≈ 1 say how far they are.
    let momentum = label_with(&h, "Momentum at s = ");
    assert!(momentum.contains("off the line"), "{momentum}");
    h.get_by_label_contains("Hollow: a run off the line");

    // The line is drawn on the map (its legend entry) while the Slice tab is on screen.
    h.get_by_label("slice line");
    h.get_by_label("Loss & lr").click();
    h.step();
    h.step();
    assert!(h.query_by_label("slice line").is_none(), "no slice line without the Slice view");
}

#[test]
fn a_huge_formula_is_sliced_off_the_windows_thread() {
    let mut h = window(Notebook::default_notebook());
    let formula = Formula::new(&optlab::bench::big_formula()).expect("the big formula parses");
    race_mut(h.state_mut()).surface = Surface::Expression(formula);
    race_mut(h.state_mut()).steps = 5;
    h.state_mut().curve_view = CurveView::Slice;
    // The first frames come back before the slice: about two hundred evaluations of
    // milliseconds each are not made inside a frame.
    for _ in 0..3 {
        h.step();
    }
    h.get_by_label_contains("computing the slice for the new line");
    assert!(h.query_by_label_contains("Along the line:").is_none());
    // Frames go on until the slice arrives (a guard against a hang, not a timing check).
    let deadline = Instant::now() + Duration::from_mins(3);
    while h.query_by_label_contains("Along the line:").is_none() {
        assert!(Instant::now() < deadline, "no slice of the big formula in three minutes");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    h.get_by_label_contains("eigenvalue λ = ");
}
