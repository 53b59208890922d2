//! What the worker has computed for the race on screen, one slot per run.
//!
//! Each frame the app hands [`RaceResults::sync`] the configs the notebook asks for; a run whose
//! config changed is resubmitted (and only that run), everything else keeps its results. Worker
//! events are applied with [`RaceResults::apply`], which drops batches of stale generations.

use optlab_core::entries::race::Race;
use optlab_core::run::{Outcome, RunConfig, RunSummary, StepRecord};
use optlab_core::runner::races::{InternalsSample, Job, JobKey, RunBatch, Worker, WorkerEvent};
use optlab_core::surface::{MinimumKind, Point};

/// The computed results of one run.
#[derive(Clone, Debug, Default)]
pub struct RunResult {
    /// The config these results belong to (`None` for a disabled run).
    pub config: Option<RunConfig>,
    /// Generation of the job computing them.
    pub generation: u64,
    /// Records received so far, in step order (every `stride`-th step, plus the last one).
    pub records: Vec<StepRecord>,
    /// Optimizer internals at the same steps.
    pub internals: Vec<InternalsSample>,
    /// Steps between records.
    pub stride: u64,
    /// Set when the job finished (or diverged).
    pub summary: Option<RunSummary>,
    /// Set when the job panicked.
    pub failure: Option<String>,
}

impl RunResult {
    /// Whether the worker is still computing this run.
    #[must_use]
    pub fn pending(&self) -> bool {
        self.config.is_some() && self.summary.is_none() && self.failure.is_none()
    }

    /// The step at which the run diverged, if it did.
    #[must_use]
    pub fn diverged_at(&self) -> Option<u64> {
        match self.summary?.outcome {
            Outcome::Diverged { step } => Some(step),
            _ => None,
        }
    }

    /// Records up to and including `step` (binary search; records are in step order).
    #[must_use]
    pub fn records_until(&self, step: u64) -> &[StepRecord] {
        let end = self.records.partition_point(|r| r.step <= step);
        &self.records[..end]
    }

    /// The last record at or before `step`.
    #[must_use]
    pub fn record_at(&self, step: u64) -> Option<&StepRecord> {
        self.records_until(step).last()
    }

    /// Internals up to and including `step`.
    #[must_use]
    pub fn internals_until(&self, step: u64) -> &[InternalsSample] {
        let end = self.internals.partition_point(|s| s.step <= step);
        &self.internals[..end]
    }

    /// Highest step computed so far.
    #[must_use]
    pub fn computed_steps(&self) -> u64 {
        self.records.last().map_or(0, |r| r.step)
    }
}

/// Table figures of one run at the end of its computed trace.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunStats {
    /// Loss after the last computed step.
    pub final_loss: f64,
    /// Lowest loss seen.
    pub best_loss: f64,
    /// First step whose loss was within the race tolerance of the global minimum.
    pub steps_to_tolerance: Option<u64>,
    /// Distance from the last position to the nearest known minimum.
    pub distance_to_minimum: Option<f64>,
    /// Step at which the run diverged.
    pub diverged_at: Option<u64>,
}

/// Results for every run of the race on screen.
#[derive(Debug, Default)]
pub struct RaceResults {
    /// One slot per run of the race, in the race's order.
    pub runs: Vec<RunResult>,
    /// Key offset, so a new race never accepts events meant for a previous one.
    key_base: JobKey,
}

/// Keys of one race are `key_base + run index`; races are spaced this far apart.
const KEYS_PER_RACE: JobKey = 1 << 20;

impl RaceResults {
    /// Forgets everything (another entry was selected); running jobs are cancelled.
    pub fn clear(&mut self, worker: &mut Worker) {
        for index in 0..self.runs.len() {
            worker.cancel(self.key_base + index as JobKey);
        }
        self.runs.clear();
        self.key_base += KEYS_PER_RACE;
    }

    /// Brings the results in line with `race`: submits exactly the runs whose config changed.
    /// Returns how many runs were resubmitted.
    pub fn sync(&mut self, race: &Race, worker: &mut Worker) -> usize {
        let wanted: Vec<Option<RunConfig>> = (0..race.runs.len())
            .map(|i| race.runs[i].enabled.then(|| race.run_config(i)).flatten())
            .collect();
        for index in wanted.len()..self.runs.len() {
            worker.cancel(self.key_base + index as JobKey);
        }
        self.runs.resize_with(wanted.len(), RunResult::default);
        let mut submitted = 0;
        for (index, config) in wanted.into_iter().enumerate() {
            let slot = &mut self.runs[index];
            if slot.config == config {
                continue;
            }
            let key = self.key_base + index as JobKey;
            *slot = RunResult { config: config.clone(), stride: 1, ..RunResult::default() };
            match config {
                Some(config) => {
                    slot.generation = worker.submit(key, Job::Run(config));
                    submitted += 1;
                }
                None => worker.cancel(key),
            }
        }
        submitted
    }

    /// Applies one worker event; returns false when it was stale and dropped.
    pub fn apply(&mut self, event: WorkerEvent) -> bool {
        let (key, generation) = event.origin();
        let Some(index) = key.checked_sub(self.key_base) else { return false };
        let Some(slot) = usize::try_from(index).ok().and_then(|i| self.runs.get_mut(i)) else {
            return false;
        };
        if slot.generation != generation || slot.config.is_none() {
            return false;
        }
        match event {
            WorkerEvent::Batch(batch) => absorb(slot, batch),
            WorkerEvent::Failed { message, .. } => slot.failure = Some(message),
        }
        true
    }

    /// Whether any run is still being computed.
    #[must_use]
    pub fn pending(&self) -> bool {
        self.runs.iter().any(RunResult::pending)
    }

    /// The longest computed trace, in steps.
    #[must_use]
    pub fn computed_steps(&self) -> u64 {
        self.runs.iter().map(RunResult::computed_steps).max().unwrap_or(0)
    }

    /// Table figures for run `index` up to `step`.
    #[must_use]
    pub fn stats(&self, index: usize, race: &Race, step: u64) -> Option<RunStats> {
        let run = self.runs.get(index)?;
        let shown = run.records_until(step);
        let Some(last) = shown.last() else {
            // Finished without a single record: it diverged at its start (a formula undefined
            // there). The table says so rather than "computing…" forever.
            return run.diverged_at().map(|at| RunStats {
                final_loss: f64::NAN,
                best_loss: f64::NAN,
                steps_to_tolerance: None,
                distance_to_minimum: None,
                diverged_at: Some(at),
            });
        };
        let minima = race.surface.minima();
        // Without a known minimum (a typed formula) "reached the minimum" has no meaning.
        let floor = global_minimum(race).unwrap_or(f64::NEG_INFINITY);
        Some(RunStats {
            final_loss: last.loss,
            best_loss: shown.iter().map(|r| r.loss).fold(f64::INFINITY, f64::min),
            steps_to_tolerance: shown
                .iter()
                .find(|r| r.loss - floor <= race.tolerance)
                .map(|r| r.step),
            distance_to_minimum: minima
                .iter()
                .map(|m| distance(m.position, last.position))
                .min_by(f64::total_cmp),
            diverged_at: run.diverged_at().filter(|&d| d <= step + run.stride),
        })
    }
}

/// The global minimum's value, `None` when the surface has none known (a typed formula).
#[must_use]
pub fn global_minimum(race: &Race) -> Option<f64> {
    let value = race
        .surface
        .minima()
        .iter()
        .filter(|m| m.kind == MinimumKind::Global)
        .map(|m| m.value)
        .fold(f64::INFINITY, f64::min);
    value.is_finite().then_some(value)
}

/// At most about `max` evenly spaced items of `items`, always including the last one: what a
/// plot draws of a long series (the data itself is never thinned).
pub fn thin<T>(items: &[T], max: usize) -> impl Iterator<Item = &T> {
    let stride = items.len().div_ceil(max.max(1)).max(1);
    let last = items.len().checked_sub(1);
    items
        .iter()
        .enumerate()
        .filter_map(move |(i, item)| (i % stride == 0 || Some(i) == last).then_some(item))
}

fn absorb(slot: &mut RunResult, batch: RunBatch) {
    slot.stride = batch.stride;
    slot.records.extend(batch.records);
    slot.internals.extend(batch.internals);
    if batch.finished.is_some() {
        slot.summary = batch.finished;
    }
}

fn distance(a: Point, b: Point) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

#[cfg(test)]
mod tests {
    use super::thin;

    #[test]
    fn thinning_keeps_the_ends_and_bounds_the_count() {
        let items: Vec<u32> = (0..100_001).collect();
        let kept: Vec<u32> = thin(&items, 2000).copied().collect();
        assert!(kept.len() <= 2002, "{}", kept.len());
        assert_eq!(kept.first(), Some(&0));
        assert_eq!(kept.last(), Some(&100_000));
        let few: Vec<u32> = thin(&items[..10], 2000).copied().collect();
        assert_eq!(few.len(), 10);
    }
}
