//! Issue 18's lesson on the taco shell: the learning rate is capped by the steepest direction.
//! A 64 × 64 sweep of Momentum's lr × μ on `TacoShell(condition: 100)` diverges exactly beyond
//! the heavy-ball limit lr = 2(1 + μ)/λmax — within one grid cell in every column — and plain
//! SGD converges at 0.99·2/λmax and diverges at 1.01·2/λmax.

use optlab_core::entries::sweep::SweepLab;
use optlab_core::grid::{self, SweepAxis, SweepField};
use optlab_core::optim::OptimizerConfig;
use optlab_core::run::{Outcome, RunConfig, execute};
use optlab_core::schedule::Schedule;
use optlab_core::slice::symmetric_eigen;
use optlab_core::surface::Surface;

const TACO: Surface = Surface::TacoShell { condition: 100.0, angle: 30.0 };
const CELLS: usize = 64;

/// λmax of the taco shell's (constant) Hessian.
fn lambda_max() -> f64 {
    let (values, _) = symmetric_eigen(TACO.hessian([0.0, 0.0])).expect("a finite Hessian");
    values[1]
}

fn sweep() -> SweepLab {
    let limit_at_zero = 2.0 / lambda_max();
    SweepLab {
        surface: TACO,
        start: None,
        steps: 3000,
        optimizer: OptimizerConfig::Momentum {
            lr: 0.01,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
        },
        schedule: Schedule::Constant,
        // lr on a log axis wide enough to hold 2(1 + μ)/λmax for μ in [0, 0.9].
        x: SweepAxis {
            field: SweepField::Lr,
            from: limit_at_zero / 4.0,
            to: limit_at_zero * 8.0,
            count: CELLS,
            log: true,
        },
        y: SweepAxis { field: SweepField::Momentum, from: 0.0, to: 0.9, count: CELLS, log: false },
        ..SweepLab::default()
    }
}

#[test]
fn the_momentum_sweeps_divergence_border_is_the_heavy_ball_limit_in_every_column() {
    let lab = sweep();
    lab.validate().expect("a valid sweep");
    let configs = lab.configs().expect("both fields exist on Momentum");
    let cells = grid::compute_cells(&configs, &lab.levels());
    let lrs = lab.x.values();
    let lambda_max = lambda_max();
    for (row, momentum) in lab.y.values().into_iter().enumerate() {
        let row_cells = &cells[row * CELLS..(row + 1) * CELLS];
        let diverged: Vec<bool> = row_cells.iter().map(|c| c.diverged_at.is_some()).collect();
        let border = diverged.iter().position(|&d| d).expect("the widest lrs diverge");
        assert!(diverged[border..].iter().all(|&d| d), "μ = {momentum}: one border, {diverged:?}");
        let limit = 2.0 * (1.0 + momentum) / lambda_max;
        // The first lr above the theoretical limit, by the axis's values.
        let theory = lrs.iter().position(|&lr| lr > limit).expect("limit inside the axis");
        assert!(
            border.abs_diff(theory) <= 1,
            "μ = {momentum}: diverges from cell {border} (lr {}), theory says cell {theory} \
             (limit {limit})",
            lrs[border]
        );
    }
}

fn sgd_run(lr: f64) -> (Outcome, f64) {
    let config = RunConfig {
        surface: TACO,
        start: TACO.default_start(),
        optimizer: OptimizerConfig::Sgd { lr, weight_decay: 0.0 },
        schedule: Schedule::Constant,
        steps: 5000,
        noise_sigma: 0.0,
        seed: 0,
    };
    let summary = execute(&config, &mut optlab_core::run::Discard);
    (summary.outcome, summary.last.expect("a finite start").loss)
}

#[test]
fn sgd_converges_just_below_two_over_lambda_max_and_diverges_just_above() {
    let limit = 2.0 / lambda_max();
    let (below, loss) = sgd_run(0.99 * limit);
    assert_eq!(below, Outcome::Finished);
    assert!(loss < 1e-12, "0.99·2/λmax converges: loss {loss:e}");
    let (above, _) = sgd_run(1.01 * limit);
    assert!(matches!(above, Outcome::Diverged { .. }), "1.01·2/λmax diverges: {above:?}");
}
