//! The map view (stub: being written).

use super::OptlabApp;
use crate::notebook::Race;

/// Draws the map.
pub fn show(app: &mut OptlabApp, ui: &mut egui::Ui, race: &Race, step: u64) {
    let _ = (app, race, step);
    ui.label("map");
}
