//! `optlab slice`: the loss along a line as CSV, its defaults, and refusals with exit status 2.

use std::process::{Command, Output};

fn optlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optlab")).args(args).output().expect("optlab runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

#[test]
fn slice_prints_the_saddles_falling_direction_with_both_ends() {
    let out = optlab(&[
        "slice",
        "--surface",
        "Saddle",
        "--through=0,0",
        "--direction=0,1",
        "--from=-1",
        "--to",
        "1",
        "--points",
        "5",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let lines: Vec<&str> = csv.lines().collect();
    // x² − y² + ½y⁴ along y: −s² + ½s⁴.
    assert_eq!(
        lines,
        [
            "s,x,y,loss",
            "-1,0,-1,-0.5",
            "-0.5,0,-0.5,-0.21875",
            "0,0,0,0",
            "0.5,0,0.5,-0.21875",
            "1,0,1,-0.5"
        ]
    );
}

#[test]
fn slice_defaults_to_201_points_from_minus_one_to_one() {
    let out = optlab(&[
        "slice",
        "--surface",
        "Rosenbrock(a: 1.0, b: 100.0)",
        "--through=1,1",
        "--direction=0.5,-0.25",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("s,x,y,loss"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 201);
    // s = −1: (0.5, 1.25), loss 0.25 + 100·1 = 100.25; s = 1: (1.5, 0.75), 0.25 + 100·2.25.
    assert_eq!(rows[0], "-1,0.5,1.25,100.25");
    assert_eq!(rows[200], "1,1.5,0.75,225.25");
    assert_eq!(rows[100], "0,1,1,0", "the minimum in the middle");
}

#[test]
fn slice_refuses_bad_input_with_exit_status_2() {
    for (args, message) in [
        (
            ["--through=0,0", "--direction=0,0", "--points", "5"],
            "error: --direction: direction = (0, 0): a line needs a non-zero vector",
        ),
        (
            ["--through=0,0", "--direction=1,0", "--points", "1"],
            "error: --points: `points` = 1 is out of range; allowed [2, 100000]",
        ),
        (
            ["--through=0,0", "--direction=1,0", "--from", "2"],
            "error: --to: `to` = 1 is out of range; allowed (2, +inf)",
        ),
        (
            ["--through=0,nan", "--direction=1,0", "--points", "5"],
            "error: --through: value 2 is not finite",
        ),
        (
            ["--through=0", "--direction=1,0", "--points", "5"],
            "error: --through: expected 2 coordinates X,Y, got 1 (0)",
        ),
    ] {
        let mut all = vec!["slice", "--surface", "Saddle"];
        all.extend(args);
        let out = optlab(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "no rows for {args:?}");
        assert_eq!(text(&out.stderr).trim_end(), message);
    }
    let out = optlab(&[
        "slice",
        "--surface",
        "TacoShell(condition: 0.5)",
        "--through=0,0",
        "--direction=1,0",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).trim_end(),
        "error: --surface 1:22: `condition` = 0.5 is out of range; allowed [1, 1000000]"
    );
}
