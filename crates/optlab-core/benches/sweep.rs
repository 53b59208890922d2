//! Sweep and basin benchmarks: the 100 × 100 Momentum sweep on Rosenbrock (10⁷ steps)
//! and a 256 × 256 basin map of 500-step runs, on every core. Compare with
//! `python3 ../shared/bench/sweep_numpy.py 100 100 1000` run right after.
//! Run with `cargo bench --bench sweep`.

use divan::{Bencher, black_box};
use optlab_core::entries::basin::BasinLab;
use optlab_core::entries::sweep::SweepLab;
use optlab_core::grid as sweep;

fn main() {
    divan::main();
}

/// 100 × 100 cells (lr 1e-5…1e-2 log × momentum 0…0.99) × 1000 Momentum steps.
#[divan::bench(sample_count = 10)]
fn sweep_100x100_momentum_rosenbrock(bencher: Bencher) {
    let lab = SweepLab::default();
    let configs = lab.configs().expect("the default sweep's fields exist");
    let levels = lab.levels();
    bencher.bench_local(|| sweep::compute_cells(black_box(&configs), &levels));
}

/// 256 × 256 starts × 500 Momentum steps on Himmelblau, tracking the four minima.
#[divan::bench(sample_count = 10)]
fn basin_256x256_momentum_himmelblau(bencher: Bencher) {
    let lab = BasinLab::default();
    let configs = lab.configs();
    let levels = lab.levels();
    bencher.bench_local(|| sweep::compute_cells(black_box(&configs), &levels));
}
