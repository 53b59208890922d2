//! A schedule in motion: the learning rate (and, for momentum-cycling schedules, the momentum)
//! of the next update, advanced once per update as PyTorch's `scheduler.step()`.
//!
//! PLACEHOLDER(s5-enum): this first version only counts updates and calls [`Schedule::lr`]; the
//! schedule helper replaces the inside with PyTorch's recursive forms, `ReduceOnPlateau` and
//! momentum cycling, keeping this interface.

use super::Schedule;

/// The state of one schedule during one run.
#[derive(Clone, Debug)]
pub struct Scheduler {
    schedule: Schedule,
    base_lr: f64,
    updates_done: u64,
}

impl Scheduler {
    /// The schedule at the start of a run whose optimizer has learning rate `base_lr` and
    /// momentum (or β₁) `base_momentum` (`None` when it has none). Validation happens before
    /// (`Schedule::validate`, the run's checks); this never fails.
    #[must_use]
    pub fn new(schedule: &Schedule, base_lr: f64, base_momentum: Option<f64>) -> Self {
        let _ = base_momentum;
        Self { schedule: schedule.clone(), base_lr, updates_done: 0 }
    }

    /// The learning rate of the next update.
    #[must_use]
    pub fn lr(&self) -> f64 {
        self.schedule.lr(self.base_lr, self.updates_done)
    }

    /// The momentum (or β₁) of the next update when the schedule drives it, else `None`.
    #[must_use]
    pub fn momentum(&self) -> Option<f64> {
        None
    }

    /// Advances past one update; `loss` is the loss at the new position (training: the epoch's
    /// validation loss), read only by `ReduceOnPlateau`.
    pub fn step(&mut self, loss: Option<f64>) {
        let _ = loss;
        self.updates_done += 1;
    }
}

impl Schedule {
    /// The learning rate of each of `updates` updates, and the momentum of each when the
    /// schedule drives it; no loss is seen (`ReduceOnPlateau` stays flat). For previews.
    #[must_use]
    pub fn preview(
        &self,
        base_lr: f64,
        base_momentum: Option<f64>,
        updates: u64,
    ) -> (Vec<f64>, Option<Vec<f64>>) {
        let mut scheduler = Scheduler::new(self, base_lr, base_momentum);
        let mut lrs = Vec::new();
        let mut momenta = Vec::new();
        for _ in 0..updates {
            lrs.push(scheduler.lr());
            momenta.extend(scheduler.momentum());
            scheduler.step(None);
        }
        let moves = momenta.len() as u64 == updates && updates > 0;
        (lrs, moves.then_some(momenta))
    }

    /// Whether the schedule drives the optimizer's momentum (`Cyclic`/`OneCycle` with
    /// `cycle_momentum`).
    #[must_use]
    pub fn cycles_momentum(&self) -> bool {
        false
    }

    /// Whether the schedule reads the loss (`ReduceOnPlateau`, also inside a combination).
    #[must_use]
    pub fn reads_loss(&self) -> bool {
        false
    }
}
