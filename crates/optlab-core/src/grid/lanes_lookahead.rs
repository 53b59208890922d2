//! `NesterovLookahead` in the lane kernel: Sutskever's form, v ← μv − η∇L(x + μv), x ← x + v,
//! the operations of `LookaheadRule::step_2d` (`optim/momentum.rs`) in the same order. The
//! update's gradient is taken at the look-ahead point ([`LaneRule::gradient_point`]), while the
//! loss, the divergence checks and the end point are those of x, as in the engine.

use super::lane_ops::{LANES, LaneRule, each, pick};
use crate::optim::OptimizerConfig;
use crate::run::RunConfig;

/// Per-lane hyperparameters and velocities of `NesterovLookahead`.
#[derive(Clone, Copy)]
pub(super) struct LookaheadLanes {
    lr: [f64; LANES],
    mu: [f64; LANES],
    /// The velocity v of x and y, in parameter units.
    v: [[f64; LANES]; 2],
}

impl LookaheadLanes {
    /// The lanes of `chunk` (`NesterovLookahead` configs; any other lane stays at lr 0).
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let mut lanes = Self { lr: [0.0; LANES], mu: [0.0; LANES], v: [[0.0; LANES]; 2] };
        for (lane, config) in chunk.iter().enumerate().take(LANES) {
            if let OptimizerConfig::NesterovLookahead { lr, momentum } = config.optimizer {
                lanes.lr[lane] = lr;
                lanes.mu[lane] = momentum;
            }
        }
        lanes
    }
}

impl LaneRule for LookaheadLanes {
    const LOOKAHEAD: bool = true;

    /// x̄ = x + μv (`LookaheadRule::gradient_point`).
    fn gradient_point(&self, [x, y]: [&[f64; LANES]; 2]) -> [[f64; LANES]; 2] {
        let mut point = [[0.0; LANES]; 2];
        each(|l| {
            point[0][l] = x[l] + self.mu[l] * self.v[0][l];
            point[1][l] = y[l] + self.mu[l] * self.v[1][l];
        });
        point
    }

    fn lr(&mut self) -> &mut [f64; LANES] {
        &mut self.lr
    }

    /// μ (`LookaheadRule::set_momentum`), written after the look-ahead point was taken with
    /// the previous μ, as the engine does.
    fn momentum(&mut self) -> Option<&mut [f64; LANES]> {
        Some(&mut self.mu)
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
        for (c, p) in point.into_iter().enumerate() {
            each(|l| {
                let live = alive[l] != 0.0;
                let v = self.mu[l] * self.v[c][l] - self.lr[l] * g[c][l];
                self.v[c][l] = pick(live, v, self.v[c][l]);
                p[l] = pick(live, p[l] + v, p[l]);
            });
        }
    }
}
