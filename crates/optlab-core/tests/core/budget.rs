//! The memory budget: entries within every range but too large as a whole are refused when the
//! notebook loads, with the estimate, its largest parts and the entry's position.

use optlab_core::budget::MAX_MEMORY_BYTES;
use optlab_core::entries::sweep::training::cells_at_once;
use optlab_core::entries::{ConfigError, Experiment};
use optlab_core::notebook::Notebook;
use optlab_core::presets;

/// A training entry named "big": `runs` runs of eight 1024-unit layers, full batch on
/// `points` Moons points.
fn big_training(points: usize, runs: usize) -> String {
    let run = "(name: \"r\", model: Mlp(hidden: [1024, 1024, 1024, 1024, 1024, 1024, 1024, \
               1024]), optimizer: Adam(lr: 0.01), batch_size: 100000, epochs: 1)";
    let runs = vec![run; runs].join(", ");
    format!(
        "(entries: [\n  (name: \"small\", experiment: Training()),\n  (name: \"big\", experiment: \
         Training(dataset: Moons(points: {points}, noise: 0.1), runs: [{runs}])),\n])"
    )
}

#[test]
fn the_full_batch_training_entry_is_refused_with_its_estimate_and_position() {
    let error = Notebook::from_ron(&big_training(100_000, 8)).unwrap_err();
    assert_eq!((error.line, error.col), (3, 10), "{error}");
    // Per run (80 000 + 512 evaluation rows) × 11 268 values per row × 8 bytes of activations,
    // six copies of 7.35 million parameters, and the points.
    assert_eq!(
        error.message,
        "entry 2 (\"big\"): needs about 56.7 GB of memory (8 runs × 6.8 GB activations, 8 runs \
         × 336.6 MB weights and optimizer state, 8 runs × 4.7 MB data), more than the 2 GB \
         optlab allows; use fewer points, a smaller batch, fewer hidden units or fewer runs"
    );
}

#[test]
fn the_same_network_fits_with_fewer_points_and_runs() {
    // One run on 2 000 points: 1 600 rows of activations (190 MB) and the weights (337 MB).
    let notebook = Notebook::from_ron(&big_training(2000, 1)).expect("fits the budget");
    let Experiment::Training(lab) = &notebook.entries[1].experiment else { panic!("training") };
    let bytes = lab.memory().total();
    assert!((500 << 20..550 << 20).contains(&bytes), "{bytes}");
    // Twenty-four times the rows, eight times the runs: over.
    assert!(Notebook::from_ron(&big_training(40_000, 8)).is_err());
}

#[test]
fn every_built_in_notebook_fits_the_budget_with_room_to_spare() {
    for preset in presets::builtin() {
        let notebook = Notebook::from_ron(preset.text).expect("a preset loads");
        for entry in &notebook.entries {
            let bytes = match &entry.experiment {
                Experiment::Training(lab) => lab.memory().total(),
                Experiment::Sweep(lab) => lab.memory().total(),
                Experiment::Basin(lab) => lab.memory().total(),
                _ => 0,
            };
            assert!(bytes < MAX_MEMORY_BYTES / 8, "{}: {bytes}", entry.name);
        }
    }
}

/// A formula of 2^`depth` terms `(x*x + y*y)`, nested as a balanced tree (no long chains).
fn long_formula(depth: u32) -> String {
    if depth == 0 {
        return "(x*x + y*y)".to_owned();
    }
    let half = long_formula(depth - 1);
    format!("({half} + {half})")
}

#[test]
fn a_grid_of_a_long_formula_counts_the_formula_once_and_is_limited_by_time() {
    // 1 048 575 characters: a formula shared by every cell of the grid (an `Arc`), so its
    // memory is counted once, while the time to step it in every cell grows with the cells.
    let formula = long_formula(16);
    assert!((1_000_000..=optlab_core::expr::MAX_FORMULA_CHARS).contains(&formula.len()));
    let sweep = |count: usize, steps: u64| {
        format!(
            "(entries: [(name: \"grid\", experiment: Sweep(surface: Expression(\"{formula}\"), \
             x: (field: Lr, from: 0.001, to: 0.1, count: {count}, log: true), y: (field: \
             Momentum, from: 0.0, to: 0.9, count: {count}), optimizer: Momentum(), steps: {steps}))])"
        )
    };
    let notebook = Notebook::from_ron(&sweep(4, 10)).expect("16 cells of a few steps fit");
    let Experiment::Sweep(lab) = &notebook.entries[0].experiment else { panic!("a sweep") };
    let estimate = lab.memory();
    let formula_parts: Vec<_> =
        estimate.parts().iter().filter(|p| p.what.contains("formula")).collect();
    assert_eq!(formula_parts.len(), 1, "{estimate:?}");
    assert!(formula_parts[0].what.contains("shared by every cell"), "{estimate:?}");
    let error = Notebook::from_ron(&sweep(512, 1000)).unwrap_err();
    assert!(
        error.message.contains("`steps (every cell within a day's computing on this formula)`"),
        "{}",
        error.message
    );
}

#[test]
fn a_basin_map_at_full_resolution_fits_on_a_plain_surface() {
    let basin = |surface: &str| {
        format!(
            "(entries: [(name: \"b\", experiment: Basin(surface: {surface}, resolution: 512))])"
        )
    };
    let notebook = Notebook::from_ron(&basin("Himmelblau")).expect("a plain basin map fits");
    let result = notebook.entries[0].experiment.validate();
    assert_eq!(result, Ok(()));
}

fn training_sweep(points: usize, hidden: usize) -> String {
    format!(
        "(entries: [(name: \"grid\", experiment: Sweep(x: (field: Lr, from: 0.001, to: 0.1, \
         count: 4, log: true), y: (field: L2, from: 0.0, to: 0.1, count: 4), metric: Accuracy, \
         training: (dataset: Moons(points: {points}, noise: 0.1), runs: [(name: \"r\", model: \
         Mlp(hidden: [{hidden}, {hidden}]), optimizer: Adam(lr: 0.01), batch_size: 100000, \
         epochs: 1)])))])"
    )
}

#[test]
fn a_training_sweep_whose_one_cell_does_not_fit_is_refused_and_big_cells_train_fewer_at_once() {
    let error = Notebook::from_ron(&training_sweep(100_000, 1024)).unwrap_err();
    assert!(error.message.contains("activations of a training cell"), "{}", error.message);
    assert!(error.message.contains("use fewer points"), "{}", error.message);
    // About 730 MB per cell (16 512 rows of 5 124 values): two fit, however many threads.
    let notebook = Notebook::from_ron(&training_sweep(20_000, 1024)).expect("one cell fits");
    let Experiment::Sweep(lab) = &notebook.entries[0].experiment else { panic!("a sweep") };
    let task = lab.training.as_ref().expect("a training task");
    let at_once = cells_at_once(lab, task, 64);
    assert_eq!(at_once, 2);
    assert_eq!(cells_at_once(lab, task, 1), 1);
    let small = Notebook::from_ron(&training_sweep(300, 16)).expect("small cells fit");
    let Experiment::Sweep(lab) = &small.entries[0].experiment else { panic!("a sweep") };
    assert_eq!(cells_at_once(lab, lab.training.as_ref().expect("task"), 64), 64);
}

#[test]
fn a_memory_refusal_is_a_config_error_of_its_own_kind() {
    let notebook = Notebook::from_ron(&big_training(2000, 1)).expect("fits");
    let mut entry = notebook.entries[1].experiment.clone();
    if let Experiment::Training(lab) = &mut entry {
        lab.dataset = optlab_core::train::DatasetConfig::Moons { points: 100_000, noise: 0.1 };
        lab.runs = vec![lab.runs[0].clone(); 8];
    }
    assert!(matches!(entry.validate(), Err(ConfigError::Memory(_))));
}

#[test]
fn a_long_formula_may_run_only_a_day_of_steps() {
    use optlab_core::run::{DAY_NANOS, FORMULA_NANOS_PER_CHAR, steps_within_a_day};
    let formula = long_formula(15); // about 0.56 million characters
    let race = |steps: u64| {
        format!(
            "(entries: [(name: \"long\", experiment: Race(surface: Expression(\"{formula}\"), steps: {steps}))])"
        )
    };
    let surface = optlab_core::surface::Surface::Expression(
        optlab_core::expr::Formula::new(&formula).expect("parses"),
    );
    let limit = steps_within_a_day(&surface, 1, 10_000_000);
    let expected = (DAY_NANOS / (FORMULA_NANOS_PER_CHAR * formula.len() as f64)).floor();
    assert!((limit.max - expected).abs() < 0.5 && expected < 1e7, "{limit:?}");
    Notebook::from_ron(&race(300)).expect("a short race on it loads");
    let error = Notebook::from_ron(&race(10_000_000)).unwrap_err();
    assert!(
        error.message.contains(&format!(
            "`steps (a day's computing on this formula)` = 10000000 is out of range; allowed [1, {expected}]"
        )),
        "{error}"
    );
    // A grid multiplies the work by its cells.
    let grid = steps_within_a_day(&surface, 64 * 64, 100_000);
    assert!((grid.max - (expected / 4096.0).floor()).abs() <= 1.0, "{grid:?}");
    assert!(grid.name.contains("every cell"));
    // A built-in surface keeps the cap.
    let plain = steps_within_a_day(&optlab_core::surface::Surface::default(), 4096, 100_000);
    assert_eq!((plain.name, plain.max), ("steps", 100_000.0));
}
