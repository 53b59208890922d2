//! Properties of the optimizers that hold for any input, and the RON contract of
//! `OptimizerConfig`.

use optlab_core::optim::{
    MuonLrAdjust, Optimizer, OptimizerConfig, RuleVisitor, Shape, UpdateRule,
};
use proptest::prelude::*;

/// A finite coordinate of moderate size.
fn coordinate() -> impl Strategy<Value = f64> {
    -100.0..100.0f64
}

/// A gradient coordinate with |g| in [0.1, 1000], far above the default ε.
fn large_gradient() -> impl Strategy<Value = f64> {
    (0.1..1e3f64, any::<bool>()).prop_map(|(size, negative)| if negative { -size } else { size })
}

/// 0 half of the time (the common case with its own code path), else a value in `range`.
fn often_zero(range: std::ops::Range<f64>) -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), range]
}

/// Any valid config with ε > 0 (ε = 0 with a zero gradient is 0/0 in torch too).
fn config() -> impl Strategy<Value = OptimizerConfig> {
    let lr = || 0.0..2.0f64;
    let wd = || often_zero(0.0..0.5);
    let unit = || 0.0..=1.0f64;
    let eps = || 1e-10..1.0f64;
    let beta = || 0.0..0.9999f64;
    prop_oneof![
        (lr(), wd()).prop_map(|(lr, weight_decay)| OptimizerConfig::Sgd { lr, weight_decay }),
        (lr(), unit(), unit(), wd()).prop_map(|(lr, momentum, dampening, weight_decay)| {
            OptimizerConfig::Momentum { lr, momentum, dampening, weight_decay }
        }),
        (lr(), 0.01..=1.0f64, wd()).prop_map(|(lr, momentum, weight_decay)| {
            OptimizerConfig::Nesterov { lr, momentum, weight_decay }
        }),
        (lr(), 0.01..=1.0f64)
            .prop_map(|(lr, momentum)| OptimizerConfig::NesterovLookahead { lr, momentum }),
        (lr(), often_zero(0.0..1.0), eps(), often_zero(0.0..1.0), wd()).prop_map(
            |(lr, lr_decay, eps, initial_accumulator, weight_decay)| OptimizerConfig::Adagrad {
                lr,
                lr_decay,
                eps,
                initial_accumulator,
                weight_decay
            }
        ),
        (lr(), beta(), eps(), any::<bool>(), often_zero(0.0..1.0), wd()).prop_map(
            |(lr, decay_rate, eps, centered, momentum, weight_decay)| OptimizerConfig::RmsProp {
                lr,
                decay_rate,
                eps,
                centered,
                momentum,
                weight_decay
            }
        ),
        (lr(), beta(), beta(), eps(), any::<bool>(), any::<bool>(), wd()).prop_map(
            |(lr, beta1, beta2, eps, bias_correction, amsgrad, weight_decay)| {
                OptimizerConfig::Adam {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    bias_correction,
                    amsgrad,
                    weight_decay,
                }
            }
        ),
        (lr(), beta(), beta(), eps(), any::<bool>(), wd()).prop_map(
            |(lr, beta1, beta2, eps, amsgrad, weight_decay)| OptimizerConfig::AdamW {
                lr,
                beta1,
                beta2,
                eps,
                amsgrad,
                weight_decay
            }
        ),
        adam_family(),
        // Lion and Schedule-Free (signsf).
        crate::signsf_properties::config(),
        // Adadelta, ASGD and Rprop (issue 16).
        (lr(), unit(), eps(), wd()).prop_map(|(lr, rho, eps, weight_decay)| {
            OptimizerConfig::Adadelta { lr, rho, eps, weight_decay }
        }),
        (lr(), often_zero(0.0..0.1), unit(), 0.0..50.0f64, wd()).prop_map(
            |(lr, lambd, alpha, t0, weight_decay)| OptimizerConfig::Asgd {
                lr,
                lambd,
                alpha,
                t0,
                weight_decay
            }
        ),
        (lr(), 0.01..0.99f64, 1.01..3.0f64, 0.0..1e-3f64, 1e-3..100.0f64).prop_map(
            |(lr, eta_minus, eta_plus, step_min, step_max)| OptimizerConfig::Rprop {
                lr,
                eta_minus,
                eta_plus,
                step_min,
                step_max
            }
        ),
        // Adafactor and Muon (issue 16).
        (lr(), -1.0..=0.0f64, prop::option::of(0.0..1e-3f64), 0.0..0.1f64, 1.0..10.0f64, wd())
            .prop_map(|(lr, beta2_decay, eps1, eps2, d, weight_decay)| {
                OptimizerConfig::Adafactor { lr, beta2_decay, eps1, eps2, d, weight_decay }
            }),
        (lr(), wd(), unit(), any::<bool>(), eps(), 0..8usize, any::<bool>()).prop_map(
            |(lr, weight_decay, momentum, nesterov, eps, ns_steps, rms)| OptimizerConfig::Muon {
                lr,
                weight_decay,
                momentum,
                nesterov,
                ns_coefficients: (3.4445, -4.775, 2.0315),
                eps,
                ns_steps,
                adjust_lr: if rms { MuonLrAdjust::MatchRmsAdamW } else { MuonLrAdjust::Original },
            }
        ),
    ]
}

/// `NAdam`, `RAdam` and Adamax, any valid fields with ε > 0.
fn adam_family() -> BoxedStrategy<OptimizerConfig> {
    let moments = (0.0..2.0f64, 0.0..0.9999f64, 0.0..0.9999f64, 1e-10..1.0f64);
    let decay = (often_zero(0.0..0.5), any::<bool>());
    (moments, decay, 0.0..0.1f64, 0..3u8)
        .prop_map(|((lr, beta1, beta2, eps), (weight_decay, decoupled), momentum_decay, which)| {
            match which {
                0 => OptimizerConfig::Adamax { lr, beta1, beta2, eps, weight_decay },
                1 => OptimizerConfig::NAdam {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    weight_decay,
                    momentum_decay,
                    decoupled_weight_decay: decoupled,
                },
                _ => OptimizerConfig::RAdam {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    weight_decay,
                    decoupled_weight_decay: decoupled,
                },
            }
        })
        .boxed()
}

fn adam(lr: f64, beta1: f64, beta2: f64) -> OptimizerConfig {
    OptimizerConfig::Adam {
        lr,
        beta1,
        beta2,
        eps: 1e-8,
        bias_correction: true,
        amsgrad: false,
        weight_decay: 0.0,
    }
}

/// Runs `steps` updates with gradients taken from `grads` in turn, at the gradient point.
fn run(optimizer: &mut Optimizer, params: &mut [f64], grads: &[Vec<f64>], lr: f64) {
    for grad in grads {
        optimizer.step(params, grad, lr);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn zero_gradient_leaves_sgd_unchanged(
        params in prop::collection::vec(coordinate(), 1..8),
        lr in 0.0..10.0f64,
    ) {
        let mut moved = params.clone();
        let mut optimizer = OptimizerConfig::Sgd { lr, weight_decay: 0.0 }.build(params.len());
        optimizer.step(&mut moved, &vec![0.0; params.len()], lr);
        prop_assert_eq!(moved, params);
    }

    #[test]
    fn first_bias_corrected_adam_step_moves_each_coordinate_by_lr(
        start in prop::collection::vec(coordinate(), 1..8),
        grad_seed in prop::collection::vec(large_gradient(), 8),
        lr in 1e-4..1.0f64,
        beta1 in 0.0..0.999f64,
        beta2 in 0.0..0.9999f64,
    ) {
        // m̂ = g and v̂ = g² on the first step, so Δ = −lr·g/(|g| + ε).
        let grad = &grad_seed[..start.len()];
        let mut params = start.clone();
        adam(lr, beta1, beta2).build(start.len()).step(&mut params, grad, lr);
        for ((after, before), g) in params.iter().zip(&start).zip(grad) {
            let delta = after - before;
            prop_assert!((delta.abs() - lr).abs() <= 1e-6 * lr, "Δ {delta}, lr {lr}");
            prop_assert!(delta * g <= 0.0, "moves against the gradient");
        }
    }

    #[test]
    fn first_rmsprop_step_is_lr_over_root_one_minus_decay(
        start in prop::collection::vec(coordinate(), 1..8),
        grad_seed in prop::collection::vec(large_gradient(), 8),
        lr in 1e-4..1.0f64,
        decay_rate in 0.0..0.999f64,
    ) {
        // v = (1 − α)g², so Δ = −lr·g/(√(1 − α)|g| + ε) ≈ −lr·sign(g)/√(1 − α).
        let grad = &grad_seed[..start.len()];
        let eps = 1e-8;
        let config = OptimizerConfig::RmsProp {
            lr, decay_rate, eps, centered: false, momentum: 0.0, weight_decay: 0.0,
        };
        let mut params = start.clone();
        config.build(start.len()).step(&mut params, grad, lr);
        for ((after, before), &g) in params.iter().zip(&start).zip(grad) {
            let delta = before - after;
            let root = (1.0 - decay_rate).sqrt();
            let exact = lr * g / (root * g.abs() + eps);
            prop_assert!((delta - exact).abs() <= 1e-12 * before.abs().max(1.0), "{delta} vs {exact}");
            let approx = lr * g / (root * g.abs());
            prop_assert!((delta - approx).abs() <= 1e-5 * approx.abs(), "{delta} vs {approx}");
        }
    }

    #[test]
    fn momentum_zero_is_sgd_whatever_the_dampening(
        start in prop::collection::vec(coordinate(), 3),
        grads in prop::collection::vec(prop::collection::vec(coordinate(), 3), 1..10),
        lr in 0.0..1.0f64,
        dampening in 0.0..=1.0f64,
        weight_decay in often_zero(0.0..0.5),
    ) {
        let momentum = OptimizerConfig::Momentum { lr, momentum: 0.0, dampening, weight_decay };
        let sgd = OptimizerConfig::Sgd { lr, weight_decay };
        let (mut a, mut b) = (start.clone(), start);
        run(&mut momentum.build(3), &mut a, &grads, lr);
        run(&mut sgd.build(3), &mut b, &grads, lr);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn finite_inputs_never_give_nan(
        config in config(),
        start in prop::collection::vec(-1e3..1e3f64, 4),
        grads in prop::collection::vec(prop::collection::vec(-1e3..1e3f64, 4), 1..20),
        lr in 0.0..2.0f64,
    ) {
        let mut optimizer = config.build(4);
        let mut params = start;
        let mut point = vec![0.0; 4];
        for grad in &grads {
            optimizer.step(&mut params, grad, lr);
            optimizer.gradient_point(&params, &mut point);
            prop_assert!(params.iter().chain(&point).all(|x| x.is_finite()), "{params:?}");
        }
        let mut effective = vec![0.0; 4];
        optimizer.internals(lr, &mut effective);
        prop_assert!(effective.iter().all(|e| !e.is_nan()), "{effective:?}");
    }

    #[test]
    fn nesterov_and_lookahead_share_the_look_ahead_point(
        m in prop::collection::vec(-1.0..1.0f64, 9),
        b in prop::collection::vec(-2.0..2.0f64, 3),
        x0 in prop::collection::vec(-5.0..5.0f64, 3),
        lr_fraction in 0.01..0.99f64,
        momentum in 0.05..0.95f64,
    ) {
        // A = MᵀM + 0.1·I is positive definite; lr below 1/λ_max (Gershgorin) keeps it stable.
        let a: Vec<[f64; 3]> = (0..3).map(|i| {
            let mut row = [0.0; 3];
            for (j, entry) in row.iter_mut().enumerate() {
                *entry = (0..3).map(|k| m[3 * k + i] * m[3 * k + j]).sum::<f64>()
                    + if i == j { 0.1 } else { 0.0 };
            }
            row
        }).collect();
        let bound = a.iter().map(|row| row.iter().map(|x| x.abs()).sum::<f64>()).fold(0.0, f64::max);
        let lr = lr_fraction / bound;
        let gradient = |x: &[f64], out: &mut [f64]| {
            for ((o, row), bi) in out.iter_mut().zip(&a).zip(&b) {
                *o = row.iter().zip(x).map(|(aij, xj)| aij * xj).sum::<f64>() - bi;
            }
        };
        let mut torch = OptimizerConfig::Nesterov { lr, momentum, weight_decay: 0.0 }.build(3);
        let mut lookahead = OptimizerConfig::NesterovLookahead { lr, momentum }.build(3);
        prop_assert!(lookahead.needs_lookahead() && !torch.needs_lookahead());
        let (mut x_bar, mut x) = (x0.clone(), x0);
        let (mut point, mut grad) = ([0.0; 3], [0.0; 3]);
        for step in 0..50 {
            gradient(&x_bar, &mut grad);
            torch.step(&mut x_bar, &grad, lr);
            lookahead.gradient_point(&x, &mut point);
            gradient(&point, &mut grad);
            lookahead.step(&mut x, &grad, lr);
            lookahead.gradient_point(&x, &mut point);
            for (p, q) in point.iter().zip(&x_bar) {
                prop_assert!((p - q).abs() <= 1e-12 * q.abs().max(1.0), "step {step}: {p} vs {q}");
            }
        }
    }

    #[test]
    fn adamw_without_weight_decay_is_adam(
        start in prop::collection::vec(coordinate(), 3),
        grads in prop::collection::vec(prop::collection::vec(coordinate(), 3), 1..10),
        lr in 0.0..1.0f64,
        beta1 in 0.0..0.999f64,
        beta2 in 0.0..0.9999f64,
        eps in 0.0..1.0f64,
        amsgrad in any::<bool>(),
    ) {
        let adamw = OptimizerConfig::AdamW { lr, beta1, beta2, eps, amsgrad, weight_decay: 0.0 };
        let adam = OptimizerConfig::Adam {
            lr, beta1, beta2, eps, bias_correction: true, amsgrad, weight_decay: 0.0,
        };
        let (mut a, mut b) = (start.clone(), start);
        let (mut with_w, mut without) = (adamw.build(3), adam.build(3));
        run(&mut with_w, &mut a, &grads, lr);
        run(&mut without, &mut b, &grads, lr);
        prop_assert_eq!(a, b);
        prop_assert_eq!(with_w.state_buffer("exp_avg_sq"), without.state_buffer("exp_avg_sq"));
    }

    /// The fixed-length fast path is the slice path, bit for bit, for every rule and option.
    #[test]
    fn step_2d_equals_step_bit_for_bit(
        config in config(),
        start in [coordinate(), coordinate()],
        grads in prop::collection::vec((large_gradient(), coordinate()), 1..20),
    ) {
        let (mut slice_rule, mut fixed_rule) = (config.build(2), config.build(2));
        let (mut slice_point, mut fixed_point) = (start.to_vec(), start);
        for &(gx, gy) in &grads {
            slice_rule.visit(StepOnce { params: &mut slice_point, grad: [gx, gy] });
            fixed_rule.visit(StepOnce { params: &mut fixed_point, grad: [gx, gy] });
            prop_assert_eq!(slice_point[0].to_bits(), fixed_point[0].to_bits());
            prop_assert_eq!(slice_point[1].to_bits(), fixed_point[1].to_bits());
        }
    }

    #[test]
    fn any_valid_config_round_trips_through_ron(config in config()) {
        prop_assert!(config.validate().is_ok());
        let text = ron::to_string(&config).expect("serializes");
        let back: OptimizerConfig = ron::from_str(&text).expect("parses back");
        prop_assert_eq!(&back, &config);
        prop_assert!(!config.update_rule().is_empty());
        prop_assert!(text.starts_with(config.name()));
    }
}

#[test]
fn catalogue_round_trips_validates_and_explains_itself() {
    let catalogue = OptimizerConfig::catalogue();
    assert_eq!(catalogue.len(), 22, "one of each variant");
    for config in &catalogue {
        config.validate().unwrap_or_else(|e| panic!("{}: {e}", config.name()));
        let text = ron::ser::to_string_pretty(config, ron::ser::PrettyConfig::default()).unwrap();
        let back: OptimizerConfig = ron::from_str(&text).expect("parses back");
        assert_eq!(&back, config);
        assert!(!config.update_rule().trim().is_empty(), "{}", config.name());
        assert!(config.lr() > 0.0);
    }
    let mut names: Vec<&str> = catalogue.iter().map(OptimizerConfig::name).collect();
    names.dedup();
    assert_eq!(names.len(), 22);
}

#[test]
fn omitted_fields_take_pytorch_defaults() {
    let sgd: OptimizerConfig = ron::from_str("Sgd()").expect("Sgd() parses");
    assert_eq!(sgd, OptimizerConfig::Sgd { lr: 1e-3, weight_decay: 0.0 });
    let adam: OptimizerConfig = ron::from_str("Adam(lr: 0.01)").expect("parses");
    assert_eq!(
        adam,
        OptimizerConfig::Adam {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            bias_correction: true,
            amsgrad: false,
            weight_decay: 0.0,
        }
    );
    let raw: OptimizerConfig = ron::from_str("Adam(lr: 0.1, bias_correction: false)").unwrap();
    assert!(matches!(raw, OptimizerConfig::Adam { bias_correction: false, .. }));
    let rms: OptimizerConfig =
        ron::from_str("RmsProp(lr: 0.01, decay_rate: 0.9, centered: true, momentum: 0.5)").unwrap();
    assert_eq!(
        rms,
        OptimizerConfig::RmsProp {
            lr: 0.01,
            decay_rate: 0.9,
            eps: 1e-8,
            centered: true,
            momentum: 0.5,
            weight_decay: 0.0,
        }
    );
    let adagrad: OptimizerConfig = ron::from_str("Adagrad()").unwrap();
    assert_eq!(
        adagrad,
        OptimizerConfig::Adagrad {
            lr: 1e-2,
            lr_decay: 0.0,
            eps: 1e-10,
            initial_accumulator: 0.0,
            weight_decay: 0.0,
        }
    );
    let adamw: OptimizerConfig = ron::from_str("AdamW()").unwrap();
    let torch_adamw = OptimizerConfig::AdamW {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        amsgrad: false,
        weight_decay: 0.01,
    };
    assert_eq!(adamw, torch_adamw);
    let momentum: OptimizerConfig = ron::from_str("Momentum()").unwrap();
    let expected =
        OptimizerConfig::Momentum { lr: 1e-3, momentum: 0.9, dampening: 0.0, weight_decay: 0.0 };
    assert_eq!(momentum, expected, "momentum defaults to 0.9, not torch's 0");
}

#[test]
fn out_of_range_values_are_refused_with_their_position() {
    let err = ron::from_str::<OptimizerConfig>("Adam(lr: -1.0)").unwrap_err();
    let message = err.to_string();
    assert!(message.contains("`lr`") && message.contains("[0, +inf)"), "{message}");
    assert_eq!(err.span.start.line, 1, "{message}");
    let cases = [
        ("Nesterov(momentum: 0.0)", "(0, 1]"),
        ("RmsProp(decay_rate: 1.0)", "`decay_rate`"),
        ("Adam(beta2: 1.0)", "`beta2`"),
        ("Momentum(dampening: 1.5)", "`dampening`"),
        ("Adagrad(initial_accumulator: -0.1)", "`initial_accumulator`"),
        ("Sgd(weight_decay: -1e-4)", "`weight_decay`"),
        ("AdamW(eps: -1.0)", "`eps`"),
    ];
    for (text, expected) in cases {
        let message = ron::from_str::<OptimizerConfig>(text).unwrap_err().to_string();
        assert!(message.contains(expected), "{text}: {message}");
    }
    // Unknown fields (a typo, or a hyperparameter of another optimizer) are refused.
    assert!(ron::from_str::<OptimizerConfig>("Adam(momentum: 0.9)").is_err());
    assert!(ron::from_str::<OptimizerConfig>("Sgd(lr: 0.1, nesterov: true)").is_err());
}

#[test]
fn validate_names_the_field_and_interval() {
    let config = OptimizerConfig::Nesterov { lr: 0.1, momentum: 0.0, weight_decay: 0.0 };
    let err = config.validate().unwrap_err();
    assert_eq!(err.to_string(), "`momentum` = 0 is out of range; allowed (0, 1]");
    let mut config = OptimizerConfig::catalogue()[0].clone();
    config.set_lr(f64::NAN);
    assert!(config.validate().is_err());
    config.set_lr(0.25);
    assert!((config.lr() - 0.25).abs() < f64::EPSILON);
}

#[test]
fn update_rules_follow_the_options() {
    let adam = OptimizerConfig::catalogue()[6].clone();
    assert!(adam.update_rule().contains("m̂ = m/(1 − β₁ᵗ)"));
    let raw: OptimizerConfig =
        ron::from_str("Adam(bias_correction: false, weight_decay: 0.1)").unwrap();
    let rule = raw.update_rule();
    assert!(!rule.contains("m̂") && rule.contains("λθ"), "{rule}");
    let adamw = OptimizerConfig::catalogue()[7].update_rule();
    assert!(adamw.starts_with("θ ← θ(1 − ηλ)"), "{adamw}");
}

/// One update with lr 0.01: through `step_2d` for a fixed-size point, through `step` for a
/// vector.
struct StepOnce<'a, P> {
    params: &'a mut P,
    grad: [f64; 2],
}

impl RuleVisitor for StepOnce<'_, [f64; 2]> {
    type Output = ();

    fn visit<R: UpdateRule>(self, rule: &mut R) {
        rule.step_2d(self.params, self.grad, 0.01);
    }
}

impl RuleVisitor for StepOnce<'_, Vec<f64>> {
    type Output = ();

    fn visit<R: UpdateRule>(self, rule: &mut R) {
        rule.step(self.params, &self.grad, 0.01);
    }
}

/// Runs 100 gradient steps on f(x) = ½|x|² with the concrete rule, as a hot loop would.
struct HundredSteps<'a> {
    params: &'a mut [f64],
    lr: f64,
}

impl RuleVisitor for HundredSteps<'_> {
    type Output = u64;

    fn visit<R: UpdateRule>(self, rule: &mut R) -> u64 {
        // Through the closure form, so L-BFGS (which needs loss values) takes part: the other
        // rules evaluate the gradient once at their gradient point and step.
        let mut half_square = |point: &[f64], grad: &mut [f64]| {
            grad.copy_from_slice(point);
            0.5 * point.iter().map(|x| x * x).sum::<f64>()
        };
        for _ in 0..100 {
            if R::NEEDS_HESSIAN {
                // ½|x|² has the Hessian I everywhere (Newton's methods read it).
                rule.set_curvature([[1.0, 0.0], [0.0, 1.0]]);
            }
            rule.step_with_objective(self.params, self.lr, &mut half_square);
        }
        rule.steps_taken()
    }
}

#[test]
fn visit_runs_the_concrete_rule_and_internals_report_state() {
    for config in OptimizerConfig::catalogue() {
        let mut params = vec![1.0, -2.0];
        let mut optimizer = config.build(2);
        let steps = optimizer.visit(HundredSteps { params: &mut params, lr: config.lr() });
        assert_eq!(steps, 100);
        let mut effective = [0.0; 2];
        let internals = optimizer.internals(config.lr(), &mut effective);
        assert_eq!(internals.steps_taken, 100);
        assert!(effective.iter().all(|e| *e > 0.0 && e.is_finite()), "{}", config.name());
        let norm = params.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!(norm < 5f64.sqrt(), "{} moved towards the minimum: {params:?}", config.name());
    }
}

#[test]
fn internals_match_the_first_adam_step() {
    let config = adam(0.1, 0.9, 0.999);
    let mut optimizer = config.build(2);
    let mut effective = [0.0; 2];
    let before = optimizer.internals(0.1, &mut effective);
    assert_eq!((before.steps_taken, before.velocity), (0, Some(&[0.0, 0.0][..])));
    let mut params = [0.0, 0.0];
    optimizer.step(&mut params, &[2.0, -0.5], 0.1);
    let internals = optimizer.internals(0.1, &mut effective);
    // v̂ = g² after one step, so the factor on m̂ = g is η/(|g| + ε).
    assert!((effective[0] - 0.1 / (2.0 + 1e-8)).abs() < 1e-15);
    assert!((effective[1] - 0.1 / (0.5 + 1e-8)).abs() < 1e-15);
    assert_eq!(internals.velocity.map(<[f64]>::len), Some(2));
    assert!(internals.second_moment.is_some());
}

// ---- Adafactor and Muon (issue 16) ----------------------------------------------------------

/// The Newton–Schulz polynomial's value at 1 after `steps` iterations: a 1×n matrix's
/// orthogonalized update is its unit direction times this.
fn newton_schulz_scalar(steps: usize) -> f64 {
    let (a, b, c) = (3.4445, -4.775, 2.0315);
    (0..steps).fold(1.0, |s: f64, _| a * s + b * s.powi(3) + c * s.powi(5))
}

fn muon(lr: f64, momentum: f64, nesterov: bool) -> OptimizerConfig {
    OptimizerConfig::Muon {
        lr,
        weight_decay: 0.0,
        momentum,
        nesterov,
        ns_coefficients: (3.4445, -4.775, 2.0315),
        eps: 1e-7,
        ns_steps: 5,
        adjust_lr: MuonLrAdjust::Original,
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// On a 1×2 matrix (a surface's point) every Muon step has the same length, η·s₅: the
    /// orthogonalized update is a unit direction (times the quintic's s₅ ≈ 0.70), and the first
    /// step points against the gradient.
    #[test]
    fn muon_steps_on_a_row_have_one_length(
        start in [coordinate(), coordinate()],
        grads in prop::collection::vec([large_gradient(), large_gradient()], 1..20),
        lr in 1e-3..1.0f64,
        momentum in 0.0..0.99f64,
        nesterov in any::<bool>(),
    ) {
        let mut optimizer = muon(lr, momentum, nesterov).build_shaped(&[Shape::matrix(1, 2)]);
        let length = lr * newton_schulz_scalar(5);
        let mut params = start.to_vec();
        for (k, grad) in grads.iter().enumerate() {
            let before = params.clone();
            optimizer.step(&mut params, grad, lr);
            let delta = [params[0] - before[0], params[1] - before[1]];
            let size = norm(&delta);
            let room = 1e-9 * before.iter().fold(1.0f64, |m, p| m.max(p.abs()));
            prop_assert!((size - length).abs() <= 1e-9 * length + room, "step {k}: {size} vs {length}");
            if k == 0 {
                let along = -(delta[0] * grad[0] + delta[1] * grad[1]) / (size * norm(grad));
                prop_assert!(along > 1.0 - 1e-9, "first step against ∇L: cos {along}");
            }
        }
    }

    /// The orthogonalized update of a matrix has orthonormal-ish rows: for a 2×3 matrix after
    /// many Newton–Schulz iterations with the classic cubic (a, b, c) = (1.5, −0.5, 0), UUᵀ ≈ I,
    /// so one step from a zero buffer moves θ by η·U with ‖U‖_F² = 2.
    #[test]
    fn muon_orthogonalizes_a_matrix(
        grad in prop::collection::vec(large_gradient(), 6),
        lr in 1e-3..1.0f64,
    ) {
        // Well-conditioned: the two rows are far from parallel.
        let (r0, r1) = (&grad[..3], &grad[3..]);
        let cos = r0.iter().zip(r1).map(|(a, b)| a * b).sum::<f64>() / (norm(r0) * norm(r1));
        prop_assume!(cos.abs() < 0.9);
        let config = OptimizerConfig::Muon {
            lr,
            weight_decay: 0.0,
            momentum: 0.0,
            nesterov: false,
            ns_coefficients: (1.5, -0.5, 0.0),
            eps: 1e-7,
            ns_steps: 60,
            adjust_lr: MuonLrAdjust::Original,
        };
        let mut params = vec![0.0; 6];
        config.build_shaped(&[Shape::matrix(2, 3)]).step(&mut params, &grad, lr);
        let u: Vec<f64> = params.iter().map(|p| -p / lr).collect();
        let dot = |i: usize, j: usize| (0..3).map(|k| u[3 * i + k] * u[3 * j + k]).sum::<f64>();
        prop_assert!((dot(0, 0) - 1.0).abs() < 1e-6 && (dot(1, 1) - 1.0).abs() < 1e-6, "{u:?}");
        prop_assert!(dot(0, 1).abs() < 1e-6, "{u:?}");
    }

    /// A network's biases under Muon take AdamW with the same lr and no weight decay.
    #[test]
    fn muon_steps_vectors_with_adamw(
        grads in prop::collection::vec(prop::collection::vec(coordinate(), 9), 1..10),
        start in prop::collection::vec(coordinate(), 9),
        lr in 1e-3..0.5f64,
    ) {
        let mut config = muon(lr, 0.95, true);
        if let OptimizerConfig::Muon { weight_decay, .. } = &mut config {
            *weight_decay = 0.3;
        }
        let mut shaped = config.build_shaped(&[Shape::matrix(2, 3), Shape::Vector(3)]);
        let adamw = OptimizerConfig::AdamW {
            lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, amsgrad: false, weight_decay: 0.0,
        };
        let mut reference = adamw.build(3);
        let (mut params, mut bias) = (start.clone(), start[6..].to_vec());
        for grad in &grads {
            shaped.step(&mut params, grad, lr);
            reference.step(&mut bias, &grad[6..], lr);
            prop_assert_eq!(&params[6..], &bias[..]);
        }
    }

    /// Adafactor's step is clipped by d: its RMS is at most αₜ·d with
    /// αₜ = max(ε₂, RMS(θ))·min(η, 1/√t), for vectors and factored matrices alike.
    #[test]
    fn adafactor_steps_are_clipped_by_d(
        start in prop::collection::vec(coordinate(), 6),
        grads in prop::collection::vec(prop::collection::vec(coordinate(), 6), 1..15),
        lr in 1e-3..1.0f64,
        d in 1.0..4.0f64,
        factored in any::<bool>(),
    ) {
        let config = OptimizerConfig::Adafactor {
            lr, beta2_decay: -0.8, eps1: None, eps2: 1e-3, d, weight_decay: 0.0,
        };
        let shape = if factored { Shape::matrix(2, 3) } else { Shape::Vector(6) };
        let mut optimizer = config.build_shaped(&[shape]);
        let mut params = start;
        for (t, grad) in (1..).zip(&grads) {
            let before = params.clone();
            optimizer.step(&mut params, grad, lr);
            let rms = |v: &[f64]| norm(v) / 6f64.sqrt();
            let t = f64::from(t);
            let alpha = 1e-3f64.max(rms(&before)) * lr.min(1.0 / t.sqrt());
            let delta: Vec<f64> = params.iter().zip(&before).map(|(a, b)| a - b).collect();
            let room = 1e-12 * before.iter().fold(1.0f64, |m, p| m.max(p.abs()));
            prop_assert!(rms(&delta) <= alpha * d * (1.0 + 1e-9) + room, "{} > {}", rms(&delta), alpha * d);
        }
    }

    /// Adafactor's first step on a vector is αₜ·sign(∇L): V̂ = ∇L², so U = sign(∇L) has RMS 1 ≤ d.
    #[test]
    fn adafactor_first_vector_step_is_alpha_times_the_sign(
        start in prop::collection::vec(coordinate(), 1..8),
        grad_seed in prop::collection::vec(large_gradient(), 8),
        lr in 1e-3..1.0f64,
    ) {
        let grad = &grad_seed[..start.len()];
        let config: OptimizerConfig = ron::from_str(&format!("Adafactor(lr: {lr:?})")).unwrap();
        let mut params = start.clone();
        config.build(start.len()).step(&mut params, grad, lr);
        let rms = norm(&start) / (start.len() as f64).sqrt();
        let alpha = 1e-3f64.max(rms) * lr;
        for ((after, before), g) in params.iter().zip(&start).zip(grad) {
            let want = before - alpha * g.signum();
            prop_assert!((after - want).abs() <= 1e-12 * before.abs().max(1.0), "{after} vs {want}");
        }
    }
}

#[test]
fn adafactor_and_muon_take_pytorch_defaults() {
    let adafactor: OptimizerConfig = ron::from_str("Adafactor()").expect("parses");
    assert_eq!(
        adafactor,
        OptimizerConfig::Adafactor {
            lr: 0.01,
            beta2_decay: -0.8,
            eps1: None,
            eps2: 1e-3,
            d: 1.0,
            weight_decay: 0.0,
        }
    );
    let muon: OptimizerConfig = ron::from_str("Muon()").expect("parses");
    let mut expected = muon_defaults();
    if let OptimizerConfig::Muon { weight_decay, .. } = &mut expected {
        *weight_decay = 0.1;
    }
    assert_eq!(muon, expected);
    let given: OptimizerConfig = ron::from_str(
        "Muon(ns_coefficients: (1.5, -0.5, 0.0), adjust_lr: MatchRmsAdamW, ns_steps: 9)",
    )
    .expect("parses");
    assert!(matches!(
        given,
        OptimizerConfig::Muon {
            ns_coefficients: (1.5, -0.5, 0.0),
            adjust_lr: MuonLrAdjust::MatchRmsAdamW,
            ns_steps: 9,
            ..
        }
    ));
    let bare: OptimizerConfig = ron::from_str("Adafactor(eps1: 1e-30)").expect("bare parses");
    let eps1: OptimizerConfig = ron::from_str("Adafactor(eps1: Some(1e-30))").expect("parses");
    assert_eq!(bare, eps1, "without implicit Some (the command line) a bare number is Some");
    assert!(
        matches!(eps1, OptimizerConfig::Adafactor { eps1: Some(e), .. } if e.to_bits() == 1e-30f64.to_bits())
    );
}

fn muon_defaults() -> OptimizerConfig {
    muon(0.001, 0.95, true)
}

#[test]
fn adafactor_and_muon_refuse_values_out_of_range() {
    for (text, field) in [
        ("Adafactor(beta2_decay: 0.5)", "beta2_decay"),
        ("Adafactor(d: 0.5)", "d"),
        ("Adafactor(eps1: Some(-1.0))", "eps1"),
        ("Adafactor(eps2: -1.0)", "eps2"),
        ("Muon(ns_steps: 100)", "ns_steps"),
        ("Muon(momentum: 1.5)", "momentum"),
        ("Muon(ns_coefficients: (1.0, inf, 2.0))", "ns_coefficients"),
        ("Muon(adjust_lr: Sometimes)", "adjust_lr"),
    ] {
        let error = ron::from_str::<OptimizerConfig>(text).expect_err(text).to_string();
        let named = error.contains(field) || field == "adjust_lr" && error.contains("Sometimes");
        assert!(named, "{text}: {error}");
    }
}
