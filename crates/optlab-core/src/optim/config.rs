//! What a user writes in RON: [`OptimizerConfig`], its PyTorch defaults and allowed ranges,
//! the update rule written out in the course's notation, and [`OptimizerConfig::build`].

use super::adadelta::{AdadeltaRule, adadelta_rule_text};
use super::adafactor::{AdafactorHyper, AdafactorRule};
use super::adagrad::AdagradRule;
use super::adam::{AdamMoments, AdamRule};
use super::adamax::AdamaxRule;
use super::asgd::{AsgdParams, AsgdRule, asgd_rule_text};
use super::lbfgs::{self, LbfgsRule, LbfgsSettings};
use super::momentum::{LookaheadRule, MomentumRule};
use super::muon::{MuonHyper, MuonLrAdjust, MuonRule, VectorAdamW};
use super::nadam::NAdamRule;
use super::newton::{Curvature, NewtonRule, rule_text as newton_rule_text};
use super::optimizer::Optimizer;
use super::radam::RAdamRule;
use super::rmsprop::RmsPropRule;
use super::rprop::{RpropParams, RpropRule, rprop_rule_text};
use super::sgd::SgdRule;
use super::shape::{Shape, total_len};
use crate::limits::{Limit, LimitError, check_all};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Learning rate η of every optimizer.
pub const LR: Limit = Limit::at_least("lr", 0.0);
/// Weight decay λ (coupled L2, or decoupled for AdamW).
pub const WEIGHT_DECAY: Limit = Limit::at_least("weight_decay", 0.0);
/// Momentum μ of `Momentum` and `RmsProp` (0 turns momentum off, as in torch).
pub const MOMENTUM: Limit = Limit::closed("momentum", 0.0, 1.0);
/// Momentum μ of `Nesterov` and `NesterovLookahead`: torch refuses Nesterov without momentum.
pub const NESTEROV_MOMENTUM: Limit =
    Limit { name: "momentum", min: 0.0, max: 1.0, min_open: true, max_open: false };
/// Dampening τ of `Momentum`.
pub const DAMPENING: Limit = Limit::closed("dampening", 0.0, 1.0);
/// Decay rate ρ of the RMSprop running average (torch `alpha`, CS231n `decay_rate`).
pub const DECAY_RATE: Limit = Limit::closed_open("decay_rate", 0.0, 1.0);
/// Adam's β₁.
pub const BETA1: Limit = Limit::closed_open("beta1", 0.0, 1.0);
/// Adam's β₂.
pub const BETA2: Limit = Limit::closed_open("beta2", 0.0, 1.0);
/// ε added to the root of the second moment (0 is allowed, as in torch).
pub const EPS: Limit = Limit::at_least("eps", 0.0);
/// Adagrad's `lr_decay` d: update t uses η/(1 + (t − 1)·d).
pub const LR_DECAY: Limit = Limit::at_least("lr_decay", 0.0);
/// Adagrad's starting value of the squared-gradient sum (torch `initial_accumulator_value`).
pub const INITIAL_ACCUMULATOR: Limit = Limit::at_least("initial_accumulator", 0.0);
// NAdam, RAdam, Adamax:
/// `NAdam`'s `momentum_decay` ψ in μₜ = β₁(1 − ½·0.96^(tψ)).
pub const MOMENTUM_DECAY: Limit = Limit::at_least("momentum_decay", 0.0);

// Newton's methods (issue 18).
/// Damping δ of `Newton` and `SaddleFreeNewton`, added to the curvature's diagonal.
pub const DAMPING: Limit = Limit::at_least("damping", 0.0);

// Lion, ScheduleFreeAdamW and ScheduleFreeSgd (signsf).
/// Schedule-Free AdamW's β₁ in (0, 1): the evaluation point x = lerp(y, z, 1 − 1/β₁) needs
/// β₁ > 0 (the package's `eval()` divides by it).
pub const SF_BETA1: Limit = Limit::open("beta1", 0.0, 1.0);
/// Schedule-Free SGD's momentum β in (0, 1), as the package requires.
pub const SF_MOMENTUM: Limit = Limit::open("momentum", 0.0, 1.0);
/// Schedule-Free's linear warm-up length in updates (0 = none).
pub const WARMUP_STEPS: Limit = Limit::closed("warmup_steps", 0.0, 1e9);
/// Schedule-Free's power r of the polynomial weighting (t + 1)ʳ in the average.
pub const AVERAGE_POWER: Limit = Limit::closed("r", 0.0, 100.0);
/// Schedule-Free's power of the lr in the averaging weight (0 = no lr weighting).
pub const WEIGHT_LR_POWER: Limit = Limit::closed("weight_lr_power", 0.0, 100.0);

// Adadelta, ASGD and Rprop (issue 16).
/// Adadelta's ρ, the decay of both running averages (torch checks 0 ≤ ρ ≤ 1).
pub const RHO: Limit = Limit::closed("rho", 0.0, 1.0);
/// ASGD's λ, the decay term θ ← θ(1 − λη) and in η's decay.
pub const LAMBD: Limit = Limit::at_least("lambd", 0.0);
/// ASGD's α, the power of η's decay.
pub const ASGD_ALPHA: Limit = Limit::at_least("alpha", 0.0);
/// ASGD's t0, the update after which averaging starts.
pub const T0: Limit = Limit::at_least("t0", 0.0);
/// Rprop's η⁻ (torch: 0 < η⁻ < 1 < η⁺).
pub const ETA_MINUS: Limit = Limit::open("eta_minus", 0.0, 1.0);
/// Rprop's η⁺ (torch: 0 < η⁻ < 1 < η⁺).
pub const ETA_PLUS: Limit = Limit::above("eta_plus", 1.0);
/// Rprop's smallest step size.
pub const STEP_MIN: Limit = Limit::at_least("step_min", 0.0);
/// Rprop's largest step size (a `step_min` above it clamps every step to it, as torch does).
pub const STEP_MAX: Limit = Limit::above("step_max", 0.0);

// Adafactor and Muon (issue 16).
/// Adafactor's τ: β₂ₜ = 1 − t^τ (torch refuses τ > 0).
pub const BETA2_DECAY: Limit = Limit {
    name: "beta2_decay",
    min: f64::NEG_INFINITY,
    max: 0.0,
    min_open: true,
    max_open: false,
};
/// Adafactor's ε₁ when given (`None` is f64's machine epsilon).
pub const EPS1: Limit = Limit::at_least("eps1", 0.0);
/// Adafactor's ε₂, the smallest parameter RMS the step is scaled by.
pub const EPS2: Limit = Limit::at_least("eps2", 0.0);
/// Adafactor's clipping threshold d of the update's RMS (torch refuses d < 1).
pub const CLIP_THRESHOLD: Limit = Limit::at_least("d", 1.0);
/// Muon's Newton–Schulz coefficients (a, b, c): any finite numbers.
pub const NS_COEFFICIENT: Limit = Limit::finite("ns_coefficients");
/// Muon's most Newton–Schulz iterations (torch refuses 100 or more).
pub const MAX_NS_STEPS: usize = 99;
/// Muon's number of Newton–Schulz iterations, 0 to [`MAX_NS_STEPS`].
pub const NS_STEPS: Limit = Limit::closed("ns_steps", 0.0, MAX_NS_STEPS as f64);

/// Range-checked deserializers, so RON reports the position of a bad value.
mod de {
    // Adafactor and Muon (issue 16).
    use super::{BETA2_DECAY, CLIP_THRESHOLD, EPS1, EPS2, NS_COEFFICIENT, NS_STEPS};
    crate::limited_f64!(beta2_decay, BETA2_DECAY);
    crate::limited_f64!(eps2, EPS2);
    crate::limited_f64!(clip_threshold, CLIP_THRESHOLD);
    crate::regularize::limited_count!(ns_steps, usize, NS_STEPS);
    /// Adafactor's `eps1`: `None`, or a number in [`EPS1`] written bare or as `Some(…)` (the
    /// command line's RON has no implicit `Some`, notebooks have it).
    pub(crate) fn eps1<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<f64>, D::Error> {
        let value = deserializer.deserialize_any(OptionalNumber)?;
        value.map(|v| EPS1.check(v)).transpose().map_err(serde::de::Error::custom)
    }

    /// Reads `None`, `Some(number)` or a bare number.
    struct OptionalNumber;

    impl<'de> serde::de::Visitor<'de> for OptionalNumber {
        type Value = Option<f64>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("None or a number")
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            <f64 as serde::Deserialize>::deserialize(d).map(Some)
        }

        fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Self::Value, E> {
            Ok(Some(value))
        }

        #[expect(clippy::cast_precision_loss, reason = "an ε written as an integer: 0 or 1")]
        fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Self::Value, E> {
            Ok(Some(value as f64))
        }

        #[expect(clippy::cast_precision_loss, reason = "an ε written as an integer: 0 or 1")]
        fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Self::Value, E> {
            Ok(Some(value as f64))
        }
    }
    /// Muon's `ns_coefficients`: three finite numbers.
    pub(crate) fn ns_coefficients<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<(f64, f64, f64), D::Error> {
        let (a, b, c) = <(f64, f64, f64) as serde::Deserialize>::deserialize(deserializer)?;
        for value in [a, b, c] {
            NS_COEFFICIENT.check(value).map_err(serde::de::Error::custom)?;
        }
        Ok((a, b, c))
    }

    use super::{
        BETA1, BETA2, DAMPENING, DECAY_RATE, EPS, INITIAL_ACCUMULATOR, LR, LR_DECAY, MOMENTUM,
        MOMENTUM_DECAY, NESTEROV_MOMENTUM, WEIGHT_DECAY,
    };
    crate::limited_f64!(lr, LR);
    crate::limited_f64!(weight_decay, WEIGHT_DECAY);
    crate::limited_f64!(momentum, MOMENTUM);
    crate::limited_f64!(nesterov_momentum, NESTEROV_MOMENTUM);
    crate::limited_f64!(dampening, DAMPENING);
    crate::limited_f64!(decay_rate, DECAY_RATE);
    crate::limited_f64!(beta1, BETA1);
    crate::limited_f64!(beta2, BETA2);
    crate::limited_f64!(eps, EPS);
    crate::limited_f64!(lr_decay, LR_DECAY);
    crate::limited_f64!(initial_accumulator, INITIAL_ACCUMULATOR);
    crate::limited_f64!(momentum_decay, MOMENTUM_DECAY);
    crate::limited_f64!(damping, super::DAMPING);
    // Lion and Schedule-Free (signsf).
    crate::limited_f64!(sf_beta1, super::SF_BETA1);
    crate::limited_f64!(sf_momentum, super::SF_MOMENTUM);
    crate::limited_f64!(average_power, super::AVERAGE_POWER);
    crate::limited_f64!(weight_lr_power, super::WEIGHT_LR_POWER);
    crate::regularize::limited_count!(warmup_steps, u64, super::WARMUP_STEPS);
    // Adadelta, ASGD and Rprop (issue 16).
    crate::limited_f64!(rho, super::RHO);
    crate::limited_f64!(lambd, super::LAMBD);
    crate::limited_f64!(asgd_alpha, super::ASGD_ALPHA);
    crate::limited_f64!(t0, super::T0);
    crate::limited_f64!(eta_minus, super::ETA_MINUS);
    crate::limited_f64!(eta_plus, super::ETA_PLUS);
    crate::limited_f64!(step_min, super::STEP_MIN);
    crate::limited_f64!(step_max, super::STEP_MAX);
}

/// PyTorch defaults of Adadelta, ASGD and Rprop (issue 16).
mod classic_dflt {
    /// `Adadelta` lr.
    pub(super) fn lr_1() -> f64 {
        1.0
    }
    /// `Adadelta` ρ.
    pub(super) fn rho() -> f64 {
        0.9
    }
    /// `Adadelta` ε.
    pub(super) fn eps_1e6() -> f64 {
        1e-6
    }
    /// `ASGD` λ.
    pub(super) fn lambd() -> f64 {
        1e-4
    }
    /// `ASGD` α.
    pub(super) fn alpha() -> f64 {
        0.75
    }
    /// `ASGD` t0.
    pub(super) fn t0() -> f64 {
        1e6
    }
    /// `Rprop` η⁻ (`etas[0]`).
    pub(super) fn eta_minus() -> f64 {
        0.5
    }
    /// `Rprop` η⁺ (`etas[1]`).
    pub(super) fn eta_plus() -> f64 {
        1.2
    }
    /// `Rprop` smallest step (`step_sizes[0]`).
    pub(super) fn step_min() -> f64 {
        1e-6
    }
    /// `Rprop` largest step (`step_sizes[1]`).
    pub(super) fn step_max() -> f64 {
        50.0
    }
}

/// PyTorch defaults of omitted fields (torch 2.x signatures).
mod dflt {
    /// `torch.optim.SGD` and `Adam`/`AdamW` lr.
    pub(super) fn lr_1e3() -> f64 {
        1e-3
    }
    /// `torch.optim.Adagrad` and `RMSprop` lr.
    pub(super) fn lr_1e2() -> f64 {
        1e-2
    }
    /// Momentum of the momentum variants: torch's 0 would make them plain SGD.
    pub(super) fn momentum() -> f64 {
        0.9
    }
    /// `Adagrad` ε.
    pub(super) fn eps_1e10() -> f64 {
        1e-10
    }
    /// `RMSprop` and `Adam` ε.
    pub(super) fn eps_1e8() -> f64 {
        1e-8
    }
    /// `RMSprop` `alpha`.
    pub(super) fn decay_rate() -> f64 {
        0.99
    }
    /// Adam β₁.
    pub(super) fn beta1() -> f64 {
        0.9
    }
    /// Adam β₂.
    pub(super) fn beta2() -> f64 {
        0.999
    }
    /// `AdamW` weight decay.
    pub(super) fn adamw_weight_decay() -> f64 {
        1e-2
    }
    // Lion and Schedule-Free (signsf).
    /// `lion_pytorch.Lion` lr.
    pub(super) fn lr_1e4() -> f64 {
        1e-4
    }
    /// `lion_pytorch.Lion` β₂.
    pub(super) fn lion_beta2() -> f64 {
        0.99
    }
    /// `schedulefree.AdamWScheduleFree` lr.
    pub(super) fn lr_0025() -> f64 {
        0.0025
    }
    /// `schedulefree.SGDScheduleFree` lr.
    pub(super) fn lr_1() -> f64 {
        1.0
    }
    /// Schedule-Free's `weight_lr_power`.
    pub(super) fn weight_lr_power() -> f64 {
        2.0
    }
    /// Bias correction is on unless asked otherwise.
    pub(super) fn yes() -> bool {
        true
    }
    /// `torch.optim.Adamax` and `NAdam` lr.
    pub(super) fn lr_2e3() -> f64 {
        2e-3
    }
    /// `torch.optim.NAdam` `momentum_decay`.
    pub(super) fn momentum_decay() -> f64 {
        4e-3
    }
    // Adafactor and Muon (issue 16).
    /// `Adafactor` `beta2_decay`.
    pub(super) fn beta2_decay() -> f64 {
        -0.8
    }
    /// `Adafactor` ε₂ (`eps[1]`).
    pub(super) fn eps2() -> f64 {
        1e-3
    }
    /// `Adafactor` clipping threshold d.
    pub(super) fn one() -> f64 {
        1.0
    }
    /// `Muon` weight decay.
    pub(super) fn muon_weight_decay() -> f64 {
        0.1
    }
    /// `Muon` momentum.
    pub(super) fn muon_momentum() -> f64 {
        0.95
    }
    /// `Muon` Newton–Schulz coefficients (Keller Jordan's).
    pub(super) fn ns_coefficients() -> (f64, f64, f64) {
        (3.4445, -4.775, 2.0315)
    }
    /// `Muon` ε of the Frobenius normalisation.
    pub(super) fn muon_eps() -> f64 {
        1e-7
    }
    /// `Muon` Newton–Schulz iterations.
    pub(super) fn ns_steps() -> usize {
        5
    }
}

/// An optimizer and its hyperparameters, as written in RON. Omitted fields take PyTorch's
/// defaults (the one exception is documented on `Momentum`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum OptimizerConfig {
    /// `torch.optim.SGD(lr, weight_decay)`: θ ← θ − η∇L.
    Sgd {
        /// Learning rate η (torch default 1e-3).
        #[serde(default = "dflt::lr_1e3", deserialize_with = "de::lr")]
        lr: f64,
        /// Coupled L2 weight decay λ: ∇L ← ∇L + λθ.
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
    },
    /// `torch.optim.SGD(momentum > 0)`: b ← μb + (1 − τ)∇L (b = ∇L on the first step),
    /// θ ← θ − ηb.
    Momentum {
        /// Learning rate η (torch default 1e-3).
        #[serde(default = "dflt::lr_1e3", deserialize_with = "de::lr")]
        lr: f64,
        /// Momentum μ in [0, 1]; default 0.9, not torch's 0 (which would be plain SGD).
        #[serde(default = "dflt::momentum", deserialize_with = "de::momentum")]
        momentum: f64,
        /// Dampening τ in [0, 1]; torch ignores it on the first step.
        #[serde(default, deserialize_with = "de::dampening")]
        dampening: f64,
        /// Coupled L2 weight decay λ.
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
    },
    /// `torch.optim.SGD(nesterov=True, dampening=0)`: the stored parameter is the look-ahead
    /// point x̄ and the gradient is taken there.
    Nesterov {
        /// Learning rate η (torch default 1e-3).
        #[serde(default = "dflt::lr_1e3", deserialize_with = "de::lr")]
        lr: f64,
        /// Momentum μ in (0, 1], default 0.9.
        #[serde(default = "dflt::momentum", deserialize_with = "de::nesterov_momentum")]
        momentum: f64,
        /// Coupled L2 weight decay λ.
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
    },
    /// The course notes' look-ahead form (Sutskever et al. 2013): v ← μv − η∇L(x + μv),
    /// x ← x + v. The stored parameter is the plain x; x̄ = x + μv follows `Nesterov`.
    NesterovLookahead {
        /// Learning rate η (default 1e-3, as `Nesterov`).
        #[serde(default = "dflt::lr_1e3", deserialize_with = "de::lr")]
        lr: f64,
        /// Momentum μ in (0, 1], default 0.9.
        #[serde(default = "dflt::momentum", deserialize_with = "de::nesterov_momentum")]
        momentum: f64,
    },
    /// `torch.optim.Adagrad`: G ← G + (∇L)², θ ← θ − ηₜ∇L/(√G + ε).
    Adagrad {
        /// Learning rate η (torch default 1e-2).
        #[serde(default = "dflt::lr_1e2", deserialize_with = "de::lr")]
        lr: f64,
        /// Update t uses ηₜ = η/(1 + (t − 1)·d), d = `lr_decay`.
        #[serde(default, deserialize_with = "de::lr_decay")]
        lr_decay: f64,
        /// ε outside the square root (torch default 1e-10).
        #[serde(default = "dflt::eps_1e10", deserialize_with = "de::eps")]
        eps: f64,
        /// Starting value of G (torch `initial_accumulator_value`, default 0).
        #[serde(default, deserialize_with = "de::initial_accumulator")]
        initial_accumulator: f64,
        /// Coupled L2 weight decay λ.
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
    },
    /// `torch.optim.RMSprop`: v ← ρv + (1 − ρ)(∇L)², θ ← θ − η∇L/(√v + ε).
    RmsProp {
        /// Learning rate η (torch default 1e-2).
        #[serde(default = "dflt::lr_1e2", deserialize_with = "de::lr")]
        lr: f64,
        /// Decay ρ of the running average (torch `alpha`, default 0.99) — not a learning rate.
        #[serde(default = "dflt::decay_rate", deserialize_with = "de::decay_rate")]
        decay_rate: f64,
        /// ε outside the square root (torch default 1e-8).
        #[serde(default = "dflt::eps_1e8", deserialize_with = "de::eps")]
        eps: f64,
        /// Divide by the running variance √(v − ḡ²) instead of √v.
        #[serde(default)]
        centered: bool,
        /// Momentum μ on the normalized gradient (0 = off).
        #[serde(default, deserialize_with = "de::momentum")]
        momentum: f64,
        /// Coupled L2 weight decay λ.
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
    },
    /// `torch.optim.Adam`, or the course notes' simplified form with `bias_correction: false`.
    Adam {
        /// Learning rate η (torch default 1e-3).
        #[serde(default = "dflt::lr_1e3", deserialize_with = "de::lr")]
        lr: f64,
        /// Decay β₁ of the first moment.
        #[serde(default = "dflt::beta1", deserialize_with = "de::beta1")]
        beta1: f64,
        /// Decay β₂ of the second moment.
        #[serde(default = "dflt::beta2", deserialize_with = "de::beta2")]
        beta2: f64,
        /// ε added after the square root of the bias-corrected second moment.
        #[serde(default = "dflt::eps_1e8", deserialize_with = "de::eps")]
        eps: f64,
        /// Divide m by 1 − β₁ᵗ and v by 1 − β₂ᵗ (torch always does; `false` is the course
        /// notes' simplified form θ ← θ − ηm/(√v + ε)).
        #[serde(default = "dflt::yes")]
        bias_correction: bool,
        /// AMSGrad: use the running maximum of the raw v, then bias-correct it.
        #[serde(default)]
        amsgrad: bool,
        /// Coupled L2 weight decay λ (added to the gradient; this is not AdamW).
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
    },
    /// `torch.optim.AdamW`: θ ← θ(1 − ηλ) first, then the Adam update with the raw gradient.
    AdamW {
        /// Learning rate η (torch default 1e-3).
        #[serde(default = "dflt::lr_1e3", deserialize_with = "de::lr")]
        lr: f64,
        /// Decay β₁ of the first moment.
        #[serde(default = "dflt::beta1", deserialize_with = "de::beta1")]
        beta1: f64,
        /// Decay β₂ of the second moment.
        #[serde(default = "dflt::beta2", deserialize_with = "de::beta2")]
        beta2: f64,
        /// ε added after the square root of the bias-corrected second moment.
        #[serde(default = "dflt::eps_1e8", deserialize_with = "de::eps")]
        eps: f64,
        /// AMSGrad: use the running maximum of the raw v, then bias-correct it.
        #[serde(default)]
        amsgrad: bool,
        /// Decoupled weight decay λ (torch default 0.01), multiplied by the lr.
        #[serde(default = "dflt::adamw_weight_decay", deserialize_with = "de::weight_decay")]
        weight_decay: f64,
    },
    /// `torch.optim.Adamax`: m ← β₁m + (1 − β₁)∇L, u ← max(β₂u, |∇L| + ε),
    /// θ ← θ − η/(1 − β₁ᵗ)·m/u.
    Adamax {
        /// Learning rate η (torch default 2e-3).
        #[serde(default = "dflt::lr_2e3", deserialize_with = "de::lr")]
        lr: f64,
        /// Decay β₁ of the first moment.
        #[serde(default = "dflt::beta1", deserialize_with = "de::beta1")]
        beta1: f64,
        /// Decay β₂ of the infinity norm u.
        #[serde(default = "dflt::beta2", deserialize_with = "de::beta2")]
        beta2: f64,
        /// ε added to |∇L| inside the maximum (torch default 1e-8).
        #[serde(default = "dflt::eps_1e8", deserialize_with = "de::eps")]
        eps: f64,
        /// Coupled L2 weight decay λ.
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
    },
    /// `torch.optim.NAdam`: Adam with Nesterov momentum and the momentum schedule
    /// μₜ = β₁(1 − ½·0.96^(tψ)).
    NAdam {
        /// Learning rate η (torch default 2e-3).
        #[serde(default = "dflt::lr_2e3", deserialize_with = "de::lr")]
        lr: f64,
        /// Decay β₁ of the first moment.
        #[serde(default = "dflt::beta1", deserialize_with = "de::beta1")]
        beta1: f64,
        /// Decay β₂ of the second moment.
        #[serde(default = "dflt::beta2", deserialize_with = "de::beta2")]
        beta2: f64,
        /// ε added after the square root of the bias-corrected second moment.
        #[serde(default = "dflt::eps_1e8", deserialize_with = "de::eps")]
        eps: f64,
        /// Weight decay λ: coupled L2, or decoupled with `decoupled_weight_decay`.
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
        /// ψ of the momentum schedule (torch default 4e-3).
        #[serde(default = "dflt::momentum_decay", deserialize_with = "de::momentum_decay")]
        momentum_decay: f64,
        /// θ ← θ(1 − ηλ) first instead of ∇L ← ∇L + λθ (torch's `NAdamW`).
        #[serde(default)]
        decoupled_weight_decay: bool,
    },
    /// `torch.optim.RAdam`: bias-corrected momentum steps until ρₜ > 5, then Adam's step scaled
    /// by the rectification rₜ.
    RAdam {
        /// Learning rate η (torch default 1e-3).
        #[serde(default = "dflt::lr_1e3", deserialize_with = "de::lr")]
        lr: f64,
        /// Decay β₁ of the first moment.
        #[serde(default = "dflt::beta1", deserialize_with = "de::beta1")]
        beta1: f64,
        /// Decay β₂ of the second moment (also sets ρ∞ = 2/(1 − β₂) − 1).
        #[serde(default = "dflt::beta2", deserialize_with = "de::beta2")]
        beta2: f64,
        /// ε added after the square root of the second moment.
        #[serde(default = "dflt::eps_1e8", deserialize_with = "de::eps")]
        eps: f64,
        /// Weight decay λ: coupled L2, or decoupled with `decoupled_weight_decay`.
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
        /// θ ← θ(1 − ηλ) first instead of ∇L ← ∇L + λθ.
        #[serde(default)]
        decoupled_weight_decay: bool,
    },
    /// `lion_pytorch.Lion` (0.2.5): θ ← θ(1 − ηλ), θ ← θ − η·sign(β₁m + (1 − β₁)∇L),
    /// m ← β₂m + (1 − β₂)∇L.
    Lion {
        /// Learning rate η: the size of every coordinate's step (default 1e-4).
        #[serde(default = "dflt::lr_1e4", deserialize_with = "de::lr")]
        lr: f64,
        /// β₁: how much of the momentum the sign is taken of (default 0.9).
        #[serde(default = "dflt::beta1", deserialize_with = "de::beta1")]
        beta1: f64,
        /// β₂: decay of the momentum m (default 0.99).
        #[serde(default = "dflt::lion_beta2", deserialize_with = "de::beta2")]
        beta2: f64,
        /// Decoupled weight decay λ: θ ← θ(1 − ηλ) before the step (default 0).
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
    },
    /// `schedulefree.AdamWScheduleFree` (1.4.1): Adam-normalized steps on z, the average x of
    /// the z's, and the parameters y = (1 − β₁)z + β₁x where gradients are taken.
    ScheduleFreeAdamW {
        /// Learning rate η (default 0.0025); no schedule is needed.
        #[serde(default = "dflt::lr_0025", deserialize_with = "de::lr")]
        lr: f64,
        /// β₁ in (0, 1): y = (1 − β₁)z + β₁x (default 0.9).
        #[serde(default = "dflt::beta1", deserialize_with = "de::sf_beta1")]
        beta1: f64,
        /// β₂: decay of the second moment v (default 0.999).
        #[serde(default = "dflt::beta2", deserialize_with = "de::beta2")]
        beta2: f64,
        /// ε added after the square root of the bias-corrected v (default 1e-8).
        #[serde(default = "dflt::eps_1e8", deserialize_with = "de::eps")]
        eps: f64,
        /// Weight decay λ, added at y to the normalized gradient (default 0).
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
        /// Linear warm-up: update t uses η·t/`warmup_steps` while t ≤ `warmup_steps` (default 0).
        #[serde(default, deserialize_with = "de::warmup_steps")]
        warmup_steps: u64,
        /// Power r of the polynomial weighting (t + 1)ʳ in the average (default 0).
        #[serde(default, deserialize_with = "de::average_power")]
        r: f64,
        /// The averaging weights are max(ηₜ)^`weight_lr_power` (default 2).
        #[serde(default = "dflt::weight_lr_power", deserialize_with = "de::weight_lr_power")]
        weight_lr_power: f64,
    },
    /// `schedulefree.SGDScheduleFree` (1.4.1): SGD steps on z, the average x of the z's, and the
    /// parameters y = (1 − β)z + βx where gradients are taken.
    ScheduleFreeSgd {
        /// Learning rate η (default 1.0); no schedule is needed.
        #[serde(default = "dflt::lr_1", deserialize_with = "de::lr")]
        lr: f64,
        /// β in (0, 1): y = (1 − β)z + βx (default 0.9).
        #[serde(default = "dflt::momentum", deserialize_with = "de::sf_momentum")]
        momentum: f64,
        /// Coupled weight decay λ at y: ∇L ← ∇L + λy (default 0).
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
        /// Linear warm-up: update t uses η·t/`warmup_steps` while t ≤ `warmup_steps` (default 0).
        #[serde(default, deserialize_with = "de::warmup_steps")]
        warmup_steps: u64,
        /// Power r of the polynomial weighting (t + 1)ʳ in the average (default 0).
        #[serde(default, deserialize_with = "de::average_power")]
        r: f64,
        /// The averaging weights are max(ηₜ)^`weight_lr_power` (default 2).
        #[serde(default = "dflt::weight_lr_power", deserialize_with = "de::weight_lr_power")]
        weight_lr_power: f64,
    },
    /// `torch.optim.Adadelta`: v ← ρv + (1 − ρ)(∇L)², Δ = √(u + ε)/√(v + ε)·∇L,
    /// u ← ρu + (1 − ρ)Δ², θ ← θ − ηΔ.
    Adadelta {
        /// Learning rate η, multiplying the update Δ (torch default 1.0).
        #[serde(default = "classic_dflt::lr_1", deserialize_with = "de::lr")]
        lr: f64,
        /// Decay ρ of both running averages, in [0, 1] (torch default 0.9).
        #[serde(default = "classic_dflt::rho", deserialize_with = "de::rho")]
        rho: f64,
        /// ε inside both square roots (torch default 1e-6).
        #[serde(default = "classic_dflt::eps_1e6", deserialize_with = "de::eps")]
        eps: f64,
        /// Coupled L2 weight decay λ.
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
    },
    /// `torch.optim.ASGD`: θ ← θ(1 − λη) − η∇L with η = lr/(1 + λ·lr·t)^α, and the average
    /// `θ_avg` of the iterates after t0 updates. The position is θ, not `θ_avg`.
    Asgd {
        /// Learning rate (torch default 0.01): η of the first update and the scale of η's decay.
        #[serde(default = "dflt::lr_1e2", deserialize_with = "de::lr")]
        lr: f64,
        /// Decay term λ (torch default 1e-4).
        #[serde(default = "classic_dflt::lambd", deserialize_with = "de::lambd")]
        lambd: f64,
        /// Power α of η's decay (torch default 0.75).
        #[serde(default = "classic_dflt::alpha", deserialize_with = "de::asgd_alpha")]
        alpha: f64,
        /// The update after which averaging starts (torch default 1e6).
        #[serde(default = "classic_dflt::t0", deserialize_with = "de::t0")]
        t0: f64,
        /// Coupled L2 weight decay.
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
    },
    /// `torch.optim.Rprop`: per-coordinate step sizes Δ, grown by η⁺ while the gradient keeps
    /// its sign and shrunk by η⁻ when it flips; θ ← θ − Δ·sign(∇L).
    Rprop {
        /// Learning rate: every step size's starting value (torch default 0.01).
        #[serde(default = "dflt::lr_1e2", deserialize_with = "de::lr")]
        lr: f64,
        /// η⁻ in (0, 1) (torch `etas[0]`, default 0.5).
        #[serde(default = "classic_dflt::eta_minus", deserialize_with = "de::eta_minus")]
        eta_minus: f64,
        /// η⁺ above 1 (torch `etas[1]`, default 1.2).
        #[serde(default = "classic_dflt::eta_plus", deserialize_with = "de::eta_plus")]
        eta_plus: f64,
        /// Smallest step size (torch `step_sizes[0]`, default 1e-6).
        #[serde(default = "classic_dflt::step_min", deserialize_with = "de::step_min")]
        step_min: f64,
        /// Largest step size (torch `step_sizes[1]`, default 50).
        #[serde(default = "classic_dflt::step_max", deserialize_with = "de::step_max")]
        step_max: f64,
    },
    /// `torch.optim.Adafactor`: a second moment per vector, row and column factors per matrix,
    /// the step scaled by the parameters' RMS and clipped by d.
    Adafactor {
        /// Learning rate η: caps the relative step ρₜ = min(η, 1/√t) (torch default 1e-2).
        #[serde(default = "dflt::lr_1e2", deserialize_with = "de::lr")]
        lr: f64,
        /// τ ≤ 0: β₂ₜ = 1 − t^τ (torch default −0.8).
        #[serde(default = "dflt::beta2_decay", deserialize_with = "de::beta2_decay")]
        beta2_decay: f64,
        /// ε₁ (torch's `eps[0]`): floor of the variance estimate's root; `None` is f64's
        /// machine epsilon.
        #[serde(default, deserialize_with = "de::eps1")]
        eps1: Option<f64>,
        /// ε₂ (torch's `eps[1]`): the smallest parameter RMS the step is scaled by.
        #[serde(default = "dflt::eps2", deserialize_with = "de::eps2")]
        eps2: f64,
        /// Clipping threshold d ≥ 1 of the update's RMS.
        #[serde(default = "dflt::one", deserialize_with = "de::clip_threshold")]
        d: f64,
        /// Decoupled weight decay λ: θ ← θ(1 − ηλ).
        #[serde(default, deserialize_with = "de::weight_decay")]
        weight_decay: f64,
    },
    /// `torch.optim.Muon`: momentum, then the update orthogonalized by Newton–Schulz (in f64;
    /// PyTorch uses bfloat16). Only matrices: a surface's (x, y) is a 1×2 matrix; a network's
    /// biases take AdamW with the same lr and no weight decay.
    Muon {
        /// Learning rate η (torch default 1e-3), adjusted to each matrix's shape.
        #[serde(default = "dflt::lr_1e3", deserialize_with = "de::lr")]
        lr: f64,
        /// Decoupled weight decay λ: θ ← θ(1 − ηλ) (torch default 0.1).
        #[serde(default = "dflt::muon_weight_decay", deserialize_with = "de::weight_decay")]
        weight_decay: f64,
        /// Momentum μ in [0, 1] (torch default 0.95).
        #[serde(default = "dflt::muon_momentum", deserialize_with = "de::momentum")]
        momentum: f64,
        /// Orthogonalize torch's `grad.lerp(buf, μ)` = g + μ(b − g) instead of the buffer b.
        #[serde(default = "dflt::yes")]
        nesterov: bool,
        /// (a, b, c) of the iteration X ← aX + (bA + cA²)X, with A = X·Xᵀ.
        #[serde(default = "dflt::ns_coefficients", deserialize_with = "de::ns_coefficients")]
        ns_coefficients: (f64, f64, f64),
        /// ε: X is divided by max(‖X‖_F, ε) before the iteration (torch default 1e-7).
        #[serde(default = "dflt::muon_eps", deserialize_with = "de::eps")]
        eps: f64,
        /// Newton–Schulz iterations, 0 to 99 (torch default 5).
        #[serde(default = "dflt::ns_steps", deserialize_with = "de::ns_steps")]
        ns_steps: usize,
        /// The lr's shape adjustment (torch's `adjust_lr_fn`; default `Original`).
        #[serde(default)]
        adjust_lr: MuonLrAdjust,
    },
    /// `torch.optim.LBFGS`: one step is one `optimizer.step(closure)` with up to `max_iter`
    /// iterations of the two-loop recursion and every loss evaluation its line search makes.
    Lbfgs {
        /// Learning rate η: the step length t without a line search, its first trial with one.
        #[serde(default = "lbfgs::dflt::lr", deserialize_with = "de::lr")]
        lr: f64,
        /// Iterations per step (PyTorch default 20).
        #[serde(default = "lbfgs::dflt::max_iter", deserialize_with = "lbfgs::de::max_iter")]
        max_iter: u32,
        /// Evaluations of L per step; `None` is `max_iter * 5 // 4`.
        #[serde(default, deserialize_with = "lbfgs::de::max_eval")]
        max_eval: Option<u32>,
        /// A step ends once max |∇L| ≤ this (PyTorch default 1e-7).
        #[serde(
            default = "lbfgs::dflt::tolerance_grad",
            deserialize_with = "lbfgs::de::tolerance_grad"
        )]
        tolerance_grad: f64,
        /// A step ends once the move or the loss change is below this (default 1e-9).
        #[serde(
            default = "lbfgs::dflt::tolerance_change",
            deserialize_with = "lbfgs::de::tolerance_change"
        )]
        tolerance_change: f64,
        /// Pairs (s, y) kept (PyTorch default 100).
        #[serde(
            default = "lbfgs::dflt::history_size",
            deserialize_with = "lbfgs::de::history_size"
        )]
        history_size: u32,
        /// Strong-Wolfe line search (PyTorch `line_search_fn="strong_wolfe"`).
        #[serde(default)]
        strong_wolfe: bool,
    },
    // Newton's methods (issue 18): 2-D surfaces with exact Hessians only.
    /// Newton's method: θ ← θ − η(H + δI)⁻¹∇L with the surface's exact Hessian H.
    Newton {
        /// Learning rate η (default 1: the full Newton step).
        #[serde(default = "classic_dflt::lr_1", deserialize_with = "de::lr")]
        lr: f64,
        /// Damping δ ≥ 0 added to H's diagonal (Levenberg–Marquardt style; default 0).
        #[serde(default, deserialize_with = "de::damping")]
        damping: f64,
    },
    /// Saddle-free Newton (Dauphin et al. 2014): θ ← θ − η(|H| + δI)⁻¹∇L, |H| = V|Λ|Vᵀ.
    SaddleFreeNewton {
        /// Learning rate η (default 1).
        #[serde(default = "classic_dflt::lr_1", deserialize_with = "de::lr")]
        lr: f64,
        /// Damping δ ≥ 0 added to |H|'s diagonal (default 0).
        #[serde(default, deserialize_with = "de::damping")]
        damping: f64,
    },
}

impl OptimizerConfig {
    /// The L-BFGS settings, or `None` for another optimizer.
    #[must_use]
    pub fn lbfgs_settings(&self) -> Option<LbfgsSettings> {
        match *self {
            Self::Lbfgs {
                max_iter,
                max_eval,
                tolerance_grad,
                tolerance_change,
                history_size,
                strong_wolfe,
                ..
            } => Some(LbfgsSettings {
                max_iter,
                max_eval,
                tolerance_grad,
                tolerance_change,
                history_size,
                strong_wolfe,
            }),
            _ => None,
        }
    }

    /// A fresh optimizer (zero state, step counter 0) for `n_params` parameters.
    #[must_use]
    pub fn build(&self, n_params: usize) -> Optimizer {
        let zeros = || vec![0.0; n_params];
        match *self {
            Self::Sgd { weight_decay, .. } => Optimizer::Sgd(SgdRule { weight_decay, steps: 0 }),
            Self::Momentum { momentum, dampening, weight_decay, .. } => {
                Optimizer::Momentum(MomentumRule::new(n_params, momentum, dampening, weight_decay))
            }
            Self::Nesterov { momentum, weight_decay, .. } => {
                let rule = MomentumRule::new(n_params, momentum, 0.0, weight_decay);
                Optimizer::Nesterov(MomentumRule { nesterov: true, ..rule })
            }
            Self::NesterovLookahead { momentum, .. } => {
                Optimizer::NesterovLookahead(LookaheadRule {
                    momentum,
                    velocity: zeros(),
                    steps: 0,
                })
            }
            Self::Adagrad { lr_decay, eps, initial_accumulator, weight_decay, .. } => {
                Optimizer::Adagrad(AdagradRule {
                    lr_decay,
                    eps,
                    weight_decay,
                    sum: vec![initial_accumulator; n_params],
                    steps: 0,
                })
            }
            Self::RmsProp { decay_rate, eps, centered, momentum, weight_decay, .. } => {
                Optimizer::RmsProp(RmsPropRule {
                    decay_rate,
                    eps,
                    centered,
                    momentum,
                    weight_decay,
                    square_avg: zeros(),
                    grad_avg: zeros(),
                    buffer: zeros(),
                    steps: 0,
                })
            }
            Self::Adam { beta1, beta2, eps, bias_correction, amsgrad, weight_decay, .. } => {
                let moments = AdamMoments { beta1, beta2, eps, amsgrad };
                Optimizer::Adam(AdamRule::new(n_params, moments, bias_correction, weight_decay))
            }
            Self::AdamW { beta1, beta2, eps, amsgrad, weight_decay, .. } => {
                let moments = AdamMoments { beta1, beta2, eps, amsgrad };
                let rule = AdamRule::new(n_params, moments, true, weight_decay);
                Optimizer::AdamW(AdamRule { decoupled: true, ..rule })
            }
            Self::Adamax { .. } | Self::NAdam { .. } | Self::RAdam { .. } => {
                self.build_adam_family(n_params)
            }
            Self::Lion { .. } | Self::ScheduleFreeAdamW { .. } | Self::ScheduleFreeSgd { .. } => {
                self.build_signsf(n_params)
            }
            Self::Adadelta { rho, eps, weight_decay, .. } => {
                Optimizer::Adadelta(AdadeltaRule::new(n_params, rho, eps, weight_decay))
            }
            Self::Asgd { lambd, alpha, t0, weight_decay, .. } => Optimizer::Asgd(AsgdRule::new(
                n_params,
                AsgdParams { lambd, alpha, t0, weight_decay },
            )),
            Self::Rprop { eta_minus, eta_plus, step_min, step_max, .. } => Optimizer::Rprop(
                RpropRule::new(n_params, RpropParams { eta_minus, eta_plus, step_min, step_max }),
            ),
            Self::Adafactor { .. } => self.build_shaped(&[Shape::Vector(n_params)]),
            Self::Muon { .. } => self.build_shaped(&[Shape::matrix(1, n_params)]),
            Self::Lbfgs { .. } => {
                Optimizer::Lbfgs(LbfgsRule::new(n_params, self.lbfgs_or_default()))
            }
            Self::Newton { damping, .. } => {
                Optimizer::Newton(NewtonRule::new(Curvature::Plain, damping))
            }
            Self::SaddleFreeNewton { damping, .. } => {
                Optimizer::SaddleFreeNewton(NewtonRule::new(Curvature::Absolute, damping))
            }
        }
    }

    /// [`Self::build`] for `Adamax`, `NAdam` and `RAdam` (any other kind builds plain SGD).
    fn build_adam_family(&self, n_params: usize) -> Optimizer {
        match *self {
            Self::Adamax { beta1, beta2, eps, weight_decay, .. } => {
                Optimizer::Adamax(AdamaxRule::new(n_params, (beta1, beta2), eps, weight_decay))
            }
            Self::NAdam {
                beta1,
                beta2,
                eps,
                weight_decay,
                momentum_decay,
                decoupled_weight_decay,
                ..
            } => {
                let decay = (weight_decay, decoupled_weight_decay);
                let rule = NAdamRule::new(n_params, (beta1, beta2, eps), decay, momentum_decay);
                Optimizer::NAdam(rule)
            }
            Self::RAdam { beta1, beta2, eps, weight_decay, decoupled_weight_decay, .. } => {
                let decay = (weight_decay, decoupled_weight_decay);
                Optimizer::RAdam(RAdamRule::new(n_params, (beta1, beta2, eps), decay))
            }
            _ => Self::Sgd { lr: self.lr(), weight_decay: 0.0 }.build(n_params),
        }
    }

    /// The base learning rate.
    #[must_use]
    pub fn lr(&self) -> f64 {
        match *self {
            Self::Sgd { lr, .. }
            | Self::Momentum { lr, .. }
            | Self::Nesterov { lr, .. }
            | Self::NesterovLookahead { lr, .. }
            | Self::Adagrad { lr, .. }
            | Self::RmsProp { lr, .. }
            | Self::Adam { lr, .. }
            | Self::AdamW { lr, .. }
            | Self::Adamax { lr, .. }
            | Self::NAdam { lr, .. }
            | Self::RAdam { lr, .. }
            | Self::Lion { lr, .. }
            | Self::ScheduleFreeAdamW { lr, .. }
            | Self::ScheduleFreeSgd { lr, .. }
            | Self::Adadelta { lr, .. }
            | Self::Asgd { lr, .. }
            | Self::Rprop { lr, .. }
            | Self::Adafactor { lr, .. }
            | Self::Muon { lr, .. }
            | Self::Lbfgs { lr, .. }
            | Self::Newton { lr, .. }
            | Self::SaddleFreeNewton { lr, .. } => lr,
        }
    }

    /// Replaces the base learning rate (unchecked: call [`Self::validate`] on user input).
    pub fn set_lr(&mut self, new_lr: f64) {
        match self {
            Self::Sgd { lr, .. }
            | Self::Momentum { lr, .. }
            | Self::Nesterov { lr, .. }
            | Self::NesterovLookahead { lr, .. }
            | Self::Adagrad { lr, .. }
            | Self::RmsProp { lr, .. }
            | Self::Adam { lr, .. }
            | Self::AdamW { lr, .. }
            | Self::Adamax { lr, .. }
            | Self::NAdam { lr, .. }
            | Self::RAdam { lr, .. }
            | Self::Lion { lr, .. }
            | Self::ScheduleFreeAdamW { lr, .. }
            | Self::ScheduleFreeSgd { lr, .. }
            | Self::Adadelta { lr, .. }
            | Self::Asgd { lr, .. }
            | Self::Rprop { lr, .. }
            | Self::Adafactor { lr, .. }
            | Self::Muon { lr, .. }
            | Self::Lbfgs { lr, .. }
            | Self::Newton { lr, .. }
            | Self::SaddleFreeNewton { lr, .. } => *lr = new_lr,
        }
    }

    /// The variant's name as written in RON (`"Adam"`, `"RmsProp"`, `"NesterovLookahead"`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sgd { .. } => "Sgd",
            Self::Momentum { .. } => "Momentum",
            Self::Nesterov { .. } => "Nesterov",
            Self::NesterovLookahead { .. } => "NesterovLookahead",
            Self::Adagrad { .. } => "Adagrad",
            Self::RmsProp { .. } => "RmsProp",
            Self::Adam { .. } => "Adam",
            Self::AdamW { .. } => "AdamW",
            Self::Adamax { .. } => "Adamax",
            Self::NAdam { .. } => "NAdam",
            Self::RAdam { .. } => "RAdam",
            Self::Lion { .. } => "Lion",
            Self::ScheduleFreeAdamW { .. } => "ScheduleFreeAdamW",
            Self::ScheduleFreeSgd { .. } => "ScheduleFreeSgd",
            Self::Adadelta { .. } => "Adadelta",
            Self::Asgd { .. } => "Asgd",
            Self::Rprop { .. } => "Rprop",
            Self::Adafactor { .. } => "Adafactor",
            Self::Muon { .. } => "Muon",
            Self::Lbfgs { .. } => "Lbfgs",
            Self::Newton { .. } => "Newton",
            Self::SaddleFreeNewton { .. } => "SaddleFreeNewton",
        }
    }

    /// Checks every field against its allowed range (RON loading already does; this is for
    /// configs built in code or edited in the GUI).
    ///
    /// # Errors
    /// The first field out of range, naming the field and its interval.
    pub fn validate(&self) -> Result<(), LimitError> {
        match *self {
            Self::Sgd { lr, weight_decay } => check_all(&[(lr, LR), (weight_decay, WEIGHT_DECAY)]),
            Self::Momentum { lr, momentum, dampening, weight_decay } => check_all(&[
                (lr, LR),
                (momentum, MOMENTUM),
                (dampening, DAMPENING),
                (weight_decay, WEIGHT_DECAY),
            ]),
            Self::Nesterov { lr, momentum, weight_decay } => {
                check_all(&[(lr, LR), (momentum, NESTEROV_MOMENTUM), (weight_decay, WEIGHT_DECAY)])
            }
            Self::NesterovLookahead { lr, momentum } => {
                check_all(&[(lr, LR), (momentum, NESTEROV_MOMENTUM)])
            }
            Self::Adagrad { lr, lr_decay, eps, initial_accumulator, weight_decay } => check_all(&[
                (lr, LR),
                (lr_decay, LR_DECAY),
                (eps, EPS),
                (initial_accumulator, INITIAL_ACCUMULATOR),
                (weight_decay, WEIGHT_DECAY),
            ]),
            Self::RmsProp { lr, decay_rate, eps, momentum, weight_decay, .. } => check_all(&[
                (lr, LR),
                (decay_rate, DECAY_RATE),
                (eps, EPS),
                (momentum, MOMENTUM),
                (weight_decay, WEIGHT_DECAY),
            ]),
            Self::Adam { lr, beta1, beta2, eps, weight_decay, .. }
            | Self::AdamW { lr, beta1, beta2, eps, weight_decay, .. } => check_all(&[
                (lr, LR),
                (beta1, BETA1),
                (beta2, BETA2),
                (eps, EPS),
                (weight_decay, WEIGHT_DECAY),
            ]),
            Self::Adamax { lr, beta1, beta2, eps, weight_decay }
            | Self::RAdam { lr, beta1, beta2, eps, weight_decay, .. } => {
                adam_family_limits(lr, (beta1, beta2, eps), weight_decay, None)
            }
            Self::NAdam { lr, beta1, beta2, eps, weight_decay, momentum_decay, .. } => {
                adam_family_limits(lr, (beta1, beta2, eps), weight_decay, Some(momentum_decay))
            }
            Self::Lion { .. } | Self::ScheduleFreeAdamW { .. } | Self::ScheduleFreeSgd { .. } => {
                self.validate_signsf()
            }
            Self::Adadelta { lr, rho, eps, weight_decay } => {
                check_all(&[(lr, LR), (rho, RHO), (eps, EPS), (weight_decay, WEIGHT_DECAY)])
            }
            Self::Asgd { lr, lambd, alpha, t0, weight_decay } => check_all(&[
                (lr, LR),
                (lambd, LAMBD),
                (alpha, ASGD_ALPHA),
                (t0, T0),
                (weight_decay, WEIGHT_DECAY),
            ]),
            Self::Rprop { lr, eta_minus, eta_plus, step_min, step_max } => check_all(&[
                (lr, LR),
                (eta_minus, ETA_MINUS),
                (eta_plus, ETA_PLUS),
                (step_min, STEP_MIN),
                (step_max, STEP_MAX),
            ]),
            Self::Adafactor { .. } | Self::Muon { .. } => self.validate_matrix_rule(),
            Self::Lbfgs { lr, .. } => LR.check(lr).and_then(|_| self.lbfgs_or_default().validate()),
            Self::Newton { lr, damping } | Self::SaddleFreeNewton { lr, damping } => {
                check_all(&[(lr, LR), (damping, DAMPING)])
            }
        }
    }

    /// The update rule in the course notes' notation, one assignment per line (θ parameters,
    /// η learning rate, ∇L gradient; squares, roots and products are element-wise). Weight decay
    /// appears when it is nonzero.
    #[must_use]
    pub fn update_rule(&self) -> String {
        match *self {
            Self::Sgd { weight_decay, .. } => coupled_decay(weight_decay) + "θ ← θ − η∇L",
            Self::Momentum { momentum, dampening, weight_decay, .. } => {
                coupled_decay(weight_decay) + &momentum_rule(momentum, dampening)
            }
            Self::Nesterov { weight_decay, .. } => {
                coupled_decay(weight_decay)
                    + "b ← μb + ∇L   (b = ∇L on the first step)\nθ ← θ − η(∇L + μb)"
            }
            Self::NesterovLookahead { .. } => {
                "v ← μv − η∇L(θ + μv)   (gradient at the look-ahead point)\nθ ← θ + v".to_owned()
            }
            Self::Adagrad { lr_decay, initial_accumulator, weight_decay, .. } => {
                coupled_decay(weight_decay) + &adagrad_rule(lr_decay, initial_accumulator)
            }
            Self::RmsProp { centered, momentum, weight_decay, .. } => {
                coupled_decay(weight_decay) + &rmsprop_rule(centered, momentum)
            }
            Self::Adam { bias_correction, amsgrad, weight_decay, .. } => {
                coupled_decay(weight_decay) + &adam_rule(bias_correction, amsgrad)
            }
            Self::AdamW { amsgrad, weight_decay, .. } => {
                let mut text = String::new();
                if weight_decay != 0.0 {
                    let _ = writeln!(
                        text,
                        "θ ← θ(1 − ηλ)   (decoupled weight decay, λ = {weight_decay})"
                    );
                }
                text + &adam_rule(true, amsgrad)
            }
            Self::Adamax { weight_decay, .. } => coupled_decay(weight_decay) + ADAMAX_RULE,
            Self::NAdam { weight_decay, decoupled_weight_decay, .. } => {
                weight_decay_line(weight_decay, decoupled_weight_decay) + NADAM_RULE
            }
            Self::RAdam { weight_decay, decoupled_weight_decay, .. } => {
                weight_decay_line(weight_decay, decoupled_weight_decay) + RADAM_RULE
            }
            Self::Lion { .. } | Self::ScheduleFreeAdamW { .. } | Self::ScheduleFreeSgd { .. } => {
                self.update_rule_signsf()
            }
            Self::Adadelta { weight_decay, .. } => {
                coupled_decay(weight_decay) + adadelta_rule_text()
            }
            Self::Asgd { t0, weight_decay, .. } => {
                coupled_decay(weight_decay) + &asgd_rule_text(t0)
            }
            Self::Rprop { .. } => rprop_rule_text().to_owned(),
            Self::Adafactor { .. } | Self::Muon { .. } => self.matrix_rule_text(),
            Self::Lbfgs { .. } => lbfgs::update_rule(&self.lbfgs_or_default()),
            Self::Newton { damping, .. } => newton_rule_text(Curvature::Plain, damping),
            Self::SaddleFreeNewton { damping, .. } => {
                newton_rule_text(Curvature::Absolute, damping)
            }
        }
    }

    /// One teaching default of every variant, with learning rates that behave on the 2-D
    /// surfaces (quadratic bowls, Rosenbrock) at their usual scale.
    #[must_use]
    pub fn catalogue() -> Vec<OptimizerConfig> {
        vec![
            Self::Sgd { lr: 0.01, weight_decay: 0.0 },
            Self::Momentum { lr: 0.01, momentum: 0.9, dampening: 0.0, weight_decay: 0.0 },
            Self::Nesterov { lr: 0.01, momentum: 0.9, weight_decay: 0.0 },
            Self::NesterovLookahead { lr: 0.01, momentum: 0.9 },
            Self::Adagrad {
                lr: 0.5,
                lr_decay: 0.0,
                eps: dflt::eps_1e10(),
                initial_accumulator: 0.0,
                weight_decay: 0.0,
            },
            Self::RmsProp {
                lr: 0.01,
                decay_rate: dflt::decay_rate(),
                eps: dflt::eps_1e8(),
                centered: false,
                momentum: 0.0,
                weight_decay: 0.0,
            },
            Self::Adam {
                lr: 0.05,
                beta1: dflt::beta1(),
                beta2: dflt::beta2(),
                eps: dflt::eps_1e8(),
                bias_correction: true,
                amsgrad: false,
                weight_decay: 0.0,
            },
            Self::AdamW {
                lr: 0.05,
                beta1: dflt::beta1(),
                beta2: dflt::beta2(),
                eps: dflt::eps_1e8(),
                amsgrad: false,
                weight_decay: dflt::adamw_weight_decay(),
            },
            // Adadelta, ASGD and Rprop (issue 16): torch's defaults, except ASGD's t0, 100
            // instead of 1e6, so its average θ_avg starts within a race.
        ]
        .into_iter()
        .chain(Self::beyond_the_lecture())
        .collect()
    }

    /// The optimizers added after the lecture's (torch.optim's others, Lion, Schedule-Free …),
    /// in the order the menu lists them.
    fn beyond_the_lecture() -> Vec<OptimizerConfig> {
        vec![
            Self::Adamax {
                lr: 0.05,
                beta1: dflt::beta1(),
                beta2: dflt::beta2(),
                eps: dflt::eps_1e8(),
                weight_decay: 0.0,
            },
            Self::NAdam {
                lr: 0.05,
                beta1: dflt::beta1(),
                beta2: dflt::beta2(),
                eps: dflt::eps_1e8(),
                weight_decay: 0.0,
                momentum_decay: dflt::momentum_decay(),
                decoupled_weight_decay: false,
            },
            Self::RAdam {
                lr: 0.005,
                beta1: dflt::beta1(),
                beta2: dflt::beta2(),
                eps: dflt::eps_1e8(),
                weight_decay: 0.0,
                decoupled_weight_decay: false,
            },
            // Lion and Schedule-Free (signsf).
            Self::Lion {
                lr: 0.01,
                beta1: dflt::beta1(),
                beta2: dflt::lion_beta2(),
                weight_decay: 0.0,
            },
            Self::ScheduleFreeAdamW {
                lr: 0.1,
                beta1: dflt::beta1(),
                beta2: dflt::beta2(),
                eps: dflt::eps_1e8(),
                weight_decay: 0.0,
                warmup_steps: 0,
                r: 0.0,
                weight_lr_power: dflt::weight_lr_power(),
            },
            Self::ScheduleFreeSgd {
                lr: 0.05,
                momentum: dflt::momentum(),
                weight_decay: 0.0,
                warmup_steps: 0,
                r: 0.0,
                weight_lr_power: dflt::weight_lr_power(),
            },
        ]
        .into_iter()
        .chain(Self::more_of_torch())
        .collect()
    }

    /// The rest of `torch.optim`, after [`Self::beyond_the_lecture`]'s first ones.
    fn more_of_torch() -> Vec<OptimizerConfig> {
        vec![
            Self::Adadelta {
                lr: classic_dflt::lr_1(),
                rho: classic_dflt::rho(),
                eps: classic_dflt::eps_1e6(),
                weight_decay: 0.0,
            },
            Self::Asgd {
                lr: dflt::lr_1e2(),
                lambd: classic_dflt::lambd(),
                alpha: classic_dflt::alpha(),
                t0: 100.0,
                weight_decay: 0.0,
            },
            Self::Rprop {
                lr: dflt::lr_1e2(),
                eta_minus: classic_dflt::eta_minus(),
                eta_plus: classic_dflt::eta_plus(),
                step_min: classic_dflt::step_min(),
                step_max: classic_dflt::step_max(),
            },
            // Adafactor and Muon (issue 16).
            Self::Adafactor {
                lr: 0.1,
                beta2_decay: dflt::beta2_decay(),
                eps1: None,
                eps2: dflt::eps2(),
                d: 1.0,
                weight_decay: 0.0,
            },
            Self::Muon {
                lr: 0.05,
                weight_decay: 0.0,
                momentum: dflt::muon_momentum(),
                nesterov: true,
                ns_coefficients: dflt::ns_coefficients(),
                eps: dflt::muon_eps(),
                ns_steps: dflt::ns_steps(),
                adjust_lr: MuonLrAdjust::Original,
            },
            // L-BFGS (issue 16, helper lbfgs).
            Self::Lbfgs {
                lr: 1.0,
                max_iter: 20,
                max_eval: None,
                tolerance_grad: 1e-7,
                tolerance_change: 1e-9,
                history_size: 100,
                strong_wolfe: true,
            },
            // Newton's methods (issue 18).
            Self::Newton { lr: 1.0, damping: 0.0 },
            Self::SaddleFreeNewton { lr: 1.0, damping: 0.0 },
        ]
    }

    /// [`Self::lbfgs_settings`], or PyTorch's defaults for another optimizer (never used there).
    fn lbfgs_or_default(&self) -> LbfgsSettings {
        self.lbfgs_settings().unwrap_or(LbfgsSettings {
            max_iter: lbfgs::dflt::max_iter(),
            max_eval: None,
            tolerance_grad: lbfgs::dflt::tolerance_grad(),
            tolerance_change: lbfgs::dflt::tolerance_change(),
            history_size: lbfgs::dflt::history_size(),
            strong_wolfe: false,
        })
    }
}

// Adafactor and Muon (issue 16): the rules that see parameter shapes.
impl OptimizerConfig {
    /// A fresh optimizer for parameters of these shapes, end to end in the flat vector
    /// (torch's parameter tensors). Adafactor factors each matrix; Muon orthogonalizes each
    /// matrix's update and steps the vectors (biases) with AdamW at the same lr and no weight
    /// decay. Every other rule ignores the shapes: `build(total length)`.
    #[must_use]
    pub fn build_shaped(&self, shapes: &[Shape]) -> Optimizer {
        match *self {
            Self::Adafactor { beta2_decay, eps1, eps2, d, weight_decay, .. } => {
                let eps1 = eps1.unwrap_or(f64::EPSILON);
                let hyper = AdafactorHyper { beta2_decay, eps1, eps2, d, weight_decay };
                Optimizer::Adafactor(AdafactorRule::new(hyper, shapes))
            }
            Self::Muon {
                weight_decay,
                momentum,
                nesterov,
                ns_coefficients,
                eps,
                ns_steps,
                adjust_lr,
                ..
            } => {
                let coefficients = ns_coefficients;
                let hyper = MuonHyper {
                    weight_decay,
                    momentum,
                    nesterov,
                    coefficients,
                    eps,
                    ns_steps,
                    adjust_lr,
                };
                Optimizer::Muon(MuonRule::new(hyper, shapes, muon_vectors(shapes)))
            }
            _ => self.build(total_len(shapes)),
        }
    }

    /// Whether the rule takes only matrices (Muon: torch refuses a parameter that is not 2-D),
    /// so a flat vector of parameters needs a shape.
    #[must_use]
    pub fn needs_matrices(&self) -> bool {
        matches!(self, Self::Muon { .. })
    }

    fn validate_matrix_rule(&self) -> Result<(), LimitError> {
        match *self {
            Self::Adafactor { lr, beta2_decay, eps1, eps2, d, weight_decay } => check_all(&[
                (lr, LR),
                (beta2_decay, BETA2_DECAY),
                (eps1.unwrap_or(0.0), EPS1),
                (eps2, EPS2),
                (d, CLIP_THRESHOLD),
                (weight_decay, WEIGHT_DECAY),
            ]),
            Self::Muon {
                lr,
                weight_decay,
                momentum,
                ns_coefficients: (a, b, c),
                eps,
                ns_steps,
                ..
            } => {
                let steps = f64::from(u32::try_from(ns_steps).unwrap_or(u32::MAX));
                check_all(&[
                    (lr, LR),
                    (weight_decay, WEIGHT_DECAY),
                    (momentum, MOMENTUM),
                    (a, NS_COEFFICIENT),
                    (b, NS_COEFFICIENT),
                    (c, NS_COEFFICIENT),
                    (eps, EPS),
                    (steps, NS_STEPS),
                ])
            }
            _ => Ok(()),
        }
    }

    fn matrix_rule_text(&self) -> String {
        match *self {
            Self::Adafactor { beta2_decay, eps1, d, weight_decay, .. } => {
                adafactor_rule(beta2_decay, eps1, d, weight_decay)
            }
            Self::Muon { weight_decay, momentum, nesterov, ns_steps, adjust_lr, .. } => {
                muon_rule(weight_decay, momentum, nesterov, ns_steps, adjust_lr)
            }
            _ => String::new(),
        }
    }
}

/// AdamW (torch defaults, no weight decay) for the vectors of a Muon run, `None` without any.
fn muon_vectors(shapes: &[Shape]) -> Option<Box<VectorAdamW>> {
    let len: usize = shapes.iter().filter(|s| matches!(s, Shape::Vector(_))).map(|s| s.len()).sum();
    let has_vectors = shapes.iter().any(|s| matches!(s, Shape::Vector(_)));
    has_vectors.then(|| {
        let moments = AdamMoments {
            beta1: dflt::beta1(),
            beta2: dflt::beta2(),
            eps: dflt::eps_1e8(),
            amsgrad: false,
        };
        let rule = AdamRule { decoupled: true, ..AdamRule::new(len, moments, true, 0.0) };
        Box::new(VectorAdamW::new(rule, len))
    })
}

/// Adafactor in the course's notation (R and C a matrix's row and column factors).
fn adafactor_rule(beta2_decay: f64, eps1: Option<f64>, d: f64, weight_decay: f64) -> String {
    let eps1 = eps1.map_or_else(|| "ε₁ = machine ε".to_owned(), |e| format!("ε₁ = {e}"));
    let mut text = format!(
        "β₂ₜ = 1 − t^τ  (τ = {beta2_decay}),  ρₜ = min(η, 1/√t)\n\
         αₜ = max(ε₂, RMS(θ))·ρₜ"
    );
    if weight_decay != 0.0 {
        let _ = write!(text, "\nθ ← θ(1 − ηλ)   (decoupled weight decay, λ = {weight_decay})");
    }
    let _ = write!(
        text,
        "\nmatrix: R ← β₂ₜR + (1 − β₂ₜ)·rowmean(∇L²)\n\
         \x20       C ← β₂ₜC + (1 − β₂ₜ)·colmean(∇L²)\n\
         \x20       V = RCᵀ/max(mean(R), ε₁)\n\
         vector: V ← β₂ₜV + (1 − β₂ₜ)(∇L)²\n\
         U = ∇L/max(√V, ε₁)   ({eps1})\n\
         θ ← θ − αₜU/max(1, RMS(U)/d),  d = {d}"
    );
    text
}

/// Muon in the course's notation, saying the iteration runs in f64 (PyTorch: bfloat16).
fn muon_rule(
    weight_decay: f64,
    momentum: f64,
    nesterov: bool,
    ns_steps: usize,
    adjust_lr: MuonLrAdjust,
) -> String {
    let mut text = format!("b ← μb + (1 − μ)∇L,  μ = {momentum}");
    text.push_str(if nesterov { "\nU = ∇L + μ(b − ∇L)   (Nesterov)" } else { "\nU = b" });
    let _ = write!(
        text,
        "\nX = U/max(‖U‖_F, ε)   (Uᵀ when taller than wide)\n\
         {ns_steps}×: A = XXᵀ,  X ← aX + (bA + cA²)X   (Newton–Schulz in f64; PyTorch: bfloat16)"
    );
    if weight_decay != 0.0 {
        let _ = write!(text, "\nθ ← θ(1 − ηλ)   (decoupled weight decay, λ = {weight_decay})");
    }
    let factor = match adjust_lr {
        MuonLrAdjust::Original => "√max(1, rows/cols)",
        MuonLrAdjust::MatchRmsAdamW => "0.2·√max(rows, cols)",
    };
    let _ = write!(text, "\nθ ← θ − η·{factor}·X   (a surface's (x, y) is a 1×2 matrix)");
    text
}

/// The coupled weight-decay line, empty when λ = 0.
fn coupled_decay(weight_decay: f64) -> String {
    if weight_decay == 0.0 {
        String::new()
    } else {
        format!("∇L ← ∇L + λθ   (L2 weight decay, λ = {weight_decay})\n")
    }
}

/// torch's momentum buffer form (b in gradient units).
fn momentum_rule(momentum: f64, dampening: f64) -> String {
    if momentum == 0.0 {
        "θ ← θ − η∇L   (μ = 0: plain SGD)".to_owned()
    } else if dampening == 0.0 {
        "b ← μb + ∇L   (b = ∇L on the first step)\nθ ← θ − ηb".to_owned()
    } else {
        "b ← μb + (1 − τ)∇L   (b = ∇L on the first step, τ = dampening)\nθ ← θ − ηb".to_owned()
    }
}

/// Adagrad, with the lr decay and the starting accumulator when they are not the defaults.
fn adagrad_rule(lr_decay: f64, initial_accumulator: f64) -> String {
    let mut text = String::from("G ← G + (∇L)²");
    if initial_accumulator != 0.0 {
        let _ = write!(text, "   (G starts at {initial_accumulator})");
    }
    if lr_decay == 0.0 {
        text + "\nθ ← θ − η ∇L/(√G + ε)"
    } else {
        text + "\nηₜ = η/(1 + (t − 1)·d),  d = lr_decay\nθ ← θ − ηₜ ∇L/(√G + ε)"
    }
}

/// RMSprop, with ρ named as the course notes name it (`decay_rate`, torch's `alpha`).
fn rmsprop_rule(centered: bool, momentum: f64) -> String {
    let mut text = String::from("v ← ρv + (1 − ρ)(∇L)²   (ρ = decay_rate)");
    let root = if centered {
        text.push_str("\nḡ ← ρḡ + (1 − ρ)∇L");
        "√(v − ḡ²)"
    } else {
        "√v"
    };
    if momentum == 0.0 {
        let _ = write!(text, "\nθ ← θ − η ∇L/({root} + ε)");
    } else {
        let _ = write!(text, "\nb ← μb + ∇L/({root} + ε)\nθ ← θ − ηb");
    }
    text
}

/// Adam: the bias-corrected form, or the course notes' raw form without correction.
fn adam_rule(bias_correction: bool, amsgrad: bool) -> String {
    let mut text = String::from("m ← β₁m + (1 − β₁)∇L\nv ← β₂v + (1 − β₂)(∇L)²");
    let v = if amsgrad {
        text.push_str("\nv_max ← max(v_max, v)");
        "v_max"
    } else {
        "v"
    };
    if bias_correction {
        let _ = write!(text, "\nm̂ = m/(1 − β₁ᵗ),  v̂ = {v}/(1 − β₂ᵗ)\nθ ← θ − η m̂/(√v̂ + ε)");
    } else {
        let _ = write!(text, "\nθ ← θ − η m/(√{v} + ε)");
    }
    text
}

// ---- NAdam, RAdam, Adamax ------------------------------------------------------------------

/// The ranges of the Adam family's fields (and `NAdam`'s `momentum_decay`).
fn adam_family_limits(
    lr: f64,
    (beta1, beta2, eps): (f64, f64, f64),
    weight_decay: f64,
    momentum_decay: Option<f64>,
) -> Result<(), LimitError> {
    check_all(&[
        (lr, LR),
        (beta1, BETA1),
        (beta2, BETA2),
        (eps, EPS),
        (weight_decay, WEIGHT_DECAY),
    ])?;
    momentum_decay.map_or(Ok(()), |decay| check_all(&[(decay, MOMENTUM_DECAY)]))
}

/// The weight-decay line of `NAdam` and `RAdam`: coupled, decoupled, or none when λ = 0.
fn weight_decay_line(weight_decay: f64, decoupled: bool) -> String {
    if decoupled && weight_decay != 0.0 {
        format!("θ ← θ(1 − ηλ),  λ = {weight_decay}   (decoupled)\n")
    } else {
        coupled_decay(weight_decay)
    }
}

/// Adamax in the course's notation (short lines: the controls column is narrow).
const ADAMAX_RULE: &str = "m ← β₁m + (1 − β₁)∇L\n\
     u ← max(β₂u, |∇L| + ε)\n\
     θ ← θ − η/(1 − β₁ᵗ)·m/u";

/// `NAdam` in the course's notation (ψ = `momentum_decay`).
const NADAM_RULE: &str = "μₜ = β₁(1 − ½·0.96^(tψ))\n\
     m ← β₁m + (1 − β₁)∇L\n\
     v ← β₂v + (1 − β₂)(∇L)²\n\
     v̂ = v/(1 − β₂ᵗ)\n\
     a = (1 − μₜ)/(1 − μ₁⋯μₜ)\n\
     b = μₜ₊₁/(1 − μ₁⋯μₜ₊₁)\n\
     θ ← θ − η(a∇L + bm)/(√v̂ + ε)";

/// `RAdam` in the course's notation.
const RADAM_RULE: &str = "m ← β₁m + (1 − β₁)∇L\n\
     v ← β₂v + (1 − β₂)(∇L)²\n\
     m̂ = m/(1 − β₁ᵗ)\n\
     ρ∞ = 2/(1 − β₂) − 1\n\
     ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ)\n\
     ρₜ ≤ 5: θ ← θ − ηm̂\n\
     ρₜ > 5: r = √((ρₜ − 4)(ρₜ − 2)ρ∞\n\
     \x20           / ((ρ∞ − 4)(ρ∞ − 2)ρₜ))\n\
     \x20       θ ← θ − ηr·m̂√(1 − β₂ᵗ)/(√v + ε)";
