//! Hostile input to the built `optlab` binary: files that are not notebooks (a FIFO, a device,
//! a file over the size limit), endless or binary stdin, a run that would take days and
//! entries that would need more memory than optlab allows. Each is refused with exit status 2
//! and a one-line message, and none hangs: every command runs under a guard that kills it and
//! fails the test after [`GUARD`].

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long a refusal may take before the test calls it a hang.
const GUARD: Duration = Duration::from_secs(20);

/// What a finished command did.
struct Finished {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `optlab args` with `stdin`, waiting at most [`GUARD`]; a command still running then is
/// killed and the test fails.
fn optlab(args: &[&str], stdin: Stdio, input: Option<Vec<u8>>) -> Finished {
    let mut child = Command::new(env!("CARGO_BIN_EXE_optlab"))
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the optlab binary starts");
    // Write from a thread: optlab may refuse (and close stdin) before reading it all.
    let writer = input.map(|bytes| {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        thread::spawn(move || drop(pipe.write_all(&bytes)))
    });
    let readers = [read_all(child.stdout.take()), read_all(child.stderr.take())];
    let code = wait_guarded(&mut child, args);
    if let Some(writer) = writer {
        writer.join().expect("the writer thread ends");
    }
    let [stdout, stderr] = readers.map(|reader| reader.join().expect("a reader thread ends"));
    Finished { code, stdout, stderr }
}

fn read_all(pipe: Option<impl std::io::Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn wait_guarded(child: &mut Child, args: &[&str]) -> Option<i32> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("the child's status") {
            return status.code();
        }
        if started.elapsed() > GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("optlab {args:?} still ran after {GUARD:?}: it hangs");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn check(path: &Path) -> Finished {
    let path = path.to_str().expect("a UTF-8 path");
    optlab(&["check", path], Stdio::null(), None)
}

/// Asserts exit status 2 and that stderr is exactly `message` on one line.
fn assert_refused(finished: &Finished, message: &str) {
    assert_eq!(finished.stderr, format!("{message}\n"), "stdout: {}", finished.stdout);
    assert_eq!(finished.code, Some(2), "{}", finished.stderr);
}

#[test]
fn check_and_run_refuse_a_fifo_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let fifo = dir.path().join("notebook.ron");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success(), "mkfifo failed");
    let expected = format!(
        "{}: not a regular file (it is a FIFO); optlab reads notebooks from regular files only",
        fifo.display()
    );
    assert_refused(&check(&fifo), &expected);
    let run = optlab(&["run", fifo.to_str().expect("UTF-8")], Stdio::null(), None);
    assert_refused(&run, &expected);
}

#[test]
fn check_refuses_a_device_without_reading_it() {
    let finished = check(Path::new("/dev/zero"));
    assert_refused(
        &finished,
        "/dev/zero: not a regular file (it is a device); optlab reads notebooks from regular \
         files only",
    );
}

#[test]
fn check_refuses_a_file_over_64_mb_by_its_size() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("huge.ron");
    // Sparse: 65 MB long without writing 65 MB.
    File::create(&path).and_then(|f| f.set_len(65 << 20)).expect("a sparse file");
    let expected =
        format!("{}: the file is 65 MB but optlab reads files of at most 64 MB", path.display());
    assert_refused(&check(&path), &expected);
}

#[test]
fn a_missing_file_is_an_io_failure_not_a_refusal() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let finished = check(&dir.path().join("missing.ron"));
    assert_eq!(finished.code, Some(1), "{}", finished.stderr);
    assert!(finished.stderr.contains("missing.ron: "), "{}", finished.stderr);
}

fn replay(input: Vec<u8>) -> Finished {
    let args = ["replay", "--optimizer", "Sgd(lr: 0.1)", "--params=1,2"];
    optlab(&args, Stdio::piped(), Some(input))
}

#[test]
fn replay_refuses_a_line_over_1_mb_naming_it() {
    let mut input = b"1,1\n".to_vec();
    input.extend(std::iter::repeat_n(b'1', 2 << 20));
    input.push(b'\n');
    let finished = replay(input);
    assert_refused(
        &finished,
        "error: stdin line 2: longer than 1 MB (the limit for one gradient row)",
    );
    assert_eq!(finished.stdout, "0.9,1.9\n", "the row before is applied");
}

#[test]
fn replay_refuses_endless_stdin_without_a_newline() {
    let zero = File::open("/dev/zero").expect("/dev/zero opens");
    let args = ["replay", "--optimizer", "Sgd(lr: 0.1)", "--params=1,2"];
    let finished = optlab(&args, Stdio::from(zero), None);
    assert_refused(
        &finished,
        "error: stdin line 1: longer than 1 MB (the limit for one gradient row)",
    );
}

#[test]
fn replay_refuses_stdin_that_is_not_utf8_naming_the_line() {
    let finished = replay(b"1,1\n\n1,\xff\xfe\n".to_vec());
    assert_refused(&finished, "error: stdin line 3: not valid UTF-8 text");
    assert_eq!(finished.stdout, "0.9,1.9\n");
}

#[test]
fn trace_refuses_more_steps_than_a_day_allows() {
    let args = [
        "trace",
        "--surface=Rosenbrock",
        "--optimizer=Adam",
        "--start=0,0",
        "--steps",
        "1000000000000",
    ];
    let finished = optlab(&args, Stdio::null(), None);
    assert_refused(&finished, "error: --steps: `steps` = 1e12 is out of range; allowed [1, 1e9]");
    assert_eq!(finished.stdout, "", "no header before the refusal");
}

/// Writes `text` to a notebook file in `dir` and returns its path as text.
fn notebook(dir: &Path, text: &str) -> String {
    let path = dir.join("notebook.ron");
    fs::write(&path, text).expect("the notebook is written");
    path.to_str().expect("a UTF-8 path").to_owned()
}

#[test]
fn a_race_with_too_many_steps_is_refused_in_a_file_too() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let text = "(entries: [(name: \"long\", experiment: Race(steps: 1000000000000))])";
    let path = notebook(dir.path(), text);
    let finished = optlab(&["check", &path], Stdio::null(), None);
    assert_eq!(finished.code, Some(2), "{}", finished.stderr);
    assert!(finished.stderr.starts_with(&format!("{path}:1:")), "{}", finished.stderr);
    assert!(
        finished.stderr.contains("`steps` = 1e12 is out of range; allowed [1, 10000000]"),
        "{}",
        finished.stderr
    );
}

#[test]
fn check_and_run_refuse_a_training_entry_that_needs_more_than_2_gb() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let run = "(name: \"r\", model: Mlp(hidden: [1024, 1024, 1024, 1024, 1024, 1024, 1024, \
               1024]), optimizer: Adam(lr: 0.01), batch_size: 100000)";
    let runs = [run; 8].join(",\n        ");
    let text = format!(
        "(\n  entries: [\n    (name: \"fine\", experiment: Training()),\n    (\n      name: \
         \"big\",\n      experiment: Training(\n        dataset: Moons(points: 100000, noise: \
         0.1),\n        runs: [{runs}],\n      ),\n    ),\n  ],\n)\n"
    );
    let path = notebook(dir.path(), &text);
    let expected = format!(
        "{path}:5:13: entry 2 (\"big\"): needs about 56.7 GB of memory (8 runs × 6.8 GB \
         activations, 8 runs × 336.6 MB weights and optimizer state, 8 runs × 4.7 MB data), more \
         than the 2 GB optlab allows; use fewer points, a smaller batch, fewer hidden units or \
         fewer runs"
    );
    assert_refused(&optlab(&["check", &path], Stdio::null(), None), &expected);
    assert_refused(&optlab(&["run", &path], Stdio::null(), None), &expected);
}

#[test]
fn check_refuses_a_sweep_whose_training_cell_needs_more_than_2_gb() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let text = "(entries: [(name: \"grid\", experiment: Sweep(\n  x: (field: Lr, from: 0.001, \
                to: 0.1, count: 512, log: true),\n  y: (field: L2, from: 0.0, to: 0.1, count: \
                512),\n  metric: Accuracy,\n  training: (dataset: Moons(points: 100000, noise: \
                0.1), runs: [(name: \"r\", model: Mlp(hidden: [1024, 1024, 1024, 1024]), \
                optimizer: Adam(lr: 0.01), batch_size: 100000)]),\n))])";
    let path = notebook(dir.path(), text);
    let finished = optlab(&["check", &path], Stdio::null(), None);
    assert_eq!(finished.code, Some(2), "{}", finished.stderr);
    let line = finished.stderr.trim_end();
    assert!(!line.contains('\n'), "one line: {line}");
    assert!(line.starts_with(&format!("{path}:1:")), "{line}");
    assert!(line.contains("entry 1 (\"grid\"): needs about "), "{line}");
    assert!(line.contains(" GB activations of a training cell"), "{line}");
    assert!(line.contains("more than the 2 GB optlab allows"), "{line}");
}

#[test]
fn a_formula_of_megabytes_is_refused_by_its_length_with_a_short_message() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let formula = "x+".repeat(5_000_000) + "x";
    let text =
        format!("(entries: [(name: \"f\", experiment: Race(surface: Expression(\"{formula}\")))])");
    let path = notebook(dir.path(), &text);
    let finished = optlab(&["check", &path], Stdio::null(), None);
    assert_eq!(finished.code, Some(2), "{}", finished.stderr);
    let line = finished.stderr.trim_end();
    assert!(line.len() < 300 && !line.contains('\n'), "one short line: {line}");
    assert!(line.starts_with(&format!("{path}:1:")), "{line}");
    let limit = optlab_core::expr::MAX_FORMULA_CHARS;
    assert!(
        line.ends_with(&format!("more than {limit} characters); write a shorter one")),
        "{line}"
    );
}
