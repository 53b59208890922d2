//! The assignment helper: check a hand-written update rule against the reference, step by step.
//!
//! A student picks a rule of the course assignment ([`Rule`]), pastes `w`, `dw` and the config
//! in the assignment's own conventions as numpy text ([`numpy`]), and gets `next_w`, the
//! updated config, every intermediate value and, for each result they paste, the relative error
//! as the notebook computes it with a verdict ([`compute`]). When a result does not match, the
//! checker tries the usual mistakes ([`rules::Mistake`]) and names the one that does.
//!
//! With `steps` > 1 the rule is applied repeatedly (multi-step mode), with one `dw` for every
//! step or a stack of them, one per step; every step's values are exported.

pub mod compute;
mod config;
pub mod numpy;
mod report;
pub mod rules;

pub use compute::Stepper;
pub use config::{AssignmentLab, MAX_RECORDED, MAX_STEPS, NumpyText, STEPS};
pub use report::{
    AGREES_BELOW, AssignmentReport, CLOSE_BELOW, Check, DropoutStats, Named, StepRecord, Verdict,
    steps_csv,
};
pub use rules::Rule;

use crate::entries::kind::{EntryKind, LabKind, SummaryLine, Table};
use crate::limits::LimitError;

impl EntryKind for AssignmentLab {
    const LABEL: &'static str = "assignment";

    fn validate(&self) -> Result<(), LimitError> {
        Self::validate(self)
    }
}

impl LabKind for AssignmentLab {
    type Report = AssignmentReport;

    fn compute(&self) -> AssignmentReport {
        Self::compute(self)
    }

    fn tables(report: &AssignmentReport) -> Vec<Table> {
        report::tables(report)
    }

    fn summaries(report: &AssignmentReport) -> Vec<SummaryLine> {
        report::summaries(report)
    }
}
