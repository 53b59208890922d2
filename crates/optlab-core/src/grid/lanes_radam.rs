//! `RAdam` in the lane kernel: [`LANES`] runs' moments in arrays, each update the operations of
//! `RAdamRule::begin_step` and `RAdamCoordinate::update` (`optim/radam.rs`) in the same order,
//! with selects instead of branches. The per-step scalars depend only on the update count and a
//! lane's β₁ or β₂, so they are computed once per distinct β in the chunk: 1 − β₁ᵗ (`powf`, 0
//! without it from twice the step where it first underflowed, as the rule does) and the
//! rectification (ρₜ > 5, √(1 − β₂ᵗ), rₜ), which is fixed once ρₜ has settled at ρ∞ — the
//! rule's own shortcuts, with the same bits as the plain formula (`tests/core/sweep.rs`,
//! `radam_lanes_match_the_engine_past_its_settling_points`).

#![expect(
    clippy::needless_bitwise_bool,
    reason = "branch-free lane code: `&` on bools keeps every lane's select free of jumps"
)]

use super::lane_ops::{LANES, LaneRule, decayed, each, lerp, pick};
use super::lane_powers::first_equal;
use crate::optim::OptimizerConfig;
use crate::run::RunConfig;

/// β₂ᵗ at or below 2⁻⁵⁶ is negligible next to 1 (the rule's `NEGLIGIBLE_POWER`).
const NEGLIGIBLE_POWER: f64 = 1.0 / 72_057_594_037_927_936.0;

/// Whether `value` is exactly 1 (the rule skips a division or product by it).
fn is_one(value: f64) -> bool {
    value.to_bits() == 1.0_f64.to_bits()
}

/// One update's rectification of one β₂: (1.0 when ρₜ > 5, √(1 − β₂ᵗ), rₜ).
type Rectification = [f64; 3];

/// `RAdamRule::rectification_with_power`: the rectification of update `t` given β₂ᵗ.
fn rectification(beta2: f64, t: f64, beta2_pow: f64) -> Rectification {
    let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
    let rho_t = rho_inf - 2.0 * t * beta2_pow / (1.0 - beta2_pow);
    if rho_t > 5.0 {
        let rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
            / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
            .powf(0.5);
        [1.0, (1.0 - beta2_pow).powf(0.5), rect]
    } else {
        [0.0, 1.0, 1.0]
    }
}

/// The per-β state of the rule's shortcuts, kept on the first lane of each distinct β.
#[derive(Clone, Copy)]
struct Shortcuts {
    /// The update at which β₁ᵗ first came out 0 (`RAdamRule::beta1_underflow`), else ∞.
    beta1_zero_at: [f64; LANES],
    /// The bits of the β₁ whose power came out 0 there (a cycled β₁ is powered afresh).
    beta1_zero_bits: [u64; LANES],
    /// The rectification of every update once ρₜ has settled (`RAdamRule::settled`).
    settled: [Option<Rectification>; LANES],
}

/// Per-lane hyperparameters and state of `RAdam`.
#[derive(Clone, Copy)]
pub(super) struct RAdamLanes {
    lr: [f64; LANES],
    beta1: [f64; LANES],
    beta2: [f64; LANES],
    eps: [f64; LANES],
    wd: [f64; LANES],
    /// 1.0 for decoupled weight decay.
    decoupled: [f64; LANES],
    /// Each lane's first lane with the same β₁, and with the same β₂.
    beta1_first: [usize; LANES],
    /// 1.0 for a lane whose β₁ a cycling schedule writes: its β₁ᵗ is its own, not shared.
    moved: [f64; LANES],
    beta2_first: [usize; LANES],
    shortcuts: Shortcuts,
    /// Updates taken by the live lanes.
    steps: u64,
    /// torch's `exp_avg` and `exp_avg_sq` of x and y.
    m: [[f64; LANES]; 2],
    v: [[f64; LANES]; 2],
}

/// One update's per-lane scalars.
struct Scalars {
    bias_correction1: [f64; LANES],
    rectified: [f64; LANES],
    root_bc2: [f64; LANES],
    rect: [f64; LANES],
}

impl RAdamLanes {
    /// The lanes of `chunk` (`RAdam` configs; any other lane stays at lr 0).
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let mut lanes = Self {
            lr: [0.0; LANES],
            beta1: [0.0; LANES],
            beta2: [0.0; LANES],
            eps: [1.0; LANES],
            wd: [0.0; LANES],
            decoupled: [0.0; LANES],
            beta1_first: [0; LANES],
            beta2_first: [0; LANES],
            shortcuts: Shortcuts {
                beta1_zero_at: [f64::INFINITY; LANES],
                beta1_zero_bits: [0; LANES],
                settled: [None; LANES],
            },
            moved: [0.0; LANES],
            steps: 0,
            m: [[0.0; LANES]; 2],
            v: [[0.0; LANES]; 2],
        };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            if let OptimizerConfig::RAdam {
                lr,
                beta1,
                beta2,
                eps,
                weight_decay,
                decoupled_weight_decay,
            } = config.optimizer
            {
                lanes.lr[lane] = lr;
                lanes.beta1[lane] = beta1;
                lanes.beta2[lane] = beta2;
                lanes.eps[lane] = eps;
                lanes.wd[lane] = weight_decay;
                lanes.decoupled[lane] = if decoupled_weight_decay { 1.0 } else { 0.0 };
            }
        }
        lanes.beta1_first = first_equal(&lanes.beta1);
        lanes.beta2_first = first_equal(&lanes.beta2);
        lanes
    }

    /// `RAdamRule::beta1_power` of update `t` for the current β₁ of `lane` (a first lane, or a
    /// moved one): 0 without the `powf` from twice the update where this β₁'s power first
    /// came out 0.
    fn beta1_power(&mut self, lane: usize, t: f64) -> f64 {
        let beta1 = self.beta1[lane];
        let bits = beta1.to_bits();
        let zero_at = self.shortcuts.beta1_zero_at[lane];
        let known = zero_at.is_finite() && self.shortcuts.beta1_zero_bits[lane] == bits;
        if known && t >= 2.0 * zero_at {
            return 0.0;
        }
        let power = beta1.powf(t);
        if power == 0.0 && (0.0..1.0).contains(&beta1) && !known {
            self.shortcuts.beta1_zero_at[lane] = t;
            self.shortcuts.beta1_zero_bits[lane] = bits;
        }
        power
    }

    /// `RAdamRule::rectification_settling` of update `t` for the β₂ of `lane` (a first lane).
    fn rectification(&mut self, lane: usize, t: f64) -> Rectification {
        if let Some(settled) = self.shortcuts.settled[lane] {
            return settled;
        }
        let beta2 = self.beta2[lane];
        let beta2_pow = beta2.powf(t);
        let decay = 2.0 * t * beta2_pow;
        let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
        let ulp = f64::from_bits(rho_inf.to_bits() + 1) - rho_inf;
        if (0.0..=NEGLIGIBLE_POWER).contains(&beta2_pow) && decay <= ulp / 8.0 {
            self.shortcuts.settled[lane] = Some(rectification(beta2, t, 0.0));
        }
        rectification(beta2, t, beta2_pow)
    }

    /// The scalars of update `t` of every live lane, once per distinct β₁ and β₂.
    fn scalars(&mut self, t: f64, alive: &[f64; LANES]) -> Scalars {
        let mut s = Scalars {
            bias_correction1: [1.0; LANES],
            rectified: [0.0; LANES],
            root_bc2: [1.0; LANES],
            rect: [1.0; LANES],
        };
        for lane in 0..LANES {
            if alive[lane] == 0.0 {
                continue;
            }
            let first1 = self.beta1_first[lane];
            let own = first1 == lane || alive[first1] == 0.0;
            let moved = self.moved[lane] != 0.0 || self.moved[first1] != 0.0;
            s.bias_correction1[lane] = if own || moved {
                1.0 - self.beta1_power(lane, t)
            } else {
                s.bias_correction1[first1]
            };
            let first2 = self.beta2_first[lane];
            [s.rectified[lane], s.root_bc2[lane], s.rect[lane]] =
                if first2 == lane || alive[first2] == 0.0 {
                    self.rectification(lane, t)
                } else {
                    [s.rectified[first2], s.root_bc2[first2], s.rect[first2]]
                };
        }
        s
    }
}

impl LaneRule for RAdamLanes {
    fn lr(&mut self) -> &mut [f64; LANES] {
        &mut self.lr
    }

    /// β₁ (`RAdamRule::set_momentum`); the update's β₁ᵗ is then Python's `beta1 ** t` of it.
    fn momentum(&mut self) -> Option<&mut [f64; LANES]> {
        Some(&mut self.beta1)
    }

    fn momentum_driven(&mut self, driven: &[f64; LANES], _update: f64) {
        each(|l| self.moved[l] = pick(driven[l] != 0.0, 1.0, self.moved[l]));
    }

    #[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
    #[inline(always)]
    fn update(
        &mut self,
        alive: &[f64; LANES],
        point: [&mut [f64; LANES]; 2],
        g: [[f64; LANES]; 2],
        _first: bool,
    ) {
        self.steps += 1;
        #[expect(clippy::cast_precision_loss, reason = "torch holds the step count as a float too")]
        let s = self.scalars(self.steps as f64, alive);
        for (c, p) in point.into_iter().enumerate() {
            each(|l| {
                let live = alive[l] != 0.0;
                let (lr, wd) = (self.lr[l], self.wd[l]);
                let decoupled = self.decoupled[l] != 0.0;
                let q = pick(decoupled & (wd != 0.0), p[l] * (1.0 - lr * wd), p[l]);
                let g = decayed(g[c][l], q, pick(decoupled, 0.0, wd));
                let beta2 = self.beta2[l];
                let m = lerp(self.m[c][l], g, 1.0 - self.beta1[l]);
                let v = self.v[c][l] * beta2 + (1.0 - beta2) * g * g;
                let bc1 = s.bias_correction1[l];
                let corrected = pick(is_one(bc1), m, m / bc1);
                let reciprocal = 1.0 / (v.sqrt() + self.eps[l]);
                let root_bc2 = s.root_bc2[l];
                let adaptive = pick(is_one(root_bc2), reciprocal, reciprocal * root_bc2);
                let rectified = corrected * lr * adaptive * s.rect[l];
                let step = pick(s.rectified[l] != 0.0, rectified, corrected * lr);
                self.m[c][l] = pick(live, m, self.m[c][l]);
                self.v[c][l] = pick(live, v, self.v[c][l]);
                p[l] = pick(live, q - step, p[l]);
            });
        }
    }
}
