//! The map's direction arrows: on the taco shell the angle between −∇f and the way to the
//! minimum is written at the start and follows the selected run's current point; on a formula
//! without known minima, Newton's direction is compared instead; the switch hides them.

use egui_kittest::kittest::Queryable as _;

use super::harness::{preset_window, race_mut, step_until, window};
use optlab::app::OptlabApp;
use optlab_core::notebook::Notebook;
use optlab_core::surface::Surface;

fn all_computed(app: &OptlabApp) -> bool {
    !app.results.pending() && !app.results.runs.is_empty()
}

/// The angle in a sentence under the map that starts with `place`, e.g. "start: −∇f (solid) is
/// 74° off …".
fn angle_at(h: &egui_kittest::Harness<'_, OptlabApp>, place: &str) -> f64 {
    let prefix = format!("{place}: −∇f (solid) is ");
    let node = h.get_by_label_contains(&prefix);
    let label = node.value().unwrap_or_default();
    let rest = label.split(&prefix).nth(1).unwrap_or_default();
    let number = rest.split('°').next().unwrap_or_default();
    number.parse().unwrap_or_else(|_| panic!("an angle in {label:?}"))
}

/// Shows `step` and lets the map draw it.
fn seek(h: &mut egui_kittest::Harness<'_, OptlabApp>, step: u64) {
    h.state_mut().playback.seek(step);
    h.step();
    h.step();
}

#[test]
fn the_taco_shell_shows_the_angle_at_the_start_and_at_the_selected_runs_step() {
    let mut h = preset_window("taco-shell");
    step_until(&mut h, "all runs computed", all_computed);
    seek(&mut h, 0);
    // κ = 100, start (−4, 1) in the valley's axes: atan(100/4) − atan(1/4) ≈ 73.7°.
    assert!((angle_at(&h, "start") - 74.0).abs() < 0.5);
    assert!(h.query_by_label_contains("(SGD): −∇f").is_none(), "at step 0 only the start");
    // The angle label on the map itself (painted text) and the sentence agree; the sentence
    // follows the selected run (SGD) as playback moves.
    seek(&mut h, 40);
    let early = angle_at(&h, "step 40 (SGD)");
    seek(&mut h, 200);
    let late = angle_at(&h, "step 200 (SGD)");
    assert!(h.query_by_label_contains("step 40 (SGD)").is_none(), "the old step is gone");
    assert!((early - late).abs() > 1.0, "the angle follows the run: {early}° then {late}°");
    // Another selected run: its own point.
    h.state_mut().focused_run = 1;
    seek(&mut h, 30);
    angle_at(&h, "step 30 (Momentum)");
    assert!(h.query_by_label_contains("(SGD): −∇f").is_none());
    // Arrived (closer to the minimum than the map shows): no arrows, and it says so.
    seek(&mut h, 290);
    h.get_by_label_contains("step 290 (Momentum): at the minimum");
    // The angle at the start grows with the condition number.
    let mut angles = Vec::new();
    for condition in [10.0, 100.0, 1000.0] {
        race_mut(h.state_mut()).surface = Surface::TacoShell { condition, angle: 30.0 };
        h.step();
        h.step();
        angles.push(angle_at(&h, "start"));
    }
    assert!(angles.windows(2).all(|w| w[1] > w[0]), "{angles:?}");
    // The switch hides the arrows and their sentences.
    h.get_by_label("Directions").click();
    h.step();
    h.step();
    assert!(h.query_by_label_contains("start: −∇f").is_none());
}

#[test]
fn a_formula_without_minima_compares_with_newtons_direction() {
    let text = "(entries: [(name: \"a bowl typed in\", experiment: Race(surface: \
                Expression(\"x^2 + 3*y^2 + x*y\"), start: (2.0, 1.5), runs: [(name: \"SGD\", \
                optimizer: Sgd(lr: 0.05))]))])";
    let mut h = window(Notebook::from_ron(text).expect("loads"));
    step_until(&mut h, "the run computed", all_computed);
    seek(&mut h, 0);
    let sentence = h.get_by_label_contains("start: −∇f (solid) is ");
    let label = sentence.value().unwrap_or_default();
    assert!(label.contains("off Newton's direction −H⁻¹∇f"), "{label}");
    assert!(angle_at(&h, "start") > 1.0, "an anisotropic bowl: −∇f is off Newton's direction");
    // A plane has a zero Hessian: said, not drawn.
    let text = "(entries: [(name: \"a plane\", experiment: Race(surface: Expression(\"x + y\"), \
                start: (1.0, 1.0), runs: [(name: \"SGD\", optimizer: Sgd(lr: 0.05))]))])";
    let mut h = window(Notebook::from_ron(text).expect("loads"));
    step_until(&mut h, "the run computed", all_computed);
    seek(&mut h, 0);
    h.get_by_label_contains(
        "start: Newton's direction −H⁻¹∇f is undefined: the Hessian is singular",
    );
}

#[test]
fn the_curvature_at_the_start_and_at_the_runs_point_is_named_under_the_map() {
    let mut h = preset_window("taco-shell");
    step_until(&mut h, "all runs computed", all_computed);
    seek(&mut h, 0);
    // TacoShell(condition: 100): curvatures 1 and 100 everywhere, a bowl with κ = 100.
    h.get_by_label_contains(
        "start: Hessian eigenvalues λ = 1 and 100 (the green cross, arms ∝ 1/√|λ|): a bowl, \
         condition number κ = λmax/λmin = 100",
    );
    seek(&mut h, 40);
    h.get_by_label_contains("step 40 (SGD): Hessian eigenvalues λ = 1 and 100");
    // A saddle: the signs differ.
    race_mut(h.state_mut()).surface = Surface::Saddle;
    h.step();
    h.step();
    let label = h.get_by_label_contains("start: Hessian eigenvalues").value().unwrap_or_default();
    assert!(label.ends_with("indefinite: a saddle"), "{label}");
    // The Directions switch hides the cross's sentence with the arrows.
    h.get_by_label("Directions").click();
    h.step();
    h.step();
    assert!(h.query_by_label_contains("Hessian eigenvalues").is_none());
}
