//! Controls of a DropConnect lab: the layer's size, p and the sample counts.

use egui::Ui;

use crate::app::widgets::lab_widgets;
use optlab_core::entries::drop_connect::DropConnectLab;

/// Draws the controls.
pub fn show(ui: &mut Ui, lab: &mut DropConnectLab) {
    lab_widgets::heading(
        ui,
        "DropConnect",
        "Masks on weights, not units. At test time the paper matches a Gaussian to u = (M⊙W)v \
         and averages relu over it: E[relu(u)] ≠ relu(E[u]).",
    );
    lab_widgets::count(
        ui,
        &mut lab.inputs,
        (1, 64),
        optlab_core::entries::drop_connect::INPUTS,
        "inputs",
        "Length of the input v",
    );
    lab_widgets::count(
        ui,
        &mut lab.units,
        (1, 64),
        optlab_core::entries::drop_connect::UNITS,
        "units",
        "Rows of the weight matrix W",
    );
    lab_widgets::keep(ui, &mut lab.keep, "weight");
    lab_widgets::count(
        ui,
        &mut lab.samples,
        (10, 1_000_000),
        optlab_core::entries::drop_connect::SAMPLES,
        "training masks",
        "Masks of the Monte Carlo truth E[relu((M⊙W)v)]",
    );
    lab_widgets::count(
        ui,
        &mut lab.gaussian_samples,
        (1, 1_000_000),
        optlab_core::entries::drop_connect::GAUSSIAN_SAMPLES,
        "Gaussian samples Z",
        "Samples per unit of the paper's inference: u ~ N(pWv, p(1−p)(W⊙W)(v⊙v))",
    );
    lab_widgets::seed(ui, &mut lab.seed);
}
