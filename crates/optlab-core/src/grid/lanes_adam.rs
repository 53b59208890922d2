//! Adam and AdamW in the lane kernel: [`LANES`] runs' moments in arrays, each update the same
//! operations in the same order as `AdamRule::begin_step` and `AdamCoordinate::update`
//! (`optim/adam.rs`), with selects instead of branches, so a lane ends bit for bit where the
//! run engine ends.

#![expect(
    clippy::needless_bitwise_bool,
    reason = "branch-free lane code: `&` on bools keeps every lane's select free of jumps"
)]

use super::lane_ops::{LANES, LaneRule, decayed, each, pick};
use crate::optim::OptimizerConfig;
use crate::optim::flush_negligible;
use crate::run::RunConfig;

/// Per-lane hyperparameters and state of Adam/AdamW.
#[derive(Clone, Copy)]
pub(super) struct AdamLanes {
    lr: [f64; LANES],
    beta1: [f64; LANES],
    beta2: [f64; LANES],
    eps: [f64; LANES],
    wd: [f64; LANES],
    /// 1.0 for AdamW's decoupled decay, 0.0 for Adam's coupled one.
    decoupled: [f64; LANES],
    /// 1.0 with bias correction (AdamW always), 0.0 without.
    corrected: [f64; LANES],
    /// 1.0 with AMSGrad.
    amsgrad: [f64; LANES],
    /// β₁ᵗ and β₂ᵗ as running products, flushed as the rule flushes them.
    beta1_pow: [f64; LANES],
    /// 1.0 once a cycling schedule has moved the lane's β₁ (`AdamRule::beta1_moved`): its β₁ᵗ
    /// is then [`Self::moved_beta1_pow`].
    moved: [f64; LANES],
    /// Python's `beta1 ** t` of the current β₁ and update t, flushed, for the moved lanes.
    moved_beta1_pow: [f64; LANES],
    beta2_pow: [f64; LANES],
    /// No lane has weight decay or AMSGrad: the update is then [`Self::plain_coordinate`].
    plain: bool,
    /// torch's `exp_avg`, `exp_avg_sq` and `max_exp_avg_sq` of x and y.
    m: [[f64; LANES]; 2],
    v: [[f64; LANES]; 2],
    v_max: [[f64; LANES]; 2],
}

impl AdamLanes {
    /// The lanes of `chunk` (Adam or AdamW configs; any other lane stays at lr 0).
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let mut lanes = Self {
            lr: [0.0; LANES],
            beta1: [0.0; LANES],
            beta2: [0.0; LANES],
            eps: [1.0; LANES],
            wd: [0.0; LANES],
            decoupled: [0.0; LANES],
            corrected: [0.0; LANES],
            amsgrad: [0.0; LANES],
            beta1_pow: [1.0; LANES],
            moved: [0.0; LANES],
            moved_beta1_pow: [1.0; LANES],
            beta2_pow: [1.0; LANES],
            plain: true,
            m: [[0.0; LANES]; 2],
            v: [[0.0; LANES]; 2],
            v_max: [[0.0; LANES]; 2],
        };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            lanes.set(lane, &config.optimizer);
        }
        lanes
    }

    fn set(&mut self, lane: usize, optimizer: &OptimizerConfig) {
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let (lr, beta1, beta2, eps, wd, decoupled, corrected, amsgrad) = match *optimizer {
            OptimizerConfig::Adam {
                lr,
                beta1,
                beta2,
                eps,
                bias_correction,
                amsgrad,
                weight_decay,
            } => (lr, beta1, beta2, eps, weight_decay, false, bias_correction, amsgrad),
            OptimizerConfig::AdamW { lr, beta1, beta2, eps, amsgrad, weight_decay } => {
                (lr, beta1, beta2, eps, weight_decay, true, true, amsgrad)
            }
            _ => return,
        };
        self.lr[lane] = lr;
        self.beta1[lane] = beta1;
        self.beta2[lane] = beta2;
        self.eps[lane] = eps;
        self.wd[lane] = wd;
        self.decoupled[lane] = flag(decoupled);
        self.corrected[lane] = flag(corrected);
        self.amsgrad[lane] = flag(amsgrad);
        self.plain &= wd == 0.0 && !amsgrad;
    }

    /// `AdamRule::begin_step` of one lane: (step size, ε, coupled λ, shrink, decoupled active).
    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn begin(&mut self, l: usize, live: bool) -> [f64; 5] {
        let beta1_pow = pick(
            self.moved[l] != 0.0,
            self.moved_beta1_pow[l],
            flush_negligible(self.beta1_pow[l] * self.beta1[l]),
        );
        let beta2_pow = flush_negligible(self.beta2_pow[l] * self.beta2[l]);
        self.beta1_pow[l] = pick(live, beta1_pow, self.beta1_pow[l]);
        self.beta2_pow[l] = pick(live, beta2_pow, self.beta2_pow[l]);
        let negligible = (beta1_pow == 0.0) & (beta2_pow == 0.0);
        let corrected = (self.corrected[l] != 0.0) & !negligible;
        let bc1 = pick(corrected, 1.0 - beta1_pow, 1.0);
        let root_bc2 = pick(corrected, (1.0 - beta2_pow).sqrt(), 1.0);
        // The rule's `(bc1, root_bc2) != (1.0, 1.0)`, compared exactly as it does.
        let unit = (bc1.to_bits() == 1f64.to_bits()) & (root_bc2.to_bits() == 1f64.to_bits());
        let scaled = corrected & !unit;
        let (lr, eps, wd) = (self.lr[l], self.eps[l], self.wd[l]);
        let step_size = pick(scaled, lr * root_bc2 / bc1, lr);
        let eps = pick(scaled, eps * root_bc2, eps);
        let decoupled = self.decoupled[l] != 0.0;
        let coupled = pick(decoupled, 0.0, wd);
        let shrink = pick(decoupled, 1.0 - lr * wd, 1.0);
        let active = pick(decoupled & (wd != 0.0), 1.0, 0.0);
        [step_size, eps, coupled, shrink, active]
    }

    /// `AdamCoordinate::update` of coordinate `c` of one lane; returns the new parameter.
    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn coordinate(
        &mut self,
        (c, l): (usize, usize),
        p: f64,
        g: f64,
        scalars: [f64; 5],
        live: bool,
    ) -> f64 {
        let [step_size, eps, coupled, shrink, active] = scalars;
        let p = pick(active != 0.0, p * shrink, p);
        let g = decayed(g, p, coupled);
        let (beta1, beta2) = (self.beta1[l], self.beta2[l]);
        let m = self.m[c][l] + (1.0 - beta1) * (g - self.m[c][l]);
        let v = beta2 * self.v[c][l] + (1.0 - beta2) * g * g;
        let raise = (v > self.v_max[c][l]) | v.is_nan();
        let v_max = pick(raise, v, self.v_max[c][l]);
        let second = pick(self.amsgrad[l] != 0.0, v_max, v);
        let new_p = p - step_size * m / (second.sqrt() + eps);
        self.m[c][l] = pick(live, m, self.m[c][l]);
        self.v[c][l] = pick(live, v, self.v[c][l]);
        self.v_max[c][l] = pick(live & (self.amsgrad[l] != 0.0), v_max, self.v_max[c][l]);
        new_p
    }
}

impl AdamLanes {
    /// [`Self::coordinate`] when [`Self::plain`]: without decay the parameter and gradient
    /// pass unchanged (λ = 0 selects them), and without AMSGrad the second moment is v, so
    /// these are the same operations on the same numbers.
    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn plain_coordinate(
        &mut self,
        (c, l): (usize, usize),
        p: f64,
        g: f64,
        [step_size, eps]: [f64; 2],
        live: bool,
    ) -> f64 {
        let (beta1, beta2) = (self.beta1[l], self.beta2[l]);
        let m = self.m[c][l] + (1.0 - beta1) * (g - self.m[c][l]);
        let v = beta2 * self.v[c][l] + (1.0 - beta2) * g * g;
        let new_p = p - step_size * m / (v.sqrt() + eps);
        self.m[c][l] = pick(live, m, self.m[c][l]);
        self.v[c][l] = pick(live, v, self.v[c][l]);
        new_p
    }
}

impl LaneRule for AdamLanes {
    fn lr(&mut self) -> &mut [f64; LANES] {
        &mut self.lr
    }

    fn momentum(&mut self) -> Option<&mut [f64; LANES]> {
        Some(&mut self.beta1)
    }

    /// `AdamRule::set_momentum` and the moved branch of its `begin_step`: β₁ᵗ becomes
    /// `flush_negligible(python_pow(β₁, t))`, one `powf` per distinct β₁ among the driven lanes.
    fn momentum_driven(&mut self, driven: &[f64; LANES], update: f64) {
        for lane in (0..LANES).filter(|&lane| driven[lane] != 0.0) {
            let beta1 = self.beta1[lane];
            let earlier =
                (0..lane).find(|&e| driven[e] != 0.0 && self.beta1[e].to_bits() == beta1.to_bits());
            self.moved[lane] = 1.0;
            self.moved_beta1_pow[lane] = match earlier {
                Some(e) => self.moved_beta1_pow[e],
                None => flush_negligible(beta1.powf(update)),
            };
        }
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
        if self.plain {
            each(|l| {
                let live = alive[l] != 0.0;
                let [step_size, eps, ..] = self.begin(l, live);
                let nx = self.plain_coordinate((0, l), x[l], gx[l], [step_size, eps], live);
                let ny = self.plain_coordinate((1, l), y[l], gy[l], [step_size, eps], live);
                x[l] = pick(live, nx, x[l]);
                y[l] = pick(live, ny, y[l]);
            });
            return;
        }
        each(|l| {
            let live = alive[l] != 0.0;
            let scalars = self.begin(l, live);
            let nx = self.coordinate((0, l), x[l], gx[l], scalars, live);
            let ny = self.coordinate((1, l), y[l], gy[l], scalars, live);
            x[l] = pick(live, nx, x[l]);
            y[l] = pick(live, ny, y[l]);
        });
    }
}
