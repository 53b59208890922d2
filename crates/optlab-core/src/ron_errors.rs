//! RON's error messages as optlab shows them: without the library's developer hints, and an
//! integer out of bounds with its field, its value and its allowed range.
//!
//! ron reports a whole number that does not fit its field's type ("Integer is out of bounds")
//! without saying which type. [`explain_integer`] finds out by parsing the text again with the
//! number replaced: by the largest value of each unsigned type (the type is the largest that
//! fits), then by 0 and by that largest value, which the field's own [`crate::limits::Limit`]
//! refuses with its range when it has a narrower one.

/// The message of an integer out of bounds before [`explain_integer`] names its range.
pub const INTEGER_OUT_OF_BOUNDS: &str = "this whole number does not fit its field";

/// ron's depth limit for nested brackets (its default, which optlab keeps).
pub const NESTING_LIMIT: usize = 128;

/// ron's message for `code`, reworded where it shows the library's internals.
#[must_use]
pub fn describe(code: &ron::Error) -> String {
    match code {
        ron::Error::ExceededRecursionLimit => {
            format!("nested too deeply (more than {NESTING_LIMIT} levels of brackets)")
        }
        ron::Error::IntegerOutOfBounds => INTEGER_OUT_OF_BOUNDS.to_owned(),
        ron::Error::Utf8Error(_) => "the text is not valid UTF-8".to_owned(),
        ron::Error::ExpectedRawValue => "expected a RON value".to_owned(),
        other => other.to_string(),
    }
}

/// Where a parse failed and why: 1-based line, 1-based column (in characters), message.
pub type Failure = (usize, usize, String);

/// The largest value of each unsigned integer type, largest first.
const TYPE_MAXIMA: [u64; 4] = [u64::MAX, u32::MAX as u64, u16::MAX as u64, u8::MAX as u64];

/// The message for the integer out of bounds that ron reported at `line`:`col` of `text`:
/// "`period` = -5 is out of range; allowed [1, +inf)". `reparse` parses a changed text and
/// returns its first failure, if any, with messages as [`describe`] words them.
#[must_use]
pub fn explain_integer(
    text: &str,
    (line, col): (usize, usize),
    reparse: impl Fn(&str) -> Option<Failure>,
) -> String {
    let Some((start, end)) = literal_at(text, line, col) else {
        return INTEGER_OUT_OF_BOUNDS.to_owned();
    };
    let literal = &text[start..end];
    let name = field_name(&text[..start]);
    let with = |value: u64| format!("{}{value}{}", &text[..start], &text[end..]);
    // A probe is unsigned, so ron reports it at its start.
    let signs = literal.chars().take_while(|c| matches!(c, '-' | '+')).count();
    let at = (line, col.saturating_sub(signs));
    let too_wide = |failure: &Option<Failure>| {
        failure.as_ref().is_some_and(|(l, c, m)| (*l, *c) == at && m == INTEGER_OUT_OF_BOUNDS)
    };
    let Some(max) = TYPE_MAXIMA.into_iter().find(|&max| !too_wide(&reparse(&with(max)))) else {
        return INTEGER_OUT_OF_BOUNDS.to_owned();
    };
    let key = name.as_ref().map(|(n, _)| format!("`{n}`"));
    let interval = [0, max]
        .into_iter()
        .find_map(|probe| {
            let (_, _, message) = reparse(&with(probe))?;
            allowed_interval(&message, key.as_deref())
        })
        .unwrap_or_else(|| format!("[0, {max}]"));
    let subject = match name {
        Some((n, false)) => format!("`{n}` = {literal}"),
        Some((n, true)) => format!("an element of `{n}`, {literal},"),
        None => literal.to_owned(),
    };
    format!("{subject} is out of range; allowed {interval}")
}

/// The byte range of the integer literal at `line`:`col` (ron points at its first character).
fn literal_at(text: &str, line: usize, col: usize) -> Option<(usize, usize)> {
    let line_start =
        if line <= 1 { 0 } else { text.match_indices('\n').nth(line - 2).map(|(at, _)| at + 1)? };
    let mut start = line_start + text[line_start..].char_indices().nth(col.checked_sub(1)?)?.0;
    let is_digit = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let digits = text[start..].find(|c: char| !is_digit(c)).unwrap_or(text.len() - start);
    let end = start + digits;
    // A negative number is reported at its first digit.
    if text[..start].ends_with(['-', '+']) {
        start -= 1;
    }
    (digits > 0).then_some((start, end))
}

/// The field whose value ends `before` (`name:` just before it), or the list it is an element
/// of (`milestones: [10, -1]`), and whether it is an element.
fn field_name(before: &str) -> Option<(String, bool)> {
    let before = before.trim_end();
    if let Some(field) = before.strip_suffix(':') {
        return identifier_before(field).map(|name| (name, false));
    }
    // In a list: walk back to its opening bracket (a few hundred characters at most).
    let mut depth = 0_usize;
    for (at, c) in before.char_indices().rev().take(1000) {
        match c {
            ']' | ')' => depth += 1,
            '[' if depth == 0 => {
                let list = identifier_before(before[..at].trim_end().strip_suffix(':')?)?;
                return Some((list, true));
            }
            '(' if depth == 0 => return None,
            '[' | '(' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The identifier that ends `text` (after trailing spaces), if any.
fn identifier_before(text: &str) -> Option<String> {
    let text = text.trim_end();
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        .last()
        .map(|(at, _)| at)?;
    Some(text[start..].to_owned())
}

/// The interval of a range message about the field, e.g. `[1, +inf)` out of
/// "`every` = 0 is out of range; allowed [1, +inf)", when it names `key`.
fn allowed_interval(message: &str, key: Option<&str>) -> Option<String> {
    const ALLOWED: &str = " is out of range; allowed ";
    let at = message.find(ALLOWED)?;
    if key.is_some_and(|k| !message[..at].contains(k)) {
        return None;
    }
    let rest = &message[at + ALLOWED.len()..];
    let end = rest.find([']', ')'])?;
    Some(rest[..=end].to_owned())
}
