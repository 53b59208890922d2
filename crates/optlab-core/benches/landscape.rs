//! Loss-landscape benchmark: a 51 × 51 filter-normalized slice of the course's spiral net
//! (N = 300 points, 2 → 100 → 3, relu, softmax, L2), the training objective at 2601 points, on
//! every core and on one. Run with `cargo bench --bench landscape`.

use divan::{Bencher, black_box};
use optlab_core::train::data;
use optlab_core::train::landscape::{
    LossGrid, Objective, Plane, default_threads, fill_rows, filter_normalized_directions,
};
use optlab_core::train::model::{ModelConfig, Network, WeightInit};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn main() {
    divan::main();
}

fn slice(bencher: Bencher, threads: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let points = data::spiral(3, 100, 0.2, &mut rng);
    let model = ModelConfig::Mlp { hidden: vec![100], dropout_keep: 1.0, dropconnect_keep: 1.0 };
    let network = Network::new(&model, WeightInit::KaimingNormal, 3, 1e-3, &mut rng);
    let params = network.params().to_vec();
    let [d1, d2] = filter_normalized_directions(&network, &params, 0);
    let objective = Objective { network: &network, x: &points.x, y: &points.y };
    let plane = Plane { centre: &params, d1: &d1, d2: &d2 };
    bencher.bench_local(|| {
        let mut grid = LossGrid::new([-1.0, 1.0], [-1.0, 1.0], 51);
        fill_rows(&objective, black_box(&plane), &mut grid, 0..51, threads);
        grid
    });
}

/// The whole 51 × 51 slice on every core (the app's and `optlab run`'s setting).
#[divan::bench(sample_count = 10)]
fn spiral_slice_51x51_all_cores(bencher: Bencher) {
    slice(bencher, default_threads());
}

/// The same slice on one thread.
#[divan::bench(sample_count = 10)]
fn spiral_slice_51x51_one_thread(bencher: Bencher) {
    slice(bencher, 1);
}
