//! A race on a formula of about 1.2 MB (one evaluation costs milliseconds; its 256 × 256 grid
//! minutes): the window keeps producing frames while the grid is computed off its thread, shows
//! the progress, then a first coarse picture, and summarises the formula instead of editing it.

use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable as _;
use optlab_core::entries::Experiment;
use optlab_core::entries::race::{Race, RaceRun};
use optlab_core::expr::Formula;
use optlab_core::notebook::{Entry, Notebook};
use optlab_core::optim::OptimizerConfig;
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;

use crate::harness;

/// A notebook with one race of two runs on the big formula.
fn notebook() -> Notebook {
    let text = optlab::bench::big_formula();
    assert!(text.len() > 1_100_000, "{} bytes", text.len());
    let mut race: Race = Notebook::default_notebook().entries[0]
        .experiment
        .race()
        .cloned()
        .expect("the default notebook starts with a race");
    race.surface = Surface::Expression(Formula::new(&text).expect("the big formula parses"));
    race.start = None;
    race.steps = 20;
    race.runs = vec![RaceRun {
        name: "SGD".to_owned(),
        enabled: true,
        color: None,
        optimizer: OptimizerConfig::Sgd { lr: 0.1, weight_decay: 0.0 },
        schedule: Schedule::Constant,
    }];
    let entry = Entry {
        name: "Big formula".to_owned(),
        notes: String::new(),
        experiment: Experiment::Race(race),
    };
    Notebook { entries: vec![entry], ..Notebook::default_notebook() }
}

#[test]
fn a_huge_formula_is_drawn_progressively_while_frames_go_on() {
    let mut h = harness::window(notebook());
    // The first frames come back with the progress shown and no picture yet: the grid is not
    // computed inside a frame (it would take minutes here).
    for _ in 0..3 {
        h.step();
    }
    let status = h.state().surface_picture();
    assert!(!status.shown && status.progress.is_some(), "{status:?}");
    assert!(status.failure.is_none(), "{status:?}");
    h.get_by_label_contains("computing surface…");
    // The formula is summarised, not laid out in a text field every frame.
    h.get_by_label_contains("edit it in the notebook file");
    // Frames go on until the first coarse picture arrives (a generous guard against a hang,
    // not a timing check).
    let deadline = Instant::now() + Duration::from_mins(10);
    let mut frames = 3;
    while !h.state().surface_picture().shown {
        assert!(Instant::now() < deadline, "no picture after {frames} frames");
        h.step();
        frames += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(frames > 3, "the picture came with the first frames");
    let status = h.state().surface_picture();
    assert!(status.failure.is_none(), "{status:?}");
    // The coarse picture is shown while the finer passes go on.
    assert!(status.complete || status.progress.is_some(), "{status:?}");
    assert_eq!(status.jobs_started, 1, "the request was not restarted");
    h.step();
    if !h.state().surface_picture().complete {
        h.get_by_label_contains("computing surface…");
    }
}
