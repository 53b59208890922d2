//! Python text: number and boolean literals, the `fmt` function that prints a float as Rust's
//! `{}` does, and schedule formulas in t as Python expressions.

use super::refusal::Refusal;

/// `fmt(v)`: a float as Rust's `Display` prints it (shortest round-trip digits, never an
/// exponent, `1` for 1.0, `-0`, `NaN`, `inf`), so the CSV equals `optlab trace`'s.
pub(super) const FORMAT_FUNCTION: &str = "

def fmt(v):
    \"\"\"A float as Rust prints it: repr's shortest digits, written without an exponent.\"\"\"
    if math.isnan(v):
        return \"NaN\"
    if math.isinf(v):
        return \"inf\" if v > 0 else \"-inf\"
    text = format(Decimal(repr(float(v))), \"f\")
    if \".\" in text:
        text = text.rstrip(\"0\").rstrip(\".\")
    return text
";

/// A float as a Python literal that reads back as the same value (Rust's shortest round-trip
/// digits; Python parses `1e-7` and `1.0` alike).
pub(super) fn float(value: f64) -> String {
    if value.is_nan() {
        "math.nan".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "math.inf".to_owned() } else { "-math.inf".to_owned() }
    } else {
        format!("{value:?}")
    }
}

/// `True` or `False`.
pub(super) fn boolean(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

/// A schedule's formula in t (the expression language of formula surfaces with the variable t
/// and `floor`) as a Python expression: `^` becomes `**`, functions and constants come from
/// `math`. Numbers, operators and parentheses keep their text, and Python's precedence is the
/// formula language's (`-t^2` is −(t²), `^` binds to the right).
///
/// # Errors
/// A character or name the formula language does not have, with its column.
pub(super) fn formula_in_t(text: &str) -> Result<String, Refusal> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() || c == '.' {
            let end = number_end(&chars, i);
            out.extend(&chars[i..end]);
            i = end;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut end = i;
            while end < chars.len() && (chars[end].is_ascii_alphanumeric() || chars[end] == '_') {
                end += 1;
            }
            let name: String = chars[i..end].iter().collect();
            out.push_str(name_in_python(&name).ok_or_else(|| {
                Refusal(format!(
                    "the formula {text:?} has an unknown name `{name}` at column {}",
                    i + 1
                ))
            })?);
            i = end;
        } else if c == '^' {
            out.push_str("**");
            i += 1;
        } else if "+-*/() \t".contains(c) {
            out.push(c);
            i += 1;
        } else {
            return Err(Refusal(format!(
                "the formula {text:?} has an unexpected character `{c}` at column {}",
                i + 1
            )));
        }
    }
    Ok(out)
}

/// The end of the number starting at `start`: digits, a point, an exponent with its sign.
fn number_end(chars: &[char], start: usize) -> usize {
    let mut end = start;
    while end < chars.len() && (chars[end].is_ascii_digit() || chars[end] == '.') {
        end += 1;
    }
    if end < chars.len() && matches!(chars[end], 'e' | 'E') {
        let mut exponent = end + 1;
        if exponent < chars.len() && matches!(chars[exponent], '+' | '-') {
            exponent += 1;
        }
        if exponent < chars.len() && chars[exponent].is_ascii_digit() {
            end = exponent;
            while end < chars.len() && chars[end].is_ascii_digit() {
                end += 1;
            }
        }
    }
    end
}

fn name_in_python(name: &str) -> Option<&'static str> {
    Some(match name {
        "t" => "t",
        "pi" => "math.pi",
        "e" => "math.e",
        "sin" => "math.sin",
        "cos" => "math.cos",
        "tan" => "math.tan",
        "exp" => "math.exp",
        "log" => "math.log",
        "sqrt" => "math.sqrt",
        "abs" => "abs",
        "tanh" => "math.tanh",
        "floor" => "math.floor",
        _ => return None,
    })
}
