//! What drives the lanes from outside their rule: each lane's learning-rate schedule and its
//! gradient noise, computed exactly as the run engine computes them (`run.rs`: `Rates` and
//! `GradientNoise`), one scalar object per lane, so a lane with a schedule or noise still ends
//! bit for bit where the engine ends.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::lane_ops::LANES;
use crate::run::RunConfig;
use crate::schedule::{Schedule, Scheduler};

/// One lane's seeded Gaussian gradient noise (σ > 0).
#[derive(Clone, Debug)]
struct LaneNoise {
    sigma: f64,
    rng: ChaCha8Rng,
}

/// The schedules and noise of up to [`LANES`] runs; empty (and free) when every lane has a
/// constant lr and exact gradients.
#[derive(Clone, Debug, Default)]
pub(super) struct Drivers {
    /// Per lane, its scheduler; empty when every lane's schedule is constant.
    schedulers: Vec<Option<Scheduler>>,
    /// Per lane, its noise; empty when no lane has any.
    noise: Vec<Option<LaneNoise>>,
}

impl Drivers {
    /// The drivers of `chunk`'s runs, as the engine builds them.
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let lanes = || chunk.iter().take(LANES);
        let scheduled = lanes().any(|c| !matches!(c.schedule, Schedule::Constant));
        let noisy = lanes().any(|c| c.noise_sigma > 0.0);
        let scheduler = |c: &RunConfig| {
            let base_lr = c.optimizer.lr();
            (!matches!(c.schedule, Schedule::Constant))
                .then(|| Scheduler::new(&c.schedule, base_lr, c.optimizer.momentum()))
        };
        let noise = |c: &RunConfig| {
            (c.noise_sigma > 0.0)
                .then(|| LaneNoise { sigma: c.noise_sigma, rng: ChaCha8Rng::seed_from_u64(c.seed) })
        };
        Self {
            schedulers: if scheduled { lanes().map(scheduler).collect() } else { Vec::new() },
            noise: if noisy { lanes().map(noise).collect() } else { Vec::new() },
        }
    }

    /// Whether any lane has a schedule (the rule's lrs are then set before every update).
    pub(super) fn is_scheduled(&self) -> bool {
        !self.schedulers.is_empty()
    }

    /// The lr of update `step + 1` of every live lane given its loss after `step` updates
    /// (`Rates::lr_after`), written into `lr`; lanes without a schedule keep their value.
    pub(super) fn lr_after(
        &mut self,
        step: u64,
        loss: &[f64; LANES],
        alive: &[f64; LANES],
        lr: &mut [f64; LANES],
    ) {
        for (lane, scheduler) in self.schedulers.iter_mut().enumerate() {
            if let Some(scheduler) = scheduler
                && alive[lane] != 0.0
            {
                if step > 0 {
                    scheduler.step(Some(loss[lane]));
                }
                lr[lane] = scheduler.lr();
            }
        }
    }

    /// Adds each live noisy lane's N(0, σ²) draws to its gradient, x then y, as
    /// `GradientNoise::perturb` does.
    pub(super) fn perturb(&mut self, alive: &[f64; LANES], [gx, gy]: [&mut [f64; LANES]; 2]) {
        for (lane, noise) in self.noise.iter_mut().enumerate() {
            if let Some(noise) = noise
                && alive[lane] != 0.0
            {
                let z: f64 = StandardNormal.sample(&mut noise.rng);
                gx[lane] += noise.sigma * z;
                let z: f64 = StandardNormal.sample(&mut noise.rng);
                gy[lane] += noise.sigma * z;
            }
        }
    }
}
