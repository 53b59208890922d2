//! The notebook commands: `optlab check`, `optlab run` and `optlab presets`, on
//! [`optlab_core::headless`].
//!
//! * `check FILE...` loads each notebook and prints `FILE: ok`, or one line
//!   `FILE:LINE:COL: message` per refused file (on stderr, the form editors and compilers use).
//! * `run FILE [--out DIR]` computes every enabled run of every entry and prints one summary line
//!   per run; with `--out` it also writes each run's series as CSV.
//! * `presets [NAME]` lists the built-in notebooks or prints one of them.
//!
//! Exit codes follow [`crate::cli`]: 0 for results (a diverged run is a result), 2 for a notebook
//! that does not load, a file that is not one optlab reads (a FIFO, a device, a directory, more
//! than 64 MB) or an unknown preset, 1 for I/O failures (a missing file, no permission).

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use optlab_core::headless::{FileError, diagnostic, load, run_notebook};
use optlab_core::presets;

use super::failure::{Failure, finish};

/// Arguments of `optlab check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Notebook files (.ron) to check.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

/// Arguments of `optlab run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The notebook (.ron) to run.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Write every step of every run as CSV to DIR/<entry>/<run>.csv.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Arguments of `optlab presets`.
#[derive(Debug, Args)]
pub struct PresetsArgs {
    /// Print this preset's RON text; without it, list the presets (name, tab, title).
    #[arg(value_name = "NAME", value_parser = super::utf8::Utf8Text)]
    pub name: Option<String>,
}

/// `optlab check`: 0 when every file loads; otherwise 2 when any file is refused, or 1 when
/// every problem was an I/O error.
#[must_use]
pub fn check(args: &CheckArgs) -> ExitCode {
    let (mut refused, mut unreadable) = (false, false);
    // Write errors (a closed pipe) are ignored: the exit status still tells the result.
    let (mut out, mut err) = (io::stdout().lock(), io::stderr().lock());
    for path in &args.files {
        match load(path) {
            Ok(_) => {
                let _ = writeln!(out, "{}: ok", path.display());
            }
            Err(error) => {
                let _ = writeln!(err, "{}", diagnostic(path, &error));
                if is_refusal(&error) {
                    refused = true;
                } else {
                    unreadable = true;
                }
            }
        }
    }
    if refused {
        ExitCode::from(2)
    } else if unreadable {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Whether `error` refuses the file as input (exit 2) rather than failing to read it (exit 1):
/// a notebook that does not load, or a file optlab does not read at all (a FIFO, a device, a
/// directory, a file over the size limit; [`optlab_core::files::read_capped`] says
/// `InvalidInput`).
fn is_refusal(error: &FileError) -> bool {
    match error {
        FileError::Load(_) => true,
        FileError::Io(e) => e.kind() == io::ErrorKind::InvalidInput,
    }
}

/// `optlab presets [NAME]`.
#[must_use]
pub fn presets(args: &PresetsArgs) -> ExitCode {
    let mut out = io::stdout().lock();
    let written = match args.name.as_deref().map(|name| (name, presets::find(name))) {
        None => {
            presets::builtin().iter().try_for_each(|p| writeln!(out, "{}\t{}", p.name, p.title()))
        }
        Some((_, Some(preset))) => out.write_all(preset.text.as_bytes()),
        Some((name, None)) => {
            let names: Vec<&str> = presets::builtin().iter().map(|p| p.name).collect();
            let message = format!("no built-in notebook `{name}`; presets: {}", names.join(", "));
            let _ = writeln!(io::stderr(), "error: {message}");
            return ExitCode::from(2);
        }
    };
    finish(written.map_err(Failure::Io))
}

/// `optlab run`.
#[must_use]
pub fn run(args: &RunArgs) -> ExitCode {
    let notebook = match load(&args.file) {
        Ok(notebook) => notebook,
        Err(error) => {
            let _ = writeln!(io::stderr(), "{}", diagnostic(&args.file, &error));
            return ExitCode::from(if is_refusal(&error) { 2 } else { 1 });
        }
    };
    finish(
        run_notebook(&notebook, args.out.as_deref(), &mut io::stdout().lock()).map_err(Failure::Io),
    )
}
