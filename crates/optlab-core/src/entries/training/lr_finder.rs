//! The training entry's LR finder (fastai's `lr_find`, see [`crate::train::lr_range`]): its RON
//! option, the test run on a copy of every run's fresh trainer before training starts, and its
//! per-run table `<run>/lr_find.csv`.

use serde::{Deserialize, Serialize};

use super::report::{TrainingReport, run_slugs};
use crate::entries::kind::Table;
use crate::limits::{Limit, LimitError, check_all};
use crate::train::Trainer;
use crate::train::lr_range::{self, RangePlan, RangeTest};

/// Largest `end_lr` (and `start_lr`).
pub const MAX_LR: f64 = 1e4;
/// The first mini-batch's learning rate.
pub const START_LR: Limit =
    Limit { name: "start_lr", min: 0.0, max: MAX_LR, min_open: true, max_open: false };
/// The ramp's end (above `start_lr`, checked in [`LrFinderOptions::validate`]).
pub const END_LR: Limit =
    Limit { name: "end_lr", min: 0.0, max: MAX_LR, min_open: true, max_open: false };
/// Mini-batch updates of the test.
pub const NUM_IT: Limit = Limit::closed("num_it", 6.0, 10_000.0);

mod de {
    use super::{END_LR, NUM_IT, START_LR};
    crate::limited_f64!(start_lr, START_LR);
    crate::limited_f64!(end_lr, END_LR);
    crate::regularize::limited_count!(num_it, usize, NUM_IT);
}

/// The LR range test of every run: lr from `start_lr` growing exponentially towards `end_lr`
/// over `num_it` mini-batch updates (fastai's `lr_find` defaults).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LrFinderOptions {
    /// Learning rate of the first update, in (0, 10⁴].
    #[serde(deserialize_with = "de::start_lr")]
    pub start_lr: f64,
    /// The ramp's end, in (`start_lr`, 10⁴].
    #[serde(deserialize_with = "de::end_lr")]
    pub end_lr: f64,
    /// Mini-batch updates, 6 to 10 000.
    #[serde(deserialize_with = "de::num_it")]
    pub num_it: usize,
    /// Stop when the smoothed loss exceeds 4× its minimum.
    pub stop_div: bool,
}

impl Default for LrFinderOptions {
    /// fastai's defaults: 1e-7 to 10 over 100 updates, stopping on divergence.
    fn default() -> Self {
        Self { start_lr: 1e-7, end_lr: 10.0, num_it: 100, stop_div: true }
    }
}

impl LrFinderOptions {
    /// Checks every field, and that `end_lr` lies above `start_lr`.
    ///
    /// # Errors
    /// The first field out of range, with its interval.
    pub fn validate(&self) -> Result<(), LimitError> {
        check_all(&[
            (self.start_lr, START_LR),
            (self.end_lr, END_LR),
            (self.num_it as f64, NUM_IT),
        ])?;
        Limit { min: self.start_lr, ..END_LR }.check(self.end_lr).map(|_| ())
    }

    /// The plan the numerics run.
    #[must_use]
    pub fn plan(&self) -> RangePlan {
        RangePlan {
            start_lr: self.start_lr,
            end_lr: self.end_lr,
            num_it: self.num_it,
            stop_div: self.stop_div,
        }
    }
}

/// The test on a copy of `trainer` (a run's fresh trainer, left as it is): the same data, initial
/// weights, optimizer and batch size, the schedule replaced by the ramp.
#[must_use]
pub fn range_test(options: &LrFinderOptions, trainer: &Trainer) -> RangeTest {
    lr_range::run(&mut trainer.clone(), &options.plan())
}

/// Bytes of the recorded curves of `runs` runs (three numbers per update, the report's copy
/// and two on their way to the window), none when the finder is off.
#[must_use]
pub fn memory_bytes(options: Option<&LrFinderOptions>, runs: usize) -> Vec<u64> {
    let per_run = options.map_or(0, |o| (o.num_it as u64) * 3 * 8 * 3);
    vec![per_run; runs]
}

/// `<run>/lr_find.csv` (`lr,loss,smoothed_loss`) of every run that took the test.
#[must_use]
pub fn tables(r: &TrainingReport) -> Vec<Table> {
    r.runs
        .iter()
        .zip(run_slugs(r))
        .filter_map(|(run, run_slug)| {
            let test = run.lr_find.as_ref().filter(|t| !t.lrs.is_empty())?;
            let rows = (test.lrs.iter().zip(&test.losses).zip(&test.smoothed))
                .map(|((lr, loss), smoothed)| vec![*lr, *loss, *smoothed])
                .collect();
            Some(Table {
                name: format!("{run_slug}/lr_find"),
                header: vec!["lr", "loss", "smoothed_loss"],
                rows,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_refuse_an_end_below_the_start_naming_the_field_and_range() {
        let options = LrFinderOptions { start_lr: 1e-3, end_lr: 1e-4, ..Default::default() };
        let message = options.validate().expect_err("end below start").to_string();
        assert!(message.contains("end_lr") && message.contains("(0.001, 10000]"), "{message}");
        let zero = LrFinderOptions { start_lr: 0.0, ..Default::default() };
        assert!(zero.validate().expect_err("zero").to_string().contains("start_lr"));
        let few = LrFinderOptions { num_it: 5, ..Default::default() };
        assert!(few.validate().expect_err("5").to_string().contains("[6, 10000]"));
        assert!(LrFinderOptions::default().validate().is_ok());
    }

    #[test]
    fn ron_checks_ranges_while_parsing() {
        let bad: Result<LrFinderOptions, _> = ron::from_str("(num_it: 3)");
        assert!(bad.expect_err("3 < 6").to_string().contains("num_it"));
        let parsed: LrFinderOptions = ron::from_str("(end_lr: 1.0)").expect("valid");
        assert_eq!(parsed, LrFinderOptions { end_lr: 1.0, ..Default::default() });
    }
}
