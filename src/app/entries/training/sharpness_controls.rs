//! The training entry's sharpness-tracking controls: on/off, epochs between measurements and
//! power iterations per measurement.

use egui::Ui;

use crate::app::widgets::lab_widgets;
use optlab_core::entries::training::sharpness::{EVERY, ITERATIONS};
use optlab_core::entries::training::{SharpnessTracking, TrainingLab};

/// Draws the controls.
pub fn show(ui: &mut Ui, lab: &mut TrainingLab) {
    let mut on = lab.sharpness.is_some();
    let toggle = ui.checkbox(&mut on, "track sharpness").on_hover_text(
        "Every few epochs, λmax of the training loss's Hessian on the whole training set (power \
         iteration on exact Hessian-vector products), shown in the Sharpness tab with 2/lr",
    );
    if toggle.changed() {
        lab.sharpness = on.then(SharpnessTracking::default);
    }
    let Some(tracking) = lab.sharpness.as_mut() else { return };
    lab_widgets::count(
        ui,
        &mut tracking.every,
        (1, 1000),
        EVERY,
        "every (epochs)",
        "Epochs between two measurements (epoch 0 and the last epoch are always measured)",
    );
    lab_widgets::count(
        ui,
        &mut tracking.iterations,
        (1, 200),
        ITERATIONS,
        "power iterations",
        "Hessian-vector products per measurement, warm-started from the previous vector (the \
         first measurement runs five times as many)",
    );
}
