//! Invariants of the PyTorch-named schedules (issue 17) and their refusals: a cycle stays
//! between its bounds, one-cycle ends at `max_lr/(div_factor·final_div_factor)`, reduce-on-plateau
//! never goes below `min_lr`, driven momenta stay within their bounds; bad limits, formulas and
//! combinations are refused with what is wrong.

use optlab_core::optim::OptimizerConfig;
use optlab_core::run::RunConfig;
use optlab_core::schedule::{Anneal, CyclicMode, Schedule, Scheduler};
use optlab_core::surface::Surface;
use proptest::prelude::*;

fn cyclic(
    base_lr: f64,
    max_lr: f64,
    up: u64,
    down: Option<u64>,
    mode: CyclicMode,
    gamma: f64,
) -> Schedule {
    Schedule::Cyclic {
        base_lr,
        max_lr,
        step_size_up: up,
        step_size_down: down,
        mode,
        gamma,
        cycle_momentum: true,
        base_momentum: 0.8,
        max_momentum: 0.9,
    }
}

fn one_cycle(
    max_lr: f64,
    total_steps: u64,
    pct_start: f64,
    anneal: Anneal,
    three_phase: bool,
) -> Schedule {
    Schedule::OneCycle {
        max_lr,
        total_steps,
        pct_start,
        anneal,
        cycle_momentum: true,
        base_momentum: 0.85,
        max_momentum: 0.95,
        div_factor: 25.0,
        final_div_factor: 1e4,
        three_phase,
    }
}

fn any_mode() -> impl Strategy<Value = CyclicMode> {
    prop_oneof![
        Just(CyclicMode::Triangular),
        Just(CyclicMode::Triangular2),
        Just(CyclicMode::ExpRange)
    ]
}

proptest! {
    #[test]
    fn a_cycle_stays_between_base_lr_and_max_lr_and_its_momentum_between_its_bounds(
        base_lr in 1e-4..0.1f64, span in 0.0..1.0f64, up in 1..50u64, down in prop::option::of(1..50u64),
        mode in any_mode(), gamma in 0.9..=1.0f64,
    ) {
        let schedule = cyclic(base_lr, base_lr + span, up, down, mode, gamma);
        schedule.validate().expect("valid");
        let (lrs, momenta) = schedule.preview(0.5, Some(0.9), 300);
        let momenta = momenta.expect("the momentum cycles");
        for (lr, momentum) in lrs.iter().zip(&momenta) {
            prop_assert!(*lr >= base_lr * (1.0 - 1e-12) && *lr <= (base_lr + span) * (1.0 + 1e-12), "{lr}");
            prop_assert!((0.8 - 1e-12..=0.9 + 1e-12).contains(momentum), "{momentum}");
        }
    }

    #[test]
    fn one_cycle_ends_at_max_lr_over_both_div_factors(
        max_lr in 1e-3..1.0f64, total_steps in 10..500u64, pct_start in 0.1..0.9f64,
        linear in any::<bool>(), three_phase in any::<bool>(),
    ) {
        let anneal = if linear { Anneal::Linear } else { Anneal::Cos };
        let schedule = one_cycle(max_lr, total_steps, pct_start, anneal, three_phase);
        prop_assume!(schedule.validate().is_ok());
        // Three phases past pct_start 0.5 overlap (PyTorch's second phase then ends after the
        // cycle, and so does not reach the floor there either).
        prop_assume!(!three_phase || pct_start < 0.5);
        let (lrs, momenta) = schedule.preview(1.0, Some(0.9), total_steps);
        let last = lrs[lrs.len() - 1];
        let expected = max_lr / (25.0 * 1e4);
        // Linear annealing rounds (end − start) + start at the scale of the start lr.
        prop_assert!((last - expected).abs() <= 1e-15 * max_lr, "{last} vs {expected}");
        prop_assert!((lrs[0] - max_lr / 25.0).abs() <= 1e-12 * max_lr);
        for momentum in momenta.expect("the momentum cycles") {
            prop_assert!((0.85 - 1e-12..=0.95 + 1e-12).contains(&momentum), "{momentum}");
        }
    }

    #[test]
    fn reduce_on_plateau_never_goes_below_min_lr(
        losses in prop::collection::vec(0.0..10.0f64, 1..300), factor in 0.0..0.99f64,
        patience in 0..5u64, cooldown in 0..5u64, min_lr in 0.0..0.01f64, abs in any::<bool>(),
    ) {
        let schedule = Schedule::ReduceOnPlateau {
            mode: optlab_core::schedule::PlateauMode::Min,
            factor,
            patience,
            threshold: 1e-4,
            threshold_mode: if abs { optlab_core::schedule::ThresholdMode::Abs } else { optlab_core::schedule::ThresholdMode::Rel },
            cooldown,
            min_lr,
            eps: 1e-8,
        };
        let mut scheduler = Scheduler::new(&schedule, 0.1, None);
        let mut previous = scheduler.lr();
        for loss in losses {
            scheduler.step(Some(loss));
            let lr = scheduler.lr();
            prop_assert!(lr >= min_lr.min(0.1) && lr <= previous, "{lr} after {previous}");
            previous = lr;
        }
    }
}

#[test]
fn a_plateau_reduces_after_patience_bad_steps_and_waits_out_its_cooldown() {
    let schedule: Schedule =
        ron::from_str("ReduceOnPlateau(factor: 0.5, patience: 2, cooldown: 1)").expect("parses");
    let mut scheduler = Scheduler::new(&schedule, 1.0, None);
    let mut lrs = Vec::new();
    for loss in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5] {
        scheduler.step(Some(loss));
        lrs.push(scheduler.lr());
    }
    // Best 1.0 at the first step; steps 2, 3, 4 are bad (more than patience 2 at the 4th: halved);
    // the cooldown ignores step 5; steps 6 and 7 are bad again, and 0.5 improves at step 8.
    assert_eq!(lrs, [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5]);
}

#[test]
fn bad_limits_are_refused_with_the_field_and_position() {
    let err = ron::from_str::<Schedule>("Linear(start_factor: 0.0)").unwrap_err().to_string();
    assert!(err.contains("start_factor") && err.contains("(0, 1]"), "{err}");
    let err = ron::from_str::<Schedule>("OneCycle(\n max_lr: 0.1,\n total_steps: 0)")
        .unwrap_err()
        .to_string();
    assert!(err.contains("total_steps") && err.contains("3:"), "{err}");
    let err = ron::from_str::<Schedule>("ReduceOnPlateau(factor: 1.0)").unwrap_err().to_string();
    assert!(err.contains("factor") && err.contains("[0, 1)"), "{err}");
    let err =
        ron::from_str::<Schedule>("Cyclic(base_lr: 0.0, max_lr: 1.0)").unwrap_err().to_string();
    assert!(err.contains("base_lr"), "{err}");
    let err = ron::from_str::<Schedule>("Multiplicative(\"0.9 * y\")").unwrap_err().to_string();
    assert!(err.contains("column 7") && err.contains("'y'"), "{err}");
    assert!(ron::from_str::<Schedule>("Lambda(\"0.5^floor(t / 10)\")").is_ok());
}

#[test]
fn combinations_are_refused_when_pytorch_refuses_them() {
    let parse = |text: &str| ron::from_str::<Schedule>(text).expect("parses");
    let cases = [
        ("Sequential(schedules: [Constant, Constant], milestones: [])", "one fewer"),
        ("Sequential(schedules: [Constant, Constant], milestones: [0])", "milestones"),
        (
            "Sequential(schedules: [Constant, Constant, Constant], milestones: [5, 5])",
            "above the one before",
        ),
        ("Sequential(schedules: [], milestones: [])", "schedules"),
        ("Chained([])", "schedules"),
        ("Chained([Constant, ReduceOnPlateau()])", "ReduceOnPlateau"),
        ("Sequential(schedules: [Constant, Chained([Constant])], milestones: [3])", "restart"),
        ("OneCycle(max_lr: 0.1, total_steps: 10, pct_start: 0.1)", "zero updates"),
    ];
    for (text, expected) in cases {
        let err = parse(text).validate().expect_err(text).to_string();
        assert!(err.contains(expected), "{text}: {err}");
    }
}

fn run(optimizer: &str, schedule: &str, steps: u64) -> RunConfig {
    RunConfig {
        surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
        start: [-1.2, 1.0],
        optimizer: ron::from_str(optimizer).expect("optimizer"),
        schedule: ron::from_str(schedule).expect("schedule"),
        steps,
        noise_sigma: 0.0,
        seed: 0,
    }
}

#[test]
fn a_run_refuses_cycling_without_a_momentum_and_a_one_cycle_too_short() {
    let err = run("Adagrad(lr: 0.01)", "OneCycle(max_lr: 0.01, total_steps: 50)", 50)
        .validate()
        .unwrap_err();
    assert!(
        err.to_string().contains("Adagrad") && err.to_string().contains("cycle_momentum: false"),
        "{err}"
    );
    run("Adagrad(lr: 0.01)", "OneCycle(max_lr: 0.01, total_steps: 50, cycle_momentum: false)", 50)
        .validate()
        .expect("no cycling, no momentum needed");
    let err = run("Adam(lr: 0.01)", "OneCycle(max_lr: 0.01, total_steps: 50)", 51)
        .validate()
        .unwrap_err();
    assert!(err.to_string().contains("total_steps"), "{err}");
    let nested = "Sequential(schedules: [Constant, OneCycle(max_lr: 0.01, total_steps: 20)], milestones: [10])";
    run("Adam(lr: 0.01)", nested, 30).validate().expect("30 = 10 + 20 fits");
    assert!(run("Adam(lr: 0.01)", nested, 31).validate().is_err());
}

#[test]
fn every_momentum_optimizer_follows_a_cycling_schedule() {
    let schedule = "OneCycle(max_lr: 0.001, total_steps: 100)";
    for optimizer in [
        "Momentum(lr: 0.001)",
        "Nesterov(lr: 0.001)",
        "NesterovLookahead(lr: 0.001)",
        "Adam(lr: 0.001)",
        "AdamW(lr: 0.001)",
        "Adamax(lr: 0.001)",
        "NAdam(lr: 0.001)",
        "RAdam(lr: 0.001)",
    ] {
        let config = run(optimizer, schedule, 100);
        config.validate().expect(optimizer);
        let config_m: OptimizerConfig = ron::from_str(optimizer).expect("parses");
        assert!(config_m.momentum().is_some(), "{optimizer}");
        let cycled = optlab_core::run::execute(&config, &mut optlab_core::run::Discard);
        let flat = RunConfig {
            schedule: ron::from_str(
                "OneCycle(max_lr: 0.001, total_steps: 100, cycle_momentum: false)",
            )
            .expect("parses"),
            ..config.clone()
        };
        let plain = optlab_core::run::execute(&flat, &mut optlab_core::run::Discard);
        let (a, b) = (cycled.last.expect("ran").position, plain.last.expect("ran").position);
        let moved = (a[0] - b[0]).abs() + (a[1] - b[1]).abs();
        assert!(moved > 1e-9, "{optimizer}: cycling the momentum changed nothing");
    }
}

#[test]
fn setting_an_unchanged_momentum_keeps_the_rule_on_its_path() {
    for optimizer in [
        "Adam(lr: 0.01)",
        "NAdam(lr: 0.01)",
        "Momentum(lr: 0.001)",
        "RAdam(lr: 0.01)",
        "Adamax(lr: 0.01)",
    ] {
        let config: OptimizerConfig = ron::from_str(optimizer).expect("parses");
        let beta = config.momentum().expect("has one");
        let (mut a, mut b) = (config.build(2), config.build(2));
        let (mut pa, mut pb) = (vec![1.0, -0.5], vec![1.0, -0.5]);
        for _ in 0..50 {
            let grad_a = vec![pa[0] * 3.0 + 0.1, pa[1] - 0.2];
            let grad_b = vec![pb[0] * 3.0 + 0.1, pb[1] - 0.2];
            b.set_momentum(beta);
            a.step(&mut pa, &grad_a, 0.01);
            b.step(&mut pb, &grad_b, 0.01);
        }
        for (x, y) in pa.iter().zip(&pb) {
            assert!((x - y).abs() <= 1e-14 * x.abs().max(1.0), "{optimizer}: {x} vs {y}");
        }
    }
}
