//! The regularization lab's numbers: dropout against the torch and CS231n vectors, DropConnect's
//! moment matching against Monte Carlo, fractional max pooling's sequences and regions, and
//! stochastic depth's decay rule.
//!
//! Statistical checks use five standard errors: a correct implementation fails one with
//! probability below 10⁻⁶, and every generator is seeded, so a pass is reproducible.

use optlab_core::entries::drop_connect::DropConnectLab;
use optlab_core::entries::drop_connect::{self as dropconnect, DenseLayer, Draws, Moments};
use optlab_core::entries::dropout::DropoutLab;
use optlab_core::entries::dropout::{self, Scaling};
use optlab_core::entries::fractional_max_pool::{self as frac_pool, Image, TorchFractionalPool};
use optlab_core::entries::fractional_max_pool::{FractionalMaxPoolLab, Pattern, PoolRegion};
use optlab_core::entries::stochastic_depth::StochasticDepthLab;
use optlab_core::entries::stochastic_depth::{
    self as stoch_depth, DecayRule, ResidualBlock, ResidualStack, SdMode,
};
use optlab_core::regularize::log_spaced_counts;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde_json::Value;

/// Five standard errors.
const SIGMAS: f64 = 5.0;

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors-public.json");
    let text = std::fs::read_to_string(path).expect("vectors-public.json is readable");
    serde_json::from_str(&text).expect("vectors-public.json is JSON")
}

fn floats(value: &Value) -> Vec<f64> {
    value.as_array().expect("an array").iter().map(|v| v.as_f64().expect("a number")).collect()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Dropout.
mod dropout_lab {
    use super::*;

    #[test]
    fn the_notes_neuron_has_four_masks_and_expectation_p_times_wx() {
        let lab = DropoutLab::default();
        let rows = lab.masks().expect("two inputs enumerate");
        assert_eq!(rows.len(), 4);
        let activations: Vec<f64> = rows.iter().map(|r| r.activation).collect();
        // Masks in binary order: none, x only, y only, both (a = w1·x + w2·y = 1·1 + 1·2).
        assert_eq!(activations, [0.0, 1.0, 2.0, 3.0]);
        assert!(rows.iter().all(|r| (r.probability - 0.25).abs() < 1e-15));
        assert_eq!(rows[3].kept_count(), 2);
        let exact = lab.exact_expectation().expect("enumerable");
        assert!((exact - 1.5).abs() < 1e-15, "E[a] = ½(w1x + w2y) = 1.5, got {exact}");
        assert!((lab.closed_form_expectation() - 1.5).abs() < 1e-15);
    }

    proptest! {
        #[test]
        fn enumeration_equals_p_times_w_dot_x(
            terms in prop::collection::vec((-10.0..10.0_f64, -10.0..10.0_f64), 1..=10),
            keep in 0.01..=1.0_f64,
        ) {
            let (weights, inputs): (Vec<f64>, Vec<f64>) = terms.into_iter().unzip();
            let rows = dropout::enumerate_masks(&weights, &inputs, keep).expect("n ≤ 12");
            prop_assert_eq!(rows.len(), 1 << weights.len());
            let total: f64 = rows.iter().map(|r| r.probability).sum();
            prop_assert!((total - 1.0).abs() < 1e-12);
            let exact = dropout::exact_expectation(&weights, &inputs, keep).expect("n ≤ 12");
            let closed = dropout::closed_form_expectation(&weights, &inputs, keep);
            let scale: f64 = weights.iter().zip(&inputs).map(|(w, x)| (w * x).abs()).sum();
            let tolerance = 1e-12 * (1.0 + scale);
            prop_assert!((exact - closed).abs() <= tolerance, "{exact} vs {closed}");
        }
    }

    #[test]
    fn enumeration_refuses_large_or_mismatched_neurons() {
        assert!(dropout::enumerate_masks(&[1.0; 13], &[1.0; 13], 0.5).is_none());
        assert!(dropout::enumerate_masks(&[1.0; 3], &[1.0; 2], 0.5).is_none());
        assert!(
            dropout::enumerate_masks(&[1.0; 12], &[1.0; 12], 0.5).is_some_and(|r| r.len() == 4096)
        );
    }

    #[test]
    fn monte_carlo_mean_converges_within_five_standard_errors() {
        let lab = DropoutLab {
            weights: vec![0.5, -1.0, 2.0],
            inputs: vec![1.0, 3.0, 1.5],
            keep: 0.3,
            samples: 20_000,
            ..DropoutLab::default()
        };
        let means = lab.monte_carlo();
        let counts: Vec<u64> = means.iter().map(|&(count, _)| count).collect();
        assert_eq!(counts, log_spaced_counts(20_000));
        assert!(counts.windows(2).all(|pair| pair[0] < pair[1]));
        let truth = lab.closed_form_expectation();
        for &(count, mean) in means.iter().filter(|(count, _)| *count >= 100) {
            let bound = SIGMAS * lab.standard_error(count);
            assert!((mean - truth).abs() <= bound, "after {count}: {mean} vs {truth} ± {bound}");
        }
    }

    #[test]
    fn log_spaced_counts_end_at_the_total() {
        assert!(log_spaced_counts(0).is_empty());
        assert_eq!(log_spaced_counts(1), [1]);
        assert_eq!(log_spaced_counts(10), [1, 2, 3, 4, 5, 6, 8, 10]);
        let long = log_spaced_counts(10_000_000);
        assert_eq!(long.last(), Some(&10_000_000));
        assert!(long.len() <= 71);
    }

    #[test]
    fn torch_dropout_vectors_with_the_recorded_mask() {
        let vectors = vectors();
        let cases = vectors["regularizers"]["dropout"]["cases"].as_array().expect("cases");
        assert_eq!(cases.len(), 3);
        for case in cases {
            let x = floats(&case["x"]);
            let keep = case["keep_prob"].as_f64().expect("keep_prob");
            let mask: Vec<bool> = case["mask"]
                .as_array()
                .expect("mask")
                .iter()
                .map(|m| m.as_i64() == Some(1))
                .collect();
            let out = dropout::train_forward(&x, &mask, keep, true);
            let expected = floats(&case["out_train"]);
            assert_eq!(out.len(), expected.len());
            for (got, want) in out.iter().zip(&expected) {
                assert!((got - want).abs() <= 1e-12 * want.abs(), "{got} vs {want}");
            }
            assert_eq!(
                dropout::test_forward(&x, keep, Scaling::Inverted),
                floats(&case["out_eval"])
            );
            assert_eq!(dropout::test_forward(&x, keep, Scaling::None), x);
        }
    }

    /// The elements of the first torch case (`p_drop` = 0.3) where x·(1/keep) and x/keep differ
    /// in the last bit, as Rust literals: `serde_json` without its `float_roundtrip` feature
    /// misreads some numbers of the file by one ulp (3.2199999999999998, for one), so
    /// bit-exactness is checked here.
    #[test]
    fn train_forward_multiplies_by_the_precomputed_scale_as_torch_does() {
        let x: [f64; 6] = [1.37, 2.48, 3.59, 4.7, 5.439_999_999_999_999_5, 5.81];
        let torch: [f64; 6] = [
            1.957_142_857_142_857_3,
            3.542_857_142_857_142_7,
            5.128_571_428_571_428,
            6.714_285_714_285_714,
            7.771_428_571_428_570_5,
            8.299_999_999_999_999,
        ];
        let out = dropout::train_forward(&x, &[true; 6], 0.7, true);
        for ((got, want), x) in out.iter().zip(torch).zip(x) {
            assert_eq!(got.to_bits(), want.to_bits(), "{got} vs {want}");
            assert_ne!((x / 0.7).to_bits(), want.to_bits(), "dividing would differ for {x}");
        }
    }

    /// The CS231n notebook's check, `x = randn(500, 500) + 10` with keep p ∈ {0.25, 0.4, 0.7},
    /// on our own seeded generator: NumPy's stream cannot be reproduced, so the published
    /// numbers become statistical bounds.
    #[test]
    fn cs231n_dropout_statistics_with_a_seeded_generator() {
        let vectors = vectors();
        let published = vectors["cs231n"]["dropout"]["published_outputs"].as_array().expect("rows");
        let mut rng = rng(231);
        let x: Vec<f64> = (0..500 * 500)
            .map(|_| {
                let z: f64 = StandardNormal.sample(&mut rng);
                z + 10.0
            })
            .collect();
        let n = x.len() as f64;
        let x_mean = mean(&x);
        let sum_sq: f64 = x.iter().map(|v| v * v).sum();
        for row in published {
            let p = row["p"].as_f64().expect("p");
            let mask = dropout::sample_mask(x.len(), p, &mut rng);
            let out = dropout::train_forward(&x, &mask, p, true);
            let zeros = out.iter().filter(|&&v| v == 0.0).count() as f64 / n;
            let zeros_bound = SIGMAS * (p * (1.0 - p) / n).sqrt();
            assert!((zeros - (1.0 - p)).abs() <= zeros_bound, "p = {p}: {zeros} zeros");
            // Var of one output x·m/p is x²(1 − p)/p; the mean of n has that over n².
            let mean_bound = SIGMAS * (sum_sq * (1.0 - p) / p).sqrt() / n;
            assert!((mean(&out) - x_mean).abs() <= mean_bound, "p = {p}");
            // NumPy's published run satisfies the same bounds.
            let published_zeros = row["frac_zero_train"].as_f64().expect("zeros");
            assert!((published_zeros - (1.0 - p)).abs() <= zeros_bound);
            let published_gap = row["mean_train"].as_f64().expect("train")
                - row["mean_input"].as_f64().expect("in");
            assert!(published_gap.abs() <= mean_bound);
            assert_eq!(dropout::test_forward(&x, p, Scaling::Inverted), x);
        }
    }

    #[test]
    fn train_forward_handles_edge_cases_without_panicking() {
        assert!(dropout::train_forward(&[1.0, 2.0], &[true], 0.5, true).is_empty());
        // keep = 0 (torch's p = 1): everything is dropped, nothing is divided by zero.
        assert_eq!(dropout::train_forward(&[1.0, -2.0], &[false, false], 0.0, true), [0.0, 0.0]);
        assert_eq!(dropout::train_forward(&[1.0, -2.0], &[true, false], 0.5, false), [1.0, 0.0]);
        assert_eq!(dropout::test_forward(&[2.0, 4.0], 0.25, Scaling::TestTime), [0.5, 1.0]);
        assert!(dropout::monte_carlo_means(&[1.0], &[1.0], f64::NAN, 0, &mut rng(0)).is_empty());
    }

    #[test]
    fn scaling_without_compensation_shows_train_mean_p_times_test_mean() {
        let lab = DropoutLab::default();
        let keep = 0.4;
        let h = lab.layer().activations;
        // Standard error of the unscaled train mean over SCALING_PASSES masks.
        let sum_sq: f64 = h.iter().map(|v| v * v).sum();
        let passes = dropout::SCALING_PASSES as f64;
        let se = (sum_sq * keep * (1.0 - keep) / passes).sqrt() / h.len() as f64;
        let test_mean = mean(&h);
        for row in lab.scaling_at(keep) {
            let factor = row.scaling.train_factor(keep);
            let bound = SIGMAS * se * factor;
            let expected_train = dropout::expected_train_mean(&h, keep, row.scaling);
            assert!((row.train.mean - expected_train).abs() <= bound, "{:?}", row.scaling);
            match row.scaling {
                Scaling::None => {
                    assert!((row.test.mean - test_mean).abs() < 1e-12);
                    assert!((row.train.mean - keep * row.test.mean).abs() <= bound);
                }
                Scaling::TestTime | Scaling::Inverted => {
                    assert!((row.train.mean - row.test.mean).abs() <= bound, "{:?}", row.scaling);
                }
            }
            assert_eq!(row.train.count, h.len() * dropout::SCALING_PASSES);
            let binned: u64 = row.train_histogram.counts.iter().sum();
            assert_eq!(usize::try_from(binned), Ok(row.train.count));
        }
    }

    #[test]
    fn scaling_sweep_covers_zero_to_one() {
        let lab = DropoutLab { layer_units: 64, ..DropoutLab::default() };
        let sweep = lab.scaling_sweep(10);
        assert_eq!(sweep.len(), 10);
        assert!((sweep[0].keep - 0.1).abs() < 1e-15);
        let last = sweep.last().expect("ten points");
        assert!((last.keep - 1.0).abs() < f64::EPSILON);
        // At p = 1 nothing is dropped and all three rules agree.
        for means in last.means {
            assert!((means.train_mean - means.test_mean).abs() < 1e-12);
        }
    }

    #[test]
    fn dropout_lab_validates_and_parses() {
        assert_eq!(DropoutLab::default().validate(), Ok(()));
        let bad_keep = DropoutLab { keep: 0.0, ..DropoutLab::default() }.validate().unwrap_err();
        assert_eq!(bad_keep.to_string(), "`keep` = 0 is out of range; allowed (0, 1]");
        let mismatch = DropoutLab { inputs: vec![1.0], ..DropoutLab::default() }.validate();
        assert_eq!(mismatch.unwrap_err().limit.name, "number of inputs (one per weight)");
        let empty = DropoutLab { weights: vec![], inputs: vec![], ..DropoutLab::default() };
        assert!(empty.validate().is_err());
        assert!(DropoutLab { samples: 0, ..DropoutLab::default() }.validate().is_err());
        assert!(DropoutLab { layer_units: 5000, ..DropoutLab::default() }.validate().is_err());

        let parsed: DropoutLab = ron::from_str("(keep: 0.3, seed: 7)").expect("valid RON");
        assert_eq!(parsed, DropoutLab { keep: 0.3, seed: 7, ..DropoutLab::default() });
        assert!(ron::from_str::<DropoutLab>("(keep: 1.5)").is_err());
        assert!(ron::from_str::<DropoutLab>("(samples: 0)").is_err());
        assert!(ron::from_str::<DropoutLab>("(kep: 0.3)").is_err());
    }
}

/// DropConnect.
mod dropconnect_lab {
    use super::*;

    /// Fourth central moment of u = Σ cᵢ·mᵢ with independent mᵢ ~ Bernoulli(p), cᵢ = Wᵢvᵢ: the
    /// variance of the sample variance is (μ₄ − σ⁴)/n.
    fn fourth_central_moment(row: &[f64], input: &[f64], p: f64) -> f64 {
        let q = 1.0 - p;
        let terms: Vec<f64> = row.iter().zip(input).map(|(w, v)| w * v).collect();
        let second: Vec<f64> = terms.iter().map(|c| c * c * p * q).collect();
        let fourth: f64 = terms.iter().map(|c| c.powi(4) * p * q * (q.powi(3) + p.powi(3))).sum();
        let total: f64 = second.iter().sum();
        let squares: f64 = second.iter().map(|s| s * s).sum();
        fourth + 3.0 * (total * total - squares)
    }

    #[test]
    fn moment_matching_agrees_with_training_time_masks() {
        let lab = DropConnectLab { samples: 20_000, keep: 0.6, ..DropConnectLab::default() };
        let (layer, input) = lab.layer_and_input();
        let moments = dropconnect::moment_match(&layer, &input, lab.keep);
        let truth =
            dropconnect::monte_carlo_units(&layer, &input, lab.keep, lab.samples, &mut rng(5));
        assert_eq!(moments.len(), 4);
        assert_eq!(truth.len(), 4);
        let n = lab.samples as f64;
        for ((m, mc), row) in moments.iter().zip(&truth).zip(layer.rows()) {
            let mean_bound = SIGMAS * (m.variance / n).sqrt();
            assert!((mc.mean - m.mean).abs() <= mean_bound, "{} vs {}", mc.mean, m.mean);
            let spread = fourth_central_moment(row, &input, lab.keep) - m.variance.powi(2);
            let var_bound = SIGMAS * (spread / n).sqrt();
            assert!(
                (mc.variance - m.variance).abs() <= var_bound,
                "{} vs {}",
                mc.variance,
                m.variance
            );
        }
    }

    /// A unit whose mean pre-activation is negative: W₀ = (1, −1, 0.5), v = (1, 2, 1), p = ½
    /// gives mean −0.25 and variance ¼·(1 + 4 + 0.25) = 1.3125.
    fn negative_mean_layer() -> (DenseLayer, Vec<f64>) {
        let weights = vec![1.0, -1.0, 0.5, 0.3, 0.2, -0.1];
        (DenseLayer::new(2, 3, weights).expect("2 × 3"), vec![1.0, 2.0, 1.0])
    }

    #[test]
    fn relu_of_the_mean_is_zero_where_the_expected_relu_is_not() {
        let (layer, input) = negative_mean_layer();
        let draws = Draws { masks: 20_000, gaussian: 20_000 };
        let units = dropconnect::compare_inference(&layer, &input, 0.5, draws, &mut rng(9));
        let first = units[0];
        assert!((first.moments.mean + 0.25).abs() < 1e-15);
        assert!((first.moments.variance - 1.3125).abs() < 1e-15);
        assert!(first.mean_inference == 0.0, "relu(−0.25) is exactly 0");
        // μΦ(μ/σ) + σφ(μ/σ) from Python's math.erfc.
        assert!((first.closed_form - 0.342_884_864_360_050_83).abs() < 1e-14);
        assert!(first.gaussian_sampled > 0.0);
        assert!(first.monte_carlo.relu_mean > 0.0);
        let bound = SIGMAS * first.monte_carlo.relu_std_error();
        // The masks' truth is not Gaussian, but here it is close to the Gaussian's closed form.
        assert!((first.monte_carlo.relu_mean - first.closed_form).abs() < 0.05 + bound);
        let means = dropconnect::layer_means(&units);
        assert!(means.train > means.mean_inference);
    }

    #[test]
    fn gaussian_sampling_approaches_the_closed_form() {
        let cases = [(-0.25, 1.3125), (1.0, 4.0), (-3.0, 0.25), (0.0, 1.0), (2.0, 0.01)];
        let z = 200_000;
        for (mean, variance) in cases {
            let moments = Moments { mean, variance };
            let sampled = dropconnect::gaussian_sampled_inference(moments, z, &mut rng(3));
            let closed = dropconnect::relu_expectation(moments);
            // sd(relu(u)) ≤ √E[u²] = √(μ² + σ²).
            let bound = SIGMAS * ((mean * mean + variance) / z as f64).sqrt();
            assert!((sampled - closed).abs() <= bound, "μ = {mean}: {sampled} vs {closed}");
        }
        let tail = dropconnect::relu_expectation(Moments { mean: -3.0, variance: 0.25 });
        assert!((tail / 7.817_848_979_853_967e-11 - 1.0).abs() < 1e-9);
        let wide = dropconnect::relu_expectation(Moments { mean: 1.0, variance: 4.0 });
        assert!((wide - 1.395_593_114_802_612_2).abs() < 1e-14);
        let point = dropconnect::relu_expectation(Moments { mean: 0.7, variance: 0.0 });
        assert_eq!(point.to_bits(), 0.7_f64.to_bits(), "σ = 0 gives relu(μ) exactly");
        assert!(dropconnect::relu_expectation(Moments { mean: -0.7, variance: 0.0 }) == 0.0);
    }

    #[test]
    fn erfc_matches_reference_values() {
        // Python's math.erfc.
        let reference = [
            (-1.5, 1.966_105_146_475_310_8),
            (-0.3, 1.328_626_759_459_127_4),
            (0.0, 1.0),
            (0.7, 0.322_198_806_162_581_56),
            (1.9999, 0.004_679_802_092_970_608),
            (2.0, 0.004_677_734_981_047_265),
            (3.3, 3.057_709_796_438_165_4e-6),
            (5.5, 7.357_847_917_974_398e-15),
            (9.0, 4.137_031_746_513_81e-37),
            (20.0, 5.395_865_611_607_900_5e-176),
        ];
        for (x, want) in reference {
            let got = dropconnect::erfc(x);
            assert!((got / want - 1.0).abs() < 1e-13, "erfc({x}) = {got}, want {want}");
        }
        assert!(dropconnect::erfc(f64::NAN).is_nan());
        assert!((dropconnect::normal_cdf(0.0) - 0.5).abs() < 1e-16);
        for x in [0.3, 1.7, 4.2] {
            let sum = dropconnect::normal_cdf(x) + dropconnect::normal_cdf(-x);
            assert!((sum - 1.0).abs() < 1e-15);
        }
    }

    #[test]
    fn dropconnect_refuses_shapes_that_do_not_fit() {
        assert!(DenseLayer::new(2, 3, vec![0.0; 5]).is_none());
        assert!(DenseLayer::new(0, 3, vec![]).is_none());
        let (layer, _) = negative_mean_layer();
        assert!(dropconnect::moment_match(&layer, &[1.0], 0.5).is_empty());
        assert!(dropconnect::sample_preactivations(&layer, &[1.0], 0.5, &mut rng(0)).is_empty());
        assert!(dropconnect::monte_carlo_units(&layer, &[], 0.5, 10, &mut rng(0)).is_empty());
        let big = DenseLayer::seeded(10_000, 10_000, &mut rng(0));
        assert_eq!((big.units(), big.inputs()), (dropconnect::MAX_SIDE, dropconnect::MAX_SIDE));
    }

    #[test]
    fn dropconnect_lab_validates_and_compares() {
        let lab = DropConnectLab::default();
        assert_eq!(lab.validate(), Ok(()));
        assert!(DropConnectLab { keep: 1.5, ..lab.clone() }.validate().is_err());
        assert!(DropConnectLab { units: 0, ..lab.clone() }.validate().is_err());
        assert!(DropConnectLab { gaussian_samples: 0, ..lab.clone() }.validate().is_err());
        let units = lab.compare();
        assert_eq!(units.len(), lab.units);
        assert_eq!(units, lab.compare(), "a seed reproduces the same numbers");
        assert!(ron::from_str::<DropConnectLab>("(inputs: 65)").is_err());
    }
}

/// Fractional max pooling.
mod frac_pool_lab {
    use optlab_core::entries::fractional_max_pool::fractional_max_pool;

    use super::*;

    fn assert_fmp_sequence(boundaries: &[usize], n_in: usize, n_out: usize) {
        assert_eq!(boundaries.len(), n_out + 1);
        assert_eq!(boundaries.first(), Some(&0));
        assert_eq!(boundaries.last(), Some(&n_in));
        assert!(
            boundaries.windows(2).all(|pair| matches!(pair[1] - pair[0], 1 | 2)),
            "{boundaries:?}"
        );
    }

    /// An (`n_out`, `n_in`) pair with `n_out` ≤ `n_in` ≤ 2·`n_out`.
    fn sizes() -> impl Strategy<Value = (usize, usize)> {
        (1..=120_usize).prop_flat_map(|n_out| (Just(n_out), n_out..=2 * n_out))
    }

    proptest! {
        #[test]
        fn random_sequences_are_fmp_sequences((n_out, n_in) in sizes(), seed in any::<u64>()) {
            let boundaries =
                frac_pool::random_sequence(n_in, n_out, &mut rng(seed)).expect("fits");
            assert_fmp_sequence(&boundaries, n_in, n_out);
            let twos = boundaries.windows(2).filter(|pair| pair[1] - pair[0] == 2).count();
            prop_assert_eq!(twos, n_in - n_out);
        }

        #[test]
        fn pseudo_random_sequences_are_fmp_sequences(
            (n_out, n_in) in sizes(),
            u in 0.0..1.0_f64,
        ) {
            let boundaries = frac_pool::pseudo_random_sequence(n_in, n_out, u).expect("fits");
            assert_fmp_sequence(&boundaries, n_in, n_out);
            // Each boundary is the plain f64 formula, except where α(i + u) lies within the
            // snap of an integer (there f64 may land one too high).
            let alpha = n_in as f64 / n_out as f64;
            let first = (alpha * u).ceil();
            for (i, &a) in boundaries.iter().enumerate() {
                let x = alpha * (i as f64 + u);
                let near_integer = (x - x.round()).abs() < 1e-6;
                let naive = x.ceil() - first;
                let first_near_integer = (alpha * u - (alpha * u).round()).abs() < 1e-6;
                let agrees = (a as f64 - naive).abs() < 0.5;
                let snapped = near_integer || first_near_integer;
                prop_assert!(agrees || snapped, "a_{} = {} vs {}", i, a, naive);
            }
        }

        #[test]
        fn pooled_values_are_the_maxima_of_their_regions(
            side in 4..=40_usize,
            alpha in 1.01..1.99_f64,
            pseudo_random in any::<bool>(),
            overlapping in any::<bool>(),
            seed in any::<u64>(),
        ) {
            let image = frac_pool::render_pattern(Pattern::Noise, side, seed);
            let mut draws = rng(seed);
            let (pseudo, overlap) = (pseudo_random, overlapping);
            let pass = fractional_max_pool(&image, alpha, pseudo, overlap, &mut draws);
            let draw = pass.expect("side ≥ 4");
            let n_out = frac_pool::output_size(side, alpha).expect("side ≥ 2");
            prop_assert!(n_out < side && 2 * n_out >= side);
            let rows = frac_pool::regions(&draw.rows.boundaries, overlapping, side);
            let cols = frac_pool::regions(&draw.cols.boundaries, overlapping, side);
            prop_assert_eq!((rows.len(), cols.len()), (n_out, n_out));
            prop_assert_eq!((draw.pooled.width(), draw.pooled.height()), (n_out, n_out));
            for (i, r) in rows.iter().enumerate() {
                for (j, c) in cols.iter().enumerate() {
                    let pooled = draw.pooled.get(i, j).expect("inside");
                    let mut found = false;
                    for row in r.start..=r.end {
                        for col in c.start..=c.end {
                            let pixel = image.get(row, col).expect("region inside the image");
                            prop_assert!(pixel <= pooled);
                            found |= pixel >= pooled;
                        }
                    }
                    prop_assert!(found, "the maximum comes from its own region");
                }
            }
        }
    }

    #[test]
    fn exact_ceiling_avoids_the_floating_point_pitfall() {
        // α = 10/6, u = 0.2: α(4 + u) = 7 exactly, but (10.0 / 6.0) * 4.2 = 7.000000000000001.
        let alpha = 10.0 / 6.0;
        let naive: Vec<f64> =
            (0..=6).map(|i| (alpha * (f64::from(i) + 0.2)).ceil() - (alpha * 0.2).ceil()).collect();
        assert_eq!(naive, [0.0, 1.0, 3.0, 5.0, 7.0, 8.0, 10.0], "a₄ lands one too high");
        assert_eq!(frac_pool::pseudo_random_sequence(10, 6, 0.2), Some(vec![0, 1, 3, 5, 6, 8, 10]));
        // The paper's setting, α = √2 on 25 pixels.
        let sequence = frac_pool::pseudo_random_sequence(25, 17, 0.5).expect("fits");
        assert_fmp_sequence(&sequence, 25, 17);
    }

    #[test]
    fn sequences_refuse_sizes_that_do_not_fit() {
        assert!(frac_pool::random_sequence(10, 4, &mut rng(0)).is_none());
        assert!(frac_pool::random_sequence(4, 5, &mut rng(0)).is_none());
        assert!(frac_pool::random_sequence(0, 0, &mut rng(0)).is_none());
        assert!(frac_pool::pseudo_random_sequence(10, 6, f64::NAN).is_none());
        assert!(frac_pool::pseudo_random_sequence(10, 6, 1.5).is_none());
        assert!(frac_pool::pseudo_random_sequence(usize::MAX, usize::MAX / 2 + 1, 0.5).is_none());
        assert!(frac_pool::regions(&[0, 2, 2, 5], false, 5).is_empty());
        assert!(frac_pool::regions(&[0, 2, 4], false, 5).is_empty());
    }

    #[test]
    fn output_size_floors_like_tensorflow_and_stays_in_range() {
        assert_eq!(frac_pool::output_size(25, 1.414), Some(17));
        assert_eq!(frac_pool::output_size(25, std::f64::consts::SQRT_2), Some(17));
        assert_eq!(frac_pool::output_size(36, std::f64::consts::SQRT_2), Some(25));
        assert_eq!(frac_pool::output_size(5, 1.99), Some(3), "⌊5/1.99⌋ = 2 cannot cover 5");
        assert_eq!(frac_pool::output_size(4, 1.000_000_1), Some(3));
        assert_eq!(frac_pool::output_size(1, 1.5), None);
        assert_eq!(frac_pool::output_size(10, f64::NAN), None);
    }

    #[test]
    fn disjoint_regions_tile_and_overlapping_regions_share_boundaries() {
        let boundaries = [0, 2, 3, 5, 7, 8];
        let disjoint = frac_pool::regions(&boundaries, false, 8);
        let spans: Vec<(usize, usize)> = disjoint.iter().map(|r| (r.start, r.end)).collect();
        assert_eq!(spans, [(0, 1), (2, 2), (3, 4), (5, 6), (7, 7)]);
        assert_eq!(disjoint.iter().map(PoolRegion::len).sum::<usize>(), 8);
        let overlapping = frac_pool::regions(&boundaries, true, 8);
        let spans: Vec<(usize, usize)> = overlapping.iter().map(|r| (r.start, r.end)).collect();
        assert_eq!(
            spans,
            [(0, 2), (2, 3), (3, 5), (5, 7), (7, 7)],
            "the last is clamped to the image"
        );
    }

    #[test]
    fn max_pool_2x2_and_patterns() {
        let image = Image::new(3, 3, (0..9).map(f64::from).collect()).expect("3 × 3");
        let pooled = frac_pool::max_pool_2x2(&image);
        assert_eq!((pooled.width(), pooled.height(), pooled.pixels()), (1, 1, &[4.0][..]));
        assert!(Image::new(3, 3, vec![0.0; 8]).is_none());
        for pattern in Pattern::ALL {
            let image = frac_pool::render_pattern(pattern, 25, 1);
            assert_eq!((image.width(), image.height()), (25, 25));
            assert!(image.pixels().iter().all(|v| (0.0..=1.0).contains(v)), "{}", pattern.name());
        }
        let dot = frac_pool::render_pattern(Pattern::SinglePixel, 25, 0);
        assert_eq!(dot.pixels().iter().filter(|&&v| v > 0.5).count(), 1);
        assert_eq!(dot.get(12, 12), Some(1.0));
        assert_eq!(frac_pool::render_pattern(Pattern::Gradient, 100_000, 0).width(), 256);
    }

    #[test]
    fn torch_window_starts_follow_generate_intervals() {
        // Python: int((i + u)·β) − int(u·β), β = (n_in − k)/(n_out − 1), last = n_in − k.
        let starts = frac_pool::torch_interval_starts(25, 17, 2, 0.7).expect("fits");
        assert_eq!(starts, [0, 1, 2, 4, 5, 7, 8, 10, 11, 12, 14, 15, 17, 18, 20, 21, 23]);
        assert_eq!(frac_pool::torch_interval_starts(10, 5, 2, 0.5), Some(vec![0, 2, 4, 6, 8]));
        assert_eq!(frac_pool::torch_interval_starts(9, 4, 3, 0.91), Some(vec![0, 2, 4, 6]));
        assert_eq!(frac_pool::torch_interval_starts(9, 1, 3, 0.4), Some(vec![6]));
        assert!(frac_pool::torch_interval_starts(4, 4, 2, 0.5).is_none(), "n_out + k − 1 > n_in");
        assert!(frac_pool::torch_interval_starts(9, 4, 0, 0.5).is_none());
    }

    #[test]
    fn torch_pooling_takes_the_first_maximum_and_propagates_nan() {
        // A 4 × 5 plane:   0 6 2 3 4 / 5 6 0 1 2 / 3 4 5 6 0 / 1 2 NaN 4 5.
        let mut pixels: Vec<f64> = (0..20).map(|i| f64::from(i % 7)).collect();
        pixels[1] = 6.0; // ties with pixel 6 inside the first window
        pixels[17] = f64::NAN;
        let image = Image::new(5, 4, pixels).expect("4 × 5");
        // Kernel 2 × 2, output 2 × 3; u = 0.5 for the width, 0.25 for the height.
        let params = TorchFractionalPool { kernel: [2, 2], output: [2, 3], samples: [0.5, 0.25] };
        // Width: β = 3/2, starts int(0.75) − 0 = 0, int(2.25) = 2, last 3.
        // Height: β = 2, starts [0, 2].
        assert_eq!(frac_pool::torch_interval_starts(5, 3, 2, 0.5), Some(vec![0, 2, 3]));
        assert_eq!(frac_pool::torch_interval_starts(4, 2, 2, 0.25), Some(vec![0, 2]));
        let pooled = frac_pool::torch_fractional_max_pool2d(&image, params).expect("fits");
        assert_eq!((pooled.values.width(), pooled.values.height()), (3, 2));
        // The first of equal maxima wins (index 1, not 6); NaN replaces the maximum and stays.
        assert_eq!(pooled.indices, [1, 3, 4, 11, 17, 13]);
        let values = pooled.values.pixels();
        assert_eq!(values.iter().filter(|v| v.is_nan()).count(), 1);
        let finite: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        assert_eq!(finite, [6.0, 3.0, 4.0, 4.0, 6.0]);
        let too_big = TorchFractionalPool { output: [4, 3], ..params };
        assert!(frac_pool::torch_fractional_max_pool2d(&image, too_big).is_none());
    }

    #[test]
    fn frac_pool_lab_runs_and_validates() {
        let lab = FractionalMaxPoolLab::default();
        assert_eq!(lab.validate(), Ok(()));
        assert!(FractionalMaxPoolLab { alpha: 2.0, ..lab.clone() }.validate().is_err());
        assert!(FractionalMaxPoolLab { input_size: 3, ..lab.clone() }.validate().is_err());
        let run = lab.run().expect("25 pixels");
        assert_eq!(run.draw.pooled.width(), 17);
        assert_eq!(run.row_regions.len(), 17);
        assert!(run.draw.rows.u.is_some());
        assert_eq!((run.max_pooled.width(), run.max_pooled.height()), (12, 12));
        assert_eq!(run, lab.run().expect("again"), "a seed reproduces the same draw");
        let random =
            FractionalMaxPoolLab { pseudo_random: false, overlapping: true, ..lab.clone() };
        assert!(random.run().expect("random").draw.cols.u.is_none());
        let average = lab.averaged(8).expect("averages");
        let peak = lab.image().pixels().iter().copied().fold(f64::MIN, f64::max);
        assert!(average.pixels().iter().all(|&v| (0.0..=peak).contains(&v)));
        assert!(ron::from_str::<FractionalMaxPoolLab>("(alpha: 1.0)").is_err());
        let parsed: FractionalMaxPoolLab = ron::from_str("(pattern: Checkerboard)").expect("valid");
        assert_eq!(parsed.pattern, Pattern::Checkerboard);
    }
}

/// Stochastic depth.
mod stoch_depth_lab {
    use super::*;

    #[test]
    fn linear_decay_and_expected_depth_of_resnet_110() {
        let survival = stoch_depth::survival_probabilities(54, 0.5);
        assert_eq!(survival.len(), 54);
        for (l, p) in (1..=54).zip(&survival) {
            assert!((p - (1.0 - f64::from(l) / 54.0 * 0.5)).abs() < 1e-15);
        }
        assert!((survival[0] - (1.0 - 0.5 / 54.0)).abs() < 1e-15);
        assert!((survival[53] - 0.5).abs() < 1e-15);
        assert!((stoch_depth::expected_depth(54, 0.5) - 40.25).abs() < 1e-12);
        assert!((StochasticDepthLab::default().expected_depth() - 40.25).abs() < 1e-12);
        for (blocks, p_last) in [(1, 0.5), (10, 0.2), (1000, 0.9), (7, 1.0)] {
            let closed = stoch_depth::expected_depth_closed_form(blocks, p_last);
            assert!((stoch_depth::expected_depth(blocks, p_last) - closed).abs() < 1e-9);
        }
    }

    #[test]
    fn decay_rule_variants() {
        let rate = 0.5;
        let linear = stoch_depth::drop_probabilities(DecayRule::Linear, 4, rate);
        assert_eq!(linear, [0.125, 0.25, 0.375, 0.5]);
        let linspace = stoch_depth::drop_probabilities(DecayRule::Linspace, 5, 0.1);
        assert_eq!(
            (linspace[0], linspace[4]),
            (0.0, 0.1),
            "first never drops, last exactly the rate"
        );
        assert!((linspace[2] - 0.05).abs() < 1e-16);
        let zero_based = stoch_depth::drop_probabilities(DecayRule::ZeroBased, 4, rate);
        assert_eq!(zero_based, [0.0, 0.125, 0.25, 0.375]);
        assert_eq!(stoch_depth::drop_probabilities(DecayRule::Uniform, 3, rate), [0.5; 3]);
        assert_eq!(stoch_depth::drop_probabilities(DecayRule::Linspace, 1, rate), [0.0]);
        let survival = stoch_depth::survival_probabilities_with(DecayRule::ZeroBased, 4, 0.5);
        assert_eq!(survival, [1.0, 0.875, 0.75, 0.625]);
    }

    #[test]
    fn raster_kept_fractions_match_the_survival_probabilities() {
        let lab = StochasticDepthLab { batches: 4000, ..StochasticDepthLab::default() };
        let raster = lab.raster();
        assert_eq!((raster.batches(), raster.blocks()), (4000, 54));
        let batches = raster.batches() as f64;
        for (fraction, p) in raster.kept_fraction_per_block().iter().zip(lab.survival()) {
            let bound = SIGMAS * (p * (1.0 - p) / batches).sqrt();
            assert!((fraction - p).abs() <= bound, "{fraction} vs {p}");
        }
        let depths: Vec<f64> = raster.active_blocks_per_batch().iter().map(|&d| d as f64).collect();
        let depth_variance: f64 = lab.survival().iter().map(|p| p * (1.0 - p)).sum();
        let bound = SIGMAS * (depth_variance / batches).sqrt();
        assert!((mean(&depths) - 40.25).abs() <= bound);
        assert_eq!(raster.kept(0, 54), None);
        assert_eq!(raster.row(0).map(<[bool]>::len), Some(54));
    }

    /// A stack whose branch relus never switch off (non-negative weights, biases and input), so
    /// the output is multilinear in the gates and both test rules are exact in expectation.
    fn linear_regime_stack(blocks: usize) -> ResidualStack {
        let block = |l: usize| ResidualBlock {
            weights: (0..9).map(|i| 0.02 * ((i + l) % 4) as f64).collect(),
            bias: vec![0.05, 0.0, 0.1],
        };
        ResidualStack::new(vec![1.0, 0.5, 2.0], (0..blocks).map(block).collect()).expect("3 wide")
    }

    #[test]
    fn both_test_rules_match_the_training_mean_in_expectation() {
        let stack = linear_regime_stack(20);
        let survival = stoch_depth::survival_probabilities(20, 0.5);
        let comparison =
            stoch_depth::compare_test_rules(&stack, &survival, 5000, &mut rng(11)).expect("fits");
        let checks = [
            (
                &comparison.paper_train_mean,
                &comparison.paper_train_std_error,
                &comparison.paper_test,
            ),
            (
                &comparison.inverted_train_mean,
                &comparison.inverted_train_std_error,
                &comparison.inverted_test,
            ),
        ];
        for (train, errors, test) in checks {
            for ((m, se), t) in train.iter().zip(errors).zip(test) {
                assert!((m - t).abs() <= SIGMAS * se, "{m} vs {t} ± {se}");
            }
        }
        // The two conventions differ in scale: the paper's test output is not the full network.
        assert!(comparison.paper_test[0] < comparison.inverted_test[0]);
        assert!(stoch_depth::compare_test_rules(&stack, &survival[1..], 10, &mut rng(0)).is_none());
    }

    #[test]
    fn seeded_stack_stays_bounded_and_close_to_its_test_rule() {
        let lab = StochasticDepthLab::default();
        let comparison = lab.compare_test_rules().expect("one probability per block");
        assert_eq!(comparison.paper_test.len(), stoch_depth::RESIDUAL_WIDTH);
        for ((m, se), t) in comparison
            .paper_train_mean
            .iter()
            .zip(&comparison.paper_train_std_error)
            .zip(&comparison.paper_test)
        {
            assert!(t.is_finite() && t.abs() < 100.0);
            // Only approximately equal: the branch ReLUs make the rule an approximation.
            assert!((m - t).abs() <= SIGMAS * se + 0.05 * t.abs(), "{m} vs {t}");
        }
        let deep = StochasticDepthLab { blocks: 1000, ..lab };
        let stack = ResidualStack::seeded(deep.blocks, &mut rng(0));
        let full = stack.forward(&vec![1.0; 1000]);
        assert!(full.iter().all(|v| v.is_finite() && v.abs() < 100.0), "{full:?}");
    }

    #[test]
    fn torchvision_stochastic_depth_with_injected_draws() {
        let x: Vec<f64> = (0..6).map(|i| f64::from(i) - 2.5).collect(); // 3 rows of 2
        let rows = stoch_depth::torchvision_stochastic_depth(
            &x,
            3,
            0.2,
            SdMode::Row,
            true,
            &[true, false, true],
        )
        .expect("fits");
        let scale = 1.0 / (1.0 - 0.2);
        assert_eq!(rows, [x[0] * scale, x[1] * scale, 0.0, 0.0, x[4] * scale, x[5] * scale]);
        let batch =
            stoch_depth::torchvision_stochastic_depth(&x, 3, 0.2, SdMode::Batch, true, &[true])
                .expect("fits");
        assert_eq!(batch, x.iter().map(|v| v * scale).collect::<Vec<_>>());
        let dropped =
            stoch_depth::torchvision_stochastic_depth(&x, 3, 0.2, SdMode::Batch, true, &[false]);
        assert!(dropped.expect("fits").iter().all(|&v| v == 0.0));
        // Eval mode and p = 0 return the input untouched, whatever the draws.
        assert_eq!(
            stoch_depth::torchvision_stochastic_depth(&x, 3, 0.2, SdMode::Row, false, &[]),
            Some(x.clone())
        );
        assert_eq!(
            stoch_depth::torchvision_stochastic_depth(&x, 3, 0.0, SdMode::Row, true, &[]),
            Some(x.clone())
        );
        // p = 1: nothing survives and nothing is divided by zero.
        let all =
            stoch_depth::torchvision_stochastic_depth(&x, 3, 1.0, SdMode::Row, true, &[false; 3]);
        assert!(all.expect("fits").iter().all(|&v| v == 0.0));
        // torchvision raises for p outside [0, 1]; shapes must fit.
        let refused: [(usize, f64, &[bool]); 3] =
            [(3, 1.5, &[true; 3]), (4, 0.2, &[true; 4]), (3, 0.2, &[true; 2])];
        for (batch, p_drop, survived) in refused {
            let out = stoch_depth::torchvision_stochastic_depth(
                &x,
                batch,
                p_drop,
                SdMode::Row,
                true,
                survived,
            );
            assert!(out.is_none(), "batch {batch}, p {p_drop}, {} draws", survived.len());
        }
        let draws = stoch_depth::sample_survivors(SdMode::Row, 3, 0.2, &mut rng(1));
        assert_eq!(draws.len(), 3);
    }

    #[test]
    fn stoch_depth_lab_validates_and_parses() {
        let lab = StochasticDepthLab::default();
        assert_eq!(lab.validate(), Ok(()));
        assert!(StochasticDepthLab { final_survival: 0.0, ..lab.clone() }.validate().is_err());
        assert!(StochasticDepthLab { blocks: 0, ..lab.clone() }.validate().is_err());
        assert!(StochasticDepthLab { batches: 20_000, ..lab.clone() }.validate().is_err());
        let parsed: StochasticDepthLab =
            ron::from_str("(blocks: 18, final_survival: 0.8)").expect("valid");
        assert_eq!(parsed, StochasticDepthLab { blocks: 18, final_survival: 0.8, ..lab });
        assert!(ron::from_str::<StochasticDepthLab>("(final_survival: 1.2)").is_err());
    }
}
