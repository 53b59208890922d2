//! L-BFGS in training: one `optimizer.step(closure)` per epoch over the whole training set
//! (`train::full_batch`), refused with random draws (dropout, DropConnect, stochastic depth).

use optlab_core::optim::OptimizerConfig;
use optlab_core::train::full_batch;
use optlab_core::train::{ModelConfig, Trainer, TrainingConfig};

fn lbfgs() -> OptimizerConfig {
    ron::from_str("Lbfgs(strong_wolfe: true)").expect("L-BFGS")
}

/// The course's spiral net (300 points, 100 hidden units, λ = 10⁻³), `epochs` epochs.
fn spiral(optimizer: OptimizerConfig, epochs: usize) -> TrainingConfig {
    TrainingConfig { optimizer, epochs, ..TrainingConfig::default() }
}

#[test]
fn lbfgs_on_the_spiral_net_beats_sgd_in_as_many_epochs() {
    let epochs = 15;
    let lbfgs_history = Trainer::new(&spiral(lbfgs(), epochs)).expect("valid").run();
    let lbfgs_last = lbfgs_history.last().expect("trained");
    // SGD at its best lr of a 1-2-3 ladder around the course's (mini-batches of 32).
    let sgd_best = [0.1, 0.3, 1.0, 2.0]
        .map(|lr| {
            let sgd = OptimizerConfig::Sgd { lr, weight_decay: 0.0 };
            let history = Trainer::new(&spiral(sgd, epochs)).expect("valid").run();
            history.last().expect("trained").train_loss
        })
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    assert!(
        lbfgs_last.train_loss < 0.8 * sgd_best,
        "L-BFGS {} against SGD's best {sgd_best}",
        lbfgs_last.train_loss
    );
    assert!(lbfgs_last.train_accuracy > 0.95, "{}", lbfgs_last.train_accuracy);
    let sgd = OptimizerConfig::Sgd { lr: 1.0, weight_decay: 0.0 };
    let sgd_history = Trainer::new(&spiral(sgd, 2)).expect("valid").run();
    // One update per epoch, each with the evaluations its line search made.
    assert_eq!(lbfgs_last.updates, epochs as u64);
    for stats in &lbfgs_history {
        let evaluations = stats.evaluations.expect("a full-batch step counts its evaluations");
        assert!((1..=25).contains(&evaluations), "max_eval 25: {evaluations}");
    }
    assert!(lbfgs_history.iter().any(|s| s.evaluations > Some(1)), "line searches evaluate");
    assert!(sgd_history.iter().all(|s| s.evaluations.is_none()));
    // The loss before a step is the full-batch training loss the previous epoch ended with.
    for pair in lbfgs_history.windows(2) {
        let relative = (pair[1].mean_batch_loss - pair[0].train_loss).abs() / pair[0].train_loss;
        assert!(relative < 1e-9, "{} vs {}", pair[1].mean_batch_loss, pair[0].train_loss);
    }
}

#[test]
fn lbfgs_ignores_the_batch_size_and_is_deterministic() {
    let run = |batch_size| {
        let config = TrainingConfig { batch_size, ..spiral(lbfgs(), 3) };
        Trainer::new(&config).expect("valid").run()
    };
    let (small, large) = (run(8), run(4096));
    assert_eq!(small.len(), 3);
    for (a, b) in small.iter().zip(&large) {
        assert_eq!(a.train_loss.to_bits(), b.train_loss.to_bits(), "batch size plays no part");
        assert_eq!(a.evaluations, b.evaluations);
    }
}

#[test]
fn lbfgs_with_random_draws_is_refused_saying_why() {
    let refused = [
        ModelConfig::Mlp { hidden: vec![8], dropout_keep: 0.5, dropconnect_keep: 1.0 },
        ModelConfig::Mlp { hidden: vec![8], dropout_keep: 1.0, dropconnect_keep: 0.8 },
        ModelConfig::ResidualMlp { width: 8, blocks: 2, final_survival: 0.5 },
    ];
    for model in refused {
        assert!(full_batch::draws_randomly(&model), "{model:?}");
        let config = TrainingConfig { model: model.clone(), ..spiral(lbfgs(), 1) };
        let error = config.validate().expect_err("random draws").to_string();
        assert!(error.contains("L-BFGS compares loss values along its line search"), "{error}");
        assert!(error.contains("dropout, DropConnect and stochastic depth"), "{error}");
        assert!(Trainer::new(&config).is_err(), "{model:?}");
        // Another optimizer trains the same network.
        let adam = TrainingConfig { model, ..TrainingConfig::default() };
        assert!(adam.validate().is_ok());
    }
    let deterministic = [
        ModelConfig::Mlp { hidden: vec![8], dropout_keep: 1.0, dropconnect_keep: 1.0 },
        ModelConfig::ResidualMlp { width: 8, blocks: 2, final_survival: 1.0 },
        ModelConfig::ResidualMlp { width: 8, blocks: 0, final_survival: 0.5 },
    ];
    for model in deterministic {
        assert!(!full_batch::draws_randomly(&model), "{model:?}");
        let config = TrainingConfig { model, ..spiral(lbfgs(), 2) };
        let history = Trainer::new(&config).expect("no random draws").run();
        assert!(history.iter().all(|s| s.train_loss.is_finite()));
    }
}
