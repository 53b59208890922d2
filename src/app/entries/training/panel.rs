//! Controls of a training entry: the shared data, and per run its network, regularizers,
//! optimizer, schedule, batch size and epochs.

use egui::{CollapsingHeader, Ui};

use crate::app::entries::race::optimizer_controls;
use crate::app::entries::race::schedule_controls;
use crate::app::entries::race::schedule_preview::RunContext;
use crate::app::widgets::lab_widgets;
use optlab_core::entries::training::MAX_RUNS;
use optlab_core::entries::training::{TrainingLab, TrainingRun};
use optlab_core::train::{DatasetConfig, ModelConfig};
use optlab_core::train::{data, fit, full_batch, model};

/// Draws the controls.
pub fn show(ui: &mut Ui, lab: &mut TrainingLab) {
    lab_widgets::heading(
        ui,
        "Training",
        "Small networks trained side by side on toy 2-D data, with the same optimizers and \
         schedules as the races.",
    );
    dataset(ui, &mut lab.dataset);
    lab_widgets::number(
        ui,
        &mut lab.validation_fraction,
        (0.0, 0.9),
        fit::VALIDATION_FRACTION,
        "validation",
        "Fraction of the points held out to measure generalization",
    );
    lab_widgets::seed(ui, &mut lab.seed);
    super::lr_finder_controls::show(ui, &mut lab.lr_finder);
    super::sharpness_controls::show(ui, lab);
    ui.separator();
    let mut remove = None;
    let points = train_points(&lab.dataset, lab.validation_fraction);
    for (index, run) in lab.runs.iter_mut().enumerate() {
        CollapsingHeader::new(run.name.clone()).id_salt(("training-run", index)).show(ui, |ui| {
            run_controls(ui, run, index, points);
            if ui.button("Remove").on_hover_text("Remove this run").clicked() {
                remove = Some(index);
            }
        });
    }
    if let Some(index) = remove.filter(|_| lab.runs.len() > 1) {
        lab.runs.remove(index);
    }
    super::landscape_controls::show(ui, lab);
    let can_add = lab.runs.len() < MAX_RUNS;
    if ui
        .add_enabled(can_add, egui::Button::new("➕ Run"))
        .on_hover_text("Copy the last run")
        .clicked()
        && let Some(last) = lab.runs.last().cloned()
    {
        lab.runs.push(TrainingRun { name: optlab_core::names::copy_name(&last.name), ..last });
    }
}

/// The dataset picker and its parameters.
pub fn dataset(ui: &mut Ui, dataset: &mut DatasetConfig) {
    let choices = [
        DatasetConfig::default(),
        DatasetConfig::Moons { points: 300, noise: 0.2 },
        DatasetConfig::Circles { points: 300, noise: 0.1, factor: 0.5 },
        DatasetConfig::Xor { points: 300, noise: 0.1 },
        DatasetConfig::Blobs { classes: 3, points_per_class: 100, std: 0.6 },
    ];
    egui::ComboBox::from_label("data")
        .selected_text(dataset.name())
        .show_ui(ui, |ui| {
            for choice in choices {
                let name = choice.name();
                if ui.selectable_label(dataset.name() == name, name).clicked() {
                    *dataset = choice;
                }
            }
        })
        .response
        .on_hover_text("The toy dataset every run trains on");
    dataset_fields(ui, dataset);
}

/// The chosen dataset's numbers.
fn dataset_fields(ui: &mut Ui, dataset: &mut DatasetConfig) {
    match dataset {
        DatasetConfig::Spiral { classes, points_per_class, noise } => {
            lab_widgets::count(ui, classes, (2, 10), data::CLASSES, "arms", "Classes K");
            lab_widgets::count(
                ui,
                points_per_class,
                (10, 1000),
                data::POINTS_PER_CLASS,
                "points per arm",
                "N",
            );
            lab_widgets::number(
                ui,
                noise,
                (0.0, 1.0),
                data::NOISE,
                "noise",
                "Angle noise (0.2 in the course)",
            );
        }
        DatasetConfig::Moons { points, noise } | DatasetConfig::Xor { points, noise } => {
            lab_widgets::count(ui, points, (20, 5000), data::POINTS, "points", "Total points");
            lab_widgets::number(
                ui,
                noise,
                (0.0, 1.0),
                data::NOISE,
                "noise",
                "Jitter of every point",
            );
        }
        DatasetConfig::Circles { points, noise, factor } => {
            lab_widgets::count(ui, points, (20, 5000), data::POINTS, "points", "Total points");
            lab_widgets::number(
                ui,
                noise,
                (0.0, 1.0),
                data::NOISE,
                "noise",
                "Jitter of every point",
            );
            lab_widgets::number(
                ui,
                factor,
                (0.05, 0.95),
                data::FACTOR,
                "inner radius",
                "Relative to the outer",
            );
        }
        DatasetConfig::Blobs { classes, points_per_class, std } => {
            lab_widgets::count(ui, classes, (2, 10), data::CLASSES, "blobs", "Classes");
            lab_widgets::count(
                ui,
                points_per_class,
                (10, 1000),
                data::POINTS_PER_CLASS,
                "points per blob",
                "N",
            );
            lab_widgets::number(
                ui,
                std,
                (0.05, 2.0),
                data::STD,
                "spread",
                "Standard deviation of a blob",
            );
        }
    }
}

/// Points in the training split of `dataset` when `validation_fraction` is held out (as
/// `Dataset::split` rounds it).
#[must_use]
pub fn train_points(dataset: &DatasetConfig, validation_fraction: f64) -> usize {
    let points = dataset.points();
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a fraction in [0, 0.9] of a capped point count"
    )]
    let held_out = (validation_fraction.clamp(0.0, 1.0) * points as f64).round() as usize;
    points.saturating_sub(held_out)
}

/// One run's network, regularizers and training settings; `train_points` sizes the schedule's
/// preview (updates = epochs · ⌈`train_points` / batch size⌉).
pub fn run_controls(ui: &mut Ui, run: &mut TrainingRun, index: usize, train_points: usize) {
    ui.add(
        egui::TextEdit::singleline(&mut run.name)
            .desired_width(f32::INFINITY)
            .char_limit(optlab_core::names::MAX_NAME_CHARS),
    )
    .on_hover_text("The run's name in the legend");
    match &mut run.model {
        ModelConfig::Mlp { hidden, dropout_keep, dropconnect_keep } => {
            ui.label(format!("MLP 2 → {} → classes", widths(hidden)));
            if let Some(width) = hidden.first_mut() {
                lab_widgets::count(
                    ui,
                    width,
                    (1, 512),
                    model::WIDTH,
                    "hidden units",
                    "Units per hidden layer",
                );
                let width = *width;
                hidden.fill(width);
            }
            let mut layers = hidden.len();
            if lab_widgets::count(
                ui,
                &mut layers,
                (0, 8),
                model::HIDDEN_LAYERS,
                "hidden layers",
                "Hidden layers, each followed by the activation",
            ) {
                let width = hidden.first().copied().unwrap_or(100);
                hidden.resize(layers, width);
            }
            let (unit, weight) = ("hidden unit (1 is off)", "hidden weight (1 is off)");
            lab_widgets::keep_labelled(ui, dropout_keep, unit, "dropout keep p");
            lab_widgets::keep_labelled(ui, dropconnect_keep, weight, "DropConnect keep p");
        }
        ModelConfig::ResidualMlp { width, blocks, final_survival } => {
            ui.label(format!(
                "Residual MLP: hₗ = {}(hₗ₋₁ + bₗ·fₗ(hₗ₋₁))",
                run.activation.name().to_lowercase()
            ));
            lab_widgets::count(
                ui,
                width,
                (1, 256),
                model::WIDTH,
                "width",
                "Units of the residual stream",
            );
            lab_widgets::count(ui, blocks, (0, 64), model::BLOCKS, "blocks", "Residual blocks L");
            lab_widgets::number(
                ui,
                final_survival,
                (0.05, 1.0),
                model::FINAL_SURVIVAL,
                "p_L",
                "Survival of the last block",
            );
        }
    }
    super::objective_controls::show(ui, run, index);
    optimizer_controls::optimizer(ui, &mut run.optimizer, 1000 + index);
    run_schedule(ui, run, index, train_points);
    lab_widgets::number(ui, &mut run.l2, (0.0, 0.1), fit::L2, "L2 λ", "Penalty ½λΣW² in the loss");
    batch_size(ui, run);
    lab_widgets::count(
        ui,
        &mut run.epochs,
        (1, 2000),
        fit::EPOCHS,
        "epochs",
        "Passes over the training set",
    );
}

/// What L-BFGS's training run does instead of mini-batches.
const FULL_BATCH_NOTE: &str = "Full batch: each epoch is one L-BFGS step, PyTorch's \
    optimizer.step(closure), over the whole training set — up to max_iter iterations and \
    max_eval evaluations of the loss and gradient — so the batch size is ignored. The \
    evaluations of each step show above the curves.";

/// The batch size; for L-BFGS, greyed out with the full-batch note, and its refusal of a
/// network with random draws.
fn batch_size(ui: &mut Ui, run: &mut TrainingRun) {
    let full = full_batch::is_full_batch(&run.optimizer);
    ui.add_enabled_ui(!full, |ui| {
        lab_widgets::count(
            ui,
            &mut run.batch_size,
            (1, 4096),
            fit::BATCH_SIZE,
            "batch size",
            "Points per update",
        );
    })
    .response
    .on_disabled_hover_text("L-BFGS ignores the batch size: it trains on the whole training set");
    if !full {
        return;
    }
    ui.label(FULL_BATCH_NOTE);
    if full_batch::draws_randomly(&run.model) {
        ui.colored_label(
            ui.visuals().error_fg_color,
            "L-BFGS cannot train this network: its line search compares loss values, so every \
             evaluation must see the same network, and dropout, DropConnect or stochastic depth \
             draw new masks each time. Set their keep probabilities to 1, or pick another \
             optimizer.",
        );
    }
}

/// The run's schedule with its preview over the run's updates (epochs · ⌈train points / batch⌉).
fn run_schedule(ui: &mut Ui, run: &mut TrainingRun, index: usize, train_points: usize) {
    // L-BFGS takes one full-batch step per epoch.
    let per_epoch = if full_batch::is_full_batch(&run.optimizer) {
        1
    } else {
        train_points.div_ceil(run.batch_size.max(1)).max(1)
    };
    let updates = u64::try_from(per_epoch.saturating_mul(run.epochs)).unwrap_or(u64::MAX);
    let context = RunContext::new(&run.optimizer, updates, true);
    schedule_controls::schedule_for_run(ui, &mut run.schedule, 1000 + index, &context);
}

fn widths(hidden: &[usize]) -> String {
    let parts: Vec<String> = hidden.iter().map(ToString::to_string).collect();
    if parts.is_empty() { "(none)".to_owned() } else { parts.join(" → ") }
}
