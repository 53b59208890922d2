//! `torch.optim.NAdam` (`_single_tensor_nadam`): Adam with Nesterov momentum and Dozat's
//! momentum schedule μₜ = β₁(1 − ½·0.96^(t·ψ)), ψ = `momentum_decay`.

use super::adamax::{python_pow, torch_lerp};
use super::rule::{Internals, UpdateRule, decayed};

/// Dozat's momentum coefficient μₜ = β₁(1 − ½·0.96^(t·ψ)), as torch computes it in Python floats.
#[inline]
fn momentum_coefficient(beta1: f64, steps: u64, momentum_decay: f64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "torch holds the step count as a float too")]
    let t = steps as f64;
    beta1 * (1.0 - 0.5 * 0.96f64.powf(t * momentum_decay))
}

/// `torch.optim.NAdam`.
#[derive(Clone, Debug, PartialEq)]
pub struct NAdamRule {
    pub(super) beta1: f64,
    pub(super) beta2: f64,
    pub(super) eps: f64,
    pub(super) weight_decay: f64,
    /// ψ in μₜ = β₁(1 − ½·0.96^(t·ψ)).
    pub(super) momentum_decay: f64,
    /// θ ← θ(1 − ηλ) instead of g ← g + λθ.
    pub(super) decoupled: bool,
    /// torch's `exp_avg` (first moment m).
    pub(super) exp_avg: Vec<f64>,
    /// torch's `exp_avg_sq` (raw second moment v).
    pub(super) exp_avg_sq: Vec<f64>,
    /// torch's `mu_product` ∏ᵢ₌₁ᵗ μᵢ (1 before the first update).
    pub(super) mu_product: f64,
    pub(super) steps: u64,
    /// μₜ₊₁ computed by the last update, which is this update's μₜ (the same `powf` with the
    /// same inputs, so reusing it is bit-identical and saves one `powf` a step); `None` before
    /// the first update.
    pub(super) next_mu: Option<f64>,
}

/// One `NAdam` update's scalars, applied per coordinate.
#[derive(Clone, Copy)]
struct NAdamCoordinate {
    beta1: f64,
    beta2: f64,
    eps: f64,
    /// Coupled λ (0 when decoupled).
    coupled: f64,
    /// 1 − ηλ when decoupled with λ ≠ 0.
    shrink: Option<f64>,
    bias_correction2: f64,
    /// −η(1 − μₜ)/(1 − ∏μ), the gradient's coefficient.
    grad_coefficient: f64,
    /// −ημₜ₊₁/(1 − ∏μ·μₜ₊₁), the momentum's coefficient.
    momentum_coefficient: f64,
}

impl NAdamCoordinate {
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn update(self, p: &mut f64, g: f64, m: &mut f64, v: &mut f64) {
        if let Some(shrink) = self.shrink {
            *p *= shrink;
        }
        let g = decayed(g, *p, self.coupled);
        *m = torch_lerp(*m, g, 1.0 - self.beta1);
        *v = *v * self.beta2 + (1.0 - self.beta2) * g * g;
        let denom = (*v / self.bias_correction2).sqrt() + self.eps;
        // Two addcdiv_ over the same denominator, in torch's order.
        *p += self.grad_coefficient * g / denom;
        *p += self.momentum_coefficient * *m / denom;
    }
}

impl NAdamRule {
    /// A fresh rule (zero moments, ∏μ = 1) for `n_params` parameters.
    pub(super) fn new(
        n_params: usize,
        (beta1, beta2, eps): (f64, f64, f64),
        (weight_decay, decoupled): (f64, bool),
        momentum_decay: f64,
    ) -> Self {
        Self {
            beta1,
            beta2,
            eps,
            weight_decay,
            momentum_decay,
            decoupled,
            exp_avg: vec![0.0; n_params],
            exp_avg_sq: vec![0.0; n_params],
            mu_product: 1.0,
            steps: 0,
            next_mu: None,
        }
    }

    /// torch's `exp_avg`.
    #[must_use]
    pub fn exp_avg(&self) -> &[f64] {
        &self.exp_avg
    }

    /// torch's `exp_avg_sq`.
    #[must_use]
    pub fn exp_avg_sq(&self) -> &[f64] {
        &self.exp_avg_sq
    }

    /// torch's `mu_product` ∏μᵢ, as a one-element buffer.
    #[must_use]
    pub fn mu_product(&self) -> &[f64] {
        std::slice::from_ref(&self.mu_product)
    }

    /// Advances t, multiplies μₜ into ∏μ and returns this update's per-coordinate scalars.
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn begin_step(&mut self, lr: f64) -> NAdamCoordinate {
        self.steps += 1;
        let bias_correction2 = 1.0 - python_pow(self.beta2, self.steps);
        let (wd, decoupled) = (self.weight_decay, self.decoupled && self.weight_decay != 0.0);
        let mu = self
            .next_mu
            .unwrap_or_else(|| momentum_coefficient(self.beta1, self.steps, self.momentum_decay));
        let mu_next = momentum_coefficient(self.beta1, self.steps + 1, self.momentum_decay);
        self.next_mu = Some(mu_next);
        self.mu_product *= mu;
        let mu_product_next = self.mu_product * mu_next;
        NAdamCoordinate {
            beta1: self.beta1,
            beta2: self.beta2,
            eps: self.eps,
            coupled: if self.decoupled { 0.0 } else { wd },
            shrink: decoupled.then_some(1.0 - lr * wd),
            bias_correction2,
            grad_coefficient: -lr * (1.0 - mu) / (1.0 - self.mu_product),
            momentum_coefficient: (-lr * mu_next) / (1.0 - mu_product_next),
        }
    }
}

impl UpdateRule for NAdamRule {
    #[inline]
    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        debug_assert_eq!(params.len(), self.exp_avg.len());
        let coordinate = self.begin_step(lr);
        let state = self.exp_avg.iter_mut().zip(&mut self.exp_avg_sq);
        for ((p, &g), (m, v)) in params.iter_mut().zip(grad).zip(state) {
            coordinate.update(p, g, m, v);
        }
    }

    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        let coordinate = self.begin_step(lr);
        let (Some(m), Some(v)) =
            (self.exp_avg.first_chunk_mut::<2>(), self.exp_avg_sq.first_chunk_mut::<2>())
        else {
            debug_assert!(false, "step_2d on a rule built for fewer than 2 parameters");
            return;
        };
        for i in 0..2 {
            coordinate.update(&mut params[i], grad[i], &mut m[i], &mut v[i]);
        }
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    /// PyTorch recomputes μₜ from the group's current β₁, so the cached μₜ₊₁ of the last
    /// update is dropped when β₁ moves.
    fn set_momentum(&mut self, value: f64) {
        if value.to_bits() != self.beta1.to_bits() {
            self.beta1 = value;
            self.next_mu = None;
        }
    }

    /// The effective step η/(√v̂ + ε) (v̂ = v/(1 − β₂ᵗ); v itself before the first update),
    /// the factor applied to the Nesterov combination of ∇L and m.
    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        let correction =
            if self.steps == 0 { 1.0 } else { 1.0 - python_pow(self.beta2, self.steps) };
        for (e, &v) in effective_step.iter_mut().zip(&self.exp_avg_sq) {
            *e = lr / ((v / correction).sqrt() + self.eps);
        }
        Internals {
            velocity: Some(&self.exp_avg),
            second_moment: Some(&self.exp_avg_sq),
            steps_taken: self.steps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mu_product_is_the_product_of_the_momentum_schedule() {
        let mut rule = NAdamRule::new(2, (0.9, 0.999, 1e-8), (0.0, false), 0.004);
        let mut params = [1.0, 2.0];
        let mut product = 1.0;
        for t in 1..=5 {
            rule.step(&mut params, &[0.5, -0.25], 0.01);
            product *= 0.9 * (1.0 - 0.5 * 0.96f64.powf(f64::from(t) * 0.004));
            assert_eq!(rule.mu_product(), &[product]);
        }
    }

    #[test]
    fn step_2d_equals_step_bit_for_bit() {
        for decoupled in [false, true] {
            let mut flat = NAdamRule::new(2, (0.8, 0.99, 1e-6), (0.05, decoupled), 0.01);
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
    }
}
