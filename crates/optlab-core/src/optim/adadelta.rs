//! `torch.optim.Adadelta` (`_single_tensor_adadelta`).

use super::rule::{Internals, UpdateRule, decayed};

/// `torch.optim.Adadelta`: a running average of squared gradients (`square_avg`) and one of
/// squared updates (`acc_delta`); the update is √(u + ε)/√(v + ε)·g (u = `acc_delta`, v =
/// `square_avg`), with the accumulated update taken *before* this step's, times `lr`.
#[derive(Clone, Debug, PartialEq)]
pub struct AdadeltaRule {
    pub(super) rho: f64,
    pub(super) eps: f64,
    pub(super) weight_decay: f64,
    /// torch's `square_avg`: E[g²], the running average of squared gradients.
    pub(super) square_avg: Vec<f64>,
    /// torch's `acc_delta`: E[Δ²], the running average of squared updates.
    pub(super) acc_delta: Vec<f64>,
    pub(super) steps: u64,
}

impl AdadeltaRule {
    /// A fresh rule (zero state) for `n_params` parameters.
    pub(super) fn new(n_params: usize, rho: f64, eps: f64, weight_decay: f64) -> Self {
        Self {
            rho,
            eps,
            weight_decay,
            square_avg: vec![0.0; n_params],
            acc_delta: vec![0.0; n_params],
            steps: 0,
        }
    }

    /// torch's `square_avg`.
    #[must_use]
    pub fn square_avg(&self) -> &[f64] {
        &self.square_avg
    }

    /// torch's `acc_delta`.
    #[must_use]
    pub fn acc_delta(&self) -> &[f64] {
        &self.acc_delta
    }
}

/// One Adadelta coordinate, in torch's order of operations.
#[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
#[inline(always)]
fn adadelta_update(
    p: &mut f64,
    g: f64,
    (square_avg, acc_delta): (&mut f64, &mut f64),
    (rho, eps, weight_decay, lr): (f64, f64, f64, f64),
) {
    let g = decayed(g, *p, weight_decay);
    // square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
    *square_avg = *square_avg * rho + (1.0 - rho) * g * g;
    let std = (*square_avg + eps).sqrt();
    // delta = acc_delta.add(eps).sqrt_().div_(std).mul_(grad): the old acc_delta.
    let delta = (*acc_delta + eps).sqrt() / std * g;
    *acc_delta = *acc_delta * rho + (1.0 - rho) * delta * delta;
    // param.add_(delta, alpha=-lr)
    *p += -lr * delta;
}

impl UpdateRule for AdadeltaRule {
    #[inline]
    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        debug_assert_eq!(params.len(), self.square_avg.len());
        self.steps += 1;
        let scalars = (self.rho, self.eps, self.weight_decay, lr);
        let state = self.square_avg.iter_mut().zip(&mut self.acc_delta);
        for ((p, &g), (s, a)) in params.iter_mut().zip(grad).zip(state) {
            adadelta_update(p, g, (s, a), scalars);
        }
    }

    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        self.steps += 1;
        let scalars = (self.rho, self.eps, self.weight_decay, lr);
        let (Some(square_avg), Some(acc_delta)) =
            (self.square_avg.first_chunk_mut::<2>(), self.acc_delta.first_chunk_mut::<2>())
        else {
            debug_assert!(false, "step_2d on a rule built for fewer than 2 parameters");
            return;
        };
        for i in 0..2 {
            adadelta_update(
                &mut params[i],
                grad[i],
                (&mut square_avg[i], &mut acc_delta[i]),
                scalars,
            );
        }
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    /// The factor the next update multiplies the gradient by, η·√(u + ε)/√(v + ε), with the
    /// state as it stands (the next step first adds its own g² to v). `second_moment` is v
    /// (`square_avg`); `velocity` is u (`acc_delta`), the running average of squared updates
    /// (in squared parameter units, not a velocity).
    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        let state = self.square_avg.iter().zip(&self.acc_delta);
        for (e, (s, a)) in effective_step.iter_mut().zip(state) {
            *e = lr * ((a + self.eps).sqrt() / (s + self.eps).sqrt());
        }
        Internals {
            velocity: Some(&self.acc_delta),
            second_moment: Some(&self.square_avg),
            steps_taken: self.steps,
        }
    }
}

/// The RON variant's update rule in the course's notation (after the weight-decay line).
pub(super) fn adadelta_rule_text() -> &'static str {
    "v ← ρv + (1 − ρ)(∇L)²   (square_avg)\n\
     Δ = √(u + ε)/√(v + ε) · ∇L   (u from before this step)\n\
     u ← ρu + (1 − ρ)Δ²   (acc_delta)\n\
     θ ← θ − ηΔ"
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact by construction")]
mod tests {
    use super::*;

    #[test]
    fn the_first_step_is_sqrt_eps_over_root_of_the_averaged_square() {
        let mut rule = AdadeltaRule::new(2, 0.9, 1e-6, 0.0);
        let mut params = [1.0, -2.0];
        rule.step(&mut params, &[2.0, 0.0], 1.0);
        let v = 0.1 * 4.0;
        let delta = (1e-6_f64).sqrt() / (v + 1e-6_f64).sqrt() * 2.0;
        assert!((params[0] - (1.0 - delta)).abs() < 1e-15, "{params:?}");
        assert_eq!(params[1], -2.0);
        assert!((rule.acc_delta[0] - 0.1 * delta * delta).abs() < 1e-20);
        assert_eq!(rule.steps_taken(), 1);
    }

    #[test]
    fn step_2d_equals_step_bit_for_bit() {
        let mut slow = AdadeltaRule::new(2, 0.95, 1e-4, 0.01);
        let mut fast = slow.clone();
        let (mut a, mut b) = ([0.3, -1.7], [0.3, -1.7]);
        for t in 0..50 {
            let grad = [(a[0] * 3.0 - 1.0) * f64::from(t % 3), a[1] * 0.5 + 2.0];
            slow.step(&mut a, &grad, 0.7);
            fast.step_2d(&mut b, grad, 0.7);
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits), "step {t}");
        }
        assert_eq!(slow, fast);
    }
}
