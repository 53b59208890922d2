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
mod widgets;

use std::path::PathBuf;
use std::time::Instant;

use egui::util::undoer::{Settings as UndoSettings, Undoer};

pub use entries::race::playback::Playback;
pub use entries::race::results::{RaceResults, RunResult, RunStats};
pub use shell::document::{Document, SessionInfo};
pub use shell::fonts::install as install_fonts;

pub use entries::race::view::{CurveView, SpaceView};

use entries::action::EntryAction;
use entries::race::view::{RaceCaches, RaceParts};
use shell::entries_panel::ListAction;
use shell::{controls_panel, document, entries_panel, fonts, menu_bar, status_bar};

use optlab_core::entries::Experiment;
use optlab_core::entries::race::{Race, RaceRun};
use optlab_core::entries::training::{TrainingLab, TrainingRun};
use optlab_core::notebook::{Entry, Notebook};
use optlab_core::run::RunConfig;
use optlab_core::runner::races::Worker;
use optlab_core::train::TrainingConfig;

/// Everything the window shows and edits.
pub struct OptlabApp {
    /// The open notebook and its file.
    pub document: Document,
    /// Index of the selected entry.
    pub selected: usize,
    /// Results of the selected entry's race.
    pub results: RaceResults,
    /// Background threads computing runs.
    pub worker: Worker,
    /// Animated step, play/pause, speed.
    pub playback: Playback,
    /// Undo/redo history of the notebook.
    undoer: Undoer<Notebook>,
    /// Left view of the centre.
    pub space_view: SpaceView,
    /// Right view of the centre.
    pub curve_view: CurveView,
    /// The run whose internals are shown.
    pub focused_run: usize,
    /// What the race views drew last (textures, contours, paths, curves, table, 3D camera).
    race_caches: RaceCaches,
    /// The selected regularization lab's report, computed in the background.
    pub labs: lab_results::LabResults,
    /// Messages for the status bar (newest last).
    pub messages: Vec<String>,
    /// Steps per second the worker achieved recently.
    throughput: status_bar::Throughput,
    /// File-dialog fallback and confirmation state.
    menu: menu_bar::MenuState,
    /// Recently opened files, newest first.
    pub recent: Vec<PathBuf>,
    /// When the window last checked its file on disk.
    last_disk_check: Instant,
}

impl OptlabApp {
    /// An app showing `notebook`, computing with `threads` background threads.
    #[must_use]
    pub fn new(document: Document, selected: usize, ctx: &egui::Context, threads: usize) -> Self {
        let waker = ctx.clone();
        let worker = Worker::spawn(threads, move || waker.request_repaint());
        let undoer = Undoer::with_settings(UndoSettings {
            max_undos: 200,
            stable_time: 0.4,
            auto_save_interval: 5.0,
        });
        Self {
            selected: selected.min(document.notebook.entries.len().saturating_sub(1)),
            document,
            results: RaceResults::default(),
            worker,
            playback: Playback::default(),
            undoer,
            space_view: SpaceView::default(),
            curve_view: CurveView::default(),
            focused_run: 0,
            race_caches: RaceCaches::default(),
            labs: lab_results::new(ctx),
            messages: Vec::new(),
            throughput: status_bar::Throughput::default(),
            menu: menu_bar::MenuState::default(),
            recent: Vec::new(),
            last_disk_check: Instant::now(),
        }
    }

    /// Adds a message to the status bar.
    pub fn say(&mut self, message: impl Into<String>) {
        self.messages.push(message.into());
        if self.messages.len() > 50 {
            self.messages.remove(0);
        }
    }

    /// Selects entry `index`, dropping the previous entry's results.
    pub fn select(&mut self, index: usize) {
        if index != self.selected {
            self.selected = index;
            self.results.clear(&mut self.worker);
            self.labs.clear();
            self.playback.reset();
            self.focused_run = 0;
        }
    }

    /// Replaces the whole notebook (open, new, preset, revert): results and history restart.
    pub fn notebook_replaced(&mut self) {
        self.results.clear(&mut self.worker);
        self.labs.clear();
        self.selected = 0;
        self.focused_run = 0;
        self.playback.reset();
        self.playback.playing = true;
    }

    /// Whether the selected entry is a race (rather than a lab).
    #[must_use]
    pub fn selected_is_race(&self) -> bool {
        matches!(
            self.document.notebook.entries.get(self.selected).map(|e| &e.experiment),
            Some(Experiment::Race(_))
        )
    }

    /// Undoes the last notebook edit.
    pub fn undo(&mut self) {
        if let Some(previous) = self.undoer.undo(&self.document.notebook) {
            self.document.notebook = previous.clone();
        }
    }

    /// Redoes the last undone edit.
    pub fn redo(&mut self) {
        if let Some(next) = self.undoer.redo(&self.document.notebook) {
            self.document.notebook = next.clone();
        }
    }

    /// Whether there is an edit to undo.
    #[must_use]
    pub fn can_undo(&self) -> bool {
        self.undoer.has_undo(&self.document.notebook)
    }

    /// Whether there is an edit to redo.
    #[must_use]
    pub fn can_redo(&self) -> bool {
        self.undoer.has_redo(&self.document.notebook)
    }

    /// Drains worker results and resubmits changed runs; no drawing. Called every frame, also
    /// while the window is hidden.
    pub fn tick(&mut self, now_seconds: f64) {
        self.undoer.feed_state(now_seconds, &self.document.notebook);
        self.selected = self.selected.min(self.document.notebook.entries.len().saturating_sub(1));
        match self.document.notebook.entries.get(self.selected).map(|e| &e.experiment) {
            Some(Experiment::Race(race)) => {
                if self.results.sync(race, &mut self.worker) > 0 {
                    self.playback.computing_started();
                }
            }
            Some(lab) => {
                self.results.clear(&mut self.worker);
                self.labs.sync(lab);
            }
            None => self.results.clear(&mut self.worker),
        }
        self.labs.poll();
        let mut received = 0;
        while let Some(event) = self.worker.try_next() {
            if let optlab_core::runner::races::WorkerEvent::Failed { message, .. } = &event {
                let message = format!("a computation failed: {message}");
                self.say(message);
            }
            if let optlab_core::runner::races::WorkerEvent::Batch(batch) = &event {
                received += batch.records.len() as u64 * batch.stride;
            }
            self.results.apply(event);
        }
        self.throughput.add(received);
        self.playback.advance(self.results.computed_steps(), self.results.pending(), now_seconds);
        // Errors show in the status bar; success is silent.
        self.document.autosave_tick(self.selected, &self.recent, false);
        self.poll_disk();
    }

    /// Applies what the selected entry's views asked for.
    fn apply(&mut self, action: EntryAction) {
        match action {
            EntryAction::MoveStart(start) => {
                let entry = self.document.notebook.entries.get_mut(self.selected);
                if let Some(race) = entry.and_then(|e| e.experiment.race_mut())
                    && race.start != Some(start)
                {
                    race.start = Some(start);
                }
            }
            EntryAction::AddRunToRace { config, name } => self.add_run_to_race(&config, name),
            EntryAction::AddRunToTraining { config, name } => {
                self.add_run_to_training(&config, &name);
            }
            EntryAction::PauseLab(paused) => self.labs.set_paused(paused),
            EntryAction::StopLab => self.labs.stop(),
        }
    }

    /// Adds a sweep cell's training run to a training entry with the same data (or a new one
    /// after the selected entry), so it can be trained and watched on its own.
    pub fn add_run_to_training(&mut self, config: &TrainingConfig, name: &str) {
        let run = TrainingRun::from_config(name, config);
        let entries = &mut self.document.notebook.entries;
        #[expect(clippy::float_cmp, reason = "only the very same split replays the cell")]
        let matching = entries.iter().position(|e| match &e.experiment {
            Experiment::Training(lab) => {
                lab.dataset == config.dataset
                    && lab.validation_fraction == config.validation_fraction
                    && lab.seed == config.seed
                    && lab.runs.len() < optlab_core::entries::training::MAX_RUNS
            }
            _ => false,
        });
        let index = matching.unwrap_or_else(|| {
            let at = (self.selected + 1).min(entries.len());
            let lab = TrainingLab {
                dataset: config.dataset.clone(),
                validation_fraction: config.validation_fraction,
                seed: config.seed,
                runs: Vec::new(),
            };
            entries.insert(
                at,
                Entry {
                    name: "Runs picked on the sweep".to_owned(),
                    notes: "Runs added by clicking a training sweep.".to_owned(),
                    experiment: Experiment::Training(lab),
                },
            );
            at
        });
        if let Some(Experiment::Training(lab)) = entries.get_mut(index).map(|e| &mut e.experiment) {
            lab.runs.push(run);
            let message = format!("added a run to entry {} ({} runs)", index + 1, lab.runs.len());
            self.say(message);
        }
    }

    /// Adds `config` as a run named `name` to a race entry with the same surface, start, steps,
    /// noise and seed (so it replays exactly), or to a new race entry after the selected one.
    pub fn add_run_to_race(&mut self, config: &RunConfig, name: String) {
        let run = RaceRun {
            name,
            enabled: true,
            color: None,
            optimizer: config.optimizer.clone(),
            schedule: config.schedule.clone(),
        };
        let entries = &mut self.document.notebook.entries;
        // Exact equality on purpose: only a race with the very same numbers replays the cell.
        #[expect(clippy::float_cmp, reason = "the run must replay bit for bit")]
        let matching = entries.iter().position(|e| {
            e.experiment.race().is_some_and(|race| {
                race.surface == config.surface
                    && race.start_point() == config.start
                    && race.steps == config.steps
                    && race.noise == config.noise_sigma
                    && race.seed == config.seed
            })
        });
        let index = matching.unwrap_or_else(|| {
            let race = Race {
                surface: config.surface.clone(),
                start: Some(config.start),
                steps: config.steps,
                noise: config.noise_sigma,
                seed: config.seed,
                tolerance: 1e-6,
                runs: Vec::new(),
            };
            let at = (self.selected + 1).min(entries.len());
            entries.insert(
                at,
                Entry {
                    name: format!("Runs picked on the map ({})", config.surface.name()),
                    notes: "Runs added by clicking a sweep or basin map.".to_owned(),
                    experiment: Experiment::Race(race),
                },
            );
            at
        });
        if let Some(race) = entries.get_mut(index).and_then(|e| e.experiment.race_mut()) {
            race.runs.push(run);
            let message = format!("added a run to entry {} ({} runs)", index + 1, race.runs.len());
            self.say(message);
        }
    }

    fn poll_disk(&mut self) {
        if self.last_disk_check.elapsed().as_secs_f64() < 1.0 {
            return;
        }
        self.last_disk_check = Instant::now();
        if self.document.changed_on_disk() {
            self.menu.offer_reload = true;
        }
    }

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
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([960.0, 600.0]),
        ..Default::default()
    };
    eframe::run_native(
        "optlab",
        options,
        Box::new(move |cc| {
            fonts::install(&cc.egui_ctx);
            let autosave_dir = eframe::storage_dir("optlab");
            let (mut document, info) =
                autosave_dir.as_deref().and_then(Document::restore).unwrap_or_else(|| {
                    (
                        Document::new(Notebook::default_notebook(), autosave_dir.clone()),
                        SessionInfo::default(),
                    )
                });
            let mut messages = Vec::new();
            if let Some(path) = file {
                match document.open(&path) {
                    Ok(()) => messages.push(format!("opened {}", path.display())),
                    Err(e) => messages.push(e),
                }
            }
            // One core stays free for the window when there are several.
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
            let threads = cores.saturating_sub(1).max(1);
            let mut app = OptlabApp::new(document, info.selected, &cc.egui_ctx, threads);
            app.recent = info.recent;
            for message in messages {
                app.say(message);
            }
            app.playback.playing = true;
            Ok(Box::new(app))
        }),
    )
}
