//! Issue 16's remaining sweep fields: Adafactor's τ, ε₁ and d; Schedule-Free's warm-up, r and
//! `weight_lr_power`; L-BFGS's counts and tolerances; Muon's ε, Newton–Schulz steps and
//! coefficients; Adagrad's `lr_decay` and `initial_accumulator`. Each one runs a small sweep,
//! reaches the optimizer (two values, two different end points) and is refused, with the
//! optimizer's own fields named, where the optimizer lacks it.

use optlab_core::entries::sweep::SweepLab;
use optlab_core::entries::{Lab, LabReport};
use optlab_core::grid::{SweepAxis, SweepField};
use optlab_core::optim::OptimizerConfig;
use optlab_core::run::RunConfig;
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;

/// (field, base optimizer in RON, two values, the field's name in its limit).
const CASES: [(SweepField, &str, [f64; 2], &str); 17] = [
    (SweepField::Beta2Decay, "Adafactor(lr: 0.05)", [-1.0, -0.3], "beta2_decay"),
    (SweepField::Eps1, "Adafactor(lr: 0.05)", [1e-16, 1e3], "eps1"),
    (SweepField::ClipThreshold, "Adafactor(lr: 0.05, beta2_decay: -0.1)", [1.0, 1e3], "d"),
    (SweepField::WarmupSteps, "ScheduleFreeAdamW(lr: 0.05)", [0.0, 15.0], "warmup_steps"),
    (SweepField::AveragePower, "ScheduleFreeSgd(lr: 0.001)", [0.0, 3.0], "r"),
    (
        SweepField::WeightLrPower,
        "ScheduleFreeAdamW(lr: 0.05, warmup_steps: 10)",
        [0.0, 4.0],
        "weight_lr_power",
    ),
    (SweepField::MaxIter, "Lbfgs()", [1.0, 20.0], "max_iter"),
    (SweepField::MaxEval, "Lbfgs()", [2.0, 25.0], "max_eval"),
    (SweepField::HistorySize, "Lbfgs()", [1.0, 20.0], "history_size"),
    (SweepField::ToleranceGrad, "Lbfgs(max_iter: 100)", [1e-9, 10.0], "tolerance_grad"),
    (SweepField::ToleranceChange, "Lbfgs(max_iter: 100)", [1e-12, 1.0], "tolerance_change"),
    (SweepField::NsSteps, "Muon(lr: 0.01)", [0.0, 5.0], "ns_steps"),
    (SweepField::NsA, "Muon(lr: 0.01)", [2.0, 4.0], "ns_coefficients"),
    (SweepField::NsB, "Muon(lr: 0.01)", [-6.0, -3.0], "ns_coefficients"),
    (SweepField::NsC, "Muon(lr: 0.01)", [1.0, 3.0], "ns_coefficients"),
    (SweepField::LrDecay, "Adagrad(lr: 0.1)", [0.0, 0.5], "lr_decay"),
    (SweepField::InitialAccumulator, "Adagrad(lr: 0.1)", [0.0, 10.0], "initial_accumulator"),
];

/// A 2 × 2 sweep: `field` over `values` along x, the base lr twice along y.
fn lab(field: SweepField, optimizer: &str, [from, to]: [f64; 2]) -> SweepLab {
    let optimizer: OptimizerConfig = ron::from_str(optimizer).expect(optimizer);
    let lr = optimizer.lr();
    SweepLab {
        surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
        start: Some([-1.2, 1.0]),
        steps: 30,
        optimizer,
        x: SweepAxis { field, from, to, count: 2, log: false },
        y: SweepAxis { field: SweepField::Lr, from: lr, to: lr, count: 2, log: false },
        ..SweepLab::default()
    }
}

#[test]
fn every_new_field_sweeps_and_its_value_reaches_the_optimizer() {
    for (field, optimizer, values, name) in CASES {
        assert!(SweepField::ALL.contains(&field), "{field:?} is in the menu");
        let lab = lab(field, optimizer, values);
        assert_eq!(field.limit(&lab.optimizer, &Schedule::Constant).name, name);
        lab.validate().unwrap_or_else(|e| panic!("{field:?}: {e}"));
        lab.check_axes_fit().unwrap_or_else(|e| panic!("{field:?}: {e}"));
        let LabReport::Sweep(report) = LabReport::compute(Lab::Sweep(&lab)) else {
            panic!("a sweep")
        };
        assert!(report.error.is_none(), "{field:?}: {:?}", report.error);
        assert_eq!(report.x_values, values.to_vec(), "{field:?}");
        let cells: Vec<_> = report.cells.iter().map(|c| c.expect("computed")).collect();
        assert_eq!(cells.len(), 4);
        let [first, second, again] = [0, 1, 2].map(|i| cells[i].end.map(f64::to_bits));
        assert!(cells.iter().flat_map(|c| c.end).all(f64::is_finite), "{field:?}: {cells:?}");
        assert_ne!(first, second, "{field:?}: {values:?} give the same end point");
        // The same row twice: the y axis varies nothing.
        assert_eq!(first, again, "{field:?}");
    }
}

/// A short run on Rosenbrock with the optimizer written in RON.
fn run(optimizer: &str) -> RunConfig {
    RunConfig {
        surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
        start: [-1.2, 1.0],
        optimizer: ron::from_str(optimizer).expect(optimizer),
        schedule: Schedule::Constant,
        steps: 10,
        noise_sigma: 0.0,
        seed: 0,
    }
}

#[test]
fn a_swept_value_lands_in_the_optimizer_s_field() {
    let swept = |ron: &str, field: SweepField, value: f64| {
        let mut run = run(ron);
        field.apply(&mut run, value).expect("the optimizer has the field");
        ron::to_string(&run.optimizer).expect("serializes")
    };
    let lbfgs = swept("Lbfgs()", SweepField::MaxEval, 7.4);
    assert!(lbfgs.contains("max_eval:Some(7)"), "rounded, None replaced: {lbfgs}");
    let history = swept("Lbfgs()", SweepField::HistorySize, 3.6);
    assert!(history.contains("history_size:4"), "{history}");
    let adafactor = swept("Adafactor()", SweepField::Eps1, 1e-5);
    assert!(adafactor.contains("eps1:Some(1e-5)"), "{adafactor}");
    let muon = swept("Muon()", SweepField::NsB, -4.0);
    assert!(muon.contains("ns_coefficients:(3.4445,-4.0,2.0315)"), "{muon}");
    let muon_eps = swept("Muon()", SweepField::Eps, 1e-3);
    assert!(muon_eps.contains("eps:0.001"), "{muon_eps}");
    let warmup = swept("ScheduleFreeSgd()", SweepField::WarmupSteps, 12.0);
    assert!(warmup.contains("warmup_steps:12"), "{warmup}");
}

#[test]
fn a_field_the_optimizer_lacks_is_refused_with_the_fields_it_has() {
    let mut adam = run("Adam()");
    let error = SweepField::MaxIter.apply(&mut adam, 5.0).expect_err("Adam has no max_iter");
    assert!(error.starts_with("Adam has no L-BFGS's max_iter (count) to vary"), "{error}");
    assert!(error.contains("its fields: learning rate η, β₁, β₂, ε, weight decay λ)"), "{error}");
    let mut lbfgs = run("Lbfgs()");
    let error = SweepField::Beta2Decay.apply(&mut lbfgs, -0.5).expect_err("no τ");
    for has in ["max_iter", "max_eval", "history_size", "tolerance_grad", "tolerance_change"] {
        assert!(error.contains(has), "{error}");
    }
    let mut sgd = run("Sgd()");
    assert!(SweepField::WarmupSteps.apply(&mut sgd, 3.0).is_err());
    assert!(SweepField::Eps1.apply(&mut sgd, 3.0).is_err());
    // A sweep whose axis the base run lacks reports it when computed.
    let mut lab = lab(SweepField::HistorySize, "Lbfgs()", [1.0, 5.0]);
    lab.optimizer = ron::from_str("RAdam()").unwrap();
    let error = lab.check_axes_fit().expect_err("RAdam keeps no history");
    assert!(error.starts_with("x axis: RAdam has no L-BFGS's history_size"), "{error}");
}

#[test]
fn a_count_axis_takes_whole_numbers_and_refuses_repeated_cells() {
    let axis =
        |from, to, count, log| SweepAxis { field: SweepField::MaxIter, from, to, count, log };
    assert_eq!(axis(1.0, 10.0, 4, false).values(), vec![1.0, 4.0, 7.0, 10.0]);
    assert_eq!(axis(1.0, 5.0, 3, false).values(), vec![1.0, 3.0, 5.0]);
    assert_eq!(axis(1.0, 2.5, 2, false).values(), vec![1.0, 3.0], "ends round too");
    assert_eq!(axis(1.0, 5.0, 5, false).most_distinct_cells(), Some(5));
    assert!(axis(1.0, 5.0, 5, false).validate().is_ok());
    let error = axis(1.0, 5.0, 8, false).validate().expect_err("8 cells over 5 whole numbers");
    let message = error.to_string();
    assert!(message.contains("no two cells may repeat"), "{message}");
    assert!(message.contains("= 8 is out of range; allowed [2, 5]"), "{message}");
    // A log axis crowds its small values: 1..100 holds fewer distinct cells than 100.
    let log = axis(1.0, 100.0, 60, true);
    let most = log.most_distinct_cells().expect("a count axis");
    assert!(most < 60 && most > 2, "{most}");
    assert!(log.validate().is_err());
    let fitting = SweepAxis { count: most, ..log };
    assert!(fitting.validate().is_ok());
    let values = fitting.values();
    assert!(values.windows(2).all(|pair| pair[1] > pair[0]), "{values:?}");
    // Real fields keep their values and have no such limit.
    let real = SweepAxis { field: SweepField::Lr, from: 0.1, to: 0.2, count: 512, log: false };
    assert_eq!(real.most_distinct_cells(), None);
    assert!(real.values().iter().any(|v| v.fract() != 0.0));
}

/// A training sweep over L-BFGS's counts: every cell trains full batch, and `max_iter` 1
/// against 20 gives different validation losses.
#[test]
fn a_training_sweep_varies_lbfgs_max_iter_and_history_size() {
    use optlab_core::entries::sweep::training;
    use optlab_core::entries::training::TrainingLab;
    use optlab_core::train::ModelConfig;
    let mut task = TrainingLab::default();
    for run in &mut task.runs {
        run.optimizer = ron::from_str("Lbfgs()").expect("L-BFGS");
        run.model = ModelConfig::Mlp { hidden: vec![16], dropout_keep: 1.0, dropconnect_keep: 1.0 };
        run.epochs = 3;
    }
    let mut lab = SweepLab { training: Some(Box::new(task)), ..SweepLab::default() };
    lab.x = SweepAxis { field: SweepField::MaxIter, from: 1.0, to: 20.0, count: 2, log: false };
    lab.y = SweepAxis { field: SweepField::HistorySize, from: 2.0, to: 10.0, count: 2, log: false };
    lab.validate().expect("valid");
    lab.check_axes_fit().expect("L-BFGS has both");
    let report = optlab_core::entries::sweep::sweep(
        &lab,
        &std::sync::atomic::AtomicBool::new(false),
        std::time::Duration::MAX,
        |_| {},
    )
    .expect("not cancelled");
    assert!(report.error.is_none(), "{:?}", report.error);
    let losses: Vec<f64> = report.cells.iter().map(|c| c.expect("computed").final_loss).collect();
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    assert!((losses[0] - losses[1]).abs() > 1e-6, "max_iter 1 against 20: {losses:?}");
    let config = training::cell_config(&lab, lab.training.as_ref().unwrap(), 20.0, 10.0).unwrap();
    let optlab_core::optim::OptimizerConfig::Lbfgs { max_iter, history_size, .. } =
        config.optimizer
    else {
        panic!("{:?}", config.optimizer)
    };
    assert_eq!((max_iter, history_size), (20, 10));
}
