//! Properties of Lion and Schedule-Free that hold for any input, their RON defaults, and a
//! training run with each.

use optlab_core::optim::{OptimizerConfig, UpdateRule};
use proptest::prelude::*;

/// Any valid Lion or Schedule-Free config with moderate values (also used by
/// `optim_properties::config`).
pub fn config() -> BoxedStrategy<OptimizerConfig> {
    let lr = || 0.0..2.0f64;
    let wd = || prop_oneof![Just(0.0), 0.0..0.5f64];
    let beta = || 0.0..0.9999f64;
    let inside = || 0.01..0.9999f64;
    let averaging = || (0u64..20, prop_oneof![Just(0.0), 0.0..3.0f64], 0.0..3.0f64);
    prop_oneof![
        (lr(), beta(), beta(), wd()).prop_map(|(lr, beta1, beta2, weight_decay)| {
            OptimizerConfig::Lion { lr, beta1, beta2, weight_decay }
        }),
        (lr(), inside(), beta(), 1e-10..1.0f64, wd(), averaging()).prop_map(
            |(lr, beta1, beta2, eps, weight_decay, (warmup_steps, r, weight_lr_power))| {
                OptimizerConfig::ScheduleFreeAdamW {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    weight_decay,
                    warmup_steps,
                    r,
                    weight_lr_power,
                }
            }
        ),
        (lr(), inside(), wd(), averaging()).prop_map(
            |(lr, momentum, weight_decay, (warmup_steps, r, weight_lr_power))| {
                OptimizerConfig::ScheduleFreeSgd {
                    lr,
                    momentum,
                    weight_decay,
                    warmup_steps,
                    r,
                    weight_lr_power,
                }
            }
        ),
    ]
    .boxed()
}

/// One `step_2d` call through [`optlab_core::optim::Optimizer::visit`]: point, gradient, lr.
struct Step2d([f64; 2], [f64; 2], f64);

impl optlab_core::optim::RuleVisitor for &mut Step2d {
    type Output = ();
    fn visit<R: UpdateRule>(self, rule: &mut R) {
        rule.step_2d(&mut self.0, self.1, self.2);
    }
}

fn gradient() -> impl Strategy<Value = f64> {
    (1e-3..1e3f64, any::<bool>()).prop_map(|(size, negative)| if negative { -size } else { size })
}

proptest! {
    /// With λ = 0 every coordinate of every Lion update moves by exactly lr (up to the rounding
    /// of θ − lr), or not at all where β₁m + (1 − β₁)g is 0.
    #[test]
    fn lion_moves_every_coordinate_by_lr(
        lr in 1e-4..1.0f64,
        beta1 in 0.0..0.9999f64,
        beta2 in 0.0..0.9999f64,
        start in prop::collection::vec(-100.0..100.0f64, 1..6),
        grads in prop::collection::vec(prop::collection::vec(gradient(), 6), 1..20),
    ) {
        let config = OptimizerConfig::Lion { lr, beta1, beta2, weight_decay: 0.0 };
        let mut optimizer = config.build(start.len());
        let mut params = start.clone();
        for (t, grad) in grads.iter().enumerate() {
            let before = params.clone();
            optimizer.step(&mut params, &grad[..start.len()], lr);
            for (i, (&a, &b)) in before.iter().zip(&params).enumerate() {
                let moved = (b - a).abs();
                let rounding = 4.0 * f64::EPSILON * a.abs().max(lr);
                prop_assert!(
                    (moved - lr).abs() <= rounding || (t > 0 && moved == 0.0),
                    "step {t}, coordinate {i}: moved {moved}, lr {lr}"
                );
            }
        }
    }

    /// Schedule-Free with a constant lr, no warm-up and r = 0 weighs every step alike: the
    /// evaluation point x is the plain mean of the z's, and the parameters are
    /// y = (1 − β)z + βx.
    #[test]
    fn schedule_free_averages_z_uniformly(
        lr in 1e-3..0.5f64,
        beta in 0.05..0.95f64,
        adaptive in any::<bool>(),
        start in prop::collection::vec(-10.0..10.0f64, 1..5),
        steps in 1usize..40,
    ) {
        let config = if adaptive {
            OptimizerConfig::ScheduleFreeAdamW {
                lr, beta1: beta, beta2: 0.999, eps: 1e-8, weight_decay: 0.0,
                warmup_steps: 0, r: 0.0, weight_lr_power: 2.0,
            }
        } else {
            OptimizerConfig::ScheduleFreeSgd {
                lr, momentum: beta, weight_decay: 0.0, warmup_steps: 0, r: 0.0,
                weight_lr_power: 2.0,
            }
        };
        let n = start.len();
        let mut optimizer = config.build(n);
        let mut y = start.clone();
        let mut sum_z = vec![0.0; n];
        for t in 0..steps {
            // The gradient of ½‖y − c‖² with a moving c.
            let grad: Vec<f64> = y.iter().map(|v| v - (t as f64).sin()).collect();
            optimizer.step(&mut y, &grad, lr);
            let z = optimizer.state_buffer("z").expect("z after a step");
            for (s, v) in sum_z.iter_mut().zip(z) {
                *s += v;
            }
        }
        let mut x = vec![0.0; n];
        prop_assert!(optimizer.evaluation_point(&y, &mut x));
        let z = optimizer.state_buffer("z").expect("z");
        for i in 0..n {
            let mean = sum_z[i] / steps as f64;
            let scale = 1e-9 * mean.abs().max(1.0) / beta;
            prop_assert!((x[i] - mean).abs() <= scale, "x {} mean {mean}", x[i]);
            let y_again = (1.0 - beta) * z[i] + beta * x[i];
            prop_assert!((y[i] - y_again).abs() <= 1e-9 * y[i].abs().max(1.0));
        }
    }

    /// `step_2d` equals `step` bit for bit for every Lion and Schedule-Free config.
    #[test]
    fn step_2d_equals_step(
        config in config(),
        start in (-10.0..10.0f64, -10.0..10.0f64),
        grads in prop::collection::vec((gradient(), gradient()), 1..30),
        lr in 0.0..1.0f64,
    ) {
        let mut slow = config.build(2);
        let mut fast = config.build(2);
        let (mut a, mut b) = ([start.0, start.1], [start.0, start.1]);
        for (g0, g1) in grads {
            slow.step(&mut a, &[g0, g1], lr);
            let mut visit = Step2d(b, [g0, g1], lr);
            fast.visit(&mut visit);
            b = visit.0;
            prop_assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
        }
    }
}

#[test]
fn omitted_fields_take_the_packages_defaults() {
    let parse = |text: &str| -> OptimizerConfig { ron::from_str(text).expect(text) };
    assert_eq!(
        parse("Lion()"),
        OptimizerConfig::Lion { lr: 1e-4, beta1: 0.9, beta2: 0.99, weight_decay: 0.0 }
    );
    assert_eq!(
        parse("ScheduleFreeAdamW()"),
        OptimizerConfig::ScheduleFreeAdamW {
            lr: 0.0025,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            warmup_steps: 0,
            r: 0.0,
            weight_lr_power: 2.0,
        }
    );
    assert_eq!(
        parse("ScheduleFreeSgd()"),
        OptimizerConfig::ScheduleFreeSgd {
            lr: 1.0,
            momentum: 0.9,
            weight_decay: 0.0,
            warmup_steps: 0,
            r: 0.0,
            weight_lr_power: 2.0,
        }
    );
}

#[test]
fn out_of_range_fields_are_refused_with_their_range() {
    for (text, field) in [
        ("ScheduleFreeSgd(momentum: 1.0)", "`momentum` = 1"),
        ("ScheduleFreeSgd(momentum: 0.0)", "`momentum` = 0"),
        ("ScheduleFreeAdamW(beta1: 0.0)", "`beta1` = 0"),
        ("ScheduleFreeAdamW(warmup_steps: 2000000000)", "`warmup_steps` = 2e9"),
        ("ScheduleFreeAdamW(r: -1.0)", "`r` = -1"),
        ("ScheduleFreeSgd(weight_lr_power: -2.0)", "`weight_lr_power` = -2"),
        ("Lion(beta2: 1.5)", "`beta2` = 1.5"),
        ("Lion(lr: -0.1)", "`lr` = -0.1"),
    ] {
        let error = ron::from_str::<OptimizerConfig>(text).expect_err(text).to_string();
        assert!(error.contains(field), "{text}: {error}");
    }
}

#[test]
fn a_network_trains_with_each_and_schedule_free_is_measured_at_x() {
    use optlab_core::train::fit::{Trainer, TrainingConfig};
    let catalogue = OptimizerConfig::catalogue();
    let ours = catalogue.iter().filter(|c| {
        matches!(
            c,
            OptimizerConfig::Lion { .. }
                | OptimizerConfig::ScheduleFreeAdamW { .. }
                | OptimizerConfig::ScheduleFreeSgd { .. }
        )
    });
    for optimizer in ours {
        let mut optimizer = optimizer.clone();
        // Network-sized learning rates (the catalogue's suit the 2-D surfaces).
        let lr = match optimizer {
            OptimizerConfig::Lion { .. } => 0.003,
            OptimizerConfig::ScheduleFreeAdamW { .. } => 0.01,
            _ => 0.5,
        };
        optimizer.set_lr(lr);
        let config = TrainingConfig {
            optimizer: optimizer.clone(),
            epochs: 40,
            ..TrainingConfig::default()
        };
        let mut trainer = Trainer::new(&config).expect("valid");
        let history = trainer.run();
        let (first, last) = (history[0], history[history.len() - 1]);
        assert!(
            last.train_loss < 0.7 * first.train_loss && last.train_accuracy > 0.6,
            "{}: loss {} → {}, accuracy {}",
            optimizer.name(),
            first.train_loss,
            last.train_loss,
            last.train_accuracy
        );
        // The statistics are taken at x for Schedule-Free (the parameters y give another
        // loss) and at the parameters for Lion; either way the network keeps y afterwards.
        let network = trainer.network();
        let data = trainer.train_data();
        let mut workspace = network.workspace(data.x.len());
        let at_params = network.evaluate(&data.x, &data.y, &mut workspace).expect("data");
        let l2 = network.l2_penalty(network.params());
        let reported_at_params = (at_params.data_loss + l2 - last.train_loss).abs() < 1e-12;
        let schedule_free = !matches!(optimizer, OptimizerConfig::Lion { .. });
        assert_eq!(reported_at_params, !schedule_free, "{}", optimizer.name());
    }
}

#[test]
fn the_update_rules_follow_the_options() {
    let parse = |text: &str| -> String {
        ron::from_str::<OptimizerConfig>(text).expect(text).update_rule()
    };
    let lion = parse("Lion()");
    assert!(lion.contains("θ ← θ − η sign(β₁m + (1 − β₁)∇L)") && !lion.contains("(1 − ηλ)"));
    assert!(parse("Lion(weight_decay: 0.1)").starts_with("θ ← θ(1 − ηλ)"));
    let sf = parse("ScheduleFreeAdamW()");
    assert!(sf.contains("√(v/(1 − β₂ᵗ))") && sf.contains("wₜ = max(ηₜ)^2"), "{sf}");
    assert!(sf.contains("y = (1 − β₁)z + β₁x"), "{sf}");
    let warm = parse("ScheduleFreeSgd(warmup_steps: 100, r: 1.0, weight_lr_power: 0.0)");
    assert!(
        warm.contains("t/100") && warm.contains("wₜ = t^1") && !warm.contains("max("),
        "{warm}"
    );
    assert!(parse("ScheduleFreeSgd(weight_decay: 0.5)").contains("g = ∇L + λy   (∇L taken at y)"));
}
