//! Sweeps and basin maps: the lane kernel computes every cell exactly as the run engine does.

use optlab_core::entries::sweep::SweepLab;
use optlab_core::grid::{self as sweep, Cell, LANES, Levels, SweepAxis, SweepField, lanes};
use optlab_core::optim::MuonLrAdjust;
use optlab_core::optim::OptimizerConfig;
use optlab_core::run::RunConfig;
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;
use proptest::prelude::*;

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn assert_same_cell(lane: &Cell, engine: &Cell, config: &RunConfig) {
    let ok = same(lane.final_loss, engine.final_loss)
        && same(lane.best_loss, engine.best_loss)
        && same(lane.end[0], engine.end[0])
        && same(lane.end[1], engine.end[1])
        && lane.reached_at == engine.reached_at
        && lane.diverged_at == engine.diverged_at
        && lane.settled_at == engine.settled_at;
    assert!(ok, "lane {lane:?}\nengine {engine:?}\nconfig {config:?}");
}

fn surfaces() -> impl Strategy<Value = Surface> {
    prop_oneof![
        Just(Surface::Rosenbrock { a: 1.0, b: 100.0 }),
        Just(Surface::Himmelblau),
        Just(Surface::DoubleWell),
        Just(Surface::Beale),
        Just(Surface::Saddle),
        Just(Surface::TacoShell { condition: 50.0, angle: 30.0 }),
        // Many of the lrs diverge here by the loss bound, long before the values overflow.
        Just(Surface::TacoShell { condition: 1000.0, angle: 10.0 }),
    ]
}

/// Up to `LANES` optimizers of one lane family (a sweep varies numbers, not the kind): SGD and
/// Momentum mixed, Nesterov, Adam and AdamW mixed, Adagrad, RMSprop, Lion, Adamax, Adadelta,
/// Rprop or `NAdam`.
/// Also `RAdam`, ASGD, `NesterovLookahead` and Schedule-Free (`sweep_averaged.rs`).
fn optimizers() -> impl Strategy<Value = Vec<OptimizerConfig>> {
    let lr = || (-5.0f64..-0.5).prop_map(|e| 10f64.powf(e));
    let wd = || prop_oneof![Just(0.0), 0.0f64..0.1];
    let plain = prop_oneof![
        (lr(), wd()).prop_map(|(lr, weight_decay)| OptimizerConfig::Sgd { lr, weight_decay }),
        (lr(), prop_oneof![Just(0.0), 0.0f64..0.999], 0.0f64..0.5, wd()).prop_map(
            |(lr, momentum, dampening, weight_decay)| OptimizerConfig::Momentum {
                lr,
                momentum,
                dampening,
                weight_decay
            }
        ),
    ];
    let nesterov = (lr(), 0.01f64..0.999, wd()).prop_map(|(lr, momentum, weight_decay)| {
        OptimizerConfig::Nesterov { lr, momentum, weight_decay }
    });
    prop_oneof![
        prop::collection::vec(plain, 1..=LANES),
        prop::collection::vec(nesterov, 1..=LANES),
        prop::collection::vec(adam(), 1..=LANES),
        prop::collection::vec(adagrad(), 1..=LANES),
        prop::collection::vec(rmsprop(), 1..=LANES),
        prop::collection::vec(lion(), 1..=LANES),
        prop::collection::vec(adamax(), 1..=LANES),
        prop::collection::vec(adadelta(), 1..=LANES),
        prop::collection::vec(rprop(), 1..=LANES),
        prop::collection::vec(nadam(), 1..=LANES),
        prop::collection::vec(super::sweep_averaged::radam(), 1..=LANES),
        prop::collection::vec(super::sweep_averaged::asgd(), 1..=LANES),
        prop::collection::vec(super::sweep_averaged::lookahead(), 1..=LANES),
        prop::collection::vec(super::sweep_averaged::schedule_free_adamw(), 1..=LANES),
        prop::collection::vec(super::sweep_averaged::schedule_free_sgd(), 1..=LANES),
        prop::collection::vec(muon(), 1..=LANES),
        prop::collection::vec(adafactor(), 1..=LANES),
    ]
}

/// Muon with either lr adjustment, Nesterov on or off, 0 to 6 Newton–Schulz iterations with
/// torch's or other coefficients, and ε up to values above the gradients' norms (the small-norm
/// branch of the rank-one form).
fn muon() -> impl Strategy<Value = OptimizerConfig> {
    let lr = (-5.0f64..-0.5).prop_map(|e| 10f64.powf(e));
    let wd = prop_oneof![Just(0.0), 0.0f64..0.2];
    let momentum = prop_oneof![Just(0.95), Just(0.0), 0.0f64..0.999];
    let coefficients =
        prop_oneof![Just((3.4445, -4.775, 2.0315)), (0.0f64..5.0, -8.0f64..0.0, 0.0f64..4.0)];
    let eps = prop_oneof![Just(1e-7), Just(0.0), (-12.0f64..4.0).prop_map(|e| 10f64.powf(e))];
    (lr, wd, momentum, any::<bool>(), coefficients, eps, 0usize..=6, any::<bool>()).prop_map(
        |(lr, weight_decay, momentum, nesterov, ns_coefficients, eps, ns_steps, rms)| {
            OptimizerConfig::Muon {
                lr,
                weight_decay,
                momentum,
                nesterov,
                ns_coefficients,
                eps,
                ns_steps,
                adjust_lr: if rms { MuonLrAdjust::MatchRmsAdamW } else { MuonLrAdjust::Original },
            }
        },
    )
}

/// Adafactor with ε₁ `None` or given (0 included), its decay τ, ε₂, clip threshold d and
/// weight decay anywhere in range.
fn adafactor() -> impl Strategy<Value = OptimizerConfig> {
    let lr = (-5.0f64..0.0).prop_map(|e| 10f64.powf(e));
    let tau = prop_oneof![Just(-0.8), Just(0.0), -1.5f64..0.0];
    let eps1 =
        prop_oneof![Just(None), Just(Some(0.0)), (-30.0f64..1.0).prop_map(|e| Some(10f64.powf(e)))];
    let eps2 = prop_oneof![Just(1e-3), Just(0.0), 0.0f64..0.5];
    let d = prop_oneof![Just(1.0), 1.0f64..5.0];
    let wd = prop_oneof![Just(0.0), 0.0f64..0.2];
    (lr, tau, eps1, eps2, d, wd).prop_map(|(lr, beta2_decay, eps1, eps2, d, weight_decay)| {
        OptimizerConfig::Adafactor { lr, beta2_decay, eps1, eps2, d, weight_decay }
    })
}

/// `NAdam` with coupled or decoupled decay and its momentum decay ψ anywhere in range.
fn nadam() -> impl Strategy<Value = OptimizerConfig> {
    let lr = (-5.0f64..-0.5).prop_map(|e| 10f64.powf(e));
    let beta = || prop_oneof![Just(0.9), Just(0.999), Just(0.0), 0.0f64..0.9999];
    let eps = prop_oneof![Just(1e-8), Just(0.0), (-12.0f64..0.0).prop_map(|e| 10f64.powf(e))];
    let wd = prop_oneof![Just(0.0), 0.0f64..0.1];
    let psi = prop_oneof![Just(0.004), 0.0f64..0.1];
    (lr, beta(), beta(), eps, wd, psi, any::<bool>()).prop_map(
        |(lr, beta1, beta2, eps, weight_decay, momentum_decay, decoupled_weight_decay)| {
            OptimizerConfig::NAdam {
                lr,
                beta1,
                beta2,
                eps,
                weight_decay,
                momentum_decay,
                decoupled_weight_decay,
            }
        },
    )
}

/// Adadelta with and without coupled decay.
fn adadelta() -> impl Strategy<Value = OptimizerConfig> {
    let lr = (-2.0f64..0.5).prop_map(|e| 10f64.powf(e));
    let rho = prop_oneof![Just(0.9), Just(0.0), 0.0f64..0.999];
    let eps = prop_oneof![Just(1e-6), (-10.0f64..-1.0).prop_map(|e| 10f64.powf(e))];
    let wd = prop_oneof![Just(0.0), 0.0f64..0.1];
    (lr, rho, eps, wd).prop_map(|(lr, rho, eps, weight_decay)| OptimizerConfig::Adadelta {
        lr,
        rho,
        eps,
        weight_decay,
    })
}

/// Rprop with its step-size factors and bounds anywhere in their ranges.
fn rprop() -> impl Strategy<Value = OptimizerConfig> {
    let lr = (-4.0f64..-0.5).prop_map(|e| 10f64.powf(e));
    let eta_minus = prop_oneof![Just(0.5), 0.05f64..0.95];
    let eta_plus = prop_oneof![Just(1.2), 1.01f64..3.0];
    let bounds = prop_oneof![Just((1e-6, 50.0)), (0.0f64..1e-3, 1e-2f64..10.0)];
    (lr, eta_minus, eta_plus, bounds).prop_map(|(lr, eta_minus, eta_plus, (step_min, step_max))| {
        OptimizerConfig::Rprop { lr, eta_minus, eta_plus, step_min, step_max }
    })
}

/// Lion with and without decoupled decay.
fn lion() -> impl Strategy<Value = OptimizerConfig> {
    let lr = (-5.0f64..-1.0).prop_map(|e| 10f64.powf(e));
    let beta = || prop_oneof![Just(0.9), Just(0.99), Just(0.0), 0.0f64..0.9999];
    let wd = prop_oneof![Just(0.0), 0.0f64..1.0];
    (lr, beta(), beta(), wd).prop_map(|(lr, beta1, beta2, weight_decay)| OptimizerConfig::Lion {
        lr,
        beta1,
        beta2,
        weight_decay,
    })
}

/// Adamax with β₁ repeated across lanes or not (its βᵗ is computed once per distinct value).
fn adamax() -> impl Strategy<Value = OptimizerConfig> {
    let lr = (-5.0f64..-0.5).prop_map(|e| 10f64.powf(e));
    let beta = || prop_oneof![Just(0.9), Just(0.999), Just(0.0), 0.0f64..0.9999];
    let eps = prop_oneof![Just(1e-8), Just(0.0), (-12.0f64..0.0).prop_map(|e| 10f64.powf(e))];
    let wd = prop_oneof![Just(0.0), 0.0f64..0.1];
    (lr, beta(), beta(), eps, wd).prop_map(|(lr, beta1, beta2, eps, weight_decay)| {
        OptimizerConfig::Adamax { lr, beta1, beta2, eps, weight_decay }
    })
}

/// Adagrad with and without lr decay, a starting accumulator and coupled decay.
fn adagrad() -> impl Strategy<Value = OptimizerConfig> {
    let lr = (-4.0f64..0.5).prop_map(|e| 10f64.powf(e));
    let lr_decay = prop_oneof![Just(0.0), 0.0f64..0.1];
    let eps = prop_oneof![Just(1e-10), Just(0.0), (-12.0f64..0.0).prop_map(|e| 10f64.powf(e))];
    let initial = prop_oneof![Just(0.0), 0.0f64..1.0];
    let wd = prop_oneof![Just(0.0), 0.0f64..0.1];
    (lr, lr_decay, eps, initial, wd).prop_map(
        |(lr, lr_decay, eps, initial_accumulator, weight_decay)| OptimizerConfig::Adagrad {
            lr,
            lr_decay,
            eps,
            initial_accumulator,
            weight_decay,
        },
    )
}

/// RMSprop centered or not, with and without momentum and coupled decay.
fn rmsprop() -> impl Strategy<Value = OptimizerConfig> {
    let lr = (-5.0f64..-0.5).prop_map(|e| 10f64.powf(e));
    let decay = prop_oneof![Just(0.99), Just(0.0), 0.0f64..0.9999];
    let eps = prop_oneof![Just(1e-8), Just(0.0), (-12.0f64..0.0).prop_map(|e| 10f64.powf(e))];
    let momentum = prop_oneof![Just(0.0), 0.0f64..0.99];
    let wd = prop_oneof![Just(0.0), 0.0f64..0.1];
    (lr, decay, eps, any::<bool>(), momentum, wd).prop_map(
        |(lr, decay_rate, eps, centered, momentum, weight_decay)| OptimizerConfig::RmsProp {
            lr,
            decay_rate,
            eps,
            centered,
            momentum,
            weight_decay,
        },
    )
}

/// Adam and AdamW anywhere in their ranges (the lane kernel takes both, mixed): bias
/// correction on or off, AMSGrad, coupled or decoupled decay, tiny and large ε.
fn adam() -> impl Strategy<Value = OptimizerConfig> {
    let lr = || (-5.0f64..0.0).prop_map(|e| 10f64.powf(e));
    let beta = || prop_oneof![Just(0.0), Just(0.9), Just(0.999), 0.0f64..0.9999];
    let eps = || prop_oneof![Just(1e-8), Just(0.0), (-12.0f64..0.0).prop_map(|e| 10f64.powf(e))];
    let wd = || prop_oneof![Just(0.0), 0.0f64..0.1];
    let flags = (any::<bool>(), any::<bool>(), any::<bool>());
    (lr(), beta(), beta(), eps(), wd(), flags).prop_map(
        |(lr, beta1, beta2, eps, weight_decay, (adamw, bias_correction, amsgrad))| {
            if adamw {
                OptimizerConfig::AdamW { lr, beta1, beta2, eps, amsgrad, weight_decay }
            } else {
                OptimizerConfig::Adam {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    bias_correction,
                    amsgrad,
                    weight_decay,
                }
            }
        },
    )
}

/// A schedule that cycles the momentum (μ or β₁) inversely to the lr: `OneCycle` or `Cyclic`
/// with `cycle_momentum` on, alone or as the second schedule of a `Sequential` (so the momentum
/// first stays at the optimizer's own, possibly 0, then cycles), with base and max momentum
/// anywhere in [0, 1) (validation allows base > max).
pub fn cycling_schedule() -> impl Strategy<Value = Schedule> {
    use optlab_core::schedule::{Anneal, CyclicMode};
    // Independent, so the momentum may also rise with the lr (base > max) from 0 on, when a
    // Momentum lane's first update has μ = 0 and its buffer starts at a later one.
    let momenta = (
        prop_oneof![Just(0.0), Just(0.85), 0.0f64..0.99],
        prop_oneof![Just(0.0), Just(0.95), 0.0f64..0.999],
    );
    let one_cycle = (
        (-3.0f64..0.0, 400u64..1000, 0.05f64..0.95),
        (any::<bool>(), any::<bool>(), momenta.clone()),
    )
        .prop_map(|((e, total_steps, pct_start), (linear, three_phase, (base, max)))| {
            Schedule::OneCycle {
                max_lr: 10f64.powf(e),
                total_steps,
                pct_start,
                anneal: if linear { Anneal::Linear } else { Anneal::Cos },
                cycle_momentum: true,
                base_momentum: base,
                max_momentum: max,
                div_factor: 25.0,
                final_div_factor: 1e4,
                three_phase,
            }
        });
    let modes = prop_oneof![
        Just(CyclicMode::Triangular),
        Just(CyclicMode::Triangular2),
        Just(CyclicMode::ExpRange)
    ];
    let cyclic = ((-5.0f64..-3.0, -3.0f64..-0.5, 1u64..60), (modes, 0.99f64..1.0, momenta))
        .prop_map(|((low, high, step_size_up), (mode, gamma, (base, max)))| Schedule::Cyclic {
            base_lr: 10f64.powf(low),
            max_lr: 10f64.powf(high),
            step_size_up,
            step_size_down: None,
            mode,
            gamma,
            cycle_momentum: true,
            base_momentum: base,
            max_momentum: max,
        });
    let cycling = prop_oneof![one_cycle, cyclic];
    prop_oneof![
        2 => cycling.clone(),
        1 => (cycling, 1u64..100).prop_map(|(then, milestone)| Schedule::Sequential {
            schedules: vec![Schedule::Step { every: 10, factor: 0.5 }, then],
            milestones: vec![milestone],
        }),
    ]
}

/// A lane's schedule: mostly constant, else one of the closed forms, a PyTorch scheduler
/// object, `ReduceOnPlateau` (which reads the lane's own loss) or one that cycles the momentum.
fn schedule() -> impl Strategy<Value = Schedule> {
    use optlab_core::schedule::{PlateauMode, ThresholdMode};
    prop_oneof![
        3 => Just(Schedule::Constant),
        2 => cycling_schedule(),
        1 => (1u64..50, 0.1f64..0.9).prop_map(|(every, factor)| Schedule::Step { every, factor }),
        1 => (1u64..300, 0.0f64..1e-3).prop_map(|(period, min_lr)| Schedule::Cosine { period, min_lr }),
        1 => (1u64..100, 0.1f64..1.0).prop_map(|(total_iters, power)| Schedule::Polynomial {
            total_iters,
            power
        }),
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

/// A lane's gradient noise σ: mostly none.
fn noise() -> impl Strategy<Value = f64> {
    prop_oneof![3 => Just(0.0), 1 => 0.0f64..2.0]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_lane_kernel_equals_the_engine_bit_for_bit(
        surface in surfaces(),
        optimizers in optimizers(),
        starts in prop::collection::vec((-4.0f64..4.0, -4.0f64..4.0), LANES),
        drivers in prop::collection::vec((schedule(), noise(), any::<u64>()), LANES),
        steps in 0u64..400,
        tolerance in 1e-6f64..1.0,
        shared in any::<bool>(),
    ) {
        let mut configs = chunk_configs(&surface, optimizers, starts, drivers, steps);
        if shared {
            // One schedule and lr for every lane (a sweep of other numbers): the lanes share
            // one scheduler.
            let (schedule, lr) = (configs[0].schedule.clone(), configs[0].optimizer.lr());
            for config in &mut configs {
                config.schedule = schedule.clone();
                config.optimizer.set_lr(lr);
            }
        }
        let minima = surface.minima();
        let mut levels = Levels {
            reached: sweep::global_minimum(&surface).unwrap_or(f64::NEG_INFINITY) + tolerance,
            ..Levels::default()
        };
        for (level, minimum) in levels.settle.iter_mut().zip(&minima) {
            *level = minimum.value + tolerance;
        }
        for levels in [levels, Levels { settle: Levels::default().settle, ..levels }] {
            let lanes = lanes::run_chunk(&configs, &levels);
            prop_assert_eq!(lanes.len(), configs.len());
            for (lane, config) in lanes.iter().zip(&configs) {
                assert_same_cell(lane, &sweep::run_one(config, &levels), config);
            }
        }
    }
}

/// One chunk's runs on `surface`: lane by lane, its optimizer, start, (schedule, noise σ, seed)
/// and `steps` updates.
pub(crate) fn chunk_configs(
    surface: &Surface,
    optimizers: Vec<OptimizerConfig>,
    starts: Vec<(f64, f64)>,
    drivers: Vec<(Schedule, f64, u64)>,
    steps: u64,
) -> Vec<RunConfig> {
    optimizers
        .into_iter()
        .zip(starts)
        .zip(drivers)
        .map(|((optimizer, (x, y)), (schedule, noise_sigma, seed))| RunConfig {
            surface: surface.clone(),
            start: [x, y],
            optimizer,
            schedule,
            steps,
            noise_sigma,
            seed,
        })
        .collect()
}

/// Up to `LANES` SGD-family optimizers without weight decay or dampening, with μ = 0 among
/// them: the chunks whose lanes take the simple momentum update (`Hyper::simple`).
fn simple_sgd() -> impl Strategy<Value = Vec<OptimizerConfig>> {
    let lr = || (-5.0f64..-0.5).prop_map(|e| 10f64.powf(e));
    let plain = prop_oneof![
        lr().prop_map(|lr| OptimizerConfig::Sgd { lr, weight_decay: 0.0 }),
        (lr(), prop_oneof![Just(0.0), 0.0f64..0.999]).prop_map(|(lr, momentum)| {
            OptimizerConfig::Momentum { lr, momentum, dampening: 0.0, weight_decay: 0.0 }
        }),
    ];
    let nesterov = (lr(), 0.01f64..0.999).prop_map(|(lr, momentum)| OptimizerConfig::Nesterov {
        lr,
        momentum,
        weight_decay: 0.0,
    });
    prop_oneof![prop::collection::vec(plain, 1..=LANES), prop::collection::vec(nesterov, 1..=LANES)]
}

/// Up to `LANES` Adam and AdamW optimizers without weight decay or AMSGrad: the chunks whose
/// lanes take the plain Adam update (`AdamLanes::plain`).
fn plain_adam() -> impl Strategy<Value = Vec<OptimizerConfig>> {
    let plain = adam().prop_map(|mut optimizer| {
        match &mut optimizer {
            OptimizerConfig::Adam { amsgrad, weight_decay, .. }
            | OptimizerConfig::AdamW { amsgrad, weight_decay, .. } => {
                (*amsgrad, *weight_decay) = (false, 0.0);
            }
            _ => {}
        }
        optimizer
    });
    prop::collection::vec(plain, 1..=LANES)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn lanes_without_decay_equal_the_engine_bit_for_bit(
        surface in surfaces(),
        optimizers in prop_oneof![simple_sgd(), plain_adam()],
        starts in prop::collection::vec((-4.0f64..4.0, -4.0f64..4.0), LANES),
        drivers in prop::collection::vec(
            (schedule().prop_filter("μ fixed", |s| !s.cycles_momentum()), noise(), any::<u64>()),
            LANES,
        ),
        steps in 0u64..400,
        tolerance in 1e-6f64..1.0,
    ) {
        let configs = chunk_configs(&surface, optimizers, starts, drivers, steps);
        let reached = sweep::global_minimum(&surface).unwrap_or(f64::NEG_INFINITY) + tolerance;
        for levels in [Levels { reached, ..Levels::default() }, Levels::default()] {
            let lanes = lanes::run_chunk(&configs, &levels);
            prop_assert_eq!(lanes.len(), configs.len());
            for (lane, config) in lanes.iter().zip(&configs) {
                assert_same_cell(lane, &sweep::run_one(config, &levels), config);
            }
        }
    }
}

/// Plain SGD lanes (μ = 0) in a chunk with momentum lanes, from signed zeros where the
/// gradient is a signed zero too: the simple update's b ← g keeps every sign the engine keeps.
#[test]
fn plain_lanes_keep_the_engines_signed_zeros() {
    let config = |optimizer, start| RunConfig {
        surface: Surface::Saddle,
        start,
        optimizer,
        schedule: Schedule::Constant,
        steps: 5,
        noise_sigma: 0.0,
        seed: 0,
    };
    let momentum = |momentum| OptimizerConfig::Momentum {
        lr: 0.1,
        momentum,
        dampening: 0.0,
        weight_decay: 0.0,
    };
    let mut configs = Vec::new();
    for start in [[-0.0, -0.0], [0.0, -0.0], [-0.0, 0.0], [-0.0, 1.5]] {
        configs.push(config(OptimizerConfig::Sgd { lr: 0.1, weight_decay: 0.0 }, start));
        configs.push(config(momentum(0.0), start));
        configs.push(config(momentum(0.9), start));
    }
    let cells = lanes::run_chunk(&configs, &Levels::default());
    for (cell, config) in cells.iter().zip(&configs) {
        assert_same_cell(cell, &sweep::run_one(config, &Levels::default()), config);
    }
}

/// A `OneCycle` schedule of 1000 updates that cycles the momentum.
fn one_cycle() -> Schedule {
    use optlab_core::schedule::Anneal;
    Schedule::OneCycle {
        max_lr: 0.01,
        total_steps: 1000,
        pct_start: 0.3,
        anneal: Anneal::Cos,
        cycle_momentum: true,
        base_momentum: 0.85,
        max_momentum: 0.95,
        div_factor: 25.0,
        final_div_factor: 1e4,
        three_phase: false,
    }
}

#[test]
fn momentum_cycling_runs_in_the_lanes_for_the_families_that_implement_it() {
    let config = |optimizer| RunConfig {
        surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
        start: [-1.2, 1.0],
        optimizer,
        schedule: one_cycle(),
        steps: 1000,
        noise_sigma: 0.0,
        seed: 0,
    };
    let (lr, momentum, weight_decay) = (1e-3, 0.9, 0.0);
    let (beta1, beta2, eps) = (0.9, 0.999, 1e-8);
    let in_lanes = [
        OptimizerConfig::Momentum { lr, momentum, dampening: 0.0, weight_decay },
        OptimizerConfig::Nesterov { lr, momentum, weight_decay },
        OptimizerConfig::AdamW { lr, beta1, beta2, eps, amsgrad: false, weight_decay },
        OptimizerConfig::Adamax { lr, beta1, beta2, eps, weight_decay },
        OptimizerConfig::NAdam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            momentum_decay: 0.004,
            decoupled_weight_decay: false,
        },
    ];
    for optimizer in in_lanes {
        assert!(lanes::applies(&config(optimizer.clone())), "{optimizer:?}");
    }
    // Plain SGD has no momentum to cycle (the run refuses it); the engine keeps it.
    assert!(!lanes::applies(&config(OptimizerConfig::Sgd { lr, weight_decay })));
}

/// A `Cyclic` schedule whose momentum rises with the lr from 0 (base 0.9 > max 0, which
/// validation allows): torch creates a Momentum lane's buffer at its first update with μ ≠ 0,
/// the second one here, and the lane must too.
#[test]
fn a_momentum_buffer_starts_at_the_first_update_with_nonzero_momentum() {
    use optlab_core::schedule::CyclicMode;
    let schedule = Schedule::Cyclic {
        base_lr: 1e-4,
        max_lr: 1e-3,
        step_size_up: 20,
        step_size_down: None,
        mode: CyclicMode::Triangular,
        gamma: 1.0,
        cycle_momentum: true,
        base_momentum: 0.9,
        max_momentum: 0.0,
    };
    let config = |optimizer| RunConfig {
        surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
        start: [-1.2, 1.0],
        optimizer,
        schedule: schedule.clone(),
        steps: 200,
        noise_sigma: 0.0,
        seed: 0,
    };
    let (lr, momentum, weight_decay) = (1e-3, 0.5, 0.0);
    let configs = [
        config(OptimizerConfig::Momentum { lr, momentum, dampening: 0.3, weight_decay }),
        config(OptimizerConfig::Momentum { lr: 2e-3, momentum, dampening: 0.0, weight_decay }),
    ];
    assert!(lanes::applies_to_all(&configs));
    let cells = lanes::run_chunk(&configs, &Levels::default());
    for (cell, config) in cells.iter().zip(&configs) {
        assert_same_cell(cell, &sweep::run_one(config, &Levels::default()), config);
    }
}

#[test]
fn diverging_lanes_stop_where_the_engine_stops() {
    let config = |lr| momentum_on_rosenbrock(lr, 1000);
    let configs = [config(1e-2), config(1e-4)];
    let cells = lanes::run_chunk(&configs, &Levels::default());
    assert!(cells[0].diverged_at.is_some(), "{:?}", cells[0]);
    assert!(cells[1].diverged_at.is_none() && cells[1].final_loss < 4.0, "{:?}", cells[1]);
    for (cell, config) in cells.iter().zip(&configs) {
        assert_same_cell(cell, &sweep::run_one(config, &Levels::default()), config);
    }
}

#[test]
fn sweep_and_basin_entries_survive_a_save_and_load() {
    use optlab_core::entries::Experiment;
    use optlab_core::entries::basin::BasinLab;
    use optlab_core::entries::sweep::SweepLab;
    use optlab_core::notebook::{Entry, Notebook};
    let mut sweep =
        SweepLab { metric: optlab_core::grid::Metric::StepsToTolerance, ..SweepLab::default() };
    sweep.y.count = 7;
    let basin = BasinLab { region: Some(Surface::Himmelblau.view_box()), ..BasinLab::default() };
    let notebook = Notebook {
        entries: vec![
            Entry {
                name: "s".to_owned(),
                notes: String::new(),
                experiment: Experiment::Sweep(sweep),
            },
            Entry {
                name: "b".to_owned(),
                notes: String::new(),
                experiment: Experiment::Basin(basin),
            },
        ],
        ..Notebook::default_notebook()
    };
    let text = notebook.to_ron();
    assert_eq!(Notebook::from_ron(&text).expect("loads"), notebook, "{text}");
}

#[test]
fn a_field_the_base_run_lacks_is_reported_not_computed() {
    let lab = optlab_core::entries::sweep::SweepLab {
        optimizer: OptimizerConfig::Sgd { lr: 0.01, weight_decay: 0.0 },
        ..optlab_core::entries::sweep::SweepLab::default()
    };
    let report = optlab_core::entries::LabReport::compute(optlab_core::entries::Lab::Sweep(&lab));
    let optlab_core::entries::LabReport::Sweep(report) = report else { panic!("a sweep report") };
    let error = report.error.clone().expect("SGD has no momentum");
    assert!(error.contains("Sgd") && error.contains("momentum"), "{error}");
    assert_eq!(report.progress().0, 0);
}

/// A training sweep's cell is exactly the training run it names: the same validation loss and
/// accuracy as training that config on its own.
#[test]
fn a_training_sweep_cell_is_the_run_it_names() {
    use optlab_core::entries::sweep::training;
    use optlab_core::entries::training::TrainingLab;
    use optlab_core::train::Trainer;
    let task = TrainingLab::default();
    let mut lab = SweepLab { training: Some(Box::new(task.clone())), ..SweepLab::default() };
    lab.x = SweepAxis { field: SweepField::L2, from: 1e-4, to: 1e-2, count: 2, log: true };
    lab.y = SweepAxis { field: SweepField::DropoutKeep, from: 0.5, to: 1.0, count: 2, log: false };
    for config in &mut lab.training.as_mut().unwrap().runs {
        config.epochs = 5;
    }
    let configs = training::configs(&lab, lab.training.as_ref().unwrap()).unwrap();
    assert_eq!(configs.len(), 4);
    let config = &configs[1];
    assert_eq!(config.l2.to_bits(), 1e-2f64.to_bits());
    let cell = training::train_cell(config, 1e-3);
    let last = Trainer::new(config).unwrap().run().pop().unwrap();
    assert_eq!(cell.final_loss.to_bits(), last.validation_loss.unwrap().to_bits());
    assert_eq!(cell.accuracy, last.validation_accuracy);
    let report = optlab_core::entries::sweep::sweep(
        &lab,
        &std::sync::atomic::AtomicBool::new(false),
        std::time::Duration::MAX,
        |_| {},
    )
    .unwrap();
    let computed = report.cells[1].expect("computed");
    assert_eq!(computed.final_loss.to_bits(), cell.final_loss.to_bits());
    assert_eq!((computed.accuracy, computed.best_loss), (cell.accuracy, cell.best_loss));
    // Gradient noise belongs to surfaces; L2 belongs to training tasks.
    let mut noisy = lab.clone();
    noisy.x.field = SweepField::Noise;
    assert!(training::configs(&noisy, noisy.training.as_ref().unwrap()).is_err());
    let surface = SweepLab { x: lab.x.clone(), ..SweepLab::default() };
    assert!(surface.configs().unwrap_err().contains("training task"));
}

/// The training entry of the `sweep` preset: too small and too large learning rates fail,
/// heavy L2 underfits at every learning rate, the best cells have little L2.
#[test]
fn the_spiral_training_sweep_preset_teaches_its_lesson() {
    let notebook = optlab_core::presets::find("sweep").unwrap().notebook().unwrap();
    let entry =
        notebook.entries.iter().find(|e| e.name.starts_with("Training the spiral")).unwrap();
    let optlab_core::entries::Experiment::Sweep(lab) = &entry.experiment else { panic!("a sweep") };
    let report = optlab_core::entries::sweep::sweep(
        lab,
        &std::sync::atomic::AtomicBool::new(false),
        std::time::Duration::MAX,
        |_| {},
    )
    .unwrap();
    assert_eq!(report.done, 81);
    let loss = |i: usize, j: usize| report.cell(i, j).unwrap().final_loss;
    let row_min = |j: usize| (0..9).map(|i| loss(i, j)).fold(f64::INFINITY, f64::min);
    let column_min = |i: usize| (0..9).map(|j| loss(i, j)).fold(f64::INFINITY, f64::min);
    assert!(row_min(0) > 0.8, "lr 1e-4 is too slow");
    assert!(row_min(8) > 0.5, "lr 1 is too large");
    assert!(column_min(8) > 0.7, "λ = 0.1 underfits");
    let (i, j, best) = report.best.unwrap();
    assert!(best < 0.1, "{best}");
    assert!(report.x_values[i] <= 1e-4 && (0.03..=0.32).contains(&report.y_values[j]));
}

/// `NAdam`'s lanes compute torch's formula plainly; the engine's rule skips powers once they are
/// negligible (β₂ᵗ, 0.96^(tψ)) and keeps a subnormal μ-product cheaply. Past all of those
/// points (60 000 steps: β₁ᵗ is subnormal from about step 6 700) they still agree bit for bit.
#[test]
fn nadam_lanes_match_the_engine_past_its_settling_points() {
    let configs: Vec<RunConfig> = [(0.999, 0.004), (0.99, 0.04), (0.9, 0.1), (0.999, 0.0)]
        .iter()
        .enumerate()
        .map(|(i, &(beta2, momentum_decay))| RunConfig {
            surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
            start: [-1.2 + 0.1 * i as f64, 1.0],
            optimizer: OptimizerConfig::NAdam {
                lr: 1e-3,
                beta1: 0.9,
                beta2,
                eps: 1e-8,
                weight_decay: if i % 2 == 0 { 0.0 } else { 1e-3 },
                momentum_decay,
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
        assert_same_cell(lane, &sweep::run_one(config, &levels), config);
    }
}

/// Every arithmetic surface: the property tests' and Six-hump camel and a tilted quadratic.
fn arithmetic_surfaces() -> impl Strategy<Value = Surface> {
    prop_oneof![
        surfaces(),
        Just(Surface::SixHumpCamel),
        Just(Surface::Quadratic { h: ((3.0, 0.5), (0.5, 1.0)), c: (1.0, -2.0) }),
    ]
}

/// A start: mostly near the minima, sometimes far out (diverging soon), sometimes outside the
/// divergence box from the start.
fn start() -> impl Strategy<Value = (f64, f64)> {
    prop_oneof![
        8 => (-4.0f64..4.0, -4.0f64..4.0),
        1 => (-1e60f64..1e60, -1.0f64..1.0),
        1 => Just((1e101, 0.5)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_vector_kernel_equals_the_engine_bit_for_bit(
        surface in arithmetic_surfaces(),
        optimizers in simple_sgd(),
        starts in prop::collection::vec(start(), LANES),
        steps in 0u64..400,
        tolerance in 1e-6f64..1.0,
    ) {
        let drivers = vec![(Schedule::Constant, 0.0, 0); LANES];
        let configs = chunk_configs(&surface, optimizers, starts, drivers, steps);
        let reached = sweep::global_minimum(&surface).unwrap_or(f64::NEG_INFINITY) + tolerance;
        for levels in [Levels { reached, ..Levels::default() }, Levels::default()] {
            prop_assert!(lanes::takes_the_vector_kernel(&configs, &levels));
            let lanes = lanes::run_chunk(&configs, &levels);
            prop_assert_eq!(lanes.len(), configs.len());
            for (lane, config) in lanes.iter().zip(&configs) {
                assert_same_cell(lane, &sweep::run_one(config, &levels), config);
            }
        }
    }
}

/// Momentum (μ = 0.9) with learning rate `lr` on Rosenbrock from (−1.2, 1).
fn momentum_on_rosenbrock(lr: f64, steps: u64) -> RunConfig {
    RunConfig {
        surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
        start: [-1.2, 1.0],
        optimizer: OptimizerConfig::Momentum {
            lr,
            momentum: 0.9,
            dampening: 0.0,
            weight_decay: 0.0,
        },
        schedule: Schedule::Constant,
        steps,
        noise_sigma: 0.0,
        seed: 0,
    }
}

/// Momentum on Rosenbrock across the edge of stability: some lanes of each group diverge at
/// different steps (masked in the group from there on), others run to the end; with the lr
/// rising along the lanes (the last lanes die) and falling (the first lanes die while the last
/// run on).
#[test]
fn vector_groups_mask_a_divergence_and_end_where_the_engine_ends() {
    let lanes = 0..i32::try_from(LANES).expect("16 lanes");
    let rising: Vec<RunConfig> =
        lanes.clone().map(|lane| momentum_on_rosenbrock(1e-4 * 1.4f64.powi(lane), 2000)).collect();
    // From 5e-2 down to 1e-3: more than half the lanes, the first ones, diverge.
    let falling: Vec<RunConfig> =
        lanes.rev().map(|lane| momentum_on_rosenbrock(1e-3 * 1.3f64.powi(lane), 2000)).collect();
    let levels = Levels { reached: 1e-6, ..Levels::default() };
    for (configs, first_dead) in [(rising, 0), (falling, LANES / 2)] {
        assert!(lanes::takes_the_vector_kernel(&configs, &levels));
        let cells = lanes::run_chunk(&configs, &levels);
        let diverged = cells.iter().filter(|c| c.diverged_at.is_some()).count();
        assert!((1..LANES).contains(&diverged), "{diverged} of {LANES} lanes diverged");
        assert!(cells[..first_dead].iter().all(|c| c.diverged_at.is_some()));
        for (lane, config) in cells.iter().zip(&configs) {
            assert_same_cell(lane, &sweep::run_one(config, &levels), config);
        }
    }
}

#[test]
fn the_vector_kernel_leaves_schedules_noise_basins_and_library_functions_to_the_lanes() {
    let base = momentum_on_rosenbrock(1e-3, 100);
    let levels = Levels::default();
    assert!(lanes::takes_the_vector_kernel(std::slice::from_ref(&base), &levels));
    let rastrigin = RunConfig { surface: Surface::Rastrigin { a: 10.0 }, ..base.clone() };
    let noisy = RunConfig { noise_sigma: 0.5, ..base.clone() };
    let decayed = RunConfig { schedule: Schedule::Exponential { k: 0.01 }, ..base.clone() };
    let damped = RunConfig {
        optimizer: OptimizerConfig::Momentum {
            lr: 1e-3,
            momentum: 0.9,
            dampening: 0.1,
            weight_decay: 0.0,
        },
        ..base.clone()
    };
    for config in [rastrigin, noisy, decayed, damped] {
        assert!(!lanes::takes_the_vector_kernel(std::slice::from_ref(&config), &levels));
    }
    let basin = Levels { settle: [0.0, f64::NEG_INFINITY, f64::NEG_INFINITY, 1.0], ..levels };
    assert!(!lanes::takes_the_vector_kernel(std::slice::from_ref(&base), &basin));
}
