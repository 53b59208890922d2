//! Optimizer and schedule controls of one run: pick a kind, tune its hyperparameters, read its
//! update rule or formula.
//!
//! Every numeric control is a [`Param`]: a slider whose range lies inside the field's
//! [`Limit`], so a value set here always passes `validate()`. Sliders clamp only what the user
//! enters ([`SliderClamping::Edits`]): a value loaded from a file outside the slider's range is
//! shown as it is and not changed behind the user's back.

use std::mem::discriminant;

use egui::{RichText, Ui};

use crate::app::widgets::number_field::NumberField;

use crate::app::widgets::surface_probe::CHEAP_FORMULA_BYTES;
use optlab_core::limits::Limit;
use optlab_core::optim::{self, OptimizerConfig};
use optlab_core::schedule::{self, Schedule};
use optlab_core::stability::{StabilityLimit, stability_limit};
use optlab_core::surface::{Point, Surface};

/// One numeric field edited by a slider: its file limit, the slider's range and its texts.
pub(super) struct Param {
    /// The limit `validate()` checks; the slider range lies inside it.
    pub limit: Limit,
    /// Left end of the slider.
    pub min: f64,
    /// Right end of the slider.
    pub max: f64,
    /// Logarithmic slider (for values spanning decades).
    pub log: bool,
    /// Accessible name, shown beside the slider.
    pub label: &'static str,
    /// Tooltip in the course's words.
    pub tip: &'static str,
}

impl Param {
    /// Draws the slider and its text field; returns whether the user changed `value`. A typed
    /// value outside the slider but inside [`Self::limit`] is taken; outside the limit it is
    /// refused with the allowed range (see [`NumberField`]).
    pub(super) fn slider(&self, ui: &mut Ui, value: &mut f64) -> bool {
        let field = NumberField::new(self.limit, self.label, self.tip)
            .slider(self.min..=self.max, self.log);
        if self.log { field.format(compact_number) } else { field.format(plain_number) }
            .show(ui, value)
    }
}

/// A number for a log slider: scientific notation for tiny and huge values, else plain.
fn compact_number(value: f64) -> String {
    let size = value.abs();
    if value != 0.0 && !(1e-3..1e5).contains(&size) {
        format!("{value:.2e}")
    } else {
        plain_number(value)
    }
}

/// A number for a linear slider: up to 4 decimals, trailing zeros dropped.
fn plain_number(value: f64) -> String {
    let text = format!("{value:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A logarithmic integer slider (periods, step counts) with a text field that takes any whole
/// number in `limit`; `range` must lie inside it. Returns whether the user changed `value`.
pub(super) fn count_slider(
    ui: &mut Ui,
    value: &mut u64,
    range: std::ops::RangeInclusive<u64>,
    limit: Limit,
    label: &str,
    tip: &str,
) -> bool {
    #[expect(clippy::cast_precision_loss, reason = "slider ends are small counts")]
    let range = *range.start() as f64..=*range.end() as f64;
    NumberField::new(limit, label, tip).slider(range, true).whole().show_u64(ui, value)
}

// ---- Optimizer hyperparameters --------------------------------------------------------------

const LR: Param = Param {
    limit: optim::LR,
    min: 1e-5,
    max: 10.0,
    log: true,
    label: "lr η",
    tip: "Learning rate η: step size. Too large diverges, too small crawls",
};
const WEIGHT_DECAY: Param = Param {
    limit: optim::WEIGHT_DECAY,
    min: 0.0,
    max: 0.1,
    log: false,
    label: "weight decay λ",
    tip: "L2 weight decay λ: adds λθ to the gradient, pulling the parameters toward 0 \
          (a regularizer; it moves the minimum)",
};
const DECOUPLED_DECAY: Param = Param {
    label: "decoupled decay λ",
    tip: "Decoupled weight decay λ (AdamW): θ shrinks by the factor (1 − ηλ) each step, \
          separately from the adaptive update, so it is not divided by √v",
    ..WEIGHT_DECAY
};
const MOMENTUM: Param = Param {
    limit: optim::MOMENTUM,
    min: 0.0,
    max: 1.0,
    log: false,
    label: "momentum μ",
    tip: "Momentum μ: how much of the previous velocity is kept each step. 0 is plain SGD, \
          0.9 is typical; close to 1 it overshoots and oscillates",
};
const NESTEROV_MOMENTUM: Param = Param {
    limit: optim::NESTEROV_MOMENTUM,
    min: 0.01,
    tip: "Momentum μ: how much of the previous velocity is kept; Nesterov takes the gradient \
          at the look-ahead point. Must be above 0",
    ..MOMENTUM
};
const RMSPROP_MOMENTUM: Param = Param {
    tip: "Momentum μ on the normalized step (0 = off): a velocity of ∇L/(√v + ε)",
    ..MOMENTUM
};
const DAMPENING: Param = Param {
    limit: optim::DAMPENING,
    min: 0.0,
    max: 1.0,
    log: false,
    label: "dampening τ",
    tip: "Dampening τ: the new gradient enters the velocity scaled by (1 − τ). 0 = none",
};
const DECAY_RATE: Param = Param {
    limit: optim::DECAY_RATE,
    min: 0.0,
    max: 0.999,
    log: false,
    label: "decay rate ρ",
    tip: "Decay rate ρ of the running average of squared gradients: how long RMSprop \
          remembers old gradients. Not a learning rate (typical 0.9 to 0.999)",
};
const BETA1: Param = Param {
    limit: optim::BETA1,
    min: 0.0,
    max: 0.999,
    log: false,
    label: "β₁",
    tip: "β₁: decay of the first moment m, the momentum-like average of gradients (typical 0.9)",
};
const BETA2: Param = Param {
    limit: optim::BETA2,
    min: 0.0,
    max: 0.99999,
    log: false,
    label: "β₂",
    tip: "β₂: decay of the second moment v, the average of squared gradients that scales each \
          coordinate's step (typical 0.999). Type a value for fine control",
};
const EPS: Param = Param {
    limit: optim::EPS,
    min: 1e-12,
    max: 1.0,
    log: true,
    label: "ε",
    tip: "ε: added to the square root in the denominator so the step stays finite where the \
          gradients are tiny. Large ε makes the method behave more like SGD",
};
const LR_DECAY: Param = Param {
    limit: optim::LR_DECAY,
    min: 0.0,
    max: 0.1,
    log: false,
    label: "lr decay d",
    tip: "Adagrad's lr decay d: update t uses η/(1 + (t − 1)·d). 0 = no extra decay",
};
const INITIAL_ACCUMULATOR: Param = Param {
    limit: optim::INITIAL_ACCUMULATOR,
    min: 0.0,
    max: 1.0,
    log: false,
    label: "initial G",
    tip: "Starting value of Adagrad's sum of squared gradients G: a larger value makes the \
          first steps smaller",
};

/// Draws the optimizer picker, its hyperparameters and its update rule.
///
/// `salt` keeps the picker's id unique among runs (pass the run index).
pub fn optimizer(ui: &mut Ui, config: &mut OptimizerConfig, salt: usize) {
    optimizer_at(ui, config, salt, None);
}

/// [`optimizer`] for a race's run starting at `start` on `surface`: below the lr, a warning
/// when the lr is above the stability limit there (the SGD family; see [`stability_note`]).
pub fn race_optimizer(
    ui: &mut Ui,
    config: &mut OptimizerConfig,
    salt: usize,
    (surface, start): (&Surface, Point),
) {
    optimizer_at(ui, config, salt, Some((surface, start)));
}

fn optimizer_at(
    ui: &mut Ui,
    config: &mut OptimizerConfig,
    salt: usize,
    at: Option<(&Surface, Point)>,
) {
    optimizer_picker(ui, config, salt);
    // The limit depends on the hyperparameters besides lr: those of this frame's start (a
    // change below the lr shows in the next frame, which the change itself asks for).
    let limit = at.and_then(|(surface, start)| limit_at(surface, start, config));
    match config {
        OptimizerConfig::Sgd { lr, weight_decay } => {
            LR.slider(ui, lr);
            lr_warning(ui, limit, *lr);
            WEIGHT_DECAY.slider(ui, weight_decay);
        }
        OptimizerConfig::Momentum { lr, momentum, dampening, weight_decay } => {
            LR.slider(ui, lr);
            lr_warning(ui, limit, *lr);
            MOMENTUM.slider(ui, momentum);
            DAMPENING.slider(ui, dampening);
            WEIGHT_DECAY.slider(ui, weight_decay);
        }
        OptimizerConfig::Nesterov { lr, momentum, weight_decay } => {
            LR.slider(ui, lr);
            lr_warning(ui, limit, *lr);
            NESTEROV_MOMENTUM.slider(ui, momentum);
            WEIGHT_DECAY.slider(ui, weight_decay);
        }
        OptimizerConfig::NesterovLookahead { lr, momentum } => {
            LR.slider(ui, lr);
            lr_warning(ui, limit, *lr);
            NESTEROV_MOMENTUM.slider(ui, momentum);
        }
        OptimizerConfig::Adagrad { lr, lr_decay, eps, initial_accumulator, weight_decay } => {
            LR.slider(ui, lr);
            LR_DECAY.slider(ui, lr_decay);
            EPS.slider(ui, eps);
            INITIAL_ACCUMULATOR.slider(ui, initial_accumulator);
            WEIGHT_DECAY.slider(ui, weight_decay);
        }
        OptimizerConfig::RmsProp { .. } => rmsprop(ui, config),
        OptimizerConfig::Adam { .. } | OptimizerConfig::AdamW { .. } => adam(ui, config),
        OptimizerConfig::Lbfgs { .. } => super::lbfgs_controls::lbfgs(ui, config),
    }
    update_rule(ui, config);
}

/// The stability limit of `config` at `start`, unless the surface is a formula too long to
/// evaluate on the UI thread.
fn limit_at(surface: &Surface, start: Point, config: &OptimizerConfig) -> Option<StabilityLimit> {
    if let Surface::Expression(formula) = surface
        && formula.text().len() > CHEAP_FORMULA_BYTES
    {
        return None;
    }
    stability_limit(surface, start, config)
}

/// The warning under the lr slider when `lr` is above `limit`.
fn lr_warning(ui: &mut Ui, limit: Option<StabilityLimit>, lr: f64) {
    if let Some(limit) = limit
        && limit.is_exceeded_by(lr)
    {
        let colour = ui.visuals().warn_fg_color;
        ui.add(egui::Label::new(RichText::new(stability_note(&limit)).color(colour)).wrap())
            .on_hover_text(
                "On a quadratic, every step multiplies the distance along the steepest \
                 direction by a factor whose size passes 1 at this lr: the run overshoots \
                 further each step. λmax is the largest eigenvalue of the Hessian at the start.",
            );
    }
}

/// "⚠ above 2/λmax = 0.0200: diverges on this quadratic", or, on a surface that is not a
/// quadratic, "… the limit of the local quadratic at the start".
#[must_use]
pub fn stability_note(limit: &StabilityLimit) -> String {
    let value = crate::app::widgets::numbers::compact(limit.lr);
    if limit.exact {
        format!("⚠ above {} = {value}: diverges on this quadratic", limit.formula())
    } else {
        format!(
            "⚠ above {} = {value}, the limit of the local quadratic at the start",
            limit.formula()
        )
    }
}

/// The optimizer kind picker; a new kind starts from its catalogue defaults but keeps the lr.
fn optimizer_picker(ui: &mut Ui, config: &mut OptimizerConfig, salt: usize) {
    let mut picked = None;
    egui::ComboBox::new(("optimizer", salt), "optimizer")
        .selected_text(config.name())
        .show_ui(ui, |ui| {
            for candidate in OptimizerConfig::catalogue() {
                let current = discriminant(&candidate) == discriminant(config);
                if ui.selectable_label(current, candidate.name()).clicked() && !current {
                    picked = Some(candidate);
                }
            }
        })
        .response
        .on_hover_text(
            "The update rule. Switching starts from that optimizer's defaults and keeps the \
             learning rate",
        );
    if let Some(mut new_config) = picked {
        new_config.set_lr(config.lr());
        *config = new_config;
    }
}

/// RMSprop's hyperparameters.
fn rmsprop(ui: &mut Ui, config: &mut OptimizerConfig) {
    let OptimizerConfig::RmsProp { lr, decay_rate, eps, centered, momentum, weight_decay } = config
    else {
        return;
    };
    LR.slider(ui, lr);
    DECAY_RATE.slider(ui, decay_rate);
    EPS.slider(ui, eps);
    RMSPROP_MOMENTUM.slider(ui, momentum);
    WEIGHT_DECAY.slider(ui, weight_decay);
    ui.checkbox(centered, "centered").on_hover_text(
        "Centered RMSprop: divide by the running variance √(v − ḡ²) instead of √v \
         (subtracts the squared mean gradient)",
    );
}

/// Adam's and AdamW's hyperparameters.
fn adam(ui: &mut Ui, config: &mut OptimizerConfig) {
    match config {
        OptimizerConfig::Adam { lr, beta1, beta2, eps, bias_correction, amsgrad, weight_decay } => {
            LR.slider(ui, lr);
            BETA1.slider(ui, beta1);
            BETA2.slider(ui, beta2);
            EPS.slider(ui, eps);
            WEIGHT_DECAY.slider(ui, weight_decay);
            ui.checkbox(bias_correction, "bias correction").on_hover_text(
                "Divide m by 1 − β₁ᵗ and v by 1 − β₂ᵗ, so the first steps are not too small \
                 (m and v start at 0). Off: the course notes' simplified Adam",
            );
            amsgrad_checkbox(ui, amsgrad);
        }
        OptimizerConfig::AdamW { lr, beta1, beta2, eps, amsgrad, weight_decay } => {
            LR.slider(ui, lr);
            BETA1.slider(ui, beta1);
            BETA2.slider(ui, beta2);
            EPS.slider(ui, eps);
            DECOUPLED_DECAY.slider(ui, weight_decay);
            amsgrad_checkbox(ui, amsgrad);
        }
        _ => {}
    }
}

fn amsgrad_checkbox(ui: &mut Ui, amsgrad: &mut bool) {
    ui.checkbox(amsgrad, "AMSGrad").on_hover_text(
        "AMSGrad: divide by the largest v seen so far, so the effective step size never grows",
    );
}

/// The update rule in the course notation, in a framed monospace block.
fn update_rule(ui: &mut Ui, config: &OptimizerConfig) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(RichText::new(config.update_rule()).monospace())
            .on_hover_text("The update this optimizer applies each step (element-wise)");
    });
}

// ---- Schedules ------------------------------------------------------------------------------

const RATE: Param = Param {
    limit: schedule::RATE,
    min: 1e-5,
    max: 1.0,
    log: true,
    label: "k",
    tip: "Decay rate k per update: the larger k, the faster the learning rate shrinks",
};
const FACTOR: Param = Param {
    limit: schedule::FACTOR,
    min: 0.0,
    max: 1.0,
    log: false,
    label: "factor",
    tip: "Each decay multiplies the learning rate by this factor (0.1 = ten times smaller)",
};
const MIN_LR: Param = Param {
    limit: schedule::MIN_LR,
    min: 0.0,
    max: 1.0,
    log: false,
    label: "min lr",
    tip: "The lowest learning rate, reached at the end of the cosine's half period",
};
const START_FACTOR: Param = Param {
    limit: schedule::START_FACTOR,
    min: 0.0,
    max: 1.0,
    log: false,
    label: "start factor",
    tip: "Warmup starts at this fraction of the learning rate and rises linearly to the full lr",
};
/// Slider range of periods (`every`, `period`, warmup `steps`), inside [`schedule::PERIOD`].
const PERIOD_RANGE: (u64, u64) = (1, 10_000);

/// Draws the schedule picker, its parameters and its formula.
///
/// `salt` keeps the pickers' ids unique among runs (pass the run index).
pub fn schedule(ui: &mut Ui, schedule: &mut Schedule, salt: usize) {
    schedule_level(ui, schedule, salt, true);
    ui.label(RichText::new(schedule.formula()).monospace())
        .on_hover_text("The learning rate update t uses; η₀ is the optimizer's lr");
}

/// One level of schedule controls; `top` allows Warmup (whose `then` is one level down).
fn schedule_level(ui: &mut Ui, schedule: &mut Schedule, salt: usize, top: bool) {
    schedule_picker(ui, schedule, salt, top);
    match schedule {
        Schedule::Constant => {}
        Schedule::Exponential { k } | Schedule::InverseTime { k } => {
            RATE.slider(ui, k);
        }
        Schedule::Step { every, factor } => {
            period_slider(ui, every, "every", "Updates between two decays of the learning rate");
            FACTOR.slider(ui, factor);
        }
        Schedule::MultiStep { milestones, factor } => {
            milestones_edit(ui, milestones, salt, top);
            FACTOR.slider(ui, factor);
        }
        Schedule::Cosine { period, min_lr } => {
            period_slider(
                ui,
                period,
                "period",
                "Half period T: the learning rate falls from lr to min lr over T updates \
                 (and rises again after)",
            );
            MIN_LR.slider(ui, min_lr);
        }
        Schedule::Warmup { steps, start_factor, then } => {
            period_slider(ui, steps, "warmup steps", "Length of the linear warmup in updates");
            START_FACTOR.slider(ui, start_factor);
            if top {
                ui.indent(("then", salt), |ui| schedule_level(ui, then, salt, false));
            } else {
                ui.weak("A warmup inside a warmup: edit it in the notebook file");
            }
        }
    }
}

fn period_slider(ui: &mut Ui, value: &mut u64, label: &str, tip: &str) {
    count_slider(ui, value, PERIOD_RANGE.0..=PERIOD_RANGE.1, schedule::PERIOD, label, tip);
}

/// The schedule kind picker (`top`: the run's schedule; otherwise a warmup's `then`, which may
/// not be another warmup).
fn schedule_picker(ui: &mut Ui, schedule: &mut Schedule, salt: usize, top: bool) {
    let label = if top { "schedule" } else { "then" };
    let tip = if top {
        "How the learning rate changes during the run. Switching starts from that schedule's \
         defaults"
    } else {
        "The schedule after the warmup, counted from the end of the warmup"
    };
    let mut picked = None;
    egui::ComboBox::new((label, salt), label)
        .selected_text(schedule.name())
        .show_ui(ui, |ui| {
            let choices = Schedule::catalogue().into_iter();
            for candidate in choices.filter(|c| top || !matches!(c, Schedule::Warmup { .. })) {
                let current = discriminant(&candidate) == discriminant(schedule);
                if ui.selectable_label(current, candidate.name()).clicked() && !current {
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

/// Milestones as comma-separated update numbers; text that does not parse is shown in red and
/// not applied (the text being typed lives in egui's memory until it parses).
fn milestones_edit(ui: &mut Ui, milestones: &mut Vec<u64>, salt: usize, top: bool) {
    let id = ui.make_persistent_id(("milestones", salt, top));
    let stored: Option<String> = ui.data(|d| d.get_temp(id));
    // Keep the typed text while it is invalid or still means the current milestones; anything
    // else (undo, a loaded file) shows the notebook's value.
    let mut text = stored
        .filter(|t| parse_milestones(t).is_none_or(|parsed| parsed == *milestones))
        .unwrap_or_else(|| format_milestones(milestones));
    let parsed = parse_milestones(&text);
    let error = parsed.is_none().then(|| ui.visuals().error_fg_color);
    ui.horizontal(|ui| {
        let label = ui.label("milestones");
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut text)
                    .hint_text("e.g. 30, 60")
                    .text_color_opt(error)
                    .desired_width(140.0),
            )
            .labelled_by(label.id)
            .on_hover_text(
                "Updates at which the learning rate is multiplied by the factor, separated by \
                 commas (e.g. 30, 60). Red: not a list of whole numbers, not applied",
            );
        if response.changed()
            && let Some(new) = parse_milestones(&text)
        {
            *milestones = new;
        }
    });
    ui.data_mut(|d| d.insert_temp(id, text));
}

/// `"30, 60"` → `[30, 60]`; empty pieces are skipped, anything else must be a whole number.
fn parse_milestones(text: &str) -> Option<Vec<u64>> {
    text.split(',')
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(|piece| piece.parse().ok())
        .collect()
}

fn format_milestones(milestones: &[u64]) -> String {
    milestones.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slider_range_lies_inside_its_limit() {
        let params = [
            LR,
            WEIGHT_DECAY,
            DECOUPLED_DECAY,
            MOMENTUM,
            NESTEROV_MOMENTUM,
            RMSPROP_MOMENTUM,
            DAMPENING,
            DECAY_RATE,
            BETA1,
            BETA2,
            EPS,
            LR_DECAY,
            INITIAL_ACCUMULATOR,
            RATE,
            FACTOR,
            MIN_LR,
            START_FACTOR,
        ];
        for p in params {
            assert!(p.limit.contains(p.min) && p.limit.contains(p.max), "{}", p.label);
            assert!(p.min < p.max && (!p.log || p.min > 0.0), "{}", p.label);
        }
        assert!(schedule::PERIOD.contains(PERIOD_RANGE.0 as f64));
    }

    #[test]
    fn the_stability_note_names_the_formula_and_the_limit() {
        let taco = Surface::TacoShell { condition: 100.0, angle: 30.0 };
        let sgd = OptimizerConfig::Sgd { lr: 0.021, weight_decay: 0.0 };
        let limit = stability_limit(&taco, taco.default_start(), &sgd).expect("a limit");
        assert_eq!(stability_note(&limit), "⚠ above 2/λmax = 0.0200: diverges on this quadratic");
        let rosenbrock = Surface::Rosenbrock { a: 1.0, b: 100.0 };
        let limit = stability_limit(&rosenbrock, [-1.2, 1.0], &sgd);
        let note = limit.map(|l| stability_note(&l)).unwrap_or_default();
        assert!(note.ends_with("the limit of the local quadratic at the start"), "{note}");
    }

    #[test]
    fn milestones_parse_or_refuse() {
        assert_eq!(parse_milestones("30, 60"), Some(vec![30, 60]));
        assert_eq!(parse_milestones(" 5 ,, 7, "), Some(vec![5, 7]));
        assert_eq!(parse_milestones(""), Some(vec![]));
        assert_eq!(parse_milestones("30, x"), None);
        assert_eq!(parse_milestones("-3"), None);
        assert_eq!(format_milestones(&[30, 60]), "30, 60");
    }
}
