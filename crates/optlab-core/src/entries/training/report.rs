//! The training entry's report: per run, its curves and its decision regions, with its tables
//! (one per run) and summary lines.

use super::sharpness::{self, SharpnessPoint};
use crate::entries::kind::{SummaryLine, Table};
use crate::names::slug;
use crate::train::lr_range::RangeTest;
use crate::train::{Dataset, DecisionGrid, EpochStats};

/// The training lab's numbers: per run, its curves and its decision regions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrainingReport {
    /// The training points (for drawing over the decision regions).
    pub train: Dataset,
    /// The held-out points.
    pub validation: Dataset,
    /// One per run, in the entry's order.
    pub runs: Vec<TrainedRun>,
    /// The loss-landscape views, computed after training (empty when off).
    pub landscape: Box<super::landscape::parts::LandscapeReport>,
}

impl TrainingReport {
    /// Epochs done and planned, summed over the runs that can train.
    #[must_use]
    pub fn progress_epochs(&self) -> (usize, usize) {
        self.runs.iter().filter(|run| run.error.is_none()).fold((0, 0), |(done, planned), run| {
            (done + run.epochs.len(), planned + run.planned_epochs)
        })
    }

    /// Whether every run that can train has run all its epochs.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        let (done, planned) = self.progress_epochs();
        done >= planned
    }
}

/// One run, trained so far.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainedRun {
    /// The run's name.
    pub name: String,
    /// Statistics after every epoch done.
    pub epochs: Vec<EpochStats>,
    /// Epochs the run is configured for.
    pub planned_epochs: usize,
    /// Class probabilities of the network over the data's box, as of `grid_epoch`.
    pub grid: Option<DecisionGrid>,
    /// Epochs done when `grid` was computed.
    pub grid_epoch: usize,
    /// Why the run could not train (a config out of range), if it could not.
    pub error: Option<String>,
    /// The LR range test on a copy of the fresh run, when the entry's LR finder is on.
    pub lr_find: Option<RangeTest>,
    /// Sharpness measurements (empty when not tracked).
    pub sharpness: Vec<SharpnessPoint>,
}

/// Every run's file-system name, in the entry's order: the slug of its name, with `_` added
/// until it differs from the earlier runs' (`curves-<slug>.csv`, and the folder `<slug>/` of
/// its other tables).
#[must_use]
pub fn run_slugs(r: &TrainingReport) -> Vec<String> {
    let mut taken = std::collections::HashSet::new();
    r.runs
        .iter()
        .map(|run| {
            let mut name = slug(&run.name, "run");
            while !taken.insert(name.clone()) {
                name.push('_');
            }
            name
        })
        .collect()
}

/// `curves-<run>.csv`: one table per run that trained.
#[must_use]
pub fn tables(r: &TrainingReport) -> Vec<Table> {
    r.runs
        .iter()
        .zip(run_slugs(r))
        .map(|(run, run_slug)| {
            let name = format!("curves-{run_slug}");
            Table {
                name,
                header: vec![
                    "epoch",
                    "updates",
                    "lr",
                    "train_loss",
                    "val_loss",
                    "train_acc",
                    "val_acc",
                ],
                rows: run
                    .epochs
                    .iter()
                    .map(|e| {
                        vec![
                            e.epoch as f64,
                            e.updates as f64,
                            e.lr,
                            e.train_loss,
                            e.validation_loss.unwrap_or(f64::NAN),
                            e.train_accuracy,
                            e.validation_accuracy.unwrap_or(f64::NAN),
                        ]
                    })
                    .collect(),
            }
        })
        .filter(|table| !table.rows.is_empty())
        .chain(
            r.runs
                .iter()
                .zip(run_slugs(r))
                .filter_map(|(run, s)| sharpness::table(&run.sharpness, &s)),
        )
        .collect()
}

/// One line per run that trained: its last epoch.
#[must_use]
pub fn summaries(r: &TrainingReport) -> Vec<SummaryLine> {
    r.runs
        .iter()
        .filter_map(|run| {
            let last = run.epochs.last()?;
            let mut values = vec![
                ("train_loss", last.train_loss),
                ("val_loss", last.validation_loss.unwrap_or(f64::NAN)),
                ("train_acc", last.train_accuracy),
                ("val_acc", last.validation_accuracy.unwrap_or(f64::NAN)),
                ("epochs", last.epoch as f64),
            ];
            // A full-batch (L-BFGS) run: its loss-and-gradient evaluations over all epochs.
            if last.evaluations.is_some() {
                let all: u64 = run.epochs.iter().filter_map(|e| e.evaluations).map(u64::from).sum();
                values.push(("evaluations", all as f64));
            }
            values.extend(run.lr_find.as_ref().map(RangeTest::summary_values).unwrap_or_default());
            let index = r.runs.iter().position(|other| std::ptr::eq(other, run)).unwrap_or(0);
            values.extend(super::landscape::parts::summary_values(&r.landscape, index));
            values.extend(sharpness::summary(&run.sharpness, run.planned_epochs));
            Some((run.name.clone(), values))
        })
        .collect()
}
