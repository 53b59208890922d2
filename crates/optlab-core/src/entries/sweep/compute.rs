//! Computing a sweep's grid: surface cells on the lane kernel, training cells on rayon, with
//! snapshots while it fills.

use super::config::SweepLab;
use super::report::SweepReport;
use super::training;
use crate::budget::{MemoryError, MemoryEstimate, add_grid};
use crate::grid::{Cell, fill_throttled};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Computes `lab`'s grid, handing `publish` a snapshot at most every `interval`; `None` when
/// cancelled, a report with the error (and no cells computed) over the memory budget.
pub fn sweep(
    lab: &SweepLab,
    cancel: &AtomicBool,
    interval: Duration,
    publish: impl FnMut(&SweepReport),
) -> Option<SweepReport> {
    let mut report = SweepReport::empty(lab);
    if let Err(e) = lab.check_memory() {
        report.error = Some(e.to_string());
        return Some(report);
    }
    if let Some(task) = &lab.training {
        let configs = training::configs(lab, task);
        let batch = training::cells_at_once(lab, task, rayon::current_num_threads());
        return fill_report(report, configs, publish, |configs, snapshot| {
            training::fill(configs, (lab.tolerance, batch), cancel, interval, snapshot)
        });
    }
    let (row_len, levels) = (report.x_values.len(), lab.levels());
    fill_report(report, lab.configs(), publish, |configs, snapshot| {
        fill_throttled(configs, row_len, &levels, cancel, interval, snapshot)
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

impl SweepLab {
    /// The peak memory of computing the grid: every cell's config and result, and for a
    /// training task one cell training (more train at once only as far as they fit the
    /// budget: [`super::training::cells_at_once`]).
    #[must_use]
    pub fn memory(&self) -> MemoryEstimate {
        if let Some(task) = &self.training {
            return super::training::memory(self, task, 1);
        }
        let mut estimate = MemoryEstimate::default();
        add_grid(&mut estimate, self.cells() as u64, &self.base(), 0);
        estimate
    }

    /// Checks [`Self::memory`] against the budget.
    ///
    /// # Errors
    /// The estimate, when it is above [`crate::budget::MAX_MEMORY_BYTES`].
    pub fn check_memory(&self) -> Result<(), MemoryError> {
        let advice = if self.training.is_some() {
            crate::entries::training::MEMORY_ADVICE
        } else {
            "use fewer cells or a shorter formula"
        };
        self.memory().check(advice)
    }
}
