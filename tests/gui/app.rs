//! The desktop app driven headless through `egui_kittest`, on its real state: it starts on the
//! default race, runs are computed in the background, edits recompute only what changed, a
//! diverging run is marked, and the window keeps answering while a long run computes.

use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable as _;

use super::harness::{race_mut as race, step_until, window as harness, window_on};
use optlab::app::{Document, OptlabApp};
use optlab_core::notebook::Notebook;
use optlab_core::optim::OptimizerConfig;

fn all_computed(app: &OptlabApp) -> bool {
    !app.results.pending() && !app.results.runs.is_empty()
}

#[test]
fn starts_on_the_default_race_with_five_optimizers_computed() {
    let mut h = harness(Notebook::default_notebook());
    step_until(&mut h, "all runs computed", all_computed);
    let app = h.state();
    assert_eq!(app.results.runs.len(), 5);
    assert!(app.results.runs.iter().all(|r| r.summary.is_some() && !r.records.is_empty()));
    for name in ["SGD", "Momentum", "Nesterov", "RMSprop", "Adam"] {
        assert!(!h.query_all_by_label_contains(name).collect::<Vec<_>>().is_empty(), "{name}");
    }
}

#[test]
fn adding_a_run_adds_a_computed_trajectory() {
    let mut h = harness(Notebook::default_notebook());
    step_until(&mut h, "initial runs", all_computed);
    h.get_by_label("➕ Add run").click_accesskit();
    step_until(&mut h, "the new run", |app| app.results.runs.len() == 6 && all_computed(app));
    assert!(h.state().results.runs[5].records.len() > 1);
}

#[test]
fn changing_one_learning_rate_recomputes_only_that_run() {
    let mut h = harness(Notebook::default_notebook());
    step_until(&mut h, "initial runs", all_computed);
    let before: Vec<u64> = h.state().results.runs.iter().map(|r| r.generation).collect();
    race(h.state_mut()).runs[1].optimizer.set_lr(0.004);
    h.step();
    step_until(&mut h, "recomputed", all_computed);
    let after: Vec<u64> = h.state().results.runs.iter().map(|r| r.generation).collect();
    for (index, (b, a)) in before.iter().zip(&after).enumerate() {
        assert_eq!(b != a, index == 1, "run {index}: generation {b} -> {a}");
    }
    let record = h.state().results.runs[1].records[1];
    assert!((record.lr - 0.004).abs() < 1e-15, "the new lr is in the trace");
}

#[test]
fn a_diverging_run_is_marked_with_its_step() {
    let mut notebook = Notebook::default_notebook();
    let race = notebook.entries[0].experiment.race_mut().expect("a race entry");
    race.runs[0].optimizer = OptimizerConfig::Sgd { lr: 5.0, weight_decay: 0.0 };
    let mut h = harness(notebook);
    step_until(&mut h, "all runs computed", all_computed);
    let diverged = h.state().results.runs[0].diverged_at().expect("SGD with lr 5 diverges");
    h.state_mut().playback.seek(diverged);
    h.step();
    h.step();
    h.get_by_label(&format!("at step {diverged}"));
}

#[test]
fn the_window_keeps_answering_while_a_long_run_computes() {
    let mut notebook = Notebook::default_notebook();
    let race = notebook.entries[0].experiment.race_mut().expect("a race entry");
    race.steps = 10_000_000;
    let mut h = harness(notebook);
    h.step();
    assert!(h.state().results.pending(), "ten million steps take a while");
    let playing = h.state().playback.playing;
    h.get_by_label(if playing { "⏸ Pause" } else { "▶ Play" }).click();
    h.step();
    assert_ne!(h.state().playback.playing, playing, "the button answered during computation");
    assert!(h.state().results.pending(), "and the computation was still running");
}

#[test]
fn every_builtin_preset_opens_and_computes_without_error() {
    for preset in optlab_core::presets::builtin() {
        let notebook = preset.notebook().unwrap_or_else(|e| panic!("{}: {e}", preset.name));
        let entries = notebook.entries.len();
        let mut h = harness(notebook);
        for entry in 0..entries {
            h.state_mut().select(entry);
            h.step();
            step_until(&mut h, preset.name, |app| {
                let lab_ready = app.labs.report().is_some() && !app.labs.updating();
                let is_lab = app.document.notebook.entries[app.selected].experiment.lab().is_some();
                !app.results.pending() && (!is_lab || lab_ready || app.labs.failure.is_some())
            });
            let app = h.state();
            assert!(
                app.labs.failure.is_none(),
                "{} entry {entry}: {:?}",
                preset.name,
                app.labs.failure
            );
            assert!(
                app.results.runs.iter().all(|r| r.failure.is_none()),
                "{} entry {entry}: a run failed",
                preset.name
            );
            assert!(app.messages.iter().all(|m| !m.contains("failed")), "{:?}", app.messages);
        }
    }
}

#[test]
fn a_file_changed_on_disk_is_offered_for_reload() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("race.ron");
    let notebook = Notebook::default_notebook();
    std::fs::write(&path, notebook.to_ron()).expect("writes the notebook");
    let opened = path.clone();
    let mut document = Document::new(Notebook::default_notebook(), None);
    document.open(&opened).expect("opens the file");
    let mut h = window_on(document);
    h.step();
    assert!(h.query_by_label("The file changed on disk").is_none());

    // Another program rewrites the file with a new title (and a later modification time, in
    // case the file system's clock is coarse).
    let edited = Notebook { title: "Edited elsewhere".to_owned(), ..notebook };
    std::fs::write(&path, edited.to_ron()).expect("rewrites the notebook");
    let later = std::time::SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(later))
        .expect("sets the modification time");
    // The window looks at its file about once a second.
    let deadline = Instant::now() + Duration::from_secs(10);
    while h.query_by_label("The file changed on disk").is_none() {
        assert!(Instant::now() < deadline, "no reload offer appeared");
        h.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    h.get_by_label("Reload").click();
    for _ in 0..3 {
        h.step();
    }
    assert_eq!(h.state().document.notebook.title, "Edited elsewhere");
    assert!(h.query_by_label("The file changed on disk").is_none());
}
