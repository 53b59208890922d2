//! The loss-landscape views of a training entry: filter-normalized directions, the slice, the
//! PCA of a path, the interpolation lines, the session's progressive work and the option's
//! limits.

use optlab_core::entries::Experiment;
use optlab_core::entries::kind::LabKind;
use optlab_core::entries::training::{LandscapeOptions, TrainingLab, TrainingSession};
use optlab_core::notebook::Notebook;
use optlab_core::optim::OptimizerConfig;
use optlab_core::train::landscape::{
    LossGrid, Objective, Plane, fill_rows, filter_normalized_directions, line_losses, path_pca,
};
use optlab_core::train::model::{ModelConfig, Network, WeightInit};
use optlab_core::train::{DatasetConfig, data};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn spiral_net(hidden: Vec<usize>) -> (Network, optlab_core::train::Dataset) {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let points = data::spiral(3, 40, 0.2, &mut rng);
    let model = ModelConfig::Mlp { hidden, dropout_keep: 1.0, dropconnect_keep: 1.0 };
    let network = Network::new(&model, WeightInit::KaimingNormal, 3, 1e-3, &mut rng);
    (network, points)
}

#[test]
fn every_filter_of_a_direction_has_the_norm_of_the_weights_filter_and_biases_are_zero() {
    let (network, _) = spiral_net(vec![7, 5]);
    let params = network.params().to_vec();
    let [d1, d2] = filter_normalized_directions(&network, &params, 11);
    assert_ne!(d1, d2);
    for layer in network.layers() {
        for unit in 0..layer.fan_out {
            let index = |i: usize| {
                layer.weight_offset
                    + if layer.transposed {
                        unit * layer.fan_in + i
                    } else {
                        i * layer.fan_out + unit
                    }
            };
            let norm = |v: &[f64]| (0..layer.fan_in).map(|i| v[index(i)].powi(2)).sum::<f64>();
            let (theta, d) = (norm(&params).sqrt(), norm(&d1).sqrt());
            assert!((theta - d).abs() <= 1e-12 * theta.max(1.0), "{theta} vs {d}");
        }
        assert!(d1[layer.bias_offset..layer.end()].iter().all(|&b| b == 0.0));
    }
    let again = filter_normalized_directions(&network, &params, 11);
    assert_eq!(again, [d1.clone(), d2]);
    assert_ne!(filter_normalized_directions(&network, &params, 12)[0], d1);
}

#[test]
fn a_slice_is_the_same_whatever_the_thread_count_and_holds_the_loss_at_its_centre() {
    let (network, points) = spiral_net(vec![16]);
    let params = network.params().to_vec();
    let [d1, d2] = filter_normalized_directions(&network, &params, 0);
    let objective = Objective { network: &network, x: &points.x, y: &points.y };
    let plane = Plane { centre: &params, d1: &d1, d2: &d2 };
    let mut one = LossGrid::new([-1.0, 1.0], [-1.0, 1.0], 5);
    fill_rows(&objective, &plane, &mut one, 0..2, 1);
    fill_rows(&objective, &plane, &mut one, 2..5, 1);
    let mut three = LossGrid::new([-1.0, 1.0], [-1.0, 1.0], 5);
    fill_rows(&objective, &plane, &mut three, 0..9, 3);
    assert!(one.is_complete() && three.is_complete());
    assert_eq!(one, three, "bit for bit");
    let mut ws = objective.workspace();
    let centre = objective.loss(&params, &mut ws);
    assert_eq!(one.nearest(0.0, 0.0), Some(centre));
    assert_eq!(one.loss[12].to_bits(), centre.to_bits());
    // The L2 penalty is part of the objective.
    let data_only = network.loss_at(
        &params,
        &points.x,
        &points.y,
        optlab_core::train::Mode::Eval,
        &mut network.workspace(points.len()),
    );
    assert!((centre - data_only.total()).abs() < 1e-12, "{centre} vs {data_only:?}");
    let line = line_losses(&objective, &params, &params, &[0.0, 0.5], 2);
    assert_eq!(line, [centre, centre]);
}

#[test]
fn the_pca_of_a_path_in_a_plane_finds_that_plane() {
    // θᵢ = θ_f + sᵢ·u + tᵢ·v with u ⟂ v: two components explain everything, the first the
    // larger spread.
    let n = 6;
    let u = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0];
    let v = [0.0, 0.6, 0.8, 0.0, 0.0, 0.0];
    let path: Vec<Vec<f64>> = (0..10)
        .map(|i| {
            let s = 10.0 - f64::from(i);
            let t = (f64::from(i) * 0.7).sin();
            (0..n).map(|k| 2.0 + s * u[k] + t * v[k]).collect()
        })
        .collect();
    let pca = path_pca(&path).expect("a moving path");
    assert!((pca.explained[0] + pca.explained[1] - 1.0).abs() < 1e-9, "{:?}", pca.explained);
    assert!(pca.explained[0] > 0.9, "{:?}", pca.explained);
    assert!(pca.directions[0][0].abs() > 0.95, "{:?}", pca.directions[0]);
    // The path lies in the plane: its coordinates keep every distance to θ_final.
    assert_eq!(pca.coordinates.last().copied(), Some([0.0, 0.0]));
    for (point, c) in path.iter().zip(&pca.coordinates) {
        let distance: f64 = point.iter().zip(&path[9]).map(|(a, b)| (a - b).powi(2)).sum();
        assert!((c[0].hypot(c[1]) - distance.sqrt()).abs() < 1e-9, "{c:?}");
    }
    assert!(path_pca(&path[..2]).is_none());
    let mut broken = path.clone();
    broken[3][1] = f64::NAN;
    assert!(path_pca(&broken).is_none());
}

fn two_run_lab(epochs: usize) -> TrainingLab {
    let mut lab = TrainingLab { seed: 5, ..TrainingLab::default() };
    lab.dataset = DatasetConfig::Spiral { classes: 3, points_per_class: 30, noise: 0.2 };
    let mut run = lab.runs[0].clone();
    let mut adam_optimizer = run.optimizer.clone();
    adam_optimizer.set_lr(0.02);
    run.model = ModelConfig::Mlp { hidden: vec![12], dropout_keep: 1.0, dropconnect_keep: 1.0 };
    run.epochs = epochs;
    run.batch_size = 1000;
    run.optimizer = OptimizerConfig::Sgd { lr: 0.5, weight_decay: 0.0 };
    let mut adam = run.clone();
    "Adam".clone_into(&mut adam.name);
    adam.optimizer = adam_optimizer;
    "SGD".clone_into(&mut run.name);
    lab.runs = vec![run, adam];
    lab.landscape = Some(LandscapeOptions {
        resolution: 7,
        interpolation_points: 13,
        ..LandscapeOptions::default()
    });
    lab
}

#[test]
fn a_session_computes_every_view_after_training_and_the_steps_do_not_change_it() {
    let lab = two_run_lab(30);
    let finished = TrainingSession::new(&lab).finish();
    let landscape = &finished.landscape;
    assert!(landscape.finished && landscape.enabled);
    for run in &landscape.runs {
        assert_eq!(run.interpolation.len(), 13);
        assert_eq!(run.slice.as_ref().map(|s| s.loss.len()), Some(49));
        let pca = run.pca.as_ref().expect("a PCA plane");
        assert_eq!(pca.path.len(), 31, "epochs 0..=30");
        assert_eq!(pca.path.last().map(|p| [p[1], p[2]]), Some([0.0, 0.0]));
        assert!(pca.grid.is_complete());
        assert!(pca.explained[0] >= pca.explained[1] && pca.explained[0] > 0.5);
    }
    let between = landscape.between.as_ref().expect("the two runs share an architecture");
    assert_eq!((between.from, between.to, between.points.len()), (0, 1, 13));
    // Stepping by hand, with snapshots between the steps, gives the same report.
    let mut session = TrainingSession::new(&lab);
    let mut steps = 0;
    while session.advance() {}
    while session.landscape_step() {
        steps += 1;
        let _ = session.snapshot();
    }
    assert!(steps > 8, "{steps} steps");
    assert_eq!(session.snapshot(), finished);
    // The init → final line's ends are the objective at the first and last recorded weights.
    let run = &landscape.runs[0];
    let at_one = run.interpolation.iter().find(|p| (p[0] - 1.0).abs() < 1e-9).expect("α = 1");
    let pca = run.pca.as_ref().expect("a PCA plane");
    assert!((at_one[1] - pca.path.last().expect("end")[3]).abs() < 1e-12);
    let at_zero = run.interpolation.iter().find(|p| p[0].abs() < 1e-9).expect("α = 0");
    assert!((at_zero[1] - pca.path[0][3]).abs() < 1e-12);
}

#[test]
fn the_tables_and_summaries_name_their_columns_and_runs() {
    let lab = two_run_lab(6);
    let report = lab.compute();
    let tables = TrainingLab::tables(&report);
    let header = |name: &str| {
        tables.iter().find(|t| t.name == name).map(|t| t.header.join(",")).unwrap_or_default()
    };
    assert_eq!(header("sgd/slice"), "a,b,loss");
    assert_eq!(header("adam/pca_path"), "epoch,a,b,loss");
    assert_eq!(header("adam/pca_plane"), "a,b,loss");
    assert_eq!(header("sgd/interpolation"), "alpha,loss");
    assert_eq!(header("interpolation-sgd-adam"), "alpha,loss");
    let summaries = TrainingLab::summaries(&report);
    let keys: Vec<&str> = summaries[0].1.iter().map(|(k, _)| *k).collect();
    for key in
        ["slice_centre", "slice_min", "pca_explained_1", "pca_explained_2", "interp_max_rise"]
    {
        assert!(keys.contains(&key), "{keys:?}");
    }
    assert!(summaries.iter().any(|(name, _)| name == "SGD -> Adam"), "{summaries:?}");
}

#[test]
fn runs_of_different_shapes_get_a_message_instead_of_a_line() {
    let mut lab = two_run_lab(3);
    lab.runs[1].model =
        ModelConfig::Mlp { hidden: vec![5], dropout_keep: 1.0, dropconnect_keep: 1.0 };
    lab.landscape = Some(LandscapeOptions {
        between: Some((0, 1)),
        resolution: 3,
        ..LandscapeOptions::default()
    });
    let report = lab.compute();
    let line = report.landscape.between.expect("a line or its note");
    assert!(line.points.is_empty());
    assert!(line.note.unwrap_or_default().contains("different architectures"));
    lab.landscape =
        Some(LandscapeOptions { between: None, resolution: 3, ..LandscapeOptions::default() });
    let note = lab.compute().landscape.between.and_then(|l| l.note).unwrap_or_default();
    assert!(note.contains("no two runs"), "{note}");
}

#[test]
fn the_option_refuses_values_out_of_range_with_their_place() {
    let text = |landscape: &str| {
        format!(
            "(entries: [(name: \"t\", experiment: Training(runs: [(name: \"a\", optimizer: Adam()), \
             (name: \"b\", optimizer: Adam())], landscape: {landscape}))])"
        )
    };
    let ok = Notebook::from_ron(&text("(resolution: 21, span: 0.5)")).expect("loads");
    let Experiment::Training(lab) = &ok.entries[0].experiment else { panic!("training") };
    assert_eq!(lab.landscape.as_ref().map(|l| (l.resolution, l.span)), Some((21, 0.5)));
    for (bad, says) in [
        ("(resolution: 2)", "`resolution` = 2 is out of range; allowed [3, 201]"),
        ("(span: 0)", "`span` = 0 is out of range"),
        ("(interpolation_points: 5000)", "`interpolation_points` = 5000"),
        ("(between: (0, 2))", "`between` = 2 is out of range; allowed [0, 1]"),
        ("(between: (1, 1))", "between (second run)"),
    ] {
        let error = Notebook::from_ron(&text(bad)).map(|_| ()).unwrap_err().to_string();
        assert!(error.contains(says), "{bad}: {error}");
    }
    // The recorded path (2 runs, 200 snapshots of 75 parameters) counts in the memory estimate.
    let mut lab = two_run_lab(400);
    let without = {
        lab.landscape = None;
        lab.memory().total()
    };
    lab.landscape = Some(LandscapeOptions::default());
    assert!(lab.memory().total() > without + 2 * 200 * 8 * 75, "{}", lab.memory().total());
}
