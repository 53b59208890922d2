//! Adadelta, ASGD and Rprop (issue 16): invariants that hold for any input, their RON
//! contract (PyTorch's defaults, refused values) and a training run with each.
#![expect(clippy::float_cmp, reason = "Rprop's moves and ASGD's η are exact by construction")]

use optlab_core::optim::OptimizerConfig;
use optlab_core::schedule::Schedule;
use optlab_core::train::data::DatasetConfig;
use optlab_core::train::model::ModelConfig;
use optlab_core::train::{Trainer, TrainingConfig};
use proptest::prelude::*;

fn rprop(
    lr: f64,
    (eta_minus, eta_plus): (f64, f64),
    (step_min, step_max): (f64, f64),
) -> OptimizerConfig {
    OptimizerConfig::Rprop { lr, eta_minus, eta_plus, step_min, step_max }
}

/// A gradient coordinate that is sometimes exactly 0 (Rprop's third case).
fn gradient() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(0.0), 6 => -10.0..10.0f64]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Every coordinate's step size stays in [step_min, step_max]; where the gradient changed
    /// sign the coordinate does not move and its stored gradient becomes 0; elsewhere it moves
    /// by exactly −step_size·sign(g).
    #[test]
    fn rprop_steps_stay_within_bounds_and_sign_changes_do_not_move(
        start in prop::collection::vec(-10.0..10.0f64, 3),
        grads in prop::collection::vec(prop::collection::vec(gradient(), 3), 1..30),
        lr in 0.0..2.0f64,
        eta_minus in 0.01..0.99f64,
        eta_plus in 1.01..3.0f64,
        step_min in 0.0..1e-2f64,
        span in 1.0..1e4f64,
    ) {
        let step_max = step_min.max(1e-6) * span;
        let config = rprop(lr, (eta_minus, eta_plus), (step_min, step_max));
        let mut optimizer = config.build(3);
        let mut params = start;
        let mut previous = vec![0.0; 3];
        for grad in &grads {
            let before = params.clone();
            optimizer.step(&mut params, grad, lr);
            let sizes = optimizer.state_buffer("step_size").expect("a step size").to_vec();
            let stored = optimizer.state_buffer("prev").expect("prev").to_vec();
            for i in 0..3 {
                prop_assert!((step_min..=step_max).contains(&sizes[i]), "{} outside", sizes[i]);
                if grad[i] * previous[i] < 0.0 {
                    prop_assert_eq!(params[i], before[i]);
                    prop_assert_eq!(stored[i], 0.0);
                } else {
                    let moved = before[i] - grad[i].signum() * sizes[i] * f64::from(grad[i] != 0.0);
                    prop_assert_eq!(params[i], moved);
                    prop_assert_eq!(stored[i], grad[i]);
                }
            }
            previous = stored;
        }
    }

    /// With an integer t0, after update t > t0 + 1 the average is the mean of the iterates of
    /// updates t0 + 2 … t (torch's μ = 1/max(1, t − t0) is set after update t for update t + 1);
    /// before that it is the current iterate.
    #[test]
    fn asgd_average_is_the_mean_of_the_iterates_after_t0(
        start in prop::collection::vec(-5.0..5.0f64, 2),
        grads in prop::collection::vec(prop::collection::vec(-5.0..5.0f64, 2), 1..40),
        t0 in 0u32..15,
        lr in 0.0..0.5f64,
        lambd in 0.0..0.1f64,
    ) {
        let config = OptimizerConfig::Asgd {
            lr, lambd, alpha: 0.75, t0: f64::from(t0), weight_decay: 0.0,
        };
        let mut optimizer = config.build(2);
        let mut params = start;
        let mut iterates: Vec<Vec<f64>> = Vec::new();
        for grad in &grads {
            optimizer.step(&mut params, grad, lr);
            iterates.push(params.clone());
            let t = iterates.len();
            let first = (t0 as usize + 2).min(t);
            let averaged = &iterates[first - 1..];
            let ax = optimizer.state_buffer("ax").expect("ax");
            for i in 0..2 {
                let mean = averaged.iter().map(|p| p[i]).sum::<f64>() / averaged.len() as f64;
                let scale = averaged.iter().map(|p| p[i].abs()).fold(1.0, f64::max);
                prop_assert!((ax[i] - mean).abs() <= 1e-12 * scale, "t {t}: {} vs {mean}", ax[i]);
            }
        }
    }

    /// ASGD with λ = 0 and averaging never started is plain SGD, bit for bit: η = lr every step.
    #[test]
    fn asgd_without_decay_is_sgd(
        start in prop::collection::vec(-5.0..5.0f64, 3),
        grads in prop::collection::vec(prop::collection::vec(-5.0..5.0f64, 3), 1..20),
        lr in 0.0..1.0f64,
        weight_decay in 0.0..0.5f64,
    ) {
        let asgd = OptimizerConfig::Asgd { lr, lambd: 0.0, alpha: 0.75, t0: 1e6, weight_decay };
        let sgd = OptimizerConfig::Sgd { lr, weight_decay };
        let (mut a, mut b) = (start.clone(), start);
        let (mut asgd, mut sgd) = (asgd.build(3), sgd.build(3));
        for grad in &grads {
            asgd.step(&mut a, grad, lr);
            sgd.step(&mut b, grad, lr);
            prop_assert_eq!(&a, &b);
        }
    }

    /// Adadelta's first step: Δ = √ε/√((1 − ρ)g² + ε)·g, times lr.
    #[test]
    fn adadelta_first_step_is_root_eps_over_the_averaged_square(
        start in prop::collection::vec(-5.0..5.0f64, 3),
        grad in prop::collection::vec(-5.0..5.0f64, 3),
        lr in 0.0..2.0f64,
        rho in 0.0..1.0f64,
        eps in 1e-8..1e-2f64,
    ) {
        let config = OptimizerConfig::Adadelta { lr, rho, eps, weight_decay: 0.0 };
        let mut optimizer = config.build(3);
        let mut params = start.clone();
        optimizer.step(&mut params, &grad, lr);
        for i in 0..3 {
            let delta = eps.sqrt() / ((1.0 - rho) * grad[i] * grad[i] + eps).sqrt() * grad[i];
            let want = start[i] - lr * delta;
            prop_assert!((params[i] - want).abs() <= 1e-14 * want.abs().max(1.0));
        }
        let acc = optimizer.state_buffer("acc_delta").expect("acc_delta");
        prop_assert!(acc.iter().all(|a| *a >= 0.0));
    }
}

#[test]
fn asgd_eta_decays_as_torch_computes_it_and_is_not_the_lr() {
    let config =
        OptimizerConfig::Asgd { lr: 0.1, lambd: 0.01, alpha: 0.75, t0: 1e6, weight_decay: 0.0 };
    let mut optimizer = config.build(2);
    assert_eq!(optimizer.state_buffer("eta"), None, "no state before the first update");
    let mut params = [1.0, 1.0];
    let mut effective = [0.0; 2];
    optimizer.internals(0.1, &mut effective);
    assert_eq!(effective, [0.1, 0.1], "η = lr before the first update");
    for t in 1..=5_u32 {
        optimizer.step(&mut params, &[1.0, -1.0], 0.1);
        let eta = 0.1 / (1.0 + 0.01 * 0.1 * f64::from(t)).powf(0.75);
        assert_eq!(optimizer.state_buffer("eta"), Some(&[eta][..]));
        assert_eq!(optimizer.state_buffer("mu"), Some(&[1.0][..]));
        optimizer.internals(0.1, &mut effective);
        assert_eq!(effective, [eta, eta]);
    }
    assert!(config.update_rule().contains("η ← lr/(1 + λ·lr·t)^α"), "{}", config.update_rule());
}

#[test]
fn omitted_fields_take_torch_defaults() {
    let parse = |text: &str| ron::from_str::<OptimizerConfig>(text).expect(text);
    assert_eq!(
        parse("Adadelta()"),
        OptimizerConfig::Adadelta { lr: 1.0, rho: 0.9, eps: 1e-6, weight_decay: 0.0 }
    );
    assert_eq!(
        parse("Asgd()"),
        OptimizerConfig::Asgd { lr: 0.01, lambd: 1e-4, alpha: 0.75, t0: 1e6, weight_decay: 0.0 }
    );
    assert_eq!(parse("Rprop()"), rprop(0.01, (0.5, 1.2), (1e-6, 50.0)));
    let named: Vec<&str> = OptimizerConfig::catalogue().iter().map(OptimizerConfig::name).collect();
    for name in ["Adadelta", "Asgd", "Rprop"] {
        assert!(named.contains(&name), "{name} is in the catalogue: {named:?}");
    }
}

#[test]
fn out_of_range_values_are_refused_with_field_and_range() {
    for (text, field, range) in [
        ("Adadelta(rho: 1.5)", "rho", "[0, 1]"),
        ("Adadelta(eps: -1e-6)", "eps", "[0, +inf)"),
        ("Asgd(lambd: -0.1)", "lambd", "[0, +inf)"),
        ("Asgd(alpha: -1.0)", "alpha", "[0, +inf)"),
        ("Asgd(t0: -3.0)", "t0", "[0, +inf)"),
        ("Rprop(eta_minus: 1.0)", "eta_minus", "(0, 1)"),
        ("Rprop(eta_plus: 1.0)", "eta_plus", "(1, +inf)"),
        ("Rprop(step_min: -1.0)", "step_min", "[0, +inf)"),
        ("Rprop(step_max: 0.0)", "step_max", "(0, +inf)"),
    ] {
        let error = ron::from_str::<OptimizerConfig>(text).expect_err(text).to_string();
        assert!(error.contains(&format!("`{field}`")) && error.contains(range), "{text}: {error}");
    }
    let bad = rprop(0.01, (0.5, 0.9), (1e-6, 50.0));
    assert_eq!(bad.validate().expect_err("η⁺ ≤ 1").limit.name, "eta_plus");
    let unknown = ron::from_str::<OptimizerConfig>("Rprop(etas: (0.5, 1.2))");
    assert!(unknown.is_err(), "torch's tuple is not the RON contract");
}

/// Each trains a small network through the flat parameter vector: the loss falls.
#[test]
fn adadelta_asgd_and_rprop_train_a_network() {
    for optimizer in [
        OptimizerConfig::Adadelta { lr: 1.0, rho: 0.9, eps: 1e-6, weight_decay: 0.0 },
        OptimizerConfig::Asgd { lr: 0.5, lambd: 1e-4, alpha: 0.75, t0: 10.0, weight_decay: 0.0 },
        rprop(0.01, (0.5, 1.2), (1e-6, 50.0)),
    ] {
        let config = TrainingConfig {
            dataset: DatasetConfig::Moons { points: 100, noise: 0.1 },
            validation_fraction: 0.0,
            model: ModelConfig::Mlp { hidden: vec![16], dropout_keep: 1.0, dropconnect_keep: 1.0 },
            optimizer: optimizer.clone(),
            schedule: Schedule::Constant,
            batch_size: 100,
            epochs: 60,
            seed: 1,
            ..TrainingConfig::default()
        };
        let history = Trainer::new(&config).expect("valid").run();
        let (first, last) = (history.first().expect("ran"), history.last().expect("ran"));
        assert!(
            last.train_loss < 0.8 * first.train_loss && last.train_accuracy > 0.8,
            "{}: loss {} → {}, accuracy {}",
            optimizer.name(),
            first.train_loss,
            last.train_loss,
            last.train_accuracy
        );
    }
}

/// A sweep over Rprop's η⁻ and η⁺ computes every cell; a field the optimizer lacks is
/// reported, and each new field has the range the RON file has.
#[test]
fn a_sweep_varies_rprop_etas_and_refuses_asgd_fields_on_adadelta() {
    use optlab_core::entries::sweep::SweepLab;
    use optlab_core::entries::{Lab, LabReport};
    use optlab_core::grid::{SweepAxis, SweepField};
    let mut lab = SweepLab {
        optimizer: rprop(0.05, (0.5, 1.2), (1e-6, 50.0)),
        steps: 100,
        ..SweepLab::default()
    };
    lab.x = SweepAxis { field: SweepField::EtaMinus, from: 0.2, to: 0.8, count: 3, log: false };
    lab.y = SweepAxis { field: SweepField::EtaPlus, from: 1.1, to: 1.5, count: 2, log: false };
    let LabReport::Sweep(report) = LabReport::compute(Lab::Sweep(&lab)) else { panic!("a sweep") };
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(report.cells.len(), 6);
    assert!(report.cells.iter().all(Option::is_some), "every cell computed");
    lab.optimizer = OptimizerConfig::Adadelta { lr: 1.0, rho: 0.9, eps: 1e-6, weight_decay: 0.0 };
    lab.x.field = SweepField::T0;
    let LabReport::Sweep(report) = LabReport::compute(Lab::Sweep(&lab)) else { panic!("a sweep") };
    let error = report.error.expect("Adadelta has no t0");
    assert!(error.contains("Adadelta") && error.contains("t0"), "{error}");
    let schedule = Schedule::Constant;
    for (field, name) in [
        (SweepField::Rho, "rho"),
        (SweepField::Lambd, "lambd"),
        (SweepField::Alpha, "alpha"),
        (SweepField::T0, "t0"),
        (SweepField::EtaMinus, "eta_minus"),
        (SweepField::EtaPlus, "eta_plus"),
        (SweepField::StepMin, "step_min"),
        (SweepField::StepMax, "step_max"),
    ] {
        assert_eq!(field.limit(&lab.optimizer, &schedule).name, name);
        assert!(SweepField::ALL.contains(&field));
    }
}
