//! `torch.optim.Muon` (PyTorch 2.15's `_single_tensor_muon`) with the Newton–Schulz iteration
//! in f64 (PyTorch casts to bfloat16 for it). Vectors (a network's biases) take AdamW with the
//! same lr and no weight decay, as PyTorch's documentation asks of Muon's users.
//!
//! A matrix with one row or one column (the surfaces' 1×2 point among them) has rank ≤ 1, and
//! the iteration acts on its one singular value: X₀ = G/max(‖G‖, ε) = s₀u with u = G/‖G‖ a unit
//! row and s₀ = ‖G‖/max(‖G‖, ε), so A = X·Xᵀ = s² is a scalar and X ← aX + (bA + cA²)X is
//! s ← s·(a + bs² + cs⁴). Its result is G·∏ᵢ(a + bAᵢ + cAᵢ²)/max(‖G‖, ε) with A₀ = s₀² and
//! Aᵢ₊₁ = Aᵢ·(a + bAᵢ + cAᵢ²)² ([`newton_schulz_rank_one`]). When ‖G‖ ≥ ε, s₀ is exactly 1 and
//! the product is one number per hyperparameter set, computed when the rule is built; below ε
//! the scalar iteration runs from s₀ (and G = 0 gives 0). Both the general path
//! ([`NewtonSchulz::orthogonalize`]) and the surfaces' `step_2d` take this form through
//! [`orthogonalize_rank_one`], so they agree bit for bit. It agrees with the matrix iteration to
//! about 10⁻¹³ relative, not bit for bit: the matrix form rounds every entry of X and the sum
//! A = Σ xⱼ² at each iteration (A₀ is 1 only to within n ulps), the closed form rounds s² once.

use super::adafactor::{clamp_min, lerp};
use super::adam::AdamRule;
use super::rule::{Internals, UpdateRule};
use super::shape::{Block, Shape};
use serde::{Deserialize, Serialize};

/// Muon's learning-rate adjustment to the matrix's shape (torch's `adjust_lr_fn`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MuonLrAdjust {
    /// Keller Jordan's: η·√max(1, rows/cols) (torch's `"original"`, its default).
    #[default]
    Original,
    /// Moonshot's: η·0.2·√max(rows, cols), so Muon can reuse AdamW's lr and weight decay
    /// (torch's `"match_rms_adamw"`).
    MatchRmsAdamW,
}

impl MuonLrAdjust {
    /// The factor the lr of a `rows × cols` matrix (torch's shape) is multiplied by.
    #[must_use]
    pub fn ratio(self, rows: usize, cols: usize) -> f64 {
        let (rows, cols) = (rows as f64, cols as f64);
        match self {
            Self::Original => (rows / cols).max(1.0).sqrt(),
            Self::MatchRmsAdamW => 0.2 * rows.max(cols).sqrt(),
        }
    }
}

/// Muon's hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct MuonHyper {
    pub(super) weight_decay: f64,
    pub(super) momentum: f64,
    pub(super) nesterov: bool,
    /// (a, b, c) of X ← aX + (bA + cA²)X.
    pub(super) coefficients: (f64, f64, f64),
    pub(super) eps: f64,
    pub(super) ns_steps: usize,
    pub(super) adjust_lr: MuonLrAdjust,
}

/// Scratch space of the Newton–Schulz iteration, sized for the largest matrix.
#[derive(Clone, Debug, PartialEq, Default)]
struct NewtonSchulz {
    /// X, m × n with m ≤ n.
    x: Vec<f64>,
    /// A = X·Xᵀ, m × m.
    gram: Vec<f64>,
    /// B = bA + (cA)A, m × m.
    poly: Vec<f64>,
    /// The next X.
    next: Vec<f64>,
}

impl NewtonSchulz {
    fn for_shapes(shapes: &[Shape]) -> Self {
        let (mut wide, mut square) = (0, 0);
        for (r, c) in shapes.iter().filter_map(|s| s.stored_matrix()) {
            wide = usize::max(wide, r * c);
            square = usize::max(square, r.min(c) * r.min(c));
        }
        Self {
            x: vec![0.0; wide],
            gram: vec![0.0; square],
            poly: vec![0.0; square],
            next: vec![0.0; wide],
        }
    }

    /// Orthogonalizes `update` (stored `rows × cols`, row-major) in place: a matrix with one
    /// row or one column by [`orthogonalize_rank_one`] (`unit` = [`newton_schulz_rank_one`] from
    /// A₀ = 1), any other by [`Self::iterate`].
    fn orthogonalize(
        &mut self,
        update: &mut [f64],
        (rows, cols): (usize, usize),
        hyper: MuonHyper,
        unit: f64,
    ) {
        if rows.min(cols) == 1 {
            orthogonalize_rank_one(update, hyper, unit);
        } else {
            self.iterate(update, (rows, cols), hyper);
        }
    }

    /// The matrix iteration: `update` (stored `rows × cols`, row-major) transposed to m × n
    /// with m ≤ n when taller than wide, divided by max(‖X‖_F, ε), then `steps` times
    /// A = X·Xᵀ, B = bA + (cA)A, X ← aX + BX (torch's order of operations, in f64).
    fn iterate(&mut self, update: &mut [f64], (rows, cols): (usize, usize), hyper: MuonHyper) {
        let tall = rows > cols;
        let (m, n) = if tall { (cols, rows) } else { (rows, cols) };
        let (x, next) = (&mut self.x[..m * n], &mut self.next[..m * n]);
        for i in 0..rows {
            for j in 0..cols {
                let at = if tall { j * n + i } else { i * n + j };
                x[at] = update[i * cols + j];
            }
        }
        let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        let divisor = clamp_min(norm, hyper.eps);
        for v in x.iter_mut() {
            *v /= divisor;
        }
        let (a, b, c) = hyper.coefficients;
        let (gram, poly) = (&mut self.gram[..m * m], &mut self.poly[..m * m]);
        for _ in 0..hyper.ns_steps {
            for i in 0..m {
                for k in 0..m {
                    let row = |r: usize| &x[r * n..(r + 1) * n];
                    gram[i * m + k] = row(i).iter().zip(row(k)).map(|(p, q)| p * q).sum();
                }
            }
            for i in 0..m {
                for k in 0..m {
                    let product: f64 = (0..m).map(|l| c * gram[i * m + l] * gram[l * m + k]).sum();
                    poly[i * m + k] = b * gram[i * m + k] + product;
                }
            }
            for i in 0..m {
                for j in 0..n {
                    let product: f64 = (0..m).map(|l| poly[i * m + l] * x[l * n + j]).sum();
                    next[i * n + j] = a * x[i * n + j] + product;
                }
            }
            x.copy_from_slice(next);
        }
        for i in 0..rows {
            for j in 0..cols {
                update[i * cols + j] = x[if tall { j * n + i } else { i * n + j }];
            }
        }
    }
}

/// AdamW for the vectors of a Muon run, on their entries gathered end to end.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct VectorAdamW {
    pub(super) rule: AdamRule,
    params: Vec<f64>,
    grad: Vec<f64>,
}

impl VectorAdamW {
    pub(super) fn new(rule: AdamRule, len: usize) -> Self {
        Self { rule, params: vec![0.0; len], grad: vec![0.0; len] }
    }
}

/// `torch.optim.Muon` on the matrices, AdamW (same lr, no weight decay) on the vectors.
#[derive(Clone, Debug, PartialEq)]
pub struct MuonRule {
    pub(super) hyper: MuonHyper,
    pub(super) blocks: Vec<Block>,
    /// torch's `momentum_buffer`, one per parameter (zero on the vectors' entries).
    pub(super) buffer: Vec<f64>,
    /// The last update after orthogonalization (zero on the vectors' entries).
    pub(super) update: Vec<f64>,
    /// The vectors' optimizer, `None` without vectors.
    pub(super) vectors: Option<Box<VectorAdamW>>,
    scratch: Box<NewtonSchulz>,
    /// Whether the parameters are exactly the surfaces' 1×2 matrix ([`super::SURFACE`]) and
    /// nothing else, so [`UpdateRule::step_2d`] can take its closed form.
    surface: bool,
    /// The lr factor of a 1×2 matrix, `adjust_lr.ratio(1, 2)`, computed once.
    surface_ratio: f64,
    /// [`newton_schulz_rank_one`] from A₀ = 1: what the iteration multiplies a rank-one
    /// matrix's unit direction by (module doc), computed once.
    unit_factor: f64,
    pub(super) steps: u64,
}

impl MuonRule {
    pub(super) fn new(
        hyper: MuonHyper,
        shapes: &[Shape],
        vectors: Option<Box<VectorAdamW>>,
    ) -> Self {
        let total = super::shape::total_len(shapes);
        let surface = *shapes == [super::SURFACE] && vectors.is_none();
        Self {
            hyper,
            blocks: Block::layout(shapes),
            buffer: vec![0.0; total],
            update: vec![0.0; total],
            vectors,
            scratch: Box::new(NewtonSchulz::for_shapes(shapes)),
            surface,
            surface_ratio: hyper.adjust_lr.ratio(1, 2),
            unit_factor: newton_schulz_rank_one(1.0, hyper.coefficients, hyper.ns_steps),
            steps: 0,
        }
    }

    /// torch's `momentum_buffer`.
    #[must_use]
    pub fn momentum_buffer(&self) -> &[f64] {
        &self.buffer
    }

    /// The AdamW rule of the vectors (biases), `None` when every parameter is in a matrix.
    #[must_use]
    pub fn vector_rule(&self) -> Option<&AdamRule> {
        self.vectors.as_ref().map(|v| &v.rule)
    }

    /// One matrix's update: momentum, Nesterov, orthogonalization, decay, step.
    fn step_matrix(&mut self, block: Block, params: &mut [f64], grad: &[f64], lr: f64) {
        let Shape::Matrix { rows, cols, .. } = block.shape else { return };
        let hyper = self.hyper;
        let range = block.range();
        let (buffer, update) = (&mut self.buffer[range.clone()], &mut self.update[range]);
        for ((b, u), &g) in buffer.iter_mut().zip(update.iter_mut()).zip(grad) {
            *b = lerp(*b, g, 1.0 - hyper.momentum);
            *u = if hyper.nesterov { lerp(g, *b, hyper.momentum) } else { *b };
        }
        let stored = block.shape.stored_matrix().unwrap_or((rows, cols));
        self.scratch.orthogonalize(update, stored, hyper, self.unit_factor);
        let adjusted_lr = lr * hyper.adjust_lr.ratio(rows, cols);
        let shrink = 1.0 - lr * hyper.weight_decay;
        for (p, &u) in params.iter_mut().zip(update.iter()) {
            *p *= shrink;
            *p += -adjusted_lr * u;
        }
    }

    /// The vectors' AdamW step on their gathered entries.
    fn step_vectors(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        let Some(vectors) = &mut self.vectors else { return };
        let mut at = 0;
        for block in self.blocks.iter().filter(|b| matches!(b.shape, Shape::Vector(_))) {
            let len = block.shape.len();
            vectors.params[at..at + len].copy_from_slice(&params[block.range()]);
            vectors.grad[at..at + len].copy_from_slice(&grad[block.range()]);
            at += len;
        }
        vectors.rule.step(&mut vectors.params, &vectors.grad, lr);
        at = 0;
        for block in self.blocks.iter().filter(|b| matches!(b.shape, Shape::Vector(_))) {
            let len = block.shape.len();
            params[block.range()].copy_from_slice(&vectors.params[at..at + len]);
            at += len;
        }
    }
}

/// The factor ∏ᵢ(a + (bAᵢ + cAᵢ²)) by which `steps` Newton–Schulz iterations with
/// `coefficients` (a, b, c) multiply a rank-one X whose X·Xᵀ starts at `gram` = A₀, with
/// Aᵢ₊₁ = Aᵢ·(a + (bAᵢ + cAᵢ²))²: X ← aX + (bA + cA²)X for X = su, ‖u‖ = 1 (module doc).
#[must_use]
pub fn newton_schulz_rank_one(gram: f64, (a, b, c): (f64, f64, f64), steps: usize) -> f64 {
    let (mut gram, mut factor) = (gram, 1.0);
    for _ in 0..steps {
        let multiplier = a + (b * gram + c * gram * gram);
        factor *= multiplier;
        gram *= multiplier * multiplier;
    }
    factor
}

/// Newton–Schulz on a matrix with one row or one column, in place (module doc): G times
/// `unit`/‖G‖ when ‖G‖ ≥ ε (`unit` is [`newton_schulz_rank_one`] from A₀ = 1), else times the
/// scalar iteration's factor from A₀ = (‖G‖/ε)² over ε. The general path and the surfaces'
/// closed form both call this, so they give the same bits.
#[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
#[inline(always)]
fn orthogonalize_rank_one(x: &mut [f64], hyper: MuonHyper, unit: f64) {
    let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    let divisor = clamp_min(norm, hyper.eps);
    let factor = if norm >= hyper.eps {
        unit
    } else {
        let start = norm / hyper.eps;
        newton_schulz_rank_one(start * start, hyper.coefficients, hyper.ns_steps)
    };
    let scale = factor / divisor;
    for v in x {
        *v *= scale;
    }
}

impl MuonRule {
    /// [`UpdateRule::step`] on the surfaces' 1×2 matrix, as [`Self::step_matrix`] computes it
    /// (with [`orthogonalize_rank_one`] for the Newton–Schulz iteration): bit for bit the same.
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_surface(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        let hyper = self.hyper;
        let (Some(buffer), Some(update)) =
            (self.buffer.first_chunk_mut::<2>(), self.update.first_chunk_mut::<2>())
        else {
            debug_assert!(false, "a surface Muon has two parameters");
            return;
        };
        self.steps += 1;
        // In registers: the stores to `buffer` and `update` are off the chain of dependent
        // operations from one position to the next, which is what limits this rule's speed.
        let mut fresh = [0.0; 2];
        for i in 0..2 {
            buffer[i] = lerp(buffer[i], grad[i], 1.0 - hyper.momentum);
            fresh[i] =
                if hyper.nesterov { lerp(grad[i], buffer[i], hyper.momentum) } else { buffer[i] };
        }
        orthogonalize_rank_one(&mut fresh, hyper, self.unit_factor);
        let orthogonal = fresh;
        *update = orthogonal;
        let adjusted_lr = lr * self.surface_ratio;
        let shrink = 1.0 - lr * hyper.weight_decay;
        for (p, &u) in params.iter_mut().zip(orthogonal.iter()) {
            *p *= shrink;
            *p += -adjusted_lr * u;
        }
    }
}

impl UpdateRule for MuonRule {
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        if self.surface {
            self.step_surface(params, grad, lr);
        } else {
            let mut copy = *params;
            self.step(&mut copy, &grad, lr);
            *params = copy;
        }
    }

    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        debug_assert_eq!(params.len(), self.buffer.len());
        if params.len() != self.buffer.len() || grad.len() != self.buffer.len() {
            return;
        }
        self.steps += 1;
        for index in 0..self.blocks.len() {
            let block = self.blocks[index];
            if matches!(block.shape, Shape::Matrix { .. }) {
                let range = block.range();
                self.step_matrix(block, &mut params[range.clone()], &grad[range], lr);
            }
        }
        self.step_vectors(params, grad, lr);
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        let mut vector_steps = Vec::new();
        if let Some(vectors) = &self.vectors {
            vector_steps = vec![0.0; vectors.params.len()];
            let _ = vectors.rule.internals(lr, &mut vector_steps);
        }
        let mut next_vector = vector_steps.into_iter();
        for block in &self.blocks {
            let out = effective_step.get_mut(block.range()).unwrap_or_default();
            match block.shape {
                Shape::Matrix { rows, cols, .. } => {
                    out.fill(lr * self.hyper.adjust_lr.ratio(rows, cols));
                }
                Shape::Vector(_) => {
                    for e in out.iter_mut() {
                        *e = next_vector.next().unwrap_or(f64::NAN);
                    }
                }
            }
        }
        Internals { velocity: Some(&self.buffer), second_moment: None, steps_taken: self.steps }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lr_adjustments_follow_torch() {
        // torch's (rows, cols) = param.shape: a 100×2 first layer, a 3×100 output layer.
        assert!((MuonLrAdjust::Original.ratio(100, 2) - 50f64.sqrt()).abs() < 1e-15);
        assert!((MuonLrAdjust::Original.ratio(3, 100) - 1.0).abs() < 1e-15);
        assert!((MuonLrAdjust::MatchRmsAdamW.ratio(1, 2) - 0.2 * 2f64.sqrt()).abs() < 1e-15);
    }

    fn hyper(eps: f64, ns_steps: usize) -> MuonHyper {
        MuonHyper {
            weight_decay: 0.0,
            momentum: 0.0,
            nesterov: false,
            coefficients: (3.4445, -4.775, 2.0315),
            eps,
            ns_steps,
            adjust_lr: MuonLrAdjust::Original,
        }
    }

    /// Deterministic entries of both signs spread over a few decades.
    fn entries(seed: usize, len: usize, scale: f64) -> Vec<f64> {
        (0..len)
            .map(|k| {
                let t = (seed * 31 + k * 7 + 1) as f64;
                scale * (t * 1.37).sin() * (1.0 + 9.0 * (t * 0.61).cos().abs())
            })
            .collect()
    }

    fn assert_near(closed: &[f64], matrix: &[f64], tolerance: f64, what: &str) {
        let size = matrix.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        for (c, m) in closed.iter().zip(matrix) {
            assert!((c - m).abs() <= tolerance * size, "{what}: {closed:?} vs {matrix:?}");
        }
    }

    #[test]
    fn the_rank_one_form_agrees_with_the_matrix_iteration() {
        let mut worst = 0.0_f64;
        for ns_steps in 1..=6 {
            for len in 1..=12 {
                for (seed, scale) in [1e-3, 1.0, 250.0].into_iter().enumerate() {
                    for dims in [(1, len), (len, 1)] {
                        let h = hyper(1e-7, ns_steps);
                        let unit = newton_schulz_rank_one(1.0, h.coefficients, ns_steps);
                        let mut scratch =
                            NewtonSchulz::for_shapes(&[Shape::matrix(dims.0, dims.1)]);
                        let grad = entries(seed + len, len, scale);
                        let (mut closed, mut matrix) = (grad.clone(), grad.clone());
                        scratch.orthogonalize(&mut closed, dims, h, unit);
                        scratch.iterate(&mut matrix, dims, h);
                        let size = matrix.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
                        for (c, m) in closed.iter().zip(&matrix) {
                            worst = worst.max((c - m).abs() / size);
                        }
                        assert_near(&closed, &matrix, 1e-13, &format!("{dims:?}, {ns_steps}"));
                    }
                }
            }
        }
        // Not bit for bit (module doc), but close: a mutation of the form is far above this.
        assert!(worst > 0.0 && worst < 1e-13, "worst relative difference {worst:e}");
    }

    #[test]
    fn a_norm_below_eps_iterates_the_scalar_and_zero_stays_zero() {
        for ns_steps in [1, 3, 5] {
            for dims in [(1, 3), (3, 1), (1, 2)] {
                let h = hyper(1e-3, ns_steps);
                let unit = newton_schulz_rank_one(1.0, h.coefficients, ns_steps);
                let mut scratch = NewtonSchulz::for_shapes(&[Shape::matrix(dims.0, dims.1)]);
                // ‖G‖ ≈ 4·10⁻⁴ < ε: X₀ = G/ε is far from unit length, and the result is no
                // longer unit·G/‖G‖.
                let grad = [2e-4, -3e-4, 1e-4];
                let grad = &grad[..dims.0 * dims.1];
                let (mut closed, mut matrix) = (grad.to_vec(), grad.to_vec());
                scratch.orthogonalize(&mut closed, dims, h, unit);
                scratch.iterate(&mut matrix, dims, h);
                assert_near(&closed, &matrix, 1e-13, &format!("{dims:?}, {ns_steps}"));
                let norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
                assert!((closed[0] - unit * grad[0] / norm).abs() > 1e-3 * closed[0].abs());
                // G = 0 (with signed zeros) gives zeros, not NaN.
                let mut zero = vec![0.0, -0.0, 0.0][..dims.0 * dims.1].to_vec();
                scratch.orthogonalize(&mut zero, dims, h, unit);
                assert!(zero.iter().all(|z| *z == 0.0), "{zero:?}");
            }
        }
    }

    #[test]
    fn the_surface_form_equals_step_bit_for_bit() {
        for (nesterov, momentum, eps) in [(true, 0.9, 1e-7), (false, 0.9, 1e-7), (false, 0.0, 1e-3)]
        {
            let hyper = MuonHyper {
                weight_decay: 0.1,
                momentum,
                nesterov,
                coefficients: (3.4445, -4.775, 2.0315),
                eps,
                ns_steps: 5,
                adjust_lr: MuonLrAdjust::MatchRmsAdamW,
            };
            let mut flat = MuonRule::new(hyper, &[crate::optim::SURFACE], None);
            let mut fast = flat.clone();
            assert!(fast.surface);
            let (mut a, mut b) = ([0.5, -1.5], [0.5, -1.5]);
            for k in 0..200 {
                // Zero gradients too: the sums' signed zeros must match.
                // Zero and small gradients: the small-norm branch with momentum 0.
                let grad = if k % 7 == 0 {
                    [0.0, -0.0]
                } else if k % 5 == 0 {
                    [f64::from(k).sin() * 1e-4, 3e-4]
                } else {
                    [f64::from(k).sin() * 3.0, (f64::from(k) * 0.7).cos()]
                };
                flat.step(&mut a, &grad, 0.05);
                fast.step_2d(&mut b, grad, 0.05);
                assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
                assert_eq!(
                    flat.update.iter().map(|u| u.to_bits()).collect::<Vec<_>>(),
                    fast.update.iter().map(|u| u.to_bits()).collect::<Vec<_>>()
                );
            }
            assert_eq!((&flat.buffer, flat.steps), (&fast.buffer, fast.steps));
        }
    }

    #[test]
    fn a_tall_matrix_is_orthogonalized_as_its_transpose() {
        let hyper = MuonHyper {
            weight_decay: 0.0,
            momentum: 0.0,
            nesterov: false,
            coefficients: (1.5, -0.5, 0.0),
            eps: 1e-7,
            ns_steps: 40,
            adjust_lr: MuonLrAdjust::Original,
        };
        let shapes = [Shape::matrix(3, 2), Shape::matrix(2, 3)];
        let mut scratch = NewtonSchulz::for_shapes(&shapes);
        let tall = [1.0, 2.0, -3.0, 0.5, 2.0, 1.0];
        let wide = [1.0, -3.0, 2.0, 2.0, 0.5, 1.0]; // its transpose
        let (mut a, mut b) = (tall, wide);
        scratch.orthogonalize(&mut a, (3, 2), hyper, f64::NAN);
        scratch.orthogonalize(&mut b, (2, 3), hyper, f64::NAN);
        for i in 0..3 {
            for j in 0..2 {
                assert!((a[i * 2 + j] - b[j * 3 + i]).abs() < 1e-12, "{a:?} vs {b:?}");
            }
        }
        // The columns of the tall result are orthonormal.
        let dot = |p: usize, q: usize| (0..3).map(|i| a[i * 2 + p] * a[i * 2 + q]).sum::<f64>();
        assert!((dot(0, 0) - 1.0).abs() < 1e-9 && (dot(1, 1) - 1.0).abs() < 1e-9);
        assert!(dot(0, 1).abs() < 1e-9);
    }
}
