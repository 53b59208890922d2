//! The training entry's loss-landscape views (Li et al. 2018; Goodfellow et al. 2015): the
//! option that turns them on, the parameter path the session records while the runs train,
//! the work done after training (step by step, so the report grows and stays cancellable), and
//! the report's tables and summary values. The numbers are [`crate::train::landscape`]'s.
//!
//! Per run that trained, after training finishes:
//! 1. the line θ₀ → θ* (`<run>/interpolation.csv`, `alpha,loss`);
//! 2. the filter-normalized random slice around θ* (`<run>/slice.csv`, `a,b,loss`);
//! 3. the PCA plane of the recorded path: the path (`<run>/pca_path.csv`,
//!    `epoch,a,b,loss`, the loss at the recorded θ itself) and the loss over the plane around
//!    it (`<run>/pca_plane.csv`, `a,b,loss`);
//!
//! then the line between two runs' final weights (`interpolation-<a>-<b>.csv`, `alpha,loss`).
//! Every loss is the training objective: data loss on the training set in eval mode plus the
//! L2 penalty.

use serde::{Deserialize, Serialize};

use super::config::TrainingLab;
use super::report::{TrainingReport, run_slugs};
use crate::entries::kind::{SummaryLine, Table};
use crate::limits::{Limit, LimitError};
use crate::train::Trainer;
use crate::train::landscape::{
    LossGrid, Objective, PathPca, Plane, default_threads, evenly_spaced, fill_rows,
    filter_normalized_directions, line_losses, path_pca, recorded_epochs,
};

/// Points per side of a slice.
pub const RESOLUTION: Limit = Limit::closed("resolution", 3.0, 201.0);
/// Half the side of the random slice, in units of the filter-normalized directions.
pub const SPAN: Limit = Limit::closed("span", 1e-3, 100.0);
/// Points of a 1-D interpolation.
pub const INTERPOLATION_POINTS: Limit = Limit::closed("interpolation_points", 3.0, 1001.0);
/// Most parameter snapshots recorded per run (evenly spaced over its epochs).
pub const MAX_SNAPSHOTS: usize = 200;
/// The interpolations' α range: a little beyond both ends, 0 and 1 marked.
pub const ALPHA_RANGE: [f64; 2] = [-0.25, 1.25];
/// Margin of the PCA plane's grid around the projected path, as a fraction of its extent.
const PCA_MARGIN: f64 = 0.25;
/// Grid rows computed per step (one step between two looks at the cancel flag).
const ROWS_PER_STEP: usize = 4;

mod de {
    use super::{INTERPOLATION_POINTS, RESOLUTION, SPAN};
    crate::limited_f64!(span, SPAN);

    fn limited<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
        limit: crate::limits::Limit,
    ) -> Result<usize, D::Error> {
        let value = <usize as serde::Deserialize>::deserialize(deserializer)?;
        limit.check(value as f64).map_err(serde::de::Error::custom)?;
        Ok(value)
    }

    pub(crate) fn resolution<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
        limited(d, RESOLUTION)
    }

    pub(crate) fn interpolation_points<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<usize, D::Error> {
        limited(d, INTERPOLATION_POINTS)
    }
}

/// What the loss-landscape views compute once training has finished (RON
/// `landscape: (resolution: 51, span: 1.0)`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LandscapeOptions {
    /// Points per side of the random slice and of the PCA plane, in [3, 201].
    #[serde(deserialize_with = "de::resolution")]
    pub resolution: usize,
    /// The random slice covers [−span, span]², in [0.001, 100].
    #[serde(deserialize_with = "de::span")]
    pub span: f64,
    /// Points of each interpolation line over α ∈ [−0.25, 1.25], in [3, 1001].
    #[serde(deserialize_with = "de::interpolation_points")]
    pub interpolation_points: usize,
    /// The two runs (indices from 0) whose final weights are joined by a line; `None`: the
    /// first two runs with the same architecture, activation and loss.
    pub between: Option<(usize, usize)>,
}

impl Default for LandscapeOptions {
    fn default() -> Self {
        Self { resolution: 51, span: 1.0, interpolation_points: 61, between: None }
    }
}

impl LandscapeOptions {
    /// Checks every field's range, and that `between` names two different runs of `runs`.
    ///
    /// # Errors
    /// The first value out of range.
    pub fn validate(&self, runs: usize) -> Result<(), LimitError> {
        RESOLUTION.check(self.resolution as f64)?;
        SPAN.check(self.span)?;
        INTERPOLATION_POINTS.check(self.interpolation_points as f64)?;
        if let Some((a, b)) = self.between {
            let run = Limit::closed("between", 0.0, runs.saturating_sub(1) as f64);
            run.check(a as f64)?;
            run.check(b as f64)?;
            if a == b {
                return Err(LimitError {
                    limit: Limit::closed("between (second run)", 0.0, -1.0),
                    value: b as f64,
                });
            }
        }
        Ok(())
    }

    /// The runs joined by the A → B line: `between`, or the first two runs with the same
    /// architecture, activation and loss; `None` when no two runs have them.
    #[must_use]
    pub fn pair(&self, lab: &TrainingLab) -> Option<(usize, usize)> {
        self.between.or_else(|| {
            let n = lab.runs.len();
            (0..n)
                .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
                .find(|&(a, b)| same_shape(lab, a, b))
        })
    }
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

/// Bytes of the landscape of `lab`'s runs (one entry per run; empty when the views are off):
/// up to [`MAX_SNAPSHOTS`] copies of the parameters, the directions and the point being
/// evaluated, and the two grids (the report's and two on their way to the window).
#[must_use]
pub fn path_memory(lab: &TrainingLab) -> Vec<u64> {
    if lab.landscape.is_none() {
        return Vec::new();
    }
    let grids = lab.landscape.as_ref().map_or(0, |o| (o.resolution as u64).pow(2) * 2 * 3 * 8);
    (0..lab.runs.len())
        .filter_map(|i| lab.config(i))
        .map(|config| {
            let layers = config.model.layer_shapes(config.dataset.classes());
            let params = layers.last().map_or(0, |layer| layer.end() as u64);
            let copies = recorded_epochs(config.epochs, MAX_SNAPSHOTS).len() as u64 + 4;
            params.saturating_mul(copies).saturating_mul(8).saturating_add(grids)
        })
        .collect()
}

/// The landscape part of the training report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LandscapeReport {
    /// Whether the views are on (the option is set).
    pub enabled: bool,
    /// One per run of the report, in its order (empty when off).
    pub runs: Vec<RunLandscape>,
    /// The line between two runs' final weights.
    pub between: Option<PairLine>,
    /// Whether everything has been computed.
    pub finished: bool,
}

/// One run's landscape, as far as computed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunLandscape {
    /// `(α, loss)` along (1 − α)·θ₀ + α·θ*.
    pub interpolation: Vec<[f64; 2]>,
    /// The loss over the filter-normalized random plane around θ*.
    pub slice: Option<LossGrid>,
    /// The PCA plane of the recorded path.
    pub pca: Option<PcaPlane>,
    /// Why a part could not be computed (a path with non-finite values, too few epochs).
    pub note: Option<String>,
}

/// The path on the plane of its first two principal components.
#[derive(Clone, Debug, PartialEq)]
pub struct PcaPlane {
    /// The fraction of the path's variance each component explains.
    pub explained: [f64; 2],
    /// `(epoch, a, b, loss at the recorded θ)` of every snapshot.
    pub path: Vec<[f64; 4]>,
    /// The loss over the plane around the path.
    pub grid: LossGrid,
}

/// The line between two runs' final weights.
#[derive(Clone, Debug, PartialEq)]
pub struct PairLine {
    /// Run A's index.
    pub from: usize,
    /// Run B's index.
    pub to: usize,
    /// `(α, loss)` along (1 − α)·θᴬ + α·θᴮ (run A's objective); empty with a note.
    pub points: Vec<[f64; 2]>,
    /// Why the line was not computed.
    pub note: Option<String>,
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
        let pair = options.pair(lab);
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

/// The landscape tables (see the module docs for names and columns).
#[must_use]
pub fn tables(r: &TrainingReport) -> Vec<Table> {
    let slugs = run_slugs(r);
    let mut tables = Vec::new();
    for (run, slug) in r.landscape.runs.iter().zip(&slugs) {
        if !run.interpolation.is_empty() {
            tables.push(Table {
                name: format!("{slug}/interpolation"),
                header: vec!["alpha", "loss"],
                rows: run.interpolation.iter().map(|p| p.to_vec()).collect(),
            });
        }
        if let Some(slice) = &run.slice {
            tables.push(grid_table(format!("{slug}/slice"), slice));
        }
        if let Some(pca) = &run.pca {
            tables.push(Table {
                name: format!("{slug}/pca_path"),
                header: vec!["epoch", "a", "b", "loss"],
                rows: pca.path.iter().map(|p| p.to_vec()).collect(),
            });
            tables.push(grid_table(format!("{slug}/pca_plane"), &pca.grid));
        }
    }
    if let Some(line) = r.landscape.between.as_ref().filter(|l| !l.points.is_empty()) {
        let name = |i: usize| slugs.get(i).cloned().unwrap_or_default();
        tables.push(Table {
            name: format!("interpolation-{}-{}", name(line.from), name(line.to)),
            header: vec!["alpha", "loss"],
            rows: line.points.iter().map(|p| p.to_vec()).collect(),
        });
    }
    tables
}

fn grid_table(name: String, grid: &LossGrid) -> Table {
    Table {
        name,
        header: vec!["a", "b", "loss"],
        rows: grid.points().map(|p| p.to_vec()).collect(),
    }
}

/// The summary values of run `index`: `slice_centre`, `slice_min`, `slice_min_a`,
/// `slice_min_b` (the random slice's loss at θ* and its lowest point),
/// `pca_explained_1`, `pca_explained_2`, and `interp_max_rise` (the largest increase of the
/// loss between consecutive points of θ₀ → θ* for α in [0, 1]; 0 for a
/// non-increasing line).
#[must_use]
pub fn summary_values(r: &TrainingReport, index: usize) -> Vec<(&'static str, f64)> {
    let Some(run) = r.landscape.runs.get(index) else { return Vec::new() };
    let mut values = Vec::new();
    if let Some(slice) = run.slice.as_ref().filter(|s| s.is_complete()) {
        values.push(("slice_centre", slice.nearest(0.0, 0.0).unwrap_or(f64::NAN)));
        let min = slice.minimum().unwrap_or([f64::NAN; 3]);
        values.extend([("slice_min", min[2]), ("slice_min_a", min[0]), ("slice_min_b", min[1])]);
    }
    if let Some(pca) = &run.pca {
        values
            .extend([("pca_explained_1", pca.explained[0]), ("pca_explained_2", pca.explained[1])]);
    }
    if !run.interpolation.is_empty() {
        values.push(("interp_max_rise", max_rise(&run.interpolation)));
    }
    values
}

/// The largest rise of the loss between consecutive points with α in [0, 1].
#[must_use]
pub fn max_rise(line: &[[f64; 2]]) -> f64 {
    let inside: Vec<f64> =
        line.iter().filter(|p| (-1e-12..=1.0 + 1e-12).contains(&p[0])).map(|p| p[1]).collect();
    inside.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max)
}

/// A summary line for the A → B line: `between_<a>_<b>` with its loss at both ends and its
/// highest point (the barrier).
#[must_use]
pub fn pair_summary(r: &TrainingReport) -> Option<SummaryLine> {
    let line = r.landscape.between.as_ref().filter(|l| !l.points.is_empty())?;
    let name = |i: usize| r.runs.get(i).map_or_else(String::new, |run| run.name.clone());
    let inside: Vec<f64> = line
        .points
        .iter()
        .filter(|p| (-1e-12..=1.0 + 1e-12).contains(&p[0]))
        .map(|p| p[1])
        .collect();
    let (first, last) = (inside.first().copied()?, inside.last().copied()?);
    let highest = inside.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((
        format!("{} -> {}", name(line.from), name(line.to)),
        vec![("loss_a", first), ("loss_b", last), ("barrier", highest - first.max(last))],
    ))
}
