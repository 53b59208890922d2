//! Stochastic depth (Huang et al. 2016, <https://arxiv.org/abs/1603.09382>): residual blocks
//! skipped at random during training.
//!
//! Training: Hₗ = relu(bₗ·fₗ(Hₗ₋₁) + Hₗ₋₁) with bₗ ~ Bernoulli(pₗ), pₗ the
//! **survival** probability; nothing is rescaled. The linear decay rule is
//! pₗ = 1 − (l/L)(1 − `p_L`) for l = 1..L (p₀ = 1, `p_L` = 0.5 in the paper), so ResNet-110's
//! L = 54 blocks keep Σpₗ = 40.25 of them on average.
//!
//! Test time, two conventions with the same expectation:
//! * the paper: Hₗ = relu(pₗ·fₗ(Hₗ₋₁) + Hₗ₋₁), each branch scaled by its survival;
//! * inverted (torchvision's `stochastic_depth`, timm's `DropPath`): kept branches divided by
//!   pₗ during training, identity at test time. torchvision's `p` is the **drop** probability.
//!
//! [`ResidualStack`] and [`compare_test_rules`] show both on a tiny network;
//! [`torchvision_stochastic_depth`] reproduces torchvision given the drawn mask.

use super::config::{
    MAX_BATCHES, MAX_BLOCKS, MAX_SAMPLES, RESIDUAL_SAMPLES, RESIDUAL_WIDTH, StochasticDepthLab,
};
use crate::regularize::{Running, clamp_probability, draw_keep};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

impl StochasticDepthLab {
    /// A fresh generator seeded with `seed` (the raster's).
    #[must_use]
    pub fn rng(&self) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(self.seed)
    }

    /// [`survival_probabilities`] of the lab.
    #[must_use]
    pub fn survival(&self) -> Vec<f64> {
        survival_probabilities(self.blocks, self.final_survival)
    }

    /// [`expected_depth`] of the lab.
    #[must_use]
    pub fn expected_depth(&self) -> f64 {
        expected_depth(self.blocks, self.final_survival)
    }

    /// The keep/drop raster: `batches` rows of L draws from the seed.
    #[must_use]
    pub fn raster(&self) -> Raster {
        sample_raster(&self.survival(), self.batches, &mut self.rng())
    }

    /// [`compare_test_rules`] on a seeded [`ResidualStack`] of L blocks with
    /// [`RESIDUAL_SAMPLES`] training samples (from the seed on a stream of its own, so it does
    /// not repeat the raster's draws).
    #[must_use]
    pub fn compare_test_rules(&self) -> Option<TestRuleComparison> {
        let mut rng = self.rng();
        rng.set_stream(1);
        let stack = ResidualStack::seeded(self.blocks, &mut rng);
        compare_test_rules(&stack, &self.survival(), RESIDUAL_SAMPLES, &mut rng)
    }
}

/// pₗ = 1 − (l/L)(1 − `p_L`) for l = 1..=L: the paper's linear decay, from just below 1 to `p_L`.
/// `blocks` is clamped to [`MAX_BLOCKS`], `final_survival` into [0, 1].
#[must_use]
pub fn survival_probabilities(blocks: usize, final_survival: f64) -> Vec<f64> {
    let blocks = blocks.min(MAX_BLOCKS);
    let decay = 1.0 - clamp_probability(final_survival);
    (1..=blocks).map(|l| 1.0 - (l as f64 / blocks as f64) * decay).collect()
}

/// E\[number of active blocks\] = Σ pₗ over [`survival_probabilities`] (the sum itself, so it
/// rounds as the listed probabilities do). 40.25 for L = 54, `p_L` = 0.5.
#[must_use]
pub fn expected_depth(blocks: usize, final_survival: f64) -> f64 {
    survival_probabilities(blocks, final_survival).iter().sum()
}

/// The same in closed form, L − (1 − `p_L`)(L + 1)/2 (an arithmetic series), for cross-checks.
#[must_use]
pub fn expected_depth_closed_form(blocks: usize, final_survival: f64) -> f64 {
    let blocks = blocks.min(MAX_BLOCKS) as f64;
    blocks - (1.0 - clamp_probability(final_survival)) * (blocks + 1.0) / 2.0
}

/// How the drop probability grows with depth in different code bases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum DecayRule {
    /// The paper: drop (l/L)·rate for l = 1..=L, so even the first block has drop rate/L and
    /// the last exactly the rate.
    #[default]
    Linear,
    /// timm-style `ViT`s, `torch.linspace(0, drop_path_rate, depth)`: the first block never
    /// drops, the last drops with exactly the rate.
    Linspace,
    /// torchvision `EfficientNet`, `stochastic_depth_prob * block_id / total_blocks` with a
    /// 0-based id: from 0 up to rate·(L − 1)/L, never reaching the rate.
    ZeroBased,
    /// The paper's baseline: every block drops with the rate.
    Uniform,
}

impl DecayRule {
    /// Every rule, in menu order.
    pub const ALL: [Self; 4] = [Self::Linear, Self::Linspace, Self::ZeroBased, Self::Uniform];

    /// The name users type in RON (`ZeroBased`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Linear => "Linear",
            Self::Linspace => "Linspace",
            Self::ZeroBased => "ZeroBased",
            Self::Uniform => "Uniform",
        }
    }
}

/// The drop probability of each of `blocks` blocks under `rule` with drop rate `drop_rate`
/// (= 1 − `p_L`; clamped into [0, 1]), computed the way each source does in float64:
/// `Linear` (l/L)·rate; `Linspace` as `torch.linspace` (start + step·i in the first half,
/// end − step·(n − 1 − i) in the second, so the last value is exactly the rate; timm builds it
/// in float32, which differs by about 1e-8); `ZeroBased` rate·l/L with l from 0; `Uniform` the
/// rate. `blocks` is clamped to [`MAX_BLOCKS`].
#[must_use]
pub fn drop_probabilities(rule: DecayRule, blocks: usize, drop_rate: f64) -> Vec<f64> {
    let blocks = blocks.min(MAX_BLOCKS);
    let rate = clamp_probability(drop_rate);
    let n = blocks as f64;
    match rule {
        DecayRule::Linear => (1..=blocks).map(|l| (l as f64 / n) * rate).collect(),
        DecayRule::Linspace => linspace(0.0, rate, blocks),
        DecayRule::ZeroBased => (0..blocks).map(|l| rate * l as f64 / n).collect(),
        DecayRule::Uniform => vec![rate; blocks],
    }
}

/// `torch.linspace(start, end, steps)` in float64: symmetric from both ends, so the first value
/// is `start` and the last `end` exactly.
fn linspace(start: f64, end: f64, steps: usize) -> Vec<f64> {
    if steps == 1 {
        return vec![start];
    }
    let step = (end - start) / steps.saturating_sub(1) as f64;
    let halfway = steps / 2;
    (0..steps)
        .map(|i| {
            if i < halfway { start + step * i as f64 } else { end - step * (steps - 1 - i) as f64 }
        })
        .collect()
}

/// Survival probabilities under `rule` for final survival `p_L`: [`survival_probabilities`] for
/// `Linear` (the paper's own expression), 1 − [`drop_probabilities`] with rate 1 − `p_L` for the
/// others.
#[must_use]
pub fn survival_probabilities_with(
    rule: DecayRule,
    blocks: usize,
    final_survival: f64,
) -> Vec<f64> {
    if rule == DecayRule::Linear {
        return survival_probabilities(blocks, final_survival);
    }
    let rate = 1.0 - clamp_probability(final_survival);
    drop_probabilities(rule, blocks, rate).iter().map(|d| 1.0 - d).collect()
}

/// Which blocks survived in each of a number of mini-batches (`true` = kept).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Raster {
    batches: usize,
    blocks: usize,
    kept: Vec<bool>,
}

impl Raster {
    /// Rows (mini-batches).
    #[must_use]
    pub fn batches(&self) -> usize {
        self.batches
    }

    /// Columns (blocks).
    #[must_use]
    pub fn blocks(&self) -> usize {
        self.blocks
    }

    /// Whether `block` (0-based) survived in `batch`; `None` outside the raster.
    #[must_use]
    pub fn kept(&self, batch: usize, block: usize) -> Option<bool> {
        self.row(batch)?.get(block).copied()
    }

    /// One mini-batch's draws, block by block.
    #[must_use]
    pub fn row(&self, batch: usize) -> Option<&[bool]> {
        self.rows().nth(batch)
    }

    /// The rows, first mini-batch first.
    pub fn rows(&self) -> impl Iterator<Item = &[bool]> {
        self.kept.chunks_exact(self.blocks.max(1))
    }

    /// Fraction of mini-batches in which each block survived: the empirical pₗ.
    #[must_use]
    pub fn kept_fraction_per_block(&self) -> Vec<f64> {
        let mut counts = vec![0_usize; self.blocks];
        for row in self.rows() {
            counts
                .iter_mut()
                .zip(row)
                .filter(|(_, kept)| **kept)
                .for_each(|(count, _)| *count += 1);
        }
        let batches = self.batches.max(1) as f64;
        counts.iter().map(|&count| count as f64 / batches).collect()
    }

    /// Number of surviving blocks in each mini-batch: the network's depth for that batch.
    #[must_use]
    pub fn active_blocks_per_batch(&self) -> Vec<usize> {
        self.rows().map(|row| row.iter().filter(|&&kept| kept).count()).collect()
    }
}

/// `batches` (clamped to [`MAX_BATCHES`]) rows of independent draws bₗ ~ Bernoulli(pₗ), one
/// per entry of `survival`, row after row.
#[must_use]
pub fn sample_raster(survival: &[f64], batches: usize, rng: &mut ChaCha8Rng) -> Raster {
    let batches = batches.min(MAX_BATCHES);
    let mut kept = Vec::with_capacity(batches.saturating_mul(survival.len()));
    for _ in 0..batches {
        kept.extend(survival.iter().map(|&p| draw_keep(rng, p)));
    }
    Raster { batches, blocks: survival.len(), kept }
}

/// One residual branch f(h) = relu(A h + c).
#[derive(Clone, Debug, PartialEq)]
pub struct ResidualBlock {
    /// A, `width` rows of `width` entries (row-major).
    pub weights: Vec<f64>,
    /// c, `width` entries.
    pub bias: Vec<f64>,
}

impl ResidualBlock {
    /// f(h) = relu(A h + c) (over the common lengths).
    #[must_use]
    pub fn branch(&self, h: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.bias.len()];
        self.branch_into(h, &mut out);
        out
    }

    /// f(h) written into `out` (one entry per bias, as far as `out` reaches).
    fn branch_into(&self, h: &[f64], out: &mut [f64]) {
        let rows = self.weights.chunks_exact(h.len().max(1)).zip(&self.bias);
        for (slot, (row, c)) in out.iter_mut().zip(rows) {
            *slot = (row.iter().zip(h).map(|(a, x)| a * x).sum::<f64>() + c).max(0.0);
        }
    }
}

/// A tiny residual network Hₗ = relu(gₗ·fₗ(Hₗ₋₁) + Hₗ₋₁), where the gate gₗ is bₗ in
/// training, pₗ at the paper's test time, bₗ/pₗ with inverted scaling and 1 at its test time.
#[derive(Clone, Debug, PartialEq)]
pub struct ResidualStack {
    input: Vec<f64>,
    blocks: Vec<ResidualBlock>,
}

impl ResidualStack {
    /// A stack from an input H₀ and blocks; `None` unless the input is non-empty and every
    /// block has a width × width matrix and width biases (width = input length).
    #[must_use]
    pub fn new(input: Vec<f64>, blocks: Vec<ResidualBlock>) -> Option<Self> {
        let width = input.len();
        let square = width.checked_mul(width)?;
        let fits = blocks.iter().all(|b| b.weights.len() == square && b.bias.len() == width);
        (width > 0 && fits).then_some(Self { input, blocks })
    }

    /// A seeded stack of `blocks` blocks (clamped to 1..=[`MAX_BLOCKS`]) of width
    /// [`RESIDUAL_WIDTH`]: H₀ = |N(0, 1)|, A entries N(0, (0.75/(√width·L))²) and c entries
    /// N(0, (0.5/L)²). The 1/L scale keeps the product of the blocks' gains, about
    /// e^(Σ‖Aₗ‖) ≈ e^1.5, bounded for any depth.
    #[must_use]
    pub fn seeded(blocks: usize, rng: &mut ChaCha8Rng) -> Self {
        let depth = blocks.clamp(1, MAX_BLOCKS);
        let n = depth as f64;
        let weight_sd = 0.75 / ((RESIDUAL_WIDTH as f64).sqrt() * n);
        let input = normals(RESIDUAL_WIDTH, 1.0, rng).iter().map(|x| x.abs()).collect();
        let blocks = (0..depth)
            .map(|_| ResidualBlock {
                weights: normals(RESIDUAL_WIDTH * RESIDUAL_WIDTH, weight_sd, rng),
                bias: normals(RESIDUAL_WIDTH, 0.5 / n, rng),
            })
            .collect();
        Self { input, blocks }
    }

    /// Width of the hidden state.
    #[must_use]
    pub fn width(&self) -> usize {
        self.input.len()
    }

    /// The input H₀.
    #[must_use]
    pub fn input(&self) -> &[f64] {
        &self.input
    }

    /// The blocks, first to last.
    #[must_use]
    pub fn blocks(&self) -> &[ResidualBlock] {
        &self.blocks
    }

    /// `H_L` with gate `gates[l]` on block l's branch. Empty unless there is one gate per block.
    #[must_use]
    pub fn forward(&self, gates: &[f64]) -> Vec<f64> {
        if gates.len() != self.blocks.len() {
            return Vec::new();
        }
        let mut h = self.input.clone();
        let mut branch = vec![0.0; h.len()];
        for (block, &gate) in self.blocks.iter().zip(gates) {
            // A dropped block costs nothing, which is the point of stochastic depth:
            // relu(0·f(h) + h) = relu(h).
            if gate != 0.0 {
                block.branch_into(&h, &mut branch);
                for (x, f) in h.iter_mut().zip(&branch) {
                    *x += gate * f;
                }
            }
            for x in &mut h {
                *x = x.max(0.0);
            }
        }
        h
    }
}

/// `len` independent N(0, sd²) values.
fn normals(len: usize, sd: f64, rng: &mut ChaCha8Rng) -> Vec<f64> {
    (0..len)
        .map(|_| {
            let z: f64 = StandardNormal.sample(rng);
            sd * z
        })
        .collect()
}

/// The gates of one training pass: bₗ, or bₗ/pₗ when `inverted` (0 where pₗ = 0).
#[must_use]
pub fn train_gates(kept: &[bool], survival: &[f64], inverted: bool) -> Vec<f64> {
    kept.iter()
        .zip(survival)
        .map(|(&kept, &p)| match (kept, inverted) {
            (true, false) => 1.0,
            (true, true) if p > 0.0 => 1.0 / p,
            // Dropped, or "kept" with survival 0 (which a draw never gives).
            _ => 0.0,
        })
        .collect()
}

/// The mean training output against the test-time output, under both conventions.
#[derive(Clone, Debug, PartialEq)]
pub struct TestRuleComparison {
    /// Training passes averaged.
    pub samples: u64,
    /// Mean of `H_L` over passes with gates bₗ (the paper's training).
    pub paper_train_mean: Vec<f64>,
    /// Standard error of each coordinate of `paper_train_mean`.
    pub paper_train_std_error: Vec<f64>,
    /// `H_L` with gates pₗ (the paper's test rule).
    pub paper_test: Vec<f64>,
    /// Mean of `H_L` over the same passes with gates bₗ/pₗ (inverted training).
    pub inverted_train_mean: Vec<f64>,
    /// Standard error of each coordinate of `inverted_train_mean`.
    pub inverted_train_std_error: Vec<f64>,
    /// `H_L` with every gate 1 (inverted test time: the full network).
    pub inverted_test: Vec<f64>,
}

/// Runs `samples` training passes (clamped to 1..=[`MAX_SAMPLES`]) of `stack` with fresh
/// survival draws and compares their mean with each convention's test-time output. Both
/// conventions use the same draws.
///
/// The means agree exactly in expectation when no relu inside the branches switches: the output
/// is then multilinear in the independent gates g, so E\[out(g)\] = out(E\[g\]). Otherwise they
/// agree approximately, which is the paper's approximation. `None` unless `survival` has one entry
/// per block.
#[must_use]
pub fn compare_test_rules(
    stack: &ResidualStack,
    survival: &[f64],
    samples: u64,
    rng: &mut ChaCha8Rng,
) -> Option<TestRuleComparison> {
    if survival.len() != stack.blocks().len() {
        return None;
    }
    let samples = samples.clamp(1, MAX_SAMPLES);
    let mut paper = vec![Running::default(); stack.width()];
    let mut inverted = vec![Running::default(); stack.width()];
    for _ in 0..samples {
        let kept: Vec<bool> = survival.iter().map(|&p| draw_keep(rng, p)).collect();
        let paper_out = stack.forward(&train_gates(&kept, survival, false));
        let inverted_out = stack.forward(&train_gates(&kept, survival, true));
        paper.iter_mut().zip(paper_out).for_each(|(stats, value)| stats.push(value));
        inverted.iter_mut().zip(inverted_out).for_each(|(stats, value)| stats.push(value));
    }
    let means = |stats: &[Running]| -> Vec<f64> { stats.iter().map(|s| s.mean).collect() };
    let errors = |stats: &[Running]| -> Vec<f64> { stats.iter().map(Running::std_error).collect() };
    Some(TestRuleComparison {
        samples,
        paper_train_mean: means(&paper),
        paper_train_std_error: errors(&paper),
        paper_test: stack.forward(survival),
        inverted_train_mean: means(&inverted),
        inverted_train_std_error: errors(&inverted),
        inverted_test: stack.forward(&vec![1.0; survival.len()]),
    })
}

/// torchvision's `mode`: one draw per row (sample) of the batch, or one for the whole batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum SdMode {
    /// `"row"`: each sample of the batch keeps or drops the branch on its own.
    #[default]
    Row,
    /// `"batch"`: one draw for the whole batch.
    Batch,
}

impl SdMode {
    /// Number of draws for a batch of `batch` rows.
    #[must_use]
    pub fn draws(self, batch: usize) -> usize {
        match self {
            Self::Row => batch,
            Self::Batch => 1,
        }
    }
}

/// torchvision `stochastic_depth(input, p, mode, training)` with the Bernoulli draws injected.
///
/// `p_drop` is torchvision's `p`, the **drop** probability. `input` is row-major with `batch`
/// rows (its first dimension); `survived` holds [`SdMode::draws`] values, `true` = the row (or
/// batch) keeps its branch, i.e. torch's `noise.bernoulli_(1 - p)` came out 1.
///
/// As torchvision: not training or p = 0 returns the input unchanged; otherwise
/// noise = survived / (1 − p) (not divided when 1 − p = 0) and the output is input · noise, so
/// kept rows are scaled by 1/(1 − p) (inverted scaling) and dropped rows become ±0.
/// `None` where torchvision raises (p outside [0, 1]) or when the shapes do not fit (no rows,
/// a length that is not a multiple of `batch`, or the wrong number of draws).
#[must_use]
pub fn torchvision_stochastic_depth(
    input: &[f64],
    batch: usize,
    p_drop: f64,
    mode: SdMode,
    training: bool,
    survived: &[bool],
) -> Option<Vec<f64>> {
    if !(0.0..=1.0).contains(&p_drop) || batch == 0 || !input.len().is_multiple_of(batch) {
        return None;
    }
    if !training || p_drop == 0.0 {
        return Some(input.to_vec());
    }
    if survived.len() != mode.draws(batch) {
        return None;
    }
    let survival_rate = 1.0 - p_drop;
    let noise = |kept: bool| {
        let value = if kept { 1.0 } else { 0.0 };
        if survival_rate > 0.0 { value / survival_rate } else { value }
    };
    let row_len = input.len() / batch;
    let output = input
        .chunks_exact(row_len.max(1))
        .zip(survived.iter().cycle())
        .flat_map(|(row, &kept)| row.iter().map(move |x| x * noise(kept)))
        .collect();
    Some(output)
}

/// Draws torchvision's mask for a batch: [`SdMode::draws`] values, each kept with probability
/// 1 − `p_drop` (clamped into [0, 1]).
#[must_use]
pub fn sample_survivors(
    mode: SdMode,
    batch: usize,
    p_drop: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<bool> {
    let keep = 1.0 - clamp_probability(p_drop);
    (0..mode.draws(batch).min(MAX_BATCHES)).map(|_| draw_keep(rng, keep)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linspace_hits_both_ends_exactly() {
        assert_eq!(linspace(0.0, 1.0, 5), [0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(linspace(0.0, 0.1, 2), [0.0, 0.1]);
        assert_eq!(linspace(0.0, 0.3, 7).last(), Some(&0.3));
        assert!(linspace(0.0, 1.0, 0).is_empty());
    }
}
