//! The lane kernel: [`LANES`] runs of one first-order family stepped together — the SGD family,
//! Adam/AdamW, Adagrad, RMSprop, Lion, Adamax, Adadelta, Rprop, `NAdam`, `RAdam`, ASGD,
//! `NesterovLookahead`, `ScheduleFreeAdamW`, `ScheduleFreeSgd`, Muon or Adafactor.
//!
//! Each lane's state (position, momentum buffer, best loss, …) is an element of a fixed-size
//! array, and each step is a loop over the lanes without branches (every `if` is a select), so
//! the compiler turns it into SIMD instructions. While no lane has diverged, a step takes a
//! path compiled with every lane alive, which drops the selects on `alive`; a chunk of the SGD
//! family without weight decay, dampening or a momentum schedule takes b ← μb + g. The
//! arithmetic is exactly that of [`crate::optim::UpdateRule::step_2d`] for `Sgd`, `Momentum`
//! and `Nesterov` and of the run loop's divergence checks, so a lane ends bit for bit where
//! [`crate::run::execute`] ends.
//!
//! Why a step makes one pass over all lanes per phase, not one pass that measures, notes and
//! updates each lane before the next (tried for the SGD family; `cargo bench --bench sweep`, one
//! thread of an AVX2 Zen 3, alternated): the compiler then left the fused loop scalar, or
//! vectorized it itself and turned each `pick(c, new, old)` stored back where `old` came from
//! into a masked store (`vmaskmovpd`), slow on AMD cores: medians 45–72 ms against 19–26 ms. With
//! those selects gone (each lane's next measure taken ahead, the best losses written to a second
//! array) it was still slower: 33 ms against 27–29.
//!
//! A chunk of the SGD family's simple update without schedule, noise or settle levels, on a
//! surface whose formula is arithmetic, goes to the explicit-SIMD vector kernel instead
//! ([`super::lanes_vector`]): groups of 16 lanes as four vectors, its divergence handled inside.
//! The first version of that kernel handed a group over to this one at its first divergence
//! and was no faster on two threads (14.7–14.9 ms against 14.4–14.6): in a sweep across the
//! edge of stability a group that diverges then ran the rest of its steps here, at 16 lanes'
//! cost for 8 live ones. The divergence checks cost about a tenth of a step here: a probe that
//! kept only `loss <= bound` took 21.4–25.1 ms against 25.4–28.0 (one thread).
//!
//! Measured and not kept, each bit-identical in the property test and 5.5% fewer instructions
//! per step together (callgrind), but no faster: a third update loop without the plain-SGD
//! select for chunks with no μ = 0 lane, and `reached` kept as a count of steps with the best
//! loss above the level (one compare and one add instead of compare, select and minimum).
//! Means of six alternated runs of `sweep_100x100_momentum_rosenbrock` on one thread: 19.05 ms
//! against 19.26 ms. Not written to memory each step (a probe), `last_loss` and `end` saved
//! nothing either. (The two vCPUs are separate cores: a loop of independent multiplies runs at
//! full rate on both at once.)

#![expect(
    clippy::needless_bitwise_bool,
    reason = "branch-free lane code: `&` on bools keeps every lane's select free of jumps"
)]

use super::cell::{Cell, Levels, MAX_LEVELS};
use crate::optim::OptimizerConfig;
use crate::run::{DIVERGENCE_BOUND, RunConfig, divergence_loss};
use crate::surface::{Point, SurfaceVisitor};

use super::lane_drivers::Drivers;
pub use super::lane_ops::LANES;
use super::lane_ops::{LaneRule, NEVER, decayed, each, pick};
use super::lanes_adam::AdamLanes;
use super::lanes_adaptive::{AdagradLanes, RmsPropLanes};
use super::lanes_averaged::{AsgdLanes, ScheduleFreeLanes};
use super::lanes_lookahead::LookaheadLanes;
use super::lanes_matrix::{AdafactorLanes, MuonLanes};
use super::lanes_more::{AdadeltaLanes, AdamaxLanes, LionLanes, RpropLanes};
use super::lanes_nadam::NAdamLanes;
use super::lanes_radam::RAdamLanes;
use super::lanes_vector::{self, Chunk};

/// The lane kernels: the SGD family (torch-form Nesterov or not), Adam/AdamW, Adagrad,
/// RMSprop, Lion, Adamax, Adadelta, Rprop, `NAdam`, `RAdam`, ASGD, `NesterovLookahead`,
/// Schedule-Free (AdamW or SGD, one kind per chunk), Muon and Adafactor (the surfaces' 1×2
/// matrix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Sgd { nesterov: bool },
    Adam,
    Adagrad,
    RmsProp,
    Lion,
    Adamax,
    Adadelta,
    Rprop,
    NAdam,
    RAdam,
    Asgd,
    NesterovLookahead,
    ScheduleFree { adaptive: bool },
    Muon,
    Adafactor,
}

impl Family {
    /// Whether the family's lanes take a schedule that cycles the momentum
    /// ([`LaneRule::momentum`]): the SGD family (Momentum and Nesterov), Adam/AdamW, Adamax,
    /// `NAdam`, `RAdam` and `NesterovLookahead`.
    fn cycles_momentum_in_lanes(self) -> bool {
        matches!(
            self,
            Self::Sgd { .. }
                | Self::Adam
                | Self::Adamax
                | Self::NAdam
                | Self::RAdam
                | Self::NesterovLookahead
        )
    }
}

fn family(config: &RunConfig) -> Option<Family> {
    match config.optimizer {
        OptimizerConfig::Sgd { .. } | OptimizerConfig::Momentum { .. } => {
            Some(Family::Sgd { nesterov: false })
        }
        OptimizerConfig::Nesterov { .. } => Some(Family::Sgd { nesterov: true }),
        OptimizerConfig::Adam { .. } | OptimizerConfig::AdamW { .. } => Some(Family::Adam),
        OptimizerConfig::Adagrad { .. } => Some(Family::Adagrad),
        OptimizerConfig::RmsProp { .. } => Some(Family::RmsProp),
        OptimizerConfig::Lion { .. } => Some(Family::Lion),
        OptimizerConfig::Adamax { .. } => Some(Family::Adamax),
        OptimizerConfig::Adadelta { .. } => Some(Family::Adadelta),
        OptimizerConfig::Rprop { .. } => Some(Family::Rprop),
        OptimizerConfig::NAdam { .. } => Some(Family::NAdam),
        OptimizerConfig::RAdam { .. } => Some(Family::RAdam),
        OptimizerConfig::Asgd { .. } => Some(Family::Asgd),
        OptimizerConfig::NesterovLookahead { .. } => Some(Family::NesterovLookahead),
        OptimizerConfig::ScheduleFreeAdamW { .. } => Some(Family::ScheduleFree { adaptive: true }),
        OptimizerConfig::ScheduleFreeSgd { .. } => Some(Family::ScheduleFree { adaptive: false }),
        OptimizerConfig::Muon { .. } => Some(Family::Muon),
        OptimizerConfig::Adafactor { .. } => Some(Family::Adafactor),
        _ => None,
    }
}

/// Whether the lane kernel computes every one of `configs` exactly: one lane family for all
/// (the SGD family with torch-form Nesterov for all or none, Adam/AdamW, Adagrad, RMSprop,
/// Lion, Adamax, Adadelta, Rprop, `NAdam`, `RAdam`, ASGD, `NesterovLookahead`,
/// `ScheduleFreeAdamW`, `ScheduleFreeSgd`, Muon or Adafactor), each with any schedule (one that cycles the
/// momentum only where [`applies`] says so), with or without gradient noise.
#[must_use]
pub fn applies_to_all(configs: &[RunConfig]) -> bool {
    let first = configs.first().and_then(family);
    first.is_some() && configs.iter().all(|c| applies(c) && family(c) == first)
}

/// Whether a lane kernel computes `config` exactly: the SGD family, Adam/AdamW, Adagrad,
/// RMSprop, Lion, Adamax, Adadelta, Rprop, `NAdam`, `RAdam`, ASGD, `NesterovLookahead`,
/// `ScheduleFreeAdamW`, `ScheduleFreeSgd`, Muon or Adafactor, with any schedule (each lane keeps its own
/// scheduler and noise generator, see [`Drivers`]); a schedule that cycles the momentum only for
/// an optimizer whose lanes take it (`Family::cycles_momentum_in_lanes`).
#[must_use]
pub fn applies(config: &RunConfig) -> bool {
    family(config).is_some_and(|family| {
        !config.schedule.cycles_momentum()
            || (family.cycles_momentum_in_lanes() && config.optimizer.momentum().is_some())
    })
}

/// Per-lane hyperparameters of the SGD family (plain SGD is μ = 0).
#[derive(Clone, Copy)]
struct Hyper {
    lr: [f64; LANES],
    mu: [f64; LANES],
    undamped: [f64; LANES],
    wd: [f64; LANES],
    /// No lane has weight decay or dampening, and no schedule moves μ: the update is then
    /// b ← μb + g, with no select for plain SGD (see [`Coordinate::update_simple`]).
    simple: bool,
}

impl Hyper {
    fn of(chunk: &[RunConfig]) -> Self {
        let mut hyper = Self {
            lr: [0.0; LANES],
            mu: [0.0; LANES],
            undamped: [1.0; LANES],
            wd: [0.0; LANES],
            simple: !chunk.iter().any(|c| c.schedule.cycles_momentum()),
        };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            let (lr, mu, dampening, wd) = match config.optimizer {
                OptimizerConfig::Sgd { lr, weight_decay } => (lr, 0.0, 0.0, weight_decay),
                OptimizerConfig::Momentum { lr, momentum, dampening, weight_decay } => {
                    (lr, momentum, dampening, weight_decay)
                }
                OptimizerConfig::Nesterov { lr, momentum, weight_decay } => {
                    (lr, momentum, 0.0, weight_decay)
                }
                _ => (0.0, 0.0, 0.0, 0.0),
            };
            hyper.lr[lane] = lr;
            hyper.mu[lane] = mu;
            hyper.undamped[lane] = 1.0 - dampening;
            hyper.wd[lane] = wd;
            hyper.simple &= wd == 0.0 && dampening == 0.0;
        }
        hyper
    }
}

/// Computes up to [`LANES`] configs (same surface and steps; [`applies_to_all`] must hold).
#[must_use]
pub fn run_chunk(chunk: &[RunConfig], levels: &Levels) -> Vec<Cell> {
    let Some(first) = chunk.first() else { return Vec::new() };
    let mut start = [[0.0; LANES]; 2];
    for (lane, config) in chunk.iter().enumerate().take(LANES) {
        start[0][lane] = config.start[0];
        start[1][lane] = config.start[1];
    }
    let job = Job { start, steps: first.steps, levels: *levels };
    let drivers = Drivers::of(chunk);
    let vector = |nesterov: bool| {
        let hyper = Hyper::of(chunk);
        if !(hyper.simple && takes_vector_kernel(&job, &drivers)) {
            return None;
        }
        let Hyper { lr, mu, .. } = hyper;
        let vector_chunk = Chunk { start, steps: job.steps, reached: levels.reached, lr, mu };
        if nesterov {
            lanes_vector::run_sgd::<true>(&first.surface, &vector_chunk)
        } else {
            lanes_vector::run_sgd::<false>(&first.surface, &vector_chunk)
        }
    };
    let lanes = match family(first) {
        Some(Family::Sgd { nesterov }) if let Some(cells) = vector(nesterov) => cells,
        Some(Family::Sgd { nesterov: true }) => {
            visit(first, job, SgdLanes::<true>::of(Hyper::of(chunk)), drivers)
        }
        Some(Family::Adam) => visit(first, job, AdamLanes::of(chunk), drivers),
        Some(Family::Adagrad) => visit(first, job, AdagradLanes::of(chunk), drivers),
        Some(Family::RmsProp) => visit(first, job, RmsPropLanes::of(chunk), drivers),
        Some(Family::Lion) => visit(first, job, LionLanes::of(chunk), drivers),
        Some(Family::Adamax) => visit(first, job, AdamaxLanes::of(chunk), drivers),
        Some(Family::Adadelta) => visit(first, job, AdadeltaLanes::of(chunk), drivers),
        Some(Family::Rprop) => visit(first, job, RpropLanes::of(chunk), drivers),
        Some(Family::NAdam) => visit(first, job, NAdamLanes::of(chunk), drivers),
        Some(Family::RAdam) => visit(first, job, RAdamLanes::of(chunk), drivers),
        Some(Family::Asgd) => visit(first, job, AsgdLanes::of(chunk), drivers),
        Some(Family::NesterovLookahead) => visit(first, job, LookaheadLanes::of(chunk), drivers),
        Some(Family::ScheduleFree { adaptive: true }) => {
            visit(first, job, ScheduleFreeLanes::<true>::of(chunk), drivers)
        }
        Some(Family::ScheduleFree { adaptive: false }) => {
            visit(first, job, ScheduleFreeLanes::<false>::of(chunk), drivers)
        }
        Some(Family::Muon) => visit(first, job, MuonLanes::of(chunk), drivers),
        Some(Family::Adafactor) => visit(first, job, AdafactorLanes::of(chunk), drivers),
        _ => visit(first, job, SgdLanes::<false>::of(Hyper::of(chunk)), drivers),
    };
    lanes.into_iter().take(chunk.len()).collect()
}

/// Whether a chunk of the SGD family's simple update takes the vector kernel
/// ([`lanes_vector`]) when its surface is arithmetic: no schedule, no noise and no settle
/// levels (a sweep's chunk; a basin map watches its minima).
fn takes_vector_kernel(job: &Job, drivers: &Drivers) -> bool {
    !drivers.is_scheduled()
        && !drivers.is_noisy()
        && job.levels.settle.iter().all(|l| *l == f64::NEG_INFINITY)
}

/// Whether [`run_chunk`] computes `chunk` with the vector kernel ([`lanes_vector`]): the SGD
/// family's simple update (no weight decay, dampening or momentum schedule) without schedule or
/// noise, on a surface whose formula is arithmetic, without settle levels.
#[must_use]
pub fn takes_the_vector_kernel(chunk: &[RunConfig], levels: &Levels) -> bool {
    let Some(first) = chunk.first() else { return false };
    let job = Job { start: [[0.0; LANES]; 2], steps: first.steps, levels: *levels };
    applies_to_all(chunk)
        && matches!(family(first), Some(Family::Sgd { .. }))
        && Hyper::of(chunk).simple
        && takes_vector_kernel(&job, &Drivers::of(chunk))
        && first.surface.visit_arithmetic(IsArithmetic).is_ok()
}

/// Visits nothing: [`Surface::visit_arithmetic`] tells whether the surface is arithmetic.
struct IsArithmetic;

impl crate::surface::ArithmeticVisitor for IsArithmetic {
    type Output = ();

    fn visit<A: crate::surface::Arithmetic>(self, _surface: A) {}
}

/// Runs `rule`'s lanes on the chunk's surface, tracking settle levels only when asked.
#[expect(
    clippy::large_types_passed_by_value,
    reason = "the job is moved into the kernel, which owns it for the whole run"
)]
fn visit<R: LaneRule>(first: &RunConfig, job: Job, rule: R, drivers: Drivers) -> [Cell; LANES] {
    if job.levels.settle.iter().all(|l| *l == f64::NEG_INFINITY) {
        first.surface.visit(Kernel::<R, 0> { job, rule, drivers })
    } else {
        first.surface.visit(Kernel::<R, MAX_LEVELS> { job, rule, drivers })
    }
}

#[derive(Clone, Copy)]
struct Job {
    start: [[f64; LANES]; 2],
    steps: u64,
    levels: Levels,
}

/// The kernel of lane rule `R`, tracking the first `K` settle levels (0 for sweeps).
struct Kernel<R, const K: usize> {
    job: Job,
    rule: R,
    drivers: Drivers,
}

impl<R: LaneRule, const K: usize> SurfaceVisitor for Kernel<R, K> {
    type Output = [Cell; LANES];

    fn visit<F: Fn(Point) -> (f64, Point) + Copy>(self, value_and_gradient: F) -> [Cell; LANES] {
        let Self { job, rule, mut drivers } = self;
        run_lanes::<F, R, K>(value_and_gradient, &job, rule, &mut drivers)
    }
}

/// The SGD family's lanes: hyperparameters and momentum buffers.
#[derive(Clone, Copy)]
struct SgdLanes<const NESTEROV: bool> {
    hyper: Hyper,
    bx: [f64; LANES],
    by: [f64; LANES],
    /// 1.0 once the lane has a momentum buffer (`MomentumRule::has_buffer`: from its first
    /// update with μ ≠ 0 on, which a cycling schedule may make a later one than the first);
    /// not kept when [`Hyper::simple`].
    has_buffer: [f64; LANES],
}

impl<const NESTEROV: bool> SgdLanes<NESTEROV> {
    #[expect(
        clippy::large_types_passed_by_value,
        reason = "the hyperparameters are moved into the lanes, which own them"
    )]
    fn of(hyper: Hyper) -> Self {
        Self { hyper, bx: [0.0; LANES], by: [0.0; LANES], has_buffer: [0.0; LANES] }
    }
}

impl<const NESTEROV: bool> LaneRule for SgdLanes<NESTEROV> {
    fn lr(&mut self) -> &mut [f64; LANES] {
        &mut self.hyper.lr
    }

    fn momentum(&mut self) -> Option<&mut [f64; LANES]> {
        Some(&mut self.hyper.mu)
    }

    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn update(
        &mut self,
        alive: &[f64; LANES],
        [x, y]: [&mut [f64; LANES]; 2],
        [gx, gy]: [[f64; LANES]; 2],
        first_update: bool,
    ) {
        let h = &self.hyper;
        if h.simple {
            // μ is fixed, so a lane has a buffer from its first update on iff μ ≠ 0 (and
            // `has_buffer` is not kept).
            // Two loops, so that `first` is one comparison per lane.
            let mut lanes = |first_update: bool| {
                each(|l| {
                    let live = alive[l] != 0.0;
                    let first = first_update || h.mu[l] == 0.0;
                    let update =
                        |p, g, b| Coordinate::update_simple::<NESTEROV>(first, h, l, p, g, b);
                    let (nx, nbx) = update(x[l], gx[l], self.bx[l]);
                    let (ny, nby) = update(y[l], gy[l], self.by[l]);
                    x[l] = pick(live, nx, x[l]);
                    y[l] = pick(live, ny, y[l]);
                    self.bx[l] = pick(live, nbx, self.bx[l]);
                    self.by[l] = pick(live, nby, self.by[l]);
                });
            };
            if first_update {
                lanes(true);
            } else {
                lanes(false);
            }
            return;
        }
        each(|l| {
            let coordinate = Coordinate {
                lr: h.lr[l],
                mu: h.mu[l],
                undamped: h.undamped[l],
                wd: h.wd[l],
                nesterov: NESTEROV,
                first: self.has_buffer[l] == 0.0,
            };
            let live = alive[l] != 0.0;
            self.has_buffer[l] = pick(live & (h.mu[l] != 0.0), 1.0, self.has_buffer[l]);
            let (nx, nbx) = coordinate.update(x[l], gx[l], self.bx[l]);
            let (ny, nby) = coordinate.update(y[l], gy[l], self.by[l]);
            x[l] = pick(live, nx, x[l]);
            y[l] = pick(live, ny, y[l]);
            self.bx[l] = pick(live, nbx, self.bx[l]);
            self.by[l] = pick(live, nby, self.by[l]);
        });
    }
}

/// The state of every lane.
struct State<const K: usize> {
    x: [f64; LANES],
    y: [f64; LANES],
    /// 1 while the lane is finite, 0 from its divergence on.
    alive: [f64; LANES],
    /// The loss above which the lane has diverged ([`divergence_loss`] of its start's loss).
    loss_bound: [f64; LANES],
    last_loss: [f64; LANES],
    end: [[f64; LANES]; 2],
    best: [f64; LANES],
    reached: [f64; LANES],
    diverged: [f64; LANES],
    settled: [[f64; LANES]; K],
    /// Whether no lane has diverged yet.
    all_alive: bool,
}

/// Compiled for AVX-512, AVX2 and the SSE2 baseline, the widest the CPU has chosen at run time:
/// the baseline packs 2 of the 16 lanes per instruction, AVX-512 8 (two independent chains, so
/// one hides the other's latency). The operations and their
/// order are the same in every version (no FMA), so results do not depend on the CPU.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
fn run_lanes<F: Fn(Point) -> (f64, Point) + Copy, R: LaneRule, const K: usize>(
    value_and_gradient: F,
    job: &Job,
    mut rule: R,
    drivers: &mut Drivers,
) -> [Cell; LANES] {
    let mut s = State::<K> {
        x: job.start[0],
        y: job.start[1],
        alive: [1.0; LANES],
        loss_bound: [f64::INFINITY; LANES],
        last_loss: [f64::NAN; LANES],
        end: [[f64::NAN; LANES]; 2],
        best: [f64::INFINITY; LANES],
        reached: [NEVER; LANES],
        diverged: [NEVER; LANES],
        settled: [[NEVER; LANES]; K],
        all_alive: true,
    };
    // Clamped to the largest finite loss, so `loss <= bound` also says the loss is below +∞.
    each(|l| {
        let bound = divergence_loss(value_and_gradient([s.x[l], s.y[l]]).0);
        s.loss_bound[l] = bound.min(f64::MAX);
    });
    for step in 0..=job.steps {
        if step_lanes::<F, R, K>(value_and_gradient, job, (&mut s, &mut rule, drivers), step) {
            break;
        }
    }
    std::array::from_fn(|lane| cell(&s, lane))
}

fn cell<const K: usize>(s: &State<K>, lane: usize) -> Cell {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "whole step counts below 2^53, stored as f64"
    )]
    let some = |step: f64| (step != NEVER).then_some(step as u64);
    let mut settled_at = [None; MAX_LEVELS];
    for (out, level) in settled_at.iter_mut().zip(&s.settled) {
        *out = some(level[lane]);
    }
    Cell {
        final_loss: s.last_loss[lane],
        end: [s.end[0][lane], s.end[1][lane]],
        best_loss: if s.best[lane].is_finite() { s.best[lane] } else { f64::NAN },
        reached_at: some(s.reached[lane]),
        diverged_at: some(s.diverged[lane]),
        settled_at,
        accuracy: None,
    }
}

/// Every lane alive: the `alive` a step passes on while no lane has diverged, so the selects on
/// it fold away in the inlined record and update.
const ALL_ALIVE: [f64; LANES] = [1.0; LANES];

/// Record `step` of every lane (measure, check, note), then update it unless it was the last;
/// true once every lane has diverged. Every `if` is a select on a lane's own values; `alive` is
/// 1.0 or 0.0. While every lane is alive and stays sane (the common case), the step takes a path
/// where `alive` is the constant [`ALL_ALIVE`], so the compiler drops the selects on it.
#[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
#[inline(always)]
fn step_lanes<F: Fn(Point) -> (f64, Point) + Copy, R: LaneRule, const K: usize>(
    value_and_gradient: F,
    job: &Job,
    (s, rule, drivers): (&mut State<K>, &mut R, &mut Drivers),
    step: u64,
) -> bool {
    let (mut loss, mut g, mut sane) = ([0.0; LANES], [[0.0; LANES]; 2], [0.0; LANES]);
    each(|l| {
        let (value, [a, b]) = value_and_gradient([s.x[l], s.y[l]]);
        (loss[l], g[0][l], g[1][l]) = (value, a, b);
        // Finite loss below its bound, finite gradient, and inside the divergence box.
        let is_sane = (value <= s.loss_bound[l])
            & (value >= -f64::MAX)
            & both_finite(a, b)
            & (s.x[l].abs() <= DIVERGENCE_BOUND)
            & (s.y[l].abs() <= DIVERGENCE_BOUND);
        sane[l] = pick(is_sane, 1.0, 0.0);
    });
    let step_f = step as f64;
    // 1.0 has bits in common with 1.0 and none with 0.0: the fold is non-zero iff all are sane.
    let all_sane = sane.iter().fold(u64::MAX, |bits, v| bits & v.to_bits()) != 0;
    if s.all_alive && all_sane {
        note::<K, true>(job, s, &loss, step_f);
        if step < job.steps {
            update(value_and_gradient, (rule, drivers), (s, &ALL_ALIVE), (&mut g, &loss), step);
        }
        return false;
    }
    s.all_alive = false;
    let mut alive = [0.0; LANES];
    each(|l| {
        let was_alive = s.alive[l] != 0.0;
        let is_sane = sane[l] != 0.0;
        s.diverged[l] = pick(was_alive & !is_sane, step_f, s.diverged[l]);
        alive[l] = pick(was_alive & is_sane, 1.0, 0.0);
    });
    s.alive = alive;
    note::<K, false>(job, s, &loss, step_f);
    if alive.iter().all(|&a| a == 0.0) {
        return true;
    }
    if step < job.steps {
        update(value_and_gradient, (rule, drivers), (s, &alive), (&mut g, &loss), step);
    }
    false
}

/// Updates the lanes `alive` with gradients `g` (taken at the look-ahead point instead for a
/// rule that asks), after the schedules and noise have had their turn.
#[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
#[inline(always)]
fn update<F: Fn(Point) -> (f64, Point) + Copy, R: LaneRule, const K: usize>(
    value_and_gradient: F,
    (rule, drivers): (&mut R, &mut Drivers),
    (s, alive): (&mut State<K>, &[f64; LANES]),
    (g, loss): (&mut [[f64; LANES]; 2], &[f64; LANES]),
    step: u64,
) {
    // The look-ahead point is taken before a cycling schedule moves μ, as in the engine.
    if R::LOOKAHEAD {
        let [px, py] = rule.gradient_point([&s.x, &s.y]);
        each(|l| [g[0][l], g[1][l]] = value_and_gradient([px[l], py[l]]).1);
    }
    if drivers.is_scheduled() {
        drivers.lr_after(step, loss, alive, rule.lr());
        if drivers.drives_momentum() {
            drivers.drive_momentum(step, alive, rule);
        }
    }
    // Checked here, inline: an empty call in the hot loop costs its spills.
    if drivers.is_noisy() {
        let [gx, gy] = g;
        drivers.perturb(alive, [gx, gy]);
    }
    rule.update(alive, [&mut s.x, &mut s.y], *g, step == 0);
}

/// Notes the record of `step` in every live lane: last loss and position, best loss, the first
/// step at the `reached` level and the settle levels. `EVERY_LANE_LIVE`: every lane is alive
/// this step, so no select on `alive` is needed.
#[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
#[inline(always)]
fn note<const K: usize, const EVERY_LANE_LIVE: bool>(
    job: &Job,
    s: &mut State<K>,
    loss: &[f64; LANES],
    step: f64,
) {
    each(|l| {
        let live = EVERY_LANE_LIVE || s.alive[l] != 0.0;
        s.last_loss[l] = pick(live, loss[l], s.last_loss[l]);
        s.end[0][l] = pick(live, s.x[l], s.end[0][l]);
        s.end[1][l] = pick(live, s.y[l], s.end[1][l]);
        s.best[l] = pick(live & (loss[l] < s.best[l]), loss[l], s.best[l]);
    });
    // No loss is at or below −∞: without a `reached` level there is nothing to note.
    if job.levels.reached > f64::NEG_INFINITY {
        each(|l| {
            let live = EVERY_LANE_LIVE || s.alive[l] != 0.0;
            let first_time = pick(loss[l] <= job.levels.reached, step, NEVER);
            s.reached[l] = pick(live, lower(s.reached[l], first_time), s.reached[l]);
        });
    }
    for (settled, &level) in s.settled.iter_mut().zip(&job.levels.settle) {
        each(|l| {
            let current = settled[l];
            let next = pick(loss[l] > level, NEVER, pick(current == NEVER, step, current));
            let live = EVERY_LANE_LIVE || s.alive[l] != 0.0;
            settled[l] = pick(live, next, current);
        });
    }
}

/// Whether `a` and `b` are both finite, in three operations: a − a is 0 for a finite a and NaN
/// for ±∞ or NaN, and a NaN stays NaN through the sum.
#[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
#[expect(clippy::eq_op, reason = "a − a is the finiteness test")]
#[inline(always)]
fn both_finite(a: f64, b: f64) -> bool {
    (a - a) + (b - b) == 0.0
}

/// The lower of two numbers that are not NaN, as one select (a minimum instruction).
#[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
#[inline(always)]
fn lower(a: f64, b: f64) -> f64 {
    if a < b { a } else { b }
}

/// One lane's scalars for one update.
#[derive(Clone, Copy)]
struct Coordinate {
    lr: f64,
    mu: f64,
    undamped: f64,
    wd: f64,
    nesterov: bool,
    first: bool,
}

impl Coordinate {
    /// [`Self::update`] when [`Hyper::simple`]: no weight decay, no dampening, μ fixed.
    ///
    /// The same bits for every lane that the engine steps. With μ ≠ 0 it is `update`'s momentum
    /// branch, as g·1 = g. With μ = 0 the lane never gets a buffer (`first` stays true), so
    /// b ← g and the step is p − lr·g, plain SGD's (Nesterov's g + 0·g is g, signed zeros
    /// included); the buffer it returns is then never read, as μ stays 0.
    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn update_simple<const NESTEROV: bool>(
        first: bool,
        hyper: &Hyper,
        lane: usize,
        p: f64,
        g: f64,
        b: f64,
    ) -> (f64, f64) {
        let mu = hyper.mu[lane];
        let b_new = pick(first, g, mu * b + g);
        let direction = if NESTEROV { g + mu * b_new } else { b_new };
        (p - hyper.lr[lane] * direction, b_new)
    }

    /// The momentum update of torch's SGD (and plain SGD when μ = 0) as selects: every branch
    /// computes the same expression as the rule's own `update`, so results are bit-identical.
    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn update(self, p: f64, g: f64, b: f64) -> (f64, f64) {
        let g = decayed(g, p, self.wd);
        let b_new = pick(self.first, g, self.mu * b + self.undamped * g);
        let direction = if self.nesterov { g + self.mu * b_new } else { b_new };
        let with_momentum = p - self.lr * direction;
        let plain = p - self.lr * g;
        let plain_sgd = self.mu == 0.0;
        (pick(plain_sgd, plain, with_momentum), pick(plain_sgd, b, b_new))
    }
}
