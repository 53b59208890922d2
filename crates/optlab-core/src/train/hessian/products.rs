//! The three matrix products of a Hessian-vector product, on row-major matrices:
//! C += Σ A·B ([`add_products`]: one product, or the two of an R-pass), C += A·Bᵀ by
//! dot products ([`add_product_transposed`], for outputs too narrow to vectorize over), and
//! G += Σ Aᵀ·D ([`add_outer_sums`]: the gradient of a weight matrix summed
//! over rows). The first two can start from a row instead of C ([`Start::Row`]: C = bias +
//! Σ, or 0 + Σ), the same bits as filling C with the row and adding, one pass fewer.
//!
//! Each is compiled for AVX-512, AVX2 with FMA and the SSE2 baseline (`multiversion`) and picks
//! one at run time. The operations and their order do not depend on the SIMD level: vectors run
//! across independent output columns, every sum over the inner dimension (over the pairs in
//! order, then the index in order) goes into an accumulator that starts at zero and is added
//! to the destination once, and the dot products of [`add_product_transposed`] keep
//! [`DOT_LANES`] partial sums combined in a fixed order. Every multiply-add of a sum is one
//! fused, correctly rounded `f64::mul_add` on every level (an FMA instruction on AVX-512 and
//! AVX2 + FMA; the baseline calls the C library's `fma`, slower but the same bits), so every
//! level rounds identically. Output columns go in chunks of two SIMD vectors (16 columns with
//! AVX-512, 8 with AVX2, 4 with SSE2) and rows in tiles of [`tile_rows`] (8 with AVX-512's 32
//! registers, 6 with AVX2's 16, 4 otherwise; the last rows in tiles of 4, 2 and 1), which
//! changes how many outputs share a pass, not any output's arithmetic.
#![expect(
    clippy::inline_always,
    reason = "the block helpers must be inlined into each SIMD version to be compiled for it"
)]

use multiversion::multiversion;
use multiversion::target::selected_target;

/// Rows of the destination computed together (their accumulators stay in registers): 8 with
/// 512-bit vectors (32 registers hold 16 accumulators), 6 with 256-bit ones (12 of 16
/// registers), 4 otherwise.
const fn tile_rows(simd_width: Option<usize>) -> usize {
    match simd_width {
        Some(width) if width >= 8 => 8,
        Some(width) if width >= 4 => 6,
        _ => 4,
    }
}
/// Partial sums of a dot product.
const DOT_LANES: usize = 8;
/// Rows whose dot products [`add_product_transposed`] computes side by side.
const DOT_ROWS: usize = 4;

/// A matrix product's two factors: (A, B) for A·B, (A, D) for Aᵀ·D.
pub(super) type Pair<'a> = (&'a [f64], &'a [f64]);

/// What a product's sums are added to: C's current values, or one row (a layer's bias, zeros)
/// repeated on every row of C, so that filling C first and adding to it is one pass fewer
/// with the same bits (`row + sum` either way).
#[derive(Clone, Copy, Debug)]
pub(super) enum Start<'a> {
    /// C += the sums.
    Current,
    /// C = row + the sums, the row at least as long as C's rows.
    Row(&'a [f64]),
}

impl Start<'_> {
    /// Whether C's rows of `n` can start here.
    fn fits(self, n: usize) -> bool {
        match self {
            Self::Current => true,
            Self::Row(row) => row.len() >= n,
        }
    }

    /// `out` (C's columns `column`..) = start + `sums`.
    #[inline(always)]
    fn finish(self, out: &mut [f64], column: usize, sums: &[f64]) {
        match self {
            Self::Current => out.iter_mut().zip(sums).for_each(|(c, sum)| *c += sum),
            Self::Row(row) => {
                let row = &row[column..column + out.len()];
                for ((c, start), sum) in out.iter_mut().zip(row).zip(sums) {
                    *c = start + sum;
                }
            }
        }
    }
}

/// C (`rows` × n) += A (`rows` × k) · B (k × n), all row-major: [`add_products`] of one pair.
#[cfg(test)]
fn add_product(a: &[f64], b: &[f64], c: &mut [f64], k: usize, n: usize) {
    add_products(&[(a, b)], c, k, n, Start::Current);
}

/// C (`rows` × n) += Σ over `pairs` of A (`rows` × k) · B (k × n), all row-major: each entry
/// is one fused sum over the pairs in order and, within a pair, over k in order (so the two
/// products of an R-pass, W·R{a} + V·a, cost one pass over C), added to `start`. Rows are
/// clamped to what every matrix holds; a B shorter than k × n or a start row shorter than n
/// leaves C untouched.
#[multiversion(targets("x86_64+avx512f+avx512vl+fma", "x86_64+avx2+fma"))]
pub fn add_products<'a>(pairs: &[Pair<'a>], c: &mut [f64], k: usize, n: usize, start: Start<'a>) {
    const COLUMNS: usize = chunk_width(selected_target!().suggested_simd_width::<f64>());
    const ROWS: usize = tile_rows(selected_target!().suggested_simd_width::<f64>());
    if k == 0 || n == 0 || !start.fits(n) || pairs.iter().any(|(_, b)| b.len() < k * n) {
        return;
    }
    let rows = pairs.iter().fold(c.len() / n, |rows, (a, _)| rows.min(a.len() / k));
    let mut first = 0;
    while first < rows {
        let c = &mut c[first * n..rows * n];
        first += match rows - first {
            left if left >= ROWS => product_block::<ROWS, COLUMNS>(pairs, first, c, (k, n), start),
            left if left >= 4 => product_block::<4, COLUMNS>(pairs, first, c, (k, n), start),
            left if left >= 2 => product_block::<2, COLUMNS>(pairs, first, c, (k, n), start),
            _ => product_block::<1, COLUMNS>(pairs, first, c, (k, n), start),
        };
    }
}

/// Columns per accumulator chunk: two vectors of `simd_width` lanes (4 without SIMD).
const fn chunk_width(simd_width: Option<usize>) -> usize {
    match simd_width {
        Some(width) if width >= 2 => 2 * width,
        _ => 4,
    }
}

/// Rows `first`..`first + R` of C += Σ A·B (`c` starts at row `first`): chunks of `COLUMNS`
/// columns, then the tail column by column. Returns R.
#[inline(always)]
fn product_block<const R: usize, const COLUMNS: usize>(
    pairs: &[Pair<'_>],
    first: usize,
    c: &mut [f64],
    (k, n): (usize, usize),
    start: Start<'_>,
) -> usize {
    for column in (0..n / COLUMNS).map(|chunk| chunk * COLUMNS) {
        let mut acc = [[0.0; COLUMNS]; R];
        for &(a, b) in pairs {
            // Rows of exactly k: the index i < k below needs no bounds check.
            let a_rows: [&[f64]; R] = std::array::from_fn(|r| &a[(first + r) * k..][..k]);
            for (i, b_row) in (0..k).zip(b.chunks_exact(n)) {
                // A fixed-size copy: whole vectors.
                let mut b_chunk = [0.0; COLUMNS];
                b_chunk.copy_from_slice(&b_row[column..column + COLUMNS]);
                for (acc, a_row) in acc.iter_mut().zip(&a_rows) {
                    let scale = a_row[i];
                    for (acc, b) in acc.iter_mut().zip(b_chunk) {
                        *acc = scale.mul_add(b, *acc);
                    }
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            start.finish(&mut c[r * n + column..][..COLUMNS], column, acc);
        }
    }
    for column in n / COLUMNS * COLUMNS..n {
        for r in 0..R {
            let mut sum = 0.0;
            for &(a, b) in pairs {
                for (i, a) in a[(first + r) * k..(first + r + 1) * k].iter().enumerate() {
                    sum = a.mul_add(b[i * n + column], sum);
                }
            }
            start.finish(&mut c[r * n + column..][..1], column, &[sum]);
        }
    }
    R
}

/// C (`rows` × n) += A (`rows` × k) · Btᵀ with Bt stored as n rows of k: one dot product per
/// entry, for narrow outputs (a few classes) where [`add_products`] could not vectorize; added
/// to `start` as there.
#[multiversion(targets("x86_64+avx512f+avx512vl+fma", "x86_64+avx2+fma"))]
pub fn add_product_transposed<'a>(
    a: &[f64],
    bt: &[f64],
    c: &mut [f64],
    k: usize,
    n: usize,
    start: Start<'a>,
) {
    if k == 0 || n == 0 || bt.len() < k * n || !start.fits(n) {
        return;
    }
    // Blocks of `DOT_ROWS` rows: their dot products with one row of Bt are independent
    // chains the core overlaps (one dot product alone waits on its adds' latency).
    let mut a_blocks = a.chunks_exact(DOT_ROWS * k);
    let mut c_blocks = c.chunks_exact_mut(DOT_ROWS * n);
    for (a_block, c_block) in (&mut a_blocks).zip(&mut c_blocks) {
        for (column, b_row) in bt.chunks_exact(k).take(n).enumerate() {
            let sums = dots::<DOT_ROWS>(a_block, b_row, k);
            for (r, sum) in sums.iter().enumerate() {
                start.finish(&mut c_block[r * n + column..][..1], column, &[*sum]);
            }
        }
    }
    let (a, c) = (a_blocks.remainder(), c_blocks.into_remainder());
    for (a_row, c_row) in a.chunks_exact(k).zip(c.chunks_exact_mut(n)) {
        for (column, b_row) in bt.chunks_exact(k).take(n).enumerate() {
            start.finish(&mut c_row[column..=column], column, &[dot(a_row, b_row)]);
        }
    }
}

/// [`dot`] of each of the `R` rows of `a_block` (k long each) with `b`, the same arithmetic
/// per row, computed side by side.
#[inline(always)]
fn dots<const R: usize>(a_block: &[f64], b: &[f64], k: usize) -> [f64; R] {
    let mut lanes = [[0.0; DOT_LANES]; R];
    let (b_chunks, b_tail) = b[..k].as_chunks::<DOT_LANES>();
    for (r, lanes) in lanes.iter_mut().enumerate() {
        let (a_chunks, _) = a_block[r * k..(r + 1) * k].as_chunks::<DOT_LANES>();
        for (a, b) in a_chunks.iter().zip(b_chunks) {
            for ((lane, a), b) in lanes.iter_mut().zip(a).zip(b) {
                *lane = a.mul_add(*b, *lane);
            }
        }
    }
    let mut sums = [0.0; R];
    for (r, (sum, lanes)) in sums.iter_mut().zip(&lanes).enumerate() {
        let [l0, l1, l2, l3, l4, l5, l6, l7] = *lanes;
        *sum = ((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7));
        let a_tail = &a_block[r * k + k - b_tail.len()..(r + 1) * k];
        for (a, b) in a_tail.iter().zip(b_tail) {
            *sum = a.mul_add(*b, *sum);
        }
    }
    sums
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
            *lane = a.mul_add(*b, *lane);
        }
    }
    let [l0, l1, l2, l3, l4, l5, l6, l7] = lanes;
    let mut sum = ((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7));
    for (a, b) in a_tail.iter().zip(b_tail) {
        sum = a.mul_add(*b, sum);
    }
    sum
}

/// G (k × n) += Σ over `pairs` of Aᵀ·D (A `rows` × k, D `rows` × n, row-major; Aᵀ·D = Σ over
/// rows r of A\[r\]ᵀ D\[r\]): each entry one fused sum over the pairs in order and,
/// within a pair, over the rows in order, from zero, added to G once. Rows are clamped to what
/// every matrix holds.
#[multiversion(targets("x86_64+avx512f+avx512vl+fma", "x86_64+avx2+fma"))]
pub fn add_outer_sums<'a>(pairs: &[Pair<'a>], g: &mut [f64], k: usize, n: usize) {
    const COLUMNS: usize = chunk_width(selected_target!().suggested_simd_width::<f64>());
    const ROWS: usize = tile_rows(selected_target!().suggested_simd_width::<f64>());
    if k == 0 || n == 0 || g.len() < k * n {
        return;
    }
    let rows = pairs.iter().fold(usize::MAX, |rows, (a, d)| rows.min(a.len() / k).min(d.len() / n));
    let g = &mut g[..k * n];
    // Column chunks outermost: a chunk's slice of D (rows × `COLUMNS`) stays in the L1 cache
    // while every tile of G's rows walks it.
    let chunks = n / COLUMNS;
    for column in (0..chunks).map(|chunk| chunk * COLUMNS) {
        let mut first = 0;
        while first < k {
            let at = (first, column);
            first += match k - first {
                left if left >= ROWS => outer_tile::<ROWS, COLUMNS>(pairs, g, at, (rows, k, n)),
                left if left >= 4 => outer_tile::<4, COLUMNS>(pairs, g, at, (rows, k, n)),
                3 => outer_tile::<3, COLUMNS>(pairs, g, at, (rows, k, n)),
                2 => outer_tile::<2, COLUMNS>(pairs, g, at, (rows, k, n)),
                _ => outer_tile::<1, COLUMNS>(pairs, g, at, (rows, k, n)),
            };
        }
    }
    for column in chunks * COLUMNS..n {
        for input in 0..k {
            let mut sum = 0.0;
            for &(a, d) in pairs {
                for (a_row, d_row) in a.chunks_exact(k).zip(d.chunks_exact(n)).take(rows) {
                    sum = a_row[input].mul_add(d_row[column], sum);
                }
            }
            g[input * n + column] += sum;
        }
    }
}

/// G's rows `first`..`first + R`, columns `column`..`column + COLUMNS` += (Σ Aᵀ·D) there.
/// Returns R.
#[inline(always)]
fn outer_tile<const R: usize, const COLUMNS: usize>(
    pairs: &[Pair<'_>],
    g: &mut [f64],
    (first, column): (usize, usize),
    (rows, k, n): (usize, usize, usize),
) -> usize {
    let mut acc = [[0.0; COLUMNS]; R];
    for &(a, d) in pairs {
        for (a_row, d_row) in a.chunks_exact(k).zip(d.chunks_exact(n)).take(rows) {
            // A fixed-size copy: whole vectors (a slice here compiled to shuffles).
            let mut d_chunk = [0.0; COLUMNS];
            d_chunk.copy_from_slice(&d_row[column..column + COLUMNS]);
            let mut scales = [0.0; R];
            scales.copy_from_slice(&a_row[first..first + R]);
            for (acc, scale) in acc.iter_mut().zip(scales) {
                for (acc, d) in acc.iter_mut().zip(d_chunk) {
                    *acc = scale.mul_add(d, *acc);
                }
            }
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        let start = (first + r) * n + column;
        for (g, acc) in g[start..start + COLUMNS].iter_mut().zip(acc) {
            *g += acc;
        }
    }
    R
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

    /// Starting from a row gives the bits of filling C with that row and adding, and ignores
    /// what C held (sizes leave row tiles, column chunks and dot-product blocks over).
    #[test]
    fn a_start_row_is_the_row_filled_in_first() {
        for (rows, k, n) in [(13, 64, 64), (9, 17, 19), (11, 64, 3), (5, 3, 64)] {
            let a = filled(rows * k, 0.3);
            let b = filled(k * n, 0.9);
            let bt: Vec<f64> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect();
            let row = filled(n, 0.45);
            let mut expected = row.repeat(rows);
            add_products(&[(&a, &b)], &mut expected, k, n, Start::Current);
            let mut started = filled(rows * n, 0.8);
            add_products(&[(&a, &b)], &mut started, k, n, Start::Row(&row));
            let mut expected_dots = row.repeat(rows);
            add_product_transposed(&a, &bt, &mut expected_dots, k, n, Start::Current);
            let mut started_dots = filled(rows * n, 0.8);
            add_product_transposed(&a, &bt, &mut started_dots, k, n, Start::Row(&row));
            for index in 0..rows * n {
                assert_eq!(started[index].to_bits(), expected[index].to_bits(), "A·B {index}");
                let (got, want) = (started_dots[index], expected_dots[index]);
                assert_eq!(got.to_bits(), want.to_bits(), "A·Btᵀ {index}");
            }
            // A row shorter than C's rows leaves C untouched.
            let mut untouched = filled(rows * n, 0.8);
            add_products(&[(&a, &b)], &mut untouched, k, n, Start::Row(&row[1..]));
            assert_eq!(untouched, filled(rows * n, 0.8));
        }
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
            add_product_transposed(&a, &bt, &mut c_dot, k, n, Start::Current);
            // G = Aᵀ·D with A = aᵀ (k rows of `rows`) is the same product.
            let at: Vec<f64> = (0..k * rows).map(|i| a[(i % rows) * k + i / rows]).collect();
            let mut g = vec![0.0; rows * n];
            add_outer_sums(&[(&at, &b)], &mut g, rows, n);
            for (index, want) in expected.iter().enumerate() {
                let scale = 1e-12 * (1.0 + want.abs());
                assert!((c[index] - want).abs() < scale, "A·B {rows}×{k}×{n}");
                assert!((c_dot[index] - want).abs() < scale, "A·Btᵀ {rows}×{k}×{n}");
                assert!((g[index] - want).abs() < scale, "Aᵀ·D {rows}×{k}×{n}");
            }
        }
    }

    /// The contract that makes results independent of the CPU: every entry is its own fused
    /// sum in index order from zero, added to the destination once. A reference loop written
    /// that way must give the same bits whatever tile, chunk or SIMD level the kernels used
    /// (sizes chosen to leave remainders of rows, tiles and columns).
    #[test]
    fn every_entry_is_the_index_order_fused_sum_bit_for_bit() {
        for (rows, k, n) in [
            (13, 64, 64),
            (9, 17, 19),
            (150, 64, 3),
            (3, 5, 40),
            (11, 67, 5),
            (150, 3, 64),
            (20, 2, 64),
        ] {
            let a = filled(rows * k, 0.3);
            let b = filled(k * n, 0.9);
            let start = filled(rows * n, 0.5);
            let mut c = start.clone();
            add_product(&a, &b, &mut c, k, n);
            // Aᵀ·D with A = `a` read as `rows` rows of k, D = `start` (rows × n): G is k × n.
            let g_start = filled(k * n, 0.2);
            let mut g = g_start.clone();
            add_outer_sums(&[(&a, &start)], &mut g, k, n);
            for r in 0..rows {
                for j in 0..n {
                    let sum = (0..k).fold(0.0, |s: f64, i| a[r * k + i].mul_add(b[i * n + j], s));
                    let want = start[r * n + j] + sum;
                    assert_eq!(c[r * n + j].to_bits(), want.to_bits(), "A·B {rows}×{k}×{n}");
                }
            }
            // Blocks of rows side by side give each row's own `dot` bits.
            let bt: Vec<f64> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect();
            let mut c_dot = start.clone();
            add_product_transposed(&a, &bt, &mut c_dot, k, n, Start::Current);
            for r in 0..rows {
                for j in 0..n {
                    let want = start[r * n + j] + dot(&a[r * k..(r + 1) * k], &bt[j * k..][..k]);
                    assert_eq!(c_dot[r * n + j].to_bits(), want.to_bits(), "A·Btᵀ {rows}×{k}×{n}");
                }
            }
            for i in 0..k {
                for j in 0..n {
                    let sum =
                        (0..rows).fold(0.0, |s: f64, r| a[r * k + i].mul_add(start[r * n + j], s));
                    let want = g_start[i * n + j] + sum;
                    assert_eq!(g[i * n + j].to_bits(), want.to_bits(), "Aᵀ·D {rows}×{k}×{n}");
                }
            }
        }
    }

    /// Two pairs are one fused sum per entry: the first pair's terms in index order, then the
    /// second's, from zero, added to the destination once.
    #[test]
    fn a_pair_of_products_is_one_sum_per_entry() {
        for (rows, k, n) in [(150, 64, 64), (7, 9, 19), (13, 3, 64), (5, 64, 3)] {
            let (a1, a2) = (filled(rows * k, 0.3), filled(rows * k, 0.8));
            let (b1, b2) = (filled(k * n, 0.9), filled(k * n, 0.4));
            let start = filled(rows * n, 0.5);
            let mut c = start.clone();
            add_products(&[(&a1, &b1), (&a2, &b2)], &mut c, k, n, Start::Current);
            // Aᵀ·D pairs: A read as `rows` rows of k, D = b-shaped data of `rows` rows of n.
            let (d1, d2) = (filled(rows * n, 0.1), filled(rows * n, 0.6));
            let g_start = filled(k * n, 0.2);
            let mut g = g_start.clone();
            add_outer_sums(&[(&a1, &d1), (&a2, &d2)], &mut g, k, n);
            for r in 0..rows {
                for j in 0..n {
                    let term = |a: &[f64], b: &[f64], s: f64, i: usize| {
                        a[r * k + i].mul_add(b[i * n + j], s)
                    };
                    let sum = (0..k).fold(0.0, |s, i| term(&a1, &b1, s, i));
                    let sum = (0..k).fold(sum, |s, i| term(&a2, &b2, s, i));
                    let want = start[r * n + j] + sum;
                    assert_eq!(c[r * n + j].to_bits(), want.to_bits(), "A·B pair {rows}×{k}×{n}");
                }
            }
            for i in 0..k {
                for j in 0..n {
                    let term = |a: &[f64], d: &[f64], s: f64, r: usize| {
                        a[r * k + i].mul_add(d[r * n + j], s)
                    };
                    let sum = (0..rows).fold(0.0, |s, r| term(&a1, &d1, s, r));
                    let sum = (0..rows).fold(sum, |s, r| term(&a2, &d2, s, r));
                    let want = g_start[i * n + j] + sum;
                    assert_eq!(g[i * n + j].to_bits(), want.to_bits(), "Aᵀ·D pair {rows}×{k}×{n}");
                }
            }
        }
    }
}
