//! Single evaluations of the surface that a view shows as text (the loss under the pointer,
//! the gradient check at the start), without evaluating an expensive surface on the window's
//! thread.
//!
//! A cheap surface (every built-in one, and formulas up to [`CHEAP_FORMULA_BYTES`]) is
//! evaluated where it is asked for: a few microseconds. Anything costlier goes to a
//! [`Probe`]: the last answer is kept per input (surface and point), a new input is computed
//! on an `optlab-probe` thread (only the newest input waits; older ones are skipped), and the
//! view shows "…" until the answer arrives and the wake callback repaints.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError};

use optlab_core::runner::{Wake, spawn_named};
use optlab_core::surface::{Point, Surface};

/// Longest formula (in bytes of text) evaluated on the window's thread: about a thousand
/// operations, a few microseconds per evaluation.
pub const CHEAP_FORMULA_BYTES: usize = 4096;

/// Whether one evaluation of `surface` is cheap enough to make inside a frame.
#[must_use]
pub fn is_cheap(surface: &Surface) -> bool {
    match surface {
        Surface::Expression(formula) => formula.text().len() <= CHEAP_FORMULA_BYTES,
        _ => true,
    }
}

/// What a probe computes from its input.
pub type Compute<V> = fn(&Surface, Point) -> V;

/// The input and answer of a probe.
struct State<V> {
    /// The newest input not computed yet.
    pending: Option<(Surface, Point)>,
    /// The last input computed and its answer (`None` when the computation panicked).
    done: Option<(Surface, Point, Option<V>)>,
    /// Whether a thread is computing.
    running: bool,
}

/// One value computed off the window's thread per input, the newest input first.
#[derive(Clone)]
pub struct Probe<V> {
    state: Arc<Mutex<State<V>>>,
    compute: Compute<V>,
    wake: Wake,
}

/// What a probe knows about an input.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer<V> {
    /// The answer.
    Ready(V),
    /// Being computed.
    Pending,
    /// The computation panicked.
    Failed,
}

/// Whether two inputs are the same (exactly the same point: a hover readout is for that point).
fn same(a: (&Surface, Point), b: (&Surface, Point)) -> bool {
    a.0 == b.0 && a.1.map(f64::to_bits) == b.1.map(f64::to_bits)
}

impl<V: Clone + Send + 'static> Probe<V> {
    /// A probe computing `compute` and calling `wake` after each answer.
    #[must_use]
    pub fn new(compute: Compute<V>, wake: Wake) -> Self {
        let state = State { pending: None, done: None, running: false };
        Self { state: Arc::new(Mutex::new(state)), compute, wake }
    }

    /// The answer for `surface` at `at`: computed here if the surface is cheap, otherwise the
    /// one computed off-thread (asking for it if it is not known yet).
    pub fn get(&self, surface: &Surface, at: Point) -> Answer<V> {
        if is_cheap(surface) {
            return Answer::Ready((self.compute)(surface, at));
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((s, p, answer)) = &state.done
            && same((s, *p), (surface, at))
        {
            return answer.clone().map_or(Answer::Failed, Answer::Ready);
        }
        if state.pending.as_ref().is_none_or(|(s, p)| !same((s, *p), (surface, at))) {
            state.pending = Some((surface.clone(), at));
        }
        if !state.running {
            state.running = true;
            let probe = self.clone();
            let spawned = spawn_named("optlab-probe".to_owned(), move || probe.serve());
            if spawned.is_err() {
                state.running = false;
                return Answer::Failed;
            }
        }
        Answer::Pending
    }

    /// Computes pending inputs until none is left.
    fn serve(&self) {
        loop {
            let input = {
                let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(input) = state.pending.take() else {
                    state.running = false;
                    return;
                };
                input
            };
            let (surface, at) = input;
            let answer = catch_unwind(AssertUnwindSafe(|| (self.compute)(&surface, at))).ok();
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.done = Some((surface, at, answer));
            drop(state);
            (self.wake)();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use optlab_core::expr::Formula;
    use std::time::{Duration, Instant};

    fn long_formula() -> Surface {
        let terms: Vec<String> = (0..400).map(|i| format!("0.001*(x-{i})^2")).collect();
        let text = format!("({})", terms.join("+"));
        assert!(text.len() > CHEAP_FORMULA_BYTES);
        Surface::Expression(Formula::new(&text).expect("a formula"))
    }

    #[test]
    fn cheap_surfaces_answer_at_once_and_expensive_ones_off_thread() {
        let probe: Probe<f64> = Probe::new(Surface::value, Arc::new(|| {}));
        assert_eq!(probe.get(&Surface::Himmelblau, [3.0, 2.0]), Answer::Ready(0.0));
        let surface = long_formula();
        let expected = surface.value([1.0, 2.0]);
        let deadline = Instant::now() + Duration::from_mins(1);
        loop {
            match probe.get(&surface, [1.0, 2.0]) {
                Answer::Ready(v) => {
                    assert!((v - expected).abs() < 1e-12);
                    break;
                }
                Answer::Pending => std::thread::sleep(Duration::from_millis(1)),
                Answer::Failed => panic!("the probe failed"),
            }
            assert!(Instant::now() < deadline, "no answer");
        }
        // Another point is another input.
        assert_eq!(probe.get(&surface, [0.0, 0.0]), Answer::Pending);
    }

    #[test]
    fn a_panicking_computation_is_reported() {
        let probe: Probe<f64> = Probe::new(|_, _| panic!("boom"), Arc::new(|| {}));
        let surface = long_formula();
        let deadline = Instant::now() + Duration::from_mins(1);
        while probe.get(&surface, [0.0, 0.0]) != Answer::Failed {
            assert!(Instant::now() < deadline, "no answer");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
