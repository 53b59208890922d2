//! The theoretical stability border of a sweep over the learning rate on a quadratic surface:
//! lr = 2/λmax for SGD, 2(1 + μ)/λmax for heavy-ball momentum, Nesterov's form for Nesterov,
//! as the other axis varies (momentum, weight decay, …). Drawn over the heat map, where the
//! diverged cells begin.

use super::SweepLab;
use crate::grid::SweepField;
use crate::stability::{is_quadratic, stability_limit};

/// Points of the border along the non-lr axis.
const SAMPLES: usize = 200;

/// The border of a sweep: points (x value, y value) in the sweep's own field order, and the
/// formula they follow.
#[derive(Clone, Debug, PartialEq)]
pub struct StabilityBorder {
    /// The border's points, in (x, y) axis values; the lr is the axis whose field is `Lr`.
    pub points: Vec<[f64; 2]>,
    /// The formula in the course's notation, e.g. "2(1+μ)/λmax".
    pub formula: &'static str,
}

/// The border of `lab`, when it sweeps the lr on a quadratic surface with an optimizer that
/// has a stability limit (SGD, momentum, Nesterov, ASGD); `None` otherwise (a training task, a
/// non-quadratic surface, no lr axis, both axes lr, adaptive methods).
#[must_use]
pub fn stability_border(lab: &SweepLab) -> Option<StabilityBorder> {
    if lab.training.is_some() || !is_quadratic(&lab.surface) {
        return None;
    }
    let (lr_is_x, other) = match (lab.x.field, lab.y.field) {
        (SweepField::Lr, SweepField::Lr) => return None,
        (SweepField::Lr, other_field) => (true, (other_field, &lab.y)),
        (other_field, SweepField::Lr) => (false, (other_field, &lab.x)),
        _ => return None,
    };
    let (field, axis) = other;
    let ends = if axis.log { (axis.from.log10(), axis.to.log10()) } else { (axis.from, axis.to) };
    let mut points = Vec::with_capacity(SAMPLES);
    let mut formula = None;
    for i in 0..SAMPLES {
        let t = ends.0 + (ends.1 - ends.0) * i as f64 / (SAMPLES - 1) as f64;
        let value = if axis.log { 10f64.powf(t) } else { t };
        let mut config = lab.base();
        if field.apply(&mut config, value).is_err() {
            return None;
        }
        let Some(limit) = stability_limit(&config.surface, config.start, &config.optimizer) else {
            continue;
        };
        formula = Some(limit.formula());
        points.push(if lr_is_x { [limit.lr, value] } else { [value, limit.lr] });
    }
    Some(StabilityBorder { points, formula: formula? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::SweepAxis;
    use crate::optim::OptimizerConfig;
    use crate::surface::Surface;

    fn lab(x: SweepField, y: SweepField, surface: Surface) -> SweepLab {
        let axis = |field| SweepAxis { field, from: 0.01, to: 0.9, count: 10, log: false };
        SweepLab { surface, x: axis(x), y: axis(y), ..SweepLab::default() }
    }

    #[test]
    fn momentums_border_is_two_times_one_plus_mu_over_lambda_max() {
        let taco = Surface::TacoShell { condition: 100.0, angle: 30.0 };
        let border = stability_border(&lab(SweepField::Momentum, SweepField::Lr, taco.clone()))
            .expect("momentum × lr on a quadratic");
        assert_eq!(border.formula, "2(1+μ)/λmax");
        assert_eq!(border.points.len(), SAMPLES);
        // TacoShell's curvatures are 1 and `condition` (its Hessian R·diag(1, κ)·Rᵀ).
        for [momentum, lr] in border.points {
            let expected = 2.0 * (1.0 + momentum) / 100.0;
            assert!((lr - expected).abs() < 1e-12 * expected, "μ {momentum}: {lr}");
        }
    }

    #[test]
    fn no_border_off_quadratics_without_an_lr_axis_or_for_adam() {
        let rosenbrock = Surface::Rosenbrock { a: 1.0, b: 100.0 };
        assert!(stability_border(&lab(SweepField::Momentum, SweepField::Lr, rosenbrock)).is_none());
        let taco = Surface::TacoShell { condition: 10.0, angle: 0.0 };
        let no_lr = lab(SweepField::Momentum, SweepField::Dampening, taco.clone());
        assert!(stability_border(&no_lr).is_none());
        let mut adam = lab(SweepField::Beta1, SweepField::Lr, taco);
        adam.optimizer = OptimizerConfig::catalogue()
            .into_iter()
            .find(|o| o.name() == "Adam")
            .expect("Adam in the catalogue");
        assert!(stability_border(&adam).is_none());
    }
}
