//! Controls of a sweep: the surface and base run, the two axes and the metric.

use egui::{ComboBox, Ui};

use crate::app::entries::race::optimizer_controls;
use crate::app::entries::race::panel as race_panel;
use crate::app::entries::training::panel as training_panel;
use crate::app::widgets::number_field::NumberField;
use crate::app::widgets::{lab_widgets, numbers};
use optlab_core::entries::sweep::SweepLab;
use optlab_core::entries::training::TrainingLab;
use optlab_core::grid::{MAX_RESOLUTION, Metric, SweepAxis, SweepField};
use optlab_core::limits::Limit;
use optlab_core::optim::{NS_STEPS, WARMUP_STEPS, lbfgs_limits};

/// Draws the controls.
pub fn show(ui: &mut Ui, lab: &mut SweepLab) {
    lab_widgets::heading(
        ui,
        "Hyperparameter sweep",
        "One run, two of its numbers varied over a grid: where does it work? Hover a cell for \
         its values; click it to add that run to a race (or to a training entry).",
    );
    task_toggle(ui, lab);
    if let Some(task) = &mut lab.training {
        training_task(ui, task);
    } else {
        surface_task(ui, lab);
    }
    ui.separator();
    axes(ui, lab);
    ui.separator();
    ComboBox::from_label("metric")
        .selected_text(metric_label(lab, lab.metric))
        .show_ui(ui, |ui| {
            for metric in Metric::ALL {
                if metric != Metric::Accuracy || lab.training.is_some() {
                    let label = metric_label(lab, metric);
                    ui.selectable_value(&mut lab.metric, metric, label);
                }
            }
        })
        .response
        .on_hover_text("What the colour of a cell shows");
    if lab.metric == Metric::StepsToTolerance {
        NumberField::new(
            Limit::above("tolerance", 0.0),
            "tolerance",
            "A run has reached the minimum once its loss is within this of it",
        )
        .format(numbers::compact)
        .show(ui, &mut lab.tolerance);
    }
}

fn metric_label(lab: &SweepLab, metric: Metric) -> &'static str {
    if lab.training.is_some() { metric.training_label() } else { metric.label() }
}

/// The two axes: the fields the cells' run has, each inside the range the notebook allows it
/// (so what the window saves loads again).
fn axes(ui: &mut Ui, lab: &mut SweepLab) {
    let base = lab.training.as_ref().and_then(|task| task.runs.first());
    let (optimizer, schedule) = base.map_or_else(
        || (lab.optimizer.clone(), lab.schedule.clone()),
        |run| (run.optimizer.clone(), run.schedule.clone()),
    );
    let limit = |field: SweepField| field.limit(&optimizer, &schedule);
    let fits: Vec<SweepField> =
        SweepField::ALL.into_iter().filter(|&f| lab.field_fits(f).is_ok()).collect();
    axis(ui, &mut lab.x, "x (columns)", &fits, &limit);
    axis(ui, &mut lab.y, "y (rows)", &fits, &limit);
    // A base run changed to one without an axis's field (Adam has no momentum): that axis
    // takes the first field the run has that the other axis does not vary.
    let other_than = |other| fits.iter().copied().find(|&f| f != other).unwrap_or(SweepField::Lr);
    if !fits.contains(&lab.x.field) {
        lab.x = default_axis(other_than(lab.y.field), lab.x.count);
    }
    if !fits.contains(&lab.y.field) {
        lab.y = default_axis(other_than(lab.x.field), lab.y.count);
    }
}

/// Surface or training task: what every cell runs.
fn task_toggle(ui: &mut Ui, lab: &mut SweepLab) {
    let mut training = lab.training.is_some();
    ui.horizontal(|ui| {
        ui.selectable_value(&mut training, false, "Surface")
            .on_hover_text("Each cell runs the optimizer on a loss surface");
        ui.selectable_value(&mut training, true, "Training task").on_hover_text(
            "Each cell trains a small network; the map shows its validation loss or accuracy",
        );
    });
    if training != lab.training.is_some() {
        lab.training = training.then(Box::<TrainingLab>::default);
        if training {
            lab.x = default_axis(SweepField::L2, 8);
            lab.y = default_axis(SweepField::Lr, 8);
        } else {
            lab.x = default_axis(SweepField::Momentum, 100);
            lab.y = default_axis(SweepField::Lr, 100);
            if lab.metric == Metric::Accuracy {
                lab.metric = Metric::FinalLoss;
            }
        }
    }
}

fn surface_task(ui: &mut Ui, lab: &mut SweepLab) {
    if race_panel::surface(ui, &mut lab.surface) {
        lab.start = None;
    }
    let [x, y] = lab.start.unwrap_or_else(|| lab.surface.default_start());
    ui.label(format!("start ({x:.3}, {y:.3})"))
        .on_hover_text("Every run starts here: the surface's default start, or the file's `start`");
    lab_widgets::count(
        ui,
        &mut lab.steps,
        (1, 100_000),
        optlab_core::entries::sweep::CELL_STEPS,
        "steps",
        "Updates per run (cell)",
    );
    ui.separator();
    ui.strong("Base run");
    optimizer_controls::optimizer(ui, &mut lab.optimizer, 900);
    optimizer_controls::schedule(ui, &mut lab.schedule, 900);
}

/// The data and the base run of a training task (its first run).
fn training_task(ui: &mut Ui, task: &mut TrainingLab) {
    training_panel::dataset(ui, &mut task.dataset);
    lab_widgets::number(
        ui,
        &mut task.validation_fraction,
        (0.0, 0.9),
        optlab_core::train::fit::VALIDATION_FRACTION,
        "validation",
        "Fraction of the points held out: the losses and accuracies of the map are measured on it",
    );
    lab_widgets::seed(ui, &mut task.seed);
    ui.separator();
    ui.strong("Base run").on_hover_text("Each cell trains this run with the two numbers set");
    if let Some(run) = task.runs.first_mut() {
        let points = training_panel::train_points(&task.dataset, task.validation_fraction);
        training_panel::run_controls(ui, run, 900, points);
    }
}

fn axis(
    ui: &mut Ui,
    axis: &mut SweepAxis,
    title: &str,
    fits: &[SweepField],
    limit: &dyn Fn(SweepField) -> Limit,
) {
    ui.strong(title);
    ComboBox::from_id_salt(("sweep-axis", title))
        .selected_text(axis.field.label())
        .show_ui(ui, |ui| {
            for &field in fits {
                if ui.selectable_value(&mut axis.field, field, field.label()).changed() {
                    *axis = default_axis(field, axis.count);
                }
            }
        })
        .response
        .on_hover_text("The number of the base run varied along this axis");
    let range = limit(axis.field);
    axis_ends(ui, axis, range);
    lab_widgets::count(
        ui,
        &mut axis.count,
        (2, MAX_RESOLUTION),
        optlab_core::grid::RESOLUTION,
        "cells",
        "Values along this axis",
    );
    count_note(ui, axis);
    // Typed ends are refused outside the range; this moves only ends that a change of the base
    // run made invalid (Nesterov's μ must be above 0 where Momentum's may be 0).
    axis.from = into_range(range, axis.from);
    axis.to = into_range(range, axis.to);
}

/// Under a count axis (L-BFGS's `max_iter`, …): its values are rounded to whole numbers and
/// may not repeat, so the cells are at most the whole numbers the range holds; red beyond.
fn count_note(ui: &mut Ui, axis: &SweepAxis) {
    let Some(most) = axis.most_distinct_cells() else { return };
    let text = format!(
        "A count: each cell's value is rounded to a whole number, and no two cells may repeat \
         one — at most {most} cells over this range."
    );
    if axis.count > most {
        let refusal = format!("{text} Use fewer cells or a wider range.");
        ui.colored_label(ui.visuals().error_fg_color, refusal);
    } else {
        ui.label(egui::RichText::new(text).small().weak());
    }
}

/// `value` moved into `limit`: clamped, and off an excluded end by 1e-4 of its scale.
fn into_range(limit: Limit, value: f64) -> f64 {
    let clamped = limit.clamp(value);
    if limit.contains(clamped) {
        return clamped;
    }
    let step = 1e-4 * clamped.abs().max(1.0);
    if clamped >= limit.max { clamped - step } else { clamped + step }
}

/// The two ends of an axis, typed; a value outside the field's range (or not positive on a log
/// axis) is refused with the range. The log switch is off limits while an end is not positive.
fn axis_ends(ui: &mut Ui, axis: &mut SweepAxis, field_limit: Limit) {
    let mut allowed = field_limit;
    if axis.log && allowed.min <= 0.0 {
        (allowed.min, allowed.min_open) = (0.0, true);
    }
    let format = if axis.log { numbers::compact } else { numbers::coordinate };
    let tip = "An end of the axis: type a number";
    NumberField::new(allowed, "from", tip).format(format).show(ui, &mut axis.from);
    NumberField::new(allowed, "to", tip).format(format).show(ui, &mut axis.to);
    let positive = axis.from > 0.0 && axis.to > 0.0;
    ui.add_enabled(positive || axis.log, egui::Checkbox::new(&mut axis.log, "log"))
        .on_hover_text("Values evenly spaced in log10 (positive ends)")
        .on_disabled_hover_text("A log axis needs positive ends: type them first");
}

/// A sensible range for a newly picked field.
fn default_axis(field: SweepField, count: usize) -> SweepAxis {
    let (from, to, log) = match field {
        SweepField::Lr => (1e-5, 1e-1, true),
        SweepField::Momentum | SweepField::Dampening | SweepField::Beta1 => (0.0, 0.99, false),
        SweepField::Beta2 | SweepField::DecayRate => (0.5, 0.9999, false),
        SweepField::Eps => (1e-10, 1e-1, true),
        SweepField::WeightDecay | SweepField::L2 | SweepField::LrDecay => (1e-6, 1e-1, true),
        SweepField::ScheduleRate => (1e-4, 1e-1, true),
        SweepField::Noise => (0.0, 2.0, false),
        SweepField::DropoutKeep => (0.1, 1.0, false),
        SweepField::MomentumDecay => (0.0, 0.05, false),
        // Adadelta, ASGD and Rprop (issue 16).
        SweepField::Rho => (0.5, 0.999, false),
        SweepField::Lambd => (1e-6, 1e-2, true),
        SweepField::Alpha => (0.5, 1.0, false),
        SweepField::T0 => (0.0, 500.0, false),
        SweepField::EtaMinus => (0.1, 0.9, false),
        SweepField::EtaPlus => (1.05, 2.0, false),
        SweepField::StepMin => (1e-8, 1e-3, true),
        SweepField::StepMax => (1e-2, 50.0, true),
        SweepField::Damping => (1e-4, 10.0, true),
        // Issue 16's remaining fields; counts span at least `count` whole numbers.
        SweepField::Beta2Decay => (-1.0, -0.5, false),
        SweepField::Eps1 => (1e-16, 1e-3, true),
        SweepField::ClipThreshold => (1.0, 4.0, false),
        SweepField::AveragePower | SweepField::WeightLrPower => (0.0, 4.0, false),
        SweepField::ToleranceGrad => (1e-10, 1e-2, true),
        SweepField::ToleranceChange => (1e-12, 1e-3, true),
        SweepField::NsA => (2.0, 4.0, false),
        SweepField::NsB => (-6.0, -3.0, false),
        SweepField::NsC => (1.0, 3.0, false),
        SweepField::InitialAccumulator => (0.0, 1.0, false),
        SweepField::WarmupSteps => return count_axis(field, count, (0.0, 100.0), WARMUP_STEPS),
        SweepField::MaxIter => {
            return count_axis(field, count, (1.0, 20.0), lbfgs_limits::MAX_ITER);
        }
        SweepField::MaxEval => {
            return count_axis(field, count, (1.0, 25.0), lbfgs_limits::MAX_EVAL);
        }
        SweepField::HistorySize => {
            return count_axis(field, count, (1.0, 20.0), lbfgs_limits::HISTORY_SIZE);
        }
        SweepField::NsSteps => return count_axis(field, count, (0.0, 10.0), NS_STEPS),
    };
    SweepAxis { field, from, to, count, log }
}

/// A linear axis over a count field from `from` to at least `to`, wide enough for `count`
/// distinct whole numbers where the field's range allows (else fewer cells).
fn count_axis(field: SweepField, count: usize, (from, to): (f64, f64), limit: Limit) -> SweepAxis {
    let to = to.max(from + count as f64 - 1.0).min(limit.max);
    let axis = SweepAxis { field, from, to, count, log: false };
    let fitting = axis.most_distinct_cells().unwrap_or(count).min(count);
    SweepAxis { count: fitting.max(2), ..axis }
}
