//! When a growing grid is worth another snapshot.

use std::time::{Duration, Instant};

/// Says when a snapshot is due: at once, then every `interval`.
#[derive(Debug)]
pub struct Throttle {
    interval: Duration,
    last: Option<Instant>,
}

impl Throttle {
    /// Due at once, then every `interval`.
    #[must_use]
    pub fn new(interval: Duration) -> Self {
        Self { interval, last: None }
    }

    /// Whether a snapshot is due (and if so, the clock restarts).
    pub fn due(&mut self) -> bool {
        let due = self.last.is_none_or(|t| t.elapsed() >= self.interval);
        if due {
            self.last = Some(Instant::now());
        }
        due
    }
}
