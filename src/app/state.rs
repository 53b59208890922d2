//! The app's state: the document, the selection, the results of races and labs, undo history,
//! and the operations that change them (select, undo, add a run, tick). Drawing is in the
//! parent module; the menus and views get this state or the pieces of it they need.

use super::entries::action::EntryAction;
use super::entries::race::playback::Playback;
use super::entries::race::results::RaceResults;
use super::entries::race::view::{CurveView, RaceCaches, SpaceView};
use super::lab_results;
use super::shell::autosave::Recovery;
use super::shell::document::Document;
use super::shell::{menu_state, status_bar};
use super::widgets::heatmap::PictureStatus;
use egui::util::undoer::{Settings as UndoSettings, Undoer};
use optlab_core::entries::Experiment;
use optlab_core::entries::race::{Race, RaceRun};
use optlab_core::entries::training::{TrainingLab, TrainingRun};
use optlab_core::notebook::{Entry, Notebook};
use optlab_core::run::RunConfig;
use optlab_core::runner::races::Worker;
use optlab_core::train::TrainingConfig;
use std::path::PathBuf;
use std::time::Instant;

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
    pub(super) undoer: Undoer<Notebook>,
    /// Left view of the centre.
    pub space_view: SpaceView,
    /// Right view of the centre.
    pub curve_view: CurveView,
    /// The run whose internals are shown.
    pub focused_run: usize,
    /// What the race views drew last (textures, contours, paths, curves, table, 3D camera).
    pub(super) race_caches: RaceCaches,
    /// The selected regularization lab's report, computed in the background.
    pub labs: lab_results::LabResults,
    /// Messages for the status bar (newest last).
    pub messages: Vec<String>,
    /// Steps per second the worker achieved recently.
    pub(super) throughput: status_bar::Throughput,
    /// File-dialog fallback and confirmation state.
    pub(super) menu: menu_state::MenuState,
    /// Recently opened files, newest first.
    pub recent: Vec<PathBuf>,
    /// Files of the last session that did not load, shown in a window until dismissed.
    pub recoveries: Vec<Recovery>,
    /// When the window last checked its file on disk.
    pub(super) last_disk_check: Instant,
}

impl OptlabApp {
    /// An app showing `notebook`, computing with `threads` background threads.
    #[must_use]
    pub fn new(document: Document, selected: usize, ctx: &egui::Context, threads: usize) -> Self {
        optlab_core::runner::keep_background_off_window();
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
            menu: menu_state::MenuState::default(),
            recent: Vec::new(),
            recoveries: Vec::new(),
            last_disk_check: Instant::now(),
        }
    }

    /// What the race's surface picture in the shown space view (map or 3D) is doing.
    #[must_use]
    pub fn surface_picture(&self) -> PictureStatus {
        self.race_caches.picture_status(self.space_view)
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
            // The new entry's runs appear whole (not as a dot at step 0); Play replays them.
            self.playback.show_end();
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
    pub(super) fn apply(&mut self, action: EntryAction) {
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
            EntryAction::LrFinder(request) => {
                let entry = self.document.notebook.entries.get_mut(self.selected);
                if let Some(Experiment::Training(lab)) = entry.map(|e| &mut e.experiment)
                    && let Some(message) = request.apply(lab)
                {
                    self.say(message);
                }
            }
            EntryAction::EnableLandscape => {
                let entry = self.document.notebook.entries.get_mut(self.selected);
                if let Some(Experiment::Training(lab)) = entry.map(|e| &mut e.experiment) {
                    lab.landscape.get_or_insert_with(Default::default);
                }
            }
            EntryAction::TrackSharpness => {
                let entry = self.document.notebook.entries.get_mut(self.selected);
                if let Some(Experiment::Training(lab)) = entry.map(|e| &mut e.experiment)
                    && lab.sharpness.is_none()
                {
                    lab.sharpness =
                        Some(optlab_core::entries::training::SharpnessTracking::default());
                }
            }
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
                lr_finder: None,
                landscape: None,
                sharpness: None,
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

    pub(super) fn poll_disk(&mut self) {
        if self.last_disk_check.elapsed().as_secs_f64() < 1.0 {
            return;
        }
        self.last_disk_check = Instant::now();
        if self.document.changed_on_disk() {
            self.menu.offer_reload = true;
        }
    }
}
