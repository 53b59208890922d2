//! The question a save asks before it drops a hand-written file's comments or replaces a
//! read-only file: a concise, honest choice.

use std::path::Path;

use super::document::SaveQuestion;

/// What the user chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveAnswer {
    /// Save to the file anyway (dropping the comments, or replacing the read-only file and
    /// keeping it read-only).
    SaveAnyway,
    /// Save to another file instead.
    SaveAs,
    /// Do not save.
    Cancel,
}

/// Shows the question about saving to `path`; the answer once one is clicked.
pub fn ask(ui: &egui::Ui, path: &Path, question: SaveQuestion) -> Option<SaveAnswer> {
    let name =
        path.file_name().map_or_else(|| path.display().to_string(), |n| n.display().to_string());
    let (heading, text, anyway) = match question {
        SaveQuestion::DropsComments(lines) => (
            "Save drops the file's comments",
            format!(
                "{name} was written by hand and has comments on {lines} line(s). optlab saves \
                 the notebook in its own layout and cannot keep them. Save as another file to \
                 keep {name} as it is."
            ),
            "Save without the comments",
        ),
        SaveQuestion::ReadOnly => (
            "The file is read-only",
            format!(
                "{name} is read-only. optlab replaces it only if you say so, and then keeps it \
                 read-only."
            ),
            "Replace it",
        ),
    };
    let mut answer = None;
    egui::Modal::new(egui::Id::unique("save-question")).show(ui.ctx(), |ui| {
        ui.set_max_width(460.0);
        ui.heading(heading);
        ui.label(text);
        ui.horizontal(|ui| {
            if ui.button("Save As…").clicked() {
                answer = Some(SaveAnswer::SaveAs);
            }
            if ui.button(anyway).clicked() {
                answer = Some(SaveAnswer::SaveAnyway);
            }
            if ui.button("Cancel").clicked() {
                answer = Some(SaveAnswer::Cancel);
            }
        });
    });
    answer
}
