//! Computing a basin map's grid, with snapshots while it fills.

use super::config::BasinLab;
use super::report::BasinReport;
use crate::grid::fill_throttled;
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
