//! Dropout: the expectation of a dropped-out neuron, the Monte Carlo mean converging to it, and
//! the train/test scaling rules (CS231n notes, "Regularization: Dropout").

mod compute;
mod config;
mod report;

pub use compute::{
    MaskRow, ReluLayer, Scaling, ScalingComparison, ScalingMeans, SweepPoint, activation_variance,
    biased_expectation, closed_form_expectation, compare_scalings, enumerate_biased_masks,
    enumerate_masks, exact_expectation, expected_train_mean, keep_grid, masked_activation,
    monte_carlo_means, sample_mask, scaling_sweep, standard_error, test_forward,
    test_time_with_bias, train_forward, unit_dropout_expectation,
};
pub use config::{
    BIAS, DropoutLab, INPUT, KEEP, LAYER_FAN_IN, LAYER_UNITS, MAX_ENUMERATED_INPUTS,
    MAX_GRID_POINTS, MAX_LAYER_UNITS, MAX_PASSES, MAX_SAMPLES, NEURON_INPUTS, SAMPLES,
    SCALING_PASSES, WEIGHT,
};
pub use report::{DropoutReport, SWEEP_POINTS};

use crate::entries::kind::{EntryKind, LabKind, SummaryLine, Table};
use crate::limits::LimitError;

impl EntryKind for DropoutLab {
    const LABEL: &'static str = "dropout";

    fn validate(&self) -> Result<(), LimitError> {
        Self::validate(self)
    }
}

impl LabKind for DropoutLab {
    type Report = DropoutReport;

    fn compute(&self) -> DropoutReport {
        report::compute(self)
    }

    fn tables(report: &DropoutReport) -> Vec<Table> {
        report::tables(report)
    }

    fn summaries(report: &DropoutReport) -> Vec<SummaryLine> {
        report::summaries(report)
    }
}
