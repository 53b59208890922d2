//! Stochastic depth (Huang et al. 2016): residual blocks skipped at random during training, and
//! the test-time rule that brings the outputs back to scale.

mod compute;
mod config;
mod report;

pub use compute::{
    DecayRule, Raster, ResidualBlock, ResidualStack, SdMode, TestRuleComparison,
    compare_test_rules, drop_probabilities, expected_depth, expected_depth_closed_form,
    sample_raster, sample_survivors, survival_probabilities, survival_probabilities_with,
    torchvision_stochastic_depth, train_gates,
};
pub use config::{
    BATCHES, BLOCKS, FINAL_SURVIVAL, MAX_BATCHES, MAX_BLOCKS, MAX_SAMPLES, RESIDUAL_SAMPLES,
    RESIDUAL_WIDTH, StochasticDepthLab,
};
pub use report::StochasticDepthReport;

use crate::entries::kind::{EntryKind, LabKind, SummaryLine, Table};
use crate::limits::LimitError;

impl EntryKind for StochasticDepthLab {
    const LABEL: &'static str = "stochastic depth";

    fn validate(&self) -> Result<(), LimitError> {
        Self::validate(self)
    }
}

impl LabKind for StochasticDepthLab {
    type Report = StochasticDepthReport;

    fn compute(&self) -> StochasticDepthReport {
        report::compute(self)
    }

    fn tables(report: &StochasticDepthReport) -> Vec<Table> {
        report::tables(report)
    }

    fn summaries(report: &StochasticDepthReport) -> Vec<SummaryLine> {
        report::summaries(report)
    }
}
