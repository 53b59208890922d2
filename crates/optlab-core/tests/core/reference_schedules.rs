//! Schedules against the learning rates PyTorch and Keras recorded (`schedules` in
//! tests/data/vectors-public.json), plus invariants of every schedule.

use optlab_core::schedule::Schedule;
use proptest::prelude::*;
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors-public.json");
    let text = std::fs::read_to_string(path).expect("reference vectors are part of the repository");
    serde_json::from_str(&text).expect("reference vectors are valid JSON")
}

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("missing number `{key}` in {v}"))
}

fn int(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("missing integer `{key}` in {v}"))
}

/// Our schedule for a recorded library scheduler, or `None` for schedulers we do not offer
/// (`ReduceLROnPlateau`, warm restarts, …).
fn our_schedule(params: &Value) -> Option<Schedule> {
    let kind = params["type"].as_str().expect("schedule type");
    Some(match kind {
        "ExponentialLR" => Schedule::Exponential { k: -num(params, "gamma").ln() },
        "StepLR" => {
            Schedule::Step { every: int(params, "step_size"), factor: num(params, "gamma") }
        }
        "MultiStepLR" => Schedule::MultiStep {
            milestones: params["milestones"]
                .as_array()
                .expect("milestones")
                .iter()
                .map(|m| m.as_u64().expect("integer milestone"))
                .collect(),
            factor: num(params, "gamma"),
        },
        "CosineAnnealingLR" => {
            Schedule::Cosine { period: int(params, "T_max"), min_lr: num(params, "eta_min") }
        }
        "LambdaLR" => {
            let formula = params["lr_lambda"].as_str().expect("lambda text");
            let k = formula.strip_prefix("1/(1+")?.split('*').next()?.parse().ok()?;
            Schedule::InverseTime { k }
        }
        _ => return None,
    })
}

#[test]
fn schedules_match_the_recorded_library_learning_rates() {
    let vectors = vectors();
    let cases = vectors["schedules"].as_array().expect("schedules section");
    let mut checked = 0;
    for case in cases {
        let Some(schedule) = our_schedule(&case["params"]) else { continue };
        let base = num(case, "base_lr");
        for (t, expected) in case["lr"].as_array().expect("lr list").iter().enumerate() {
            let expected = expected.as_f64().expect("lr value");
            let ours = schedule.lr(base, t as u64);
            assert!(
                (ours - expected).abs() <= 1e-12 * expected.abs().max(1.0),
                "{}: t={t}: ours {ours}, library {expected}",
                case["id"]
            );
        }
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} schedule cases were comparable");
}

#[test]
fn step_decay_is_already_applied_at_the_boundary() {
    let step = Schedule::Step { every: 30, factor: 0.1 };
    assert!((step.lr(0.1, 29) - 0.1).abs() < 1e-15);
    assert!((step.lr(0.1, 30) - 0.01).abs() < 1e-15);
}

#[test]
fn cosine_does_not_clamp_after_its_period() {
    let cosine = Schedule::Cosine { period: 50, min_lr: 0.001 };
    assert!((cosine.lr(0.1, 50) - 0.001).abs() < 1e-15);
    assert!((cosine.lr(0.1, 100) - 0.1).abs() < 1e-14);
}

#[test]
fn warmup_starts_below_base_and_restarts_the_next_schedule() {
    let then = Schedule::Cosine { period: 20, min_lr: 0.0 };
    let warmup = Schedule::Warmup { steps: 5, start_factor: 0.2, then: Box::new(then.clone()) };
    assert!((warmup.lr(1.0, 0) - 0.2).abs() < 1e-15);
    assert!((warmup.lr(1.0, 4) - 0.84).abs() < 1e-15);
    for t in 5..40 {
        assert!((warmup.lr(1.0, t) - then.lr(1.0, t - 5)).abs() < 1e-15);
    }
}

#[test]
fn schedules_round_trip_through_ron_and_refuse_bad_values() {
    for schedule in Schedule::catalogue() {
        let text = ron::to_string(&schedule).expect("serializes");
        let back: Schedule = ron::from_str(&text).expect("parses its own output");
        assert_eq!(back, schedule);
        schedule.validate().expect("catalogue entries are valid");
    }
    let err = ron::from_str::<Schedule>("Step(every: 10, factor: 1.5)").unwrap_err();
    assert!(err.to_string().contains("factor"), "{err}");
    assert!(err.to_string().contains("[0, 1]"), "{err}");
    assert!(ron::from_str::<Schedule>("Step(every: 0)").is_err());
    assert!(ron::from_str::<Schedule>("Exponential(k: -1.0)").is_err());
    assert!(ron::from_str::<Schedule>("Linear(k: 1.0)").is_err());
    assert!(ron::from_str::<Schedule>("Exponential(rate: 1.0)").is_err());
}

fn any_schedule() -> impl Strategy<Value = Schedule> {
    let leaf = prop_oneof![
        Just(Schedule::Constant),
        (0.0..1.0f64).prop_map(|k| Schedule::Exponential { k }),
        (0.0..10.0f64).prop_map(|k| Schedule::InverseTime { k }),
        (1..500u64, 0.0..=1.0f64).prop_map(|(every, factor)| Schedule::Step { every, factor }),
        (prop::collection::vec(0..1000u64, 0..5), 0.0..=1.0f64)
            .prop_map(|(milestones, factor)| Schedule::MultiStep { milestones, factor }),
        (1..500u64, 0.0..0.1f64).prop_map(|(period, min_lr)| Schedule::Cosine { period, min_lr }),
    ];
    leaf.prop_recursive(2, 4, 1, |inner| {
        (1..100u64, 0.0..=1.0f64, inner).prop_map(|(steps, start_factor, then)| Schedule::Warmup {
            steps,
            start_factor,
            then: Box::new(then),
        })
    })
}

fn highest_floor(schedule: &Schedule) -> f64 {
    match schedule {
        Schedule::Cosine { min_lr, .. } => *min_lr,
        Schedule::Warmup { then, .. } => highest_floor(then),
        _ => 0.0,
    }
}

proptest! {
    #[test]
    fn schedules_never_go_negative_or_above_the_base(
        schedule in any_schedule(), base in 0.0..1.0f64, t in 0..100_000u64,
    ) {
        let lr = schedule.lr(base, t);
        prop_assert!(lr >= 0.0, "{schedule:?} gave {lr}");
        // A cosine floor may exceed a tiny base lr; everything else stays at or below base.
        let ceiling = base.max(highest_floor(&schedule));
        prop_assert!(lr <= ceiling * (1.0 + 1e-12), "{schedule:?} gave {lr} > {ceiling}");
    }

    #[test]
    fn decaying_schedules_never_increase(k in 0.0..1.0f64, t in 0..10_000u64) {
        for schedule in [Schedule::Exponential { k }, Schedule::InverseTime { k }] {
            prop_assert!(schedule.lr(1.0, t + 1) <= schedule.lr(1.0, t));
        }
    }
}
