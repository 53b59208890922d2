//! The slice the Slice view draws, computed without making a frame wait.
//!
//! A cheap surface (every built-in one, and formulas up to
//! [`surface_probe::CHEAP_FORMULA_BYTES`]) is sliced where it is asked for: a few hundred
//! evaluations of a few microseconds at most. A costlier formula (one evaluation of
//! `optlab::bench::big_formula` takes milliseconds) goes to an `optlab-slice` thread: only the
//! newest input is computed, a newer input cancels the one being computed between two samples,
//! and the view keeps drawing the last finished slice, saying that a new one is coming.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::app::widgets::surface_probe;
use optlab_core::runner::{Wake, spawn_named};
use optlab_core::slice::symmetric_eigen;
use optlab_core::slice::{Direction, Slice, SliceError, SliceRequest, line, slice_unless};
use optlab_core::surface::{Point, Surface, ViewBox};

/// The interval of `s` a slice covers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SliceRange {
    /// Wherever the line crosses this region (the surface's home view), s = 0 included.
    Across(ViewBox),
    /// From `from` to `to`, as typed.
    Fixed {
        /// The first s.
        from: f64,
        /// The last s.
        to: f64,
    },
}

/// What to slice.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceInput {
    /// The surface.
    pub surface: Surface,
    /// The point at s = 0, where the gradient and the Hessian are taken.
    pub through: Point,
    /// Which way the line runs.
    pub direction: Direction,
    /// The interval of `s`.
    pub range: SliceRange,
    /// How many samples.
    pub points: usize,
}

/// A computed slice and the curvature at its through point.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceOutcome {
    /// The Hessian's eigenvalues (ascending) and unit eigenvectors at the through point, when
    /// they are finite.
    pub eigen: Option<([f64; 2], [Point; 2])>,
    /// The slice, or why there is none.
    pub slice: Result<Slice, SliceError>,
}

/// A finished computation: its input and its outcome (`None` when it panicked).
#[derive(Debug)]
pub struct Finished {
    /// What was sliced.
    pub input: SliceInput,
    /// What came out.
    pub outcome: Option<SliceOutcome>,
}

/// Slices `input`, giving up (`None`) when `cancelled` says so.
#[must_use]
pub fn compute(input: &SliceInput, cancelled: &dyn Fn() -> bool) -> Option<SliceOutcome> {
    let surface = &input.surface;
    let eigen = if input.through.iter().all(|v| v.is_finite()) {
        symmetric_eigen(surface.hessian(input.through))
    } else {
        None
    };
    let (from, to) = match input.range {
        SliceRange::Fixed { from, to } => (from, to),
        SliceRange::Across(region) => match line(surface, input.through, input.direction) {
            Ok(line) => line.span_in(&region),
            Err(e) => return Some(SliceOutcome { eigen, slice: Err(e) }),
        },
    };
    let request = SliceRequest {
        through: input.through,
        direction: input.direction,
        from,
        to,
        points: input.points,
    };
    match slice_unless(surface, &request, cancelled) {
        Ok(None) => None,
        Ok(Some(slice)) => Some(SliceOutcome { eigen, slice: Ok(slice) }),
        Err(e) => Some(SliceOutcome { eigen, slice: Err(e) }),
    }
}

/// What the job shares with its thread.
#[derive(Default)]
struct Shared {
    /// The newest input not started yet.
    pending: Option<SliceInput>,
    /// The input being computed.
    computing: Option<SliceInput>,
    /// The last finished computation.
    done: Option<Arc<Finished>>,
    /// Whether a thread is computing.
    running: bool,
}

/// The newest slice asked for, computed inline or on its own thread.
#[derive(Clone, Default)]
pub struct SliceJob {
    shared: Arc<Mutex<Shared>>,
    /// Counts the inputs asked for; a computation whose number is not the newest stops.
    newest: Arc<AtomicU64>,
}

impl SliceJob {
    /// The last finished slice and whether it is for `input` (false while a newer one is
    /// being computed). Starts the computation of `input` when it is new; `wake` repaints the
    /// window when an off-thread slice is ready.
    pub fn get(
        &self,
        input: &SliceInput,
        wake: impl FnOnce() -> Wake,
    ) -> (Option<Arc<Finished>>, bool) {
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(done) = &shared.done
            && done.input == *input
        {
            return (Some(Arc::clone(done)), true);
        }
        if surface_probe::is_cheap(&input.surface) {
            let outcome =
                catch_unwind(AssertUnwindSafe(|| compute(input, &|| false))).ok().flatten();
            let done = Arc::new(Finished { input: input.clone(), outcome });
            shared.done = Some(Arc::clone(&done));
            return (Some(done), true);
        }
        let asked = shared.pending.as_ref().or(shared.computing.as_ref());
        if asked != Some(input) {
            shared.pending = Some(input.clone());
            self.newest.fetch_add(1, Ordering::SeqCst);
        }
        if !shared.running {
            let job = self.clone();
            let wake = wake();
            shared.running =
                spawn_named("optlab-slice".to_owned(), move || job.serve(&wake)).is_ok();
        }
        (shared.done.clone(), false)
    }

    /// Computes the pending inputs, newest first, until none is left.
    fn serve(&self, wake: &Wake) {
        loop {
            let (input, number) = {
                let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(input) = shared.pending.take() else {
                    shared.running = false;
                    return;
                };
                shared.computing = Some(input.clone());
                (input, self.newest.load(Ordering::SeqCst))
            };
            let cancelled = || self.newest.load(Ordering::SeqCst) != number;
            let outcome = catch_unwind(AssertUnwindSafe(|| compute(&input, &cancelled)));
            let outcome = match outcome {
                Ok(None) => continue,
                Ok(Some(outcome)) => Some(outcome),
                Err(_) => None,
            };
            let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
            shared.computing = None;
            shared.done = Some(Arc::new(Finished { input, outcome }));
            drop(shared);
            wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use optlab_core::expr::Formula;
    use std::time::{Duration, Instant};

    fn input(surface: Surface, through: Point) -> SliceInput {
        let range = SliceRange::Across(surface.view_box());
        let direction = Direction::HessianEigen { index: 0 };
        SliceInput { surface, through, direction, range, points: 41 }
    }

    /// A formula over the cheap limit: 400 quadratic terms, sliced off the window's thread.
    fn long_formula() -> Surface {
        let terms: Vec<String> = (0..400).map(|i| format!("0.001*(x-{i})^2 - 0.002*y^2")).collect();
        let text = terms.join("+");
        assert!(text.len() > surface_probe::CHEAP_FORMULA_BYTES);
        Surface::Expression(Formula::new(&text).expect("a formula"))
    }

    #[test]
    fn a_cheap_surface_is_sliced_at_once_with_its_eigenvalues() {
        let job = SliceJob::default();
        let asked = input(Surface::Saddle, [0.0, 0.0]);
        let (done, fresh) = job.get(&asked, || Arc::new(|| {}));
        assert!(fresh);
        let outcome = done.and_then(|d| d.outcome.clone()).expect("an outcome");
        assert_eq!(outcome.eigen.map(|(values, _)| values), Some([-2.0, 2.0]));
        let slice = outcome.slice.expect("a slice");
        // Along y (λ = −2) across the home view ±2.
        assert_eq!((slice.samples[0].s, slice.samples[40].s), (-2.0, 2.0));
        assert_eq!((slice.samples[20].loss, slice.samples[0].loss), (0.0, 4.0));
    }

    #[test]
    fn a_costly_formula_is_sliced_off_thread_and_the_newest_input_wins() {
        let job = SliceJob::default();
        let surface = long_formula();
        let older = input(surface.clone(), [1.0, 0.0]);
        let newer = input(surface, [2.0, 0.0]);
        let (done, fresh) = job.get(&older, || Arc::new(|| {}));
        assert!(done.is_none() && !fresh, "nothing to show yet");
        let deadline = Instant::now() + Duration::from_mins(1);
        let finished = loop {
            match job.get(&newer, || Arc::new(|| {})) {
                (Some(done), true) => break done,
                _ => std::thread::sleep(Duration::from_millis(1)),
            }
            assert!(Instant::now() < deadline, "no slice");
        };
        assert_eq!(finished.input, newer);
        // Asking again for the input being computed neither restarted nor cancelled it.
        assert_eq!(job.newest.load(Ordering::SeqCst), 2, "one number per new input");
        let expected = compute(&newer, &|| false);
        assert_eq!(finished.outcome, expected);
        assert!(expected.is_some_and(|o| o.slice.is_ok()));
    }
}
