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

/// Records every step's position and lr.
struct Collect(Vec<([f64; 2], f64)>);

impl optlab_core::run::TraceSink for Collect {
    fn record(&mut self, record: &optlab_core::run::StepRecord) -> std::ops::ControlFlow<()> {
        self.0.push((record.position, record.lr));
        std::ops::ControlFlow::Continue(())
    }
}

/// The optimizer-with-schedule cases (`onecycle_momentum_rosen2d`: `OneCycle` cycling the
/// momentum; `plateau_momentum_rosen2d`: `ReduceOnPlateau` seeing the loss after each update),
/// traced on their surface: positions to 1e-10·max(1, |x|), the lr column to 1e-12 relative.
#[test]
fn optimizer_cases_with_a_schedule_match_pytorch_along_their_path() {
    use optlab_core::run::{RunConfig, execute};
    let vectors = torch_vectors();
    let cases: Vec<&Value> = vectors["optimizers"]
        .as_array()
        .expect("optimizers")
        .iter()
        .filter(|case| case["ron_schedule"].is_string())
        .collect();
    assert!(cases.len() >= 2, "the two public cases with a schedule");
    for case in cases {
        let parse = |key: &str| case[key].as_str().expect("RON text").to_owned();
        let x0: Vec<f64> =
            case["x0"].as_array().expect("x0").iter().map(|v| v.as_f64().expect("x")).collect();
        let config = RunConfig {
            surface: ron::from_str(&parse("ron_surface")).expect("surface"),
            start: [x0[0], x0[1]],
            optimizer: ron::from_str(&parse("ron_optimizer")).expect("optimizer"),
            schedule: ron::from_str(&parse("ron_schedule")).expect("schedule"),
            steps: case["steps"].as_u64().expect("steps"),
            noise_sigma: 0.0,
            seed: 0,
        };
        config.validate().expect("the case is valid");
        let mut rows = Collect(Vec::new());
        execute(&config, &mut rows);
        let params = case["params"].as_array().expect("params");
        assert_eq!(rows.0.len(), params.len() + 1, "{}", case["id"]);
        for (k, expected) in params.iter().enumerate() {
            let (ours, _) = rows.0[k + 1];
            for (i, theirs) in expected.as_array().expect("row").iter().enumerate() {
                let theirs = theirs.as_f64().expect("x");
                let ok = (ours[i] - theirs).abs() <= 1e-10 * theirs.abs().max(1.0);
                assert!(
                    ok,
                    "{}: params[{k}][{i}]: ours {:e}, torch {theirs:e}",
                    case["id"], ours[i]
                );
            }
            let lr = case["lr_used"][k].as_f64().expect("lr");
            assert!(
                close(rows.0[k].1, lr),
                "{}: lr[{k}]: ours {:e}, torch {lr:e}",
                case["id"],
                rows.0[k].1
            );
        }
    }
}
