//! The fields of each schedule that holds no other schedule: sliders with text fields inside
//! each field's limit (PyTorch's names as labels), combo boxes for the modes, a checkbox and a
//! field for `step_size_down`, and text fields for milestones and `Lambda`/`Multiplicative`
//! formulas that keep refused text in red with the reason, not applied.

use egui::Ui;

use crate::app::widgets::number_field::NumberField;
use crate::app::widgets::numbers;
use optlab_core::limits::Limit;
use optlab_core::schedule::{
    self, Anneal, CyclicMode, PlateauMode, Schedule, ThresholdMode, torch_limits,
};

/// One numeric field edited by a slider, as `optimizer_controls`' `Param`.
pub(super) struct Param {
    /// The limit `validate()` checks; the slider range lies inside it.
    pub limit: Limit,
    /// Left end of the slider.
    pub min: f64,
    /// Right end of the slider.
    pub max: f64,
    /// Logarithmic slider.
    pub log: bool,
    /// Accessible name, shown beside the slider.
    pub label: &'static str,
    /// Tooltip in the course's words.
    pub tip: &'static str,
}

impl Param {
    /// Draws the slider and its text field; returns whether the user changed `value`.
    pub(super) fn slider(&self, ui: &mut Ui, value: &mut f64) -> bool {
        NumberField::new(self.limit, self.label, self.tip)
            .slider(self.min..=self.max, self.log)
            .format(numbers::coordinate)
            .show(ui, value)
    }

    /// Draws a whole-number slider for a count of updates.
    pub(super) fn count(&self, ui: &mut Ui, value: &mut u64) -> bool {
        NumberField::new(self.limit, self.label, self.tip)
            .slider(self.min..=self.max, self.log)
            .whole()
            .show_u64(ui, value)
    }
}

// ---- The schedules of before issue 17 -------------------------------------------------------

pub(super) const RATE: Param = Param {
    limit: schedule::RATE,
    min: 1e-5,
    max: 1.0,
    log: true,
    label: "k",
    tip: "Decay rate k per update: the larger k, the faster the learning rate shrinks",
};
pub(super) const FACTOR: Param = Param {
    limit: schedule::FACTOR,
    min: 0.0,
    max: 1.0,
    log: false,
    label: "factor",
    tip: "Each decay multiplies the learning rate by this factor (0.1 = ten times smaller)",
};
pub(super) const MIN_LR: Param = Param {
    limit: schedule::MIN_LR,
    min: 0.0,
    max: 1.0,
    log: false,
    label: "min lr",
    tip: "The lowest learning rate, reached at the end of the cosine's half period",
};
pub(super) const START_FACTOR: Param = Param {
    limit: schedule::START_FACTOR,
    min: 0.0,
    max: 1.0,
    log: false,
    label: "start factor",
    tip: "Warmup starts at this fraction of the learning rate and rises linearly to the full lr",
};
/// A period in updates (`every`, `period`, warmup `steps`), inside [`schedule::PERIOD`].
const fn period(label: &'static str, tip: &'static str) -> Param {
    Param {
        limit: Limit { name: label, ..schedule::PERIOD },
        min: 1.0,
        max: 10_000.0,
        log: true,
        label,
        tip,
    }
}
pub(super) const EVERY: Param = period("every", "Updates between two decays of the learning rate");
pub(super) const COSINE_PERIOD: Param = period(
    "period",
    "Half period T: the learning rate falls from lr to min lr over T updates (and rises again \
     after)",
);
pub(super) const WARMUP_STEPS: Param =
    period("warmup steps", "Length of the linear warmup in updates");

// ---- ConstantLR, LinearLR, PolynomialLR, CosineAnnealingWarmRestarts --------------------------

const CONSTANT_FACTOR: Param = Param {
    limit: torch_limits::CONSTANT_FACTOR,
    min: 0.001,
    max: 1.0,
    log: false,
    label: "factor",
    tip: "ConstantLR's factor: updates t < total_iters use factor·η₀, then η₀",
};
const fn total_iters(tip: &'static str) -> Param {
    Param {
        limit: torch_limits::TOTAL_ITERS,
        min: 1.0,
        max: 10_000.0,
        log: true,
        label: "total_iters",
        tip,
    }
}
const CONSTANT_ITERS: Param = total_iters("Updates that use the factor before the full lr");
const LINEAR_ITERS: Param =
    total_iters("Length of the linear ramp from start_factor to end_factor");
const POLYNOMIAL_ITERS: Param = total_iters("Updates until the lr reaches 0 (it stays 0 after)");
const LINEAR_START: Param = Param {
    limit: torch_limits::LINEAR_START,
    min: 0.001,
    max: 1.0,
    log: false,
    label: "start_factor",
    tip: "LinearLR: the factor of η₀ at t = 0 (PyTorch refuses 0)",
};
const LINEAR_END: Param = Param {
    limit: torch_limits::LINEAR_END,
    min: 0.0,
    max: 1.0,
    log: false,
    label: "end_factor",
    tip: "LinearLR: the factor of η₀ from t = total_iters on",
};
const POWER: Param = Param {
    limit: torch_limits::POWER,
    min: 0.1,
    max: 10.0,
    log: true,
    label: "power",
    tip: "PolynomialLR: ηₜ = η₀·(1 − t/total_iters)^power; 1 is a straight line to 0",
};
const T0: Param = Param {
    limit: torch_limits::T0,
    min: 1.0,
    max: 10_000.0,
    log: true,
    label: "T_0",
    tip: "Length of the first cosine cycle in updates; the lr jumps back to η₀ after it",
};
const T_MULT: Param = Param {
    limit: torch_limits::T_MULT,
    min: 1.0,
    max: 10.0,
    log: false,
    label: "T_mult",
    tip: "Each cycle is T_mult times longer than the one before (1: all equal)",
};
const ETA_MIN: Param = Param {
    limit: torch_limits::ETA_MIN,
    min: 0.0,
    max: 1.0,
    log: false,
    label: "eta_min",
    tip: "The lowest lr, reached at the end of each cycle",
};

// ---- CyclicLR and OneCycleLR ----------------------------------------------------------------

const fn peak_lr(name: &'static str, label: &'static str, tip: &'static str) -> Param {
    Param {
        limit: Limit { name, ..torch_limits::MAX_LR },
        min: 1e-5,
        max: 10.0,
        log: true,
        label,
        tip,
    }
}
const CYCLIC_BASE_LR: Param = peak_lr(
    "base_lr",
    "base_lr",
    "The bottom of each cycle. CyclicLR replaces the optimizer's lr (as PyTorch does)",
);
const CYCLIC_MAX_LR: Param = peak_lr("max_lr", "max_lr", "The top of the first cycle");
const STEP_SIZE_UP: Param = Param {
    limit: torch_limits::STEP_SIZE,
    min: 1.0,
    max: 10_000.0,
    log: true,
    label: "step_size_up",
    tip: "Updates from base_lr up to max_lr",
};
const STEP_SIZE_DOWN: Param = Param {
    limit: Limit { name: "step_size_down", ..torch_limits::STEP_SIZE },
    label: "updates down",
    tip: "Updates from max_lr back down to base_lr",
    ..STEP_SIZE_UP
};
const GAMMA: Param = Param {
    limit: torch_limits::GAMMA,
    min: 0.99,
    max: 1.0,
    log: false,
    label: "gamma",
    tip: "ExpRange: the amplitude is multiplied by gamma at every update",
};
const fn momentum(label: &'static str, tip: &'static str) -> Param {
    Param {
        limit: Limit { name: label, ..torch_limits::BASE_MOMENTUM },
        min: 0.0,
        max: 0.999,
        log: false,
        label,
        tip,
    }
}
const CYCLIC_BASE_MOMENTUM: Param =
    momentum("base_momentum", "The momentum (or β₁) at the top of the lr cycle");
const CYCLIC_MAX_MOMENTUM: Param =
    momentum("max_momentum", "The momentum (or β₁) at the bottom of the lr cycle");
const ONE_CYCLE_MAX_LR: Param = peak_lr(
    "max_lr",
    "max_lr",
    "The peak lr; OneCycleLR replaces the optimizer's lr (it starts at max_lr/div_factor)",
);
const TOTAL_STEPS: Param = Param {
    limit: torch_limits::TOTAL_STEPS,
    min: 1.0,
    max: 100_000.0,
    log: true,
    label: "total_steps",
    tip: "Updates in the cycle; a run longer than this is refused, as PyTorch raises",
};
const PCT_START: Param = Param {
    limit: torch_limits::PCT_START,
    min: 0.0,
    max: 1.0,
    log: false,
    label: "pct_start",
    tip: "Fraction of the cycle spent raising the lr to max_lr",
};
const ONE_CYCLE_BASE_MOMENTUM: Param =
    momentum("base_momentum", "The momentum (or β₁) at the peak lr");
const ONE_CYCLE_MAX_MOMENTUM: Param =
    momentum("max_momentum", "The momentum (or β₁) at the start and the end");
const DIV_FACTOR: Param = Param {
    limit: torch_limits::DIV_FACTOR,
    min: 1.0,
    max: 1000.0,
    log: true,
    label: "div_factor",
    tip: "The first lr is max_lr/div_factor",
};
const FINAL_DIV_FACTOR: Param = Param {
    limit: torch_limits::FINAL_DIV_FACTOR,
    min: 1.0,
    max: 1e6,
    log: true,
    label: "final_div_factor",
    tip: "The last lr is max_lr/(div_factor·final_div_factor)",
};

// ---- ReduceLROnPlateau ----------------------------------------------------------------------

const PLATEAU_FACTOR: Param = Param {
    limit: torch_limits::PLATEAU_FACTOR,
    min: 0.0,
    max: 0.99,
    log: false,
    label: "factor",
    tip: "Each reduction multiplies the lr by this factor (below 1)",
};
const THRESHOLD: Param = Param {
    limit: torch_limits::THRESHOLD,
    min: 1e-8,
    max: 1.0,
    log: true,
    label: "threshold",
    tip: "The least improvement that counts (relative or absolute, see threshold_mode)",
};
const PLATEAU_MIN_LR: Param = Param {
    limit: torch_limits::PLATEAU_MIN_LR,
    min: 0.0,
    max: 1.0,
    log: false,
    label: "min_lr",
    tip: "The lr never goes below this",
};
const PLATEAU_EPS: Param = Param {
    limit: torch_limits::EPS,
    min: 1e-12,
    max: 1e-2,
    log: true,
    label: "eps",
    tip: "A reduction that changes the lr by less than eps is skipped",
};
const fn waiting(label: &'static str, tip: &'static str) -> Param {
    Param { limit: Limit::at_least(label, 0.0), min: 0.0, max: 1000.0, log: false, label, tip }
}
const PATIENCE: Param =
    waiting("patience", "Updates without improvement tolerated before the lr is reduced");
const COOLDOWN: Param = waiting("cooldown", "Updates ignored after a reduction");
const EPOCH_PATIENCE: Param = waiting(
    "patience",
    "Epochs without improvement of the validation loss tolerated before the lr is reduced \
     (in training ReduceOnPlateau steps once per epoch)",
);
const EPOCH_COOLDOWN: Param = waiting(
    "cooldown",
    "Epochs ignored after a reduction (in training ReduceOnPlateau steps once per epoch)",
);

/// Every slider above, for the test that their ranges lie inside their limits.
#[cfg(test)]
pub(super) const ALL: [&Param; 39] = [
    &RATE,
    &FACTOR,
    &MIN_LR,
    &START_FACTOR,
    &EVERY,
    &COSINE_PERIOD,
    &WARMUP_STEPS,
    &CONSTANT_FACTOR,
    &CONSTANT_ITERS,
    &LINEAR_ITERS,
    &POLYNOMIAL_ITERS,
    &LINEAR_START,
    &LINEAR_END,
    &POWER,
    &T0,
    &T_MULT,
    &ETA_MIN,
    &CYCLIC_BASE_LR,
    &CYCLIC_MAX_LR,
    &STEP_SIZE_UP,
    &STEP_SIZE_DOWN,
    &GAMMA,
    &CYCLIC_BASE_MOMENTUM,
    &CYCLIC_MAX_MOMENTUM,
    &ONE_CYCLE_MAX_LR,
    &TOTAL_STEPS,
    &PCT_START,
    &ONE_CYCLE_BASE_MOMENTUM,
    &ONE_CYCLE_MAX_MOMENTUM,
    &DIV_FACTOR,
    &FINAL_DIV_FACTOR,
    &PLATEAU_FACTOR,
    &THRESHOLD,
    &PLATEAU_MIN_LR,
    &PLATEAU_EPS,
    &PATIENCE,
    &COOLDOWN,
    &EPOCH_PATIENCE,
    &EPOCH_COOLDOWN,
];

// ---- Drawing --------------------------------------------------------------------------------

/// The fields of a schedule that holds no other schedule; `salt` keeps text fields apart,
/// `training` words `ReduceOnPlateau`'s fields in epochs. Combinations draw nothing here.
pub(super) fn leaf_fields(ui: &mut Ui, schedule: &mut Schedule, salt: usize, training: bool) {
    match schedule {
        Schedule::Exponential { k } | Schedule::InverseTime { k } => {
            RATE.slider(ui, k);
        }
        Schedule::Step { every, factor } => {
            EVERY.count(ui, every);
            FACTOR.slider(ui, factor);
        }
        Schedule::MultiStep { milestones, factor } => {
            milestones_edit(ui, milestones, salt, MULTISTEP_MILESTONES);
            FACTOR.slider(ui, factor);
        }
        Schedule::Cosine { period, min_lr } => {
            COSINE_PERIOD.count(ui, period);
            MIN_LR.slider(ui, min_lr);
        }
        Schedule::Lambda(text) => formula_edit(ui, text, salt, LAMBDA),
        Schedule::Multiplicative(text) => formula_edit(ui, text, salt, MULTIPLICATIVE),
        Schedule::ReduceOnPlateau { .. } => plateau(ui, schedule, salt, training),
        Schedule::Cyclic { .. } => cyclic(ui, schedule, salt),
        Schedule::OneCycle { .. } => one_cycle(ui, schedule, salt),
        _ => ramps(ui, schedule),
    }
}

/// `ConstantLR`, `LinearLR`, `PolynomialLR` and `CosineAnnealingWarmRestarts`.
fn ramps(ui: &mut Ui, schedule: &mut Schedule) {
    match schedule {
        Schedule::ConstantFactor { factor, total_iters } => {
            CONSTANT_FACTOR.slider(ui, factor);
            CONSTANT_ITERS.count(ui, total_iters);
        }
        Schedule::Linear { start_factor, end_factor, total_iters } => {
            LINEAR_START.slider(ui, start_factor);
            LINEAR_END.slider(ui, end_factor);
            LINEAR_ITERS.count(ui, total_iters);
        }
        Schedule::Polynomial { total_iters, power } => {
            POLYNOMIAL_ITERS.count(ui, total_iters);
            POWER.slider(ui, power);
        }
        Schedule::CosineWarmRestarts { t0, t_mult, eta_min } => {
            T0.count(ui, t0);
            T_MULT.count(ui, t_mult);
            ETA_MIN.slider(ui, eta_min);
        }
        _ => {}
    }
}

/// Warmup's own fields (its `then` is drawn by the caller).
pub(super) fn warmup_fields(ui: &mut Ui, steps: &mut u64, start_factor: &mut f64) {
    WARMUP_STEPS.count(ui, steps);
    START_FACTOR.slider(ui, start_factor);
}

/// `CyclicLR`'s fields.
fn cyclic(ui: &mut Ui, schedule: &mut Schedule, salt: usize) {
    let Schedule::Cyclic {
        base_lr,
        max_lr,
        step_size_up,
        step_size_down,
        mode,
        gamma,
        cycle_momentum,
        base_momentum,
        max_momentum,
    } = schedule
    else {
        return;
    };
    CYCLIC_BASE_LR.slider(ui, base_lr);
    CYCLIC_MAX_LR.slider(ui, max_lr);
    STEP_SIZE_UP.count(ui, step_size_up);
    step_size_down_edit(ui, step_size_down, *step_size_up);
    choice(ui, ("mode", salt), "mode", mode, CYCLIC_MODES);
    if *mode == CyclicMode::ExpRange {
        GAMMA.slider(ui, gamma);
    }
    momentum_cycling(ui, cycle_momentum);
    if *cycle_momentum {
        CYCLIC_BASE_MOMENTUM.slider(ui, base_momentum);
        CYCLIC_MAX_MOMENTUM.slider(ui, max_momentum);
    }
}

/// `OneCycleLR`'s fields.
fn one_cycle(ui: &mut Ui, schedule: &mut Schedule, salt: usize) {
    let Schedule::OneCycle {
        max_lr,
        total_steps,
        pct_start,
        anneal,
        cycle_momentum,
        base_momentum,
        max_momentum,
        div_factor,
        final_div_factor,
        three_phase,
    } = schedule
    else {
        return;
    };
    ONE_CYCLE_MAX_LR.slider(ui, max_lr);
    TOTAL_STEPS.count(ui, total_steps);
    PCT_START.slider(ui, pct_start);
    choice(ui, ("anneal", salt), "anneal_strategy", anneal, ANNEALS);
    DIV_FACTOR.slider(ui, div_factor);
    FINAL_DIV_FACTOR.slider(ui, final_div_factor);
    ui.checkbox(three_phase, "three_phase").on_hover_text(
        "Fastai's three phases: up to max_lr, back down to the first lr, then annihilate to the \
         last lr (PyTorch's three_phase). Off: up, then anneal to the last lr",
    );
    momentum_cycling(ui, cycle_momentum);
    if *cycle_momentum {
        ONE_CYCLE_BASE_MOMENTUM.slider(ui, base_momentum);
        ONE_CYCLE_MAX_MOMENTUM.slider(ui, max_momentum);
    }
}

fn momentum_cycling(ui: &mut Ui, cycle_momentum: &mut bool) {
    ui.checkbox(cycle_momentum, "cycle_momentum").on_hover_text(
        "Also drive the optimizer's momentum (or β₁) inversely to the lr, between max_momentum \
         and base_momentum, as PyTorch does. An optimizer without momentum is refused",
    );
}

/// `CyclicLR`'s `step_size_down`: `None` (as many updates as up) or a count.
fn step_size_down_edit(ui: &mut Ui, step_size_down: &mut Option<u64>, up: u64) {
    let mut own = step_size_down.is_some();
    let tip = "step_size_down: updates from max_lr back to base_lr. Off: as many as step_size_up";
    if ui.checkbox(&mut own, "step_size_down").on_hover_text(tip).changed() {
        *step_size_down = own.then_some(up);
    }
    if let Some(down) = step_size_down {
        ui.indent("step_size_down", |ui| STEP_SIZE_DOWN.count(ui, down));
    }
}

/// `ReduceLROnPlateau`'s fields; in training it steps once per epoch.
fn plateau(ui: &mut Ui, schedule: &mut Schedule, salt: usize, training: bool) {
    let Schedule::ReduceOnPlateau {
        mode,
        factor,
        patience,
        threshold,
        threshold_mode,
        cooldown,
        min_lr,
        eps,
    } = schedule
    else {
        return;
    };
    choice(ui, ("plateau mode", salt), "mode", mode, PLATEAU_MODES);
    PLATEAU_FACTOR.slider(ui, factor);
    if training { EPOCH_PATIENCE } else { PATIENCE }.count(ui, patience);
    THRESHOLD.slider(ui, threshold);
    choice(ui, ("threshold mode", salt), "threshold_mode", threshold_mode, THRESHOLD_MODES);
    if training { EPOCH_COOLDOWN } else { COOLDOWN }.count(ui, cooldown);
    PLATEAU_MIN_LR.slider(ui, min_lr);
    PLATEAU_EPS.slider(ui, eps);
}

/// The choices of an option: value, name, tooltip.
type Choices<T> = &'static [(T, &'static str, &'static str)];

const CYCLIC_MODES: Choices<CyclicMode> = &[
    (CyclicMode::Triangular, "Triangular", "The same triangle every cycle"),
    (CyclicMode::Triangular2, "Triangular2", "The triangle's height halves every cycle"),
    (CyclicMode::ExpRange, "ExpRange", "The height is scaled by gamma^t"),
];
const ANNEALS: Choices<Anneal> = &[
    (Anneal::Cos, "Cos", "Cosine annealing between the phases' ends"),
    (Anneal::Linear, "Linear", "Straight lines between the phases' ends"),
];
const PLATEAU_MODES: Choices<PlateauMode> = &[
    (PlateauMode::Min, "Min", "A lower loss is an improvement"),
    (PlateauMode::Max, "Max", "A higher value is an improvement"),
];
const THRESHOLD_MODES: Choices<ThresholdMode> = &[
    (ThresholdMode::Rel, "Rel", "Better means beyond best·(1 − threshold) (Min mode)"),
    (ThresholdMode::Abs, "Abs", "Better means beyond best − threshold (Min mode)"),
];

/// A combo box over `choices`.
fn choice<T: PartialEq + Copy>(
    ui: &mut Ui,
    salt: (&str, usize),
    label: &str,
    value: &mut T,
    choices: Choices<T>,
) {
    let current = choices.iter().find(|c| c.0 == *value).map_or("", |c| c.1);
    let tip = choices.iter().map(|c| format!("{}: {}", c.1, c.2)).collect::<Vec<_>>().join("\n");
    egui::ComboBox::new(salt, label)
        .selected_text(current)
        .show_ui(ui, |ui| {
            for &(option, name, option_tip) in choices {
                ui.selectable_value(value, option, name).on_hover_text(option_tip);
            }
        })
        .response
        .on_hover_text(tip);
}

// ---- Text fields ----------------------------------------------------------------------------

/// What a checked text field shows: its label, hint and tooltip.
#[derive(Clone, Copy)]
pub(super) struct TextField {
    /// The label beside the field (also its accessible name).
    pub label: &'static str,
    /// Grey text in an empty field.
    pub hint: &'static str,
    /// Tooltip in the course's words.
    pub tip: &'static str,
}

/// MultiStep's milestones.
const MULTISTEP_MILESTONES: TextField = TextField {
    label: "milestones",
    hint: "e.g. 30, 60",
    tip: "Updates at which the learning rate is multiplied by the factor, separated by commas \
          (e.g. 30, 60). Red: not a list of whole numbers, not applied",
};
/// Sequential's milestones.
pub(super) const SEQUENTIAL_MILESTONES: TextField = TextField {
    label: "milestones",
    hint: "e.g. 10, 50",
    tip: "Updates at which the next schedule takes over, restarted at its own t = 0: one fewer \
          than the schedules, increasing. Red: not a list of whole numbers, not applied",
};
const LAMBDA: TextField = TextField {
    label: "lr_lambda f(t)",
    hint: "e.g. 0.95^t",
    tip: "LambdaLR: ηₜ = η₀·f(t), f a formula in t (+ − * / ^, sin, cos, exp, log, sqrt, abs, \
          tanh, floor, pi, e). Red: the formula does not parse, not applied",
};
const MULTIPLICATIVE: TextField = TextField {
    label: "lr_lambda f(t)",
    hint: "e.g. 0.99",
    tip: "MultiplicativeLR: ηₜ = ηₜ₋₁·f(t) for t ≥ 1, f a formula in t. Red: the formula does not \
          parse, not applied",
};

/// Milestones as comma-separated update numbers.
pub(super) fn milestones_edit(
    ui: &mut Ui,
    milestones: &mut Vec<u64>,
    salt: usize,
    field: TextField,
) {
    checked_text(ui, (salt, field), milestones, parse_milestones, |m| format_milestones(m));
}

/// A `Lambda`/`Multiplicative` formula in t.
fn formula_edit(ui: &mut Ui, text: &mut String, salt: usize, field: TextField) {
    checked_text(ui, (salt, field), text, parse_formula, Clone::clone);
}

/// A text field for a value of type `T`: text that `parse` refuses stays in red with the
/// refusal under it and is not applied (the text being typed lives in egui's memory until it
/// parses).
fn checked_text<T: PartialEq>(
    ui: &mut Ui,
    (salt, field): (usize, TextField),
    value: &mut T,
    parse: fn(&str) -> Result<T, String>,
    format: impl Fn(&T) -> String,
) {
    let id = ui.make_persistent_id((field.label, salt));
    let stored: Option<String> = ui.data(|d| d.get_temp(id));
    // Keep the typed text while it is refused or still means the current value; anything else
    // (undo, a loaded file) shows the notebook's value.
    let mut text = stored
        .filter(|t| parse(t).map_or(true, |parsed| parsed == *value))
        .unwrap_or_else(|| format(value));
    let refusal = parse(&text).err();
    let error = refusal.is_some().then(|| ui.visuals().error_fg_color);
    ui.horizontal(|ui| {
        let label = ui.label(field.label);
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut text)
                    .hint_text(field.hint)
                    .text_color_opt(error)
                    .desired_width(160.0),
            )
            .labelled_by(label.id)
            .on_hover_text(field.tip);
        if response.changed()
            && let Ok(new) = parse(&text)
        {
            *value = new;
        }
    });
    if let Err(message) = parse(&text) {
        ui.colored_label(ui.visuals().error_fg_color, format!("⚠ {message}"));
    }
    ui.data_mut(|d| d.insert_temp(id, text));
}

/// `"30, 60"` → `[30, 60]`; empty pieces are skipped, anything else must be a whole number.
pub(super) fn parse_milestones(text: &str) -> Result<Vec<u64>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            piece.parse().map_err(|_| format!("milestones: `{piece}` is not a whole number ≥ 0"))
        })
        .collect()
}

pub(super) fn format_milestones(milestones: &[u64]) -> String {
    milestones.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
}

/// A formula in t as the schedule stores it, or the parser's message with its column (the
/// core's words, as a notebook file gets them).
pub(super) fn parse_formula(text: &str) -> Result<String, String> {
    optlab_core::expr::parse_in_t(text)
        .map(|_| text.to_owned())
        .map_err(|e| format!("formula `{text}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slider_range_lies_inside_its_limit() {
        for p in ALL {
            assert!(p.limit.contains(p.min) && p.limit.contains(p.max), "{}", p.label);
            assert!(p.min < p.max && (!p.log || p.min > 0.0), "{}", p.label);
        }
    }

    #[test]
    fn milestones_parse_or_refuse() {
        assert_eq!(parse_milestones("30, 60"), Ok(vec![30, 60]));
        assert_eq!(parse_milestones(" 5 ,, 7, "), Ok(vec![5, 7]));
        assert_eq!(parse_milestones(""), Ok(vec![]));
        assert!(parse_milestones("30, x").is_err_and(|m| m.contains("`x`")));
        assert!(parse_milestones("-3").is_err());
        assert_eq!(format_milestones(&[30, 60]), "30, 60");
    }
}
