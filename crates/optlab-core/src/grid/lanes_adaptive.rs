//! Adagrad and RMSprop in the lane kernel: [`LANES`] runs' accumulators in arrays, each update
//! the same operations in the same order as `adagrad_update` (`optim/adagrad.rs`) and
//! `RmsPropCoordinate::update` (`optim/rmsprop.rs`), with selects instead of branches, so a
//! lane ends bit for bit where the run engine ends.

use super::lane_ops::{LANES, LaneRule, decayed, each, pick};
use crate::optim::OptimizerConfig;
use crate::run::RunConfig;

/// Per-lane hyperparameters and state of Adagrad.
#[derive(Clone, Copy)]
pub(super) struct AdagradLanes {
    lr: [f64; LANES],
    lr_decay: [f64; LANES],
    eps: [f64; LANES],
    wd: [f64; LANES],
    /// Updates taken (exact in f64 below 2⁵³).
    steps: [f64; LANES],
    /// torch's `sum` of x and y.
    sum: [[f64; LANES]; 2],
}

impl AdagradLanes {
    /// The lanes of `chunk` (Adagrad configs; any other lane stays at lr 0).
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let mut lanes = Self {
            lr: [0.0; LANES],
            lr_decay: [0.0; LANES],
            eps: [1.0; LANES],
            wd: [0.0; LANES],
            steps: [0.0; LANES],
            sum: [[0.0; LANES]; 2],
        };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            if let OptimizerConfig::Adagrad {
                lr,
                lr_decay,
                eps,
                initial_accumulator,
                weight_decay,
            } = config.optimizer
            {
                lanes.lr[lane] = lr;
                lanes.lr_decay[lane] = lr_decay;
                lanes.eps[lane] = eps;
                lanes.wd[lane] = weight_decay;
                lanes.sum[0][lane] = initial_accumulator;
                lanes.sum[1][lane] = initial_accumulator;
            }
        }
        lanes
    }
}

impl LaneRule for AdagradLanes {
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
            let steps = self.steps[l] + 1.0;
            self.steps[l] = pick(live, steps, self.steps[l]);
            // torch's clr = lr / (1 + (step − 1)·lr_decay).
            let clr = self.lr[l] / (1.0 + (steps - 1.0) * self.lr_decay[l]);
            for (c, p) in [&mut *x, &mut *y].into_iter().enumerate() {
                let grad = decayed(g[c][l], p[l], self.wd[l]);
                let sum = self.sum[c][l] + grad * grad;
                let new_p = p[l] - clr * (grad / (sum.sqrt() + self.eps[l]));
                self.sum[c][l] = pick(live, sum, self.sum[c][l]);
                p[l] = pick(live, new_p, p[l]);
            }
        });
    }
}

/// Per-lane hyperparameters and state of RMSprop (centered or not, with or without momentum).
#[derive(Clone, Copy)]
pub(super) struct RmsPropLanes {
    lr: [f64; LANES],
    alpha: [f64; LANES],
    eps: [f64; LANES],
    mu: [f64; LANES],
    wd: [f64; LANES],
    /// 1.0 when centered.
    centered: [f64; LANES],
    /// torch's `square_avg`, `grad_avg` and `momentum_buffer` of x and y.
    square_avg: [[f64; LANES]; 2],
    grad_avg: [[f64; LANES]; 2],
    buffer: [[f64; LANES]; 2],
}

impl RmsPropLanes {
    /// The lanes of `chunk` (RMSprop configs; any other lane stays at lr 0).
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let mut lanes = Self {
            lr: [0.0; LANES],
            alpha: [0.0; LANES],
            eps: [1.0; LANES],
            mu: [0.0; LANES],
            wd: [0.0; LANES],
            centered: [0.0; LANES],
            square_avg: [[0.0; LANES]; 2],
            grad_avg: [[0.0; LANES]; 2],
            buffer: [[0.0; LANES]; 2],
        };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            if let OptimizerConfig::RmsProp {
                lr,
                decay_rate,
                eps,
                centered,
                momentum,
                weight_decay,
            } = config.optimizer
            {
                lanes.lr[lane] = lr;
                lanes.alpha[lane] = decay_rate;
                lanes.eps[lane] = eps;
                lanes.mu[lane] = momentum;
                lanes.wd[lane] = weight_decay;
                lanes.centered[lane] = if centered { 1.0 } else { 0.0 };
            }
        }
        lanes
    }

    /// `RmsPropCoordinate::update` of coordinate `c` of lane `l`; returns the new parameter.
    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn coordinate(&mut self, (c, l): (usize, usize), p: f64, g: f64, live: bool) -> f64 {
        let (alpha, mu, centered) = (self.alpha[l], self.mu[l], self.centered[l] != 0.0);
        let one_minus_alpha = 1.0 - alpha;
        let g = decayed(g, p, self.wd[l]);
        let v = alpha * self.square_avg[c][l] + one_minus_alpha * g * g;
        let ga = self.grad_avg[c][l] + one_minus_alpha * (g - self.grad_avg[c][l]);
        let variance = v - ga * ga;
        let spread = pick(centered, pick(variance < 0.0, 0.0, variance), v);
        let denom = spread.sqrt() + self.eps[l];
        let b = mu * self.buffer[c][l] + g / denom;
        let heavy = mu > 0.0;
        let new_p = pick(heavy, p - self.lr[l] * b, p - self.lr[l] * (g / denom));
        self.square_avg[c][l] = pick(live, v, self.square_avg[c][l]);
        self.grad_avg[c][l] = pick(live & centered, ga, self.grad_avg[c][l]);
        self.buffer[c][l] = pick(live & heavy, b, self.buffer[c][l]);
        new_p
    }
}

impl LaneRule for RmsPropLanes {
    fn lr(&mut self) -> &mut [f64; LANES] {
        &mut self.lr
    }

    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn update(
        &mut self,
        alive: &[f64; LANES],
        [x, y]: [&mut [f64; LANES]; 2],
        [gx, gy]: [[f64; LANES]; 2],
        _first: bool,
    ) {
        each(|l| {
            let live = alive[l] != 0.0;
            let nx = self.coordinate((0, l), x[l], gx[l], live);
            let ny = self.coordinate((1, l), y[l], gy[l], live);
            x[l] = pick(live, nx, x[l]);
            y[l] = pick(live, ny, y[l]);
        });
    }
}
