//! The assignment helper's tables and summary lines: `steps.csv`, one line per problem, output
//! and pasted result.

use super::compute::Verdict;
use super::config::AssignmentReport;
use crate::entries::kind::{SummaryLine, Table};

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
