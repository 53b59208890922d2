//! Optimizers with PyTorch semantics.
//!
//! [`OptimizerConfig`] is what a user writes in RON (`Adam(lr: 0.01)`); [`OptimizerConfig::build`]
//! turns it into an [`Optimizer`] that holds the state of one run. Every rule follows the
//! single-tensor code path of `torch.optim` (`_single_tensor_sgd`, `_single_tensor_adam`, …):
//!
//! * the step counter is incremented *before* it is used, so bias correction and Adagrad's
//!   `lr_decay` see t = 1 on the first update;
//! * the SGD momentum buffer holds gradients (Δθ = −η·b), not lr-scaled velocity, and its first
//!   value is the raw gradient, ignoring dampening;
//! * `weight_decay` is coupled L2 (g ← g + λθ) everywhere except [`OptimizerConfig::AdamW`], which
//!   multiplies θ by (1 − ηλ) before the Adam update;
//! * ε is added after the square root (and, for Adam, after bias correction).
//!
//! The `lr` passed to [`UpdateRule::step`] is the learning rate of that update (a schedule may
//! have changed it); a rule applies its own factors (Adagrad's decay, Adam's bias correction) on
//! top, as torch does when a scheduler rewrites `param_group["lr"]`.
//!
//! # Performance
//!
//! A step is a tight loop over `params.iter_mut().zip(…)` with no allocation and no dispatch
//! inside the loop; use [`Optimizer::visit`] to match on the rule once and run a monomorphized
//! loop. [`UpdateRule::step_2d`] is the surfaces' entry point: with the length fixed at two, the
//! caller's point stays in registers instead of taking a store-to-load round trip through
//! memory every step (a 2-D Adam step with a Rosenbrock gradient runs at 25–34 million steps/s
//! on a shared 2.5 GHz Xeon VM, against 13–19 million through the slice path). Adam's per-step
//! scalars are arranged for that:
//!
//! * β₁ᵗ and β₂ᵗ are running products instead of a `powf` per step. Each multiplication rounds
//!   once, so after t steps the product differs from `pow` by about t·1e-16 relative, far inside
//!   the 1e-10 tolerance of the reference vectors. Once βᵗ < 1e-20 it is set to 0: 1 − βᵗ is
//!   then exactly 1 either way, and the product would otherwise sink into subnormals and stall
//!   every later step.
//! * torch's (η/bc₁)·m/(√v/√bc₂ + ε) is computed as (η√bc₂/bc₁)·m/(√v + ε√bc₂), the same value
//!   up to rounding (~1e-16) with one operation less per coordinate.

//! # Deviations from PyTorch
//!
//! Only where torch would produce NaN from rounding alone: centered RMSprop takes √max(v − ḡ², 0)
//! (torch takes √(v − ḡ²), which turns NaN when rounding makes the difference slightly negative
//! under a long constant gradient). A NaN that comes from the data still propagates.

mod adadelta;
mod adafactor;
mod adagrad;
mod adam;
mod adamax;
mod asgd;
mod config;
mod config_signsf;
mod lbfgs;
mod lion;
mod momentum;
mod muon;
mod nadam;
mod newton;
mod optimizer;
mod radam;
mod rmsprop;
mod rprop;
mod rule;
mod schedule_free;
mod sgd;
mod shape;

pub use adadelta::AdadeltaRule;
pub use adafactor::AdafactorRule;
pub use adagrad::AdagradRule;
pub use adam::AdamRule;
pub(crate) use adam::flush_negligible;
pub use adamax::AdamaxRule;
pub use asgd::AsgdRule;
pub use config::DAMPING;
pub use config::MOMENTUM_DECAY;
pub use config::{AVERAGE_POWER, SF_BETA1, SF_MOMENTUM, WARMUP_STEPS, WEIGHT_LR_POWER};
pub use config::{
    BETA1, BETA2, DAMPENING, DECAY_RATE, EPS, INITIAL_ACCUMULATOR, LR, LR_DECAY, MOMENTUM,
    NESTEROV_MOMENTUM, OptimizerConfig, WEIGHT_DECAY,
};
pub use lion::LionRule;
pub use newton::{Curvature, IN_TRAINING as NEWTON_IN_TRAINING, NewtonRule};
// Adafactor and Muon (issue 16).
pub use config::{BETA2_DECAY, CLIP_THRESHOLD, EPS1, EPS2, MAX_NS_STEPS, NS_COEFFICIENT, NS_STEPS};
pub use lbfgs::{LbfgsRule, LbfgsSettings};

/// L-BFGS's allowed ranges (`max_iter`, `max_eval`, the tolerances, `history_size`).
pub mod lbfgs_limits {
    pub use super::lbfgs::{HISTORY_SIZE, MAX_EVAL, MAX_ITER, TOLERANCE_CHANGE, TOLERANCE_GRAD};
}
pub use momentum::{LookaheadRule, MomentumRule};
pub use muon::newton_schulz_rank_one;
pub use muon::{MuonLrAdjust, MuonRule};
pub use nadam::NAdamRule;
pub use optimizer::{Optimizer, RuleVisitor};
pub use radam::{RAdamRule, radam_is_adaptive, radam_rho};
pub use rmsprop::RmsPropRule;
pub use rprop::RpropRule;
pub use rule::{Internals, Objective, UpdateRule};
pub use schedule_free::ScheduleFreeRule;
pub use sgd::SgdRule;
// Adadelta, ASGD and Rprop (issue 16).
pub use config::{ASGD_ALPHA, ETA_MINUS, ETA_PLUS, LAMBD, RHO, STEP_MAX, STEP_MIN, T0};
pub use shape::{SURFACE, Shape, total_len};
