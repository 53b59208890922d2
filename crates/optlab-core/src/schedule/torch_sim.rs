//! PyTorch's `torch.optim.lr_scheduler` objects, step for step: each [`Node`] is one scheduler
//! object (its `last_epoch`, `_step_count`, `base_lrs` and its own state) acting on one param
//! [`Group`] (`lr`, `initial_lr`, the momentum or β₁). Construction performs the constructor's
//! effects and its initial step; [`Node::step`] is `scheduler.step()`, [`Node::restart`] is
//! `_update_lr(0)` as `SequentialLR` calls it at a milestone (the closed form where the class has
//! one). The recursive (chainable) formulas are PyTorch's, in its order of operations.

use std::f64::consts::PI;

use super::{Anneal, CyclicMode, Schedule};
use crate::expr::{BinOp, Expr, parse_in_t};

/// The param group the schedulers read and write.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Group {
    /// `group["lr"]`.
    pub(super) lr: f64,
    /// `group["initial_lr"]` (set by the first scheduler built, overwritten by `OneCycleLR`).
    pub(super) initial_lr: Option<f64>,
    /// `group["momentum"]` or `group["betas"][0]`.
    pub(super) momentum: Option<f64>,
}

/// One scheduler object.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Node {
    last_epoch: i64,
    step_count: u64,
    base_lr: f64,
    kind: Kind,
}

/// `OneCycleLR`'s phase: where it ends and its start/end lr and momentum.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Phase {
    end_step: f64,
    lr: (f64, f64),
    momentum: (f64, f64),
}

/// The class of a scheduler with its parameters and state.
#[derive(Clone, Debug, PartialEq)]
enum Kind {
    ConstantLr {
        factor: f64,
        total_iters: i64,
    },
    LinearLr {
        start: f64,
        end: f64,
        total_iters: i64,
    },
    ExponentialLr {
        gamma: f64,
    },
    StepLr {
        step_size: i64,
        gamma: f64,
    },
    MultiStepLr {
        milestones: Vec<u64>,
        gamma: f64,
    },
    CosineLr {
        t_max: i64,
        eta_min: f64,
    },
    PolynomialLr {
        total_iters: i64,
        power: f64,
    },
    LambdaLr(Expr),
    InverseTimeLr(f64),
    MultiplicativeLr(Expr),
    WarmRestarts {
        t0: u64,
        t_mult: u64,
        eta_min: f64,
        t_i: u64,
        t_cur: u64,
    },
    Cyclic(Box<CyclicState>),
    OneCycle {
        phases: Vec<Phase>,
        anneal: Anneal,
        cycle_momentum: bool,
    },
    Sequential {
        children: Vec<Node>,
        milestones: Vec<u64>,
    },
    Chained(Vec<Node>),
    /// `ReduceLROnPlateau` cannot be inside a combination (PyTorch refuses it; so does
    /// validation): a placeholder that leaves the lr alone.
    Inert,
}

/// `CyclicLR`'s parameters.
#[derive(Clone, Debug, PartialEq)]
struct CyclicState {
    base_lr: f64,
    max_lr: f64,
    total_size: f64,
    step_ratio: f64,
    mode: CyclicMode,
    gamma: f64,
    momentum: Option<(f64, f64)>,
}

/// f(t) of a schedule formula, with Python's float semantics (`^` is `pow`).
pub(super) fn eval_in_t(expr: &Expr, t: f64) -> f64 {
    match expr {
        Expr::Num(v) => *v,
        Expr::X | Expr::Y => t,
        Expr::Neg(a) => -eval_in_t(a, t),
        Expr::Call(func, a) => func.value(eval_in_t(a, t)),
        Expr::Binary(op, a, b) => {
            let (a, b) = (eval_in_t(a, t), eval_in_t(b, t));
            match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                BinOp::Pow => a.powf(b),
            }
        }
    }
}

/// The parsed formula, or a constant NaN when it does not parse (validation refuses it first).
fn formula(text: &str) -> Expr {
    parse_in_t(text).unwrap_or(Expr::Num(f64::NAN))
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Node {
    /// Builds the scheduler for `schedule` on `group`, as its Python constructor does
    /// (including the initial step).
    pub(super) fn build(schedule: &Schedule, group: &mut Group) -> Self {
        match schedule {
            Schedule::Sequential { schedules, milestones } => {
                Self::sequential(schedules.iter(), milestones.clone(), group)
            }
            Schedule::Warmup { steps, start_factor, then } => {
                let warmup = Schedule::Linear {
                    start_factor: *start_factor,
                    end_factor: 1.0,
                    total_iters: *steps,
                };
                Self::sequential([&warmup, then.as_ref()].into_iter(), vec![*steps], group)
            }
            Schedule::Chained(schedules) => {
                let children = schedules.iter().map(|s| Self::build(s, group)).collect();
                Self {
                    last_epoch: 0,
                    step_count: 1,
                    base_lr: group.lr,
                    kind: Kind::Chained(children),
                }
            }
            Schedule::Cyclic { .. } => Self::cyclic(schedule, group),
            Schedule::OneCycle { .. } => Self::one_cycle(schedule, group),
            _ => Self::plain(Kind::of(schedule), group),
        }
    }

    /// `LRScheduler.__init__`: `initial_lr` (set once), `base_lrs`, then the initial step.
    fn plain(kind: Kind, group: &mut Group) -> Self {
        let base_lr = *group.initial_lr.get_or_insert(group.lr);
        let mut node = Self { last_epoch: -1, step_count: 0, base_lr, kind };
        node.initial_step(group);
        node
    }

    /// `SequentialLR`: builds every child, resets the lr, undoes their initial steps and runs
    /// the first child's initial step again.
    fn sequential<'a>(
        schedules: impl Iterator<Item = &'a Schedule>,
        milestones: Vec<u64>,
        group: &mut Group,
    ) -> Self {
        let mut children: Vec<Self> = schedules.map(|s| Self::build(s, group)).collect();
        group.lr = group.initial_lr.unwrap_or(group.lr);
        children.iter_mut().for_each(Self::undo);
        if let Some(first) = children.first_mut() {
            first.initial_step(group);
        }
        let kind = Kind::Sequential { children, milestones };
        Self { last_epoch: 0, step_count: 1, base_lr: group.lr, kind }
    }

    /// `CyclicLR.__init__`: lr = `base_lr` and momentum = `max_momentum` before the initial step,
    /// whose `base_lrs` are still the group's `initial_lr`; `base_lrs` = `base_lr` after it.
    fn cyclic(schedule: &Schedule, group: &mut Group) -> Self {
        let Schedule::Cyclic {
            base_lr,
            max_lr,
            step_size_up,
            step_size_down,
            mode,
            gamma,
            cycle_momentum,
            base_momentum,
            max_momentum,
        } = *schedule
        else {
            return Self::plain(Kind::Inert, group);
        };
        group.lr = base_lr;
        let up = step_size_up as f64;
        let total_size = up + step_size_down.map_or(up, |down| down as f64);
        let momentum = cycle_momentum.then_some((base_momentum, max_momentum));
        if cycle_momentum {
            group.momentum = Some(max_momentum);
        }
        let state = CyclicState {
            base_lr,
            max_lr,
            total_size,
            step_ratio: up / total_size,
            mode,
            gamma,
            momentum,
        };
        let mut node = Self::plain(Kind::Cyclic(Box::new(state)), group);
        node.base_lr = base_lr;
        node
    }

    /// `OneCycleLR.__init__`: `initial_lr` = `max_lr / div_factor`, its phases, momentum =
    /// `max_momentum`, then the initial step.
    fn one_cycle(schedule: &Schedule, group: &mut Group) -> Self {
        let Schedule::OneCycle {
            max_lr,
            total_steps,
            pct_start,
            anneal,
            cycle_momentum,
            base_momentum,
            max_momentum,
            div_factor,
            final_div_factor,
            three_phase,
        } = *schedule
        else {
            return Self::plain(Kind::Inert, group);
        };
        let initial_lr = max_lr / div_factor;
        let min_lr = initial_lr / final_div_factor;
        group.initial_lr = Some(initial_lr);
        if cycle_momentum {
            group.momentum = Some(max_momentum);
        }
        let total = total_steps as f64;
        let (up_m, down_m) = ((max_momentum, base_momentum), (base_momentum, max_momentum));
        let phases = if three_phase {
            vec![
                Phase {
                    end_step: pct_start * total - 1.0,
                    lr: (initial_lr, max_lr),
                    momentum: up_m,
                },
                Phase {
                    end_step: 2.0 * pct_start * total - 2.0,
                    lr: (max_lr, initial_lr),
                    momentum: down_m,
                },
                Phase {
                    end_step: total - 1.0,
                    lr: (initial_lr, min_lr),
                    momentum: (max_momentum, max_momentum),
                },
            ]
        } else {
            vec![
                Phase {
                    end_step: pct_start * total - 1.0,
                    lr: (initial_lr, max_lr),
                    momentum: up_m,
                },
                Phase { end_step: total - 1.0, lr: (max_lr, min_lr), momentum: down_m },
            ]
        };
        Self::plain(Kind::OneCycle { phases, anneal, cycle_momentum }, group)
    }

    /// `_initial_step()`: the step counter restarts and `step()` runs in initial mode.
    fn initial_step(&mut self, group: &mut Group) {
        self.step_count = 0;
        self.advance(group, true);
    }

    /// `recursive_undo`: combinations pass it to their children, others count one step back.
    fn undo(&mut self) {
        match &mut self.kind {
            Kind::Sequential { children, .. } | Kind::Chained(children) => {
                children.iter_mut().for_each(Self::undo);
            }
            _ => self.last_epoch -= 1,
        }
    }

    /// `scheduler.step()`.
    pub(super) fn step(&mut self, group: &mut Group) {
        self.advance(group, false);
    }

    /// `step()` in normal or initial mode.
    fn advance(&mut self, group: &mut Group, initial: bool) {
        match &mut self.kind {
            Kind::Sequential { children, milestones } => {
                self.last_epoch += 1;
                let epoch = u64::try_from(self.last_epoch).unwrap_or(0);
                let index = milestones.iter().take_while(|&&m| m <= epoch).count();
                let Some(child) = children.get_mut(index) else { return };
                if index > 0 && milestones[index - 1] == epoch {
                    child.restart(group);
                } else {
                    child.step(group);
                }
            }
            Kind::Chained(children) => children.iter_mut().for_each(|child| child.step(group)),
            Kind::WarmRestarts { .. } => self.warm_restarts_step(group),
            _ => {
                self.step_count += 1;
                self.last_epoch += 1;
                group.lr = self.get_lr(group, initial);
            }
        }
    }

    /// `CosineAnnealingWarmRestarts.step()`: `T_cur` counts up and wraps at `T_i`, which grows by
    /// `t_mult`; the lr is the closed form in `T_cur`.
    fn warm_restarts_step(&mut self, group: &mut Group) {
        let Kind::WarmRestarts { t0, t_mult, eta_min, t_i, t_cur } = &mut self.kind else { return };
        if self.last_epoch < 0 {
            *t_i = *t0;
            *t_cur = 0;
            self.last_epoch = 0;
        } else {
            self.last_epoch += 1;
            *t_cur += 1;
            if *t_cur >= *t_i {
                *t_cur %= *t_i;
                *t_i = t_i.saturating_mul(*t_mult);
            }
        }
        let phase = PI * *t_cur as f64 / *t_i as f64;
        group.lr = *eta_min + (self.base_lr - *eta_min) * (1.0 + phase.cos()) / 2.0;
    }

    /// `_update_lr(0)`: `last_epoch` = 0 and the closed form where the class has one, else
    /// `get_lr()`.
    fn restart(&mut self, group: &mut Group) {
        self.last_epoch = 0;
        group.lr = self.closed_form(0).unwrap_or_else(|| self.get_lr(group, false));
    }

    /// `_get_closed_form_lr()` at `epoch`, for the classes that have one.
    fn closed_form(&self, epoch: i64) -> Option<f64> {
        let base = self.base_lr;
        let t = epoch as f64;
        Some(match self.kind {
            Kind::ConstantLr { factor, total_iters } => {
                base * (factor + if epoch >= total_iters { 1.0 - factor } else { 0.0 })
            }
            Kind::LinearLr { start, end, total_iters } => {
                base * (start + (end - start) * total_iters.min(epoch) as f64 / total_iters as f64)
            }
            Kind::ExponentialLr { gamma } => base * gamma.powf(t),
            Kind::StepLr { step_size, gamma } => {
                base * gamma.powf(epoch.div_euclid(step_size.max(1)) as f64)
            }
            Kind::MultiStepLr { ref milestones, gamma } => {
                let passed = milestones.iter().filter(|&&m| count(m) <= epoch).count();
                base * gamma.powf(passed as f64)
            }
            Kind::CosineLr { t_max, eta_min } => {
                eta_min + (base - eta_min) * (1.0 + (PI * t / t_max as f64).cos()) / 2.0
            }
            Kind::PolynomialLr { total_iters, power } => {
                base * (1.0 - total_iters.min(epoch) as f64 / total_iters as f64).powf(power)
            }
            _ => return None,
        })
    }

    /// `get_lr()` after `last_epoch` was advanced (`initial`: inside `_initial_step`).
    fn get_lr(&self, group: &mut Group, initial: bool) -> f64 {
        let (lr, epoch, base) = (group.lr, self.last_epoch, self.base_lr);
        let t = epoch as f64;
        match &self.kind {
            Kind::ConstantLr { factor, total_iters } => match epoch {
                0 => lr * factor,
                _ if epoch != *total_iters => lr,
                _ => lr * (1.0 / factor),
            },
            Kind::LinearLr { start, end, total_iters } => {
                if epoch == 0 {
                    lr * start
                } else if initial || epoch > *total_iters {
                    lr
                } else {
                    let slope = end - start;
                    lr * (1.0 + slope / (*total_iters as f64 * start + (t - 1.0) * slope))
                }
            }
            Kind::ExponentialLr { gamma } => {
                if initial {
                    lr
                } else {
                    lr * gamma
                }
            }
            Kind::StepLr { step_size, gamma } => {
                if epoch == 0 || epoch.rem_euclid((*step_size).max(1)) != 0 {
                    lr
                } else {
                    lr * gamma
                }
            }
            Kind::MultiStepLr { milestones, gamma } => {
                match milestones.iter().filter(|&&m| count(m) == epoch).count() {
                    0 => lr,
                    n => lr * gamma.powf(n as f64),
                }
            }
            Kind::CosineLr { t_max, eta_min } => self.cosine_lr(lr, *t_max, *eta_min, initial),
            Kind::PolynomialLr { total_iters, power } => {
                if initial || epoch > *total_iters {
                    lr
                } else {
                    let n = *total_iters as f64;
                    lr * ((1.0 - t / n) / (1.0 - (t - 1.0) / n)).powf(*power)
                }
            }
            Kind::LambdaLr(f) => base * eval_in_t(f, t),
            Kind::InverseTimeLr(k) => base * (1.0 / (1.0 + k * t)),
            Kind::MultiplicativeLr(f) => {
                if initial {
                    lr
                } else {
                    lr * eval_in_t(f, t)
                }
            }
            Kind::Cyclic(state) => state.lr(epoch, base, group),
            Kind::WarmRestarts { eta_min, t_i, t_cur, .. } => {
                let phase = PI * *t_cur as f64 / *t_i as f64;
                eta_min + (base - eta_min) * (1.0 + phase.cos()) / 2.0
            }
            Kind::OneCycle { phases, anneal, cycle_momentum } => {
                one_cycle_lr(phases, *anneal, *cycle_momentum, t, group)
            }
            _ => lr,
        }
    }

    /// `CosineAnnealingLR.get_lr()`.
    fn cosine_lr(&self, lr: f64, t_max: i64, eta_min: f64, initial: bool) -> f64 {
        let (epoch, base) = (self.last_epoch, self.base_lr);
        let n = t_max as f64;
        if initial {
            lr
        } else if self.step_count == 1 && epoch > 0 {
            eta_min + (base - eta_min) * (1.0 + (epoch as f64 * PI / n).cos()) / 2.0
        } else if (epoch - 1 - t_max).rem_euclid(2 * t_max.max(1)) == 0 {
            lr + (base - eta_min) * (1.0 - (PI / n).cos()) / 2.0
        } else {
            (1.0 + (PI * epoch as f64 / n).cos()) / (1.0 + (PI * (epoch - 1) as f64 / n).cos())
                * (lr - eta_min)
                + eta_min
        }
    }
}

impl Kind {
    /// The class of a schedule that has no constructor effects of its own.
    fn of(schedule: &Schedule) -> Self {
        match schedule {
            Schedule::Constant => Self::ConstantLr { factor: 1.0, total_iters: 0 },
            Schedule::Exponential { k } => Self::ExponentialLr { gamma: (-k).exp() },
            Schedule::InverseTime { k } => Self::InverseTimeLr(*k),
            Schedule::Step { every, factor } => {
                Self::StepLr { step_size: count(*every), gamma: *factor }
            }
            Schedule::MultiStep { milestones, factor } => {
                Self::MultiStepLr { milestones: milestones.clone(), gamma: *factor }
            }
            Schedule::Cosine { period, min_lr } => {
                Self::CosineLr { t_max: count(*period), eta_min: *min_lr }
            }
            Schedule::ConstantFactor { factor, total_iters } => {
                Self::ConstantLr { factor: *factor, total_iters: count(*total_iters) }
            }
            Schedule::Linear { start_factor, end_factor, total_iters } => Self::LinearLr {
                start: *start_factor,
                end: *end_factor,
                total_iters: count(*total_iters),
            },
            Schedule::Polynomial { total_iters, power } => {
                Self::PolynomialLr { total_iters: count(*total_iters), power: *power }
            }
            Schedule::CosineWarmRestarts { t0, t_mult, eta_min } => Self::WarmRestarts {
                t0: (*t0).max(1),
                t_mult: (*t_mult).max(1),
                eta_min: *eta_min,
                t_i: (*t0).max(1),
                t_cur: 0,
            },
            Schedule::Lambda(text) => Self::LambdaLr(formula(text)),
            Schedule::Multiplicative(text) => Self::MultiplicativeLr(formula(text)),
            _ => Self::Inert,
        }
    }
}

impl CyclicState {
    /// `CyclicLR.get_lr()` at `epoch` with `base_lrs` = `base`; writes the momentum.
    fn lr(&self, epoch: i64, base: f64, group: &mut Group) -> f64 {
        let t = epoch as f64;
        let cycle = (1.0 + t / self.total_size).floor();
        let x = 1.0 + t / self.total_size - cycle;
        let scale_factor = if x <= self.step_ratio {
            x / self.step_ratio
        } else {
            (x - 1.0) / (self.step_ratio - 1.0)
        };
        let scale = match self.mode {
            CyclicMode::Triangular => 1.0,
            CyclicMode::Triangular2 => 1.0 / 2.0_f64.powf(cycle - 1.0),
            CyclicMode::ExpRange => self.gamma.powf(t),
        };
        if let Some((base_momentum, max_momentum)) = self.momentum {
            let height = (max_momentum - base_momentum) * scale_factor;
            group.momentum = Some(max_momentum - height * scale);
        }
        base + (self.max_lr - base) * scale_factor * scale
    }
}

/// `OneCycleLR.get_lr()` at step `t`; writes the momentum.
fn one_cycle_lr(
    phases: &[Phase],
    anneal: Anneal,
    cycle_momentum: bool,
    t: f64,
    group: &mut Group,
) -> f64 {
    let anneal = |(start, end): (f64, f64), pct: f64| match anneal {
        Anneal::Cos => end + (start - end) / 2.0 * ((PI * pct).cos() + 1.0),
        Anneal::Linear => (end - start) * pct + start,
    };
    let mut start_step = 0.0;
    for (i, phase) in phases.iter().enumerate() {
        if t <= phase.end_step || i + 1 == phases.len() {
            let pct = (t - start_step) / (phase.end_step - start_step);
            if cycle_momentum {
                group.momentum = Some(anneal(phase.momentum, pct));
            }
            return anneal(phase.lr, pct);
        }
        start_step = phase.end_step;
    }
    group.lr
}
