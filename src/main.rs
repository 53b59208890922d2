//! The `optlab` binary: the desktop app without a subcommand, the headless CLI with one.

use std::process::ExitCode;

use clap::Parser;
use optlab::cli::{Cli, dispatch};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(command) = cli.command {
        return dispatch(command);
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
