//! Tanh units and the squared-error loss: their gradients against central differences in every
//! network shape and under every random draw, the loss by hand on a one-layer net, and runs
//! that learn with them.

use crate::train::{gradient_check, mlp, rng, small_data};
use optlab_core::optim::OptimizerConfig;
use optlab_core::train::model::{Draw, Mode, ModelConfig, Network, WeightInit};
use optlab_core::train::{Activation, LossFunction, Trainer, TrainingConfig};

/// A network with λ = 0.1 and every parameter moved off its initial value.
fn network(model: &ModelConfig, objective: (Activation, LossFunction), seed: u64) -> Network {
    let mut net = Network::new(model, WeightInit::Normal { std: 0.8 }, 3, 0.1, &mut rng(seed))
        .with_objective(objective.0, objective.1);
    for (i, p) in net.params_mut().iter_mut().enumerate() {
        *p += 0.3 * (i as f64 * 1.7).sin();
    }
    net
}

const OBJECTIVES: [(Activation, LossFunction); 3] = [
    (Activation::Tanh, LossFunction::CrossEntropy),
    (Activation::Relu, LossFunction::SquaredError),
    (Activation::Tanh, LossFunction::SquaredError),
];

#[test]
fn gradients_of_every_objective_match_central_differences_in_every_shape() {
    let data = small_data();
    let residual = ModelConfig::ResidualMlp { width: 5, blocks: 3, final_survival: 0.5 };
    for objective in OBJECTIVES {
        // Widening, square and narrowing (transposed) layers; the course's shape takes the
        // fused kernel only for relu + cross-entropy, so these go layer by layer.
        for model in [mlp(&[6, 6, 4], 1.0, 1.0), mlp(&[100], 1.0, 1.0), residual.clone()] {
            let net = network(&model, objective, 1);
            let draw = Draw { gates: vec![true, false, true], ..Draw::default() };
            let error = gradient_check(&net, &data, &draw);
            assert!(error < 1e-6, "{objective:?} {model:?}: relative error {error:e}");
        }
    }
}

#[test]
fn gradients_of_every_objective_match_under_dropout_and_dropconnect() {
    let data = small_data();
    for objective in OBJECTIVES {
        for (seed, model) in [(2, mlp(&[6, 5], 0.7, 1.0)), (4, mlp(&[6, 5], 0.8, 0.6))] {
            let net = network(&model, objective, seed);
            let mut draw = Draw::default();
            net.draw(data.len(), &mut rng(seed + 1), &mut draw);
            let error = gradient_check(&net, &data, &draw);
            assert!(error < 1e-6, "{objective:?} {model:?}: relative error {error:e}");
        }
    }
}

/// With no hidden layer the scores are x·W + b; the loss is the mean of ½‖s − one-hot‖².
#[test]
fn squared_error_is_half_the_mean_squared_distance_to_the_one_hot_labels() {
    let data = small_data();
    let net = network(&mlp(&[], 1.0, 1.0), (Activation::Relu, LossFunction::SquaredError), 3);
    let params = net.params();
    let layer = &net.layers()[0];
    let mut expected = 0.0;
    for (x, &label) in data.x.iter().zip(&data.y) {
        for class in 0..3 {
            let w = |input: usize| net.weight(0, input, class).expect("a weight");
            let score = params[layer.bias_offset + class] + x[0] * w(0) + x[1] * w(1);
            let target = if class == label { 1.0 } else { 0.0 };
            expected += 0.5 * (score - target) * (score - target);
        }
    }
    expected /= data.len() as f64;
    let mut ws = net.workspace(data.len());
    let loss = net.loss(&data.x, &data.y, Mode::Eval, &mut ws);
    assert!(
        (loss.data - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "{loss:?} vs {expected}"
    );
}

#[test]
fn tanh_units_are_bounded_and_change_the_network_s_outputs() {
    let data = small_data();
    let relu = network(&mlp(&[8], 1.0, 1.0), (Activation::Relu, LossFunction::CrossEntropy), 5);
    let tanh = relu.clone().with_objective(Activation::Tanh, LossFunction::CrossEntropy);
    let (mut ws_relu, mut ws_tanh) = (relu.workspace(data.len()), tanh.workspace(data.len()));
    let a = relu.loss(&data.x, &data.y, Mode::Eval, &mut ws_relu).data;
    let b = tanh.loss(&data.x, &data.y, Mode::Eval, &mut ws_tanh).data;
    assert!(a.is_finite() && b.is_finite() && (a - b).abs() > 1e-3, "relu {a}, tanh {b}");
}

/// A 2 → 16 → 16 → 3 tanh net trained on squared error with full-batch SGD learns the blobs.
#[test]
fn a_tanh_net_on_squared_error_learns() {
    let config = TrainingConfig {
        dataset: optlab_core::train::DatasetConfig::Blobs {
            classes: 3,
            points_per_class: 30,
            std: 0.3,
        },
        validation_fraction: 0.0,
        model: mlp(&[16, 16], 1.0, 1.0),
        init: WeightInit::LecunNormal,
        activation: Activation::Tanh,
        loss: LossFunction::SquaredError,
        optimizer: OptimizerConfig::Sgd { lr: 0.2, weight_decay: 0.0 },
        batch_size: 1000,
        epochs: 300,
        l2: 0.0,
        ..TrainingConfig::default()
    };
    let mut trainer = Trainer::new(&config).expect("a valid config");
    let history = trainer.run();
    let (first, last) = (history[0], history[history.len() - 1]);
    assert!(last.train_loss < 0.5 * first.train_loss, "{first:?} → {last:?}");
    assert!(last.train_accuracy > 0.9, "{last:?}");
}

/// The RON names of the new choices load, save and load again unchanged; omitted, they are the
/// course's relu, cross-entropy and Kaiming init.
#[test]
fn activation_loss_and_init_round_trip_through_ron() {
    use optlab_core::entries::Experiment;
    use optlab_core::notebook::Notebook;
    let text = "(entries: [(name: \"t\", experiment: Training(runs: [\
        (name: \"a\", optimizer: Sgd(lr: 0.1), activation: Tanh, loss: SquaredError, \
         init: LecunNormal),\
        (name: \"b\", optimizer: Sgd(lr: 0.1))]))])";
    let notebook = Notebook::from_ron(text).expect("loads");
    let Experiment::Training(lab) = &notebook.entries[0].experiment else { panic!("training") };
    let (a, b) = (&lab.runs[0], &lab.runs[1]);
    assert_eq!(
        (a.activation, a.loss, a.init),
        (Activation::Tanh, LossFunction::SquaredError, WeightInit::LecunNormal)
    );
    assert_eq!(
        (b.activation, b.loss, b.init),
        (Activation::Relu, LossFunction::CrossEntropy, WeightInit::KaimingNormal)
    );
    let saved = notebook.to_ron();
    assert_eq!(Notebook::from_ron(&saved).expect("reloads"), notebook);
    let bad = text.replace("Tanh", "Sigmoid");
    let message = Notebook::from_ron(&bad).expect_err("refused").to_string();
    assert!(message.contains("Sigmoid") && message.contains("Relu"), "{message}");
}
