//! Allowed ranges of numeric config fields, one table for every entry point.
//!
//! A value typed into a RON file, a CLI flag or a GUI field goes through the same [`Limit`], so
//! the message a user sees ("`lr` = -0.1 is out of range; allowed [0, +inf)") is the same
//! everywhere. RON files check while parsing (see [`limited_f64!`](crate::limited_f64)), which lets the parser attach
//! the line and column of the offending value.

use std::fmt;

/// The allowed interval of one named numeric field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit {
    /// Field name as the user types it (`lr`, `beta2`, …).
    pub name: &'static str,
    /// Lower end of the interval.
    pub min: f64,
    /// Upper end of the interval (`f64::INFINITY` for none).
    pub max: f64,
    /// Whether `min` itself is excluded.
    pub min_open: bool,
    /// Whether `max` itself is excluded.
    pub max_open: bool,
}

impl Limit {
    /// `[min, max]`.
    #[must_use]
    pub const fn closed(name: &'static str, min: f64, max: f64) -> Self {
        Self { name, min, max, min_open: false, max_open: false }
    }

    /// `[min, max)`.
    #[must_use]
    pub const fn closed_open(name: &'static str, min: f64, max: f64) -> Self {
        Self { name, min, max, min_open: false, max_open: true }
    }

    /// `(min, max)`.
    #[must_use]
    pub const fn open(name: &'static str, min: f64, max: f64) -> Self {
        Self { name, min, max, min_open: true, max_open: true }
    }

    /// `[min, +inf)`: any finite value at least `min`.
    #[must_use]
    pub const fn at_least(name: &'static str, min: f64) -> Self {
        Self { name, min, max: f64::INFINITY, min_open: false, max_open: true }
    }

    /// `(min, +inf)`: any finite value above `min`.
    #[must_use]
    pub const fn above(name: &'static str, min: f64) -> Self {
        Self { name, min, max: f64::INFINITY, min_open: true, max_open: true }
    }

    /// Any finite number.
    #[must_use]
    pub const fn finite(name: &'static str) -> Self {
        Self { name, min: f64::NEG_INFINITY, max: f64::INFINITY, min_open: true, max_open: true }
    }

    /// Whether `value` lies in the interval (NaN never does).
    #[must_use]
    pub fn contains(&self, value: f64) -> bool {
        let above_min = if self.min_open { value > self.min } else { value >= self.min };
        let below_max = if self.max_open { value < self.max } else { value <= self.max };
        above_min && below_max && value.is_finite()
    }

    /// `Ok(value)` when allowed, otherwise an error naming the field and the range.
    ///
    /// # Errors
    /// [`LimitError`] when `value` is outside the interval or not finite.
    pub fn check(&self, value: f64) -> Result<f64, LimitError> {
        if self.contains(value) { Ok(value) } else { Err(LimitError { limit: *self, value }) }
    }

    /// The interval in mathematical notation, e.g. `[0, 1)` or `(0, +inf)`.
    #[must_use]
    pub fn interval(&self) -> String {
        let open = if self.min_open { '(' } else { '[' };
        let close = if self.max_open { ')' } else { ']' };
        format!("{open}{}, {}{close}", show_end(self.min), show_end(self.max))
    }

    /// Clamps `value` into the interval (used by GUI sliders, never by file loading).
    #[must_use]
    pub fn clamp(&self, value: f64) -> f64 {
        let lo = if self.min.is_finite() { self.min } else { f64::MIN };
        let hi = if self.max.is_finite() { self.max } else { f64::MAX };
        if value.is_nan() { lo.max(0.0_f64.min(hi)) } else { value.clamp(lo, hi) }
    }
}

fn show_end(end: f64) -> String {
    if end == f64::INFINITY { "+inf".to_owned() } else { short(end) }
}

/// A number as messages show it: Rust's shortest round-trip form (`0.5`, `100`, `10000000`)
/// unless that is long and the exponent form shorter (`1e300`, `-1e-12`, `1.5e-9`); `inf`,
/// `-inf` and `NaN` for the values that are not finite.
#[must_use]
pub fn short(value: f64) -> String {
    /// Plain forms up to this length are kept even when the exponent form is shorter.
    const PLAIN_UP_TO: usize = 9;
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let plain = format!("{value}");
    let exponent = format!("{value:e}");
    if plain.len() <= PLAIN_UP_TO || plain.len() <= exponent.len() { plain } else { exponent }
}

/// A value outside its [`Limit`].
#[derive(Clone, Debug, PartialEq)]
pub struct LimitError {
    /// The violated limit.
    pub limit: Limit,
    /// The value that was given.
    pub value: f64,
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` = {} is out of range; allowed {}",
            self.limit.name,
            short(self.value),
            self.limit.interval()
        )
    }
}

impl std::error::Error for LimitError {}

/// Checks every `(value, limit)` pair in order and returns the first violation.
///
/// # Errors
/// The first [`LimitError`] found.
pub fn check_all(pairs: &[(f64, Limit)]) -> Result<(), LimitError> {
    pairs.iter().try_for_each(|(value, limit)| limit.check(*value).map(|_| ()))
}

/// Defines a serde `deserialize_with` function that reads an `f64` and refuses it unless it
/// lies in the given [`Limit`], so the RON parser reports the position of the bad value.
#[macro_export]
macro_rules! limited_f64 {
    ($fn_name:ident, $limit:expr) => {
        pub(crate) fn $fn_name<'de, D: serde::Deserializer<'de>>(
            deserializer: D,
        ) -> Result<f64, D::Error> {
            let value = <f64 as serde::Deserialize>::deserialize(deserializer)?;
            $limit.check(value).map_err(serde::de::Error::custom)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_open_interval_excludes_its_upper_end() {
        let decay = Limit::closed_open("decay_rate", 0.0, 1.0);
        assert!(decay.check(0.0).is_ok());
        assert!(decay.check(0.99).is_ok());
        let err = decay.check(1.0).unwrap_err();
        assert_eq!(err.to_string(), "`decay_rate` = 1 is out of range; allowed [0, 1)");
    }

    #[test]
    fn nan_and_infinity_are_never_allowed() {
        let lr = Limit::at_least("lr", 0.0);
        assert!(lr.check(f64::NAN).is_err());
        assert!(lr.check(f64::INFINITY).is_err());
        assert_eq!(lr.interval(), "[0, +inf)");
    }

    #[test]
    fn numbers_print_in_short_form() {
        for (value, shown) in [
            (1e300, "1e300"),
            (-1e-12, "-1e-12"),
            (0.5, "0.5"),
            (100.0, "100"),
            (10_000_000.0, "10000000"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.5e-9, "1.5e-9"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(short(value), shown);
        }
        let err = Limit::closed("lr", 0.0, 1e10).check(1e300).unwrap_err();
        assert_eq!(err.to_string(), "`lr` = 1e300 is out of range; allowed [0, 1e10]");
        assert_eq!(Limit::at_least("eps", -1e-12).interval(), "[-1e-12, +inf)");
    }

    #[test]
    fn clamp_brings_values_inside() {
        let b = Limit::closed("momentum", 0.0, 1.0);
        assert!((b.clamp(2.0) - 1.0).abs() < f64::EPSILON);
        assert!(b.clamp(-1.0).abs() < f64::EPSILON);
    }
}
