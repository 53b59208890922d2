//! Per-step powers of the lane kernels computed once per distinct value in a chunk: a sweep's
//! lanes often share β, α or r, and `powf` costs as much as the rest of a lane's update.

use super::lane_ops::LANES;

/// `base[l].powf(exponent[l])` for every live lane (`alive[l]` 1.0), one call per distinct
/// (base, exponent) among them, compared by their bits; dead lanes get 0 (their updates are
/// discarded).
pub(super) fn live_powers(
    base: &[f64; LANES],
    exponent: &[f64; LANES],
    alive: &[f64; LANES],
) -> [f64; LANES] {
    let mut powers = [0.0; LANES];
    for lane in 0..LANES {
        if alive[lane] == 0.0 {
            continue;
        }
        let same = |e: &usize| {
            alive[*e] != 0.0
                && base[*e].to_bits() == base[lane].to_bits()
                && exponent[*e].to_bits() == exponent[lane].to_bits()
        };
        powers[lane] = match (0..lane).find(same) {
            Some(earlier) => powers[earlier],
            None => base[lane].powf(exponent[lane]),
        };
    }
    powers
}

/// `base[l].powf(exponent[l])` for every lane, live or not, one call per distinct (base,
/// exponent).
pub(super) fn distinct_powers(base: &[f64; LANES], exponent: &[f64; LANES]) -> [f64; LANES] {
    live_powers(base, exponent, &[1.0; LANES])
}

/// For every lane, the first lane whose `values` has the same bits: a per-chunk constant (a
/// lane's β), so a quantity of it alone is computed on that first lane and copied.
pub(super) fn first_equal(values: &[f64; LANES]) -> [usize; LANES] {
    std::array::from_fn(|lane| {
        (0..lane).find(|&e| values[e].to_bits() == values[lane].to_bits()).unwrap_or(lane)
    })
}
