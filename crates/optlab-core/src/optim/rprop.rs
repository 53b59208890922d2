//! `torch.optim.Rprop` (`_single_tensor_rprop`): per-coordinate step sizes that grow while the
//! gradient keeps its sign and shrink when it flips; the step uses only the gradient's sign.

use super::rule::{Internals, UpdateRule};

/// `torch.optim.Rprop`'s hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct RpropParams {
    /// η⁻: the factor of a step size whose gradient changed sign, in (0, 1).
    pub eta_minus: f64,
    /// η⁺: the factor of a step size whose gradient kept its sign, above 1.
    pub eta_plus: f64,
    /// The smallest step size.
    pub step_min: f64,
    /// The largest step size.
    pub step_max: f64,
}

/// `torch.optim.Rprop`.
#[derive(Clone, Debug, PartialEq)]
pub struct RpropRule {
    pub(super) params: RpropParams,
    /// torch's `prev`: the gradient of the previous update, 0 where its sign had changed.
    pub(super) prev: Vec<f64>,
    /// torch's `step_size`: each coordinate's step, set to the lr of the first update.
    pub(super) step_size: Vec<f64>,
    pub(super) steps: u64,
}

impl RpropRule {
    /// A fresh rule for `n_params` parameters (step sizes are set on the first update).
    pub(super) fn new(n_params: usize, params: RpropParams) -> Self {
        Self { params, prev: vec![0.0; n_params], step_size: vec![0.0; n_params], steps: 0 }
    }

    /// torch's `prev`.
    #[must_use]
    pub fn prev(&self) -> &[f64] {
        &self.prev
    }

    /// torch's `step_size`.
    #[must_use]
    pub fn step_size(&self) -> &[f64] {
        &self.step_size
    }

    /// Counts the update; the first one sets every step size to its lr, as torch's lazy state
    /// initialization does.
    #[inline]
    fn begin(&mut self, lr: f64) {
        if self.steps == 0 {
            self.step_size.fill(lr);
        }
        self.steps += 1;
    }
}

/// torch's `sign`: −1, 0 or 1, and NaN for NaN (Rust's `signum` gives 1 for +0).
#[inline]
fn torch_sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x * 0.0
    }
}

/// torch's `clamp_(min, max)`: max(x, min) then min(·, max), NaN staying NaN (so `max` wins
/// when min > max, as in torch).
#[inline]
fn torch_clamp(x: f64, min: f64, max: f64) -> f64 {
    if x.is_nan() { x } else { x.max(min).min(max) }
}

/// One Rprop coordinate, in torch's order.
#[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
#[inline(always)]
#[expect(clippy::float_cmp, reason = "torch masks where the factor equals eta_minus exactly")]
fn rprop_update(p: &mut f64, g: f64, (prev, step_size): (&mut f64, &mut f64), rp: RpropParams) {
    let product = g * *prev;
    // sign[sign > 0] = etaplus; sign[sign < 0] = etaminus; sign[sign == 0] = 1 (NaN stays).
    let factor = if product > 0.0 {
        rp.eta_plus
    } else if product < 0.0 {
        rp.eta_minus
    } else if product == 0.0 {
        1.0
    } else {
        product
    };
    *step_size = torch_clamp(*step_size * factor, rp.step_min, rp.step_max);
    // grad[sign == etaminus] = 0: no move where the sign changed, and prev becomes 0.
    let g = if factor == rp.eta_minus { 0.0 } else { g };
    // param.addcmul_(grad.sign(), step_size, value=-1)
    *p += -(torch_sign(g) * *step_size);
    *prev = g;
}

impl UpdateRule for RpropRule {
    #[inline]
    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        debug_assert_eq!(params.len(), self.prev.len());
        self.begin(lr);
        let rp = self.params;
        let state = self.prev.iter_mut().zip(&mut self.step_size);
        for ((p, &g), (prev, step_size)) in params.iter_mut().zip(grad).zip(state) {
            rprop_update(p, g, (prev, step_size), rp);
        }
    }

    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        self.begin(lr);
        let rp = self.params;
        let (Some(prev), Some(step_size)) =
            (self.prev.first_chunk_mut::<2>(), self.step_size.first_chunk_mut::<2>())
        else {
            debug_assert!(false, "step_2d on a rule built for fewer than 2 parameters");
            return;
        };
        for i in 0..2 {
            rprop_update(&mut params[i], grad[i], (&mut prev[i], &mut step_size[i]), rp);
        }
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    /// The effective step is each coordinate's `step_size` (the lr before the first update),
    /// which multiplies sign(∇L); the `velocity` slot carries `prev`, the stored gradient.
    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        if self.steps == 0 {
            effective_step.fill(lr);
        } else {
            for (e, s) in effective_step.iter_mut().zip(&self.step_size) {
                *e = *s;
            }
        }
        Internals { velocity: Some(&self.prev), second_moment: None, steps_taken: self.steps }
    }
}

/// The RON variant's update rule in the course's notation.
pub(super) fn rprop_rule_text() -> &'static str {
    "s = ∇L · ∇L_prev   (per coordinate)\n\
     Δ ← clamp(η⁺Δ if s > 0, η⁻Δ if s < 0, Δ if s = 0; step_min, step_max)   (Δ = lr at first)\n\
     ∇L ← 0 where s < 0   (no move after a sign change)\n\
     θ ← θ − Δ·sign(∇L),  ∇L_prev ← ∇L"
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact by construction")]
mod tests {
    use super::*;

    fn rule() -> RpropRule {
        RpropRule::new(
            2,
            RpropParams { eta_minus: 0.5, eta_plus: 1.2, step_min: 1e-6, step_max: 50.0 },
        )
    }

    #[test]
    fn a_sign_change_shrinks_the_step_and_does_not_move() {
        let mut rprop = rule();
        let mut params = [1.0, 1.0];
        rprop.step(&mut params, &[2.0, -3.0], 0.1);
        assert_eq!(params, [0.9, 1.1]);
        rprop.step(&mut params, &[1.0, 3.0], 0.1);
        assert_eq!(params[0], 0.9 - 0.1 * 1.2);
        assert_eq!(params[1], 1.1, "the flipped coordinate stays");
        assert_eq!(rprop.prev, [1.0, 0.0]);
        assert_eq!(rprop.step_size, [0.1 * 1.2, 0.1 * 0.5]);
        assert_eq!(torch_sign(0.0), 0.0);
        assert!(torch_sign(f64::NAN).is_nan());
        assert_eq!(torch_clamp(5.0, 2.0, 1.0), 1.0);
    }

    #[test]
    fn step_2d_equals_step_bit_for_bit() {
        let mut slow = rule();
        let mut fast = slow.clone();
        let (mut a, mut b) = ([0.3, -1.7], [0.3, -1.7]);
        for t in 0..60 {
            let grad = [a[0] * 3.0 - 1.0, if t % 7 == 0 { 0.0 } else { a[1] * 0.5 + 0.2 }];
            slow.step(&mut a, &grad, 0.05);
            fast.step_2d(&mut b, grad, 0.05);
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits), "step {t}");
        }
        assert_eq!(slow, fast);
    }
}
