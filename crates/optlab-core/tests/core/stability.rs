//! The stability limit of the SGD family at the start point (the warning next to a run's lr).

use optlab_core::optim::OptimizerConfig;
use optlab_core::run::{self, Discard, Outcome, RunConfig};
use optlab_core::schedule::Schedule;
use optlab_core::stability::{LimitRule, stability_limit};
use optlab_core::surface::Surface;

const TACO: Surface = Surface::TacoShell { condition: 100.0, angle: 30.0 };

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs()
}

fn momentum(lr: f64, momentum: f64) -> OptimizerConfig {
    OptimizerConfig::Momentum { lr, momentum, dampening: 0.0, weight_decay: 0.0 }
}

#[test]
fn sgd_on_the_taco_shell_with_condition_100_is_limited_to_0_02() {
    let sgd = OptimizerConfig::Sgd { lr: 0.021, weight_decay: 0.0 };
    let limit = stability_limit(&TACO, TACO.default_start(), &sgd).expect("a limit");
    assert!(close(limit.lr, 0.02), "{limit:?}");
    assert!(close(limit.lambda_max, 100.0), "{limit:?}");
    assert_eq!((limit.rule, limit.formula(), limit.exact), (LimitRule::Sgd, "2/λmax", true));
    assert!(limit.is_exceeded_by(0.021) && !limit.is_exceeded_by(0.019));
}

#[test]
fn heavy_ball_with_momentum_0_9_is_limited_to_0_038() {
    let limit = stability_limit(&TACO, [1.0, 2.0], &momentum(0.01, 0.9)).expect("a limit");
    assert!(close(limit.lr, 0.038), "{limit:?}");
    assert_eq!(limit.formula(), "2(1+μ)/λmax");
}

#[test]
fn nesterov_is_limited_to_2_1_plus_mu_over_1_plus_2_mu_lambda() {
    let nesterov = OptimizerConfig::Nesterov { lr: 0.01, momentum: 0.9, weight_decay: 0.0 };
    let limit = stability_limit(&TACO, [1.0, 2.0], &nesterov).expect("a limit");
    assert!(close(limit.lr, 3.8 / 280.0), "{limit:?}");
}

/// The limits are where the runs actually turn: just below, the run finishes; just above, the
/// loss grows until the engine calls it diverged.
#[test]
fn runs_just_above_each_limit_diverge_and_just_below_do_not() {
    let optimizers = [
        OptimizerConfig::Sgd { lr: 0.0, weight_decay: 0.0 },
        momentum(0.0, 0.9),
        OptimizerConfig::Nesterov { lr: 0.0, momentum: 0.9, weight_decay: 0.0 },
        OptimizerConfig::NesterovLookahead { lr: 0.0, momentum: 0.9 },
    ];
    for optimizer in optimizers {
        let limit = stability_limit(&TACO, TACO.default_start(), &optimizer).expect("a limit");
        for (factor, diverges) in [(0.97, false), (1.03, true)] {
            let mut optimizer = optimizer.clone();
            optimizer.set_lr(limit.lr * factor);
            let config = RunConfig {
                surface: TACO,
                start: TACO.default_start(),
                optimizer: optimizer.clone(),
                schedule: Schedule::Constant,
                steps: 20_000,
                noise_sigma: 0.0,
                seed: 0,
            };
            let outcome = run::execute(&config, &mut Discard).outcome;
            assert_eq!(matches!(outcome, Outcome::Diverged { .. }), diverges, "{optimizer:?}");
        }
    }
}

#[test]
fn adaptive_methods_and_concave_starts_have_no_limit() {
    let adam = OptimizerConfig::Adam {
        lr: 1.0,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.0,
        bias_correction: true,
        amsgrad: false,
    };
    assert_eq!(stability_limit(&TACO, [1.0, 1.0], &adam), None);
    // x² − … on the saddle surface near y = 0 still curves up along x: λmax = 2, not exact.
    let sgd = OptimizerConfig::Sgd { lr: 0.1, weight_decay: 0.0 };
    let saddle = stability_limit(&Surface::Saddle, [0.0, 0.0], &sgd).expect("a limit along x");
    assert!(close(saddle.lr, 1.0) && !saddle.exact, "{saddle:?}");
}
