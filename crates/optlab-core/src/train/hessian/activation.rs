//! The activations of a whole layer at once: σ(u), σ′(u) and σ″(u) for every pre-activation.
//!
//! tanh goes through [`tanh_rows`], a branch-free tanh the compiler vectorizes (the C
//! library's `tanh` is a scalar call of about 20 ns, which made the forward pass of a λmax
//! measurement cost more than a Hessian-vector product). It computes tanh|u| = e/(e + 2) with
//! e = expm1(2|u|), expm1 by the usual reduction 2|u| = k·ln 2 + r, |r| ≤ ln 2 / 2, and the
//! Taylor polynomial of expm1(r) to degree 13 (truncation below 2⁻⁵⁵ of the result), then
//! expm1 = 2ᵏ·p + (2ᵏ − 1), exact but for one rounding. Every multiply-add is a fused
//! `f64::mul_add` on every SIMD level, so the bits are the same on every CPU (the tests hold
//! it within 4 ulp of the C library's `tanh`).
#![expect(
    clippy::inline_always,
    reason = "the element helper must be inlined into each SIMD version to be compiled for it"
)]

use multiversion::multiversion;

use super::super::objective::Activation;
use super::plan::activate;

/// Beyond this |u|, tanh u rounds to ±1 (2e^(−2u) is below half an ulp of 1 from about 19.1).
const SATURATED: f64 = 20.0;
/// Adding and subtracting 1.5·2⁵² rounds a float below 2⁵¹ in magnitude to the nearest
/// integer (ties to even) in plain arithmetic.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
/// ln 2 split so that k·`LN2_HIGH` is exact for the k this module meets (k ≤ 58).
const LN2_HIGH: f64 = 0.693_147_180_369_123_8;
const LN2_LOW: f64 = 1.908_214_929_270_587_7e-10;

/// σ, σ′ and σ″ of every entry of `pre` into `output`, `slope` and `curve` (the shortest of
/// the four lengths is used).
pub(super) fn activate_rows(
    activation: Activation,
    pre: &[f64],
    output: &mut [f64],
    slope: &mut [f64],
    curve: &mut [f64],
) {
    match activation {
        Activation::Tanh => tanh_rows(pre, output, slope, curve),
        Activation::Relu => {
            for (((u, a), s), c) in pre.iter().zip(output).zip(slope).zip(curve) {
                (*a, *s, *c) = activate(activation, *u);
            }
        }
    }
}

/// t = tanh u, σ′ = 1 − t², σ″ = −2t(1 − t²) for every entry.
#[multiversion(targets("x86_64+avx512f+avx512vl+fma", "x86_64+avx2+fma"))]
fn tanh_rows(pre: &[f64], output: &mut [f64], slope: &mut [f64], curve: &mut [f64]) {
    for (((u, a), s), c) in pre.iter().zip(output).zip(slope).zip(curve) {
        let t = tanh(*u);
        let derivative = 1.0 - t * t;
        (*a, *s, *c) = (t, derivative, -2.0 * t * derivative);
    }
}

/// tanh u, branch-free (NaN stays NaN).
#[inline(always)]
pub(super) fn tanh(u: f64) -> f64 {
    let x = u.abs().min(SATURATED);
    let e = expm1_reduced(2.0 * x);
    let magnitude = e / (e + 2.0);
    // `min` maps NaN to `SATURATED`; put the NaN back.
    let magnitude = if u.is_nan() { u } else { magnitude };
    magnitude.copysign(u)
}

/// expm1 y for 0 ≤ y ≤ 2·[`SATURATED`].
#[inline(always)]
fn expm1_reduced(y: f64) -> f64 {
    let shifted = y.mul_add(std::f64::consts::LOG2_E, ROUNDER);
    let k = shifted - ROUNDER;
    let r = (-k).mul_add(LN2_LOW, (-k).mul_add(LN2_HIGH, y));
    let p = expm1_polynomial(r);
    // 2ᵏ from the exponent bits: k is a small non-negative integer here.
    let exponent = (shifted.to_bits() & 0x7ff).wrapping_add(1023);
    let power = f64::from_bits(exponent << 52);
    power.mul_add(p, power - 1.0)
}

/// expm1 r for |r| ≤ ln 2 / 2: r + r²/2! + … + r¹³/13!, by Horner's rule.
#[inline(always)]
fn expm1_polynomial(r: f64) -> f64 {
    const INVERSE_FACTORIALS: [f64; 12] = [
        1.0 / 6_227_020_800.0,
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
    ];
    let mut sum = 0.0_f64;
    for c in INVERSE_FACTORIALS {
        sum = sum.mul_add(r, c);
    }
    (sum * r).mul_add(r, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().cast_signed().abs_diff(b.to_bits().cast_signed())
    }

    #[test]
    fn tanh_is_within_four_ulp_of_the_c_library() {
        let mut worst = (0, 0.0);
        let mut u = 1e-300_f64;
        while u < 40.0 {
            for x in [u, -u] {
                let distance = ulps(tanh(x), x.tanh());
                if distance > worst.0 {
                    worst = (distance, x);
                }
            }
            u *= 1.000_37;
        }
        assert!(worst.0 <= 4, "{} ulp at {}", worst.0, worst.1);
    }

    #[test]
    fn tanh_keeps_its_special_values() {
        assert_eq!(tanh(0.0).to_bits(), 0.0_f64.to_bits());
        assert_eq!(tanh(-0.0).to_bits(), (-0.0_f64).to_bits());
        assert_eq!(tanh(f64::INFINITY).to_bits(), 1.0_f64.to_bits());
        assert_eq!(tanh(f64::NEG_INFINITY).to_bits(), (-1.0_f64).to_bits());
        assert_eq!(tanh(1e3).to_bits(), 1.0_f64.to_bits());
        assert!(tanh(f64::NAN).is_nan());
    }

    #[test]
    fn the_rows_hold_tanh_and_its_two_derivatives() {
        let pre: Vec<f64> = (0..37).map(|i| f64::from(i) * 0.37 - 6.0).collect();
        let (mut a, mut s, mut c) = (vec![0.0; 37], vec![0.0; 37], vec![0.0; 37]);
        activate_rows(Activation::Tanh, &pre, &mut a, &mut s, &mut c);
        for (i, &u) in pre.iter().enumerate() {
            let t = tanh(u);
            assert_eq!(a[i].to_bits(), t.to_bits());
            assert_eq!(s[i].to_bits(), (1.0 - t * t).to_bits());
            assert_eq!(c[i].to_bits(), (-2.0 * t * (1.0 - t * t)).to_bits());
        }
    }
}
