//! Numbers as run names and hover texts show them.

/// A number in a run's name or a hover text: 4 significant digits, exponent form when very small or large.
#[must_use]
pub fn compact(v: f64) -> String {
    if v != 0.0 && !(1e-3..1e4).contains(&v.abs()) { format!("{v:.3e}") } else { format!("{v:.4}") }
}
