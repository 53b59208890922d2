//! The training entry: small networks trained side by side on toy 2-D data (for example without
//! and with dropout), each run with its own model, optimizer and schedule. The engine is
//! [`crate::train`]; this folder holds the entry's config, its session (runs trained epoch by
//! epoch, streamed while they train) and its report.

mod compute;
mod config;
pub mod landscape;
pub mod lr_finder;
mod report;
pub mod sharpness;

pub use compute::{GRID_SIDE, TrainingSession};
pub use config::{MAX_RUNS, MEMORY_ADVICE, TrainingLab, TrainingRun};
pub use landscape::LandscapeOptions;
pub use report::{TrainedRun, TrainingReport};
pub use sharpness::{SharpnessPoint, SharpnessTracking};

use crate::budget::MemoryError;
use crate::entries::kind::{EntryKind, Feed, LabKind, SummaryLine, Table};
use crate::limits::LimitError;

impl EntryKind for TrainingLab {
    const LABEL: &'static str = "training";

    fn validate(&self) -> Result<(), LimitError> {
        Self::validate(self)
    }

    fn check_memory(&self) -> Result<(), MemoryError> {
        Self::check_memory(self)
    }
}

impl LabKind for TrainingLab {
    type Report = TrainingReport;

    fn compute(&self) -> TrainingReport {
        compute::train_to_end(self)
    }

    fn stream(&self, feed: &mut Feed<'_, TrainingReport>) -> Option<TrainingReport> {
        compute::stream(self, feed)
    }

    fn tables(report: &TrainingReport) -> Vec<Table> {
        let mut tables = report::tables(report);
        tables.extend(lr_finder::tables(report));
        tables.extend(landscape::tables::tables(report));
        tables
    }

    fn summaries(report: &TrainingReport) -> Vec<SummaryLine> {
        let mut lines = report::summaries(report);
        lines.extend(landscape::tables::pair_summary(report));
        lines
    }
}
