//! Controls of a race entry (stub: being written).

use super::OptlabApp;

/// Draws the controls of the selected race.
pub fn show(app: &mut OptlabApp, ui: &mut egui::Ui) {
    let _ = app;
    ui.label("controls");
}
