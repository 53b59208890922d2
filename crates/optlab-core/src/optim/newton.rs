//! Newton's method and saddle-free Newton (Dauphin et al. 2014) on a 2-D surface with its exact
//! Hessian: x ← x − η(H + δI)⁻¹∇f and x ← x − η(|H| + δI)⁻¹∇f, |H| = V|Λ|Vᵀ.
//!
//! The run engine hands the rule the Hessian at the current point before each update
//! ([`UpdateRule::set_curvature`], used when [`UpdateRule::NEEDS_HESSIAN`]). A singular or
//! non-finite system gives a non-finite step, which the engine reports as a divergence at that
//! step. Training and `replay` have no exact Hessian and refuse these rules before building them.

use std::fmt::Write as _;

use super::rule::{Internals, UpdateRule};
use crate::limits::Limit;
use crate::slice::symmetric_eigen;

/// Training refuses Newton's methods: a network has no exact Hessian to invert. The name is the
/// sentence a user reads; a Newton run checks the value 1 against [0, 0].
pub const IN_TRAINING: Limit = Limit::closed(
    "optimizer: Newton's methods invert the exact Hessian of a 2-D surface, which a network does \
     not have (race them on a surface instead); Newton runs",
    0.0,
    0.0,
);

/// Which matrix the rule inverts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curvature {
    /// H itself (Newton): attracted to saddles and maxima as much as to minima.
    Plain,
    /// |H| = V|Λ|Vᵀ (saddle-free Newton): every direction is a descent direction.
    Absolute,
}

/// Newton or saddle-free Newton with damping δ.
#[derive(Clone, Debug, PartialEq)]
pub struct NewtonRule {
    curvature: Curvature,
    damping: f64,
    /// The Hessian at the point of the next update (NaN until the engine sets it).
    hessian: [[f64; 2]; 2],
    /// The last step direction (H + δI)⁻¹∇f, for the Internals view.
    direction: [f64; 2],
    steps: u64,
}

impl NewtonRule {
    /// A rule that has taken no step yet.
    #[must_use]
    pub fn new(curvature: Curvature, damping: f64) -> Self {
        Self { curvature, damping, hessian: [[f64::NAN; 2]; 2], direction: [0.0; 2], steps: 0 }
    }

    /// The matrix the step inverts: H + δI, or |H| + δI (NaN entries when H has no finite
    /// eigen-decomposition).
    fn system(&self) -> [[f64; 2]; 2] {
        let matrix = match self.curvature {
            Curvature::Plain => self.hessian,
            Curvature::Absolute => absolute(self.hessian),
        };
        let damping = self.damping;
        [[matrix[0][0] + damping, matrix[0][1]], [matrix[1][0], matrix[1][1] + damping]]
    }
}

/// |H| = V|Λ|Vᵀ of a symmetric 2×2 matrix; NaN entries when it is not finite.
#[must_use]
pub fn absolute(h: [[f64; 2]; 2]) -> [[f64; 2]; 2] {
    let Some((values, vectors)) = symmetric_eigen(h) else {
        return [[f64::NAN; 2]; 2];
    };
    let mut out = [[0.0; 2]; 2];
    for (value, vector) in values.iter().zip(vectors) {
        for (row, out_row) in out.iter_mut().enumerate() {
            for (column, entry) in out_row.iter_mut().enumerate() {
                *entry += value.abs() * vector[row] * vector[column];
            }
        }
    }
    out
}

/// The solution p of A·p = g by Cramer's rule (non-finite when A is singular).
#[must_use]
pub fn solve_2x2(a: [[f64; 2]; 2], g: [f64; 2]) -> [f64; 2] {
    let determinant = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    [
        (a[1][1] * g[0] - a[0][1] * g[1]) / determinant,
        (a[0][0] * g[1] - a[1][0] * g[0]) / determinant,
    ]
}

/// The rule in the course's notation (H the Hessian, δ the damping).
#[must_use]
pub fn rule_text(curvature: Curvature, damping: f64) -> String {
    let matrix = match curvature {
        Curvature::Plain => "H",
        Curvature::Absolute => "|H|",
    };
    let system = if damping == 0.0 { matrix.to_owned() } else { format!("({matrix} + δI)") };
    let mut text = format!("θ ← θ − η{system}⁻¹∇L   (H: the exact Hessian at θ)");
    if curvature == Curvature::Absolute {
        text.push_str("\n|H| = V|Λ|Vᵀ   (H = VΛVᵀ with every eigenvalue made positive)");
    }
    if damping != 0.0 {
        let _ = write!(text, "\nδ = {damping}");
    }
    text
}

impl UpdateRule for NewtonRule {
    const NEEDS_HESSIAN: bool = true;

    fn set_curvature(&mut self, hessian: [[f64; 2]; 2]) {
        self.hessian = hessian;
    }

    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        let (&mut [x, y], &[gx, gy]) = (&mut *params, grad) else {
            // Not a 2-D surface: no 2×2 Hessian describes it (callers refuse this case).
            self.steps += 1;
            params.fill(f64::NAN);
            return;
        };
        let mut point = [x, y];
        self.step_2d(&mut point, [gx, gy], lr);
        params.copy_from_slice(&point);
    }

    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        self.steps += 1;
        self.direction = solve_2x2(self.system(), grad);
        params[0] -= lr * self.direction[0];
        params[1] -= lr * self.direction[1];
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        effective_step.fill(lr);
        Internals { velocity: Some(&self.direction), second_moment: None, steps_taken: self.steps }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newton_on_a_quadratic_lands_on_its_minimum_in_one_step() {
        // f = ½xᵀHx − cᵀx has ∇f = Hx − c and its minimum at H⁻¹c.
        let h = [[3.0, 0.5], [0.5, 1.0]];
        let c = [1.0, -2.0];
        let mut rule = NewtonRule::new(Curvature::Plain, 0.0);
        rule.set_curvature(h);
        let mut x = [2.0, -1.5];
        let grad = [h[0][0] * x[0] + h[0][1] * x[1] - c[0], h[1][0] * x[0] + h[1][1] * x[1] - c[1]];
        rule.step_2d(&mut x, grad, 1.0);
        let minimum = solve_2x2(h, c);
        assert!((x[0] - minimum[0]).abs() < 1e-14 && (x[1] - minimum[1]).abs() < 1e-14, "{x:?}");
    }

    #[test]
    fn absolute_value_flips_the_negative_curvature_of_a_saddle() {
        let flipped = absolute([[10.0, 0.0], [0.0, -2.0]]);
        assert_eq!(flipped, [[10.0, 0.0], [0.0, 2.0]]);
        let rotated = absolute([[1.0, 2.0], [2.0, 1.0]]); // eigenvalues 3 and −1
        assert!((rotated[0][0] - 2.0).abs() < 1e-12 && (rotated[0][1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_singular_hessian_gives_a_non_finite_step_and_no_panic() {
        let mut rule = NewtonRule::new(Curvature::Plain, 0.0);
        rule.set_curvature([[0.0, 0.0], [0.0, 0.0]]);
        let mut x = [1.0, 1.0];
        rule.step_2d(&mut x, [1.0, 0.0], 1.0);
        assert!(!x[0].is_finite());
    }

    #[test]
    fn the_slice_step_equals_the_2d_step_and_other_lengths_are_not_finite() {
        let mut a = NewtonRule::new(Curvature::Absolute, 0.1);
        let mut b = a.clone();
        a.set_curvature([[2.0, 1.0], [1.0, -3.0]]);
        b.set_curvature([[2.0, 1.0], [1.0, -3.0]]);
        let mut point = [0.3, -0.7];
        let mut slice = [0.3, -0.7];
        a.step_2d(&mut point, [0.5, 0.25], 0.5);
        b.step(&mut slice, &[0.5, 0.25], 0.5);
        assert_eq!(point.map(f64::to_bits), [slice[0].to_bits(), slice[1].to_bits()]);
        assert_eq!(a.steps_taken(), b.steps_taken());
        let mut three = [1.0, 2.0, 3.0];
        b.step(&mut three, &[1.0, 1.0, 1.0], 1.0);
        assert!(three.iter().all(|v| v.is_nan()));
    }
}
