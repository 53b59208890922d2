//! The PyTorch-named schedules against the learning rates PyTorch 2.15 recorded (`schedules` in
//! tests/data/vectors-torch-public.json): lr[t] for t = 0..100 to 1e-12 relative.

use optlab_core::schedule::{Schedule, Scheduler};
use serde_json::Value;

pub(crate) fn torch_vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors-torch-public.json");
    let text = std::fs::read_to_string(path).expect("reference vectors are part of the repository");
    serde_json::from_str(&text).expect("reference vectors are valid JSON")
}

/// Whether `ours` is within 1e-12 relative of `expected`.
fn close(ours: f64, expected: f64) -> bool {
    (ours - expected).abs() <= 1e-12 * expected.abs()
}

#[test]
fn every_public_schedule_case_matches_pytorch_to_1e_12() {
    let vectors = torch_vectors();
    let cases = vectors["schedules"].as_array().expect("schedules section");
    assert!(cases.len() >= 10, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let text = case["ron_schedule"].as_str().expect("ron_schedule");
        let schedule: Schedule = ron::from_str(text).expect("the case's schedule parses");
        schedule.validate().expect("the case's schedule is valid");
        let base_lr = case["base_lr"].as_f64().expect("base_lr");
        let mut scheduler = Scheduler::new(&schedule, base_lr, None);
        for (t, expected) in case["lr"].as_array().expect("lr").iter().enumerate() {
            let expected = expected.as_f64().expect("number");
            let ours = scheduler.lr();
            if !close(ours, expected) {
                failures.push(format!("{}: t={t}: ours {ours:e}, torch {expected:e}", case["id"]));
                break;
            }
            scheduler.step(None);
        }
        let (preview, _) = schedule.preview(base_lr, None, 101);
        assert!(close(preview[100], case["lr"][100].as_f64().expect("lr[100]")), "{}", case["id"]);
        assert!(close(schedule.lr(base_lr, 37), case["lr"][37].as_f64().expect("lr[37]")));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
