//! The three matrix products of a Hessian-vector product, on row-major matrices:
//! C += A·B ([`add_product`]), C += A·Bᵀ by dot products ([`add_product_transposed`], for
//! outputs too narrow to vectorize over), and G += Aᵀ·D ([`add_outer_sum`], the gradient of a
//! weight matrix summed over rows).
//!
//! Each is compiled for AVX-512, AVX2 and the SSE2 baseline (`multiversion`) and picks one at
//! run time. The operations and their order do not depend on the SIMD level: vectors run across
//! independent output columns, every sum over the inner dimension goes in index order into an
//! accumulator that starts at zero and is added to the destination once, and the dot products
//! of [`add_product_transposed`] keep [`DOT_LANES`] partial sums combined in a fixed order.
//! Rust never fuses a multiply and an add, so every level rounds identically. Output columns
//! go in chunks of two SIMD vectors (16 columns with AVX-512, 8 with AVX2, 4 with SSE2), which
//! changes how many columns share a pass, not any column's arithmetic.
#![expect(
    clippy::inline_always,
    reason = "the block helpers must be inlined into each SIMD version to be compiled for it"
)]

use multiversion::multiversion;
use multiversion::target::selected_target;

/// Rows of the destination computed together (their accumulators stay in registers).
const ROWS: usize = 4;
/// Partial sums of a dot product.
const DOT_LANES: usize = 8;

/// C (`rows` × n) += A (`rows` × k) · B (k × n), all row-major; `rows` = `c.len() / n`.
/// Mismatched lengths are clamped to the rows all three hold.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
pub fn add_product(a: &[f64], b: &[f64], c: &mut [f64], k: usize, n: usize) {
    const COLUMNS: usize = chunk_width(selected_target!().suggested_simd_width::<f64>());
    if k == 0 || n == 0 || b.len() < k * n {
        return;
    }
    let rows = (a.len() / k).min(c.len() / n);
    let (a, c) = (&a[..rows * k], &mut c[..rows * n]);
    let mut a_blocks = a.chunks_exact(ROWS * k);
    let mut c_blocks = c.chunks_exact_mut(ROWS * n);
    for (a, c) in (&mut a_blocks).zip(&mut c_blocks) {
        product_block::<ROWS, COLUMNS>(a, &b[..k * n], c, k, n);
    }
    let (a, c) = (a_blocks.remainder(), c_blocks.into_remainder());
    for (a, c) in a.chunks_exact(k).zip(c.chunks_exact_mut(n)) {
        product_block::<1, COLUMNS>(a, &b[..k * n], c, k, n);
    }
}

/// Columns per accumulator chunk: two vectors of `simd_width` lanes (4 without SIMD).
const fn chunk_width(simd_width: Option<usize>) -> usize {
    match simd_width {
        Some(width) if width >= 2 => 2 * width,
        _ => 4,
    }
}

/// `R` rows of C += A·B: chunks of `COLUMNS` columns, then the tail column by column.
#[inline(always)]
fn product_block<const R: usize, const COLUMNS: usize>(
    a: &[f64],
    b: &[f64],
    c: &mut [f64],
    k: usize,
    n: usize,
) {
    let chunks = n / COLUMNS;
    for chunk in 0..chunks {
        let mut acc = [[0.0; COLUMNS]; R];
        for (i, b_row) in b.chunks_exact(n).enumerate() {
            let Some(b_chunk) = b_row.get(chunk * COLUMNS..(chunk + 1) * COLUMNS) else { return };
            for (r, acc) in acc.iter_mut().enumerate() {
                let scale = a[r * k + i];
                for (acc, b) in acc.iter_mut().zip(b_chunk) {
                    *acc += scale * b;
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            let c_chunk = &mut c[r * n + chunk * COLUMNS..r * n + (chunk + 1) * COLUMNS];
            for (c, acc) in c_chunk.iter_mut().zip(acc) {
                *c += acc;
            }
        }
    }
    for column in chunks * COLUMNS..n {
        for r in 0..R {
            let mut sum = 0.0;
            for (i, a) in a[r * k..(r + 1) * k].iter().enumerate() {
                sum += a * b[i * n + column];
            }
            c[r * n + column] += sum;
        }
    }
}

/// C (`rows` × n) += A (`rows` × k) · Btᵀ with Bt stored as n rows of k: one dot product per
/// entry, for narrow outputs (a few classes) where [`add_product`] could not vectorize.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
pub fn add_product_transposed(a: &[f64], bt: &[f64], c: &mut [f64], k: usize, n: usize) {
    if k == 0 || n == 0 || bt.len() < k * n {
        return;
    }
    for (a_row, c_row) in a.chunks_exact(k).zip(c.chunks_exact_mut(n)) {
        for (c, b_row) in c_row.iter_mut().zip(bt.chunks_exact(k)) {
            *c += dot(a_row, b_row);
        }
    }
}

/// Σ aᵢbᵢ with [`DOT_LANES`] partial sums (lane j sums the terms i ≡ j mod `DOT_LANES`), added
/// pairwise in a fixed order, then the tail in index order.
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut lanes = [0.0; DOT_LANES];
    let (a_chunks, a_tail) = a.as_chunks::<DOT_LANES>();
    let (b_chunks, b_tail) = b.as_chunks::<DOT_LANES>();
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

/// G (k × n) += Aᵀ·D = Σ over rows r of A\[r\]ᵀ D\[r\], with A `rows` × k and D `rows` × n,
/// row-major. Rows are summed in order into accumulators that start at zero.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
pub fn add_outer_sum(a: &[f64], d: &[f64], g: &mut [f64], k: usize, n: usize) {
    const COLUMNS: usize = chunk_width(selected_target!().suggested_simd_width::<f64>());
    if k == 0 || n == 0 || g.len() < k * n {
        return;
    }
    let rows = (a.len() / k).min(d.len() / n);
    let (a, d) = (&a[..rows * k], &d[..rows * n]);
    let mut first = 0;
    for g_block in g[..k * n].chunks_exact_mut(ROWS * n) {
        outer_block::<ROWS, COLUMNS>(a, d, g_block, first, (k, n));
        first += ROWS;
    }
    for g_row in g[first * n..k * n].chunks_exact_mut(n) {
        outer_block::<1, COLUMNS>(a, d, g_row, first, (k, n));
        first += 1;
    }
}

/// `R` rows of G (inputs `first`..`first + R`) += Aᵀ·D.
#[inline(always)]
fn outer_block<const R: usize, const COLUMNS: usize>(
    a: &[f64],
    d: &[f64],
    g: &mut [f64],
    first: usize,
    (k, n): (usize, usize),
) {
    let chunks = n / COLUMNS;
    for chunk in 0..chunks {
        let mut acc = [[0.0; COLUMNS]; R];
        for (a_row, d_row) in a.chunks_exact(k).zip(d.chunks_exact(n)) {
            let d_chunk = &d_row[chunk * COLUMNS..(chunk + 1) * COLUMNS];
            for (r, acc) in acc.iter_mut().enumerate() {
                let scale = a_row[first + r];
                for (acc, d) in acc.iter_mut().zip(d_chunk) {
                    *acc += scale * d;
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            let g_chunk = &mut g[r * n + chunk * COLUMNS..r * n + (chunk + 1) * COLUMNS];
            for (g, acc) in g_chunk.iter_mut().zip(acc) {
                *g += acc;
            }
        }
    }
    for column in chunks * COLUMNS..n {
        for r in 0..R {
            let mut sum = 0.0;
            for (a_row, d_row) in a.chunks_exact(k).zip(d.chunks_exact(n)) {
                sum += a_row[first + r] * d_row[column];
            }
            g[r * n + column] += sum;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f64], b: &[f64], rows: usize, k: usize, n: usize) -> Vec<f64> {
        let mut c = vec![0.0; rows * n];
        for r in 0..rows {
            for j in 0..n {
                c[r * n + j] = (0..k).map(|i| a[r * k + i] * b[i * n + j]).sum();
            }
        }
        c
    }

    fn filled(len: usize, seed: f64) -> Vec<f64> {
        (0..len).map(|i| ((i as f64 + seed) * 0.618_034).fract() - 0.5).collect()
    }

    #[test]
    fn the_three_products_agree_with_the_textbook_loops() {
        for (rows, k, n) in [(7, 5, 19), (9, 64, 3), (4, 2, 8), (13, 17, 16)] {
            let a = filled(rows * k, 0.1);
            let b = filled(k * n, 0.7);
            let expected = naive(&a, &b, rows, k, n);
            let mut c = vec![0.0; rows * n];
            add_product(&a, &b, &mut c, k, n);
            let bt: Vec<f64> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect();
            let mut c_dot = vec![0.0; rows * n];
            add_product_transposed(&a, &bt, &mut c_dot, k, n);
            // G = Aᵀ·D with A = aᵀ (k rows of `rows`) is the same product.
            let at: Vec<f64> = (0..k * rows).map(|i| a[(i % rows) * k + i / rows]).collect();
            let mut g = vec![0.0; rows * n];
            add_outer_sum(&at, &b, &mut g, rows, n);
            for (index, want) in expected.iter().enumerate() {
                let scale = 1e-12 * (1.0 + want.abs());
                assert!((c[index] - want).abs() < scale, "A·B {rows}×{k}×{n}");
                assert!((c_dot[index] - want).abs() < scale, "A·Btᵀ {rows}×{k}×{n}");
                assert!((g[index] - want).abs() < scale, "Aᵀ·D {rows}×{k}×{n}");
            }
        }
    }
}
