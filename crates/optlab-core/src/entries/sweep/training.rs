//! Sweeps over a training task: each cell trains the task's network with two of its numbers
//! varied (learning rate, L2, dropout, an optimizer's β, …), measured on the validation data.

use super::config::SweepLab;
use crate::entries::training::TrainingLab;
use crate::grid::Throttle;
use crate::grid::{Cell, MAX_LEVELS};
use crate::train::{Trainer, TrainingConfig};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Every cell's training run, row by row (y outer, x inner): the task's first run with the
/// swept fields set.
///
/// # Errors
/// The task has no run, or a swept field does not exist on its run.
pub fn configs(lab: &SweepLab, task: &TrainingLab) -> Result<Vec<TrainingConfig>, String> {
    let xs = lab.x.values();
    let mut configs = Vec::with_capacity(xs.len() * lab.y.count);
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

/// Trains `configs` on the current rayon pool, a batch of one cell per thread at a time,
/// calling `snapshot` with the cells so far at most every `interval`; `None` when cancelled
/// (checked between batches: a cell is a whole training run).
pub(super) fn fill(
    configs: &[TrainingConfig],
    tolerance: f64,
    cancel: &AtomicBool,
    interval: Duration,
    mut snapshot: impl FnMut(&[Option<Cell>]),
) -> Option<Vec<Option<Cell>>> {
    let mut cells = vec![None; configs.len()];
    let mut throttle = Throttle::new(interval);
    let batch = rayon::current_num_threads().max(1);
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
