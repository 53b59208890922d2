//! The headless CLI as a user runs it: `optlab trace` and `optlab replay`, including the exit
//! codes and messages for bad input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs the binary with `args`, writing `stdin` to it; a refusal may exit before reading its
/// input, so a closed pipe is not an error here.
pub(crate) fn optlab(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_optlab"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the optlab binary starts");
    if let Err(e) = child.stdin.take().expect("stdin is piped").write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "stdin write: {e}");
    }
    child.wait_with_output().expect("optlab finishes")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// Parses trace CSV into rows of numbers after checking the header.
fn rows(csv: &str) -> Vec<Vec<f64>> {
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("step,x,y,loss,lr"));
    lines.map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect()).collect()
}

fn rosenbrock(x: f64, y: f64) -> (f64, [f64; 2]) {
    let r = y - x * x;
    ((1.0 - x).powi(2) + 100.0 * r * r, [-2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r])
}

#[test]
fn trace_prints_every_step_of_adam_on_rosenbrock_like_the_reference_loop() {
    let out = optlab(
        &[
            "trace",
            "--surface",
            "Rosenbrock(a: 1.0, b: 100.0)",
            "--optimizer",
            "Adam(lr: 0.01)",
            "--start=-1.2,1",
            "--steps",
            "300",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = rows(&stdout(&out));
    assert_eq!(rows.len(), 301);
    // The loop of ../shared/bench/adam2d_trace.py, written out independently.
    let (mut x, mut y) = (-1.2_f64, 1.0_f64);
    let (mut m, mut v) = ([0.0_f64; 2], [0.0_f64; 2]);
    for (t, row) in rows.iter().enumerate() {
        let (loss, g) = rosenbrock(x, y);
        assert_eq!(row[0].to_bits(), (t as f64).to_bits(), "step column");
        for (ours, theirs) in row[1..].iter().zip([x, y, loss, 0.01]) {
            assert!((ours - theirs).abs() <= 1e-10 * theirs.abs().max(1.0), "t={t}: {row:?}");
        }
        let k = i32::try_from(t + 1).expect("small");
        let (c1, c2) = (1.0 - 0.9_f64.powi(k), 1.0 - 0.999_f64.powi(k));
        let mut p = [x, y];
        for i in 0..2 {
            m[i] = 0.9 * m[i] + 0.1 * g[i];
            v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
            p[i] -= 0.01 * (m[i] / c1) / ((v[i] / c2).sqrt() + 1e-8);
        }
        [x, y] = p;
    }
}

#[test]
fn trace_lr_column_follows_the_schedule_for_the_next_update() {
    let out = optlab(
        &[
            "trace",
            "--surface=Quadratic(h: ((3.0, 0.5), (0.5, 1.0)), c: (1.0, -2.0))",
            "--optimizer=Sgd(lr: 0.1)",
            "--schedule=Step(every: 3, factor: 0.5)",
            "--start=2,-1.5",
            "--steps=7",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lrs: Vec<f64> = rows(&stdout(&out)).iter().map(|r| r[4]).collect();
    assert_eq!(lrs, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025]);
}

#[test]
fn diverging_run_stops_with_its_step_and_exits_zero() {
    let out = optlab(
        &[
            "trace",
            "--surface",
            "Rosenbrock()",
            "--optimizer",
            "Sgd(lr: 0.1)",
            "--start=-1.2,1",
            "--steps",
            "1000",
        ],
        "",
    );
    assert!(out.status.success(), "a diverged run is a result: {}", stderr(&out));
    let message = stderr(&out);
    let step: usize = message
        .trim()
        .strip_prefix("diverged at step ")
        .unwrap_or_else(|| panic!("unexpected stderr: {message}"))
        .parse()
        .expect("a step number");
    let rows = rows(&stdout(&out));
    assert!(step > 0 && step < 1000, "step {step}");
    assert_eq!(rows.len(), step, "rows 0..K-1 are printed");
    assert!(rows.iter().flatten().all(|v| v.is_finite()));
}

#[test]
fn noise_is_reproducible_from_its_seed() {
    let run = |seed: &str| {
        let out = optlab(
            &[
                "trace",
                "--surface=Saddle",
                "--optimizer=Momentum(lr: 0.01, momentum: 0.9)",
                "--start=-1.5,0",
                "--steps=200",
                "--noise=0.5",
                "--seed",
                seed,
            ],
            "",
        );
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(run("7"), run("7"));
    assert_ne!(run("7"), run("8"));
}

#[test]
fn replay_applies_each_gradient_row() {
    let out = optlab(
        &["replay", "--optimizer", "Momentum(lr: 0.1, momentum: 0.5)", "--params=-1,2"],
        "1,0\n1,-2\n\n0,0\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // torch SGD momentum: b1 = g1; b = 0.5 b + g; p -= 0.1 b.
    let expected = [[-1.1, 2.0], [-1.25, 2.2], [-1.325, 2.3]];
    let lines: Vec<Vec<f64>> = stdout(&out)
        .lines()
        .map(|l| l.split(',').map(|v| v.parse().expect("number")).collect())
        .collect();
    assert_eq!(lines.len(), 3);
    for (got, want) in lines.iter().zip(expected) {
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
        }
    }
}

fn numbers(out: &Output) -> Vec<Vec<f64>> {
    stdout(out)
        .lines()
        .map(|l| l.split(',').map(|v| v.parse().expect("number")).collect())
        .collect()
}

/// `replay --rule` is the assignment helper's multi-step engine: the assignment's momentum
/// (lr folded into the velocity) from a given velocity, and its Adam from zero state, which
/// follows PyTorch's Adam (`--optimizer Adam`) to rounding.
#[test]
fn replay_with_an_assignment_rule_uses_its_conventions() {
    let momentum = optlab(
        &[
            "replay",
            "--rule=sgd_momentum",
            "--config=learning_rate=0.1",
            "--config",
            "momentum=0.5",
            "--config=velocity=np.array([1.0, -1.0])",
            "--params=-1,2",
        ],
        "1,0\n1,-2\n",
    );
    assert!(momentum.status.success(), "{}", stderr(&momentum));
    // v = 0.5·v − 0.1·dw; w += v.
    let expected = [[-0.6, 1.5], [-0.5, 1.45]];
    for (got, want) in numbers(&momentum).iter().zip(expected) {
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
        }
    }
    let gradients = "0.5,-3\n0.25,1\n-2,0.5\n1,1\n";
    let ours = optlab(
        &["replay", "--rule=adam", "--config=learning_rate=0.01", "--params=1,-1"],
        gradients,
    );
    let torch = optlab(&["replay", "--optimizer=Adam(lr: 0.01)", "--params=1,-1"], gradients);
    assert!(ours.status.success(), "{}", stderr(&ours));
    let (ours, torch) = (numbers(&ours), numbers(&torch));
    assert_eq!(ours.len(), 4);
    for (a, b) in ours.iter().flatten().zip(torch.iter().flatten()) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }
}

fn assert_refused(args: &[&str], stdin: &str, needles: &[&str]) {
    let out = optlab(args, stdin);
    assert_eq!(out.status.code(), Some(2), "{args:?} should be refused; stderr: {}", stderr(&out));
    let message = stderr(&out);
    for needle in needles {
        assert!(message.contains(needle), "{args:?}: `{needle}` missing from: {message}");
    }
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn bad_input_exits_2_naming_field_position_and_range() {
    let trace = |optimizer: &'static str| {
        vec!["trace", "--surface=Beale", optimizer, "--start=1,1", "--steps=3"]
    };
    assert_refused(&trace("--optimizer=Adam(lr: -0.1)"), "", &["lr", "1:", "[0, +inf)"]);
    assert_refused(
        &trace("--optimizer=RmsProp(lr: 0.01, decay_rate: 1.0)"),
        "",
        &["decay_rate", "[0, 1)"],
    );
    assert_refused(&trace("--optimizer=Adam(lr: 0.01"), "", &["--optimizer", "1:"]);
    assert_refused(&trace("--optimizer=Adamm(lr: 0.01)"), "", &["Adamm"]);
    assert_refused(&trace("--optimizer=Adam(learning_rate: 0.01)"), "", &["learning_rate"]);
    assert_refused(
        &["trace", "--surface=Beale", "--optimizer=Sgd()", "--start=1", "--steps=3"],
        "",
        &["--start", "2"],
    );
    assert_refused(
        &["trace", "--surface=Beale", "--optimizer=Sgd()", "--start=1,1", "--steps=-3"],
        "",
        &["--steps"],
    );
    assert_refused(
        &["replay", "--optimizer=Sgd(lr: 0.1)", "--params=1,2"],
        "1,2\n1,2,3\n",
        &["line 2", "expected 2"],
    );
    assert_refused(
        &["replay", "--optimizer=Sgd(lr: 0.1)", "--params=1,2"],
        "1,abc\n",
        &["line 1", "abc"],
    );
    assert_refused(
        &["replay", "--rule=adam", "--config=beta2=1.5", "--params=1,2"],
        "",
        &["beta2", "[0, 1)"],
    );
    assert_refused(
        &["replay", "--rule=adam", "--config=m=np.zeros(3)", "--params=1,2"],
        "",
        &["`m` has shape (3,)"],
    );
    assert_refused(
        &["replay", "--rule=rmsprop", "--config=lr=0.1", "--params=1,2"],
        "",
        &["`lr` is not used by rmsprop", "learning_rate"],
    );
    assert_refused(
        &["replay", "--rule=sgd", "--config=learning_rate=np.linspace(0, 1, num=)", "--params=1"],
        "",
        &["learning_rate", "column 23"],
    );
}

#[test]
fn bare_names_take_all_defaults() {
    let out = optlab(
        &["trace", "--surface=Himmelblau", "--optimizer=Adam", "--start=0,0", "--steps=2"],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(rows(&stdout(&out))[0][4].to_bits(), 1e-3_f64.to_bits(), "torch's default Adam lr");
}

#[test]
fn bench_reports_every_figure_on_a_labelled_line() {
    let out = optlab(&["bench", "--quick"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let count = |prefix: &str| text.lines().filter(|l| l.starts_with(prefix)).count();
    let optimizers = optlab_core::optim::OptimizerConfig::catalogue().len();
    assert_eq!(count("steps_per_s optimizer="), optimizers, "{text}");
    // Frame times as wall time and as the window thread's CPU time.
    for prefix in ["sweep runs=", "basin runs="] {
        assert_eq!(count(prefix), 1, "{prefix} in {text}");
    }
    // One line of each per kind of sweep: lanes (Momentum, Adam), engine (Muon), training.
    for prefix in ["frame_while_sweeping frames=", "frame_cpu_while_sweeping frames="] {
        assert_eq!(count(prefix), 4, "{prefix} in {text}");
        for kind in [
            "sweep=momentum kernel=lanes",
            "sweep=adam kernel=lanes",
            "sweep=muon",
            "sweep=training",
        ] {
            let found = text.lines().any(|l| l.starts_with(prefix) && l.contains(kind));
            assert!(found, "{prefix} {kind} in {text}");
        }
    }
    // Every first-order optimizer takes all its steps (none diverges at the bench's learning
    // rate); L-BFGS runs whole 40-step runs and reports its evaluations per step.
    assert_eq!(text.matches("steps=200000").count(), optimizers - 1, "{text}");
    let lbfgs = text.lines().find(|l| l.contains("optimizer=\"Lbfgs\"")).expect(&text);
    assert!(lbfgs.contains("steps=40 ") && lbfgs.contains("evals_per_step="), "{lbfgs}");
}

fn trace_rows(surface: &str) -> Vec<Vec<f64>> {
    let args = [
        "trace",
        "--surface",
        surface,
        "--optimizer",
        "Adam(lr: 0.01)",
        "--start=-1.2,1",
        "--steps",
        "200",
    ];
    let out = optlab(&args, "");
    assert!(out.status.success(), "{}", stderr(&out));
    rows(&stdout(&out))
}

#[test]
fn trace_on_a_typed_rosenbrock_follows_the_builtin_one() {
    let typed = trace_rows(r#"Expression("(1 - x)^2 + 100*(y - x^2)^2")"#);
    let builtin = trace_rows("Rosenbrock(a: 1.0, b: 100.0)");
    assert_eq!(typed.len(), 201);
    for (a, b) in typed.iter().zip(&builtin) {
        for (u, v) in a.iter().zip(b) {
            let scale = u.abs().max(v.abs()).max(1e-300);
            assert!((u - v).abs() <= 1e-9 * scale, "{a:?} vs {b:?}");
        }
    }
}

#[test]
fn a_broken_formula_is_refused_with_its_column() {
    let out = optlab(
        &[
            "trace",
            "--surface",
            r#"Expression("x + * y")"#,
            "--optimizer",
            "Sgd(lr: 0.1)",
            "--start=0,0",
            "--steps",
            "1",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("column 5"), "{err}");
}

/// SGD at lr 0.021 on the κ = 100 taco shell (just above 2/λmax = 0.02): the loss grows by
/// 1.21 per step and passes 10¹²·f(start) at step 146, long before any value overflows.
#[test]
fn a_run_whose_loss_explodes_is_diverged_before_it_overflows() {
    let out = optlab(
        &[
            "trace",
            "--surface=TacoShell(condition: 100.0, angle: 30.0)",
            "--optimizer=Sgd(lr: 0.021)",
            "--start=-3.964101615137755,-1.1339745962155612",
            "--steps=300",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out).trim(), "diverged at step 146");
    let rows = rows(&stdout(&out));
    assert_eq!(rows.len(), 146, "rows 0..=145");
    assert!(rows.iter().all(|r| r[3] <= 5.8e13), "every printed loss is below the bound");

    let dir = tempfile::tempdir().expect("a temporary directory");
    let notebook = dir.path().join("taco.ron");
    let text = "(entries: [(name: \"Taco\", experiment: Race(surface: TacoShell(condition: 100.0, \
                angle: 30.0), steps: 300, runs: [(name: \"SGD 0.021\", optimizer: Sgd(lr: 0.021)), \
                (name: \"SGD 0.019\", optimizer: Sgd(lr: 0.019))]))])";
    std::fs::write(&notebook, text).expect("write the notebook");
    let out = optlab(&["run", &notebook.display().to_string()], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = stdout(&out);
    let line = |run: &str| {
        summary
            .lines()
            .find(|l| l.contains(&format!("run=\"{run}\"")))
            .unwrap_or_else(|| panic!("no line for {run}: {summary}"))
            .to_owned()
    };
    assert!(line("SGD 0.021").ends_with(" diverged_at=146"), "{summary}");
    assert!(line("SGD 0.021").contains(" steps=145 "), "{summary}");
    assert!(!line("SGD 0.019").contains("diverged_at"), "{summary}");
}
