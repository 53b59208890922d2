//! Learning-rate schedules.
//!
//! A schedule maps the update counter t = 0, 1, … to the learning rate that update t uses. The
//! course's schedules (`Constant` … `Warmup`) used alone are closed forms of the PyTorch
//! schedulers they name (`ExponentialLR` via e^(−kt), `StepLR`, `MultiStepLR`,
//! `CosineAnnealingLR`, `LinearLR` inside `SequentialLR` for the warmup). The PyTorch-named
//! schedules, and every schedule inside `Sequential`/`Chained`, follow PyTorch 2.15's scheduler
//! objects step for step, recursive forms included ([`Scheduler`]).

mod forms;
mod kinds;
mod momentum;
mod scheduler;
mod sweep;
mod torch_checks;
mod torch_kinds;
pub mod torch_limits;
mod torch_sim;

pub use kinds::{FACTOR, MIN_LR, PERIOD, RATE, START_FACTOR, Schedule};
pub use scheduler::Scheduler;
pub use torch_checks::formula_error;
pub use torch_kinds::{Anneal, CyclicMode, PlateauMode, ThresholdMode};
