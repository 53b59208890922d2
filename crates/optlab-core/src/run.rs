//! One optimizer run on a 2-D loss surface: the hot loop, gradient noise and divergence.
//!
//! [`execute`] streams one [`StepRecord`] per step to a [`TraceSink`], so the CLI can print every
//! step of a 10⁷-step run while the GUI keeps a bounded, decimated [`Trace`]. The loop is
//! monomorphized per update rule (see [`crate::optim::RuleVisitor`]), so the optimizer's `match`
//! happens once per run, not once per step.

use std::ops::ControlFlow;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::limits::{Limit, LimitError};
use crate::optim::{Internals, OptimizerConfig, RuleVisitor, UpdateRule};
use crate::schedule::{Schedule, Scheduler};
use crate::surface::{Point, Surface};

/// A run stops as diverged once a coordinate leaves `[-DIVERGENCE_BOUND, DIVERGENCE_BOUND]`.
///
/// The bound is huge on purpose: it catches runs whose values are about to stop being numbers
/// (any coordinate past 1e100 becomes ±inf or NaN within a few more steps on every surface
/// here) but whose loss does not grow, e.g. a run sliding down a surface unbounded below.
/// Stopping at the box keeps the CLI and the plots free of astronomically large rows that carry
/// no information. Runs whose loss explodes stop much earlier, at [`LOSS_GROWTH_BOUND`].
pub const DIVERGENCE_BOUND: f64 = 1e100;

/// A run stops as diverged once its loss exceeds `LOSS_GROWTH_BOUND · max(1, f(start))`
/// (see [`divergence_loss`]): a loss 10¹² times its start is what a student calls diverged,
/// even while every value is still a finite number.
pub const LOSS_GROWTH_BOUND: f64 = 1e12;

/// The loss above which a run that started at loss `start_loss` has diverged:
/// `LOSS_GROWTH_BOUND · max(1, start_loss)`.
///
/// The `max(1, …)` keeps the bound at 10¹² for starts whose loss is below 1, zero or negative
/// (a surface may take negative values; the bound is then 10¹², not a negative number that
/// every step would exceed). A start whose loss is NaN gets 10¹² too, but such a run has
/// already diverged at step 0. A start loss above about 1.8e296 gives +∞: only the
/// non-finite check applies then.
#[must_use]
#[inline]
pub fn divergence_loss(start_loss: f64) -> f64 {
    LOSS_GROWTH_BOUND * start_loss.max(1.0)
}

/// Most updates of one run: 10⁹.
///
/// Chosen so that a run ends within a day: 10⁹ steps in 86 400 s leave 86 µs per step. The
/// built-in surfaces step in tens of nanoseconds and `optlab trace` prints a CSV row in well
/// under a microsecond. A formula surface (`Expression`) costs in proportion to its length, so
/// on a long formula [`steps_within_a_day`] lowers the limit further. Races keep their own,
/// smaller limit (their runs are kept for the plots).
pub const MAX_STEPS: u64 = 1_000_000_000;

/// Updates of one run.
pub const STEPS: Limit = Limit::closed("steps", 1.0, MAX_STEPS as f64);

/// A day of computing, in nanoseconds: no run or grid that loads takes longer.
pub const DAY_NANOS: f64 = 86_400e9;

/// Assumed cost of one step on a formula surface, per character of the formula, in
/// nanoseconds (value and gradient by automatic differentiation, and the update). A 73 KB
/// formula's value alone took about 3.5 ns per character on a busy 2-core machine; the
/// gradient about doubles it, and the rest is margin so that the limit errs towards refusing.
pub const FORMULA_NANOS_PER_CHAR: f64 = 20.0;

/// The `steps` limit for `runs` runs on `surface` (one after another, as a grid's cells are on
/// one core) that end within [`DAY_NANOS`], and at most `cap`. On a built-in surface it is
/// `cap`; on a long formula it is lower, and its name says why.
#[must_use]
pub fn steps_within_a_day(surface: &Surface, runs: u64, cap: u64) -> Limit {
    let Surface::Expression(formula) = surface else {
        return Limit::closed("steps", 1.0, cap as f64);
    };
    let per_step = FORMULA_NANOS_PER_CHAR * formula.text().len().max(1) as f64;
    let affordable = (DAY_NANOS / (per_step * runs.max(1) as f64)).floor().max(1.0);
    if affordable >= cap as f64 {
        return Limit::closed("steps", 1.0, cap as f64);
    }
    let name = if runs > 1 {
        "steps (every cell within a day's computing on this formula)"
    } else {
        "steps (a day's computing on this formula)"
    };
    Limit::closed(name, 1.0, affordable)
}

/// Standard deviation of the Gaussian noise added to each gradient coordinate.
pub const NOISE_SIGMA: Limit = Limit::at_least("noise", 0.0);

/// Seeded Gaussian noise on the gradient ("SGD noise": a mini-batch gradient is the full gradient
/// plus noise). The generator is ChaCha8, so a seed gives the same run on every machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NoiseSeed(pub u64);

/// Everything that determines one run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    /// The loss surface.
    pub surface: Surface,
    /// Start point (x, y).
    pub start: Point,
    /// Optimizer and its hyperparameters (its `lr` is the schedule's base lr).
    pub optimizer: OptimizerConfig,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Number of updates.
    pub steps: u64,
    /// Gradient-noise standard deviation (0 = exact gradients).
    pub noise_sigma: f64,
    /// Seed of the noise generator.
    pub seed: u64,
}

impl RunConfig {
    /// Checks every number of the run against its allowed range.
    ///
    /// # Errors
    /// The first field out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
        self.surface.validate()?;
        self.optimizer.validate()?;
        self.schedule.validate()?;
        self.schedule.check_run(&self.optimizer, self.steps)?;
        Limit::finite("start x").check(self.start[0])?;
        Limit::finite("start y").check(self.start[1])?;
        steps_within_a_day(&self.surface, 1, MAX_STEPS).check(self.steps as f64)?;
        NOISE_SIGMA.check(self.noise_sigma).map(drop)
    }
}

/// The state after `step` updates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepRecord {
    /// Number of updates applied so far (0 = the start point).
    pub step: u64,
    /// Parameters after `step` updates.
    pub position: Point,
    /// Loss at `position` (the exact loss, without noise).
    pub loss: f64,
    /// Learning rate that update `step + 1` uses (the schedule at t = `step`).
    pub lr: f64,
    /// Norm of the exact gradient at `position`.
    pub grad_norm: f64,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// All requested steps were taken.
    Finished,
    /// The state after `step` updates was not finite, left the divergence box
    /// ([`DIVERGENCE_BOUND`]) or had a loss above [`divergence_loss`] of the start's loss; the
    /// last recorded step is `step - 1`.
    Diverged {
        /// First step whose state was no longer a number, left the box or whose loss passed
        /// the bound.
        step: u64,
    },
    /// The sink asked to stop after recording `step`.
    Stopped {
        /// Last recorded step.
        step: u64,
    },
}

/// Where each step of a run goes: a CSV writer, a decimating trace, a counter.
pub trait TraceSink {
    /// Receives the record of one step; `ControlFlow::Break` stops the run (cancellation).
    fn record(&mut self, record: &StepRecord) -> ControlFlow<()>;

    /// Whether the records need their gradient norm. Sinks that ignore it (the CLI's CSV,
    /// [`Discard`]) return `false`, which saves a square root per step; their records then
    /// carry NaN there. [`RunSummary`]'s records always carry it.
    #[inline]
    fn wants_grad_norm(&self) -> bool {
        true
    }

    /// Whether [`TraceSink::record_internals`] should be called after each record. It costs a
    /// little per step, so sinks that do not draw internals keep the default `false`, which
    /// the compiler folds away.
    #[inline]
    fn wants_internals(&self) -> bool {
        false
    }

    /// Receives the optimizer's state after `step` updates, with the effective per-coordinate
    /// step size for the lr of the next update (see [`UpdateRule::internals`]).
    #[inline]
    fn record_internals(&mut self, _step: u64, _internals: &Internals<'_>, _effective: &[f64]) {}

    /// Receives, right after [`TraceSink::record_internals`], the point where the model is
    /// evaluated after `step` updates when it is not the position (Schedule-Free's average x;
    /// see [`UpdateRule::evaluation_point`]). Called only for sinks that want internals and
    /// rules that have such a point.
    #[inline]
    fn record_evaluation(&mut self, _step: u64, _point: Point) {}
}

/// What [`execute`] reports besides the streamed records.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunSummary {
    /// How the run ended.
    pub outcome: Outcome,
    /// The last recorded (finite) step; `None` only when the start itself was not finite.
    pub last: Option<StepRecord>,
    /// The record with the lowest loss.
    pub best: Option<StepRecord>,
}

/// Runs `config`, streaming every step to `sink`. Never panics on valid configs; a config that
/// fails [`RunConfig::validate`] still runs but may diverge at once.
pub fn execute<S: TraceSink>(config: &RunConfig, sink: &mut S) -> RunSummary {
    let mut optimizer = config.optimizer.build_shaped(&[crate::optim::SURFACE]);
    optimizer.visit(Loop { config, sink })
}

/// The monomorphized hot loop: one instance per update rule and sink type.
struct Loop<'a, S> {
    config: &'a RunConfig,
    sink: &'a mut S,
}

impl<S: TraceSink> RuleVisitor for Loop<'_, S> {
    type Output = RunSummary;

    fn visit<R: UpdateRule>(self, rule: &mut R) -> RunSummary {
        let Loop { config, sink } = self;
        let mut noise = GradientNoise::new(config.noise_sigma, config.seed);
        let mut summary = RunSummary { outcome: Outcome::Finished, last: None, best: None };
        let mut position = config.start;
        let mut rates = Rates::new(config);
        let mut loss_bound = f64::INFINITY;
        for step in 0..=config.steps {
            let (mut record, gradient) =
                measure(&config.surface, position, step, rates.base_lr, sink.wants_grad_norm());
            record.lr = rates.lr_after(step, record.loss);
            if step == 0 {
                loss_bound = divergence_loss(record.loss);
            }
            if !is_sane(&record, gradient, loss_bound) {
                summary.outcome = Outcome::Diverged { step };
                break;
            }
            summary.note(record);
            if sink.record(&record).is_break() {
                summary.outcome = Outcome::Stopped { step };
                break;
            }
            if sink.wants_internals() {
                let mut effective = [0.0; 2];
                let internals = rule.internals(record.lr, &mut effective);
                sink.record_internals(step, &internals, &effective);
                let mut point = [0.0; 2];
                if rule.evaluation_point(&position, &mut point) {
                    sink.record_evaluation(step, point);
                }
            }
            if step == config.steps {
                break;
            }
            if R::NEEDS_OBJECTIVE {
                step_with_surface(rule, &config.surface, &mut noise, &mut position, record.lr);
                continue;
            }
            let mut update_gradient = if rule.needs_lookahead() {
                let mut point = [0.0; 2];
                rule.gradient_point(&position, &mut point);
                config.surface.gradient(point)
            } else {
                gradient
            };
            if noise.is_active() {
                noise.perturb(&mut update_gradient);
            }
            rates.set_momentum(rule);
            rule.step_2d(&mut position, update_gradient, record.lr);
        }
        summary.fill_grad_norms(&config.surface);
        summary
    }
}

/// The learning rate (and driven momentum) of each update: the schedule's [`Scheduler`],
/// stepped after each update with the loss at the new position (read by `ReduceOnPlateau`).
struct Rates {
    base_lr: f64,
    /// `None` for the common constant-lr run, which keeps the scheduler out of its loop.
    scheduler: Option<Scheduler>,
}

impl Rates {
    fn new(config: &RunConfig) -> Self {
        let base_lr = config.optimizer.lr();
        let scheduler = (!matches!(config.schedule, Schedule::Constant))
            .then(|| Scheduler::new(&config.schedule, base_lr, config.optimizer.momentum()));
        Self { base_lr, scheduler }
    }

    /// The lr of update `step + 1`, given the loss after `step` updates.
    #[inline]
    fn lr_after(&mut self, step: u64, loss: f64) -> f64 {
        let Some(scheduler) = &mut self.scheduler else { return self.base_lr };
        if step > 0 {
            scheduler.step(Some(loss));
        }
        scheduler.lr()
    }

    /// Writes the schedule's momentum into the rule before its update, when it drives one.
    #[inline]
    fn set_momentum<R: UpdateRule>(&self, rule: &mut R) {
        if let Some(momentum) = self.scheduler.as_ref().and_then(Scheduler::momentum) {
            rule.set_momentum(momentum);
        }
    }
}

/// One step of a rule that evaluates the loss itself (L-BFGS: PyTorch's `step(closure)`): the
/// closure evaluates the surface's loss and gradient at any point, each gradient with its own
/// noise draw (a fresh mini-batch per evaluation). Only rules with
/// [`UpdateRule::NEEDS_OBJECTIVE`] come here, so the other rules' loop never sees it.
#[inline(never)]
fn step_with_surface<R: UpdateRule>(
    rule: &mut R,
    surface: &Surface,
    noise: &mut GradientNoise,
    position: &mut Point,
    lr: f64,
) {
    let mut objective = |point: &[f64], gradient: &mut [f64]| {
        let (loss, mut exact) = surface.value_and_gradient([point[0], point[1]]);
        if noise.is_active() {
            noise.perturb(&mut exact);
        }
        gradient.copy_from_slice(&exact);
        loss
    };
    rule.step_with_objective(position, lr, &mut objective);
}

impl RunSummary {
    /// Sets the gradient norm of the kept records (the loop may have skipped it).
    fn fill_grad_norms(&mut self, surface: &Surface) {
        for record in [&mut self.last, &mut self.best].into_iter().flatten() {
            record.grad_norm = norm(surface.gradient(record.position));
        }
    }

    #[inline]
    fn note(&mut self, record: StepRecord) {
        self.last = Some(record);
        if self.best.is_none_or(|best| record.loss < best.loss) {
            self.best = Some(record);
        }
    }
}

/// Loss, learning rate and gradient at `position`, packed as a record plus the gradient; the
/// record's gradient norm is NaN unless `with_norm`.
#[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
#[inline(always)]
fn measure(
    surface: &Surface,
    position: Point,
    step: u64,
    lr: f64,
    with_norm: bool,
) -> (StepRecord, Point) {
    let (loss, gradient) = surface.value_and_gradient(position);
    let grad_norm = if with_norm { norm(gradient) } else { f64::NAN };
    (StepRecord { step, position, loss, lr, grad_norm }, gradient)
}

/// The Euclidean norm. `hypot` guards against overflow but costs about as much as a whole
/// optimizer step, so it is kept for the rare case where the plain sum of squares overflows or
/// underflows.
#[inline]
fn norm(v: Point) -> f64 {
    let squares = v[0] * v[0] + v[1] * v[1];
    if squares.is_normal() { squares.sqrt() } else { v[0].hypot(v[1]) }
}

/// Finite values inside the divergence box, with a loss at most `loss_bound`.
#[inline]
fn is_sane(record: &StepRecord, gradient: Point, loss_bound: f64) -> bool {
    record.loss.is_finite()
        && record.loss <= loss_bound
        && gradient.iter().all(|g| g.is_finite())
        && record.position.iter().all(|c| c.abs() <= DIVERGENCE_BOUND)
}

/// Seeded Gaussian gradient noise; draws nothing when sigma is 0, so noiseless runs stay fast.
struct GradientNoise {
    sigma: f64,
    rng: ChaCha8Rng,
}

impl GradientNoise {
    fn new(sigma: f64, seed: u64) -> Self {
        Self { sigma, rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    #[inline]
    fn is_active(&self) -> bool {
        self.sigma > 0.0
    }

    /// Adds N(0, σ²) to each coordinate; call only when [`Self::is_active`], so noiseless runs
    /// draw nothing and keep the same stream position rules.
    fn perturb(&mut self, gradient: &mut Point) {
        for g in gradient.iter_mut() {
            let z: f64 = StandardNormal.sample(&mut self.rng);
            *g += self.sigma * z;
        }
    }
}

/// A bounded trace for plotting: keeps at most `capacity` evenly spaced records (every
/// `stride`-th step, the stride doubling whenever the buffer fills) plus the last record, so a
/// 10⁷-step run costs the same memory as a 10⁴-step one. Exact per-step values are never lost
/// for the CLI, which streams instead.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    records: Vec<StepRecord>,
    last: Option<StepRecord>,
    stride: u64,
    capacity: usize,
}

impl Trace {
    /// A trace that keeps at most `capacity` (≥ 2) records.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(2);
        Self { records: Vec::with_capacity(capacity), last: None, stride: 1, capacity }
    }

    /// Kept records in step order, ending with the last recorded step.
    #[must_use]
    pub fn records(&self) -> Vec<StepRecord> {
        let mut all = self.records.clone();
        if let Some(last) = self.last
            && all.last().is_none_or(|r| r.step != last.step)
        {
            all.push(last);
        }
        all
    }

    /// Kept records without the trailing last step (borrowed; no copy).
    #[must_use]
    pub fn sampled(&self) -> &[StepRecord] {
        &self.records
    }

    /// The most recent record.
    #[must_use]
    pub fn last(&self) -> Option<&StepRecord> {
        self.last.as_ref()
    }

    /// Distance in steps between kept records.
    #[must_use]
    pub fn stride(&self) -> u64 {
        self.stride
    }

    fn halve(&mut self) {
        let mut keep = 0;
        for i in (0..self.records.len()).step_by(2) {
            self.records[keep] = self.records[i];
            keep += 1;
        }
        self.records.truncate(keep);
        self.stride *= 2;
    }
}

impl TraceSink for Trace {
    #[inline]
    fn record(&mut self, record: &StepRecord) -> ControlFlow<()> {
        if record.step.is_multiple_of(self.stride) {
            if self.records.len() == self.capacity {
                self.halve();
            }
            if record.step.is_multiple_of(self.stride) {
                self.records.push(*record);
            }
        }
        self.last = Some(*record);
        ControlFlow::Continue(())
    }
}

/// A sink that keeps nothing (benchmarks, summaries).
#[derive(Clone, Copy, Debug, Default)]
pub struct Discard;

impl TraceSink for Discard {
    #[inline]
    fn record(&mut self, _record: &StepRecord) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }

    #[inline]
    fn wants_grad_norm(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(step: u64) -> StepRecord {
        StepRecord { step, position: [0.0; 2], loss: 0.0, lr: 0.0, grad_norm: 0.0 }
    }

    #[test]
    fn trace_memory_stays_bounded_and_evenly_spaced() {
        let mut trace = Trace::with_capacity(64);
        for step in 0..100_000 {
            let _ = trace.record(&record(step));
        }
        let kept = trace.records();
        assert!(kept.len() <= 65, "kept {}", kept.len());
        assert_eq!(kept[0].step, 0);
        assert_eq!(kept.last().map(|r| r.step), Some(99_999));
        let stride = trace.stride();
        assert!(trace.sampled().windows(2).all(|w| w[1].step - w[0].step == stride));
    }
}
