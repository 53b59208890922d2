//! Grids of runs: the engine under the sweep and basin map entries
//! ([`crate::entries::sweep`], [`crate::entries::basin`]): the fields a sweep can vary, the
//! metrics it measures, and cells computed in parallel.
//!
//! Every cell is exactly the run [`crate::run::execute`] would compute for its config (the tests
//! compare them bit for bit), so a cell clicked in the app and added to a race replays the same
//! numbers. Two engines compute cells:
//!
//! * the lane kernel [`lanes`]: runs of the SGD family (SGD, Momentum, torch-form Nesterov)
//!   with a constant learning rate and exact gradients, [`LANES`] runs at a time, their state as
//!   structure-of-arrays so the compiler steps them with SIMD instructions. Each lane carries its
//!   own lr, momentum, dampening, weight decay and start, so one kernel serves sweeps and
//!   basins;
//! * every other config goes through [`crate::run::execute`] cell by cell.
//!
//! Both spread cells over rayon's pool; callers choose the pool (the app keeps a core free for
//! the window). Rows are computed in blocks so a caller can publish progress and cancel between
//! blocks.

mod cell;
mod lane_drivers;
mod lane_ops;
mod lane_powers;
pub mod lanes;
mod lanes_adam;
mod lanes_adaptive;
mod lanes_averaged;
mod lanes_lookahead;
mod lanes_matrix;
mod lanes_more;
mod lanes_nadam;
mod lanes_radam;
mod lanes_vector;
mod throttle;

pub use cell::{Cell, Levels, MAX_LEVELS};
pub use throttle::Throttle;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::limits::{Limit, LimitError};
use crate::optim::OptimizerConfig;
use crate::run::{self, RunConfig, StepRecord, TraceSink};
use crate::schedule::Schedule;
use crate::surface::Surface;
use crate::train::{ModelConfig, TrainingConfig};

pub use lanes::LANES;

/// Most cells along one axis of a grid.
pub const MAX_RESOLUTION: usize = 512;
/// Cells along one axis.
pub const RESOLUTION: Limit = Limit::closed("count", 2.0, MAX_RESOLUTION as f64);
/// Most updates per cell.
pub const MAX_STEPS: u64 = 100_000;
/// Updates per cell.
pub const STEPS: Limit = Limit::closed("steps", 1.0, MAX_STEPS as f64);

/// A numeric field of a run that a sweep can vary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SweepField {
    /// The optimizer's learning rate.
    Lr,
    /// Momentum μ (Momentum, Nesterov, look-ahead, RMSprop, Schedule-Free SGD).
    Momentum,
    /// Dampening τ (Momentum).
    Dampening,
    /// β₁ (Adam, AdamW, Lion, Schedule-Free AdamW).
    Beta1,
    /// β₂ (Adam, AdamW, Lion, Schedule-Free AdamW).
    Beta2,
    /// RMSprop's decay rate α.
    DecayRate,
    /// ε (Adagrad, RMSprop, Adam, AdamW).
    Eps,
    /// Weight decay λ.
    WeightDecay,
    /// The schedule's rate (see [`Schedule::rate_mut`]): k of Exponential and InverseTime, a
    /// factor, a floor, or `max_lr` of `Cyclic` and `OneCycle`.
    ScheduleRate,
    /// Gradient-noise standard deviation.
    Noise,
    /// λ of a training task's L2 penalty.
    L2,
    /// A training task's dropout keep probability p.
    DropoutKeep,
    /// `NAdam`'s momentum decay ψ.
    MomentumDecay,
    // Adadelta, ASGD and Rprop (issue 16).
    /// Adadelta's ρ.
    Rho,
    /// ASGD's decay term λ.
    Lambd,
    /// ASGD's power α of η's decay.
    Alpha,
    /// ASGD's t0, the update after which averaging starts.
    T0,
    /// Rprop's η⁻.
    EtaMinus,
    /// Rprop's η⁺.
    EtaPlus,
    /// Rprop's smallest step size.
    StepMin,
    /// Rprop's largest step size.
    StepMax,
    // Newton's methods (issue 18).
    /// Damping δ of Newton and saddle-free Newton.
    Damping,
    // Issue 16's remaining fields.
    /// Adafactor's τ (`beta2_decay`): β₂ₜ = 1 − t^τ.
    Beta2Decay,
    /// Adafactor's ε₁ (`eps1`; a swept value replaces `None`).
    Eps1,
    /// Adafactor's clipping threshold d.
    ClipThreshold,
    /// Schedule-Free's warm-up length in updates (a count).
    WarmupSteps,
    /// Schedule-Free's power r of the average's weights.
    AveragePower,
    /// Schedule-Free's `weight_lr_power`.
    WeightLrPower,
    /// L-BFGS's iterations per step (a count).
    MaxIter,
    /// L-BFGS's evaluations per step (a count; a swept value replaces `None`).
    MaxEval,
    /// L-BFGS's pairs (s, y) kept (a count).
    HistorySize,
    /// L-BFGS's `tolerance_grad`.
    ToleranceGrad,
    /// L-BFGS's `tolerance_change`.
    ToleranceChange,
    /// Muon's Newton–Schulz iterations (a count).
    NsSteps,
    /// Muon's Newton–Schulz coefficient a.
    NsA,
    /// Muon's Newton–Schulz coefficient b.
    NsB,
    /// Muon's Newton–Schulz coefficient c.
    NsC,
    /// Adagrad's `lr_decay`.
    LrDecay,
    /// Adagrad's `initial_accumulator`.
    InitialAccumulator,
}

impl SweepField {
    /// Every field, in menu order.
    pub const ALL: [Self; 39] = [
        Self::Lr,
        Self::Momentum,
        Self::Dampening,
        Self::Beta1,
        Self::Beta2,
        Self::DecayRate,
        Self::Eps,
        Self::WeightDecay,
        Self::ScheduleRate,
        Self::Noise,
        Self::L2,
        Self::DropoutKeep,
        Self::MomentumDecay,
        Self::Rho,
        Self::Lambd,
        Self::Alpha,
        Self::T0,
        Self::EtaMinus,
        Self::EtaPlus,
        Self::StepMin,
        Self::StepMax,
        Self::Damping,
        Self::Beta2Decay,
        Self::Eps1,
        Self::ClipThreshold,
        Self::WarmupSteps,
        Self::AveragePower,
        Self::WeightLrPower,
        Self::MaxIter,
        Self::MaxEval,
        Self::HistorySize,
        Self::ToleranceGrad,
        Self::ToleranceChange,
        Self::NsSteps,
        Self::NsA,
        Self::NsB,
        Self::NsC,
        Self::LrDecay,
        Self::InitialAccumulator,
    ];

    /// The name in the course's notation.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Lr => "learning rate η",
            Self::Momentum => "momentum μ",
            Self::Dampening => "dampening τ",
            Self::Beta1 => "β₁",
            Self::Beta2 => "β₂",
            Self::DecayRate => "decay rate α",
            Self::Eps => "ε",
            Self::WeightDecay => "weight decay λ",
            Self::ScheduleRate => "schedule rate",
            Self::Noise => "gradient noise σ",
            Self::L2 => "L2 λ",
            Self::DropoutKeep => "dropout keep p",
            Self::MomentumDecay => "momentum decay ψ",
            Self::Rho => "Adadelta's ρ",
            Self::Lambd => "ASGD's λ",
            Self::Alpha => "ASGD's α",
            Self::T0 => "ASGD's t0",
            Self::EtaMinus => "Rprop's η⁻",
            Self::EtaPlus => "Rprop's η⁺",
            Self::StepMin => "Rprop's step min",
            Self::StepMax => "Rprop's step max",
            Self::Damping => "Newton's damping δ",
            Self::Beta2Decay => "Adafactor's τ",
            Self::Eps1 => "Adafactor's ε₁",
            Self::ClipThreshold => "Adafactor's d",
            Self::WarmupSteps => "Schedule-Free's warm-up steps (count)",
            Self::AveragePower => "Schedule-Free's r",
            Self::WeightLrPower => "Schedule-Free's weight_lr_power",
            Self::MaxIter => "L-BFGS's max_iter (count)",
            Self::MaxEval => "L-BFGS's max_eval (count)",
            Self::HistorySize => "L-BFGS's history_size (count)",
            Self::ToleranceGrad => "L-BFGS's tolerance_grad",
            Self::ToleranceChange => "L-BFGS's tolerance_change",
            Self::NsSteps => "Muon's ns_steps (count)",
            Self::NsA => "Muon's Newton–Schulz a",
            Self::NsB => "Muon's Newton–Schulz b",
            Self::NsC => "Muon's Newton–Schulz c",
            Self::LrDecay => "Adagrad's lr_decay",
            Self::InitialAccumulator => "Adagrad's initial_accumulator",
        }
    }

    /// Whether a sweep on a loss surface (`training` false) or on a training task (true) has
    /// this field; the message says why not.
    ///
    /// # Errors
    /// L2 and dropout's keep on a surface, gradient noise on a training task.
    pub fn fits_task(self, training: bool) -> Result<(), String> {
        match (self, training) {
            (Self::L2 | Self::DropoutKeep, false) => Err(format!(
                "{} is a training field; this sweep runs on a surface (add a `training` task, \
                 or sweep another field)",
                self.label()
            )),
            (Self::Noise, true) => Err(format!(
                "{} is a surface field; this sweep trains a network (remove the `training` \
                 task, or sweep another field)",
                self.label()
            )),
            _ => Ok(()),
        }
    }

    /// The allowed range of this field for a run with `optimizer` and `schedule`: the same
    /// [`Limit`] the field has when written in a notebook.
    #[must_use]
    pub fn limit(self, optimizer: &OptimizerConfig, schedule: &Schedule) -> Limit {
        use crate::optim;
        match self {
            Self::Lr => optim::LR,
            Self::Momentum => match optimizer {
                OptimizerConfig::Nesterov { .. } | OptimizerConfig::NesterovLookahead { .. } => {
                    optim::NESTEROV_MOMENTUM
                }
                OptimizerConfig::ScheduleFreeSgd { .. } => optim::SF_MOMENTUM,
                _ => optim::MOMENTUM,
            },
            Self::Dampening => optim::DAMPENING,
            Self::Beta1 => match optimizer {
                OptimizerConfig::ScheduleFreeAdamW { .. } => optim::SF_BETA1,
                _ => optim::BETA1,
            },
            Self::Beta2 => optim::BETA2,
            Self::DecayRate => optim::DECAY_RATE,
            Self::Eps => optim::EPS,
            Self::WeightDecay => optim::WEIGHT_DECAY,
            Self::ScheduleRate => schedule.rate_limit(),
            Self::Noise => run::NOISE_SIGMA,
            Self::L2 => crate::train::fit::L2,
            Self::DropoutKeep => crate::train::model::DROPOUT_KEEP,
            Self::MomentumDecay => optim::MOMENTUM_DECAY,
            Self::Rho => optim::RHO,
            Self::Lambd => optim::LAMBD,
            Self::Alpha => optim::ASGD_ALPHA,
            Self::T0 => optim::T0,
            Self::EtaMinus => optim::ETA_MINUS,
            Self::EtaPlus => optim::ETA_PLUS,
            Self::StepMin => optim::STEP_MIN,
            Self::StepMax => optim::STEP_MAX,
            Self::Damping => optim::DAMPING,
            Self::Beta2Decay => optim::BETA2_DECAY,
            Self::Eps1 => optim::EPS1,
            Self::ClipThreshold => optim::CLIP_THRESHOLD,
            Self::WarmupSteps => optim::WARMUP_STEPS,
            Self::AveragePower => optim::AVERAGE_POWER,
            Self::WeightLrPower => optim::WEIGHT_LR_POWER,
            Self::MaxIter => optim::lbfgs_limits::MAX_ITER,
            Self::MaxEval => optim::lbfgs_limits::MAX_EVAL,
            Self::HistorySize => optim::lbfgs_limits::HISTORY_SIZE,
            Self::ToleranceGrad => optim::lbfgs_limits::TOLERANCE_GRAD,
            Self::ToleranceChange => optim::lbfgs_limits::TOLERANCE_CHANGE,
            Self::NsSteps => optim::NS_STEPS,
            Self::NsA | Self::NsB | Self::NsC => optim::NS_COEFFICIENT,
            Self::LrDecay => optim::LR_DECAY,
            Self::InitialAccumulator => optim::INITIAL_ACCUMULATOR,
        }
    }

    /// Whether the field is a whole number (L-BFGS's `max_iter`, Schedule-Free's
    /// `warmup_steps`, …): an axis over it takes its values rounded to whole numbers.
    #[must_use]
    pub fn is_count(self) -> bool {
        matches!(
            self,
            Self::WarmupSteps | Self::MaxIter | Self::MaxEval | Self::HistorySize | Self::NsSteps
        )
    }

    /// Sets this field of `run` to `value` (rounded to a whole number for a count).
    ///
    /// # Errors
    /// The run's optimizer or schedule has no such field.
    pub fn apply(self, run: &mut RunConfig, value: f64) -> Result<(), String> {
        let slot = match self {
            Self::Lr => {
                run.optimizer.set_lr(value);
                return Ok(());
            }
            Self::Noise => Some(Slot::Real(&mut run.noise_sigma)),
            Self::L2 | Self::DropoutKeep => {
                return Err(format!("{} belongs to a training task, not a surface", self.label()));
            }
            Self::ScheduleRate => schedule_rate(&mut run.schedule).map(Slot::Real),
            _ => optimizer_slot(&mut run.optimizer, self),
        };
        let Some(slot) = slot else {
            return Err(if self == Self::ScheduleRate {
                format!("this schedule has no {} to vary", self.label())
            } else {
                missing_field(&run.optimizer, self)
            });
        };
        slot.set(value);
        Ok(())
    }

    /// Sets this field of a training run to `value` (rounded to a whole number for a count).
    ///
    /// # Errors
    /// The run's optimizer, schedule or model has no such field (gradient noise, dropout on a
    /// residual network).
    pub fn apply_training(self, config: &mut TrainingConfig, value: f64) -> Result<(), String> {
        let slot = match self {
            Self::Lr => {
                config.optimizer.set_lr(value);
                return Ok(());
            }
            Self::L2 => Some(Slot::Real(&mut config.l2)),
            Self::DropoutKeep => match &mut config.model {
                ModelConfig::Mlp { dropout_keep, .. } => Some(Slot::Real(dropout_keep)),
                ModelConfig::ResidualMlp { .. } => None,
            },
            Self::Noise => None,
            Self::ScheduleRate => schedule_rate(&mut config.schedule).map(Slot::Real),
            _ => {
                let slot = optimizer_slot(&mut config.optimizer, self);
                if slot.is_none() {
                    return Err(missing_field(&config.optimizer, self));
                }
                slot
            }
        };
        let Some(slot) = slot else {
            return Err(format!("this training run has no {} to vary", self.label()));
        };
        slot.set(value);
        Ok(())
    }
}

/// "Adam has no momentum μ to vary (its fields: learning rate η, β₁, …)".
fn missing_field(optimizer: &OptimizerConfig, field: SweepField) -> String {
    let has: Vec<&str> = SweepField::ALL
        .into_iter()
        .filter(|&f| f == SweepField::Lr || optimizer_slot(&mut optimizer.clone(), f).is_some())
        .map(SweepField::label)
        .collect();
    format!(
        "{} has no {} to vary (its fields: {})",
        optimizer.name(),
        field.label(),
        has.join(", ")
    )
}

/// Where a swept value goes: a real field, an optional one (`None` replaced), or a count.
enum Slot<'a> {
    Real(&'a mut f64),
    OptionalReal(&'a mut Option<f64>),
    Count(&'a mut u64),
    Count32(&'a mut u32),
    OptionalCount32(&'a mut Option<u32>),
    CountUsize(&'a mut usize),
}

impl Slot<'_> {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a count is rounded first; the axis's ends were checked against the field's \
                  limit (at most 1e9), and `as` saturates anyway"
    )]
    fn set(self, value: f64) {
        let whole = value.round();
        match self {
            Self::Real(slot) => *slot = value,
            Self::OptionalReal(slot) => *slot = Some(value),
            Self::Count(slot) => *slot = whole as u64,
            Self::Count32(slot) => *slot = whole as u32,
            Self::OptionalCount32(slot) => *slot = Some(whole as u32),
            Self::CountUsize(slot) => *slot = whole as usize,
        }
    }
}

/// The optimizer's slot for `field`: counts and optional fields here, real ones from
/// [`optimizer_field`].
fn optimizer_slot(optimizer: &mut OptimizerConfig, field: SweepField) -> Option<Slot<'_>> {
    use OptimizerConfig as O;
    use SweepField as F;
    if !field.is_count() && field != F::Eps1 {
        return optimizer_field(optimizer, field).map(Slot::Real);
    }
    match (optimizer, field) {
        (O::Adafactor { eps1, .. }, F::Eps1) => Some(Slot::OptionalReal(eps1)),
        (
            O::ScheduleFreeAdamW { warmup_steps, .. } | O::ScheduleFreeSgd { warmup_steps, .. },
            F::WarmupSteps,
        ) => Some(Slot::Count(warmup_steps)),
        (O::Lbfgs { max_iter, .. }, F::MaxIter) => Some(Slot::Count32(max_iter)),
        (O::Lbfgs { max_eval, .. }, F::MaxEval) => Some(Slot::OptionalCount32(max_eval)),
        (O::Lbfgs { history_size, .. }, F::HistorySize) => Some(Slot::Count32(history_size)),
        (O::Muon { ns_steps, .. }, F::NsSteps) => Some(Slot::CountUsize(ns_steps)),
        _ => None,
    }
}

fn schedule_rate(schedule: &mut Schedule) -> Option<&mut f64> {
    schedule.rate_mut()
}

fn optimizer_field(optimizer: &mut OptimizerConfig, field: SweepField) -> Option<&mut f64> {
    use OptimizerConfig as O;
    use SweepField as F;
    // One arm per optimizer and no wildcard: a new optimizer must say which fields it sweeps.
    match optimizer {
        O::Sgd { weight_decay, .. } => match field {
            F::WeightDecay => Some(weight_decay),
            _ => None,
        },
        O::Momentum { momentum, dampening, weight_decay, .. } => match field {
            F::Momentum => Some(momentum),
            F::Dampening => Some(dampening),
            F::WeightDecay => Some(weight_decay),
            _ => None,
        },
        O::Nesterov { momentum, weight_decay, .. } => match field {
            F::Momentum => Some(momentum),
            F::WeightDecay => Some(weight_decay),
            _ => None,
        },
        O::NesterovLookahead { momentum, .. } => match field {
            F::Momentum => Some(momentum),
            _ => None,
        },
        O::Adagrad { eps, weight_decay, lr_decay, initial_accumulator, .. } => match field {
            F::Eps => Some(eps),
            F::WeightDecay => Some(weight_decay),
            F::LrDecay => Some(lr_decay),
            F::InitialAccumulator => Some(initial_accumulator),
            _ => None,
        },
        O::RmsProp { decay_rate, eps, momentum, weight_decay, .. } => match field {
            F::Momentum => Some(momentum),
            F::DecayRate => Some(decay_rate),
            F::Eps => Some(eps),
            F::WeightDecay => Some(weight_decay),
            _ => None,
        },
        O::Adam { beta1, beta2, eps, weight_decay, .. }
        | O::AdamW { beta1, beta2, eps, weight_decay, .. }
        | O::Adamax { beta1, beta2, eps, weight_decay, .. }
        | O::RAdam { beta1, beta2, eps, weight_decay, .. } => match field {
            F::Beta1 => Some(beta1),
            F::Beta2 => Some(beta2),
            F::Eps => Some(eps),
            F::WeightDecay => Some(weight_decay),
            _ => None,
        },
        O::NAdam { beta1, beta2, eps, weight_decay, momentum_decay, .. } => match field {
            F::Beta1 => Some(beta1),
            F::Beta2 => Some(beta2),
            F::Eps => Some(eps),
            F::WeightDecay => Some(weight_decay),
            F::MomentumDecay => Some(momentum_decay),
            _ => None,
        },
        // Lion and Schedule-Free (signsf).
        O::Lion { beta1, beta2, weight_decay, .. } => match field {
            F::Beta1 => Some(beta1),
            F::Beta2 => Some(beta2),
            F::WeightDecay => Some(weight_decay),
            _ => None,
        },
        O::Adadelta { .. } | O::Asgd { .. } | O::Rprop { .. } => classic_field(optimizer, field),
        O::ScheduleFreeAdamW { .. }
        | O::ScheduleFreeSgd { .. }
        | O::Adafactor { .. }
        | O::Muon { .. }
        | O::Lbfgs { .. } => issue16_field(optimizer, field),
        O::Newton { damping, .. } | O::SaddleFreeNewton { damping, .. } => match field {
            F::Damping => Some(damping),
            _ => None,
        },
    }
}

/// [`optimizer_field`] of Schedule-Free, Adafactor, Muon and L-BFGS (issue 16); their counts
/// and Adafactor's ε₁ are in [`optimizer_slot`].
fn issue16_field(optimizer: &mut OptimizerConfig, field: SweepField) -> Option<&mut f64> {
    use OptimizerConfig as O;
    use SweepField as F;
    match (optimizer, field) {
        (O::ScheduleFreeSgd { momentum, .. } | O::Muon { momentum, .. }, F::Momentum) => {
            Some(momentum)
        }
        (O::ScheduleFreeAdamW { beta1, .. }, F::Beta1) => Some(beta1),
        (O::ScheduleFreeAdamW { beta2, .. }, F::Beta2) => Some(beta2),
        (
            O::ScheduleFreeAdamW { weight_decay, .. }
            | O::ScheduleFreeSgd { weight_decay, .. }
            | O::Muon { weight_decay, .. }
            | O::Adafactor { weight_decay, .. },
            F::WeightDecay,
        ) => Some(weight_decay),
        // Adafactor's ε is its ε₂ (the parameter-RMS floor); ε₁ is a field of its own.
        (
            O::ScheduleFreeAdamW { eps, .. } | O::Muon { eps, .. } | O::Adafactor { eps2: eps, .. },
            F::Eps,
        ) => Some(eps),
        (O::ScheduleFreeAdamW { r, .. } | O::ScheduleFreeSgd { r, .. }, F::AveragePower) => Some(r),
        (
            O::ScheduleFreeAdamW { weight_lr_power, .. }
            | O::ScheduleFreeSgd { weight_lr_power, .. },
            F::WeightLrPower,
        ) => Some(weight_lr_power),
        (O::Adafactor { beta2_decay, .. }, F::Beta2Decay) => Some(beta2_decay),
        (O::Adafactor { d, .. }, F::ClipThreshold) => Some(d),
        (O::Muon { ns_coefficients: (a, _, _), .. }, F::NsA) => Some(a),
        (O::Muon { ns_coefficients: (_, b, _), .. }, F::NsB) => Some(b),
        (O::Muon { ns_coefficients: (_, _, c), .. }, F::NsC) => Some(c),
        (O::Lbfgs { tolerance_grad, .. }, F::ToleranceGrad) => Some(tolerance_grad),
        (O::Lbfgs { tolerance_change, .. }, F::ToleranceChange) => Some(tolerance_change),
        _ => None,
    }
}

/// [`optimizer_field`] of Adadelta, ASGD and Rprop (issue 16).
fn classic_field(optimizer: &mut OptimizerConfig, field: SweepField) -> Option<&mut f64> {
    use OptimizerConfig as O;
    use SweepField as F;
    match (optimizer, field) {
        (O::Adadelta { rho, .. }, F::Rho) => Some(rho),
        (O::Adadelta { eps, .. }, F::Eps) => Some(eps),
        (O::Adadelta { weight_decay, .. } | O::Asgd { weight_decay, .. }, F::WeightDecay) => {
            Some(weight_decay)
        }
        (O::Asgd { lambd, .. }, F::Lambd) => Some(lambd),
        (O::Asgd { alpha, .. }, F::Alpha) => Some(alpha),
        (O::Asgd { t0, .. }, F::T0) => Some(t0),
        (O::Rprop { eta_minus, .. }, F::EtaMinus) => Some(eta_minus),
        (O::Rprop { eta_plus, .. }, F::EtaPlus) => Some(eta_plus),
        (O::Rprop { step_min, .. }, F::StepMin) => Some(step_min),
        (O::Rprop { step_max, .. }, F::StepMax) => Some(step_max),
        _ => None,
    }
}

/// The name of the limit on a count axis's cells: the sentence a user reads.
const DISTINCT_COUNTS: &str = "count (the field is a whole number: each cell's value is rounded, \
and no two cells may repeat one; use fewer cells or a wider range)";

/// One axis of a sweep: a field and the values it takes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepAxis {
    /// The field varied along this axis.
    pub field: SweepField,
    /// First value.
    pub from: f64,
    /// Last value.
    pub to: f64,
    /// Number of values, 2 to 512.
    pub count: usize,
    /// Evenly spaced in log10 (as `numpy.logspace`) rather than linearly; needs positive ends.
    #[serde(default)]
    pub log: bool,
}

impl SweepAxis {
    /// The values, `from` first and `to` last, computed as `numpy.linspace` / `numpy.logspace`
    /// do (start + i·step, the last set to the end exactly).
    #[must_use]
    pub fn values(&self) -> Vec<f64> {
        let count = self.count.clamp(2, MAX_RESOLUTION);
        let (from, to) =
            if self.log { (self.from.log10(), self.to.log10()) } else { (self.from, self.to) };
        let step = (to - from) / (count - 1) as f64;
        let mut values: Vec<f64> = (0..count).map(|i| i as f64 * step + from).collect();
        if let Some(last) = values.last_mut() {
            *last = to;
        }
        if self.log {
            for v in &mut values {
                *v = 10f64.powf(*v);
            }
        }
        if self.field.is_count() {
            for v in &mut values {
                *v = v.round();
            }
        }
        values
    }

    /// The most cells a count axis (see [`SweepField::is_count`]) can have over its range
    /// without two cells rounding to the same whole number; `None` for other fields.
    #[must_use]
    pub fn most_distinct_cells(&self) -> Option<usize> {
        if !self.field.is_count() {
            return None;
        }
        let distinct = |count: usize| {
            let values = Self { count, ..self.clone() }.values();
            values.windows(2).all(|pair| (pair[0] - pair[1]).abs() >= 0.5)
        };
        Some((2..=MAX_RESOLUTION).rev().find(|&count| distinct(count)).unwrap_or(1))
    }

    /// Checks the count, finiteness and, on a log axis, positive ends; on a count axis, that no
    /// two cells round to the same whole number.
    ///
    /// # Errors
    /// The first value out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
        RESOLUTION.check(self.count as f64)?;
        let end = if self.log { Limit::above("axis end", 0.0) } else { Limit::finite("axis end") };
        end.check(self.from)?;
        end.check(self.to)?;
        if let Some(most) = self.most_distinct_cells() {
            Limit::closed(DISTINCT_COUNTS, 2.0, most as f64).check(self.count as f64)?;
        }
        Ok(())
    }
}

/// What a sweep's heat map shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    /// The loss after the last step (diverged cells have none).
    #[default]
    FinalLoss,
    /// The lowest loss seen.
    BestLoss,
    /// The first step within the tolerance of the surface's global minimum.
    StepsToTolerance,
    /// The step at which the run diverged.
    Diverged,
    /// A training task's final validation accuracy (training accuracy without a split).
    Accuracy,
}

impl Metric {
    /// Every metric, in menu order.
    pub const ALL: [Self; 5] =
        [Self::FinalLoss, Self::BestLoss, Self::StepsToTolerance, Self::Diverged, Self::Accuracy];

    /// How the metric is named on screen.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::FinalLoss => "final loss",
            Self::BestLoss => "best loss",
            Self::StepsToTolerance => "steps to tolerance",
            Self::Diverged => "step of divergence",
            Self::Accuracy => "accuracy",
        }
    }

    /// The name over a training task's map, where losses are validation losses and steps are
    /// epochs.
    #[must_use]
    pub fn training_label(self) -> &'static str {
        match self {
            Self::FinalLoss => "final validation loss",
            Self::BestLoss => "best validation loss",
            Self::StepsToTolerance => "epochs to tolerance",
            Self::Diverged => "epoch of divergence",
            Self::Accuracy => "validation accuracy",
        }
    }

    /// Whether the best cell is the one with the lowest value (all but accuracy).
    #[must_use]
    pub fn lower_is_better(self) -> bool {
        self != Self::Accuracy
    }

    /// This metric of a cell, `None` where it has no value (a diverged cell's final loss, a
    /// cell that never reached the tolerance, a cell that did not diverge).
    #[must_use]
    pub fn of(self, cell: &Cell) -> Option<f64> {
        match self {
            Self::FinalLoss => cell.diverged_at.is_none().then_some(cell.final_loss),
            Self::BestLoss => Some(cell.best_loss).filter(|l| l.is_finite()),
            Self::StepsToTolerance => cell.reached_at.map(|s| s as f64),
            Self::Diverged => cell.diverged_at.map(|s| s as f64),
            Self::Accuracy => cell.accuracy,
        }
    }
}

/// Computes `configs` (all on the same surface, each with `steps` updates) in parallel on the
/// current rayon pool, the lane kernel where it applies.
#[must_use]
pub fn compute_cells(configs: &[RunConfig], levels: &Levels) -> Vec<Cell> {
    if lanes::applies_to_all(configs) {
        configs.par_chunks(LANES).flat_map_iter(|chunk| lanes::run_chunk(chunk, levels)).collect()
    } else {
        configs.par_iter().map(|config| run_one(config, levels)).collect()
    }
}

/// One cell through [`crate::run::execute`].
#[must_use]
pub fn run_one(config: &RunConfig, levels: &Levels) -> Cell {
    let mut sink = LevelSink { levels: *levels, reached_at: None, settled_at: [None; MAX_LEVELS] };
    let summary = run::execute(config, &mut sink);
    let last = summary.last;
    Cell {
        final_loss: last.map_or(f64::NAN, |r| r.loss),
        end: last.map_or([f64::NAN; 2], |r| r.position),
        best_loss: summary.best.map_or(f64::NAN, |r| r.loss),
        reached_at: sink.reached_at,
        diverged_at: match summary.outcome {
            run::Outcome::Diverged { step } => Some(step),
            _ => None,
        },
        settled_at: sink.settled_at,
        accuracy: None,
    }
}

/// Tracks the levels over a run's records.
struct LevelSink {
    levels: Levels,
    reached_at: Option<u64>,
    settled_at: [Option<u64>; MAX_LEVELS],
}

impl TraceSink for LevelSink {
    fn record(&mut self, record: &StepRecord) -> std::ops::ControlFlow<()> {
        if self.reached_at.is_none() && record.loss <= self.levels.reached {
            self.reached_at = Some(record.step);
        }
        for (settled, &level) in self.settled_at.iter_mut().zip(&self.levels.settle) {
            if record.loss > level {
                *settled = None;
            } else if settled.is_none() {
                *settled = Some(record.step);
            }
        }
        std::ops::ControlFlow::Continue(())
    }

    fn wants_grad_norm(&self) -> bool {
        false
    }
}

/// Computes a grid of `configs` (row-major) block by block: after each block `publish` gets the
/// cells so far (`None` for cells not yet computed); stops early, returning `None`, when
/// `cancel` is set.
pub fn compute_progressively(
    configs: &[RunConfig],
    row_len: usize,
    levels: &Levels,
    cancel: &AtomicBool,
    mut publish: impl FnMut(&[Option<Cell>]),
) -> Option<Vec<Cell>> {
    let row_len = row_len.max(1);
    let mut cells: Vec<Option<Cell>> = vec![None; configs.len()];
    // About LANES × threads × 4 runs per block: small enough to show progress, large enough to
    // keep every thread busy.
    let block = (rayon::current_num_threads() * LANES * 4).div_ceil(row_len).max(1) * row_len;
    for (index, chunk) in configs.chunks(block).enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let computed = compute_cells(chunk, levels);
        for (slot, cell) in cells[index * block..].iter_mut().zip(computed) {
            *slot = Some(cell);
        }
        publish(&cells);
    }
    Some(cells.into_iter().flatten().collect())
}

/// The surface's lowest known minimum value.
#[must_use]
pub fn global_minimum(surface: &Surface) -> Option<f64> {
    surface.minima().iter().map(|m| m.value).reduce(f64::min)
}

/// Computes `configs` block by block, calling `snapshot` with the cells so far at most every
/// `interval` (it copies them, so only when due); the finished cells, `None` when cancelled.
pub fn fill_throttled(
    configs: &[RunConfig],
    row_len: usize,
    levels: &Levels,
    cancel: &AtomicBool,
    interval: Duration,
    mut snapshot: impl FnMut(&[Option<Cell>]),
) -> Option<Vec<Option<Cell>>> {
    let mut throttle = Throttle::new(interval);
    let cells = compute_progressively(configs, row_len, levels, cancel, |cells| {
        if throttle.due() {
            snapshot(cells);
        }
    })?;
    Some(cells.into_iter().map(Some).collect())
}
