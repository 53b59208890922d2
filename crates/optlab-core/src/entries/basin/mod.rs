//! The basin map entry: which known minimum an optimizer ends in from each start point of a
//! grid, and how soon it settled there. The engine is [`crate::grid`].

mod compute;
mod config;
mod report;

pub use compute::basin;
pub use config::{BasinLab, basin_among};
pub use report::{BasinReport, Ending};

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::budget::MemoryError;
use crate::entries::kind::{EntryKind, Feed, LabKind, SummaryLine, Table};
use crate::limits::LimitError;

impl EntryKind for BasinLab {
    const LABEL: &'static str = "basin map";

    fn validate(&self) -> Result<(), LimitError> {
        Self::validate(self)
    }

    fn check_memory(&self) -> Result<(), MemoryError> {
        Self::check_memory(self)
    }
}

impl LabKind for BasinLab {
    type Report = BasinReport;

    fn compute(&self) -> BasinReport {
        compute::basin(self, &AtomicBool::new(false), Duration::MAX, |_| {})
            .unwrap_or_else(|| BasinReport::empty(self))
    }

    fn stream(&self, feed: &mut Feed<'_, BasinReport>) -> Option<BasinReport> {
        let (control, interval) = (feed.control(), feed.interval());
        compute::basin(self, &control.cancelled, interval, |r| {
            let _ = feed.publish(r);
        })
    }

    fn tables(report: &BasinReport) -> Vec<Table> {
        vec![report::table(report)]
    }

    fn summaries(report: &BasinReport) -> Vec<SummaryLine> {
        report::summaries(report)
    }
}
