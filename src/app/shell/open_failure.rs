//! A notebook that failed to open says why where the student is looking: a window with the
//! `FILE:LINE:COL: message` of the failure (selectable, with a Copy button) over the notebook
//! that stays open, not only a line in the status bar.

/// What the student chose in the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenFailureAction {
    /// Pick another file (the path dialog).
    OpenAnother,
    /// Close the window.
    Dismiss,
}

/// Draws the window for `failure` (the loader's message); returns the student's choice.
pub fn show(ui: &egui::Ui, failure: &str) -> Option<OpenFailureAction> {
    let mut action = None;
    egui::Modal::new(egui::Id::unique("open-failure")).show(ui.ctx(), |ui| {
        ui.set_max_width(640.0);
        ui.heading("⚠ The notebook did not open");
        ui.add(egui::Label::new(egui::RichText::new(failure).monospace()).selectable(true));
        ui.label("The notebook you had open is unchanged.");
        ui.horizontal(|ui| {
            if ui.button("Copy").on_hover_text("Copy the message").clicked() {
                ui.ctx().copy_text(failure.to_owned());
            }
            if ui.button("Open another…").clicked() {
                action = Some(OpenFailureAction::OpenAnother);
            }
            if ui.button("Close").clicked() {
                action = Some(OpenFailureAction::Dismiss);
            }
        });
    });
    action
}
