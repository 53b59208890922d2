//! What the sweep and basin views draw and `optlab run` exports: the grid so far (cells not yet
//! computed are `None`), and its tables and summary lines.

use super::boundary::{StabilityBorder, stability_border};
use super::config::SweepLab;
use crate::entries::kind::{SummaryLine, Table, step_or_nan};
use crate::grid::{Cell, Metric};

/// A sweep's grid.
#[derive(Debug, PartialEq)]
pub struct SweepReport {
    /// The sweep (axes, metric, base run) the grid belongs to.
    pub lab: SweepLab,
    /// Column values.
    pub x_values: Vec<f64>,
    /// Row values.
    pub y_values: Vec<f64>,
    /// Row by row (y outer); `None` until computed.
    pub cells: Vec<Option<Cell>>,
    /// Why the grid cannot be computed (a swept field the base run lacks).
    pub error: Option<String>,
    /// Cells computed so far.
    pub done: usize,
    /// The cell with the lowest metric: column, row, value.
    pub best: Option<(usize, usize, f64)>,
    /// Lowest and highest metric value over the computed cells.
    pub metric_range: Option<(f64, f64)>,
    /// The theoretical stability border the map draws, when the sweep has one (computed once
    /// with the empty grid, not per frame).
    pub border: Option<StabilityBorder>,
}

/// `clone_from` reuses the target's buffers: a streaming sweep copies its grid into a recycled
/// snapshot several times a second, and a fresh allocation of megabytes each time costs page
/// faults here and an `munmap` wherever the old snapshot is freed.
impl Clone for SweepReport {
    fn clone(&self) -> Self {
        Self {
            lab: self.lab.clone(),
            x_values: self.x_values.clone(),
            y_values: self.y_values.clone(),
            cells: self.cells.clone(),
            error: self.error.clone(),
            done: self.done,
            best: self.best,
            metric_range: self.metric_range,
            border: self.border.clone(),
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.lab.clone_from(&source.lab);
        self.x_values.clone_from(&source.x_values);
        self.y_values.clone_from(&source.y_values);
        self.cells.clone_from(&source.cells);
        self.error.clone_from(&source.error);
        (self.done, self.best, self.metric_range) = (source.done, source.best, source.metric_range);
        self.border.clone_from(&source.border);
    }
}

impl SweepReport {
    /// An empty grid for `lab`.
    #[must_use]
    pub fn empty(lab: &SweepLab) -> Self {
        let (x_values, y_values) = (lab.x.values(), lab.y.values());
        let cells = vec![None; x_values.len() * y_values.len()];
        Self {
            lab: lab.clone(),
            x_values,
            y_values,
            cells,
            error: None,
            done: 0,
            best: None,
            metric_range: None,
            border: stability_border(lab),
        }
    }

    /// Cells computed so far and in all.
    #[must_use]
    pub fn progress(&self) -> (usize, usize) {
        (self.done, self.cells.len())
    }

    /// Brings `done`, `best` and `metric_range` up to date with `cells` (once per snapshot, so
    /// a view never scans the grid per frame).
    pub fn summarize(&mut self) {
        self.done = self.cells.iter().flatten().count();
        self.best = self.scan_best();
        let values = self.cells.iter().flatten().filter_map(|c| self.lab.metric.of(c));
        self.metric_range = values.fold(None, |range, v| match range {
            None => Some((v, v)),
            Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
        });
    }

    /// The cell at column `i`, row `j`.
    #[must_use]
    pub fn cell(&self, i: usize, j: usize) -> Option<&Cell> {
        self.cells.get(j * self.x_values.len() + i)?.as_ref()
    }

    /// The cell with the best value of the metric (the lowest; the highest accuracy; ties: the
    /// first), with its column and row.
    fn scan_best(&self) -> Option<(usize, usize, f64)> {
        let nx = self.x_values.len().max(1);
        let sign = if self.lab.metric.lower_is_better() { 1.0 } else { -1.0 };
        self.cells
            .iter()
            .enumerate()
            .filter_map(|(k, c)| Some((k % nx, k / nx, self.lab.metric.of(c.as_ref()?)?)))
            .min_by(|a, b| (sign * a.2).total_cmp(&(sign * b.2)))
    }
}

/// `grid.csv`: one row per cell.
#[must_use]
pub fn table(r: &SweepReport) -> Table {
    let nx = r.x_values.len().max(1);
    let rows = r
        .cells
        .iter()
        .enumerate()
        .filter_map(|(k, cell)| {
            let cell = cell.as_ref()?;
            let (x, y) = (r.x_values.get(k % nx)?, r.y_values.get(k / nx)?);
            Some(vec![
                *x,
                *y,
                Metric::FinalLoss.of(cell).unwrap_or(f64::NAN),
                cell.best_loss,
                step_or_nan(cell.reached_at),
                step_or_nan(cell.diverged_at),
            ])
        })
        .collect();
    Table {
        name: "grid".to_owned(),
        header: vec!["x", "y", "final_loss", "best_loss", "reached_at", "diverged_at"],
        rows,
    }
}

/// The best cell, and counts.
#[must_use]
pub fn summaries(r: &SweepReport) -> Vec<SummaryLine> {
    let cells: Vec<_> = r.cells.iter().flatten().collect();
    let count = |f: &dyn Fn(&&Cell) -> bool| cells.iter().filter(|c| f(c)).count() as f64;
    let mut lines = vec![(
        "grid".to_owned(),
        vec![
            ("cells", cells.len() as f64),
            ("diverged", count(&|c| c.diverged_at.is_some())),
            ("reached", count(&|c| c.reached_at.is_some())),
        ],
    )];
    if let Some((i, j, value)) = r.best {
        lines.push((
            format!("best {}", r.lab.metric.label()),
            vec![("x", r.x_values[i]), ("y", r.y_values[j]), ("value", value)],
        ));
    }
    lines
}
