//! What the regularization entries share: Bernoulli draws with p the keep probability, summary
//! statistics and histograms, and the serde check of counts.
//!
//! The entries themselves live in [`crate::entries`]: [`dropout`](crate::entries::dropout),
//! [`drop_connect`](crate::entries::drop_connect),
//! [`fractional_max_pool`](crate::entries::fractional_max_pool) and
//! [`stochastic_depth`](crate::entries::stochastic_depth).
//!
//! # Conventions
//!
//! * **p is the keep (survival) probability everywhere**, as in the course notes, the CS231n
//!   assignment and the DropConnect and stochastic-depth papers. PyTorch's `F.dropout(x, p)` and
//!   torchvision's `stochastic_depth(x, p, mode)` take the *drop* probability: call
//!   [`train_forward`](crate::entries::dropout::train_forward) with keep = 1 − `p_drop`;
//!   [`torchvision_stochastic_depth`](crate::entries::stochastic_depth::torchvision_stochastic_depth) takes torchvision's `p_drop` itself, as its
//!   name says.
//! * All randomness comes from a caller's `&mut ChaCha8Rng` (or a `seed` in the config), so a
//!   seed reproduces the same masks on every machine. The draw "keep unit i" is
//!   `uniform[0, 1) < p`, the CS231n mask `np.random.rand(*x.shape) < p`; p = 1 always keeps.
//! * No function panics. Configs refuse bad values in `validate()`; the compute functions
//!   return `None`, an empty result or clamp (probabilities into [0, 1], sizes to the configs'
//!   limits) when handed something a config would refuse.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Defines a serde `deserialize_with` function that reads an unsigned count and refuses it
/// unless it lies in the given [`Limit`](crate::limits::Limit), so the RON parser reports the
/// position of the bad value (the counterpart of [`crate::limited_f64!`] for counts).
macro_rules! limited_count {
    ($fn_name:ident, $ty:ty, $limit:expr) => {
        pub(crate) fn $fn_name<'de, D: serde::Deserializer<'de>>(
            deserializer: D,
        ) -> Result<$ty, D::Error> {
            let value = <$ty as serde::Deserialize>::deserialize(deserializer)?;
            $limit.check(value as f64).map(|_| value).map_err(serde::de::Error::custom)
        }
    };
}
pub(crate) use limited_count;

/// Bins of the activation histograms the labs return.
pub const HISTOGRAM_BINS: usize = 32;

/// One Bernoulli(p) draw: `true` (keep) when a uniform number in [0, 1) falls below `p`.
///
/// Unlike `RngExt::random_bool` it never panics: p ≤ 0 or NaN never keeps, p ≥ 1 always does.
pub(crate) fn draw_keep(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// `p` clamped into [0, 1]; NaN becomes 0, as [`Limit::clamp`](crate::limits::Limit::clamp)
/// does for [0, 1].
pub(crate) fn clamp_probability(p: f64) -> f64 {
    if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) }
}

/// ⌊position⌋ as an index clamped into [0, len − 1] (0 for NaN or an empty range).
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "the value is clamped into [0, len - 1] first, so the cast is exact"
)]
pub(crate) fn index_at(position: f64, len: usize) -> usize {
    let last = len.saturating_sub(1);
    if position.is_nan() { 0 } else { position.floor().clamp(0.0, last as f64) as usize }
}

/// Sample counts spaced evenly on a log axis (ten per decade: 1, 2, 3, 4, 5, 6, 8, 10, 13, …)
/// up to and including `total`, where a convergence plot takes its points. Empty for 0.
#[must_use]
pub fn log_spaced_counts(total: u64) -> Vec<u64> {
    let mut counts: Vec<u64> = Vec::new();
    // 10^(k/10) passes u64::MAX near k = 193, so the loop always ends.
    for k in 0_u32.. {
        let count = round_to_u64(10_f64.powf(f64::from(k) / 10.0));
        if count >= total {
            break;
        }
        if counts.last() != Some(&count) {
            counts.push(count);
        }
    }
    if total > 0 {
        counts.push(total);
    }
    counts
}

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "float-to-int `as` saturates; the values are positive powers of ten"
)]
fn round_to_u64(value: f64) -> u64 {
    value.round() as u64
}

/// Five-number summary and mean of a set of values (activations, outputs).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Summary {
    /// Number of values.
    pub count: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Smallest value.
    pub min: f64,
    /// First quartile, median and third quartile (linear interpolation, NumPy's default).
    pub quartiles: [f64; 3],
    /// Largest value.
    pub max: f64,
}

impl Summary {
    /// Summarises `values`. An empty slice gives `count` 0 and zeros everywhere else.
    #[must_use]
    pub fn of(values: &[f64]) -> Self {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
            return Self::default();
        };
        Self {
            count: sorted.len(),
            mean: mean(&sorted),
            min,
            quartiles: [quantile(&sorted, 0.25), quantile(&sorted, 0.5), quantile(&sorted, 0.75)],
            max,
        }
    }
}

/// Mean of `values` (0 for none).
pub(crate) fn mean(values: &[f64]) -> f64 {
    if values.is_empty() { 0.0 } else { values.iter().sum::<f64>() / values.len() as f64 }
}

/// The `q` quantile of already sorted values, interpolating linearly between neighbours.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * sorted.len().saturating_sub(1) as f64;
    let below = index_at(position, sorted.len());
    let lower = sorted.get(below).copied().unwrap_or(0.0);
    let upper = sorted.get(below + 1).copied().unwrap_or(lower);
    lower + (position - below as f64) * (upper - lower)
}

/// Counts of values in equal-width bins between `lo` and `hi`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Histogram {
    /// Left edge of the first bin.
    pub lo: f64,
    /// Right edge of the last bin.
    pub hi: f64,
    /// Number of values per bin; bin i covers [lo + i·w, lo + (i+1)·w) with w = (hi − lo)/bins,
    /// and the last bin includes `hi`.
    pub counts: Vec<u64>,
}

impl Histogram {
    /// Bins `values` into `bins` equal bins over [lo, hi]. Values outside land in the end bins;
    /// NaN is skipped. When hi ≤ lo everything lands in the first bin.
    #[must_use]
    pub fn new(values: &[f64], lo: f64, hi: f64, bins: usize) -> Self {
        let mut counts = vec![0_u64; bins];
        let width = hi - lo;
        for value in values.iter().filter(|v| !v.is_nan()) {
            let position = if width > 0.0 { (value - lo) / width * bins as f64 } else { 0.0 };
            if let Some(count) = counts.get_mut(index_at(position, bins)) {
                *count += 1;
            }
        }
        Self { lo, hi, counts }
    }

    /// Width of one bin (0 when there are no bins).
    #[must_use]
    pub fn bin_width(&self) -> f64 {
        if self.counts.is_empty() { 0.0 } else { (self.hi - self.lo) / self.counts.len() as f64 }
    }
}

/// Welford's running mean and variance, stable over millions of samples.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Running {
    /// Values seen.
    pub(crate) count: u64,
    /// Their mean.
    pub(crate) mean: f64,
    /// Sum of squared deviations from the mean.
    sum_sq: f64,
}

impl Running {
    /// Adds one value.
    pub(crate) fn push(&mut self, value: f64) {
        self.count += 1;
        let delta = value - self.mean;
        self.mean += delta / self.count as f64;
        self.sum_sq += delta * (value - self.mean);
    }

    /// Unbiased sample variance (0 below two values).
    pub(crate) fn variance(&self) -> f64 {
        if self.count > 1 { self.sum_sq / (self.count - 1) as f64 } else { 0.0 }
    }

    /// Standard error of the mean (0 below two values).
    pub(crate) fn std_error(&self) -> f64 {
        if self.count > 1 { (self.variance() / self.count as f64).sqrt() } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn summary_interpolates_quartiles_like_numpy() {
        let summary = Summary::of(&[4.0, 1.0, 3.0, 2.0]);
        assert_eq!(summary.count, 4);
        assert!((summary.mean - 2.5).abs() < 1e-15);
        let expected = [1.75, 2.5, 3.25];
        assert!(summary.quartiles.iter().zip(expected).all(|(q, e)| (q - e).abs() < 1e-15));
        assert_eq!((summary.min, summary.max), (1.0, 4.0));
        assert_eq!(Summary::of(&[]), Summary::default());
    }

    #[test]
    fn histogram_clamps_outliers_and_skips_nan() {
        let histogram = Histogram::new(&[0.0, 0.5, 1.0, 2.0, -1.0, f64::NAN], 0.0, 1.0, 2);
        assert_eq!(histogram.counts, [2, 3]);
        assert!((histogram.bin_width() - 0.5).abs() < 1e-15);
        assert_eq!(Histogram::new(&[3.0, 3.0], 3.0, 3.0, 4).counts, [2, 0, 0, 0]);
        assert!(Histogram::new(&[1.0], 0.0, 1.0, 0).counts.is_empty());
    }

    #[test]
    fn index_at_never_leaves_the_range() {
        assert_eq!(index_at(f64::NAN, 5), 0);
        assert_eq!(index_at(-3.0, 5), 0);
        assert_eq!(index_at(2.7, 5), 2);
        assert_eq!(index_at(10.0, 5), 4);
        assert_eq!(index_at(2.7, 0), 0);
    }

    #[test]
    fn keep_draws_at_the_ends_of_the_range() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        assert!((0..1000).all(|_| draw_keep(&mut rng, 1.0)));
        assert!((0..1000).all(|_| !draw_keep(&mut rng, 0.0)));
        assert!((0..1000).all(|_| !draw_keep(&mut rng, f64::NAN)));
        assert!(clamp_probability(f64::NAN) == 0.0);
        assert!((clamp_probability(3.0) - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn running_moments_match_the_two_pass_formulas() {
        let values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let mut running = Running::default();
        for value in values {
            running.push(value);
        }
        assert!((running.mean - 5.0).abs() < 1e-15);
        assert!((running.variance() - 32.0 / 7.0).abs() < 1e-14);
        assert!((running.std_error() - (32.0 / 7.0 / 8.0_f64).sqrt()).abs() < 1e-15);
    }
}
