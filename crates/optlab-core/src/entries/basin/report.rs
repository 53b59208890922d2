//! The basin map's report: which known minimum each start ends in and how soon it settled.

use super::config::{BasinLab, basin_among};
use crate::entries::kind::{SummaryLine, Table};
use crate::grid::{Cell, MAX_LEVELS};
use crate::surface::Minimum;

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

/// `clone_from` reuses the target's buffers, as for [`SweepReport`](crate::entries::sweep::SweepReport).
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
        let n = lab.resolution.clamp(2, crate::grid::MAX_RESOLUTION);
        let minima = lab.surface.minima().into_iter().take(MAX_LEVELS).collect();
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
        self.lab.resolution.clamp(2, crate::grid::MAX_RESOLUTION)
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
    basin_among(minima, cell)
        .map_or(Ending::Elsewhere, |(index, step)| Ending::Minimum { index, step })
}

/// `basins.csv`: start, ending (minimum index, −1 elsewhere, −2 diverged), settle step and
/// final loss.
#[must_use]
pub fn table(r: &BasinReport) -> Table {
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
pub fn summaries(r: &BasinReport) -> Vec<SummaryLine> {
    let endings: Vec<Ending> = r.endings.iter().flatten().copied().collect();
    let total = endings.len().max(1) as f64;
    let mut lines: Vec<SummaryLine> = r
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
