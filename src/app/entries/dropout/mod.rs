//! The dropout lab: masks, scaling and their effect on activations.

pub mod panel;
pub mod view;

use egui::Ui;
use optlab_core::entries::dropout::{DropoutLab, DropoutReport};

use super::kind::{LabContext, LabUi};

/// The Dropout kind in the app.
pub struct DropoutUi;

impl LabUi for DropoutUi {
    type Lab = DropoutLab;
    const MENU: &'static str = "Dropout";

    fn controls(ui: &mut Ui, lab: &mut DropoutLab) {
        panel::show(ui, lab);
    }

    fn view(ui: &mut Ui, report: &DropoutReport, _cx: &mut LabContext<'_>) {
        view::show(ui, report);
    }
}
