//! The lane kernel's `RAdam`, ASGD, `NesterovLookahead` and Schedule-Free: the strategies the
//! lane property test (`sweep.rs`) draws them with, a property test of these five families
//! alone (more cases each than the shared one gives them), and `RAdam` past its settling
//! points.

use optlab_core::grid::{self as sweep, LANES, Levels, lanes};
use optlab_core::optim::OptimizerConfig;
use optlab_core::run::RunConfig;
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;
use proptest::prelude::*;

fn log_uniform(low: f64, high: f64) -> impl Strategy<Value = f64> {
    (low..high).prop_map(|e| 10f64.powf(e))
}

fn weight_decay() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), 0.0f64..0.1]
}

fn eps() -> impl Strategy<Value = f64> {
    prop_oneof![Just(1e-8), Just(0.0), log_uniform(-12.0, 0.0)]
}

/// `RAdam` with coupled or decoupled decay; β₂ from values whose ρ∞ never passes 5 (β₂ ≤ 0.6)
/// to ones whose ρₜ passes it late.
pub fn radam() -> impl Strategy<Value = OptimizerConfig> {
    let beta = || prop_oneof![Just(0.9), Just(0.999), Just(0.0), 0.0f64..0.9999];
    (log_uniform(-5.0, -0.5), beta(), beta(), eps(), weight_decay(), any::<bool>()).prop_map(
        |(lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay)| OptimizerConfig::RAdam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            decoupled_weight_decay,
        },
    )
}

/// ASGD with a t0 that starts its averaging inside the run or never, λ and α anywhere.
pub fn asgd() -> impl Strategy<Value = OptimizerConfig> {
    let lambd = prop_oneof![Just(1e-4), Just(0.0), 0.0f64..0.5];
    let alpha = prop_oneof![Just(0.75), 0.0f64..2.0];
    let t0 = prop_oneof![Just(1e6), 0.0f64..50.0];
    (log_uniform(-4.0, 0.0), lambd, alpha, t0, weight_decay()).prop_map(
        |(lr, lambd, alpha, t0, weight_decay)| OptimizerConfig::Asgd {
            lr,
            lambd,
            alpha,
            t0,
            weight_decay,
        },
    )
}

/// `NesterovLookahead` (Sutskever's form, its gradient at x + μv).
pub fn lookahead() -> impl Strategy<Value = OptimizerConfig> {
    let momentum = prop_oneof![Just(0.9), Just(1.0), 0.01f64..0.999];
    (log_uniform(-5.0, -0.5), momentum)
        .prop_map(|(lr, momentum)| OptimizerConfig::NesterovLookahead { lr, momentum })
}

/// Schedule-Free's averaging settings: warm-up (none, or ending inside the run), r and
/// `weight_lr_power`.
fn averaging() -> impl Strategy<Value = (u64, f64, f64)> {
    let warmup = prop_oneof![Just(0u64), 1u64..60];
    let r = prop_oneof![Just(0.0), Just(0.5), 0.0f64..2.0];
    let power = prop_oneof![Just(2.0), Just(0.0), 0.0f64..4.0];
    (warmup, r, power)
}

/// `ScheduleFreeAdamW` anywhere in its ranges.
pub fn schedule_free_adamw() -> impl Strategy<Value = OptimizerConfig> {
    let beta1 = prop_oneof![Just(0.9), 0.01f64..0.99];
    let beta2 = prop_oneof![Just(0.999), Just(0.0), 0.0f64..0.9999];
    (log_uniform(-4.0, -0.5), beta1, beta2, eps(), weight_decay(), averaging()).prop_map(
        |(lr, beta1, beta2, eps, weight_decay, (warmup_steps, r, weight_lr_power))| {
            OptimizerConfig::ScheduleFreeAdamW {
                lr,
                beta1,
                beta2,
                eps,
                weight_decay,
                warmup_steps,
                r,
                weight_lr_power,
            }
        },
    )
}

/// `ScheduleFreeSgd` anywhere in its ranges.
pub fn schedule_free_sgd() -> impl Strategy<Value = OptimizerConfig> {
    let momentum = prop_oneof![Just(0.9), 0.01f64..0.99];
    (log_uniform(-4.0, 0.3), momentum, weight_decay(), averaging()).prop_map(
        |(lr, momentum, weight_decay, (warmup_steps, r, weight_lr_power))| {
            OptimizerConfig::ScheduleFreeSgd {
                lr,
                momentum,
                weight_decay,
                warmup_steps,
                r,
                weight_lr_power,
            }
        },
    )
}

/// One of the five families, up to [`LANES`] lanes of it.
fn families() -> impl Strategy<Value = Vec<OptimizerConfig>> {
    let lanes = |family: BoxedStrategy<OptimizerConfig>| prop::collection::vec(family, 1..=LANES);
    prop_oneof![
        lanes(radam().boxed()),
        lanes(asgd().boxed()),
        lanes(lookahead().boxed()),
        lanes(schedule_free_adamw().boxed()),
        lanes(schedule_free_sgd().boxed()),
    ]
}

/// A lane's schedule: constant, a closed form, `ReduceOnPlateau` on its own loss, or one that
/// cycles the momentum (which `RAdam`'s and `NesterovLookahead`'s lanes take; the test gives
/// the other families' lanes a constant lr instead).
fn schedule() -> impl Strategy<Value = Schedule> {
    use optlab_core::schedule::{PlateauMode, ThresholdMode};
    prop_oneof![
        2 => Just(Schedule::Constant),
        2 => super::sweep::cycling_schedule(),
        1 => (1u64..50, 0.1f64..0.9).prop_map(|(every, factor)| Schedule::Step { every, factor }),
        1 => (1u64..300, 0.0f64..1e-3).prop_map(|(period, min_lr)| Schedule::Cosine { period, min_lr }),
        1 => (0.05f64..0.9, 0u64..5).prop_map(|(factor, patience)| Schedule::ReduceOnPlateau {
            mode: PlateauMode::Min,
            factor,
            patience,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 1,
            min_lr: 0.0,
            eps: 1e-8,
        }),
    ]
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(320))]

    /// `sweep.rs`'s `the_lane_kernel_equals_the_engine_bit_for_bit` for these five families only.
    #[test]
    fn the_averaging_lanes_equal_the_engine_bit_for_bit(
        surface in prop_oneof![
            Just(Surface::Rosenbrock { a: 1.0, b: 100.0 }),
            Just(Surface::Himmelblau),
            Just(Surface::Saddle),
            Just(Surface::TacoShell { condition: 50.0, angle: 30.0 }),
        ],
        optimizers in families(),
        starts in prop::collection::vec((-4.0f64..4.0, -4.0f64..4.0), LANES),
        drivers in prop::collection::vec(
            (schedule(), prop_oneof![3 => Just(0.0), 1 => 0.0f64..2.0], any::<u64>()),
            LANES,
        ),
        steps in 0u64..400,
        tolerance in 1e-6f64..1.0,
    ) {
        let mut configs = super::sweep::chunk_configs(&surface, optimizers, starts, drivers, steps);
        // ASGD and Schedule-Free have no momentum to cycle: their lanes keep a constant lr.
        for config in &mut configs {
            if !lanes::applies(config) {
                config.schedule = Schedule::Constant;
            }
        }
        let mut levels = Levels {
            reached: sweep::global_minimum(&surface).unwrap_or(f64::NEG_INFINITY) + tolerance,
            ..Levels::default()
        };
        for (level, minimum) in levels.settle.iter_mut().zip(&surface.minima()) {
            *level = minimum.value + tolerance;
        }
        prop_assert!(lanes::applies_to_all(&configs));
        for (lane, config) in lanes::run_chunk(&configs, &levels).iter().zip(&configs) {
            let engine = sweep::run_one(config, &levels);
            let ok = same(lane.final_loss, engine.final_loss)
                && same(lane.best_loss, engine.best_loss)
                && same(lane.end[0], engine.end[0])
                && same(lane.end[1], engine.end[1])
                && lane.reached_at == engine.reached_at
                && lane.diverged_at == engine.diverged_at
                && lane.settled_at == engine.settled_at;
            prop_assert!(ok, "lane {:?}\nengine {:?}\nconfig {:?}", lane, engine, config);
        }
    }
}

/// `RAdam`'s rule skips β₁ᵗ's `powf` from twice the step where it underflowed and fixes the
/// rectification once ρₜ has settled at ρ∞ (β₂ = 0.999: past step 45 000); its lanes keep
/// those shortcuts per distinct β. Past all of them (60 000 steps) they agree bit for bit, with
/// lanes sharing a β and lanes alone with theirs.
#[test]
fn radam_lanes_match_the_engine_past_its_settling_points() {
    let settings = [(0.9, 0.999), (0.5, 0.999), (0.9, 0.99), (0.3, 0.9), (0.9, 0.5), (0.0, 0.999)];
    let configs: Vec<RunConfig> = settings
        .iter()
        .enumerate()
        .map(|(i, &(beta1, beta2))| RunConfig {
            surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
            start: [-1.2 + 0.1 * i as f64, 1.0],
            optimizer: OptimizerConfig::RAdam {
                lr: 1e-3,
                beta1,
                beta2,
                eps: 1e-8,
                weight_decay: if i % 2 == 0 { 0.0 } else { 1e-3 },
                decoupled_weight_decay: i == 1,
            },
            schedule: Schedule::Constant,
            steps: 60_000,
            noise_sigma: 0.0,
            seed: 0,
        })
        .collect();
    let levels = Levels::default();
    assert!(lanes::applies_to_all(&configs));
    for (lane, config) in lanes::run_chunk(&configs, &levels).iter().zip(&configs) {
        assert!(lane.diverged_at.is_none(), "{lane:?}");
        let engine = sweep::run_one(config, &levels);
        assert_eq!(lane.end.map(f64::to_bits), engine.end.map(f64::to_bits), "{config:?}");
        assert_eq!(lane.final_loss.to_bits(), engine.final_loss.to_bits(), "{config:?}");
        assert_eq!(lane.best_loss.to_bits(), engine.best_loss.to_bits(), "{config:?}");
    }
}

/// Every one of the five families takes the lane kernel, mixed with any non-cycling schedule.
#[test]
fn the_averaging_families_take_the_lane_kernel() {
    let optimizers = [
        OptimizerConfig::RAdam {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled_weight_decay: false,
        },
        OptimizerConfig::Asgd { lr: 0.01, lambd: 1e-4, alpha: 0.75, t0: 1e6, weight_decay: 0.0 },
        OptimizerConfig::NesterovLookahead { lr: 1e-3, momentum: 0.9 },
        OptimizerConfig::ScheduleFreeAdamW {
            lr: 0.0025,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            warmup_steps: 5,
            r: 0.0,
            weight_lr_power: 2.0,
        },
        OptimizerConfig::ScheduleFreeSgd {
            lr: 1.0,
            momentum: 0.9,
            weight_decay: 0.0,
            warmup_steps: 5,
            r: 0.0,
            weight_lr_power: 2.0,
        },
    ];
    for optimizer in optimizers {
        let config = RunConfig {
            surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
            start: [-1.2, 1.0],
            optimizer,
            schedule: Schedule::Cosine { period: 100, min_lr: 0.0 },
            steps: 10,
            noise_sigma: 0.0,
            seed: 0,
        };
        assert!(lanes::applies(&config), "{config:?}");
    }
}
