//! The `optlab` binary: the desktop app without a subcommand, the headless CLI with one.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use optlab::cli::{Cli, Command, dispatch};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(command) = cli.command {
        return dispatch(command);
    }
    if let Some(word) = cli.file.as_deref().filter(|path| looks_like_a_command(path)) {
        return unknown_command(word);
    }
    match optlab::app::run(cli.file) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: could not open the optlab window: {e}");
            eprintln!("(the headless commands work without a display: optlab --help)");
            ExitCode::from(1)
        }
    }
}

/// A word that is no existing file and could only be meant as a command: letters, digits,
/// `-` and `_`, no dot or slash (`optlab notebook.ron` and `optlab ./notes` open the app).
fn looks_like_a_command(path: &Path) -> bool {
    let Some(word) = path.to_str() else { return false };
    !path.exists()
        && word.starts_with(|c: char| c.is_ascii_alphabetic())
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The commands alone, so clap refuses a word that is none of them as it refuses any unknown
/// subcommand: "unrecognized subcommand", a suggestion when one is close, exit status 2.
#[derive(Debug, Parser)]
#[command(name = "optlab")]
struct CommandsOnly {
    #[command(subcommand)]
    command: Command,
}

/// Exits with clap's error for `word` as a subcommand (a word that is a command runs it,
/// though `Cli` has parsed every command already).
fn unknown_command(word: &Path) -> ExitCode {
    match CommandsOnly::try_parse_from([Path::new("optlab"), word]) {
        Err(e) => e.exit(),
        Ok(parsed) => dispatch(parsed.command),
    }
}
