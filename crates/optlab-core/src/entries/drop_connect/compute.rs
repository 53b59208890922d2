//! DropConnect (Wan et al. 2013): dropout of individual weights, and how the paper runs the
//! layer at test time.
//!
//! Training computes r = a((M ⊙ W) v) with an independent mask entry Mᵢⱼ ~ Bernoulli(p) per
//! weight (p = **keep** probability). The pre-activation u = (M ⊙ W) v of a unit is a sum of
//! independent terms, so the paper matches it by a Gaussian with
//!
//! * mean = p·W v,
//! * variance = p(1 − p)·(W ⊙ W)(v ⊙ v),
//!
//! draws Z samples u ~ N(mean, variance), applies the activation and averages: E\[a(u)\], **not**
//! a(E\[u\]). [`UnitInference`] puts side by side, per unit:
//!
//! * mean inference relu(p·W v), the simplification (Chainer's `simplified_dropconnect`, or
//!   1/p scaling at train time and a plain layer at test time);
//! * the paper's Gaussian sampling with Z samples;
//! * its limit Z → ∞ in closed form, E\[relu(u)\] = μΦ(μ/σ) + σφ(μ/σ);
//! * the Monte Carlo truth E\[relu((M ⊙ W) v)\] over training-time masks.
//!
//! Φ comes from [`erfc`], written here because no dependency of the crate provides it.

use super::config::{DropConnectLab, MAX_SAMPLES, MAX_SIDE};
use crate::regularize::{Running, clamp_probability, draw_keep, mean};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

impl DropConnectLab {
    /// A fresh generator seeded with `seed`.
    #[must_use]
    pub fn rng(&self) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(self.seed)
    }

    /// The seeded layer W and input v (the first draws of [`Self::rng`]).
    #[must_use]
    pub fn layer_and_input(&self) -> (DenseLayer, Vec<f64>) {
        layer_and_input(self.units, self.inputs, &mut self.rng())
    }

    /// [`compare_inference`] on the seeded layer: one row per unit.
    #[must_use]
    pub fn compare(&self) -> Vec<UnitInference> {
        let mut rng = self.rng();
        let (layer, input) = layer_and_input(self.units, self.inputs, &mut rng);
        let draws = Draws { masks: self.samples, gaussian: self.gaussian_samples };
        compare_inference(&layer, &input, self.keep, draws, &mut rng)
    }

    /// One training-time mask of the seeded layer, for the picture: W and v as in [`Self::compare`],
    /// the mask from stream 1 of the seed's generator (so drawing it leaves the other results
    /// unchanged); 🎲 Resample (seed + 1) draws another.
    #[must_use]
    pub fn sampled_mask(&self) -> SampledMask {
        let (layer, input) = self.layer_and_input();
        let mut mask_rng = self.rng();
        mask_rng.set_stream(1);
        let kept = sample_weight_mask(&layer, self.keep, &mut mask_rng);
        SampledMask::new(layer, input, kept)
    }
}

/// One DropConnect mask M of a layer W with input v, and what it leaves: u = (M ⊙ W) v.
#[derive(Clone, Debug, PartialEq)]
pub struct SampledMask {
    /// The weights W (unit i's weight from input j is row i, column j; both counted from 1 in
    /// the views).
    pub layer: DenseLayer,
    /// The input v.
    pub input: Vec<f64>,
    /// Mᵢⱼ, row-major like the weights: `true` keeps the weight.
    pub kept: Vec<bool>,
    /// u = (M ⊙ W) v, one per unit, under this mask.
    pub preactivations: Vec<f64>,
}

impl SampledMask {
    /// The mask `kept` (row-major, one per weight) of `layer` with `input`, and its u. A
    /// `kept` or `input` of the wrong length leaves `preactivations` empty.
    #[must_use]
    pub fn new(layer: DenseLayer, input: Vec<f64>, kept: Vec<bool>) -> Self {
        let fits = kept.len() == layer.weights().len() && input.len() == layer.inputs();
        let preactivations = if fits {
            layer
                .rows()
                .zip(kept.chunks_exact(layer.inputs()))
                .map(|(row, mask)| {
                    row.iter()
                        .zip(&input)
                        .zip(mask)
                        .filter(|(_, m)| **m)
                        .map(|((w, v), _)| w * v)
                        .sum()
                })
                .collect()
        } else {
            Vec::new()
        };
        Self { layer, input, kept, preactivations }
    }

    /// Number of kept weights.
    #[must_use]
    pub fn kept_count(&self) -> usize {
        self.kept.iter().filter(|&&kept| kept).count()
    }
}

/// A fresh mask M of `layer`, one independent Bernoulli(p) draw per weight, row-major.
#[must_use]
pub fn sample_weight_mask(layer: &DenseLayer, keep: f64, rng: &mut ChaCha8Rng) -> Vec<bool> {
    (0..layer.weights().len()).map(|_| draw_keep(rng, keep)).collect()
}

/// A seeded layer of `units` × `inputs` weights and an input of `inputs` values, both N(0, 1)
/// (sides clamped to 1..=[`MAX_SIDE`]).
#[must_use]
pub fn layer_and_input(
    units: usize,
    inputs: usize,
    rng: &mut ChaCha8Rng,
) -> (DenseLayer, Vec<f64>) {
    let layer = DenseLayer::seeded(units, inputs, rng);
    let input = normal_values(layer.inputs(), rng);
    (layer, input)
}

/// A fully connected layer's weight matrix W, `units` rows of `inputs` weights (row-major).
#[derive(Clone, Debug, PartialEq)]
pub struct DenseLayer {
    units: usize,
    inputs: usize,
    weights: Vec<f64>,
}

impl DenseLayer {
    /// W from row-major `weights`; `None` unless both sides are at least 1 and
    /// `weights.len() == units · inputs`.
    #[must_use]
    pub fn new(units: usize, inputs: usize, weights: Vec<f64>) -> Option<Self> {
        let fits = units > 0 && inputs > 0 && units.checked_mul(inputs) == Some(weights.len());
        fits.then_some(Self { units, inputs, weights })
    }

    /// W with independent N(0, 1) entries; sides clamped to 1..=[`MAX_SIDE`].
    #[must_use]
    pub fn seeded(units: usize, inputs: usize, rng: &mut ChaCha8Rng) -> Self {
        let units = units.clamp(1, MAX_SIDE);
        let inputs = inputs.clamp(1, MAX_SIDE);
        Self { units, inputs, weights: normal_values(units * inputs, rng) }
    }

    /// Number of units (rows).
    #[must_use]
    pub fn units(&self) -> usize {
        self.units
    }

    /// Number of inputs (columns).
    #[must_use]
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// All weights, row-major.
    #[must_use]
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The rows of W, one per unit.
    pub fn rows(&self) -> impl Iterator<Item = &[f64]> {
        self.weights.chunks_exact(self.inputs.max(1))
    }
}

/// `len` independent N(0, 1) values.
fn normal_values(len: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    (0..len).map(|_| StandardNormal.sample(rng)).collect()
}

/// Mean and variance of one unit's pre-activation u.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Moments {
    /// E\[u\].
    pub mean: f64,
    /// Var\[u\] ([`Self::std_dev`] treats a negative value as 0).
    pub variance: f64,
}

impl Moments {
    /// √variance.
    #[must_use]
    pub fn std_dev(&self) -> f64 {
        self.variance.max(0.0).sqrt()
    }
}

/// One training-time draw u = (M ⊙ W) v with a fresh per-weight mask, one value per unit. Empty
/// when `input` does not have `layer.inputs()` values.
#[must_use]
pub fn sample_preactivations(
    layer: &DenseLayer,
    input: &[f64],
    keep: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<f64> {
    if input.len() != layer.inputs() {
        return Vec::new();
    }
    layer
        .rows()
        .map(|row| row.iter().zip(input).filter(|_| draw_keep(rng, keep)).map(|(w, v)| w * v).sum())
        .collect()
}

/// The paper's moment matching per unit: mean = p·W v, variance = p(1 − p)·(W ⊙ W)(v ⊙ v)
/// (`keep` clamped into [0, 1]). Empty when `input` does not have `layer.inputs()` values.
#[must_use]
pub fn moment_match(layer: &DenseLayer, input: &[f64], keep: f64) -> Vec<Moments> {
    if input.len() != layer.inputs() {
        return Vec::new();
    }
    let p = clamp_probability(keep);
    layer
        .rows()
        .map(|row| {
            let linear: f64 = row.iter().zip(input).map(|(w, v)| w * v).sum();
            let squares: f64 = row.iter().zip(input).map(|(w, v)| (w * v).powi(2)).sum();
            Moments { mean: p * linear, variance: p * (1.0 - p) * squares }
        })
        .collect()
}

/// max(u, 0).
#[must_use]
pub fn relu(u: f64) -> f64 {
    u.max(0.0)
}

/// Mean inference: relu(E\[u\]) = relu(p·W v), the activation of the average pre-activation.
#[must_use]
pub fn mean_inference(moments: Moments) -> f64 {
    relu(moments.mean)
}

/// The paper's inference for one unit: the average of relu(u) over `samples` draws
/// u ~ N(mean, variance) (at least 1, at most [`MAX_SAMPLES`]).
#[must_use]
pub fn gaussian_sampled_inference(moments: Moments, samples: u64, rng: &mut ChaCha8Rng) -> f64 {
    let samples = samples.clamp(1, MAX_SAMPLES);
    let sigma = moments.std_dev();
    let total: f64 = (0..samples)
        .map(|_| {
            let z: f64 = StandardNormal.sample(rng);
            relu(moments.mean + sigma * z)
        })
        .sum();
    total / samples as f64
}

/// E\[relu(u)\] for u ~ N(μ, σ²) in closed form, μΦ(μ/σ) + σφ(μ/σ): the value the paper's sampled
/// inference approaches as Z grows. relu(μ) when σ = 0. Never negative (rounding could make the
/// two terms cancel to a tiny negative number far in the left tail; that is clamped to 0).
#[must_use]
pub fn relu_expectation(moments: Moments) -> f64 {
    let sigma = moments.std_dev();
    if sigma == 0.0 {
        return relu(moments.mean);
    }
    let z = moments.mean / sigma;
    (moments.mean * normal_cdf(z) + sigma * normal_pdf(z)).max(0.0)
}

/// The standard normal density φ(x) = e^(−x²/2)/√(2π).
#[must_use]
pub fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal distribution function Φ(x) = ½·erfc(−x/√2), accurate in the far left
/// tail too (no 1 − Φ cancellation).
#[must_use]
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Where [`erfc`] switches from the series to the continued fraction.
const ERFC_SWITCH: f64 = 2.0;
/// Terms of the continued fraction; from x = 2 on, 100 terms reach full double precision.
const ERFC_FRACTION_TERMS: u32 = 100;

/// The complementary error function erfc(x) = 1 − erf(x).
///
/// Two classical expansions (Abramowitz & Stegun 7.1.6 and 7.1.14), chosen for accuracy rather
/// than speed:
/// * |x| < 2: 1 − erf(x) with the series erf(x) = (2/√π)·e^(−x²)·Σ 2ⁿx²ⁿ⁺¹/(1·3·…·(2n+1)),
///   whose terms are all positive (no cancellation inside the sum);
/// * x ≥ 2: Laplace's continued fraction
///   erfc(x) = (e^(−x²)/√π)·1/(x + ½/(x + 1/(x + (3/2)/(x + …)))), evaluated backwards over a
///   fixed number of terms, which keeps the relative accuracy far into the tail;
/// * x < 0: 2 − erfc(−x).
///
/// Checked against Python's `math.erfc` on a grid of [0, 27]: relative error below 1e-13
/// (about 1e-15 except just below x = 2, where 1 − erf loses two digits). NaN stays NaN.
#[must_use]
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x < 0.0 {
        2.0 - erfc(-x)
    } else if x < ERFC_SWITCH {
        1.0 - erf_series(x)
    } else {
        erfc_continued_fraction(x)
    }
}

/// erf(x) for 0 ≤ x < 2 by the all-positive series (A&S 7.1.6).
fn erf_series(x: f64) -> f64 {
    let ratio = 2.0 * x * x;
    let (mut term, mut sum) = (x, x);
    // At x = 2 the terms fall below 1e-17 of the sum after about 40; 200 is a safety bound.
    for n in 1..200_u32 {
        term *= ratio / f64::from(2 * n + 1);
        sum += term;
        if term <= sum * 1e-17 {
            break;
        }
    }
    2.0 / std::f64::consts::PI.sqrt() * (-x * x).exp() * sum
}

/// erfc(x) for x ≥ 2 by Laplace's continued fraction (A&S 7.1.14), evaluated from the tail.
fn erfc_continued_fraction(x: f64) -> f64 {
    let mut fraction = x;
    for k in (1..=ERFC_FRACTION_TERMS).rev() {
        fraction = x + f64::from(k) / 2.0 / fraction;
    }
    (-x * x).exp() / (std::f64::consts::PI.sqrt() * fraction)
}

/// Sample moments of one unit over training-time masks: the Monte Carlo truth.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MonteCarloUnit {
    /// Number of masks drawn.
    pub samples: u64,
    /// Sample mean of u = (M ⊙ W) v.
    pub mean: f64,
    /// Unbiased sample variance of u (0 for one sample).
    pub variance: f64,
    /// Sample mean of relu(u): the true E\[relu(u)\] up to Monte Carlo noise.
    pub relu_mean: f64,
    /// Unbiased sample variance of relu(u).
    pub relu_variance: f64,
}

impl MonteCarloUnit {
    /// Standard error of [`Self::mean`].
    #[must_use]
    pub fn mean_std_error(&self) -> f64 {
        (self.variance / self.samples as f64).sqrt()
    }

    /// Standard error of [`Self::relu_mean`].
    #[must_use]
    pub fn relu_std_error(&self) -> f64 {
        (self.relu_variance / self.samples as f64).sqrt()
    }
}

/// Draws `samples` training-time masks (at least 1, at most [`MAX_SAMPLES`]) and returns the
/// sample moments of u and relu(u) per unit. Empty when `input` does not fit the layer.
#[must_use]
pub fn monte_carlo_units(
    layer: &DenseLayer,
    input: &[f64],
    keep: f64,
    samples: u64,
    rng: &mut ChaCha8Rng,
) -> Vec<MonteCarloUnit> {
    if input.len() != layer.inputs() {
        return Vec::new();
    }
    let mut linear = vec![Running::default(); layer.units()];
    let mut rectified = vec![Running::default(); layer.units()];
    for _ in 0..samples.clamp(1, MAX_SAMPLES) {
        let draws = sample_preactivations(layer, input, keep, rng);
        for ((u, lin), rect) in draws.into_iter().zip(&mut linear).zip(&mut rectified) {
            lin.push(u);
            rect.push(relu(u));
        }
    }
    linear
        .iter()
        .zip(&rectified)
        .map(|(lin, rect)| MonteCarloUnit {
            samples: lin.count,
            mean: lin.mean,
            variance: lin.variance(),
            relu_mean: rect.mean,
            relu_variance: rect.variance(),
        })
        .collect()
}

/// How many random draws [`compare_inference`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Draws {
    /// Training-time masks of the Monte Carlo truth.
    pub masks: u64,
    /// Gaussian samples Z per unit.
    pub gaussian: u64,
}

/// One unit's inference computed every way.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnitInference {
    /// Moment-matched mean p·W v and variance p(1 − p)·(W ⊙ W)(v ⊙ v).
    pub moments: Moments,
    /// relu(p·W v). Inverted scaling (train with (M ⊙ W)/p, test with relu(W v)) gives 1/p
    /// times this and its train-time mean is 1/p times [`MonteCarloUnit::relu_mean`], because
    /// relu(c·u) = c·relu(u) for c > 0: the same comparison on another scale.
    pub mean_inference: f64,
    /// The paper's average of relu(u) over Z Gaussian samples.
    pub gaussian_sampled: f64,
    /// μΦ(μ/σ) + σφ(μ/σ), the limit of `gaussian_sampled`.
    pub closed_form: f64,
    /// Training-time masks: the truth E\[relu((M ⊙ W) v)\] and the moments of u.
    pub monte_carlo: MonteCarloUnit,
}

/// Per unit: the moment-matched Gaussian, mean inference, Gaussian-sampled inference, the closed
/// form and the Monte Carlo truth. Empty when `input` does not fit the layer.
#[must_use]
pub fn compare_inference(
    layer: &DenseLayer,
    input: &[f64],
    keep: f64,
    draws: Draws,
    rng: &mut ChaCha8Rng,
) -> Vec<UnitInference> {
    let moments = moment_match(layer, input, keep);
    let truth = monte_carlo_units(layer, input, keep, draws.masks, rng);
    moments
        .into_iter()
        .zip(truth)
        .map(|(moments, monte_carlo)| UnitInference {
            moments,
            mean_inference: mean_inference(moments),
            gaussian_sampled: gaussian_sampled_inference(moments, draws.gaussian, rng),
            closed_form: relu_expectation(moments),
            monte_carlo,
        })
        .collect()
}

/// Layer-wide means of the activations: training time against each test-time rule (the
/// DropConnect counterpart of the dropout scaling view).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerMeans {
    /// Mean over units of E\[relu((M ⊙ W) v)\] (Monte Carlo): what the next layer saw in training.
    pub train: f64,
    /// Mean over units of relu(p·W v).
    pub mean_inference: f64,
    /// Mean over units of the Gaussian-sampled inference.
    pub gaussian_sampled: f64,
    /// Mean over units of the closed form.
    pub closed_form: f64,
}

/// Averages the rows of [`compare_inference`] over units (zeros for no units).
#[must_use]
pub fn layer_means(units: &[UnitInference]) -> LayerMeans {
    let average =
        |pick: fn(&UnitInference) -> f64| mean(&units.iter().map(pick).collect::<Vec<_>>());
    LayerMeans {
        train: average(|u| u.monte_carlo.relu_mean),
        mean_inference: average(|u| u.mean_inference),
        gaussian_sampled: average(|u| u.gaussian_sampled),
        closed_form: average(|u| u.closed_form),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_and_continued_fraction_agree_at_the_switch() {
        for x in [1.9, 2.0, 2.1] {
            let series = 1.0 - erf_series(x);
            let fraction = erfc_continued_fraction(x);
            assert!((series / fraction - 1.0).abs() < 1e-13, "x = {x}: {series} vs {fraction}");
        }
    }

    #[test]
    fn erfc_is_symmetric_about_one() {
        for x in [0.1, 0.9, 1.5, 2.5, 4.0] {
            assert!((erfc(x) + erfc(-x) - 2.0).abs() < 1e-15);
        }
        assert!(erfc(40.0) >= 0.0);
        assert!((erfc(-40.0) - 2.0).abs() < f64::EPSILON);
    }
}
