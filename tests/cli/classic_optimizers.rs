//! `optlab trace` with Adadelta, ASGD and Rprop (issue 16) reproduces PyTorch's trajectories
//! (cases `adadelta_default_quad2d`, `asgd_quad2d`, `rprop_quad2d` of
//! `crates/optlab-core/tests/data/vectors-torch-public.json`, some rows copied here), keeps the
//! param group's lr in its `lr` column, and refuses out-of-range fields with exit 2.

use std::process::Command;

/// The reference cases' surface and start.
const SURFACE: &str = "Quadratic(h: ((3.0, 0.5), (0.5, 1.0)), c: (1.0, -2.0))";

fn trace(optimizer: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_optlab"))
        .args(["trace", "--surface", SURFACE, "--optimizer", optimizer])
        .args(["--start=2,-1.5", "--steps", "40"])
        .output()
        .expect("the optlab binary runs")
}

/// The trace's rows as numbers (step, x, y, loss, lr).
fn rows(output: &std::process::Output) -> Vec<Vec<f64>> {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout.clone()).expect("UTF-8");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("step,x,y,loss,lr"));
    lines.map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect()).collect()
}

/// An optimizer, its lr, and reference rows (row, x, y).
type Case = (&'static str, f64, [(usize, f64, f64); 4]);

#[test]
fn trace_matches_torch_for_adadelta_asgd_and_rprop() {
    // (optimizer, its lr, [(row, x, y)]) from the reference's params[row − 1].
    let cases: [Case; 3] = [
        (
            "Adadelta()",
            1.0,
            [
                (1, 1.996_837_723_215_202_1, -1.503_162_270_632_908_2),
                (20, 1.931_539_675_322_703_7, -1.568_156_409_269_872_8),
                (21, 1.928_001_909_754_023_5, -1.571_658_986_767_093_4),
                (40, 1.860_003_075_569_065_5, -1.638_591_489_966_318_8),
            ],
        ),
        (
            "Asgd(lr: 0.1, t0: 10.0)",
            0.1,
            [
                (1, 1.57498, -1.649_985),
                (20, 0.708_141_296_199_354, -2.279_064_009_057_276),
                (21, 0.709_644_800_859_388_2, -2.286_540_760_836_694),
                (40, 0.724_070_344_004_279, -2.350_091_828_157_217),
            ],
        ),
        (
            "Rprop()",
            0.01,
            [
                (1, 1.99, -1.51),
                (20, 0.829_763_891_292_759_7, -2.355_932_868_585_678_6),
                // Both gradients changed sign at update 21: neither coordinate moves.
                (21, 0.829_763_891_292_759_7, -2.355_932_868_585_678_6),
                (40, 0.726_642_847_051_464_3, -2.362_217_084_545_521_5),
            ],
        ),
    ];
    for (optimizer, lr, expected) in cases {
        let rows = rows(&trace(optimizer));
        assert_eq!(rows.len(), 41, "{optimizer}");
        for (row, x, y) in expected {
            for (ours, theirs) in [(rows[row][1], x), (rows[row][2], y)] {
                let allowed = 1e-10 * theirs.abs().max(1.0);
                assert!(
                    (ours - theirs).abs() <= allowed,
                    "{optimizer} row {row}: {ours} vs {theirs}"
                );
            }
        }
        // The lr column is the param group's lr, never ASGD's decaying η.
        assert!(rows.iter().all(|r| r[4].to_bits() == lr.to_bits()), "{optimizer}: lr column");
    }
}

#[test]
fn out_of_range_fields_are_refused_with_exit_2() {
    for (optimizer, field, range) in [
        ("Rprop(eta_minus: 1.5)", "eta_minus", "(0, 1)"),
        ("Adadelta(rho: 2.0)", "rho", "[0, 1]"),
        ("Asgd(t0: -1.0)", "t0", "[0, +inf)"),
    ] {
        let output = trace(optimizer);
        assert_eq!(output.status.code(), Some(2), "{optimizer}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains(field) && message.contains(range), "{optimizer}: {message}");
    }
}
