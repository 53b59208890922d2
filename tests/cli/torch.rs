//! `optlab torch`: the PyTorch script of a run, with trace's arguments and refusals; running the
//! script needs PyTorch and is left to `benches/torch_diff.py`.

use super::commands::optlab;

const SURFACE: &str = "Rosenbrock(a: 1.0, b: 100.0)";

fn torch(optimizer: &str, schedule: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "torch",
        "--surface",
        SURFACE,
        "--optimizer",
        optimizer,
        "--schedule",
        schedule,
        "--start=-1.2,1",
        "--steps",
        "25",
    ];
    args.extend_from_slice(extra);
    optlab(&args, "")
}

#[test]
fn torch_prints_a_python_script_for_the_run() {
    let output = torch(
        "NAdam(lr: 0.01, decoupled_weight_decay: true)",
        "OneCycle(max_lr: 0.1, total_steps: 40)",
        &[],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let script = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(script.starts_with("# optlab run as a PyTorch script"));
    assert!(script.contains("\nimport torch\n"));
    assert!(!script.contains("import lion_pytorch") && !script.contains("import schedulefree"));
    assert!(script.contains("torch.optim.NAdam([theta], lr=0.01,"));
    assert!(script.contains("decoupled_weight_decay=True"));
    assert!(
        script
            .contains("torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=40,")
    );
    assert!(script.contains("STEPS = 25\n"));
    assert!(script.contains("print(\"step,x,y,loss,lr\")"), "trace's header");
    assert!(script.contains("x = 1.0 - x") || script.contains("d = 1.0 - x"), "Rosenbrock's loss");
}

#[test]
fn lion_and_schedule_free_import_their_packages() {
    let lion = torch("Lion(lr: 0.001)", "Constant", &[]);
    assert!(String::from_utf8_lossy(&lion.stdout).contains("\nimport lion_pytorch\n"));
    let free = torch("ScheduleFreeAdamW(lr: 0.01)", "Constant", &[]);
    let script = String::from_utf8_lossy(&free.stdout);
    assert!(script.contains("\nimport schedulefree\n") && script.contains("\noptimizer.train()"));
}

#[test]
fn noise_is_embedded_and_says_so_in_the_help() {
    let output = torch("Sgd(lr: 0.001)", "Constant", &["--noise", "0.5", "--seed", "9"]);
    assert!(output.status.success());
    let script = String::from_utf8_lossy(&output.stdout);
    assert!(script.contains("NOISE = ["));
    assert!(script.contains("--noise 0.5 --seed 9"), "the trace command in the header");
    let help = optlab(&["torch", "--help"], "");
    assert!(String::from_utf8_lossy(&help.stdout).contains("embedded"));
}

#[test]
fn what_torch_cannot_run_exits_2_with_a_sentence() {
    for (optimizer, schedule, extra, words) in [
        ("Adam(bias_correction: false)", "Constant", &[][..], "bias_correction"),
        ("Lbfgs()", "Constant", &["--noise", "0.1"][..], "noise"),
        ("Sgd()", "Chained([ReduceOnPlateau()])", &[][..], "ReduceOnPlateau"),
        ("Sgd()", "Lambda(\"t $ 2\")", &[][..], "column"),
        ("Sgd(lr: -1.0)", "Constant", &[][..], "lr"),
        ("Sgd()", "Step(every: 0)", &[][..], "every"),
    ] {
        let output = torch(optimizer, schedule, extra);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{optimizer} {schedule}: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains(words), "{stderr}");
        assert!(output.stdout.is_empty(), "no half script");
    }
    let bad_start = optlab(
        &["torch", "--surface", SURFACE, "--optimizer", "Sgd", "--start=1", "--steps", "5"],
        "",
    );
    assert_eq!(bad_start.status.code(), Some(2));
}
