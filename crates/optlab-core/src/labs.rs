//! Regularization-lab entries computed once for display and export.
//!
//! A lab's config (see [`crate::regularize`]) turns into a [`LabReport`]: every number its views
//! draw. The GUI computes a report on a background thread and draws it; `optlab run` writes its
//! [`LabReport::tables`] as CSV and prints its [`LabReport::summaries`], so what the window
//! shows can be exported and diffed.

use crate::assignment::{AssignmentLab, AssignmentReport};
use crate::regularize::dropconnect::{LayerMeans, UnitInference, layer_means};
use crate::regularize::dropout::{MaskRow, ScalingComparison, SweepPoint};
use crate::regularize::frac_pool::{FracPoolRun, Image};
use crate::regularize::stoch_depth::{Raster, TestRuleComparison};
use crate::regularize::{DropConnectLab, DropoutLab, FracPoolLab, StochDepthLab};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::sweep::report::{self, BasinReport, SweepReport, export};
use crate::sweep::{BasinLab, SweepLab};
use crate::train::TrainingLab;
use crate::train::session::TrainingSession;
pub use crate::train::session::{GRID_SIDE, TrainedRun, TrainingReport};

/// Keep probabilities of the dropout scaling sweep: 1/20, 2/20, …, 1.
pub const SWEEP_POINTS: usize = 20;

/// One lab config of any kind (borrowed from a notebook entry).
#[derive(Clone, Copy, Debug)]
pub enum Lab<'a> {
    /// Dropout: masks, expectation, scaling.
    Dropout(&'a DropoutLab),
    /// DropConnect: moment-matched inference.
    DropConnect(&'a DropConnectLab),
    /// Fractional max pooling.
    FracPool(&'a FracPoolLab),
    /// Stochastic depth.
    StochDepth(&'a StochDepthLab),
    /// Networks trained side by side.
    Training(&'a TrainingLab),
    /// A hyperparameter sweep.
    Sweep(&'a SweepLab),
    /// A basin map.
    Basin(&'a BasinLab),
    /// The assignment helper.
    Assignment(&'a AssignmentLab),
}

/// Everything one lab's views draw.
#[derive(Clone, Debug, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "one report per lab on screen, moved once from its thread; boxing buys nothing"
)]
pub enum LabReport {
    /// See [`DropoutReport`].
    Dropout(DropoutReport),
    /// See [`DropConnectReport`].
    DropConnect(DropConnectReport),
    /// See [`FracPoolReport`].
    FracPool(FracPoolReport),
    /// See [`StochDepthReport`].
    StochDepth(StochDepthReport),
    /// See [`TrainingReport`].
    Training(TrainingReport),
    /// See [`SweepReport`].
    Sweep(SweepReport),
    /// See [`BasinReport`].
    Basin(BasinReport),
    /// See [`AssignmentReport`].
    Assignment(AssignmentReport),
}

/// The dropout lab's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct DropoutReport {
    /// Keep probability p.
    pub keep: f64,
    /// Every mask of the neuron (n ≤ 12), with its probability and activation.
    pub masks: Option<Vec<MaskRow>>,
    /// E[a] summed over the masks (n ≤ 12).
    pub exact: Option<f64>,
    /// p·(w·x).
    pub closed_form: f64,
    /// The full activation w·x (every input kept).
    pub full: f64,
    /// Running Monte Carlo mean at log-spaced sample counts.
    pub monte_carlo: Vec<(u64, f64)>,
    /// Standard error of the last Monte Carlo mean.
    pub final_std_error: f64,
    /// Train against test activations under each scaling rule at p.
    pub scalings: [ScalingComparison; 3],
    /// Train and test means of each rule over p in (0, 1].
    pub sweep: Vec<SweepPoint>,
}

/// The DropConnect lab's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct DropConnectReport {
    /// Keep probability p.
    pub keep: f64,
    /// Every unit's inference computed every way.
    pub units: Vec<UnitInference>,
    /// Their means over units.
    pub means: LayerMeans,
}

/// The fractional max pooling lab's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct FracPoolReport {
    /// α.
    pub alpha: f64,
    /// One draw: the input, its regions and the pooled image, and 2 × 2 max pooling.
    pub run: Option<FracPoolRun>,
}

/// The stochastic depth lab's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct StochDepthReport {
    /// Survival probability pₗ of each block, l = 1..L.
    pub survival: Vec<f64>,
    /// Σ pₗ.
    pub expected_depth: f64,
    /// Sampled keep/drop raster (mini-batches × blocks).
    pub raster: Raster,
    /// The residual stack's mean training output against each test-time rule.
    pub test_rules: Option<TestRuleComparison>,
}

/// A CSV table: a file name (without extension), a header and rows of numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// File name without `.csv`.
    pub name: String,
    /// Column names.
    pub header: Vec<&'static str>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<f64>>,
}

impl LabReport {
    /// Computes every number of `lab`. May take up to a few hundred milliseconds for the
    /// largest sample counts a config allows: call it off the UI thread.
    #[must_use]
    pub fn compute(lab: Lab<'_>) -> Self {
        match lab {
            Lab::Dropout(lab) => Self::Dropout(dropout(lab)),
            Lab::DropConnect(lab) => {
                let units = lab.compare();
                let means = layer_means(&units);
                Self::DropConnect(DropConnectReport { keep: lab.keep, units, means })
            }
            Lab::FracPool(lab) => {
                Self::FracPool(FracPoolReport { alpha: lab.alpha, run: lab.run() })
            }
            Lab::StochDepth(lab) => Self::StochDepth(StochDepthReport {
                survival: lab.survival(),
                expected_depth: lab.expected_depth(),
                raster: lab.raster(),
                test_rules: lab.compare_test_rules(),
            }),
            Lab::Training(lab) => Self::Training(training(lab)),
            Lab::Sweep(lab) => Self::Sweep(
                report::sweep(lab, &AtomicBool::new(false), Duration::MAX, |_| {})
                    .unwrap_or_else(|| SweepReport::empty(lab)),
            ),
            Lab::Basin(lab) => Self::Basin(
                report::basin(lab, &AtomicBool::new(false), Duration::MAX, |_| {})
                    .unwrap_or_else(|| BasinReport::empty(lab)),
            ),
            Lab::Assignment(lab) => Self::Assignment(lab.compute()),
        }
    }

    /// The series the views plot, as tables for CSV.
    #[must_use]
    pub fn tables(&self) -> Vec<Table> {
        match self {
            Self::Dropout(r) => dropout_tables(r),
            Self::DropConnect(r) => vec![dropconnect_table(r)],
            Self::FracPool(r) => frac_pool_tables(r),
            Self::StochDepth(r) => stoch_depth_tables(r),
            Self::Training(r) => training_tables(r),
            Self::Sweep(r) => vec![export::sweep_table(r)],
            Self::Basin(r) => vec![export::basin_table(r)],
            Self::Assignment(r) => assignment_tables(r),
        }
    }

    /// One summary per "run" of the lab: a name and `key=value` pairs.
    #[must_use]
    pub fn summaries(&self) -> Vec<(String, Vec<(&'static str, f64)>)> {
        match self {
            Self::Dropout(r) => dropout_summaries(r),
            Self::DropConnect(r) => vec![(
                "layer".to_owned(),
                vec![
                    ("keep", r.keep),
                    ("train_mean", r.means.train),
                    ("mean_inference", r.means.mean_inference),
                    ("gaussian_sampled", r.means.gaussian_sampled),
                    ("closed_form", r.means.closed_form),
                ],
            )],
            Self::FracPool(r) => frac_pool_summaries(r),
            Self::StochDepth(r) => stoch_depth_summaries(r),
            Self::Training(r) => training_summaries(r),
            Self::Sweep(r) => export::sweep_summaries(r),
            Self::Basin(r) => export::basin_summaries(r),
            Self::Assignment(r) => assignment_summaries(r),
        }
    }
}

fn dropout(lab: &DropoutLab) -> DropoutReport {
    let monte_carlo = lab.monte_carlo();
    let last = monte_carlo.last().map_or(0, |&(n, _)| n);
    DropoutReport {
        keep: lab.keep,
        masks: lab.masks(),
        exact: lab.exact_expectation(),
        closed_form: lab.closed_form_expectation(),
        full: lab.weights.iter().zip(&lab.inputs).map(|(w, x)| w * x).sum(),
        final_std_error: lab.standard_error(last),
        monte_carlo,
        scalings: lab.scaling_at(lab.keep),
        sweep: lab.scaling_sweep(SWEEP_POINTS),
    }
}

fn dropout_tables(r: &DropoutReport) -> Vec<Table> {
    let mut tables = Vec::new();
    if let Some(masks) = &r.masks {
        tables.push(Table {
            name: "masks".to_owned(),
            header: vec!["mask", "kept", "probability", "activation"],
            rows: masks
                .iter()
                .enumerate()
                .map(|(i, m)| vec![i as f64, m.kept_count() as f64, m.probability, m.activation])
                .collect(),
        });
    }
    tables.push(Table {
        name: "monte_carlo".to_owned(),
        header: vec!["samples", "mean", "exact"],
        rows: r.monte_carlo.iter().map(|&(n, mean)| vec![n as f64, mean, r.closed_form]).collect(),
    });
    tables.push(Table {
        name: "scaling_sweep".to_owned(),
        header: vec![
            "keep",
            "none_train",
            "none_test",
            "test_time_train",
            "test_time_test",
            "inverted_train",
            "inverted_test",
        ],
        rows: r
            .sweep
            .iter()
            .map(|point| {
                let mut row = vec![point.keep];
                row.extend(point.means.iter().flat_map(|m| [m.train_mean, m.test_mean]));
                row
            })
            .collect(),
    });
    tables
}

fn dropout_summaries(r: &DropoutReport) -> Vec<(String, Vec<(&'static str, f64)>)> {
    let mut neuron = vec![("keep", r.keep), ("full", r.full), ("expected", r.closed_form)];
    if let Some(exact) = r.exact {
        neuron.push(("enumerated", exact));
    }
    if let Some(&(n, mean)) = r.monte_carlo.last() {
        neuron.extend([
            ("samples", n as f64),
            ("monte_carlo", mean),
            ("std_error", r.final_std_error),
        ]);
    }
    let mut lines = vec![("neuron".to_owned(), neuron)];
    lines.extend(r.scalings.iter().map(|s| {
        (
            format!("scaling {}", s.scaling.name()),
            vec![("keep", s.keep), ("train_mean", s.train.mean), ("test_mean", s.test.mean)],
        )
    }));
    lines
}

fn dropconnect_table(r: &DropConnectReport) -> Table {
    Table {
        name: "units".to_owned(),
        header: vec![
            "unit",
            "moment_mean",
            "moment_variance",
            "monte_carlo_mean",
            "monte_carlo_variance",
            "mean_inference",
            "gaussian_sampled",
            "closed_form",
            "monte_carlo_relu",
        ],
        rows: r
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                vec![
                    i as f64,
                    u.moments.mean,
                    u.moments.variance,
                    u.monte_carlo.mean,
                    u.monte_carlo.variance,
                    u.mean_inference,
                    u.gaussian_sampled,
                    u.closed_form,
                    u.monte_carlo.relu_mean,
                ]
            })
            .collect(),
    }
}

fn image_table(name: &str, image: &Image) -> Table {
    Table {
        name: name.to_owned(),
        header: vec!["row", "col", "value"],
        rows: image
            .rows()
            .enumerate()
            .flat_map(|(r, row)| {
                row.iter().enumerate().map(move |(c, &v)| vec![r as f64, c as f64, v])
            })
            .collect(),
    }
}

fn frac_pool_tables(r: &FracPoolReport) -> Vec<Table> {
    let Some(run) = &r.run else { return Vec::new() };
    let regions = |name: &str, list: &[crate::regularize::PoolRegion]| Table {
        name: name.to_owned(),
        header: vec!["index", "start", "end"],
        rows: list
            .iter()
            .enumerate()
            .map(|(i, g)| vec![i as f64, g.start as f64, g.end as f64])
            .collect(),
    };
    vec![
        image_table("input", &run.input),
        image_table("pooled", &run.draw.pooled),
        image_table("max_pool_2x2", &run.max_pooled),
        regions("row_regions", &run.row_regions),
        regions("col_regions", &run.col_regions),
    ]
}

fn frac_pool_summaries(r: &FracPoolReport) -> Vec<(String, Vec<(&'static str, f64)>)> {
    let Some(run) = &r.run else { return Vec::new() };
    let size = |image: &Image| image.width() as f64;
    vec![(
        "pooling".to_owned(),
        vec![
            ("alpha", r.alpha),
            ("input", size(&run.input)),
            ("output", size(&run.draw.pooled)),
            ("max_pool_2x2", size(&run.max_pooled)),
            ("ratio", size(&run.input) / size(&run.draw.pooled).max(1.0)),
        ],
    )]
}

fn stoch_depth_tables(r: &StochDepthReport) -> Vec<Table> {
    let kept = r.raster.kept_fraction_per_block();
    let mut tables = vec![Table {
        name: "blocks".to_owned(),
        header: vec!["block", "survival", "kept_fraction"],
        rows: r
            .survival
            .iter()
            .enumerate()
            .map(|(l, &p)| vec![(l + 1) as f64, p, kept.get(l).copied().unwrap_or(f64::NAN)])
            .collect(),
    }];
    if let Some(t) = &r.test_rules {
        tables.push(Table {
            name: "test_rules".to_owned(),
            header: vec![
                "coordinate",
                "paper_train_mean",
                "paper_test",
                "inverted_train_mean",
                "inverted_test",
            ],
            rows: (0..t.paper_test.len())
                .map(|i| {
                    let at = |v: &[f64]| v.get(i).copied().unwrap_or(f64::NAN);
                    vec![
                        i as f64,
                        at(&t.paper_train_mean),
                        at(&t.paper_test),
                        at(&t.inverted_train_mean),
                        at(&t.inverted_test),
                    ]
                })
                .collect(),
        });
    }
    tables
}

fn stoch_depth_summaries(r: &StochDepthReport) -> Vec<(String, Vec<(&'static str, f64)>)> {
    let active = r.raster.active_blocks_per_batch();
    let sampled_depth = if active.is_empty() {
        f64::NAN
    } else {
        active.iter().sum::<usize>() as f64 / active.len() as f64
    };
    vec![(
        "network".to_owned(),
        vec![
            ("blocks", r.survival.len() as f64),
            ("final_survival", r.survival.last().copied().unwrap_or(f64::NAN)),
            ("expected_depth", r.expected_depth),
            ("sampled_depth", sampled_depth),
        ],
    )]
}

/// Trains every run of `lab` to the end.
fn training(lab: &TrainingLab) -> TrainingReport {
    TrainingSession::new(lab).finish()
}

fn training_tables(r: &TrainingReport) -> Vec<Table> {
    let mut taken = std::collections::HashSet::new();
    r.runs
        .iter()
        .map(|run| {
            let mut name = format!("curves-{}", crate::headless::slug(&run.name, "run"));
            while !taken.insert(name.clone()) {
                name.push('_');
            }
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
        .collect()
}

fn training_summaries(r: &TrainingReport) -> Vec<(String, Vec<(&'static str, f64)>)> {
    r.runs
        .iter()
        .filter_map(|run| {
            let last = run.epochs.last()?;
            Some((
                run.name.clone(),
                vec![
                    ("train_loss", last.train_loss),
                    ("val_loss", last.validation_loss.unwrap_or(f64::NAN)),
                    ("train_acc", last.train_accuracy),
                    ("val_acc", last.validation_accuracy.unwrap_or(f64::NAN)),
                    ("epochs", last.epoch as f64),
                ],
            ))
        })
        .collect()
}

/// The assignment helper's `steps.csv` as text (for the clipboard).
#[must_use]
pub fn assignment_steps_csv(r: &AssignmentReport) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for table in assignment_tables(r) {
        let _ = writer.write_record(&table.header);
        for row in &table.rows {
            let _ = writer.write_record(row.iter().map(f64::to_string));
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// `steps.csv`: one row per step and element, with every output of the rule (dropout: one
/// step with `out`, `out_test` and `mask`).
fn assignment_tables(r: &AssignmentReport) -> Vec<Table> {
    let Some(first) = r.steps.first() else { return Vec::new() };
    let names: Vec<&'static str> = r.rule.outputs().to_vec();
    let elements = first.values.first().map_or(0, |v| v.value.len());
    let mut header = vec!["step", "element"];
    header.extend(&names);
    let rows = r
        .steps
        .iter()
        .flat_map(|record| {
            (0..elements).map(move |i| {
                let mut row = vec![f64::from(record.step), i as f64];
                row.extend(record.values.iter().map(|v| match v.value.data() {
                    [single] => *single,
                    data => data.get(i).copied().unwrap_or(f64::NAN),
                }));
                row
            })
        })
        .collect();
    vec![Table { name: "steps".to_owned(), header, rows }]
}

/// One line per problem, per output (its size and extremes) and per pasted result (its
/// relative error and whether it agrees).
fn assignment_summaries(r: &AssignmentReport) -> Vec<(String, Vec<(&'static str, f64)>)> {
    let mut lines: Vec<_> =
        r.problems.iter().map(|p| (format!("problem: {p}"), Vec::new())).collect();
    lines.extend(r.outputs.iter().map(|o| {
        let data = o.value.data();
        let first = data.first().copied().unwrap_or(f64::NAN);
        let min = data.iter().copied().fold(f64::INFINITY, f64::min);
        let max = data.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (
            o.name.clone(),
            vec![("elements", data.len() as f64), ("first", first), ("min", min), ("max", max)],
        )
    }));
    if let Some(d) = &r.dropout {
        lines.push((
            "dropout".to_owned(),
            vec![
                ("p", d.keep),
                ("mean_input", d.mean_input),
                ("mean_train", d.mean_train),
                ("mean_test", d.mean_test),
                ("zeros_train", d.zeros_train),
                ("zeros_test", d.zeros_test),
            ],
        ));
    }
    lines.extend(r.checks.iter().map(|c| {
        let agrees = f64::from(u8::from(c.verdict == crate::assignment::check::Verdict::Agrees));
        let name = match c.mistake {
            Some((mistake, _)) => {
                format!("check {}: matches the mistake: {}", c.name, mistake.describe())
            }
            None => format!("check {}", c.name),
        };
        (name, vec![("rel_error", c.rel_error.unwrap_or(f64::NAN)), ("agrees", agrees)])
    }));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lab_reports_tables_with_rows_as_long_as_their_headers() {
        let dropout = DropoutLab::default();
        let dropconnect = DropConnectLab::default();
        let pool = FracPoolLab::default();
        let depth = StochDepthLab::default();
        for lab in [
            Lab::Dropout(&dropout),
            Lab::DropConnect(&dropconnect),
            Lab::FracPool(&pool),
            Lab::StochDepth(&depth),
        ] {
            let report = LabReport::compute(lab);
            let tables = report.tables();
            assert!(!tables.is_empty(), "{lab:?}");
            for table in &tables {
                assert!(!table.rows.is_empty(), "{}", table.name);
                assert!(
                    table.rows.iter().all(|row| row.len() == table.header.len()),
                    "{}",
                    table.name
                );
            }
            assert!(!report.summaries().is_empty());
        }
    }

    #[test]
    fn the_dropout_report_shows_the_expectation_three_ways() {
        let LabReport::Dropout(r) = LabReport::compute(Lab::Dropout(&DropoutLab::default())) else {
            panic!("a dropout report")
        };
        // The notes' neuron: w = (1, 1), (x, y) = (1, 2), p = ½: E[a] = ½·3.
        assert!((r.closed_form - 1.5).abs() < 1e-12);
        assert!((r.exact.unwrap_or(f64::NAN) - 1.5).abs() < 1e-12);
        assert_eq!(r.masks.as_ref().map(Vec::len), Some(4));
        let &(_, mean) = r.monte_carlo.last().expect("Monte Carlo points");
        assert!((mean - 1.5).abs() < 5.0 * r.final_std_error, "{mean} ± {}", r.final_std_error);
    }

    #[test]
    fn stochastic_depth_summary_has_the_papers_expected_depth() {
        let report = LabReport::compute(Lab::StochDepth(&StochDepthLab::default()));
        let summaries = report.summaries();
        let depth = summaries[0].1.iter().find(|(k, _)| *k == "expected_depth").map(|p| p.1);
        assert_eq!(depth.map(|d| (d * 100.0).round() / 100.0), Some(40.25));
    }
}
