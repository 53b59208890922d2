//! Fractional max pooling (Graham 2014): random and pseudo-random pooling regions with a
//! non-integer reduction factor α.

mod compute;
mod config;
mod report;

pub use compute::{
    FracPoolRun, Image, PoolDraw, PoolRegion, SequenceDraw, TorchFractionalPool, TorchPooled,
    average_of_draws, draw_sequence, fractional_max_pool, is_boundary_sequence, is_fmp_sequence,
    max_pool_2x2, output_size, pool, pseudo_random_sequence, random_sequence, regions,
    render_pattern, torch_fractional_max_pool2d, torch_interval_starts,
};
pub use config::{
    ALPHA, CEIL_SNAP, FractionalMaxPoolLab, INPUT_SIZE, MAX_DRAWS, MAX_PATTERN_SIZE,
    MAX_SEQUENCE_INPUT, Pattern,
};
pub use report::FractionalMaxPoolReport;

use crate::entries::kind::{EntryKind, LabKind, SummaryLine, Table};
use crate::limits::LimitError;

impl EntryKind for FractionalMaxPoolLab {
    const LABEL: &'static str = "fractional pooling";

    fn validate(&self) -> Result<(), LimitError> {
        Self::validate(self)
    }
}

impl LabKind for FractionalMaxPoolLab {
    type Report = FractionalMaxPoolReport;

    fn compute(&self) -> FractionalMaxPoolReport {
        report::compute(self)
    }

    fn tables(report: &FractionalMaxPoolReport) -> Vec<Table> {
        report::tables(report)
    }

    fn summaries(report: &FractionalMaxPoolReport) -> Vec<SummaryLine> {
        report::summaries(report)
    }
}
