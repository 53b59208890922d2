//! Schedule controls of one run: the picker, each schedule's fields (`schedule_fields`), the
//! schedules nested in `Warmup`, `Sequential` and `Chained` down to [`MAX_DEPTH`] levels, the
//! formula in the course's notation and, for a run, the preview of its lr (`schedule_preview`).
//!
//! A value outside a field's limit is refused with the limit's words and never clamped; text
//! that does not parse stays in red with the reason, not applied; what only the whole schedule
//! can check (`Schedule::validate`) is said under the formula, and the preview waits for it.

use std::mem::discriminant;

use egui::{Button, RichText, Ui};

use crate::app::entries::race::schedule_fields::{self, SEQUENTIAL_MILESTONES};
use crate::app::entries::race::schedule_preview::{self, RunContext};
use optlab_core::schedule::{Anneal, CyclicMode, PlateauMode, Schedule, ThresholdMode};

/// Levels of nested schedules the panel edits below the run's own; deeper ones are edited in
/// the notebook file.
pub const MAX_DEPTH: usize = 2;

/// Height of the picker's list: every schedule without scrolling.
const PICKER_HEIGHT: f32 = 520.0;

/// Children a combination may get from the panel (more are edited in the notebook file).
const MAX_CHILDREN: usize = 8;

/// Updates the next Sequential child starts after the last milestone when added.
const NEW_MILESTONE_GAP: u64 = 100;

/// Where one level of controls is drawn: the run's salt, the depth and the run around it.
#[derive(Clone, Copy)]
struct Level<'a> {
    /// Keeps ids apart among runs.
    salt: usize,
    /// 0 for the run's own schedule.
    depth: usize,
    /// The run (race or training), `None` in sweeps and basins.
    context: Option<&'a RunContext>,
}

impl Level<'_> {
    fn child(self) -> Self {
        Self { depth: self.depth + 1, ..self }
    }
}

/// Draws the schedule picker, its parameters and its formula (sweeps and basins: no preview).
///
/// `salt` keeps the pickers' ids unique among runs (pass the run index).
pub fn schedule(ui: &mut Ui, schedule: &mut Schedule, salt: usize) {
    schedule_level(ui, schedule, "schedule", Level { salt, depth: 0, context: None });
    formula(ui, schedule);
    refusal(ui, schedule);
}

/// [`schedule`] for a run in `context`, with the preview of its lr (and momentum) under it.
pub fn schedule_for_run(ui: &mut Ui, schedule: &mut Schedule, salt: usize, context: &RunContext) {
    let level = Level { salt, depth: 0, context: Some(context) };
    schedule_level(ui, schedule, "schedule", level);
    formula(ui, schedule);
    if !refusal(ui, schedule) {
        return;
    }
    let error = ui.visuals().error_fg_color;
    if let Some(why) = schedule.momentum_refusal(&context.optimizer) {
        ui.colored_label(error, format!("⚠ {why}"));
    }
    match schedule.length_refusal(context.updates) {
        Some(why) => {
            ui.colored_label(error, format!("⚠ {why}"));
        }
        None => schedule_preview::show(ui, schedule, context, salt),
    }
}

/// The schedule's formula in a monospace block.
fn formula(ui: &mut Ui, schedule: &Schedule) {
    ui.label(RichText::new(schedule.formula()).monospace())
        .on_hover_text("The learning rate update t uses; η₀ is the optimizer's lr");
}

/// Says why the whole schedule is refused, if it is; returns whether it is valid.
fn refusal(ui: &mut Ui, schedule: &Schedule) -> bool {
    match schedule.validate() {
        Ok(()) => true,
        Err(error) => {
            ui.colored_label(ui.visuals().error_fg_color, format!("⚠ {error}"));
            false
        }
    }
}

/// One level of schedule controls: the picker labelled `label`, then the fields.
fn schedule_level(ui: &mut Ui, schedule: &mut Schedule, label: &str, level: Level<'_>) {
    schedule_picker(ui, schedule, label, level);
    let training = level.context.is_some_and(|c| c.training);
    match schedule {
        Schedule::Warmup { steps, start_factor, then } => {
            schedule_fields::warmup_fields(ui, steps, start_factor);
            nested(ui, level, |ui, child| schedule_level(ui, then, "then", child));
        }
        Schedule::Sequential { schedules, milestones } => {
            schedule_fields::milestones_edit(ui, milestones, level.salt, SEQUENTIAL_MILESTONES);
            nested(ui, level, |ui, child| sequential_children(ui, schedules, milestones, child));
        }
        Schedule::Chained(schedules) => {
            nested(ui, level, |ui, child| chained_children(ui, schedules, child));
        }
        _ => schedule_fields::leaf_fields(ui, schedule, level.salt, training),
    }
}

/// The children of a combination one level down, or a note below [`MAX_DEPTH`].
fn nested(ui: &mut Ui, level: Level<'_>, draw: impl FnOnce(&mut Ui, Level<'_>)) {
    if level.depth >= MAX_DEPTH {
        ui.weak("Nested deeper than the panel shows: edit it in the notebook file");
    } else {
        ui.indent(("nested", level.depth), |ui| draw(ui, level.child()));
    }
}

/// Sequential's schedules, each with the update it starts at and a remove button, and a
/// button that adds one (with a milestone after the last).
fn sequential_children(
    ui: &mut Ui,
    schedules: &mut Vec<Schedule>,
    milestones: &mut Vec<u64>,
    level: Level<'_>,
) {
    let count = schedules.len();
    let mut remove = None;
    for (index, child) in schedules.iter_mut().enumerate() {
        let start = if index == 0 { Some(0) } else { milestones.get(index - 1).copied() };
        let from = start.map_or_else(|| "no milestone".to_owned(), |m| format!("from update {m}"));
        ui.push_id(index, |ui| {
            if child_header(ui, &format!("schedule {}: {from}", index + 1), count > 1) {
                remove = Some(index);
            }
            schedule_level(ui, child, &format!("schedule {}", index + 1), level);
        });
    }
    if let Some(index) = remove {
        schedules.remove(index);
        if !milestones.is_empty() {
            milestones.remove(index.saturating_sub(1).min(milestones.len() - 1));
        }
    }
    if add_button(ui, count, "Add a schedule after the last, from a new milestone") {
        let last = milestones.last().copied().unwrap_or(0);
        milestones.push(last + NEW_MILESTONE_GAP);
        schedules.push(Schedule::Constant);
    }
}

/// Chained's schedules, each with a remove button, and a button that adds one.
fn chained_children(ui: &mut Ui, schedules: &mut Vec<Schedule>, level: Level<'_>) {
    let count = schedules.len();
    let mut remove = None;
    for (index, child) in schedules.iter_mut().enumerate() {
        ui.push_id(index, |ui| {
            if child_header(ui, &format!("factor {} of the product", index + 1), count > 1) {
                remove = Some(index);
            }
            schedule_level(ui, child, &format!("schedule {}", index + 1), level);
        });
    }
    if let Some(index) = remove {
        schedules.remove(index);
    }
    if add_button(ui, count, "Add a schedule whose factor multiplies the others'") {
        schedules.push(Schedule::Constant);
    }
}

/// A child's heading with a remove button (when `removable`); returns whether it was pressed.
fn child_header(ui: &mut Ui, title: &str, removable: bool) -> bool {
    ui.horizontal(|ui| {
        ui.strong(title);
        ui.add_enabled(removable, Button::new("✖ remove").small())
            .on_hover_text("Remove this schedule")
            .on_disabled_hover_text("A combination keeps at least one schedule")
            .clicked()
    })
    .inner
}

/// The "add a schedule" button of a combination with `count` children.
fn add_button(ui: &mut Ui, count: usize, tip: &str) -> bool {
    ui.add_enabled(count < MAX_CHILDREN, Button::new("➕ schedule"))
        .on_hover_text(tip)
        .on_disabled_hover_text(format!(
            "The panel edits up to {MAX_CHILDREN} schedules here: add more in the notebook file"
        ))
        .clicked()
}

/// The schedule kind picker.
fn schedule_picker(ui: &mut Ui, schedule: &mut Schedule, label: &str, level: Level<'_>) {
    let tip = if level.depth == 0 {
        "How the learning rate changes during the run. Switching starts from that schedule's \
         defaults, sized to the run"
    } else {
        "A schedule inside the one above, restarted at its own t = 0 where it takes over"
    };
    let mut picked = None;
    egui::ComboBox::new((label, level.salt), label)
        .selected_text(schedule.name())
        .height(PICKER_HEIGHT)
        .show_ui(ui, |ui| {
            for candidate in choices(level.context) {
                let current = discriminant(&candidate) == discriminant(schedule);
                let tip = picker_tip(&candidate, level.context.is_some_and(|c| c.training));
                let clicked =
                    ui.selectable_label(current, candidate.name()).on_hover_text(tip).clicked();
                if clicked && !current {
                    picked = Some(candidate);
                }
            }
        })
        .response
        .on_hover_text(tip);
    if let Some(new_schedule) = picked {
        *schedule = new_schedule;
    }
}

/// What a schedule in the picker does, in one line.
fn picker_tip(schedule: &Schedule, training: bool) -> &'static str {
    match schedule {
        Schedule::ReduceOnPlateau { .. } if training => {
            "ReduceLROnPlateau: divides the lr when the validation loss stalls; in training it \
             steps once per epoch"
        }
        Schedule::ReduceOnPlateau { .. } => {
            "ReduceLROnPlateau: divides the lr when the loss stalls (checked after every update)"
        }
        Schedule::Cyclic { .. } | Schedule::OneCycle { .. } => {
            "Replaces the optimizer's lr, and cycles its momentum (or β₁) unless told not to"
        }
        Schedule::Sequential { .. } => "SequentialLR: one schedule after another at milestones",
        Schedule::Chained(_) => "ChainedScheduler: the schedules' factors multiply",
        _ => "",
    }
}

/// Every schedule the picker offers, with defaults sized to the run when there is one: the
/// core's catalogue, then the PyTorch-named schedules it does not list yet.
fn choices(context: Option<&RunContext>) -> Vec<Schedule> {
    let mut all = Schedule::catalogue();
    for extra in torch_defaults() {
        if all.iter().all(|known| discriminant(known) != discriminant(&extra)) {
            all.push(extra);
        }
    }
    if let Some(context) = context {
        for schedule in &mut all {
            size_to_run(schedule, context);
        }
    }
    all
}

/// Defaults of the schedules of issue 17 (DESIGN.md's, with a small run's required fields).
fn torch_defaults() -> Vec<Schedule> {
    vec![
        Schedule::ConstantFactor { factor: 1.0 / 3.0, total_iters: 5 },
        Schedule::Linear { start_factor: 1.0 / 3.0, end_factor: 1.0, total_iters: 5 },
        Schedule::Polynomial { total_iters: 5, power: 1.0 },
        Schedule::CosineWarmRestarts { t0: 100, t_mult: 1, eta_min: 0.0 },
        Schedule::Cyclic {
            base_lr: 0.001,
            max_lr: 0.1,
            step_size_up: 2000,
            step_size_down: None,
            mode: CyclicMode::Triangular,
            gamma: 1.0,
            cycle_momentum: true,
            base_momentum: 0.8,
            max_momentum: 0.9,
        },
        Schedule::OneCycle {
            max_lr: 0.1,
            total_steps: 1000,
            pct_start: 0.3,
            anneal: Anneal::Cos,
            cycle_momentum: true,
            base_momentum: 0.85,
            max_momentum: 0.95,
            div_factor: 25.0,
            final_div_factor: 1e4,
            three_phase: false,
        },
        Schedule::Lambda("0.95^t".to_owned()),
        Schedule::Multiplicative("0.99".to_owned()),
        Schedule::Sequential {
            schedules: vec![
                Schedule::Linear { start_factor: 0.1, end_factor: 1.0, total_iters: 20 },
                Schedule::Cosine { period: 100, min_lr: 0.0 },
            ],
            milestones: vec![20],
        },
        Schedule::Chained(vec![
            Schedule::ConstantFactor { factor: 0.5, total_iters: 20 },
            Schedule::Exponential { k: 0.01 },
        ]),
        Schedule::ReduceOnPlateau {
            mode: PlateauMode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: 0.0,
            eps: 1e-8,
        },
    ]
}

/// Fits a picked schedule's lengths and peak to the run: `OneCycle` spans the run and peaks at
/// the optimizer's lr, Cyclic rises to it in a quarter of the run, warm restarts every quarter.
fn size_to_run(schedule: &mut Schedule, context: &RunContext) {
    let quarter = (context.updates / 4).max(1);
    match schedule {
        Schedule::OneCycle { max_lr, total_steps, .. } => {
            *max_lr = context.lr;
            *total_steps = context.updates.max(1);
        }
        Schedule::Cyclic { base_lr, max_lr, step_size_up, .. } => {
            *base_lr = context.lr / 10.0;
            *max_lr = context.lr;
            *step_size_up = quarter;
        }
        Schedule::CosineWarmRestarts { t0, .. } => *t0 = quarter,
        _ => {}
    }
}
