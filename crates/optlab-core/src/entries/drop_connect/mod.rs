//! DropConnect (Wan et al. 2013): masks on weights, and inference by moment-matched Gaussian
//! sampling against the mean-inference shortcut and the Monte Carlo truth.

mod compute;
mod config;
mod report;

pub use compute::{
    DenseLayer, Draws, LayerMeans, Moments, MonteCarloUnit, SampledMask, UnitInference,
    compare_inference, erfc, gaussian_sampled_inference, layer_and_input, layer_means,
    mean_inference, moment_match, monte_carlo_units, normal_cdf, normal_pdf, relu,
    relu_expectation, sample_preactivations, sample_weight_mask,
};
pub use config::{
    DropConnectLab, GAUSSIAN_SAMPLES, INPUTS, KEEP, MAX_SAMPLES, MAX_SIDE, SAMPLES, UNITS,
};
pub use report::DropConnectReport;

use crate::entries::kind::{EntryKind, LabKind, SummaryLine, Table};
use crate::limits::LimitError;

impl EntryKind for DropConnectLab {
    const LABEL: &'static str = "DropConnect";

    fn validate(&self) -> Result<(), LimitError> {
        Self::validate(self)
    }
}

impl LabKind for DropConnectLab {
    type Report = DropConnectReport;

    fn compute(&self) -> DropConnectReport {
        report::compute(self)
    }

    fn tables(report: &DropConnectReport) -> Vec<Table> {
        vec![report::table(report)]
    }

    fn summaries(report: &DropConnectReport) -> Vec<SummaryLine> {
        report::summaries(report)
    }
}
