//! Loss landscapes of a trained network, pure: Li et al. 2018 ("Visualizing the Loss Landscape
//! of Neural Nets") and Goodfellow et al. 2015 ("Qualitatively characterizing neural network
//! optimization problems").
//!
//! * [`filter_normalized_directions`]: two random directions d ~ N(0, I) from a seeded
//!   `ChaCha`, each filter (a fully connected layer's output unit: its incoming weight vector)
//!   rescaled to the norm of the same filter of θ, biases set to 0 (Li et al.'s
//!   `--xignore biasbn`).
//! * [`Objective`]: the loss every view shows, the **training objective**: the data loss on the
//!   whole training set in eval mode ([`Mode::Eval`]: no dropout, DropConnect weights ×p,
//!   residual branches ×pₗ) plus the L2 penalty `½λΣW²`, as [`Network::loss_at`] computes them.
//! * [`LossGrid`] and [`fill_rows`]: the loss over a plane θ + a·d₁ + b·d₂, filled a block of
//!   rows at a time on several threads; every point is computed alone, so the numbers are the
//!   same whatever the thread count.
//! * [`path_pca`]: the first two principal directions of a recorded path (θᵢ − θ*), the
//!   fraction of variance each explains and the path's coordinates on that plane.
//! * [`line_losses`]: the loss along (1 − α)·θ(from) + α·θ(to).

use std::ops::Range;
use std::thread;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::model::{Mode, Network, Workspace};

/// The `ChaCha` stream of the directions (the entry's seed draws its data and weights on stream
/// 0; the directions use their own, so they never repeat those draws).
const DIRECTION_STREAM: u64 = 0x5_11CE;

/// Rows of the data evaluated at once (bounds a thread's workspace).
const CHUNK_ROWS: usize = 512;

/// The training objective of a network at any parameters: data loss over the training set
/// (eval mode) plus the L2 penalty.
#[derive(Clone, Copy, Debug)]
pub struct Objective<'a> {
    /// The network (its architecture, activation, loss function and λ).
    pub network: &'a Network,
    /// The training inputs.
    pub x: &'a [[f64; 2]],
    /// The training labels.
    pub y: &'a [usize],
}

impl Objective<'_> {
    /// A workspace for [`Self::loss`].
    #[must_use]
    pub fn workspace(&self) -> Workspace {
        self.network.workspace(self.x.len().clamp(1, CHUNK_ROWS))
    }

    /// Mean data loss over the training set plus `½λΣW²`, at `params`; NaN without data.
    pub fn loss(&self, params: &[f64], ws: &mut Workspace) -> f64 {
        let rows = self.x.len().min(self.y.len());
        if rows == 0 {
            return f64::NAN;
        }
        let mut sum = 0.0;
        for start in (0..rows).step_by(CHUNK_ROWS) {
            let end = (start + CHUNK_ROWS).min(rows);
            let part = self.network.loss_at(
                params,
                &self.x[start..end],
                &self.y[start..end],
                Mode::Eval,
                ws,
            );
            sum += part.data * (end - start) as f64;
        }
        sum / rows as f64 + self.network.l2_penalty(params)
    }
}

/// Two independent filter-normalized directions for `network`'s parameters `params`, drawn from
/// `seed` (the same seed and architecture give the same draws).
#[must_use]
pub fn filter_normalized_directions(network: &Network, params: &[f64], seed: u64) -> [Vec<f64>; 2] {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(DIRECTION_STREAM);
    let mut draw = || {
        let mut d: Vec<f64> = (0..params.len()).map(|_| StandardNormal.sample(&mut rng)).collect();
        filter_normalize(network, params, &mut d);
        d
    };
    let first = draw();
    [first, draw()]
}

/// Rescales every filter of `d` to the norm of the same filter of `params` and zeroes every
/// bias. A filter of `d` with zero norm stays zero.
pub fn filter_normalize(network: &Network, params: &[f64], d: &mut [f64]) {
    let mut is_weight = vec![false; d.len()];
    for layer in network.layers() {
        let (n_in, n_out) = (layer.fan_in, layer.fan_out);
        for unit in 0..n_out {
            // Stored as Wᵀ: unit `unit`'s weights are one row; else one column.
            let index = |input: usize| {
                layer.weight_offset
                    + if layer.transposed { unit * n_in + input } else { input * n_out + unit }
            };
            let norm = |v: &[f64]| {
                (0..n_in).map(|i| v.get(index(i)).map_or(0.0, |w| w * w)).sum::<f64>().sqrt()
            };
            let (theta, drawn) = (norm(params), norm(d));
            let scale = if drawn > 0.0 { theta / drawn } else { 0.0 };
            for input in 0..n_in {
                if let Some(w) = d.get_mut(index(input)) {
                    *w *= scale;
                }
                if let Some(flag) = is_weight.get_mut(index(input)) {
                    *flag = true;
                }
            }
        }
    }
    for (value, weight) in d.iter_mut().zip(is_weight) {
        if !weight {
            *value = 0.0;
        }
    }
}

/// The loss over a square grid of a plane, row by row: `side` values of a over `a_range` (the
/// columns) and `side` of b over `b_range` (the rows, row 0 at b's low end).
#[derive(Clone, Debug, PartialEq)]
pub struct LossGrid {
    /// The lowest and highest a.
    pub a_range: [f64; 2],
    /// The lowest and highest b.
    pub b_range: [f64; 2],
    /// Points per side.
    pub side: usize,
    /// The losses computed so far, row-major (`rows_done() · side` values).
    pub loss: Vec<f64>,
}

impl LossGrid {
    /// An empty grid.
    #[must_use]
    pub fn new(a_range: [f64; 2], b_range: [f64; 2], side: usize) -> Self {
        Self { a_range, b_range, side: side.max(2), loss: Vec::new() }
    }

    /// The a of column `i`.
    #[must_use]
    pub fn a(&self, i: usize) -> f64 {
        along(self.a_range, self.side, i)
    }

    /// The b of row `j`.
    #[must_use]
    pub fn b(&self, j: usize) -> f64 {
        along(self.b_range, self.side, j)
    }

    /// Rows filled so far.
    #[must_use]
    pub fn rows_done(&self) -> usize {
        self.loss.len() / self.side
    }

    /// Whether every row is filled.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.rows_done() >= self.side
    }

    /// `(a, b, loss)` of every point filled so far, row after row.
    pub fn points(&self) -> impl Iterator<Item = [f64; 3]> + '_ {
        self.loss
            .iter()
            .enumerate()
            .map(|(k, &loss)| [self.a(k % self.side), self.b(k / self.side), loss])
    }

    /// The point with the lowest finite loss, `(a, b, loss)`.
    #[must_use]
    pub fn minimum(&self) -> Option<[f64; 3]> {
        self.points().filter(|p| p[2].is_finite()).min_by(|p, q| p[2].total_cmp(&q[2]))
    }

    /// The loss at the grid point nearest to (a, b) among the filled rows.
    #[must_use]
    pub fn nearest(&self, a: f64, b: f64) -> Option<f64> {
        let index = |range: [f64; 2], v: f64| {
            let t = (v - range[0]) / (range[1] - range[0]) * (self.side - 1) as f64;
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a grid index, clamped to the grid"
            )]
            let i = t.round().clamp(0.0, (self.side - 1) as f64) as usize;
            i
        };
        self.loss.get(index(self.b_range, b) * self.side + index(self.a_range, a)).copied()
    }
}

/// The `i`-th of `side` evenly spaced values from `range[0]` to `range[1]`.
fn along(range: [f64; 2], side: usize, i: usize) -> f64 {
    let t = i as f64 / (side.max(2) - 1) as f64;
    range[0] + t * (range[1] - range[0])
}

/// A plane of parameters: `centre + a·d₁ + b·d₂`.
#[derive(Clone, Copy, Debug)]
pub struct Plane<'a> {
    /// The point at a = b = 0.
    pub centre: &'a [f64],
    /// The a direction.
    pub d1: &'a [f64],
    /// The b direction.
    pub d2: &'a [f64],
}

impl Plane<'_> {
    /// Writes `centre + a·d₁ + b·d₂` into `out`.
    fn point(&self, a: f64, b: f64, out: &mut [f64]) {
        for (((o, c), x), y) in out.iter_mut().zip(self.centre).zip(self.d1).zip(self.d2) {
            *o = c + a * x + b * y;
        }
    }
}

/// Computes rows `rows` of `grid` (which must hold exactly `rows.start` rows) on `threads`
/// threads and appends them.
pub fn fill_rows(
    objective: &Objective<'_>,
    plane: &Plane<'_>,
    grid: &mut LossGrid,
    rows: Range<usize>,
    threads: usize,
) {
    let rows = rows.start..rows.end.min(grid.side);
    let side = grid.side;
    let coordinates: Vec<[f64; 2]> = rows
        .flat_map(|j| (0..side).map(move |i| (i, j)))
        .map(|(i, j)| [grid.a(i), grid.b(j)])
        .collect();
    let losses = in_parallel(objective, &coordinates, threads, |&[a, b], params, ws| {
        plane.point(a, b, params);
        objective.loss(params, ws)
    });
    grid.loss.extend(losses);
}

/// The loss at `(1 − α)·from + α·to` for every α of `alphas`.
#[must_use]
pub fn line_losses(
    objective: &Objective<'_>,
    from: &[f64],
    to: &[f64],
    alphas: &[f64],
    threads: usize,
) -> Vec<f64> {
    in_parallel(objective, alphas, threads, |&alpha, params, ws| {
        for ((p, f), t) in params.iter_mut().zip(from).zip(to) {
            *p = (1.0 - alpha) * f + alpha * t;
        }
        objective.loss(params, ws)
    })
}

/// `evaluate(item, parameter buffer, workspace)` for every item, split into contiguous parts
/// over at most `threads` threads (at least one), results in the items' order.
fn in_parallel<T: Sync>(
    objective: &Objective<'_>,
    items: &[T],
    threads: usize,
    evaluate: impl Fn(&T, &mut [f64], &mut Workspace) -> f64 + Sync,
) -> Vec<f64> {
    if items.is_empty() {
        return Vec::new();
    }
    let params = objective.network.params().len();
    let threads = threads.clamp(1, items.len());
    let part = items.len().div_ceil(threads);
    thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(part)
            .map(|chunk| {
                let evaluate = &evaluate;
                scope.spawn(move || {
                    let mut buffer = vec![0.0; params];
                    let mut ws = objective.workspace();
                    chunk
                        .iter()
                        .map(|item| evaluate(item, &mut buffer, &mut ws))
                        .collect::<Vec<f64>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

/// The threads to evaluate on: the machine's cores.
#[must_use]
pub fn default_threads() -> usize {
    thread::available_parallelism().map_or(1, usize::from)
}

/// The plane of a path's first two principal components.
#[derive(Clone, Debug, PartialEq)]
pub struct PathPca {
    /// The two principal directions (unit vectors), the first explaining the most variance.
    pub directions: [Vec<f64>; 2],
    /// The fraction of the path's variance each explains.
    pub explained: [f64; 2],
    /// Every snapshot's coordinates (θᵢ − θ*)·dₖ on the plane.
    pub coordinates: Vec<[f64; 2]>,
}

/// The PCA of the path `snapshots` around its last point, as Li et al.'s code computes it:
/// the rows θᵢ − θ* are centred (scikit-learn's PCA subtracts their mean), the first two
/// principal directions come from the eigenvectors of the small Gram matrix, and the path is
/// projected uncentred, so θ* sits at (0, 0). `None` with fewer than 3 snapshots, a
/// non-finite value, or a path that does not move.
#[must_use]
pub fn path_pca(snapshots: &[Vec<f64>]) -> Option<PathPca> {
    let last = snapshots.last()?;
    let m = snapshots.len();
    if m < 3 || snapshots.iter().any(|s| s.len() != last.len() || s.iter().any(|v| !v.is_finite()))
    {
        return None;
    }
    let n = last.len();
    let rows: Vec<Vec<f64>> =
        snapshots.iter().map(|s| s.iter().zip(last).map(|(a, b)| a - b).collect()).collect();
    let mean: Vec<f64> =
        (0..n).map(|k| rows.iter().map(|r| r[k]).sum::<f64>() / m as f64).collect();
    let centred: Vec<Vec<f64>> =
        rows.iter().map(|r| r.iter().zip(&mean).map(|(v, c)| v - c).collect()).collect();
    let mut gram = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..=i {
            let g = dot(&centred[i], &centred[j]);
            gram[i * m + j] = g;
            gram[j * m + i] = g;
        }
    }
    let total: f64 = (0..m).map(|i| gram[i * m + i]).sum();
    let (values, vectors) = jacobi_eigen(gram, m);
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&p, &q| values[q].total_cmp(&values[p]));
    let direction = |k: usize| -> Option<Vec<f64>> {
        let column = order[k];
        let mut d = vec![0.0; n];
        for (i, row) in centred.iter().enumerate() {
            let u = vectors[i * m + column];
            d.iter_mut().zip(row).for_each(|(x, r)| *x += u * r);
        }
        let norm = dot(&d, &d).sqrt();
        (norm > 0.0 && norm.is_finite()).then(|| d.iter().map(|x| x / norm).collect())
    };
    if total.is_nan() || total <= 0.0 {
        return None;
    }
    let directions = [direction(0)?, direction(1)?];
    let explained = [values[order[0]] / total, values[order[1]] / total].map(|v| v.max(0.0));
    let coordinates =
        rows.iter().map(|r| [dot(r, &directions[0]), dot(r, &directions[1])]).collect();
    Some(PathPca { directions, explained, coordinates })
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Eigenvalues and eigenvectors (columns of the returned row-major matrix) of the symmetric
/// `m × m` matrix `a`, by cyclic Jacobi rotations.
fn jacobi_eigen(mut a: Vec<f64>, m: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0; m * m];
    for i in 0..m {
        v[i * m + i] = 1.0;
    }
    let scale: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    for _sweep in 0..60 {
        let off: f64 = (0..m)
            .flat_map(|i| (0..m).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * m + j].powi(2))
            .sum();
        if off.sqrt() <= 1e-15 * scale || off == 0.0 {
            break;
        }
        for p in 0..m {
            for q in p + 1..m {
                rotate(&mut a, &mut v, m, p, q);
            }
        }
    }
    ((0..m).map(|i| a[i * m + i]).collect(), v)
}

/// One Jacobi rotation zeroing `a[p][q]`, accumulated into `v`.
fn rotate(a: &mut [f64], v: &mut [f64], m: usize, p: usize, q: usize) {
    let apq = a[p * m + q];
    if apq == 0.0 {
        return;
    }
    let theta = (a[q * m + q] - a[p * m + p]) / (2.0 * apq);
    let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
    let t = if theta == 0.0 { 1.0 } else { t };
    let c = 1.0 / (t * t + 1.0).sqrt();
    let s = t * c;
    for k in 0..m {
        let (akp, akq) = (a[k * m + p], a[k * m + q]);
        a[k * m + p] = c * akp - s * akq;
        a[k * m + q] = s * akp + c * akq;
    }
    for k in 0..m {
        let (apk, aqk) = (a[p * m + k], a[q * m + k]);
        a[p * m + k] = c * apk - s * aqk;
        a[q * m + k] = s * apk + c * aqk;
    }
    for k in 0..m {
        let (vkp, vkq) = (v[k * m + p], v[k * m + q]);
        v[k * m + p] = c * vkp - s * vkq;
        v[k * m + q] = s * vkp + c * vkq;
    }
}

/// `count` evenly spaced values from `range[0]` to `range[1]`.
#[must_use]
pub fn evenly_spaced(range: [f64; 2], count: usize) -> Vec<f64> {
    (0..count.max(2)).map(|i| along(range, count.max(2), i)).collect()
}

/// Which epochs of a run of `epochs` epochs to record, at most `most` (at least 2) evenly spaced
/// from 0 to `epochs`, both ends included, ascending and distinct.
#[must_use]
pub fn recorded_epochs(epochs: usize, most: usize) -> Vec<usize> {
    let count = (epochs + 1).min(most.max(2));
    let mut chosen: Vec<usize> = (0..count)
        .map(|k| {
            if count == 1 {
                0
            } else {
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "an epoch index between 0 and `epochs`"
                )]
                let e = (k as f64 * epochs as f64 / (count - 1) as f64).round() as usize;
                e
            }
        })
        .collect();
    chosen.dedup();
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_finds_the_eigenpairs_of_a_small_matrix() {
        // [[2, 1], [1, 2]]: eigenvalues 1 and 3.
        let (values, vectors) = jacobi_eigen(vec![2.0, 1.0, 1.0, 2.0], 2);
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        assert!((sorted[0] - 1.0).abs() < 1e-12 && (sorted[1] - 3.0).abs() < 1e-12, "{values:?}");
        let big = usize::from(values[1] > values[0]);
        let (x, y) = (vectors[big], vectors[2 + big]);
        assert!((x.abs() - y.abs()).abs() < 1e-12 && x * y > 0.0, "{vectors:?}");
    }

    #[test]
    fn recorded_epochs_are_bounded_and_include_both_ends() {
        assert_eq!(recorded_epochs(3, 200), [0, 1, 2, 3]);
        let many = recorded_epochs(1000, 200);
        assert_eq!(many.len(), 200);
        assert_eq!((many[0], many[199]), (0, 1000));
        assert!(many.windows(2).all(|w| w[0] < w[1]));
    }
}
