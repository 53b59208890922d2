//! How a command fails: bad input (exit 2, with a message naming the argument, the position
//! and the allowed range) or an I/O failure (exit 1); a closed pipe is not a failure.

use std::io::{self};
use std::process::ExitCode;

/// Bad input: exit status 2 with a message naming the argument, position and allowed range.
#[derive(Debug)]
pub struct InputError(pub String);

/// Turns a command's result into an exit code, printing errors to stderr.
#[must_use]
pub fn finish(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(InputError(message))) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        // A closed pipe (`optlab trace … | head`) is the reader's choice, not a failure.
        Err(Failure::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Io(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// The user's input was refused (exit 2).
    Input(InputError),
    /// Reading or writing failed (exit 1).
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Self::Input(e)
    }
}
