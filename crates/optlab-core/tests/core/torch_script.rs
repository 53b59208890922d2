//! "Copy as PyTorch" (`torch_script`): the generated text names the right constructor with the
//! right arguments for every optimizer and schedule, and refuses what PyTorch cannot run.
#![expect(
    clippy::float_cmp,
    reason = "the script writes Rust's shortest round-trip digits: they must read back bit for bit"
)]

use std::collections::HashMap;

use optlab_core::optim::OptimizerConfig;
use optlab_core::run::RunConfig;
use optlab_core::schedule::{Anneal, CyclicMode, PlateauMode, Schedule, ThresholdMode};
use optlab_core::surface::Surface;
use optlab_core::torch_script::{self, HEADER};

fn run(optimizer: OptimizerConfig, schedule: Schedule) -> RunConfig {
    RunConfig {
        surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
        start: [-1.2, 1.0],
        optimizer,
        schedule,
        steps: 20,
        noise_sigma: 0.0,
        seed: 0,
    }
}

/// The right-hand side of the script's line `name = …`.
fn assigned<'t>(script: &'t str, name: &str) -> &'t str {
    let prefix = format!("{name} = ");
    script
        .lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no line `{name} = …` in\n{script}"))
}

/// A call `callee(first, key=value, …)` split into the callee and its keyword arguments (top
/// level only: commas inside brackets and parentheses stay in their value).
fn call(text: &str) -> (String, HashMap<String, String>) {
    let open = text.find('(').expect("a call");
    let callee = text[..open].to_owned();
    let inner = &text[open + 1..text.rfind(')').expect("a closing parenthesis")];
    let mut args = HashMap::new();
    let (mut depth, mut start) = (0_i32, 0);
    let mut parts = Vec::new();
    for (i, c) in inner.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    for part in parts {
        if let Some((key, value)) = part.split_once('=') {
            args.insert(key.trim().to_owned(), value.trim().to_owned());
        }
    }
    (callee, args)
}

fn number(args: &HashMap<String, String>, key: &str) -> f64 {
    let text = args.get(key).unwrap_or_else(|| panic!("no argument {key} in {args:?}"));
    text.parse().unwrap_or_else(|_| panic!("{key}={text} is not a number"))
}

fn numbers(args: &HashMap<String, String>, key: &str) -> Vec<f64> {
    let text = args.get(key).unwrap_or_else(|| panic!("no argument {key} in {args:?}"));
    text.trim_matches(|c| c == '(' || c == ')' || c == '[' || c == ']')
        .split(',')
        .map(|v| v.trim().parse().unwrap_or_else(|_| panic!("{key}={text}: not numbers")))
        .collect()
}

fn optimizer_call(config: &OptimizerConfig) -> (String, HashMap<String, String>) {
    let script = torch_script::script(&run(config.clone(), Schedule::Constant))
        .unwrap_or_else(|e| panic!("{config:?} refused: {e}"));
    assert!(script.starts_with(HEADER), "{script}");
    assert!(script.contains("torch.set_default_dtype(torch.float64)"));
    call(assigned(&script, "optimizer"))
}

#[test]
fn every_catalogue_optimizer_has_its_torch_constructor_and_lr() {
    for config in OptimizerConfig::catalogue() {
        if matches!(
            config,
            OptimizerConfig::Newton { .. } | OptimizerConfig::SaddleFreeNewton { .. }
        ) {
            // Not in torch.optim: refused with a sentence saying so.
            let refusal = torch_script::script(&run(config.clone(), Schedule::Constant))
                .expect_err("Newton's methods are not in torch.optim");
            assert!(refusal.to_string().contains("not in torch.optim"), "{refusal}");
            continue;
        }
        let (callee, args) = optimizer_call(&config);
        let expected = match config {
            OptimizerConfig::Sgd { .. }
            | OptimizerConfig::Momentum { .. }
            | OptimizerConfig::Nesterov { .. }
            | OptimizerConfig::NesterovLookahead { .. } => "torch.optim.SGD",
            OptimizerConfig::RmsProp { .. } => "torch.optim.RMSprop",
            OptimizerConfig::Asgd { .. } => "torch.optim.ASGD",
            OptimizerConfig::Lbfgs { .. } => "torch.optim.LBFGS",
            OptimizerConfig::Lion { .. } => "lion_pytorch.Lion",
            OptimizerConfig::ScheduleFreeAdamW { .. } => "schedulefree.AdamWScheduleFree",
            OptimizerConfig::ScheduleFreeSgd { .. } => "schedulefree.SGDScheduleFree",
            _ => &format!("torch.optim.{}", config.name()),
        };
        assert_eq!(callee, expected, "{config:?}");
        assert_eq!(number(&args, "lr"), config.lr(), "{config:?}");
    }
}

#[test]
fn sgd_family_arguments_follow_torch_names() {
    let (_, args) = optimizer_call(&OptimizerConfig::Momentum {
        lr: 0.02,
        momentum: 0.8,
        dampening: 0.25,
        weight_decay: 0.125,
    });
    assert_eq!(number(&args, "momentum"), 0.8);
    assert_eq!(number(&args, "dampening"), 0.25);
    assert_eq!(number(&args, "weight_decay"), 0.125);
    assert!(!args.contains_key("nesterov"));
    for config in [
        OptimizerConfig::Nesterov { lr: 0.01, momentum: 0.7, weight_decay: 0.0 },
        OptimizerConfig::NesterovLookahead { lr: 0.01, momentum: 0.7 },
    ] {
        let (_, args) = optimizer_call(&config);
        assert_eq!(args["nesterov"], "True", "{config:?}");
        assert_eq!(number(&args, "dampening"), 0.0);
        assert_eq!(number(&args, "momentum"), 0.7);
    }
}

#[test]
fn adaptive_arguments_follow_torch_names() {
    let (_, args) = optimizer_call(&OptimizerConfig::RmsProp {
        lr: 0.01,
        decay_rate: 0.95,
        eps: 1e-6,
        centered: true,
        momentum: 0.5,
        weight_decay: 0.0,
    });
    assert_eq!(number(&args, "alpha"), 0.95);
    assert_eq!(number(&args, "eps"), 1e-6);
    assert_eq!(args["centered"], "True");
    let (_, args) = optimizer_call(&OptimizerConfig::NAdam {
        lr: 0.01,
        beta1: 0.8,
        beta2: 0.99,
        eps: 1e-8,
        weight_decay: 0.1,
        momentum_decay: 0.005,
        decoupled_weight_decay: true,
    });
    assert_eq!(numbers(&args, "betas"), [0.8, 0.99]);
    assert_eq!(number(&args, "momentum_decay"), 0.005);
    assert_eq!(args["decoupled_weight_decay"], "True");
    let (_, args) = optimizer_call(&OptimizerConfig::Rprop {
        lr: 0.01,
        eta_minus: 0.4,
        eta_plus: 1.3,
        step_min: 1e-5,
        step_max: 20.0,
    });
    assert_eq!(numbers(&args, "etas"), [0.4, 1.3]);
    assert_eq!(numbers(&args, "step_sizes"), [1e-5, 20.0]);
}

#[test]
fn matrix_closure_and_train_mode_optimizers_are_set_up_as_torch_needs() {
    let muon = OptimizerConfig::catalogue()
        .into_iter()
        .find(|c| matches!(c, OptimizerConfig::Muon { .. }))
        .expect("Muon in the catalogue");
    let script = torch_script::script(&run(muon, Schedule::Constant)).expect("Muon exports");
    assert!(script.contains("theta = torch.tensor([[-1.2, 1.0]], requires_grad=True)"));
    assert!(script.contains("bfloat16"), "Muon's script says why its numbers differ");
    assert_eq!(call(assigned(&script, "optimizer")).1["adjust_lr_fn"], "\"original\"");
    let lbfgs = OptimizerConfig::catalogue()
        .into_iter()
        .find(|c| matches!(c, OptimizerConfig::Lbfgs { .. }))
        .expect("L-BFGS in the catalogue");
    let script = torch_script::script(&run(lbfgs, Schedule::Constant)).expect("L-BFGS exports");
    assert!(script.contains("optimizer.step(closure)"));
    let free = OptimizerConfig::ScheduleFreeSgd {
        lr: 0.5,
        momentum: 0.9,
        weight_decay: 0.0,
        warmup_steps: 3,
        r: 0.0,
        weight_lr_power: 2.0,
    };
    let script = torch_script::script(&run(free, Schedule::Constant)).expect("exports");
    assert!(script.contains("\nimport schedulefree\n"));
    assert!(script.contains("\noptimizer.train()"));
    assert_eq!(number(&call(assigned(&script, "optimizer")).1, "warmup_steps"), 3.0);
}

fn scheduler_call(schedule: &Schedule) -> (String, HashMap<String, String>) {
    let optimizer =
        OptimizerConfig::Momentum { lr: 0.01, momentum: 0.9, dampening: 0.0, weight_decay: 0.0 };
    let script = torch_script::script(&run(optimizer, schedule.clone()))
        .unwrap_or_else(|e| panic!("{schedule:?} refused: {e}"));
    call(assigned(&script, "scheduler"))
}

#[test]
fn every_catalogue_schedule_has_its_lr_scheduler() {
    for schedule in Schedule::catalogue() {
        if schedule == Schedule::Constant {
            let script =
                torch_script::script(&run(OptimizerConfig::catalogue()[0].clone(), schedule))
                    .expect("exports");
            assert!(!script.contains("scheduler"), "a constant lr needs no scheduler");
            continue;
        }
        let (callee, args) = scheduler_call(&schedule);
        let class = callee.trim_start_matches("torch.optim.lr_scheduler.");
        match &schedule {
            Schedule::Exponential { k } => {
                assert_eq!(class, "ExponentialLR");
                assert_eq!(args["gamma"], format!("math.exp(-{k:?})"));
            }
            Schedule::InverseTime { k } => {
                assert_eq!(class, "LambdaLR");
                assert_eq!(args["lr_lambda"], format!("lambda t: 1.0 / (1.0 + {k:?} * t)"));
            }
            Schedule::Step { every, factor } => {
                assert_eq!(class, "StepLR");
                assert_eq!(number(&args, "step_size"), *every as f64);
                assert_eq!(number(&args, "gamma"), *factor);
            }
            Schedule::MultiStep { milestones, factor } => {
                assert_eq!(class, "MultiStepLR");
                let expected: Vec<f64> = milestones.iter().map(|&m| m as f64).collect();
                assert_eq!(numbers(&args, "milestones"), expected);
                assert_eq!(number(&args, "gamma"), *factor);
            }
            Schedule::Cosine { period, min_lr } => {
                assert_eq!(class, "CosineAnnealingLR");
                assert_eq!(number(&args, "T_max"), *period as f64);
                assert_eq!(number(&args, "eta_min"), *min_lr);
            }
            Schedule::Warmup { steps, .. } => {
                assert_eq!(class, "SequentialLR");
                assert!(args["schedulers"].contains("LinearLR(optimizer"));
                assert_eq!(numbers(&args, "milestones"), [*steps as f64]);
            }
            other => panic!("a catalogue schedule the test does not know: {other:?}"),
        }
    }
}

#[test]
fn issue_17_schedules_have_their_lr_schedulers() {
    let (class, args) = scheduler_call(&Schedule::ConstantFactor { factor: 0.5, total_iters: 7 });
    assert!(class.ends_with(".ConstantLR"));
    assert_eq!((number(&args, "factor"), number(&args, "total_iters")), (0.5, 7.0));
    let (class, args) =
        scheduler_call(&Schedule::Linear { start_factor: 0.2, end_factor: 0.9, total_iters: 4 });
    assert!(class.ends_with(".LinearLR"));
    assert_eq!(number(&args, "end_factor"), 0.9);
    let (class, args) = scheduler_call(&Schedule::Polynomial { total_iters: 9, power: 2.0 });
    assert!(class.ends_with(".PolynomialLR"));
    assert_eq!(number(&args, "power"), 2.0);
    let (class, args) =
        scheduler_call(&Schedule::CosineWarmRestarts { t0: 6, t_mult: 2, eta_min: 0.001 });
    assert!(class.ends_with(".CosineAnnealingWarmRestarts"));
    assert_eq!((number(&args, "T_0"), number(&args, "T_mult")), (6.0, 2.0));
    let (class, args) = scheduler_call(&Schedule::Cyclic {
        base_lr: 0.001,
        max_lr: 0.1,
        step_size_up: 5,
        step_size_down: None,
        mode: CyclicMode::ExpRange,
        gamma: 0.99,
        cycle_momentum: true,
        base_momentum: 0.8,
        max_momentum: 0.9,
    });
    assert!(class.ends_with(".CyclicLR"));
    assert_eq!(args["mode"], "\"exp_range\"");
    assert_eq!(args["step_size_down"], "None");
    assert_eq!((number(&args, "base_lr"), number(&args, "max_lr")), (0.001, 0.1));
    let (class, args) = scheduler_call(&Schedule::OneCycle {
        max_lr: 0.1,
        total_steps: 30,
        pct_start: 0.25,
        anneal: Anneal::Linear,
        cycle_momentum: false,
        base_momentum: 0.85,
        max_momentum: 0.95,
        div_factor: 25.0,
        final_div_factor: 1e4,
        three_phase: true,
    });
    assert!(class.ends_with(".OneCycleLR"));
    assert_eq!(args["anneal_strategy"], "\"linear\"");
    assert_eq!((args["cycle_momentum"].as_str(), args["three_phase"].as_str()), ("False", "True"));
    assert_eq!(number(&args, "final_div_factor"), 1e4);
}

#[test]
fn formula_and_combined_schedules_become_lambdas_and_combinations() {
    let (class, args) = scheduler_call(&Schedule::Lambda("0.5^floor(t/10) * exp(-t/100)".into()));
    assert!(class.ends_with(".LambdaLR"));
    assert_eq!(args["lr_lambda"], "lambda t: 0.5**math.floor(t/10) * math.exp(-t/100)");
    let (class, _) = scheduler_call(&Schedule::Multiplicative("0.99".into()));
    assert!(class.ends_with(".MultiplicativeLR"));
    let (class, args) = scheduler_call(&Schedule::Sequential {
        schedules: vec![
            Schedule::Linear { start_factor: 0.1, end_factor: 1.0, total_iters: 5 },
            Schedule::Cosine { period: 40, min_lr: 0.0 },
        ],
        milestones: vec![5],
    });
    assert!(class.ends_with(".SequentialLR"));
    assert!(
        args["schedulers"].contains("LinearLR(optimizer")
            && args["schedulers"].contains("CosineAnnealingLR")
    );
    assert_eq!(numbers(&args, "milestones"), [5.0]);
    let (class, args) = scheduler_call(&Schedule::Chained(vec![
        Schedule::Exponential { k: 0.1 },
        Schedule::ConstantFactor { factor: 0.5, total_iters: 3 },
    ]));
    assert!(class.ends_with(".ChainedScheduler"));
    assert_eq!(args["optimizer"], "optimizer");
    let plateau = Schedule::ReduceOnPlateau {
        mode: PlateauMode::Max,
        factor: 0.5,
        patience: 3,
        threshold: 0.01,
        threshold_mode: ThresholdMode::Abs,
        cooldown: 2,
        min_lr: 1e-4,
        eps: 1e-8,
    };
    let (class, args) = scheduler_call(&plateau);
    assert!(class.ends_with(".ReduceLROnPlateau"));
    assert_eq!((args["mode"].as_str(), args["threshold_mode"].as_str()), ("\"max\"", "\"abs\""));
    assert_eq!((number(&args, "patience"), number(&args, "cooldown")), (3.0, 2.0));
    let script = torch_script::script(&run(OptimizerConfig::catalogue()[0].clone(), plateau))
        .expect("exports");
    assert!(script.contains("scheduler.step(evaluate(shown_point())[0])"), "stepped with the loss");
}

#[test]
fn what_torch_cannot_run_is_refused_with_a_sentence() {
    let no_bias_correction: OptimizerConfig =
        ron::from_str("Adam(lr: 0.01, bias_correction: false)").expect("RON");
    let refusal = torch_script::script(&run(no_bias_correction, Schedule::Constant)).unwrap_err();
    assert!(refusal.0.contains("bias_correction"), "{refusal}");
    let nested = Schedule::Chained(vec![ron::from_str("ReduceOnPlateau()").expect("RON")]);
    let refusal =
        torch_script::script(&run(OptimizerConfig::catalogue()[0].clone(), nested)).unwrap_err();
    assert!(refusal.0.contains("ReduceOnPlateau"), "{refusal}");
    let lbfgs: OptimizerConfig = ron::from_str("Lbfgs()").expect("RON");
    let mut noisy = run(lbfgs, Schedule::Constant);
    noisy.noise_sigma = 0.1;
    let refusal = torch_script::script(&noisy).unwrap_err();
    assert!(refusal.0.contains("noise"), "{refusal}");
    let odd = Schedule::Lambda("t # 2".into());
    let refusal = torch_script::script(&run(OptimizerConfig::catalogue()[0].clone(), odd));
    assert!(refusal.is_err_and(|r| r.0.contains("column")));
}

#[test]
fn noise_is_embedded_one_pair_per_update_and_formulas_are_parenthesized() {
    let mut noisy = run(OptimizerConfig::catalogue()[0].clone(), Schedule::Constant);
    noisy.noise_sigma = 0.5;
    noisy.seed = 3;
    let script = torch_script::script(&noisy).expect("exports");
    let start = script.find("NOISE = [\n").expect("embedded noise");
    let pairs = script[start..].lines().skip(1).take_while(|l| l.starts_with("    (")).count();
    assert_eq!(pairs, 20);
    assert!(script.contains("theta.grad.add_("));
    let mut reseeded = noisy.clone();
    reseeded.seed = 4;
    assert_ne!(torch_script::script(&reseeded).expect("exports"), script, "the seed matters");
    let formula = run(OptimizerConfig::catalogue()[0].clone(), Schedule::Constant);
    let formula = RunConfig {
        surface: ron::from_str("Expression(\"-x^2 + sin(y)/2\")").expect("RON"),
        ..formula
    };
    let script = torch_script::script(&formula).expect("exports");
    assert!(script.contains("return ((-(x ** 2.0)) + (torch.sin(y) / 2.0))"), "{script}");
}
