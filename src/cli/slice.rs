//! `optlab slice`: the loss of a surface along a line, as CSV `s,x,y,loss` (see
//! [`optlab_core::slice`]).

use std::io::{self, BufWriter, Write};

use clap::Args;
use optlab_core::slice::{Direction, SliceError, SliceRequest, slice};
use optlab_core::surface::Surface;

use super::failure::{Failure, InputError};
use super::parse::{parse_pair, parse_ron};
use super::utf8;

/// The direction names `--direction` takes, as the refusal lists them.
const DIRECTION_NAMES: &str = "x, y, gradient, eigen1, eigen2";

/// Arguments of `optlab slice`.
#[derive(Debug, Args)]
pub struct SliceArgs {
    /// Loss surface as RON, e.g. 'Saddle' or 'TacoShell(condition: 50.0, angle: 30.0)'.
    #[arg(long, value_parser = utf8::Utf8Text)]
    pub surface: String,
    /// The point at s = 0, X,Y (write negative values as --through=-1,0.5).
    #[arg(long, allow_hyphen_values = true, value_parser = utf8::Utf8Text)]
    pub through: String,
    /// Which way the line runs: x or y (along an axis), gradient (steepest descent, −∇f at
    /// --through), eigen1 or eigen2 (the Hessian's unit eigenvector at --through with the
    /// smaller or the larger eigenvalue; both eigenvalues are noted on stderr), all of length 1
    /// so s is a distance; or DX,DY, a step per unit of s used as given (not normalised), not
    /// both zero. Not with --to-point.
    #[arg(
        long,
        allow_hyphen_values = true,
        value_parser = utf8::Utf8Text,
        required_unless_present = "to_point",
        conflicts_with = "to_point"
    )]
    pub direction: Option<String>,
    /// A second point X,Y: the line runs from --through (s = 0) to it (s = 1). Not with
    /// --direction.
    #[arg(long, allow_hyphen_values = true, value_parser = utf8::Utf8Text)]
    pub to_point: Option<String>,
    /// The first s (any finite number); default −1, or 0 with --to-point.
    #[arg(long, allow_hyphen_values = true)]
    pub from: Option<f64>,
    /// The last s, above --from; default 1.
    #[arg(long, allow_hyphen_values = true)]
    pub to: Option<f64>,
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
            name if name.starts_with("through") || name.starts_with("a ") => "--through",
            name if name.starts_with("b ") => "--to-point",
            name if name.starts_with("direction") => "--direction",
            _ => "--surface",
        },
        SliceError::NoDirection(_) => "--direction",
    }
}

/// The direction `--direction` names: a name from [`DIRECTION_NAMES`] or `DX,DY`.
fn parse_direction(text: &str) -> Result<Direction, InputError> {
    match text.trim() {
        "x" => Ok(Direction::AlongX),
        "y" => Ok(Direction::AlongY),
        "gradient" => Ok(Direction::Gradient),
        "eigen1" => Ok(Direction::HessianEigen { index: 0 }),
        "eigen2" => Ok(Direction::HessianEigen { index: 1 }),
        numbers if numbers.contains(',') || numbers.parse::<f64>().is_ok() => {
            Ok(Direction::Vector(parse_pair("--direction", text)?))
        }
        other => Err(InputError(format!(
            "--direction: `{other}` is not a direction; allowed {DIRECTION_NAMES}, or DX,DY"
        ))),
    }
}

/// The request the arguments ask for.
fn request(args: &SliceArgs) -> Result<SliceRequest, InputError> {
    let through = parse_pair("--through", &args.through)?;
    let (direction, default_from) = match (&args.direction, &args.to_point) {
        (_, Some(to_point)) => {
            let b = parse_pair("--to-point", to_point)?;
            (Direction::Between { a: through, b }, 0.0)
        }
        (Some(direction), None) => (parse_direction(direction)?, -1.0),
        // clap requires one of the two; say so rather than guess.
        (None, None) => {
            return Err(InputError("--direction or --to-point is required".to_owned()));
        }
    };
    Ok(SliceRequest {
        through,
        direction,
        from: args.from.unwrap_or(default_from),
        to: args.to.unwrap_or(1.0),
        points: args.points,
    })
}

/// Prints the slice the arguments ask for: the header `s,x,y,loss`, then one row per point.
/// Along an eigenvector, the eigenvalues go to stderr as a note.
pub(super) fn print(args: &SliceArgs) -> Result<(), Failure> {
    let surface: Surface = parse_ron("--surface", &args.surface)?;
    surface.validate().map_err(|e| InputError(format!("--surface: {e}")))?;
    let request = request(args)?;
    let slice = slice(&surface, &request).map_err(|e| match (&e, request.direction) {
        (SliceError::NoDirection(_), Direction::Between { a, .. }) => InputError(format!(
            "--to-point: ({}, {}) is --through itself: a segment needs two different points",
            a[0], a[1]
        )),
        _ => InputError(format!("{}: {e}", flag_of(&e))),
    })?;
    if let (Some(values), Direction::HessianEigen { index }) =
        (slice.line.eigenvalues, request.direction)
    {
        eprintln!("{}", eigen_note(request.through, values, index));
    }
    let mut out = BufWriter::new(io::stdout().lock());
    writeln!(out, "s,x,y,loss")?;
    for sample in &slice.samples {
        let [x, y] = sample.point;
        writeln!(out, "{},{x},{y},{}", sample.s, sample.loss)?;
    }
    out.flush()?;
    Ok(())
}

/// The note on stderr along an eigenvector: both eigenvalues and which way the loss curves.
fn eigen_note(through: [f64; 2], values: [f64; 2], index: usize) -> String {
    let value = values[index];
    let bend = if value > 0.0 {
        "curves up"
    } else if value < 0.0 {
        "curves down"
    } else {
        "is flat to second order"
    };
    format!(
        "note: Hessian eigenvalues at ({}, {}): {} and {}; along eigen{} ({}) the loss {bend}",
        through[0],
        through[1],
        values[0],
        values[1],
        index + 1,
        value
    )
}
