//! The landscape work of a training session: the paths recorded while the runs train, then
//! the views computed piece by piece after training.

use super::options::{ALPHA_RANGE, LandscapeOptions, MAX_SNAPSHOTS};
use super::parts::{LandscapeReport, PairLine, PcaPlane, RunLandscape};
use crate::entries::training::config::TrainingLab;
use crate::train::Trainer;
use crate::train::landscape::{
    LossGrid, Objective, PathPca, Plane, default_threads, evenly_spaced, fill_rows,
    filter_normalized_directions, line_losses, path_pca, recorded_epochs,
};

/// Margin of the PCA plane's grid around the projected path, as a fraction of its extent.
const PCA_MARGIN: f64 = 0.25;
/// Grid rows computed per step (one step between two looks at the cancel flag).
const ROWS_PER_STEP: usize = 4;

/// The runs joined by the A → B line: `options.between`, or the first two runs with the same
/// architecture, activation and loss; `None` when no two runs have them.
#[must_use]
pub fn pair(options: &LandscapeOptions, lab: &TrainingLab) -> Option<(usize, usize)> {
    options.between.or_else(|| {
        let n = lab.runs.len();
        (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b))).find(|&(a, b)| same_shape(lab, a, b))
    })
}

/// Whether runs `a` and `b` have the same parameter layout and compute the same function of it.
#[must_use]
pub fn same_shape(lab: &TrainingLab, a: usize, b: usize) -> bool {
    match (lab.runs.get(a), lab.runs.get(b)) {
        (Some(x), Some(y)) => {
            x.model == y.model && x.activation == y.activation && x.loss == y.loss
        }
        _ => false,
    }
}

/// One piece of work after training.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Task {
    Interpolation(usize),
    Slice(usize),
    Pca(usize),
    Between,
}

/// Snapshots `(epoch, θ)` of one run's parameters.
type Snapshots = Vec<(usize, Vec<f64>)>;

/// The epochs to record for one run, and the snapshots recorded so far.
type RecordedPath = (Vec<usize>, Snapshots);

/// What the session keeps for the landscape: the options, the recorded paths and the work left.
pub struct LandscapeWork {
    options: LandscapeOptions,
    seed: u64,
    pair: Option<(usize, usize)>,
    /// Per run: the epochs to record and the snapshots recorded so far.
    paths: Vec<RecordedPath>,
    tasks: std::collections::VecDeque<Task>,
    /// The current PCA's directions (kept while its grid fills).
    pca: Vec<Option<PathPca>>,
    /// The random directions of each run's slice (kept while it fills).
    directions: Vec<Option<[Vec<f64>; 2]>>,
    threads: usize,
}

impl LandscapeWork {
    /// The work for `lab` (`None` when the views are off), with every run's initial weights
    /// recorded.
    #[must_use]
    pub fn new(lab: &TrainingLab, trainers: &[Option<Trainer>]) -> Option<Self> {
        let options = lab.landscape.clone()?;
        let runs = trainers.len();
        let mut tasks: std::collections::VecDeque<Task> = (0..runs)
            .flat_map(|i| [Task::Interpolation(i), Task::Slice(i), Task::Pca(i)])
            .collect();
        let pair = pair(&options, lab);
        if runs > 1 {
            tasks.push_back(Task::Between);
        }
        let paths = trainers
            .iter()
            .map(|t| {
                let epochs = t.as_ref().map_or(0, |t| t.config().epochs);
                (recorded_epochs(epochs, MAX_SNAPSHOTS), Vec::new())
            })
            .collect();
        let mut work = Self {
            options,
            seed: lab.seed,
            pair,
            paths,
            tasks,
            pca: vec![None; runs],
            directions: vec![None; runs],
            threads: default_threads(),
        };
        work.record(trainers);
        Some(work)
    }

    /// Evaluates on `threads` threads from now on (the numbers do not depend on it).
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// Records the weights of every run whose epochs done are due for a snapshot.
    pub fn record(&mut self, trainers: &[Option<Trainer>]) {
        for (trainer, (due, recorded)) in trainers.iter().zip(&mut self.paths) {
            let Some(trainer) = trainer else { continue };
            let epoch = trainer.epochs_done();
            let fresh = recorded.last().is_none_or(|(last, _)| *last < epoch);
            if fresh && due.binary_search(&epoch).is_ok() {
                recorded.push((epoch, trainer.network().params().to_vec()));
            }
        }
    }

    /// The empty landscape report of a session starting.
    #[must_use]
    pub fn empty_report(&self, runs: usize) -> LandscapeReport {
        LandscapeReport {
            enabled: true,
            runs: vec![RunLandscape::default(); runs],
            between: None,
            finished: false,
        }
    }

    /// Does one piece of the work (a few grid rows, one line) into `report`; `false` when there
    /// is nothing left (then `report.finished` is set).
    pub fn step(&mut self, trainers: &[Option<Trainer>], report: &mut LandscapeReport) -> bool {
        let Some(&task) = self.tasks.front() else {
            report.finished = true;
            return false;
        };
        let done = match task {
            Task::Interpolation(i) => self.interpolation(i, trainers, report),
            Task::Slice(i) => self.slice_rows(i, trainers, report),
            Task::Pca(i) => self.pca_rows(i, trainers, report),
            Task::Between => self.between(trainers, report),
        };
        if done {
            self.tasks.pop_front();
        }
        true
    }

    fn interpolation(
        &self,
        i: usize,
        trainers: &[Option<Trainer>],
        report: &mut LandscapeReport,
    ) -> bool {
        let (Some(Some(trainer)), Some((_, path)), Some(run)) =
            (trainers.get(i), self.paths.get(i), report.runs.get_mut(i))
        else {
            return true;
        };
        let Some((_, initial)) = path.first() else { return true };
        let alphas = evenly_spaced(ALPHA_RANGE, self.options.interpolation_points);
        let objective = objective_of(trainer);
        let losses =
            line_losses(&objective, initial, trainer.network().params(), &alphas, self.threads);
        run.interpolation = alphas.into_iter().zip(losses).map(|(a, l)| [a, l]).collect();
        true
    }

    fn slice_rows(
        &mut self,
        i: usize,
        trainers: &[Option<Trainer>],
        report: &mut LandscapeReport,
    ) -> bool {
        let (Some(Some(trainer)), Some(run)) = (trainers.get(i), report.runs.get_mut(i)) else {
            return true;
        };
        let centre = trainer.network().params();
        let directions = self.directions[i].get_or_insert_with(|| {
            filter_normalized_directions(trainer.network(), centre, self.seed)
        });
        let span = self.options.span;
        let grid = run.slice.get_or_insert_with(|| {
            LossGrid::new([-span, span], [-span, span], self.options.resolution)
        });
        let plane = Plane { centre, d1: &directions[0], d2: &directions[1] };
        let start = grid.rows_done();
        fill_rows(&objective_of(trainer), &plane, grid, start..start + ROWS_PER_STEP, self.threads);
        let complete = grid.is_complete();
        if complete {
            self.directions[i] = None;
        }
        complete
    }

    fn pca_rows(
        &mut self,
        i: usize,
        trainers: &[Option<Trainer>],
        report: &mut LandscapeReport,
    ) -> bool {
        let (Some(Some(trainer)), Some(run), Some((_, path))) =
            (trainers.get(i), report.runs.get_mut(i), self.paths.get(i))
        else {
            return true;
        };
        let objective = objective_of(trainer);
        if run.pca.is_none() {
            let snapshots: Vec<Vec<f64>> = path.iter().map(|(_, p)| p.clone()).collect();
            let Some(pca) = path_pca(&snapshots) else {
                run.note = Some(
                    "no PCA plane: the path needs at least 2 epochs of finite weights that move"
                        .to_owned(),
                );
                return true;
            };
            run.pca =
                Some(pca_plane(&pca, path, &objective, self.options.resolution, self.threads));
            self.pca[i] = Some(pca);
        }
        let (Some(plane), Some(pca)) = (run.pca.as_mut(), self.pca[i].as_ref()) else {
            return true;
        };
        let centre = trainer.network().params();
        let on = Plane { centre, d1: &pca.directions[0], d2: &pca.directions[1] };
        let start = plane.grid.rows_done();
        fill_rows(&objective, &on, &mut plane.grid, start..start + ROWS_PER_STEP, self.threads);
        let complete = plane.grid.is_complete();
        if complete {
            self.pca[i] = None;
        }
        complete
    }

    fn between(&self, trainers: &[Option<Trainer>], report: &mut LandscapeReport) -> bool {
        let Some((from, to)) = self.pair else {
            report.between = Some(PairLine {
                from: 0,
                to: 1,
                points: Vec::new(),
                note: Some("no two runs have the same architecture, activation and loss, so no line joins two runs' weights".to_owned()),
            });
            return true;
        };
        let mut line = PairLine { from, to, points: Vec::new(), note: None };
        match (trainers.get(from), trainers.get(to)) {
            (Some(Some(a)), Some(Some(b)))
                if a.network().layers() == b.network().layers()
                    && a.network().activation() == b.network().activation()
                    && a.network().loss_function() == b.network().loss_function() =>
            {
                let alphas = evenly_spaced(ALPHA_RANGE, self.options.interpolation_points);
                let losses = line_losses(
                    &objective_of(a),
                    a.network().params(),
                    b.network().params(),
                    &alphas,
                    self.threads,
                );
                line.points = alphas.into_iter().zip(losses).map(|(a, l)| [a, l]).collect();
            }
            (Some(Some(_)), Some(Some(_))) => {
                line.note = Some("the two runs have different architectures, activations or losses: a line between their weights needs the same network".to_owned());
            }
            _ => line.note = Some("one of the two runs did not train".to_owned()),
        }
        report.between = Some(line);
        true
    }
}

fn objective_of(trainer: &Trainer) -> Objective<'_> {
    let data = trainer.train_data();
    Objective { network: trainer.network(), x: &data.x, y: &data.y }
}

/// The PCA plane's path with its losses and an empty grid covering it with a margin.
fn pca_plane(
    pca: &PathPca,
    path: &[(usize, Vec<f64>)],
    objective: &Objective<'_>,
    resolution: usize,
    threads: usize,
) -> PcaPlane {
    let epochs: Vec<f64> = path.iter().map(|(e, _)| *e as f64).collect();
    let snapshots: Vec<&[f64]> = path.iter().map(|(_, p)| p.as_slice()).collect();
    // The loss at each recorded θ: a line from θᵢ to itself at α = 0.
    let losses: Vec<f64> = snapshots
        .iter()
        .map(|s| line_losses(objective, s, s, &[0.0], threads).first().copied().unwrap_or(f64::NAN))
        .collect();
    let range = |k: usize| {
        let (lo, hi) = pca
            .coordinates
            .iter()
            .fold((0.0_f64, 0.0_f64), |(lo, hi), c| (lo.min(c[k]), hi.max(c[k])));
        let margin = PCA_MARGIN * (hi - lo).max(1e-9);
        [lo - margin, hi + margin]
    };
    let path = epochs
        .iter()
        .zip(&pca.coordinates)
        .zip(losses)
        .map(|((&e, c), loss)| [e, c[0], c[1], loss])
        .collect();
    PcaPlane { explained: pca.explained, path, grid: LossGrid::new(range(0), range(1), resolution) }
}
