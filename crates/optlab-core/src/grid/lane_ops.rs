//! What every lane kernel shares: the lane count, the per-family update trait, and the
//! branch-free loop and select the kernels are written with.

/// Runs stepped together.
pub const LANES: usize = 8;

/// One optimizer family's update of every lane, exactly as its `UpdateRule::step_2d`.
pub(super) trait LaneRule: Copy {
    /// The lanes' learning rates (their base lrs until a schedule sets them).
    fn lr(&mut self) -> &mut [f64; LANES];

    /// Updates the live lanes (`alive[l]` 1.0) of `x`, `y` with gradients `g`; `first` is the
    /// run's first update.
    fn update(
        &mut self,
        alive: &[f64; LANES],
        point: [&mut [f64; LANES]; 2],
        g: [[f64; LANES]; 2],
        first: bool,
    );
}

/// Applies `f` to every lane: a loop of known length the compiler unrolls and packs into SIMD
/// instructions (each pass below is one such loop, so none mixes types or branches).
#[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
#[inline(always)]
pub(super) fn each(mut f: impl FnMut(usize)) {
    for lane in 0..LANES {
        f(lane);
    }
}

/// `if condition { a } else { b }` through bit masks: exact (the chosen value's bits are kept),
/// and without a branch, so the lane loops stay SIMD.
#[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
#[inline(always)]
pub(super) fn pick(condition: bool, a: f64, b: f64) -> f64 {
    let mask = u64::from(condition).wrapping_neg();
    f64::from_bits((a.to_bits() & mask) | (b.to_bits() & !mask))
}
