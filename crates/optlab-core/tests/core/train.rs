//! The training lab: gradient checks through every layer type, the course's spiral result,
//! datasets, splits, dropout behaviour and config validation.

use optlab_core::optim::OptimizerConfig;
use optlab_core::schedule::Schedule;
use optlab_core::train::data::{self, Dataset, DatasetConfig};
use optlab_core::train::model::{Draw, Mode, ModelConfig, Network, WeightInit};
use optlab_core::train::{GridSpec, Trainer, TrainingConfig, decision_grid};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub(crate) fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

pub(crate) fn mlp(hidden: &[usize], dropout_keep: f64, dropconnect_keep: f64) -> ModelConfig {
    ModelConfig::Mlp { hidden: hidden.to_vec(), dropout_keep, dropconnect_keep }
}

fn adam(lr: f64) -> OptimizerConfig {
    OptimizerConfig::Adam {
        lr,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        bias_correction: true,
        amsgrad: false,
        weight_decay: 0.0,
    }
}

/// Largest relative error |a − n|/max(|a|, |n|, floor) between the analytic gradient and a
/// central difference of the full loss (data + L2), with the masks of `draw` held fixed.
pub(crate) fn gradient_check(network: &Network, data: &Dataset, draw: &Draw) -> f64 {
    let mut ws = network.workspace(data.len());
    let params = network.params().to_vec();
    let mut grad = vec![0.0; params.len()];
    network.loss_and_gradient(&params, &data.x, &data.y, draw, &mut ws, &mut grad);
    let h = 1e-5;
    let mut worst: f64 = 0.0;
    let mut probe = params.clone();
    for (i, analytic) in grad.iter().enumerate() {
        let mut loss_at = |value: f64| {
            probe[i] = value;
            network.loss_at(&probe, &data.x, &data.y, Mode::Train(draw), &mut ws).total()
        };
        let numeric = (loss_at(params[i] + h) - loss_at(params[i] - h)) / (2.0 * h);
        probe[i] = params[i];
        let scale = analytic.abs().max(numeric.abs()).max(1e-6);
        worst = worst.max((analytic - numeric).abs() / scale);
    }
    worst
}

/// Twelve points of three blobs: none at the origin, where zero biases would put every
/// pre-activation of the first layer exactly on the relu kink.
pub(crate) fn small_data() -> Dataset {
    data::blobs(3, 4, 0.5, &mut rng(7))
}

/// A network with λ = 0.1 and every parameter, biases included, moved off its initial value,
/// so that no pre-activation sits at 0.
fn network(model: &ModelConfig, seed: u64) -> Network {
    let mut net = Network::new(model, WeightInit::Normal { std: 0.8 }, 3, 0.1, &mut rng(seed));
    for (i, p) in net.params_mut().iter_mut().enumerate() {
        *p += 0.3 * (i as f64 * 1.7).sin();
    }
    net
}

#[test]
fn gradient_of_plain_mlp_matches_central_differences() {
    // 2 → 6 (widening), 6 → 6 (square), 6 → 4 and 4 → 3 (narrowing, stored transposed).
    let net = network(&mlp(&[6, 6, 4], 1.0, 1.0), 1);
    assert!(
        net.layers().iter().any(|l| l.transposed) && net.layers().iter().any(|l| !l.transposed)
    );
    let error = gradient_check(&net, &small_data(), &Draw::default());
    assert!(error < 1e-6, "relative error {error:e}");
}

#[test]
fn gradient_with_dropout_mask_matches_central_differences() {
    let data = small_data();
    let net = network(&mlp(&[6, 5], 0.7, 1.0), 2);
    let mut draw = Draw::default();
    net.draw(data.len(), &mut rng(3), &mut draw);
    assert!(draw.dropout.iter().flatten().any(|&f| f == 0.0), "some unit is dropped");
    let error = gradient_check(&net, &data, &draw);
    assert!(error < 1e-6, "relative error {error:e}");
}

#[test]
fn gradient_with_dropconnect_mask_matches_central_differences() {
    let data = small_data();
    let net = network(&mlp(&[6, 5], 1.0, 0.6), 4);
    let mut draw = Draw::default();
    net.draw(data.len(), &mut rng(5), &mut draw);
    assert!(draw.dropconnect.iter().flatten().any(|&keep| !keep), "some weight is dropped");
    let error = gradient_check(&net, &data, &draw);
    assert!(error < 1e-6, "relative error {error:e}");
}

#[test]
fn gradient_with_dropout_and_dropconnect_matches_central_differences() {
    let data = small_data();
    let net = network(&mlp(&[5], 0.8, 0.7), 6);
    let mut draw = Draw::default();
    net.draw(data.len(), &mut rng(7), &mut draw);
    let error = gradient_check(&net, &data, &draw);
    assert!(error < 1e-6, "relative error {error:e}");
}

#[test]
fn gradient_through_residual_blocks_with_stochastic_depth_matches_central_differences() {
    let data = small_data();
    let model = ModelConfig::ResidualMlp { width: 5, blocks: 3, final_survival: 0.5 };
    let net = network(&model, 8);
    // One dropped block between two surviving ones: both gate values are exercised.
    let draw = Draw { gates: vec![true, false, true], ..Draw::default() };
    let error = gradient_check(&net, &data, &draw);
    assert!(error < 1e-6, "relative error {error:e}");
    let all_kept = Draw { gates: vec![true; 3], ..Draw::default() };
    let error = gradient_check(&net, &data, &all_kept);
    assert!(error < 1e-6, "relative error {error:e}");
}

/// The course's result: 2 → 100 → 3 on K = 3, N = 100 spiral data separates the arms. The
/// course takes 10 000 full-batch SGD steps of size 1.0; full-batch Adam with lr 0.1 first
/// reaches 98 % after 33 steps and stays there, so 60 steps keep the debug-profile test fast.
#[test]
fn spiral_net_reaches_98_percent_training_accuracy() {
    let config = TrainingConfig {
        dataset: DatasetConfig::Spiral { classes: 3, points_per_class: 100, noise: 0.2 },
        validation_fraction: 0.0,
        model: mlp(&[100], 1.0, 1.0),
        init: WeightInit::KaimingNormal,
        l2: 1e-3,
        optimizer: adam(0.1),
        schedule: Schedule::Constant,
        batch_size: 300,
        epochs: 60,
        seed: 0,
        ..TrainingConfig::default()
    };
    let mut trainer = Trainer::new(&config).expect("valid config");
    let history = trainer.run();
    let last = history.last().expect("epochs ran");
    assert_eq!(last.epoch, 60);
    assert_eq!(last.updates, 60, "full batch: one update per epoch");
    assert!(last.train_accuracy >= 0.98, "train accuracy {}", last.train_accuracy);
    assert!(last.validation_loss.is_none(), "nothing held out");
    assert!(history[0].train_loss > last.train_loss);
}

#[test]
fn trainer_streams_epochs_and_resumes_like_one_run() {
    let config = TrainingConfig {
        dataset: DatasetConfig::Moons { points: 80, noise: 0.1 },
        model: mlp(&[8], 0.9, 0.9),
        optimizer: OptimizerConfig::Momentum {
            lr: 0.05,
            momentum: 0.9,
            dampening: 0.0,
            weight_decay: 0.0,
        },
        schedule: Schedule::Step { every: 5, factor: 0.5 },
        batch_size: 16,
        epochs: 4,
        seed: 3,
        ..TrainingConfig::default()
    };
    let mut whole = Trainer::new(&config).expect("valid");
    let mut pieces = Trainer::new(&config).expect("valid");
    let all = whole.run();
    let mut streamed = vec![pieces.epoch(), pieces.epoch()];
    let moved = std::thread::spawn(move || {
        streamed.extend(pieces.run());
        streamed
    });
    let streamed = moved.join().expect("the trainer moves to another thread");
    assert_eq!(all, streamed);
    // 64 training points in batches of 16: 4 updates per epoch, lr halved every 5 updates.
    assert_eq!(all[1].updates, 8);
    assert!((all[1].lr - 0.05 * 0.5).abs() < 1e-15);
    assert!(all.iter().all(|s| s.validation_accuracy.is_some()));
}

#[test]
fn residual_mlp_trains_on_circles() {
    let config = TrainingConfig {
        dataset: DatasetConfig::Circles { points: 200, noise: 0.05, factor: 0.5 },
        model: ModelConfig::ResidualMlp { width: 16, blocks: 4, final_survival: 0.5 },
        optimizer: adam(0.02),
        batch_size: 40,
        epochs: 40,
        ..TrainingConfig::default()
    };
    let history = Trainer::new(&config).expect("valid").run();
    let last = history.last().expect("ran");
    assert!(last.train_accuracy > 0.9, "train accuracy {}", last.train_accuracy);
}

#[test]
fn every_optimizer_takes_finite_steps() {
    for optimizer in OptimizerConfig::catalogue() {
        let config = TrainingConfig {
            dataset: DatasetConfig::Xor { points: 40, noise: 0.0 },
            optimizer: optimizer.clone(),
            model: mlp(&[4], 1.0, 1.0),
            epochs: 2,
            batch_size: 10,
            ..TrainingConfig::default()
        };
        if matches!(
            optimizer,
            OptimizerConfig::Newton { .. } | OptimizerConfig::SaddleFreeNewton { .. }
        ) {
            // Newton's methods need an exact Hessian, which a network does not have.
            let error = config.validate().expect_err("training refuses Newton").to_string();
            assert!(error.contains("exact Hessian"), "{error}");
            continue;
        }
        let stats = Trainer::new(&config).expect("valid").run();
        assert!(stats.iter().all(|s| s.train_loss.is_finite()), "{}", optimizer.name());
    }
}

fn all_datasets() -> Vec<DatasetConfig> {
    vec![
        DatasetConfig::Spiral { classes: 4, points_per_class: 25, noise: 0.2 },
        DatasetConfig::Moons { points: 101, noise: 0.1 },
        DatasetConfig::Circles { points: 101, noise: 0.1, factor: 0.4 },
        DatasetConfig::Xor { points: 101, noise: 0.1 },
        DatasetConfig::Blobs { classes: 5, points_per_class: 20, std: 0.3 },
    ]
}

#[test]
fn datasets_have_their_sizes_and_labels_in_range() {
    let expected = [(100, 4), (101, 2), (101, 2), (101, 2), (100, 5)];
    for (config, (len, classes)) in all_datasets().iter().zip(expected) {
        config.validate().expect("valid");
        let data = config.generate(&mut rng(1));
        assert_eq!((data.len(), data.classes), (len, classes), "{}", config.name());
        assert_eq!(data.y.len(), data.x.len());
        assert!(data.y.iter().all(|&label| label < classes));
        assert!(data.class_counts().iter().all(|&count| count > len / classes / 2));
        assert!(data.x.iter().flatten().all(|v| v.is_finite()));
    }
}

#[test]
fn datasets_are_reproducible_from_the_seed() {
    for config in all_datasets() {
        let a = config.generate(&mut rng(9));
        assert_eq!(a, config.generate(&mut rng(9)), "{}", config.name());
        assert_ne!(a.x, config.generate(&mut rng(10)).x, "{}", config.name());
    }
}

#[test]
fn spiral_matches_the_course_construction() {
    // Without noise, point i of arm j sits at radius i/(N − 1) and angle 4j + 4i/(N − 1).
    let data = data::spiral(3, 5, 0.0, &mut rng(0));
    let point = data.x[5 + 2];
    let (r, t) = (0.5, 4.0 + 2.0);
    assert!((point[0] - r * f64::sin(t)).abs() < 1e-15);
    assert!((point[1] - r * f64::cos(t)).abs() < 1e-15);
    assert_eq!(data.y[5 + 2], 1);
}

#[test]
fn validation_split_is_disjoint_and_complete() {
    let data = DatasetConfig::Moons { points: 50, noise: 0.1 }.generate(&mut rng(2));
    let (train, validation) = data.split(0.2, &mut rng(3));
    assert_eq!((train.len(), validation.len()), (40, 10));
    let mut all: Vec<[f64; 2]> = train.x.iter().chain(&validation.x).copied().collect();
    let mut original = data.x.clone();
    let key = |p: &[f64; 2]| (p[0].to_bits(), p[1].to_bits());
    all.sort_by_key(key);
    original.sort_by_key(key);
    assert_eq!(all, original, "every point once, none shared");
    assert_eq!(data.split(0.2, &mut rng(3)), (train, validation), "seeded");
}

#[test]
fn dropout_scales_at_train_time_and_is_the_identity_at_test_time() {
    let keep = 0.5;
    let net = Network::new(&mlp(&[200], keep, 1.0), WeightInit::KaimingNormal, 2, 0.0, &mut rng(1));
    let x = [[0.3, -0.7]];
    let mut ws = net.workspace(1);
    let mut draw = Draw::default();
    net.draw(1, &mut rng(2), &mut draw);
    let factors = &draw.dropout[0];
    assert!(factors.iter().all(|&f| f.abs() < 1e-15 || (f - 1.0 / keep).abs() < 1e-15));
    let kept = factors.iter().filter(|&&f| f > 0.0).count();
    assert!((60..140).contains(&kept), "about half of 200 kept: {kept}");
    // At test time there is no randomness: two evaluations agree and differ from training.
    let test = net.loss(&x, &[0], Mode::Eval, &mut ws);
    assert_eq!(test, net.loss(&x, &[0], Mode::Eval, &mut ws));
    assert_ne!(test, net.loss(&x, &[0], Mode::Train(&draw), &mut ws));
    // Keep probability 1 draws nothing and trains exactly as it tests.
    let plain =
        Network::new(&mlp(&[200], 1.0, 1.0), WeightInit::KaimingNormal, 2, 0.0, &mut rng(1));
    plain.draw(1, &mut rng(2), &mut draw);
    assert!(draw.dropout.is_empty());
    assert_eq!(
        plain.loss(&x, &[0], Mode::Eval, &mut ws),
        plain.loss(&x, &[0], Mode::Train(&draw), &mut ws)
    );
}

#[test]
fn decision_grid_covers_the_data_with_probabilities() {
    let config = TrainingConfig { epochs: 1, ..TrainingConfig::default() };
    let trainer = Trainer::new(&config).expect("valid");
    let spec = GridSpec::around(trainer.train_data(), 0.1, 7);
    let grid = decision_grid(trainer.network(), spec);
    assert_eq!(grid.predicted.len(), 49);
    assert_eq!(grid.probabilities.len(), 49 * 3);
    for probs in grid.probabilities.chunks_exact(3) {
        assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
    assert!(grid.predicted.iter().all(|&c| c < 3));
}

#[test]
fn validation_names_the_field_and_its_range() {
    let bad = |edit: fn(&mut TrainingConfig)| {
        let mut config = TrainingConfig::default();
        edit(&mut config);
        config.validate().expect_err("refused").to_string()
    };
    assert_eq!(bad(|c| c.batch_size = 0), "`batch_size` = 0 is out of range; allowed [1, 1000000]");
    assert_eq!(bad(|c| c.epochs = 0), "`epochs` = 0 is out of range; allowed [1, 1000000]");
    assert_eq!(bad(|c| c.l2 = -1.0), "`l2` = -1 is out of range; allowed [0, 1000]");
    assert_eq!(
        bad(|c| c.validation_fraction = 0.95),
        "`validation_fraction` = 0.95 is out of range; allowed [0, 0.9]"
    );
    assert_eq!(
        bad(|c| c.model = mlp(&[100], 0.0, 1.0)),
        "`dropout_keep` = 0 is out of range; allowed (0, 1]"
    );
    assert_eq!(
        bad(|c| c.model = mlp(&[0], 1.0, 1.0)),
        "`hidden` = 0 is out of range; allowed [1, 1024]"
    );
    assert_eq!(
        bad(|c| c.model = ModelConfig::ResidualMlp { width: 8, blocks: 2, final_survival: 1.5 }),
        "`final_survival` = 1.5 is out of range; allowed (0, 1]"
    );
    assert_eq!(
        bad(|c| c.dataset = DatasetConfig::Spiral { classes: 1, points_per_class: 10, noise: 0.2 }),
        "`classes` = 1 is out of range; allowed [2, 10]"
    );
    assert_eq!(
        bad(|c| c.dataset = DatasetConfig::Circles { points: 10, noise: 0.1, factor: 1.0 }),
        "`factor` = 1 is out of range; allowed (0, 1)"
    );
    assert!(Trainer::new(&TrainingConfig { epochs: 0, ..TrainingConfig::default() }).is_err());
}

#[test]
fn ron_config_round_trips_and_refuses_bad_values_while_parsing() {
    let config = TrainingConfig {
        model: ModelConfig::ResidualMlp { width: 8, blocks: 3, final_survival: 0.5 },
        ..TrainingConfig::default()
    };
    let text = ron::to_string(&config).expect("serializes");
    assert_eq!(ron::from_str::<TrainingConfig>(&text).expect("parses"), config);
    let partial: TrainingConfig =
        ron::from_str("(dataset: Moons(points: 100, noise: 0.1), epochs: 5)").expect("defaults");
    assert_eq!(partial.epochs, 5);
    let error = ron::from_str::<TrainingConfig>("(l2: -0.5)").expect_err("refused");
    assert!(error.to_string().contains("`l2` = -0.5 is out of range"), "{error}");
    assert!(ron::from_str::<TrainingConfig>("(typo: 1)").is_err());
}
