//! Parsing what the command line gives: RON values (`--surface`, `--optimizer`, …) and
//! comma-separated numbers (`--start=X,Y`, `--params`), refused as [`InputError`]s that name the
//! argument.

use serde::de::DeserializeOwned;

use optlab_core::ron_errors;

use super::failure::InputError;

/// Parses a RON value given on the command line, naming the argument in the error.
///
/// A bare name such as `Adam` is accepted as `Adam()` (all defaults) when it does not parse as
/// it is, since RON needs the parentheses for struct variants.
///
/// # Errors
/// The RON error with its line and column, prefixed by the argument name.
pub fn parse_ron<T: DeserializeOwned>(flag: &str, text: &str) -> Result<T, InputError> {
    match ron::from_str::<T>(text) {
        Ok(value) => Ok(value),
        Err(first) => {
            let trimmed = text.trim();
            let bare = !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_alphanumeric());
            if bare && let Ok(value) = ron::from_str::<T>(&format!("{trimmed}()")) {
                return Ok(value);
            }
            Err(InputError(format!(
                "{flag} {}",
                ron_message(&first, text, |t| ron::from_str::<T>(t))
            )))
        }
    }
}

/// `line:col: message` for a RON error in `text`, an integer out of bounds with its range
/// (found by parsing changed texts with `parse`).
fn ron_message<T>(
    e: &ron::error::SpannedError,
    text: &str,
    parse: impl Fn(&str) -> ron::error::SpannedResult<T>,
) -> String {
    let at = (e.span.start.line, e.span.start.col);
    let message = if e.code == ron::Error::IntegerOutOfBounds {
        let reparse = |probe: &str| {
            let e = parse(probe).err()?;
            Some((e.span.start.line, e.span.start.col, ron_errors::describe(&e.code)))
        };
        ron_errors::explain_integer(text, at, reparse)
    } else {
        ron_errors::describe(&e.code)
    };
    format!("{}:{}: {message}", at.0, at.1)
}

/// Parses a comma-separated list of finite numbers.
///
/// # Errors
/// The first entry that is not a finite number, with its 1-based index.
pub fn parse_numbers(flag: &str, text: &str) -> Result<Vec<f64>, InputError> {
    text.split(',')
        .enumerate()
        .map(|(i, part)| {
            let value = part.trim().parse::<f64>().map_err(|_| {
                InputError(format!("{flag}: value {} `{}` is not a number", i + 1, part.trim()))
            })?;
            if value.is_finite() {
                Ok(value)
            } else {
                Err(InputError(format!("{flag}: value {} is not finite", i + 1)))
            }
        })
        .collect()
}

/// Parses `X,Y`: exactly two finite numbers.
///
/// # Errors
/// An entry that is not a finite number, or a count other than two.
pub fn parse_pair(flag: &str, text: &str) -> Result<[f64; 2], InputError> {
    let numbers = parse_numbers(flag, text)?;
    let [x, y] = numbers[..] else {
        return Err(InputError(format!(
            "{flag}: expected 2 coordinates X,Y, got {} ({text})",
            numbers.len()
        )));
    };
    Ok([x, y])
}
