//! The `edge-of-stability` preset's lesson, headless through the `optlab` binary: full-batch
//! gradient descent on the spiral's tanh net drives the Hessian's λmax to 2/lr and keeps it
//! there (mean over the second half within ±10 %), while the training loss keeps falling; and
//! the output's shape: the summary fields and each run's `sharpness.csv`.

use std::fs;
use std::path::Path;
use std::process::Command;

/// `key=value` pairs of one summary line after its quoted entry and run names.
fn values(line: &str) -> Vec<(String, String)> {
    let rest = line.rsplit_once('"').map_or(line, |(_, rest)| rest);
    rest.split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn get(values: &[(String, String)], key: &str) -> f64 {
    let value = values.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    value.unwrap_or_else(|| panic!("no {key} in {values:?}")).parse().expect("a number")
}

/// (epoch, sharpness, edge, `train_loss`) rows of a `sharpness.csv`, after checking its header.
fn sharpness_rows(path: &Path) -> Vec<[f64; 4]> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("epoch,sharpness,edge,train_loss"), "{}", path.display());
    lines
        .map(|line| {
            let cells: Vec<f64> = line.split(',').map(|c| c.parse().expect("a number")).collect();
            cells.try_into().unwrap_or_else(|c| panic!("four columns: {c:?}"))
        })
        .collect()
}

#[test]
fn sharpness_hovers_at_two_over_lr_while_the_loss_keeps_falling() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/edge-of-stability.ron");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = Command::new(env!("CARGO_BIN_EXE_optlab"))
        .args(["run", &file.display().to_string(), "--out", &dir.path().display().to_string()])
        .output()
        .expect("optlab starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let entry = dir.path().join("sharpness-rises-to-2-lr");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for (line, (lr, slug)) in
        lines.iter().zip([(0.2, "sgd-lr-0-2"), (0.3, "sgd-lr-0-3"), (0.4, "sgd-lr-0-4")])
    {
        let values = values(line);
        let edge = 2.0 / lr;
        assert!((get(&values, "edge") - edge).abs() < 1e-9, "{line}");
        let mean = get(&values, "sharpness_mean_last_half");
        assert!(
            (mean - edge).abs() <= 0.1 * edge,
            "lr {lr}: mean λmax {mean} against 2/lr = {edge}"
        );
        assert!(get(&values, "sharpness_final").is_finite(), "{line}");
        let rows = sharpness_rows(&entry.join(slug).join("sharpness.csv"));
        let epochs = get(&values, "epochs");
        let half = rows.iter().find(|r| 2.0 * r[0] >= epochs).expect("a point in the second half");
        let last = rows.last().expect("points");
        assert!((last[0] - epochs).abs() < 0.5, "the last epoch is measured");
        assert!(
            last[3] < half[3],
            "lr {lr}: loss {} at the end, {} at epoch {}",
            last[3],
            half[3],
            half[0]
        );
        // The sharpness starts below 2/lr for the smallest lr: it rises to the edge.
        if lr < 0.25 {
            assert!(rows[0][1] < 0.8 * edge, "lr {lr}: starts at {}", rows[0][1]);
        }
        let mean_csv: f64 = {
            let second: Vec<f64> =
                rows.iter().filter(|r| 2.0 * r[0] >= epochs).map(|r| r[1]).collect();
            second.iter().sum::<f64>() / second.len() as f64
        };
        assert!((mean_csv - mean).abs() < 1e-9 * mean, "the summary's mean is the CSV's");
    }
}
