//! The Lion and Schedule-Free arms of [`OptimizerConfig`]'s `build`, `validate` and
//! `update_rule`, kept out of `config.rs` so its matches stay one line per optimizer.

use super::config::{
    AVERAGE_POWER, BETA1, BETA2, EPS, LR, OptimizerConfig, SF_BETA1, SF_MOMENTUM, WARMUP_STEPS,
    WEIGHT_DECAY, WEIGHT_LR_POWER,
};
use super::lion::LionRule;
use super::optimizer::Optimizer;
use super::schedule_free::{ScheduleFreeHyper, ScheduleFreeRule};
use crate::limits::{LimitError, check_all};
use std::fmt::Write as _;

impl OptimizerConfig {
    /// [`Self::build`] for `Lion`, `ScheduleFreeAdamW` and `ScheduleFreeSgd` (plain SGD for any
    /// other variant, which `build` never passes here).
    pub(super) fn build_signsf(&self, n_params: usize) -> Optimizer {
        match *self {
            Self::Lion { beta1, beta2, weight_decay, .. } => {
                Optimizer::Lion(LionRule::new(n_params, beta1, beta2, weight_decay))
            }
            Self::ScheduleFreeAdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
                warmup_steps,
                r,
                weight_lr_power,
                ..
            } => Optimizer::ScheduleFreeAdamW(ScheduleFreeRule::new(
                n_params,
                ScheduleFreeHyper {
                    beta: beta1,
                    beta2: Some(beta2),
                    eps,
                    weight_decay,
                    warmup_steps,
                    r,
                    weight_lr_power,
                },
            )),
            Self::ScheduleFreeSgd {
                momentum,
                weight_decay,
                warmup_steps,
                r,
                weight_lr_power,
                ..
            } => Optimizer::ScheduleFreeSgd(ScheduleFreeRule::new(
                n_params,
                ScheduleFreeHyper {
                    beta: momentum,
                    beta2: None,
                    eps: 0.0,
                    weight_decay,
                    warmup_steps,
                    r,
                    weight_lr_power,
                },
            )),
            _ => Self::Sgd { lr: self.lr(), weight_decay: 0.0 }.build(n_params),
        }
    }

    /// [`Self::validate`] for `Lion`, `ScheduleFreeAdamW` and `ScheduleFreeSgd`.
    pub(super) fn validate_signsf(&self) -> Result<(), LimitError> {
        match *self {
            Self::Lion { lr, beta1, beta2, weight_decay } => {
                check_all(&[(lr, LR), (beta1, BETA1), (beta2, BETA2), (weight_decay, WEIGHT_DECAY)])
            }
            Self::ScheduleFreeAdamW {
                lr,
                beta1,
                beta2,
                eps,
                weight_decay,
                warmup_steps,
                r,
                weight_lr_power,
            } => check_all(&[
                (lr, LR),
                (beta1, SF_BETA1),
                (beta2, BETA2),
                (eps, EPS),
                (weight_decay, WEIGHT_DECAY),
                (warmup_steps as f64, WARMUP_STEPS),
                (r, AVERAGE_POWER),
                (weight_lr_power, WEIGHT_LR_POWER),
            ]),
            Self::ScheduleFreeSgd {
                lr,
                momentum,
                weight_decay,
                warmup_steps,
                r,
                weight_lr_power,
            } => check_all(&[
                (lr, LR),
                (momentum, SF_MOMENTUM),
                (weight_decay, WEIGHT_DECAY),
                (warmup_steps as f64, WARMUP_STEPS),
                (r, AVERAGE_POWER),
                (weight_lr_power, WEIGHT_LR_POWER),
            ]),
            _ => Ok(()),
        }
    }

    /// [`Self::update_rule`] for `Lion`, `ScheduleFreeAdamW` and `ScheduleFreeSgd`.
    pub(super) fn update_rule_signsf(&self) -> String {
        match *self {
            Self::Lion { weight_decay, .. } => {
                let mut text = String::new();
                if weight_decay != 0.0 {
                    let _ = writeln!(
                        text,
                        "θ ← θ(1 − ηλ)   (decoupled weight decay, λ = {weight_decay})"
                    );
                }
                text + "θ ← θ − η sign(β₁m + (1 − β₁)∇L)\nm ← β₂m + (1 − β₂)∇L"
            }
            Self::ScheduleFreeAdamW { weight_decay, warmup_steps, r, weight_lr_power, .. } => {
                let normalized = "v ← β₂v + (1 − β₂)(∇L)²   (∇L taken at y)\n\
                                  g = ∇L/(√(v/(1 − β₂ᵗ)) + ε)";
                let decay = if weight_decay == 0.0 { "" } else { " + λy" };
                schedule_free_rule(normalized, decay, (warmup_steps, r, weight_lr_power), "β₁")
            }
            Self::ScheduleFreeSgd { weight_decay, warmup_steps, r, weight_lr_power, .. } => {
                let gradient = if weight_decay == 0.0 {
                    "g = ∇L   (∇L taken at y)"
                } else {
                    "g = ∇L + λy   (∇L taken at y)"
                };
                let averaging = (warmup_steps, r, weight_lr_power);
                schedule_free_rule(gradient, "", averaging, "β")
            }
            _ => String::new(),
        }
    }
}

/// The Schedule-Free steps after the gradient line `gradient`: the warm-up, the z step, the
/// average x (weights from `warmup_steps`, `r` and `weight_lr_power`) and the parameters y.
fn schedule_free_rule(
    gradient: &str,
    decay: &str,
    (warmup_steps, r, power): (u64, f64, f64),
    beta: &str,
) -> String {
    let mut text = format!("{gradient}{decay}\n");
    if warmup_steps > 0 {
        let _ = writeln!(text, "ηₜ = η·min(1, t/{warmup_steps})   (warm-up)");
    } else {
        text.push_str("ηₜ = η\n");
    }
    let lr_weight = if power == 0.0 { String::new() } else { format!("max(ηₜ)^{power}") };
    let weight = match (r == 0.0, power == 0.0) {
        (true, true) => "1".to_owned(),
        (true, false) => lr_weight,
        (false, true) => format!("t^{r}"),
        (false, false) => format!("t^{r}·{lr_weight}"),
    };
    let _ = write!(
        text,
        "z ← z − ηₜ g\n\
         x ← (1 − cₜ)x + cₜz,   cₜ = wₜ/Σw,  wₜ = {weight}\n\
         y = (1 − {beta})z + {beta}x   (the parameters; x is evaluated)"
    );
    text
}
