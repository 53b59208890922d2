//! A schedule as its `torch.optim.lr_scheduler` constructor, and how the loop steps it.

use crate::schedule::{Anneal, CyclicMode, PlateauMode, Schedule, ThresholdMode};

use super::python::{boolean, float, formula_in_t};
use super::refusal::Refusal;

const MODULE: &str = "torch.optim.lr_scheduler";

/// The scheduler's constructor, or `None` for `Constant` (no scheduler).
///
/// # Errors
/// `ReduceOnPlateau` inside a combination (torch's `SequentialLR` and `ChainedScheduler` step
/// their parts without the loss), a formula in t with a name or character the language lacks.
pub(super) fn code(schedule: &Schedule) -> Result<Option<String>, Refusal> {
    match schedule {
        Schedule::Constant => Ok(None),
        _ => constructor(schedule, false).map(Some),
    }
}

/// The loop's `scheduler.step(…)` line (the loss at the new position for `ReduceLROnPlateau`).
pub(super) fn step_code(schedule: &Schedule) -> String {
    match schedule {
        Schedule::Constant => String::new(),
        Schedule::ReduceOnPlateau { .. } => {
            "    scheduler.step(evaluate(shown_point())[0])  # the loss at the new position\n"
                .to_owned()
        }
        _ => "    scheduler.step()\n".to_owned(),
    }
}

fn class(name: &str, args: &[(&str, String)]) -> String {
    let mut text = format!("{MODULE}.{name}(optimizer");
    for (key, value) in args {
        text.push_str(", ");
        text.push_str(key);
        text.push('=');
        text.push_str(value);
    }
    text.push(')');
    text
}

fn f(value: f64) -> String {
    float(value)
}

fn n(value: u64) -> String {
    value.to_string()
}

/// The constructor of `schedule`; `nested` inside `SequentialLR` or `ChainedScheduler`.
fn constructor(schedule: &Schedule, nested: bool) -> Result<String, Refusal> {
    Ok(match schedule {
        // Inside a combination: a scheduler that leaves the lr as it is.
        Schedule::Constant => class("ConstantLR", &[("factor", f(1.0)), ("total_iters", n(0))]),
        Schedule::Exponential { k } => {
            class("ExponentialLR", &[("gamma", format!("math.exp(-{})", f(*k)))])
        }
        Schedule::InverseTime { k } => {
            class("LambdaLR", &[("lr_lambda", format!("lambda t: 1.0 / (1.0 + {} * t)", f(*k)))])
        }
        Schedule::Step { every, factor } => {
            class("StepLR", &[("step_size", n(*every)), ("gamma", f(*factor))])
        }
        Schedule::MultiStep { milestones, factor } => class(
            "MultiStepLR",
            &[("milestones", format!("{milestones:?}")), ("gamma", f(*factor))],
        ),
        Schedule::Cosine { period, min_lr } => {
            class("CosineAnnealingLR", &[("T_max", n(*period)), ("eta_min", f(*min_lr))])
        }
        Schedule::Warmup { steps, start_factor, then } => {
            let warmup = class(
                "LinearLR",
                &[
                    ("start_factor", f(*start_factor)),
                    ("end_factor", f(1.0)),
                    ("total_iters", n(*steps)),
                ],
            );
            let then = constructor(then, true)?;
            class(
                "SequentialLR",
                &[
                    ("schedulers", format!("[{warmup}, {then}]")),
                    ("milestones", format!("[{steps}]")),
                ],
            )
        }
        Schedule::ConstantFactor { factor, total_iters } => {
            class("ConstantLR", &[("factor", f(*factor)), ("total_iters", n(*total_iters))])
        }
        Schedule::Linear { start_factor, end_factor, total_iters } => class(
            "LinearLR",
            &[
                ("start_factor", f(*start_factor)),
                ("end_factor", f(*end_factor)),
                ("total_iters", n(*total_iters)),
            ],
        ),
        Schedule::Polynomial { total_iters, power } => {
            class("PolynomialLR", &[("total_iters", n(*total_iters)), ("power", f(*power))])
        }
        Schedule::CosineWarmRestarts { t0, t_mult, eta_min } => class(
            "CosineAnnealingWarmRestarts",
            &[("T_0", n(*t0)), ("T_mult", n(*t_mult)), ("eta_min", f(*eta_min))],
        ),
        Schedule::Cyclic { .. } => cyclic(schedule)?,
        Schedule::OneCycle { .. } => one_cycle(schedule)?,
        _ => return combination(schedule, nested),
    })
}

/// Lambda, Multiplicative, Sequential, Chained, `ReduceOnPlateau`.
fn combination(schedule: &Schedule, nested: bool) -> Result<String, Refusal> {
    Ok(match schedule {
        Schedule::Lambda(formula) => {
            class("LambdaLR", &[("lr_lambda", format!("lambda t: {}", formula_in_t(formula)?))])
        }
        Schedule::Multiplicative(formula) => class(
            "MultiplicativeLR",
            &[("lr_lambda", format!("lambda t: {}", formula_in_t(formula)?))],
        ),
        Schedule::Sequential { schedules, milestones } => {
            let parts = parts(schedules)?;
            class(
                "SequentialLR",
                &[("schedulers", format!("[{parts}]")), ("milestones", format!("{milestones:?}"))],
            )
        }
        Schedule::Chained(schedules) => {
            format!("{MODULE}.ChainedScheduler([{}], optimizer=optimizer)", parts(schedules)?)
        }
        Schedule::ReduceOnPlateau { .. } if nested => {
            return Err(Refusal(
                "ReduceOnPlateau inside Sequential or Chained cannot be exported: PyTorch's \
                 SequentialLR and ChainedScheduler step their schedulers without the loss"
                    .to_owned(),
            ));
        }
        Schedule::ReduceOnPlateau { .. } => plateau(schedule)?,
        _ => return Err(unexpected(schedule)),
    })
}

fn parts(schedules: &[Schedule]) -> Result<String, Refusal> {
    let parts: Result<Vec<String>, Refusal> =
        schedules.iter().map(|s| constructor(s, true)).collect();
    Ok(parts?.join(", "))
}

fn cyclic(schedule: &Schedule) -> Result<String, Refusal> {
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
    } = schedule
    else {
        return Err(unexpected(schedule));
    };
    let mode = match mode {
        CyclicMode::Triangular => "\"triangular\"",
        CyclicMode::Triangular2 => "\"triangular2\"",
        CyclicMode::ExpRange => "\"exp_range\"",
    };
    Ok(class(
        "CyclicLR",
        &[
            ("base_lr", f(*base_lr)),
            ("max_lr", f(*max_lr)),
            ("step_size_up", n(*step_size_up)),
            ("step_size_down", step_size_down.map_or_else(|| "None".to_owned(), n)),
            ("mode", mode.to_owned()),
            ("gamma", f(*gamma)),
            ("cycle_momentum", boolean(*cycle_momentum).to_owned()),
            ("base_momentum", f(*base_momentum)),
            ("max_momentum", f(*max_momentum)),
        ],
    ))
}

fn one_cycle(schedule: &Schedule) -> Result<String, Refusal> {
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
    } = schedule
    else {
        return Err(unexpected(schedule));
    };
    let anneal = match anneal {
        Anneal::Cos => "\"cos\"",
        Anneal::Linear => "\"linear\"",
    };
    Ok(class(
        "OneCycleLR",
        &[
            ("max_lr", f(*max_lr)),
            ("total_steps", n(*total_steps)),
            ("pct_start", f(*pct_start)),
            ("anneal_strategy", anneal.to_owned()),
            ("cycle_momentum", boolean(*cycle_momentum).to_owned()),
            ("base_momentum", f(*base_momentum)),
            ("max_momentum", f(*max_momentum)),
            ("div_factor", f(*div_factor)),
            ("final_div_factor", f(*final_div_factor)),
            ("three_phase", boolean(*three_phase).to_owned()),
        ],
    ))
}

fn plateau(schedule: &Schedule) -> Result<String, Refusal> {
    let Schedule::ReduceOnPlateau {
        mode,
        factor,
        patience,
        threshold,
        threshold_mode,
        cooldown,
        min_lr,
        eps,
    } = schedule
    else {
        return Err(unexpected(schedule));
    };
    let mode = match mode {
        PlateauMode::Min => "\"min\"",
        PlateauMode::Max => "\"max\"",
    };
    let threshold_mode = match threshold_mode {
        ThresholdMode::Rel => "\"rel\"",
        ThresholdMode::Abs => "\"abs\"",
    };
    Ok(class(
        "ReduceLROnPlateau",
        &[
            ("mode", mode.to_owned()),
            ("factor", f(*factor)),
            ("patience", n(*patience)),
            ("threshold", f(*threshold)),
            ("threshold_mode", threshold_mode.to_owned()),
            ("cooldown", n(*cooldown)),
            ("min_lr", f(*min_lr)),
            ("eps", f(*eps)),
        ],
    ))
}

/// A variant sent to the wrong group (a bug in this file, refused rather than mistranslated).
fn unexpected(schedule: &Schedule) -> Refusal {
    Refusal(format!("the PyTorch export does not know the {} schedule yet", schedule.name()))
}
