//! The stochastic depth entry's report: survival per block, a sampled raster and the test-time
//! rules, with its tables and summary line.

use super::compute::{Raster, TestRuleComparison};
use super::config::StochasticDepthLab;
use crate::entries::kind::{SummaryLine, Table};

/// The stochastic depth lab's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct StochasticDepthReport {
    /// Survival probability pₗ of each block, l = 1..L.
    pub survival: Vec<f64>,
    /// Σ pₗ.
    pub expected_depth: f64,
    /// Sampled keep/drop raster (mini-batches × blocks).
    pub raster: Raster,
    /// The residual stack's mean training output against each test-time rule.
    pub test_rules: Option<TestRuleComparison>,
}

/// Computes every number of `lab`.
#[must_use]
pub fn compute(lab: &StochasticDepthLab) -> StochasticDepthReport {
    StochasticDepthReport {
        survival: lab.survival(),
        expected_depth: lab.expected_depth(),
        raster: lab.raster(),
        test_rules: lab.compare_test_rules(),
    }
}

/// The blocks and, when computed, the test-time rules.
#[must_use]
pub fn tables(r: &StochasticDepthReport) -> Vec<Table> {
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

/// One line for the network: its depth, expected and sampled.
#[must_use]
pub fn summaries(r: &StochasticDepthReport) -> Vec<SummaryLine> {
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
