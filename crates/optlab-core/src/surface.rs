//! Two-dimensional loss surfaces: the landscapes the optimizers walk on.
//!
//! A [`Surface`] is plain configuration (what a RON file or the GUI says), and at the same time
//! the function itself: [`Surface::value_and_gradient`] is the hot path of every run, so it
//! dispatches once on the variant and then evaluates a small closed-form expression with no
//! allocation. Everything else here (minima, saddles, view boxes, formulas) is for drawing
//! the map and is computed on demand.
//!
//! The RON form is the externally tagged enum: `Rosenbrock(a: 1.0, b: 100.0)`, `Rosenbrock()`
//! (all defaults), `TacoShell(condition: 50.0, angle: 30.0)`,
//! `Quadratic(h: ((3.0, 0.5), (0.5, 1.0)), c: (1.0, -2.0))`, `Beale`, `Saddle`. Every number
//! is range-checked while parsing (see [`crate::limited_f64!`]), so a bad value is reported
//! with its line and column.

use crate::expr::Formula;
pub use real::{Arithmetic, ArithmeticVisitor, Real};
use std::f64::consts::TAU;

use serde::{Deserialize, Serialize};

use crate::limits::{Limit, LimitError, check_all};

/// A point in the plane, `[x, y]`.
pub type Point = [f64; 2];

/// A symmetric 2×2 matrix as the user writes it in RON: `((h11, h12), (h21, h22))`.
type Pairs = ((f64, f64), (f64, f64));

/// A 2×2 matrix, row-major.
type Matrix = [[f64; 2]; 2];

/// Allowed range of [`Surface::TacoShell`]'s `condition`.
pub const TACO_CONDITION: Limit = Limit::closed("condition", 1.0, 1e6);
/// Allowed range of [`Surface::TacoShell`]'s `angle` (degrees; any finite value).
pub const TACO_ANGLE: Limit = Limit::finite("angle");
/// Allowed range of [`Surface::Rosenbrock`]'s `a`.
pub const ROSENBROCK_A: Limit = Limit::finite("a");
/// Allowed range of [`Surface::Rosenbrock`]'s `b`.
pub const ROSENBROCK_B: Limit = Limit::at_least("b", 0.0);
/// Allowed range of [`Surface::Rastrigin`]'s `a`.
pub const RASTRIGIN_A: Limit = Limit::at_least("a", 0.0);
/// Allowed range of each entry of [`Surface::Quadratic`]'s `h`.
pub const QUADRATIC_H: Limit = Limit::finite("h");
/// Allowed range of each entry of [`Surface::Quadratic`]'s `c`.
pub const QUADRATIC_C: Limit = Limit::finite("c");

mod real;

/// Default values of the RON fields (serde needs them as functions).
mod defaults {
    use super::Pairs;

    pub(super) fn identity() -> Pairs {
        ((1.0, 0.0), (0.0, 1.0))
    }
    pub(super) fn origin() -> (f64, f64) {
        (0.0, 0.0)
    }
    pub(super) fn condition() -> f64 {
        10.0
    }
    pub(super) fn angle() -> f64 {
        30.0
    }
    pub(super) fn rosenbrock_a() -> f64 {
        1.0
    }
    pub(super) fn rosenbrock_b() -> f64 {
        100.0
    }
    pub(super) fn rastrigin_a() -> f64 {
        10.0
    }
}

/// Range-checking deserializers, so ron reports the position of a bad value.
mod checked {
    use serde::Deserialize;
    use serde::de::Error;

    use super::{
        Pairs, QUADRATIC_C, RASTRIGIN_A, ROSENBROCK_A, ROSENBROCK_B, TACO_ANGLE, TACO_CONDITION,
    };
    use crate::limits::check_all;

    crate::limited_f64!(condition, TACO_CONDITION);
    crate::limited_f64!(angle, TACO_ANGLE);
    crate::limited_f64!(rosenbrock_a, ROSENBROCK_A);
    crate::limited_f64!(rosenbrock_b, ROSENBROCK_B);
    crate::limited_f64!(rastrigin_a, RASTRIGIN_A);

    pub(super) fn h<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Pairs, D::Error> {
        let h = Pairs::deserialize(deserializer)?;
        super::check_h(h).map_err(D::Error::custom)?;
        Ok(h)
    }

    pub(super) fn c<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<(f64, f64), D::Error> {
        let c = <(f64, f64)>::deserialize(deserializer)?;
        check_all(&[(c.0, QUADRATIC_C), (c.1, QUADRATIC_C)]).map_err(D::Error::custom)?;
        Ok(c)
    }
}

/// A two-dimensional loss surface `f(x, y)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Surface {
    /// ½ pᵀHp − cᵀp, H = ((h11, h12), (h12, h22)) written `h: ((a, b), (b, d))`.
    ///
    /// `h` must be symmetric; should an asymmetric one be built in code anyway, the math uses
    /// its symmetric part so value, gradient and Hessian stay consistent.
    Quadratic {
        /// The Hessian H, `((h11, h12), (h21, h22))` with h12 = h21 (default: identity).
        #[serde(default = "defaults::identity", deserialize_with = "checked::h")]
        h: ((f64, f64), (f64, f64)),
        /// The linear term c (default `(0, 0)`); the minimum is at H⁻¹c.
        #[serde(default = "defaults::origin", deserialize_with = "checked::c")]
        c: (f64, f64),
    },
    /// A quadratic given by condition number and rotation in degrees: the "taco shell" valley.
    ///
    /// f = ½pᵀHp with H = R(angle)·diag(1, condition)·R(angle)ᵀ: minimum 0 at the origin, the
    /// long (eigenvalue 1) axis turned `angle` degrees counter-clockwise from the x axis.
    TacoShell {
        /// Ratio of the steep to the shallow curvature, in [1, 1e6] (default 10).
        #[serde(default = "defaults::condition", deserialize_with = "checked::condition")]
        condition: f64,
        /// Direction of the valley floor in degrees from the x axis (default 30).
        #[serde(default = "defaults::angle", deserialize_with = "checked::angle")]
        angle: f64,
    },
    /// (a − x)² + b(y − x²)²: the curved banana valley, minimum 0 at (a, a²).
    Rosenbrock {
        /// Position of the minimum along x (default 1).
        #[serde(default = "defaults::rosenbrock_a", deserialize_with = "checked::rosenbrock_a")]
        a: f64,
        /// Steepness of the valley walls, at least 0 (default 100).
        #[serde(default = "defaults::rosenbrock_b", deserialize_with = "checked::rosenbrock_b")]
        b: f64,
    },
    /// (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²: flat plateaus and a narrow
    /// valley, minimum 0 at (3, 0.5).
    Beale,
    /// (x² + y − 11)² + (x + y² − 7)²: four global minima of value 0.
    Himmelblau,
    /// 2a + Σ (xᵢ² − a cos 2πxᵢ): a bowl covered in a grid of local minima.
    Rastrigin {
        /// Depth of the ripples, at least 0 (default 10).
        #[serde(default = "defaults::rastrigin_a", deserialize_with = "checked::rastrigin_a")]
        a: f64,
    },
    /// (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²: two global and four local minima.
    SixHumpCamel,
    /// x² − y² + ½y⁴: a true saddle at the origin (curvatures 2 and −2), with minima −½ at
    /// (0, ±1) so that escaping the saddle ends somewhere.
    Saddle,
    /// (x² − 1)² + 0.3x + y²: a deep minimum near x = −1.04 (≈ −0.31) and a shallow one near
    /// x = 0.96 (≈ 0.29), separated by a saddle near x = 0.075.
    DoubleWell,
    /// A formula f(x, y) typed by the user, e.g. `Expression("(1 - x)^2 + 100*(y - x^2)^2")`:
    /// `+ - * / ^`, parentheses, `sin cos tan exp log sqrt abs tanh`, `pi`, `e`. Gradient and
    /// Hessian by automatic differentiation; no known minima.
    Expression(Formula),
}

impl Default for Surface {
    /// The taco shell with condition 10 at 30°, the classic picture of why plain SGD zig-zags.
    fn default() -> Self {
        Self::TacoShell { condition: defaults::condition(), angle: defaults::angle() }
    }
}

/// An axis-aligned rectangle of the plane, the part of a surface shown on the map.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ViewBox {
    /// Left edge.
    pub x_min: f64,
    /// Right edge.
    pub x_max: f64,
    /// Bottom edge.
    pub y_min: f64,
    /// Top edge.
    pub y_max: f64,
}

impl ViewBox {
    /// `x_max − x_min`.
    #[must_use]
    pub fn width(&self) -> f64 {
        self.x_max - self.x_min
    }

    /// `y_max − y_min`.
    #[must_use]
    pub fn height(&self) -> f64 {
        self.y_max - self.y_min
    }

    /// Whether `p` lies inside the box or on its edge.
    #[must_use]
    pub fn contains(&self, p: Point) -> bool {
        (self.x_min..=self.x_max).contains(&p[0]) && (self.y_min..=self.y_max).contains(&p[1])
    }

    /// The middle of the box.
    #[must_use]
    pub fn center(&self) -> Point {
        [0.5 * (self.x_min + self.x_max), 0.5 * (self.y_min + self.y_max)]
    }

    /// The smallest box with the same centre that contains this one and whose width over
    /// height is `aspect` (a plot with a locked aspect ratio shows that much).
    #[must_use]
    pub fn with_aspect(&self, aspect: f64) -> Self {
        let (w, h) = (self.width(), self.height());
        if !(aspect.is_finite() && aspect > 0.0 && w > 0.0 && h > 0.0) {
            return *self;
        }
        let (w, h) = if w / h < aspect { (h * aspect, h) } else { (w, w / aspect) };
        Self::around(self.center(), 0.5 * w, 0.5 * h)
    }

    /// The box grown by `fraction` of its size on every side.
    #[must_use]
    pub fn grown(&self, fraction: f64) -> Self {
        let (w, h) = (self.width(), self.height());
        Self::around(self.center(), (0.5 + fraction) * w, (0.5 + fraction) * h)
    }

    /// Whether `other` lies entirely inside this box.
    #[must_use]
    pub fn covers(&self, other: &Self) -> bool {
        self.x_min <= other.x_min
            && other.x_max <= self.x_max
            && self.y_min <= other.y_min
            && other.y_max <= self.y_max
    }

    /// Whether the box has finite edges and a positive width and height.
    #[must_use]
    pub fn is_proper(&self) -> bool {
        [self.x_min, self.x_max, self.y_min, self.y_max].iter().all(|v| v.is_finite())
            && self.width() > 0.0
            && self.height() > 0.0
    }

    /// The box `center ± (half_width, half_height)`.
    fn around(center: Point, half_width: f64, half_height: f64) -> Self {
        Self {
            x_min: center[0] - half_width,
            x_max: center[0] + half_width,
            y_min: center[1] - half_height,
            y_max: center[1] + half_height,
        }
    }
}

/// Whether a minimum is the lowest point of the surface or only of its neighbourhood.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MinimumKind {
    /// No point of the surface is lower.
    Global,
    /// Lowest only in a neighbourhood: an optimizer can get stuck here.
    Local,
}

/// The analytic gradient at a point against central differences, as the course's gradient
/// check does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradientCheck {
    /// ∇f from the surface's formula (or automatic differentiation for a typed one).
    pub analytic: Point,
    /// (f(p + h·eᵢ) − f(p − h·eᵢ)) / 2h per coordinate.
    pub numeric: Point,
    /// The step h used: 1e-5 · max(1, |pᵢ|).
    pub step: Point,
    /// ‖a − n‖ / max(1e-8, ‖a‖ + ‖n‖), Euclidean norms of the two gradient vectors.
    pub relative_error: f64,
    /// ‖a − n‖.
    pub absolute_error: f64,
}

impl GradientCheck {
    /// Whether the gradients agree: relative error below 1e-6, or, near a stationary point
    /// where a relative error means nothing, an absolute error below 1e-7 (central
    /// differences with h = 1e-5 carry rounding noise of about 1e-10 there).
    /// Both gradients are numbers only where the surface is defined (a formula such as
    /// `log(x)` is not, for x ≤ 0): NaN or infinity never agrees.
    #[must_use]
    pub fn agrees(&self) -> bool {
        self.defined() && (self.relative_error < 1e-6 || self.absolute_error < 1e-7)
    }

    /// Whether both gradients are finite (the surface is defined and smooth enough here).
    #[must_use]
    pub fn defined(&self) -> bool {
        self.analytic.iter().chain(&self.numeric).all(|v| v.is_finite())
    }
}

/// A computation generic over a surface's loss-and-gradient function, run by
/// [`Surface::visit`].
pub trait SurfaceVisitor {
    /// What the visit returns.
    type Output;
    /// Runs with `value_and_gradient`, equal to [`Surface::value_and_gradient`] bit for bit.
    fn visit<F: Fn(Point) -> (f64, Point) + Copy>(self, value_and_gradient: F) -> Self::Output;
}

/// A known minimum of a surface.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Minimum {
    /// Where it is.
    pub position: Point,
    /// The surface's value there.
    pub value: f64,
    /// Global or local.
    pub kind: MinimumKind,
}

impl Surface {
    /// The loss at `p`.
    #[must_use]
    #[inline]
    pub fn value(&self, p: Point) -> f64 {
        // After inlining, the unused gradient arithmetic is dead code and disappears.
        self.value_and_gradient(p).0
    }

    /// The gradient ∇f at `p`.
    #[must_use]
    #[inline]
    pub fn gradient(&self, p: Point) -> Point {
        self.value_and_gradient(p).1
    }

    /// The loss and its gradient at `p`, sharing subexpressions: the optimizers' hot path.
    #[must_use]
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    pub fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        match *self {
            Self::Quadratic { h, c } => quadratic_vg(h, c, p),
            Self::TacoShell { condition, angle } => taco_vg(condition, angle, p),
            Self::Rosenbrock { a, b } => rosenbrock_vg(a, b, p),
            Self::Beale => beale_vg(p),
            Self::Himmelblau => himmelblau_vg(p),
            Self::Rastrigin { a } => rastrigin_vg(a, p),
            Self::SixHumpCamel => camel_vg(p),
            Self::Saddle => saddle_vg(p),
            Self::DoubleWell => double_well_vg(p),
            Self::Expression(ref formula) => formula.expr().value_and_gradient(p),
        }
    }

    /// Runs `visitor` with this surface's loss-and-gradient function: one match, then the
    /// visitor's loop monomorphized with the formula inlined (the sweep kernels).
    pub fn visit<V: SurfaceVisitor>(&self, visitor: V) -> V::Output {
        match *self {
            Self::Quadratic { h, c } => visitor.visit(move |p| quadratic_vg(h, c, p)),
            Self::TacoShell { condition, angle } => {
                visitor.visit(move |p| taco_vg(condition, angle, p))
            }
            Self::Rosenbrock { a, b } => visitor.visit(move |p| rosenbrock_vg(a, b, p)),
            Self::Beale => visitor.visit(beale_vg::<f64>),
            Self::Himmelblau => visitor.visit(himmelblau_vg::<f64>),
            Self::Rastrigin { a } => visitor.visit(move |p| rastrigin_vg(a, p)),
            Self::SixHumpCamel => visitor.visit(camel_vg::<f64>),
            Self::Saddle => visitor.visit(saddle_vg::<f64>),
            Self::DoubleWell => visitor.visit(double_well_vg::<f64>),
            Self::Expression(ref formula) => {
                visitor.visit(|p| formula.expr().value_and_gradient(p))
            }
        }
    }

    /// Runs `visitor` with this surface as an [`Arithmetic`] one (its formula evaluated on any
    /// [`Real`], such as a SIMD vector of lanes, with the engine's operations in the engine's
    /// order), or gives the visitor back for Rastrigin (its cosines are library calls) and typed
    /// formulas.
    ///
    /// # Errors
    /// The visitor itself, for a surface that is not arithmetic.
    pub fn visit_arithmetic<V: ArithmeticVisitor>(&self, visitor: V) -> Result<V::Output, V> {
        Ok(match *self {
            Self::Quadratic { h, c } => visitor.visit(QuadraticFormula { h, c }),
            Self::TacoShell { condition, angle } => {
                let sin_cos = angle.to_radians().sin_cos();
                visitor.visit(TacoFormula { condition, sin_cos })
            }
            Self::Rosenbrock { a, b } => visitor.visit(RosenbrockFormula { a, b }),
            Self::Beale => visitor.visit(BealeFormula),
            Self::Himmelblau => visitor.visit(HimmelblauFormula),
            Self::SixHumpCamel => visitor.visit(CamelFormula),
            Self::Saddle => visitor.visit(SaddleFormula),
            Self::DoubleWell => visitor.visit(DoubleWellFormula),
            Self::Rastrigin { .. } | Self::Expression(_) => return Err(visitor),
        })
    }

    /// Checks the analytic gradient at `p` against central differences.
    #[must_use]
    pub fn gradient_check(&self, p: Point) -> GradientCheck {
        let analytic = self.gradient(p);
        let step = p.map(|c| 1e-5 * c.abs().max(1.0));
        let mut numeric = [0.0; 2];
        for i in 0..2 {
            let (mut ahead, mut behind) = (p, p);
            ahead[i] += step[i];
            behind[i] -= step[i];
            numeric[i] = (self.value(ahead) - self.value(behind)) / (ahead[i] - behind[i]);
        }
        // On whole vectors, not per coordinate: a coordinate whose gradient is 0 would
        // otherwise turn rounding noise of 1e-10 into a "relative error" of 1e-2.
        let norm = |v: Point| v[0].hypot(v[1]);
        let difference = norm([analytic[0] - numeric[0], analytic[1] - numeric[1]]);
        let relative_error = difference / (norm(analytic) + norm(numeric)).max(1e-8);
        GradientCheck { analytic, numeric, step, relative_error, absolute_error: difference }
    }

    /// The analytic Hessian ∇²f at `p` (always exactly symmetric).
    #[must_use]
    pub fn hessian(&self, p: Point) -> [[f64; 2]; 2] {
        match *self {
            Self::Quadratic { h, .. } => quadratic_hessian(h),
            Self::TacoShell { condition, angle } => taco_hessian(condition, angle),
            Self::Rosenbrock { a: _, b } => rosenbrock_hessian(b, p),
            Self::Beale => beale_hessian(p),
            Self::Himmelblau => himmelblau_hessian(p),
            Self::Rastrigin { a } => rastrigin_hessian(a, p),
            Self::SixHumpCamel => camel_hessian(p),
            Self::Saddle => [[2.0, 0.0], [0.0, 6.0 * p[1] * p[1] - 2.0]],
            Self::DoubleWell => [[12.0 * p[0] * p[0] - 4.0, 0.0], [0.0, 2.0]],
            Self::Expression(ref formula) => formula.expr().hessian(p),
        }
    }

    /// The region the map shows by default: every listed minimum and the default start lie
    /// inside with a margin.
    #[must_use]
    pub fn view_box(&self) -> ViewBox {
        match *self {
            Self::Quadratic { h, c } => {
                ViewBox::around(quadratic_critical_point(h, c).unwrap_or([0.0, 0.0]), 3.0, 3.0)
            }
            Self::TacoShell { .. } | Self::Himmelblau => ViewBox::around([0.0, 0.0], 5.0, 5.0),
            Self::Rosenbrock { a, .. } => {
                // The minimum (a, a²) moves out linearly in x and quadratically in y.
                let s = a.abs().max(1.0);
                ViewBox { x_min: -2.0 * s, x_max: 2.0 * s, y_min: -s * s, y_max: 3.0 * s * s }
            }
            Self::Beale => ViewBox::around([0.0, 0.0], 4.5, 4.5),
            Self::Rastrigin { .. } => ViewBox::around([0.0, 0.0], 5.12, 5.12),
            Self::SixHumpCamel => ViewBox::around([0.0, 0.0], 2.0, 1.2),
            Self::Saddle => ViewBox::around([0.0, 0.0], 2.0, 2.0),
            Self::DoubleWell => ViewBox::around([0.0, 0.0], 2.0, 1.5),
            Self::Expression(_) => ViewBox::around([0.0, 0.0], 3.0, 3.0),
        }
    }

    /// A start that teaches something about the surface.
    ///
    /// * Quadratic: off both axes of H, so the path bends when H is anisotropic.
    /// * Taco shell: far along the valley floor and one unit up its wall, so plain gradient
    ///   descent zig-zags across the valley while crawling along it.
    /// * Rosenbrock: the classic (−1.2, 1) (scaled with `a`), across the banana from the minimum.
    /// * Beale: (−2, −2), where gradient descent's fate hangs on the learning rate: it reaches
    ///   (3, 0.5), strands on the flat plateau at x < 0, or diverges.
    /// * Himmelblau: the origin, beside the local maximum: small nudges pick different minima.
    /// * Rastrigin: between ripples far from the centre: plain descent stops in a local minimum.
    /// * Six-hump camel: above the local minimum (−1.61, −0.57), two units higher than the
    ///   global ones.
    /// * Saddle: (−1.5, 0.001), almost on the saddle's stable manifold y = 0: descent slides
    ///   into the saddle and takes long to escape.
    /// * Double well: on the shallow side, so only enough momentum reaches the deep minimum.
    #[must_use]
    pub fn default_start(&self) -> Point {
        match *self {
            Self::Quadratic { h, c } => {
                let center = quadratic_critical_point(h, c).unwrap_or([0.0, 0.0]);
                [center[0] + 2.0, center[1] + 1.5]
            }
            Self::TacoShell { angle, .. } => {
                let (sin, cos) = angle.to_radians().sin_cos();
                rotate(cos, sin, [-4.0, 1.0])
            }
            Self::Rosenbrock { a, .. } => {
                let s = a.abs().max(1.0);
                [-1.2 * s.copysign(a), s * s]
            }
            Self::Beale => [-2.0, -2.0],
            Self::Himmelblau => [0.0, 0.0],
            Self::Rastrigin { .. } => [-4.3, 3.6],
            Self::SixHumpCamel => [-1.5, -1.0],
            Self::Saddle => [-1.5, 1e-3],
            Self::DoubleWell => [1.8, 1.0],
            Self::Expression(_) => [-2.0, 2.0],
        }
    }

    /// The known minima, accurate to about 1e-12 (closed forms where they exist, otherwise
    /// Newton's method on the analytic gradient and Hessian).
    ///
    /// Quadratic: H⁻¹c when H is positive definite, none otherwise. Rosenbrock: (a, a²) when
    /// b > 0 (for b = 0 the whole line x = a is minimal, so none is listed). Rastrigin: the
    /// global minimum at the origin and every local minimum inside the view box.
    #[must_use]
    pub fn minima(&self) -> Vec<Minimum> {
        let positions = match *self {
            Self::Quadratic { h, c } => quadratic_minimum(h, c).into_iter().collect(),
            Self::TacoShell { .. } => vec![[0.0, 0.0]],
            Self::Rosenbrock { a, b } if b > 0.0 => vec![[a, a * a]],
            // A typed formula's minima are not known.
            Self::Rosenbrock { .. } | Self::Expression(_) => Vec::new(),
            Self::Beale => vec![[3.0, 0.5]],
            Self::Himmelblau => self.refined(&HIMMELBLAU_MINIMA),
            Self::Rastrigin { a } => rastrigin_minima(a, self.view_box().x_max),
            Self::SixHumpCamel => mirrored(self.refined(&CAMEL_MINIMA)),
            Self::Saddle => vec![[0.0, -1.0], [0.0, 1.0]],
            Self::DoubleWell => self.refined(&DOUBLE_WELL_MINIMA),
        };
        self.classify(positions)
    }

    /// Known saddle points, for marking them on the map.
    ///
    /// Rastrigin's hundreds of saddles (one between every pair of neighbouring minima) are left
    /// out: drawn, they would bury the map.
    #[must_use]
    pub fn saddle_points(&self) -> Vec<Point> {
        match *self {
            Self::Quadratic { h, c } => quadratic_saddle(h, c).into_iter().collect(),
            Self::TacoShell { .. }
            | Self::Rosenbrock { .. }
            | Self::Rastrigin { .. }
            | Self::Expression(_) => Vec::new(),
            Self::Beale => {
                let mut saddles = vec![[0.0, 1.0]];
                saddles.extend(self.refined(&BEALE_SADDLES));
                saddles
            }
            Self::Himmelblau => self.refined(&HIMMELBLAU_SADDLES),
            Self::SixHumpCamel => {
                let mut saddles = vec![[0.0, 0.0]];
                saddles.extend(mirrored(self.refined(&CAMEL_SADDLES)));
                saddles
            }
            Self::Saddle => vec![[0.0, 0.0]],
            Self::DoubleWell => self.refined(&DOUBLE_WELL_SADDLES),
        }
    }

    /// Display name, e.g. "Rosenbrock" or "Six-hump camel".
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Quadratic { .. } => "Quadratic",
            Self::TacoShell { .. } => "Taco shell",
            Self::Rosenbrock { .. } => "Rosenbrock",
            Self::Beale => "Beale",
            Self::Himmelblau => "Himmelblau",
            Self::Rastrigin { .. } => "Rastrigin",
            Self::SixHumpCamel => "Six-hump camel",
            Self::Saddle => "Saddle",
            Self::DoubleWell => "Double well",
            Self::Expression(_) => "Expression",
        }
    }

    /// The formula in Unicode with the actual parameters, e.g. "(1 − x)² + 100(y − x²)²".
    #[must_use]
    pub fn formula(&self) -> String {
        match *self {
            Self::Quadratic { h, c } => quadratic_formula(h, c),
            Self::TacoShell { condition, angle } => {
                let (k, t) = (number(condition), number(angle));
                format!("½(u² + {k}v²), u = x cos {t}° + y sin {t}°, v = −x sin {t}° + y cos {t}°")
            }
            Self::Rosenbrock { a, b } => rosenbrock_formula(a, b),
            Self::Beale => "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²".to_owned(),
            Self::Himmelblau => "(x² + y − 11)² + (x + y² − 7)²".to_owned(),
            Self::Rastrigin { a } => {
                format!("{} + x² + y² − {}(cos 2πx + cos 2πy)", number(2.0 * a), number(a))
            }
            Self::SixHumpCamel => "(4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²".to_owned(),
            Self::Saddle => "x² − y² + ½y⁴".to_owned(),
            Self::DoubleWell => "(x² − 1)² + 0.3x + y²".to_owned(),
            Self::Expression(ref formula) => formula.text().to_owned(),
        }
    }

    /// Checks the parameters against the same limits as RON parsing.
    ///
    /// # Errors
    /// The first out-of-range parameter. An asymmetric `h` is reported as the field
    /// `h21 (must equal h12)` whose allowed interval is the single value h12.
    pub fn validate(&self) -> Result<(), LimitError> {
        match *self {
            Self::Quadratic { h, c } => {
                check_h(h)?;
                check_all(&[(c.0, QUADRATIC_C), (c.1, QUADRATIC_C)])
            }
            Self::TacoShell { condition, angle } => {
                check_all(&[(condition, TACO_CONDITION), (angle, TACO_ANGLE)])
            }
            Self::Rosenbrock { a, b } => check_all(&[(a, ROSENBROCK_A), (b, ROSENBROCK_B)]),
            Self::Rastrigin { a } => RASTRIGIN_A.check(a).map(|_| ()),
            Self::Beale
            | Self::Himmelblau
            | Self::SixHumpCamel
            | Self::Saddle
            | Self::DoubleWell
            | Self::Expression(_) => Ok(()),
        }
    }

    /// One surface of every kind with default parameters, in teaching order: from the round
    /// bowl through ill-conditioning, saddles and curved valleys to many minima.
    #[must_use]
    pub fn catalogue() -> Vec<Surface> {
        let example = Formula::new("(1 - x)^2 + 100*(y - x^2)^2").ok().map(Self::Expression);
        let mut surfaces = vec![
            Self::Quadratic { h: defaults::identity(), c: defaults::origin() },
            Self::default(),
            Self::Saddle,
            Self::Rosenbrock { a: defaults::rosenbrock_a(), b: defaults::rosenbrock_b() },
            Self::DoubleWell,
            Self::Beale,
            Self::Himmelblau,
            Self::SixHumpCamel,
            Self::Rastrigin { a: defaults::rastrigin_a() },
        ];
        // Last: the surface you write yourself (the example always parses).
        surfaces.extend(example);
        surfaces
    }

    /// Polishes approximate critical points with Newton's method.
    fn refined(&self, seeds: &[Point]) -> Vec<Point> {
        seeds.iter().map(|&seed| self.newton(seed)).collect()
    }

    /// Newton's method on ∇f = 0 from `seed`, keeping only steps that shrink |∇f|, so the
    /// result is never worse than the seed.
    fn newton(&self, seed: Point) -> Point {
        let mut p = seed;
        let mut residual = norm(self.gradient(p));
        for _ in 0..16 {
            let Some(step) = solve(self.hessian(p), self.gradient(p)) else { break };
            let next = [p[0] - step[0], p[1] - step[1]];
            let next_residual = norm(self.gradient(next));
            if next_residual < residual {
                p = next;
                residual = next_residual;
            } else {
                break;
            }
        }
        p
    }

    /// Attaches values and marks the lowest ones (up to rounding) as global.
    fn classify(&self, positions: Vec<Point>) -> Vec<Minimum> {
        let values: Vec<f64> = positions.iter().map(|&p| self.value(p)).collect();
        let lowest = values.iter().copied().fold(f64::INFINITY, f64::min);
        let tolerance = 1e-9 * lowest.abs().max(1.0);
        positions
            .into_iter()
            .zip(values)
            .map(|(position, value)| {
                let kind = if value <= lowest + tolerance {
                    MinimumKind::Global
                } else {
                    MinimumKind::Local
                };
                Minimum { position, value, kind }
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Seeds for Newton's method, from a grid search; polished to full precision on demand.
// Point-symmetric surfaces list one of each pair.

const HIMMELBLAU_MINIMA: [Point; 4] = [
    [3.0, 2.0],
    [-2.805_118_086_952_745, 3.131_312_518_250_573],
    [-3.779_310_253_377_747, -3.283_185_991_286_17],
    [3.584_428_340_330_492, -1.848_126_526_964_404],
];
const HIMMELBLAU_SADDLES: [Point; 4] = [
    [-3.073_025_750_764_39, -0.081_353_044_287_968],
    [-0.127_961_346_730_680, -1.953_714_980_244_577],
    [0.086_677_504_555_396, 2.884_254_701_174_776],
    [3.385_154_183_607_021, 0.073_851_879_837_749],
];
const BEALE_SADDLES: [Point; 1] = [[0.100_537_937_324_158, -2.644_513_585_023_125]];
const CAMEL_MINIMA: [Point; 3] = [
    [0.089_842_013_100_318, -0.712_656_403_020_740],
    [-1.703_606_714_969_981, 0.796_083_568_672_625],
    [-1.607_104_752_920_197, -0.568_651_454_884_131],
];
const CAMEL_SADDLES: [Point; 3] = [
    [-1.638_067_984_189_779, -0.228_674_069_044_394],
    [-1.296_070_267_167_109, -0.605_084_388_038_659],
    [-1.109_205_336_804_787, 0.768_268_092_509_540],
];
const DOUBLE_WELL_MINIMA: [Point; 2] =
    [[-1.035_578_714_088_854, 0.0], [0.960_149_555_519_106, 0.0]];
const DOUBLE_WELL_SADDLES: [Point; 1] = [[0.075_429_158_569_748, 0.0]];

/// Each point followed by its mirror image −p.
fn mirrored(points: Vec<Point>) -> Vec<Point> {
    points.into_iter().flat_map(|p| [p, [-p[0], -p[1]]]).collect()
}

// ---------------------------------------------------------------------------------------------
// Small linear algebra.

fn norm(v: Point) -> f64 {
    v[0].hypot(v[1])
}

/// Solves `m · s = v`; `None` when `m` is singular (or anything overflowed).
fn solve(m: Matrix, v: Point) -> Option<Point> {
    let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    let s = [(m[1][1] * v[0] - m[0][1] * v[1]) / det, (m[0][0] * v[1] - m[1][0] * v[0]) / det];
    (s[0].is_finite() && s[1].is_finite()).then_some(s)
}

/// [`Surface::Quadratic`] as an [`Arithmetic`] surface.
#[derive(Clone, Copy)]
struct QuadraticFormula {
    h: Pairs,
    c: (f64, f64),
}

impl Arithmetic for QuadraticFormula {
    #[expect(clippy::inline_always, reason = "the sweep's vector kernel; see benches/sweep.rs")]
    #[inline(always)]
    fn value_and_gradient<T: Real>(self, p: [T; 2]) -> (T, [T; 2]) {
        quadratic_vg(self.h, self.c, p)
    }
}

/// [`Surface::TacoShell`] as an [`Arithmetic`] surface, with its angle's sine and cosine.
#[derive(Clone, Copy)]
struct TacoFormula {
    condition: f64,
    sin_cos: (f64, f64),
}

impl Arithmetic for TacoFormula {
    #[expect(clippy::inline_always, reason = "the sweep's vector kernel; see benches/sweep.rs")]
    #[inline(always)]
    fn value_and_gradient<T: Real>(self, p: [T; 2]) -> (T, [T; 2]) {
        turned_taco_vg(self.condition, self.sin_cos, p)
    }
}

/// [`Surface::Rosenbrock`] as an [`Arithmetic`] surface.
#[derive(Clone, Copy)]
struct RosenbrockFormula {
    a: f64,
    b: f64,
}

impl Arithmetic for RosenbrockFormula {
    #[expect(clippy::inline_always, reason = "the sweep's vector kernel; see benches/sweep.rs")]
    #[inline(always)]
    fn value_and_gradient<T: Real>(self, p: [T; 2]) -> (T, [T; 2]) {
        rosenbrock_vg(self.a, self.b, p)
    }
}

/// The surfaces without parameters as [`Arithmetic`] ones: a unit type per formula.
macro_rules! parameterless_formulas {
    ($($name:ident => $formula:ident),* $(,)?) => {$(
        #[doc = concat!("`", stringify!($formula), "` as an [`Arithmetic`] surface.")]
        #[derive(Clone, Copy)]
        struct $name;

        impl Arithmetic for $name {
            // Inlined into each SIMD version of the vector kernel (no lint fires in a macro).
            #[inline(always)]
            fn value_and_gradient<T: Real>(self, p: [T; 2]) -> (T, [T; 2]) {
                $formula(p)
            }
        }
    )*};
}

parameterless_formulas! {
    BealeFormula => beale_vg,
    HimmelblauFormula => himmelblau_vg,
    CamelFormula => camel_vg,
    SaddleFormula => saddle_vg,
    DoubleWellFormula => double_well_vg,
}

/// `[cos −sin; sin cos] · p`.
#[inline]
fn rotate(cos: f64, sin: f64, p: Point) -> Point {
    [cos * p[0] - sin * p[1], sin * p[0] + cos * p[1]]
}

// ---------------------------------------------------------------------------------------------
// Quadratic: ½ pᵀHp − cᵀp.

/// The off-diagonal entry actually used: the symmetric part of H (equal to h12 when valid).
#[inline]
fn off_diagonal(h: Pairs) -> f64 {
    0.5 * h.0.1 + 0.5 * h.1.0
}

#[expect(clippy::inline_always, reason = "the sweep's vector kernel; see lanes_vector.rs")]
#[inline(always)]
fn quadratic_vg<T: Real>(h: Pairs, c: (f64, f64), [x, y]: [T; 2]) -> (T, [T; 2]) {
    let s = off_diagonal(h);
    let hx = x.like(h.0.0) * x + x.like(s) * y;
    let hy = x.like(s) * x + x.like(h.1.1) * y;
    let (c0, c1) = (x.like(c.0), x.like(c.1));
    (x * (x.like(0.5) * hx - c0) + y * (x.like(0.5) * hy - c1), [hx - c0, hy - c1])
}

fn quadratic_hessian(h: Pairs) -> Matrix {
    let s = off_diagonal(h);
    [[h.0.0, s], [s, h.1.1]]
}

/// The stationary point H⁻¹c, when H is invertible.
fn quadratic_critical_point(h: Pairs, c: (f64, f64)) -> Option<Point> {
    solve(quadratic_hessian(h), [c.0, c.1])
}

fn quadratic_determinant(h: Pairs) -> f64 {
    let s = off_diagonal(h);
    h.0.0 * h.1.1 - s * s
}

fn quadratic_minimum(h: Pairs, c: (f64, f64)) -> Option<Point> {
    let positive_definite = h.0.0 > 0.0 && quadratic_determinant(h) > 0.0;
    quadratic_critical_point(h, c).filter(|_| positive_definite)
}

fn quadratic_saddle(h: Pairs, c: (f64, f64)) -> Option<Point> {
    quadratic_critical_point(h, c).filter(|_| quadratic_determinant(h) < 0.0)
}

/// Range and symmetry check of `h` (shared by RON parsing and [`Surface::validate`]).
fn check_h(h: Pairs) -> Result<(), LimitError> {
    check_all(&[
        (h.0.0, QUADRATIC_H),
        (h.0.1, QUADRATIC_H),
        (h.1.0, QUADRATIC_H),
        (h.1.1, QUADRATIC_H),
    ])?;
    Limit::closed("h21 (must equal h12)", h.0.1, h.0.1).check(h.1.0).map(|_| ())
}

fn quadratic_formula(h: Pairs, c: (f64, f64)) -> String {
    polynomial(&[
        (0.5 * h.0.0, "x²"),
        (off_diagonal(h), "xy"),
        (0.5 * h.1.1, "y²"),
        (-c.0, "x"),
        (-c.1, "y"),
    ])
}

// ---------------------------------------------------------------------------------------------
// Taco shell: ½(u² + κv²) in coordinates (u, v) turned by `angle`.

#[expect(clippy::inline_always, reason = "the sweep's vector kernel; see lanes_vector.rs")]
#[inline(always)]
fn taco_vg<T: Real>(condition: f64, angle: f64, p: [T; 2]) -> (T, [T; 2]) {
    let (sin, cos) = angle.to_radians().sin_cos();
    turned_taco_vg(condition, (sin, cos), p)
}

/// [`taco_vg`] with the angle's sine and cosine computed.
#[expect(clippy::inline_always, reason = "the sweep's vector kernel; see lanes_vector.rs")]
#[inline(always)]
fn turned_taco_vg<T: Real>(condition: f64, (sin, cos): (f64, f64), [x, y]: [T; 2]) -> (T, [T; 2]) {
    let (sin, cos) = (x.like(sin), x.like(cos));
    let u = cos * x + sin * y;
    let v = cos * y - sin * x;
    let kv = x.like(condition) * v;
    // `rotate(cos, sin, [u, kv])`.
    (x.like(0.5) * (u * u + kv * v), [cos * u - sin * kv, sin * u + cos * kv])
}

fn taco_hessian(condition: f64, angle: f64) -> Matrix {
    let (sin, cos) = angle.to_radians().sin_cos();
    let off = cos * sin * (1.0 - condition);
    [[cos * cos + condition * sin * sin, off], [off, sin * sin + condition * cos * cos]]
}

// ---------------------------------------------------------------------------------------------
// Rosenbrock: (a − x)² + b(y − x²)².

#[expect(clippy::inline_always, reason = "the sweep's vector kernel; see lanes_vector.rs")]
#[inline(always)]
fn rosenbrock_vg<T: Real>(a: f64, b: f64, [x, y]: [T; 2]) -> (T, [T; 2]) {
    let d = x.like(a) - x;
    let e = y - x * x;
    // In the order numpy code writes it (`-2*(1 - x) - 400*x*r`, `200*r`): near the edge of
    // stability a run is chaotic and one rounding apart is a different run, so this order lets a
    // sweep match a vectorized numpy sweep run for run (benches/sweep_compare.py).
    (d * d + x.like(b) * (e * e), [x.like(-2.0) * d - x.like(4.0 * b) * x * e, x.like(2.0 * b) * e])
}

fn rosenbrock_hessian(b: f64, [x, y]: Point) -> Matrix {
    let off = -4.0 * b * x;
    [[2.0 + 4.0 * b * (3.0 * x * x - y), off], [off, 2.0 * b]]
}

fn rosenbrock_formula(a: f64, b: f64) -> String {
    let first = if a == 0.0 { "x²".to_owned() } else { format!("({} − x)²", number(a)) };
    if b == 0.0 { first } else { format!("{first} + {}(y − x²)²", coefficient(b)) }
}

// ---------------------------------------------------------------------------------------------
// Beale: Σᵢ rᵢ², rᵢ = cᵢ − x + x·yⁱ.

#[expect(clippy::inline_always, reason = "the sweep's vector kernel; see lanes_vector.rs")]
#[inline(always)]
fn beale_vg<T: Real>([x, y]: [T; 2]) -> (T, [T; 2]) {
    let y2 = y * y;
    let y3 = y2 * y;
    let r1 = x.like(1.5) - x + x * y;
    let r2 = x.like(2.25) - x + x * y2;
    let r3 = x.like(2.625) - x + x * y3;
    let value = r1 * r1 + r2 * r2 + r3 * r3;
    let gx =
        x.like(2.0) * (r1 * (y - x.like(1.0)) + r2 * (y2 - x.like(1.0)) + r3 * (y3 - x.like(1.0)));
    let gy = x.like(2.0) * x * (r1 + x.like(2.0) * r2 * y + x.like(3.0) * r3 * y2);
    (value, [gx, gy])
}

/// Σᵢ 2(∇rᵢ∇rᵢᵀ + rᵢ∇²rᵢ), with ∇rᵢ = (yⁱ − 1, i·x·yⁱ⁻¹) and ∇²rᵢ = [0, i·yⁱ⁻¹; ·, i(i−1)·x·yⁱ⁻²].
fn beale_hessian([x, y]: Point) -> Matrix {
    let powers = [1.0, y, y * y, y * y * y];
    let mut h = [[0.0; 2]; 2];
    for (i, c) in [(1_u8, 1.5), (2, 2.25), (3, 2.625)] {
        let n = f64::from(i);
        let i = usize::from(i);
        let r = c - x + x * powers[i];
        let rx = powers[i] - 1.0;
        let ry = n * x * powers[i - 1];
        let ryy = if i >= 2 { n * (n - 1.0) * x * powers[i - 2] } else { 0.0 };
        h[0][0] += 2.0 * rx * rx;
        h[0][1] += 2.0 * (rx * ry + r * n * powers[i - 1]);
        h[1][1] += 2.0 * (ry * ry + r * ryy);
    }
    h[1][0] = h[0][1];
    h
}

// ---------------------------------------------------------------------------------------------
// Himmelblau: u² + v², u = x² + y − 11, v = x + y² − 7.

#[expect(clippy::inline_always, reason = "the sweep's vector kernel; see lanes_vector.rs")]
#[inline(always)]
fn himmelblau_vg<T: Real>([x, y]: [T; 2]) -> (T, [T; 2]) {
    let u = x * x + y - x.like(11.0);
    let v = x + y * y - x.like(7.0);
    (u * u + v * v, [x.like(4.0) * x * u + x.like(2.0) * v, x.like(2.0) * u + x.like(4.0) * y * v])
}

fn himmelblau_hessian([x, y]: Point) -> Matrix {
    let u = x * x + y - 11.0;
    let v = x + y * y - 7.0;
    let off = 4.0 * (x + y);
    [[4.0 * u + 8.0 * x * x + 2.0, off], [off, 4.0 * v + 8.0 * y * y + 2.0]]
}

// ---------------------------------------------------------------------------------------------
// Rastrigin: 2a + Σ (xᵢ² − a cos 2πxᵢ). Separable, so its minima are products of 1-D ones.

#[inline]
fn rastrigin_vg(a: f64, [x, y]: Point) -> (f64, Point) {
    let (sx, cx) = (TAU * x).sin_cos();
    let (sy, cy) = (TAU * y).sin_cos();
    let k = TAU * a;
    (x * x + y * y + a * ((1.0 - cx) + (1.0 - cy)), [2.0 * x + k * sx, 2.0 * y + k * sy])
}

fn rastrigin_hessian(a: f64, [x, y]: Point) -> Matrix {
    let k = TAU * TAU * a;
    [[2.0 + k * (TAU * x).cos(), 0.0], [0.0, 2.0 + k * (TAU * y).cos()]]
}

/// The 1-D slope d/dx (x² − a cos 2πx), the same expression as in [`rastrigin_vg`].
fn rastrigin_slope(a: f64, x: f64) -> f64 {
    2.0 * x + TAU * a * (TAU * x).sin()
}

/// Every minimum of the 1-D Rastrigin term in [−half, half], 0 first.
///
/// The slope is odd, so roots are sought on (0, half] and mirrored; a minimum is where the
/// slope crosses zero upwards. Cells of 1/400 are far narrower than the ripples (period 1), so
/// no crossing hides inside one cell except at the borderline `a` where a minimum is just
/// being born.
fn rastrigin_minima_1d(a: f64, half: f64) -> Vec<f64> {
    const CELLS: u32 = 2048;
    let mut roots = vec![0.0];
    let mut left = 0.0;
    let mut slope_left = 0.0;
    for i in 1..=CELLS {
        let right = half * f64::from(i) / f64::from(CELLS);
        let slope_right = rastrigin_slope(a, right);
        if slope_left < 0.0 && slope_right >= 0.0 {
            let root = bisect(|x| rastrigin_slope(a, x), left, right);
            roots.extend([root, -root]);
        }
        (left, slope_left) = (right, slope_right);
    }
    roots
}

fn rastrigin_minima(a: f64, half: f64) -> Vec<Point> {
    let roots = rastrigin_minima_1d(a, half);
    roots.iter().flat_map(|&x| roots.iter().map(move |&y| [x, y])).collect()
}

/// A root of `f` in `[lo, hi]` given `f(lo) < 0 <= f(hi)`, to the last bit.
fn bisect(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if f(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    if f(lo).abs() < f(hi).abs() { lo } else { hi }
}

// ---------------------------------------------------------------------------------------------
// Six-hump camel: (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y².

#[expect(clippy::inline_always, reason = "the sweep's vector kernel; see lanes_vector.rs")]
#[inline(always)]
fn camel_vg<T: Real>([x, y]: [T; 2]) -> (T, [T; 2]) {
    let x2 = x * x;
    let y2 = y * y;
    let value = (x.like(4.0) - x.like(2.1) * x2 + x2 * x2 / x.like(3.0)) * x2
        + x * y
        + (x.like(4.0) * y2 - x.like(4.0)) * y2;
    let gx = x * (x.like(8.0) - x.like(8.4) * x2 + x.like(2.0) * x2 * x2) + y;
    let gy = x + y * (x.like(16.0) * y2 - x.like(8.0));
    (value, [gx, gy])
}

fn camel_hessian([x, y]: Point) -> Matrix {
    let x2 = x * x;
    [[8.0 - 25.2 * x2 + 10.0 * x2 * x2, 1.0], [1.0, 48.0 * y * y - 8.0]]
}

// ---------------------------------------------------------------------------------------------
// Saddle and double well.

#[expect(clippy::inline_always, reason = "the sweep's vector kernel; see lanes_vector.rs")]
#[inline(always)]
fn saddle_vg<T: Real>([x, y]: [T; 2]) -> (T, [T; 2]) {
    let y2 = y * y;
    (
        x * x + y2 * (x.like(0.5) * y2 - x.like(1.0)),
        [x.like(2.0) * x, x.like(2.0) * y * (y2 - x.like(1.0))],
    )
}

#[expect(clippy::inline_always, reason = "the sweep's vector kernel; see lanes_vector.rs")]
#[inline(always)]
fn double_well_vg<T: Real>([x, y]: [T; 2]) -> (T, [T; 2]) {
    let w = x * x - x.like(1.0);
    (w * w + x.like(0.3) * x + y * y, [x.like(4.0) * x * w + x.like(0.3), x.like(2.0) * y])
}

// ---------------------------------------------------------------------------------------------
// Formatting.

/// A number as the user would write it, with a true minus sign.
fn number(v: f64) -> String {
    let text = format!("{}", v.abs());
    if v < 0.0 { format!("−{text}") } else { text }
}

/// A factor in front of a term: nothing for 1.
#[expect(clippy::float_cmp, reason = "only an exact 1 may be left out")]
fn coefficient(v: f64) -> String {
    if v == 1.0 { String::new() } else { number(v) }
}

/// `Σ coefficient·monomial`, skipping zero terms, with proper signs ("0" when all vanish).
fn polynomial(terms: &[(f64, &str)]) -> String {
    let mut text = String::new();
    for &(coef, monomial) in terms.iter().filter(|(coef, _)| *coef != 0.0) {
        let sign = match (text.is_empty(), coef < 0.0) {
            (true, false) => "",
            (true, true) => "−",
            (false, false) => " + ",
            (false, true) => " − ",
        };
        text.push_str(sign);
        text.push_str(&coefficient(coef.abs()));
        text.push_str(monomial);
    }
    if text.is_empty() { "0".to_owned() } else { text }
}
