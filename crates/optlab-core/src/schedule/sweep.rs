//! The field a sweep's "schedule rate" varies in each schedule, and its limit.

use super::{FACTOR, MIN_LR, RATE, Schedule, torch_limits};
use crate::limits::Limit;

impl Schedule {
    /// The number a sweep's schedule rate varies: k of `Exponential`/`InverseTime`, the factor
    /// of `Step`, `MultiStep`, `ConstantFactor` and `ReduceOnPlateau`, `min_lr` of `Cosine`,
    /// `start_factor` of `Linear`, the power of `Polynomial`, `eta_min` of
    /// `CosineWarmRestarts`, `max_lr` of `Cyclic` and `OneCycle`, and that of `Warmup`'s next
    /// schedule. `None` for the others.
    pub fn rate_mut(&mut self) -> Option<&mut f64> {
        match self {
            Self::Exponential { k } | Self::InverseTime { k } => Some(k),
            Self::Step { factor, .. }
            | Self::MultiStep { factor, .. }
            | Self::ConstantFactor { factor, .. }
            | Self::ReduceOnPlateau { factor, .. } => Some(factor),
            Self::Cosine { min_lr, .. } => Some(min_lr),
            Self::Linear { start_factor, .. } => Some(start_factor),
            Self::Polynomial { power, .. } => Some(power),
            Self::CosineWarmRestarts { eta_min, .. } => Some(eta_min),
            Self::Cyclic { max_lr, .. } | Self::OneCycle { max_lr, .. } => Some(max_lr),
            Self::Warmup { then, .. } => then.rate_mut(),
            _ => None,
        }
    }

    /// The name and allowed range of [`Self::rate_mut`]'s field.
    #[must_use]
    pub fn rate_limit(&self) -> Limit {
        match self {
            Self::Step { .. } | Self::MultiStep { .. } => FACTOR,
            Self::ConstantFactor { .. } => torch_limits::CONSTANT_FACTOR,
            Self::ReduceOnPlateau { .. } => torch_limits::PLATEAU_FACTOR,
            Self::Cosine { .. } => MIN_LR,
            Self::Linear { .. } => torch_limits::LINEAR_START,
            Self::Polynomial { .. } => torch_limits::POWER,
            Self::CosineWarmRestarts { .. } => torch_limits::ETA_MIN,
            Self::Cyclic { .. } | Self::OneCycle { .. } => torch_limits::MAX_LR,
            Self::Warmup { then, .. } => then.rate_limit(),
            _ => RATE,
        }
    }
}
