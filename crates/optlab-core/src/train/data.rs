//! Toy 2-D classification data: the course's spiral, moons, circles, XOR and Gaussian blobs.
//!
//! Every generator draws from a caller's `&mut ChaCha8Rng`, so a seed reproduces the same points
//! on every machine. Sizes are clamped to the limits below, so a config that skipped
//! [`DatasetConfig::validate`] still cannot make a generator allocate without bound.

use std::f64::consts::PI;

use rand::RngExt;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::limits::{Limit, LimitError, check_all};

/// Classes of `Spiral` and `Blobs`.
pub const CLASSES: Limit = Limit::closed("classes", 2.0, MAX_CLASSES as f64);
/// Most classes a generator makes.
pub const MAX_CLASSES: usize = 10;
/// Points per class of `Spiral` and `Blobs`.
pub const POINTS_PER_CLASS: Limit = Limit::closed("points_per_class", 1.0, 10_000.0);
/// Total points of `Moons`, `Circles` and `Xor`.
pub const POINTS: Limit = Limit::closed("points", 2.0, 100_000.0);
/// Most points of any generator (classes × points per class, or points).
pub const MAX_POINTS: usize = 100_000;
/// Standard deviation of the Gaussian noise (`Spiral` adds it to the angle, the others to both
/// coordinates).
pub const NOISE: Limit = Limit::closed("noise", 0.0, 10.0);
/// Radius of the inner circle of `Circles` relative to the outer one.
pub const FACTOR: Limit = Limit::open("factor", 0.0, 1.0);
/// Standard deviation of each blob of `Blobs`.
pub const STD: Limit = Limit::closed("std", 0.0, 10.0);
/// Radius of the circle on which `Blobs` places its centres.
pub const BLOB_RADIUS: f64 = 2.0;

/// A labelled 2-D point set.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Dataset {
    /// The points.
    pub x: Vec<[f64; 2]>,
    /// The class of each point, in `0..classes`.
    pub y: Vec<usize>,
    /// Number of classes.
    pub classes: usize,
}

impl Dataset {
    /// A dataset from points and labels; `None` when the lengths differ or a label is not below
    /// `classes`.
    #[must_use]
    pub fn new(x: Vec<[f64; 2]>, y: Vec<usize>, classes: usize) -> Option<Self> {
        let consistent = x.len() == y.len() && y.iter().all(|&label| label < classes);
        consistent.then_some(Self { x, y, classes })
    }

    /// Number of points.
    #[must_use]
    pub fn len(&self) -> usize {
        self.x.len().min(self.y.len())
    }

    /// Whether there are no points.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Points per class (labels at or above `classes` are not counted).
    #[must_use]
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes];
        for &label in &self.y {
            if let Some(count) = counts.get_mut(label) {
                *count += 1;
            }
        }
        counts
    }

    /// The points at `indices` (indices past the end are skipped), in that order.
    #[must_use]
    pub fn subset(&self, indices: &[usize]) -> Self {
        let pairs = indices.iter().filter_map(|&i| Some((*self.x.get(i)?, *self.y.get(i)?)));
        let (x, y) = pairs.unzip();
        Self { x, y, classes: self.classes }
    }

    /// A seeded random split into (train, validation): a random `validation_fraction` (clamped
    /// into [0, 1], rounded to whole points) goes to validation, the rest to train. The two are
    /// disjoint and together hold every point once.
    #[must_use]
    pub fn split(&self, validation_fraction: f64, rng: &mut ChaCha8Rng) -> (Self, Self) {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(rng);
        let fraction = if validation_fraction.is_nan() { 0.0 } else { validation_fraction };
        let validation_len = round_count(fraction.clamp(0.0, 1.0) * order.len() as f64);
        let (validation, train) = order.split_at(validation_len.min(order.len()));
        (self.subset(train), self.subset(validation))
    }

    /// The smallest box holding every point, widened by `margin` on each side:
    /// `([x_min, y_min], [x_max, y_max])`, or the unit box around 0 when empty.
    #[must_use]
    pub fn bounds(&self, margin: f64) -> ([f64; 2], [f64; 2]) {
        if self.x.is_empty() {
            return ([-1.0, -1.0], [1.0, 1.0]);
        }
        let mut lo = [f64::INFINITY; 2];
        let mut hi = [f64::NEG_INFINITY; 2];
        for point in &self.x {
            for axis in 0..2 {
                lo[axis] = lo[axis].min(point[axis]);
                hi[axis] = hi[axis].max(point[axis]);
            }
        }
        (lo.map(|v| v - margin), hi.map(|v| v + margin))
    }
}

/// `value` rounded to a count (0 for negative values and NaN).
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "float-to-int `as` saturates; callers pass values in [0, MAX_POINTS]"
)]
fn round_count(value: f64) -> usize {
    value.round() as usize
}

/// Which toy dataset to generate, as written in RON (`Spiral(classes: 3, points_per_class: 100,
/// noise: 0.2)`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum DatasetConfig {
    /// The course's spiral (CS231n "Putting it together"): class j has points at radius
    /// r = linspace(0, 1, N) and angle t = linspace(4j, 4(j + 1), N) + noise·N(0, 1), placed at
    /// (r sin t, r cos t).
    Spiral {
        /// Number of arms K, 2 to 10.
        classes: usize,
        /// Points per arm N, 1 to 10 000.
        points_per_class: usize,
        /// Standard deviation of the angle noise (the course uses 0.2).
        noise: f64,
    },
    /// Two interleaving half circles (scikit-learn's `make_moons`): ⌊points/2⌋ on the upper
    /// arc (class 0), the rest on the lower, shifted arc (class 1), plus N(0, noise²) jitter.
    Moons {
        /// Total points, 2 to 100 000.
        points: usize,
        /// Standard deviation of the jitter on both coordinates.
        noise: f64,
    },
    /// Two concentric circles (scikit-learn's `make_circles`): ⌊points/2⌋ on the unit circle
    /// (class 0), the rest on the circle of radius `factor` (class 1), plus N(0, noise²) jitter.
    Circles {
        /// Total points, 2 to 100 000.
        points: usize,
        /// Standard deviation of the jitter on both coordinates.
        noise: f64,
        /// Inner radius relative to the outer one, in (0, 1).
        factor: f64,
    },
    /// Points uniform in [−1, 1]², class 1 where exactly one coordinate is positive, then
    /// N(0, noise²) jitter (the label is taken before the jitter, so noise blurs the border).
    Xor {
        /// Total points, 2 to 100 000.
        points: usize,
        /// Standard deviation of the jitter on both coordinates.
        noise: f64,
    },
    /// Isotropic Gaussian blobs with centres evenly spaced on a circle of radius 2.
    Blobs {
        /// Number of blobs, 2 to 10.
        classes: usize,
        /// Points per blob, 1 to 10 000.
        points_per_class: usize,
        /// Standard deviation of each blob.
        std: f64,
    },
}

impl Default for DatasetConfig {
    /// The course's spiral: K = 3 arms of N = 100 points, angle noise 0.2.
    fn default() -> Self {
        Self::Spiral { classes: 3, points_per_class: 100, noise: 0.2 }
    }
}

impl DatasetConfig {
    /// Checks every field against its allowed range.
    ///
    /// # Errors
    /// The first field out of range, naming the field and its interval.
    pub fn validate(&self) -> Result<(), LimitError> {
        match *self {
            Self::Spiral { classes, points_per_class, noise } => check_all(&[
                (classes as f64, CLASSES),
                (points_per_class as f64, POINTS_PER_CLASS),
                (noise, NOISE),
            ]),
            Self::Moons { points, noise } | Self::Xor { points, noise } => {
                check_all(&[(points as f64, POINTS), (noise, NOISE)])
            }
            Self::Circles { points, noise, factor } => {
                check_all(&[(points as f64, POINTS), (noise, NOISE), (factor, FACTOR)])
            }
            Self::Blobs { classes, points_per_class, std } => check_all(&[
                (classes as f64, CLASSES),
                (points_per_class as f64, POINTS_PER_CLASS),
                (std, STD),
            ]),
        }
    }

    /// The name users type in RON (`Spiral`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Spiral { .. } => "Spiral",
            Self::Moons { .. } => "Moons",
            Self::Circles { .. } => "Circles",
            Self::Xor { .. } => "Xor",
            Self::Blobs { .. } => "Blobs",
        }
    }

    /// Number of classes the dataset will have (clamped like the generators).
    #[must_use]
    pub fn classes(&self) -> usize {
        match *self {
            Self::Spiral { classes, .. } | Self::Blobs { classes, .. } => {
                classes.clamp(1, MAX_CLASSES)
            }
            Self::Moons { .. } | Self::Circles { .. } | Self::Xor { .. } => 2,
        }
    }

    /// Number of points [`Self::generate`] draws (sizes clamped as it clamps them).
    #[must_use]
    pub fn points(&self) -> usize {
        match *self {
            Self::Spiral { classes, points_per_class, .. }
            | Self::Blobs { classes, points_per_class, .. } => {
                let (classes, n) = clamp_grid(classes, points_per_class);
                classes * n
            }
            Self::Moons { points, .. }
            | Self::Circles { points, .. }
            | Self::Xor { points, .. } => points.min(MAX_POINTS),
        }
    }

    /// Draws the dataset from `rng`. Sizes are clamped to the limits (at most [`MAX_POINTS`]
    /// points), so this never panics; validate first to refuse bad configs instead.
    #[must_use]
    pub fn generate(&self, rng: &mut ChaCha8Rng) -> Dataset {
        match *self {
            Self::Spiral { classes, points_per_class, noise } => {
                spiral(classes, points_per_class, noise, rng)
            }
            Self::Moons { points, noise } => moons(points, noise, rng),
            Self::Circles { points, noise, factor } => circles(points, noise, factor, rng),
            Self::Xor { points, noise } => xor(points, noise, rng),
            Self::Blobs { classes, points_per_class, std } => {
                blobs(classes, points_per_class, std, rng)
            }
        }
    }
}

/// `classes` and `points_per_class` clamped so that their product stays within [`MAX_POINTS`].
fn clamp_grid(classes: usize, points_per_class: usize) -> (usize, usize) {
    let classes = classes.clamp(1, MAX_CLASSES);
    (classes, points_per_class.min(MAX_POINTS / classes))
}

/// One N(0, 1) draw.
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// `numpy.linspace(start, end, count)[i]`.
fn linspace_at(start: f64, end: f64, count: usize, i: usize) -> f64 {
    if count <= 1 { start } else { start + (end - start) * i as f64 / (count - 1) as f64 }
}

/// The course's spiral, class by class as the numpy code draws it (N angle noises per class).
#[must_use]
pub fn spiral(
    classes: usize,
    points_per_class: usize,
    noise: f64,
    rng: &mut ChaCha8Rng,
) -> Dataset {
    let (classes, n) = clamp_grid(classes, points_per_class);
    let mut x = Vec::with_capacity(classes * n);
    let mut y = Vec::with_capacity(classes * n);
    for class in 0..classes {
        let start = 4.0 * class as f64;
        for i in 0..n {
            let r = linspace_at(0.0, 1.0, n, i);
            let t = linspace_at(start, start + 4.0, n, i) + noise * normal(rng);
            x.push([r * t.sin(), r * t.cos()]);
            y.push(class);
        }
    }
    Dataset { x, y, classes }
}

/// Adds N(0, noise²) to both coordinates of every point.
fn jitter(points: &mut [[f64; 2]], noise: f64, rng: &mut ChaCha8Rng) {
    for point in points {
        for coordinate in point {
            *coordinate += noise * normal(rng);
        }
    }
}

/// scikit-learn's `make_moons(points, shuffle=False, noise)`.
#[must_use]
pub fn moons(points: usize, noise: f64, rng: &mut ChaCha8Rng) -> Dataset {
    let points = points.min(MAX_POINTS);
    let outer = points / 2;
    let inner = points - outer;
    let mut x = Vec::with_capacity(points);
    for i in 0..outer {
        let angle = PI * linspace_at(0.0, 1.0, outer, i);
        x.push([angle.cos(), angle.sin()]);
    }
    for i in 0..inner {
        let angle = PI * linspace_at(0.0, 1.0, inner, i);
        x.push([1.0 - angle.cos(), 0.5 - angle.sin()]);
    }
    jitter(&mut x, noise, rng);
    let y = (0..points).map(|i| usize::from(i >= outer)).collect();
    Dataset { x, y, classes: 2 }
}

/// scikit-learn's `make_circles(points, shuffle=False, noise, factor)`: angles evenly spaced,
/// without repeating the end point.
#[must_use]
pub fn circles(points: usize, noise: f64, factor: f64, rng: &mut ChaCha8Rng) -> Dataset {
    let points = points.min(MAX_POINTS);
    let outer = points / 2;
    let inner = points - outer;
    let mut x = Vec::with_capacity(points);
    for (count, radius) in [(outer, 1.0), (inner, factor)] {
        for i in 0..count {
            let angle = 2.0 * PI * i as f64 / count as f64;
            x.push([radius * angle.cos(), radius * angle.sin()]);
        }
    }
    jitter(&mut x, noise, rng);
    let y = (0..points).map(|i| usize::from(i >= outer)).collect();
    Dataset { x, y, classes: 2 }
}

/// XOR of the signs of two uniform coordinates, then jitter.
#[must_use]
pub fn xor(points: usize, noise: f64, rng: &mut ChaCha8Rng) -> Dataset {
    let points = points.min(MAX_POINTS);
    let mut x: Vec<[f64; 2]> =
        (0..points).map(|_| [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)]).collect();
    let y = x.iter().map(|p| usize::from((p[0] > 0.0) != (p[1] > 0.0))).collect();
    jitter(&mut x, noise, rng);
    Dataset { x, y, classes: 2 }
}

/// Gaussian blobs, class by class, centre j at angle 2πj/K on a circle of radius
/// [`BLOB_RADIUS`].
#[must_use]
pub fn blobs(classes: usize, points_per_class: usize, std: f64, rng: &mut ChaCha8Rng) -> Dataset {
    let (classes, n) = clamp_grid(classes, points_per_class);
    let mut x = Vec::with_capacity(classes * n);
    let mut y = Vec::with_capacity(classes * n);
    for class in 0..classes {
        let angle = 2.0 * PI * class as f64 / classes as f64;
        let centre = [BLOB_RADIUS * angle.cos(), BLOB_RADIUS * angle.sin()];
        for _ in 0..n {
            x.push([centre[0] + std * normal(rng), centre[1] + std * normal(rng)]);
            y.push(class);
        }
    }
    Dataset { x, y, classes }
}
