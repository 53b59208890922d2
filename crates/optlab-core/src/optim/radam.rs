//! `torch.optim.RAdam` (`_single_tensor_radam`): Adam whose adaptive step is switched on only
//! once the variance of v̂ is tractable (ρₜ > 5), and scaled by the rectification term rₜ.

use super::adamax::{python_pow, torch_lerp};
use super::nadam::{NEGLIGIBLE_POWER, is_one};
use super::rule::{Internals, UpdateRule, decayed};

/// The length of the approximated simple moving average ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ), with
/// ρ∞ = 2/(1 − β₂) − 1, as torch computes them. Returns (ρ∞, ρₜ).
#[must_use]
pub fn radam_rho(beta2: f64, steps: u64) -> (f64, f64) {
    rho_with_power(beta2, steps, python_pow(beta2, steps))
}

/// [`radam_rho`] given β₂ᵗ, which the rectification needs too (one `powf` a step, not two).
#[inline]
fn rho_with_power(beta2: f64, steps: u64, beta2_pow: f64) -> (f64, f64) {
    #[expect(clippy::cast_precision_loss, reason = "torch holds the step count as a float too")]
    let t = steps as f64;
    let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
    (rho_inf, rho_inf - 2.0 * t * beta2_pow / (1.0 - beta2_pow))
}

/// Whether `RAdam`'s update `steps` (t ≥ 1) takes the rectified adaptive step (ρₜ > 5) rather
/// than the bias-corrected momentum step η·m̂ alone.
#[must_use]
pub fn radam_is_adaptive(beta2: f64, steps: u64) -> bool {
    radam_rho(beta2, steps).1 > 5.0
}

/// `torch.optim.RAdam`.
#[derive(Clone, Debug, PartialEq)]
pub struct RAdamRule {
    pub(super) beta1: f64,
    pub(super) beta2: f64,
    pub(super) eps: f64,
    pub(super) weight_decay: f64,
    /// θ ← θ(1 − ηλ) instead of g ← g + λθ.
    pub(super) decoupled: bool,
    /// torch's `exp_avg` (first moment m).
    pub(super) exp_avg: Vec<f64>,
    /// torch's `exp_avg_sq` (raw second moment v).
    pub(super) exp_avg_sq: Vec<f64>,
    pub(super) steps: u64,
    /// (the bits of β₁, t₀) once `python_pow(β₁, t₀)` returned exactly 0, so that β₁ᵗ is 0
    /// from t = 2t₀ on without its `powf` (see [`Self::beta1_power`]); keyed by β₁ so that a
    /// β₁ changed between updates is powered afresh.
    beta1_underflow: Option<(u64, u64)>,
    /// Whether ρₜ has settled at ρ∞ for good (see [`Self::rectification_settling`]).
    settled: bool,
    /// The rectification of every update once `settled`, computed once instead of with three
    /// `powf` a step.
    settled_rectification: Option<(f64, f64)>,
}

/// One `RAdam` update's scalars, applied per coordinate.
#[derive(Clone, Copy)]
struct RAdamCoordinate {
    beta1: f64,
    beta2: f64,
    eps: f64,
    /// Coupled λ (0 when decoupled).
    coupled: f64,
    /// 1 − ηλ when decoupled with λ ≠ 0.
    shrink: Option<f64>,
    lr: f64,
    bias_correction1: f64,
    /// (√(1 − β₂ᵗ), rₜ) when ρₜ > 5; `None` for the momentum step alone.
    rectified: Option<(f64, f64)>,
}

impl RAdamCoordinate {
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn update(self, p: &mut f64, g: f64, m: &mut f64, v: &mut f64) {
        if let Some(shrink) = self.shrink {
            *p *= shrink;
        }
        let g = decayed(g, *p, self.coupled);
        *m = torch_lerp(*m, g, 1.0 - self.beta1);
        *v = *v * self.beta2 + (1.0 - self.beta2) * g * g;
        // x/1 and x·1 are x: skipping them once the corrections are 1 changes no bit.
        let corrected = if is_one(self.bias_correction1) { *m } else { *m / self.bias_correction1 };
        let step = match self.rectified {
            // torch: m̂·lr·(√bc2 / (√v + ε))·r, where scalar / tensor is reciprocal × scalar.
            Some((root_bc2, rect)) => {
                let reciprocal = 1.0 / (v.sqrt() + self.eps);
                let adaptive = if is_one(root_bc2) { reciprocal } else { reciprocal * root_bc2 };
                corrected * self.lr * adaptive * rect
            }
            None => corrected * self.lr,
        };
        *p -= step;
    }
}

impl RAdamRule {
    /// A fresh rule (zero moments) for `n_params` parameters.
    pub(super) fn new(
        n_params: usize,
        (beta1, beta2, eps): (f64, f64, f64),
        (weight_decay, decoupled): (f64, bool),
    ) -> Self {
        Self {
            beta1,
            beta2,
            eps,
            weight_decay,
            decoupled,
            exp_avg: vec![0.0; n_params],
            exp_avg_sq: vec![0.0; n_params],
            steps: 0,
            beta1_underflow: None,
            settled: false,
            settled_rectification: None,
        }
    }

    /// β₁ᵗ for t = `steps` as Python computes it (`beta1 ** step`). Once that returned exactly 0
    /// at some t₀, the exact β₁ᵗ for t ≥ 2t₀ is at most (β₁ᵗ⁰)² < (2⁻¹⁰⁷³)², thousands of
    /// binary orders below the smallest subnormal: `powf` returns 0 there (glibc's `pow` without
    /// even computing it, its y·ln x being below −1024), so 0 is returned without the call.
    /// With the default β₁ = 0.9 this saves one `powf` a step from t ≈ 14 000 on.
    fn beta1_power(&mut self, steps: u64) -> f64 {
        let beta1_bits = self.beta1.to_bits();
        if let Some((bits, zero_at)) = self.beta1_underflow
            && bits == beta1_bits
            && steps >= zero_at.saturating_mul(2)
        {
            return 0.0;
        }
        let power = python_pow(self.beta1, steps);
        if power == 0.0 && (0.0..1.0).contains(&self.beta1) && steps > 0 {
            let known = self.beta1_underflow.filter(|&(bits, _)| bits == beta1_bits);
            if known.is_none() {
                self.beta1_underflow = Some((beta1_bits, steps));
            }
        }
        power
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

    /// [`Self::rectification`] of update `steps`, noting when ρₜ has settled: when β₂ᵗ ≤ 2⁻⁵⁶
    /// ([`NEGLIGIBLE_POWER`]) and 2tβ₂ᵗ ≤ ulp(ρ∞)/8. Then for every later t′ the computed β₂ᵗ′
    /// is below 2⁻⁵⁴, so 1 − β₂ᵗ′ is exactly 1, and 2t′β₂ᵗ′ is below 2tβ₂ᵗ (t·β₂ᵗ falls once
    /// t·ln(1/β₂) > 1, and here it is above 38), so its computed value stays below ulp(ρ∞)/4,
    /// less than half the spacing of the doubles below ρ∞: ρₜ′ rounds to ρ∞ itself. Every later
    /// update's rectification is then the one computed with β₂ᵗ = 0, bit for bit.
    fn rectification_settling(&mut self, steps: u64) -> Option<(f64, f64)> {
        if self.settled {
            return self.settled_rectification;
        }
        let beta2_pow = python_pow(self.beta2, steps);
        #[expect(clippy::cast_precision_loss, reason = "torch holds the step count as a float too")]
        let decay = 2.0 * steps as f64 * beta2_pow;
        let rho_inf = 2.0 / (1.0 - self.beta2) - 1.0;
        let ulp = f64::from_bits(rho_inf.to_bits() + 1) - rho_inf;
        if (0.0..=NEGLIGIBLE_POWER).contains(&beta2_pow) && decay <= ulp / 8.0 {
            self.settled = true;
            self.settled_rectification = self.rectification_with_power(steps, 0.0);
        }
        self.rectification_with_power(steps, beta2_pow)
    }

    /// (√(1 − β₂ᵗ), rₜ) at update `steps` when ρₜ > 5, else `None`.
    fn rectification(&self, steps: u64) -> Option<(f64, f64)> {
        self.rectification_with_power(steps, python_pow(self.beta2, steps))
    }

    /// [`Self::rectification`] given β₂ᵗ.
    fn rectification_with_power(&self, steps: u64, beta2_pow: f64) -> Option<(f64, f64)> {
        let (rho_inf, rho_t) = rho_with_power(self.beta2, steps, beta2_pow);
        (rho_t > 5.0).then(|| {
            let bias_correction2 = 1.0 - beta2_pow;
            let rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                .powf(0.5);
            (bias_correction2.powf(0.5), rect)
        })
    }

    /// Advances t and returns this update's per-coordinate scalars.
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn begin_step(&mut self, lr: f64) -> RAdamCoordinate {
        self.steps += 1;
        let (wd, decoupled) = (self.weight_decay, self.decoupled && self.weight_decay != 0.0);
        RAdamCoordinate {
            beta1: self.beta1,
            beta2: self.beta2,
            eps: self.eps,
            coupled: if self.decoupled { 0.0 } else { wd },
            shrink: decoupled.then_some(1.0 - lr * wd),
            lr,
            bias_correction1: 1.0 - self.beta1_power(self.steps),
            rectified: self.rectification_settling(self.steps),
        }
    }
}

impl UpdateRule for RAdamRule {
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

    fn set_momentum(&mut self, value: f64) {
        self.beta1 = value;
    }

    /// The effective step applied to m̂ by the last update: η·rₜ·√(1 − β₂ᵗ)/(√v + ε) when it
    /// was rectified (ρₜ > 5), else η (before the first update too).
    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        let rectified = if self.steps == 0 { None } else { self.rectification(self.steps) };
        for (e, &v) in effective_step.iter_mut().zip(&self.exp_avg_sq) {
            *e = match rectified {
                Some((root_bc2, rect)) => lr * (1.0 / (v.sqrt() + self.eps)) * root_bc2 * rect,
                None => lr,
            };
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
    fn rho_crosses_five_at_the_sixth_update_with_the_default_beta2() {
        // ρ₅ ≈ 4.99, ρ₆ ≈ 5.99 for β₂ = 0.999 (ρ∞ = 1999).
        assert!(!radam_is_adaptive(0.999, 5));
        assert!(radam_is_adaptive(0.999, 6));
        let (rho_inf, _) = radam_rho(0.999, 1);
        assert!((rho_inf - 1999.0).abs() < 1e-9);
    }

    #[test]
    fn beta1_power_is_pythons_before_and_after_it_underflows() {
        for beta1 in [0.0, 0.3, 0.9, 0.99, 0.999] {
            let mut rule = RAdamRule::new(1, (beta1, 0.999, 1e-8), (0.0, false));
            for t in 1..=40_000 {
                let torch = python_pow(beta1, t);
                assert_eq!(rule.beta1_power(t).to_bits(), torch.to_bits(), "β₁ {beta1}, t {t}");
            }
            assert_eq!(rule.beta1_underflow.is_some(), beta1 < 0.99, "β₁ {beta1}");
        }
        // A β₁ changed after the underflow (momentum cycling) is powered afresh.
        let mut rule = RAdamRule::new(1, (0.5, 0.999, 1e-8), (0.0, false));
        for t in 1..=5000 {
            rule.beta1_power(t);
        }
        rule.beta1 = 0.9999;
        assert_eq!(rule.beta1_power(5001).to_bits(), python_pow(0.9999, 5001).to_bits());
        assert!(rule.beta1_power(5002) > 0.5);
    }

    #[test]
    fn step_2d_equals_step_bit_for_bit() {
        for decoupled in [false, true] {
            let mut flat = RAdamRule::new(2, (0.8, 0.99, 1e-6), (0.05, decoupled));
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
