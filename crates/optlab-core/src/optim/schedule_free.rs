//! Schedule-Free AdamW and SGD (Defazio et al. 2024, "The Road Less Scheduled") as the
//! `schedulefree` package (1.4.1, `AdamWScheduleFree`/`SGDScheduleFree` in train mode, the
//! single-tensor loop) computes them.
//!
//! The optimizer keeps the base sequence z (a plain SGD or Adam-normalized step on z) and the
//! weighted average x of the z's; the parameter is y = (1 − β)z + βx, where gradients are
//! taken (train mode). The package never stores x: it updates y in place,
//!
//! ```text
//! y ← lerp(y, z, cₜ₊₁) + η(β(1 − cₜ₊₁) − 1)·g,   z ← z − η·g,
//! ```
//!
//! and `eval()` recovers x = lerp(y, z, 1 − 1/β), which is [`ScheduleFreeRule::evaluation_point`]
//! here. The averaging weight is cₜ₊₁ = wₜ₊₁/Σw with wₜ₊₁ = (t + 1)ʳ·max(ηₛ)^`weight_lr_power`,
//! ηₛ the lr after the linear warm-up (max over the steps so far). AdamW divides the gradient by
//! √(v/(1 − β₂ᵗ)) + ε and adds the weight decay λy after that; SGD adds λy to the gradient.
//!
//! One deviation in the last bits, as [`super::AdamRule`]: β₂ᵗ is a running product instead of
//! Python's `beta2 ** (k + 1)` (equal up to about t·1e-16 relative, far inside 1e-10).

use super::rule::{Internals, UpdateRule};

/// torch's `lerp` with a scalar weight: `self + w·(end − self)` when |w| < ½, else
/// `end − (end − self)·(1 − w)`.
#[inline]
fn torch_lerp(start: f64, end: f64, weight: f64) -> f64 {
    if weight.abs() < 0.5 {
        start + weight * (end - start)
    } else {
        end - (end - start) * (1.0 - weight)
    }
}

/// βᵗ, or 0 once 1 − βᵗ is exactly 1 (see `adam.rs`: keeps the product out of subnormals).
#[inline]
fn flush_negligible(power: f64) -> f64 {
    if power < 1e-20 { 0.0 } else { power }
}

/// The hyperparameters of both Schedule-Free rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct ScheduleFreeHyper {
    /// β: AdamW's `beta1`, SGD's `momentum` (the interpolation between z and x).
    pub(super) beta: f64,
    /// AdamW's β₂; `None` for SGD (no second moment).
    pub(super) beta2: Option<f64>,
    /// AdamW's ε (unused by SGD).
    pub(super) eps: f64,
    pub(super) weight_decay: f64,
    pub(super) warmup_steps: u64,
    pub(super) r: f64,
    pub(super) weight_lr_power: f64,
}

/// `schedulefree.AdamWScheduleFree` (with a second moment) or `SGDScheduleFree` (without).
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleFreeRule {
    pub(super) hyper: ScheduleFreeHyper,
    /// The package's `z`, set to the parameters on the first step.
    pub(super) z: Vec<f64>,
    /// The package's `exp_avg_sq` (kept at zero for SGD).
    pub(super) exp_avg_sq: Vec<f64>,
    /// The group's `lr_max` (−1 before the first step, as in the package).
    pub(super) lr_max: f64,
    /// `lr_max ** weight_lr_power`, recomputed only when `lr_max` changes.
    pub(super) lr_max_weight: f64,
    /// The group's `weight_sum`.
    pub(super) weight_sum: f64,
    /// β₂ᵗ as a running product (AdamW).
    pub(super) beta2_pow: f64,
    /// The group's `k`: updates taken.
    pub(super) steps: u64,
}

/// One update's scalars, applied per coordinate.
#[derive(Clone, Copy)]
struct ScheduleFreeCoordinate {
    /// `Some((β₂, 1 − β₂ᵗ, ε))` for AdamW.
    adaptive: Option<(f64, f64, f64)>,
    weight_decay: f64,
    ckp1: f64,
    y_lr: f64,
    lr: f64,
}

impl ScheduleFreeCoordinate {
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn update(self, y: &mut f64, g: f64, z: &mut f64, v: &mut f64) {
        let mut g = g;
        if let Some((beta2, bias_correction2, eps)) = self.adaptive {
            // exp_avg_sq.mul_(β₂).addcmul_(g, g, value = 1 − β₂)
            *v = *v * beta2 + (1.0 - beta2) * (g * g);
            // denom = exp_avg_sq.div(bc2).sqrt_().add_(eps); grad.div_(denom)
            g /= (*v / bias_correction2).sqrt() + eps;
        }
        // Weight decay at y (after the normalization for AdamW).
        if self.weight_decay != 0.0 {
            g += self.weight_decay * *y;
        }
        *y = torch_lerp(*y, *z, self.ckp1);
        *y += self.y_lr * g;
        *z -= self.lr * g;
    }
}

impl ScheduleFreeRule {
    pub(super) fn new(n_params: usize, hyper: ScheduleFreeHyper) -> Self {
        Self {
            hyper,
            z: vec![0.0; n_params],
            exp_avg_sq: vec![0.0; n_params],
            lr_max: -1.0,
            lr_max_weight: 0.0,
            weight_sum: 0.0,
            beta2_pow: 1.0,
            steps: 0,
        }
    }

    /// The package's `z` (the base sequence), `None` before the first step.
    #[must_use]
    pub fn z(&self) -> Option<&[f64]> {
        (self.steps > 0).then_some(self.z.as_slice())
    }

    /// The package's `exp_avg_sq` (AdamW only, after the first step).
    #[must_use]
    pub fn exp_avg_sq(&self) -> Option<&[f64]> {
        (self.steps > 0 && self.hyper.beta2.is_some()).then_some(self.exp_avg_sq.as_slice())
    }

    /// The warm-up factor of update k + 1 (k updates taken): (k + 1)/`warmup_steps` during
    /// the warm-up, else 1.
    #[inline]
    fn warmup_factor(&self, k: u64) -> f64 {
        if k < self.hyper.warmup_steps {
            (k + 1) as f64 / self.hyper.warmup_steps as f64
        } else {
            1.0
        }
    }

    /// Advances k and returns this update's per-coordinate scalars (the package's group code).
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn begin_step(&mut self, params: &[f64], group_lr: f64) -> ScheduleFreeCoordinate {
        let hyper = self.hyper;
        let k = self.steps;
        if k == 0 {
            self.z.copy_from_slice(params);
        }
        let lr = group_lr * self.warmup_factor(k);
        let adaptive = hyper.beta2.map(|beta2| {
            self.beta2_pow = flush_negligible(self.beta2_pow * beta2);
            (beta2, 1.0 - self.beta2_pow, hyper.eps)
        });
        // Python's max(lr, lr_max) keeps lr unless lr_max is larger.
        let keeps_max = self.lr_max > lr;
        if !keeps_max && self.lr_max.to_bits() != lr.to_bits() {
            self.lr_max = lr;
            self.lr_max_weight = lr.powf(hyper.weight_lr_power);
        }
        let position_weight = if hyper.r == 0.0 { 1.0 } else { ((k + 1) as f64).powf(hyper.r) };
        let weight = position_weight * self.lr_max_weight;
        self.weight_sum += weight;
        // Python raises ZeroDivisionError (caught: ckp1 = 0) only for a zero sum.
        let ckp1 = if self.weight_sum == 0.0 { 0.0 } else { weight / self.weight_sum };
        self.steps = k + 1;
        ScheduleFreeCoordinate {
            adaptive,
            weight_decay: hyper.weight_decay,
            ckp1,
            y_lr: lr * (hyper.beta * (1.0 - ckp1) - 1.0),
            lr,
        }
    }

    /// The evaluation point x = lerp(y, z, 1 − 1/β) of parameters `params` (what the package's
    /// `eval()` sets the parameters to); y itself before the first step.
    pub(super) fn write_evaluation_point(&self, params: &[f64], out: &mut [f64]) {
        if self.steps == 0 {
            out.copy_from_slice(params);
            return;
        }
        let weight = 1.0 - 1.0 / self.hyper.beta;
        for ((o, &y), &z) in out.iter_mut().zip(params).zip(&self.z) {
            *o = torch_lerp(y, z, weight);
        }
    }
}

impl UpdateRule for ScheduleFreeRule {
    #[inline]
    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        debug_assert_eq!(params.len(), self.z.len());
        let coordinate = self.begin_step(params, lr);
        let state = self.z.iter_mut().zip(&mut self.exp_avg_sq);
        for ((y, &g), (z, v)) in params.iter_mut().zip(grad).zip(state) {
            coordinate.update(y, g, z, v);
        }
    }

    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        let coordinate = self.begin_step(params, lr);
        let (Some(z), Some(v)) =
            (self.z.first_chunk_mut::<2>(), self.exp_avg_sq.first_chunk_mut::<2>())
        else {
            debug_assert!(false, "step_2d on a rule built for fewer than 2 parameters");
            return;
        };
        for i in 0..2 {
            coordinate.update(&mut params[i], grad[i], &mut z[i], &mut v[i]);
        }
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    #[inline]
    fn evaluation_point(&self, params: &[f64], out: &mut [f64]) -> bool {
        self.write_evaluation_point(params, out);
        true
    }

    /// The factor of the next z step: ηₛ (the warmed-up lr) for SGD, ηₛ/(√v̂ + ε) for AdamW
    /// with the current v̂ (no bias correction before the first step).
    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        let lr = lr * self.warmup_factor(self.steps);
        let second_moment = self.exp_avg_sq();
        match second_moment {
            Some(v) => {
                let bias_correction2 = 1.0 - self.beta2_pow;
                for (e, &v) in effective_step.iter_mut().zip(v) {
                    *e = lr / ((v / bias_correction2).sqrt() + self.hyper.eps);
                }
            }
            None if self.hyper.beta2.is_some() => {
                effective_step.fill(lr / self.hyper.eps);
            }
            None => effective_step.fill(lr),
        }
        Internals { velocity: None, second_moment, steps_taken: self.steps }
    }
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact by construction")]
mod tests {
    use super::*;

    fn sgd(momentum: f64) -> ScheduleFreeRule {
        ScheduleFreeRule::new(
            2,
            ScheduleFreeHyper {
                beta: momentum,
                beta2: None,
                eps: 0.0,
                weight_decay: 0.0,
                warmup_steps: 0,
                r: 0.0,
                weight_lr_power: 2.0,
            },
        )
    }

    #[test]
    fn torch_lerp_switches_formula_at_one_half() {
        assert_eq!(torch_lerp(1.0, 3.0, 0.25), 1.5);
        assert_eq!(torch_lerp(1.0, 3.0, 1.0), 3.0);
        assert_eq!(torch_lerp(1.0, 3.0, -0.125), 0.75);
    }

    #[test]
    fn the_first_sgd_step_is_a_plain_gradient_step_on_y_z_and_x() {
        // c₁ = 1: y ← z + η(β·0 − 1)g, z ← z − ηg, so y = z = x after one step.
        let mut rule = sgd(0.9);
        let mut y = [2.0, -1.5];
        rule.step(&mut y, &[4.0, 1.0], 0.1);
        assert_eq!(y, [2.0 - 0.4, -1.5 - 0.1]);
        assert_eq!(rule.z(), Some(&[1.6, -1.6][..]));
        let mut x = [0.0; 2];
        assert!(rule.evaluation_point(&y, &mut x));
        assert_eq!(x, y);
    }

    #[test]
    fn x_is_the_running_average_of_z_for_constant_lr_and_r_zero() {
        let mut rule = sgd(0.5);
        let mut y = [1.0, 1.0];
        let mut zs = Vec::new();
        for t in 0..20 {
            let g = [y[0] - 0.3 * f64::from(t), 2.0 * y[1]];
            rule.step(&mut y, &g, 0.05);
            zs.push(rule.z().expect("z after a step").to_vec());
        }
        let mut x = [0.0; 2];
        rule.write_evaluation_point(&y, &mut x);
        for i in 0..2 {
            let mean = zs.iter().map(|z| z[i]).sum::<f64>() / zs.len() as f64;
            assert!((x[i] - mean).abs() < 1e-12, "x[{i}] = {}, mean of z = {mean}", x[i]);
        }
    }

    #[test]
    fn step_2d_equals_step_bit_for_bit() {
        let hyper = ScheduleFreeHyper {
            beta: 0.9,
            beta2: Some(0.999),
            eps: 1e-8,
            weight_decay: 0.01,
            warmup_steps: 5,
            r: 0.5,
            weight_lr_power: 2.0,
        };
        for adaptive in [true, false] {
            let hyper = ScheduleFreeHyper { beta2: adaptive.then_some(0.999), ..hyper };
            let mut slow = ScheduleFreeRule::new(2, hyper);
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
}
