//! `optlab trace` with Lion and Schedule-Free on the reference vectors' quadratic: rows 1, 10
//! and 40 hold the parameters lion-pytorch 0.2.5 and schedulefree 1.4.1 recorded in float64
//! (cases `lion_quad2d`, `sf_adamw_quad2d`, `sf_sgd_quad2d` of vectors-torch-public.json), and
//! the lr column stays the param group's lr.

use std::process::Command;

/// The vectors' `quad2d` objective as a surface.
const QUAD2D: &str = "Quadratic(h: ((3.0, 0.5), (0.5, 1.0)), c: (1.0, -2.0))";

fn trace(optimizer: &str) -> Vec<Vec<f64>> {
    let out = Command::new(env!("CARGO_BIN_EXE_optlab"))
        .args(["trace", "--surface", QUAD2D, "--optimizer", optimizer, "--start=2.0,-1.5"])
        .args(["--steps", "40"])
        .output()
        .expect("optlab runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("step,x,y,loss,lr"));
    lines.map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect()).collect()
}

#[expect(clippy::float_cmp, reason = "step numbers print exactly")]
fn assert_row(rows: &[Vec<f64>], step: usize, expected: [f64; 2], what: &str) {
    let row = &rows[step];
    assert_eq!(row[0], step as f64, "{what}: step column");
    for (i, want) in expected.iter().enumerate() {
        let allowed = 1e-10 * want.abs().max(1.0);
        assert!((row[1 + i] - want).abs() <= allowed, "{what} row {step}: {row:?} vs {expected:?}");
    }
}

#[test]
#[expect(clippy::unreadable_literal, reason = "the reference vectors' digits, as they print them")]
#[expect(clippy::float_cmp, reason = "the lr column prints the configured lr exactly")]
fn trace_follows_lion_and_schedule_free_as_the_packages_do() {
    let cases: [(&str, [[f64; 2]; 3]); 3] = [
        ("Lion(lr: 0.01)", [[1.99, -1.51], [1.9, -1.6], [1.5999999999999996, -1.9000000000000004]]),
        (
            "ScheduleFreeAdamW(lr: 0.1)",
            [
                [1.9000000002352941, -1.5999999993333334],
                [1.4594940784648658, -2.0266244936584665],
                [0.6859797635582284, -2.5458476360534084],
            ],
        ),
        (
            "ScheduleFreeSgd(lr: 0.1)",
            [
                [1.575, -1.65],
                [0.7200368986580059, -2.046419511584358],
                [0.7289445144749708, -2.3561374573506835],
            ],
        ),
    ];
    for (optimizer, [first, tenth, last]) in cases {
        let rows = trace(optimizer);
        assert_eq!(rows.len(), 41, "{optimizer}");
        assert_row(&rows, 1, first, optimizer);
        assert_row(&rows, 10, tenth, optimizer);
        assert_row(&rows, 40, last, optimizer);
        assert!(rows[..40].iter().all(|r| r[4] == 0.1 || r[4] == 0.01), "{optimizer}: lr column");
    }
    // Schedule-Free's warm-up is inside the optimizer: the lr column stays the group's lr.
    let warm = trace("ScheduleFreeSgd(lr: 0.1, warmup_steps: 10)");
    assert!(warm[..40].iter().all(|r| r[4] == 0.1), "the warm-up is not in the lr column");
    assert!((warm[1][1] - 2.0).abs() < (trace("ScheduleFreeSgd(lr: 0.1)")[1][1] - 2.0).abs());
}
