//! Text arguments that must be UTF-8 (inline RON, number lists, `--config` entries): a value
//! that is not is refused naming the argument, the line and the column, as a notebook file is.

use std::ffi::OsStr;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;

/// clap value parser: the argument as a `String`, or an error naming where it stops being
/// UTF-8 (clap's own says only "in one or more arguments").
#[derive(Clone, Copy, Debug)]
pub struct Utf8Text;

impl TypedValueParser for Utf8Text {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        let bytes = value.as_encoded_bytes();
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(e) => {
                let name = arg.map_or_else(|| "an argument".to_owned(), ToString::to_string);
                let (line, col) = position(&bytes[..e.valid_up_to()]);
                let message = format!("{name} {line}:{col}: the text is not valid UTF-8\n");
                Err(clap::Error::raw(ErrorKind::InvalidUtf8, message).with_cmd(cmd))
            }
        }
    }
}

/// 1-based line and column (in characters) just after `valid`, a valid UTF-8 prefix.
fn position(valid: &[u8]) -> (usize, usize) {
    let valid = String::from_utf8_lossy(valid);
    let line = valid.split('\n').count();
    let col = 1 + valid.chars().rev().take_while(|&c| c != '\n').count();
    (line, col)
}
