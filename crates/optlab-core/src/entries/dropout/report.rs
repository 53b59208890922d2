//! The dropout entry's report: the neuron's expectation three ways, the Monte Carlo mean and the
//! scaling rules, with its tables and summary lines.

use super::compute::{
    MaskRow, ScalingComparison, SweepPoint, test_time_with_bias, unit_dropout_expectation,
};
use super::config::DropoutLab;
use crate::entries::kind::{SummaryLine, Table};

/// Keep probabilities of the dropout scaling sweep: 1/20, 2/20, …, 1.
pub const SWEEP_POINTS: usize = 20;

/// The dropout lab's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct DropoutReport {
    /// Keep probability p.
    pub keep: f64,
    /// Every mask of the neuron (n ≤ 12), with its probability and activation.
    pub masks: Option<Vec<MaskRow>>,
    /// E\[a\] summed over the masks (n ≤ 12), bias included.
    pub exact: Option<f64>,
    /// p·(w·x) + b.
    pub closed_form: f64,
    /// w·x, every input kept, without the bias.
    pub full: f64,
    /// The neuron's bias b.
    pub bias: f64,
    /// The notes' test-time rule for the dropped inputs: w·(p·x) + b (the bias is not scaled).
    pub test_time: f64,
    /// The notes' rule where the unit's own output is dropped: (w·x + b)·p, bias included.
    pub unit_scaled: f64,
    /// Running Monte Carlo mean at log-spaced sample counts.
    pub monte_carlo: Vec<(u64, f64)>,
    /// Standard error of the last Monte Carlo mean.
    pub final_std_error: f64,
    /// Train against test activations under each scaling rule at p.
    pub scalings: Box<[ScalingComparison; 3]>,
    /// Train and test means of each rule over p in (0, 1].
    pub sweep: Vec<SweepPoint>,
}

/// Computes every number of `lab`.
#[must_use]
pub fn compute(lab: &DropoutLab) -> DropoutReport {
    let monte_carlo = lab.monte_carlo();
    let last = monte_carlo.last().map_or(0, |&(n, _)| n);
    DropoutReport {
        keep: lab.keep,
        masks: lab.masks(),
        exact: lab.exact_expectation(),
        closed_form: lab.closed_form_expectation(),
        full: lab.weights.iter().zip(&lab.inputs).map(|(w, x)| w * x).sum(),
        bias: lab.bias,
        test_time: test_time_with_bias(&lab.weights, &lab.inputs, lab.bias, lab.keep),
        unit_scaled: unit_dropout_expectation(&lab.weights, &lab.inputs, lab.bias, lab.keep),
        final_std_error: lab.standard_error(last),
        monte_carlo,
        scalings: Box::new(lab.scaling_at(lab.keep)),
        sweep: lab.scaling_sweep(SWEEP_POINTS),
    }
}

/// The masks, the Monte Carlo convergence and the scaling sweep.
#[must_use]
pub fn tables(r: &DropoutReport) -> Vec<Table> {
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

/// The neuron (w·x as `full`, its bias, E\[a\] = p·(w·x) + b as `expected`, the notes'
/// test-time value), then one line per scaling rule.
#[must_use]
pub fn summaries(r: &DropoutReport) -> Vec<SummaryLine> {
    let mut neuron = vec![
        ("keep", r.keep),
        ("full", r.full),
        ("bias", r.bias),
        ("expected", r.closed_form),
        ("test_time", r.test_time),
    ];
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
