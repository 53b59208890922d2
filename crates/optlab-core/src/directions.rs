//! Which way is down at a point: the steepest-descent direction −∇f, the direction to the
//! nearest known minimum, Newton's direction −H⁻¹∇f, and the angle between them.
//!
//! The lecture's first picture: the gradient does not point at the minimum. On an
//! ill-conditioned quadratic (the taco shell) the angle between −∇f and the way to the minimum
//! grows with the condition number, while Newton's direction points straight at it.
//!
//! Directions are unit vectors (their lengths say nothing the picture needs). Anything that
//! cannot be computed (a gradient that is zero or not a number, a singular Hessian) is
//! reported as such, never replaced by a made-up direction.

use crate::limits::short;
use crate::slice::symmetric_eigen;
use crate::surface::{Point, Surface};

/// A smallest curvature below this fraction of the largest makes the Hessian singular for
/// Newton's direction (its inverse would be dominated by rounding).
const SINGULAR_RATIO: f64 = 1e-12;

/// `v` scaled to length 1, or `None` when it is zero or not finite.
#[must_use]
pub fn unit(v: Point) -> Option<Point> {
    let length = v[0].hypot(v[1]);
    (length.is_finite() && length > 0.0).then(|| [v[0] / length, v[1] / length])
}

/// The angle between `a` and `b` in degrees, in [0, 180]; `None` when either is zero or not
/// finite. Computed as atan2(|a × b|, a · b), which stays accurate near 0° and 180°.
#[must_use]
pub fn angle_degrees(a: Point, b: Point) -> Option<f64> {
    let (a, b) = (unit(a)?, unit(b)?);
    let cross = a[0] * b[1] - a[1] * b[0];
    let dot = a[0] * b[0] + a[1] * b[1];
    Some(cross.abs().atan2(dot).to_degrees())
}

/// The point of `candidates` closest to `p` (the first of equally close ones); `None` when
/// there is none or `p` is not finite.
#[must_use]
pub fn nearest(candidates: &[Point], p: Point) -> Option<Point> {
    if !(p[0].is_finite() && p[1].is_finite()) {
        return None;
    }
    let distance = |q: &Point| (q[0] - p[0]).hypot(q[1] - p[1]);
    candidates
        .iter()
        .filter(|q| distance(q).is_finite())
        .min_by(|q, r| distance(q).total_cmp(&distance(r)))
        .copied()
}

/// Why Newton's direction does not exist at a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewtonFailure {
    /// The gradient is not finite there.
    GradientUndefined,
    /// The gradient is zero: a critical point, no step to take.
    ZeroGradient,
    /// An entry of the Hessian is not finite.
    HessianUndefined,
    /// The Hessian has a zero (or, relative to the other, negligible) eigenvalue.
    Singular,
}

impl NewtonFailure {
    /// What the map says instead of drawing the direction.
    #[must_use]
    pub fn explanation(self) -> &'static str {
        match self {
            Self::GradientUndefined => "undefined: the gradient is not a number here",
            Self::ZeroGradient => "none: the gradient is zero here",
            Self::HessianUndefined => "undefined: the Hessian is not finite here",
            Self::Singular => "undefined: the Hessian is singular here (no H⁻¹)",
        }
    }
}

/// Newton's step −H⁻¹∇f at a point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NewtonStep {
    /// The step itself (not normalized: on a quadratic it reaches the critical point).
    pub step: Point,
    /// Whether H has a negative eigenvalue: the step then heads for a saddle or a maximum of
    /// the local quadratic model, not a minimum.
    pub indefinite: bool,
}

/// Newton's step −H⁻¹g for the symmetric `hessian` and the `gradient`.
///
/// # Errors
///
/// A [`NewtonFailure`] when the gradient is not finite or zero, the Hessian is not finite, or
/// the Hessian is singular.
pub fn newton_step(hessian: [[f64; 2]; 2], gradient: Point) -> Result<NewtonStep, NewtonFailure> {
    if !(gradient[0].is_finite() && gradient[1].is_finite()) {
        return Err(NewtonFailure::GradientUndefined);
    }
    if gradient == [0.0, 0.0] {
        return Err(NewtonFailure::ZeroGradient);
    }
    let (values, vectors) = symmetric_eigen(hessian).ok_or(NewtonFailure::HessianUndefined)?;
    let largest = values[0].abs().max(values[1].abs());
    let smallest = values[0].abs().min(values[1].abs());
    if !(largest > 0.0 && smallest > SINGULAR_RATIO * largest) {
        return Err(NewtonFailure::Singular);
    }
    // −H⁻¹g = −Σ (vᵢ·g / λᵢ) vᵢ over the eigenpairs.
    let mut step = [0.0, 0.0];
    for (lambda, v) in values.iter().zip(vectors) {
        let along = (v[0] * gradient[0] + v[1] * gradient[1]) / lambda;
        step = [step[0] - along * v[0], step[1] - along * v[1]];
    }
    if !(step[0].is_finite() && step[1].is_finite()) {
        return Err(NewtonFailure::Singular);
    }
    Ok(NewtonStep { step, indefinite: values[0] < 0.0 })
}

/// What −∇f is compared with at a point.
#[derive(Clone, Debug, PartialEq)]
pub enum Reference {
    /// The nearest known minimum.
    Minimum {
        /// Where it is.
        position: Point,
        /// Unit vector from the point to it (`None` when the point is the minimum).
        direction: Option<Point>,
    },
    /// The surface lists no minimum: Newton's direction instead.
    Newton(Result<NewtonStep, NewtonFailure>),
}

/// The directions at one point, as the map draws them.
#[derive(Clone, Debug, PartialEq)]
pub struct Directions {
    /// The point.
    pub at: Point,
    /// Unit vector along −∇f (`None` when the gradient is zero or not a number).
    pub descent: Option<Point>,
    /// The direction −∇f is compared with.
    pub reference: Reference,
    /// Angle in degrees between −∇f and the reference direction (`None` when either is
    /// undefined).
    pub angle: Option<f64>,
    /// The Hessian's eigen-decomposition at the point (`None` when it is not finite).
    pub curvature: Option<LocalCurvature>,
}

/// The local quadratic's shape at a point: the Hessian's eigenvalues and unit eigenvectors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LocalCurvature {
    /// Eigenvalues, ascending.
    pub eigenvalues: [f64; 2],
    /// Unit eigenvectors, in the eigenvalues' order.
    pub eigenvectors: [Point; 2],
}

impl LocalCurvature {
    /// The decomposition of `hessian`; `None` when an entry is not finite.
    #[must_use]
    pub fn of(hessian: [[f64; 2]; 2]) -> Option<Self> {
        let (eigenvalues, eigenvectors) = symmetric_eigen(hessian)?;
        Some(Self { eigenvalues, eigenvectors })
    }

    /// κ = λmax/λmin when both curvatures are positive (a bowl), else `None`.
    #[must_use]
    pub fn condition_number(&self) -> Option<f64> {
        let [low, high] = self.eigenvalues;
        (low > 0.0).then(|| high / low)
    }

    /// What the local quadratic is, in words: "a bowl, κ = 100", "indefinite: a saddle", …
    #[must_use]
    pub fn shape(&self) -> String {
        let [low, high] = self.eigenvalues;
        match self.condition_number() {
            Some(kappa) => {
                format!("a bowl, condition number κ = λmax/λmin = {}", short(significant(kappa)))
            }
            None if low < 0.0 && high > 0.0 => "indefinite: a saddle".to_owned(),
            None if high < 0.0 => "a cap (both curvatures negative: near a maximum)".to_owned(),
            None if high == 0.0 && low == 0.0 => "flat (H = 0)".to_owned(),
            None => "flat along one direction (κ = ∞)".to_owned(),
        }
    }
}

/// `value` rounded to 6 significant digits, as the eigenvalues beside it are shown (κ = 63.7399,
/// not 63.73992922461981).
fn significant(value: f64) -> f64 {
    format!("{value:.5e}").parse().unwrap_or(value)
}

impl Directions {
    /// The reference direction as a unit vector, when there is one.
    #[must_use]
    pub fn reference_direction(&self) -> Option<Point> {
        match &self.reference {
            Reference::Minimum { direction, .. } => *direction,
            Reference::Newton(Ok(newton)) => unit(newton.step),
            Reference::Newton(Err(_)) => None,
        }
    }
}

/// The directions at `p` on `surface`, compared with the nearest of `minima` (or, when
/// `minima` is empty, with Newton's direction).
#[must_use]
pub fn directions_at(surface: &Surface, minima: &[Point], p: Point) -> Directions {
    let (value, mut gradient) = surface.value_and_gradient(p);
    if !value.is_finite() {
        // Undefined (or infinite) here: whatever the derivative rules say, there is no slope.
        gradient = [f64::NAN; 2];
    }
    let descent = unit([-gradient[0], -gradient[1]]);
    let reference = match nearest(minima, p) {
        Some(position) => Reference::Minimum {
            position,
            direction: unit([position[0] - p[0], position[1] - p[1]]),
        },
        None if minima.is_empty() => {
            let hessian = surface.hessian(p);
            Reference::Newton(newton_step(hessian, gradient))
        }
        // Minima exist but the point is not finite: nothing to compare with.
        None => Reference::Newton(Err(NewtonFailure::GradientUndefined)),
    };
    let curvature = LocalCurvature::of(surface.hessian(p));
    let mut directions = Directions { at: p, descent, reference, angle: None, curvature };
    directions.angle =
        descent.zip(directions.reference_direction()).and_then(|(a, b)| angle_degrees(a, b));
    directions
}

/// [`directions_at`] with the surface's own known minima.
#[must_use]
pub fn surface_directions(surface: &Surface, p: Point) -> Directions {
    let minima: Vec<Point> = surface.minima().iter().map(|m| m.position).collect();
    directions_at(surface, &minima, p)
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact by construction")]
mod tests {
    use super::*;
    use crate::expr::Formula;

    fn taco(condition: f64) -> Surface {
        Surface::TacoShell { condition, angle: 30.0 }
    }

    #[test]
    fn an_isotropic_bowl_points_straight_at_its_minimum() {
        let bowl = Surface::Quadratic { h: ((2.0, 0.0), (0.0, 2.0)), c: (2.0, -4.0) };
        let d = surface_directions(&bowl, [3.0, 0.5]);
        let angle = d.angle.expect("an angle");
        assert!(angle.abs() < 1e-12, "{angle}");
        assert!(
            matches!(d.reference, Reference::Minimum { position, .. } if position == [1.0, -2.0])
        );
    }

    #[test]
    fn on_the_taco_shell_the_angle_grows_with_the_condition_number() {
        let start = taco(1.0).default_start();
        let angles: Vec<f64> = [1.0, 10.0, 100.0, 1000.0]
            .iter()
            .map(|&k| surface_directions(&taco(k), start).angle.expect("an angle"))
            .collect();
        assert!(angles[0].abs() < 1e-9, "κ = 1 is a round bowl: {angles:?}");
        assert!(angles.windows(2).all(|w| w[1] > w[0]), "{angles:?}");
        // In the valley's own axes the start is (−4, 1), so −∇f = (4, −κ) and the minimum lies
        // along (4, −1): at κ = 100 the two differ by atan(100/4) − atan(1/4).
        let expected = (100.0f64 / 4.0).atan().to_degrees() - (0.25f64).atan().to_degrees();
        assert!((angles[2] - expected).abs() < 1e-9, "{} vs {expected}", angles[2]);
    }

    #[test]
    fn newton_points_exactly_at_a_quadratics_minimum() {
        let h = ((3.0, 0.5), (0.5, 1.0));
        let c = (1.0, -2.0);
        let quadratic = Surface::Quadratic { h, c };
        let minimum = surface_directions(&quadratic, [0.0, 0.0]);
        let Reference::Minimum { position, direction: Some(to_minimum) } = minimum.reference else {
            panic!("a known minimum: {minimum:?}");
        };
        for p in [[2.0, 1.5], [-3.0, 4.0], [0.1, -7.0]] {
            // Newton's step, compared with the way to the minimum.
            let newton = newton_step(quadratic.hessian(p), quadratic.gradient(p)).expect("defined");
            let to = [position[0] - p[0], position[1] - p[1]];
            let angle = angle_degrees(newton.step, to).expect("an angle");
            assert!(angle < 1e-12, "{p:?}: {angle}");
            assert!(!newton.indefinite);
            // On a quadratic the step lands on the minimum.
            assert!((p[0] + newton.step[0] - position[0]).abs() < 1e-12);
            assert!((p[1] + newton.step[1] - position[1]).abs() < 1e-12);
        }
        assert!(to_minimum[0].hypot(to_minimum[1]) - 1.0 < 1e-15);
        // Without known minima (a formula), Newton's direction is what −∇f is compared with.
        let formula =
            Surface::Expression(Formula::new("1.5*x^2 + 0.5*x*y + 0.5*y^2 - x + 2*y").unwrap());
        let d = surface_directions(&formula, [2.0, 1.5]);
        assert!(matches!(d.reference, Reference::Newton(Ok(_))), "{d:?}");
        let newton = d.reference_direction().expect("a direction");
        let to = [position[0] - 2.0, position[1] - 1.5];
        assert!(angle_degrees(newton, to).expect("an angle") < 1e-12);
    }

    #[test]
    fn undefined_inputs_give_no_numbers() {
        let log = Surface::Expression(Formula::new("sqrt(x) + y^2").unwrap());
        let d = surface_directions(&log, [-2.0, 0.0]);
        assert_eq!(d.descent, None);
        assert_eq!(d.angle, None);
        assert_eq!(d.reference, Reference::Newton(Err(NewtonFailure::GradientUndefined)));
        // A NaN gradient next to a known minimum: still no angle.
        assert_eq!(angle_degrees([f64::NAN, 1.0], [1.0, 0.0]), None);
        assert_eq!(angle_degrees([0.0, 0.0], [1.0, 0.0]), None);
        let at_nan = surface_directions(&taco(10.0), [f64::NAN, 0.0]);
        assert_eq!(at_nan.angle, None);
        // Singular and non-finite Hessians, and a critical point.
        assert_eq!(newton_step([[1.0, 0.0], [0.0, 0.0]], [1.0, 1.0]), Err(NewtonFailure::Singular));
        assert_eq!(newton_step([[0.0; 2]; 2], [1.0, 1.0]), Err(NewtonFailure::Singular));
        assert_eq!(
            newton_step([[f64::INFINITY, 0.0], [0.0, 1.0]], [1.0, 1.0]),
            Err(NewtonFailure::HessianUndefined)
        );
        assert_eq!(
            newton_step([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]),
            Err(NewtonFailure::ZeroGradient)
        );
        // x² − y² (a saddle): defined, and flagged as heading for the saddle.
        let saddle = newton_step([[2.0, 0.0], [0.0, -2.0]], [2.0, -2.0]).expect("defined");
        assert!(saddle.indefinite);
        assert_eq!(saddle.step, [-1.0, -1.0]);
    }

    #[test]
    fn the_nearest_minimum_is_the_closest_finite_one() {
        let minima = [[0.0, -1.0], [0.0, 1.0], [f64::NAN, 0.0]];
        assert_eq!(nearest(&minima, [0.3, 0.4]), Some([0.0, 1.0]));
        assert_eq!(nearest(&minima, [0.3, -0.4]), Some([0.0, -1.0]));
        assert_eq!(nearest(&[], [0.3, -0.4]), None);
        assert_eq!(nearest(&minima, [f64::INFINITY, 0.0]), None);
        // At the minimum itself there is no direction to it, and no angle.
        let d = surface_directions(&Surface::Saddle, [0.0, 1.0]);
        assert!(matches!(d.reference, Reference::Minimum { direction: None, .. }), "{d:?}");
        assert_eq!(d.angle, None);
    }

    #[test]
    fn the_taco_shells_curvature_is_its_condition_number_along_its_axes() {
        let d = surface_directions(&taco(100.0), [1.0, 1.0]);
        let c = d.curvature.expect("a finite Hessian");
        assert!((c.eigenvalues[0] - 1.0).abs() < 1e-12 && (c.eigenvalues[1] - 100.0).abs() < 1e-9);
        assert!((c.condition_number().expect("a bowl") - 100.0).abs() < 1e-9);
        // The steep eigenvector is perpendicular to the valley floor at 30°.
        let steep = c.eigenvectors[1];
        let along = [30f64.to_radians().cos(), 30f64.to_radians().sin()];
        assert!((steep[0] * along[0] + steep[1] * along[1]).abs() < 1e-12);
        assert!(c.shape().ends_with("κ = λmax/λmin = 100"), "{}", c.shape());
    }

    #[test]
    fn the_condition_number_is_shown_with_the_eigenvalues_digits() {
        let bowl = |high| LocalCurvature {
            eigenvalues: [1.0, high],
            eigenvectors: [[1.0, 0.0], [0.0, 1.0]],
        };
        let shape = bowl(63.739_929_224_619_81).shape();
        assert_eq!(shape, "a bowl, condition number κ = λmax/λmin = 63.7399");
        assert!(bowl(2.5e7).shape().ends_with("= 25000000"), "{}", bowl(2.5e7).shape());
        assert!(bowl(1.234_567_8e12).shape().ends_with("= 1.23457e12"));
    }

    #[test]
    fn a_saddle_and_a_cap_are_named() {
        let saddle = Surface::Expression(Formula::new("5*x^2 - y^2").expect("formula"));
        let d = surface_directions(&saddle, [0.3, 0.2]);
        let c = d.curvature.expect("finite");
        assert_eq!(c.condition_number(), None);
        assert_eq!(c.shape(), "indefinite: a saddle");
        let cap = Surface::Expression(Formula::new("-x^2 - y^2").expect("formula"));
        let shape = surface_directions(&cap, [0.3, 0.2]).curvature.expect("finite").shape();
        assert!(shape.starts_with("a cap"), "{shape}");
    }
}
