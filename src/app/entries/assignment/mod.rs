//! The assignment helper: checks a student's update rule against the reference.

pub mod panel;
pub mod view;

use egui::Ui;
use optlab_core::entries::assignment::{AssignmentLab, AssignmentReport};

use super::kind::{LabContext, LabUi};

/// The Assignment kind in the app.
pub struct AssignmentUi;

impl LabUi for AssignmentUi {
    type Lab = AssignmentLab;
    const MENU: &'static str = "Assignment helper";

    fn controls(ui: &mut Ui, lab: &mut AssignmentLab) {
        panel::show(ui, lab);
    }

    fn view(ui: &mut Ui, report: &AssignmentReport, _cx: &mut LabContext<'_>) {
        view::show(ui, report);
    }
}
