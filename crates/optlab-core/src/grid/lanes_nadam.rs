//! `NAdam` in the lane kernel: [`LANES`] runs' moments and momentum products in arrays, each
//! update torch's `_single_tensor_nadam` written out plainly — the arithmetic `NAdamRule`'s
//! shortcuts are proven (by `tests/core/fast_path_speed_bits.rs`) to reproduce bit for bit —
//! with selects instead of branches. The powers 0.96^(tψ), 0.96^((t+1)ψ) and β₂ᵗ are one
//! `powf` per distinct value in the chunk, the same call the rule makes.

#![expect(
    clippy::needless_bitwise_bool,
    reason = "branch-free lane code: `&` on bools keeps every lane's select free of jumps"
)]

use super::lane_ops::{LANES, LaneRule, decayed, each, lerp, pick};
use super::lane_powers::distinct_powers;
use crate::optim::OptimizerConfig;
use crate::run::RunConfig;

/// Per-lane hyperparameters and state of `NAdam`.
#[derive(Clone, Copy)]
pub(super) struct NAdamLanes {
    lr: [f64; LANES],
    beta1: [f64; LANES],
    beta2: [f64; LANES],
    eps: [f64; LANES],
    wd: [f64; LANES],
    momentum_decay: [f64; LANES],
    /// 1.0 for decoupled weight decay.
    decoupled: [f64; LANES],
    /// Updates taken (exact in f64 below 2⁵³).
    steps: [f64; LANES],
    /// torch's `mu_product`.
    mu_product: [f64; LANES],
    /// torch's `exp_avg` and `exp_avg_sq` of x and y.
    m: [[f64; LANES]; 2],
    v: [[f64; LANES]; 2],
}

/// One update's per-lane scalars: (β₂ᵗ correction, gradient and momentum coefficients, μ).
struct Scalars {
    bias_correction2: [f64; LANES],
    grad_coefficient: [f64; LANES],
    momentum_coefficient: [f64; LANES],
    mu_product: [f64; LANES],
}

impl NAdamLanes {
    /// The lanes of `chunk` (`NAdam` configs; any other lane stays at lr 0).
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let mut lanes = Self {
            lr: [0.0; LANES],
            beta1: [0.0; LANES],
            beta2: [0.0; LANES],
            eps: [1.0; LANES],
            wd: [0.0; LANES],
            momentum_decay: [0.0; LANES],
            decoupled: [0.0; LANES],
            steps: [0.0; LANES],
            mu_product: [1.0; LANES],
            m: [[0.0; LANES]; 2],
            v: [[0.0; LANES]; 2],
        };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            if let OptimizerConfig::NAdam {
                lr,
                beta1,
                beta2,
                eps,
                weight_decay,
                momentum_decay,
                decoupled_weight_decay,
            } = config.optimizer
            {
                lanes.lr[lane] = lr;
                lanes.beta1[lane] = beta1;
                lanes.beta2[lane] = beta2;
                lanes.eps[lane] = eps;
                lanes.wd[lane] = weight_decay;
                lanes.momentum_decay[lane] = momentum_decay;
                lanes.decoupled[lane] = if decoupled_weight_decay { 1.0 } else { 0.0 };
            }
        }
        lanes
    }

    /// torch's per-step scalars for update number `steps` of every lane.
    fn scalars(&self, steps: &[f64; LANES]) -> Scalars {
        let mut exponent = [0.0; LANES];
        let mut exponent_next = [0.0; LANES];
        each(|l| {
            exponent[l] = steps[l] * self.momentum_decay[l];
            exponent_next[l] = (steps[l] + 1.0) * self.momentum_decay[l];
        });
        let decay = [0.96; LANES];
        let power = distinct_powers(&decay, &exponent);
        let power_next = distinct_powers(&decay, &exponent_next);
        let beta2_power = distinct_powers(&self.beta2, steps);
        let mut s = Scalars {
            bias_correction2: [0.0; LANES],
            grad_coefficient: [0.0; LANES],
            momentum_coefficient: [0.0; LANES],
            mu_product: [0.0; LANES],
        };
        each(|l| {
            let (beta1, lr) = (self.beta1[l], self.lr[l]);
            let mu = beta1 * (1.0 - 0.5 * power[l]);
            let mu_next = beta1 * (1.0 - 0.5 * power_next[l]);
            let mu_product = self.mu_product[l] * mu;
            s.bias_correction2[l] = 1.0 - beta2_power[l];
            s.grad_coefficient[l] = -lr * (1.0 - mu) / (1.0 - mu_product);
            s.momentum_coefficient[l] = (-lr * mu_next) / (1.0 - mu_product * mu_next);
            s.mu_product[l] = mu_product;
        });
        s
    }

    /// `NAdamCoordinate::update` of coordinate `c` of lane `l`: (new parameter, m, v).
    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn coordinate(&self, (c, l): (usize, usize), p: f64, g: f64, s: &Scalars) -> [f64; 3] {
        let decoupled = self.decoupled[l] != 0.0;
        let wd = self.wd[l];
        let p = pick(decoupled & (wd != 0.0), p * (1.0 - self.lr[l] * wd), p);
        let coupled = pick(decoupled, 0.0, wd);
        let g = decayed(g, p, coupled);
        let (m, weight) = (self.m[c][l], 1.0 - self.beta1[l]);
        let m = lerp(m, g, weight);
        let beta2 = self.beta2[l];
        let v = self.v[c][l] * beta2 + (1.0 - beta2) * g * g;
        let denom = (v / s.bias_correction2[l]).sqrt() + self.eps[l];
        let p = p + s.grad_coefficient[l] * g / denom;
        [p + s.momentum_coefficient[l] * m / denom, m, v]
    }
}

impl LaneRule for NAdamLanes {
    fn lr(&mut self) -> &mut [f64; LANES] {
        &mut self.lr
    }

    /// β₁, from which every update recomputes μₜ and μₜ₊₁ as `NAdamRule::begin_step` does
    /// (∏μ keeps the μ of past updates, as torch's `mu_product` does).
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
        let s = self.scalars(&steps);
        each(|l| {
            let live = alive[l] != 0.0;
            self.steps[l] = pick(live, steps[l], self.steps[l]);
            self.mu_product[l] = pick(live, s.mu_product[l], self.mu_product[l]);
            for (c, p) in [&mut *x, &mut *y].into_iter().enumerate() {
                let [new_p, m, v] = self.coordinate((c, l), p[l], g[c][l], &s);
                self.m[c][l] = pick(live, m, self.m[c][l]);
                self.v[c][l] = pick(live, v, self.v[c][l]);
                p[l] = pick(live, new_p, p[l]);
            }
        });
    }
}
