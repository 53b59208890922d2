//! The desktop app: panels that edit the notebook and views that draw what the worker computed.
//!
//! Data flows one way. Controls edit the notebook; each frame [`RaceResults::sync`] compares
//! the configs the notebook asks for with what was computed and resubmits only the runs that
//! changed; worker batches are drained in [`eframe::App::logic`] (which also runs while the
//! window is minimised); views draw the latest results up to the playback step. Surface
//! textures, contours and meshes are cached and rebuilt only when the surface changes.

mod entries;
mod lab_results;
mod shell;
mod state;
mod widgets;

use std::path::PathBuf;

pub use entries::race::playback::Playback;
pub use entries::race::results::{RaceResults, RunResult, RunStats};
pub use shell::autosave::{self, Recovery, SessionInfo};
pub use shell::document::{AUTOSAVE_DELAY, Document, Restored, SaveQuestion};
pub use shell::fonts::install as install_fonts;
pub use state::OptlabApp;

pub use entries::race::view::{CurveView, SpaceView};
pub use widgets::heatmap::PictureStatus;

use entries::race::view::RaceParts;
use shell::entries_panel::ListAction;
use shell::{controls_panel, document, entries_panel, fonts, menu_bar, status_bar};

use optlab_core::entries::Experiment;
use optlab_core::notebook::Notebook;

impl OptlabApp {
    /// Draws the whole window.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        fonts::prewarm(ui.ctx());
        menu_bar::keyboard_shortcuts(self, ui);
        egui::Panel::top("menu_bar").show(ui, |ui| menu_bar::show(self, ui));
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar(ui));
        egui::Panel::left("entries")
            .resizable(true)
            .default_size(190.0)
            .min_size(140.0)
            .show(ui, |ui| self.entry_list(ui));
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(330.0)
            .min_size(260.0)
            .show(ui, |ui| self.controls(ui));
        egui::CentralPanel::default().show(ui, |ui| self.centre(ui));
        menu_bar::dialogs(self, ui);
    }

    fn status_bar(&self, ui: &mut egui::Ui) {
        let status = status_bar::Status {
            jobs: self.worker.jobs_in_flight(),
            lab: self.labs.busy().then_some(if self.labs.paused() {
                status_bar::LabActivity::Paused
            } else {
                status_bar::LabActivity::Computing
            }),
            throughput: &self.throughput,
            autosave_error: self.document.autosave_error.as_ref(),
            results: &self.results,
            messages: &self.messages,
        };
        status_bar::show(ui, &status);
    }

    /// The entry list; a click selects, its buttons edit the notebook.
    fn entry_list(&mut self, ui: &mut egui::Ui) {
        if let Some(index) = entries_panel::list(ui, &mut self.document.notebook, self.selected) {
            self.select(index);
        }
        ui.separator();
        match entries_panel::edit_selected(ui, &mut self.document.notebook, self.selected) {
            Some(ListAction::Select(index)) => self.select(index),
            Some(ListAction::Deleted { next }) => {
                self.results.clear(&mut self.worker);
                self.selected = next;
            }
            None => {}
        }
    }

    /// The selected entry's notes and controls.
    fn controls(&mut self, ui: &mut egui::Ui) {
        controls_panel::show(ui, self.document.notebook.entries.get_mut(self.selected));
        if let Some(race) =
            self.document.notebook.entries.get(self.selected).and_then(|e| e.experiment.race())
        {
            self.focused_run = self.focused_run.min(race.runs.len().saturating_sub(1));
        }
    }

    /// The selected entry's views.
    fn centre(&mut self, ui: &mut egui::Ui) {
        let Some(entry) = self.document.notebook.entries.get(self.selected) else {
            ui.centered_and_justified(|ui| ui.label("Add an entry to start (Edit > Add entry)."));
            return;
        };
        let actions = match &entry.experiment {
            Experiment::Race(race) => {
                let parts = RaceParts {
                    results: &self.results,
                    playback: &mut self.playback,
                    space_view: &mut self.space_view,
                    curve_view: &mut self.curve_view,
                    focused_run: &mut self.focused_run,
                    caches: &mut self.race_caches,
                };
                entries::race::view::show(ui, race, parts).into_iter().collect()
            }
            _ => entries::lab_views(ui, &self.labs),
        };
        for action in actions {
            self.apply(action);
        }
    }
}

impl eframe::App for OptlabApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let now = ctx.input(|i| i.time);
        self.tick(now);
        if self.playback.playing || self.results.pending() {
            ctx.request_repaint();
        } else if self.document.dirty() {
            // Keep the autosave timer running after the last edit.
            ctx.request_repaint_after(document::AUTOSAVE_DELAY);
        }
        ctx.send_viewport_cmd(egui::ViewportCommand::Title(self.document.title()));
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.draw(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.document.autosave_tick(self.selected, &self.recent, true);
    }
}

/// The window's size when it opens, in points: what most users see, and what the frame benchmark
/// draws.
pub const WINDOW_SIZE: [f32; 2] = [1440.0, 900.0];

/// Opens the window. `notebook` overrides the restored session (a file given on the command
/// line); otherwise the last session comes back, or the built-in default notebook.
///
/// # Errors
/// The window could not be created (no display, no OpenGL).
pub fn run(file: Option<PathBuf>) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("optlab")
            .with_app_id("optlab")
            .with_inner_size(WINDOW_SIZE)
            .with_min_inner_size([960.0, 600.0]),
        ..Default::default()
    };
    eframe::run_native(
        "optlab",
        options,
        Box::new(move |cc| {
            fonts::install(&cc.egui_ctx);
            let Restored { mut document, info, recoveries } = eframe::storage_dir("optlab")
                .map_or_else(
                    || Restored {
                        document: Document::new(Notebook::default_notebook(), None),
                        info: SessionInfo::default(),
                        recoveries: Vec::new(),
                    },
                    |dir| Document::restore(&dir),
                );
            let mut messages: Vec<String> = recoveries.iter().map(Recovery::message).collect();
            let mut open_failure = None;
            if let Some(path) = file {
                match document.open(&path) {
                    Ok(()) => messages.push(format!("opened {}", path.display())),
                    Err(e) => {
                        messages.push(e.clone());
                        open_failure = Some(e);
                    }
                }
            }
            // One core stays free for the window when there are several.
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
            let threads = cores.saturating_sub(1).max(1);
            let mut app = OptlabApp::new(document, info.selected, &cc.egui_ctx, threads);
            app.recent = info.recent;
            app.recoveries = recoveries;
            app.menu.open_failure = open_failure;
            for message in messages {
                app.say(message);
            }
            app.playback.playing = true;
            Ok(Box::new(app))
        }),
    )
}
