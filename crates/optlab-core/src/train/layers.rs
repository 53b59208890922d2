//! The arithmetic both training paths share: a dense layer's place in the flat parameter
//! vector, relu, the softmax cross-entropy of one row, and the fused multiply-adds of the
//! backward pass. [`super::model`] runs them layer by layer; the kernel (`kernels`) fuses them.

/// Shape and place of one fully connected layer in the flat parameter vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Linear {
    /// Inputs.
    pub fan_in: usize,
    /// Outputs.
    pub fan_out: usize,
    /// Index of the first weight in the parameter vector.
    pub weight_offset: usize,
    /// Index of the first bias (right after the `fan_in·fan_out` weights).
    pub bias_offset: usize,
    /// Whether the weights are stored as Wᵀ (`fan_out` rows of `fan_in`); see the module docs.
    pub transposed: bool,
}

impl Linear {
    pub(super) fn new(fan_in: usize, fan_out: usize, weight_offset: usize) -> Self {
        let bias_offset = weight_offset + fan_in * fan_out;
        Self { fan_in, fan_out, weight_offset, bias_offset, transposed: fan_out < fan_in }
    }

    /// Number of weights.
    #[must_use]
    pub fn weight_count(&self) -> usize {
        self.fan_in * self.fan_out
    }

    /// Index one past the last bias.
    #[must_use]
    pub fn end(&self) -> usize {
        self.bias_offset + self.fan_out
    }

    /// Length of a stored weight row: the inner loops run over it.
    pub(super) fn row_len(&self) -> usize {
        if self.transposed { self.fan_in } else { self.fan_out }
    }

    pub(super) fn weights<'a>(&self, params: &'a [f64]) -> &'a [f64] {
        params.get(self.weight_offset..self.bias_offset).unwrap_or(&[])
    }

    pub(super) fn bias<'a>(&self, params: &'a [f64]) -> &'a [f64] {
        params.get(self.bias_offset..self.end()).unwrap_or(&[])
    }
}

/// max(v, 0) as a select: NaN and every v ≤ 0 give +0. (`f64::max` gives the same value but
/// needs extra instructions for its NaN rule, and may keep a −0; the sign of a zero activation
/// never reaches a loss or a gradient: it only meets products summed onto +0.)
#[inline]
pub(super) fn relu_of(v: f64) -> f64 {
    if v > 0.0 { v } else { 0.0 }
}

/// Softmax of one row of scores into `probs`; returns the row's cross-entropy
/// −ln softmax(s)\_y for the label y, computed as ln Σ e^(s − max) − (s\_y − max) so that no
/// log of a rounded-to-zero probability is taken (an out-of-range label scores +∞).
pub(super) fn softmax_row(row: &[f64], probs: &mut [f64], label: usize) -> f64 {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for (p, s) in probs.iter_mut().zip(row) {
        *p = (s - max).exp();
        sum += *p;
    }
    for p in probs.iter_mut() {
        *p /= sum;
    }
    sum.ln() - (row.get(label).copied().unwrap_or(f64::NEG_INFINITY) - max)
}

/// y ← y + a·x.
#[inline]
pub(super) fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

/// y ← y + a₀x₀ + a₁x₁ + a₂x₂ + a₃x₃ in one pass, so y is loaded and stored once per four
/// products instead of once per product (the loops are bound by memory traffic, not flops).
#[inline]
fn axpy4(a: [f64; 4], x: [&[f64]; 4], y: &mut [f64]) {
    let [x0, x1, x2, x3] = x;
    for ((((y, x0), x1), x2), x3) in y.iter_mut().zip(x0).zip(x1).zip(x2).zip(x3) {
        *y += (a[0] * x0 + a[1] * x1) + (a[2] * x2 + a[3] * x3);
    }
}

/// y ← y + a₀x₀ + a₁x₁ in one pass.
#[inline]
fn axpy2(a: [f64; 2], x: [&[f64]; 2], y: &mut [f64]) {
    for ((y, x0), x1) in y.iter_mut().zip(x[0]).zip(x[1]) {
        *y += a[0] * x0 + a[1] * x1;
    }
}

/// y ← y + Σ aᵢxᵢ over `terms`, four at a time; zero coefficients (inactive relus) are skipped.
#[inline]
pub(super) fn add_combination<'a>(
    y: &mut [f64],
    terms: impl IntoIterator<Item = (f64, &'a [f64])>,
) {
    let mut a = [0.0; 4];
    let mut x: [&[f64]; 4] = [&[]; 4];
    let mut pending = 0;
    for (coefficient, row) in terms {
        if coefficient == 0.0 {
            continue;
        }
        a[pending] = coefficient;
        x[pending] = row;
        pending += 1;
        if pending == 4 {
            axpy4(a, x, y);
            pending = 0;
        }
    }
    match pending {
        1 => axpy(a[0], x[0], y),
        2 => axpy2([a[0], a[1]], [x[0], x[1]], y),
        3 => {
            axpy2([a[0], a[1]], [x[0], x[1]], y);
            axpy(a[2], x[2], y);
        }
        _ => {}
    }
}
