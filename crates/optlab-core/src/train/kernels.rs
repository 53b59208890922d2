//! The fused training step of the course's network shape: 2 → H → K, one relu hidden layer,
//! no DropConnect and no dropout draw.
//!
//! [`super::model::Network::loss_and_gradient`] runs layer by layer over the whole batch, so
//! the rows × H hidden activations and their gradient go through memory several times and each
//! gradient accumulator is loaded and stored once per row and layer. Here rows go through the
//! forward pass, softmax and backward pass in blocks of [`BLOCK`]: a block's hidden rows stay
//! in the L1 cache, and each gradient accumulator is read and written once per block. The unit
//! loops work on chunks of `L` units held in [`Lanes`], which the compiler maps to SIMD
//! registers; [`batch`] is compiled for AVX-512, AVX2 and the SSE2 baseline and picks one at
//! run time.
//!
//! # Same bits as the layer-by-layer code
//!
//! Every value is computed by the same floating-point operations in the same order, on every
//! SIMD level (the vector instructions round each lane as the scalar ones do, and Rust never
//! fuses a multiply and an add): SIMD runs across independent units, each gradient entry still
//! adds its rows one after another, the output layer's dot products keep their four partial
//! sums over units `j mod 4` and their tail, and the zero-coefficient skips of the generic
//! kernels are kept: a row with an exact zero input or score gradient goes through the generic
//! per-row kernels. (One addition is left out, see [`combination`]: it could only change the
//! sign of a zero that never reaches a gradient.)
#![expect(
    clippy::inline_always,
    reason = "the helpers must be inlined into each SIMD version of `batch` to be compiled for it"
)]

use std::array;

use multiversion::multiversion;
use multiversion::target::selected_target;

use super::layers::{Linear, add_combination, axpy, relu_of, softmax_row};

/// Rows per block: 16 hidden rows of the course's 100 units take 12.5 KiB of the L1 cache.
const BLOCK: usize = 16;

/// Parameters of the two layers, as slices of the parameter vector.
struct Weights<'a, const K: usize> {
    /// W of the hidden layer, stored as 2 rows of H (input i's weights to every unit).
    hidden: [&'a [f64]; 2],
    hidden_bias: &'a [f64],
    /// The output layer's Wᵀ, stored as K rows of H (class k's weights from every unit).
    output: [&'a [f64]; K],
    output_bias: [f64; K],
    /// The same weights four units at a time, each quad twice (for the two rows of
    /// [`row_scores`]), the K classes side by side, so the dot products read one stream; the
    /// tail of fewer than four units is left out.
    output_quads: Vec<[[f64; 8]; K]>,
}

impl<'a, const K: usize> Weights<'a, K> {
    fn new(net: &Shallow<'a>, units: usize) -> Option<Self> {
        let [hidden, output] = net.layers;
        let hidden_w = net.params.get(hidden.weight_offset..hidden.bias_offset)?;
        let output_w = net.params.get(output.weight_offset..output.bias_offset)?;
        let mut output_rows = output_w.chunks_exact(units);
        let rows: [&[f64]; K] = array::from_fn(|_| output_rows.next().unwrap_or_default());
        let quads = rows.map(|w| w.as_chunks::<4>().0);
        let twice = |[a, b, c, d]: [f64; 4]| [a, b, c, d, a, b, c, d];
        let output_quads = (0..units / 4).map(|c| array::from_fn(|k| twice(quads[k][c]))).collect();
        Some(Self {
            hidden: [hidden_w.get(..units)?, hidden_w.get(units..)?],
            hidden_bias: net.params.get(hidden.bias_offset..hidden.end())?,
            output: rows,
            output_bias: net.params.get(output.bias_offset..output.end())?.try_into().ok()?,
            output_quads,
        })
    }
}

/// Gradient blocks of the weights the unit loops update (the output biases apart).
struct UnitGrads<'a, const K: usize> {
    output: [&'a mut [f64]; K],
    hidden: [&'a mut [f64]; 2],
    hidden_bias: &'a mut [f64],
}

/// What the backward pass of one row needs besides the activations.
#[derive(Clone, Copy)]
struct RowCoefficients<const K: usize> {
    /// ∂loss/∂scores.
    delta: [f64; K],
    /// The row's inputs.
    x: [f64; 2],
}

impl<const K: usize> RowCoefficients<K> {
    /// No exact zero among the coefficients, so the generic kernels would skip no term.
    fn skips_nothing(&self) -> bool {
        self.delta.iter().chain(&self.x).all(|&c| c != 0.0)
    }
}

/// Workspace buffers of the batch, each at least rows × its width long.
pub(super) struct Buffers<'a> {
    /// Hidden activations, rows × H.
    pub hidden: &'a mut [f64],
    /// Scores, rows × K.
    pub scores: &'a mut [f64],
    /// Probabilities, rows × K.
    pub probabilities: &'a mut [f64],
    /// ∂loss/∂scores, rows × K.
    pub delta: &'a mut [f64],
    /// ∂loss/∂hidden of one row, at least H.
    pub hidden_delta: &'a mut [f64],
}

/// The network shape the fused step handles: its two layers and the parameter vector.
pub(super) struct Shallow<'a> {
    /// The hidden layer (2 → H, stored as W) and the output layer (H → K, stored as Wᵀ).
    pub layers: [&'a Linear; 2],
    /// All parameters.
    pub params: &'a [f64],
}

/// Mean cross-entropy of the batch; fills the buffers and accumulates the gradient of the
/// data loss into `grad` (zeroed by the caller), exactly as the layer-by-layer passes do.
/// `None` (with nothing written) when a slice is shorter than the shape needs.
pub(super) fn loss_and_gradient<const K: usize>(
    net: &Shallow<'_>,
    x: &[[f64; 2]],
    y: &[usize],
    buffers: &mut Buffers<'_>,
    grad: &mut [f64],
) -> Option<f64> {
    let [hidden_layer, output_layer] = net.layers;
    let units = hidden_layer.fan_out;
    let rows = x.len().min(y.len());
    let weights = Weights::<K>::new(net, units)?;
    let long_enough = buffers.hidden.len() >= rows * units
        && [&buffers.scores, &buffers.probabilities, &buffers.delta]
            .iter()
            .all(|b| b.len() >= rows * K)
        && buffers.hidden_delta.len() >= units
        && grad.len() >= output_layer.end()
        && hidden_layer.weight_offset == 0;
    if !long_enough {
        return None;
    }
    let (hidden_grads, output_grads) = grad.split_at_mut(output_layer.weight_offset);
    let (hidden_w, hidden_b) = hidden_grads.split_at_mut(2 * units);
    let (output_w, output_b) = output_grads[..K * units + K].split_at_mut(K * units);
    let (hidden_0, hidden_1) = hidden_w.split_at_mut(units);
    let mut output_rows = output_w.chunks_exact_mut(units);
    let mut grads = UnitGrads::<K> {
        output: array::from_fn(|_| output_rows.next().unwrap_or_default()),
        hidden: [hidden_0, hidden_1],
        hidden_bias: hidden_b,
    };
    let n = rows.max(1) as f64;
    let mut step = Step { weights: &weights, buffers, grads: &mut grads, output_bias: output_b, n };
    Some(batch(&mut step, &x[..rows], &y[..rows]) / n)
}

/// The state of one pass over the batch.
struct Step<'s, 'a, 'b, 'g, const K: usize> {
    weights: &'s Weights<'a, K>,
    buffers: &'s mut Buffers<'b>,
    grads: &'s mut UnitGrads<'g, K>,
    output_bias: &'s mut [f64],
    /// Rows of the batch, the divisor of the mean.
    n: f64,
}

/// Sum of the rows' cross-entropies, in row order, block after block. Compiled once per SIMD
/// level (AVX-512, AVX2, the SSE2 baseline) with `L` units per chunk to match, the level
/// chosen at run time; the operations and their order are the same in every version.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
fn batch<const K: usize>(step: &mut Step<'_, '_, '_, '_, K>, x: &[[f64; 2]], y: &[usize]) -> f64 {
    const L: usize = match selected_target!().suggested_simd_width::<f64>() {
        Some(width) => width,
        None => 1,
    };
    let mut total = 0.0;
    for (block, (x, y)) in x.chunks(BLOCK).zip(y.chunks(BLOCK)).enumerate() {
        step.block::<L>(block * BLOCK, x, y, &mut total);
    }
    total
}

impl<const K: usize> Step<'_, '_, '_, '_, K> {
    /// Forward, softmax and backward of the rows `x` (at most [`BLOCK`]) starting at row
    /// `first` of the batch; adds each row's cross-entropy to `total`.
    #[inline(always)]
    fn block<const L: usize>(
        &mut self,
        first: usize,
        x: &[[f64; 2]],
        y: &[usize],
        total: &mut f64,
    ) {
        let Self { weights, buffers, grads, output_bias, n } = self;
        let units = weights.hidden_bias.len();
        let rows = first..first + x.len();
        let hidden = &mut buffers.hidden[rows.start * units..rows.end * units];
        for (h, x) in hidden.chunks_exact_mut(units).zip(x) {
            hidden_row(*x, weights, h);
        }
        let scores = &mut buffers.scores[rows.start * K..rows.end * K];
        block_scores(hidden, weights, scores);
        let mut coefficients = [RowCoefficients { delta: [0.0; K], x: [0.0; 2] }; BLOCK];
        let probabilities = &mut buffers.probabilities[rows.start * K..rows.end * K];
        let deltas = &mut buffers.delta[rows.start * K..rows.end * K];
        let per_row = scores.chunks_exact(K).zip(probabilities.chunks_exact_mut(K));
        for (row, ((s, p), d)) in per_row.zip(deltas.chunks_exact_mut(K)).enumerate() {
            *total += softmax_row(s, p, y[row]);
            for (class, (d, p)) in d.iter_mut().zip(p.iter()).enumerate() {
                *d = (p - if class == y[row] { 1.0 } else { 0.0 }) / *n;
            }
            coefficients[row] = RowCoefficients { delta: array::from_fn(|k| d[k]), x: x[row] };
        }
        let backward = Backward { weights, grads, output_bias, hidden_delta: buffers.hidden_delta };
        backward.block::<L>(&coefficients[..x.len()], hidden);
    }
}

/// What the backward pass of a block reads and updates.
struct Backward<'s, 'a, 'g, const K: usize> {
    weights: &'s Weights<'a, K>,
    grads: &'s mut UnitGrads<'g, K>,
    output_bias: &'s mut [f64],
    /// Scratch for the generic kernels' ∂loss/∂hidden, at least H.
    hidden_delta: &'s mut [f64],
}

impl<const K: usize> Backward<'_, '_, '_, K> {
    /// Backward pass of a block: runs of rows without zero coefficients through the unit
    /// loops, the other rows one by one through the generic kernels, in row order.
    #[inline(always)]
    fn block<const L: usize>(self, coefficients: &[RowCoefficients<K>], hidden: &[f64]) {
        let Self { weights, grads, output_bias, hidden_delta } = self;
        let units = weights.hidden_bias.len();
        let mut start = 0;
        while start < coefficients.len() {
            let rest = &coefficients[start..];
            let run = rest.iter().take_while(|c| c.skips_nothing()).count();
            if run == 0 {
                let h = &hidden[start * units..(start + 1) * units];
                let dh = &mut hidden_delta[..units];
                backward_row_generic(&rest[0], h, weights, dh, grads, output_bias);
                start += 1;
                continue;
            }
            let (rows, h) = (&rest[..run], &hidden[start * units..(start + run) * units]);
            // Whole chunks of L units, then the rest in halves (96 + 4 units for L = 8).
            let mut done = 0;
            done = backward_units::<K, L>(rows, h, weights, grads, done);
            if L > 4 {
                done = backward_units::<K, 4>(rows, h, weights, grads, done);
            }
            if L > 2 {
                done = backward_units::<K, 2>(rows, h, weights, grads, done);
            }
            backward_units::<K, 1>(rows, h, weights, grads, done);
            rest[..run].iter().for_each(|c| add_bias_grad(&c.delta, output_bias));
            start += run;
        }
    }
}

/// db += 1·δ of the output layer, as the generic kernel's `axpy(1.0, δ, db)`.
fn add_bias_grad(delta: &[f64], bias_grad: &mut [f64]) {
    for (g, d) in bias_grad.iter_mut().zip(delta) {
        *g += 1.0 * d;
    }
}

/// relu(b + x·W) of one row, skipping zero inputs as the generic `add_combination` does.
#[inline(always)]
fn hidden_row<const K: usize>(x: [f64; 2], weights: &Weights<'_, K>, h: &mut [f64]) {
    let [w0, w1] = weights.hidden;
    let units = h.iter_mut().zip(weights.hidden_bias).zip(w0).zip(w1);
    match [x[0] != 0.0, x[1] != 0.0] {
        [true, true] => {
            units.for_each(|(((h, b), w0), w1)| *h = relu_of(b + (x[0] * w0 + x[1] * w1)));
        }
        [true, false] => units.for_each(|(((h, b), w0), _)| *h = relu_of(b + x[0] * w0)),
        [false, true] => units.for_each(|(((h, b), _), w1)| *h = relu_of(b + x[1] * w1)),
        [false, false] => units.for_each(|(((h, b), _), _)| *h = relu_of(*b)),
    }
}

/// Scores of a block's hidden rows, two rows at a time (independent sums keep the adder busy;
/// an odd last row is paired with itself).
#[inline(always)]
fn block_scores<const K: usize>(hidden: &[f64], weights: &Weights<'_, K>, scores: &mut [f64]) {
    let units = weights.hidden_bias.len();
    let mut pairs = hidden.chunks_exact(2 * units);
    let mut outputs = scores.chunks_exact_mut(2 * K);
    for (pair, out) in (&mut pairs).zip(&mut outputs) {
        let (h0, h1) = pair.split_at(units);
        out.copy_from_slice(row_scores([h0, h1], weights).as_flattened());
    }
    let last = pairs.remainder();
    if !last.is_empty() {
        outputs.into_remainder().copy_from_slice(&row_scores([last, last], weights)[0]);
    }
}

/// Output scores b + h·Wᵀ of two rows: per row and class the generic `dot`, four partial sums
/// over units `j mod 4`, then the tail of fewer than four units. The two rows' partial sums of
/// a class share one `Lanes<8>` (row 0 in lanes 0–3, row 1 in lanes 4–7).
#[inline(always)]
fn row_scores<const K: usize>(h: [&[f64]; 2], weights: &Weights<'_, K>) -> [[f64; K]; 2] {
    let quads = weights.output_quads.len() * 4;
    let [h0, h1] = h.map(|h| h[..quads].as_chunks::<4>().0);
    let mut acc = [Lanes::<8>::splat(0.0); K];
    for ((h0, h1), w) in h0.iter().zip(h1).zip(&weights.output_quads) {
        let h = Lanes([h0[0], h0[1], h0[2], h0[3], h1[0], h1[1], h1[2], h1[3]]);
        for (acc, w) in acc.iter_mut().zip(w) {
            *acc = *acc + h * Lanes(*w);
        }
    }
    let mut scores = [0; 2].map(|_| [0.0; K]);
    for (row, (scores, h)) in scores.iter_mut().zip(h).enumerate() {
        let parts =
            acc.map(|Lanes(a)| [a[4 * row], a[4 * row + 1], a[4 * row + 2], a[4 * row + 3]]);
        let sums = parts.iter().zip(weights.output).zip(weights.output_bias);
        for (score, ((&[a0, a1, a2, a3], w), b)) in scores.iter_mut().zip(sums) {
            let tail: f64 = h[quads..].iter().zip(&w[quads..]).map(|(a, w)| a * w).sum();
            *score = b + ((a0 + a1) + (a2 + a3) + tail);
        }
    }
    scores
}

/// Backward pass over the whole chunks of `L` units from unit `from` of `rows` (hidden
/// activations in `hidden`, row after row), none of whose coefficients is zero: output weight
/// gradient, ∂loss/∂hidden through the relu, hidden weight and bias gradients. Each chunk of
/// units holds its accumulators in registers while the rows go by, in order. Returns the end
/// of the last chunk.
#[inline(always)]
fn backward_units<const K: usize, const L: usize>(
    rows: &[RowCoefficients<K>],
    hidden: &[f64],
    weights: &Weights<'_, K>,
    grads: &mut UnitGrads<'_, K>,
    from: usize,
) -> usize {
    let units = weights.hidden_bias.len();
    let end = from + (units - from) / L * L;
    for start in (from..end).step_by(L) {
        let chunk = start..start + L;
        let w: [Lanes<L>; K] = array::from_fn(|k| Lanes::load(&weights.output[k][chunk.clone()]));
        let mut dw_out: [Lanes<L>; K] =
            array::from_fn(|k| Lanes::load(&grads.output[k][chunk.clone()]));
        let [mut dw0, mut dw1] = array::from_fn(|i| Lanes::load(&grads.hidden[i][chunk.clone()]));
        let mut db = Lanes::load(&grads.hidden_bias[chunk.clone()]);
        for (row, h) in rows.iter().zip(hidden.chunks_exact(units)) {
            let h = Lanes::<L>::load(&h[chunk.clone()]);
            for (g, &d) in dw_out.iter_mut().zip(&row.delta) {
                *g = *g + Lanes::splat(d) * h;
            }
            let dh = combination(&row.delta, &w).relu_masked(h);
            dw0 = dw0 + Lanes::splat(row.x[0]) * dh;
            dw1 = dw1 + Lanes::splat(row.x[1]) * dh;
            // The generic `axpy(1.0, dh, db)` multiplies by 1, which changes no value.
            db = db + dh;
        }
        for (g, value) in grads.output.iter_mut().zip(dw_out) {
            value.store(&mut g[chunk.clone()]);
        }
        dw0.store(&mut grads.hidden[0][chunk.clone()]);
        dw1.store(&mut grads.hidden[1][chunk.clone()]);
        db.store(&mut grads.hidden_bias[chunk]);
    }
    end
}

/// Σ dₖwₖ grouped as the generic `add_combination` groups nonzero terms: fours as
/// (d₀w₀ + d₁w₁) + (d₂w₂ + d₃w₃), then a pair, then a single term. The generic code adds these
/// groups to a zeroed buffer; the leading `0 +` is left out here. It could only turn a −0 into
/// +0, and the sign of a zero never reaches a gradient: ∂loss/∂hidden only goes into products
/// summed onto accumulators that start at +0, and +0 + −0 = +0.
#[inline(always)]
fn combination<const K: usize, const L: usize>(d: &[f64; K], w: &[Lanes<L>; K]) -> Lanes<L> {
    let t = |k: usize| Lanes::splat(d[k]) * w[k];
    // `None` until the first group, which the sum then starts from.
    let mut y: Option<Lanes<L>> = None;
    let add = |y: Option<Lanes<L>>, v: Lanes<L>| Some(y.map_or(v, |y| y + v));
    let fours = K / 4 * 4;
    for k in (0..fours).step_by(4) {
        y = add(y, (t(k) + t(k + 1)) + (t(k + 2) + t(k + 3)));
    }
    match K - fours {
        1 => y = add(y, t(fours)),
        2 => y = add(y, t(fours) + t(fours + 1)),
        3 => {
            y = add(y, t(fours) + t(fours + 1));
            y = add(y, t(fours + 2));
        }
        _ => {}
    }
    y.unwrap_or(Lanes::splat(0.0))
}

/// Backward pass of one row through the generic kernels, which skip zero coefficients (the
/// steps of the layer-by-layer `backward_mlp` for one row, without dropout).
fn backward_row_generic<const K: usize>(
    row: &RowCoefficients<K>,
    h: &[f64],
    weights: &Weights<'_, K>,
    dh: &mut [f64],
    grads: &mut UnitGrads<'_, K>,
    output_bias_grad: &mut [f64],
) {
    for (g, &d) in grads.output.iter_mut().zip(&row.delta) {
        if d != 0.0 {
            axpy(d, h, g);
        }
    }
    add_bias_grad(&row.delta, output_bias_grad);
    dh.fill(0.0);
    add_combination(dh, row.delta.iter().copied().zip(weights.output));
    for (d, h) in dh.iter_mut().zip(h) {
        if *h <= 0.0 {
            *d = 0.0;
        }
    }
    for (g, &x) in grads.hidden.iter_mut().zip(&row.x) {
        if x != 0.0 {
            axpy(x, dh, g);
        }
    }
    axpy(1.0, dh, grads.hidden_bias);
}

/// `L` units side by side; the operators work lane by lane, so the compiler can keep a value
/// in SIMD registers.
#[derive(Clone, Copy)]
struct Lanes<const L: usize>([f64; L]);

impl<const L: usize> Lanes<L> {
    #[inline(always)]
    fn splat(value: f64) -> Self {
        Self([value; L])
    }

    /// The first `L` values of `values`.
    #[inline(always)]
    fn load(values: &[f64]) -> Self {
        Self(array::from_fn(|i| values[i]))
    }

    #[inline(always)]
    fn store(self, out: &mut [f64]) {
        out[..L].copy_from_slice(&self.0);
    }

    /// These values with 0 where the relu output `h` is not positive: the layered code's
    /// `relu_mask` (numpy's `dhidden[hidden <= 0] = 0`), one select per lane.
    #[inline(always)]
    fn relu_masked(self, h: Self) -> Self {
        Self(array::from_fn(|i| if h.0[i] <= 0.0 { 0.0 } else { self.0[i] }))
    }
}

impl<const L: usize> std::ops::Add for Lanes<L> {
    type Output = Self;

    #[inline(always)]
    fn add(mut self, other: Self) -> Self {
        self.0.iter_mut().zip(other.0).for_each(|(a, b)| *a += b);
        self
    }
}

impl<const L: usize> std::ops::Mul for Lanes<L> {
    type Output = Self;

    #[inline(always)]
    fn mul(mut self, other: Self) -> Self {
        self.0.iter_mut().zip(other.0).for_each(|(a, b)| *a *= b);
        self
    }
}
