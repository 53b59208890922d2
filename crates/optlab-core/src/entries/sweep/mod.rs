//! The sweep entry: a metric over a grid of two fields of one run (learning rate on a log axis,
//! momentum, β₂, noise, …), on a loss surface or on a training task; the grid fills while it
//! computes. The engine is [`crate::grid`].

mod boundary;
mod compute;
mod config;
mod report;
pub mod training;

pub use boundary::{StabilityBorder, stability_border};
pub use compute::sweep;
pub use config::{CELL_STEPS, MAX_CELLS, SweepLab};
pub use report::SweepReport;

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::budget::MemoryError;
use crate::entries::kind::{EntryKind, Feed, LabKind, SummaryLine, Table};
use crate::limits::LimitError;

impl EntryKind for SweepLab {
    const LABEL: &'static str = "sweep";

    fn check_fit(&self) -> Result<(), String> {
        self.check_axes_fit()
    }

    fn validate(&self) -> Result<(), LimitError> {
        Self::validate(self)
    }

    fn check_memory(&self) -> Result<(), MemoryError> {
        Self::check_memory(self)
    }
}

impl LabKind for SweepLab {
    type Report = SweepReport;

    fn compute(&self) -> SweepReport {
        compute::sweep(self, &AtomicBool::new(false), Duration::MAX, |_| {})
            .unwrap_or_else(|| SweepReport::empty(self))
    }

    fn stream(&self, feed: &mut Feed<'_, SweepReport>) -> Option<SweepReport> {
        let (control, interval) = (feed.control(), feed.interval());
        compute::sweep(self, &control.cancelled, interval, |r| {
            let _ = feed.publish(r);
        })
    }

    fn tables(report: &SweepReport) -> Vec<Table> {
        vec![report::table(report)]
    }

    fn summaries(report: &SweepReport) -> Vec<SummaryLine> {
        report::summaries(report)
    }
}
