//! Exact Hessian-vector products (`train::hessian`) and λmax (`train::sharpness`).
//!
//! What is independent of what:
//! * H·v against central differences of the gradient (1e-6 relative) checks the R-passes
//!   against the gradient; the gradient is checked against `Network::loss_and_gradient`
//!   (`model.rs`, separate code) at 1e-12, and the loss against `Network::loss_at`.
//! * The dense Hessian (columns H·eᵢ) must be symmetric to 1e-12 — nothing forces that but
//!   the products being exact second derivatives. Its eigenvalues (Jacobi, in this file) are
//!   compared with the eigenvalues of a dense Hessian from central differences of
//!   `model.rs`'s gradient, which shares no code with the R-passes (FD-limited tolerance).
//! * Power iteration's λmax against the dense Hessian's eigenvalue of largest magnitude at
//!   1e-8 relative (same products, different algorithm).

use optlab_core::train::data::{self, Dataset};
use optlab_core::train::hessian::HessianWorkspace;
use optlab_core::train::model::{Draw, Mode, ModelConfig, Network, WeightInit};
use optlab_core::train::sharpness::{PowerIteration, largest_eigenvalue};
use optlab_core::train::{Activation, LossFunction};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

fn mlp(hidden: &[usize]) -> ModelConfig {
    ModelConfig::Mlp { hidden: hidden.to_vec(), dropout_keep: 1.0, dropconnect_keep: 1.0 }
}

fn residual(width: usize, blocks: usize) -> ModelConfig {
    ModelConfig::ResidualMlp { width, blocks, final_survival: 1.0 }
}

/// Spiral points (none at the origin's relu kinks for these seeds).
fn spiral(per_class: usize) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut points = data::spiral(3, per_class, 0.2, &mut rng);
    // The spiral starts at the origin, where every first-layer pre-activation is its bias.
    for x in &mut points.x {
        x[0] += 0.05;
    }
    points
}

fn network(model: &ModelConfig, activation: Activation, loss: LossFunction, l2: f64) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut net = Network::new(model, WeightInit::KaimingNormal, 3, l2, &mut rng)
        .with_objective(activation, loss);
    // Non-zero biases, so they are exercised too.
    for layer in net.layers().to_vec() {
        for i in layer.bias_offset..layer.end() {
            let z: f64 = StandardNormal.sample(&mut rng);
            net.params_mut()[i] = 0.1 * z;
        }
    }
    net
}

fn random_vector(len: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..len).map(|_| StandardNormal.sample(&mut rng)).collect()
}

fn relative(a: &[f64], b: &[f64]) -> f64 {
    let diff: f64 = a.iter().zip(b).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
    let norm: f64 = b.iter().map(|b| b * b).sum::<f64>().sqrt();
    diff / norm.max(1e-300)
}

/// Every model × activation × loss the products must handle, all with L2.
fn cases() -> Vec<(String, ModelConfig, Activation, LossFunction)> {
    let mut cases = Vec::new();
    let models =
        [("mlp 1 layer", mlp(&[5])), ("mlp 2 layers", mlp(&[7, 9])), ("residual", residual(6, 2))];
    for (name, model) in models {
        for activation in Activation::ALL {
            for loss in LossFunction::ALL {
                let label = format!("{name} {} {}", activation.name(), loss.name());
                cases.push((label, model.clone(), activation, loss));
            }
        }
    }
    cases
}

#[test]
fn hessian_vector_products_match_differences_of_the_gradient() {
    let data = spiral(8);
    for (label, model, activation, loss) in cases() {
        let net = network(&model, activation, loss, 0.03);
        let mut hessian = HessianWorkspace::new(&net, &model, &data.x, &data.y).expect(&label);
        let params = net.params().to_vec();
        let v = random_vector(params.len(), 5);
        let mut hv = vec![0.0; params.len()];
        hessian.loss_gradient_product(&params, &v, &mut hv);
        let h = 1e-5;
        let gradient_at = |hessian: &mut HessianWorkspace, step: f64| {
            let moved: Vec<f64> = params.iter().zip(&v).map(|(p, v)| p + step * v).collect();
            hessian.prepare(&moved);
            hessian.gradient().to_vec()
        };
        let plus = gradient_at(&mut hessian, h);
        let minus = gradient_at(&mut hessian, -h);
        let numeric: Vec<f64> = plus.iter().zip(&minus).map(|(p, m)| (p - m) / (2.0 * h)).collect();
        let error = relative(&hv, &numeric);
        assert!(error < 1e-6, "{label}: H·v off by {error:e} relative");
    }
}

#[test]
fn the_gradient_is_the_objectives_gradient() {
    let data = spiral(8);
    for (label, model, activation, loss) in cases() {
        let net = network(&model, activation, loss, 0.03);
        let mut hessian = HessianWorkspace::new(&net, &model, &data.x, &data.y).expect(&label);
        let params = net.params().to_vec();
        let at = hessian.prepare(&params);
        let gradient = hessian.gradient().to_vec();
        let mut ws = net.workspace(data.len());
        let eval = net.loss_at(&params, &data.x, &data.y, Mode::Eval, &mut ws);
        assert!((at.total() - eval.total()).abs() < 1e-12 * eval.total().abs(), "{label}");
        let mut reference = vec![0.0; params.len()];
        net.loss_and_gradient(&params, &data.x, &data.y, &Draw::default(), &mut ws, &mut reference);
        let error = relative(&gradient, &reference);
        assert!(error < 1e-12, "{label}: gradient off model.rs's by {error:e}");
    }
}

/// H column by column from products with the unit vectors.
fn dense_hessian(hessian: &mut HessianWorkspace, params: &[f64]) -> Vec<Vec<f64>> {
    hessian.prepare(params);
    let n = params.len();
    let mut unit = vec![0.0; n];
    let mut columns = vec![vec![0.0; n]; n];
    for (i, column) in columns.iter_mut().enumerate() {
        unit[i] = 1.0;
        hessian.product(&unit, column);
        unit[i] = 0.0;
    }
    columns
}

/// Eigenvalues of a symmetric matrix by cyclic Jacobi rotations, ascending.
fn symmetric_eigenvalues(matrix: &[Vec<f64>]) -> Vec<f64> {
    let n = matrix.len();
    let mut a = matrix.to_vec();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        let diagonal: f64 = (0..n).map(|i| a[i][i] * a[i][i]).sum();
        if off <= 1e-30 * diagonal {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q] == 0.0 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in &mut a {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (low, high) = a.split_at_mut(q);
                for (x, y) in low[p].iter_mut().zip(high[0].iter_mut()) {
                    let (apk, aqk) = (*x, *y);
                    *x = c * apk - s * aqk;
                    *y = s * apk + c * aqk;
                }
            }
        }
    }
    let mut values: Vec<f64> = (0..n).map(|i| a[i][i]).collect();
    values.sort_by(f64::total_cmp);
    values
}

#[test]
fn small_dense_hessians_are_symmetric_and_power_iteration_finds_their_top_eigenvalue() {
    let data = spiral(6);
    for (label, model, activation, loss) in cases() {
        let model = match model {
            ModelConfig::Mlp { .. } => mlp(&[5, 4]),
            ModelConfig::ResidualMlp { .. } => residual(4, 2),
        };
        let net = network(&model, activation, loss, 0.01);
        assert!(net.params().len() <= 500);
        let mut hessian = HessianWorkspace::new(&net, &model, &data.x, &data.y).expect(&label);
        let columns = dense_hessian(&mut hessian, net.params());
        let scale = columns.iter().flatten().fold(0.0_f64, |m, h| m.max(h.abs()));
        for (i, column) in columns.iter().enumerate() {
            for (j, h) in column.iter().enumerate() {
                let asymmetry = (h - columns[j][i]).abs();
                assert!(
                    asymmetry <= 1e-12 * scale,
                    "{label}: H[{i}][{j}] asymmetric by {asymmetry:e}"
                );
            }
        }
        let eigenvalues = symmetric_eigenvalues(&columns);
        let top =
            eigenvalues.iter().copied().fold(0.0_f64, |m, e| if e.abs() > m.abs() { e } else { m });
        let power = largest_eigenvalue(&mut hessian, net.params(), 4000, 1);
        assert!(
            (power - top).abs() <= 1e-8 * top.abs(),
            "{label}: power iteration {power} against the dense eigenvalue {top}"
        );
    }
}

/// The eigenvalues of a dense Hessian from central differences of `model.rs`'s gradient.
fn finite_difference_eigenvalues(net: &Network, data: &Dataset) -> Vec<f64> {
    let params = net.params().to_vec();
    let n = params.len();
    let mut ws = net.workspace(data.len());
    let mut probe = params.clone();
    let h = 1e-5;
    let mut gradient_at = |probe: &[f64]| {
        let mut g = vec![0.0; n];
        net.loss_and_gradient(probe, &data.x, &data.y, &Draw::default(), &mut ws, &mut g);
        g
    };
    let mut columns = vec![vec![0.0; n]; n];
    for i in 0..n {
        probe[i] = params[i] + h;
        let up = gradient_at(&probe);
        probe[i] = params[i] - h;
        let down = gradient_at(&probe);
        probe[i] = params[i];
        for j in 0..n {
            columns[i][j] = (up[j] - down[j]) / (2.0 * h);
        }
    }
    // Symmetrize away the differences' rounding.
    let columns: Vec<Vec<f64>> =
        (0..n).map(|i| (0..n).map(|j| 0.5 * (columns[i][j] + columns[j][i])).collect()).collect();
    symmetric_eigenvalues(&columns)
}

#[test]
fn dense_eigenvalues_match_a_finite_difference_hessian_of_model_rs() {
    let data = spiral(6);
    for (label, model, activation, loss) in cases() {
        let model = match model {
            ModelConfig::Mlp { .. } => mlp(&[5, 4]),
            ModelConfig::ResidualMlp { .. } => residual(4, 2),
        };
        let net = network(&model, activation, loss, 0.01);
        let mut hessian = HessianWorkspace::new(&net, &model, &data.x, &data.y).expect(&label);
        let computes = hessian.prepare(net.params()).total();
        let mut ws = net.workspace(data.len());
        let eval = net.loss_at(net.params(), &data.x, &data.y, Mode::Eval, &mut ws).total();
        assert!((computes - eval).abs() <= 1e-12 * eval, "{label}: {computes} against {eval}");
        let exact = symmetric_eigenvalues(&dense_hessian(&mut hessian, net.params()));
        let numeric = finite_difference_eigenvalues(&net, &data);
        let scale = exact.iter().fold(0.0_f64, |m, e| m.max(e.abs()));
        for (e, f) in exact.iter().zip(&numeric) {
            assert!((e - f).abs() <= 1e-6 * scale, "{label}: eigenvalue {e} against {f}");
        }
    }
}

#[test]
fn eval_mode_regularizers_scale_the_objective_as_loss_at_does() {
    let data = spiral(8);
    let models = [
        ModelConfig::Mlp { hidden: vec![6, 5], dropout_keep: 0.7, dropconnect_keep: 0.6 },
        ModelConfig::ResidualMlp { width: 5, blocks: 3, final_survival: 0.5 },
    ];
    for model in models {
        let net = network(&model, Activation::Relu, LossFunction::CrossEntropy, 0.02);
        let mut hessian = HessianWorkspace::new(&net, &model, &data.x, &data.y).expect("plan");
        let mut ws = net.workspace(data.len());
        let eval = net.loss_at(net.params(), &data.x, &data.y, Mode::Eval, &mut ws).total();
        let mine = hessian.prepare(net.params()).total();
        assert!((mine - eval).abs() < 1e-12 * eval, "{model:?}: {mine} against {eval}");
        // The gradient against central differences of model.rs's eval-mode loss.
        let params = net.params().to_vec();
        let gradient = hessian.gradient().to_vec();
        let (h, mut probe) = (1e-6, params.clone());
        let numeric: Vec<f64> = (0..params.len())
            .map(|i| {
                let mut at = |value: f64| {
                    probe[i] = value;
                    net.loss_at(&probe, &data.x, &data.y, Mode::Eval, &mut ws).total()
                };
                let d = (at(params[i] + h) - at(params[i] - h)) / (2.0 * h);
                probe[i] = params[i];
                d
            })
            .collect();
        let error = relative(&gradient, &numeric);
        assert!(error < 1e-7, "{model:?}: gradient off by {error:e}");
    }
}

#[test]
fn products_are_bit_identical_whatever_the_thread_count() {
    let data = spiral(150); // 450 rows: three parts
    let model = mlp(&[16, 16]);
    let net = network(&model, Activation::Tanh, LossFunction::SquaredError, 1e-3);
    let v = random_vector(net.params().len(), 9);
    let product_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        pool.install(|| {
            let mut hessian = HessianWorkspace::new(&net, &model, &data.x, &data.y).expect("plan");
            let mut hv = vec![0.0; v.len()];
            hessian.loss_gradient_product(net.params(), &v, &mut hv);
            (hv, hessian.gradient().to_vec())
        })
    };
    assert_eq!(product_with(1), product_with(3));
}

/// The next direction of [`a_sequence_gives_the_bits_of_products_one_by_one`]: H·v scaled
/// by its first entry's magnitude, so every round's direction differs from the last.
fn next_direction(v: &mut [f64], hv: &[f64]) {
    let scale = hv[0].abs().max(1e-3);
    v.iter_mut().zip(hv.iter()).for_each(|(v, hv)| *v = hv / scale);
}

#[test]
fn a_sequence_gives_the_bits_of_products_one_by_one() {
    let data = spiral(150); // 450 rows: three parts
    let model = mlp(&[16, 16]);
    let net = network(&model, Activation::Tanh, LossFunction::CrossEntropy, 1e-3);
    let start = random_vector(net.params().len(), 5);
    let mut hessian = HessianWorkspace::new(&net, &model, &data.x, &data.y).expect("plan");
    hessian.prepare(net.params());
    let (mut v, mut hv) = (start.clone(), vec![0.0; start.len()]);
    let mut one_by_one = Vec::new();
    for _ in 0..6 {
        hessian.product(&v, &mut hv);
        one_by_one.push(hv.clone());
        next_direction(&mut v, &hv);
    }
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        let in_sequence = pool.install(|| {
            let mut hessian = hessian.clone();
            let (mut v, mut hv) = (start.clone(), vec![0.0; start.len()]);
            let mut products = Vec::new();
            hessian.product_rounds(&mut v, &mut hv, |v, hv| {
                products.push(hv.clone());
                next_direction(v, hv);
                products.len() < 6
            });
            products
        });
        assert_eq!(in_sequence, one_by_one, "{threads} threads");
    }
    let mut unprepared = HessianWorkspace::new(&net, &model, &data.x, &data.y).expect("plan");
    let (mut v, mut hv) = (start.clone(), vec![0.0; start.len()]);
    let mut seen = Vec::new();
    unprepared.product_rounds(&mut v, &mut hv, |_, hv| {
        seen.push(hv.iter().all(|x| x.is_nan()));
        true
    });
    assert_eq!(seen, [true], "nothing prepared: one product of NaN, then the sequence ends");
}

#[test]
fn a_warm_start_converges_where_the_cold_start_ends() {
    let data = spiral(20);
    let model = mlp(&[12, 12]);
    let net = network(&model, Activation::Tanh, LossFunction::SquaredError, 0.0);
    let mut hessian = HessianWorkspace::new(&net, &model, &data.x, &data.y).expect("plan");
    hessian.prepare(net.params());
    let mut power = PowerIteration::new(net.params().len(), 0);
    let long = power.run(&mut hessian, 2000);
    let again = power.run(&mut hessian, 3);
    assert!((again - long).abs() < 1e-9 * long.abs(), "{again} after {long}");
    assert!(long > 0.0);
    let mismatched = HessianWorkspace::new(&net, &mlp(&[12]), &data.x, &data.y);
    assert!(mismatched.is_none(), "a config that does not describe the network is refused");
}
