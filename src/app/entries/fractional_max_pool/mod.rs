//! The fractional max-pooling lab: pseudo-random pooling regions.

pub mod panel;
pub mod view;

use egui::Ui;
use optlab_core::entries::fractional_max_pool::{FractionalMaxPoolLab, FractionalMaxPoolReport};

use super::kind::{LabContext, LabUi};

/// The fractional max pooling kind in the app.
pub struct FractionalMaxPoolUi;

impl LabUi for FractionalMaxPoolUi {
    type Lab = FractionalMaxPoolLab;
    const MENU: &'static str = "Fractional max pooling";

    fn controls(ui: &mut Ui, lab: &mut FractionalMaxPoolLab) {
        panel::show(ui, lab);
    }

    fn view(ui: &mut Ui, report: &FractionalMaxPoolReport, cx: &mut LabContext<'_>) {
        view::show(ui, report, cx.labs.generation);
    }
}
