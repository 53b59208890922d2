//! The stochastic depth lab: residual blocks dropped at random.

pub mod panel;
pub mod view;

use egui::Ui;
use optlab_core::entries::stochastic_depth::{StochasticDepthLab, StochasticDepthReport};

use super::kind::{LabContext, LabUi};

/// The stochastic depth kind in the app.
pub struct StochasticDepthUi;

impl LabUi for StochasticDepthUi {
    type Lab = StochasticDepthLab;
    const MENU: &'static str = "Stochastic depth";

    fn controls(ui: &mut Ui, lab: &mut StochasticDepthLab) {
        panel::show(ui, lab);
    }

    fn view(ui: &mut Ui, report: &StochasticDepthReport, cx: &mut LabContext<'_>) {
        view::show(ui, report, cx.labs.generation);
    }
}
