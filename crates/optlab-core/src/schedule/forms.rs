//! What every schedule is: its closed form (the course's schedules alone), its limits, its
//! name and its formula in the course's notation.

use super::kinds::{
    FACTOR, MIN_LR, PERIOD, RATE, START_FACTOR, Schedule, default_every, default_factor,
    default_period, default_rate, default_start_factor, default_warmup_steps,
};
use super::scheduler::Scheduler;
use crate::limits::{Limit, LimitError};

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
