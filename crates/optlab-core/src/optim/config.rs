//! What a user writes in RON: [`OptimizerConfig`], its PyTorch defaults and allowed ranges,
//! the update rule written out in the course's notation, and [`OptimizerConfig::build`].

use super::adagrad::AdagradRule;
use super::adam::{AdamMoments, AdamRule};
use super::lbfgs::{self, LbfgsRule, LbfgsSettings};
use super::momentum::{LookaheadRule, MomentumRule};
use super::optimizer::Optimizer;
use super::rmsprop::RmsPropRule;
use super::sgd::SgdRule;
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

/// Range-checked deserializers, so RON reports the position of a bad value.
mod de {
    use super::{
        BETA1, BETA2, DAMPENING, DECAY_RATE, EPS, INITIAL_ACCUMULATOR, LR, LR_DECAY, MOMENTUM,
        NESTEROV_MOMENTUM, WEIGHT_DECAY,
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
    /// Bias correction is on unless asked otherwise.
    pub(super) fn yes() -> bool {
        true
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
            Self::Lbfgs { .. } => {
                Optimizer::Lbfgs(LbfgsRule::new(n_params, self.lbfgs_or_default()))
            }
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
            | Self::Lbfgs { lr, .. } => lr,
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
            | Self::Lbfgs { lr, .. } => *lr = new_lr,
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
            Self::Lbfgs { .. } => "Lbfgs",
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
            Self::Lbfgs { lr, .. } => LR.check(lr).and_then(|_| self.lbfgs_or_default().validate()),
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
            Self::Lbfgs { .. } => lbfgs::update_rule(&self.lbfgs_or_default()),
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
