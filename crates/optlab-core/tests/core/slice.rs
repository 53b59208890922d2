//! The loss along a line (`optlab_core::slice`): parabolas along the Hessian's eigenvectors,
//! a saddle that rises one way and falls the other, exact segment ends, and refusals.

use optlab_core::expr::Formula;
use optlab_core::slice::{Direction, SliceError, SliceRequest, slice, symmetric_eigen};
use optlab_core::surface::{Point, Surface};

fn request(
    through: Point,
    direction: Direction,
    from: f64,
    to: f64,
    points: usize,
) -> SliceRequest {
    SliceRequest { through, direction, from, to, points }
}

fn refusal(surface: &Surface, request: &SliceRequest) -> String {
    slice(surface, request).expect_err("the request is refused").to_string()
}

/// f(p + s·v) = f(p) + s·∇f(p)·v + ½λs² for a unit eigenvector v with eigenvalue λ.
fn assert_parabola(surface: &Surface, through: Point) {
    let f0 = surface.value(through);
    let g = surface.gradient(through);
    for index in 0..2 {
        let r = request(through, Direction::HessianEigen { index }, -2.0, 3.0, 51);
        let got = slice(surface, &r).expect("a slice");
        let lambda = got.line.eigenvalues.expect("eigenvalues are reported")[index];
        let v = got.line.direction;
        assert!((v[0].hypot(v[1]) - 1.0).abs() < 1e-15, "unit eigenvector, got {v:?}");
        let slope = g[0] * v[0] + g[1] * v[1];
        assert_eq!(got.samples.len(), 51);
        for sample in &got.samples {
            let s = sample.s;
            let expected = f0 + slope * s + 0.5 * lambda * s * s;
            assert!(
                (sample.loss - expected).abs() <= 1e-12 * (1.0 + expected.abs()),
                "index {index}, s = {s}: {} against the parabola's {expected}",
                sample.loss
            );
        }
    }
}

#[test]
fn slices_along_eigenvectors_of_quadratics_are_parabolas() {
    let quadratic = Surface::Quadratic { h: ((3.0, 0.5), (0.5, 1.0)), c: (1.0, -2.0) };
    assert_parabola(&quadratic, [0.3, -0.7]);
    let indefinite = Surface::Quadratic { h: ((1.0, 2.0), (2.0, -1.0)), c: (0.5, 1.0) };
    assert_parabola(&indefinite, [-1.5, 2.0]);
    let taco = Surface::TacoShell { condition: 50.0, angle: 30.0 };
    assert_parabola(&taco, [1.0, -2.0]);
}

#[test]
fn the_taco_shells_eigenvectors_are_its_valley_floor_and_wall() {
    let taco = Surface::TacoShell { condition: 50.0, angle: 30.0 };
    let floor =
        slice(&taco, &request([0.0, 0.0], Direction::HessianEigen { index: 0 }, -1.0, 1.0, 3))
            .expect("a slice");
    let [low, high] = floor.line.eigenvalues.expect("eigenvalues");
    assert!((low - 1.0).abs() < 1e-12 && (high - 50.0).abs() < 1e-12, "{low}, {high}");
    let (sin, cos) = 30_f64.to_radians().sin_cos();
    let v = floor.line.direction;
    assert!((v[0] * cos + v[1] * sin).abs() > 1.0 - 1e-12, "the floor runs at 30°: {v:?}");
    // Through the minimum the wall's slice is ½·50·s².
    let wall =
        slice(&taco, &request([0.0, 0.0], Direction::HessianEigen { index: 1 }, -1.0, 1.0, 3))
            .expect("a slice");
    let losses: Vec<f64> = wall.samples.iter().map(|s| s.loss).collect();
    assert!(
        (losses[0] - 25.0).abs() < 1e-12 && losses[1] == 0.0 && (losses[2] - 25.0).abs() < 1e-12
    );
}

#[test]
#[expect(
    clippy::float_cmp,
    reason = "the saddle's Hessian is diagonal, so its eigenvectors are exactly the axes"
)]
fn at_the_saddle_one_eigen_direction_rises_and_the_other_falls() {
    let saddle = Surface::Saddle;
    let along = |index| {
        slice(&saddle, &request([0.0, 0.0], Direction::HessianEigen { index }, -0.5, 0.5, 101))
            .expect("a slice")
    };
    let (down, up) = (along(0), along(1));
    let [low, high] = down.line.eigenvalues.expect("eigenvalues");
    assert!(low < 0.0 && high > 0.0, "opposite signs: {low}, {high}");
    assert_eq!(up.line.eigenvalues, Some([low, high]));
    let centre = saddle.value([0.0, 0.0]);
    for (d, u) in down.samples.iter().zip(&up.samples) {
        if d.s != 0.0 {
            assert!(d.loss < centre, "falls along index 0 at s = {}: {}", d.s, d.loss);
            assert!(u.loss > centre, "rises along index 1 at s = {}: {}", u.s, u.loss);
        }
    }
    // x² − y² + ½y⁴: the falling direction is y, the rising one x.
    assert_eq!(down.line.direction, [0.0, 1.0]);
    assert_eq!(up.line.direction, [1.0, 0.0]);
}

#[test]
fn a_segment_starts_and_ends_exactly_at_its_points() {
    let rosenbrock = Surface::Rosenbrock { a: 1.0, b: 100.0 };
    let (a, b) = ([0.1, 0.7], [-1.3, 2.9]);
    let got = slice(&rosenbrock, &request([9.0, 9.0], Direction::Between { a, b }, 0.0, 1.0, 7))
        .expect("a slice");
    let (first, last) = (got.samples[0], got.samples[6]);
    assert_eq!((first.s, first.point, first.loss), (0.0, a, rosenbrock.value(a)));
    assert_eq!((last.s, last.point, last.loss), (1.0, b, rosenbrock.value(b)));
}

#[test]
#[expect(clippy::float_cmp, reason = "these values are exact in binary floating point")]
fn samples_are_evenly_spaced_and_include_both_ends() {
    let bowl = Surface::Quadratic { h: ((1.0, 0.0), (0.0, 1.0)), c: (0.0, 0.0) };
    let got = slice(&bowl, &request([0.0, 2.0], Direction::AlongX, -1.0, 1.0, 5)).expect("a slice");
    let s: Vec<f64> = got.samples.iter().map(|x| x.s).collect();
    assert_eq!(s, [-1.0, -0.5, 0.0, 0.5, 1.0]);
    assert_eq!(got.samples[1].point, [-0.5, 2.0]);
    assert_eq!(got.samples[1].loss, 0.5 * (0.25 + 4.0));
    let along_y =
        slice(&bowl, &request([3.0, 0.0], Direction::AlongY, 0.0, 2.0, 2)).expect("a slice");
    assert_eq!(along_y.samples[1].point, [3.0, 2.0]);
    // A vector is used as given: s = 1 is one whole vector away.
    let vector = Direction::Vector([2.0, -1.0]);
    let got = slice(&bowl, &request([1.0, 1.0], vector, 0.0, 1.0, 2)).expect("a slice");
    assert_eq!(got.samples[1].point, [3.0, 0.0]);
}

#[test]
fn the_gradient_direction_is_normalised_steepest_descent() {
    let bowl = Surface::Quadratic { h: ((1.0, 0.0), (0.0, 1.0)), c: (0.0, 0.0) };
    let got =
        slice(&bowl, &request([3.0, 4.0], Direction::Gradient, 0.0, 5.0, 11)).expect("a slice");
    let d = got.line.direction;
    assert!((d[0] + 0.6).abs() < 1e-15 && (d[1] + 0.8).abs() < 1e-15, "{d:?}");
    let last = got.samples[10];
    assert!(last.loss.abs() < 1e-24, "five units down reach the minimum: {}", last.loss);
    assert!(got.samples.windows(2).all(|w| w[1].loss < w[0].loss), "the loss falls along it");
}

#[test]
#[expect(clippy::float_cmp, reason = "log(1) is exactly 0")]
fn a_loss_that_is_not_a_number_is_kept() {
    let log = Surface::Expression(Formula::new("log(x)").expect("a formula"));
    let got = slice(&log, &request([0.0, 0.0], Direction::AlongX, -1.0, 1.0, 3)).expect("a slice");
    assert_eq!(got.samples.len(), 3);
    assert!(got.samples[0].loss.is_nan(), "log(−1): {}", got.samples[0].loss);
    assert_eq!(got.samples[2].loss, 0.0);
}

#[test]
fn bad_requests_are_refused_with_the_value_and_its_range() {
    let saddle = Surface::Saddle;
    let x = Direction::AlongX;
    for (r, message) in [
        (request([0.0, 0.0], x, -1.0, 1.0, 1), "`points` = 1 is out of range; allowed [2, 100000]"),
        (
            request([0.0, 0.0], x, -1.0, 1.0, 100_001),
            "`points` = 100001 is out of range; allowed [2, 100000]",
        ),
        (request([0.0, 0.0], x, 1.0, 1.0, 5), "`to` = 1 is out of range; allowed (1, +inf)"),
        (request([0.0, 0.0], x, 2.0, -1.0, 5), "`to` = -1 is out of range; allowed (2, +inf)"),
        (
            request([0.0, 0.0], x, f64::NAN, 1.0, 5),
            "`from` = NaN is out of range; allowed (-inf, +inf)",
        ),
        (
            request([0.0, 0.0], x, 0.0, f64::INFINITY, 5),
            "`to` = inf is out of range; allowed (0, +inf)",
        ),
        (
            request([f64::NAN, 0.0], x, -1.0, 1.0, 5),
            "`through x` = NaN is out of range; allowed (-inf, +inf)",
        ),
        (
            request([0.0, 0.0], Direction::HessianEigen { index: 2 }, -1.0, 1.0, 5),
            "`index` = 2 is out of range; allowed [0, 1]",
        ),
        (
            request([0.0, 0.0], Direction::Vector([0.0, f64::NEG_INFINITY]), -1.0, 1.0, 5),
            "`direction dy` = -inf is out of range; allowed (-inf, +inf)",
        ),
    ] {
        assert_eq!(refusal(&saddle, &r), message);
        assert!(matches!(slice(&saddle, &r), Err(SliceError::OutOfRange(_))));
    }
}

#[test]
fn directions_that_cannot_be_formed_are_refused_with_a_sentence() {
    let saddle = Surface::Saddle;
    let zero = request([1.0, 2.0], Direction::Vector([0.0, 0.0]), -1.0, 1.0, 5);
    assert_eq!(refusal(&saddle, &zero), "direction = (0, 0): a line needs a non-zero vector");
    let flat = request([0.0, 0.0], Direction::Gradient, -1.0, 1.0, 5);
    assert!(refusal(&saddle, &flat).starts_with("the gradient at (0, 0) is (0, 0): no direction"));
    let same =
        request([0.0, 0.0], Direction::Between { a: [1.0, 1.0], b: [1.0, 1.0] }, 0.0, 1.0, 5);
    assert_eq!(refusal(&saddle, &same), "a = b = (1, 1): a segment needs two different points");
    let huge = Direction::Between { a: [-1e308, 0.0], b: [1e308, 0.0] };
    assert!(refusal(&saddle, &request([0.0, 0.0], huge, 0.0, 1.0, 5)).starts_with("a = b"));
    let nan = Surface::Expression(Formula::new("sqrt(x)").expect("a formula"));
    let nowhere = request([-1.0, 0.0], Direction::HessianEigen { index: 0 }, -1.0, 1.0, 5);
    assert!(refusal(&nan, &nowhere).contains("not finite"), "{}", refusal(&nan, &nowhere));
    for r in [zero, flat, same, nowhere] {
        let surface = if r == nowhere { &nan } else { &saddle };
        assert!(matches!(slice(surface, &r), Err(SliceError::NoDirection(_))));
    }
}

#[test]
fn eigenvectors_of_symmetric_matrices_satisfy_their_equation() {
    for h in [
        [[3.0, 0.5], [0.5, 1.0]],
        [[1.0, 2.0], [2.0, -1.0]],
        [[5.0, 0.0], [0.0, -2.0]],
        [[1.0, 1e-9], [1e-9, 1.0]],
    ] {
        let (values, vectors) = symmetric_eigen(h).expect("finite");
        assert!(values[0] <= values[1]);
        for (lambda, v) in values.into_iter().zip(vectors) {
            let hv = [h[0][0] * v[0] + h[0][1] * v[1], h[1][0] * v[0] + h[1][1] * v[1]];
            assert!((hv[0] - lambda * v[0]).abs() < 1e-12 && (hv[1] - lambda * v[1]).abs() < 1e-12);
        }
    }
    assert_eq!(symmetric_eigen([[f64::NAN, 0.0], [0.0, 1.0]]), None);
}
