//! Adafactor and Muon through the command line: `replay --shape R,C` against the public torch
//! vectors (`adafactor_mat`, `muon_mat`: a 2×3 parameter), `trace` on a surface where (x, y) is a
//! 1×2 matrix (`muon_quad2d`), and the refusals of a shape that does not fit.

use super::commands::optlab;

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

fn table(csv: &str) -> Vec<Vec<f64>> {
    csv.lines().map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect()).collect()
}

/// Every value within the reference tolerance 1e-10·max(1, |x|).
fn assert_rows_close(ours: &[Vec<f64>], theirs: &[Vec<f64>], what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}: rows");
    for (k, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert_eq!(a.len(), b.len(), "{what} row {k}");
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= 1e-10 * y.abs().max(1.0), "{what} row {k}: {x} vs {y}");
        }
    }
}

const X0: &str = "--params=1,-2,0.5,3,-1,2";

#[test]
fn replay_with_a_2x3_shape_matches_torch_for_muon_and_adafactor() {
    let cases = [
        (
            "Muon(lr: 0.05)",
            include_str!("data/muon_mat.grads.csv"),
            include_str!("data/muon_mat.params.csv"),
        ),
        (
            "Adafactor(lr: 0.1)",
            include_str!("data/adafactor_mat.grads.csv"),
            include_str!("data/adafactor_mat.params.csv"),
        ),
    ];
    for (optimizer, grads, params) in cases {
        let out = optlab(&["replay", "--optimizer", optimizer, X0, "--shape", "2,3"], grads);
        assert!(out.status.success(), "{optimizer}: {}", text(&out.stderr));
        assert_rows_close(&table(&text(&out.stdout)), &table(params), optimizer);
    }
}

#[test]
fn adafactor_without_a_shape_is_a_vector_and_differs_from_the_factored_matrix() {
    let grads = include_str!("data/adafactor_mat.grads.csv");
    let out = optlab(&["replay", "--optimizer", "Adafactor(lr: 0.1)", X0], grads);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let vector = table(&text(&out.stdout));
    let factored = table(include_str!("data/adafactor_mat.params.csv"));
    assert_eq!(vector.len(), factored.len());
    let gap = vector.iter().flatten().zip(factored.iter().flatten()).map(|(a, b)| (a - b).abs());
    assert!(gap.fold(0.0, f64::max) > 1e-3, "a vector keeps one second moment per entry");
}

#[test]
fn trace_runs_muon_on_a_surface_as_a_1x2_matrix() {
    let out = optlab(
        &[
            "trace",
            "--surface",
            "Quadratic(h: ((3.0, 0.5), (0.5, 1.0)), c: (1.0, -2.0))",
            "--optimizer",
            "Muon(lr: 0.05, weight_decay: 0.0)",
            "--start=2,-1.5",
            "--steps",
            "40",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("step,x,y,loss,lr"));
    let points: Vec<Vec<f64>> = table(&lines.collect::<Vec<_>>().join("\n"))
        .into_iter()
        .skip(1)
        .map(|row| row[1..3].to_vec())
        .collect();
    assert_rows_close(&points, &table(include_str!("data/muon_quad2d.params.csv")), "muon_quad2d");
}

fn assert_refused(args: &[&str], needles: &[&str]) {
    let out = optlab(args, "0,0,0,0,0,0\n");
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
    let message = text(&out.stderr);
    for needle in needles {
        assert!(message.contains(needle), "{args:?}: `{needle}` missing from: {message}");
    }
    assert!(out.stdout.is_empty(), "no rows before the refusal");
}

#[test]
fn a_shape_that_does_not_fit_and_muon_without_a_shape_are_refused() {
    let replay = |optimizer: &'static str, shape: &'static str| {
        vec!["replay", "--optimizer", optimizer, X0, "--shape", shape]
    };
    assert_refused(&replay("Adafactor()", "2,2"), &["--shape 2,2", "4 entries", "has 6"]);
    assert_refused(&replay("Muon()", "3"), &["--shape `3`", "ROWS,COLS"]);
    assert_refused(&replay("Muon()", "0,6"), &["ROWS `0`"]);
    assert_refused(&replay("Muon()", "2,x"), &["COLS `x`"]);
    assert_refused(&["replay", "--optimizer", "Muon()", X0], &["Muon", "only matrices", "--shape"]);
    assert_refused(&["replay", "--rule=sgd", X0, "--shape", "2,3"], &["--shape"]);
}
