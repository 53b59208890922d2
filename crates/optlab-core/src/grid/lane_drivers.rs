//! What drives the lanes from outside their rule: each lane's learning-rate schedule and its
//! gradient noise, computed exactly as the run engine computes them (`run.rs`: `Rates` and
//! `GradientNoise`), so a lane with a schedule or noise still ends bit for bit where the engine
//! ends. A schedule's lr (and the momentum of one that cycles it) is computed once per distinct
//! (schedule, base lr, momentum), not once per lane; noise is one `ChaCha` stream per lane, as
//! each run has its own seed.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::lane_ops::{LANES, LaneRule};
use crate::run::RunConfig;
use crate::schedule::{Schedule, Scheduler};

/// One lane's seeded Gaussian gradient noise (σ > 0).
#[derive(Clone, Debug)]
struct LaneNoise {
    sigma: f64,
    rng: ChaCha8Rng,
}

/// A scheduler and the lanes it drives: lanes whose schedules are equal, with the same base lr
/// and momentum and not reading the loss, get the same lr every step, so it is computed once.
#[derive(Clone, Debug)]
struct SharedScheduler {
    scheduler: Scheduler,
    /// 1.0 for the lanes it drives.
    lanes: [f64; LANES],
    /// Whether it drives their momentum too (it cycles it, and they have one: `Rates` then calls
    /// `UpdateRule::set_momentum` before every update).
    drives_momentum: bool,
}

/// The schedules and noise of up to [`LANES`] runs; empty (and free) when every lane has a
/// constant lr and exact gradients.
#[derive(Clone, Debug, Default)]
pub(super) struct Drivers {
    /// One scheduler per distinct schedule (per lane for `ReduceOnPlateau`, which reads the
    /// lane's loss); empty when every lane's schedule is constant.
    schedulers: Vec<SharedScheduler>,
    /// Per lane, its noise; empty when no lane has any.
    noise: Vec<Option<LaneNoise>>,
    /// Whether a scheduler drives its lanes' momentum.
    drives_momentum: bool,
}

/// The distinct schedulers of `chunk`'s scheduled lanes.
fn shared_schedulers(chunk: &[RunConfig]) -> Vec<SharedScheduler> {
    let mut shared: Vec<(SharedScheduler, &RunConfig)> = Vec::new();
    for (lane, config) in chunk.iter().enumerate().take(LANES) {
        if matches!(config.schedule, Schedule::Constant) {
            continue;
        }
        let same = |other: &RunConfig| {
            !config.schedule.reads_loss()
                && other.schedule == config.schedule
                && other.optimizer.lr().to_bits() == config.optimizer.lr().to_bits()
                && other.optimizer.momentum().map(f64::to_bits)
                    == config.optimizer.momentum().map(f64::to_bits)
        };
        if let Some((existing, _)) = shared.iter_mut().find(|(_, other)| same(other)) {
            existing.lanes[lane] = 1.0;
            continue;
        }
        let base_lr = config.optimizer.lr();
        let scheduler = Scheduler::new(&config.schedule, base_lr, config.optimizer.momentum());
        let mut lanes = [0.0; LANES];
        lanes[lane] = 1.0;
        let drives_momentum =
            scheduler.momentum().is_some() && config.optimizer.momentum().is_some();
        shared.push((SharedScheduler { scheduler, lanes, drives_momentum }, config));
    }
    shared.into_iter().map(|(s, _)| s).collect()
}

impl Drivers {
    /// The drivers of `chunk`'s runs, as the engine builds them.
    pub(super) fn of(chunk: &[RunConfig]) -> Self {
        let lanes = || chunk.iter().take(LANES);
        let noisy = lanes().any(|c| c.noise_sigma > 0.0);
        let noise = |c: &RunConfig| {
            (c.noise_sigma > 0.0)
                .then(|| LaneNoise { sigma: c.noise_sigma, rng: ChaCha8Rng::seed_from_u64(c.seed) })
        };
        let schedulers = shared_schedulers(chunk);
        let drives_momentum = schedulers.iter().any(|shared| shared.drives_momentum);
        Self {
            schedulers,
            noise: if noisy { lanes().map(noise).collect() } else { Vec::new() },
            drives_momentum,
        }
    }

    /// Whether any lane has a schedule (the rule's lrs are then set before every update).
    pub(super) fn is_scheduled(&self) -> bool {
        !self.schedulers.is_empty()
    }

    /// Whether any lane has gradient noise ([`Self::perturb`] does nothing otherwise).
    pub(super) fn is_noisy(&self) -> bool {
        !self.noise.is_empty()
    }

    /// The lr of update `step + 1` of every live lane given its loss after `step` updates
    /// (`Rates::lr_after`), written into `lr`; lanes without a schedule keep their value. A
    /// shared scheduler reads no loss, so stepping it with its first lane's is exact for all.
    pub(super) fn lr_after(
        &mut self,
        step: u64,
        loss: &[f64; LANES],
        alive: &[f64; LANES],
        lr: &mut [f64; LANES],
    ) {
        for shared in &mut self.schedulers {
            let Some(first) = shared.lanes.iter().position(|&on| on != 0.0) else { continue };
            if step > 0 {
                shared.scheduler.step(Some(loss[first]));
            }
            let value = shared.scheduler.lr();
            for lane in 0..LANES {
                if shared.lanes[lane] != 0.0 && alive[lane] != 0.0 {
                    lr[lane] = value;
                }
            }
        }
    }

    /// Whether any lane's schedule drives its momentum (see [`Self::drive_momentum`]).
    pub(super) fn drives_momentum(&self) -> bool {
        self.drives_momentum
    }

    /// `Rates::set_momentum` of update `step + 1` of every live lane whose schedule drives its
    /// momentum, after [`Self::lr_after`] has advanced the schedulers: the scheduler's momentum
    /// written into the rule's, then the rule told which lanes moved
    /// ([`LaneRule::momentum_driven`]).
    pub(super) fn drive_momentum<R: LaneRule>(
        &self,
        step: u64,
        alive: &[f64; LANES],
        rule: &mut R,
    ) {
        let Some(momentum) = rule.momentum() else { return };
        let mut driven = [0.0; LANES];
        for shared in self.schedulers.iter().filter(|shared| shared.drives_momentum) {
            let Some(value) = shared.scheduler.momentum() else { continue };
            for lane in 0..LANES {
                if shared.lanes[lane] != 0.0 && alive[lane] != 0.0 {
                    momentum[lane] = value;
                    driven[lane] = 1.0;
                }
            }
        }
        #[expect(
            clippy::cast_precision_loss,
            reason = "torch holds the step count as a float too"
        )]
        rule.momentum_driven(&driven, (step + 1) as f64);
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
