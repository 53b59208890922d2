//! Notebooks without a window: the engine behind `optlab check`, `optlab run` and
//! `optlab presets`.
//!
//! * [`load`] reads a notebook and [`diagnostic`] words a refusal as `FILE:LINE:COL: message`
//!   (the form editors and compilers use).
//! * [`run_notebook`] computes every enabled run of every entry and prints one summary line per
//!   run; with an output folder it also writes each run's series as CSV, the same columns the
//!   views plot (`step,x,y,loss,lr,grad_norm`, every step). A lab prints a line per part
//!   (`run="neuron"`, `run="scaling inverted"`, …) and writes the tables its views draw.
//!
//! The command line (exit codes, arguments) is the `optlab` binary's; nothing here exits.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use crate::entries::race::Race;
use crate::entries::{Lab, LabReport, Table};
use crate::files;
use crate::names::{slug, unique};
use crate::notebook::{LoadError, Notebook};
use crate::run::{self, Outcome, RunConfig, RunSummary, StepRecord, TraceSink};
use crate::runner;

/// Header of the CSV files `optlab run --out` writes.
pub const CSV_HEADER: [&str; 6] = ["step", "x", "y", "loss", "lr", "grad_norm"];

/// Why a notebook file could not be used.
#[derive(Debug)]
pub enum FileError {
    /// The file could not be read.
    Io(io::Error),
    /// The file was read but is not a valid notebook.
    Load(LoadError),
}

/// Reads and parses a notebook file.
///
/// # Errors
/// [`FileError::Io`] when the file cannot be read, [`FileError::Load`] when it is not a valid
/// notebook.
pub fn load(path: &Path) -> Result<Notebook, FileError> {
    let bytes = files::read_capped(path, files::MAX_NOTEBOOK_BYTES).map_err(FileError::Io)?;
    Notebook::from_bytes(&bytes).map_err(FileError::Load)
}

/// The diagnostic line for a file that could not be used: `FILE:LINE:COL: message` for a
/// refused notebook, `FILE: message` for an I/O error.
#[must_use]
pub fn diagnostic(path: &Path, error: &FileError) -> String {
    let file = path.display();
    match error {
        FileError::Io(e) => format!("{file}: {e}"),
        // The message may span lines (ron quotes the offending text); keep one line per problem.
        FileError::Load(e) => format!("{file}:{}:{}: {}", e.line, e.col, one_line(&e.message)),
    }
}

fn one_line(message: &str) -> String {
    message.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

/// Runs every entry in notebook order: a race's runs in parallel, a lab's report at once. With
/// `out`, each entry writes its CSV files under its own directory.
///
/// # Errors
/// The first I/O error (creating a directory, writing a CSV file or `out`).
pub fn run_notebook(
    notebook: &Notebook,
    out_dir: Option<&Path>,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut entry_slugs = HashSet::new();
    for entry in &notebook.entries {
        let dir = entry_dir(out_dir, &mut entry_slugs, &entry.name)?;
        if let Some(lab) = entry.experiment.lab() {
            write_lab(&entry.name, lab, dir.as_deref(), out)?;
        } else if let Some(race) = entry.experiment.race() {
            execute_all(&race_jobs(&entry.name, race, dir.as_deref()), out)?;
        }
    }
    Ok(())
}

/// The entry's own output directory under `out_dir`, created, or `None` without one.
fn entry_dir(
    out_dir: Option<&Path>,
    taken: &mut HashSet<String>,
    name: &str,
) -> io::Result<Option<PathBuf>> {
    let Some(out_dir) = out_dir else { return Ok(None) };
    let dir = out_dir.join(unique(taken, &slug(name, "entry")));
    fs::create_dir_all(&dir).map_err(|e| naming(&dir, &e))?;
    Ok(Some(dir))
}

/// Computes a lab, writes its tables as `DIR/<table>.csv` and prints one summary line per
/// part: `entry="Dropout" run="neuron" keep=0.5 expected=1.5 …`.
///
/// # Errors
/// A CSV file or `out` could not be written.
pub fn write_lab(
    entry: &str,
    lab: Lab<'_>,
    dir: Option<&Path>,
    out: &mut impl Write,
) -> io::Result<()> {
    let report = LabReport::compute(lab);
    if let Some(dir) = dir {
        for table in report.tables() {
            // A table named `run/slice` goes into the entry's folder `run/`.
            let path = dir.join(format!("{}.csv", table.name));
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| naming(parent, &e))?;
            }
            write_table(&path, &table).map_err(|e| naming(&path, &e))?;
        }
    }
    for (part, pairs) in report.summaries() {
        let mut line = format!("entry={entry:?} run={part:?}");
        for (key, value) in pairs {
            let _ = write!(line, " {key}={value}");
        }
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

fn write_table(path: &Path, table: &Table) -> io::Result<()> {
    let mut writer = csv::Writer::from_path(path)?;
    writer.write_record(&table.header)?;
    let mut fields: Vec<String> = Vec::new();
    for row in &table.rows {
        fields.clear();
        fields.extend(row.iter().map(f64::to_string));
        writer.write_record(&fields)?;
    }
    writer.flush()
}

/// One run to compute: where it comes from and where its CSV goes.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// Name of the notebook entry.
    pub entry: String,
    /// Name of the run inside the entry.
    pub run: String,
    /// What to compute.
    pub config: RunConfig,
    /// Global minimum of the surface plus the race's tolerance: the loss that counts as
    /// "reached the minimum" (`None` when the surface has no known minimum).
    pub target: Option<f64>,
    /// Where to write the series, if anywhere.
    pub csv: Option<PathBuf>,
}

/// Lists the enabled runs of every race entry in notebook order; with `out`, creates one
/// directory per race entry and assigns each run a distinct CSV path.
///
/// # Errors
/// A directory could not be created.
pub fn plan(notebook: &Notebook, out: Option<&Path>) -> io::Result<Vec<Job>> {
    let mut jobs = Vec::new();
    let mut entry_slugs = HashSet::new();
    for entry in &notebook.entries {
        let Some(race) = entry.experiment.race() else { continue };
        let dir = entry_dir(out, &mut entry_slugs, &entry.name)?;
        jobs.extend(race_jobs(&entry.name, race, dir.as_deref()));
    }
    Ok(jobs)
}

fn race_jobs(entry: &str, race: &Race, dir: Option<&Path>) -> Vec<Job> {
    let target = global_minimum(race).map(|m| m + race.tolerance);
    let mut run_slugs = HashSet::new();
    race.runs
        .iter()
        .enumerate()
        .filter(|(_, run)| run.enabled)
        .filter_map(|(index, run)| {
            let config = race.run_config(index)?;
            let csv =
                dir.map(|dir| dir.join(unique(&mut run_slugs, &slug(&run.name, "run")) + ".csv"));
            Some(Job { entry: entry.to_owned(), run: run.name.clone(), config, target, csv })
        })
        .collect()
}

fn global_minimum(race: &Race) -> Option<f64> {
    race.surface.minima().iter().map(|m| m.value).reduce(f64::min)
}

/// What one run produced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunResult {
    /// The engine's summary.
    pub summary: RunSummary,
    /// First step whose loss was within the tolerance of the global minimum.
    pub reached_at: Option<u64>,
}

/// Computes every job on a few threads and writes the summary lines to `out` in job order,
/// each as soon as it and all before it are done. The results do not depend on the number of
/// threads: every run has its own seeded noise stream.
///
/// # Errors
/// The first I/O error (writing a CSV file or `out`); the jobs not yet started are skipped.
pub fn execute_all(jobs: &[Job], out: &mut impl Write) -> io::Result<()> {
    runner::for_each_in_order(jobs, execute_one, |index, result| {
        writeln!(out, "{}", summary_line(&jobs[index], &result))?;
        out.flush()
    })
}

/// Computes one run, writing its CSV if asked.
///
/// # Errors
/// The CSV file could not be created or written; the error names the file.
pub fn execute_one(job: &Job) -> io::Result<RunResult> {
    let named = |e: io::Error| match &job.csv {
        Some(path) => naming(path, &e),
        None => e,
    };
    let writer = match &job.csv {
        Some(path) => Some(csv_writer(path).map_err(named)?),
        None => None,
    };
    let mut sink = Series::new(writer, job.target);
    let summary = run::execute(&job.config, &mut sink);
    sink.finish().map_err(named)?;
    Ok(RunResult { summary, reached_at: sink.reached_at })
}

/// The same error with the path in front of its message.
fn naming(path: &Path, e: &io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

fn csv_writer(path: &Path) -> io::Result<csv::Writer<File>> {
    let mut writer = csv::WriterBuilder::new().buffer_capacity(1 << 16).from_path(path)?;
    writer.write_record(CSV_HEADER)?;
    Ok(writer)
}

/// The sink of `optlab run`: notes when the run reaches the minimum and, with a writer, writes
/// every step as a CSV row with numbers in Rust's shortest round-trip form.
struct Series<W: Write> {
    writer: Option<csv::Writer<W>>,
    fields: [String; 6],
    target: Option<f64>,
    reached_at: Option<u64>,
    error: Option<io::Error>,
}

impl<W: Write> Series<W> {
    fn new(writer: Option<csv::Writer<W>>, target: Option<f64>) -> Self {
        Self { writer, fields: Default::default(), target, reached_at: None, error: None }
    }

    fn write_row(&mut self, r: &StepRecord) -> io::Result<()> {
        let Some(writer) = &mut self.writer else { return Ok(()) };
        let [x, y] = r.position;
        let values = [r.step as f64, x, y, r.loss, r.lr, r.grad_norm];
        for (field, value) in self.fields.iter_mut().zip(values) {
            field.clear();
            // Writing to a String cannot fail.
            let _ = write!(field, "{value}");
        }
        writer.write_record(&self.fields).map_err(io::Error::from)
    }

    /// Flushes the file and returns the first error met while writing.
    fn finish(&mut self) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.writer.as_mut().map_or(Ok(()), csv::Writer::flush)
    }
}

impl<W: Write> TraceSink for Series<W> {
    fn record(&mut self, r: &StepRecord) -> ControlFlow<()> {
        if self.reached_at.is_none() && self.target.is_some_and(|t| r.loss <= t) {
            self.reached_at = Some(r.step);
        }
        match self.write_row(r) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }
}

/// The summary line of one run: quoted names (Rust string escapes, so a name with quotes or
/// newlines stays on one line), then `key=value` pairs with numbers in shortest round-trip form:
///
/// `entry="Taco shell" run="SGD" final_loss=0.012 best_loss=0.012 steps=300 x=… y=…`
/// followed by `reached_at=K` once the loss came within the tolerance of the global minimum and
/// `diverged_at=K` when the run diverged. `steps` counts the updates actually taken.
#[must_use]
pub fn summary_line(job: &Job, result: &RunResult) -> String {
    let RunSummary { outcome, last, best } = result.summary;
    let nan = f64::NAN;
    let final_loss = last.map_or(nan, |r| r.loss);
    let best_loss = best.map_or(nan, |r| r.loss);
    let [x, y] = last.map_or([nan, nan], |r| r.position);
    let steps = last.map_or(0, |r| r.step);
    let mut line = format!(
        "entry={:?} run={:?} final_loss={final_loss} best_loss={best_loss} steps={steps} \
         x={x} y={y}",
        job.entry, job.run
    );
    if let Some(step) = result.reached_at {
        let _ = write!(line, " reached_at={step}");
    }
    if let Outcome::Diverged { step } = outcome {
        let _ = write!(line, " diverged_at={step}");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entries::race::RaceRun;
    use crate::notebook::Entry;
    use crate::optim::OptimizerConfig;
    use crate::schedule::Schedule;
    use crate::surface::Surface;

    fn race_run(name: &str, enabled: bool, lr: f64) -> RaceRun {
        RaceRun {
            name: name.to_owned(),
            enabled,
            color: None,
            optimizer: OptimizerConfig::Sgd { lr, weight_decay: 0.0 },
            schedule: Schedule::Constant,
        }
    }

    fn notebook(runs: Vec<RaceRun>) -> Notebook {
        let mut notebook = Notebook::default_notebook();
        // The default notebook may grow entries; these tests want exactly two alike.
        notebook.entries.truncate(1);
        let race = notebook.entries[0].experiment.race_mut().expect("a race entry");
        race.surface = Surface::Rosenbrock { a: 1.0, b: 100.0 };
        race.start = Some([-1.2, 1.0]);
        race.steps = 50;
        race.runs = runs;
        let copy =
            Entry { name: "SGD vs momentum vs adaptive".to_owned(), ..notebook.entries[0].clone() };
        notebook.entries.push(copy);
        notebook
    }

    #[test]
    fn slugs_are_lower_case_ascii_words_joined_by_dashes() {
        assert_eq!(slug("Taco shell: why SGD zig-zags", "entry"), "taco-shell-why-sgd-zig-zags");
        assert_eq!(slug("  Adam ± β₂ = 0.999 ", "run"), "adam-0-999");
        assert_eq!(slug("∇√⊙", "run"), "run");
        let mut taken = HashSet::new();
        let names: Vec<String> =
            ["sgd", "sgd", "sgd"].iter().map(|s| unique(&mut taken, s)).collect();
        assert_eq!(names, ["sgd", "sgd-2", "sgd-3"]);
    }

    #[test]
    fn plan_skips_disabled_runs_and_keeps_csv_names_apart() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let runs = vec![
            race_run("SGD", true, 1e-3),
            race_run("off", false, 1e-3),
            race_run("sgd", true, 2e-3),
        ];
        let jobs = plan(&notebook(runs), Some(dir.path())).expect("plan");
        let paths: Vec<String> = jobs
            .iter()
            .filter_map(|j| j.csv.as_ref()?.strip_prefix(dir.path()).ok())
            .map(|p| p.display().to_string())
            .collect();
        let entry = "sgd-vs-momentum-vs-adaptive";
        let expected = [
            format!("{entry}/sgd.csv"),
            format!("{entry}/sgd-2.csv"),
            format!("{entry}-2/sgd.csv"),
            format!("{entry}-2/sgd-2.csv"),
        ];
        assert_eq!(paths, expected);
        assert!(dir.path().join(format!("{entry}-2")).is_dir());
        assert_eq!(jobs[1].config.seed, 2, "run i keeps the seed of its position, seed + i");
    }

    #[test]
    fn a_diverged_run_is_summarised_with_its_step_and_its_finite_rows() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let jobs =
            plan(&notebook(vec![race_run("too fast", true, 0.1)]), Some(dir.path())).expect("plan");
        let result = execute_one(&jobs[0]).expect("runs");
        let Outcome::Diverged { step } = result.summary.outcome else {
            panic!("SGD with lr 0.1 diverges on Rosenbrock: {result:?}")
        };
        let line = summary_line(&jobs[0], &result);
        assert!(line.ends_with(&format!(" diverged_at={step}")), "{line}");
        assert!(line.contains(&format!(" steps={} ", step - 1)), "{line}");
        let csv = fs::read_to_string(jobs[0].csv.as_ref().expect("a path")).expect("written");
        assert_eq!(csv.lines().count() as u64, 1 + step, "header and rows 0..{step}");
    }

    #[test]
    fn summary_lines_quote_names_so_each_run_stays_on_one_line() {
        let jobs =
            plan(&notebook(vec![race_run("say \"hi\"\nbye", true, 1e-3)]), None).expect("plan");
        let result = execute_one(&jobs[0]).expect("runs");
        let line = summary_line(&jobs[0], &result);
        assert!(
            line.starts_with(
                r#"entry="SGD vs momentum vs adaptive" run="say \"hi\"\nbye" final_loss="#
            ),
            "{line}"
        );
        assert!(!line.contains('\n') && line.contains(" steps=50 "), "{line}");
    }

    #[test]
    fn jobs_print_in_notebook_order_whatever_the_threads_do() {
        let runs =
            (0..9).map(|i| race_run(&format!("run {i}"), true, 1e-4 * f64::from(i))).collect();
        let jobs = plan(&notebook(runs), None).expect("plan");
        let mut out = Vec::new();
        assert!(execute_all(&jobs, &mut out).is_ok());
        let text = String::from_utf8(out).expect("UTF-8");
        let names: Vec<&str> =
            text.lines().map(|l| l.split(" final_loss").next().unwrap_or(l)).collect();
        let expected: Vec<String> =
            jobs.iter().map(|j| format!("entry={:?} run={:?}", j.entry, j.run)).collect();
        assert_eq!(names, expected);
    }
}
