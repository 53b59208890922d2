//! The surfaces' formulas written once for any [`Real`]: `f64` for the run engine, a SIMD vector
//! of lanes for the sweep's vector kernel (`grid::lanes_vector`). Both evaluate the same
//! operations in the same order, lane by lane, so a lane's loss and gradient are the engine's
//! bit for bit.

use std::ops::{Add, Div, Mul, Sub};

/// A number the arithmetic surfaces are written for: `f64`, or a vector of `f64` lanes whose
/// operations are the IEEE ones lane by lane (no fused multiply-add).
pub trait Real:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
{
    /// The constant `value` in the shape of `self` (every lane `value`).
    #[must_use]
    fn like(self, value: f64) -> Self;
}

impl Real for f64 {
    #[expect(clippy::inline_always, reason = "the sweep's vector kernel: inlined in each version")]
    #[inline(always)]
    fn like(self, value: f64) -> f64 {
        value
    }
}

impl<S: fearless_simd::Simd> Real for fearless_simd::f64x4<S> {
    #[expect(clippy::inline_always, reason = "the sweep's vector kernel: inlined in each version")]
    #[inline(always)]
    fn like(self, value: f64) -> Self {
        fearless_simd::SimdBase::splat(self.simd, value)
    }
}

/// A surface whose loss and gradient use only +, −, × and ÷ (no library function), so that
/// they can be evaluated on any [`Real`].
pub trait Arithmetic: Copy {
    /// The loss and its gradient at `p`: for `f64`, [`super::Surface::value_and_gradient`].
    fn value_and_gradient<T: Real>(self, p: [T; 2]) -> (T, [T; 2]);
}

/// What runs with an [`Arithmetic`] surface ([`super::Surface::visit_arithmetic`]).
pub trait ArithmeticVisitor {
    /// What the visit returns.
    type Output;
    /// Runs with `surface`.
    fn visit<A: Arithmetic>(self, surface: A) -> Self::Output;
}
