//! Sweeps over a training task: each cell trains the task's network with two of its numbers
//! varied (learning rate, L2, dropout, an optimizer's β, …), measured on the validation data.

use super::config::SweepLab;
use crate::budget::{CELL_COPIES, MAX_MEMORY_BYTES, MemoryEstimate};
use crate::entries::training::TrainingLab;
use crate::grid::Throttle;
use crate::grid::{Cell, MAX_LEVELS, SweepField};
use crate::train::memory::{RunMemory, run_memory};
use crate::train::{Trainer, TrainingConfig};
use rayon::prelude::*;
use std::mem::size_of;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The peak memory of a training sweep with `at_once` cells training at the same time: every
/// cell's config and result, and per cell training its run's buffers.
#[must_use]
pub fn memory(lab: &SweepLab, task: &TrainingLab, at_once: usize) -> MemoryEstimate {
    let mut estimate = grid_memory(lab, task);
    let cell = cell_memory(lab, task);
    let at_once = at_once as u64;
    estimate.add(at_once, "cells", "activations of a training cell", cell.activations);
    estimate.add(at_once, "cells", "weights and optimizer state of a cell", cell.weights);
    estimate.add(at_once, "cells", "data of a cell", cell.data);
    estimate.add(at_once, "cells", "epoch history of a cell", cell.history);
    estimate
}

/// How many cells train at once: `threads`, fewer when that many would not fit the memory
/// budget beside the grid itself, and at least one (validation refused a sweep whose one cell
/// does not fit).
#[must_use]
pub fn cells_at_once(lab: &SweepLab, task: &TrainingLab, threads: usize) -> usize {
    let room = MAX_MEMORY_BYTES.saturating_sub(grid_memory(lab, task).total());
    let fitting = room / cell_memory(lab, task).total().max(1);
    usize::try_from(fitting).unwrap_or(usize::MAX).clamp(1, threads.max(1))
}

/// Every cell's config and result.
fn grid_memory(lab: &SweepLab, task: &TrainingLab) -> MemoryEstimate {
    let mut estimate = MemoryEstimate::default();
    let cells = lab.cells() as u64;
    let config = task.config(0).unwrap_or_default();
    let hidden = match &config.model {
        crate::train::ModelConfig::Mlp { hidden, .. } => hidden.len() * size_of::<usize>(),
        crate::train::ModelConfig::ResidualMlp { .. } => 0,
    };
    let config_bytes = (size_of::<TrainingConfig>() + hidden) as u64
        + crate::budget::schedule_heap_bytes(&config.schedule);
    estimate.add(cells, "cells", "training configs", config_bytes);
    let results = (size_of::<Option<Cell>>() as u64).saturating_mul(CELL_COPIES);
    estimate.add(cells, "cells", "results", results);
    estimate
}

/// One cell's run: the task's first run, with dropout on when a swept field is its keep
/// probability (its factors are then drawn).
fn cell_memory(lab: &SweepLab, task: &TrainingLab) -> RunMemory {
    let mut config = task.config(0).unwrap_or_default();
    if [lab.x.field, lab.y.field].contains(&SweepField::DropoutKeep) {
        let _ = SweepField::DropoutKeep.apply_training(&mut config, 0.5);
    }
    run_memory(&config)
}

/// Every cell's training run, row by row (y outer, x inner): the task's first run with the
/// swept fields set.
///
/// # Errors
/// The task has no run, or a swept field does not exist on its run.
pub fn configs(lab: &SweepLab, task: &TrainingLab) -> Result<Vec<TrainingConfig>, String> {
    let xs = lab.x.values();
    let mut configs = Vec::with_capacity(lab.cells());
    for y in lab.y.values() {
        for &x in &xs {
            configs.push(cell_config(lab, task, x, y)?);
        }
    }
    Ok(configs)
}

/// The training run of the cell with x value `x` and y value `y`.
///
/// # Errors
/// The task has no run, or a swept field does not exist on its run.
pub fn cell_config(
    lab: &SweepLab,
    task: &TrainingLab,
    x: f64,
    y: f64,
) -> Result<TrainingConfig, String> {
    let mut config = task.config(0).ok_or("the training task has no run")?;
    lab.x.field.apply_training(&mut config, x)?;
    lab.y.field.apply_training(&mut config, y)?;
    Ok(config)
}

/// Trains one cell. Losses are the validation loss (the training loss without a split);
/// "steps" are epochs: `reached_at` is the first epoch whose loss is at most `tolerance`,
/// `diverged_at` the first whose loss is not finite. A config out of range (a keep
/// probability of 0) gives a cell without values.
#[must_use]
pub fn train_cell(config: &TrainingConfig, tolerance: f64) -> Cell {
    let mut cell = Cell {
        final_loss: f64::NAN,
        end: [f64::NAN; 2],
        best_loss: f64::NAN,
        reached_at: None,
        diverged_at: None,
        settled_at: [None; MAX_LEVELS],
        accuracy: None,
    };
    let Ok(mut trainer) = Trainer::new(config) else { return cell };
    let mut best = f64::INFINITY;
    for stats in trainer.run() {
        let loss = stats.validation_loss.unwrap_or(stats.train_loss);
        let epoch = stats.epoch as u64;
        if !loss.is_finite() {
            cell.diverged_at = Some(epoch);
            cell.accuracy = None;
            break;
        }
        best = best.min(loss);
        if cell.reached_at.is_none() && loss <= tolerance {
            cell.reached_at = Some(epoch);
        }
        cell.final_loss = loss;
        cell.accuracy = Some(stats.validation_accuracy.unwrap_or(stats.train_accuracy));
    }
    cell.best_loss = if best.is_finite() { best } else { f64::NAN };
    cell
}

/// Trains `configs` on the current rayon pool, a batch of `batch` cells at a time (one per
/// thread, fewer when memory asks for it: [`cells_at_once`]), calling `snapshot` with the cells
/// so far at most every `interval`; `None` when cancelled (checked between batches: a cell is a
/// whole training run).
pub(super) fn fill(
    configs: &[TrainingConfig],
    (tolerance, batch): (f64, usize),
    cancel: &AtomicBool,
    interval: Duration,
    mut snapshot: impl FnMut(&[Option<Cell>]),
) -> Option<Vec<Option<Cell>>> {
    let mut cells = vec![None; configs.len()];
    let mut throttle = Throttle::new(interval);
    let batch = batch.max(1);
    for (index, chunk) in configs.chunks(batch).enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let trained: Vec<Cell> = chunk.par_iter().map(|c| train_cell(c, tolerance)).collect();
        for (slot, cell) in cells[index * batch..].iter_mut().zip(trained) {
            *slot = Some(cell);
        }
        if throttle.due() {
            snapshot(&cells);
        }
    }
    Some(cells)
}
