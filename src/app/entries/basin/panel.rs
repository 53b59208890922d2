//! Controls of a basin map: the surface, the optimizer, the steps and the grid of starts.

use egui::Ui;

use crate::app::entries::race::optimizer_controls;
use crate::app::entries::race::panel as race_panel;
use crate::app::widgets::number_field::NumberField;
use crate::app::widgets::{lab_widgets, numbers};
use optlab_core::entries::basin::BasinLab;
use optlab_core::grid::MAX_RESOLUTION;
use optlab_core::limits::Limit;

/// Draws the controls.
pub fn show(ui: &mut Ui, lab: &mut BasinLab) {
    lab_widgets::heading(
        ui,
        "Basins of attraction",
        "The same optimizer from every start point of a grid, coloured by the minimum it ends \
         in, brighter where it settled sooner. Black: diverged; grey: nowhere yet.",
    );
    if race_panel::surface(ui, &mut lab.surface) {
        lab.region = None;
    }
    optimizer_controls::optimizer(ui, &mut lab.optimizer, 901);
    optimizer_controls::schedule(ui, &mut lab.schedule, 901);
    ui.separator();
    lab_widgets::count(
        ui,
        &mut lab.steps,
        (1, 100_000),
        optlab_core::grid::STEPS,
        "steps",
        "Updates per run",
    );
    lab_widgets::count(
        ui,
        &mut lab.resolution,
        (2, MAX_RESOLUTION),
        optlab_core::grid::RESOLUTION,
        "starts per side",
        "The grid of start points covers the surface's view box",
    );
    NumberField::new(
        Limit::above("tolerance", 0.0),
        "tolerance",
        "A run has settled in a minimum once its loss stays within this of the minimum's value \
         and it ends nearest to that minimum",
    )
    .format(numbers::compact)
    .show(ui, &mut lab.tolerance);
}
