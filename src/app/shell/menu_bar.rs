//! The menu bar (File, Edit, View, Presets, Help), keyboard shortcuts, and the dialogs they
//! open: the in-app path field (with a native "Browse…" where the desktop offers one), the
//! "discard unsaved changes?" question, the reload offer, shortcuts and About.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};

use egui::{Key, KeyboardShortcut, Modifiers};

use crate::app::entries::race::view::{CurveView, SpaceView};
use crate::app::shell::document::SaveQuestion;
use crate::app::shell::entries_panel;
use crate::app::shell::menu_state::{PathDialog, Pending};
use crate::app::shell::open_failure::{self, OpenFailureAction};
use crate::app::shell::recovery::{self, RecoveryAction};
use crate::app::shell::save_questions::{self, SaveAnswer};
use crate::app::state::OptlabApp;
use optlab_core::files::ReadOnly;
use optlab_core::notebook::Notebook;
use optlab_core::presets;

const SAVE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);
const OPEN: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
const NEW: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::N);
const UNDO: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
const REDO: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::Z);

/// Handles the keyboard shortcuts; single keys only while no text field has focus.
pub fn keyboard_shortcuts(app: &mut OptlabApp, ui: &egui::Ui) {
    let (redo, undo, save, open, new) = ui.input_mut(|i| {
        (
            i.consume_shortcut(&REDO),
            i.consume_shortcut(&UNDO),
            i.consume_shortcut(&SAVE),
            i.consume_shortcut(&OPEN),
            i.consume_shortcut(&NEW),
        )
    });
    if redo {
        app.redo();
    } else if undo {
        app.undo();
    }
    if save {
        save_or_ask(app);
    }
    if open {
        app.menu.path_dialog = Some((PathDialog::Open, String::new()));
    }
    if new {
        request(app, Pending::New);
    }
    if ui.ctx().egui_wants_keyboard_input() {
        return;
    }
    let (space, right, reset) = ui.input_mut(|i| {
        (
            i.consume_key(Modifiers::NONE, Key::Space),
            i.consume_key(Modifiers::NONE, Key::ArrowRight),
            i.consume_key(Modifiers::NONE, Key::R),
        )
    });
    if space {
        if app.selected_is_race() {
            app.playback.toggle(app.results.computed_steps());
        } else {
            app.labs.set_paused(!app.labs.paused());
        }
    }
    if right {
        app.playback.single_step(app.results.computed_steps());
    }
    if reset {
        app.playback.reset();
    }
}

/// Draws the menu bar.
pub fn show(app: &mut OptlabApp, ui: &mut egui::Ui) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| file_menu(app, ui));
        ui.menu_button("Edit", |ui| edit_menu(app, ui));
        ui.menu_button("View", |ui| view_menu(app, ui));
        ui.menu_button("Presets", |ui| presets_menu(app, ui));
        ui.menu_button("Help", |ui| help_menu(app, ui));
    });
}

fn file_menu(app: &mut OptlabApp, ui: &mut egui::Ui) {
    if ui.add(egui::Button::new("New").shortcut_text("Ctrl+N")).clicked() {
        request(app, Pending::New);
    }
    if ui.add(egui::Button::new("Open…").shortcut_text("Ctrl+O")).clicked() {
        app.menu.path_dialog = Some((PathDialog::Open, String::new()));
    }
    ui.menu_button("Open recent", |ui| {
        if app.recent.is_empty() {
            ui.label("(none yet)");
        }
        for path in app.recent.clone() {
            if ui.button(path.display().to_string()).clicked() {
                request(app, Pending::Open(path));
            }
        }
    });
    ui.separator();
    if ui.add(egui::Button::new("Save").shortcut_text("Ctrl+S")).clicked() {
        save_or_ask(app);
    }
    if ui.button("Save As…").clicked() {
        let current = app.document.path.as_ref().map(|p| p.display().to_string());
        app.menu.path_dialog = Some((PathDialog::SaveAs, current.unwrap_or_default()));
    }
    let can_revert = app.document.path.is_some();
    if ui.add_enabled(can_revert, egui::Button::new("Revert")).clicked() {
        request(app, Pending::Revert);
    }
    ui.separator();
    if ui.button("Quit").clicked() {
        ui.send_viewport_cmd(egui::ViewportCommand::Close);
    }
}

fn edit_menu(app: &mut OptlabApp, ui: &mut egui::Ui) {
    let undo = egui::Button::new("Undo").shortcut_text("Ctrl+Z");
    if ui.add_enabled(app.can_undo(), undo).clicked() {
        app.undo();
    }
    let redo = egui::Button::new("Redo").shortcut_text("Ctrl+Shift+Z");
    if ui.add_enabled(app.can_redo(), redo).clicked() {
        app.redo();
    }
    ui.separator();
    if ui.button("Add entry").clicked() {
        entries_panel::add_entry(&mut app.document.notebook);
        let last = app.document.notebook.entries.len() - 1;
        app.select(last);
    }
}

fn view_menu(app: &mut OptlabApp, ui: &mut egui::Ui) {
    ui.label("Theme");
    egui::widgets::global_theme_preference_buttons(ui);
    ui.separator();
    ui.radio_value(&mut app.space_view, SpaceView::Map, "Map (from above)");
    ui.radio_value(&mut app.space_view, SpaceView::Surface3d, "3D surface");
    ui.separator();
    ui.radio_value(&mut app.curve_view, CurveView::Curves, "Loss & learning rate");
    ui.radio_value(&mut app.curve_view, CurveView::Internals, "Optimizer internals");
}

fn presets_menu(app: &mut OptlabApp, ui: &mut egui::Ui) {
    ui.label("Built-in notebooks (opens an editable copy)");
    ui.separator();
    for preset in presets::builtin() {
        if ui.button(preset.title()).on_hover_text(preset.name).clicked() {
            request(app, Pending::Preset(preset.name));
        }
    }
}

fn help_menu(app: &mut OptlabApp, ui: &mut egui::Ui) {
    if ui.button("Keyboard shortcuts").clicked() {
        app.menu.show_shortcuts = true;
    }
    if ui.button("About optlab").clicked() {
        app.menu.show_about = true;
    }
    // A debugging aid, not a user's command: only in debug builds.
    if cfg!(debug_assertions)
        && ui
            .button("Test crash handling (debug build)")
            .on_hover_text("Runs a job that panics in the worker: the window must stay up")
            .clicked()
    {
        app.worker.submit(u64::MAX, optlab_core::runner::races::Job::Panic("test crash".into()));
        app.say("submitted a job that panics; the worker reports it and keeps serving");
    }
}

/// Asks before `action` discards unsaved edits; does it at once when there are none.
pub fn request(app: &mut OptlabApp, action: Pending) {
    if app.document.dirty() {
        app.menu.confirm = Some(action);
    } else {
        perform(app, action);
    }
}

fn perform(app: &mut OptlabApp, action: Pending) {
    let result = match action {
        Pending::New => {
            app.document.replace_unsaved(Notebook::default_notebook());
            Ok("new notebook".to_owned())
        }
        Pending::Open(path) => match app.document.open(&path) {
            Ok(()) => {
                remember(app, path.clone());
                Ok(format!("opened {}", path.display()))
            }
            Err(e) => {
                app.menu.open_failure = Some(e.clone());
                Err(e)
            }
        },
        Pending::Preset(name) => presets::find(name)
            .ok_or_else(|| format!("no preset named {name}"))
            .and_then(|p| p.notebook().map_err(|e| format!("preset {name}: {e}")))
            .map(|notebook| {
                app.document.replace_unsaved(notebook);
                format!("opened preset {name} (an unsaved copy)")
            }),
        Pending::Revert => app.document.revert().map(|()| "reverted to the file".to_owned()),
        Pending::Quit => {
            app.menu.quit_confirmed = true;
            Ok(String::new())
        }
    };
    match result {
        Ok(message) if message.is_empty() => {}
        Ok(message) => {
            app.notebook_replaced();
            app.say(message);
        }
        Err(e) => app.say(e),
    }
}

fn remember(app: &mut OptlabApp, path: PathBuf) {
    app.recent.retain(|p| p != &path);
    app.recent.insert(0, path);
    app.recent.truncate(10);
    app.document.request_autosave();
}

fn save_or_ask(app: &mut OptlabApp) {
    match app.document.path.clone() {
        Some(path) => save_to(app, path),
        None => app.menu.path_dialog = Some((PathDialog::SaveAs, "notebook.ron".to_owned())),
    }
}

fn save_to(app: &mut OptlabApp, path: PathBuf) {
    match app.document.save_question(&path) {
        Some(question) => app.menu.save_question = Some((path, question)),
        None => write_to(app, path, ReadOnly::Refuse),
    }
}

fn write_to(app: &mut OptlabApp, path: PathBuf, read_only: ReadOnly) {
    match app.document.save_as_with(&path, read_only) {
        Ok(()) => {
            app.say(format!("saved {}", path.display()));
            remember(app, path);
            if let Some(action) = app.menu.after_save.take() {
                perform(app, action);
            }
        }
        Err(e) => {
            app.menu.after_save = None;
            app.say(e);
        }
    }
}

/// Draws whichever dialog is open, and handles the window's close request.
pub fn dialogs(app: &mut OptlabApp, ui: &mut egui::Ui) {
    close_request(app, ui);
    path_dialog(app, ui);
    confirm_dialog(app, ui);
    save_question(app, ui);
    recovery_window(app, ui);
    open_failure_window(app, ui);
    reload_offer(app, ui);
    info_windows(app, ui);
}

fn close_request(app: &mut OptlabApp, ui: &egui::Ui) {
    if ui.input(|i| i.viewport().close_requested())
        && app.document.dirty()
        && app.document.path.is_some()
        && !app.menu.quit_confirmed
    {
        // Edits are autosaved either way; ask only whether to drop them from the file's view.
        ui.send_viewport_cmd(egui::ViewportCommand::CancelClose);
        app.menu.confirm = Some(Pending::Quit);
    }
    if app.menu.quit_confirmed {
        app.menu.quit_confirmed = false;
        ui.send_viewport_cmd(egui::ViewportCommand::Close);
    }
}

fn path_dialog(app: &mut OptlabApp, ui: &egui::Ui) {
    if let Some(rx) = &app.menu.browsing
        && let Ok(picked) = rx.try_recv()
    {
        app.menu.browsing = None;
        // No path back: cancelled, or no desktop file dialog at all (no portal). Say so and
        // put the cursor in the path field.
        app.menu.no_file_chosen = picked.is_none();
        app.menu.focus_path = picked.is_none();
        if let (Some(path), Some((_, text))) = (picked, app.menu.path_dialog.as_mut()) {
            *text = path.display().to_string();
        }
    }
    let Some((kind, mut text)) = app.menu.path_dialog.take() else { return };
    let title = match kind {
        PathDialog::Open => "Open notebook",
        PathDialog::SaveAs => "Save notebook as",
    };
    let mut close = false;
    let mut accept = false;
    egui::Modal::new(egui::Id::unique("path-dialog")).show(ui.ctx(), |ui| {
        ui.heading(title);
        let label = ui.label("File path:");
        let edit = ui
            .add(egui::TextEdit::singleline(&mut text).desired_width(420.0))
            .labelled_by(label.id);
        if edit.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
            accept = true;
        }
        if app.menu.no_file_chosen {
            ui.label(
                "No file was chosen. If no file dialog appeared, this desktop has none: type \
                 the path above.",
            );
            if std::mem::take(&mut app.menu.focus_path) {
                edit.request_focus();
            }
        }
        ui.horizontal(|ui| {
            let browsing = app.menu.browsing.is_some();
            if ui
                .add_enabled(!browsing, egui::Button::new("Browse…"))
                .on_hover_text("The desktop's file dialog, where one is available")
                .clicked()
            {
                app.menu.browsing = Some(native_dialog(kind));
            }
            if ui.button(if kind == PathDialog::Open { "Open" } else { "Save" }).clicked() {
                accept = true;
            }
            if ui.button("Cancel").clicked() {
                close = true;
            }
        });
    });
    if accept || close {
        app.menu.no_file_chosen = false;
    }
    if close {
        app.menu.after_save = None;
    }
    if accept && !text.trim().is_empty() {
        let path = PathBuf::from(text.trim());
        match kind {
            PathDialog::Open => request(app, Pending::Open(path)),
            PathDialog::SaveAs => save_to(app, path),
        }
    } else if !close {
        app.menu.path_dialog = Some((kind, text));
    }
}

/// Runs the desktop's file dialog on its own thread, so the window never blocks on it.
fn native_dialog(kind: PathDialog) -> Receiver<Option<PathBuf>> {
    let (tx, rx) = channel();
    let spawned = std::thread::Builder::new().name("optlab-file-dialog".into()).spawn(move || {
        let dialog = rfd::FileDialog::new().add_filter("optlab notebook", &["ron"]);
        let picked = match kind {
            PathDialog::Open => dialog.pick_file(),
            PathDialog::SaveAs => dialog.set_file_name("notebook.ron").save_file(),
        };
        let _ = tx.send(picked);
    });
    if spawned.is_err() {
        // No thread, no dialog: the path field still works.
    }
    rx
}

fn confirm_dialog(app: &mut OptlabApp, ui: &egui::Ui) {
    let Some(action) = app.menu.confirm.clone() else { return };
    let mut answer = None;
    egui::Modal::new(egui::Id::unique("confirm-discard")).show(ui.ctx(), |ui| {
        ui.heading("Unsaved changes");
        ui.label("This notebook has changes that are not saved to its file.");
        ui.horizontal(|ui| {
            if ui.button("Save first").clicked() {
                answer = Some(0);
            }
            if ui.button("Discard changes").clicked() {
                answer = Some(1);
            }
            if ui.button("Cancel").clicked() {
                answer = Some(2);
            }
        });
    });
    match answer {
        Some(0) => {
            app.menu.confirm = None;
            // Done once the save succeeds, whether at once or after Save As or a question.
            app.menu.after_save = Some(action);
            save_or_ask(app);
        }
        Some(1) => {
            app.menu.confirm = None;
            perform(app, action);
        }
        Some(_) => app.menu.confirm = None,
        None => {}
    }
}

fn save_question(app: &mut OptlabApp, ui: &egui::Ui) {
    let Some((path, question)) = app.menu.save_question.clone() else { return };
    let Some(answer) = save_questions::ask(ui, &path, question) else { return };
    app.menu.save_question = None;
    match answer {
        SaveAnswer::SaveAnyway => {
            let read_only = if question == SaveQuestion::ReadOnly {
                ReadOnly::Replace
            } else {
                ReadOnly::Refuse
            };
            write_to(app, path, read_only);
        }
        SaveAnswer::SaveAs => {
            app.menu.path_dialog = Some((PathDialog::SaveAs, path.display().to_string()));
        }
        SaveAnswer::Cancel => {
            app.menu.after_save = None;
            app.say("not saved");
        }
    }
}

fn recovery_window(app: &mut OptlabApp, ui: &egui::Ui) {
    match recovery::show(ui, &app.recoveries) {
        Some(RecoveryAction::Open(path)) => {
            app.recoveries.clear();
            request(app, Pending::Open(path));
        }
        Some(RecoveryAction::Dismiss) => app.recoveries.clear(),
        None => {}
    }
}

fn open_failure_window(app: &mut OptlabApp, ui: &egui::Ui) {
    let Some(failure) = &app.menu.open_failure else { return };
    match open_failure::show(ui, failure) {
        Some(OpenFailureAction::OpenAnother) => {
            app.menu.open_failure = None;
            app.menu.path_dialog = Some((PathDialog::Open, String::new()));
        }
        Some(OpenFailureAction::Dismiss) => app.menu.open_failure = None,
        None => {}
    }
}

fn reload_offer(app: &mut OptlabApp, ui: &egui::Ui) {
    if !app.menu.offer_reload {
        return;
    }
    let mut answer = None;
    egui::Modal::new(egui::Id::unique("reload-offer")).show(ui.ctx(), |ui| {
        ui.heading("The file changed on disk");
        ui.label("Another program changed this notebook's file. Reload it?");
        ui.horizontal(|ui| {
            if ui.button("Reload").clicked() {
                answer = Some(true);
            }
            if ui.button("Keep mine").clicked() {
                answer = Some(false);
            }
        });
    });
    match answer {
        Some(true) => {
            app.menu.offer_reload = false;
            perform(app, Pending::Revert);
        }
        Some(false) => {
            app.menu.offer_reload = false;
            app.document.ignore_disk_change();
        }
        None => {}
    }
}

const SHORTCUTS: [(&str, &str); 9] = [
    ("Space", "play / pause (a race), pause / resume (training)"),
    ("Right arrow", "one step"),
    ("R", "reset playback to step 0"),
    ("Ctrl+Z", "undo"),
    ("Ctrl+Shift+Z", "redo"),
    ("Ctrl+S", "save"),
    ("Ctrl+O", "open"),
    ("Ctrl+N", "new notebook"),
    ("Click / drag on the map", "move the start point"),
];

fn info_windows(app: &mut OptlabApp, ui: &egui::Ui) {
    egui::Window::new("Keyboard shortcuts")
        .open(&mut app.menu.show_shortcuts)
        .resizable(false)
        .show(ui.ctx(), |ui| {
            egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                for (keys, what) in SHORTCUTS {
                    ui.monospace(keys);
                    ui.label(what);
                    ui.end_row();
                }
            });
        });
    egui::Window::new("About optlab").open(&mut app.menu.show_about).resizable(false).show(
        ui.ctx(),
        |ui| {
            ui.heading(format!("optlab {}", env!("CARGO_PKG_VERSION")));
            ui.label(
                "A lab notebook for how neural networks are optimized and regularized: race \
                 SGD, momentum, Nesterov, Adagrad, RMSprop and Adam on loss surfaces, with \
                 PyTorch's exact update rules. Notebooks are RON files you can edit, share \
                 and rerun headless with `optlab run`.",
            );
        },
    );
}
