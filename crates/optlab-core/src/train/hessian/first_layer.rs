//! Two terms of a Hessian-vector product that a part computes once per
//! [`super::rows::RowPart::prepare`] instead of once per product, because the data has only
//! two features.
//!
//! Two terms of every product are sums over the rows as large as the second layer:
//! - the second layer's weight sum Σₙ R{a₁}ₙⱼ δ₂ₙᵢ (R{a₁}: the first layer's output moved by v,
//!   δ₂ = ∂L/∂u₂);
//! - in the first layer's sums, what the direction's second-layer block V₂ adds to R{δ₁}:
//!   Σₙ x̃ₙₖ σ′₁ₙⱼ Σᵢ V₂ⱼᵢ δ₂ₙᵢ.
//!
//! Here x̃ₙ = (xₙ₁, xₙ₂, 1). Since R{a₁}ₙⱼ = σ′₁ₙⱼ Σₖ Uₖⱼ x̃ₙₖ, where U is the direction's
//! first-layer block (two weight rows and the bias), the three tensors
//! Tₖⱼᵢ = Σₙ x̃ₙₖ σ′₁ₙⱼ δ₂ₙᵢ (fixed while the parameters are) turn both terms into short sums:
//! - Σₙ R{a₁}ₙⱼ δ₂ₙᵢ = Σₖ Uₖⱼ Tₖⱼᵢ (three terms per entry);
//! - Σₙ x̃ₙₖ σ′₁ₙⱼ (V₂δ₂ₙ)ⱼ = Σᵢ V₂ⱼᵢ Tₖⱼᵢ (a dot product per entry).
//!
//! On a 2 → 64 → 64 → 3 net this removes two of the six rows × 64 × 64 products of each H·v,
//! for three such products once per prepare. The result is the same H·v with other rounding.
//! The sums here are plain multiplies and adds in a fixed order, so the bits do not depend on
//! the SIMD level.

use super::aligned::Aligned;
use super::plan::{LayerPlan, Matrices};
use super::products::add_outer_sums;

/// Features of a data row (x̃ has one more: the bias's 1).
const FEATURES: usize = 2;
/// Entries of x̃.
const EXTENDED: usize = FEATURES + 1;

/// The tensors T of one part (empty when the network has no second layer to fold).
#[derive(Clone, Debug, Default)]
pub(super) struct FirstLayerTerms {
    /// T₀, T₁, T₂ in turn, each `width` rows of `outputs` (the second layer's forward layout).
    tensors: Aligned,
    /// x̃ₖ ⊙ σ′₁ for one k (rows × `width`), while the tensors are summed.
    scaled: Aligned,
    /// The first layer's outputs (the second layer's inputs) and the second layer's outputs.
    width: usize,
    outputs: usize,
}

impl FirstLayerTerms {
    /// Room for a part of `rows` rows of a network laid out as `plans`; empty when the terms
    /// do not apply (one layer, or a second layer that passes its input through).
    pub fn new(plans: &[LayerPlan], rows: usize) -> Self {
        let [first, second, ..] = plans else { return Self::default() };
        let applies = first.activated
            && !first.identity
            && !second.identity
            && first.fan_in() == FEATURES
            && first.fan_out() == second.fan_in();
        if !applies {
            return Self::default();
        }
        let (width, outputs) = (second.fan_in(), second.fan_out());
        Self {
            tensors: Aligned::zeros(EXTENDED * width * outputs),
            scaled: Aligned::zeros(rows * width),
            width,
            outputs,
        }
    }

    /// Whether the second layer's direction terms come from here (else from the rows).
    pub fn folds_second_layer(&self) -> bool {
        !self.tensors.is_empty()
    }

    /// Sums the tensors from the part's rows `x` (rows × 2), the first layer's σ′ (`slope`,
    /// rows × `width`) and the second layer's ∂L/∂u (`delta`, rows × `outputs`).
    pub fn prepare(&mut self, x: &[f64], slope: &[f64], delta: &[f64]) {
        if !self.folds_second_layer() {
            return;
        }
        let (width, outputs) = (self.width, self.outputs);
        self.tensors.fill(0.0);
        for (k, tensor) in self.tensors.chunks_exact_mut(width * outputs).enumerate() {
            let factor = if k < FEATURES {
                scale_rows(&mut self.scaled, slope, x, k);
                &self.scaled[..]
            } else {
                slope
            };
            add_outer_sums(&[(factor, delta)], tensor, width, outputs);
        }
    }

    /// Adds the folded terms to layer `index`'s sums: Σₖ Uₖⱼ Tₖⱼᵢ to the second layer's
    /// weights, Σᵢ V₂ⱼᵢ Tₖⱼᵢ to the first layer's weights (k = 0, 1) and bias (k = 2).
    /// `direction` holds every layer's block of v.
    pub fn add_to_sums(
        &self,
        (index, plan): (usize, &LayerPlan),
        direction: &[Matrices],
        (weight_sum, bias_sum): (&mut [f64], &mut [f64]),
    ) {
        if !self.folds_second_layer() {
            return;
        }
        match (index, direction) {
            (0, [_, second, ..]) => self.add_to_first(plan, second, weight_sum, bias_sum),
            (1, [first, ..]) => self.add_to_second(plan, first, weight_sum),
            _ => {}
        }
    }

    /// The tensor Tₖ's row j (`outputs` entries).
    fn tensor_row(&self, k: usize, j: usize) -> &[f64] {
        let (width, outputs) = (self.width, self.outputs);
        &self.tensors[(k * width + j) * outputs..][..outputs]
    }

    /// The second layer's weight sums += Σₖ Uₖⱼ Tₖⱼᵢ (U: the first layer's block of v).
    fn add_to_second(&self, plan: &LayerPlan, first: &Matrices, weight_sum: &mut [f64]) {
        let (width, outputs) = (self.width, self.outputs);
        if first.forward.len() < FEATURES * width || first.bias.len() < width {
            return;
        }
        for j in 0..width {
            let u = [first.forward[j], first.forward[width + j], first.bias[j]];
            let columns = self.tensor_row(0, j).iter().zip(self.tensor_row(1, j));
            let terms = columns.zip(self.tensor_row(2, j));
            let terms = terms.map(|((t0, t1), t2)| u[0] * t0 + u[1] * t1 + u[2] * t2);
            if plan.outer_transposed() {
                let sums = weight_sum.iter_mut().skip(j).step_by(width);
                sums.zip(terms).for_each(|(sum, term)| *sum += term);
            } else if let Some(row) = weight_sum.get_mut(j * outputs..(j + 1) * outputs) {
                row.iter_mut().zip(terms).for_each(|(sum, term)| *sum += term);
            }
        }
    }

    /// The first layer's weight sums (x̃'s two features) and bias sums += Σᵢ V₂ⱼᵢ Tₖⱼᵢ (V₂: the
    /// second layer's block of v, as the backward pass scales it).
    fn add_to_first(
        &self,
        plan: &LayerPlan,
        second: &Matrices,
        weight_sum: &mut [f64],
        bias_sum: &mut [f64],
    ) {
        let outputs = self.outputs;
        for (j, v_row) in second.forward.chunks_exact(outputs).take(self.width).enumerate() {
            for k in 0..EXTENDED {
                let term = dot(v_row, self.tensor_row(k, j));
                let sum = if k < FEATURES {
                    weight_sum.get_mut(sum_index(plan, k, j))
                } else {
                    bias_sum.get_mut(j)
                };
                if let Some(sum) = sum {
                    *sum += term;
                }
            }
        }
    }
}

/// `out` (rows × width) = xₖ ⊙ `slope`: every row of `slope` times its row's feature k.
fn scale_rows(out: &mut [f64], slope: &[f64], x: &[f64], k: usize) {
    let width = out.len() / (x.len() / FEATURES).max(1);
    let rows = out.chunks_exact_mut(width.max(1)).zip(slope.chunks_exact(width.max(1)));
    for ((out, slope), point) in rows.zip(x.chunks_exact(FEATURES)) {
        out.iter_mut().zip(slope).for_each(|(o, s)| *o = point[k] * s);
    }
}

/// Partial sums of [`dot`]: independent chains the core overlaps and vectorizes.
const DOT_LANES: usize = 4;

/// Σ aᵢbᵢ with [`DOT_LANES`] partial sums (lane l sums the terms i ≡ l mod `DOT_LANES` in
/// order), added pairwise, then the tail in order; multiplies and adds unfused. Not
/// `products.rs`'s fused `dot`: that one is inlined into multiversioned kernels, and this code
/// is compiled for the baseline, where `f64::mul_add` is a call into the C library.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut lanes = [0.0; DOT_LANES];
    let (a_chunks, a_tail) = a.as_chunks::<DOT_LANES>();
    let (b_chunks, b_tail) = b.as_chunks::<DOT_LANES>();
    for (a, b) in a_chunks.iter().zip(b_chunks) {
        for ((lane, a), b) in lanes.iter_mut().zip(a).zip(b) {
            *lane += a * b;
        }
    }
    let [l0, l1, l2, l3] = lanes;
    let head = (l0 + l2) + (l1 + l3);
    a_tail.iter().zip(b_tail).fold(head, |sum, (a, b)| sum + a * b)
}

/// Where the weight from input `input` to output `output` sits in a layer's weight sums (their
/// summing orientation, [`LayerPlan::outer_transposed`]).
fn sum_index(plan: &LayerPlan, input: usize, output: usize) -> usize {
    if plan.outer_transposed() {
        output * plan.fan_in() + input
    } else {
        input * plan.fan_out() + output
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::layers::Linear;
    use super::*;

    fn plan(fan_in: usize, fan_out: usize, offset: usize, activated: bool) -> LayerPlan {
        LayerPlan {
            shape: Linear::new(fan_in, fan_out, offset),
            weight_scale: 1.0,
            bias_scale: 1.0,
            skip: false,
            activated,
            identity: false,
        }
    }

    fn filled(len: usize, seed: f64) -> Vec<f64> {
        (0..len).map(|i| ((i as f64 + seed) * 0.618_034).fract() - 0.5).collect()
    }

    fn close(got: f64, want: f64) -> bool {
        (got - want).abs() <= 1e-12 * (1.0 + want.abs())
    }

    /// The folded terms are the sums over the rows they replace: Σₙ R{a₁}ₙⱼ δ₂ₙᵢ in the second
    /// layer's weight sums (in both summing orientations) and Σₙ x̃ₙₖ σ′₁ₙⱼ Σᵢ V₂ⱼᵢ δ₂ₙᵢ in the
    /// first layer's weight and bias sums.
    #[test]
    fn the_folded_terms_are_the_sums_over_the_rows_they_replace() {
        let rows = 11;
        for (width, outputs) in [(5, 3), (7, 9)] {
            let plans = [plan(2, width, 0, true), plan(width, outputs, 3 * width, false)];
            let v = filled(plans[1].shape.end(), 0.4);
            let direction: Vec<Matrices> = plans
                .iter()
                .map(|plan| {
                    let mut matrices = Matrices::default();
                    matrices.load(plan, &v);
                    matrices
                })
                .collect();
            let (x, slope) = (filled(rows * 2, 0.1), filled(rows * width, 0.7));
            let delta = filled(rows * outputs, 0.3);
            let mut terms = FirstLayerTerms::new(&plans, rows);
            assert!(terms.folds_second_layer());
            terms.prepare(&x, &slope, &delta);
            let (u, second) = (&direction[0], &direction[1].forward);
            let r_out = |n: usize, j: usize| {
                slope[n * width + j]
                    * (x[2 * n] * u.forward[j] + x[2 * n + 1] * u.forward[width + j] + u.bias[j])
            };
            let mut sums = (vec![0.0; width * outputs], vec![0.0; outputs]);
            terms.add_to_sums((1, &plans[1]), &direction, (&mut sums.0, &mut sums.1));
            for (j, i) in (0..width).flat_map(|j| (0..outputs).map(move |i| (j, i))) {
                let want: f64 = (0..rows).map(|n| r_out(n, j) * delta[n * outputs + i]).sum();
                let got = sums.0[sum_index(&plans[1], j, i)];
                assert!(close(got, want), "second layer ({j}, {i}): {got} against {want}");
            }
            assert_eq!(sums.1, vec![0.0; outputs], "the second layer's bias has no such term");
            let mut sums = (vec![0.0; 2 * width], vec![0.0; width]);
            terms.add_to_sums((0, &plans[0]), &direction, (&mut sums.0, &mut sums.1));
            let moved = |n: usize, j: usize| -> f64 {
                let pushed: f64 =
                    (0..outputs).map(|i| second[j * outputs + i] * delta[n * outputs + i]).sum();
                slope[n * width + j] * pushed
            };
            for j in 0..width {
                for k in 0..EXTENDED {
                    let feature = |n: usize| if k < FEATURES { x[2 * n + k] } else { 1.0 };
                    let want: f64 = (0..rows).map(|n| feature(n) * moved(n, j)).sum();
                    let got =
                        if k < FEATURES { sums.0[sum_index(&plans[0], k, j)] } else { sums.1[j] };
                    assert!(close(got, want), "first layer ({k}, {j}): {got} against {want}");
                }
            }
        }
    }

    #[test]
    fn nothing_is_folded_without_a_second_layer_to_fold() {
        let single = [plan(2, 3, 0, false)];
        assert!(!FirstLayerTerms::new(&single, 4).folds_second_layer());
        let passing = [plan(2, 4, 0, true), LayerPlan { identity: true, ..plan(4, 4, 12, true) }];
        assert!(!FirstLayerTerms::new(&passing, 4).folds_second_layer());
    }
}
