//! The DropConnect lab: masks on weights rather than activations.

pub mod mask_picture;
pub mod panel;
pub mod view;

use egui::Ui;
use optlab_core::entries::drop_connect::{DropConnectLab, DropConnectReport};

use super::kind::{LabContext, LabUi};

/// The DropConnect kind in the app.
pub struct DropConnectUi;

impl LabUi for DropConnectUi {
    type Lab = DropConnectLab;
    const MENU: &'static str = "DropConnect";

    fn controls(ui: &mut Ui, lab: &mut DropConnectLab) {
        panel::show(ui, lab);
    }

    fn view(ui: &mut Ui, report: &DropConnectReport, _cx: &mut LabContext<'_>) {
        view::show(ui, report);
    }
}
