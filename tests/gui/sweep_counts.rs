//! A sweep axis over a count (L-BFGS's `max_iter`, issue 16): the panel says its values are
//! rounded to whole numbers and how many cells the range holds, and turns red beyond that.

use egui_kittest::kittest::Queryable as _;
use optlab_core::entries::Experiment;
use optlab_core::grid::SweepField;
use optlab_core::notebook::Notebook;

use super::harness::{experiment, window};

const NOTEBOOK: &str = r#"(
    version: 1,
    title: "L-BFGS sweep",
    entries: [(
        name: "max_iter",
        experiment: Sweep(
            surface: Rosenbrock(a: 1.0, b: 100.0),
            steps: 5,
            optimizer: Lbfgs(),
            x: (field: MaxIter, from: 1.0, to: 5.0, count: 5),
            y: (field: HistorySize, from: 1.0, to: 10.0, count: 4),
        ),
    )],
)"#;

#[test]
fn a_count_axis_says_its_values_are_whole_numbers_and_refuses_repeats() {
    let mut h = window(Notebook::from_ron(NOTEBOOK).expect("the notebook loads"));
    h.run_steps(3);
    assert!(h.query_by_label_contains("L-BFGS's max_iter (count)").is_some(), "the axis's field");
    let note = "A count: each cell's value is rounded to a whole number";
    assert!(h.query_by_label_contains("at most 5 cells over this range.").is_some());
    assert!(h.query_by_label_contains("at most 10 cells over this range.").is_some());
    assert_eq!(h.query_all_by_label_contains(note).count(), 2, "a note under each axis");
    assert!(h.query_by_label_contains("Use fewer cells or a wider range").is_none());
    let Experiment::Sweep(lab) = experiment(&mut h) else { panic!("a sweep") };
    assert_eq!(lab.x.field, SweepField::MaxIter);
    lab.x.count = 8;
    h.run_steps(3);
    assert!(h.query_by_label_contains("Use fewer cells or a wider range").is_some());
    let Experiment::Sweep(lab) = experiment(&mut h) else { panic!("a sweep") };
    let error = lab.validate().expect_err("8 cells over 5 whole numbers").to_string();
    assert!(error.contains("allowed [2, 5]"), "{error}");
}
