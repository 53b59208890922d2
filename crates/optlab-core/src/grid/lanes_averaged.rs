//! The averaging methods in the lane kernel: ASGD and Schedule-Free (AdamW and SGD), each
//! update the operations of its rule (`optim/asgd.rs`, `optim/schedule_free.rs`) in the same
//! order, with selects instead of branches, so a lane ends bit for bit where the engine ends.
//!
//! ASGD's average `ax` and its weight μ are left out: the run's position, loss and end point
//! are the parameters, which never read them (so `t0` changes no cell). Its step size
//! η = lr/(1 + λ·lr·t)^α is one `powf` per distinct (1 + λ·lr·t, α) among the live lanes.
//! Schedule-Free's weights are the package's: (t + 1)ʳ once per distinct r, `lr_max`^`weight_lr_power`
//! once per distinct (lr, power) among the lanes whose `lr_max` changed (each update of the
//! warm-up, then never under a constant lr).

#![expect(
    clippy::needless_bitwise_bool,
    reason = "branch-free lane code: `&` on bools keeps every lane's select free of jumps"
)]

use super::lane_ops::{LANES, LaneRule, decayed, each, lerp, pick};
use super::lane_powers::live_powers;
use crate::optim::OptimizerConfig;
use crate::run::RunConfig;

/// 1.0 for `true`, 0.0 for `false`: a lane mask.
fn mask(condition: bool) -> f64 {
    if condition { 1.0 } else { 0.0 }
}

/// Per-lane hyperparameters and step sizes of ASGD.
#[derive(Clone, Copy)]
pub(super) struct AsgdLanes {
    lr: [f64; LANES],
    lambd: [f64; LANES],
    alpha: [f64; LANES],
    wd: [f64; LANES],
    /// torch's `eta`: the step size of the next update.
    eta: [f64; LANES],
    /// Updates taken by the live lanes.
    steps: u64,
}

impl AsgdLanes {
    /// The lanes of `chunk` (ASGD configs; any other lane stays at lr 0).
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let mut lanes = Self {
            lr: [0.0; LANES],
            lambd: [0.0; LANES],
            alpha: [1.0; LANES],
            wd: [0.0; LANES],
            eta: [0.0; LANES],
            steps: 0,
        };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            if let OptimizerConfig::Asgd { lr, lambd, alpha, weight_decay, .. } = config.optimizer {
                lanes.lr[lane] = lr;
                lanes.lambd[lane] = lambd;
                lanes.alpha[lane] = alpha;
                lanes.wd[lane] = weight_decay;
            }
        }
        lanes
    }
}

impl LaneRule for AsgdLanes {
    fn lr(&mut self) -> &mut [f64; LANES] {
        &mut self.lr
    }

    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn update(
        &mut self,
        alive: &[f64; LANES],
        point: [&mut [f64; LANES]; 2],
        g: [[f64; LANES]; 2],
        first: bool,
    ) {
        if first {
            self.eta = self.lr;
        }
        for (c, p) in point.into_iter().enumerate() {
            each(|l| {
                let eta = self.eta[l];
                let decay = 1.0 - self.lambd[l] * eta;
                let g = decayed(g[c][l], p[l], self.wd[l]);
                let q = p[l] * decay;
                p[l] = pick(alive[l] != 0.0, q + -eta * g, p[l]);
            });
        }
        self.steps += 1;
        #[expect(clippy::cast_precision_loss, reason = "torch's step is a float tensor")]
        let step = self.steps as f64;
        let mut base = [0.0; LANES];
        each(|l| base[l] = 1.0 + self.lambd[l] * self.lr[l] * step);
        let power = live_powers(&base, &self.alpha, alive);
        each(|l| self.eta[l] = pick(alive[l] != 0.0, self.lr[l] / power[l], self.eta[l]));
    }
}

/// Per-lane hyperparameters and state of `ScheduleFreeAdamW` (`ADAPTIVE`) or
/// `ScheduleFreeSgd`.
#[derive(Clone, Copy)]
pub(super) struct ScheduleFreeLanes<const ADAPTIVE: bool> {
    lr: [f64; LANES],
    /// β₁ of AdamW, the momentum of SGD.
    beta: [f64; LANES],
    beta2: [f64; LANES],
    eps: [f64; LANES],
    wd: [f64; LANES],
    warmup: [f64; LANES],
    r: [f64; LANES],
    weight_lr_power: [f64; LANES],
    /// The package's `z` and `exp_avg_sq` of x and y.
    z: [[f64; LANES]; 2],
    v: [[f64; LANES]; 2],
    lr_max: [f64; LANES],
    lr_max_weight: [f64; LANES],
    weight_sum: [f64; LANES],
    beta2_pow: [f64; LANES],
    /// Updates taken by the live lanes (the package's `k`).
    steps: u64,
}

/// One update's per-lane scalars: the warmed-up lr, 1 − β₂ᵗ, cₜ₊₁ and y's gradient factor.
struct Scalars {
    lr: [f64; LANES],
    bias_correction2: [f64; LANES],
    ckp1: [f64; LANES],
    y_lr: [f64; LANES],
}

impl<const ADAPTIVE: bool> ScheduleFreeLanes<ADAPTIVE> {
    /// The lanes of `chunk` (Schedule-Free configs of the one kind; others stay at lr 0).
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let mut lanes = Self {
            lr: [0.0; LANES],
            beta: [0.0; LANES],
            beta2: [0.0; LANES],
            eps: [0.0; LANES],
            wd: [0.0; LANES],
            warmup: [0.0; LANES],
            r: [0.0; LANES],
            weight_lr_power: [0.0; LANES],
            z: [[0.0; LANES]; 2],
            v: [[0.0; LANES]; 2],
            lr_max: [-1.0; LANES],
            lr_max_weight: [0.0; LANES],
            weight_sum: [0.0; LANES],
            beta2_pow: [1.0; LANES],
            steps: 0,
        };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            let (lr, beta, beta2, eps, wd, warmup, r, power) = match config.optimizer {
                OptimizerConfig::ScheduleFreeAdamW {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    weight_decay,
                    warmup_steps,
                    r,
                    weight_lr_power,
                } => (lr, beta1, beta2, eps, weight_decay, warmup_steps, r, weight_lr_power),
                OptimizerConfig::ScheduleFreeSgd {
                    lr,
                    momentum,
                    weight_decay,
                    warmup_steps,
                    r,
                    weight_lr_power,
                } => (lr, momentum, 0.0, 0.0, weight_decay, warmup_steps, r, weight_lr_power),
                _ => continue,
            };
            lanes.lr[lane] = lr;
            lanes.beta[lane] = beta;
            lanes.beta2[lane] = beta2;
            lanes.eps[lane] = eps;
            lanes.wd[lane] = wd;
            #[expect(clippy::cast_precision_loss, reason = "as the rule: exact below 2^53")]
            let warmup = warmup as f64;
            lanes.warmup[lane] = warmup;
            lanes.r[lane] = r;
            lanes.weight_lr_power[lane] = power;
        }
        lanes
    }

    /// `ScheduleFreeRule::begin_step` of every live lane at k = `self.steps`.
    fn scalars(&mut self, alive: &[f64; LANES]) -> Scalars {
        #[expect(clippy::cast_precision_loss, reason = "as the rule: exact below 2^53")]
        let (k, next) = (self.steps as f64, (self.steps + 1) as f64);
        let mut s = Scalars {
            lr: [0.0; LANES],
            bias_correction2: [1.0; LANES],
            ckp1: [0.0; LANES],
            y_lr: [0.0; LANES],
        };
        let mut changed = [0.0; LANES];
        each(|l| {
            let live = alive[l] != 0.0;
            let factor = pick(k < self.warmup[l], next / self.warmup[l], 1.0);
            let lr = self.lr[l] * factor;
            s.lr[l] = lr;
            if ADAPTIVE {
                let power = self.beta2_pow[l] * self.beta2[l];
                let power = pick(power < 1e-20, 0.0, power);
                self.beta2_pow[l] = pick(live, power, self.beta2_pow[l]);
                s.bias_correction2[l] = 1.0 - power;
            }
            let keeps_max = self.lr_max[l] > lr;
            let moves = !keeps_max & (self.lr_max[l].to_bits() != lr.to_bits());
            changed[l] = pick(live & moves, 1.0, 0.0);
            self.lr_max[l] = pick(live & moves, lr, self.lr_max[l]);
        });
        if changed.iter().any(|&c| c != 0.0) {
            let weights = live_powers(&s.lr, &self.weight_lr_power, &changed);
            each(|l| {
                self.lr_max_weight[l] = pick(changed[l] != 0.0, weights[l], self.lr_max_weight[l]);
            });
        }
        let mut weighted = [0.0; LANES];
        each(|l| weighted[l] = mask((alive[l] != 0.0) & (self.r[l] != 0.0)));
        let position = live_powers(&[next; LANES], &self.r, &weighted);
        each(|l| {
            let position_weight = pick(self.r[l] == 0.0, 1.0, position[l]);
            let weight = position_weight * self.lr_max_weight[l];
            let weight_sum = self.weight_sum[l] + weight;
            self.weight_sum[l] = pick(alive[l] != 0.0, weight_sum, self.weight_sum[l]);
            let ckp1 = pick(weight_sum == 0.0, 0.0, weight / weight_sum);
            s.ckp1[l] = ckp1;
            s.y_lr[l] = s.lr[l] * (self.beta[l] * (1.0 - ckp1) - 1.0);
        });
        s
    }
}

impl<const ADAPTIVE: bool> LaneRule for ScheduleFreeLanes<ADAPTIVE> {
    fn lr(&mut self) -> &mut [f64; LANES] {
        &mut self.lr
    }

    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn update(
        &mut self,
        alive: &[f64; LANES],
        point: [&mut [f64; LANES]; 2],
        g: [[f64; LANES]; 2],
        first: bool,
    ) {
        let s = self.scalars(alive);
        self.steps += 1;
        for (c, p) in point.into_iter().enumerate() {
            if first {
                self.z[c] = *p;
            }
            each(|l| {
                let live = alive[l] != 0.0;
                let mut g = g[c][l];
                if ADAPTIVE {
                    let beta2 = self.beta2[l];
                    let v = self.v[c][l] * beta2 + (1.0 - beta2) * (g * g);
                    self.v[c][l] = pick(live, v, self.v[c][l]);
                    g /= (v / s.bias_correction2[l]).sqrt() + self.eps[l];
                }
                let g = decayed(g, p[l], self.wd[l]);
                let z = self.z[c][l];
                let y = lerp(p[l], z, s.ckp1[l]) + s.y_lr[l] * g;
                self.z[c][l] = pick(live, z - s.lr[l] * g, z);
                p[l] = pick(live, y, p[l]);
            });
        }
    }
}
