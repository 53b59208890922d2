//! `torch.optim.NAdam` (`_single_tensor_nadam`): Adam with Nesterov momentum and Dozat's
//! momentum schedule μₜ = β₁(1 − ½·0.96^(t·ψ)), ψ = `momentum_decay`.

use super::adamax::{python_pow, torch_lerp};
use super::rule::{Internals, UpdateRule, decayed};

/// Dozat's momentum coefficient μ = β₁(1 − ½·`power`) given `power` = 0.96^(t·ψ), in torch's
/// order of operations.
#[inline]
fn momentum_from_power(beta1: f64, power: f64) -> f64 {
    beta1 * (1.0 - 0.5 * power)
}

/// 2⁻⁵⁶. A power x = bᵉ of a base b ∈ [0, 1) that `powf` returns at most this small has
/// negligible successors: for every larger exponent e′ the exact bᵉ′ is below the exact bᵉ, and
/// `powf` (glibc's `pow`, the function Python's `**` calls too, within one ulp) returns at most
/// 2⁻⁵⁶(1 + 2⁻⁵⁰) < 2⁻⁵⁴. Then 1 − x′ and 1 − ½x′ round to exactly 1 (a difference of at most
/// 2⁻⁵⁴ from 1 is at most half the spacing 2⁻⁵³ of the doubles below 1, and a tie rounds to
/// the even 1), so torch's results are the same bits with x′ replaced by 0, and the `powf`
/// can be skipped.
pub(super) const NEGLIGIBLE_POWER: f64 = 1.0 / (1_u64 << 56) as f64;

/// Whether `value` is exactly 1 (the shortcuts below skip a division or multiplication by 1,
/// which changes no bit).
#[inline]
pub(super) fn is_one(value: f64) -> bool {
    value.to_bits() == 1.0_f64.to_bits()
}

/// A power of a base in [0, 1) computed with `powf` for increasing exponents, replaced by 0
/// from the update after it first fell to [`NEGLIGIBLE_POWER`] on (which gives the same bits
/// in every formula below, see there).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct SettlingPower {
    settled: bool,
}

impl SettlingPower {
    /// `base.powf(exponent)`, or 0 once an earlier (smaller or equal) exponent's power was
    /// negligible. Exponents must not decrease from call to call.
    #[inline]
    fn power(&mut self, base: f64, exponent: f64) -> f64 {
        if self.settled {
            return 0.0;
        }
        let power = base.powf(exponent);
        self.settled = (0.0..=NEGLIGIBLE_POWER).contains(&power);
        power
    }
}

/// `product · factor` as f64 multiplication rounds it, without the multiplication when
/// `product` is a positive subnormal that `factor` leaves unchanged.
///
/// ∏μ falls into the subnormals after about a thousand updates and then stays at a few times
/// the smallest one: a subnormal is k·2⁻¹⁰⁷⁴ for an integer k < 2⁵², and k·μ rounds back to k
/// while k·|1 − μ| < ½. Every multiplication with a subnormal operand takes a microcode assist
/// of over a hundred cycles; two of them per update held `NAdam` at 6 M steps/s. The check
/// below is exact: k and 1 − μ (Sterbenz, μ ∈ [½, 2]) are exact in f64, and rounding is
/// monotone, so a computed k·|1 − μ| below ½ means the exact one is below ½ too.
///
/// The multiplication is done on 1 instead of a product it leaves unchanged, and the choice of
/// operand goes through [`std::hint::black_box`], so no subnormal reaches the FPU however the
/// compiler lays out the choice: without it, opt-level 2 turned `choice · factor` back into
/// `product · factor` computed before the check (the test build's `NAdam` ran at 8 M steps/s).
#[inline]
fn times_factor(product: f64, factor: f64) -> f64 {
    let bits = product.to_bits();
    #[expect(clippy::cast_precision_loss, reason = "k < 2⁵² is exact in f64")]
    let unchanged = bits > 0
        && bits < 1 << 52
        && (0.5..=2.0).contains(&factor)
        && (bits as f64) * (1.0 - factor).abs() < 0.5;
    let multiplied = std::hint::black_box(if unchanged { 1.0 } else { product }) * factor;
    if unchanged { product } else { multiplied }
}

/// (1 − ∏μ, 1 − ∏μ·μₜ₊₁), torch's two bias-correction denominators. Both are exactly 1 when
/// |∏μ| < 2⁻⁶⁰ and |μₜ₊₁| ≤ 2 (then |∏μ·μₜ₊₁| < 2⁻⁵⁹, below half an ulp of 1), and so they are
/// with ∏μ replaced by 0: a subnormal ∏μ never reaches the FPU, whether the compiler lays the
/// choice out as a branch or computes both sides (the integer comparison keeps it out too).
#[inline]
fn bias_denominators(mu_product: f64, mu_next: f64) -> (f64, f64) {
    /// The bits of 2⁻⁶⁰ (biased exponent 1023 − 60, zero mantissa).
    const NEGLIGIBLE_BITS: u64 = (1023 - 60) << 52;
    let negligible = mu_product.abs().to_bits() < NEGLIGIBLE_BITS && mu_next.abs() <= 2.0;
    let product = if negligible { 0.0 } else { mu_product };
    (1.0 - product, 1.0 - product * mu_next)
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
    /// (0.96^(tψ), 0.96^((t+1)ψ)) for the next update t, computed one update ahead (the same
    /// `powf` with the same inputs as torch's, so the same bits; one `powf` a step, whose result
    /// the update that computes it does not wait for); `None` before the first update. Powers,
    /// not μ: torch recomputes μ from the group's current β₁, which `set_momentum` may move.
    schedule_powers: Option<[f64; 2]>,
    /// The momentum schedule's 0.96^(tψ), 0 once negligible.
    schedule_settling: SettlingPower,
    /// 1 − β₂ᵗ of the next update, computed one update ahead; `None` before the first update.
    bias_correction2_ahead: Option<f64>,
    /// β₂ᵗ, 0 once negligible (from t ≈ 38 800 on with β₂ = 0.999).
    beta2_settling: SettlingPower,
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
        // v/1 is v: skipping the division once β₂ᵗ is negligible changes no bit.
        let corrected = if is_one(self.bias_correction2) { *v } else { *v / self.bias_correction2 };
        let denom = corrected.sqrt() + self.eps;
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
            schedule_powers: None,
            schedule_settling: SettlingPower::default(),
            bias_correction2_ahead: None,
            beta2_settling: SettlingPower::default(),
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

    /// torch's `bias_correction2 = 1 - beta2 ** step` of update `t`.
    #[inline]
    fn bias_correction2(&mut self, t: u64) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "torch holds the step count as a float too")]
        let exponent = t as f64;
        1.0 - self.beta2_settling.power(self.beta2, exponent)
    }

    /// 0.96^(tψ) of update `t`, as torch computes it in Python floats (`0.96 ** (step *
    /// momentum_decay)`).
    #[inline]
    fn schedule_power(&mut self, t: u64) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "torch holds the step count as a float too")]
        let exponent = t as f64 * self.momentum_decay;
        self.schedule_settling.power(0.96, exponent)
    }

    /// Advances t, multiplies μₜ into ∏μ and returns this update's per-coordinate scalars.
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn begin_step(&mut self, lr: f64) -> NAdamCoordinate {
        self.steps += 1;
        let t = self.steps;
        let bias_correction2 =
            self.bias_correction2_ahead.unwrap_or_else(|| self.bias_correction2(t));
        self.bias_correction2_ahead = Some(self.bias_correction2(t + 1));
        let [power, power_next] = self
            .schedule_powers
            .unwrap_or_else(|| [self.schedule_power(t), self.schedule_power(t + 1)]);
        self.schedule_powers = Some([power_next, self.schedule_power(t + 2)]);
        let (wd, decoupled) = (self.weight_decay, self.decoupled && self.weight_decay != 0.0);
        let mu = momentum_from_power(self.beta1, power);
        let mu_next = momentum_from_power(self.beta1, power_next);
        self.mu_product = times_factor(self.mu_product, mu);
        let (rest, rest_next) = bias_denominators(self.mu_product, mu_next);
        NAdamCoordinate {
            beta1: self.beta1,
            beta2: self.beta2,
            eps: self.eps,
            coupled: if self.decoupled { 0.0 } else { wd },
            shrink: decoupled.then_some(1.0 - lr * wd),
            bias_correction2,
            grad_coefficient: -lr * (1.0 - mu) / rest,
            momentum_coefficient: (-lr * mu_next) / rest_next,
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

    /// PyTorch recomputes μₜ and μₜ₊₁ from the group's current β₁ each update; so does this
    /// rule (it caches the powers of 0.96, which do not depend on β₁).
    fn set_momentum(&mut self, value: f64) {
        self.beta1 = value;
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
    fn times_factor_rounds_as_the_multiplication_does() {
        let products = (0..40_u64)
            .chain([255, 4096, (1 << 52) - 1, 1 << 52])
            .map(f64::from_bits)
            .chain([0.0, -0.0, 1e-300, 0.5, f64::MIN_POSITIVE, f64::INFINITY, f64::NAN]);
        let factors = [0.0, 0.3, 0.5, 0.5 + f64::EPSILON, 0.75, 0.8, 0.875, 0.9, 0.95, 0.99]
            .into_iter()
            .chain([0.999_999, 1.0, 1.0 + f64::EPSILON, 1.1, 1.25, 1.5, 2.0, 3.0, f64::NAN]);
        for product in products {
            for factor in factors.clone() {
                let (ours, plain) = (times_factor(product, factor), product * factor);
                assert_eq!(ours.to_bits(), plain.to_bits(), "{product:e} × {factor}");
            }
        }
    }

    /// torch's `beta1 * (1. - 0.5 * (0.96 ** (step * momentum_decay)))`, with its `powf`.
    fn momentum_coefficient(beta1: f64, steps: u64, momentum_decay: f64) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "torch holds the step count as a float")]
        let t = steps as f64;
        beta1 * (1.0 - 0.5 * 0.96f64.powf(t * momentum_decay))
    }

    #[test]
    fn the_momentum_product_and_its_denominators_stay_torchs_through_the_subnormals() {
        // torch: mu_product *= mu; 1 − mu_product; 1 − mu_product·μₜ₊₁, plainly multiplied.
        for beta1 in [0.9, 0.99, 0.95, 0.75, 0.6, 0.3] {
            let mut rule = NAdamRule::new(1, (beta1, 0.999, 1e-8), (0.0, false), 0.004);
            let mut product = 1.0_f64;
            for t in 1..=6000_u64 {
                let coordinate = rule.begin_step(0.5);
                let mu = momentum_coefficient(beta1, t, 0.004);
                let mu_next = momentum_coefficient(beta1, t + 1, 0.004);
                product *= mu;
                let grad = -0.5 * (1.0 - mu) / (1.0 - product);
                let momentum = (-0.5 * mu_next) / (1.0 - product * mu_next);
                assert_eq!(rule.mu_product.to_bits(), product.to_bits(), "β₁ {beta1}, t {t}");
                assert_eq!(coordinate.grad_coefficient.to_bits(), grad.to_bits());
                assert_eq!(coordinate.momentum_coefficient.to_bits(), momentum.to_bits());
            }
            assert!(product < f64::MIN_POSITIVE, "β₁ {beta1}: the run reached the subnormals");
        }
    }

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
