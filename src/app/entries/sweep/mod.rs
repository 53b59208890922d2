//! The hyperparameter sweep: a grid of runs over two settings.

pub mod panel;
pub mod view;

use egui::Ui;
use optlab_core::entries::sweep::{SweepLab, SweepReport};

use super::kind::{LabContext, LabUi};

/// The Sweep kind in the app.
pub struct SweepUi;

impl LabUi for SweepUi {
    type Lab = SweepLab;
    const MENU: &'static str = "Sweep";

    fn controls(ui: &mut Ui, lab: &mut SweepLab) {
        panel::show(ui, lab);
    }

    fn view(ui: &mut Ui, report: &SweepReport, cx: &mut LabContext<'_>) {
        view::show(ui, report, cx.labs, cx.actions);
    }
}
