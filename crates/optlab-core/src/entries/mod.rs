//! Every kind of notebook entry, one folder each (`config`, `compute`, `report`), and the one
//! list of kinds below.
//!
//! Adding a kind means a new folder here (its config implements [`EntryKind`] and, for a lab,
//! [`LabKind`]) and one line in `entry_kinds!`'s invocation; the RON variant name is the line's
//! name and is a contract. The list generates [`Experiment`] (what a notebook entry holds),
//! [`Lab`] (a borrowed lab config) and [`LabReport`] (any lab's report), with their dispatch.

pub mod assignment;
pub mod basin;
pub mod drop_connect;
pub mod dropout;
pub mod fractional_max_pool;
pub mod kind;
pub mod race;
pub mod stochastic_depth;
pub mod sweep;
pub mod training;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use kind::{ConfigError, Control, EntryKind, Feed, LabKind, SummaryLine, Table};

/// [`EntryKind::validate`], then [`EntryKind::check_memory`].
fn checked(config: &impl EntryKind) -> Result<(), ConfigError> {
    config.validate()?;
    config.check_memory()?;
    Ok(())
}

/// Generates the kinds' enums and their dispatch from the one list below.
macro_rules! entry_kinds {
    (
        $(#[$race_doc:meta])* Race($race:ty),
        $( $(#[$doc:meta])* $kind:ident($config:ty), )*
    ) => {
        /// The kinds of experiment an entry can hold (the RON variant names are a contract).
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub enum Experiment {
            $(#[$race_doc])*
            Race($race),
            $( $(#[$doc])* $kind($config), )*
        }

        impl Experiment {
            /// A short name of the kind, as the entry list shows it.
            #[must_use]
            pub fn kind_name(&self) -> &'static str {
                match self {
                    Self::Race(_) => <$race as EntryKind>::LABEL,
                    $( Self::$kind(_) => <$config as EntryKind>::LABEL, )*
                }
            }

            /// Checks every number against its allowed range, then the estimated peak memory
            /// against the budget ([`crate::budget`]).
            ///
            /// # Errors
            /// The first value out of range, or the memory estimate above the budget.
            pub fn validate(&self) -> Result<(), ConfigError> {
                match self {
                    Self::Race(race) => checked(race),
                    $( Self::$kind(lab) => checked(lab), )*
                }
            }

            /// Checks that the entry's parts fit together ([`EntryKind::check_fit`]).
            ///
            /// # Errors
            /// What does not fit, in words.
            pub fn check_fit(&self) -> Result<(), String> {
                match self {
                    Self::Race(race) => EntryKind::check_fit(race),
                    $( Self::$kind(lab) => EntryKind::check_fit(lab), )*
                }
            }

            /// The lab, if this entry is one (every kind but the race).
            #[must_use]
            pub fn lab(&self) -> Option<Lab<'_>> {
                match self {
                    Self::Race(_) => None,
                    $( Self::$kind(lab) => Some(Lab::$kind(lab)), )*
                }
            }
        }

        /// One lab config of any kind (borrowed from a notebook entry).
        #[derive(Clone, Copy, Debug)]
        pub enum Lab<'a> {
            $( $(#[$doc])* $kind(&'a $config), )*
        }

        /// Everything one lab's views draw.
        #[derive(Clone, Debug, PartialEq)]
        pub enum LabReport {
            $( $(#[$doc])* $kind(<$config as LabKind>::Report), )*
        }

        impl LabReport {
            /// Computes every number of `lab` at once. May take from moments to minutes (a
            /// training or a sweep): call it off the UI thread.
            #[must_use]
            pub fn compute(lab: Lab<'_>) -> Self {
                match lab {
                    $( Lab::$kind(lab) => Self::$kind(LabKind::compute(lab)), )*
                }
            }

            /// Computes `lab`, publishing snapshots while it grows (see [`LabReport::stream`]).
            #[must_use]
            pub fn stream(
                lab: Lab<'_>,
                control: &Control,
                interval: Duration,
                publish: &mut dyn FnMut(&mut dyn FnMut(Option<Self>) -> Self) -> bool,
            ) -> Option<Self> {
                match lab {
                    $( Lab::$kind(lab) => {
                        let mut typed = |report: &<$config as LabKind>::Report| {
                            publish(&mut |spare| {
                                let spare = match spare {
                                    Some(Self::$kind(spare)) => Some(spare),
                                    _ => None,
                                };
                                Self::$kind(copy_into(report, spare))
                            })
                        };
                        let mut feed = Feed::new(control, interval, &mut typed);
                        LabKind::stream(lab, &mut feed).map(Self::$kind)
                    } )*
                }
            }

            /// The series the views plot, as tables for CSV.
            #[must_use]
            pub fn tables(&self) -> Vec<Table> {
                match self {
                    $( Self::$kind(report) => <$config as LabKind>::tables(report), )*
                }
            }

            /// One summary per part of the report: a name and `key=value` pairs.
            #[must_use]
            pub fn summaries(&self) -> Vec<SummaryLine> {
                match self {
                    $( Self::$kind(report) => <$config as LabKind>::summaries(report), )*
                }
            }
        }
    };
}

// The one list of entry kinds: the RON variant name and the kind's config.
entry_kinds! {
    /// Several optimizers racing on one loss surface.
    Race(race::Race),
    /// Dropout: the mask table of a small neuron, E\[a\], and train/test activation scaling.
    Dropout(dropout::DropoutLab),
    /// DropConnect: masks on weights, mean against moment-matched Gaussian inference.
    DropConnect(drop_connect::DropConnectLab),
    /// Fractional max pooling (Graham 2014): pooling regions over an image.
    FractionalMaxPool(fractional_max_pool::FractionalMaxPoolLab),
    /// Stochastic depth (Huang et al. 2016): which residual blocks survive, and test scaling.
    StochasticDepth(stochastic_depth::StochasticDepthLab),
    /// Small networks trained side by side on toy 2-D data.
    Training(training::TrainingLab),
    /// A hyperparameter sweep: a metric over a grid of two fields of one run.
    Sweep(sweep::SweepLab),
    /// A basin map: which known minimum an optimizer ends in from each start point.
    Basin(basin::BasinLab),
    /// The assignment helper: a hand-written update rule checked against the reference.
    Assignment(assignment::AssignmentLab),
}

impl Experiment {
    /// The race, if this entry is one.
    #[must_use]
    pub fn race(&self) -> Option<&race::Race> {
        match self {
            Self::Race(race) => Some(race),
            _ => None,
        }
    }

    /// The race, if this entry is one, for editing.
    pub fn race_mut(&mut self) -> Option<&mut race::Race> {
        match self {
            Self::Race(race) => Some(race),
            _ => None,
        }
    }
}

/// `report` copied into `spare`'s buffers when there is a spare of the same kind (a runner
/// recycles the reports a window no longer shows instead of allocating new ones).
fn copy_into<T: Clone>(report: &T, spare: Option<T>) -> T {
    match spare {
        Some(mut snapshot) => {
            snapshot.clone_from(report);
            snapshot
        }
        None => report.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::drop_connect::DropConnectLab;
    use super::dropout::DropoutLab;
    use super::fractional_max_pool::FractionalMaxPoolLab;
    use super::stochastic_depth::StochasticDepthLab;
    use super::{Lab, LabReport};

    #[test]
    fn every_lab_reports_tables_with_rows_as_long_as_their_headers() {
        let dropout = DropoutLab::default();
        let dropconnect = DropConnectLab::default();
        let pool = FractionalMaxPoolLab::default();
        let depth = StochasticDepthLab::default();
        for lab in [
            Lab::Dropout(&dropout),
            Lab::DropConnect(&dropconnect),
            Lab::FractionalMaxPool(&pool),
            Lab::StochasticDepth(&depth),
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
        let report = LabReport::compute(Lab::StochasticDepth(&StochasticDepthLab::default()));
        let summaries = report.summaries();
        let depth = summaries[0].1.iter().find(|(k, _)| *k == "expected_depth").map(|p| p.1);
        assert_eq!(depth.map(|d| (d * 100.0).round() / 100.0), Some(40.25));
    }
}
