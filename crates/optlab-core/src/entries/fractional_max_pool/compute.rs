//! Fractional max pooling (Graham 2014, <https://arxiv.org/abs/1412.6071>), and PyTorch's
//! different fixed-window variant.
//!
//! An `n_in` × `n_in` image is pooled to `n_out` × `n_out` with α = `n_in`/`n_out` ∈ (1, 2).
//! Pooling boundaries come from an increasing integer sequence from a₀ = 0 to the last boundary
//! `n_in` with increments in {1, 2}; rows and columns use independent sequences:
//!
//! * **random**: shuffle `n_in` − `n_out` twos and 2·`n_out` − `n_in` ones ([`random_sequence`]);
//! * **pseudo-random**: aᵢ = ⌈α(i + u)⌉ for one u ∈ (0, 1) per pass, shifted so a₀ = 0
//!   ([`pseudo_random_sequence`]).
//!
//! Region i is [a_{i−1}, aᵢ − 1] (**disjoint**) or [a_{i−1}, aᵢ] (**overlapping**, clamped to
//! the image). A fresh sequence is drawn per training pass; the paper averages several draws at
//! test time ([`average_of_draws`]). TensorFlow's `tf.nn.fractional_max_pool` implements this
//! with `pseudo_random` and `overlapping` flags.
//!
//! **PyTorch differs**: `F.fractional_max_pool2d` slides a fixed k × k window whose starts come
//! from [`torch_interval_starts`]; see [`torch_fractional_max_pool2d`].

use super::config::{
    CEIL_SNAP, FractionalMaxPoolLab, MAX_DRAWS, MAX_PATTERN_SIZE, MAX_SEQUENCE_INPUT, Pattern,
};
use crate::regularize::index_at;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

impl FractionalMaxPoolLab {
    /// [`output_size`] of the lab's image and α.
    #[must_use]
    pub fn output_size(&self) -> Option<usize> {
        output_size(self.input_size, self.alpha)
    }

    /// The lab's input image.
    #[must_use]
    pub fn image(&self) -> Image {
        render_pattern(self.pattern, self.input_size, self.seed)
    }

    /// A generator for the sequences: the seed on a stream of its own, so the draws do not
    /// repeat the noise of the seeded patterns.
    #[must_use]
    pub fn rng(&self) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(1);
        rng
    }

    /// The image, one draw of row and column sequences, their regions, the pooled image and
    /// plain 2 × 2 max pooling for comparison. `None` only for an image below 2 pixels.
    #[must_use]
    pub fn run(&self) -> Option<FracPoolRun> {
        let input = self.image();
        let draw = fractional_max_pool(
            &input,
            self.alpha,
            self.pseudo_random,
            self.overlapping,
            &mut self.rng(),
        )?;
        let row_regions = regions(&draw.rows.boundaries, self.overlapping, input.height());
        let col_regions = regions(&draw.cols.boundaries, self.overlapping, input.width());
        let max_pooled = max_pool_2x2(&input);
        Some(FracPoolRun { input, draw, row_regions, col_regions, max_pooled })
    }

    /// [`average_of_draws`] of the lab's image over `draws` fresh draws (test-time averaging).
    #[must_use]
    pub fn averaged(&self, draws: usize) -> Option<Image> {
        let image = self.image();
        average_of_draws(
            &image,
            self.alpha,
            self.pseudo_random,
            self.overlapping,
            draws,
            &mut self.rng(),
        )
    }
}

/// Everything [`FractionalMaxPoolLab::run`] computes, for drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct FracPoolRun {
    /// The input image.
    pub input: Image,
    /// The sequences and the pooled image.
    pub draw: PoolDraw,
    /// Row regions (inclusive pixel ranges), one per output row.
    pub row_regions: Vec<PoolRegion>,
    /// Column regions, one per output column.
    pub col_regions: Vec<PoolRegion>,
    /// Ordinary 2 × 2 max pooling of the input (stride 2, odd last row/column dropped).
    pub max_pooled: Image,
}

/// A grey-scale image, row-major.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Image {
    width: usize,
    height: usize,
    pixels: Vec<f64>,
}

impl Image {
    /// An image from row-major `pixels`; `None` unless `pixels.len() == width · height`.
    #[must_use]
    pub fn new(width: usize, height: usize, pixels: Vec<f64>) -> Option<Self> {
        (width.checked_mul(height) == Some(pixels.len())).then_some(Self { width, height, pixels })
    }

    /// Columns.
    #[must_use]
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows.
    #[must_use]
    pub fn height(&self) -> usize {
        self.height
    }

    /// All pixels, row-major.
    #[must_use]
    pub fn pixels(&self) -> &[f64] {
        &self.pixels
    }

    /// The pixel at (`row`, `col`), `None` outside the image.
    #[must_use]
    pub fn get(&self, row: usize, col: usize) -> Option<f64> {
        if col >= self.width {
            return None;
        }
        self.pixels.get(row.checked_mul(self.width)?.checked_add(col)?).copied()
    }

    /// The rows, top to bottom.
    pub fn rows(&self) -> impl Iterator<Item = &[f64]> {
        self.pixels.chunks_exact(self.width.max(1))
    }

    /// The largest pixel in rows `rows` × columns `cols` (NaN pixels are ignored); `None` when
    /// the block holds no pixel of the image.
    #[must_use]
    pub fn region_max(&self, rows: PoolRegion, cols: PoolRegion) -> Option<f64> {
        (rows.start..=rows.end)
            .flat_map(|row| (cols.start..=cols.end).map(move |col| (row, col)))
            .filter_map(|(row, col)| self.get(row, col))
            .reduce(f64::max)
    }
}

/// An inclusive range of pixel indices pooled into one output pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PoolRegion {
    /// First index.
    pub start: usize,
    /// Last index (inclusive).
    pub end: usize,
}

impl PoolRegion {
    /// Number of indices covered.
    #[must_use]
    pub fn len(&self) -> usize {
        (self.end + 1).saturating_sub(self.start)
    }

    /// Whether the region covers nothing (`end < start`).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.end < self.start
    }
}

/// Draws `pattern` at `side` × `side` pixels (side clamped to 1..=[`MAX_PATTERN_SIZE`]) with
/// values in [0, 1]; `seed` matters for [`Pattern::Blobs`] and [`Pattern::Noise`].
#[must_use]
pub fn render_pattern(pattern: Pattern, side: usize, seed: u64) -> Image {
    let side = side.clamp(1, MAX_PATTERN_SIZE);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let pixels = match pattern {
        Pattern::Blobs => blobs(side, &mut rng),
        Pattern::Noise => (0..side * side).map(|_| rng.random::<f64>()).collect(),
        Pattern::Checkerboard => {
            from_fn(side, |r, c| ((r / CHECKER_CELL + c / CHECKER_CELL) % 2) as f64)
        }
        Pattern::Gradient => {
            let span = side.saturating_sub(1).max(1) as f64;
            from_fn(side, |_, c| c as f64 / span)
        }
        Pattern::DiagonalStripes => from_fn(side, |r, c| (((r + c) / STRIPE_WIDTH) % 2) as f64),
        Pattern::SinglePixel => {
            from_fn(side, |r, c| f64::from(u8::from(r == side / 2 && c == side / 2)))
        }
    };
    Image { width: side, height: side, pixels }
}

/// Row-major pixels of a `side` × `side` image from `value(row, col)`.
fn from_fn(side: usize, value: impl Fn(usize, usize) -> f64) -> Vec<f64> {
    (0..side).flat_map(|r| (0..side).map(move |c| (r, c))).map(|(r, c)| value(r, c)).collect()
}

/// Side of a [`Pattern::Checkerboard`] square: 3, odd, so 2 × 2 pooling windows straddle squares.
const CHECKER_CELL: usize = 3;
/// Width of a [`Pattern::DiagonalStripes`] stripe along each axis.
const STRIPE_WIDTH: usize = 2;

/// Number of blobs of [`Pattern::Blobs`].
const BLOBS: usize = 6;

/// A sum of [`BLOBS`] Gaussian bumps at seeded centres, widths and heights, scaled to peak 1.
fn blobs(side: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let n = side as f64;
    let mut uniform = |lo: f64, hi: f64| lo + (hi - lo) * rng.random::<f64>();
    let bumps: Vec<[f64; 4]> = (0..BLOBS)
        .map(|_| {
            [
                uniform(0.0, n),
                uniform(0.0, n),
                uniform(n / 12.0, n / 5.0).max(0.5),
                uniform(0.4, 1.0),
            ]
        })
        .collect();
    let pixels = from_fn(side, |r, c| {
        bumps
            .iter()
            .map(|&[row, col, sigma, height]| {
                let distance2 = (r as f64 - row).powi(2) + (c as f64 - col).powi(2);
                height * (-distance2 / (2.0 * sigma * sigma)).exp()
            })
            .sum()
    });
    let peak = pixels.iter().copied().fold(0.0, f64::max);
    if peak > 0.0 { pixels.iter().map(|v| v / peak).collect() } else { pixels }
}

/// `n_out` for input side `n_in` and ratio α: ⌊`n_in`/α⌋, as TensorFlow's `FractionalMaxPool`
/// (`floor(input_size / pooling_ratio)`), then clamped into [⌈`n_in`/2⌉, `n_in` − 1] so that
/// `n_out` < `n_in` and increments of 1 and 2 can still cover the input (⌊`n_in`/α⌋ can fall below
/// `n_in`/2 for odd `n_in` and α near 2, and round up to `n_in` for α near 1). `None` below two
/// pixels (no fractional pooling exists) or for a NaN α. For 25 and α = 1.414: 17.
#[must_use]
pub fn output_size(n_in: usize, alpha: f64) -> Option<usize> {
    if n_in < 2 || alpha.is_nan() {
        return None;
    }
    let floor = index_at(n_in as f64 / alpha, n_in);
    Some(floor.max(n_in.div_ceil(2)))
}

/// Whether increments of 1 and 2 can lead from 0 to `n_in` in `n_out` steps
/// (`n_out` ≤ `n_in` ≤ 2·`n_out`), within the size limit.
fn sequence_fits(n_in: usize, n_out: usize) -> bool {
    n_out >= 1 && n_out <= n_in && n_in <= n_out.saturating_mul(2) && n_in <= MAX_SEQUENCE_INPUT
}

/// Random FMP boundaries a₀ = 0, …, the last boundary = `n_in`: `n_in` − `n_out` increments of 2
/// and 2·`n_out` − `n_in` of 1 in shuffled order. `None` unless `n_out` ≤ `n_in` ≤ 2·`n_out`,
/// `n_out` ≥ 1 and `n_in` ≤ [`MAX_SEQUENCE_INPUT`].
#[must_use]
pub fn random_sequence(n_in: usize, n_out: usize, rng: &mut ChaCha8Rng) -> Option<Vec<usize>> {
    if !sequence_fits(n_in, n_out) {
        return None;
    }
    let twos = n_in - n_out;
    let mut increments: Vec<usize> =
        std::iter::repeat_n(1, n_out - twos).chain(std::iter::repeat_n(2, twos)).collect();
    increments.shuffle(rng);
    Some(
        std::iter::once(0)
            .chain(increments.iter().scan(0, |boundary, step| {
                *boundary += step;
                Some(*boundary)
            }))
            .collect(),
    )
}

/// Pseudo-random FMP boundaries aᵢ = ⌈α(i + u)⌉ − ⌈αu⌉ for i = 0..=`n_out`, with
/// α = `n_in`/`n_out` exactly (not the lab's rounded α), so a₀ = 0 and the last boundary = `n_in`.
///
/// The paper's u lies in (0, 1); u in [0, 1] is accepted. `None` for any other u or when the
/// sizes do not fit (see [`random_sequence`]).
///
/// # Exact ceilings
///
/// ⌈α(i + u)⌉ in floating point lands one too high when α(i + u) is an integer in exact arithmetic
/// but its f64 rounds up. For `n_in` = 10, `n_out` = 6, u = 0.2: α(4 + u) = 7, but
/// `(10.0 / 6.0) * 4.2` is 7.000000000000001, so a₄ comes out 7 instead of 6 (elsewhere an
/// increment of 0 or 3 can appear).
///
/// Here α = `n_in`/`n_out` stays a ratio of integers. c = ⌈`n_in`(i + u)/`n_out`⌉ is the smallest
/// integer with `n_in`·u − (c·`n_out` − `n_in`·i) ≤ 0; the bracket is an exact integer, and
/// `mul_add` evaluates the difference with a single rounding, so its sign is exact. Values within
/// [`CEIL_SNAP`] above an integer count as that integer, so a short decimal u (0.2, whose f64 lies
/// 1e-17 above 1/5) gives the sequence of the decimal, as rational arithmetic on the decimal
/// would. The snap is a constant shift of u by `CEIL_SNAP`·`n_out`/`n_in`, so the result is still
/// an exact FMP sequence (increments in {1, 2}, ending at `n_in`).
#[must_use]
pub fn pseudo_random_sequence(n_in: usize, n_out: usize, u: f64) -> Option<Vec<usize>> {
    if !sequence_fits(n_in, n_out) || !(0.0..=1.0).contains(&u) {
        return None;
    }
    let first = exact_ceiling(0, n_in, n_out, u);
    let boundaries: Vec<usize> =
        (0..=n_out).map(|i| exact_ceiling(i, n_in, n_out, u).saturating_sub(first)).collect();
    is_fmp_sequence(&boundaries, n_in).then_some(boundaries)
}

/// ⌈`n_in`·(i + u)/`n_out` − snap⌉ for the integer ratio `n_in`/`n_out` (see
/// [`pseudo_random_sequence`]); all integers involved stay below 2⁵³.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "c is a non-negative integer below 2^42, so the cast is exact"
)]
fn exact_ceiling(i: usize, n_in: usize, n_out: usize, u: f64) -> usize {
    let (n_in, n_out, i) = (n_in as f64, n_out as f64, i as f64);
    let tolerance = CEIL_SNAP * n_out;
    // n_in·u − (c·n_out − n_in·i), rounded once: positive means c is below the ceiling.
    let excess = |c: f64| n_in.mul_add(u, n_in * i - c * n_out);
    let mut c = (n_in * (i + u) / n_out - CEIL_SNAP).ceil().max(0.0);
    // The float estimate is off by at most one; a few bounded steps settle it.
    for _ in 0..4 {
        if excess(c) > tolerance {
            c += 1.0;
        } else if c >= 1.0 && excess(c - 1.0) <= tolerance {
            c -= 1.0;
        } else {
            break;
        }
    }
    c as usize
}

/// Whether `boundaries` start at 0, end at `n_in` and rise by 1 or 2 each step.
#[must_use]
pub fn is_fmp_sequence(boundaries: &[usize], n_in: usize) -> bool {
    is_boundary_sequence(boundaries, n_in)
        && boundaries.windows(2).all(|pair| matches!(*pair, [a, b] if b - a <= 2))
}

/// Whether `boundaries` start at 0, end at `n` and strictly increase (at least one region).
#[must_use]
pub fn is_boundary_sequence(boundaries: &[usize], n: usize) -> bool {
    boundaries.len() >= 2
        && boundaries.first() == Some(&0)
        && boundaries.last() == Some(&n)
        && boundaries.windows(2).all(|pair| matches!(*pair, [a, b] if a < b))
}

/// One drawn sequence and the u that made it (pseudo-random only).
#[derive(Clone, Debug, PartialEq)]
pub struct SequenceDraw {
    /// Boundaries a₀ = 0, …, the last boundary = `n_in`.
    pub boundaries: Vec<usize>,
    /// u of a pseudo-random sequence; `None` for a random one.
    pub u: Option<f64>,
}

/// A random or (with u uniform in [0, 1)) pseudo-random sequence; `None` when the sizes do not
/// fit (see [`random_sequence`]).
#[must_use]
pub fn draw_sequence(
    n_in: usize,
    n_out: usize,
    pseudo_random: bool,
    rng: &mut ChaCha8Rng,
) -> Option<SequenceDraw> {
    if pseudo_random {
        let u = rng.random::<f64>();
        Some(SequenceDraw { boundaries: pseudo_random_sequence(n_in, n_out, u)?, u: Some(u) })
    } else {
        Some(SequenceDraw { boundaries: random_sequence(n_in, n_out, rng)?, u: None })
    }
}

/// The regions of a boundary sequence over `n` pixels: [a_{i−1}, aᵢ − 1] (disjoint) or
/// [a_{i−1}, min(aᵢ, n − 1)] (overlapping: neighbours share their boundary pixel, the last
/// region is clamped to the image). Empty unless [`is_boundary_sequence`]`(boundaries, n)`.
#[must_use]
pub fn regions(boundaries: &[usize], overlapping: bool, n: usize) -> Vec<PoolRegion> {
    if !is_boundary_sequence(boundaries, n) {
        return Vec::new();
    }
    boundaries
        .windows(2)
        .filter_map(|pair| match *pair {
            [start, next] if overlapping => Some(PoolRegion { start, end: next.min(n - 1) }),
            [start, next] => Some(PoolRegion { start, end: next - 1 }),
            _ => None,
        })
        .collect()
}

/// Max pooling over the regions of `row_boundaries` (over the image height) and
/// `col_boundaries` (over its width): output pixel (i, j) is the maximum of row region i ×
/// column region j. `None` unless both are boundary sequences of the image
/// ([`is_boundary_sequence`]); they need not be FMP sequences.
#[must_use]
pub fn pool(
    image: &Image,
    row_boundaries: &[usize],
    col_boundaries: &[usize],
    overlapping: bool,
) -> Option<Image> {
    let rows = regions(row_boundaries, overlapping, image.height());
    let cols = regions(col_boundaries, overlapping, image.width());
    if rows.is_empty() || cols.is_empty() {
        return None;
    }
    Some(pool_regions(image, &rows, &cols))
}

/// The maximum of every row region × column region, row-major.
fn pool_regions(image: &Image, rows: &[PoolRegion], cols: &[PoolRegion]) -> Image {
    let pixels = rows
        .iter()
        .flat_map(|&r| cols.iter().map(move |&c| image.region_max(r, c).unwrap_or(f64::NAN)))
        .collect();
    Image { width: cols.len(), height: rows.len(), pixels }
}

/// Ordinary 2 × 2 max pooling with stride 2 (PyTorch `MaxPool2d(2)`, floor mode: an odd last
/// row or column is dropped). A side below 2 gives an empty image.
#[must_use]
pub fn max_pool_2x2(image: &Image) -> Image {
    let halves = |n: usize| -> Vec<PoolRegion> {
        (0..n / 2).map(|i| PoolRegion { start: 2 * i, end: 2 * i + 1 }).collect()
    };
    pool_regions(image, &halves(image.height()), &halves(image.width()))
}

/// One fractional max pooling pass: the sequences drawn and the pooled image.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolDraw {
    /// Row boundaries (over the height), drawn first.
    pub rows: SequenceDraw,
    /// Column boundaries (over the width), drawn second.
    pub cols: SequenceDraw,
    /// The pooled image, [`output_size`] of each side.
    pub pooled: Image,
}

/// One training-time FMP pass over `image` with ratio `alpha`: independent row and column
/// sequences, then [`pool`]. `None` when a side is below 2.
#[must_use]
pub fn fractional_max_pool(
    image: &Image,
    alpha: f64,
    pseudo_random: bool,
    overlapping: bool,
    rng: &mut ChaCha8Rng,
) -> Option<PoolDraw> {
    let out_rows = output_size(image.height(), alpha)?;
    let out_cols = output_size(image.width(), alpha)?;
    let rows = draw_sequence(image.height(), out_rows, pseudo_random, rng)?;
    let cols = draw_sequence(image.width(), out_cols, pseudo_random, rng)?;
    let pooled = pool(image, &rows.boundaries, &cols.boundaries, overlapping)?;
    Some(PoolDraw { rows, cols, pooled })
}

/// The paper's test-time rule: the pixel-wise mean of `draws` independent passes of
/// [`fractional_max_pool`] (draws clamped to 1..=[`MAX_DRAWS`]).
#[must_use]
pub fn average_of_draws(
    image: &Image,
    alpha: f64,
    pseudo_random: bool,
    overlapping: bool,
    draws: usize,
    rng: &mut ChaCha8Rng,
) -> Option<Image> {
    let draws = draws.clamp(1, MAX_DRAWS);
    let mut sum = fractional_max_pool(image, alpha, pseudo_random, overlapping, rng)?.pooled;
    for _ in 1..draws {
        let next = fractional_max_pool(image, alpha, pseudo_random, overlapping, rng)?.pooled;
        sum.pixels.iter_mut().zip(&next.pixels).for_each(|(total, value)| *total += value);
    }
    sum.pixels.iter_mut().for_each(|total| *total /= draws as f64);
    Some(sum)
}

/// PyTorch's window starts along one dimension (`generate_intervals` in
/// `aten/src/ATen/native/FractionalMaxPooling.h`): with β = (`n_in` − k)/(`n_out` − 1),
/// startᵢ = int((i + u)·β) − int(u·β) for i < `n_out` − 1 and the last start = `n_in` − k, where
/// int truncates. Windows are [startᵢ, startᵢ + k − 1]; they overlap or leave gaps, unlike
/// Graham's regions.
///
/// Computed in f64 exactly as torch does for float64 tensors (float32 tensors round
/// differently). `None` unless `n_out` ≥ 1, k ≥ 1, `n_out` + k − 1 ≤ `n_in` (torch's own check) and
/// u ∈ [0, 1].
#[must_use]
pub fn torch_interval_starts(
    n_in: usize,
    n_out: usize,
    kernel: usize,
    u: f64,
) -> Option<Vec<usize>> {
    let fits = n_out >= 1 && kernel >= 1 && n_out.checked_add(kernel - 1)? <= n_in;
    if !fits || n_in > MAX_SEQUENCE_INPUT || !(0.0..=1.0).contains(&u) {
        return None;
    }
    let last = n_in - kernel;
    let beta = last as f64 / (n_out - 1).max(1) as f64;
    let offset = truncate(u * beta);
    let mut starts: Vec<usize> =
        (0..n_out - 1).map(|i| truncate((i as f64 + u) * beta).saturating_sub(offset)).collect();
    starts.push(last);
    Some(starts)
}

/// C's `static_cast<int>` of a non-negative double: truncation toward zero.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "the argument is in [0, 2^21) here; truncation is the point"
)]
fn truncate(value: f64) -> usize {
    value as usize
}

/// PyTorch `F.fractional_max_pool2d` on one plane, with its `_random_samples` given.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TorchFractionalPool {
    /// `kernel_size` as (kH, kW).
    pub kernel: [usize; 2],
    /// `output_size` as (oH, oW).
    pub output: [usize; 2],
    /// `_random_samples[n, c, :]` in torch's order: **[u for the width, u for the height]**.
    pub samples: [f64; 2],
}

/// The output of [`torch_fractional_max_pool2d`].
#[derive(Clone, Debug, PartialEq)]
pub struct TorchPooled {
    /// The pooled plane, oH × oW.
    pub values: Image,
    /// Per output pixel, the flat index h·W + w of its maximum in the input plane (torch's
    /// `return_indices=True`).
    pub indices: Vec<usize>,
}

/// PyTorch's fractional max pooling of one plane: the k × k window starting at
/// ([`torch_interval_starts`] of the height, of the width), scanned row by row; a value
/// replaces the running maximum when it is larger or NaN (so the first of equal maxima wins and
/// NaN propagates), as in torch's CPU kernel. `None` when the sizes or samples do not fit.
#[must_use]
pub fn torch_fractional_max_pool2d(
    image: &Image,
    params: TorchFractionalPool,
) -> Option<TorchPooled> {
    let [kernel_h, kernel_w] = params.kernel;
    let [out_h, out_w] = params.output;
    let [u_w, u_h] = params.samples;
    let starts_h = torch_interval_starts(image.height(), out_h, kernel_h, u_h)?;
    let starts_w = torch_interval_starts(image.width(), out_w, kernel_w, u_w)?;
    let (mut values, mut indices) = (Vec::new(), Vec::new());
    for &h in &starts_h {
        for &w in &starts_w {
            let (value, index) = torch_window_max(image, [h, w], [kernel_h, kernel_w]);
            values.push(value);
            indices.push(index);
        }
    }
    Some(TorchPooled { values: Image { width: out_w, height: out_h, pixels: values }, indices })
}

/// Maximum and flat index of the window at `start` = (h, w) of size `kernel` = (kH, kW), with
/// torch's update rule `val > max || isnan(val)` starting from −∞ at the window's first pixel.
fn torch_window_max(image: &Image, start: [usize; 2], kernel: [usize; 2]) -> (f64, usize) {
    let ([h0, w0], [kernel_h, kernel_w]) = (start, kernel);
    let mut best = (f64::NEG_INFINITY, h0 * image.width() + w0);
    for h in h0..h0 + kernel_h {
        for w in w0..w0 + kernel_w {
            if let Some(value) = image.get(h, w)
                && (value > best.0 || value.is_nan())
            {
                best = (value, h * image.width() + w);
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_ceiling_snaps_decimal_integers() {
        // 10/6 · 4.2 = 7 exactly; f64 says 7.000000000000001.
        assert_eq!(exact_ceiling(4, 10, 6, 0.2), 7);
        assert_eq!(exact_ceiling(3, 10, 6, 0.0), 5);
        assert_eq!(exact_ceiling(1, 10, 6, 0.0), 2);
        assert_eq!(exact_ceiling(0, 10, 6, 0.0), 0);
        assert_eq!(exact_ceiling(2, 25, 17, 0.5), 4);
    }

    #[test]
    fn truncation_is_toward_zero() {
        assert_eq!(truncate(2.999), 2);
        assert_eq!(truncate(0.0), 0);
    }
}
