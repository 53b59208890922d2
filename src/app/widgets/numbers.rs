//! Numbers as run names and hover texts show them.

/// A number in a run's name or a hover text: 4 significant digits, exponent form when very small or large.
#[must_use]
pub fn compact(v: f64) -> String {
    if v != 0.0 && !(1e-3..1e4).contains(&v.abs()) { format!("{v:.3e}") } else { format!("{v:.4}") }
}

/// A coordinate as the start fields show it: every digit that matters, so `y = 1e-6` never
/// reads as `y = 0` (the saddle lesson's whole point). Up to 6 significant digits, trailing
/// zeros dropped; exponent form below 1e-3 or from 1e5.
#[must_use]
pub fn coordinate(v: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    if !(1e-3..1e5).contains(&v.abs()) {
        let text = format!("{v:.5e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        return format!("{}e{exponent}", trimmed(mantissa));
    }
    #[expect(clippy::cast_possible_truncation, reason = "a digit count between 0 and 8")]
    #[expect(clippy::cast_sign_loss, reason = "clamped to be non-negative")]
    let decimals = (5 - v.abs().log10().floor() as i32).clamp(0, 8) as usize;
    trimmed(&format!("{v:.decimals$}")).to_owned()
}

/// `text` without trailing zeros after a decimal point (and without the point itself then).
fn trimmed(text: &str) -> &str {
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { text }
}

#[cfg(test)]
mod tests {
    use super::coordinate;

    #[test]
    fn coordinates_keep_the_digits_that_matter() {
        assert_eq!(coordinate(1e-6), "1e-6");
        assert_eq!(coordinate(0.0), "0");
        assert_eq!(coordinate(-1.2), "-1.2");
        assert_eq!(coordinate(-3.964_112_3), "-3.96411");
        assert_eq!(coordinate(2.5e-4), "2.5e-4");
        assert_eq!(coordinate(0.001), "0.001");
        assert_eq!(coordinate(123_456.0), "1.23456e5");
    }

    #[test]
    fn small_probabilities_print_as_numbers() {
        assert_eq!(super::compact(0.0039), "0.0039");
        assert_eq!(super::compact(1.0 / 65_536.0), "1.526e-5");
    }
}
