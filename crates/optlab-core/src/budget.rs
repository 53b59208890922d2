//! The memory budget: the peak memory an entry needs, estimated from its config before anything
//! is allocated, and refused when it is more than optlab allows.
//!
//! Every number of an entry may lie in its range and the whole still be too large: eight runs
//! of a full-batch network with eight 1024-unit layers on 100 000 points need tens of gigabytes,
//! and the allocation that fails stops the program. So training, sweep and basin entries
//! estimate their largest buffers (weights and optimizer state, a batch's activations, data,
//! histories, grid cells, per-cell configs) times how many exist at once, and
//! [`crate::entries::Experiment::validate`] refuses an entry above [`MAX_MEMORY_BYTES`] with the
//! estimate and its largest parts. Small fixed-size bookkeeping is left out: the figures are
//! "about", and the budget leaves room for it.

use std::fmt;
use std::mem::size_of;

use crate::files::human_bytes;
use crate::grid::Cell;
use crate::run::RunConfig;
use crate::schedule::Schedule;
use crate::surface::Surface;

/// The most memory one entry may need at its peak: 2 GB, which a laptop has to spare; an
/// estimate above it is refused when the notebook loads.
pub const MAX_MEMORY_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Copies of a grid's cells that exist at once: the grid being filled, the block just computed,
/// the finished list, the report and a snapshot on its way to the window.
pub const CELL_COPIES: u64 = 5;

/// Bytes a parsed formula takes per character of its text: the text itself and at most one
/// boxed tree node per character (a node and the allocator's bookkeeping).
const FORMULA_BYTES_PER_CHAR: u64 = 1 + size_of::<crate::expr::Expr>() as u64 + 16;

/// One named part of an estimate, e.g. "8 runs × 6.7 GB activations".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// What the bytes hold, with how many and how large each when there are several.
    pub what: String,
    /// Bytes of the part.
    pub bytes: u64,
}

/// An estimate of an entry's peak memory, as named parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryEstimate {
    parts: Vec<Part>,
}

impl MemoryEstimate {
    /// Adds `count` buffers of `each` bytes holding `what`, counted in `nouns` ("runs",
    /// "cells"): "8 runs × 6.7 GB activations", or "6.7 GB activations" for one.
    pub fn add(&mut self, count: u64, nouns: &str, what: &str, each: u64) {
        let bytes = count.saturating_mul(each);
        let what = if count == 1 {
            format!("{} {what}", human_bytes(each))
        } else {
            format!("{count} {nouns} × {} {what}", human_bytes(each))
        };
        self.parts.push(Part { what, bytes });
    }

    /// Adds one buffer of `what` per item of `sizes` (one per run): written as
    /// [`Self::add`] when they are all equal, else as their sum over the items.
    pub fn add_each(&mut self, nouns: &str, what: &str, sizes: &[u64]) {
        match sizes {
            [] => {}
            [first, rest @ ..] if rest.iter().all(|size| size == first) => {
                self.add(sizes.len() as u64, nouns, what, *first);
            }
            _ => {
                let bytes = sizes.iter().fold(0, |sum: u64, &size| sum.saturating_add(size));
                let what = format!("{} {what} over {} {nouns}", human_bytes(bytes), sizes.len());
                self.parts.push(Part { what, bytes });
            }
        }
    }

    /// The parts, in the order they were added.
    #[must_use]
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// Bytes of every part together.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.parts.iter().fold(0, |sum, part| sum.saturating_add(part.bytes))
    }

    /// `Ok` within [`MAX_MEMORY_BYTES`], otherwise the estimate with `advice` (what to make
    /// smaller).
    ///
    /// # Errors
    /// A [`MemoryError`] when the total is above the budget.
    pub fn check(&self, advice: &'static str) -> Result<(), MemoryError> {
        if self.total() <= MAX_MEMORY_BYTES {
            return Ok(());
        }
        let mut largest = self.parts.clone();
        largest.sort_by_key(|part| std::cmp::Reverse(part.bytes));
        largest.truncate(3);
        Err(MemoryError { bytes: self.total(), largest, advice })
    }
}

/// An entry whose estimated peak memory is above [`MAX_MEMORY_BYTES`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryError {
    /// The estimate.
    pub bytes: u64,
    /// Its largest parts, largest first (at most three).
    pub largest: Vec<Part>,
    /// What to make smaller.
    pub advice: &'static str,
}

impl fmt::Display for MemoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<&str> = self.largest.iter().map(|part| part.what.as_str()).collect();
        write!(
            f,
            "needs about {} of memory ({}), more than the {} optlab allows; {}",
            human_bytes(self.bytes),
            parts.join(", "),
            human_bytes(MAX_MEMORY_BYTES),
            self.advice
        )
    }
}

impl std::error::Error for MemoryError {}

/// Bytes of one run's config as a grid keeps it for each cell: the struct and its schedule's
/// milestones. A formula is shared by every copy of a config (its text and tree are behind an
/// `Arc`), so [`add_grid`] counts it once.
#[must_use]
pub fn run_config_bytes(config: &RunConfig) -> u64 {
    (size_of::<RunConfig>() as u64).saturating_add(schedule_heap_bytes(&config.schedule))
}

/// Bytes a schedule owns beyond its struct: milestones, formulas and the schedules inside
/// warmups and combinations.
#[must_use]
pub fn schedule_heap_bytes(schedule: &Schedule) -> u64 {
    let schedule_size = size_of::<Schedule>() as u64;
    let mut bytes = 0_u64;
    // A stack rather than recursion: a file may nest warmups as deep as the parser allows.
    let mut pending = vec![schedule];
    while let Some(schedule) = pending.pop() {
        match schedule {
            Schedule::MultiStep { milestones, .. } => {
                bytes = bytes.saturating_add(milestones.len() as u64 * size_of::<u64>() as u64);
            }
            Schedule::Warmup { then, .. } => {
                bytes = bytes.saturating_add(schedule_size);
                pending.push(then);
            }
            Schedule::Lambda(text) | Schedule::Multiplicative(text) => {
                bytes = bytes
                    .saturating_add((text.len() as u64).saturating_mul(FORMULA_BYTES_PER_CHAR));
            }
            Schedule::Sequential { schedules, milestones } => {
                bytes = bytes.saturating_add(milestones.len() as u64 * size_of::<u64>() as u64);
                bytes = bytes.saturating_add(schedules.len() as u64 * schedule_size);
                pending.extend(schedules);
            }
            Schedule::Chained(schedules) => {
                bytes = bytes.saturating_add(schedules.len() as u64 * schedule_size);
                pending.extend(schedules);
            }
            _ => {}
        }
    }
    bytes
}

/// Bytes a surface owns beyond its struct: a formula's text and parsed tree.
#[must_use]
pub fn surface_heap_bytes(surface: &Surface) -> u64 {
    match surface {
        Surface::Expression(formula) => {
            (formula.text().len() as u64).saturating_mul(FORMULA_BYTES_PER_CHAR)
        }
        _ => 0,
    }
}

/// Adds a grid's parts to `estimate`: `cells` run configs like `config`, and the cells'
/// results ([`CELL_COPIES`] copies of `extra` bytes per cell beside the [`Cell`] itself).
pub fn add_grid(estimate: &mut MemoryEstimate, cells: u64, config: &RunConfig, extra: u64) {
    let formula = surface_heap_bytes(&config.surface);
    if formula > 0 {
        estimate.add(1, "formulas", "formula (shared by every cell)", formula);
    }
    estimate.add(cells, "cells", "run configs", run_config_bytes(config));
    let per_cell = (size_of::<Option<Cell>>() as u64 + extra).saturating_mul(CELL_COPIES);
    estimate.add(cells, "cells", "results", per_cell);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_estimate_within_the_budget_passes_and_one_above_names_its_largest_parts() {
        let mut estimate = MemoryEstimate::default();
        estimate.add(8, "runs", "activations", 1 << 30);
        estimate.add(1, "runs", "data", 1 << 20);
        estimate.add_each("runs", "history", &[10, 20]);
        assert_eq!(estimate.total(), (8 << 30) + (1 << 20) + 30);
        let error = estimate.check("use less").unwrap_err();
        assert_eq!(
            error.to_string(),
            "needs about 8.0 GB of memory (8 runs × 1 GB activations, 1 MB data, 30 bytes history \
             over 2 runs), more than the 2 GB optlab allows; use less"
        );
        let mut small = MemoryEstimate::default();
        small.add_each("runs", "activations", &[MAX_MEMORY_BYTES / 2, MAX_MEMORY_BYTES / 2]);
        assert_eq!(small.check("use less"), Ok(()));
        assert_eq!(small.parts()[0].what, "2 runs × 1 GB activations");
    }

    #[test]
    fn sizes_from_huge_counts_saturate_instead_of_wrapping() {
        let mut estimate = MemoryEstimate::default();
        estimate.add(u64::MAX, "cells", "results", 1000);
        estimate.add(2, "cells", "configs", 1);
        assert_eq!(estimate.total(), u64::MAX);
        assert!(estimate.check("fewer").is_err());
    }
}
