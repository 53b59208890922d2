//! `optlab torch`: the run `optlab trace` would print, as a Python script for PyTorch
//! ([`optlab_core::torch_script`]).

use std::io::{self, Write};

use optlab_core::run::RunConfig;
use optlab_core::torch_script;

use super::failure::{Failure, InputError};

/// Prints the PyTorch script of `config`, or refuses it (exit 2) with the generator's sentence.
///
/// # Errors
/// A run PyTorch cannot reproduce (input error), or a failed write.
pub fn print(config: &RunConfig) -> Result<(), Failure> {
    let script = torch_script::script(config).map_err(|refusal| InputError(refusal.0))?;
    let mut out = io::stdout().lock();
    out.write_all(script.as_bytes())?;
    out.flush()?;
    Ok(())
}
