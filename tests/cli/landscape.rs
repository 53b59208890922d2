//! The `landscape` preset's lesson, headless: `optlab run --out` on SGD vs Adam on the spiral
//! writes every landscape table, both runs' init → final lines fall monotonically, both final
//! points are the lowest of their random slices, and the PCA planes explain what the notes say.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

/// `run="NAME" key=value …` lines of `optlab run`, by run name.
fn summaries(stdout: &str) -> BTreeMap<String, BTreeMap<String, f64>> {
    stdout
        .lines()
        .filter_map(|line| {
            let (_, rest) = line.split_once(" run=\"")?;
            let (run, values) = rest.split_once("\" ")?;
            let values = values
                .split(' ')
                .filter_map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    Some((key.to_owned(), value.parse().ok()?))
                })
                .collect();
            Some((run.to_owned(), values))
        })
        .collect()
}

fn csv(path: &Path) -> (String, Vec<Vec<f64>>) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default().to_owned();
    let rows =
        lines.map(|l| l.split(',').map(|v| v.parse().unwrap_or(f64::NAN)).collect()).collect();
    (header, rows)
}

#[test]
fn landscape_preset_sgd_and_adam_lines_fall_monotonically_and_minima_sit_at_the_centre() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/landscape.ron");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = Command::new(env!("CARGO_BIN_EXE_optlab"))
        .args(["run", &file.display().to_string(), "--out", &dir.path().display().to_string()])
        .output()
        .expect("optlab runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = summaries(&String::from_utf8_lossy(&out.stdout));
    let entry = dir.path().join("sgd-vs-adam-on-the-spiral");
    for (run, slug) in [("SGD", "sgd"), ("Adam", "adam")] {
        let values = &lines[run];
        let value = |key: &str| values.get(key).copied().unwrap_or(f64::NAN);
        // Init → final: non-increasing on α ∈ [0, 1] (no tolerance needed: the rise is 0).
        assert!(value("interp_max_rise") <= 0.0, "{run}: {values:?}");
        let (header, rows) = csv(&entry.join(slug).join("interpolation.csv"));
        assert_eq!(header, "alpha,loss");
        assert_eq!(rows.len(), 61);
        let inside: Vec<f64> =
            rows.iter().filter(|r| (-1e-9..=1.0 + 1e-9).contains(&r[0])).map(|r| r[1]).collect();
        assert_eq!(inside.len(), 41, "α = 0, 0.025, …, 1");
        assert!(inside.windows(2).all(|w| w[1] <= w[0]), "{run}: {inside:?}");
        assert!(inside[0] > 5.0 * inside[40], "{run}: {} → {}", inside[0], inside[40]);
        // The random slice's lowest point is its centre (within two grid steps of 0.04).
        assert!(value("slice_min_a").abs() <= 0.08 && value("slice_min_b").abs() <= 0.08);
        assert!((value("slice_min") - value("train_loss")).abs() < 1e-3, "{run}: {values:?}");
        let (header, rows) = csv(&entry.join(slug).join("slice.csv"));
        assert_eq!((header.as_str(), rows.len()), ("a,b,loss", 51 * 51));
        let corner = rows.iter().map(|r| r[2]).fold(0.0, f64::max);
        assert!(corner > 4.0 * value("slice_min"), "{run}: the plane rises around the minimum");
        // The first two principal components explain at least 90 % of the path's variance.
        let pca = value("pca_explained_1") + value("pca_explained_2");
        assert!((0.9..=1.0 + 1e-9).contains(&pca), "{run}: {values:?}");
        let (header, rows) = csv(&entry.join(slug).join("pca_path.csv"));
        assert_eq!(header, "epoch,a,b,loss");
        assert_eq!(rows.last().map(|r| [r[1], r[2]]), Some([0.0, 0.0]), "θ_final at the origin");
        assert_eq!(csv(&entry.join(slug).join("pca_plane.csv")).0, "a,b,loss");
    }
    // SGD's full-batch path is nearly straight; Adam's turns.
    assert!(lines["SGD"]["pca_explained_1"] > 0.9, "{lines:?}");
    assert!(lines["Adam"]["pca_explained_1"] < 0.8, "{lines:?}");
    let (header, rows) = csv(&entry.join("interpolation-sgd-adam.csv"));
    assert_eq!((header.as_str(), rows.len()), ("alpha,loss", 61));
    assert!(lines["SGD -> Adam"]["barrier"] > 0.0, "{lines:?}");
}
