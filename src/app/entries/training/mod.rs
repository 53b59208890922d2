//! The training lab: small networks trained on toy data sets.

pub mod landscape_controls;
pub mod landscape_view;
pub mod lr_finder_controls;
pub mod lr_finder_view;
pub mod objective_controls;
pub mod panel;
pub mod sharpness_controls;
pub mod sharpness_view;
pub mod view;

use egui::Ui;
use optlab_core::entries::training::{TrainingLab, TrainingReport};

use super::kind::{LabContext, LabUi};

/// The Training kind in the app.
pub struct TrainingUi;

impl LabUi for TrainingUi {
    type Lab = TrainingLab;
    const MENU: &'static str = "Training";

    fn controls(ui: &mut Ui, lab: &mut TrainingLab) {
        panel::show(ui, lab);
    }

    fn view(ui: &mut Ui, report: &TrainingReport, cx: &mut LabContext<'_>) {
        view::show(ui, report, cx.labs, cx.actions);
    }
}
