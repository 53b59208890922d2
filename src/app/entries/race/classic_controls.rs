//! The hyperparameters of Adadelta, ASGD and Rprop (issue 16), each field a slider inside its
//! core `Limit` with a tooltip in the course's words. `optimizer_controls` calls [`show`] and
//! passes what it shares (the weight-decay slider, the lr warning), so this file does not
//! import it back.

use egui::Ui;

use crate::app::widgets::number_field::NumberField;
use crate::app::widgets::numbers;
use optlab_core::limits::Limit;
use optlab_core::optim::{self, OptimizerConfig};

/// One numeric field edited by a slider, as `optimizer_controls`' `Param`.
struct Param {
    /// The limit `validate()` checks; the slider range lies inside it.
    limit: Limit,
    /// Left end of the slider.
    min: f64,
    /// Right end of the slider.
    max: f64,
    /// Logarithmic slider.
    log: bool,
    /// Accessible name, shown beside the slider.
    label: &'static str,
    /// Tooltip in the course's words.
    tip: &'static str,
}

impl Param {
    /// Draws the slider and its text field (a typed value outside the limit is refused with
    /// the range); returns whether the user changed `value`.
    fn slider(&self, ui: &mut Ui, value: &mut f64) -> bool {
        let field = NumberField::new(self.limit, self.label, self.tip)
            .slider(self.min..=self.max, self.log);
        if self.log { field.format(numbers::compact) } else { field.format(numbers::coordinate) }
            .show(ui, value)
    }
}

/// What the caller draws for this file: the weight-decay slider and the note under the lr.
pub(super) struct Shared<W, N> {
    /// Draws the shared weight-decay slider.
    pub weight_decay: W,
    /// Draws the stability note under an lr (ASGD's first step is SGD's).
    pub lr_note: N,
}

const RHO: Param = Param {
    limit: optim::RHO,
    min: 0.0,
    max: 0.999,
    log: false,
    label: "ρ",
    tip: "ρ: decay of Adadelta's two running averages, of squared gradients v and of squared \
          updates u (torch's rho, typical 0.9). Close to 1 they remember longer",
};
const ADADELTA_EPS: Param = Param {
    limit: optim::EPS,
    min: 1e-10,
    max: 1e-1,
    log: true,
    label: "ε",
    tip: "ε inside both roots of √(u + ε)/√(v + ε): the first steps are about √ε/|∇L| times \
          the gradient, so a small ε makes Adadelta start slowly (torch default 1e-6)",
};
const ADADELTA_LR: Param = Param {
    limit: optim::LR,
    min: 1e-3,
    max: 10.0,
    log: true,
    label: "lr η",
    tip: "Learning rate η: multiplies Adadelta's update Δ. Adadelta's own step needs no lr, \
          so torch's default is 1.0",
};
const LAMBD: Param = Param {
    limit: optim::LAMBD,
    min: 0.0,
    max: 0.1,
    log: false,
    label: "decay λ",
    tip: "ASGD's λ (torch lambd): θ shrinks by (1 − λη) each step, and η decays as \
          lr/(1 + λ·lr·t)^α. Default 1e-4",
};
const ASGD_ALPHA: Param = Param {
    limit: optim::ASGD_ALPHA,
    min: 0.0,
    max: 1.0,
    log: false,
    label: "power α",
    tip: "ASGD's α: the power of η's decay lr/(1 + λ·lr·t)^α. 0 keeps η = lr; default 0.75",
};
const T0: Param = Param {
    limit: optim::T0,
    min: 0.0,
    max: 10_000.0,
    log: false,
    label: "t0",
    tip: "ASGD's t0: the update after which the average θ_avg of the iterates starts (before it, \
          θ_avg is the current θ). torch's default 1e6 never starts in a race; type any value",
};
const ETA_MINUS: Param = Param {
    limit: optim::ETA_MINUS,
    min: 0.05,
    max: 0.95,
    log: false,
    label: "η⁻",
    tip: "Rprop's η⁻: a coordinate whose gradient changed sign multiplies its step size by η⁻ \
          and does not move this step (torch etas[0], default 0.5)",
};
const ETA_PLUS: Param = Param {
    limit: optim::ETA_PLUS,
    min: 1.01,
    max: 3.0,
    log: false,
    label: "η⁺",
    tip: "Rprop's η⁺: a coordinate whose gradient kept its sign multiplies its step size by η⁺ \
          (torch etas[1], default 1.2)",
};
const STEP_MIN: Param = Param {
    limit: optim::STEP_MIN,
    min: 1e-9,
    max: 1e-1,
    log: true,
    label: "step min",
    tip: "Rprop's smallest step size per coordinate (torch step_sizes[0], default 1e-6); \
          type 0 for none",
};
const STEP_MAX: Param = Param {
    limit: optim::STEP_MAX,
    min: 1e-3,
    max: 100.0,
    log: true,
    label: "step max",
    tip: "Rprop's largest step size per coordinate (torch step_sizes[1], default 50)",
};
const RPROP_LR: Param = Param {
    limit: optim::LR,
    min: 1e-5,
    max: 10.0,
    log: true,
    label: "lr η",
    tip: "Learning rate: only the starting step size of every coordinate. Rprop then grows and \
          shrinks each step size by η⁺ and η⁻; later changes of the lr (a schedule) do nothing",
};
const ASGD_LR: Param = Param {
    limit: optim::LR,
    min: 1e-5,
    max: 10.0,
    log: true,
    label: "lr η",
    tip: "Learning rate: η of the first step; η then decays as lr/(1 + λ·lr·t)^α",
};

/// Draws the sliders of an Adadelta, ASGD or Rprop config (nothing for other optimizers).
pub(super) fn show<W, N>(ui: &mut Ui, config: &mut OptimizerConfig, shared: Shared<W, N>)
where
    W: FnOnce(&mut Ui, &mut f64),
    N: FnOnce(&mut Ui, f64),
{
    match config {
        OptimizerConfig::Adadelta { lr, rho, eps, weight_decay } => {
            ADADELTA_LR.slider(ui, lr);
            RHO.slider(ui, rho);
            ADADELTA_EPS.slider(ui, eps);
            (shared.weight_decay)(ui, weight_decay);
        }
        OptimizerConfig::Asgd { lr, lambd, alpha, t0, weight_decay } => {
            ASGD_LR.slider(ui, lr);
            (shared.lr_note)(ui, *lr);
            LAMBD.slider(ui, lambd);
            ASGD_ALPHA.slider(ui, alpha);
            T0.slider(ui, t0);
            (shared.weight_decay)(ui, weight_decay);
        }
        OptimizerConfig::Rprop { lr, eta_minus, eta_plus, step_min, step_max } => {
            RPROP_LR.slider(ui, lr);
            ETA_MINUS.slider(ui, eta_minus);
            ETA_PLUS.slider(ui, eta_plus);
            STEP_MIN.slider(ui, step_min);
            STEP_MAX.slider(ui, step_max);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slider_range_lies_inside_its_limit() {
        for p in [
            RHO,
            ADADELTA_EPS,
            ADADELTA_LR,
            LAMBD,
            ASGD_ALPHA,
            T0,
            ETA_MINUS,
            ETA_PLUS,
            STEP_MIN,
            STEP_MAX,
            RPROP_LR,
            ASGD_LR,
        ] {
            assert!(p.limit.contains(p.min) && p.limit.contains(p.max), "{}", p.label);
            assert!(p.min < p.max && (!p.log || p.min > 0.0), "{}", p.label);
            assert!(!p.tip.is_empty());
        }
    }
}
