//! `torch.optim.Adamax` (`_single_tensor_adamax`): Adam with the infinity norm
//! u ← max(β₂u, |∇L| + ε) in place of the root of the second moment.
//!
//! Also the two pieces of torch arithmetic the Adam family shares here: `lerp_` as torch's CPU
//! kernel computes it, and Python's `beta ** step`.

use super::rule::{Internals, UpdateRule, decayed};

/// torch's `lerp_(end, weight)` on one value: `start + w(end − start)` for |w| < ½, else
/// `end − (end − start)(1 − w)` (`ATen`'s `lerp`, which keeps the endpoint exact).
#[inline]
pub(super) fn torch_lerp(start: f64, end: f64, weight: f64) -> f64 {
    if weight.abs() < 0.5 {
        start + weight * (end - start)
    } else {
        end - (end - start) * (1.0 - weight)
    }
}

/// Python's `beta ** step` for a step counter t (a float in torch, exact for any count).
#[inline]
pub(super) fn python_pow(base: f64, steps: u64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "torch holds the step count as a float too")]
    let exponent = steps as f64;
    base.powf(exponent)
}

/// `torch.optim.Adamax`: m ← lerp(m, g, 1 − β₁), u ← max(β₂u, |g| + ε),
/// θ ← θ − (η/(1 − β₁ᵗ))·m/u.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamaxRule {
    pub(super) beta1: f64,
    pub(super) beta2: f64,
    pub(super) eps: f64,
    /// Coupled L2 weight decay λ (added to the gradient).
    pub(super) weight_decay: f64,
    /// torch's `exp_avg` (first moment m).
    pub(super) exp_avg: Vec<f64>,
    /// torch's `exp_inf` (the exponentially weighted infinity norm u).
    pub(super) exp_inf: Vec<f64>,
    pub(super) steps: u64,
}

/// One Adamax update's scalars, applied per coordinate.
#[derive(Clone, Copy)]
struct AdamaxCoordinate {
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    /// −η/(1 − β₁ᵗ), torch's `value=-clr`.
    neg_clr: f64,
}

impl AdamaxCoordinate {
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn update(self, p: &mut f64, g: f64, m: &mut f64, u: &mut f64) {
        let g = decayed(g, *p, self.weight_decay);
        *m = torch_lerp(*m, g, 1.0 - self.beta1);
        // torch.maximum(exp_inf·β₂, |g| + ε): NaN in either propagates.
        let (decayed_norm, fresh) = (*u * self.beta2, g.abs() + self.eps);
        *u = if decayed_norm.is_nan() || fresh.is_nan() {
            f64::NAN
        } else {
            decayed_norm.max(fresh)
        };
        // addcdiv_: p + (value·m)/u.
        *p += self.neg_clr * *m / *u;
    }
}

impl AdamaxRule {
    /// A fresh rule (zero state) for `n_params` parameters.
    pub(super) fn new(n_params: usize, betas: (f64, f64), eps: f64, weight_decay: f64) -> Self {
        Self {
            beta1: betas.0,
            beta2: betas.1,
            eps,
            weight_decay,
            exp_avg: vec![0.0; n_params],
            exp_inf: vec![0.0; n_params],
            steps: 0,
        }
    }

    /// torch's `exp_avg` (first moment m).
    #[must_use]
    pub fn exp_avg(&self) -> &[f64] {
        &self.exp_avg
    }

    /// torch's `exp_inf` (the infinity norm u).
    #[must_use]
    pub fn exp_inf(&self) -> &[f64] {
        &self.exp_inf
    }

    /// Advances t and returns this update's per-coordinate scalars.
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn begin_step(&mut self, lr: f64) -> AdamaxCoordinate {
        self.steps += 1;
        let bias_correction = 1.0 - python_pow(self.beta1, self.steps);
        let clr = lr / bias_correction;
        AdamaxCoordinate {
            beta1: self.beta1,
            beta2: self.beta2,
            eps: self.eps,
            weight_decay: self.weight_decay,
            neg_clr: -clr,
        }
    }
}

impl UpdateRule for AdamaxRule {
    #[inline]
    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        debug_assert_eq!(params.len(), self.exp_avg.len());
        let coordinate = self.begin_step(lr);
        let state = self.exp_avg.iter_mut().zip(&mut self.exp_inf);
        for ((p, &g), (m, u)) in params.iter_mut().zip(grad).zip(state) {
            coordinate.update(p, g, m, u);
        }
    }

    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        let coordinate = self.begin_step(lr);
        let (Some(m), Some(u)) =
            (self.exp_avg.first_chunk_mut::<2>(), self.exp_inf.first_chunk_mut::<2>())
        else {
            debug_assert!(false, "step_2d on a rule built for fewer than 2 parameters");
            return;
        };
        for i in 0..2 {
            coordinate.update(&mut params[i], grad[i], &mut m[i], &mut u[i]);
        }
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    fn set_momentum(&mut self, value: f64) {
        self.beta1 = value;
    }

    /// The effective step η/u, the factor applied to m̂ = m/(1 − β₁ᵗ) (infinite before the
    /// first update, where u = 0).
    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        for (e, &u) in effective_step.iter_mut().zip(&self.exp_inf) {
            *e = lr / u;
        }
        Internals {
            velocity: Some(&self.exp_avg),
            second_moment: Some(&self.exp_inf),
            steps_taken: self.steps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[expect(clippy::float_cmp, reason = "the ends must be exact, bit for bit")]
    fn torch_lerp_keeps_both_ends_exact() {
        assert_eq!(torch_lerp(0.3, 0.7, 0.0), 0.3);
        assert_eq!(torch_lerp(0.3, 0.7, 1.0), 0.7);
        assert_eq!(torch_lerp(0.0, 1.0, 0.1), 0.1);
        assert_eq!(torch_lerp(0.0, 1.0, 0.75), 0.75);
    }

    #[test]
    fn the_first_update_moves_each_coordinate_by_lr_times_g_over_g_plus_eps() {
        // t = 1: m = (1 − β₁)g, u = |g| + ε, step = η/(1 − β₁)·m/u = η·g/(|g| + ε).
        let mut rule = AdamaxRule::new(2, (0.9, 0.999), 1e-8, 0.0);
        let mut params = [1.0, -2.0];
        rule.step(&mut params, &[4.0, -0.5], 0.1);
        assert!((params[0] - (1.0 - 0.1 * 4.0 / (4.0 + 1e-8))).abs() < 1e-15);
        assert!((params[1] - (-2.0 + 0.1 * 0.5 / (0.5 + 1e-8))).abs() < 1e-15);
        assert_eq!(rule.exp_inf(), &[4.0 + 1e-8, 0.5 + 1e-8]);
    }

    #[test]
    fn step_2d_equals_step_bit_for_bit() {
        let mut flat = AdamaxRule::new(2, (0.8, 0.99), 1e-6, 0.01);
        let mut fast = flat.clone();
        let (mut a, mut b) = ([0.5, -1.5], [0.5, -1.5]);
        for k in 0..50 {
            let grad = [f64::from(k).sin() * 3.0, (f64::from(k) * 0.7).cos()];
            flat.step(&mut a, &grad, 0.05);
            fast.step_2d(&mut b, grad, 0.05);
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
        }
        assert_eq!(flat, fast);
    }

    #[test]
    fn a_nan_gradient_poisons_the_norm() {
        let mut rule = AdamaxRule::new(1, (0.9, 0.999), 1e-8, 0.0);
        let mut params = [1.0];
        rule.step(&mut params, &[2.0], 0.1);
        rule.step(&mut params, &[f64::NAN], 0.1);
        assert!(rule.exp_inf()[0].is_nan() && params[0].is_nan());
    }
}
