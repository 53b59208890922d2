//! Limits of the PyTorch-named schedules (PyTorch's own checks, plus what keeps a run finite),
//! the serde readers that apply them while parsing RON (so an error has a line and column),
//! and their formulas in the course's notation.

use super::{Anneal, CyclicMode, PlateauMode, Schedule, ThresholdMode};
use crate::expr::parse_in_t;
use crate::limits::{Limit, LimitError, check_all};

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

/// The first problem of a `Lambda`/`Multiplicative` formula, with its column; `None` for other
/// schedules and formulas that parse.
#[must_use]
pub fn formula_error(schedule: &Schedule) -> Option<String> {
    match schedule {
        Schedule::Lambda(text) | Schedule::Multiplicative(text) => {
            parse_in_t(text).err().map(|e| format!("formula `{text}`: {e}"))
        }
        _ => None,
    }
}

/// Refusal of something that is not a number out of range, worded as one: `name` says what is
/// wrong, `value` is how many there are, and the allowed range is [0, 0].
fn refuse(name: &'static str) -> Result<(), LimitError> {
    Limit::closed(name, 0.0, 0.0).check(1.0).map(drop)
}

impl Schedule {
    /// Limits of the PyTorch-named schedules.
    pub(super) fn validate_torch(&self) -> Result<(), LimitError> {
        match self {
            Self::ConstantFactor { factor, total_iters } => {
                check_all(&[(*factor, CONSTANT_FACTOR), (*total_iters as f64, TOTAL_ITERS)])
            }
            Self::Linear { start_factor, end_factor, total_iters } => check_all(&[
                (*start_factor, LINEAR_START),
                (*end_factor, LINEAR_END),
                (*total_iters as f64, TOTAL_ITERS),
            ]),
            Self::Polynomial { total_iters, power } => {
                check_all(&[(*total_iters as f64, TOTAL_ITERS), (*power, POWER)])
            }
            Self::CosineWarmRestarts { t0, t_mult, eta_min } => {
                check_all(&[(*t0 as f64, T0), (*t_mult as f64, T_MULT), (*eta_min, ETA_MIN)])
            }
            Self::Cyclic { .. } => self.validate_cyclic(),
            Self::OneCycle { .. } => self.validate_one_cycle(),
            Self::Lambda(_) | Self::Multiplicative(_) => match formula_error(self) {
                Some(_) => {
                    refuse("formula (it does not parse; its column is shown where it is edited)")
                }
                None => Ok(()),
            },
            Self::Sequential { schedules, milestones } => {
                validate_sequential(schedules, milestones)
            }
            Self::Chained(schedules) => {
                Limit::at_least("schedules (how many)", 1.0).check(schedules.len() as f64)?;
                schedules.iter().try_for_each(validate_inner)
            }
            Self::ReduceOnPlateau { factor, threshold, min_lr, eps, .. } => check_all(&[
                (*factor, PLATEAU_FACTOR),
                (*threshold, THRESHOLD),
                (*min_lr, PLATEAU_MIN_LR),
                (*eps, EPS),
            ]),
            _ => Ok(()),
        }
    }

    fn validate_cyclic(&self) -> Result<(), LimitError> {
        let Self::Cyclic { base_lr, max_lr, step_size_up, step_size_down, gamma, .. } = self else {
            return Ok(());
        };
        let down = step_size_down.unwrap_or(*step_size_up) as f64;
        check_all(&[
            (*base_lr, CYCLIC_BASE_LR),
            (*max_lr, MAX_LR),
            (*step_size_up as f64, STEP_SIZE),
            (down, Limit { name: "step_size_down", ..STEP_SIZE }),
            (*gamma, GAMMA),
        ])?;
        self.validate_momenta()
    }

    fn validate_one_cycle(&self) -> Result<(), LimitError> {
        let Self::OneCycle {
            max_lr,
            total_steps,
            pct_start,
            div_factor,
            final_div_factor,
            three_phase,
            ..
        } = *self
        else {
            return Ok(());
        };
        check_all(&[
            (max_lr, MAX_LR),
            (total_steps as f64, TOTAL_STEPS),
            (pct_start, PCT_START),
            (div_factor, DIV_FACTOR),
            (final_div_factor, FINAL_DIV_FACTOR),
        ])?;
        self.validate_momenta()?;
        // PyTorch divides by each phase's length (end − start); a zero length raises there.
        let rise = pct_start * total_steps as f64 - 1.0;
        let lengths = if three_phase {
            [rise, rise, total_steps as f64 + 1.0 - 2.0 * pct_start * total_steps as f64]
        } else {
            [rise, total_steps as f64 - pct_start * total_steps as f64, 1.0]
        };
        if lengths.contains(&0.0) {
            let name =
                "pct_start·total_steps (a phase of zero updates: PyTorch divides by its length)";
            return Limit::closed(name, 0.0, 0.0).check(pct_start * total_steps as f64).map(drop);
        }
        Ok(())
    }

    fn validate_momenta(&self) -> Result<(), LimitError> {
        match *self {
            Self::Cyclic { base_momentum, max_momentum, cycle_momentum: true, .. }
            | Self::OneCycle { base_momentum, max_momentum, cycle_momentum: true, .. } => {
                check_all(&[(base_momentum, BASE_MOMENTUM), (max_momentum, MAX_MOMENTUM)])
            }
            _ => Ok(()),
        }
    }

    /// The largest number of updates a run may take: `OneCycle` raises past `total_steps` (also
    /// inside a combination, counted from where it starts); `None` for no limit.
    #[must_use]
    pub fn max_updates(&self) -> Option<u64> {
        match self {
            Self::OneCycle { total_steps, .. } => Some(*total_steps),
            Self::Chained(schedules) => schedules.iter().filter_map(Self::max_updates).min(),
            Self::Warmup { steps, then, .. } => {
                then.max_updates().map(|limit| limit.saturating_add(*steps))
            }
            Self::Sequential { schedules, milestones } => {
                let starts = std::iter::once(0).chain(milestones.iter().copied());
                let ends = milestones.iter().map(|&m| Some(m)).chain(std::iter::once(None));
                schedules.iter().zip(starts.zip(ends)).find_map(|(schedule, (start, end))| {
                    let reach = schedule.max_updates()?.saturating_add(start);
                    end.is_none_or(|end| reach < end).then_some(reach)
                })
            }
            _ => None,
        }
    }
}

/// A schedule inside `Sequential` or `Chained`: valid itself, and not `ReduceOnPlateau`
/// (PyTorch refuses it there: its step needs the loss).
fn validate_inner(schedule: &Schedule) -> Result<(), LimitError> {
    if matches!(schedule, Schedule::ReduceOnPlateau { .. }) {
        return refuse("ReduceOnPlateau inside Sequential, Chained or Warmup (PyTorch refuses it)");
    }
    schedule.validate()
}

/// `Sequential`: schedules, one milestone fewer, increasing from 1; a schedule after a
/// milestone must be one PyTorch can restart (not a combination).
fn validate_sequential(schedules: &[Schedule], milestones: &[u64]) -> Result<(), LimitError> {
    Limit::at_least("schedules (how many)", 1.0).check(schedules.len() as f64)?;
    let expected = (schedules.len() - 1) as f64;
    Limit::closed("milestones (how many: one fewer than schedules)", expected, expected)
        .check(milestones.len() as f64)?;
    let mut previous = 0;
    for &milestone in milestones {
        Limit::at_least(
            "milestones (each above the one before, the first ≥ 1)",
            previous as f64 + 1.0,
        )
        .check(milestone as f64)?;
        previous = milestone;
    }
    schedules.iter().try_for_each(validate_inner)?;
    let restarts_a_combination = schedules.iter().skip(1).any(|s| {
        matches!(s, Schedule::Sequential { .. } | Schedule::Chained(_) | Schedule::Warmup { .. })
    });
    if restarts_a_combination {
        return refuse(
            "Sequential, Chained or Warmup after a milestone of Sequential (PyTorch cannot restart them)",
        );
    }
    Ok(())
}

/// `t` in the formulas (`ηₜ`, …).
fn mode_name(mode: CyclicMode) -> &'static str {
    match mode {
        CyclicMode::Triangular => "1",
        CyclicMode::Triangular2 => "2^−(cycle−1)",
        CyclicMode::ExpRange => "γ^t",
    }
}

impl Schedule {
    /// The formulas of the PyTorch-named schedules in the course's notation.
    pub(super) fn formula_torch(&self) -> String {
        match self {
            Self::ConstantFactor { factor, total_iters } => {
                format!("ηₜ = η₀ · {factor} for t < {total_iters}, then η₀")
            }
            Self::Linear { start_factor, end_factor, total_iters } => format!(
                "ηₜ = η₀ · ({start_factor} + ({end_factor} − {start_factor})·min(t, {total_iters})/{total_iters})"
            ),
            Self::Polynomial { total_iters, power } => {
                format!("ηₜ = η₀ · (1 − min(t, {total_iters})/{total_iters})^{power}")
            }
            Self::CosineWarmRestarts { t0, t_mult, eta_min } => format!(
                "ηₜ = {eta_min} + ½(η₀ − {eta_min})(1 + cos(π·T_cur/T_i)), T_0 = {t0}, T_i ×{t_mult} at each restart"
            ),
            Self::Cyclic { base_lr, max_lr, mode, .. } => format!(
                "ηₜ = {base_lr} + ({max_lr} − {base_lr}) · tri(t) · {}, tri rising 0→1→0 per cycle",
                mode_name(*mode)
            ),
            Self::OneCycle {
                max_lr,
                total_steps,
                pct_start,
                anneal,
                div_factor,
                final_div_factor,
                ..
            } => {
                let shape = if *anneal == Anneal::Cos { "cosine" } else { "linear" };
                format!(
                    "ηₜ: {max_lr}/{div_factor} → {max_lr} over {pct_start}·{total_steps} updates, then → \
                     {max_lr}/({div_factor}·{final_div_factor}) by t = {total_steps} ({shape})"
                )
            }
            Self::Lambda(text) => format!("ηₜ = η₀ · ({text})"),
            Self::Multiplicative(text) => format!("ηₜ = ηₜ₋₁ · ({text}), η₀ at t = 0"),
            Self::Sequential { schedules, milestones } => sequential_formula(schedules, milestones),
            Self::Chained(schedules) => {
                let parts: Vec<String> = schedules.iter().map(|s| s.name().to_owned()).collect();
                format!("ηₜ: every step applies {} in turn to the same lr", parts.join(", then "))
            }
            Self::ReduceOnPlateau { .. } => self.plateau_formula(),
            _ => self.name().to_owned(),
        }
    }

    fn plateau_formula(&self) -> String {
        let Self::ReduceOnPlateau {
            mode,
            factor,
            patience,
            threshold,
            threshold_mode,
            cooldown,
            min_lr,
            ..
        } = self
        else {
            return String::new();
        };
        let better = match (mode, threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => format!("L < best·(1 − {threshold})"),
            (PlateauMode::Min, ThresholdMode::Abs) => format!("L < best − {threshold}"),
            (PlateauMode::Max, ThresholdMode::Rel) => format!("L > best·(1 + {threshold})"),
            (PlateauMode::Max, ThresholdMode::Abs) => format!("L > best + {threshold}"),
        };
        format!(
            "ηₜ₊₁ = max(ηₜ · {factor}, {min_lr}) after more than {patience} steps without {better}; \
             then {cooldown} steps of cooldown"
        )
    }
}

fn sequential_formula(schedules: &[Schedule], milestones: &[u64]) -> String {
    let starts = std::iter::once(0).chain(milestones.iter().copied());
    schedules
        .iter()
        .zip(starts)
        .map(|(schedule, start)| format!("t ≥ {start}: {}", schedule.formula()))
        .collect::<Vec<_>>()
        .join("\n")
}
