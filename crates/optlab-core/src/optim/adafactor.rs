//! `torch.optim.Adafactor` (PyTorch 2.15's `_single_tensor_adafactor`): a second moment kept
//! per vector, and as row and column factors per matrix.

use super::nadam::is_one;
use super::rule::{Internals, UpdateRule};
use super::shape::{Block, Shape};

/// torch's `Tensor.lerp_` on the CPU: `a + w(b − a)` for |w| < ½, else `b − (b − a)(1 − w)`.
#[inline]
pub(super) fn lerp(a: f64, b: f64, weight: f64) -> f64 {
    if weight.abs() < 0.5 { a + weight * (b - a) } else { b - (b - a) * (1.0 - weight) }
}

/// torch's `clamp_(min = floor)`: NaN stays NaN.
#[inline]
pub(super) fn clamp_min(value: f64, floor: f64) -> f64 {
    if value < floor { floor } else { value }
}

/// Adafactor's hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct AdafactorHyper {
    /// τ: β₂ₜ = 1 − t^τ.
    pub(super) beta2_decay: f64,
    /// ε₁ (torch's `eps[0]`, the dtype's machine epsilon when `None`).
    pub(super) eps1: f64,
    /// ε₂, the smallest parameter RMS the step is scaled by.
    pub(super) eps2: f64,
    /// Clipping threshold d of the update's RMS.
    pub(super) d: f64,
    /// Decoupled weight decay λ: θ ← θ(1 − ηλ).
    pub(super) weight_decay: f64,
}

/// `torch.optim.Adafactor` over parameters of given shapes: each [`Shape::Matrix`] keeps torch's
/// `row_var` and `col_var`, each [`Shape::Vector`] its `variance`.
#[derive(Clone, Debug, PartialEq)]
pub struct AdafactorRule {
    pub(super) hyper: AdafactorHyper,
    pub(super) blocks: Vec<Block>,
    /// torch's `variance` of every vector, end to end.
    pub(super) variance: Vec<f64>,
    /// torch's `row_var` of every matrix (one entry per row), end to end.
    pub(super) row_var: Vec<f64>,
    /// torch's `col_var` of every matrix (one entry per column), end to end.
    pub(super) col_var: Vec<f64>,
    /// The last update's variance estimate V (clamped at ε₁²), one per parameter.
    pub(super) estimate: Vec<f64>,
    /// The last update's step factor αₜ/(clip·√V), one per parameter.
    pub(super) effective: Vec<f64>,
    /// The closed form's constants when the parameters are exactly the surfaces' 1×2 matrix
    /// ([`super::SURFACE`]), for [`UpdateRule::step_2d`]; `None` otherwise.
    surface: Option<SurfaceConstants>,
    /// The lerp weight t^τ of the next update, computed one update ahead by the closed form
    /// (the same `powf` with the same inputs, whose result the update computing it does not
    /// wait for); `None` when not yet computed.
    weight_ahead: Option<f64>,
    pub(super) steps: u64,
}

/// [`AdafactorRule::step_surface`]'s constants.
#[derive(Clone, Copy, Debug, PartialEq)]
struct SurfaceConstants {
    /// √2 as torch computes `numel ** 0.5`.
    root_numel: f64,
    /// The largest square sum s of the update whose clip max(1, √s/(√2·d)) is exactly 1 (see
    /// [`unclipped_bound`]).
    unclipped: f64,
}

/// The largest s ≥ 0 with `1.0_f64.max(s.sqrt() / k) == 1.0`, the clip of an update whose
/// square sum is s as [`AdafactorRule::update_tensor`] computes it with k = √numel·d; −∞ when k
/// is not a moderate positive number (no s is then tested against it).
///
/// The clip rounds monotonically in s (√ and ÷ are correctly rounded, and max keeps order), so
/// the square sums whose clip is 1 are exactly those up to this bound: an update compares its
/// square sum with it instead of waiting for a square root and a division (about 9 ns of the
/// closed form's chain of dependent operations), and divides −α by 1 (which changes no bit)
/// without dividing.
fn unclipped_bound(k: f64) -> f64 {
    let clip = |s: f64| 1.0_f64.max(s.sqrt() / k);
    if !(1e-100..=1e100).contains(&k) {
        return f64::NEG_INFINITY;
    }
    // k² is within a few ulps of the bound: step down to a sum clipped by 1, then up to the last.
    let mut bound = k * k;
    for _ in 0..64 {
        if is_one(clip(bound)) {
            break;
        }
        bound = bound.next_down();
    }
    for _ in 0..64 {
        if !is_one(clip(bound.next_up())) {
            return if is_one(clip(bound)) { bound } else { f64::NEG_INFINITY };
        }
        bound = bound.next_up();
    }
    f64::NEG_INFINITY
}

/// Where a block's factors start in the rule's `variance`, `row_var` and `col_var`.
#[derive(Clone, Copy, Default)]
struct FactorOffsets {
    variance: usize,
    row: usize,
    col: usize,
}

impl AdafactorRule {
    pub(super) fn new(hyper: AdafactorHyper, shapes: &[Shape]) -> Self {
        let blocks = Block::layout(shapes);
        let (mut vector_len, mut rows, mut cols, mut total) = (0, 0, 0, 0);
        for block in &blocks {
            total += block.shape.len();
            match block.shape.stored_matrix() {
                None => vector_len += block.shape.len(),
                Some((r, c)) => (rows, cols) = (rows + r, cols + c),
            }
        }
        let surface = (*shapes == [super::SURFACE]).then(|| {
            let root_numel = 2.0_f64.powf(0.5);
            SurfaceConstants { root_numel, unclipped: unclipped_bound(root_numel * hyper.d) }
        });
        Self {
            hyper,
            blocks,
            surface,
            weight_ahead: None,
            variance: vec![0.0; vector_len],
            row_var: vec![0.0; rows],
            col_var: vec![0.0; cols],
            estimate: vec![0.0; total],
            effective: vec![0.0; total],
            steps: 0,
        }
    }

    /// torch's `variance` (the vectors' second moments end to end), `None` without vectors.
    #[must_use]
    pub fn variance(&self) -> Option<&[f64]> {
        (!self.variance.is_empty()).then_some(self.variance.as_slice())
    }

    /// torch's `row_var` (the matrices' row factors end to end), `None` without matrices.
    #[must_use]
    pub fn row_var(&self) -> Option<&[f64]> {
        (!self.row_var.is_empty()).then_some(self.row_var.as_slice())
    }

    /// torch's `col_var` (the matrices' column factors end to end), `None` without matrices.
    #[must_use]
    pub fn col_var(&self) -> Option<&[f64]> {
        (!self.col_var.is_empty()).then_some(self.col_var.as_slice())
    }

    /// Writes V of one matrix into `estimate` after updating its factors with `grad`.
    fn factored_estimate(
        &mut self,
        (rows, cols): (usize, usize),
        at: FactorOffsets,
        grad: &[f64],
        estimate_at: usize,
        weight: f64,
    ) {
        let row_var = &mut self.row_var[at.row..at.row + rows];
        let col_var = &mut self.col_var[at.col..at.col + cols];
        for (i, r) in row_var.iter_mut().enumerate() {
            let sum: f64 = grad[i * cols..(i + 1) * cols].iter().map(|g| g * g).sum();
            *r = lerp(*r, sum / cols as f64, weight);
        }
        for (j, c) in col_var.iter_mut().enumerate() {
            let sum: f64 = (0..rows).map(|i| grad[i * cols + j] * grad[i * cols + j]).sum();
            *c = lerp(*c, sum / rows as f64, weight);
        }
        let row_mean = row_var.iter().sum::<f64>() / rows as f64;
        let scale = clamp_min(row_mean, self.hyper.eps1);
        let estimate = &mut self.estimate[estimate_at..estimate_at + rows * cols];
        if let [r] = *row_var {
            for (e, &c) in estimate.iter_mut().zip(col_var.iter()) {
                *e = if one_row_is_plain(r, scale) { c } else { divided(r, c, scale) };
            }
            return;
        }
        for (i, &r) in row_var.iter().enumerate() {
            for (e, &c) in estimate[i * cols..(i + 1) * cols].iter_mut().zip(col_var.iter()) {
                *e = r * c / scale;
            }
        }
    }
}

/// Whether a one-row matrix's estimate r·c/max(r, ε₁) is its column factor c: when the divisor
/// `scale` is r itself, positive and finite, r·c/r = c in exact arithmetic (torch rounds r·c
/// and the quotient, so its V is within an ulp of c; the vector form's V is c exactly). Taking
/// c keeps a multiplication and a division (≈ 18 cycles) off the surfaces' chain of dependent
/// operations; the general path and the closed form both take it, so they agree bit for bit.
#[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
#[inline(always)]
#[expect(clippy::float_cmp, reason = "exactly: whether the clamp kept r itself")]
fn one_row_is_plain(row: f64, scale: f64) -> bool {
    scale == row && row > 0.0 && row.is_finite()
}

/// torch's r·c/max(r, ε₁) when [`one_row_is_plain`] is false (a row factor below ε₁, zero or
/// not finite): out of line, so the common case branches past it instead of waiting on a
/// select.
#[cold]
#[inline(never)]
fn divided(row: f64, col: f64, scale: f64) -> f64 {
    row * col / scale
}

/// The scalars of one update shared by its tensors.
#[derive(Clone, Copy)]
struct StepScalars {
    /// 1 − β₂ₜ = t^τ (the lerp weight).
    weight: f64,
    /// ρₜ = min(η, 1/√t).
    rho: f64,
    /// 1 − ηλ, or `None` when λ = 0 (torch skips the multiplication).
    shrink: Option<f64>,
}

impl AdafactorRule {
    /// Updates one tensor: α from its RMS, decay, V, the clipped step.
    fn update_tensor(
        &mut self,
        block: Block,
        at: FactorOffsets,
        scalars: StepScalars,
        params: &mut [f64],
        grad: &[f64],
    ) {
        let numel = params.len() as f64;
        let norm = params.iter().map(|p| p * p).sum::<f64>().sqrt();
        let alpha = self.hyper.eps2.max(norm / numel.powf(0.5)) * scalars.rho;
        if let Some(shrink) = scalars.shrink {
            for p in params.iter_mut() {
                *p *= shrink;
            }
        }
        let range = block.range();
        if let Some(stored) = block.shape.stored_matrix() {
            self.factored_estimate(stored, at, grad, range.start, scalars.weight);
        } else {
            let variance = &mut self.variance[at.variance..at.variance + params.len()];
            for ((v, e), &g) in variance.iter_mut().zip(&mut self.estimate[range.clone()]).zip(grad)
            {
                *v = lerp(*v, g * g, scalars.weight);
                *e = *v;
            }
        }
        let floor = self.hyper.eps1 * self.hyper.eps1;
        let estimate = &mut self.estimate[range.clone()];
        let mut square_sum = 0.0;
        for (e, &g) in estimate.iter_mut().zip(grad) {
            *e = clamp_min(*e, floor);
            let update = e.sqrt().recip() * g;
            square_sum += update * update;
        }
        let clip = 1.0_f64.max(square_sum.sqrt() / (numel.powf(0.5) * self.hyper.d));
        let scale = -alpha / clip;
        let effective = &mut self.effective[range];
        for ((p, &g), (&e, eff)) in params.iter_mut().zip(grad).zip(estimate.iter().zip(effective))
        {
            let root = e.sqrt().recip();
            *p += scale * (root * g);
            *eff = -scale * root;
        }
    }
}

/// ρₜ = min(η, 1/t^½) as torch computes it (`min(lr, 1 / step ** 0.5)`), without the `powf`
/// when t·η² < 1 − 10⁻⁶: then the exact 1/√t exceeds |η| by a relative 4·10⁻⁷, far more than
/// the few ulps by which `powf` and the division can miss it, so the minimum is η itself.
#[inline]
fn relative_step(lr: f64, t: f64) -> f64 {
    if t * lr * lr < 1.0 - 1e-6 { lr } else { lr.min(1.0 / t.powf(0.5)) }
}

impl AdafactorRule {
    /// Advances t and returns this update's scalars.
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn begin_step(&mut self, lr: f64) -> StepScalars {
        self.steps += 1;
        #[expect(clippy::cast_precision_loss, reason = "torch holds the step count as a float too")]
        let t = self.steps as f64;
        let shrink = (self.hyper.weight_decay != 0.0).then_some(1.0 - lr * self.hyper.weight_decay);
        let weight = self.weight_ahead.take().unwrap_or_else(|| t.powf(self.hyper.beta2_decay));
        StepScalars { weight, rho: relative_step(lr, t), shrink }
    }

    /// [`UpdateRule::step`] on the surfaces' 1×2 matrix (one row factor, two column factors),
    /// as [`Self::update_tensor`] and [`Self::factored_estimate`] compute it with rows = 1 and
    /// cols = 2: the same operations in the same order, sums included, so the same bits.
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_surface(
        &mut self,
        params: &mut [f64; 2],
        grad: [f64; 2],
        constants: SurfaceConstants,
        lr: f64,
    ) {
        let scalars = self.begin_step(lr);
        #[expect(clippy::cast_precision_loss, reason = "torch holds the step count as a float too")]
        let next_t = (self.steps + 1) as f64;
        self.weight_ahead = Some(next_t.powf(self.hyper.beta2_decay));
        let SurfaceConstants { root_numel, unclipped } = constants;
        let hyper = self.hyper;
        let (Some(row), Some(col), Some(estimate), Some(effective)) = (
            self.row_var.first_mut(),
            self.col_var.first_chunk_mut::<2>(),
            self.estimate.first_chunk_mut::<2>(),
            self.effective.first_chunk_mut::<2>(),
        ) else {
            debug_assert!(false, "a surface Adafactor has one row and two columns");
            return;
        };
        let norm = params.iter().map(|p| p * p).sum::<f64>().sqrt();
        let alpha = hyper.eps2.max(norm / root_numel) * scalars.rho;
        if let Some(shrink) = scalars.shrink {
            for p in params.iter_mut() {
                *p *= shrink;
            }
        }
        let squares = grad.map(|g| g * g);
        *row = lerp(*row, squares.iter().sum::<f64>() / 2.0, scalars.weight);
        for (c, &square) in col.iter_mut().zip(&squares) {
            *c = lerp(*c, std::iter::once(square).sum::<f64>() / 1.0, scalars.weight);
        }
        let scale = clamp_min(std::iter::once(*row).sum::<f64>() / 1.0, hyper.eps1);
        let floor = hyper.eps1 * hyper.eps1;
        let mut roots = [0.0; 2];
        let mut squares = [0.0; 2];
        let plain = one_row_is_plain(*row, scale);
        for ((e, root), ((&c, &g), square)) in
            estimate.iter_mut().zip(&mut roots).zip(col.iter().zip(&grad).zip(&mut squares))
        {
            *e = clamp_min(if plain { c } else { divided(*row, c, scale) }, floor);
            *root = e.sqrt().recip();
            let update = *root * g;
            *square = update * update;
        }
        // The general path's sum starts at +0: 0 + u₀² is u₀², a square never being −0.
        let square_sum = squares[0] + squares[1];
        // A branch, not a select: the common unclipped update must not wait for √ and ÷.
        let scale = if square_sum <= unclipped {
            -alpha
        } else {
            -alpha / 1.0_f64.max(square_sum.sqrt() / (root_numel * hyper.d))
        };
        for ((p, &g), (&root, eff)) in params.iter_mut().zip(&grad).zip(roots.iter().zip(effective))
        {
            *p += scale * (root * g);
            *eff = -scale * root;
        }
    }
}

impl UpdateRule for AdafactorRule {
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        if let Some(constants) = self.surface {
            self.step_surface(params, grad, constants, lr);
        } else {
            let mut copy = *params;
            self.step(&mut copy, &grad, lr);
            *params = copy;
        }
    }

    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        debug_assert_eq!(params.len(), self.estimate.len());
        let scalars = self.begin_step(lr);
        let mut at = FactorOffsets::default();
        for index in 0..self.blocks.len() {
            let block = self.blocks[index];
            let range = block.range();
            let (Some(p), Some(g)) = (params.get_mut(range.clone()), grad.get(range)) else {
                debug_assert!(false, "parameters shorter than the rule's shapes");
                return;
            };
            self.update_tensor(block, at, scalars, p, g);
            match block.shape.stored_matrix() {
                None => at.variance += block.shape.len(),
                Some((r, c)) => (at.row, at.col) = (at.row + r, at.col + c),
            }
        }
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    fn internals(&self, _lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        for (out, &e) in effective_step.iter_mut().zip(&self.effective) {
            *out = e;
        }
        Internals { velocity: None, second_moment: Some(&self.estimate), steps_taken: self.steps }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lerp_reaches_its_ends_exactly_as_torch_does() {
        assert_eq!(lerp(3.0, 7.0, 1.0).to_bits(), 7f64.to_bits());
        assert_eq!(lerp(3.0, 7.0, 0.0).to_bits(), 3f64.to_bits());
        assert!((lerp(3.0, 7.0, 0.25) - 4.0).abs() < 1e-15);
        assert!(clamp_min(f64::NAN, 1.0).is_nan(), "torch's clamp keeps NaN");
    }

    #[test]
    fn the_relative_step_is_torchs_minimum() {
        let lrs = [0.0, 1e-4, 1e-2, 0.1, 0.5, 0.999, 1.0, 2.0, f64::INFINITY, f64::NAN];
        for lr in lrs {
            for t in (1..=200_u32).chain([9_999, 10_000, 10_001, 99_999_999, 100_000_000]) {
                let t = f64::from(t);
                let torch = lr.min(1.0 / t.powf(0.5));
                assert_eq!(relative_step(lr, t).to_bits(), torch.to_bits(), "lr {lr}, t {t}");
            }
        }
    }

    #[test]
    fn the_surface_form_equals_step_bit_for_bit() {
        let hyper = AdafactorHyper {
            beta2_decay: -0.8,
            eps1: f64::EPSILON,
            eps2: 1e-3,
            d: 1.0,
            weight_decay: 0.05,
        };
        let mut flat = AdafactorRule::new(hyper, &[crate::optim::SURFACE]);
        let mut fast = flat.clone();
        let (mut a, mut b) = ([0.5, -1.5], [0.5, -1.5]);
        for k in 0..200 {
            let grad = [f64::from(k).sin() * 3.0, (f64::from(k) * 0.7).cos()];
            flat.step(&mut a, &grad, 0.3);
            fast.step_2d(&mut b, grad, 0.3);
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
        }
        // The closed form computes the next update's weight ahead; the state is the same.
        assert!(fast.weight_ahead.is_some());
        fast.weight_ahead = None;
        assert_eq!(flat, fast);
    }

    #[test]
    fn the_unclipped_bound_separates_the_sums_clipped_by_one() {
        let root = 2.0_f64.powf(0.5);
        for d in [1.0, 1.0 + f64::EPSILON, 1.5, 2.0, 3.0, 10.0, 1e6] {
            let k = root * d;
            let bound = unclipped_bound(k);
            let clip = |s: f64| 1.0_f64.max(s.sqrt() / k);
            assert!(bound.is_finite() && bound > 0.0, "d {d}");
            assert!(is_one(clip(bound)), "d {d}");
            assert!(clip(bound.next_up()) > 1.0, "d {d}");
            // Around the bound and far from it, the comparison decides as the clip does.
            let mut s = bound;
            for _ in 0..50 {
                s = s.next_down();
            }
            for _ in 0..100 {
                assert_eq!(s <= bound, is_one(clip(s)), "d {d}, s {s:e}");
                s = s.next_up();
            }
            for s in [0.0, 1e-300, 0.5 * bound, 2.0 * bound, f64::INFINITY, f64::NAN] {
                assert_eq!(s <= bound, is_one(clip(s)) && !s.is_nan(), "d {d}, s {s:e}");
            }
        }
        assert!(unclipped_bound(f64::INFINITY) < f64::MIN);
        assert!(unclipped_bound(0.0) < f64::MIN);
    }

    #[test]
    fn a_rank_one_square_gradient_is_factored_exactly() {
        // G² = r·cᵀ is rank one, so V = RCᵀ/mean(R) equals G² at the first step (β₂₁ = 0).
        let hyper = AdafactorHyper {
            beta2_decay: -0.8,
            eps1: f64::EPSILON,
            eps2: 1e-3,
            d: 1.0,
            weight_decay: 0.0,
        };
        let mut rule = AdafactorRule::new(hyper, &[Shape::matrix(2, 3)]);
        let grad = [1.0, -2.0, 3.0, 2.0, -4.0, 6.0];
        let mut params = [1.0; 6];
        rule.step(&mut params, &grad, 0.01);
        for (v, g) in rule.estimate.iter().zip(grad) {
            assert!((v - g * g).abs() <= 1e-12 * g * g, "{:?}", rule.estimate);
        }
    }
}
