//! Invariants of `NAdam`, `RAdam` and Adamax that hold for any input, and a training run with each.

use optlab_core::optim::{OptimizerConfig, radam_is_adaptive, radam_rho};
use optlab_core::schedule::Schedule;
use optlab_core::train::data::DatasetConfig;
use optlab_core::train::model::ModelConfig;
use optlab_core::train::{Trainer, TrainingConfig};
use proptest::prelude::*;

fn gradients(n: usize) -> impl Strategy<Value = Vec<[f64; 2]>> {
    prop::collection::vec([-50.0..50.0f64, -50.0..50.0f64], n)
}

fn radam(lr: f64, beta1: f64, beta2: f64) -> OptimizerConfig {
    OptimizerConfig::RAdam {
        lr,
        beta1,
        beta2,
        eps: 1e-8,
        weight_decay: 0.0,
        decoupled_weight_decay: false,
    }
}

/// torch's `lerp_` for the weights used here (1 − β₁ < ½).
fn lerp(start: f64, end: f64, weight: f64) -> f64 {
    if weight < 0.5 { start + weight * (end - start) } else { end - (end - start) * (1.0 - weight) }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// With β₂ = 0.999, ρ₁…ρ₅ ≤ 5: the first five updates are θ ← θ − η·m/(1 − β₁ᵗ) exactly,
    /// and the sixth is not (it divides by √v̂).
    #[test]
    fn radam_takes_plain_momentum_steps_until_rho_exceeds_five(
        start in [-10.0..10.0f64, -10.0..10.0f64],
        grads in gradients(6),
        lr in 1e-3..1.0f64,
        beta1 in 0.5..0.99f64,
    ) {
        let mut optimizer = radam(lr, beta1, 0.999).build(2);
        let (mut params, mut hand, mut m) = (start.to_vec(), start, [0.0; 2]);
        for (t, grad) in (1..=6u32).zip(&grads) {
            optimizer.step(&mut params, grad, lr);
            let correction = 1.0 - beta1.powf(f64::from(t));
            for i in 0..2 {
                m[i] = lerp(m[i], grad[i], 1.0 - beta1);
                hand[i] -= m[i] / correction * lr;
            }
            if t <= 5 {
                prop_assert!(!radam_is_adaptive(0.999, u64::from(t)));
                prop_assert_eq!(params.as_slice(), hand.as_slice(), "update {}", t);
            } else {
                prop_assert!(radam_is_adaptive(0.999, 6));
                prop_assert!(params != hand, "update 6 is rectified");
            }
        }
    }

    /// Whatever β₂, an update with ρₜ ≤ 5 moves θ by exactly η·m̂ (never divided by √v).
    #[test]
    fn radam_momentum_steps_ignore_the_second_moment(
        grads in gradients(12),
        lr in 1e-3..1.0f64,
        beta2 in 0.0..0.9999f64,
    ) {
        let mut optimizer = radam(lr, 0.9, beta2).build(2);
        let mut params = vec![0.0; 2];
        let mut m = [0.0; 2];
        for (t, grad) in (1..u32::MAX).zip(&grads) {
            let before = params.clone();
            optimizer.step(&mut params, grad, lr);
            for i in 0..2 {
                m[i] = lerp(m[i], grad[i], 1.0 - 0.9);
            }
            let (_, rho) = radam_rho(beta2, u64::from(t));
            if rho <= 5.0 {
                let correction = 1.0 - 0.9f64.powf(f64::from(t));
                for i in 0..2 {
                    prop_assert_eq!(params[i].to_bits(), (before[i] - m[i] / correction * lr).to_bits());
                }
            }
        }
    }

    /// Adamax's u = max(β₂u, |g| + ε) is at least |g| + ε of the latest gradient and at least
    /// β₂ times its previous value; its first step moves each coordinate by less than η.
    #[test]
    fn adamax_norm_bounds_the_latest_gradient(
        grads in gradients(15),
        lr in 1e-3..1.0f64,
        beta2 in 0.0..0.9999f64,
    ) {
        let config = OptimizerConfig::Adamax { lr, beta1: 0.9, beta2, eps: 1e-8, weight_decay: 0.0 };
        let mut optimizer = config.build(2);
        let mut params = vec![0.0; 2];
        let mut previous = [0.0; 2];
        for (t, grad) in grads.iter().enumerate() {
            optimizer.step(&mut params, grad, lr);
            let u = optimizer.state_buffer("exp_inf").expect("Adamax keeps exp_inf").to_vec();
            for i in 0..2 {
                prop_assert!(u[i] >= grad[i].abs() + 1e-8 && u[i] >= beta2 * previous[i]);
            }
            if t == 0 {
                prop_assert!(params.iter().all(|p| p.abs() < lr), "{params:?}");
            }
            previous = [u[0], u[1]];
        }
    }

    /// `NAdam` keeps ∏μᵢ with μₜ = β₁(1 − ½·0.96^(tψ)) in [β₁/2, β₁].
    #[test]
    fn nadam_mu_product_is_the_product_of_the_schedule(
        grads in gradients(10),
        beta1 in 0.0..0.9999f64,
        psi in 0.0..0.1f64,
    ) {
        let config = OptimizerConfig::NAdam {
            lr: 0.01,
            beta1,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum_decay: psi,
            decoupled_weight_decay: false,
        };
        let mut optimizer = config.build(2);
        let mut params = vec![1.0; 2];
        let mut product = 1.0;
        for (t, grad) in (1..u32::MAX).zip(&grads) {
            optimizer.step(&mut params, grad, 0.01);
            let mu = beta1 * (1.0 - 0.5 * 0.96f64.powf(f64::from(t) * psi));
            prop_assert!(mu >= beta1 / 2.0 && mu <= beta1);
            product *= mu;
            let expected = [product];
            prop_assert_eq!(optimizer.state_buffer("mu_product"), Some(expected.as_slice()));
        }
    }

    /// With λ = 0 the decoupled flag changes nothing, bit for bit.
    #[test]
    fn without_weight_decay_decoupling_is_moot(grads in gradients(10), lr in 1e-3..1.0f64) {
        for (coupled, decoupled) in [
            ("NAdam(decoupled_weight_decay: false)", "NAdam(decoupled_weight_decay: true)"),
            ("RAdam(decoupled_weight_decay: false)", "RAdam(decoupled_weight_decay: true)"),
        ] {
            let build = |ron: &str| ron::from_str::<OptimizerConfig>(ron).expect(ron).build(2);
            let (mut a, mut b) = (build(coupled), build(decoupled));
            let (mut pa, mut pb) = (vec![1.0, -2.0], vec![1.0, -2.0]);
            for grad in &grads {
                a.step(&mut pa, grad, lr);
                b.step(&mut pb, grad, lr);
            }
            prop_assert_eq!(pa, pb);
        }
    }
}

#[test]
fn the_torch_state_names_are_kept() {
    let build = |ron: &str| ron::from_str::<OptimizerConfig>(ron).expect(ron).build(3);
    let adamax = build("Adamax()");
    assert!(adamax.state_buffer("exp_avg").is_some() && adamax.state_buffer("exp_inf").is_some());
    assert!(adamax.state_buffer("exp_avg_sq").is_none());
    let nadam = build("NAdam()");
    assert_eq!(nadam.state_buffer("mu_product"), Some([1.0].as_slice()));
    assert_eq!(nadam.state_buffer("exp_avg_sq").map(<[f64]>::len), Some(3));
    let radam = build("RAdam()");
    assert!(radam.state_buffer("exp_avg").is_some() && radam.state_buffer("mu_product").is_none());
}

#[test]
fn nadam_radam_and_adamax_train_the_spiral_net() {
    for ron in ["Adamax(lr: 0.05)", "NAdam(lr: 0.05)", "RAdam(lr: 0.05)"] {
        let config = TrainingConfig {
            dataset: DatasetConfig::Spiral { classes: 3, points_per_class: 50, noise: 0.2 },
            validation_fraction: 0.0,
            model: ModelConfig::Mlp { hidden: vec![50], dropout_keep: 1.0, dropconnect_keep: 1.0 },
            l2: 1e-3,
            optimizer: ron::from_str(ron).expect(ron),
            schedule: Schedule::Constant,
            batch_size: 150,
            epochs: 150,
            seed: 0,
            ..TrainingConfig::default()
        };
        let history = Trainer::new(&config).expect("valid config").run();
        let (first, last) = (history.first().expect("ran"), history.last().expect("ran"));
        assert!(
            last.train_loss < 0.5 * first.train_loss,
            "{ron}: {} → {}",
            first.train_loss,
            last.train_loss
        );
        assert!(last.train_accuracy > 0.8, "{ron}: train accuracy {}", last.train_accuracy);
    }
}

#[test]
fn a_sweep_varies_nadams_momentum_decay_and_refuses_it_elsewhere() {
    use optlab_core::grid::SweepField;
    use optlab_core::run::RunConfig;
    use optlab_core::surface::Surface;
    let run = |ron: &str| RunConfig {
        surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
        start: [-1.2, 1.0],
        optimizer: ron::from_str(ron).expect(ron),
        schedule: Schedule::Constant,
        steps: 10,
        noise_sigma: 0.0,
        seed: 0,
    };
    let mut nadam = run("NAdam()");
    SweepField::MomentumDecay.apply(&mut nadam, 0.02).expect("NAdam has ψ");
    assert!(
        matches!(nadam.optimizer, OptimizerConfig::NAdam { momentum_decay, .. } if momentum_decay.to_bits() == 0.02f64.to_bits())
    );
    for field in [SweepField::Beta1, SweepField::Beta2, SweepField::Eps, SweepField::WeightDecay] {
        for ron in ["Adamax()", "NAdam()", "RAdam()"] {
            field.apply(&mut run(ron), 0.5).unwrap_or_else(|e| panic!("{ron} {field:?}: {e}"));
        }
    }
    let error = SweepField::MomentumDecay.apply(&mut run("RAdam()"), 0.02).expect_err("no ψ");
    assert!(error.contains("RAdam has no momentum decay ψ"), "{error}");
    let limit = SweepField::MomentumDecay.limit(&nadam.optimizer, &Schedule::Constant);
    assert!(limit.contains(0.0) && !limit.contains(-0.1));
}
