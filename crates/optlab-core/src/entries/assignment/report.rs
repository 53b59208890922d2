//! The assignment helper's tables and summary lines: `steps.csv`, one line per problem, output
//! and pasted result.

use super::numpy::Array;
use super::rules::{Intermediate, Mistake, Rule};
use crate::entries::kind::{SummaryLine, Table};

/// Below this relative error a pasted result agrees: the notebook prints its expected arrays
/// to 8 decimals, which alone gives errors up to about 1e-7 (Adam's `next_w`: 1.1e-7).
pub const AGREES_BELOW: f64 = 1e-6;
/// Below this (and above [`AGREES_BELOW`]) a result is close but wrong: more than rounding.
pub const CLOSE_BELOW: f64 = 1e-3;

/// Everything the helper shows for one entry.
#[derive(Clone, Debug, PartialEq)]
pub struct AssignmentReport {
    /// The rule.
    pub rule: Rule,
    /// Why nothing could be computed (shapes that do not fit, values out of range).
    pub problems: Vec<String>,
    /// The inputs and the whole config, defaults filled in, as the rule saw them.
    pub resolved: Vec<Named>,
    /// The rule's outputs after the last step, in [`Rule::outputs`] order.
    pub outputs: Vec<Named>,
    /// The intermediate values of the last step.
    pub intermediates: Vec<Intermediate>,
    /// Every step's values (multi-step mode; one record for a single step).
    pub steps: Vec<StepRecord>,
    /// One check per pasted result.
    pub checks: Vec<Check>,
    /// Dropout's statistics (dropout only).
    pub dropout: Option<DropoutStats>,
}

impl AssignmentReport {
    pub(super) fn new(rule: Rule) -> Self {
        Self {
            rule,
            problems: Vec::new(),
            resolved: Vec::new(),
            outputs: Vec::new(),
            intermediates: Vec::new(),
            steps: Vec::new(),
            checks: Vec::new(),
            dropout: None,
        }
    }

    /// The output called `name`.
    #[must_use]
    pub fn output(&self, name: &str) -> Option<&Array> {
        self.outputs.iter().find(|o| o.name == name).map(|o| &o.value)
    }
}

/// An output of the helper: a name and its array.
#[derive(Clone, Debug, PartialEq)]
pub struct Named {
    /// The name (`next_w`, `velocity`, …).
    pub name: String,
    /// The values.
    pub value: Array,
}

/// The values after one step of multi-step mode.
#[derive(Clone, Debug, PartialEq)]
pub struct StepRecord {
    /// 1-based step number.
    pub step: u32,
    /// `w` after the step, then the state arrays and `t`, as named by [`Rule::outputs`].
    pub values: Vec<Named>,
}

/// One pasted result against the helper's.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// The output's name.
    pub name: String,
    /// The notebook's relative error, when the shapes agree.
    pub rel_error: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
    /// An explanation (a shape mismatch, dropout's statistics), or empty.
    pub note: String,
    /// The mistake whose result agrees with the pasted one, with its relative error.
    pub mistake: Option<(Mistake, f64)>,
}

/// How a pasted result compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Within the notebook's tolerance.
    Agrees,
    /// Near, but further than rounding explains.
    Close,
    /// Wrong, or not comparable (shape, NaN).
    Differs,
}

impl Verdict {
    /// The verdict for a relative error.
    #[must_use]
    pub fn of(rel_error: f64) -> Self {
        if rel_error < AGREES_BELOW {
            Self::Agrees
        } else if rel_error < CLOSE_BELOW {
            Self::Close
        } else {
            Self::Differs
        }
    }

    /// The verdict in words.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::Agrees => "agrees (the notebook expects about 1e-7 or less)",
            Self::Close => "close, but more than 8-decimal rounding explains",
            Self::Differs => "differs",
        }
    }
}

/// Dropout's statistics over x, as the assignment's notebook prints them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DropoutStats {
    /// Keep probability p.
    pub keep: f64,
    /// Mean of x.
    pub mean_input: f64,
    /// Mean of the train-mode output.
    pub mean_train: f64,
    /// Mean of the test-mode output.
    pub mean_test: f64,
    /// Fraction of zeros in the train-mode output.
    pub zeros_train: f64,
    /// Fraction of zeros in the test-mode output.
    pub zeros_test: f64,
}

/// The assignment helper's `steps.csv` as text (for the clipboard).
#[must_use]
pub fn steps_csv(r: &AssignmentReport) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for table in tables(r) {
        let _ = writer.write_record(&table.header);
        for row in &table.rows {
            let _ = writer.write_record(row.iter().map(f64::to_string));
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// `steps.csv`: one row per step and element, with every output of the rule (dropout: one
/// step with `out`, `out_test` and `mask`).
#[must_use]
pub fn tables(r: &AssignmentReport) -> Vec<Table> {
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
#[must_use]
pub fn summaries(r: &AssignmentReport) -> Vec<SummaryLine> {
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
        let agrees = f64::from(u8::from(c.verdict == Verdict::Agrees));
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
