//! A schedule in motion: the learning rate (and, for momentum-cycling schedules, the momentum)
//! of the next update, advanced once per update as PyTorch's `scheduler.step()`.
//!
//! The course's schedules used alone (`Constant`, `Exponential`, `InverseTime`, `Step`,
//! `MultiStep`, `Cosine`, `Warmup` of those) keep their closed forms ([`Schedule::lr`]);
//! `ReduceOnPlateau` follows the loss it is shown; every other schedule, and every schedule
//! inside `Sequential`/`Chained`, runs PyTorch's scheduler objects step for step (see
//! `torch_sim`).

use super::torch_sim::{Group, Node};
use super::{PlateauMode, Schedule, ThresholdMode};

/// The state of one schedule during one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Scheduler {
    engine: Engine,
    cycles_momentum: bool,
}

/// How the lr is produced.
#[derive(Clone, Debug, PartialEq)]
enum Engine {
    /// A course schedule alone: its closed form at the update counter.
    ClosedForm { schedule: Schedule, base_lr: f64, updates_done: u64 },
    /// PyTorch's scheduler objects on a param group.
    Torch { node: Box<Node>, group: Group },
    /// `ReduceLROnPlateau`.
    Plateau(Plateau),
}

/// `ReduceLROnPlateau`'s settings and state.
#[derive(Clone, Debug, PartialEq)]
struct Plateau {
    lr: f64,
    mode: PlateauMode,
    factor: f64,
    patience: u64,
    threshold: f64,
    threshold_mode: ThresholdMode,
    cooldown: u64,
    min_lr: f64,
    eps: f64,
    best: f64,
    bad_epochs: u64,
    cooldown_counter: u64,
}

impl Scheduler {
    /// The schedule at the start of a run whose optimizer has learning rate `base_lr` and
    /// momentum (or β₁) `base_momentum` (`None` when it has none). Validation happens before
    /// (`Schedule::validate`, the run's checks); this never fails.
    #[must_use]
    pub fn new(schedule: &Schedule, base_lr: f64, base_momentum: Option<f64>) -> Self {
        let cycles_momentum = schedule.cycles_momentum();
        let engine = if let Some(plateau) = Plateau::new(schedule, base_lr) {
            Engine::Plateau(plateau)
        } else if schedule.is_closed_form() {
            Engine::ClosedForm { schedule: schedule.clone(), base_lr, updates_done: 0 }
        } else {
            let mut group = Group { lr: base_lr, initial_lr: None, momentum: base_momentum };
            let node = Box::new(Node::build(schedule, &mut group));
            Engine::Torch { node, group }
        };
        Self { engine, cycles_momentum }
    }

    /// The learning rate of the next update.
    #[must_use]
    pub fn lr(&self) -> f64 {
        match &self.engine {
            Engine::ClosedForm { schedule, base_lr, updates_done } => {
                schedule.lr(*base_lr, *updates_done)
            }
            Engine::Torch { group, .. } => group.lr,
            Engine::Plateau(plateau) => plateau.lr,
        }
    }

    /// The momentum (or β₁) of the next update when the schedule drives it, else `None`.
    #[must_use]
    pub fn momentum(&self) -> Option<f64> {
        match &self.engine {
            Engine::Torch { group, .. } if self.cycles_momentum => group.momentum,
            _ => None,
        }
    }

    /// Advances past one update; `loss` is the loss at the new position (training: the epoch's
    /// validation loss), read only by `ReduceOnPlateau`, which stays put without one.
    pub fn step(&mut self, loss: Option<f64>) {
        match &mut self.engine {
            Engine::ClosedForm { updates_done, .. } => *updates_done += 1,
            Engine::Torch { node, group } => node.step(group),
            Engine::Plateau(plateau) => {
                if let Some(loss) = loss {
                    plateau.step(loss);
                }
            }
        }
    }
}

impl Plateau {
    /// The plateau state of `schedule` if it is `ReduceOnPlateau`.
    fn new(schedule: &Schedule, lr: f64) -> Option<Self> {
        let Schedule::ReduceOnPlateau {
            mode,
            factor,
            patience,
            threshold,
            threshold_mode,
            cooldown,
            min_lr,
            eps,
        } = *schedule
        else {
            return None;
        };
        let best = match mode {
            PlateauMode::Min => f64::INFINITY,
            PlateauMode::Max => f64::NEG_INFINITY,
        };
        Some(Self {
            lr,
            mode,
            factor,
            patience,
            threshold,
            threshold_mode,
            cooldown,
            min_lr,
            eps,
            best,
            bad_epochs: 0,
            cooldown_counter: 0,
        })
    }

    /// `ReduceLROnPlateau.step(metrics)`.
    fn step(&mut self, current: f64) {
        if self.is_better(current) {
            self.best = current;
            self.bad_epochs = 0;
        } else {
            self.bad_epochs += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.bad_epochs = 0;
        }
        if self.bad_epochs > self.patience {
            let new_lr = (self.lr * self.factor).max(self.min_lr);
            if self.lr - new_lr > self.eps {
                self.lr = new_lr;
            }
            self.cooldown_counter = self.cooldown;
            self.bad_epochs = 0;
        }
    }

    /// `_is_better(a, best)`.
    fn is_better(&self, a: f64) -> bool {
        let best = self.best;
        match (self.mode, self.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - self.threshold),
            (PlateauMode::Min, ThresholdMode::Abs) => a < best - self.threshold,
            (PlateauMode::Max, ThresholdMode::Rel) => a > best * (self.threshold + 1.0),
            (PlateauMode::Max, ThresholdMode::Abs) => a > best + self.threshold,
        }
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
    /// `cycle_momentum`, also inside a combination).
    #[must_use]
    pub fn cycles_momentum(&self) -> bool {
        match self {
            Self::Cyclic { cycle_momentum, .. } | Self::OneCycle { cycle_momentum, .. } => {
                *cycle_momentum
            }
            Self::Warmup { then, .. } => then.cycles_momentum(),
            Self::Sequential { schedules, .. } | Self::Chained(schedules) => {
                schedules.iter().any(Self::cycles_momentum)
            }
            _ => false,
        }
    }

    /// Whether the schedule reads the loss (`ReduceOnPlateau`, also inside a combination).
    #[must_use]
    pub fn reads_loss(&self) -> bool {
        match self {
            Self::ReduceOnPlateau { .. } => true,
            Self::Warmup { then, .. } => then.reads_loss(),
            Self::Sequential { schedules, .. } | Self::Chained(schedules) => {
                schedules.iter().any(Self::reads_loss)
            }
            _ => false,
        }
    }

    /// Whether the schedule alone is one of the course's closed forms (see the module docs).
    pub(super) fn is_closed_form(&self) -> bool {
        match self {
            Self::Constant
            | Self::Exponential { .. }
            | Self::InverseTime { .. }
            | Self::Step { .. }
            | Self::MultiStep { .. }
            | Self::Cosine { .. } => true,
            Self::Warmup { then, .. } => then.is_closed_form(),
            _ => false,
        }
    }
}
