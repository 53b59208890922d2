//! L-BFGS's controls (issue 16): lr, iterations and evaluations per step, tolerances, history
//! and the strong-Wolfe line search, each with a tooltip in the course's words.

use std::ops::RangeInclusive;

use egui::Ui;

use crate::app::widgets::number_field::NumberField;
use optlab_core::limits::Limit;
use optlab_core::optim::{self, OptimizerConfig, lbfgs_limits};

/// The lr slider's range (inside `optim::LR`).
const LR_RANGE: RangeInclusive<f64> = 1e-3..=10.0;
/// The tolerance sliders' range (inside both tolerance limits).
const TOLERANCE_RANGE: RangeInclusive<f64> = 1e-15..=1e-2;
/// `max_iter`'s slider (inside `lbfgs_limits::MAX_ITER`).
const MAX_ITER_RANGE: RangeInclusive<u64> = 1..=100;
/// `max_eval`'s slider (inside `lbfgs_limits::MAX_EVAL`).
const MAX_EVAL_RANGE: RangeInclusive<u64> = 1..=200;
/// `history_size`'s slider (inside `lbfgs_limits::HISTORY_SIZE`).
const HISTORY_RANGE: RangeInclusive<u64> = 1..=200;

/// Draws L-BFGS's hyperparameters; does nothing for another optimizer.
pub fn lbfgs(ui: &mut Ui, config: &mut OptimizerConfig) {
    let OptimizerConfig::Lbfgs {
        lr,
        max_iter,
        max_eval,
        tolerance_grad,
        tolerance_change,
        history_size,
        strong_wolfe,
    } = config
    else {
        return;
    };
    NumberField::new(
        optim::LR,
        "lr η",
        "Learning rate η: the step length t of every iteration without a line search (the very \
         first iteration uses η·min(1, 1/‖∇L‖₁)); with strong Wolfe, the first trial t of the \
         line search. 1 is PyTorch's default",
    )
    .slider(LR_RANGE, true)
    .show(ui, lr);
    count(
        ui,
        max_iter,
        MAX_ITER_RANGE,
        lbfgs_limits::MAX_ITER,
        "max iterations",
        "Iterations of the two-loop recursion per step (PyTorch max_iter, default 20): one \
         step of this run is one optimizer.step(closure) call, so it may move many times",
    );
    max_eval_field(ui, max_eval, *max_iter);
    tolerance(
        ui,
        tolerance_grad,
        lbfgs_limits::TOLERANCE_GRAD,
        "tolerance grad",
        "A step ends (and the next does not move) once the largest |∂L/∂θᵢ| is at most this \
         (PyTorch default 1e-7)",
    );
    tolerance(
        ui,
        tolerance_change,
        lbfgs_limits::TOLERANCE_CHANGE,
        "tolerance change",
        "A step ends once the move t·d, the loss change or the slope ∇L·d along the direction \
         is below this (PyTorch default 1e-9): it is why L-BFGS stops short of a minimum by \
         about √(tolerance change) in gradient size",
    );
    count(
        ui,
        history_size,
        HISTORY_RANGE,
        lbfgs_limits::HISTORY_SIZE,
        "history m",
        "Pairs (s, y) of parameter steps and gradient changes kept to build the inverse-Hessian \
         estimate (PyTorch default 100). On a 2-D surface 2 pairs already describe a quadratic",
    );
    ui.checkbox(strong_wolfe, "strong Wolfe line search").on_hover_text(
        "Choose the step length t by PyTorch's strong-Wolfe line search (sufficient decrease \
         c₁ = 10⁻⁴, curvature c₂ = 0.9, cubic interpolation) instead of t = η. Each trial \
         evaluates the loss and its gradient once",
    );
}

/// `max_eval`: PyTorch's default (`None`, `max_iter`·5/4 rounded down) or a given count.
fn max_eval_field(ui: &mut Ui, max_eval: &mut Option<u32>, max_iter: u32) {
    let default = max_iter.saturating_mul(5) / 4;
    let mut given = max_eval.is_some();
    let tip = "Evaluations of the loss and its gradient per step (PyTorch max_eval). Off: \
               PyTorch's default max_iter·5/4 rounded down — with max_iter 1 that is 1, so a \
               strong-Wolfe search gets no trial beyond its first";
    if ui
        .checkbox(&mut given, format!("limit evaluations (off: {default})"))
        .on_hover_text(tip)
        .changed()
    {
        *max_eval = given.then_some(default.max(1));
    }
    if let Some(limit) = max_eval {
        count(ui, limit, MAX_EVAL_RANGE, lbfgs_limits::MAX_EVAL, "max evaluations", tip);
    }
}

/// A whole-number field over a `u32`.
fn count(
    ui: &mut Ui,
    value: &mut u32,
    range: RangeInclusive<u64>,
    limit: Limit,
    label: &str,
    tip: &str,
) {
    let mut wide = u64::from(*value);
    #[expect(clippy::cast_precision_loss, reason = "slider ends are small counts")]
    let range = *range.start() as f64..=*range.end() as f64;
    if NumberField::new(limit, label, tip).slider(range, true).whole().show_u64(ui, &mut wide) {
        // The field refuses values outside `limit`, whose maximum fits in a u32.
        *value = u32::try_from(wide).unwrap_or(*value);
    }
}

/// A tolerance on a log slider, written as 1.00e-7.
fn tolerance(ui: &mut Ui, value: &mut f64, limit: Limit, label: &str, tip: &str) {
    NumberField::new(limit, label, tip)
        .slider(TOLERANCE_RANGE, true)
        .format(scientific)
        .show(ui, value);
}

/// `1.00e-7` (0 as `0`).
fn scientific(value: f64) -> String {
    if value == 0.0 { "0".to_owned() } else { format!("{value:.2e}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slider_range_lies_inside_its_limit() {
        let float = [
            (LR_RANGE, optim::LR),
            (TOLERANCE_RANGE, lbfgs_limits::TOLERANCE_GRAD),
            (TOLERANCE_RANGE, lbfgs_limits::TOLERANCE_CHANGE),
        ];
        for (range, limit) in float {
            assert!(limit.contains(*range.start()) && limit.contains(*range.end()), "{limit:?}");
        }
        let counts = [
            (MAX_ITER_RANGE, lbfgs_limits::MAX_ITER),
            (MAX_EVAL_RANGE, lbfgs_limits::MAX_EVAL),
            (HISTORY_RANGE, lbfgs_limits::HISTORY_SIZE),
        ];
        for (range, limit) in counts {
            #[expect(clippy::cast_precision_loss, reason = "small counts")]
            let ends = (*range.start() as f64, *range.end() as f64);
            assert!(limit.contains(ends.0) && limit.contains(ends.1), "{limit:?}");
        }
    }
}
