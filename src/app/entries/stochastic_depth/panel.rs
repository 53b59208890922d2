//! Controls of a stochastic depth lab: depth, the last block's survival and the raster.

use egui::Ui;

use crate::app::widgets::lab_widgets;
use optlab_core::entries::stochastic_depth::StochasticDepthLab;

/// Draws the controls.
pub fn show(ui: &mut Ui, lab: &mut StochasticDepthLab) {
    lab_widgets::heading(
        ui,
        "Stochastic depth",
        "Each residual block survives with pₗ = 1 − (l/L)(1 − p_L); a dropped block is the \
         identity. At test time every block runs, scaled by pₗ (Huang et al. 2016).",
    );
    lab_widgets::count(
        ui,
        &mut lab.blocks,
        (1, 1000),
        optlab_core::entries::stochastic_depth::BLOCKS,
        "blocks L",
        "Residual blocks",
    );
    lab_widgets::number(
        ui,
        &mut lab.final_survival,
        (0.01, 1.0),
        optlab_core::entries::stochastic_depth::FINAL_SURVIVAL,
        "p_L",
        "Survival probability of the last block (0.5 in the paper)",
    );
    lab_widgets::count(
        ui,
        &mut lab.batches,
        (1, 10_000),
        optlab_core::entries::stochastic_depth::BATCHES,
        "mini-batches",
        "Rows of the keep/drop raster: one draw of every block per mini-batch",
    );
    lab_widgets::seed(ui, &mut lab.seed);
}
