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

/// The rows of a successful `optlab slice` with `args` after `--surface Saddle`, and its stderr.
fn saddle_rows(args: &[&str]) -> (Vec<String>, String) {
    let mut all = vec!["slice", "--surface", "Saddle"];
    all.extend(args);
    let out = optlab(&all);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    let csv = text(&out.stdout);
    let mut lines = csv.lines().map(str::to_owned);
    assert_eq!(lines.next().as_deref(), Some("s,x,y,loss"));
    (lines.collect(), text(&out.stderr))
}

#[test]
fn named_directions_run_along_the_axes_the_gradient_and_the_eigenvectors() {
    // Along x and y through (1, 0): x² and 1 − s² + ½s⁴.
    let (x, _) = saddle_rows(&["--through=1,0", "--direction=x", "--points=3"]);
    assert_eq!(x, ["-1,0,0,0", "0,1,0,1", "1,2,0,4"]);
    let (y, _) = saddle_rows(&["--through=1,0", "--direction=y", "--points=3"]);
    assert_eq!(y, ["-1,1,-1,0.5", "0,1,0,1", "1,1,1,0.5"]);
    // The gradient at (1, 0) is (2, 0): steepest descent runs towards −x, length 1.
    let (down, stderr) = saddle_rows(&["--through=1,0", "--direction=gradient", "--points=3"]);
    assert_eq!(down, ["-1,2,0,4", "0,1,0,1", "1,0,0,0"]);
    assert!(stderr.is_empty(), "no note off the eigenvectors: {stderr}");
}

#[test]
fn eigen_directions_note_the_eigenvalues_one_curving_down_and_one_up_on_the_saddle() {
    // At the saddle the Hessian is diag(2, −2): eigen1 (λ = −2) is the y axis, eigen2 the x axis.
    let (falling, note) = saddle_rows(&["--through=0,0", "--direction=eigen1", "--points=3"]);
    assert_eq!(falling, ["-1,0,-1,-0.5", "0,0,0,0", "1,0,1,-0.5"]);
    assert_eq!(
        note.trim_end(),
        "note: Hessian eigenvalues at (0, 0): -2 and 2; along eigen1 (-2) the loss curves down"
    );
    let (rising, note) = saddle_rows(&["--through=0,0", "--direction=eigen2", "--points=3"]);
    assert_eq!(rising, ["-1,-1,0,1", "0,0,0,0", "1,1,0,1"]);
    assert!(note.ends_with("along eigen2 (2) the loss curves up\n"), "{note}");
}

#[test]
fn to_point_runs_from_through_at_s_0_to_the_second_point_at_s_1() {
    let (rows, _) = saddle_rows(&["--through=-1,0", "--to-point=1,0", "--points=3"]);
    assert_eq!(rows, ["0,-1,0,1", "0.5,0,0,0", "1,1,0,1"], "s from 0 to 1 by default");
    let (wider, _) =
        saddle_rows(&["--through=0,0", "--to-point=0,1", "--from=-1", "--to=3", "--points=5"]);
    assert_eq!(wider, ["-1,0,-1,-0.5", "0,0,0,0", "1,0,1,-0.5", "2,0,2,4", "3,0,3,31.5"]);
}

#[test]
fn slice_refuses_bad_directions_and_second_points_with_exit_status_2() {
    for (args, message) in [
        (
            vec!["--through=0,0", "--direction=eigen3"],
            "error: --direction: `eigen3` is not a direction; allowed x, y, gradient, eigen1, \
             eigen2, or DX,DY",
        ),
        (
            vec!["--through=0,0", "--direction=1"],
            "error: --direction: expected 2 coordinates X,Y, got 1 (1)",
        ),
        (
            vec!["--through=0,0", "--direction=gradient"],
            "error: --direction: the gradient at (0, 0) is (0, 0): no direction of steepest \
             descent there (a critical point, or a loss that is not finite)",
        ),
        (
            vec!["--through=1,1", "--to-point=1,1"],
            "error: --to-point: (1, 1) is --through itself: a segment needs two different points",
        ),
        (vec!["--through=1,1", "--to-point=inf,1"], "error: --to-point: value 1 is not finite"),
        (
            vec!["--through=1,1", "--to-point=2,1", "--to=0"],
            "error: --to: `to` = 0 is out of range; allowed (0, +inf)",
        ),
    ] {
        let mut all = vec!["slice", "--surface", "Saddle"];
        all.extend(&args);
        let out = optlab(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "no rows for {args:?}");
        assert_eq!(text(&out.stderr).trim_end(), message);
    }
    // Neither or both of --direction and --to-point: clap's refusal, also status 2.
    for (args, named) in [
        (vec!["--through=0,0"], "required arguments were not provided:\n  --direction"),
        (
            vec!["--through=0,0", "--direction=x", "--to-point=1,1"],
            "the argument '--direction <DIRECTION>' cannot be used with '--to-point <TO_POINT>'",
        ),
    ] {
        let mut all = vec!["slice", "--surface", "Saddle"];
        all.extend(&args);
        let out = optlab(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(named), "{stderr}");
    }
}
