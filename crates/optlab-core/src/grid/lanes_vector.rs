//! The vector kernel: the SGD family's simple update (b ← μb + g, no weight decay, dampening,
//! schedule or noise) on an arithmetic surface ([`Arithmetic`]), written with explicit SIMD
//! vectors of four lanes (`fearless_simd`, dispatched at run time to AVX2, SSE4.2, NEON or
//! scalar code, without `unsafe`).
//!
//! The chunk's [`LANES`] lanes go in groups of [`GROUP`] ([`VECTORS`] vectors, as many
//! independent dependency chains), each group stepped from start to end with its state in
//! registers (and the L1 cache): measure, check, note and update per step, where the
//! autovectorized kernel ([`super::lanes`]) makes one pass over arrays in memory per phase. The arithmetic and its
//! order are those of that kernel (and so of the engine): the surface's formula is the same
//! source evaluated on vectors, every select is a lane-wise select, and no multiply-add is
//! fused.
//!
//! A group runs in two loops. While every lane is sane it takes the fast loop, which keeps no
//! per-step record but the best loss and the `reached` step, and updates a group without a
//! plain-SGD lane with no select at all. At the first step where a lane is not sane, the group
//! runs again to the step before (the last one every lane passed), then goes on in the masked
//! loop from there: the autovectorized kernel's selects on `alive`, so a lane that diverges
//! keeps its last record and the others carry on, in registers.
//!
//! Why (100 × 100 Momentum sweep on Rosenbrock without levels, two threads of an AVX2 Zen 3,
//! `cargo bench --bench sweep`, alternated): 8.5–10.6 ms against the autovectorized kernel's
//! 10.5–12.8 ms; that kernel stores and reloads its 16-lane arrays every phase (16 registers of
//! four lanes cannot hold them), and a group of 8 lanes (two vectors) in registers does not. A
//! first version that handed a diverging group over to the autovectorized kernel was no faster
//! there: such a group then ran the rest of its steps at 16 lanes' cost for 8 live ones. Four
//! vectors per group (16 lanes, some state spilled to the L1 cache) rather than two: 9.3–10.4
//! ms against 10.5–10.7 ms (same bench, alternated), as one step's chain of dependent
//! operations is long enough that two chains leave the core idle. `fearless_simd` has no AVX-512 level, where the
//! autovectorized kernel packs 8 lanes per instruction.

use fearless_simd::{Level, Select, Simd, SimdBase, SimdFloat, dispatch, f64x4, mask64x4};

use super::cell::{Cell, MAX_LEVELS};
use super::lane_ops::LANES;
use super::lane_ops::NEVER;
use crate::run::{DIVERGENCE_BOUND, divergence_loss};
use crate::surface::{Arithmetic, ArithmeticVisitor, Real, Surface};

/// Vectors of four lanes a group steps side by side: independent dependency chains.
const VECTORS: usize = 4;
/// Lanes stepped together in registers.
const GROUP: usize = 4 * VECTORS;

/// A chunk's runs as the vector kernel steps them: the SGD family's simple update, each lane
/// with its start, lr and μ (0: plain SGD), every lane the same number of updates.
pub(super) struct Chunk {
    /// Each lane's start: x, then y.
    pub(super) start: [[f64; LANES]; 2],
    /// Updates per run.
    pub(super) steps: u64,
    /// The `reached` level (−∞: none).
    pub(super) reached: f64,
    /// Each lane's learning rate.
    pub(super) lr: [f64; LANES],
    /// Each lane's momentum.
    pub(super) mu: [f64; LANES],
}

/// The chunk's cells by the vector kernel, or `None` when `surface` is not arithmetic (the
/// caller runs the autovectorized kernel). The caller checks the rest: no weight decay,
/// dampening, schedule or noise, and no settle levels.
pub(super) fn run_sgd<const NESTEROV: bool>(
    surface: &Surface,
    chunk: &Chunk,
) -> Option<[Cell; LANES]> {
    surface.visit_arithmetic(VectorSgd::<NESTEROV> { chunk }).ok()
}

/// The vector kernel's visit of an arithmetic surface.
struct VectorSgd<'a, const NESTEROV: bool> {
    chunk: &'a Chunk,
}

impl<const NESTEROV: bool> ArithmeticVisitor for VectorSgd<'_, NESTEROV> {
    type Output = [Cell; LANES];

    fn visit<A: Arithmetic>(self, surface: A) -> [Cell; LANES] {
        let level = Level::new();
        let mut cells = Vec::with_capacity(LANES);
        for first in (0..LANES).step_by(GROUP) {
            let lanes = Lanes { chunk: self.chunk, first };
            // A group with a plain-SGD lane (μ = 0) selects b ← g in it every update; a group
            // without one takes b ← μb + g with no select.
            let group = if self.chunk.mu[first..first + GROUP].contains(&0.0) {
                dispatch!(level, simd => run_group::<_, A, NESTEROV, true>(simd, surface, lanes))
            } else {
                dispatch!(level, simd => run_group::<_, A, NESTEROV, false>(simd, surface, lanes))
            };
            cells.extend(group.cells());
        }
        std::array::from_fn(|lane| cells[lane])
    }
}

/// Which lanes of which chunk a group steps.
#[derive(Clone, Copy)]
struct Lanes<'a> {
    chunk: &'a Chunk,
    /// The group's first lane.
    first: usize,
}

impl Lanes<'_> {
    /// The group's part of `array`, as its vectors.
    #[expect(clippy::inline_always, reason = "dispatched: must be inlined into each SIMD version")]
    #[inline(always)]
    fn load<S: Simd>(self, simd: S, array: &[f64; LANES]) -> Vectors<S> {
        let part = &array[self.first..self.first + GROUP];
        let mut vectors = [f64x4::splat(simd, 0.0); VECTORS];
        for (vector, values) in vectors.iter_mut().zip(part.chunks_exact(4)) {
            *vector = f64x4::from_slice(simd, values);
        }
        vectors
    }
}

/// A group's records at the end of its run.
#[derive(Clone, Copy)]
struct Group {
    last_loss: [f64; GROUP],
    end: [[f64; GROUP]; 2],
    best: [f64; GROUP],
    reached: [f64; GROUP],
    diverged: [f64; GROUP],
}

impl Group {
    /// The group's cells, as `lanes::cell` makes them.
    fn cells(&self) -> [Cell; GROUP] {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "whole step counts below 2^53, stored as f64"
        )]
        let some = |step: f64| (step != NEVER).then_some(step as u64);
        std::array::from_fn(|lane| Cell {
            final_loss: self.last_loss[lane],
            end: [self.end[0][lane], self.end[1][lane]],
            best_loss: if self.best[lane].is_finite() { self.best[lane] } else { f64::NAN },
            reached_at: some(self.reached[lane]),
            diverged_at: some(self.diverged[lane]),
            settled_at: [None; MAX_LEVELS],
            accuracy: None,
        })
    }
}

/// The group's vectors of one quantity.
type Vectors<S> = [f64x4<S>; VECTORS];
/// A lane-wise condition on the group.
type Masks<S> = [mask64x4<S>; VECTORS];

/// What a group steps with: its lanes' rates and divergence bounds.
#[derive(Clone, Copy)]
struct Rates<S: Simd> {
    lr: Vectors<S>,
    mu: Vectors<S>,
    /// Where μ = 0: plain SGD, b ← g.
    no_momentum: Masks<S>,
    loss_bound: Vectors<S>,
    /// The `reached` level (−∞: none).
    reach: f64,
}

/// A group's state before the record of step `step`: position, momentum buffers, best loss and
/// the step each lane reached the `reached` level (or `NEVER`).
#[derive(Clone, Copy)]
struct Walk<S: Simd> {
    step: u64,
    x: Vectors<S>,
    y: Vectors<S>,
    bx: Vectors<S>,
    by: Vectors<S>,
    best: Vectors<S>,
    reached: Vectors<S>,
}

/// Where the fast loop stopped.
enum Fast<S: Simd> {
    /// Every lane passed every step; the last step's loss.
    Finished(Walk<S>, Vectors<S>),
    /// Before the record of `walk.step`: a lane is not sane there, or it is the step asked for.
    Stopped(Walk<S>),
}

/// Runs a group of lanes: the fast loop while every lane is sane, then the masked loop.
#[expect(clippy::inline_always, reason = "dispatched: must be inlined into each SIMD version")]
#[inline(always)]
fn run_group<S: Simd, A: Arithmetic, const NESTEROV: bool, const PLAIN: bool>(
    simd: S,
    surface: A,
    lanes: Lanes<'_>,
) -> Group {
    let [lr, mu] = [lanes.load(simd, &lanes.chunk.lr), lanes.load(simd, &lanes.chunk.mu)];
    let zero = f64x4::splat(simd, 0.0);
    let mut no_momentum = [zero.simd_eq(zero); VECTORS];
    for v in 0..VECTORS {
        no_momentum[v] = mu[v].simd_eq(zero);
    }
    let rates = Rates {
        lr,
        mu,
        no_momentum,
        loss_bound: bounds(simd, surface, lanes),
        reach: lanes.chunk.reached,
    };
    let start = Walk {
        step: 0,
        x: lanes.load(simd, &lanes.chunk.start[0]),
        y: lanes.load(simd, &lanes.chunk.start[1]),
        bx: [zero; VECTORS],
        by: [zero; VECTORS],
        best: [f64x4::splat(simd, f64::INFINITY); VECTORS],
        reached: [f64x4::splat(simd, NEVER); VECTORS],
    };
    let steps = lanes.chunk.steps;
    let from = match fast::<S, A, NESTEROV, PLAIN>(simd, surface, &rates, start, (steps, u64::MAX))
    {
        Fast::Finished(walk, loss) => {
            let never = f64x4::splat(simd, NEVER);
            return group(&walk, loss, [walk.x, walk.y], [never; VECTORS]);
        }
        // Again to the last step every lane passed, so that each lane has a last record.
        Fast::Stopped(walk) => match walk.step.checked_sub(1) {
            Some(last) => {
                match fast::<S, A, NESTEROV, PLAIN>(simd, surface, &rates, start, (steps, last)) {
                    Fast::Stopped(walk) | Fast::Finished(walk, _) => walk,
                }
            }
            None => walk,
        },
    };
    masked::<S, A, NESTEROV, PLAIN>(simd, surface, &rates, from, steps)
}

/// Steps every lane while all are sane, from `walk` to step `steps` or until step `stop`.
#[expect(clippy::inline_always, reason = "dispatched: must be inlined into each SIMD version")]
#[expect(clippy::needless_range_loop, reason = "vector v of several arrays at once")]
#[inline(always)]
fn fast<S: Simd, A: Arithmetic, const NESTEROV: bool, const PLAIN: bool>(
    simd: S,
    surface: A,
    rates: &Rates<S>,
    mut walk: Walk<S>,
    (steps, stop): (u64, u64),
) -> Fast<S> {
    // No closures in this loop: a closure is a function of its own, compiled without the SIMD
    // target's features unless it is inlined.
    let zero = f64x4::splat(simd, 0.0);
    loop {
        let mut measured = [(zero, [zero; 2]); VECTORS];
        let mut sane = zero.simd_eq(zero);
        for v in 0..VECTORS {
            measured[v] = surface.value_and_gradient([walk.x[v], walk.y[v]]);
            sane &= is_sane(measured[v], [walk.x[v], walk.y[v]], rates.loss_bound[v]);
        }
        if walk.step == stop || !simd.all_true_mask64x4(sane) {
            return Fast::Stopped(walk);
        }
        let mut loss = [zero; VECTORS];
        for v in 0..VECTORS {
            loss[v] = measured[v].0;
        }
        note::<S, false>(rates.reach, &mut walk, loss, [sane; VECTORS]);
        if walk.step == steps {
            return Fast::Finished(walk, loss);
        }
        for v in 0..VECTORS {
            let ([gx, gy], rates) =
                (measured[v].1, (rates.no_momentum[v], rates.mu[v], rates.lr[v]));
            let first = walk.step == 0;
            (walk.x[v], walk.bx[v]) =
                update::<S, NESTEROV, PLAIN>(first, rates, walk.x[v], gx, walk.bx[v]);
            (walk.y[v], walk.by[v]) =
                update::<S, NESTEROV, PLAIN>(first, rates, walk.y[v], gy, walk.by[v]);
        }
        walk.step += 1;
    }
}

/// Steps the lanes from `walk` (every lane alive) to step `steps`, as the autovectorized kernel
/// does once a lane has diverged: a lane that is not sane at a step dies there, its records
/// those of the step before, and is never updated again.
#[expect(clippy::inline_always, reason = "dispatched: must be inlined into each SIMD version")]
#[inline(always)]
fn masked<S: Simd, A: Arithmetic, const NESTEROV: bool, const PLAIN: bool>(
    simd: S,
    surface: A,
    rates: &Rates<S>,
    mut walk: Walk<S>,
    steps: u64,
) -> Group {
    let nan = f64x4::splat(simd, f64::NAN);
    let never = f64x4::splat(simd, NEVER);
    let (mut last_loss, mut end, mut diverged) =
        ([nan; VECTORS], [[nan; VECTORS]; 2], [never; VECTORS]);
    let zero = f64x4::splat(simd, 0.0);
    let mut alive = [zero.simd_eq(zero); VECTORS];
    loop {
        let step_value = f64x4::splat(simd, walk.step as f64);
        let mut loss = [nan; VECTORS];
        let mut gradient = [[nan; VECTORS]; 2];
        for v in 0..VECTORS {
            let (value, g) = surface.value_and_gradient([walk.x[v], walk.y[v]]);
            let sane = is_sane((value, g), [walk.x[v], walk.y[v]], rates.loss_bound[v]);
            diverged[v] = (alive[v] & !sane).select(step_value, diverged[v]);
            alive[v] &= sane;
            (loss[v], gradient[0][v], gradient[1][v]) = (value, g[0], g[1]);
        }
        let mut any_alive = alive[0];
        for vector_alive in &alive[1..] {
            any_alive |= *vector_alive;
        }
        if !simd.any_true_mask64x4(any_alive) {
            break;
        }
        note::<S, true>(rates.reach, &mut walk, loss, alive);
        for v in 0..VECTORS {
            last_loss[v] = alive[v].select(loss[v], last_loss[v]);
            end[0][v] = alive[v].select(walk.x[v], end[0][v]);
            end[1][v] = alive[v].select(walk.y[v], end[1][v]);
        }
        if walk.step == steps {
            break;
        }
        for v in 0..VECTORS {
            let rates = (rates.no_momentum[v], rates.mu[v], rates.lr[v]);
            let first = walk.step == 0;
            let (x, bx) =
                update::<S, NESTEROV, PLAIN>(first, rates, walk.x[v], gradient[0][v], walk.bx[v]);
            let (y, by) =
                update::<S, NESTEROV, PLAIN>(first, rates, walk.y[v], gradient[1][v], walk.by[v]);
            walk.x[v] = alive[v].select(x, walk.x[v]);
            walk.y[v] = alive[v].select(y, walk.y[v]);
            walk.bx[v] = alive[v].select(bx, walk.bx[v]);
            walk.by[v] = alive[v].select(by, walk.by[v]);
        }
        walk.step += 1;
    }
    group(&walk, last_loss, end, diverged)
}

/// Notes the best loss and the `reached` step of step `walk.step`: in the lanes `live` when
/// `MASKED`, in every lane otherwise (`live` is then not read).
#[expect(clippy::inline_always, reason = "dispatched: must be inlined into each SIMD version")]
#[inline(always)]
fn note<S: Simd, const MASKED: bool>(
    reach: f64,
    walk: &mut Walk<S>,
    loss: Vectors<S>,
    live: Masks<S>,
) {
    let step_value = loss[0].like(walk.step as f64);
    for v in 0..VECTORS {
        let lower = loss[v].simd_lt(walk.best[v]);
        let lower = if MASKED { lower & live[v] } else { lower };
        walk.best[v] = lower.select(loss[v], walk.best[v]);
        if reach > f64::NEG_INFINITY {
            let at_level = loss[v].simd_le(loss[v].like(reach));
            let first_time = at_level.select(step_value, loss[v].like(NEVER));
            let earlier = walk.reached[v].simd_lt(first_time).select(walk.reached[v], first_time);
            walk.reached[v] =
                if MASKED { live[v].select(earlier, walk.reached[v]) } else { earlier };
        }
    }
}

/// A group's records at the end of its run: last loss and position, best loss, the steps it
/// reached the level and diverged, with the best loss and `reached` of `walk`.
#[expect(clippy::inline_always, reason = "dispatched: must be inlined into each SIMD version")]
#[inline(always)]
fn group<S: Simd>(
    walk: &Walk<S>,
    loss: Vectors<S>,
    end: [Vectors<S>; 2],
    diverged: Vectors<S>,
) -> Group {
    Group {
        last_loss: flat(loss),
        end: [flat(end[0]), flat(end[1])],
        best: flat(walk.best),
        reached: flat(walk.reached),
        diverged: flat(diverged),
    }
}

/// A group's vectors as its lanes in order.
#[expect(clippy::inline_always, reason = "dispatched: must be inlined into each SIMD version")]
#[inline(always)]
fn flat<S: Simd>(vectors: Vectors<S>) -> [f64; GROUP] {
    let mut all = [0.0; GROUP];
    for (values, vector) in all.chunks_exact_mut(4).zip(vectors) {
        values.copy_from_slice(vector.as_slice());
    }
    all
}

/// Each lane's divergence bound, [`divergence_loss`] of its start's loss clamped to the largest
/// finite loss, as the autovectorized kernel computes it.
#[expect(clippy::inline_always, reason = "dispatched: must be inlined into each SIMD version")]
#[inline(always)]
fn bounds<S: Simd, A: Arithmetic>(simd: S, surface: A, lanes: Lanes<'_>) -> Vectors<S> {
    let mut bound = [0.0; LANES];
    for (lane, bound) in bound.iter_mut().enumerate().skip(lanes.first).take(GROUP) {
        let start = [lanes.chunk.start[0][lane], lanes.chunk.start[1][lane]];
        *bound = divergence_loss(surface.value_and_gradient::<f64>(start).0).min(f64::MAX);
    }
    lanes.load(simd, &bound)
}

/// The autovectorized kernel's sanity check, lane by lane: a finite loss at or below its bound,
/// a finite gradient (g − g is 0 for a finite g, NaN otherwise), and the point inside the
/// divergence box.
#[expect(clippy::inline_always, reason = "dispatched: must be inlined into each SIMD version")]
#[expect(clippy::eq_op, reason = "g − g is the finiteness test")]
#[inline(always)]
fn is_sane<S: Simd>(
    (loss, [gx, gy]): (f64x4<S>, [f64x4<S>; 2]),
    [x, y]: [f64x4<S>; 2],
    bound: f64x4<S>,
) -> mask64x4<S> {
    let zero = loss.like(0.0);
    let inside = loss.like(DIVERGENCE_BOUND);
    loss.simd_le(bound)
        & loss.simd_ge(loss.like(-f64::MAX))
        & ((gx - gx) + (gy - gy)).simd_eq(zero)
        & x.abs().simd_le(inside)
        & y.abs().simd_le(inside)
}

/// `Coordinate::update_simple` on four lanes: b ← g on the first update and where μ = 0
/// (`no_momentum`, looked at only when the group has such a lane: `PLAIN`), μb + g elsewhere;
/// then p − lr·b (Nesterov: p − lr·(g + μb)).
#[expect(clippy::inline_always, reason = "dispatched: must be inlined into each SIMD version")]
#[inline(always)]
fn update<S: Simd, const NESTEROV: bool, const PLAIN: bool>(
    first_update: bool,
    (no_momentum, mu, lr): (mask64x4<S>, f64x4<S>, f64x4<S>),
    p: f64x4<S>,
    g: f64x4<S>,
    b: f64x4<S>,
) -> (f64x4<S>, f64x4<S>) {
    let b_new = if first_update {
        g
    } else if PLAIN {
        no_momentum.select(g, mu * b + g)
    } else {
        mu * b + g
    };
    let direction = if NESTEROV { g + mu * b_new } else { b_new };
    (p - lr * direction, b_new)
}
