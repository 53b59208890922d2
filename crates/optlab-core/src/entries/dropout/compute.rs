//! Dropout: the expectation of a dropped-out neuron, the Monte Carlo mean converging to it, and
//! the train/test scaling rules (CS231n notes, "Regularization: Dropout").
//!
//! **p is the keep probability.** A unit is kept when a uniform number in [0, 1) falls below p
//! (the CS231n mask `np.random.rand(*x.shape) < p`). PyTorch's `F.dropout(x, p)` takes the drop
//! probability 1 − p.
//!
//! * The notes' neuron a = w₁x + w₂y with both inputs dropped independently has
//!   E\[a\] = p·(w₁x + w₂y): [`enumerate_masks`] lists the four masks with their probabilities,
//!   [`exact_expectation`] sums them, [`closed_form_expectation`] is p·(w·x).
//! * At test time nothing is dropped, so the activations must be brought to the training scale:
//!   the notes multiply by p at test time ([`Scaling::TestTime`]); inverted dropout divides by p
//!   at train time and leaves the test pass alone ([`Scaling::Inverted`], what PyTorch and the
//!   CS231n assignment do); doing neither ([`Scaling::None`]) makes the train-time mean p times
//!   the test-time mean.
//!
//! * **A bias b** is a parameter, not an input: dropout never removes it. With the inputs
//!   dropped, a = Σ mᵢwᵢxᵢ + b has E\[a\] = p·(w·x) + b ([`enumerate_biased_masks`],
//!   [`biased_expectation`]): the notes' test-time rule scales what was dropped (the inputs) by
//!   p and leaves b alone, a = w·(p·x) + b ([`test_time_with_bias`]). Where the unit's own
//!   output is dropped (the notes' `H1 = np.maximum(0, np.dot(W1, X) + b1) * p`), p scales its
//!   whole pre-activation, bias included: E\[m·(w·x + b)\] = (w·x + b)·p
//!   ([`unit_dropout_expectation`]). Inverted dropout scales nothing at test time.
//!
//! Functions that return a number from `weights` and `inputs` of different lengths use their
//! common prefix; [`enumerate_masks`] refuses the mismatch with `None`.

use super::config::{
    DropoutLab, LAYER_FAN_IN, MAX_ENUMERATED_INPUTS, MAX_GRID_POINTS, MAX_LAYER_UNITS, MAX_PASSES,
    MAX_SAMPLES, SCALING_PASSES,
};
use crate::regularize::{
    HISTOGRAM_BINS, Histogram, Summary, clamp_probability, draw_keep, log_spaced_counts, mean,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

impl DropoutLab {
    /// A fresh generator seeded with `seed`; every method below starts from one.
    #[must_use]
    pub fn rng(&self) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(self.seed)
    }

    /// [`enumerate_biased_masks`] of the lab's neuron a = Σ mᵢwᵢxᵢ + b.
    #[must_use]
    pub fn masks(&self) -> Option<Vec<MaskRow>> {
        enumerate_biased_masks(&self.weights, &self.inputs, self.bias, self.keep)
    }

    /// [`biased_expectation`] of the lab's neuron (E\[a\] summed over its masks).
    #[must_use]
    pub fn exact_expectation(&self) -> Option<f64> {
        biased_expectation(&self.weights, &self.inputs, self.bias, self.keep)
    }

    /// E\[a\] = p·(w·x) + b: [`closed_form_expectation`] plus the bias, which is never dropped.
    #[must_use]
    pub fn closed_form_expectation(&self) -> f64 {
        closed_form_expectation(&self.weights, &self.inputs, self.keep) + self.bias
    }

    /// [`monte_carlo_means`] of the lab's neuron with `samples` masks from the seed, the bias
    /// added to every mean.
    #[must_use]
    pub fn monte_carlo(&self) -> Vec<(u64, f64)> {
        let means = monte_carlo_means(
            &self.weights,
            &self.inputs,
            self.keep,
            self.samples,
            &mut self.rng(),
        );
        means.into_iter().map(|(count, mean)| (count, mean + self.bias)).collect()
    }

    /// [`standard_error`] of the Monte Carlo mean of the lab's neuron after `samples` masks.
    #[must_use]
    pub fn standard_error(&self, samples: u64) -> f64 {
        standard_error(&self.weights, &self.inputs, self.keep, samples)
    }

    /// The seeded random relu layer of the scaling experiment.
    #[must_use]
    pub fn layer(&self) -> ReluLayer {
        ReluLayer::seeded(self.layer_units, &mut self.rng())
    }

    /// [`compare_scalings`] on the lab's layer at keep probability `keep` (not necessarily the
    /// lab's own, so a slider can move it) with [`SCALING_PASSES`] masks.
    #[must_use]
    pub fn scaling_at(&self, keep: f64) -> [ScalingComparison; 3] {
        let mut rng = self.rng();
        let layer = ReluLayer::seeded(self.layer_units, &mut rng);
        compare_scalings(&layer.activations, keep, SCALING_PASSES, &mut rng)
    }

    /// [`scaling_sweep`] on the lab's layer over [`keep_grid`]`(points)`.
    #[must_use]
    pub fn scaling_sweep(&self, points: usize) -> Vec<SweepPoint> {
        let mut rng = self.rng();
        let layer = ReluLayer::seeded(self.layer_units, &mut rng);
        scaling_sweep(&layer.activations, &keep_grid(points), SCALING_PASSES, &mut rng)
    }
}

/// One dropout mask of a small neuron, with its probability and the activation it leaves.
#[derive(Clone, Debug, PartialEq)]
pub struct MaskRow {
    /// `kept[i]`: whether input i survives. Row m of [`enumerate_masks`] keeps input i exactly
    /// when bit i of m is set.
    pub kept: Vec<bool>,
    /// Probability of this mask, pᵏ(1 − p)ⁿ⁻ᵏ for k kept inputs out of n.
    pub probability: f64,
    /// a = Σ over kept i of wᵢxᵢ, without any scaling (the notes' example).
    pub activation: f64,
}

impl MaskRow {
    /// Number of kept inputs k.
    #[must_use]
    pub fn kept_count(&self) -> usize {
        self.kept.iter().filter(|&&kept| kept).count()
    }
}

/// Every dropout mask of the neuron a = w·x: 2ⁿ rows in binary order (row m keeps input i
/// when bit i of m is set), each with its probability and unscaled activation.
///
/// `None` when the lengths differ or n > [`MAX_ENUMERATED_INPUTS`]. `keep` is clamped into
/// [0, 1].
#[must_use]
pub fn enumerate_masks(weights: &[f64], inputs: &[f64], keep: f64) -> Option<Vec<MaskRow>> {
    let n = weights.len();
    if n != inputs.len() || n > MAX_ENUMERATED_INPUTS {
        return None;
    }
    let p = clamp_probability(keep);
    let rows = (0_u32..1 << n)
        .map(|bits| {
            let kept: Vec<bool> = (0..n).map(|i| (bits >> i) & 1 == 1).collect();
            let probability = kept.iter().map(|&k| if k { p } else { 1.0 - p }).product();
            let activation = masked_activation(weights, inputs, &kept);
            MaskRow { kept, probability, activation }
        })
        .collect();
    Some(rows)
}

/// [`enumerate_masks`] of the neuron a = Σ mᵢwᵢxᵢ + b: the same masks and probabilities, each
/// activation plus the bias (which no mask removes).
#[must_use]
pub fn enumerate_biased_masks(
    weights: &[f64],
    inputs: &[f64],
    bias: f64,
    keep: f64,
) -> Option<Vec<MaskRow>> {
    let mut rows = enumerate_masks(weights, inputs, keep)?;
    for row in &mut rows {
        row.activation += bias;
    }
    Some(rows)
}

/// E\[a\] of a = Σ mᵢwᵢxᵢ + b as the probability-weighted sum over the 2ⁿ masks of
/// [`enumerate_biased_masks`]; equals [`test_time_with_bias`]. `None` where
/// [`enumerate_masks`] is.
#[must_use]
pub fn biased_expectation(weights: &[f64], inputs: &[f64], bias: f64, keep: f64) -> Option<f64> {
    let rows = enumerate_biased_masks(weights, inputs, bias, keep)?;
    Some(rows.iter().map(|row| row.probability * row.activation).sum())
}

/// The notes' test-time rule for a neuron whose inputs were dropped: nothing is dropped, the
/// dropped values (the inputs) are scaled by p and the bias is not, a = w·(p·x) + b
/// = p·(w·x) + b. `keep` is clamped into [0, 1].
#[must_use]
pub fn test_time_with_bias(weights: &[f64], inputs: &[f64], bias: f64, keep: f64) -> f64 {
    let p = clamp_probability(keep);
    let scaled: Vec<f64> = inputs.iter().map(|x| p * x).collect();
    dot(weights, &scaled) + bias
}

/// E\[m·(w·x + b)\] when the unit's own output is dropped (one mask m ~ Bernoulli(p), as the
/// notes drop `H1`), summed over its two masks: (w·x + b)·p, the notes' test-time
/// `H1 = (W1·X + b1)·p` with the bias inside. `keep` is clamped into [0, 1].
#[must_use]
pub fn unit_dropout_expectation(weights: &[f64], inputs: &[f64], bias: f64, keep: f64) -> f64 {
    let p = clamp_probability(keep);
    let output = dot(weights, inputs) + bias;
    [(false, 1.0 - p), (true, p)]
        .iter()
        .map(|&(kept, probability)| probability * if kept { output } else { 0.0 })
        .sum()
}

/// a = Σ wᵢxᵢ over the inputs with `mask[i]` set (unscaled).
#[must_use]
pub fn masked_activation(weights: &[f64], inputs: &[f64], mask: &[bool]) -> f64 {
    weights.iter().zip(inputs).zip(mask).filter(|(_, kept)| **kept).map(|((w, x), _)| w * x).sum()
}

/// E\[a\] as the probability-weighted sum over all 2ⁿ masks of [`enumerate_masks`]: the
/// definition, not the formula. `None` where [`enumerate_masks`] is; compare
/// [`closed_form_expectation`].
#[must_use]
pub fn exact_expectation(weights: &[f64], inputs: &[f64], keep: f64) -> Option<f64> {
    let rows = enumerate_masks(weights, inputs, keep)?;
    Some(rows.iter().map(|row| row.probability * row.activation).sum())
}

/// E\[a\] = p·(w·x) by linearity of expectation (each term survives with probability p); valid
/// for any n. `keep` is clamped into [0, 1].
#[must_use]
pub fn closed_form_expectation(weights: &[f64], inputs: &[f64], keep: f64) -> f64 {
    clamp_probability(keep) * dot(weights, inputs)
}

/// Var\[a\] = p(1 − p)·Σ(wᵢxᵢ)²: the inputs are dropped independently, each term wᵢxᵢ·mᵢ has
/// variance (wᵢxᵢ)²·p(1 − p).
#[must_use]
pub fn activation_variance(weights: &[f64], inputs: &[f64], keep: f64) -> f64 {
    let p = clamp_probability(keep);
    let squares: f64 = weights.iter().zip(inputs).map(|(w, x)| (w * x).powi(2)).sum();
    p * (1.0 - p) * squares
}

/// Standard error of the mean of `samples` independent activations,
/// √([`activation_variance`]/samples): the Monte Carlo mean lies within 5 of these of
/// [`closed_form_expectation`] except with probability below 10⁻⁶. Infinite for 0 samples.
#[must_use]
pub fn standard_error(weights: &[f64], inputs: &[f64], keep: f64, samples: u64) -> f64 {
    (activation_variance(weights, inputs, keep) / samples as f64).sqrt()
}

/// A fresh mask of `len` independent keep draws with probability `keep`.
#[must_use]
pub fn sample_mask(len: usize, keep: f64, rng: &mut ChaCha8Rng) -> Vec<bool> {
    (0..len).map(|_| draw_keep(rng, keep)).collect()
}

/// The running mean of a = Σ kept wᵢxᵢ over `samples` fresh masks, recorded at the sample counts
/// of [`log_spaced_counts`] (for a convergence plot on a log axis): `(count, mean after count
/// samples)`, ending with `samples`. At most [`MAX_SAMPLES`] are drawn; empty for 0.
#[must_use]
pub fn monte_carlo_means(
    weights: &[f64],
    inputs: &[f64],
    keep: f64,
    samples: u64,
    rng: &mut ChaCha8Rng,
) -> Vec<(u64, f64)> {
    let products: Vec<f64> = weights.iter().zip(inputs).map(|(w, x)| w * x).collect();
    let checkpoints = log_spaced_counts(samples.min(MAX_SAMPLES));
    let mut means = Vec::with_capacity(checkpoints.len());
    let (mut sum, mut drawn) = (0.0, 0_u64);
    for checkpoint in checkpoints {
        while drawn < checkpoint {
            sum += products.iter().filter(|_| draw_keep(rng, keep)).sum::<f64>();
            drawn += 1;
        }
        means.push((drawn, sum / drawn as f64));
    }
    means
}

/// The train-time dropout pass on `x` with an injected `mask` (`true` = keep): xᵢ·mᵢ, and with
/// `inverted` also ×(1/p).
///
/// Like PyTorch, it multiplies by the precomputed scale 1/p rather than dividing by p (the two
/// can differ in the last bit), so `train_forward(x, mask, 1 − p_drop, true)` reproduces
/// `F.dropout(x, p_drop)` bit for bit given torch's mask; dropped negative inputs give −0.0 as
/// there. p = 0 gives zeros (torch's `p = 1`). Empty when the lengths differ.
#[must_use]
pub fn train_forward(x: &[f64], mask: &[bool], keep: f64, inverted: bool) -> Vec<f64> {
    if x.len() != mask.len() {
        return Vec::new();
    }
    let scale = if inverted { inverse_keep(keep) } else { 1.0 };
    x.iter().zip(mask).map(|(&value, &kept)| value * if kept { scale } else { 0.0 }).collect()
}

/// The test-time pass: x·p for [`Scaling::TestTime`], x unchanged (the identity, as torch's
/// eval mode) for the others.
#[must_use]
pub fn test_forward(x: &[f64], keep: f64, scaling: Scaling) -> Vec<f64> {
    let factor = scaling.test_factor(keep);
    x.iter().map(|value| value * factor).collect()
}

/// 1/p for p clamped into [0, 1], and 0 for p = 0 (nothing survives, so nothing is scaled).
fn inverse_keep(keep: f64) -> f64 {
    let p = clamp_probability(keep);
    if p > 0.0 { 1.0 / p } else { 0.0 }
}

/// How train and test passes are scaled so that activations match in expectation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Scaling {
    /// Dropout at train time, identity at test time: nothing compensates, so the train-time
    /// mean is p times the test-time mean.
    None,
    /// The notes' rule: dropout at train time, activations ×p at test time
    /// (`H1 = np.maximum(0, np.dot(W1, X) + b1) * p`).
    TestTime,
    /// Inverted dropout: dropout and ÷p at train time, identity at test time (PyTorch, the
    /// CS231n assignment).
    #[default]
    Inverted,
}

impl Scaling {
    /// The three rules in teaching order.
    pub const ALL: [Self; 3] = [Self::None, Self::TestTime, Self::Inverted];

    /// The name users type in RON (`TestTime`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::TestTime => "TestTime",
            Self::Inverted => "Inverted",
        }
    }

    /// The train and test passes in the notes' notation (h = activations, m = mask).
    #[must_use]
    pub fn formula(self) -> &'static str {
        match self {
            Self::None => "train: h ⊙ m    test: h",
            Self::TestTime => "train: h ⊙ m    test: p·h",
            Self::Inverted => "train: h ⊙ m / p    test: h",
        }
    }

    /// Factor on kept activations at train time: 1/p for `Inverted`, else 1.
    #[must_use]
    pub fn train_factor(self, keep: f64) -> f64 {
        if self == Self::Inverted { inverse_keep(keep) } else { 1.0 }
    }

    /// Factor on activations at test time: p for `TestTime`, else 1.
    #[must_use]
    pub fn test_factor(self, keep: f64) -> f64 {
        if self == Self::TestTime { clamp_probability(keep) } else { 1.0 }
    }
}

/// A fixed random layer of relu units, h = relu(W x + b), whose activations the scaling
/// experiment drops out.
#[derive(Clone, Debug, PartialEq)]
pub struct ReluLayer {
    /// W, one row of [`LAYER_FAN_IN`] weights per unit (row-major), drawn N(0, 1/fan-in) so the
    /// pre-activations are O(1).
    pub weights: Vec<f64>,
    /// b, one per unit, drawn N(0, 0.1²).
    pub bias: Vec<f64>,
    /// The input x, [`LAYER_FAN_IN`] values drawn N(0, 1).
    pub input: Vec<f64>,
    /// h = relu(W x + b), one per unit; about half are zero.
    pub activations: Vec<f64>,
}

impl ReluLayer {
    /// Draws a layer of `units` units (clamped to [`LAYER_UNITS`](super::LAYER_UNITS)) from `rng`.
    #[must_use]
    pub fn seeded(units: usize, rng: &mut ChaCha8Rng) -> Self {
        let units = units.clamp(1, MAX_LAYER_UNITS);
        let input = normal_values(LAYER_FAN_IN, 1.0, rng);
        let weight_sd = (1.0 / LAYER_FAN_IN as f64).sqrt();
        let weights = normal_values(units * LAYER_FAN_IN, weight_sd, rng);
        let bias = normal_values(units, 0.1, rng);
        let activations = weights
            .chunks_exact(LAYER_FAN_IN)
            .zip(&bias)
            .map(|(row, b)| (dot(row, &input) + b).max(0.0))
            .collect();
        Self { weights, bias, input, activations }
    }
}

/// `len` independent N(0, sd²) values.
fn normal_values(len: usize, sd: f64, rng: &mut ChaCha8Rng) -> Vec<f64> {
    (0..len)
        .map(|_| {
            let z: f64 = StandardNormal.sample(rng);
            sd * z
        })
        .collect()
}

/// w·x over the common prefix.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Train-time and test-time activations of a layer under one [`Scaling`] rule.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalingComparison {
    /// The rule.
    pub scaling: Scaling,
    /// Keep probability p (clamped into [0, 1]).
    pub keep: f64,
    /// All units over all training passes, after the mask and the rule's train factor.
    pub train: Summary,
    /// All units at test time, after the rule's test factor.
    pub test: Summary,
    /// Histogram of the train-time values over [0, largest train or test value].
    pub train_histogram: Histogram,
    /// Histogram of the test-time values over the same range, so the two can be overlaid.
    pub test_histogram: Histogram,
}

/// For keep probability `keep`: the layer `activations` (h ≥ 0, as from a relu) dropped out
/// over `passes` fresh masks (at least 1, at most [`MAX_PASSES`]) and the test-time activations,
/// under each rule of [`Scaling::ALL`]. The same masks serve all three rules, so they differ
/// only by their factors.
#[must_use]
pub fn compare_scalings(
    activations: &[f64],
    keep: f64,
    passes: usize,
    rng: &mut ChaCha8Rng,
) -> [ScalingComparison; 3] {
    let p = clamp_probability(keep);
    let masked = masked_passes(activations, p, passes, rng);
    Scaling::ALL.map(|scaling| {
        let train: Vec<f64> = masked.iter().map(|h| h * scaling.train_factor(p)).collect();
        let test = test_forward(activations, p, scaling);
        let hi = train.iter().chain(&test).copied().fold(0.0, f64::max);
        ScalingComparison {
            scaling,
            keep: p,
            train: Summary::of(&train),
            test: Summary::of(&test),
            train_histogram: Histogram::new(&train, 0.0, hi, HISTOGRAM_BINS),
            test_histogram: Histogram::new(&test, 0.0, hi, HISTOGRAM_BINS),
        }
    })
}

/// `activations ⊙ mask` for `passes` fresh masks (clamped to 1..=[`MAX_PASSES`]), unscaled,
/// pass after pass.
fn masked_passes(activations: &[f64], p: f64, passes: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let passes = passes.clamp(1, MAX_PASSES);
    let mut masked = Vec::with_capacity(activations.len().saturating_mul(passes));
    for _ in 0..passes {
        masked.extend(activations.iter().map(|&h| if draw_keep(rng, p) { h } else { 0.0 }));
    }
    masked
}

/// Mean train-time and test-time activation of a layer under one rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScalingMeans {
    /// The rule.
    pub scaling: Scaling,
    /// Mean over units and training passes.
    pub train_mean: f64,
    /// Mean over units at test time.
    pub test_mean: f64,
}

/// The three rules' means at one keep probability.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepPoint {
    /// Keep probability p (clamped into [0, 1]).
    pub keep: f64,
    /// One entry per rule of [`Scaling::ALL`], in that order.
    pub means: [ScalingMeans; 3],
}

/// Train-time against test-time mean activation for each rule at every keep probability in
/// `keeps` (e.g. [`keep_grid`]), `passes` masks each. `None` matches only at p = 1; `TestTime`
/// and `Inverted` match everywhere up to Monte Carlo noise.
#[must_use]
pub fn scaling_sweep(
    activations: &[f64],
    keeps: &[f64],
    passes: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<SweepPoint> {
    let test_mean = mean(activations);
    keeps
        .iter()
        .map(|&keep| {
            let p = clamp_probability(keep);
            let masked_mean = mean(&masked_passes(activations, p, passes, rng));
            let means = Scaling::ALL.map(|scaling| ScalingMeans {
                scaling,
                train_mean: masked_mean * scaling.train_factor(p),
                test_mean: test_mean * scaling.test_factor(p),
            });
            SweepPoint { keep: p, means }
        })
        .collect()
}

/// E\[train-time mean activation\] under `scaling`: p·mean(h)·(train factor). For `Inverted`
/// this is mean(h), the test-time mean; for `None` and `TestTime` it is p·mean(h).
#[must_use]
pub fn expected_train_mean(activations: &[f64], keep: f64, scaling: Scaling) -> f64 {
    let p = clamp_probability(keep);
    p * mean(activations) * scaling.train_factor(p)
}

/// The keep probabilities 1/n, 2/n, …, 1 for a sweep over (0, 1] (n clamped to
/// 1..=[`MAX_GRID_POINTS`]).
#[must_use]
pub fn keep_grid(points: usize) -> Vec<f64> {
    let points = points.clamp(1, MAX_GRID_POINTS);
    (1..=points).map(|k| k as f64 / points as f64).collect()
}
