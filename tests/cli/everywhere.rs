//! Every optimizer of the catalogue (issue 16's included) through the command line: `optlab
//! trace` on Himmelblau, and `optlab run` on a notebook with a basin map and a training run of
//! each, every one finishing with finite numbers.

use optlab_core::optim::OptimizerConfig;

use super::commands::optlab;

fn ron_of(optimizer: &OptimizerConfig) -> String {
    ron::to_string(optimizer).expect("an optimizer serializes")
}

#[test]
fn every_optimizer_traces_through_the_cli() {
    for optimizer in OptimizerConfig::catalogue() {
        let ron = ron_of(&optimizer);
        let args = ["trace", "--surface=Himmelblau", "--start=0,0"];
        let out = optlab(&[&args[..], &["--optimizer", &ron, "--steps=20"]].concat(), "");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{ron}: {stderr}");
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        let rows: Vec<Vec<f64>> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect())
            .collect();
        assert_eq!(rows.len(), 21, "{ron}: the start and 20 steps");
        assert!(rows.iter().all(|r| r[1].is_finite() && r[2].is_finite()), "{ron}: {text}");
        assert!(rows[20][1..3] != rows[0][1..3], "{ron} moved");
    }
}

/// The catalogue without Newton's methods, which need an exact Hessian a network does not
/// have (training refuses them; their basins are in the `second-order` preset).
fn trainable() -> Vec<OptimizerConfig> {
    let newton = |o: &OptimizerConfig| {
        matches!(o, OptimizerConfig::Newton { .. } | OptimizerConfig::SaddleFreeNewton { .. })
    };
    OptimizerConfig::catalogue().into_iter().filter(|o| !newton(o)).collect()
}

#[test]
fn every_optimizer_maps_basins_and_trains_through_optlab_run() {
    let entries: Vec<String> = trainable()
        .iter()
        .flat_map(|optimizer| {
            let (name, ron) = (optimizer.name(), ron_of(optimizer));
            [
                format!(
                    "(name: \"basin {name}\", experiment: Basin(surface: Himmelblau, \
                     optimizer: {ron}, steps: 20, resolution: 4))"
                ),
                format!(
                    "(name: \"training {name}\", experiment: Training(dataset: Xor(points: 40, \
                     noise: 0.0), validation_fraction: 0.0, runs: [(name: \"{name}\", \
                     model: Mlp(hidden: [4]), optimizer: {ron}, batch_size: 10, epochs: 2)]))"
                ),
            ]
        })
        .collect();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let notebook = dir.path().join("everywhere.ron");
    std::fs::write(&notebook, format!("(entries: [{}])", entries.join(", "))).expect("write");
    let out = optlab(&["run", &notebook.display().to_string()], "");
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    for optimizer in trainable() {
        let name = optimizer.name();
        let training = stdout
            .lines()
            .find(|l| l.contains(&format!("\"training {name}\"")))
            .unwrap_or_else(|| panic!("no training line for {name}:\n{stdout}"));
        assert!(!training.contains("train_loss=NaN"), "{training}");
        assert!(
            stdout.lines().any(|l| l.contains(&format!("\"basin {name}\""))),
            "no basin line for {name}:\n{stdout}"
        );
        if name == "Lbfgs" {
            assert!(
                training.contains("evaluations="),
                "L-BFGS reports its evaluations: {training}"
            );
        }
    }
}
