//! What every lane kernel shares: the lane count, the per-family update trait, and the
//! branch-free loop and select the kernels are written with.

/// Runs stepped together: 16, two AVX-512 registers of f64, so each step holds two independent
/// dependency chains and the core overlaps their latencies. Measured with `optlab bench` on a
/// 2-core AVX-512 machine: 16 lanes took the Momentum sweep from 15.7 ms (8 lanes) to 10.8 ms
/// and the Adam sweep from 38 ms to 27 ms; 32 lanes were slower again (11.9 and 30.6 ms: spills,
/// and a chunk steps on until its last lane diverges). On a 2-vCPU AVX2 machine (Zen 3, no
/// AVX-512; `cargo bench --bench sweep`, one thread, alternated) 16 lanes are best too: medians
/// 25–29 ms, against 43–44 ms with 8 lanes and 50–55 ms with 32.
pub const LANES: usize = 16;

/// "Never" in the step arrays (a select-friendly `None`). Steps are kept as f64 (exact below
/// 2⁵³) so every lane array has the same 64-bit float type, which the vectorizer needs.
pub(super) const NEVER: f64 = f64::INFINITY;

/// One optimizer family's update of every lane, exactly as its `UpdateRule::step_2d`.
pub(super) trait LaneRule: Copy {
    /// Whether the update's gradient is taken at [`Self::gradient_point`] instead of the
    /// measured point (`NesterovLookahead`'s x + μv, as the engine's `needs_lookahead`).
    const LOOKAHEAD: bool = false;

    /// Where each lane's update gradient is taken when [`Self::LOOKAHEAD`] (the point itself
    /// otherwise).
    fn gradient_point(&self, point: [&[f64; LANES]; 2]) -> [[f64; LANES]; 2] {
        [*point[0], *point[1]]
    }

    /// The lanes' learning rates (their base lrs until a schedule sets them).
    fn lr(&mut self) -> &mut [f64; LANES];

    /// The lanes' momentum μ or β₁, which a schedule that cycles the momentum writes before
    /// every update (`UpdateRule::set_momentum`); `None` for a family whose lanes do not take
    /// such schedules (the engine runs those, see `Family::cycles_momentum_in_lanes`).
    fn momentum(&mut self) -> Option<&mut [f64; LANES]> {
        None
    }

    /// Told after a cycling schedule wrote the momentum of the lanes `driven` (1.0) for update
    /// number `update` (1.0 for the first): for a rule that derives something from the
    /// momentum beyond the update's own arithmetic (Adam's β₁ᵗ, which becomes Python's
    /// `beta1 ** t` of the current β₁ once a schedule moved it). Does nothing by default.
    fn momentum_driven(&mut self, _driven: &[f64; LANES], _update: f64) {}

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

/// torch's coupled weight decay (`rule::decayed`) as a select: g + λθ only when λ ≠ 0 (so a
/// non-finite θ with λ = 0 leaves the gradient alone).
#[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
#[inline(always)]
pub(super) fn decayed(g: f64, p: f64, wd: f64) -> f64 {
    pick(wd == 0.0, g, g + wd * p)
}

/// torch's CPU `start.lerp_(end, weight)` (`adamax::torch_lerp`): both of its forms computed,
/// the one torch takes kept.
#[expect(clippy::inline_always, reason = "the sweep's hot loop; see benches/sweep.rs")]
#[inline(always)]
pub(super) fn lerp(start: f64, end: f64, weight: f64) -> f64 {
    pick(weight.abs() < 0.5, start + weight * (end - start), end - (end - start) * (1.0 - weight))
}
