//! `optlab bench --compare`: optlab next to numpy and JAX on the same work, measured alternately
//! (optlab, then each Python anchor, then optlab again, …) so that both sides see the same
//! machine, and the median ratio printed; with the sweeps' final losses checked run by run.
//!
//! The anchors are `benches/anchors.py`, compiled into the binary and written to a temporary
//! folder, so the command works from anywhere. Without Python, numpy or JAX it says what to
//! install and prints optlab's own figures.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use optlab_core::entries::Experiment;
use optlab_core::notebook::{Entry, Notebook};

use super::work::{self, Grid, Work};

/// The anchors' source, as in the repository's `benches/anchors.py`.
const ANCHORS: &str = include_str!("../../benches/anchors.py");

/// The name of the numpy Adam sweep in PyTorch's operation order.
const TORCH_ORDER: &str = "numpy_torch_order";

/// Relative difference of final losses up to which two runs count as the same run.
const SAME_RUN: f64 = 1e-9;

/// What `--compare` was asked for.
#[derive(Clone, Debug)]
pub struct CompareOptions {
    /// Alternated (optlab, anchors) rounds per piece of work.
    pub pairs: usize,
    /// Smaller grids and fewer steps: a check that the comparison works.
    pub quick: bool,
    /// The Python interpreter to run the anchors with.
    pub python: String,
}

/// The Python backends found: each name with `Ok(())` or the sentence saying what is missing.
fn backends(python: &str) -> Vec<(&'static str, Result<(), String>)> {
    ["numpy", "jax"]
        .into_iter()
        .map(|module| {
            let found = Command::new(python)
                .args(["-c", &format!("import {module}")])
                .output()
                .map_err(|e| {
                    format!(
                        "{python} did not start ({e}): install Python 3, then pip install numpy jax"
                    )
                })
                .and_then(|out| {
                    if out.status.success() {
                        Ok(())
                    } else {
                        Err(format!("{python} has no {module}: pip install {module}"))
                    }
                });
            (module, found)
        })
        .collect()
}

/// Prints the comparison to `out`.
///
/// # Errors
/// Writing to `out` or to the temporary folder failed.
pub fn compare(out: &mut impl Write, options: &CompareOptions) -> io::Result<()> {
    let folder = tempfile::tempdir()?;
    let script = folder.path().join("anchors.py");
    std::fs::write(&script, ANCHORS)?;
    let found = backends(&options.python);
    writeln!(
        out,
        "# optlab bench --compare ({} pairs, medians; ratio = anchor time / optlab time)",
        options.pairs
    )?;
    for (module, state) in &found {
        if let Err(missing) = state {
            writeln!(out, "# {module} missing: {missing}")?;
        }
    }
    let present: Vec<&str> =
        found.iter().filter(|(_, state)| state.is_ok()).map(|(module, _)| *module).collect();
    let anchors = Anchors { python: &options.python, script: &script, folder: folder.path() };
    for piece in Work::ALL {
        let backends: Vec<&str> =
            piece.backends().iter().copied().filter(|b| present.contains(b)).collect();
        compare_work(out, piece, &backends, &anchors, options)?;
    }
    out.flush()
}

/// Where the anchors run.
struct Anchors<'a> {
    python: &'a str,
    script: &'a Path,
    folder: &'a Path,
}

impl Anchors<'_> {
    /// Runs one anchor; its steady-state seconds, or why there are none. With `losses` it
    /// also writes its runs' final losses (`losses-<backend>.txt`).
    fn seconds(
        &self,
        piece: Work,
        backend: &str,
        quick: bool,
        losses: bool,
    ) -> Result<f64, String> {
        let losses = losses.then(|| losses_file(self.folder, backend));
        let repeats = piece.repeats().to_string();
        self.run(&[piece.name(), backend, "--reps", &repeats], quick, losses)
    }

    /// Runs the Adam sweep once in numpy with PyTorch's operation order, for the run-by-run
    /// check (`losses-numpy_torch_order.txt`).
    fn torch_order_losses(&self, quick: bool) -> Result<f64, String> {
        let args = [Work::AdamSweep.name(), "numpy", "--reps", "0", "--torch-order"];
        self.run(&args, quick, Some(losses_file(self.folder, TORCH_ORDER)))
    }

    /// Runs `anchors.py` with `args` (and the grid file when there is one); the seconds it
    /// prints last, or why there are none.
    fn run(&self, args: &[&str], quick: bool, losses: Option<PathBuf>) -> Result<f64, String> {
        let mut command = Command::new(self.python);
        command.arg(self.script).args(args);
        if quick {
            command.arg("--quick");
        }
        if grid_file(self.folder).exists() {
            command.arg("--grid").arg(grid_file(self.folder));
        }
        if let Some(losses) = losses {
            command.arg("--losses").arg(losses);
        }
        let output = command.output().map_err(|e| format!("{} did not start: {e}", self.python))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let seconds = stdout.lines().rev().find_map(|line| line.strip_prefix("seconds="));
        match seconds.map(str::parse::<f64>) {
            Some(Ok(seconds)) if output.status.success() => Ok(seconds),
            _ => Err(format!(
                "anchor {} failed: {}",
                args.iter().take(2).copied().collect::<Vec<_>>().join(" "),
                String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or("no output")
            )),
        }
    }
}

fn grid_file(folder: &Path) -> PathBuf {
    folder.join("grid.json")
}

fn losses_file(folder: &Path, backend: &str) -> PathBuf {
    folder.join(format!("losses-{backend}.txt"))
}

/// The runs of `grid` as the anchors read them: per run its lr and its other swept value.
fn grid_json(grid: &Grid) -> String {
    let mut lr = String::new();
    let mut param = String::new();
    for (i, (l, p)) in grid.values.iter().enumerate() {
        let comma = if i == 0 { "" } else { "," };
        // Rust's shortest round-trip form: Python reads back the very same f64.
        let _ = write!(lr, "{comma}{l:?}");
        let _ = write!(param, "{comma}{p:?}");
    }
    format!("{{\"steps\":{},\"lr\":[{lr}],\"param\":[{param}]}}", grid.steps)
}

/// Times `piece` in optlab and in each of `backends`, alternately, and prints its lines.
fn compare_work(
    out: &mut impl Write,
    piece: Work,
    backends: &[&str],
    anchors: &Anchors<'_>,
    options: &CompareOptions,
) -> io::Result<()> {
    let grid = work::grid(piece, options.quick);
    let grid_path = grid_file(anchors.folder);
    match &grid {
        Some(grid) => std::fs::write(&grid_path, grid_json(grid))?,
        None if grid_path.exists() => std::fs::remove_file(&grid_path)?,
        None => {}
    }
    let mut optlab = Vec::new();
    let mut losses = Vec::new();
    let mut anchor: Vec<Vec<f64>> = vec![Vec::new(); backends.len()];
    let mut failures = Vec::new();
    for round in 0..options.pairs.max(1) {
        let (seconds, final_losses) = optlab_seconds(piece, grid.as_ref(), options.quick);
        optlab.extend(seconds);
        losses = final_losses;
        for (times, backend) in anchor.iter_mut().zip(backends) {
            match anchors.seconds(piece, backend, options.quick, round == 0 && grid.is_some()) {
                Ok(seconds) => times.push(seconds),
                Err(why) => failures.push(why),
            }
        }
    }
    let optlab = median(&mut optlab);
    let mut line = format!("compare work={} optlab_s={optlab:.6}", piece.name());
    for (times, backend) in anchor.iter_mut().zip(backends) {
        let theirs = median(times);
        let _ = write!(line, " {backend}_s={theirs:.6} vs_{backend}={:.2}x", theirs / optlab);
    }
    writeln!(out, "{line}")?;
    for why in failures.iter().take(2) {
        writeln!(out, "# {why}")?;
    }
    if grid.is_some() {
        let mut checked = backends.to_vec();
        if piece == Work::AdamSweep && backends.contains(&"numpy") {
            match anchors.torch_order_losses(options.quick) {
                Ok(_) => checked.push(TORCH_ORDER),
                Err(why) => writeln!(out, "# {why}")?,
            }
        }
        same_runs(out, piece, &losses, &checked, anchors)?;
        whole_process(out, piece, options.quick)?;
    }
    Ok(())
}

/// optlab's seconds for one round of `piece` (none if it could not be built) and, for a
/// sweep, its runs' final losses.
fn optlab_seconds(piece: Work, grid: Option<&Grid>, quick: bool) -> (Option<f64>, Vec<f64>) {
    match (piece, grid) {
        (_, Some(grid)) => {
            let (seconds, losses) = work::sweep_seconds(grid, piece.repeats());
            (Some(seconds), losses)
        }
        (Work::SpiralStep, None) => (work::spiral_step_seconds(quick, piece.repeats()), Vec::new()),
        (_, None) => (work::sharpness_seconds(piece.repeats()), Vec::new()),
    }
}

/// The run-by-run check of a sweep: over the runs both finish, the largest relative difference
/// of the final loss and how many differ by more than [`SAME_RUN`]; optlab against each anchor,
/// and numpy against JAX (the same formula twice: how far rounding alone moves a run).
fn same_runs(
    out: &mut impl Write,
    piece: Work,
    losses: &[f64],
    backends: &[&str],
    anchors: &Anchors<'_>,
) -> io::Result<()> {
    let read = |backend: &str| -> Option<Vec<f64>> {
        let text = std::fs::read_to_string(losses_file(anchors.folder, backend)).ok()?;
        Some(text.lines().map(|l| l.trim().parse().unwrap_or(f64::NAN)).collect())
    };
    let theirs: Vec<(String, Vec<f64>)> =
        backends.iter().filter_map(|b| read(b).map(|l| (format!("optlab~{b}"), l))).collect();
    let mut pairs: Vec<(String, &[f64], &[f64])> =
        theirs.iter().map(|(name, l)| (name.clone(), losses, l.as_slice())).collect();
    if let [(_, numpy), (_, jax), ..] = theirs.as_slice() {
        pairs.push(("numpy~jax".to_owned(), numpy, jax));
    }
    for (name, a, b) in pairs {
        let (both, largest, over) = agreement(a, b);
        let equal = a.iter().zip(b).filter(|(x, y)| x.to_bits() == y.to_bits()).count();
        writeln!(
            out,
            "compare_runs work={} pair={name} runs={} both_finish={both} bit_equal={equal} max_rel_diff={largest:.3e} over_{SAME_RUN:e}={over}",
            piece.name(),
            a.len(),
        )?;
    }
    Ok(())
}

/// (runs both finish, largest relative difference among them, how many exceed [`SAME_RUN`]);
/// a length mismatch counts no run.
pub fn agreement(ours: &[f64], theirs: &[f64]) -> (usize, f64, usize) {
    if ours.len() != theirs.len() {
        return (0, f64::NAN, 0);
    }
    let differences: Vec<f64> = ours
        .iter()
        .zip(theirs)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (a - b).abs() / a.abs().max(b.abs()).max(f64::MIN_POSITIVE))
        .collect();
    let largest = differences.iter().copied().fold(0.0, f64::max);
    let over = differences.iter().filter(|&&d| d > SAME_RUN).count();
    (differences.len(), largest, over)
}

/// The sweep as a user runs it: the whole `optlab run` process on a one-entry notebook (start,
/// parse, compute, summary), median of five.
fn whole_process(out: &mut impl Write, piece: Work, quick: bool) -> io::Result<()> {
    let Some(lab) = work::lab(piece, quick) else { return Ok(()) };
    let notebook = Notebook {
        entries: vec![Entry {
            name: piece.name().to_owned(),
            notes: String::new(),
            experiment: Experiment::Sweep(lab),
        }],
        ..Notebook::default_notebook()
    };
    let folder = tempfile::tempdir()?;
    let path = folder.path().join("sweep.ron");
    std::fs::write(&path, notebook.to_ron())?;
    let exe = std::env::current_exe()?;
    let mut seconds = Vec::new();
    for _ in 0..5 {
        let begin = Instant::now();
        let status = Command::new(&exe).arg("run").arg(&path).output()?.status;
        if status.success() {
            seconds.push(begin.elapsed().as_secs_f64());
        }
    }
    writeln!(out, "compare_process work={} optlab_run_s={:.6}", piece.name(), median(&mut seconds))
}

/// The median (NaN for none).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::agreement;

    #[test]
    fn agreement_counts_only_runs_both_finish() {
        let ours = [1.0, 2.0, f64::NAN, 4.0];
        let theirs = [1.0, 2.0 * (1.0 + 1e-8), 3.0, f64::INFINITY];
        let (both, largest, over) = agreement(&ours, &theirs);
        assert_eq!(both, 2);
        assert!(largest > 0.9e-8 && largest < 1.1e-8, "{largest}");
        assert_eq!(over, 1);
    }

    #[test]
    fn runs_of_different_sweeps_are_not_compared() {
        assert_eq!(agreement(&[1.0], &[1.0, 2.0]).0, 0);
    }
}
