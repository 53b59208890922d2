//! Computing a basin map's grid, with snapshots while it fills.

use super::config::BasinLab;
use super::report::{BasinReport, Ending};
use crate::budget::{MemoryError, MemoryEstimate, add_grid};
use crate::grid::fill_throttled;
use crate::run::RunConfig;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

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
    let filled = fill_throttled(&configs, row_len, &lab.levels(), cancel, interval, |cells| {
        report.cells.clone_from_slice(cells);
        report.summarize();
        publish(&report);
    })?;
    report.cells = filled;
    report.summarize();
    Some(report)
}

impl BasinLab {
    /// The peak memory of computing the map: every start's run config and result (its cell
    /// and where it ended).
    #[must_use]
    pub fn memory(&self) -> MemoryEstimate {
        let side = self.resolution.clamp(2, crate::grid::MAX_RESOLUTION) as u64;
        let mut estimate = MemoryEstimate::default();
        let run = RunConfig {
            surface: self.surface.clone(),
            start: [0.0, 0.0],
            optimizer: self.optimizer.clone(),
            schedule: self.schedule.clone(),
            steps: self.steps,
            noise_sigma: 0.0,
            seed: 0,
        };
        let ending = std::mem::size_of::<Option<Ending>>() as u64;
        add_grid(&mut estimate, side * side, &run, ending);
        estimate
    }

    /// Checks [`Self::memory`] against the budget.
    ///
    /// # Errors
    /// The estimate, when it is above [`crate::budget::MAX_MEMORY_BYTES`].
    pub fn check_memory(&self) -> Result<(), MemoryError> {
        self.memory().check("use a lower resolution or a shorter formula")
    }
}
