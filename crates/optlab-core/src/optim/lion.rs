//! Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms") as the
//! `lion-pytorch` package (0.2.5, `update_fn`) computes it: the parameter shrinks by
//! (1 − ηλ) first, then moves by η in every coordinate along the sign of an interpolation of
//! the momentum and the gradient; the momentum is updated last, with its own β₂.

use super::rule::{Internals, UpdateRule};

/// torch's `sign`/`sgn` on a real number: +1, −1, or 0 for ±0 and NaN (`(0 < a) − (a < 0)`).
#[inline]
fn torch_sign(value: f64) -> f64 {
    if value > 0.0 {
        1.0
    } else if value < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// `lion_pytorch.Lion` (without `decoupled_weight_decay`, which only rescales λ).
#[derive(Clone, Debug, PartialEq)]
pub struct LionRule {
    pub(super) beta1: f64,
    pub(super) beta2: f64,
    pub(super) weight_decay: f64,
    /// The package's `exp_avg`: the momentum m.
    pub(super) exp_avg: Vec<f64>,
    pub(super) steps: u64,
}

impl LionRule {
    pub(super) fn new(n_params: usize, beta1: f64, beta2: f64, weight_decay: f64) -> Self {
        Self { beta1, beta2, weight_decay, exp_avg: vec![0.0; n_params], steps: 0 }
    }

    /// The package's `exp_avg` (the momentum m).
    #[must_use]
    pub fn exp_avg(&self) -> &[f64] {
        &self.exp_avg
    }
}

/// One Lion update's scalars, applied per coordinate.
#[derive(Clone, Copy)]
struct LionCoordinate {
    shrink: f64,
    lr: f64,
    beta1: f64,
    beta2: f64,
}

impl LionCoordinate {
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn update(self, p: &mut f64, g: f64, m: &mut f64) {
        // p.data.mul_(1 − lr·wd), always (a factor of exactly 1 when λ = 0).
        *p *= self.shrink;
        // update = (exp_avg·β₁ + (1 − β₁)·g).sign(); p.add_(update, alpha = −lr)
        let interpolated = *m * self.beta1 + (1.0 - self.beta1) * g;
        *p += -self.lr * torch_sign(interpolated);
        // exp_avg.mul_(β₂).add_(g, alpha = 1 − β₂)
        *m = *m * self.beta2 + (1.0 - self.beta2) * g;
    }
}

impl LionRule {
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn begin_step(&mut self, lr: f64) -> LionCoordinate {
        self.steps += 1;
        LionCoordinate {
            shrink: 1.0 - lr * self.weight_decay,
            lr,
            beta1: self.beta1,
            beta2: self.beta2,
        }
    }
}

impl UpdateRule for LionRule {
    #[inline]
    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        debug_assert_eq!(params.len(), self.exp_avg.len());
        let coordinate = self.begin_step(lr);
        for ((p, &g), m) in params.iter_mut().zip(grad).zip(&mut self.exp_avg) {
            coordinate.update(p, g, m);
        }
    }

    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        let coordinate = self.begin_step(lr);
        let Some(m) = self.exp_avg.first_chunk_mut::<2>() else {
            debug_assert!(false, "step_2d on a rule built for fewer than 2 parameters");
            return;
        };
        for i in 0..2 {
            coordinate.update(&mut params[i], grad[i], &mut m[i]);
        }
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    /// The step is η·sign(…) in every coordinate: the effective step size is η.
    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        effective_step.fill(lr);
        Internals { velocity: Some(&self.exp_avg), second_moment: None, steps_taken: self.steps }
    }
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "sign steps are exact in these tests")]
mod tests {
    use super::*;

    #[test]
    fn the_sign_is_torchs_with_zero_for_zero_and_nan() {
        assert_eq!(torch_sign(3.0), 1.0);
        assert_eq!(torch_sign(-1e-300), -1.0);
        assert_eq!(torch_sign(0.0), 0.0);
        assert_eq!(torch_sign(-0.0), 0.0);
        assert_eq!(torch_sign(f64::NAN), 0.0);
    }

    #[test]
    fn the_first_step_moves_by_lr_against_the_gradients_sign_then_fills_the_momentum() {
        let mut rule = LionRule::new(3, 0.9, 0.99, 0.0);
        let mut params = [1.0, -2.0, 0.5];
        rule.step(&mut params, &[4.0, -0.001, 0.0], 0.25);
        assert_eq!(params, [0.75, -1.75, 0.5]);
        assert_eq!(rule.exp_avg()[0], (1.0 - 0.99) * 4.0);
        assert_eq!(rule.steps_taken(), 1);
    }

    #[test]
    fn weight_decay_shrinks_the_parameter_before_the_sign_step() {
        let mut rule = LionRule::new(1, 0.9, 0.99, 0.5);
        let mut params = [2.0];
        rule.step(&mut params, &[1.0], 0.1);
        assert_eq!(params[0], 2.0 * (1.0 - 0.1 * 0.5) - 0.1);
    }

    #[test]
    fn step_2d_equals_step_bit_for_bit() {
        let mut slow = LionRule::new(2, 0.8, 0.95, 0.01);
        let mut fast = slow.clone();
        let (mut a, mut b) = ([0.3_f64, -1.7], [0.3_f64, -1.7]);
        for t in 0..50 {
            let g = [a[0].sin() * 3.0 + f64::from(t) * 0.01, a[1] * a[0] - 0.2];
            slow.step(&mut a, &g, 0.01);
            fast.step_2d(&mut b, g, 0.01);
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
        }
        assert_eq!(slow, fast);
    }
}
