//! The passes between the products that touch every entry of a layer's rows: σ′ times a
//! vector, the R-backward's σ′·R{δ} + σ″δ·R{u}, and the bias sums over rows. Each is compiled
//! for AVX-512, AVX2 and the SSE2 baseline (`multiversion`); they are plain multiplies and adds
//! (Rust does not fuse them), so every level gives the same bits.

use multiversion::multiversion;

/// `out` = a ⊙ b (the shortest length is used).
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
pub(super) fn multiply(out: &mut [f64], a: &[f64], b: &[f64]) {
    for ((out, a), b) in out.iter_mut().zip(a).zip(b) {
        *out = a * b;
    }
}

/// `values` ⊙= `factors`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
pub(super) fn scale(values: &mut [f64], factors: &[f64]) {
    for (value, factor) in values.iter_mut().zip(factors) {
        *value *= factor;
    }
}

/// d = slope ⊙ d + curve ⊙ r, entry by entry (the product, then the sum).
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
pub(super) fn combine(d: &mut [f64], slope: &[f64], curve: &[f64], r: &[f64]) {
    for (d, ((slope, curve), r)) in d.iter_mut().zip(slope.iter().zip(curve).zip(r)) {
        *d = slope * *d + curve * r;
    }
}

/// `sums` = the sum of the rows of `rows` (each as long as `sums`), added from zero in row
/// order.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
pub(super) fn sum_rows(sums: &mut [f64], rows: &[f64]) {
    sums.fill(0.0);
    for row in rows.chunks_exact(sums.len().max(1)) {
        sums.iter_mut().zip(row).for_each(|(sum, value)| *sum += value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pass_is_its_textbook_loop() {
        let a: Vec<f64> = (0..37).map(|i| f64::from(i) * 0.37 - 6.0).collect();
        let b: Vec<f64> = (0..37).map(|i| 1.0 / (f64::from(i) + 0.5)).collect();
        let c: Vec<f64> = (0..37).map(|i| f64::from(i).sin()).collect();
        let mut out = vec![0.0; 37];
        multiply(&mut out, &a, &b);
        let mut scaled = a.clone();
        scale(&mut scaled, &b);
        let mut combined = c.clone();
        combine(&mut combined, &a, &b, &a);
        for i in 0..37 {
            assert_eq!(out[i].to_bits(), (a[i] * b[i]).to_bits());
            assert_eq!(scaled[i].to_bits(), (a[i] * b[i]).to_bits());
            assert_eq!(combined[i].to_bits(), (a[i] * c[i] + b[i] * a[i]).to_bits());
        }
        let mut sums = vec![7.0; 5];
        sum_rows(&mut sums, &a[..35]);
        for (column, sum) in sums.iter().enumerate() {
            let expected = (0..7).fold(0.0, |total, row| total + a[row * 5 + column]);
            assert_eq!(sum.to_bits(), f64::to_bits(expected));
        }
    }
}
