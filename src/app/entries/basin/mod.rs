//! The basin map: where each start point of a grid ends up.

pub mod panel;
pub mod view;

use egui::Ui;
use optlab_core::entries::basin::{BasinLab, BasinReport};

use super::kind::{LabContext, LabUi};

/// The Basin kind in the app.
pub struct BasinUi;

impl LabUi for BasinUi {
    type Lab = BasinLab;
    const MENU: &'static str = "Basin map";

    fn controls(ui: &mut Ui, lab: &mut BasinLab) {
        panel::show(ui, lab);
    }

    fn view(ui: &mut Ui, report: &BasinReport, cx: &mut LabContext<'_>) {
        view::show(ui, report, cx.labs, cx.actions);
    }
}
