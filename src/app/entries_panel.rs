//! The notebook's entries: select, add, duplicate, delete, rename, move.

use super::OptlabApp;
use optlab_core::entries::Experiment;
use optlab_core::entries::assignment::AssignmentLab;
use optlab_core::entries::basin::BasinLab;
use optlab_core::entries::drop_connect::DropConnectLab;
use optlab_core::entries::dropout::DropoutLab;
use optlab_core::entries::fractional_max_pool::FractionalMaxPoolLab;
use optlab_core::entries::stochastic_depth::StochasticDepthLab;
use optlab_core::entries::sweep::SweepLab;
use optlab_core::entries::training::TrainingLab;
use optlab_core::notebook::{Entry, Notebook};

/// Draws the entry list.
pub fn show(app: &mut OptlabApp, ui: &mut egui::Ui) {
    ui.heading("Notebook");
    ui.add(
        egui::TextEdit::singleline(&mut app.document.notebook.title)
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
            for (index, entry) in app.document.notebook.entries.iter().enumerate() {
                let kind = entry.experiment.kind_name();
                let label = format!("{}. {}", index + 1, entry.name);
                let response = ui
                    .selectable_label(index == app.selected, label)
                    .on_hover_text(format!("{kind}: click to open"));
                if response.clicked() {
                    select = Some(index);
                }
            }
        });
    if let Some(index) = select {
        app.select(index);
    }
    ui.separator();
    edit_selected(app, ui);
}

fn edit_selected(app: &mut OptlabApp, ui: &mut egui::Ui) {
    let count = app.document.notebook.entries.len();
    if let Some(entry) = app.document.notebook.entries.get_mut(app.selected) {
        ui.add(egui::TextEdit::singleline(&mut entry.name).desired_width(f32::INFINITY))
            .on_hover_text("Rename the selected entry");
    }
    ui.horizontal_wrapped(|ui| {
        if ui.button("➕ Add").on_hover_text("Add a race entry with the default setup").clicked() {
            add_entry(&mut app.document.notebook);
            let last = app.document.notebook.entries.len() - 1;
            app.select(last);
        }
        ui.menu_button("➕ Lab", |ui| {
            for (name, experiment) in lab_templates() {
                if ui.button(name).clicked() {
                    let number = app.document.notebook.entries.len() + 1;
                    app.document.notebook.entries.push(Entry {
                        name: format!("{name} {number}"),
                        notes: String::new(),
                        experiment,
                    });
                    app.select(number - 1);
                    ui.close();
                }
            }
        })
        .response
        .on_hover_text("Add a regularization lab: dropout, DropConnect, pooling, depth");
        let has = count > 0;
        if ui
            .add_enabled(has, egui::Button::new("Duplicate"))
            .on_hover_text("Copy the selected entry below it")
            .clicked()
        {
            let copy = app.document.notebook.entries[app.selected].clone();
            let copy = Entry { name: format!("{} (copy)", copy.name), ..copy };
            app.document.notebook.entries.insert(app.selected + 1, copy);
            app.select(app.selected + 1);
        }
        if ui
            .add_enabled(has, egui::Button::new("🗑 Delete"))
            .on_hover_text("Delete the selected entry (Ctrl+Z brings it back)")
            .clicked()
        {
            app.document.notebook.entries.remove(app.selected);
            let next = app.selected.min(app.document.notebook.entries.len().saturating_sub(1));
            app.results.clear(&mut app.worker);
            app.selected = next;
        }
        if ui
            .add_enabled(app.selected > 0, egui::Button::new("⬆"))
            .on_hover_text("Move the entry up")
            .clicked()
        {
            app.document.notebook.entries.swap(app.selected, app.selected - 1);
            app.select(app.selected - 1);
        }
        if ui
            .add_enabled(app.selected + 1 < count, egui::Button::new("⬇"))
            .on_hover_text("Move the entry down")
            .clicked()
        {
            app.document.notebook.entries.swap(app.selected, app.selected + 1);
            app.select(app.selected + 1);
        }
    });
}

/// Appends a race entry like the default notebook's.
pub fn add_entry(notebook: &mut Notebook) {
    let mut template = Notebook::default_notebook().entries.remove(0);
    template.name = format!("Race {}", notebook.entries.len() + 1);
    template.notes = String::new();
    notebook.entries.push(template);
}

/// The regularization labs with their default settings, as the ➕ Lab menu offers them.
fn lab_templates() -> [(&'static str, Experiment); 8] {
    [
        ("Dropout", Experiment::Dropout(DropoutLab::default())),
        ("DropConnect", Experiment::DropConnect(DropConnectLab::default())),
        ("Fractional max pooling", Experiment::FractionalMaxPool(FractionalMaxPoolLab::default())),
        ("Stochastic depth", Experiment::StochasticDepth(StochasticDepthLab::default())),
        ("Training", Experiment::Training(TrainingLab::default())),
        ("Sweep", Experiment::Sweep(SweepLab::default())),
        ("Basin map", Experiment::Basin(BasinLab::default())),
        ("Assignment helper", Experiment::Assignment(AssignmentLab::default())),
    ]
}
