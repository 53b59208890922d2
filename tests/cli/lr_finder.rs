//! The `lr-finder` preset's lesson, headless: fastai's valley suggestion for the spiral net lies
//! in the band of learning rates where the training sweep beside it trains the same net best;
//! `optlab run` prints the four suggestions and writes `<run>/lr_find.csv`.

use std::fs;
use std::path::Path;
use std::process::Command;

/// `key=value` pairs of the summary line whose quoted run name is `run`.
fn summary_values(stdout: &str, run: &str) -> Vec<(String, f64)> {
    let line = stdout
        .lines()
        .find(|l| l.contains(&format!("run=\"{run}\"")))
        .unwrap_or_else(|| panic!("no line for {run} in\n{stdout}"));
    let rest = line.rsplit_once('"').map_or("", |(_, rest)| rest);
    rest.split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.parse().unwrap_or(f64::NAN)))
        .collect()
}

fn value(values: &[(String, f64)], key: &str) -> f64 {
    values.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no {key} in {values:?}")).1
}

/// Rows of a CSV file as numbers, after checking its header.
fn csv_rows(path: &Path, header: &str) -> Vec<Vec<f64>> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(header), "{}", path.display());
    lines.map(|l| l.split(',').map(|v| v.parse().unwrap_or(f64::NAN)).collect()).collect()
}

#[test]
fn the_valley_suggestion_lies_in_the_band_where_the_sweep_trains_best() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/lr-finder.ron");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = Command::new(env!("CARGO_BIN_EXE_optlab"))
        .args(["run", &file.display().to_string(), "--out", &dir.path().display().to_string()])
        .output()
        .expect("optlab starts");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The summary line carries the four suggestions, each a learning rate inside the ramp.
    let run = summary_values(&stdout, "course net");
    let valley = value(&run, "lr_valley");
    for key in ["lr_valley", "lr_slide", "lr_min", "lr_steep"] {
        let lr = value(&run, key);
        assert!(lr > 1e-8 && lr < 10.0, "{key} = {lr}");
    }

    // The recorded curve: 100 updates (the smoothed loss never passes 4× its minimum), the lr
    // growing by 10^0.08 per update from 1e-7, smoothing starting at the first loss.
    let lr_find = dir.path().join("lr-finder-on-the-spiral-net/course-net/lr_find.csv");
    let rows = csv_rows(&lr_find, "lr,loss,smoothed_loss");
    assert_eq!(rows.len(), 100);
    assert!((rows[0][0] - 1e-7).abs() < 1e-20 && (rows[0][2] - rows[0][1]).abs() < 1e-12);
    assert!(rows.windows(2).all(|w| (w[1][0] / w[0][0] - 10f64.powf(0.08)).abs() < 1e-9));

    // The band: learning rates of the sweep's λ = 1e-3 column (the finder's net) whose final
    // validation loss (the sweep's metric) is within 1.5× of the column's best.
    let grid = dir.path().join("the-same-net-trained-at-13-learning-rates/grid.csv");
    let column: Vec<(f64, f64)> =
        csv_rows(&grid, "x,y,final_loss,best_loss,reached_at,diverged_at")
            .into_iter()
            .filter(|row| (row[0] - 1e-3).abs() < 1e-12)
            .map(|row| (row[1], row[2]))
            .collect();
    assert_eq!(column.len(), 13);
    let best = column.iter().map(|c| c.1).fold(f64::INFINITY, f64::min);
    let band: Vec<f64> = column.iter().filter(|c| c.1 <= 1.5 * best).map(|c| c.0).collect();
    let (low, high) = (band[0], band[band.len() - 1]);
    assert!(
        band.len() >= 3 && low <= valley && valley <= high,
        "valley {valley} outside the band [{low}, {high}] (best {best}; column {column:?})"
    );
    // The band is a real restriction: the ends of the sweep train far worse.
    assert!(column[0].1 > 3.0 * best && column[12].1 > 3.0 * best, "{column:?}");
}

/// `optlab check` on a training entry whose LR finder has `lr_finder` set to `options`.
fn check_with(options: &str) -> (bool, String) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("finder.ron");
    let notebook = format!(
        "(\n    version: 1,\n    entries: [\n        (\n            name: \"t\",\n            \
         experiment: Training(\n                runs: [(name: \"a\", optimizer: Adam(lr: 0.01))],\n\
         \x20               lr_finder: {options},\n            ),\n        ),\n    ],\n)\n"
    );
    fs::write(&file, notebook).expect("written");
    let out = Command::new(env!("CARGO_BIN_EXE_optlab"))
        .args(["check", &file.display().to_string()])
        .output()
        .expect("optlab starts");
    let said =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), said)
}

#[test]
fn bad_lr_finder_options_are_refused_naming_the_field_and_range() {
    let (ok, said) = check_with("(num_it: 3)");
    assert!(!ok && said.contains("num_it") && said.contains("[6, 10000]"), "{said}");
    assert!(said.contains(":8:"), "the line of the bad value: {said}");
    let (ok, said) = check_with("(start_lr: 0.001, end_lr: 0.0001)");
    assert!(!ok && said.contains("end_lr") && said.contains("(0.001, 10000]"), "{said}");
    let (ok, said) = check_with("(start_lr: 1e-6, end_lr: 1.0, num_it: 50, stop_div: false)");
    assert!(ok, "{said}");
}
