//! The left panel beside the entry list: the selected entry's notes and its kind's controls.

use egui::{CollapsingHeader, Ui};

use crate::app::entries;
use optlab_core::notebook::Entry;

/// Draws the notes and controls of `entry`, or a hint when there is no entry. Controls only
/// edit the notebook; each frame the app recomputes what changed.
pub fn show(ui: &mut Ui, entry: Option<&mut Entry>) {
    egui::ScrollArea::vertical().id_salt("race-controls").auto_shrink([false, false]).show(
        ui,
        |ui| {
            let Some(entry) = entry else {
                ui.weak("No entry yet: add one with ➕ Add in the notebook list.");
                return;
            };
            notes(ui, &mut entry.notes);
            entries::controls(ui, &mut entry.experiment);
        },
    );
}

/// The entry's notes: what to look at.
fn notes(ui: &mut Ui, notes: &mut String) {
    CollapsingHeader::new("Notes").id_salt("entry-notes").default_open(true).show(ui, |ui| {
        ui.add(
            egui::TextEdit::multiline(notes)
                .hint_text("What to look at…")
                .desired_rows(3)
                .desired_width(f32::INFINITY),
        )
        .on_hover_text("Notes of this entry, saved in the notebook: what to look at, what to try");
    });
}
