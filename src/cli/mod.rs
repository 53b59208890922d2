//! The headless command line: `optlab trace`, `optlab torch` (in `torch.rs`), `optlab replay`,
//! `optlab slice` (in `slice.rs`),
//! and the notebook commands `optlab check`, `optlab run`, `optlab presets` (in
//! [`optlab_core::headless`]).
//!
//! Exit codes: 0 for a result (a diverged run is a result), 2 for bad input (unparsable RON, a
//! value out of range, a malformed gradient row, a stdin line over 1 MB or not UTF-8), 1 for I/O
//! failures. Numbers print in Rust's
//! shortest round-trip form, so nothing is lost between runs and files.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use optlab_core::entries::assignment;
mod failure;
mod notebooks;
mod parse;
mod slice;
mod torch;
mod utf8;

pub use failure::{Failure, InputError, finish};

pub use notebooks::{CheckArgs, PresetsArgs, RunArgs};
use optlab_core::optim::{OptimizerConfig, Shape};
use optlab_core::run::{self, NOISE_SIGMA, Outcome, RunConfig, StepRecord, TraceSink};
use optlab_core::schedule::{Schedule, Scheduler};
use optlab_core::surface::Surface;
pub use parse::{parse_numbers, parse_pair, parse_ron};
pub use slice::SliceArgs;

/// optlab: race optimizers on loss surfaces, explore regularizers, save notebooks.
#[derive(Debug, Parser)]
#[command(name = "optlab", version, about, long_about = None)]
pub struct Cli {
    /// What to do; without a command optlab opens the desktop app.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A notebook to open in the desktop app (without a command).
    #[arg(value_name = "NOTEBOOK")]
    pub file: Option<std::path::PathBuf>,
}

/// Headless subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one optimizer on a surface and print every step as CSV: step,x,y,loss,lr.
    Trace(TraceArgs),
    /// Print a Python script that runs the same run with PyTorch (float64) and prints the CSV
    /// `trace` prints, for `diff`. Same arguments as `trace`; gradient noise (--noise, --seed) is
    /// embedded as the noise vectors optlab draws, so the script reproduces a noisy run exactly
    /// (L-BFGS with noise is refused). Runs PyTorch cannot reproduce are refused with the reason.
    Torch(TraceArgs),
    /// Apply an optimizer to parameters, reading one gradient row per step from stdin.
    Replay(ReplayArgs),
    /// Print the loss along a line through a surface as CSV: s,x,y,loss (one row per point).
    Slice(SliceArgs),
    /// Check notebook files: `FILE: ok`, or `FILE:LINE:COL: message` per problem (exit 2).
    Check(CheckArgs),
    /// Run every enabled run of a notebook: one summary line per run, CSV series with --out.
    Run(RunArgs),
    /// List the built-in notebooks, or print one as RON.
    Presets(PresetsArgs),
    /// Print a performance report: steps/s per optimizer, sweep runs/s, frame time while a
    /// sweep runs (build with --release).
    Bench(BenchArgs),
}

/// Arguments of `optlab bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Ten times smaller sizes: a quick check that the report works.
    #[arg(long)]
    pub quick: bool,
    /// Instead of the report: time the sweeps, the spiral step and sharpness in optlab and in
    /// numpy and JAX (`benches/anchors.py`, built in), alternately, and print the ratios and a
    /// run-by-run check of the sweeps' final losses. Needs Python 3 with numpy and jax (pip
    /// install numpy jax); without them it says what to install and prints optlab's figures.
    #[arg(long)]
    pub compare: bool,
    /// Rounds of (optlab, anchors) with --compare, 1 to 100.
    #[arg(long, default_value_t = 5, requires = "compare", value_parser = clap::value_parser!(u16).range(1..=100))]
    pub pairs: u16,
    /// The Python interpreter for --compare.
    #[arg(long, default_value = "python3", requires = "compare", value_parser = utf8::Utf8Text)]
    pub python: String,
}

/// Arguments of `optlab trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// Loss surface as RON, e.g. 'Rosenbrock(a: 1.0, b: 100.0)'.
    #[arg(long, value_parser = utf8::Utf8Text)]
    pub surface: String,
    /// Optimizer as RON, e.g. 'Adam(lr: 0.01)'.
    #[arg(long, value_parser = utf8::Utf8Text)]
    pub optimizer: String,
    /// Learning-rate schedule as RON, e.g. 'Step(every: 100, factor: 0.5)'.
    #[arg(long, default_value = "Constant", value_parser = utf8::Utf8Text)]
    pub schedule: String,
    /// Start point X,Y (write negative values as --start=-1.2,1).
    #[arg(long, allow_hyphen_values = true, value_parser = utf8::Utf8Text)]
    pub start: String,
    /// Number of updates, 1 to 1000000000; rows 0..=STEPS are printed.
    #[arg(long)]
    pub steps: u64,
    /// Standard deviation of Gaussian noise added to each gradient coordinate.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub noise: f64,
    /// Seed of the noise generator (ChaCha8).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Arguments of `optlab replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Optimizer as RON, e.g. 'Momentum(lr: 0.05, momentum: 0.9)' (PyTorch's rules).
    #[arg(
        long,
        required_unless_present = "rule",
        conflicts_with = "rule",
        value_parser = utf8::Utf8Text
    )]
    pub optimizer: Option<String>,
    /// Learning-rate schedule as RON (with --optimizer).
    #[arg(long, default_value = "Constant", value_parser = utf8::Utf8Text)]
    pub schedule: String,
    /// An update rule of the course assignment instead, in its conventions: `sgd`,
    /// `sgd_momentum`, `rmsprop` or `adam` (the assignment helper's multi-step engine).
    #[arg(long, value_parser = ["sgd", "sgd_momentum", "rmsprop", "adam"])]
    pub rule: Option<String>,
    /// A config entry of --rule as KEY=numpy text, e.g. --config learning_rate=1e-3 or
    /// --config 'velocity=np.zeros(2)'; repeat for more. Keys left out take the defaults.
    #[arg(long, requires = "rule", allow_hyphen_values = true, value_parser = utf8::Utf8Text)]
    pub config: Vec<String>,
    /// Initial parameters P1,P2,... (write negative values as --params=-1,2).
    #[arg(long, allow_hyphen_values = true, value_parser = utf8::Utf8Text)]
    pub params: String,
    /// The parameters as one R×C matrix stored row by row (R·C must be their number), e.g.
    /// --shape 2,3: Adafactor factors it, Muon orthogonalizes its update. Without it they are a
    /// vector (which Muon refuses, as torch does).
    #[arg(long, conflicts_with = "rule", value_parser = utf8::Utf8Text)]
    pub shape: Option<String>,
}

/// Runs the CLI for parsed arguments; `None` means "no subcommand" (the caller opens the GUI).
#[must_use]
pub fn dispatch(command: Command) -> ExitCode {
    match command {
        Command::Trace(args) => finish(trace(&args)),
        Command::Torch(args) => {
            finish(trace_config(&args).map_err(Failure::from).and_then(|c| torch::print(&c)))
        }
        Command::Replay(args) => finish(replay(&args)),
        Command::Slice(args) => finish(slice::print(&args)),
        Command::Check(args) => notebooks::check(&args),
        Command::Run(args) => notebooks::run(&args),
        Command::Presets(args) => notebooks::presets(&args),
        Command::Bench(args) => finish(bench(&args).map_err(Failure::Io)),
    }
}

/// `optlab bench`: the report, or with `--compare` the side-by-side comparison.
fn bench(args: &BenchArgs) -> io::Result<()> {
    let out = &mut io::stdout().lock();
    if args.compare {
        let options = crate::bench::CompareOptions {
            pairs: usize::from(args.pairs),
            quick: args.quick,
            python: args.python.clone(),
        };
        crate::bench::compare(out, &options)
    } else {
        crate::bench::report(out, args.quick)
    }
}

fn trace_config(args: &TraceArgs) -> Result<RunConfig, InputError> {
    let surface: Surface = parse_ron("--surface", &args.surface)?;
    let optimizer: OptimizerConfig = parse_ron("--optimizer", &args.optimizer)?;
    let schedule: Schedule = parse_ron("--schedule", &args.schedule)?;
    let [x, y] = parse_pair("--start", &args.start)?;
    NOISE_SIGMA.check(args.noise).map_err(|e| InputError(format!("--noise: {e}")))?;
    run::STEPS.check(args.steps as f64).map_err(|e| InputError(format!("--steps: {e}")))?;
    let config = RunConfig {
        surface,
        start: [x, y],
        optimizer,
        schedule,
        steps: args.steps,
        noise_sigma: args.noise,
        seed: args.seed,
    };
    schedule_refusal(&config.schedule, &config.optimizer, Some(config.steps))?;
    config.validate().map_err(|e| InputError(e.to_string()))?;
    Ok(config)
}

/// Writes records as `step,x,y,loss,lr` rows, remembering the first write error.
struct CsvRows<W: Write> {
    out: W,
    error: Option<io::Error>,
}

impl<W: Write> TraceSink for CsvRows<W> {
    #[inline]
    fn record(&mut self, r: &StepRecord) -> std::ops::ControlFlow<()> {
        let [x, y] = r.position;
        match writeln!(self.out, "{},{x},{y},{},{}", r.step, r.loss, r.lr) {
            Ok(()) => std::ops::ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                std::ops::ControlFlow::Break(())
            }
        }
    }

    #[inline]
    fn wants_grad_norm(&self) -> bool {
        false
    }
}

fn trace(args: &TraceArgs) -> Result<(), Failure> {
    let config = trace_config(args)?;
    let stdout = io::stdout().lock();
    let mut rows = CsvRows { out: BufWriter::with_capacity(1 << 16, stdout), error: None };
    writeln!(rows.out, "step,x,y,loss,lr")?;
    let summary = run::execute(&config, &mut rows);
    if let Some(e) = rows.error {
        return Err(e.into());
    }
    rows.out.flush()?;
    if let Outcome::Diverged { step } = summary.outcome {
        eprintln!("diverged at step {step}");
    }
    Ok(())
}

fn replay(args: &ReplayArgs) -> Result<(), Failure> {
    let params = parse_numbers("--params", &args.params)?;
    if let Some(rule) = &args.rule {
        if args.schedule != "Constant" {
            return Err(
                InputError("--schedule applies to --optimizer, not to --rule".into()).into()
            );
        }
        let mut stepper = assignment_stepper(rule, &args.config, params)?;
        let mut steps = 0_u64;
        return replay_rows(stepper.w().len(), |gradient| {
            stepper.step(gradient);
            steps += 1;
            finite_after(stepper.w(), steps);
            Ok(stepper.w().to_vec())
        });
    }
    let text = args.optimizer.as_deref().unwrap_or_default();
    let config: OptimizerConfig = parse_ron("--optimizer", text)?;
    config.validate().map_err(|e| InputError(format!("--optimizer: {e}")))?;
    let schedule: Schedule = parse_ron("--schedule", &args.schedule)?;
    schedule.validate().map_err(|e| InputError(format!("--schedule: {e}")))?;
    if schedule.reads_loss() {
        return Err(InputError(format!(
            "--schedule: {} reads the loss after each update, and replay reads only gradients; \
             run it with `optlab trace` on a surface",
            schedule.name()
        ))
        .into());
    }
    schedule_refusal(&schedule, &config, None)?;
    let mut optimizer =
        config.build_shaped(&[replay_shape(args.shape.as_deref(), &config, &params)?]);
    if optimizer.needs_objective() {
        return Err(InputError(format!(
            "--optimizer: {} needs loss values at the points its line search and iterations \
             choose, and replay reads only gradients; run it with `optlab trace` on a surface",
            config.name()
        ))
        .into());
    }
    if optimizer.needs_hessian() {
        return Err(InputError(format!(
            "--optimizer: {} inverts the exact Hessian of a surface, and replay reads only \
             gradients; run it with `optlab trace` on a surface",
            config.name()
        ))
        .into());
    }
    let mut params = params;
    let mut t = 0_u64;
    let mut scheduler = Scheduler::new(&schedule, config.lr(), config.momentum());
    replay_rows(params.len(), |gradient| {
        if let Some(refusal) = schedule.length_refusal(t + 1) {
            return Err(InputError(format!("stdin line {}: --schedule: {refusal}", t + 1)).into());
        }
        if let Some(momentum) = scheduler.momentum() {
            optimizer.set_momentum(momentum);
        }
        optimizer.step(&mut params, gradient, scheduler.lr());
        scheduler.step(None);
        t += 1;
        finite_after(&params, t);
        Ok(params.clone())
    })
}

/// Refuses, as a sentence, a schedule that cycles the momentum of an optimizer without one, or
/// (with `steps`) a `OneCycle` shorter than the run.
fn schedule_refusal(
    schedule: &Schedule,
    optimizer: &OptimizerConfig,
    steps: Option<u64>,
) -> Result<(), InputError> {
    let length = steps.and_then(|steps| schedule.length_refusal(steps));
    match schedule.momentum_refusal(optimizer).or(length) {
        Some(refusal) => Err(InputError(format!("--schedule: {refusal}"))),
        None => Ok(()),
    }
}

/// The shape of `replay`'s parameters: `--shape R,C` (R·C of them), or a vector without it,
/// which a rule that takes only matrices (Muon) refuses.
fn replay_shape(
    shape: Option<&str>,
    config: &OptimizerConfig,
    params: &[f64],
) -> Result<Shape, InputError> {
    let Some(text) = shape else {
        if config.needs_matrices() {
            return Err(InputError(format!(
                "--optimizer: {} takes only matrices (torch refuses a parameter that is not \
                 2-D); give the parameters a shape, e.g. --shape 1,{}",
                config.name(),
                params.len()
            )));
        }
        return Ok(Shape::Vector(params.len()));
    };
    let dims: Vec<&str> = text.split(',').map(str::trim).collect();
    let [rows, cols] = dims[..] else {
        return Err(InputError(format!("--shape `{text}`: write ROWS,COLS, e.g. --shape 2,3")));
    };
    let parse = |part: &str, name: &str| {
        part.parse::<usize>().ok().filter(|&n| n >= 1).ok_or_else(|| {
            InputError(format!("--shape: {name} `{part}` is not a whole number of at least 1"))
        })
    };
    let (rows, cols) = (parse(rows, "ROWS")?, parse(cols, "COLS")?);
    if rows.checked_mul(cols) != Some(params.len()) {
        return Err(InputError(format!(
            "--shape {rows},{cols}: a {rows}×{cols} matrix has {} entries, but --params has {}",
            rows.saturating_mul(cols),
            params.len()
        )));
    }
    Ok(Shape::matrix(rows, cols))
}

/// Whether every parameter is finite.
fn all_finite(params: &[f64]) -> bool {
    params.iter().all(|p| p.is_finite())
}

/// [`all_finite`] after update `step`, saying `diverged at step {step}` on stderr when not, as
/// `trace` does.
fn finite_after(params: &[f64], step: u64) -> bool {
    let finite = all_finite(params);
    if !finite {
        eprintln!("diverged at step {step}: a parameter is no longer finite");
    }
    finite
}

/// The assignment rule `name` with `--config KEY=TEXT` entries, starting from `params`.
fn assignment_stepper(
    name: &str,
    entries: &[String],
    params: Vec<f64>,
) -> Result<assignment::compute::Stepper, InputError> {
    let rule = assignment::Rule::ALL
        .into_iter()
        .find(|r| r.name() == name)
        .ok_or_else(|| InputError(format!("--rule: `{name}` is not a rule")))?;
    let mut lab = assignment::AssignmentLab::preloaded(rule);
    lab.config.clear();
    lab.expected.clear();
    for entry in entries {
        let (key, text) = entry.split_once('=').ok_or_else(|| {
            InputError(format!("--config `{entry}`: write KEY=VALUE, e.g. learning_rate=1e-3"))
        })?;
        let value = assignment::NumpyText::new(text.trim())
            .map_err(|e| InputError(format!("--config {}: {e}", key.trim())))?;
        lab.config.insert(key.trim().to_owned(), value);
    }
    let w = assignment::numpy::Array::vector(params);
    assignment::compute::Stepper::new(&lab, &w)
        .map_err(|problems| InputError(format!("--config: {}", problems.join("; "))))
}

/// The longest stdin line `replay` reads: one gradient row of 1 MB is tens of thousands of
/// numbers, and a longer line (or `/dev/zero`, which has none) is refused before it fills memory.
const MAX_LINE_BYTES: u64 = 1 << 20;

/// Reads one gradient row per stdin line, applies `step` and prints the parameters after it.
fn replay_rows(
    len: usize,
    mut step: impl FnMut(&[f64]) -> Result<Vec<f64>, Failure>,
) -> Result<(), Failure> {
    let mut out = BufWriter::new(io::stdout().lock());
    let mut input = io::stdin().lock();
    let mut bytes = Vec::new();
    for number in 1_u64.. {
        let row = format!("stdin line {number}");
        let Some(line) = read_line(&mut input, &mut bytes, &row)? else { break };
        if line.trim().is_empty() {
            continue;
        }
        let gradient = parse_numbers(&row, line)?;
        if gradient.len() != len {
            return Err(InputError(format!(
                "{row}: expected {len} gradient values (one per parameter), got {}",
                gradient.len()
            ))
            .into());
        }
        let params = step(&gradient)?;
        if !all_finite(&params) {
            // A step that leaves a parameter NaN or infinite ends the rows, as in `trace`: the
            // finite rows are the result; the step said so on stderr.
            break;
        }
        write_row(&mut out, &params)?;
    }
    out.flush()?;
    Ok(())
}

/// The next line of `input` without its line ending, read into `bytes`: `None` at the end,
/// refused (naming `row`) when longer than [`MAX_LINE_BYTES`] or not UTF-8. Never reads more
/// than one byte past the limit.
fn read_line<'b>(
    input: &mut impl BufRead,
    bytes: &'b mut Vec<u8>,
    row: &str,
) -> Result<Option<&'b str>, Failure> {
    bytes.clear();
    let mut limited = io::Read::take(&mut *input, MAX_LINE_BYTES + 1);
    if limited.read_until(b'\n', bytes)? == 0 {
        return Ok(None);
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    if bytes.len() as u64 > MAX_LINE_BYTES {
        let limit = optlab_core::files::human_bytes(MAX_LINE_BYTES);
        let message = format!("{row}: longer than {limit} (the limit for one gradient row)");
        return Err(InputError(message).into());
    }
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    match std::str::from_utf8(bytes) {
        Ok(line) => Ok(Some(line)),
        Err(_) => Err(InputError(format!("{row}: not valid UTF-8 text")).into()),
    }
}

fn write_row(out: &mut impl Write, values: &[f64]) -> io::Result<()> {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write!(out, "{v}")?;
    }
    out.write_all(b"\n")
}
