//! Training-lab benchmark: one full-batch iteration of the course's spiral net (N = 300 points,
//! 2 → 100 → 3, relu, softmax, L2): forward, backward and an SGD update, the loop body of
//! `../shared/bench/spiral_numpy.py`. Run with `cargo bench --bench train`.

use divan::{Bencher, black_box};
use optlab_core::optim::OptimizerConfig;
use optlab_core::train::data;
use optlab_core::train::model::{Draw, ModelConfig, Network, WeightInit};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn main() {
    divan::main();
}

/// Forward, backward and `Sgd(lr: 1.0)` step on all 300 points, as one numpy iteration.
#[divan::bench]
fn spiral_full_batch_iteration(bencher: Bencher) {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let points = data::spiral(3, 100, 0.2, &mut rng);
    let model = ModelConfig::Mlp { hidden: vec![100], dropout_keep: 1.0, dropconnect_keep: 1.0 };
    let mut network = Network::new(&model, WeightInit::Normal { std: 0.01 }, 3, 1e-3, &mut rng);
    let mut optimizer =
        OptimizerConfig::Sgd { lr: 1.0, weight_decay: 0.0 }.build(network.params().len());
    let mut workspace = network.workspace(points.len());
    let mut grad = vec![0.0; network.params().len()];
    let draw = Draw::default();
    // Warm up into the trained regime, where about half the hidden units are active.
    for _ in 0..1000 {
        network.loss_and_gradient(
            network.params(),
            &points.x,
            &points.y,
            &draw,
            &mut workspace,
            &mut grad,
        );
        optimizer.step(network.params_mut(), &grad, 1.0);
    }
    bencher.bench_local(|| {
        let loss = network.loss_and_gradient(
            network.params(),
            black_box(&points.x),
            &points.y,
            &draw,
            &mut workspace,
            &mut grad,
        );
        optimizer.step(network.params_mut(), &grad, 1.0);
        loss
    });
}
