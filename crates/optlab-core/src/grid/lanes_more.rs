//! Lion, Adamax, Adadelta and Rprop in the lane kernel: [`LANES`] runs' states in arrays, each
//! update the same operations in the same order as the rule's own per-coordinate update
//! (`optim/lion.rs`, `adamax.rs`, `adadelta.rs`, `rprop.rs`), with selects instead of branches,
//! so a lane ends bit for bit where the run engine ends.

use super::lane_ops::{LANES, LaneRule, decayed, each, lerp, pick};
use super::lane_powers::distinct_powers;
use crate::optim::OptimizerConfig;
use crate::run::RunConfig;

/// torch's `sign` as selects: 1, −1, or 0 (also for NaN).
#[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
#[inline(always)]
fn sign(value: f64) -> f64 {
    pick(value > 0.0, 1.0, pick(value < 0.0, -1.0, 0.0))
}

/// Per-lane hyperparameters and momentum of Lion.
#[derive(Clone, Copy)]
pub(super) struct LionLanes {
    lr: [f64; LANES],
    beta1: [f64; LANES],
    beta2: [f64; LANES],
    wd: [f64; LANES],
    /// lion-pytorch's `exp_avg` of x and y.
    m: [[f64; LANES]; 2],
}

impl LionLanes {
    /// The lanes of `chunk` (Lion configs; any other lane stays at lr 0).
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let mut lanes = Self {
            lr: [0.0; LANES],
            beta1: [0.0; LANES],
            beta2: [0.0; LANES],
            wd: [0.0; LANES],
            m: [[0.0; LANES]; 2],
        };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            if let OptimizerConfig::Lion { lr, beta1, beta2, weight_decay } = config.optimizer {
                lanes.lr[lane] = lr;
                lanes.beta1[lane] = beta1;
                lanes.beta2[lane] = beta2;
                lanes.wd[lane] = weight_decay;
            }
        }
        lanes
    }
}

impl LaneRule for LionLanes {
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
        each(|l| {
            let live = alive[l] != 0.0;
            let (lr, beta1, beta2) = (self.lr[l], self.beta1[l], self.beta2[l]);
            let shrink = 1.0 - lr * self.wd[l];
            for (c, p) in [&mut *x, &mut *y].into_iter().enumerate() {
                let (m, grad) = (self.m[c][l], g[c][l]);
                let shrunk = p[l] * shrink;
                let interpolated = m * beta1 + (1.0 - beta1) * grad;
                let new_p = shrunk + -lr * sign(interpolated);
                let new_m = m * beta2 + (1.0 - beta2) * grad;
                self.m[c][l] = pick(live, new_m, m);
                p[l] = pick(live, new_p, p[l]);
            }
        });
    }
}

/// Per-lane hyperparameters and state of Adamax.
#[derive(Clone, Copy)]
pub(super) struct AdamaxLanes {
    lr: [f64; LANES],
    beta1: [f64; LANES],
    beta2: [f64; LANES],
    eps: [f64; LANES],
    wd: [f64; LANES],
    /// Updates taken (exact in f64 below 2⁵³).
    steps: [f64; LANES],
    /// torch's `exp_avg` and `exp_inf` of x and y.
    m: [[f64; LANES]; 2],
    u: [[f64; LANES]; 2],
}

impl AdamaxLanes {
    /// The lanes of `chunk` (Adamax configs; any other lane stays at lr 0).
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let mut lanes = Self {
            lr: [0.0; LANES],
            beta1: [0.0; LANES],
            beta2: [0.0; LANES],
            eps: [1.0; LANES],
            wd: [0.0; LANES],
            steps: [0.0; LANES],
            m: [[0.0; LANES]; 2],
            u: [[0.0; LANES]; 2],
        };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            if let OptimizerConfig::Adamax { lr, beta1, beta2, eps, weight_decay } =
                config.optimizer
            {
                lanes.lr[lane] = lr;
                lanes.beta1[lane] = beta1;
                lanes.beta2[lane] = beta2;
                lanes.eps[lane] = eps;
                lanes.wd[lane] = weight_decay;
            }
        }
        lanes
    }

    /// `AdamaxCoordinate::update` of coordinate `c` of lane `l`; returns the new parameter.
    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn coordinate(&mut self, (c, l): (usize, usize), p: f64, g: f64, neg_clr: f64) -> [f64; 3] {
        let g = decayed(g, p, self.wd[l]);
        let (m, weight) = (self.m[c][l], 1.0 - self.beta1[l]);
        let m = lerp(m, g, weight);
        let (decayed_norm, fresh) = (self.u[c][l] * self.beta2[l], g.abs() + self.eps[l]);
        let either_nan = decayed_norm.is_nan() | fresh.is_nan();
        let u = pick(either_nan, f64::NAN, pick(decayed_norm > fresh, decayed_norm, fresh));
        [p + neg_clr * m / u, m, u]
    }
}

impl LaneRule for AdamaxLanes {
    fn lr(&mut self) -> &mut [f64; LANES] {
        &mut self.lr
    }

    /// β₁, from which every update takes its lerp weight and `beta1 ** t`, as
    /// `AdamaxRule::begin_step` does.
    fn momentum(&mut self) -> Option<&mut [f64; LANES]> {
        Some(&mut self.beta1)
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
        // Python's `beta1 ** step`: one `powf` per distinct (β₁, step), as `adamax::python_pow`.
        let powers = distinct_powers(&self.beta1, &steps);
        each(|l| {
            let live = alive[l] != 0.0;
            self.steps[l] = pick(live, steps[l], self.steps[l]);
            let neg_clr = -(self.lr[l] / (1.0 - powers[l]));
            for (c, p) in [&mut *x, &mut *y].into_iter().enumerate() {
                let [new_p, m, u] = self.coordinate((c, l), p[l], g[c][l], neg_clr);
                self.m[c][l] = pick(live, m, self.m[c][l]);
                self.u[c][l] = pick(live, u, self.u[c][l]);
                p[l] = pick(live, new_p, p[l]);
            }
        });
    }
}

/// Per-lane hyperparameters and state of Adadelta.
#[derive(Clone, Copy)]
pub(super) struct AdadeltaLanes {
    lr: [f64; LANES],
    rho: [f64; LANES],
    eps: [f64; LANES],
    wd: [f64; LANES],
    /// torch's `square_avg` and `acc_delta` of x and y.
    square_avg: [[f64; LANES]; 2],
    acc_delta: [[f64; LANES]; 2],
}

impl AdadeltaLanes {
    /// The lanes of `chunk` (Adadelta configs; any other lane stays at lr 0).
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let mut lanes = Self {
            lr: [0.0; LANES],
            rho: [0.0; LANES],
            eps: [1.0; LANES],
            wd: [0.0; LANES],
            square_avg: [[0.0; LANES]; 2],
            acc_delta: [[0.0; LANES]; 2],
        };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            if let OptimizerConfig::Adadelta { lr, rho, eps, weight_decay } = config.optimizer {
                lanes.lr[lane] = lr;
                lanes.rho[lane] = rho;
                lanes.eps[lane] = eps;
                lanes.wd[lane] = weight_decay;
            }
        }
        lanes
    }
}

impl LaneRule for AdadeltaLanes {
    fn lr(&mut self) -> &mut [f64; LANES] {
        &mut self.lr
    }

    /// `adadelta_update` of every coordinate of every live lane.
    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn update(
        &mut self,
        alive: &[f64; LANES],
        [x, y]: [&mut [f64; LANES]; 2],
        g: [[f64; LANES]; 2],
        _first: bool,
    ) {
        each(|l| {
            let live = alive[l] != 0.0;
            let (rho, eps) = (self.rho[l], self.eps[l]);
            for (c, p) in [&mut *x, &mut *y].into_iter().enumerate() {
                let grad = decayed(g[c][l], p[l], self.wd[l]);
                let square_avg = self.square_avg[c][l] * rho + (1.0 - rho) * grad * grad;
                let std = (square_avg + eps).sqrt();
                let acc_delta = self.acc_delta[c][l];
                let delta = (acc_delta + eps).sqrt() / std * grad;
                let acc_delta = acc_delta * rho + (1.0 - rho) * delta * delta;
                let new_p = p[l] + -self.lr[l] * delta;
                self.square_avg[c][l] = pick(live, square_avg, self.square_avg[c][l]);
                self.acc_delta[c][l] = pick(live, acc_delta, self.acc_delta[c][l]);
                p[l] = pick(live, new_p, p[l]);
            }
        });
    }
}

/// Per-lane hyperparameters and state of Rprop.
#[derive(Clone, Copy)]
pub(super) struct RpropLanes {
    lr: [f64; LANES],
    eta_minus: [f64; LANES],
    eta_plus: [f64; LANES],
    step_min: [f64; LANES],
    step_max: [f64; LANES],
    /// torch's `prev` and `step_size` of x and y.
    prev: [[f64; LANES]; 2],
    step_size: [[f64; LANES]; 2],
}

impl RpropLanes {
    /// The lanes of `chunk` (Rprop configs; any other lane stays at lr 0).
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let mut lanes = Self {
            lr: [0.0; LANES],
            eta_minus: [0.5; LANES],
            eta_plus: [1.2; LANES],
            step_min: [0.0; LANES],
            step_max: [0.0; LANES],
            prev: [[0.0; LANES]; 2],
            step_size: [[0.0; LANES]; 2],
        };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            if let OptimizerConfig::Rprop { lr, eta_minus, eta_plus, step_min, step_max } =
                config.optimizer
            {
                lanes.lr[lane] = lr;
                lanes.eta_minus[lane] = eta_minus;
                lanes.eta_plus[lane] = eta_plus;
                lanes.step_min[lane] = step_min;
                lanes.step_max[lane] = step_max;
            }
        }
        lanes
    }

    /// `rprop_update` of coordinate `c` of lane `l`: (new parameter, prev, step size).
    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    #[expect(clippy::float_cmp, reason = "torch masks where the factor equals eta_minus exactly")]
    fn coordinate(&self, (c, l): (usize, usize), p: f64, g: f64, step_size: f64) -> [f64; 3] {
        let product = g * self.prev[c][l];
        let factor = pick(
            product > 0.0,
            self.eta_plus[l],
            pick(product < 0.0, self.eta_minus[l], pick(product == 0.0, 1.0, product)),
        );
        // torch.clamp: NaN stays, else max with step_min, then min with step_max.
        let scaled = step_size * factor;
        let raised = pick(scaled > self.step_min[l], scaled, self.step_min[l]);
        let clamped = pick(raised < self.step_max[l], raised, self.step_max[l]);
        let step_size = pick(scaled.is_nan(), scaled, clamped);
        let g = pick(factor == self.eta_minus[l], 0.0, g);
        let sign = pick(g > 0.0, 1.0, pick(g < 0.0, -1.0, g * 0.0));
        [p + -(sign * step_size), g, step_size]
    }
}

impl LaneRule for RpropLanes {
    fn lr(&mut self) -> &mut [f64; LANES] {
        &mut self.lr
    }

    /// torch fills the step sizes with the lr before the first update.
    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn update(
        &mut self,
        alive: &[f64; LANES],
        [x, y]: [&mut [f64; LANES]; 2],
        g: [[f64; LANES]; 2],
        first: bool,
    ) {
        each(|l| {
            let live = alive[l] != 0.0;
            for (c, p) in [&mut *x, &mut *y].into_iter().enumerate() {
                let step_size = pick(first, self.lr[l], self.step_size[c][l]);
                let [new_p, prev, step_size] = self.coordinate((c, l), p[l], g[c][l], step_size);
                self.prev[c][l] = pick(live, prev, self.prev[c][l]);
                self.step_size[c][l] = pick(live, step_size, self.step_size[c][l]);
                p[l] = pick(live, new_p, p[l]);
            }
        });
    }
}
