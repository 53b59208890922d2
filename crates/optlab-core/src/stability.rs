//! The largest stable learning rate of the SGD family at a point: on a quadratic with largest
//! Hessian eigenvalue λ, gradient descent diverges once lr > 2/λ, heavy-ball momentum once
//! lr > 2(1 + μ)/((1 − τ)λ) (τ the dampening) and Nesterov once lr > 2(1 + μ)/((1 + 2μ)λ).
//!
//! Derivation, for one eigen-direction with h = lr·λ: plain SGD multiplies the coordinate by
//! 1 − h, which leaves the unit interval at h = 2. Heavy ball's two-step recursion has the
//! characteristic polynomial z² − (1 + μ − (1 − τ)h)z + μ, with a root at −1 when
//! (1 − τ)h = 2(1 + μ). Nesterov (torch form and look-ahead form, which give the same sequence)
//! has z² − (1 + μ)(1 − h)z + μ(1 − h), with a root at −1 when h = 2(1 + μ)/(1 + 2μ). Coupled
//! weight decay wd adds wd to every eigenvalue. Adaptive methods rescale each coordinate by its
//! gradient history and have no such limit.

use crate::optim::OptimizerConfig;
use crate::slice::symmetric_eigen;
use crate::surface::{Point, Surface};

/// Which rule's limit a [`StabilityLimit`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitRule {
    /// Plain SGD: 2/λmax.
    Sgd,
    /// Heavy-ball momentum: 2(1 + μ)/((1 − τ)λmax); 2(1 + μ)/λmax without dampening.
    HeavyBall,
    /// Nesterov momentum: 2(1 + μ)/((1 + 2μ)λmax).
    Nesterov,
}

/// The largest stable learning rate of one run at its start point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StabilityLimit {
    /// Learning rates above this diverge on the (local) quadratic.
    pub lr: f64,
    /// The largest eigenvalue of the Hessian at the start, plus the coupled weight decay.
    pub lambda_max: f64,
    /// The rule whose formula gave `lr`.
    pub rule: LimitRule,
    /// Whether the surface is a quadratic, so the limit holds everywhere and not only near the
    /// start.
    pub exact: bool,
}

impl StabilityLimit {
    /// The formula in the course's notation, e.g. "2/λmax" or "2(1+μ)/λmax".
    #[must_use]
    pub fn formula(&self) -> &'static str {
        match self.rule {
            LimitRule::Sgd => "2/λmax",
            LimitRule::HeavyBall => "2(1+μ)/λmax",
            LimitRule::Nesterov => "2(1+μ)/((1+2μ)λmax)",
        }
    }

    /// Whether `lr` lies above the limit.
    #[must_use]
    pub fn is_exceeded_by(&self, lr: f64) -> bool {
        lr > self.lr
    }
}

/// Whether `surface` is a quadratic (its Hessian the same everywhere).
#[must_use]
pub fn is_quadratic(surface: &Surface) -> bool {
    matches!(surface, Surface::Quadratic { .. } | Surface::TacoShell { .. })
}

/// The stability limit of `optimizer` on the quadratic that approximates `surface` at `start`;
/// `None` for adaptive methods (Adagrad, RMSprop, Adam, AdamW) and L-BFGS (its line search
/// sets the step), when the Hessian is not finite,
/// or when no direction curves upwards (λmax + weight decay ≤ 0: no lr is too large there).
#[must_use]
pub fn stability_limit(
    surface: &Surface,
    start: Point,
    optimizer: &OptimizerConfig,
) -> Option<StabilityLimit> {
    let (rule, numerator, weight_decay) = limit_factor(optimizer)?;
    let ([_, largest], _) = symmetric_eigen(surface.hessian(start))?;
    let lambda_max = largest + weight_decay;
    let lr = numerator / lambda_max;
    (lambda_max > 0.0 && lr.is_finite() && lr > 0.0).then_some(StabilityLimit {
        lr,
        lambda_max,
        rule,
        exact: is_quadratic(surface),
    })
}

/// The rule of `optimizer`'s stability limit, the limit times λmax (2, 2(1 + μ)/(1 − τ),
/// 2(1 + μ)/(1 + 2μ)) and the coupled weight decay added to every eigenvalue; `None` for the
/// optimizers without such a limit (see [`stability_limit`]). The curvature at the edge of
/// stability for a learning rate lr is `factor / lr − weight_decay`.
#[must_use]
pub fn limit_factor(optimizer: &OptimizerConfig) -> Option<(LimitRule, f64, f64)> {
    let factor = match *optimizer {
        OptimizerConfig::Sgd { weight_decay, .. } => (LimitRule::Sgd, 2.0, weight_decay),
        OptimizerConfig::Momentum { momentum, dampening, weight_decay, .. } => {
            (LimitRule::HeavyBall, 2.0 * (1.0 + momentum) / (1.0 - dampening), weight_decay)
        }
        OptimizerConfig::Nesterov { momentum, weight_decay, .. } => {
            (LimitRule::Nesterov, nesterov_factor(momentum), weight_decay)
        }
        OptimizerConfig::NesterovLookahead { momentum, .. } => {
            (LimitRule::Nesterov, nesterov_factor(momentum), 0.0)
        }
        OptimizerConfig::Adagrad { .. }
        | OptimizerConfig::RmsProp { .. }
        | OptimizerConfig::Adam { .. }
        | OptimizerConfig::AdamW { .. }
        | OptimizerConfig::Adamax { .. }
        | OptimizerConfig::NAdam { .. }
        | OptimizerConfig::RAdam { .. }
        // Sign steps of fixed size, and Schedule-Free's averaging (signsf): no such limit here.
        | OptimizerConfig::Lion { .. }
        | OptimizerConfig::ScheduleFreeAdamW { .. }
        | OptimizerConfig::ScheduleFreeSgd { .. }
        | OptimizerConfig::Adadelta { .. }
        | OptimizerConfig::Rprop { .. }
        | OptimizerConfig::Adafactor { .. }
        | OptimizerConfig::Muon { .. }
        | OptimizerConfig::Lbfgs { .. }
        // Newton's step scales with H⁻¹: its limit (η < 2 on a convex quadratic) is not 2/λmax.
        | OptimizerConfig::Newton { .. }
        | OptimizerConfig::SaddleFreeNewton { .. } => return None,
        // ASGD's first step is SGD's with η = lr on a Hessian shifted by λ + weight decay.
        OptimizerConfig::Asgd { lambd, weight_decay, .. } => {
            (LimitRule::Sgd, 2.0, weight_decay + lambd)
        }
    };
    Some(factor)
}

/// 2(1 + μ)/(1 + 2μ): Nesterov's limit times λmax.
fn nesterov_factor(momentum: f64) -> f64 {
    2.0 * (1.0 + momentum) / (1.0 + 2.0 * momentum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_gradient_descent_on_a_unit_quadratic_is_stable_below_two() {
        let surface = Surface::TacoShell { condition: 1.0, angle: 0.0 };
        let limit = stability_limit(
            &surface,
            [1.0, 1.0],
            &OptimizerConfig::Sgd { lr: 0.1, weight_decay: 0.0 },
        );
        assert_eq!(limit.map(|l| l.lr), Some(2.0));
    }

    #[test]
    fn weight_decay_adds_to_the_curvature() {
        let surface = Surface::TacoShell { condition: 1.0, angle: 0.0 };
        let sgd = OptimizerConfig::Sgd { lr: 0.1, weight_decay: 1.0 };
        assert_eq!(stability_limit(&surface, [0.0, 0.0], &sgd).map(|l| l.lr), Some(1.0));
    }
}
