//! Hessian-vector products in sequence (a power iteration's) on threads that stay awake
//! between them.
//!
//! Each product is a fork and a join over the row parts. Through rayon's `join` the other
//! thread soon went to sleep between two products and had to be woken for the next: on the
//! 2-core virtual machine it was measured on, 20 voluntary context switches per λmax of 20
//! products, and λmax medians of 7.1–9.6 ms against 5.5–7.0 ms with this relay (alternated
//! runs). Here the helpers are spawned once for the whole sequence and spin between rounds
//! (for at most [`IDLE`]):
//!
//! - the coordinator (the calling thread) opens a round, claims parts like every helper, waits
//!   until every part is finished, then (holding the direction) sums the parts' products in
//!   part order and lets the caller's step set the next direction;
//! - a part is claimed through an atomic counter, so a helper that is late, busy elsewhere in
//!   the pool or gone leaves its parts to the others: nothing waits on a thread that does not
//!   run, and with one thread the coordinator computes every part itself;
//! - each part loads the direction into its own matrices, on the thread that computes it.
//!
//! Which thread computes a part does not change its bits, and the sum runs in part order, so a
//! sequence gives the bits of the same products one by one.

use std::hint::spin_loop;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockWriteGuard};
use std::time::{Duration, Instant};

use super::rows::{RowPart, Shared};

/// How long a helper spins for the next round before it leaves the sequence to the others.
const IDLE: Duration = Duration::from_millis(2);
/// Spins between two looks at the clock.
const SPINS_PER_CHECK: u32 = 256;

/// What the coordinator and the helpers share for one sequence.
pub(super) struct Relay<'a> {
    parts: Vec<Mutex<&'a mut RowPart>>,
    /// The direction v (the parameters' layout): read by the parts during a round, set by the
    /// caller's step between rounds.
    direction: RwLock<&'a mut Vec<f64>>,
    shared: &'a Shared<'a>,
    /// Rounds opened so far.
    round: AtomicUsize,
    /// The next part to claim in the open round (at least the number of parts when none is
    /// left).
    claimed: AtomicUsize,
    /// Parts finished in the open round.
    finished: AtomicUsize,
    stop: AtomicBool,
}

impl<'a> Relay<'a> {
    /// A relay over `parts`, the first round for the direction `v`.
    pub fn new(parts: &'a mut [RowPart], v: &'a mut Vec<f64>, shared: &'a Shared<'a>) -> Self {
        let parts: Vec<_> = parts.iter_mut().map(Mutex::new).collect();
        let count = parts.len();
        Self {
            parts,
            direction: RwLock::new(v),
            shared,
            round: AtomicUsize::new(0),
            claimed: AtomicUsize::new(count),
            finished: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        }
    }

    /// How many helpers are worth spawning on a pool of `threads`: one per part beyond the
    /// coordinator's.
    pub fn helpers(&self, threads: usize) -> usize {
        threads.min(self.parts.len()).saturating_sub(1)
    }

    /// The direction, to read and set between rounds (no part is being computed then).
    pub fn direction(&self) -> RwLockWriteGuard<'_, &'a mut Vec<f64>> {
        self.direction.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a round for the current direction, computes parts until none is left to claim and
    /// waits for the parts others claimed.
    pub fn compute_round(&self) {
        // `finished` first: a helper can claim (and finish) a part as soon as `claimed` is 0.
        self.finished.store(0, SeqCst);
        self.claimed.store(0, SeqCst);
        self.round.fetch_add(1, SeqCst);
        self.claim_parts();
        while self.finished.load(SeqCst) < self.parts.len() {
            spin_loop();
        }
    }

    /// The parts, in part order, to read their products after a round.
    pub fn parts(&self) -> impl Iterator<Item = MutexGuard<'_, &'a mut RowPart>> {
        self.parts.iter().map(|part| part.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Ends the sequence: every helper returns.
    pub fn finish(&self) {
        self.stop.store(true, SeqCst);
    }

    /// A helper: computes parts of every round it sees until [`Self::finish`] or [`IDLE`]
    /// without a new round.
    pub fn serve(&self) {
        let mut seen = 0;
        while let Some(round) = self.next_round(seen) {
            seen = round;
            self.claim_parts();
        }
    }

    /// The first round after `seen`, or `None` once the sequence ends or stays idle too long.
    fn next_round(&self, seen: usize) -> Option<usize> {
        let began = Instant::now();
        let mut spins = 0_u32;
        loop {
            if self.stop.load(SeqCst) {
                return None;
            }
            let round = self.round.load(SeqCst);
            if round != seen {
                return Some(round);
            }
            spin_loop();
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(SPINS_PER_CHECK) && began.elapsed() > IDLE {
                return None;
            }
        }
    }

    /// Computes the open round's unclaimed parts, one at a time.
    fn claim_parts(&self) {
        loop {
            let index = self.claimed.fetch_add(1, SeqCst);
            let Some(part) = self.parts.get(index) else { return };
            // Counted even if the part panics, so the coordinator does not wait forever (the
            // panic reaches the caller when the scope ends).
            let _finished = Finished(&self.finished);
            let direction = self.direction.read().unwrap_or_else(PoisonError::into_inner);
            let mut part = part.lock().unwrap_or_else(PoisonError::into_inner);
            part.hessian_product(self.shared, &direction);
        }
    }
}

/// Counts a part as finished when dropped.
struct Finished<'a>(&'a AtomicUsize);

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}
