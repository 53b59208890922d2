//! The loss along a line through the plane: the lecture's picture of minima and saddles with
//! "x-axis: value of a param, y-axis: value of loss".
//!
//! A [`SliceRequest`] names a point, a [`Direction`] and an interval of `s`; [`slice`] evaluates
//! the surface at `p(s) = through + s·direction` for evenly spaced `s` (both ends included).
//! Directions can come from the surface itself: the steepest descent at the point, or the
//! eigenvectors of the Hessian there, whose eigenvalues tell a minimum (both positive) from a
//! saddle (opposite signs). Bad input is refused with the value and its allowed range; a loss
//! that is not finite is kept as it is (NaN stays NaN).

use std::fmt;

use crate::limits::{Limit, LimitError, short};
use crate::surface::{Point, Surface, ViewBox};

/// The fewest points a slice has (its two ends).
pub const MIN_POINTS: usize = 2;
/// The most points a slice has.
pub const MAX_POINTS: usize = 100_000;
/// Allowed number of points.
pub const POINTS: Limit = Limit::closed("points", MIN_POINTS as f64, MAX_POINTS as f64);
/// Allowed start of the interval of `s`.
pub const FROM: Limit = Limit::finite("from");
/// Allowed coordinates of the point the line passes through.
pub const THROUGH: [Limit; 2] = [Limit::finite("through x"), Limit::finite("through y")];
/// Allowed components of [`Direction::Vector`].
pub const VECTOR: [Limit; 2] = [Limit::finite("direction dx"), Limit::finite("direction dy")];
/// Allowed coordinates of [`Direction::Between`]'s `a`.
pub const BETWEEN_A: [Limit; 2] = [Limit::finite("a x"), Limit::finite("a y")];
/// Allowed coordinates of [`Direction::Between`]'s `b`.
pub const BETWEEN_B: [Limit; 2] = [Limit::finite("b x"), Limit::finite("b y")];
/// Allowed [`Direction::HessianEigen`] index: 0 (smaller eigenvalue) or 1 (larger).
pub const EIGEN_INDEX: Limit = Limit::closed("index", 0.0, 1.0);

/// Which way the line runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Direction {
    /// `(1, 0)`: the first parameter varies, the second stays.
    AlongX,
    /// `(0, 1)`: the second parameter varies, the first stays.
    AlongY,
    /// Steepest descent: −∇f at the point, normalised to length 1.
    Gradient,
    /// A unit eigenvector of the Hessian at the point: index 0 has the smaller eigenvalue,
    /// index 1 the larger.
    HessianEigen {
        /// 0 or 1.
        index: usize,
    },
    /// The segment from `a` (s = 0) to `b` (s = 1); the request's `through` is not used.
    Between {
        /// The point at s = 0.
        a: Point,
        /// The point at s = 1.
        b: Point,
    },
    /// A direction used as given (not normalised), so `s` counts its lengths.
    Vector(Point),
}

/// What to slice: the line and the values of `s` along it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SliceRequest {
    /// The point at s = 0 (unused by [`Direction::Between`]).
    pub through: Point,
    /// Which way the line runs.
    pub direction: Direction,
    /// The first `s`.
    pub from: f64,
    /// The last `s`, above `from`.
    pub to: f64,
    /// How many evenly spaced values of `s`, both ends included.
    pub points: usize,
}

impl Default for SliceRequest {
    /// Along x through the origin, `s` from −1 to 1 at 201 points.
    fn default() -> Self {
        Self { through: [0.0, 0.0], direction: Direction::AlongX, from: -1.0, to: 1.0, points: 201 }
    }
}

/// One point of a slice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// The line's parameter.
    pub s: f64,
    /// Where the line is at `s`.
    pub point: Point,
    /// The loss there (NaN or infinite when the surface is).
    pub loss: f64,
}

/// A line through the plane, resolved from a point and a [`Direction`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Line {
    /// The point at s = 0.
    pub origin: Point,
    /// The step per unit of `s` (for `Between`, b − a).
    pub direction: Point,
    /// The Hessian's eigenvalues at the point, ascending, for [`Direction::HessianEigen`].
    pub eigenvalues: Option<[f64; 2]>,
    /// For `Between`: the point at s = 1, so both ends are met exactly.
    end: Option<Point>,
}

impl Line {
    /// The point at `s`.
    #[must_use]
    pub fn at(&self, s: f64) -> Point {
        match self.end {
            // (1 − s)·a + s·b is exactly a at s = 0 and exactly b at s = 1.
            Some(b) => {
                let a = self.origin;
                [(1.0 - s) * a[0] + s * b[0], (1.0 - s) * a[1] + s * b[1]]
            }
            None => {
                [self.origin[0] + s * self.direction[0], self.origin[1] + s * self.direction[1]]
            }
        }
    }
}

/// Where a point lies relative to a [`Line`]: the `s` of its nearest point on the line and how
/// far it is from there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    /// The line's parameter at the nearest point.
    pub s: f64,
    /// The distance from the point to the line (0 on the line).
    pub distance: f64,
}

impl Line {
    /// The `s` of the point of the line nearest to `p`, and the distance from `p` to it (NaN
    /// for a point that is not finite).
    #[must_use]
    pub fn project(&self, p: Point) -> Projection {
        let d = self.direction;
        let offset = [p[0] - self.origin[0], p[1] - self.origin[1]];
        let s = (offset[0] * d[0] + offset[1] * d[1]) / (d[0] * d[0] + d[1] * d[1]);
        let nearest = self.at(s);
        Projection { s, distance: (p[0] - nearest[0]).hypot(p[1] - nearest[1]) }
    }

    /// The interval of `s` over which the line crosses `region`, widened to contain s = 0
    /// (and s = 1 for a segment), so both the line's points of interest and the region show.
    /// A line that misses the region gets ± the region's half-diagonal around s = 0.
    #[must_use]
    pub fn span_in(&self, region: &ViewBox) -> (f64, f64) {
        let (mut low, mut high) = (f64::NEG_INFINITY, f64::INFINITY);
        let mut misses = false;
        let edges = [(region.x_min, region.x_max), (region.y_min, region.y_max)];
        for (axis, (min, max)) in edges.into_iter().enumerate() {
            let (o, d) = (self.origin[axis], self.direction[axis]);
            if d == 0.0 {
                misses |= !(min..=max).contains(&o);
                continue;
            }
            let (a, b) = ((min - o) / d, (max - o) / d);
            low = low.max(a.min(b));
            high = high.min(a.max(b));
        }
        if misses || !(low.is_finite() && high.is_finite() && low < high) {
            let length = self.direction[0].hypot(self.direction[1]);
            let reach = 0.5 * region.width().hypot(region.height()) / length;
            (low, high) =
                if reach.is_finite() && reach > 0.0 { (-reach, reach) } else { (-1.0, 1.0) };
        }
        let last = if self.end.is_some() { 1.0 } else { 0.0 };
        (low.min(0.0), high.max(last))
    }
}

/// The loss along a line.
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    /// The line sliced along.
    pub line: Line,
    /// One sample per value of `s`, in increasing `s`.
    pub samples: Vec<Sample>,
}

/// Why a slice was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum SliceError {
    /// A number outside its allowed range (also the surface's own parameters).
    OutOfRange(LimitError),
    /// No direction can be formed: a zero vector, or a gradient or Hessian that is zero or not
    /// finite at the point.
    NoDirection(String),
}

impl fmt::Display for SliceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfRange(e) => e.fmt(f),
            Self::NoDirection(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for SliceError {}

impl From<LimitError> for SliceError {
    fn from(e: LimitError) -> Self {
        Self::OutOfRange(e)
    }
}

/// The loss of `surface` along the requested line.
///
/// # Errors
/// [`SliceError`] for a surface parameter, coordinate, interval or count out of range, or a
/// direction that cannot be formed (see [`line`]).
pub fn slice(surface: &Surface, request: &SliceRequest) -> Result<Slice, SliceError> {
    let (line, s_values) = prepare(surface, request)?;
    let samples = s_values.map(|s| sample(surface, &line, s)).collect();
    Ok(Slice { line, samples })
}

/// [`slice`], giving up (`Ok(None)`) as soon as `cancelled` says so; it is asked before every
/// sample, so a slice of an expensive surface stops within one evaluation of being cancelled.
///
/// # Errors
/// As [`slice`].
pub fn slice_unless(
    surface: &Surface,
    request: &SliceRequest,
    cancelled: &dyn Fn() -> bool,
) -> Result<Option<Slice>, SliceError> {
    let (line, s_values) = prepare(surface, request)?;
    let mut samples = Vec::with_capacity(request.points);
    for s in s_values {
        if cancelled() {
            return Ok(None);
        }
        samples.push(sample(surface, &line, s));
    }
    Ok(Some(Slice { line, samples }))
}

/// The checked request's line and its evenly spaced values of `s`, both ends exact.
fn prepare(
    surface: &Surface,
    request: &SliceRequest,
) -> Result<(Line, impl Iterator<Item = f64>), SliceError> {
    surface.validate()?;
    let (from, to, points) = (request.from, request.to, request.points);
    POINTS.check(points as f64)?;
    FROM.check(from)?;
    Limit::open("to", from, f64::INFINITY).check(to)?;
    let line = line(surface, request.through, request.direction)?;
    let last = points - 1;
    let s_values = (0..points).map(move |i| match i {
        0 => from,
        i if i == last => to,
        // A weighted mean rather than from + i·step: never overflows for wide intervals.
        i => {
            let t = i as f64 / last as f64;
            (1.0 - t) * from + t * to
        }
    });
    Ok((line, s_values))
}

/// The sample of `surface` at `s` along `line`.
fn sample(surface: &Surface, line: &Line, s: f64) -> Sample {
    let point = line.at(s);
    Sample { s, point, loss: surface.value(point) }
}

/// The line through `through` (or `Between`'s `a`) in `direction` on `surface`.
///
/// # Errors
/// [`SliceError::OutOfRange`] for a coordinate that is not finite or an eigen index other than
/// 0 or 1; [`SliceError::NoDirection`] for a zero or non-finite direction (a zero gradient at a
/// critical point, `Between` with a = b, a non-finite Hessian).
pub fn line(surface: &Surface, through: Point, direction: Direction) -> Result<Line, SliceError> {
    match direction {
        Direction::Between { a, b } => between(a, b),
        Direction::AlongX => plain(through, [1.0, 0.0]),
        Direction::AlongY => plain(through, [0.0, 1.0]),
        Direction::Vector(d) => {
            check_point(through, THROUGH)?;
            check_point(d, VECTOR)?;
            usable(d, || format!("direction = {}: a line needs a non-zero vector", show(d)))?;
            plain(through, d)
        }
        Direction::Gradient => steepest_descent(surface, through),
        Direction::HessianEigen { index } => eigen_direction(surface, through, index),
    }
}

/// The line through `through` with step `d` per unit of `s`.
fn plain(through: Point, d: Point) -> Result<Line, SliceError> {
    check_point(through, THROUGH)?;
    Ok(Line { origin: through, direction: d, eigenvalues: None, end: None })
}

/// The segment from `a` (s = 0) to `b` (s = 1).
fn between(a: Point, b: Point) -> Result<Line, SliceError> {
    check_point(a, BETWEEN_A)?;
    check_point(b, BETWEEN_B)?;
    let d = [b[0] - a[0], b[1] - a[1]];
    usable(d, || format!("a = b = {}: a segment needs two different points", show(a)))?;
    Ok(Line { origin: a, direction: d, eigenvalues: None, end: Some(b) })
}

/// The line through `through` along −∇f, normalised.
fn steepest_descent(surface: &Surface, through: Point) -> Result<Line, SliceError> {
    check_point(through, THROUGH)?;
    let g = surface.gradient(through);
    let descent = [-g[0], -g[1]];
    let length = usable(descent, || {
        format!(
            "the gradient at {} is {}: no direction of steepest descent there \
             (a critical point, or a loss that is not finite)",
            show(through),
            show(g)
        )
    })?;
    plain(through, [descent[0] / length, descent[1] / length])
}

/// The line through `through` along the Hessian's unit eigenvector number `index`.
fn eigen_direction(surface: &Surface, through: Point, index: usize) -> Result<Line, SliceError> {
    check_point(through, THROUGH)?;
    EIGEN_INDEX.check(index as f64)?;
    let (values, vectors) = symmetric_eigen(surface.hessian(through)).ok_or_else(|| {
        SliceError::NoDirection(format!(
            "the Hessian at {} is not finite: no eigen-directions there",
            show(through)
        ))
    })?;
    let vector = if index == 0 { vectors[0] } else { vectors[1] };
    Ok(Line { eigenvalues: Some(values), ..plain(through, vector)? })
}

/// Eigenvalues (ascending) and unit eigenvectors of the symmetric matrix `((a, b), (b, c))`
/// (the mean of the off-diagonal entries is used); `None` when an entry is not finite.
#[must_use]
pub fn symmetric_eigen(h: [[f64; 2]; 2]) -> Option<([f64; 2], [Point; 2])> {
    let (a, b, c) = (h[0][0], 0.5 * (h[0][1] + h[1][0]), h[1][1]);
    if ![a, b, c].iter().all(|v| v.is_finite()) {
        return None;
    }
    if b == 0.0 {
        // Diagonal: the axes themselves, the smaller curvature first.
        return Some(if a <= c {
            ([a, c], [[1.0, 0.0], [0.0, 1.0]])
        } else {
            ([c, a], [[0.0, 1.0], [1.0, 0.0]])
        });
    }
    let mean = 0.5 * (a + c);
    let radius = (0.5 * (a - c)).hypot(b);
    let values = [mean - radius, mean + radius];
    let vector = |lambda: f64| {
        // Two candidates solve (H − λ)v = 0; the longer one loses the least to rounding.
        let (p, q) = ([lambda - c, b], [b, lambda - a]);
        let v = if p[0].hypot(p[1]) >= q[0].hypot(q[1]) { p } else { q };
        let length = v[0].hypot(v[1]);
        [v[0] / length, v[1] / length]
    };
    let vectors = [vector(values[0]), vector(values[1])];
    if vectors.iter().flatten().all(|v| v.is_finite()) { Some((values, vectors)) } else { None }
}

/// Refuses a coordinate pair with a non-finite entry, naming it by `limits`.
fn check_point(p: Point, limits: [Limit; 2]) -> Result<(), LimitError> {
    limits[0].check(p[0])?;
    limits[1].check(p[1]).map(|_| ())
}

/// The length of `d` when it is finite and positive, otherwise the `why` sentence.
fn usable(d: Point, why: impl FnOnce() -> String) -> Result<f64, SliceError> {
    let length = d[0].hypot(d[1]);
    if length.is_finite() && length > 0.0 {
        Ok(length)
    } else {
        Err(SliceError::NoDirection(why()))
    }
}

/// `(x, y)` in the short number form of messages (−0 shown as 0).
fn show(p: Point) -> String {
    format!("({}, {})", short(p[0] + 0.0), short(p[1] + 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_gives_the_nearest_s_and_the_distance_off_the_line() {
        let along_x = line(&Surface::Saddle, [1.0, 2.0], Direction::AlongX).expect("a line");
        assert_eq!(along_x.project([4.0, 2.0]), Projection { s: 3.0, distance: 0.0 });
        assert_eq!(along_x.project([-1.0, 5.0]), Projection { s: -2.0, distance: 3.0 });
        let segment = Direction::Between { a: [0.0, 0.0], b: [2.0, 0.0] };
        let between = line(&Surface::Saddle, [9.0, 9.0], segment).expect("a segment");
        assert_eq!(between.project([1.0, -1.0]), Projection { s: 0.5, distance: 1.0 });
        assert!(between.project([f64::NAN, 0.0]).distance.is_nan());
    }

    #[test]
    fn the_span_crosses_the_region_and_keeps_the_points_of_interest() {
        let region = ViewBox { x_min: -2.0, x_max: 2.0, y_min: -2.0, y_max: 2.0 };
        let along_x = line(&Surface::Saddle, [-1.5, 0.0], Direction::AlongX).expect("a line");
        assert_eq!(along_x.span_in(&region), (-0.5, 3.5));
        let scaled = line(&Surface::Saddle, [0.0, 0.0], Direction::Vector([0.0, -4.0]));
        assert_eq!(scaled.expect("a line").span_in(&region), (-0.5, 0.5));
        // Outside the region: s = 0 is kept, the region's side reached.
        let outside = line(&Surface::Saddle, [5.0, 0.0], Direction::AlongX).expect("a line");
        assert_eq!(outside.span_in(&region), (-7.0, 0.0));
        // A line missing the region: ± the half-diagonal.
        for (through, direction) in
            [([0.0, 5.0], Direction::AlongX), ([5.0, 0.0], Direction::AlongY)]
        {
            let missing = line(&Surface::Saddle, through, direction).expect("a line");
            let (low, high) = missing.span_in(&region);
            assert!((high - 8f64.sqrt()).abs() < 1e-12 && (low + high).abs() < 1e-12);
        }
        // A segment keeps both of its ends.
        let segment = Direction::Between { a: [0.0, 0.0], b: [0.5, 0.0] };
        let between = line(&Surface::Saddle, [0.0, 0.0], segment).expect("a segment");
        assert_eq!(between.span_in(&region), (-4.0, 4.0));
        let far = Direction::Between { a: [0.0, 0.0], b: [8.0, 0.0] };
        let far = line(&Surface::Saddle, [0.0, 0.0], far).expect("a segment");
        assert_eq!(far.span_in(&region), (-0.25, 1.0));
    }

    #[test]
    fn a_cancelled_slice_stops_and_an_uncancelled_one_equals_slice() {
        let request = SliceRequest { points: 11, ..SliceRequest::default() };
        let whole = slice(&Surface::Saddle, &request).expect("a slice");
        let asked = std::cell::Cell::new(0);
        let cancelled = || {
            asked.set(asked.get() + 1);
            asked.get() > 3
        };
        assert_eq!(slice_unless(&Surface::Saddle, &request, &cancelled), Ok(None));
        assert_eq!(asked.get(), 4, "stopped at the first answer yes");
        assert_eq!(slice_unless(&Surface::Saddle, &request, &|| false), Ok(Some(whole)));
    }
}
