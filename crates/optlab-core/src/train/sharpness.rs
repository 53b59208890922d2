//! Sharpness: the largest eigenvalue λmax of the training objective's Hessian, by power
//! iteration on exact Hessian-vector products ([`super::hessian`]).
//!
//! Each iteration normalises v, computes H·v and takes the Rayleigh quotient vᵀHv as the
//! estimate (as `jax.jvp(jax.grad(…))` power iteration does). Power iteration finds the
//! eigenvalue of largest magnitude: during training that is λmax (a network's large negative
//! curvatures are far smaller than its sharpest positive one); the estimate approaches it from
//! below at the rate (λ₂/λ₁)ᵏ. The start vector is standard normal from a seeded `ChaCha8Rng`;
//! tracking during training warm-starts from the previous vector, which converges in a few
//! iterations once the top eigenvector moves slowly.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::hessian::HessianWorkspace;

/// A power iteration's vector and product buffer, kept between calls (the warm start).
#[derive(Clone, Debug, PartialEq)]
pub struct PowerIteration {
    vector: Vec<f64>,
    product: Vec<f64>,
}

impl PowerIteration {
    /// A unit start vector of `len` standard-normal entries drawn from `seed`.
    #[must_use]
    pub fn new(len: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut vector: Vec<f64> = (0..len).map(|_| StandardNormal.sample(&mut rng)).collect();
        normalize(&mut vector);
        Self { vector, product: vec![0.0; len] }
    }

    /// The current unit vector (the top eigenvector's estimate after [`Self::run`]).
    #[must_use]
    pub fn vector(&self) -> &[f64] {
        &self.vector
    }

    /// `iterations` power iterations with the Hessian prepared in `hessian` (see
    /// [`HessianWorkspace::prepare`]), from the current vector; returns the last Rayleigh
    /// quotient vᵀHv (NaN for 0 iterations, a length mismatch or a non-finite product). The
    /// vector is left normalised for the next call.
    pub fn run(&mut self, hessian: &mut HessianWorkspace, iterations: usize) -> f64 {
        if self.vector.len() != hessian.len() || iterations == 0 {
            return f64::NAN;
        }
        let mut estimate = f64::NAN;
        let (mut done, mut null_space) = (0, false);
        hessian.product_rounds(&mut self.vector, &mut self.product, |vector, product| {
            estimate = dot(vector, product);
            if !estimate.is_finite() {
                estimate = f64::NAN;
                return false;
            }
            std::mem::swap(vector, product);
            // H·v = 0: v is in the null space; the estimate 0 stands, restart elsewhere.
            null_space = !normalize(vector);
            done += 1;
            !null_space && done < iterations
        });
        if null_space {
            *self = Self::new(self.vector.len(), 0);
        }
        estimate
    }
}

/// λmax of `hessian` at `params` by `iterations` power iterations from a start vector drawn
/// from `seed`.
pub fn largest_eigenvalue(
    hessian: &mut HessianWorkspace,
    params: &[f64],
    iterations: usize,
    seed: u64,
) -> f64 {
    hessian.prepare(params);
    PowerIteration::new(hessian.len(), seed).run(hessian, iterations)
}

/// Partial sums of [`dot`].
const DOT_LANES: usize = 8;

/// Σ aᵢbᵢ over the shorter length, in [`DOT_LANES`] partial sums (lane j takes the terms
/// i ≡ j mod 8) added pairwise in a fixed order, then the tail in order: the same bits on
/// every machine, and eight independent chains of adds where one sum waits on every add (a
/// power iteration takes two of these between products, while the other threads wait). The
/// Hessian's `products.rs` has a fused twin; it is inlined into that module's SIMD versions
/// and would call the C library's `fma` per term here, so this one multiplies and adds.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let len = a.len().min(b.len());
    let (a_chunks, a_tail) = a[..len].as_chunks::<DOT_LANES>();
    let (b_chunks, b_tail) = b[..len].as_chunks::<DOT_LANES>();
    let mut lanes = [0.0; DOT_LANES];
    for (a, b) in a_chunks.iter().zip(b_chunks) {
        for ((lane, a), b) in lanes.iter_mut().zip(a).zip(b) {
            *lane += a * b;
        }
    }
    let [l0, l1, l2, l3, l4, l5, l6, l7] = lanes;
    let mut sum = ((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7));
    for (a, b) in a_tail.iter().zip(b_tail) {
        sum += a * b;
    }
    sum
}

/// Scales `v` to unit length; false (and `v` untouched) when its norm is 0 or not finite.
fn normalize(v: &mut [f64]) -> bool {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 && norm.is_finite() {
        for x in v.iter_mut() {
            *x /= norm;
        }
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every term counts once, the tail included, over the shorter length: integers small
    /// enough that every partial sum is exact give the exact sum whatever the order.
    #[test]
    fn dot_adds_every_term_once() {
        for len in [0_u32, 1, 7, 8, 9, 37] {
            let a: Vec<f64> = (0..len).map(|i| f64::from(i) - 11.0).collect();
            let b: Vec<f64> = (0..len).map(|i| f64::from(i % 5 + 1)).collect();
            let exact = a.iter().zip(&b).fold(0.0, |sum, (a, b)| sum + a * b);
            assert_eq!(dot(&a, &b).to_bits(), exact.to_bits(), "length {len}");
            let longer: Vec<f64> = b.iter().copied().chain([1e300]).collect();
            let against_longer = dot(&a, &longer).to_bits();
            assert_eq!(against_longer, exact.to_bits(), "length {len} against a longer vector");
        }
    }
}
