//! An optimizer with its state: one enum over the rules, matched once per call (or once per
//! run through [`RuleVisitor`]).

use super::adadelta::AdadeltaRule;
use super::adafactor::AdafactorRule;
use super::adagrad::AdagradRule;
use super::adam::AdamRule;
use super::adamax::AdamaxRule;
use super::asgd::AsgdRule;
use super::lbfgs::LbfgsRule;
use super::momentum::{LookaheadRule, MomentumRule};
use super::muon::MuonRule;
use super::nadam::NAdamRule;
use super::radam::RAdamRule;
use super::rmsprop::RmsPropRule;
use super::rprop::RpropRule;
use super::rule::{Internals, Objective, UpdateRule};
use super::sgd::SgdRule;
// Lion and Schedule-Free (signsf).
use super::lion::LionRule;
use super::schedule_free::ScheduleFreeRule;

/// An optimizer with its state, built by [`OptimizerConfig::build`](super::OptimizerConfig::build). Variants match
/// [`OptimizerConfig`](super::OptimizerConfig)'s.
#[derive(Clone, Debug, PartialEq)]
pub enum Optimizer {
    /// Plain SGD.
    Sgd(SgdRule),
    /// SGD with (classical) momentum.
    Momentum(MomentumRule),
    /// SGD with Nesterov momentum, torch form.
    Nesterov(MomentumRule),
    /// Nesterov momentum, look-ahead form.
    NesterovLookahead(LookaheadRule),
    /// Adagrad.
    Adagrad(AdagradRule),
    /// RMSprop.
    RmsProp(RmsPropRule),
    /// Adam (coupled weight decay), with or without bias correction.
    Adam(AdamRule),
    /// AdamW (decoupled weight decay).
    AdamW(AdamRule),
    /// Adamax (infinity norm).
    Adamax(AdamaxRule),
    /// `NAdam` (Nesterov momentum in Adam).
    NAdam(NAdamRule),
    /// `RAdam` (rectified Adam).
    RAdam(RAdamRule),
    /// Lion (`lion-pytorch`).
    Lion(LionRule),
    /// Schedule-Free AdamW (`schedulefree`); the parameters are the train-mode point y.
    ScheduleFreeAdamW(ScheduleFreeRule),
    /// Schedule-Free SGD (`schedulefree`); the parameters are the train-mode point y.
    ScheduleFreeSgd(ScheduleFreeRule),
    /// Adadelta.
    Adadelta(AdadeltaRule),
    /// ASGD (averaged SGD).
    Asgd(AsgdRule),
    /// Rprop.
    Rprop(RpropRule),
    /// Adafactor (factored second moment for matrices).
    Adafactor(AdafactorRule),
    /// Muon (orthogonalized momentum for matrices, AdamW for vectors).
    Muon(MuonRule),
    /// L-BFGS (steps through a loss-and-gradient closure).
    Lbfgs(LbfgsRule),
}

/// A computation generic over the rule, run by [`Optimizer::visit`] after one match, so a hot
/// loop compiles once per rule with the step inlined.
pub trait RuleVisitor {
    /// What the visit returns.
    type Output;
    /// Runs with the concrete rule.
    fn visit<R: UpdateRule>(self, rule: &mut R) -> Self::Output;
}

/// Runs `$body` with `$rule` bound to the concrete rule of `$optimizer`.
macro_rules! dispatch {
    ($optimizer:expr, $rule:ident => $body:expr) => {
        match $optimizer {
            Optimizer::Sgd($rule) => $body,
            Optimizer::Momentum($rule) | Optimizer::Nesterov($rule) => $body,
            Optimizer::NesterovLookahead($rule) => $body,
            Optimizer::Adagrad($rule) => $body,
            Optimizer::RmsProp($rule) => $body,
            Optimizer::Adam($rule) | Optimizer::AdamW($rule) => $body,
            Optimizer::Adamax($rule) => $body,
            Optimizer::NAdam($rule) => $body,
            Optimizer::RAdam($rule) => $body,
            Optimizer::Lion($rule) => $body,
            Optimizer::ScheduleFreeAdamW($rule) | Optimizer::ScheduleFreeSgd($rule) => $body,
            Optimizer::Adadelta($rule) => $body,
            Optimizer::Asgd($rule) => $body,
            Optimizer::Rprop($rule) => $body,
            Optimizer::Adafactor($rule) => $body,
            Optimizer::Muon($rule) => $body,
            Optimizer::Lbfgs($rule) => $body,
        }
    };
}

impl Optimizer {
    /// One update in place (see [`UpdateRule::step`]).
    #[inline]
    pub fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        dispatch!(self, rule => rule.step(params, grad, lr));
    }

    /// Sets the momentum (or β₁) of the next update (see [`UpdateRule::set_momentum`]).
    #[inline]
    pub fn set_momentum(&mut self, value: f64) {
        dispatch!(self, rule => rule.set_momentum(value));
    }

    /// Whether the optimizer needs loss values (L-BFGS): step it with
    /// [`Self::step_with_objective`], not [`Self::step`].
    #[must_use]
    pub fn needs_objective(&self) -> bool {
        fn needs<R: UpdateRule>(_: &R) -> bool {
            R::NEEDS_OBJECTIVE
        }
        dispatch!(self, rule => needs(rule))
    }

    /// One update through a loss-and-gradient closure (see
    /// [`UpdateRule::step_with_objective`]).
    pub fn step_with_objective(
        &mut self,
        params: &mut [f64],
        lr: f64,
        objective: &mut Objective<'_>,
    ) {
        dispatch!(self, rule => rule.step_with_objective(params, lr, objective));
    }

    /// Where the next gradient must be evaluated (see [`UpdateRule::gradient_point`]).
    #[inline]
    pub fn gradient_point(&self, params: &[f64], out: &mut [f64]) {
        dispatch!(self, rule => rule.gradient_point(params, out));
    }

    /// Whether the gradient point differs from the parameters (only the look-ahead form).
    #[must_use]
    pub fn needs_lookahead(&self) -> bool {
        dispatch!(self, rule => rule.needs_lookahead())
    }

    /// Updates taken so far.
    #[must_use]
    pub fn steps_taken(&self) -> u64 {
        dispatch!(self, rule => rule.steps_taken())
    }

    /// Schedule-Free's evaluation point x of parameters `params` (see
    /// [`UpdateRule::evaluation_point`]); `false` for every other rule.
    pub fn evaluation_point(&self, params: &[f64], out: &mut [f64]) -> bool {
        dispatch!(self, rule => rule.evaluation_point(params, out))
    }

    /// The state for display (see [`UpdateRule::internals`]).
    pub fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        dispatch!(self, rule => rule.internals(lr, effective_step))
    }

    /// Runs `visitor` with the concrete rule: match once, then loop monomorphized.
    pub fn visit<V: RuleVisitor>(&mut self, visitor: V) -> V::Output {
        dispatch!(self, rule => visitor.visit(rule))
    }

    /// A state buffer by its `torch.optim` state name (`momentum_buffer`, `sum`, `square_avg`,
    /// `grad_avg`, `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`, `exp_inf`, `mu_product` — a
    /// one-element buffer —, Schedule-Free's `z`, Adafactor's `variance`, `row_var`, `col_var`),
    /// or `None` where torch would have none. The look-ahead form's v is `velocity`.
    #[must_use]
    pub fn state_buffer(&self, name: &str) -> Option<&[f64]> {
        match (self, name) {
            (Self::Momentum(rule) | Self::Nesterov(rule), "momentum_buffer") => rule.buffer(),
            (Self::NesterovLookahead(rule), "velocity") => Some(rule.velocity()),
            (Self::Adagrad(rule), "sum") => Some(&rule.sum),
            (Self::RmsProp(rule), "square_avg") => Some(rule.square_avg()),
            (Self::RmsProp(rule), "grad_avg") => rule.grad_avg(),
            (Self::RmsProp(rule), "momentum_buffer") => rule.buffer(),
            (Self::Adam(rule) | Self::AdamW(rule), "exp_avg") => Some(rule.exp_avg()),
            (Self::Adam(rule) | Self::AdamW(rule), "exp_avg_sq") => Some(rule.exp_avg_sq()),
            (Self::Adam(rule) | Self::AdamW(rule), "max_exp_avg_sq") => rule.max_exp_avg_sq(),
            (Self::Adamax(rule), "exp_avg") => Some(rule.exp_avg()),
            (Self::Adamax(rule), "exp_inf") => Some(rule.exp_inf()),
            (Self::NAdam(rule), "exp_avg") => Some(rule.exp_avg()),
            (Self::NAdam(rule), "exp_avg_sq") => Some(rule.exp_avg_sq()),
            (Self::NAdam(rule), "mu_product") => Some(rule.mu_product()),
            (Self::RAdam(rule), "exp_avg") => Some(rule.exp_avg()),
            (Self::RAdam(rule), "exp_avg_sq") => Some(rule.exp_avg_sq()),
            (Self::Lion(rule), "exp_avg") => Some(rule.exp_avg()),
            (Self::ScheduleFreeAdamW(rule) | Self::ScheduleFreeSgd(rule), "z") => rule.z(),
            (Self::ScheduleFreeAdamW(rule), "exp_avg_sq") => rule.exp_avg_sq(),
            (Self::Adafactor(rule), "variance") => rule.variance(),
            (Self::Adafactor(rule), "row_var") => rule.row_var(),
            (Self::Adafactor(rule), "col_var") => rule.col_var(),
            (Self::Muon(rule), "momentum_buffer") => Some(rule.momentum_buffer()),
            (Self::Adadelta(_) | Self::Asgd(_) | Self::Rprop(_), _) => self.classic_buffer(name),
            _ => None,
        }
    }
}

impl Optimizer {
    /// [`Self::state_buffer`] of Adadelta (`square_avg`, `acc_delta`), ASGD (`ax`, and its
    /// scalars `eta` and `mu` as one-element slices) and Rprop (`prev`, `step_size`); `None`
    /// before the first update, where torch has no state yet.
    fn classic_buffer(&self, name: &str) -> Option<&[f64]> {
        if self.steps_taken() == 0 {
            return None;
        }
        match (self, name) {
            (Self::Adadelta(rule), "square_avg") => Some(rule.square_avg()),
            (Self::Adadelta(rule), "acc_delta") => Some(rule.acc_delta()),
            (Self::Asgd(rule), "ax") => Some(rule.ax()),
            (Self::Asgd(rule), "eta") => Some(std::slice::from_ref(&rule.eta)),
            (Self::Asgd(rule), "mu") => Some(std::slice::from_ref(&rule.mu)),
            (Self::Rprop(rule), "prev") => Some(rule.prev()),
            (Self::Rprop(rule), "step_size") => Some(rule.step_size()),
            (Self::Lbfgs(rule), "d") => Some(rule.direction()),
            _ => None,
        }
    }
}
