//! L-BFGS through the command line (issue 16): `optlab trace` reproduces PyTorch's
//! `lbfgs_rosen2d_wolfe_iter1` case row by row, and `optlab replay` refuses L-BFGS (exit 2).

use super::commands::optlab;

/// Rows of PyTorch's `lbfgs_rosen2d_wolfe_iter1` (vectors-torch-public.json): `params[k]` is
/// the trace's row k + 1.
const TORCH_ROWS: [(usize, [f64; 2]); 4] = [
    (1, [-1.024_531_930_346_032_5, 1.071_619_620_266_925_5]),
    (2, [-1.028_456_574_556_234_6, 1.068_187_455_748_677]),
    (20, [0.513_622_443_136_850_8, 0.255_815_281_031_775_3]),
    (40, [0.999_981_421_079_136_6, 0.999_961_965_181_098_9]),
];

#[test]
fn trace_follows_pytorchs_lbfgs_with_strong_wolfe_on_rosenbrock() {
    let out = optlab(
        &[
            "trace",
            "--surface",
            "Rosenbrock(a: 1.0, b: 100.0)",
            "--optimizer",
            "Lbfgs(lr: 1.0, max_iter: 1, max_eval: Some(10), strong_wolfe: true)",
            "--start=-1.2,1",
            "--steps",
            "40",
        ],
        "",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect())
        .collect();
    assert_eq!(rows.len(), 41, "one row per optimizer.step(closure), plus the start");
    for (row, [x, y]) in TORCH_ROWS {
        let ours = &rows[row];
        assert!((ours[1] - x).abs() <= 1e-10 * x.abs().max(1.0), "row {row}: {ours:?}");
        assert!((ours[2] - y).abs() <= 1e-10 * y.abs().max(1.0), "row {row}: {ours:?}");
    }
}

#[test]
fn replay_refuses_lbfgs_saying_why() {
    let out = optlab(&["replay", "--optimizer", "Lbfgs()", "--params=1,2"], "1,0\n");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs loss values"), "{stderr}");
    assert!(stderr.contains("replay reads only gradients"), "{stderr}");
    assert!(out.stdout.is_empty());
}
