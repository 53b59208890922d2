//! `optlab slice`: the loss of a surface along a line, as CSV `s,x,y,loss` (see
//! [`optlab_core::slice`]).

use std::io::{self, BufWriter, Write};

use clap::Args;
use optlab_core::slice::{Direction, SliceError, SliceRequest, slice};
use optlab_core::surface::Surface;

use super::failure::{Failure, InputError};
use super::parse::{parse_pair, parse_ron};
use super::utf8;

/// Arguments of `optlab slice`.
#[derive(Debug, Args)]
pub struct SliceArgs {
    /// Loss surface as RON, e.g. 'Saddle' or 'TacoShell(condition: 50.0, angle: 30.0)'.
    #[arg(long, value_parser = utf8::Utf8Text)]
    pub surface: String,
    /// The point at s = 0, X,Y (write negative values as --through=-1,0.5).
    #[arg(long, allow_hyphen_values = true, value_parser = utf8::Utf8Text)]
    pub through: String,
    /// The step per unit of s, DX,DY, used as given (not normalised); not both zero.
    #[arg(long, allow_hyphen_values = true, value_parser = utf8::Utf8Text)]
    pub direction: String,
    /// The first s (any finite number).
    #[arg(long, default_value_t = -1.0, allow_hyphen_values = true)]
    pub from: f64,
    /// The last s, above --from.
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true)]
    pub to: f64,
    /// Evenly spaced values of s, both ends included: 2 to 100000.
    #[arg(long, default_value_t = 201)]
    pub points: usize,
}

/// The flag a refused value came from.
fn flag_of(e: &SliceError) -> &'static str {
    match e {
        SliceError::OutOfRange(limit) => match limit.limit.name {
            "points" => "--points",
            "from" => "--from",
            "to" => "--to",
            name if name.starts_with("through") => "--through",
            name if name.starts_with("direction") => "--direction",
            _ => "--surface",
        },
        SliceError::NoDirection(_) => "--direction",
    }
}

/// Prints the slice the arguments ask for: the header `s,x,y,loss`, then one row per point.
pub(super) fn print(args: &SliceArgs) -> Result<(), Failure> {
    let surface: Surface = parse_ron("--surface", &args.surface)?;
    surface.validate().map_err(|e| InputError(format!("--surface: {e}")))?;
    let request = SliceRequest {
        through: parse_pair("--through", &args.through)?,
        direction: Direction::Vector(parse_pair("--direction", &args.direction)?),
        from: args.from,
        to: args.to,
        points: args.points,
    };
    let slice =
        slice(&surface, &request).map_err(|e| InputError(format!("{}: {e}", flag_of(&e))))?;
    let mut out = BufWriter::new(io::stdout().lock());
    writeln!(out, "s,x,y,loss")?;
    for sample in &slice.samples {
        let [x, y] = sample.point;
        writeln!(out, "{},{x},{y},{}", sample.s, sample.loss)?;
    }
    out.flush()?;
    Ok(())
}
