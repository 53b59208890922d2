//! Broken and hostile notebook files: each is refused with a clear message and a position, the
//! loader never panics, and `optlab check` reports `FILE:LINE:COL: message` with exit status 2.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use optlab_core::notebook::{LoadError, Notebook};

fn optlab(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optlab"))
        .args(args)
        .output()
        .expect("the optlab binary starts")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn broken_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken")
}

/// Loads `bytes`, which must be refused with a sensible position and message.
fn refused(label: &str, bytes: &[u8]) -> LoadError {
    let e = match Notebook::from_bytes(bytes) {
        Ok(notebook) => panic!("{label}: accepted as {notebook:?}"),
        Err(e) => e,
    };
    let lines = bytes.split(|&b| b == b'\n').count();
    assert!(e.line >= 1 && e.line <= lines, "{label}: line {} of {lines}: {e}", e.line);
    assert!(e.col >= 1, "{label}: column 0: {e}");
    assert!(e.message.trim().len() >= 10, "{label}: unclear message `{}`", e.message);
    e
}

/// What each corpus file must say: its 1-based line and words its message must contain.
const EXPECTED: &[(&str, usize, &[&str])] = &[
    ("assignment-bad-numpy.ron", 4, &["numpy text", "column 10", "different lengths"]),
    ("assignment-unknown-key.ron", 6, &["`mu` is not used by sgd_momentum", "momentum"]),
    ("asymmetric-hessian.ron", 1, &["h21", "h12"]),
    ("basin-resolution-one.ron", 2, &["entry 1", "\"map\"", "`resolution` = 1", "[2, 512]"]),
    ("colour-out-of-range.ron", 1, &["`color` = (256, 0, 0)", "[0, 255]"]),
    ("decay-rate-one.ron", 7, &["`decay_rate` = 1 is out of range", "[0, 1)"]),
    ("depth-blocks-zero.ron", 1, &["`blocks` = 0 is out of range", "[1, 1000]"]),
    ("dropout-drop-probability.ron", 1, &["`p`", "`keep`"]),
    ("dropout-keep-zero.ron", 5, &["`keep` = 0 is out of range", "(0, 1]"]),
    ("dropout-lengths-differ.ron", 4, &["entry 1", "one per weight", "[3, 3]"]),
    ("duplicate-field.ron", 3, &["title"]),
    ("empty.ron", 1, &["empty"]),
    ("infinite-noise.ron", 1, &["noise", "[0, +inf)"]),
    ("invalid-utf8.ron", 2, &["UTF-8"]),
    ("missing-name.ron", 5, &["name"]),
    ("missing-optimizer.ron", 1, &["optimizer"]),
    ("nan-start.ron", 1, &["start x"]),
    ("negative-lr.ron", 7, &["`lr` = -0.1 is out of range", "[0, +inf)"]),
    ("negative-noise.ron", 1, &["`noise` = -1 is out of range"]),
    ("nesterov-no-momentum.ron", 1, &["momentum", "(0, 1]"]),
    ("newer-version.ron", 3, &["99", "newer"]),
    ("not-a-notebook.ron", 1, &["`(`", "Notebook"]),
    ("pooling-alpha-two.ron", 7, &["`alpha` = 2 is out of range", "(1, 2)"]),
    ("step-every-zero.ron", 1, &["`every` = 0 is out of range", "[1, +inf)"]),
    ("steps-overflow.ron", 1, &["`steps` = 99999999999999999999999999 is out of range", "[1, "]),
    ("steps-too-many.ron", 1, &["steps", "[1, 10000000]"]),
    ("steps-zero.ron", 6, &["`steps` = 0 is out of range", "[1, 10000000]"]),
    ("sweep-count-huge.ron", 2, &["entry 1", "\"grid\"", "`count` = 100000", "[2, 512]"]),
    ("taco-condition-zero.ron", 1, &["condition", "[1, 1000000]"]),
    ("trailing-garbage.ron", 1, &["trailing"]),
    ("truncated.ron", 13, &["comma"]),
    ("unclosed-string.ron", 2, &["string"]),
    ("unknown-experiment.ron", 1, &["Training", "Dropout", "StochasticDepth"]),
    ("unknown-field.ron", 7, &["learning_rate"]),
    ("unknown-optimizer.ron", 7, &["Adamm"]),
    ("unknown-schedule.ron", 1, &["Linear"]),
    ("unknown-surface.ron", 5, &["Ackley"]),
    ("version-zero.ron", 1, &["version 0"]),
    ("wrong-type-name.ron", 4, &["string"]),
    ("wrong-type-steps.ron", 7, &["integer"]),
];

#[test]
fn every_broken_file_is_refused_with_its_line_and_a_clear_message() {
    let files = files_in(&broken_dir());
    let names: Vec<String> =
        files.iter().map(|f| f.file_name().unwrap_or_default().to_string_lossy().into()).collect();
    let listed: Vec<&str> = EXPECTED.iter().map(|(name, ..)| *name).collect();
    assert_eq!(names, listed, "every corpus file has an expectation, and the other way round");
    for (file, (name, line, needles)) in files.iter().zip(EXPECTED) {
        let bytes = fs::read(file).expect("corpus file reads");
        let e = refused(name, &bytes);
        assert_eq!(e.line, *line, "{name}: {e}");
        for needle in *needles {
            assert!(e.message.contains(needle), "{name}: `{needle}` missing from: {e}");
        }
    }
}

/// Hostile inputs built here rather than stored: deep nesting, megabytes of noise.
fn generated_cases() -> Vec<(&'static str, Vec<u8>)> {
    let mut garbage = Vec::with_capacity(3 << 20);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    while garbage.len() < 3 << 20 {
        // xorshift64*: deterministic bytes, no dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        garbage.extend_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    let ron_soup: Vec<u8> = b"([{(\"a\": 1, b: Some(-0.0e9), 'c', r#\"x\"#)}]),"
        .iter()
        .copied()
        .cycle()
        .take(1 << 20)
        .collect();
    vec![
        ("10 000 [", vec![b'['; 10_000]),
        ("10 000 (", vec![b'('; 10_000]),
        ("nested inside a known field", nested_in_field()),
        ("nested in an ignored field", nested_in_ignored_field()),
        ("3 MB of random bytes", garbage),
        ("1 MB of RON punctuation", ron_soup),
        ("4 MB of spaces inside a notebook", spaces_inside()),
        ("a lone continuation byte", vec![0x80]),
        ("a truncated multi-byte character", b"(title: \"\xe2\x88".to_vec()),
        ("NUL bytes", vec![0; 1000]),
        ("empty", Vec::new()),
    ]
}

fn spaces_inside() -> Vec<u8> {
    let mut text = b"(title: \"spacious\", entries: [".to_vec();
    text.resize(4 << 20, b' ');
    text
}

fn nested_in_field() -> Vec<u8> {
    let mut text = b"(entries: [(name: \"deep\", experiment: Race(runs: ".to_vec();
    text.extend(std::iter::repeat_n(b'[', 10_000));
    text
}

/// The version pass skips unknown content; deep nesting there must not blow the stack either.
fn nested_in_ignored_field() -> Vec<u8> {
    let mut text = b"(title: \"x\", extra: ".to_vec();
    text.extend(std::iter::repeat_n(b'(', 10_000));
    text.extend(std::iter::repeat_n(b')', 10_000));
    text.push(b')');
    text
}

#[test]
fn hostile_inputs_are_refused_without_panicking() {
    for (label, bytes) in generated_cases() {
        refused(label, &bytes);
    }
}

#[test]
fn check_reports_file_line_column_for_every_broken_file_and_exits_2() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut files = files_in(&broken_dir());
    for (i, (_, bytes)) in generated_cases().iter().enumerate() {
        let path = dir.path().join(format!("generated-{i}.ron"));
        fs::write(&path, bytes).expect("write a generated case");
        files.push(path);
    }
    let mut args: Vec<&Path> = vec![Path::new("check")];
    args.extend(files.iter().map(PathBuf::as_path));
    let out = optlab(&args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "no file is ok");
    let report = stderr(&out);
    assert!(!report.contains("panicked"), "{report}");
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), files.len(), "one line per file:\n{report}");
    for (line, file) in lines.iter().zip(&files) {
        let rest = line
            .strip_prefix(&format!("{}:", file.display()))
            .unwrap_or_else(|| panic!("`{line}` does not start with {}:", file.display()));
        let mut parts = rest.splitn(3, ':');
        let (row, col, message) = (parts.next(), parts.next(), parts.next());
        assert!(row.is_some_and(|r| r.parse::<usize>().is_ok_and(|r| r >= 1)), "{line}");
        assert!(col.is_some_and(|c| c.parse::<usize>().is_ok_and(|c| c >= 1)), "{line}");
        assert!(message.is_some_and(|m| m.starts_with(' ') && m.len() > 10), "{line}");
    }
}

#[test]
fn check_accepts_good_files_and_names_unreadable_ones() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let good = dir.path().join("good.ron");
    fs::write(&good, "(title: \"fine\")").expect("write");
    let out = optlab(&[Path::new("check"), &good]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{}: ok\n", good.display()));

    let missing = dir.path().join("missing.ron");
    let out = optlab(&[Path::new("check"), &good, &missing]);
    assert_eq!(out.status.code(), Some(1), "an unreadable file is an I/O failure");
    let report = stderr(&out);
    assert!(report.starts_with(&format!("{}: ", missing.display())), "{report}");

    let broken = broken_dir().join("negative-lr.ron");
    let out = optlab(&[Path::new("check"), &missing, &broken]);
    assert_eq!(out.status.code(), Some(2), "a refused file outranks an unreadable one");
}

#[test]
fn run_refuses_a_broken_notebook_with_its_position() {
    let broken = broken_dir().join("steps-zero.ron");
    let out = optlab(&[Path::new("run"), &broken]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report = stderr(&out);
    assert!(report.starts_with(&format!("{}:6:24: ", broken.display())), "{report}");
    assert!(out.stdout.is_empty());
}

#[test]
fn the_fuzz_corpus_replays_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/load_notebook");
    let files = files_in(&dir);
    assert!(files.len() >= 10, "the corpus is seeded: {}", dir.display());
    for file in files {
        let bytes = fs::read(&file).expect("corpus file reads");
        if let Err(e) = Notebook::from_bytes(&bytes) {
            assert!(e.line >= 1 && e.col >= 1 && !e.message.is_empty(), "{}: {e}", file.display());
        }
    }
}

/// Runs the binary with `args` (any bytes) and `stdin`, and no display: the window cannot open.
fn optlab_with(args: &[&std::ffi::OsStr], stdin: &str, dir: Option<&Path>) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut command = Command::new(env!("CARGO_BIN_EXE_optlab"));
    command.args(args).env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the optlab binary starts");
    // A refused command exits before reading stdin: a closed pipe is then expected.
    let _ = child.stdin.take().expect("stdin is piped").write_all(stdin.as_bytes());
    child.wait_with_output().expect("optlab finishes")
}

fn run_text(args: &[&str], stdin: &str) -> Output {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    optlab_with(&args, stdin, None)
}

#[test]
fn replay_rule_config_uses_the_notebooks_ranges() {
    let out =
        run_text(&["replay", "--rule=rmsprop", "--config=decay_rate=1", "--params=1,2"], "0,0\n");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`decay_rate` = 1 is out of range; allowed [0, 1)"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty(), "no parameters printed");
    let out = run_text(&["replay", "--rule=adam", "--config=epsilon=-1", "--params=1"], "0\n");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("`epsilon` = -1 is out of range; allowed [0, +inf)"));
}

/// ε = 0 is allowed, as in the notebook (and torch); 0/0 is then a divergence, said on stderr
/// with its step as `trace` says it, after the finite rows; the exit status is 0, as `trace`'s.
#[test]
fn replay_reports_a_nan_step_as_a_divergence() {
    for args in [
        ["replay", "--rule=rmsprop", "--config=epsilon=0", "--params=1,2"],
        ["replay", "--optimizer=RmsProp(eps: 0.0)", "--params=1,2", "--schedule=Constant"],
    ] {
        let out = run_text(&args, "0,0\n0,0\n1,1\n");
        let printed = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(printed, "", "{args:?}: stops before the NaN row");
        assert!(stderr(&out).contains("diverged at step 1"), "{args:?}: {}", stderr(&out));
        assert_eq!(out.status.code(), Some(0), "a diverged run is a result, as in trace");
    }
    let out = run_text(&["replay", "--optimizer=Sgd(lr: 1e300)", "--params=1"], "1\n1e10\n1\n");
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    let rows: Vec<f64> = printed.lines().map(|l| l.parse().expect("a number")).collect();
    assert_eq!(rows, [1.0 - 1e300], "the finite rows only");
    assert!(stderr(&out).contains("diverged at step 2"), "{}", stderr(&out));
}

#[test]
fn an_unknown_command_is_refused_with_a_suggestion() {
    let out = run_text(&["frobnicate"], "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("unrecognized subcommand 'frobnicate'"), "{}", stderr(&out));
    let out = run_text(&["trase"], "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("similar subcommand exists: 'trace'"), "{}", stderr(&out));
}

/// A word that names an existing file still opens the app (here: tries to, without a display).
#[test]
fn an_existing_file_named_like_a_command_still_opens_the_app() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    fs::write(dir.path().join("frobnicate"), "(title: \"x\")").expect("write");
    let out = optlab_with(&[std::ffi::OsStr::new("frobnicate")], "", Some(dir.path()));
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("unrecognized subcommand"), "{}", stderr(&out));
}

#[test]
fn run_out_accepts_long_names_cut_to_short_file_names() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let long = "Long name ".repeat(20);
    let notebook = dir.path().join("long.ron");
    let text = format!(
        "(entries: [(name: \"{long}\", experiment: Race(steps: 3, runs: [\
         (name: \"{long}\", optimizer: Sgd()), (name: \"{long}\", optimizer: Adam())]))])"
    );
    fs::write(&notebook, text).expect("write");
    let out_dir = dir.path().join("out");
    let out = optlab(&[Path::new("run"), &notebook, Path::new("--out"), &out_dir]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let entries = files_in_tree(&out_dir);
    assert_eq!(entries.len(), 2, "{entries:?}");
    for file in &entries {
        let name = file.file_name().unwrap_or_default().len();
        assert!(name <= 100, "{}", file.display());
    }

    let huge = dir.path().join("huge.ron");
    let name = "x".repeat(100_000);
    fs::write(&huge, format!("(entries: [(name: \"{name}\", experiment: Race())])"))
        .expect("write");
    let out = optlab(&[Path::new("check"), &huge]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("a name has at most 200"), "{}", stderr(&out));
}

fn files_in_tree(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            assert!(path.file_name().unwrap_or_default().len() <= 100, "{}", path.display());
            files.extend(files_in_tree(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn sweeps_with_an_axis_out_of_range_or_of_the_other_task_are_refused() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cases = [
        (
            "Sweep(x: (field: Momentum, from: 0.0, to: 5.0, count: 4))",
            "`momentum` = 5 is out of range; allowed [0, 1]",
        ),
        (
            "Sweep(x: (field: L2, from: 1e-3, to: 0.1, count: 4, log: true))",
            "L2 λ is a training field; this sweep runs on a surface",
        ),
        (
            "Sweep(optimizer: Adam(), x: (field: Momentum, from: 0.0, to: 0.9, count: 4))",
            "x axis: Adam has no momentum μ to vary",
        ),
    ];
    for (experiment, message) in cases {
        let file = dir.path().join("sweep.ron");
        fs::write(&file, format!("(entries: [(name: \"s\", experiment: {experiment})])"))
            .expect("write");
        let out = optlab(&[Path::new("run"), &file]);
        assert_eq!(out.status.code(), Some(2), "{experiment}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{experiment}: {}", stderr(&out));
    }
}

#[test]
fn inline_ron_messages_name_ranges_and_hide_rons_internals() {
    let trace = |schedule: &str| {
        run_text(
            &[
                "trace",
                "--surface=Beale",
                "--optimizer=Sgd",
                &format!("--schedule={schedule}"),
                "--start=1,1",
                "--steps=3",
            ],
            "",
        )
    };
    let out = trace("Cosine(period: -5)");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--schedule 1:17: `period` = -5 is out of range; allowed [1, +inf)"),
        "{}",
        stderr(&out)
    );
    let out = trace(&format!("Warmup(steps: 5, then: {}", "Warmup(then: ".repeat(300)));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nested too deeply (more than 128 levels"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("serde_stacker"), "{}", stderr(&out));
    let out = run_text(
        &["trace", "--surface=Beale", "--optimizer=Adam(beta1: 1e300)", "--start=1,1", "--steps=3"],
        "",
    );
    assert!(
        stderr(&out).contains("`beta1` = 1e300 is out of range; allowed [0, 1)"),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
#[test]
fn inline_text_that_is_not_utf8_names_its_argument_and_position() {
    use std::os::unix::ffi::OsStrExt;
    let surface = std::ffi::OsStr::from_bytes(b"--surface=Rosenbrock(\n a: 1.0, b\xff: 1.0)");
    let args: Vec<&std::ffi::OsStr> = ["trace", "--optimizer=Adam", "--start=0,0", "--steps=1"]
        .iter()
        .map(std::ffi::OsStr::new)
        .chain([surface])
        .collect();
    let out = optlab_with(&args, "", None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--surface <SURFACE> 2:11: the text is not valid UTF-8"),
        "{}",
        stderr(&out)
    );
    let config = std::ffi::OsStr::from_bytes(b"--config=learning_rate=\xff");
    let args =
        ["replay", "--rule=sgd", "--params=1"].iter().map(std::ffi::OsStr::new).chain([config]);
    let out = optlab_with(&args.collect::<Vec<_>>(), "", None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--config <CONFIG> 1:15: the text is not valid UTF-8"),
        "{}",
        stderr(&out)
    );
}
