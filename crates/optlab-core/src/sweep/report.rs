//! What the sweep and basin views draw and `optlab run` exports: the grid so far (cells not yet
//! computed are `None`), and its tables and summary lines.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::{BasinLab, Cell, Metric, SweepLab, compute_progressively};
use crate::surface::Minimum;

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
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.lab.clone_from(&source.lab);
        self.x_values.clone_from(&source.x_values);
        self.y_values.clone_from(&source.y_values);
        self.cells.clone_from(&source.cells);
        self.error.clone_from(&source.error);
        (self.done, self.best, self.metric_range) = (source.done, source.best, source.metric_range);
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

/// Calls `publish` when `interval` has passed since the last call.
pub(super) struct Throttle {
    interval: Duration,
    last: Option<Instant>,
}

impl Throttle {
    /// Due at once, then every `interval`.
    pub(super) fn new(interval: Duration) -> Self {
        Self { interval, last: None }
    }

    /// Whether a snapshot is due (and if so, the clock restarts).
    pub(super) fn due(&mut self) -> bool {
        let due = self.last.is_none_or(|t| t.elapsed() >= self.interval);
        if due {
            self.last = Some(Instant::now());
        }
        due
    }
}

/// Computes `lab`'s grid, handing `publish` a snapshot at most every `interval`; `None` when
/// cancelled.
pub fn sweep(
    lab: &SweepLab,
    cancel: &AtomicBool,
    interval: Duration,
    publish: impl FnMut(&SweepReport),
) -> Option<SweepReport> {
    let report = SweepReport::empty(lab);
    if let Some(task) = &lab.training {
        let configs = super::training::configs(lab, task);
        return fill_report(report, configs, publish, |configs, snapshot| {
            super::training::fill(configs, lab.tolerance, cancel, interval, snapshot)
        });
    }
    let (row_len, levels) = (report.x_values.len(), lab.levels());
    fill_report(report, lab.configs(), publish, |configs, snapshot| {
        fill(configs, row_len, &levels, cancel, interval, snapshot)
    })
}

/// Fills `report` from `configs` with `fill`, publishing each snapshot summarized; a report
/// with the error when the configs could not be made, `None` when cancelled.
fn fill_report<C>(
    mut report: SweepReport,
    configs: Result<Vec<C>, String>,
    mut publish: impl FnMut(&SweepReport),
    fill: impl FnOnce(&[C], &mut dyn FnMut(&[Option<Cell>])) -> Option<Vec<Option<Cell>>>,
) -> Option<SweepReport> {
    let configs = match configs {
        Ok(configs) => configs,
        Err(e) => {
            report.error = Some(e);
            return Some(report);
        }
    };
    let filled = fill(&configs, &mut |cells| {
        report.cells.clone_from_slice(cells);
        report.summarize();
        publish(&report);
    })?;
    report.cells = filled;
    report.summarize();
    Some(report)
}

/// Computes `configs` block by block, calling `snapshot` with the cells so far at most every
/// `interval` (it copies them, so only when due); the finished cells, `None` when cancelled.
fn fill(
    configs: &[crate::run::RunConfig],
    row_len: usize,
    levels: &super::Levels,
    cancel: &AtomicBool,
    interval: Duration,
    mut snapshot: impl FnMut(&[Option<Cell>]),
) -> Option<Vec<Option<Cell>>> {
    let mut throttle = Throttle::new(interval);
    let cells = compute_progressively(configs, row_len, levels, cancel, |cells| {
        if throttle.due() {
            snapshot(cells);
        }
    })?;
    Some(cells.into_iter().map(Some).collect())
}

/// A basin map's grid.
#[derive(Debug, PartialEq)]
pub struct BasinReport {
    /// The map (surface, optimizer, region).
    pub lab: BasinLab,
    /// The surface's known minima (the basins), at most four.
    pub minima: Vec<Minimum>,
    /// Row by row from the bottom; `None` until computed.
    pub cells: Vec<Option<Cell>>,
    /// Where each computed cell ended (kept with the cells by [`BasinReport::summarize`]).
    pub endings: Vec<Option<Ending>>,
    /// Starts per minimum, then elsewhere, then diverged.
    pub counts: Vec<usize>,
}

/// `clone_from` reuses the target's buffers, as for [`SweepReport`].
impl Clone for BasinReport {
    fn clone(&self) -> Self {
        Self {
            lab: self.lab.clone(),
            minima: self.minima.clone(),
            cells: self.cells.clone(),
            endings: self.endings.clone(),
            counts: self.counts.clone(),
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.lab.clone_from(&source.lab);
        self.minima.clone_from(&source.minima);
        self.cells.clone_from(&source.cells);
        self.endings.clone_from(&source.endings);
        self.counts.clone_from(&source.counts);
    }
}

/// Where a basin-map run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Settled in minimum `index` from step `step` on.
    Minimum {
        /// Index into [`BasinReport::minima`].
        index: usize,
        /// First step from which the loss stayed within the tolerance of that minimum.
        step: u64,
    },
    /// Finite but in none of the known minima when the steps ran out.
    Elsewhere,
    /// Diverged.
    Diverged,
}

impl BasinReport {
    /// An empty grid for `lab`.
    #[must_use]
    pub fn empty(lab: &BasinLab) -> Self {
        let n = lab.resolution.clamp(2, super::MAX_RESOLUTION);
        let minima = lab.surface.minima().into_iter().take(super::MAX_LEVELS).collect();
        Self {
            lab: lab.clone(),
            minima,
            cells: vec![None; n * n],
            endings: vec![None; n * n],
            counts: Vec::new(),
        }
    }

    /// Brings `endings` and `counts` up to date with `cells`.
    pub fn summarize(&mut self) {
        let k = self.minima.len();
        self.counts = vec![0; k + 2];
        for (ending, cell) in self.endings.iter_mut().zip(&self.cells) {
            *ending = cell.as_ref().map(|c| ending_among(&self.minima, c));
            let slot = match *ending {
                Some(Ending::Minimum { index, .. }) => index,
                Some(Ending::Elsewhere) => k,
                Some(Ending::Diverged) => k + 1,
                None => continue,
            };
            if let Some(count) = self.counts.get_mut(slot) {
                *count += 1;
            }
        }
    }

    /// Start points per side.
    #[must_use]
    pub fn side(&self) -> usize {
        self.lab.resolution.clamp(2, super::MAX_RESOLUTION)
    }

    /// Where cell `cell` ended.
    #[must_use]
    pub fn ending(&self, cell: &Cell) -> Ending {
        ending_among(&self.minima, cell)
    }

    /// Cells computed so far and in all.
    #[must_use]
    pub fn progress(&self) -> (usize, usize) {
        (self.counts.iter().sum(), self.cells.len())
    }
}

fn ending_among(minima: &[Minimum], cell: &Cell) -> Ending {
    if cell.diverged_at.is_some() {
        return Ending::Diverged;
    }
    super::lab::basin_among(minima, cell)
        .map_or(Ending::Elsewhere, |(index, step)| Ending::Minimum { index, step })
}

/// Computes `lab`'s map, handing `publish` a snapshot at most every `interval`; `None` when
/// cancelled.
pub fn basin(
    lab: &BasinLab,
    cancel: &AtomicBool,
    interval: Duration,
    mut publish: impl FnMut(&BasinReport),
) -> Option<BasinReport> {
    let mut report = BasinReport::empty(lab);
    let configs = lab.configs();
    let row_len = report.side();
    let filled = fill(&configs, row_len, &lab.levels(), cancel, interval, |cells| {
        report.cells.clone_from_slice(cells);
        report.summarize();
        publish(&report);
    })?;
    report.cells = filled;
    report.summarize();
    Some(report)
}

/// Tables and summary lines for `optlab run`.
pub mod export {
    use super::{BasinReport, Ending, Metric, SweepReport};
    use crate::labs::Table;

    fn optional(step: Option<u64>) -> f64 {
        step.map_or(f64::NAN, |s| s as f64)
    }

    /// `grid.csv`: one row per cell.
    #[must_use]
    pub fn sweep_table(r: &SweepReport) -> Table {
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
                    optional(cell.reached_at),
                    optional(cell.diverged_at),
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
    pub fn sweep_summaries(r: &SweepReport) -> Vec<(String, Vec<(&'static str, f64)>)> {
        let cells: Vec<_> = r.cells.iter().flatten().collect();
        let count =
            |f: &dyn Fn(&&crate::sweep::Cell) -> bool| cells.iter().filter(|c| f(c)).count() as f64;
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

    /// `basins.csv`: start, ending (minimum index, −1 elsewhere, −2 diverged), settle step and
    /// final loss.
    #[must_use]
    pub fn basin_table(r: &BasinReport) -> Table {
        let starts = r.lab.starts();
        let rows = r
            .cells
            .iter()
            .zip(&r.endings)
            .zip(starts)
            .filter_map(|((cell, ending), start)| {
                let (cell, ending) = (cell.as_ref()?, (*ending)?);
                let (basin, step) = match ending {
                    Ending::Minimum { index, step } => (index as f64, step as f64),
                    Ending::Elsewhere => (-1.0, f64::NAN),
                    Ending::Diverged => (-2.0, f64::NAN),
                };
                Some(vec![start[0], start[1], basin, step, cell.final_loss])
            })
            .collect();
        Table {
            name: "basins".to_owned(),
            header: vec!["x", "y", "basin", "settled_at", "final_loss"],
            rows,
        }
    }

    /// Per minimum: its share of the starts and the median settle step; then the rest.
    #[must_use]
    pub fn basin_summaries(r: &BasinReport) -> Vec<(String, Vec<(&'static str, f64)>)> {
        let endings: Vec<Ending> = r.endings.iter().flatten().copied().collect();
        let total = endings.len().max(1) as f64;
        let mut lines: Vec<(String, Vec<(&'static str, f64)>)> = r
            .minima
            .iter()
            .enumerate()
            .map(|(index, minimum)| {
                let mut steps: Vec<u64> = endings
                    .iter()
                    .filter_map(|e| match *e {
                        Ending::Minimum { index: i, step } if i == index => Some(step),
                        _ => None,
                    })
                    .collect();
                steps.sort_unstable();
                let median = steps.get(steps.len() / 2).map_or(f64::NAN, |&s| s as f64);
                (
                    format!("minimum {}", index + 1),
                    vec![
                        ("x", minimum.position[0]),
                        ("y", minimum.position[1]),
                        ("share", steps.len() as f64 / total),
                        ("median_settle_step", median),
                    ],
                )
            })
            .collect();
        let share = |e: Ending| endings.iter().filter(|&&x| x == e).count() as f64 / total;
        lines.push((
            "elsewhere".to_owned(),
            vec![("share", share(Ending::Elsewhere)), ("diverged", share(Ending::Diverged))],
        ));
        lines
    }
}
