//! The option types and serde defaults of the PyTorch-named schedules (`ConstantFactor` …
//! `ReduceOnPlateau`), kept apart from the enum so `mod.rs` stays a readable list of variants.

use serde::{Deserialize, Serialize};

/// `Cyclic`'s amplitude policy (PyTorch `CyclicLR(mode=…)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum CyclicMode {
    /// Constant amplitude.
    #[default]
    Triangular,
    /// Amplitude halved every cycle.
    Triangular2,
    /// Amplitude scaled by gamma^(iteration).
    ExpRange,
}

/// `OneCycle`'s annealing shape (PyTorch `anneal_strategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Anneal {
    /// Cosine annealing.
    #[default]
    Cos,
    /// Linear annealing.
    Linear,
}

/// Whether `ReduceOnPlateau` waits for the loss to stop falling (`Min`) or rising (`Max`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum PlateauMode {
    /// A better loss is a lower one.
    #[default]
    Min,
    /// A better value is a higher one.
    Max,
}

/// How `ReduceOnPlateau` compares with the best value so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ThresholdMode {
    /// Better means beyond best·(1 ∓ threshold).
    #[default]
    Rel,
    /// Better means beyond best ∓ threshold.
    Abs,
}

pub(super) fn one_third() -> f64 {
    1.0 / 3.0
}
pub(super) fn one() -> f64 {
    1.0
}
pub(super) fn five() -> u64 {
    5
}
pub(super) fn one_u64() -> u64 {
    1
}
pub(super) fn yes() -> bool {
    true
}
pub(super) fn step_size_up() -> u64 {
    2000
}
pub(super) fn cyclic_base_momentum() -> f64 {
    0.8
}
pub(super) fn cyclic_max_momentum() -> f64 {
    0.9
}
pub(super) fn pct_start() -> f64 {
    0.3
}
pub(super) fn one_cycle_base_momentum() -> f64 {
    0.85
}
pub(super) fn one_cycle_max_momentum() -> f64 {
    0.95
}
pub(super) fn div_factor() -> f64 {
    25.0
}
pub(super) fn final_div_factor() -> f64 {
    1e4
}
pub(super) fn plateau_factor() -> f64 {
    0.1
}
pub(super) fn patience() -> u64 {
    10
}
pub(super) fn threshold() -> f64 {
    1e-4
}
pub(super) fn plateau_eps() -> f64 {
    1e-8
}
