//! A training entry in progress: every run's [`Trainer`], advanced one epoch per run in turn,
//! and the [`TrainingReport`] that grows with it.
//!
//! Headless, `optlab run` drives a session to the end ([`TrainingSession::finish`]); the GUI
//! drives it on a background thread and takes a [`TrainingSession::snapshot`] a few times a
//! second, so curves and decision regions grow while the networks train, and a pause simply
//! stops calling [`TrainingSession::advance`]. Runs take turns epoch by epoch, so side-by-side
//! runs stay side by side at every moment rather than one finishing before the next starts.

use std::time::Instant;

use super::config::TrainingLab;
use super::landscape::work::LandscapeWork;
use super::lr_finder;
use super::report::{TrainedRun, TrainingReport};
use super::sharpness::SharpnessTracker;
use crate::entries::kind::Feed;
use crate::train::{DecisionGrid, GridSpec, Trainer, decision_grid};

/// Points per side of the decision-region grid.
pub const GRID_SIDE: usize = 96;

/// Margin around the training data of the decision-region grid, as a fraction of its extent.
const GRID_MARGIN: f64 = 0.25;

/// Every run of a training entry, trained step by step.
pub struct TrainingSession {
    trainers: Vec<Option<Trainer>>,
    report: TrainingReport,
    /// The loss-landscape work (recorded paths, views after training), when on.
    landscape: Option<LandscapeWork>,
    /// Per run, its sharpness tracker (`None`: not tracked or not training).
    trackers: Vec<Option<SharpnessTracker>>,
}

impl TrainingSession {
    /// Builds every run's trainer (runs with a config out of range carry the error instead)
    /// and the decision regions of the untrained networks. An entry over the memory budget
    /// builds nothing: every run carries the estimate as its error.
    #[must_use]
    pub fn new(lab: &TrainingLab) -> Self {
        if let Err(e) = lab.check_memory() {
            return Self::refused(lab, &e.to_string());
        }
        let mut report = TrainingReport::default();
        let mut trainers = Vec::with_capacity(lab.runs.len());
        let mut trackers = Vec::with_capacity(lab.runs.len());
        for (index, run) in lab.runs.iter().enumerate() {
            let built = lab.config(index).map(|config| Trainer::new(&config));
            let mut trained = TrainedRun {
                name: run.name.clone(),
                epochs: Vec::with_capacity(run.epochs),
                planned_epochs: run.epochs,
                grid: None,
                grid_epoch: 0,
                error: None,
                lr_find: None,
                sharpness: Vec::new(),
            };
            match built {
                Some(Ok(trainer)) => {
                    if report.train.is_empty() {
                        report.train = trainer.train_data().clone();
                        report.validation = trainer.validation_data().clone();
                    }
                    trained.grid = Some(grid_of(&trainer));
                    trained.lr_find = lab.lr_finder.map(|o| lr_finder::range_test(&o, &trainer));
                    trackers.push(SharpnessTracker::start(
                        lab.sharpness,
                        &trainer,
                        &mut trained.sharpness,
                    ));
                    trainers.push(Some(trainer));
                }
                Some(Err(e)) => {
                    trained.error = Some(e.to_string());
                    trainers.push(None);
                    trackers.push(None);
                }
                None => {
                    trainers.push(None);
                    trackers.push(None);
                }
            }
            report.runs.push(trained);
        }
        let landscape = LandscapeWork::new(lab, &trainers);
        if let Some(work) = &landscape {
            report.landscape = Box::new(work.empty_report(report.runs.len()));
        }
        Self { trainers, report, landscape, trackers }
    }

    /// A session that trains nothing: every run carries `error`.
    fn refused(lab: &TrainingLab, error: &str) -> Self {
        let runs = lab.runs.iter().map(|run| TrainedRun {
            name: run.name.clone(),
            epochs: Vec::new(),
            planned_epochs: run.epochs,
            grid: None,
            grid_epoch: 0,
            error: Some(error.to_owned()),
            lr_find: None,
            sharpness: Vec::new(),
        });
        let report = TrainingReport { runs: runs.collect(), ..TrainingReport::default() };
        let trackers = lab.runs.iter().map(|_| None).collect();
        Self {
            trainers: lab.runs.iter().map(|_| None).collect(),
            report,
            landscape: None,
            trackers,
        }
    }

    /// Trains one epoch of every unfinished run; returns whether any run trained.
    pub fn advance(&mut self) -> bool {
        let mut trained = false;
        let runs = self.trainers.iter_mut().zip(&mut self.report.runs).zip(&mut self.trackers);
        for ((trainer, run), tracker) in runs {
            if let Some(trainer) = trainer.as_mut().filter(|t| !t.is_finished()) {
                let stats = trainer.epoch();
                run.epochs.push(stats);
                if let Some(tracker) = tracker {
                    tracker.after_epoch(trainer, stats.lr, &mut run.sharpness);
                }
                trained = true;
            }
        }
        if let Some(work) = &mut self.landscape {
            work.record(&self.trainers);
        }
        trained
    }

    /// Once every run has trained, does one piece of the landscape work; returns whether it
    /// did any (`false` when training is not over, or the views are off or done).
    pub fn landscape_step(&mut self) -> bool {
        if !self.is_finished() {
            return false;
        }
        let Some(work) = &mut self.landscape else { return false };
        work.step(&self.trainers, &mut self.report.landscape)
    }

    /// Whether every run has run all its epochs.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.trainers.iter().flatten().all(Trainer::is_finished)
    }

    /// The report as of now, with decision regions brought up to date for every run that
    /// trained since its last grid.
    pub fn snapshot(&mut self) -> TrainingReport {
        self.refresh_grids();
        self.report.clone()
    }

    /// The report as of now, with decision regions brought up to date, borrowed (a runner copies
    /// it into a buffer of its own).
    pub fn current(&mut self) -> &TrainingReport {
        self.refresh_grids();
        &self.report
    }

    /// Trains every run to the end and returns the final report.
    #[must_use]
    pub fn finish(mut self) -> TrainingReport {
        while self.advance() {}
        while self.landscape_step() {}
        self.refresh_grids();
        self.report
    }

    fn refresh_grids(&mut self) {
        for (trainer, run) in self.trainers.iter().zip(&mut self.report.runs) {
            if let Some(trainer) = trainer
                && (run.grid.is_none() || run.grid_epoch != trainer.epochs_done())
            {
                run.grid = Some(grid_of(trainer));
                run.grid_epoch = trainer.epochs_done();
            }
        }
    }
}

fn grid_of(trainer: &Trainer) -> DecisionGrid {
    decision_grid(trainer.network(), GridSpec::around(trainer.train_data(), GRID_MARGIN, GRID_SIDE))
}

/// Trains every run of `lab` to the end.
#[must_use]
pub fn train_to_end(lab: &TrainingLab) -> TrainingReport {
    TrainingSession::new(lab).finish()
}

/// Trains `lab`'s runs side by side, handing `feed` a snapshot every interval and waiting while
/// paused. Returns the final report, or `None` when cancelled or when nobody listens any more.
pub fn stream(lab: &TrainingLab, feed: &mut Feed<'_, TrainingReport>) -> Option<TrainingReport> {
    let mut session = TrainingSession::new(lab);
    let mut last_sent: Option<Instant> = None;
    // Whether the session trained since the last snapshot (the first one shows the start).
    let mut unsent = true;
    loop {
        if feed.is_cancelled() {
            return None;
        }
        let paused = feed.is_paused();
        let due = last_sent.is_none_or(|sent| sent.elapsed() >= feed.interval());
        if unsent && (due || paused) {
            if !feed.publish(session.current()) {
                return None;
            }
            last_sent = Some(Instant::now());
            unsent = false;
        }
        if paused {
            feed.wait();
        } else if session.advance() || session.landscape_step() {
            unsent = true;
        } else {
            return Some(session.finish());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entries::training::TrainingRun;
    use crate::train::ModelConfig;

    fn two_runs(epochs: [usize; 2]) -> TrainingLab {
        let mut lab = TrainingLab::default();
        let run = lab.runs[0].clone();
        lab.runs = epochs
            .iter()
            .enumerate()
            .map(|(i, &epochs)| TrainingRun {
                name: format!("run {i}"),
                model: ModelConfig::Mlp {
                    hidden: vec![8],
                    dropout_keep: 1.0,
                    dropconnect_keep: 1.0,
                },
                epochs,
                ..run.clone()
            })
            .collect();
        lab
    }

    #[test]
    fn runs_take_turns_and_stop_at_their_own_epochs() {
        let mut session = TrainingSession::new(&two_runs([2, 4]));
        assert!(session.advance());
        let report = session.snapshot();
        assert_eq!(report.runs.iter().map(|r| r.epochs.len()).collect::<Vec<_>>(), [1, 1]);
        assert_eq!(report.progress_epochs(), (2, 6));
        while session.advance() {}
        let report = session.snapshot();
        assert_eq!(report.runs.iter().map(|r| r.epochs.len()).collect::<Vec<_>>(), [2, 4]);
        assert!(report.is_finished() && session.is_finished());
        assert!(report.runs.iter().all(|r| r.grid_epoch == r.epochs.len()));
    }

    #[test]
    fn stepping_and_snapshots_do_not_change_the_result() {
        let lab = two_runs([3, 3]);
        let mut stepped = TrainingSession::new(&lab);
        while stepped.advance() {
            let _ = stepped.snapshot();
        }
        assert_eq!(stepped.snapshot(), TrainingSession::new(&lab).finish());
    }

    #[test]
    fn an_entry_over_the_memory_budget_trains_nothing_and_says_why() {
        let mut lab = two_runs([2, 2]);
        lab.dataset = crate::train::DatasetConfig::Moons { points: 100_000, noise: 0.1 };
        for run in &mut lab.runs {
            run.model = ModelConfig::Mlp {
                hidden: vec![1024; 8],
                dropout_keep: 1.0,
                dropconnect_keep: 1.0,
            };
            run.batch_size = 100_000;
        }
        let report = TrainingSession::new(&lab).finish();
        for run in &report.runs {
            let error = run.error.as_deref().unwrap_or_default();
            assert!(error.contains("more than the 2 GB optlab allows"), "{error}");
            assert!(run.epochs.is_empty() && run.grid.is_none());
        }
        assert!(report.train.is_empty());
    }

    #[test]
    fn a_run_out_of_range_reports_its_error_and_the_others_train() {
        let mut lab = two_runs([2, 2]);
        lab.runs[0].batch_size = 0;
        let report = TrainingSession::new(&lab).finish();
        assert!(report.runs[0].error.is_some(), "{:?}", report.runs[0].error);
        assert!(report.runs[0].epochs.is_empty());
        assert_eq!(report.runs[1].epochs.len(), 2);
        assert_eq!(report.progress_epochs(), (2, 2));
    }
}
