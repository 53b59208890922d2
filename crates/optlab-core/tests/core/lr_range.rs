//! The LR range test against fastai: the exponential ramp, the debiased smoothing, the stop
//! rule, the `[num_it/10, −5)` window cut at the first NaN, and the four suggestion functions
//! on synthetic curves whose expected values come from `benches/lr_find_reference.py` (fastai's
//! `valley`, `slide`, `minimum` and `steep` transcribed from `fastai/callback/schedule.py`,
//! commit 0a049e8, run with numpy 2.4 in float64). The last part trains the spiral net.

use optlab_core::optim::OptimizerConfig;
use optlab_core::train::lr_range::{
    self, RangePlan, RangeTest, SmoothLoss, Stop, Suggested, ramp_lr, run_with,
};
use optlab_core::train::{Trainer, TrainingConfig};

fn plan(start_lr: f64, end_lr: f64, num_it: usize, stop_div: bool) -> RangePlan {
    RangePlan { start_lr, end_lr, num_it, stop_div }
}

/// The reference script's curves, as functions of lr.
fn classic(lr: f64) -> f64 {
    let x = lr.log10();
    1.0 - 0.8 * (x + 3.0).tanh() + 0.002 * (3.0 * (x + 1.0)).exp()
}

fn diverging(lr: f64) -> f64 {
    let x = lr.log10();
    0.5 - 0.3 * (x + 4.0).tanh() + 0.01 * (4.0 * (x + 2.0)).exp() + 0.03 * (40.0 * x).sin()
}

fn nan_above(lr: f64) -> f64 {
    if lr > 0.1 { f64::NAN } else { classic(lr) }
}

fn simulate(plan: &RangePlan, curve: fn(f64) -> f64) -> RangeTest {
    run_with(plan, |lr| Some(curve(lr)))
}

/// Asserts a suggestion equals the reference `(lr, marked lr, marked loss)` to 1e-12.
fn assert_suggestion(what: &str, got: &Suggested, expected: [f64; 3]) {
    let s = got.as_ref().unwrap_or_else(|e| panic!("{what}: no suggestion: {e}"));
    for (value, want) in [s.lr, s.marked_lr, s.marked_loss].into_iter().zip(expected) {
        assert!((value - want).abs() <= 1e-12 * want.abs(), "{what}: {s:?} against {expected:?}");
    }
}

#[test]
fn the_ramp_is_fastais_sched_exp_and_never_reaches_its_end() {
    assert!((ramp_lr(1e-7, 10.0, 0, 100) - 1e-7).abs() < 1e-22);
    assert!((ramp_lr(1e-7, 10.0, 50, 100) - 10f64.powf(-3.0)).abs() < 1e-15);
    let test = simulate(&plan(1e-7, 10.0, 100, false), classic);
    assert_eq!(test.lrs.len(), 100);
    let last = test.lrs[99];
    assert!((last - 1e-7 * 1e8f64.powf(0.99)).abs() < 1e-12 * last && last < 10.0, "{last}");
    assert!(test.lrs.windows(2).all(|w| w[1] > w[0]));
}

#[test]
fn smoothing_is_debiased_so_the_first_value_is_the_first_loss() {
    let mut smooth = SmoothLoss::default();
    let first = smooth.push(2.5);
    assert!((first - 2.5).abs() < 1e-14, "{first}");
    // Second: (0.02·0.98·2.5 + 0.02·1.0) / (1 − 0.98²), written out.
    let second = smooth.push(1.0);
    let expected = (0.98 * 0.02 * 2.5 + 0.02 * 1.0) / (1.0 - 0.98 * 0.98);
    assert!((second - expected).abs() < 1e-14, "{second} against {expected}");
    // A constant loss stays itself.
    let mut constant = SmoothLoss::default();
    assert!((0..50).map(|_| constant.push(0.7)).all(|v| (v - 0.7).abs() < 1e-12));
}

#[test]
fn the_test_stops_when_the_smoothed_loss_passes_four_times_its_minimum() {
    let test = simulate(&plan(1e-7, 10.0, 100, true), diverging);
    assert_eq!(test.stop, Stop::Diverged);
    // The reference recorded 87 points; the last is above 4× the best, the one before not.
    assert_eq!(test.smoothed.len(), 87);
    let best_before = test.smoothed[..86].iter().copied().fold(f64::INFINITY, f64::min);
    assert!(test.smoothed[86] > 4.0 * best_before);
    assert!(test.smoothed[85] <= 4.0 * best_before);
    assert!((test.smoothed[86] - 1.897_853_789_716_486_2).abs() < 1e-12);
    // Without stop_div it runs every iteration.
    let all = simulate(&plan(1e-7, 10.0, 100, false), diverging);
    assert_eq!((all.stop, all.lrs.len()), (Stop::Iterations, 100));
}

#[test]
fn the_window_is_python_s_slice_cut_at_the_first_nan() {
    assert_eq!(lr_range::window(&[0.0; 100], 100), 10..95);
    assert_eq!(lr_range::window(&[0.0; 87], 100), 10..82);
    assert_eq!(lr_range::window(&[0.0; 12], 100), 10..10);
    assert_eq!(lr_range::window(&[0.0; 3], 100), 3..3);
    let mut with_nan = vec![1.0; 100];
    with_nan[40] = f64::NAN;
    with_nan[60] = f64::NAN;
    assert_eq!(lr_range::window(&with_nan, 100), 10..40);
    let test = simulate(&plan(1e-7, 10.0, 100, false), nan_above);
    assert_eq!(test.window.len(), 66, "the reference keeps 66 points");
    assert!(test.smoothed[test.window.clone()].iter().all(|v| v.is_finite()));
}

#[test]
#[expect(
    clippy::unreadable_literal,
    reason = "the digits as benches/lr_find_reference.py prints them, to compare by eye"
)]
fn suggestions_match_fastai_on_the_classic_curve() {
    let test = simulate(&plan(1e-7, 10.0, 100, true), classic);
    assert_eq!((test.lrs.len(), test.window.len()), (100, 85));
    assert!((test.smoothed[0] - 1.799_463_439_821_713_8).abs() < 1e-12);
    let s = &test.suggestions;
    assert_suggestion(
        "valley",
        &s.valley,
        [0.001202264434617413, 0.001202264434617413, 1.5797514484997335],
    );
    assert_suggestion(
        "slide",
        &s.slide,
        [0.005248074602497722, 0.005248074602497722, 1.3870023105672493],
    );
    assert_suggestion(
        "minimum",
        &s.minimum,
        [0.3311311214825908, 3.3113112148259076, 0.7277492645617782],
    );
    assert_suggestion(
        "steep",
        &s.steep,
        [0.006309573444801929, 0.006309573444801929, 1.3610796743424842],
    );
}

#[test]
#[expect(
    clippy::unreadable_literal,
    reason = "the digits as benches/lr_find_reference.py prints them, to compare by eye"
)]
fn suggestions_match_fastai_on_a_diverging_noisy_curve() {
    let test = simulate(&plan(1e-7, 10.0, 100, true), diverging);
    assert_eq!(test.window.len(), 72);
    let s = &test.suggestions;
    assert_suggestion(
        "valley",
        &s.valley,
        [0.00019054607179632462, 0.00019054607179632462, 0.6799682965478914],
    );
    assert_suggestion(
        "slide",
        &s.slide,
        [0.0020892961308540407, 0.0020892961308540407, 0.5487585676518278],
    );
    assert_suggestion(
        "minimum",
        &s.minimum,
        [0.005754399373371566, 0.05754399373371566, 0.43457099785355363],
    );
    assert_suggestion(
        "steep",
        &s.steep,
        [0.0003981071705534973, 0.0003981071705534973, 0.6397312098014939],
    );
}

#[test]
#[expect(
    clippy::unreadable_literal,
    reason = "the digits as benches/lr_find_reference.py prints them, to compare by eye"
)]
fn suggestions_match_fastai_on_a_long_ramp() {
    let test = simulate(&plan(1e-6, 1.0, 300, false), diverging);
    assert_eq!((test.lrs.len(), test.window.len()), (300, 265));
    let s = &test.suggestions;
    assert_suggestion(
        "valley",
        &s.valley,
        [0.00043651583224016595, 0.00043651583224016595, 0.5215715683923381],
    );
    assert_suggestion(
        "slide",
        &s.slide,
        [0.043651583224016584, 0.043651583224016584, 0.2856147535225305],
    );
    assert_suggestion(
        "minimum",
        &s.minimum,
        [0.003630780547701014, 0.03630780547701014, 0.28145338237924233],
    );
    assert_suggestion(
        "steep",
        &s.steep,
        [0.00030199517204020164, 0.00030199517204020164, 0.5552220350268308],
    );
}

#[test]
#[expect(
    clippy::unreadable_literal,
    reason = "the digits as benches/lr_find_reference.py prints them, to compare by eye"
)]
fn suggestions_match_fastai_after_a_nan_cut() {
    let test = simulate(&plan(1e-7, 10.0, 100, false), nan_above);
    let s = &test.suggestions;
    assert_suggestion(
        "valley",
        &s.valley,
        [0.00022908676527677726, 0.00022908676527677726, 1.7194128410588032],
    );
    assert_suggestion(
        "slide",
        &s.slide,
        [0.005248074602497722, 0.005248074602497722, 1.3870023105672493],
    );
    assert_suggestion(
        "minimum",
        &s.minimum,
        [0.009999999999999998, 0.09999999999999999, 1.0068918998687304],
    );
    assert_suggestion(
        "steep",
        &s.steep,
        [0.006309573444801929, 0.006309573444801929, 1.3610796743424842],
    );
}

#[test]
#[expect(
    clippy::unreadable_literal,
    reason = "the digits as benches/lr_find_reference.py prints them, to compare by eye"
)]
fn a_short_test_has_no_slide_suggestion_and_says_why() {
    let test = simulate(&plan(1e-7, 10.0, 20, true), classic);
    assert_eq!(test.window.len(), 13);
    let s = &test.suggestions;
    let why = s.slide.as_ref().expect_err("13 points are too few for slide");
    assert!(why.contains("13 points") && why.contains("16"), "{why}");
    assert_suggestion(
        "valley",
        &s.valley,
        [6.309573444801929e-05, 6.309573444801929e-05, 1.767330106965432],
    );
    assert_suggestion(
        "minimum",
        &s.minimum,
        [0.003981071705534969, 0.03981071705534969, 1.2700236150126936],
    );
    assert_suggestion(
        "steep",
        &s.steep,
        [0.002511886431509582, 0.002511886431509582, 1.5359617276836264],
    );
}

#[test]
fn valley_keeps_python_s_negative_index() {
    // max_start = max_end − lds = 1 − 2 = −1, idx = −1: Python reads the last point.
    let s = lr_range::valley(&[1.0, 2.0, 3.0, 4.0], &[5.0, 4.0, 6.0, 7.0]);
    assert_suggestion("valley", &s, [4.0, 4.0, 7.0]);
}

#[test]
fn too_few_points_give_reasons_not_panics() {
    let none: [f64; 0] = [];
    assert!(lr_range::valley(&none, &none).is_err());
    assert!(lr_range::slide(&none, &none).is_err());
    assert!(lr_range::minimum(&none, &none).is_err());
    assert!(lr_range::steep(&none, &none).is_err());
    assert!(lr_range::steep(&[1.0], &[2.0]).is_err());
    // All NaN: the window is empty and every suggestion says why.
    let test = simulate(&plan(1e-7, 10.0, 100, false), |_| f64::NAN);
    assert!(test.window.is_empty());
    let s = &test.suggestions;
    assert!(s.valley.is_err() && s.slide.is_err() && s.minimum.is_err() && s.steep.is_err());
    assert!(test.summary_values().iter().all(|(_, v)| v.is_nan()));
}

#[test]
fn numpy_helpers_behave_as_numpy() {
    assert_eq!(lr_range::np_gradient(&[1.0, 2.0, 4.0, 7.0]), [1.0, 1.5, 2.5, 3.0]);
    let (xp, fp) = ([0.0, 1.0, 2.0], [10.0, 20.0, 40.0]);
    assert!((lr_range::np_interp(1.5, &xp, &fp) - 30.0).abs() < 1e-12);
    assert!((lr_range::np_interp(-1.0, &xp, &fp) - 10.0).abs() < 1e-12);
    assert!((lr_range::np_interp(3.0, &xp, &fp) - 40.0).abs() < 1e-12);
    assert!((lr_range::np_interp(1.0, &xp, &fp) - 20.0).abs() < 1e-12);
}

fn spiral(optimizer: OptimizerConfig, batch_size: usize) -> TrainingConfig {
    TrainingConfig { optimizer, batch_size, ..TrainingConfig::default() }
}

#[test]
fn the_range_test_on_a_copy_leaves_the_run_unchanged_and_repeats_exactly() {
    let config = spiral(OptimizerConfig::Sgd { lr: 1.0, weight_decay: 0.0 }, 32);
    let trainer = Trainer::new(&config).expect("valid");
    let range = plan(1e-4, 10.0, 60, true);
    let first = lr_range::run(&mut trainer.clone(), &range);
    let second = lr_range::run(&mut trainer.clone(), &range);
    assert_eq!(first, second);
    assert_eq!(trainer.updates(), 0);
    assert_eq!(trainer.network(), Trainer::new(&config).expect("valid").network());
    // 240 training points, batches of 32: 8 per pass, so 60 updates cross 7 reshuffles.
    assert!(first.lrs.len() > 8, "{:?}", first.stop);
    // The first recorded loss is an untrained batch's (finite, of order ln 3), and smoothing
    // starts at it.
    assert!(first.losses[0] > 0.5 && first.losses[0] < 5.0, "{}", first.losses[0]);
    assert!((first.smoothed[0] - first.losses[0]).abs() < 1e-12);
}

#[test]
fn lbfgs_is_refused_with_a_reason() {
    let lbfgs = ron::from_str("Lbfgs(strong_wolfe: true)").expect("L-BFGS");
    let config = spiral(lbfgs, 32);
    let trainer = Trainer::new(&config).expect("valid");
    let test = lr_range::run(&mut trainer.clone(), &plan(1e-7, 10.0, 100, true));
    let Stop::Refused(why) = &test.stop else { panic!("{:?}", test.stop) };
    assert!(why.contains("L-BFGS"), "{why}");
    assert!(test.lrs.is_empty() && test.suggestions.valley.is_err());
}
