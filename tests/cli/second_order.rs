//! Newton's methods through the command line (issue 18): `optlab trace` reproduces numpy's
//! `newton_rosen2d` case, and `optlab replay` refuses them (exit 2), saying why.

use super::commands::optlab;

fn trace_rows(optimizer: &str, surface: &str, start: &str, steps: &str) -> Vec<Vec<f64>> {
    let args = ["trace", "--surface", surface, "--optimizer", optimizer, start, "--steps", steps];
    let out = optlab(&args, "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(text.starts_with("step,x,y,loss,lr\n"), "{text}");
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect())
        .collect()
}

#[test]
fn trace_follows_numpys_newton_on_rosenbrock() {
    let rows = trace_rows("Newton()", "Rosenbrock(a: 1.0, b: 100.0)", "--start=-1.2,1", "8");
    assert_eq!(rows.len(), 9);
    // numpy float64, exact Hessian (vectors-second-order-public.json, newton_rosen2d).
    let expected = [(1, [-1.175_280_898_876_404_3, 1.380_674_157_303_370_3]), (8, [1.0, 1.0])];
    for (row, [x, y]) in expected {
        let ours = &rows[row];
        assert!((ours[1] - x).abs() <= 1e-10 * x.abs().max(1.0), "row {row}: {ours:?}");
        assert!((ours[2] - y).abs() <= 1e-10 * y.abs().max(1.0), "row {row}: {ours:?}");
    }
}

#[test]
fn replay_refuses_newton_saying_why() {
    for optimizer in ["Newton()", "SaddleFreeNewton(damping: 0.1)"] {
        let out = optlab(&["replay", "--optimizer", optimizer, "--params=1,2"], "1,0\n");
        assert_eq!(out.status.code(), Some(2), "{optimizer}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("exact Hessian"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}
