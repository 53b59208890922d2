//! What every entry kind provides, and what the runners hand a kind while it computes.
//!
//! A kind's configuration (the RON variant's payload) implements [`EntryKind`]; a lab — every
//! kind but the race, whose runs stream through [`crate::runner::races`] — also implements
//! [`LabKind`]: it computes a report, which the views draw and `optlab run` turns into
//! [`Table`]s and summary lines.

use std::fmt::{self, Debug};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use crate::budget::MemoryError;
use crate::limits::LimitError;

/// A notebook entry's configuration.
pub trait EntryKind {
    /// A short name of the kind, as the entry list shows it.
    const LABEL: &'static str;

    /// Checks that the parts of the entry fit together where no single range can say so
    /// (a sweep's axis field and its task). The default has nothing to check.
    ///
    /// # Errors
    /// What does not fit, in words.
    fn check_fit(&self) -> Result<(), String> {
        Ok(())
    }

    /// Checks every number against its allowed range.
    ///
    /// # Errors
    /// The first value out of range.
    fn validate(&self) -> Result<(), LimitError>;

    /// Checks the entry's estimated peak memory against the budget
    /// ([`crate::budget::MAX_MEMORY_BYTES`]); called after [`Self::validate`] passed. Kinds
    /// whose ranges alone keep them small have nothing to check.
    ///
    /// # Errors
    /// The estimate, when it is above the budget.
    fn check_memory(&self) -> Result<(), MemoryError> {
        Ok(())
    }
}

/// Why an entry's config is refused: a number out of its range, or the whole needing more
/// memory than optlab allows.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigError {
    /// A number out of its range.
    Limit(LimitError),
    /// The estimated peak memory is above the budget.
    Memory(MemoryError),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Limit(e) => fmt::Display::fmt(e, f),
            Self::Memory(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for ConfigError {}

impl From<LimitError> for ConfigError {
    fn from(e: LimitError) -> Self {
        Self::Limit(e)
    }
}

impl From<MemoryError> for ConfigError {
    fn from(e: MemoryError) -> Self {
        Self::Memory(e)
    }
}

/// An entry that computes a report: everything its views draw.
pub trait LabKind: EntryKind {
    /// Everything the kind's views draw.
    type Report: Clone + Debug + PartialEq + Send;

    /// Computes the whole report at once (headless, and the default [`LabKind::stream`]).
    fn compute(&self) -> Self::Report;

    /// Computes the report, handing `feed` snapshots while it grows and stopping when the feed
    /// is cancelled (`None`). Kinds that finish in moments compute once.
    fn stream(&self, feed: &mut Feed<'_, Self::Report>) -> Option<Self::Report> {
        let _ = feed;
        Some(self.compute())
    }

    /// The series the views plot, as tables for CSV.
    fn tables(report: &Self::Report) -> Vec<Table>;

    /// One summary per part of the report: a name and `key=value` pairs.
    fn summaries(report: &Self::Report) -> Vec<SummaryLine>;
}

/// One summary line of `optlab run`: the part's name and its `key=value` pairs.
pub type SummaryLine = (String, Vec<(&'static str, f64)>);

/// A CSV table: a file name (without extension), a header and rows of numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// File name without `.csv`.
    pub name: String,
    /// Column names.
    pub header: Vec<&'static str>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<f64>>,
}

/// A step count as a table value: NaN when there is none.
#[must_use]
pub fn step_or_nan(step: Option<u64>) -> f64 {
    step.map_or(f64::NAN, |s| s as f64)
}

/// Flags the window sets and a computing thread reads: cancel and pause.
#[derive(Debug, Default)]
pub struct Control {
    /// Stop at the next check; the partial result is dropped.
    pub cancelled: AtomicBool,
    /// Wait (training) until resumed or cancelled.
    pub paused: AtomicBool,
}

impl Control {
    /// Whether the computation should stop.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Whether the computation should wait.
    #[must_use]
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }
}

/// How long a paused computation sleeps between looks at its flags (it is also woken).
const PAUSE_POLL: Duration = Duration::from_millis(200);

/// What a streaming computation reports to: its control flags, how often to publish, and
/// where snapshots go.
pub struct Feed<'a, R> {
    control: &'a Control,
    interval: Duration,
    publish: &'a mut dyn FnMut(&R) -> bool,
}

impl<'a, R> Feed<'a, R> {
    /// A feed reading `control`, asking for snapshots every `interval`, handing them to
    /// `publish` (which returns whether anyone still listens).
    pub fn new(
        control: &'a Control,
        interval: Duration,
        publish: &'a mut dyn FnMut(&R) -> bool,
    ) -> Self {
        Self { control, interval, publish }
    }

    /// The control flags, for code that checks the cancel flag between cells while the feed
    /// itself is borrowed to publish.
    #[must_use]
    pub fn control(&self) -> &'a Control {
        self.control
    }

    /// Whether the computation should stop.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.control.is_cancelled()
    }

    /// Whether the computation should wait.
    #[must_use]
    pub fn is_paused(&self) -> bool {
        self.control.is_paused()
    }

    /// Sleeps while paused, for at most the pause poll (the runner also unparks the thread).
    pub fn wait(&self) {
        thread::park_timeout(PAUSE_POLL);
    }

    /// How often a snapshot is wanted.
    #[must_use]
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Hands a snapshot on; `false` when nobody listens any more (the computation should stop,
    /// and the cancel flag is set).
    pub fn publish(&mut self, report: &R) -> bool {
        let listened = (self.publish)(report);
        if !listened {
            self.control.cancelled.store(true, Ordering::Relaxed);
        }
        listened
    }
}
