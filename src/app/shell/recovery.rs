//! The window that tells, at startup, that a file of the last session did not load, where it
//! was kept and how to open it.

use std::path::PathBuf;

use super::autosave::Recovery;

/// What the user chose in the recovery window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecoveryAction {
    /// Try to open the kept file (after fixing it, or to see the error again).
    Open(PathBuf),
    /// Close the window.
    Dismiss,
}

/// Shows the recovery window while there is something to tell.
pub fn show(ui: &egui::Ui, recoveries: &[Recovery]) -> Option<RecoveryAction> {
    if recoveries.is_empty() {
        return None;
    }
    let mut action = None;
    egui::Modal::new(egui::Id::unique("recovery")).show(ui.ctx(), |ui| {
        ui.set_max_width(560.0);
        ui.heading("⚠ The last session did not load");
        for recovery in recoveries {
            ui.separator();
            ui.label(egui::RichText::new(&recovery.problem).monospace());
            if let Some(writer) = &recovery.written_by {
                ui.label(format!("It was written by {writer}."));
            }
            match &recovery.kept_as {
                Some(kept) => {
                    ui.label("The file is kept, unchanged, as:");
                    ui.horizontal(|ui| {
                        ui.label(egui::RichText::new(kept.display().to_string()).monospace());
                        if ui.small_button("📋 Copy path").clicked() {
                            ui.ctx().copy_text(kept.display().to_string());
                        }
                    });
                    ui.label("Fix it in a text editor, then open it with File > Open.");
                    if ui.button("Try to open it now").clicked() {
                        action = Some(RecoveryAction::Open(kept.clone()));
                    }
                }
                None => {
                    ui.label("It could not be moved aside, so autosave is off for this session.");
                }
            }
            ui.label(format!("optlab started on {}.", recovery.started_on));
        }
        ui.separator();
        if ui.button("OK").clicked() {
            action = Some(RecoveryAction::Dismiss);
        }
    });
    action
}
