//! `optlab trace` and `optlab replay` with the PyTorch-named schedules (issue 17): the public
//! optimizer-with-schedule cases of `crates/optlab-core/tests/data/vectors-torch-public.json`
//! (some rows copied here) and the refusals, each with exit status 2 and a sentence.

use std::process::{Command, Output};

use super::commands::optlab;

fn trace(optimizer: &str, schedule: &str, steps: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optlab"))
        .args(["trace", "--surface", "Rosenbrock(a: 1.0, b: 100.0)", "--optimizer", optimizer])
        .args(["--schedule", schedule, "--start=-1.2,1.0", "--steps", steps])
        .output()
        .expect("the optlab binary runs")
}

fn rows(output: &Output) -> Vec<Vec<f64>> {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout.clone()).expect("UTF-8");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("step,x,y,loss,lr"));
    lines.map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect()).collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// (row, x, y) from the reference's params[row − 1].
type Row = (usize, f64, f64);

fn check(rows: &[Vec<f64>], expected: &[Row], lrs: &[(usize, f64)]) {
    for &(row, x, y) in expected {
        for (ours, theirs) in [(rows[row][1], x), (rows[row][2], y)] {
            assert!(
                (ours - theirs).abs() <= 1e-10 * theirs.abs().max(1.0),
                "row {row}: {ours} vs {theirs}"
            );
        }
    }
    for &(row, lr) in lrs {
        assert!(
            (rows[row][4] - lr).abs() <= 1e-12 * lr,
            "lr of row {row}: {} vs {lr}",
            rows[row][4]
        );
    }
}

#[test]
fn trace_reproduces_one_cycle_with_momentum_cycling() {
    let out = trace(
        "Momentum(lr: 0.001, momentum: 0.9)",
        "OneCycle(max_lr: 0.002, total_steps: 200)",
        "200",
    );
    let rows = rows(&out);
    assert_eq!(rows.len(), 201);
    let expected: [Row; 4] = [
        (1, -1.182_752, 1.00704),
        (50, 0.540_248_286_296_171_3, 0.273_779_473_498_037_33),
        (100, 0.728_642_796_228_510_1, 0.531_277_587_928_769_3),
        (200, 0.814_273_426_741_906_6, 0.662_214_527_557_527_5),
    ];
    let lrs = [
        (0, 7.999_999_999_999_999e-5),
        (49, 0.001_867_091_918_138_054),
        (99, 0.001_623_491_307_899_526),
        (199, 8e-9),
    ];
    check(&rows, &expected, &lrs);
}

#[test]
fn trace_reproduces_reduce_on_plateau_seeing_the_loss_after_each_update() {
    let out = trace(
        "Momentum(lr: 0.002, momentum: 0.9)",
        "ReduceOnPlateau(factor: 0.5, patience: 5, threshold: 0.01)",
        "300",
    );
    let rows = rows(&out);
    let expected: [Row; 3] = [
        (1, -0.7688, 1.176),
        (50, 1.224_122_066_055_06, 1.490_950_686_420_878),
        (300, 1.220_726_853_691_923_6, 1.491_626_942_368_529_6),
    ];
    let lrs = [(0, 0.002), (49, 0.000_125), (99, 4.882_812_5e-7), (299, 1.525_878_906_25e-8)];
    check(&rows, &expected, &lrs);
}

#[test]
fn a_one_cycle_shorter_than_the_run_is_refused() {
    let out = trace("Momentum(lr: 0.001)", "OneCycle(max_lr: 0.002, total_steps: 200)", "201");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("total_steps"), "{}", stderr(&out));
    assert!(stderr(&out).contains("201"), "{}", stderr(&out));
}

#[test]
fn cycling_the_momentum_of_adagrad_is_refused_with_the_way_out() {
    let out =
        trace("Adagrad(lr: 0.1)", "Cyclic(base_lr: 0.01, max_lr: 0.1, step_size_up: 10)", "20");
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(message.contains("Adagrad") && message.contains("cycle_momentum: false"), "{message}");
    let fine = trace(
        "Adagrad(lr: 0.1)",
        "Cyclic(base_lr: 0.01, max_lr: 0.1, step_size_up: 10, cycle_momentum: false)",
        "20",
    );
    assert!(fine.status.success(), "{}", stderr(&fine));
}

#[test]
fn replay_refuses_reduce_on_plateau_because_it_has_no_losses() {
    let out = optlab(
        &["replay", "--optimizer=Sgd(lr: 0.1)", "--schedule=ReduceOnPlateau()", "--params=1,2"],
        "0.5,0.5\n",
    );
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(message.contains("ReduceOnPlateau") && message.contains("loss"), "{message}");
    assert!(out.stdout.is_empty());
}

#[test]
fn replay_refuses_a_one_cycle_row_past_total_steps() {
    let schedule = "--schedule=OneCycle(max_lr: 0.1, total_steps: 2, cycle_momentum: false)";
    let out = optlab(&["replay", "--optimizer=Sgd(lr: 0.1)", schedule, "--params=1"], "1\n1\n1\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("stdin line 3"), "{}", stderr(&out));
}

#[test]
fn a_lambda_formula_that_does_not_parse_is_refused_with_its_column() {
    let out = trace("Sgd(lr: 0.1)", "Lambda(\"1 / (t + \")", "5");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("column 10") && stderr(&out).contains(", t,"),
        "{}",
        stderr(&out)
    );
    let out = trace("Sgd(lr: 0.1)", "Lambda(\"0.9^x\")", "5");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("column 5") && stderr(&out).contains("'x'"), "{}", stderr(&out));
}
