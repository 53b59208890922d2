//! Learning-rate schedules.
//!
//! A schedule maps the update counter t = 0, 1, … to the learning rate that update t uses. The
//! course's schedules (`Constant` … `Warmup`) used alone are closed forms of the PyTorch
//! schedulers they name (`ExponentialLR` via e^(−kt), `StepLR`, `MultiStepLR`,
//! `CosineAnnealingLR`, `LinearLR` inside `SequentialLR` for the warmup). The PyTorch-named
//! schedules, and every schedule inside `Sequential`/`Chained`, follow PyTorch 2.15's scheduler
//! objects step for step, recursive forms included ([`Scheduler`]).

use serde::{Deserialize, Serialize};

use crate::limits::{Limit, LimitError};

mod momentum;
mod scheduler;
mod sweep;
mod torch_kinds;
mod torch_limits;
mod torch_sim;

pub use scheduler::Scheduler;
pub use torch_kinds::{Anneal, CyclicMode, PlateauMode, ThresholdMode};
use torch_limits::de as tde;
pub use torch_limits::formula_error;

/// Decay rate `k` of `Exponential` and `InverseTime`.
pub const RATE: Limit = Limit::at_least("k", 0.0);
/// Multiplicative factor of `Step` and `MultiStep`.
pub const FACTOR: Limit = Limit::closed("factor", 0.0, 1.0);
/// Floor of `Cosine`.
pub const MIN_LR: Limit = Limit::at_least("min_lr", 0.0);
/// Starting factor of `Warmup`.
pub const START_FACTOR: Limit = Limit::closed("start_factor", 0.0, 1.0);
/// Period of `Step` (`every`), `Cosine` (`period`) and the length of `Warmup` (`steps`).
pub const PERIOD: Limit = Limit::at_least("every", 1.0);

mod de {
    use super::{FACTOR, Limit, MIN_LR, PERIOD, RATE, START_FACTOR};
    crate::limited_f64!(rate, RATE);
    crate::limited_f64!(factor, FACTOR);
    crate::limited_f64!(min_lr, MIN_LR);
    crate::limited_f64!(start_factor, START_FACTOR);

    /// A count of at least one update (zero would divide by zero), named in the error as the
    /// user wrote it.
    fn at_least_one<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
        name: &'static str,
    ) -> Result<u64, D::Error> {
        let value = <u64 as serde::Deserialize>::deserialize(deserializer)?;
        Limit { name, ..PERIOD }
            .check(value as f64)
            .map(|_| value)
            .map_err(serde::de::Error::custom)
    }

    /// `Step`'s `every`.
    pub(crate) fn every<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<u64, D::Error> {
        at_least_one(deserializer, "every")
    }

    /// `Cosine`'s `period`.
    pub(crate) fn period<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<u64, D::Error> {
        at_least_one(deserializer, "period")
    }

    /// `Warmup`'s `steps`.
    pub(crate) fn warmup_steps<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<u64, D::Error> {
        at_least_one(deserializer, "steps")
    }
}

fn default_rate() -> f64 {
    0.01
}
fn default_every() -> u64 {
    30
}
fn default_factor() -> f64 {
    0.1
}
fn default_period() -> u64 {
    100
}
fn default_warmup_steps() -> u64 {
    10
}
fn default_start_factor() -> f64 {
    1.0 / 3.0
}
#[expect(clippy::unnecessary_box_returns, reason = "serde's default for a boxed field")]
fn default_then() -> Box<Schedule> {
    Box::new(Schedule::Constant)
}

/// A learning-rate schedule; `lr` below is the optimizer's base learning rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub enum Schedule {
    /// lr for every update.
    #[default]
    Constant,
    /// lr·e^(−kt) (the course notes' exponential decay).
    Exponential {
        /// Decay rate k ≥ 0 per update.
        #[serde(default = "default_rate", deserialize_with = "de::rate")]
        k: f64,
    },
    /// lr/(1 + kt) (the course notes' 1/t decay).
    InverseTime {
        /// Decay rate k ≥ 0 per update.
        #[serde(default = "default_rate", deserialize_with = "de::rate")]
        k: f64,
    },
    /// lr·factor^⌊t/every⌋ (PyTorch `StepLR`: already decayed at t = every).
    Step {
        /// Updates between decays (≥ 1).
        #[serde(default = "default_every", deserialize_with = "de::every")]
        every: u64,
        /// Factor applied at each decay, in [0, 1].
        #[serde(default = "default_factor", deserialize_with = "de::factor")]
        factor: f64,
    },
    /// lr·factor^(number of milestones ≤ t) (PyTorch `MultiStepLR`).
    MultiStep {
        /// Updates at which the lr is multiplied by `factor`.
        #[serde(default)]
        milestones: Vec<u64>,
        /// Factor applied at each milestone, in [0, 1].
        #[serde(default = "default_factor", deserialize_with = "de::factor")]
        factor: f64,
    },
    /// PyTorch `CosineAnnealingLR(T_max = period, eta_min = min_lr)`:
    /// `min_lr + ½(lr − min_lr)(1 + cos(πt/period))`. Like torch it does not clamp past
    /// `period`: the cosine rises again.
    Cosine {
        /// Half period `T_max` in updates (≥ 1).
        #[serde(default = "default_period", deserialize_with = "de::period")]
        period: u64,
        /// The lowest lr, reached at t = period.
        #[serde(default, deserialize_with = "de::min_lr")]
        min_lr: f64,
    },
    /// Linear warmup from `lr·start_factor` to lr over `steps` updates (PyTorch `LinearLR`), then
    /// `then` counted from the end of the warmup (PyTorch `SequentialLR`).
    Warmup {
        /// Length of the warmup in updates (≥ 1).
        #[serde(default = "default_warmup_steps", deserialize_with = "de::warmup_steps")]
        steps: u64,
        /// Fraction of lr at t = 0, in [0, 1].
        #[serde(default = "default_start_factor", deserialize_with = "de::start_factor")]
        start_factor: f64,
        /// The schedule after the warmup, restarted at its own t = 0.
        #[serde(default = "default_then")]
        then: Box<Schedule>,
    },
    /// PyTorch `ConstantLR`: lr·factor for t < `total_iters`, then lr.
    ConstantFactor {
        /// Factor before `total_iters`, in (0, 1].
        #[serde(default = "torch_kinds::one_third", deserialize_with = "tde::constant_factor")]
        factor: f64,
        /// Updates that use the factor (≥ 1).
        #[serde(default = "torch_kinds::five", deserialize_with = "tde::total_iters")]
        total_iters: u64,
    },
    /// PyTorch `LinearLR`: the factor moves linearly from `start_factor` to `end_factor` over
    /// `total_iters` updates (its recursive form).
    Linear {
        /// Factor at t = 0, in (0, 1].
        #[serde(default = "torch_kinds::one_third", deserialize_with = "tde::linear_start")]
        start_factor: f64,
        /// Factor from t = `total_iters` on, in [0, 1].
        #[serde(default = "torch_kinds::one", deserialize_with = "tde::linear_end")]
        end_factor: f64,
        /// Length of the ramp in updates (≥ 1).
        #[serde(default = "torch_kinds::five", deserialize_with = "tde::total_iters")]
        total_iters: u64,
    },
    /// PyTorch `PolynomialLR`: lr·(1 − t/`total_iters`)^`power`, then 0 (its recursive form).
    Polynomial {
        /// Updates until the lr reaches 0 (≥ 1).
        #[serde(default = "torch_kinds::five", deserialize_with = "tde::total_iters")]
        total_iters: u64,
        /// Power of the decay (≥ 0).
        #[serde(default = "torch_kinds::one", deserialize_with = "tde::power")]
        power: f64,
    },
    /// PyTorch `CosineAnnealingWarmRestarts(T_0 = t0, T_mult = t_mult, eta_min)`.
    CosineWarmRestarts {
        /// Length of the first cycle in updates (≥ 1).
        #[serde(deserialize_with = "tde::t0")]
        t0: u64,
        /// Growth factor of each cycle's length (≥ 1).
        #[serde(default = "torch_kinds::one_u64", deserialize_with = "tde::t_mult")]
        t_mult: u64,
        /// The lowest lr, at the end of each cycle.
        #[serde(default, deserialize_with = "tde::eta_min")]
        eta_min: f64,
    },
    /// PyTorch `CyclicLR`: replaces the optimizer's lr; with `cycle_momentum` it also drives the
    /// optimizer's momentum (or β₁) between `max_momentum` and `base_momentum`.
    Cyclic {
        /// Lower end of the cycle (> 0).
        #[serde(deserialize_with = "tde::cyclic_base_lr")]
        base_lr: f64,
        /// Upper end of the cycle (> 0).
        #[serde(deserialize_with = "tde::max_lr")]
        max_lr: f64,
        /// Updates from `base_lr` up to `max_lr` (≥ 1).
        #[serde(default = "torch_kinds::step_size_up", deserialize_with = "tde::step_size_up")]
        step_size_up: u64,
        /// Updates back down (`None`: as many as up).
        #[serde(default, deserialize_with = "tde::step_size_down")]
        step_size_down: Option<u64>,
        /// Amplitude policy.
        #[serde(default)]
        mode: CyclicMode,
        /// `ExpRange`'s decay per update, in (0, 1].
        #[serde(default = "torch_kinds::one", deserialize_with = "tde::gamma")]
        gamma: f64,
        /// Whether the momentum cycles inversely to the lr.
        #[serde(default = "torch_kinds::yes")]
        cycle_momentum: bool,
        /// Momentum at the top of the lr cycle.
        #[serde(
            default = "torch_kinds::cyclic_base_momentum",
            deserialize_with = "tde::base_momentum"
        )]
        base_momentum: f64,
        /// Momentum at the bottom of the lr cycle.
        #[serde(
            default = "torch_kinds::cyclic_max_momentum",
            deserialize_with = "tde::max_momentum"
        )]
        max_momentum: f64,
    },
    /// PyTorch `OneCycleLR`: warm up to `max_lr`, anneal to `max_lr/(div_factor·final_div_factor)`;
    /// a run longer than `total_steps` is refused, as PyTorch raises.
    OneCycle {
        /// Peak lr (> 0).
        #[serde(deserialize_with = "tde::max_lr")]
        max_lr: f64,
        /// Updates in the cycle (≥ 1).
        #[serde(deserialize_with = "tde::total_steps")]
        total_steps: u64,
        /// Fraction of the cycle spent rising, in [0, 1].
        #[serde(default = "torch_kinds::pct_start", deserialize_with = "tde::pct_start")]
        pct_start: f64,
        /// Annealing shape.
        #[serde(default)]
        anneal: Anneal,
        /// Whether the momentum cycles inversely to the lr.
        #[serde(default = "torch_kinds::yes")]
        cycle_momentum: bool,
        /// Momentum at the peak lr.
        #[serde(
            default = "torch_kinds::one_cycle_base_momentum",
            deserialize_with = "tde::base_momentum"
        )]
        base_momentum: f64,
        /// Momentum at the start and end.
        #[serde(
            default = "torch_kinds::one_cycle_max_momentum",
            deserialize_with = "tde::max_momentum"
        )]
        max_momentum: f64,
        /// Initial lr = `max_lr / div_factor`.
        #[serde(default = "torch_kinds::div_factor", deserialize_with = "tde::div_factor")]
        div_factor: f64,
        /// Final lr = initial lr / `final_div_factor`.
        #[serde(
            default = "torch_kinds::final_div_factor",
            deserialize_with = "tde::final_div_factor"
        )]
        final_div_factor: f64,
        /// Fastai's three phases (up, back down, annihilate) instead of two.
        #[serde(default)]
        three_phase: bool,
    },
    /// PyTorch `LambdaLR`: lr·f(t), f a formula in t.
    Lambda(#[serde(deserialize_with = "tde::formula_in_t")] String),
    /// PyTorch `MultiplicativeLR`: the lr is multiplied by f(t) at every update after the first.
    Multiplicative(#[serde(deserialize_with = "tde::formula_in_t")] String),
    /// PyTorch `SequentialLR`: `schedules[i]` from `milestones[i − 1]` on, each restarted at its
    /// own t = 0.
    Sequential {
        /// The schedules in order.
        schedules: Vec<Schedule>,
        /// Updates at which the next schedule takes over (one fewer than `schedules`).
        milestones: Vec<u64>,
    },
    /// PyTorch `ChainedScheduler`: every schedule steps on the same lr, their factors multiply.
    Chained(Vec<Schedule>),
    /// PyTorch `ReduceLROnPlateau`: lr·factor after `patience` updates (epochs in training)
    /// without improvement of the loss it is shown.
    ReduceOnPlateau {
        /// Whether lower or higher is better.
        #[serde(default)]
        mode: PlateauMode,
        /// Factor of each reduction, in [0, 1).
        #[serde(default = "torch_kinds::plateau_factor", deserialize_with = "tde::plateau_factor")]
        factor: f64,
        /// Bad updates tolerated before a reduction.
        #[serde(default = "torch_kinds::patience")]
        patience: u64,
        /// Least improvement that counts.
        #[serde(default = "torch_kinds::threshold", deserialize_with = "tde::threshold")]
        threshold: f64,
        /// Relative or absolute threshold.
        #[serde(default)]
        threshold_mode: ThresholdMode,
        /// Updates ignored after a reduction.
        #[serde(default)]
        cooldown: u64,
        /// The lr never goes below this.
        #[serde(default, deserialize_with = "tde::plateau_min_lr")]
        min_lr: f64,
        /// Reductions smaller than this are skipped.
        #[serde(default = "torch_kinds::plateau_eps", deserialize_with = "tde::eps")]
        eps: f64,
    },
}

impl Schedule {
    /// The learning rate update `t` uses (t = 0 is the first update) for base learning rate
    /// `base_lr`.
    #[must_use]
    #[inline]
    pub fn lr(&self, base_lr: f64, t: u64) -> f64 {
        match self {
            Self::Constant => base_lr,
            Self::Exponential { k } => base_lr * (-k * t as f64).exp(),
            Self::InverseTime { k } => base_lr / (1.0 + k * t as f64),
            Self::Step { every, factor } => base_lr * power(*factor, t / (*every).max(1)),
            Self::MultiStep { milestones, factor } => {
                let passed = milestones.iter().filter(|&&m| m <= t).count();
                base_lr * power(*factor, passed as u64)
            }
            Self::Cosine { period, min_lr } => {
                let phase = std::f64::consts::PI * t as f64 / (*period).max(1) as f64;
                min_lr + 0.5 * (base_lr - min_lr) * (1.0 + phase.cos())
            }
            Self::Warmup { then, .. } if !then.is_closed_form() => self.lr_by_stepping(base_lr, t),
            Self::Warmup { steps, start_factor, then } => {
                if t < *steps {
                    base_lr * (start_factor + (1.0 - start_factor) * t as f64 / *steps as f64)
                } else {
                    then.lr(base_lr, t - steps)
                }
            }
            // PyTorch's scheduler objects, stepped t times.
            _ => self.lr_by_stepping(base_lr, t),
        }
    }

    /// Checks every field against its allowed range.
    ///
    /// # Errors
    /// The first field out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
        match self {
            Self::Constant => Ok(()),
            Self::Exponential { k } | Self::InverseTime { k } => RATE.check(*k).map(drop),
            Self::Step { every, factor } => {
                PERIOD.check(*every as f64)?;
                FACTOR.check(*factor).map(drop)
            }
            Self::MultiStep { factor, .. } => FACTOR.check(*factor).map(drop),
            Self::Cosine { period, min_lr } => {
                Limit { name: "period", ..PERIOD }.check(*period as f64)?;
                MIN_LR.check(*min_lr).map(drop)
            }
            Self::Warmup { steps, start_factor, then } => {
                Limit { name: "steps", ..PERIOD }.check(*steps as f64)?;
                START_FACTOR.check(*start_factor)?;
                then.validate()
            }
            _ => self.validate_torch(),
        }
    }

    /// The name users type in RON (`Exponential`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Constant => "Constant",
            Self::Exponential { .. } => "Exponential",
            Self::InverseTime { .. } => "InverseTime",
            Self::Step { .. } => "Step",
            Self::MultiStep { .. } => "MultiStep",
            Self::Cosine { .. } => "Cosine",
            Self::Warmup { .. } => "Warmup",
            Self::ConstantFactor { .. } => "ConstantFactor",
            Self::Linear { .. } => "Linear",
            Self::Polynomial { .. } => "Polynomial",
            Self::CosineWarmRestarts { .. } => "CosineWarmRestarts",
            Self::Cyclic { .. } => "Cyclic",
            Self::OneCycle { .. } => "OneCycle",
            Self::Lambda(_) => "Lambda",
            Self::Multiplicative(_) => "Multiplicative",
            Self::Sequential { .. } => "Sequential",
            Self::Chained(_) => "Chained",
            Self::ReduceOnPlateau { .. } => "ReduceOnPlateau",
        }
    }

    /// The schedule in the course notes' notation (η₀ is the base learning rate).
    #[must_use]
    pub fn formula(&self) -> String {
        match self {
            Self::Constant => "ηₜ = η₀".to_owned(),
            Self::Exponential { k } => format!("ηₜ = η₀ · e^(−{k}·t)"),
            Self::InverseTime { k } => format!("ηₜ = η₀ / (1 + {k}·t)"),
            Self::Step { every, factor } => format!("ηₜ = η₀ · {factor}^⌊t/{every}⌋"),
            Self::MultiStep { milestones, factor } => {
                format!("ηₜ = η₀ · {factor}^(milestones ≤ t), milestones {milestones:?}")
            }
            Self::Cosine { period, min_lr } => {
                format!("ηₜ = {min_lr} + ½(η₀ − {min_lr})(1 + cos(πt/{period}))")
            }
            Self::Warmup { steps, start_factor, then } => format!(
                "t < {steps}: ηₜ = η₀ · ({start_factor} + (1 − {start_factor})·t/{steps})\n\
                 t ≥ {steps}: {} with t counted from {steps}",
                then.formula()
            ),
            _ => self.formula_torch(),
        }
    }

    /// One default instance of every schedule, in teaching order.
    #[must_use]
    pub fn catalogue() -> Vec<Schedule> {
        vec![
            Self::Constant,
            Self::Exponential { k: default_rate() },
            Self::InverseTime { k: default_rate() },
            Self::Step { every: default_every(), factor: default_factor() },
            Self::MultiStep { milestones: vec![30, 60], factor: default_factor() },
            Self::Cosine { period: default_period(), min_lr: 0.0 },
            Self::Warmup {
                steps: default_warmup_steps(),
                start_factor: default_start_factor(),
                then: Box::new(Self::Cosine { period: default_period(), min_lr: 0.0 }),
            },
        ]
    }
}

impl Schedule {
    /// The lr of update `t` by running a [`Scheduler`] for `t` steps (no loss is seen), for the
    /// schedules that have no closed form.
    #[inline(never)]
    fn lr_by_stepping(&self, base_lr: f64, t: u64) -> f64 {
        let mut scheduler = Scheduler::new(self, base_lr, None);
        for _ in 0..t {
            scheduler.step(None);
        }
        scheduler.lr()
    }
}

/// `base^exponent` by repeated squaring, exact in the same way as Python's `factor ** n` for the
/// small integer exponents schedules use (`powi` takes an i32, which a 10^10-step run overflows).
fn power(base: f64, exponent: u64) -> f64 {
    match i32::try_from(exponent) {
        Ok(small) => base.powi(small),
        Err(_) => base.powf(exponent as f64),
    }
}
