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

use crate::app::entries::race::schedule_controls;
use crate::app::widgets::surface_probe::CHEAP_FORMULA_BYTES;
use optlab_core::limits::Limit;
use optlab_core::optim::{self, OptimizerConfig};
use optlab_core::schedule::Schedule;
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
// Newton's methods (issue 18).
const DAMPING: Param = Param {
    limit: optim::DAMPING,
    min: 0.0,
    max: 100.0,
    log: false,
    label: "damping δ",
    tip: "Damping δ added to the curvature's diagonal: (H + δI)⁻¹∇L. 0 is the pure Newton \
          step; a large δ turns it into a gradient step of size η/δ",
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

// NAdam, RAdam, Adamax:
const MOMENTUM_DECAY: Param = Param {
    limit: optim::MOMENTUM_DECAY,
    min: 0.0,
    max: 0.1,
    log: false,
    label: "momentum decay ψ",
    tip: "NAdam's momentum decay ψ: the momentum coefficient μₜ = β₁(1 − ½·0.96^(tψ)) rises \
          from about β₁/2 toward β₁ as t grows; larger ψ gets there sooner (default 0.004)",
};
const ADAMAX_BETA2: Param = Param {
    tip: "β₂: decay of the infinity norm u = max(β₂u, |∇L| + ε), the largest recent gradient \
          size that divides each coordinate's step (typical 0.999)",
    ..BETA2
};
const ADAMAX_EPS: Param = Param {
    tip: "ε: added to |∇L| inside the maximum, so u is never 0 and the step stays finite",
    ..EPS
};
const RADAM_BETA2: Param = Param {
    tip: "β₂: decay of the second moment v. It also sets ρ∞ = 2/(1 − β₂) − 1 and so when the \
          adaptive step starts (ρₜ > 5: update 6 for β₂ = 0.999; never if ρ∞ ≤ 5, β₂ ≤ 0.6)",
    ..BETA2
};
const ADAM_FAMILY_DECAY: Param = Param {
    tip: "Weight decay λ: added to the gradient as λθ (L2), or with 'decoupled' ticked, θ \
          shrinks by the factor (1 − ηλ) before each step (as AdamW)",
    ..WEIGHT_DECAY
};

// Lion, ScheduleFreeAdamW and ScheduleFreeSgd (signsf).
const LION_BETA1: Param = Param {
    tip: "β₁: how much of the momentum m enters the sign, against the fresh gradient \
          (typical 0.9); the step is η·sign(β₁m + (1 − β₁)∇L) in every coordinate",
    ..BETA1
};
const LION_BETA2: Param =
    Param { tip: "β₂: decay of the momentum m, updated after the step (typical 0.99)", ..BETA2 };
const LION_DECAY: Param = Param {
    label: "decoupled decay λ",
    tip: "Decoupled weight decay λ: θ shrinks by the factor (1 − ηλ) before the sign step",
    ..WEIGHT_DECAY
};
const SF_BETA1: Param = Param {
    limit: optim::SF_BETA1,
    min: 0.01,
    max: 0.999,
    log: false,
    label: "β₁",
    tip: "β₁: the parameters y = (1 − β₁)z + β₁x, between the base sequence z and its average \
          x, are where gradients are taken (typical 0.9). Must lie in (0, 1)",
};
const SF_MOMENTUM: Param = Param {
    limit: optim::SF_MOMENTUM,
    label: "momentum β",
    tip: "Momentum β: the parameters y = (1 − β)z + βx, between the SGD sequence z and its \
          average x, are where gradients are taken (typical 0.9). Must lie in (0, 1)",
    ..SF_BETA1
};
const SF_DECAY: Param = Param {
    tip: "Weight decay λ: adds λy at the parameters y to the step of z (after the \
          normalization by √v̂ + ε for AdamW)",
    ..WEIGHT_DECAY
};
const AVERAGE_POWER: Param = Param {
    limit: optim::AVERAGE_POWER,
    min: 0.0,
    max: 10.0,
    log: false,
    label: "r",
    tip: "Power r of the polynomial weighting: the average x weighs step t by t^r, so later \
          steps count more. 0 = every step alike",
};
const WEIGHT_LR_POWER: Param = Param {
    limit: optim::WEIGHT_LR_POWER,
    min: 0.0,
    max: 4.0,
    log: false,
    label: "weight lr power",
    tip: "The average x weighs each step by (largest warmed-up lr so far)^power, so the small \
          early warm-up steps count less (default 2; 0 = no lr weighting)",
};
/// Slider range of Schedule-Free's `warmup_steps`, inside [`optim::WARMUP_STEPS`].
const WARMUP_RANGE: (u64, u64) = (1, 10_000);
/// What `warmup_steps` does.
const WARMUP_TIP: &str = "Linear warm-up inside the optimizer: update t uses η·t/warmup while \
    t ≤ warmup (0 = none). It is not a schedule: the lr column and plot show η itself";

/// Lion's and Schedule-Free's hyperparameters.
fn sign_and_schedule_free(ui: &mut Ui, config: &mut OptimizerConfig) {
    match config {
        OptimizerConfig::Lion { lr, beta1, beta2, weight_decay } => {
            LR.slider(ui, lr);
            LION_BETA1.slider(ui, beta1);
            LION_BETA2.slider(ui, beta2);
            LION_DECAY.slider(ui, weight_decay);
        }
        OptimizerConfig::ScheduleFreeAdamW {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            warmup_steps,
            r,
            weight_lr_power,
        } => {
            LR.slider(ui, lr);
            SF_BETA1.slider(ui, beta1);
            BETA2.slider(ui, beta2);
            EPS.slider(ui, eps);
            SF_DECAY.slider(ui, weight_decay);
            schedule_free_averaging(ui, warmup_steps, r, weight_lr_power);
        }
        OptimizerConfig::ScheduleFreeSgd {
            lr,
            momentum,
            weight_decay,
            warmup_steps,
            r,
            weight_lr_power,
        } => {
            LR.slider(ui, lr);
            SF_MOMENTUM.slider(ui, momentum);
            SF_DECAY.slider(ui, weight_decay);
            schedule_free_averaging(ui, warmup_steps, r, weight_lr_power);
        }
        _ => {}
    }
}

/// Schedule-Free's warm-up and averaging weights.
fn schedule_free_averaging(ui: &mut Ui, warmup_steps: &mut u64, r: &mut f64, power: &mut f64) {
    let range = WARMUP_RANGE.0..=WARMUP_RANGE.1;
    count_slider(ui, warmup_steps, range, optim::WARMUP_STEPS, "warmup steps", WARMUP_TIP);
    AVERAGE_POWER.slider(ui, r);
    WEIGHT_LR_POWER.slider(ui, power);
}

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
        OptimizerConfig::Adamax { .. } => adamax(ui, config),
        OptimizerConfig::NAdam { .. } | OptimizerConfig::RAdam { .. } => nadam_radam(ui, config),
        OptimizerConfig::Lion { .. }
        | OptimizerConfig::ScheduleFreeAdamW { .. }
        | OptimizerConfig::ScheduleFreeSgd { .. } => sign_and_schedule_free(ui, config),
        OptimizerConfig::Adadelta { .. }
        | OptimizerConfig::Asgd { .. }
        | OptimizerConfig::Rprop { .. } => {
            let shared = super::classic_controls::Shared {
                weight_decay: |ui: &mut Ui, value: &mut f64| {
                    WEIGHT_DECAY.slider(ui, value);
                },
                lr_note: |ui: &mut Ui, lr: f64| lr_warning(ui, limit, lr),
            };
            super::classic_controls::show(ui, config, shared);
        }
        OptimizerConfig::Adafactor { .. } | OptimizerConfig::Muon { .. } => {
            matrix_rule(ui, config, salt);
        }
        OptimizerConfig::Lbfgs { .. } => super::lbfgs_controls::lbfgs(ui, config),
        OptimizerConfig::Newton { lr, damping }
        | OptimizerConfig::SaddleFreeNewton { lr, damping } => {
            LR.slider(ui, lr);
            DAMPING.slider(ui, damping);
            ui.weak("Uses the surface's exact Hessian at every step (2-D surfaces only).");
        }
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
    } else if let Some(limit) = limit {
        ui.weak(stable_note(&limit)).on_hover_text(
            "The largest stable lr of the quadratic with the Hessian at the start (λmax its \
             largest eigenvalue): above it the steepest direction overshoots more every step.",
        );
    }
}

/// "stable for lr < 2/λmax = 0.0200 on this quadratic" (or "… of the local quadratic at the
/// start").
#[must_use]
pub fn stable_note(limit: &StabilityLimit) -> String {
    let value = crate::app::widgets::numbers::compact(limit.lr);
    let place =
        if limit.exact { "on this quadratic" } else { "for the local quadratic at the start" };
    format!("stable for lr < {} = {value} {place}", limit.formula())
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

/// Adamax's hyperparameters.
fn adamax(ui: &mut Ui, config: &mut OptimizerConfig) {
    let OptimizerConfig::Adamax { lr, beta1, beta2, eps, weight_decay } = config else {
        return;
    };
    LR.slider(ui, lr);
    BETA1.slider(ui, beta1);
    ADAMAX_BETA2.slider(ui, beta2);
    ADAMAX_EPS.slider(ui, eps);
    WEIGHT_DECAY.slider(ui, weight_decay);
}

/// `NAdam`'s and `RAdam`'s hyperparameters.
fn nadam_radam(ui: &mut Ui, config: &mut OptimizerConfig) {
    let (lr, beta1, beta2, eps, weight_decay, decoupled, momentum_decay) = match config {
        OptimizerConfig::NAdam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            momentum_decay,
            decoupled_weight_decay,
        } => (lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay, Some(momentum_decay)),
        OptimizerConfig::RAdam { lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay } => {
            (lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay, None)
        }
        _ => return,
    };
    LR.slider(ui, lr);
    BETA1.slider(ui, beta1);
    let beta2_param = if momentum_decay.is_some() { &BETA2 } else { &RADAM_BETA2 };
    beta2_param.slider(ui, beta2);
    EPS.slider(ui, eps);
    if let Some(momentum_decay) = momentum_decay {
        MOMENTUM_DECAY.slider(ui, momentum_decay);
    }
    ADAM_FAMILY_DECAY.slider(ui, weight_decay);
    ui.checkbox(decoupled, "decoupled").on_hover_text(
        "Decoupled weight decay: θ ← θ(1 − ηλ) before the update, and the raw gradient in the \
         moments (torch's decoupled_weight_decay; NAdam becomes NAdamW)",
    );
}

// ---- Adafactor and Muon (issue 16) -----------------------------------------------------------

const ADAFACTOR_LR: Param = Param {
    tip: "Learning rate η: Adafactor's relative step is ρₜ = min(η, 1/√t), and the step is \
          ρₜ times the parameters' RMS (at least ε₂); η also scales the weight decay",
    ..LR
};
const BETA2_DECAY: Param = Param {
    limit: optim::BETA2_DECAY,
    min: -1.0,
    max: 0.0,
    log: false,
    label: "β₂ decay τ",
    tip: "τ ≤ 0: the second moment's decay is β₂ₜ = 1 − t^τ, 0 at the first step and \
          approaching 1, so early averages forget fast and later ones slowly (−0.8 in the paper)",
};
const EPS1: Param = Param {
    limit: optim::EPS1,
    min: 1e-30,
    max: 1e-3,
    log: true,
    label: "ε₁",
    tip: "ε₁: the floor of √V in the update ∇L/max(√V, ε₁), so a coordinate with tiny \
          gradients does not take a huge step",
};
const EPS2: Param = Param {
    limit: optim::EPS2,
    min: 1e-6,
    max: 0.1,
    log: true,
    label: "ε₂",
    tip: "ε₂: the step is ρₜ·max(ε₂, RMS(θ)), so parameters near 0 still move by at least ρₜ·ε₂",
};
const CLIP_THRESHOLD: Param = Param {
    limit: optim::CLIP_THRESHOLD,
    min: 1.0,
    max: 10.0,
    log: false,
    label: "clip d",
    tip: "Clipping threshold d: an update U whose RMS exceeds d is scaled down to RMS d \
          (U/max(1, RMS(U)/d)), which tames the first steps",
};
const ADAFACTOR_DECAY: Param = Param {
    tip: "Decoupled weight decay λ: θ shrinks by the factor (1 − ηλ) each step, before the \
          Adafactor update",
    ..DECOUPLED_DECAY
};
const MUON_DECAY: Param = Param {
    tip: "Decoupled weight decay λ: each matrix shrinks by the factor (1 − ηλ) each step \
          (torch's default 0.1); the biases of a network take AdamW without decay",
    ..DECOUPLED_DECAY
};
const MUON_MOMENTUM: Param = Param {
    tip: "Momentum μ: the buffer b ← μb + (1 − μ)∇L averages past gradients (0.95 in torch); \
          its direction is then orthogonalized",
    ..MOMENTUM
};
const NS_A: Param = Param {
    limit: optim::NS_COEFFICIENT,
    min: 0.0,
    max: 5.0,
    log: false,
    label: "a",
    tip: "Newton–Schulz coefficient a of X ← aX + (bA + cA²)X: the slope at 0, how fast small \
          singular values are pushed toward 1",
};
const NS_B: Param = Param {
    min: -8.0,
    max: 0.0,
    label: "b",
    tip: "Newton–Schulz coefficient b of X ← aX + (bA + cA²)X, A = XXᵀ",
    ..NS_A
};
const NS_C: Param = Param {
    min: 0.0,
    max: 4.0,
    label: "c",
    tip: "Newton–Schulz coefficient c of X ← aX + (bA + cA²)X, A = XXᵀ",
    ..NS_A
};
const MUON_EPS: Param = Param {
    limit: optim::EPS,
    min: 1e-12,
    max: 1e-3,
    log: true,
    label: "ε",
    tip: "ε: the update is divided by max(‖U‖_F, ε) before the iteration, so a zero gradient \
          stays zero instead of dividing by 0",
};
const NS_STEPS_RANGE: (u64, u64) = (1, 20);

/// Adafactor's or Muon's hyperparameters.
fn matrix_rule(ui: &mut Ui, config: &mut OptimizerConfig, salt: usize) {
    match config {
        OptimizerConfig::Adafactor { lr, beta2_decay, eps1, eps2, d, weight_decay } => {
            ADAFACTOR_LR.slider(ui, lr);
            BETA2_DECAY.slider(ui, beta2_decay);
            eps1_control(ui, eps1);
            EPS2.slider(ui, eps2);
            CLIP_THRESHOLD.slider(ui, d);
            ADAFACTOR_DECAY.slider(ui, weight_decay);
            ui.label(
                "Matrices keep row and column factors of the second moment (a surface's \
                      (x, y) is a 1×2 matrix, a network's weights are matrices); vectors keep \
                      one value per entry.",
            );
        }
        OptimizerConfig::Muon { .. } => muon(ui, config, salt),
        _ => {}
    }
}

/// Adafactor's ε₁: torch's `None` (f64's machine epsilon) or a number.
fn eps1_control(ui: &mut Ui, eps1: &mut Option<f64>) {
    let mut machine = eps1.is_none();
    let response = ui.checkbox(&mut machine, "ε₁ = machine ε").on_hover_text(
        "On: ε₁ is f64's machine epsilon (2.2e-16), torch's `None`. Off: choose ε₁ below",
    );
    if response.changed() {
        *eps1 = if machine { None } else { Some(1e-30) };
    }
    if let Some(value) = eps1 {
        EPS1.slider(ui, value);
    }
}

/// Muon's hyperparameters and what it does with vectors.
fn muon(ui: &mut Ui, config: &mut OptimizerConfig, salt: usize) {
    let OptimizerConfig::Muon {
        lr,
        weight_decay,
        momentum,
        nesterov,
        ns_coefficients,
        eps,
        ns_steps,
        adjust_lr,
    } = config
    else {
        return;
    };
    LR.slider(ui, lr);
    adjust_lr_picker(ui, adjust_lr, salt);
    MUON_DECAY.slider(ui, weight_decay);
    MUON_MOMENTUM.slider(ui, momentum);
    ui.checkbox(nesterov, "Nesterov").on_hover_text(
        "Orthogonalize ∇L + μ(b − ∇L), a look-ahead mix of the gradient and the buffer, \
         instead of the buffer b itself (torch's default)",
    );
    ui.label("Newton–Schulz (in f64 here; PyTorch runs it in bfloat16)");
    NS_A.slider(ui, &mut ns_coefficients.0);
    NS_B.slider(ui, &mut ns_coefficients.1);
    NS_C.slider(ui, &mut ns_coefficients.2);
    let mut steps = u64::try_from(*ns_steps).unwrap_or(u64::MAX);
    let range = NS_STEPS_RANGE.0..=NS_STEPS_RANGE.1;
    let tip = "Newton–Schulz iterations: more make the update's singular values closer to 1. \
               A surface's 1×2 update has one singular value s, which starts at 1 and each \
               iteration maps to as + bs³ + cs⁵: the update is the unit direction times that \
               value (about 0.70 after torch's 5 iterations)";
    if count_slider(ui, &mut steps, range, optim::NS_STEPS, "NS steps", tip) {
        *ns_steps = usize::try_from(steps).unwrap_or(optim::MAX_NS_STEPS);
    }
    MUON_EPS.slider(ui, eps);
    ui.label(
        "Muon takes matrices: a surface's (x, y) is one 1×2 matrix. In a network the \
              weight matrices take Muon; the biases take AdamW with the same lr and no weight \
              decay.",
    );
}

/// Muon's lr adjustment to the matrix's shape.
fn adjust_lr_picker(ui: &mut Ui, adjust_lr: &mut optim::MuonLrAdjust, salt: usize) {
    use optim::MuonLrAdjust as Adjust;
    egui::ComboBox::new(("adjust lr", salt), "adjust lr")
        .selected_text(match adjust_lr {
            Adjust::Original => "Original",
            Adjust::MatchRmsAdamW => "MatchRmsAdamW",
        })
        .show_ui(ui, |ui| {
            ui.selectable_value(adjust_lr, Adjust::Original, "Original").on_hover_text(
                "η·√max(1, rows/cols): Keller Jordan's adjustment (torch's default)",
            );
            ui.selectable_value(adjust_lr, Adjust::MatchRmsAdamW, "MatchRmsAdamW")
                .on_hover_text("η·0.2·√max(rows, cols): Moonshot's, to reuse AdamW's lr and decay");
        })
        .response
        .on_hover_text(
            "How the lr is scaled to each matrix's shape (torch's adjust_lr_fn): Original \
             η·√max(1, rows/cols), MatchRmsAdamW η·0.2·√max(rows, cols). On a surface \
             (1×2): Original keeps η, MatchRmsAdamW gives 0.2·√2·η ≈ 0.28η",
        );
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

/// Draws the schedule picker, its parameters and its formula (see [`schedule_controls`]).
///
/// `salt` keeps the pickers' ids unique among runs (pass the run index).
pub fn schedule(ui: &mut Ui, schedule: &mut Schedule, salt: usize) {
    schedule_controls::schedule(ui, schedule, salt);
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
            MOMENTUM_DECAY,
            ADAMAX_BETA2,
            ADAMAX_EPS,
            RADAM_BETA2,
            ADAM_FAMILY_DECAY,
            // Adafactor and Muon (issue 16).
            ADAFACTOR_LR,
            BETA2_DECAY,
            EPS1,
            EPS2,
            CLIP_THRESHOLD,
            ADAFACTOR_DECAY,
            MUON_DECAY,
            MUON_MOMENTUM,
            NS_A,
            NS_B,
            NS_C,
            MUON_EPS,
            DAMPING,
            // Lion and Schedule-Free (signsf).
            LION_BETA1,
            LION_BETA2,
            LION_DECAY,
            SF_BETA1,
            SF_MOMENTUM,
            SF_DECAY,
            AVERAGE_POWER,
            WEIGHT_LR_POWER,
        ];
        for p in params {
            assert!(p.limit.contains(p.min) && p.limit.contains(p.max), "{}", p.label);
            assert!(p.min < p.max && (!p.log || p.min > 0.0), "{}", p.label);
        }
        assert!(optim::WARMUP_STEPS.contains(WARMUP_RANGE.0 as f64));
        assert!(optim::WARMUP_STEPS.contains(WARMUP_RANGE.1 as f64));
        assert!(optim::NS_STEPS.contains(NS_STEPS_RANGE.1 as f64));
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
}
