//! The 3D view (stub: being written).

use super::OptlabApp;
use crate::notebook::Race;

/// Orientation and zoom of the 3D view.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Camera;

/// Draws the 3D view.
pub fn show(app: &mut OptlabApp, ui: &mut egui::Ui, race: &Race, step: u64) {
    let _ = (app, race, step);
    ui.label("3d");
}
