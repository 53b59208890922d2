//! The notebook's entries: select, add, duplicate, delete, rename, move.

use crate::app::entries;
use optlab_core::notebook::{Entry, Notebook};

/// What the entry list asked for, applied by the app after the list is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListAction {
    /// Show entry `index`, dropping the previous entry's results.
    Select(usize),
    /// The selected entry was deleted: `next` is shown, playback and lab results stay.
    Deleted {
        /// The entry shown now.
        next: usize,
    },
}

/// Draws the title and the list of entries; returns the entry clicked.
pub fn list(ui: &mut egui::Ui, notebook: &mut Notebook, selected: usize) -> Option<usize> {
    ui.heading("Notebook");
    ui.add(
        egui::TextEdit::singleline(&mut notebook.title)
            .hint_text("notebook title")
            .desired_width(f32::INFINITY),
    )
    .on_hover_text("The notebook's title, saved in the file");
    ui.separator();
    let mut select = None;
    egui::ScrollArea::vertical()
        .id_salt("entry-list")
        .max_height(ui.available_height() - 110.0)
        .show(ui, |ui| {
            for (index, entry) in notebook.entries.iter().enumerate() {
                let kind = entry.experiment.kind_name();
                let label = format!("{}. {}", index + 1, entry.name);
                let response = ui
                    .selectable_label(index == selected, label)
                    .on_hover_text(format!("{kind}: click to open"));
                if response.clicked() {
                    select = Some(index);
                }
            }
        });
    select
}

/// The selected entry's name and the buttons that add, copy, delete and move entries. They
/// edit `notebook` at once and return the entry to show next.
pub fn edit_selected(
    ui: &mut egui::Ui,
    notebook: &mut Notebook,
    selected: usize,
) -> Option<ListAction> {
    let count = notebook.entries.len();
    if let Some(entry) = notebook.entries.get_mut(selected) {
        ui.add(
            egui::TextEdit::singleline(&mut entry.name)
                .char_limit(optlab_core::names::MAX_NAME_CHARS)
                .desired_width(f32::INFINITY),
        )
        .on_hover_text("Rename the selected entry");
    }
    // Buttons drawn after a click see the new selection, as the app will.
    let mut selected = selected;
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        if ui.button("➕ Add").on_hover_text("Add a race entry with the default setup").clicked() {
            add_entry(notebook);
            selected = notebook.entries.len() - 1;
            action = Some(ListAction::Select(selected));
        }
        if let Some(index) = add_lab_menu(ui, notebook) {
            selected = index;
            action = Some(ListAction::Select(selected));
        }
        let has = count > 0;
        if ui
            .add_enabled(has, egui::Button::new("Duplicate"))
            .on_hover_text("Copy the selected entry below it")
            .clicked()
        {
            let copy = notebook.entries[selected].clone();
            let copy = Entry { name: optlab_core::names::copy_name(&copy.name), ..copy };
            notebook.entries.insert(selected + 1, copy);
            selected += 1;
            action = Some(ListAction::Select(selected));
        }
        if ui
            .add_enabled(has, egui::Button::new("🗑 Delete"))
            .on_hover_text("Delete the selected entry (Ctrl+Z brings it back)")
            .clicked()
        {
            notebook.entries.remove(selected);
            selected = selected.min(notebook.entries.len().saturating_sub(1));
            action = Some(ListAction::Deleted { next: selected });
        }
        if let Some(index) = move_buttons(ui, notebook, (selected, count)) {
            action = Some(ListAction::Select(index));
        }
    });
    action
}

/// The ➕ Lab menu; returns the index of the lab it added.
fn add_lab_menu(ui: &mut egui::Ui, notebook: &mut Notebook) -> Option<usize> {
    let mut added = None;
    ui.menu_button("➕ Lab", |ui| {
        for (name, experiment) in entries::lab_templates() {
            if ui.button(name).clicked() {
                let number = notebook.entries.len() + 1;
                notebook.entries.push(Entry {
                    name: format!("{name} {number}"),
                    notes: String::new(),
                    experiment,
                });
                added = Some(number - 1);
                ui.close();
            }
        }
    })
    .response
    .on_hover_text("Add a regularization lab: dropout, DropConnect, pooling, depth");
    added
}

/// ⬆ and ⬇: swap the selected entry with its neighbour; returns where it went.
fn move_buttons(
    ui: &mut egui::Ui,
    notebook: &mut Notebook,
    (mut selected, count): (usize, usize),
) -> Option<usize> {
    let mut moved = None;
    if ui
        .add_enabled(selected > 0, egui::Button::new("⬆"))
        .on_hover_text("Move the entry up")
        .clicked()
    {
        notebook.entries.swap(selected, selected - 1);
        selected -= 1;
        moved = Some(selected);
    }
    if ui
        .add_enabled(selected + 1 < count, egui::Button::new("⬇"))
        .on_hover_text("Move the entry down")
        .clicked()
    {
        notebook.entries.swap(selected, selected + 1);
        selected += 1;
        moved = Some(selected);
    }
    moved
}

/// Appends a race entry like the default notebook's.
pub fn add_entry(notebook: &mut Notebook) {
    let mut template = Notebook::default_notebook().entries.remove(0);
    template.name = format!("Race {}", notebook.entries.len() + 1);
    template.notes = String::new();
    notebook.entries.push(template);
}
