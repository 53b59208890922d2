//! The LR range test (Smith 2017, "Cyclical Learning Rates for Training Neural Networks";
//! fastai's `Learner.lr_find` in `fastai/callback/schedule.py`): train while the learning rate
//! grows exponentially, record the smoothed loss, stop when it diverges, and read a learning
//! rate off the curve with fastai's four suggestion functions (`valley`, `slide`, `minimum`,
//! `steep`), replicated with their index arithmetic (Python's negative indices included).
//!
//! fastai computes in float32 tensors, this module in f64. Where fastai's Python would raise
//! (too few points), a suggestion is `Err` with the reason instead. The test runs on a copy of
//! a run's trainer ([`Trainer::update_at_lr`]), so it never changes the run.

use std::ops::Range;

use super::fit::Trainer;

/// β of fastai's `AvgSmoothLoss`.
pub const SMOOTHING_BETA: f64 = 0.98;
/// The test stops when the smoothed loss exceeds this multiple of its minimum so far.
pub const DIVERGENCE_FACTOR: f64 = 4.0;
/// Recorded points dropped at the end before suggesting (`losses[num_it//10:-5]`).
pub const SKIP_END: usize = 5;
/// `slide`'s `lr_diff`: the distance in points between the two gradients it compares.
pub const SLIDE_LR_DIFF: usize = 15;
/// `slide`'s `thresh` on the difference of the two gradients.
pub const SLIDE_THRESHOLD: f64 = 0.005;
/// Fewest iterations (fastai raises smaller `num_it` to this).
pub const MIN_ITERATIONS: usize = 6;

/// What to run: the ramp's ends and length, and whether divergence stops it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RangePlan {
    /// Learning rate of the first mini-batch.
    pub start_lr: f64,
    /// The ramp's end (reached after `num_it` steps, so never used itself).
    pub end_lr: f64,
    /// Mini-batch updates (at least [`MIN_ITERATIONS`]).
    pub num_it: usize,
    /// Stop when the smoothed loss exceeds 4× its minimum.
    pub stop_div: bool,
}

/// The learning rate of mini-batch `iteration` (from 0): fastai's `SchedExp(start, end)` at
/// `iteration / num_it`, i.e. `start·(end/start)^(iteration/num_it)`.
#[must_use]
pub fn ramp_lr(start_lr: f64, end_lr: f64, iteration: usize, num_it: usize) -> f64 {
    start_lr * (end_lr / start_lr).powf(iteration as f64 / num_it.max(1) as f64)
}

/// fastai's `AvgSmoothLoss`: an exponential moving average of the losses (torch's
/// `lerp(loss, val, β)`), starting at 0 and debiased by 1 − β^count.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SmoothLoss {
    /// The biased average.
    average: f64,
    /// Losses seen.
    count: u32,
}

impl SmoothLoss {
    /// Takes in one loss; returns the debiased average.
    pub fn push(&mut self, loss: f64) -> f64 {
        self.count = self.count.saturating_add(1);
        self.average = torch_lerp(loss, self.average, SMOOTHING_BETA);
        self.value()
    }

    /// The debiased average (NaN before the first loss).
    #[must_use]
    pub fn value(&self) -> f64 {
        self.average / (1.0 - SMOOTHING_BETA.powf(f64::from(self.count)))
    }
}

/// torch's `lerp` on the CPU: `a + w(b − a)` for |w| < ½, else `b − (b − a)(1 − w)`.
fn torch_lerp(a: f64, b: f64, weight: f64) -> f64 {
    if weight.abs() < 0.5 { a + weight * (b - a) } else { b - (b - a) * (1.0 - weight) }
}

/// Why the test ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    /// All `num_it` updates ran.
    Iterations,
    /// The smoothed loss passed 4× its minimum (with `stop_div`).
    Diverged,
    /// The run cannot take the test (the reason).
    Refused(String),
}

impl Stop {
    /// The reason in words.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Iterations => "ran every iteration".to_owned(),
            Self::Diverged => "stopped: the smoothed loss passed 4× its minimum".to_owned(),
            Self::Refused(why) => why.clone(),
        }
    }
}

/// One suggested learning rate and the point fastai marks on the curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Suggestion {
    /// The suggested learning rate.
    pub lr: f64,
    /// The marked point's learning rate (for `minimum`, the minimum's, ten times `lr`).
    pub marked_lr: f64,
    /// The marked point's smoothed loss.
    pub marked_loss: f64,
}

/// A suggestion, or why there is none.
pub type Suggested = Result<Suggestion, String>;

/// fastai's four suggestions.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestions {
    /// `valley`: a point in the longest decreasing run (fastai's default).
    pub valley: Suggested,
    /// `slide`: the interval slide rule.
    pub slide: Suggested,
    /// `minimum`: a tenth of the lr at the smoothed loss's minimum.
    pub minimum: Suggested,
    /// `steep`: where the loss falls fastest per decade of lr.
    pub steep: Suggested,
}

/// A finished LR range test: the recorded curve, why it stopped, the points the suggestions
/// read and the suggestions.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeTest {
    /// What ran.
    pub plan: RangePlan,
    /// Learning rate of every update done.
    pub lrs: Vec<f64>,
    /// The mini-batch loss before each update (the training objective, with L2).
    pub losses: Vec<f64>,
    /// fastai's smoothed loss after each update.
    pub smoothed: Vec<f64>,
    /// Why it ended.
    pub stop: Stop,
    /// Indices the suggestions read: `[num_it/10, len − 5)`, cut at the first NaN.
    pub window: Range<usize>,
    /// fastai's suggestions.
    pub suggestions: Suggestions,
}

impl RangeTest {
    /// `lr_valley`, `lr_slide`, `lr_min` (the minimum suggestion, a tenth of the lr at the
    /// minimum) and `lr_steep`, NaN where there is none: the summary line's values.
    #[must_use]
    pub fn summary_values(&self) -> Vec<(&'static str, f64)> {
        let lr = |s: &Suggested| s.as_ref().map_or(f64::NAN, |s| s.lr);
        let s = &self.suggestions;
        vec![
            ("lr_valley", lr(&s.valley)),
            ("lr_slide", lr(&s.slide)),
            ("lr_min", lr(&s.minimum)),
            ("lr_steep", lr(&s.steep)),
        ]
    }
}

/// Runs the test on `trainer` (a copy of a run's fresh trainer: it is changed), one
/// [`Trainer::update_at_lr`] per iteration (see [`run_with`]).
#[must_use]
pub fn run(trainer: &mut Trainer, plan: &RangePlan) -> RangeTest {
    run_with(plan, |lr| trainer.update_at_lr(lr))
}

/// Runs the test with `update(lr)`, which makes one update at `lr` and returns the loss before
/// it (`None`: the run cannot take the test). Before iteration i the lr is [`ramp_lr`]; after
/// it the smoothed loss is recorded; the test stops after `num_it` updates or, with
/// `stop_div`, when the smoothed loss exceeds 4× its minimum (fastai's `LRFinder.after_batch`).
pub fn run_with(plan: &RangePlan, mut update: impl FnMut(f64) -> Option<f64>) -> RangeTest {
    let num_it = plan.num_it.max(MIN_ITERATIONS);
    let (mut lrs, mut losses, mut smoothed) =
        (Vec::with_capacity(num_it), Vec::with_capacity(num_it), Vec::with_capacity(num_it));
    let mut smoother = SmoothLoss::default();
    let mut best = f64::INFINITY;
    let mut stop = Stop::Iterations;
    for iteration in 0..num_it {
        let lr = ramp_lr(plan.start_lr, plan.end_lr, iteration, num_it);
        let Some(loss) = update(lr) else {
            stop = Stop::Refused(
                "the LR range test needs mini-batch updates: L-BFGS takes one full-batch step \
                 per epoch, and an empty training set has no batches"
                    .to_owned(),
            );
            break;
        };
        let smooth = smoother.push(loss);
        lrs.push(lr);
        losses.push(loss);
        smoothed.push(smooth);
        if smooth < best {
            best = smooth;
        }
        if plan.stop_div && smooth > DIVERGENCE_FACTOR * best {
            stop = Stop::Diverged;
            break;
        }
    }
    analyse(*plan, lrs, losses, smoothed, stop)
}

/// The window and the suggestions of a recorded curve (`lr_find`'s second half).
#[must_use]
pub fn analyse(
    plan: RangePlan,
    lrs: Vec<f64>,
    losses: Vec<f64>,
    smoothed: Vec<f64>,
    stop: Stop,
) -> RangeTest {
    let window = window(&smoothed, plan.num_it);
    let (lr_part, loss_part) =
        (lrs.get(window.clone()).unwrap_or(&[]), smoothed.get(window.clone()).unwrap_or(&[]));
    let suggestions = Suggestions {
        valley: valley(lr_part, loss_part),
        slide: slide(lr_part, loss_part),
        minimum: minimum(lr_part, loss_part),
        steep: steep(lr_part, loss_part),
    };
    RangeTest { plan, lrs, losses, smoothed, stop, window, suggestions }
}

/// `lrs[num_it//10:-5]` as Python slices it (an empty range when too few points), then cut
/// before the first NaN of the smoothed losses.
#[must_use]
pub fn window(smoothed: &[f64], num_it: usize) -> Range<usize> {
    let len = smoothed.len();
    let start = (num_it / 10).min(len);
    let end = len.saturating_sub(SKIP_END).max(start);
    let cut = smoothed.get(start..end).and_then(|part| part.iter().position(|v| v.is_nan()));
    start..cut.map_or(end, |k| start + k)
}

/// A Python index (negative counts from the end) into a sequence of `len`, if inside it.
fn python_index(len: usize, index: isize) -> Option<usize> {
    if index < 0 { len.checked_sub(index.unsigned_abs()) } else { Some(index.unsigned_abs()) }
        .filter(|&i| i < len)
}

/// fastai's `valley`: the longest decreasing subsequence (its `lds` loops, with `max_start`
/// taken when `max_end` moves), then the point `int(s) + int(s/2)` past its start, s a third
/// of its length.
///
/// # Errors
/// No points (Python raises `IndexError`).
pub fn valley(lrs: &[f64], losses: &[f64]) -> Suggested {
    let n = losses.len().min(lrs.len());
    let mut lds = vec![1_usize; n];
    let (mut max_start, mut max_end) = (0_isize, 0_usize);
    for i in 1..n {
        for j in 0..i {
            if losses[i] < losses[j] && lds[i] < lds[j] + 1 {
                lds[i] = lds[j] + 1;
            }
            if lds[max_end] < lds[i] {
                max_end = i;
                max_start = max_end.cast_signed() - lds[max_end].cast_signed();
            }
        }
    }
    let sections = (max_end.cast_signed() - max_start) as f64 / 3.0;
    #[expect(clippy::cast_possible_truncation, reason = "Python's int() truncates")]
    let index = max_start + sections as isize + (sections / 2.0) as isize;
    let k = python_index(n, index).ok_or("no points to read (fastai raises IndexError)")?;
    Ok(Suggestion { lr: lrs[k], marked_lr: lrs[k], marked_loss: losses[k] })
}

/// numpy's `gradient` with unit spacing: central differences inside, one-sided at the ends.
#[must_use]
pub fn np_gradient(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    if n < 2 {
        return Vec::new();
    }
    (0..n)
        .map(|i| match i {
            0 => values[1] - values[0],
            _ if i == n - 1 => values[n - 1] - values[n - 2],
            _ => (values[i + 1] - values[i - 1]) / 2.0,
        })
        .collect()
}

/// numpy's `interp(x, xp, fp)` for increasing `xp`: the ends held outside, a knot's own value
/// at a knot, else the straight line between the two knots around `x`.
#[must_use]
pub fn np_interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let n = xp.len().min(fp.len());
    if n == 0 || x.is_nan() {
        return f64::NAN;
    }
    if x < xp[0] {
        return fp[0];
    }
    if x >= xp[n - 1] {
        return fp[n - 1];
    }
    let j = xp[..n].partition_point(|&v| v <= x).saturating_sub(1);
    #[expect(clippy::float_cmp, reason = "numpy returns a knot's value at the knot itself")]
    if xp[j] == x {
        return fp[j];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let mut value = slope * (x - xp[j]) + fp[j];
    if value.is_nan() {
        value = slope * (x - xp[j + 1]) + fp[j + 1];
        #[expect(clippy::float_cmp, reason = "numpy's own fallback for equal neighbours")]
        if value.is_nan() && fp[j] == fp[j + 1] {
            value = fp[j];
        }
    }
    value
}

/// fastai's `slide`: from the right end, move a pair of points `lr_diff` apart to the left
/// while their loss gradients differ by more than `thresh`; the lr of the last left point
/// visited (`lr_diff` = 15, `thresh` = 0.005, `adjust_value` = 1). The marked loss is numpy's
/// interpolation at that lr on the log10 axis.
///
/// # Errors
/// Fewer than 16 points (Python raises `IndexError` at `lrs[-16]`).
pub fn slide(lrs: &[f64], losses: &[f64]) -> Suggested {
    let n = losses.len().min(lrs.len());
    if n <= SLIDE_LR_DIFF {
        return Err(format!(
            "{n} points; slide needs at least {} (fastai raises IndexError)",
            SLIDE_LR_DIFF + 1
        ));
    }
    let gradient = np_gradient(&losses[..n]);
    let (mut right, mut left) = (n - 1, n - 1 - SLIDE_LR_DIFF);
    let mut local_min = left;
    // Python: `while l_idx >= -len(losses) and abs(...) > thresh`.
    while (gradient[right] - gradient[left]).abs() > SLIDE_THRESHOLD {
        local_min = left;
        if left == 0 {
            break;
        }
        right -= 1;
        left -= 1;
    }
    let lr = lrs[local_min];
    let log_lrs: Vec<f64> = lrs[..n].iter().map(|v| v.log10()).collect();
    let marked_loss = np_interp(lr.log10(), &log_lrs, &losses[..n]);
    Ok(Suggestion { lr, marked_lr: lr, marked_loss })
}

/// torch's `argmin`: the first NaN if there is one, else the first smallest value.
fn torch_argmin(values: &[f64]) -> Option<usize> {
    values.iter().position(|v| v.is_nan()).or_else(|| {
        values
            .iter()
            .enumerate()
            .fold(None, |best: Option<(usize, f64)>, (i, &v)| match best {
                Some((_, b)) if b <= v => best,
                _ => Some((i, v)),
            })
            .map(|(i, _)| i)
    })
}

/// Python's `min(range(len(lrs)), key=lambda i: abs(lrs[i] - lr))`: the first index closest
/// to `lr`.
fn closest(lrs: &[f64], lr: f64) -> usize {
    let mut best = (0, f64::INFINITY);
    for (i, v) in lrs.iter().enumerate() {
        let distance = (v - lr).abs();
        if distance < best.1 {
            best = (i, distance);
        }
    }
    best.0
}

/// fastai's `minimum`: a tenth of the lr at the smallest smoothed loss; the marked point is the
/// minimum itself.
///
/// # Errors
/// No points (torch's `argmin` of an empty tensor raises).
pub fn minimum(lrs: &[f64], losses: &[f64]) -> Suggested {
    let n = losses.len().min(lrs.len());
    let k = torch_argmin(&losses[..n]).ok_or("no points to read (torch's argmin raises)")?;
    let lr_min = lrs[k];
    let marked_loss = losses[closest(&lrs[..n], lr_min)];
    Ok(Suggestion { lr: lr_min / 10.0, marked_lr: lr_min, marked_loss })
}

/// fastai's `steep`: the left end of the steepest fall of the loss per unit of ln(lr).
///
/// # Errors
/// Fewer than two points (no slope; torch's `argmin` of an empty tensor raises).
pub fn steep(lrs: &[f64], losses: &[f64]) -> Suggested {
    let n = losses.len().min(lrs.len());
    let slopes: Vec<f64> =
        (1..n).map(|i| (losses[i] - losses[i - 1]) / (lrs[i].ln() - lrs[i - 1].ln())).collect();
    let k = torch_argmin(&slopes).ok_or_else(|| format!("{n} points; steep needs at least 2"))?;
    let lr = lrs[k];
    Ok(Suggestion { lr, marked_lr: lr, marked_loss: losses[closest(&lrs[..n], lr)] })
}
