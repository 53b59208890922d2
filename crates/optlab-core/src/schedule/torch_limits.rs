//! Limits of the PyTorch-named schedules (PyTorch's own checks, plus what keeps a run finite)
//! and the serde readers that apply them while parsing RON (so an error has a line and column).

use crate::limits::Limit;

/// `ConstantFactor`'s factor: PyTorch allows [0, 1] but divides by it at `total_iters`.
pub const CONSTANT_FACTOR: Limit =
    Limit { name: "factor", min: 0.0, max: 1.0, min_open: true, max_open: false };
/// `Linear`'s `start_factor` (PyTorch: greater than 0, at most 1).
pub const LINEAR_START: Limit =
    Limit { name: "start_factor", min: 0.0, max: 1.0, min_open: true, max_open: false };
/// `Linear`'s `end_factor`.
pub const LINEAR_END: Limit = Limit::closed("end_factor", 0.0, 1.0);
/// `total_iters` of `ConstantFactor`, `Linear`, `Polynomial`.
pub const TOTAL_ITERS: Limit = Limit::at_least("total_iters", 1.0);
/// `Polynomial`'s power.
pub const POWER: Limit = Limit::at_least("power", 0.0);
/// `CosineWarmRestarts`' first cycle length.
pub const T0: Limit = Limit::at_least("t0", 1.0);
/// `CosineWarmRestarts`' growth factor.
pub const T_MULT: Limit = Limit::at_least("t_mult", 1.0);
/// `CosineWarmRestarts`' floor.
pub const ETA_MIN: Limit = Limit::at_least("eta_min", 0.0);
/// `Cyclic`'s lower lr.
pub const CYCLIC_BASE_LR: Limit = Limit::above("base_lr", 0.0);
/// `Cyclic`'s and `OneCycle`'s upper lr.
pub const MAX_LR: Limit = Limit::above("max_lr", 0.0);
/// `Cyclic`'s half-cycle lengths.
pub const STEP_SIZE: Limit = Limit::at_least("step_size_up", 1.0);
/// `Cyclic`'s `ExpRange` decay.
pub const GAMMA: Limit =
    Limit { name: "gamma", min: 0.0, max: 1.0, min_open: true, max_open: false };
/// Momentum bounds of `Cyclic` and `OneCycle`.
pub const BASE_MOMENTUM: Limit = Limit::closed("base_momentum", 0.0, 1.0);
/// Momentum bounds of `Cyclic` and `OneCycle`.
pub const MAX_MOMENTUM: Limit = Limit::closed("max_momentum", 0.0, 1.0);
/// `OneCycle`'s cycle length.
pub const TOTAL_STEPS: Limit = Limit::at_least("total_steps", 1.0);
/// `OneCycle`'s rising fraction.
pub const PCT_START: Limit = Limit::closed("pct_start", 0.0, 1.0);
/// `OneCycle`'s `div_factor`.
pub const DIV_FACTOR: Limit = Limit::above("div_factor", 0.0);
/// `OneCycle`'s `final_div_factor`.
pub const FINAL_DIV_FACTOR: Limit = Limit::above("final_div_factor", 0.0);
/// `ReduceOnPlateau`'s factor (PyTorch: below 1).
pub const PLATEAU_FACTOR: Limit = Limit::closed_open("factor", 0.0, 1.0);
/// `ReduceOnPlateau`'s threshold.
pub const THRESHOLD: Limit = Limit::at_least("threshold", 0.0);
/// `ReduceOnPlateau`'s floor.
pub const PLATEAU_MIN_LR: Limit = Limit::at_least("min_lr", 0.0);
/// `ReduceOnPlateau`'s least reduction.
pub const EPS: Limit = Limit::at_least("eps", 0.0);

pub(super) mod de {
    use super::{
        BASE_MOMENTUM, CONSTANT_FACTOR, CYCLIC_BASE_LR, DIV_FACTOR, EPS, ETA_MIN, FINAL_DIV_FACTOR,
        GAMMA, LINEAR_END, LINEAR_START, Limit, MAX_LR, MAX_MOMENTUM, PCT_START, PLATEAU_FACTOR,
        PLATEAU_MIN_LR, POWER, STEP_SIZE, T_MULT, T0, THRESHOLD, TOTAL_ITERS, TOTAL_STEPS,
    };
    crate::limited_f64!(constant_factor, CONSTANT_FACTOR);
    crate::limited_f64!(linear_start, LINEAR_START);
    crate::limited_f64!(linear_end, LINEAR_END);
    crate::limited_f64!(power, POWER);
    crate::limited_f64!(eta_min, ETA_MIN);
    crate::limited_f64!(cyclic_base_lr, CYCLIC_BASE_LR);
    crate::limited_f64!(max_lr, MAX_LR);
    crate::limited_f64!(gamma, GAMMA);
    crate::limited_f64!(base_momentum, BASE_MOMENTUM);
    crate::limited_f64!(max_momentum, MAX_MOMENTUM);
    crate::limited_f64!(pct_start, PCT_START);
    crate::limited_f64!(div_factor, DIV_FACTOR);
    crate::limited_f64!(final_div_factor, FINAL_DIV_FACTOR);
    crate::limited_f64!(plateau_factor, PLATEAU_FACTOR);
    crate::limited_f64!(threshold, THRESHOLD);
    crate::limited_f64!(plateau_min_lr, PLATEAU_MIN_LR);
    crate::limited_f64!(eps, EPS);

    fn count<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
        limit: Limit,
    ) -> Result<u64, D::Error> {
        let value = <u64 as serde::Deserialize>::deserialize(deserializer)?;
        limit.check(value as f64).map(|_| value).map_err(serde::de::Error::custom)
    }

    /// `total_iters` (≥ 1).
    pub(crate) fn total_iters<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        count(d, TOTAL_ITERS)
    }
    /// `t0` (≥ 1).
    pub(crate) fn t0<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        count(d, T0)
    }
    /// `t_mult` (≥ 1).
    pub(crate) fn t_mult<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        count(d, T_MULT)
    }
    /// `step_size_up` (≥ 1).
    pub(crate) fn step_size_up<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        count(d, STEP_SIZE)
    }
    /// `step_size_down` (`None` or ≥ 1).
    pub(crate) fn step_size_down<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<u64>, D::Error> {
        let value = <Option<u64> as serde::Deserialize>::deserialize(d)?;
        match value {
            Some(n) => Limit { name: "step_size_down", ..STEP_SIZE }
                .check(n as f64)
                .map(|_| value)
                .map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
    /// `total_steps` (≥ 1).
    pub(crate) fn total_steps<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        count(d, TOTAL_STEPS)
    }
    /// A formula in t, refused with its column when it does not parse.
    pub(crate) fn formula_in_t<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        match crate::expr::parse_in_t(&text) {
            Ok(_) => Ok(text),
            Err(e) => Err(serde::de::Error::custom(format!("formula `{text}`: {e}"))),
        }
    }
}
