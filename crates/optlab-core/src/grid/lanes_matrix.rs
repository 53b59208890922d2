//! Muon and Adafactor in the lane kernel, on the surfaces' 1×2 matrix: [`LANES`] runs' states in
//! arrays, each update the operations of the rule's `step_2d` (`optim/muon.rs`'s
//! `step_surface` with its rank-one Newton–Schulz form, `optim/adafactor.rs`'s `step_surface`)
//! in the same order, with selects instead of branches, so a lane ends bit for bit where the run
//! engine ends. Adafactor's powers t^τ and 1/t^½ are one `powf` per distinct value in the chunk
//! per update, the same calls the rule makes.

use super::lane_ops::{LANES, LaneRule, each, lerp, pick};
use super::lane_powers::distinct_powers;
use crate::optim::{OptimizerConfig, newton_schulz_rank_one};
use crate::run::RunConfig;

/// torch's `clamp_(min = floor)` as a select (`adafactor::clamp_min`): NaN stays NaN.
#[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
#[inline(always)]
fn clamp_min(value: f64, floor: f64) -> f64 {
    pick(value < floor, floor, value)
}

/// Per-lane hyperparameters and momentum buffers of Muon.
#[derive(Clone, Copy)]
pub(super) struct MuonLanes {
    lr: [f64; LANES],
    momentum: [f64; LANES],
    /// 1.0 for Nesterov's look-ahead mix.
    nesterov: [f64; LANES],
    wd: [f64; LANES],
    eps: [f64; LANES],
    /// The lr factor of a 1×2 matrix, `adjust_lr.ratio(1, 2)`.
    ratio: [f64; LANES],
    /// [`newton_schulz_rank_one`] from A₀ = 1 (the rule's `unit_factor`).
    unit: [f64; LANES],
    /// The Newton–Schulz coefficients and step count, for the small-norm branch.
    coefficients: [(f64, f64, f64); LANES],
    ns_steps: [usize; LANES],
    /// torch's `momentum_buffer` of x and y.
    buffer: [[f64; LANES]; 2],
}

impl MuonLanes {
    /// The lanes of `chunk` (Muon configs; any other lane stays at lr 0).
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let mut lanes = Self {
            lr: [0.0; LANES],
            momentum: [0.0; LANES],
            nesterov: [0.0; LANES],
            wd: [0.0; LANES],
            eps: [1.0; LANES],
            ratio: [0.0; LANES],
            unit: [0.0; LANES],
            coefficients: [(0.0, 0.0, 0.0); LANES],
            ns_steps: [0; LANES],
            buffer: [[0.0; LANES]; 2],
        };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            if let OptimizerConfig::Muon {
                lr,
                weight_decay,
                momentum,
                nesterov,
                ns_coefficients,
                eps,
                ns_steps,
                adjust_lr,
            } = config.optimizer
            {
                lanes.lr[lane] = lr;
                lanes.momentum[lane] = momentum;
                lanes.nesterov[lane] = if nesterov { 1.0 } else { 0.0 };
                lanes.wd[lane] = weight_decay;
                lanes.eps[lane] = eps;
                lanes.ratio[lane] = adjust_lr.ratio(1, 2);
                lanes.unit[lane] = newton_schulz_rank_one(1.0, ns_coefficients, ns_steps);
                lanes.coefficients[lane] = ns_coefficients;
                lanes.ns_steps[lane] = ns_steps;
            }
        }
        lanes
    }

    /// The Newton–Schulz factor of every lane: its `unit` when ‖G‖ ≥ ε, else the scalar
    /// iteration from (‖G‖/ε)², computed only when some live lane needs it (a uniform branch).
    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn factors(&self, alive: &[f64; LANES], norm: &[f64; LANES]) -> [f64; LANES] {
        let mut factor = self.unit;
        #[expect(
            clippy::neg_cmp_op_on_partial_ord,
            reason = "a NaN norm takes the scalar iteration, as the rule's `else` does"
        )]
        let small = |l: usize| alive[l] != 0.0 && !(norm[l] >= self.eps[l]);
        if (0..LANES).any(small) {
            for l in (0..LANES).filter(|&l| small(l)) {
                let start = norm[l] / self.eps[l];
                factor[l] =
                    newton_schulz_rank_one(start * start, self.coefficients[l], self.ns_steps[l]);
            }
        }
        factor
    }
}

impl LaneRule for MuonLanes {
    fn lr(&mut self) -> &mut [f64; LANES] {
        &mut self.lr
    }

    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn update(
        &mut self,
        alive: &[f64; LANES],
        [x, y]: [&mut [f64; LANES]; 2],
        g: [[f64; LANES]; 2],
        _first: bool,
    ) {
        let (mut fresh, mut buffer, mut norm) = ([[0.0; LANES]; 2], self.buffer, [0.0; LANES]);
        each(|l| {
            let momentum = self.momentum[l];
            for c in 0..2 {
                buffer[c][l] = lerp(buffer[c][l], g[c][l], 1.0 - momentum);
                let mixed = lerp(g[c][l], buffer[c][l], momentum);
                fresh[c][l] = pick(self.nesterov[l] != 0.0, mixed, buffer[c][l]);
            }
            norm[l] = (fresh[0][l] * fresh[0][l] + fresh[1][l] * fresh[1][l]).sqrt();
        });
        let factor = self.factors(alive, &norm);
        each(|l| {
            let live = alive[l] != 0.0;
            let scale = factor[l] / clamp_min(norm[l], self.eps[l]);
            let adjusted_lr = self.lr[l] * self.ratio[l];
            let shrink = 1.0 - self.lr[l] * self.wd[l];
            for (c, p) in [&mut *x, &mut *y].into_iter().enumerate() {
                let update = fresh[c][l] * scale;
                let moved = p[l] * shrink + -adjusted_lr * update;
                p[l] = pick(live, moved, p[l]);
                self.buffer[c][l] = pick(live, buffer[c][l], self.buffer[c][l]);
            }
        });
    }
}

/// Per-lane hyperparameters and factors of Adafactor.
#[derive(Clone, Copy)]
pub(super) struct AdafactorLanes {
    lr: [f64; LANES],
    beta2_decay: [f64; LANES],
    eps1: [f64; LANES],
    eps2: [f64; LANES],
    /// √2·d, the clip's divisor.
    clip_divisor: [f64; LANES],
    wd: [f64; LANES],
    /// √2 as torch computes `numel ** 0.5`.
    root_numel: f64,
    /// Updates taken (exact in f64 below 2⁵³).
    steps: [f64; LANES],
    /// torch's `row_var` (one row) and `col_var` (two columns).
    row: [f64; LANES],
    col: [[f64; LANES]; 2],
}

impl AdafactorLanes {
    /// The lanes of `chunk` (Adafactor configs; any other lane stays at lr 0).
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let root_numel = 2.0_f64.powf(0.5);
        let mut lanes = Self {
            lr: [0.0; LANES],
            beta2_decay: [-0.8; LANES],
            eps1: [0.0; LANES],
            eps2: [0.0; LANES],
            clip_divisor: [root_numel; LANES],
            wd: [0.0; LANES],
            root_numel,
            steps: [0.0; LANES],
            row: [0.0; LANES],
            col: [[0.0; LANES]; 2],
        };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            if let OptimizerConfig::Adafactor { lr, beta2_decay, eps1, eps2, d, weight_decay } =
                config.optimizer
            {
                lanes.lr[lane] = lr;
                lanes.beta2_decay[lane] = beta2_decay;
                lanes.eps1[lane] = eps1.unwrap_or(f64::EPSILON);
                lanes.eps2[lane] = eps2;
                lanes.clip_divisor[lane] = root_numel * d;
                lanes.wd[lane] = weight_decay;
            }
        }
        lanes
    }
}

impl LaneRule for AdafactorLanes {
    fn lr(&mut self) -> &mut [f64; LANES] {
        &mut self.lr
    }

    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn update(
        &mut self,
        alive: &[f64; LANES],
        [x, y]: [&mut [f64; LANES]; 2],
        g: [[f64; LANES]; 2],
        _first: bool,
    ) {
        let mut steps = self.steps;
        each(|l| steps[l] += 1.0);
        let weight = distinct_powers(&steps, &self.beta2_decay);
        let root_t = distinct_powers(&steps, &[0.5; LANES]);
        each(|l| {
            let live = alive[l] != 0.0;
            let (lr, w, root_numel) = (self.lr[l], weight[l], self.root_numel);
            let rho = lr.min(1.0 / root_t[l]);
            let (px, py) = (x[l], y[l]);
            let norm = (px * px + py * py).sqrt();
            let alpha = self.eps2[l].max(norm / root_numel) * rho;
            let decays = self.wd[l] != 0.0;
            let shrink = 1.0 - lr * self.wd[l];
            let p = [pick(decays, px * shrink, px), pick(decays, py * shrink, py)];
            let squares = [g[0][l] * g[0][l], g[1][l] * g[1][l]];
            #[expect(clippy::manual_midpoint, reason = "the rule's sum over 2, the same bits")]
            let row = lerp(self.row[l], (squares[0] + squares[1]) / 2.0, w);
            let col = [lerp(self.col[0][l], squares[0], w), lerp(self.col[1][l], squares[1], w)];
            let eps1 = self.eps1[l];
            let scale = clamp_min(row, eps1);
            // `adafactor::rank_one_estimate`: the column factor itself when the row factor is
            // the (positive, finite) divisor, r·c/r otherwise.
            #[expect(
                clippy::float_cmp,
                clippy::needless_bitwise_bool,
                reason = "an exact test, as `adafactor::one_row_is_plain`; `&` keeps it a select"
            )]
            let plain = (scale == row) & (row > 0.0) & row.is_finite();
            let floor = eps1 * eps1;
            let mut root = [0.0; 2];
            for c in 0..2 {
                let estimate = pick(plain, col[c], row * col[c] / scale);
                root[c] = 1.0 / clamp_min(estimate, floor).sqrt();
            }
            let (ux, uy) = (root[0] * g[0][l], root[1] * g[1][l]);
            let square_sum = ux * ux + uy * uy;
            let step = -alpha / 1.0_f64.max(square_sum.sqrt() / self.clip_divisor[l]);
            x[l] = pick(live, p[0] + step * ux, x[l]);
            y[l] = pick(live, p[1] + step * uy, y[l]);
            self.row[l] = pick(live, row, self.row[l]);
            self.col[0][l] = pick(live, col[0], self.col[0][l]);
            self.col[1][l] = pick(live, col[1], self.col[1][l]);
            self.steps[l] = pick(live, steps[l], self.steps[l]);
        });
    }
}
