//! Background computation: jobs in, batches of results out, stale jobs cancelled.
//!
//! The window never computes: it submits a [`Job`] under a key (one key per run on screen) and
//! drains [`WorkerEvent`]s each frame. Submitting under a key that is still computing cancels
//! the old job, and every event carries the generation it belongs to, so a late batch of a
//! stale job can be recognised and dropped. Results come in batches (at most every few
//! milliseconds), never per step, and each batch calls the `wake` callback so an idle UI
//! repaints. A panic inside a job is caught and reported as [`WorkerEvent::Failed`]; the
//! thread keeps serving.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Control, Wake, panic_message, spawn_named};
use crate::optim::Internals;
use crate::run::{self, RunConfig, RunSummary, StepRecord, TraceSink};
use crate::surface::{Point, Surface};

/// Most records one run sends for drawing; longer runs are sent every `stride`-th step.
pub const MAX_POINTS_PER_RUN: u64 = 100_000;

/// Longest time between two batches of one job.
const BATCH_INTERVAL: Duration = Duration::from_millis(30);

/// Most records in one batch.
const BATCH_RECORDS: usize = 8192;

/// Identifies what a job computes for (a run on screen); chosen by the caller.
pub type JobKey = u64;

/// Work for the background threads.
#[derive(Clone, Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "a job is built once per run and moved to a worker; the schedule's options make RunConfig large"
)]
pub enum Job {
    /// One optimizer run, streamed with optimizer internals.
    Run(RunConfig),
    /// Fault injection: panics inside the worker with this message (tests and the app's
    /// Help > "Test crash handling" use it to show that a failing job never takes the window).
    Panic(String),
}

/// The optimizer state after a step, for the internals view.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InternalsSample {
    /// Updates taken.
    pub step: u64,
    /// Momentum buffer / first moment / look-ahead velocity (NaN when the rule has none).
    pub velocity: [f64; 2],
    /// Effective per-coordinate step size for the next update.
    pub effective_step: [f64; 2],
    /// Second-moment state: Adagrad's sum G of squared gradients, RMSprop's and Adam's running
    /// average v of them (NaN when the rule keeps none).
    pub second_moment: [f64; 2],
    /// Where the model is evaluated when that is not the position (Schedule-Free's average x)
    /// and the loss there; `None` for every other rule.
    pub evaluation: Option<EvaluationPoint>,
}

/// Schedule-Free's evaluation point x beside the position y, and the loss there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvaluationPoint {
    /// The point x.
    pub point: Point,
    /// The exact loss at x (not finite when x is not, or the surface is undefined there).
    pub loss: f64,
}

/// A slice of a run's results.
#[derive(Clone, Debug, PartialEq)]
pub struct RunBatch {
    /// The job's key.
    pub key: JobKey,
    /// The job's generation (see [`Worker::submit`]).
    pub generation: u64,
    /// Records of this batch, in step order, every `stride`-th step.
    pub records: Vec<StepRecord>,
    /// Internals at the same steps as `records`.
    pub internals: Vec<InternalsSample>,
    /// Steps between records.
    pub stride: u64,
    /// Set on the last batch of a job that ran to its end or diverged.
    pub finished: Option<RunSummary>,
}

/// What comes back from the worker.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkerEvent {
    /// New results of a job.
    Batch(RunBatch),
    /// A job panicked; the message says why.
    Failed {
        /// The job's key.
        key: JobKey,
        /// The job's generation.
        generation: u64,
        /// The panic message.
        message: String,
    },
}

impl WorkerEvent {
    /// The key and generation the event belongs to.
    #[must_use]
    pub fn origin(&self) -> (JobKey, u64) {
        match self {
            Self::Batch(batch) => (batch.key, batch.generation),
            Self::Failed { key, generation, .. } => (*key, *generation),
        }
    }
}

struct Queued {
    key: JobKey,
    generation: u64,
    job: Job,
    control: Arc<Control>,
}

/// A pool of named background threads.
pub struct Worker {
    jobs: Option<Sender<Queued>>,
    events: Receiver<WorkerEvent>,
    running: HashMap<JobKey, Arc<Control>>,
    in_flight: Arc<AtomicUsize>,
    next_generation: u64,
}

impl Worker {
    /// Starts `threads` (at least one) threads named `optlab-worker-N`; `wake` is called after
    /// every batch (the app passes `request_repaint`).
    #[must_use]
    pub fn spawn(threads: usize, wake: impl Fn() + Send + Sync + 'static) -> Self {
        let (job_tx, job_rx) = channel::<Queued>();
        let (event_tx, events) = channel();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let wake: Wake = Arc::new(wake);
        let in_flight = Arc::new(AtomicUsize::new(0));
        for index in 0..threads.max(1) {
            let context = ThreadContext {
                jobs: Arc::clone(&job_rx),
                events: event_tx.clone(),
                wake: Arc::clone(&wake),
                in_flight: Arc::clone(&in_flight),
            };
            // A thread that cannot start leaves the others serving; with none, submit reports
            // nothing back, which the status bar shows as a stuck job rather than a crash.
            let _ = spawn_named(format!("optlab-worker-{index}"), move || context.serve());
        }
        Self { jobs: Some(job_tx), events, running: HashMap::new(), in_flight, next_generation: 1 }
    }

    /// Queues `job` under `key`, cancelling a job still running under the same key, and
    /// returns the generation its events will carry.
    pub fn submit(&mut self, key: JobKey, job: Job) -> u64 {
        self.cancel(key);
        let generation = self.next_generation;
        self.next_generation += 1;
        let control = Arc::new(Control::default());
        self.running.insert(key, Arc::clone(&control));
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let queued = Queued { key, generation, job, control };
        if let Some(jobs) = &self.jobs
            && jobs.send(queued).is_err()
        {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
        }
        generation
    }

    /// Cancels the job under `key`, if any; its remaining events are stale.
    pub fn cancel(&mut self, key: JobKey) {
        if let Some(control) = self.running.remove(&key) {
            control.cancelled.store(true, Ordering::SeqCst);
        }
    }

    /// Cancels everything.
    pub fn cancel_all(&mut self) {
        for (_, control) in self.running.drain() {
            control.cancelled.store(true, Ordering::SeqCst);
        }
    }

    /// The next event, if one is waiting (never blocks).
    #[must_use]
    pub fn try_next(&self) -> Option<WorkerEvent> {
        self.events.try_recv().ok()
    }

    /// Waits up to `timeout` for the next event (for tests and the headless runner).
    #[must_use]
    pub fn next_timeout(&self, timeout: Duration) -> Option<WorkerEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Jobs queued or computing.
    #[must_use]
    pub fn jobs_in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Stop work in progress and close the queue; threads exit on their own, so dropping
        // the worker never blocks the window.
        self.cancel_all();
        self.jobs = None;
    }
}

struct ThreadContext {
    jobs: Arc<Mutex<Receiver<Queued>>>,
    events: Sender<WorkerEvent>,
    wake: Wake,
    in_flight: Arc<AtomicUsize>,
}

impl ThreadContext {
    fn serve(self) {
        loop {
            let next = match self.jobs.lock() {
                Ok(queue) => queue.recv(),
                // Another worker thread panicked while holding the queue lock; the queue
                // itself is intact, so keep serving from it.
                Err(poisoned) => poisoned.into_inner().recv(),
            };
            let Ok(queued) = next else { return };
            if !queued.control.cancelled.load(Ordering::SeqCst) {
                self.run(&queued);
            }
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            (self.wake)();
        }
    }

    fn run(&self, queued: &Queued) {
        let outcome = catch_unwind(AssertUnwindSafe(|| match &queued.job {
            Job::Run(config) => stream_run(config, queued, &self.events, &*self.wake),
            Job::Panic(message) => panic!("{message}"),
        }));
        if let Err(payload) = outcome {
            let message = panic_message(payload.as_ref());
            let _ = self.events.send(WorkerEvent::Failed {
                key: queued.key,
                generation: queued.generation,
                message,
            });
        }
    }
}

/// Runs one config, sending batches as it goes and a final batch with the summary.
fn stream_run(config: &RunConfig, queued: &Queued, events: &Sender<WorkerEvent>, wake: &dyn Fn()) {
    let stride = config.steps.div_ceil(MAX_POINTS_PER_RUN).max(1);
    let mut sink = BatchSink {
        key: queued.key,
        generation: queued.generation,
        stride,
        cancelled: &queued.control.cancelled,
        events,
        wake,
        records: Vec::new(),
        internals: Vec::new(),
        last_sent: Instant::now(),
        last_kept: None,
        surface: &config.surface,
    };
    let summary = run::execute(config, &mut sink);
    if queued.control.cancelled.load(Ordering::SeqCst) {
        return;
    }
    // The final step is always drawn, even when it falls between two strides.
    if let Some(last) = summary.last
        && sink.last_kept != Some(last.step)
    {
        sink.records.push(last);
    }
    // The receiver may be gone (app closing); there is nobody left to tell.
    let _ = sink.flush(Some(summary));
}

struct BatchSink<'a> {
    key: JobKey,
    generation: u64,
    stride: u64,
    cancelled: &'a AtomicBool,
    events: &'a Sender<WorkerEvent>,
    wake: &'a dyn Fn(),
    records: Vec<StepRecord>,
    internals: Vec<InternalsSample>,
    last_sent: Instant,
    last_kept: Option<u64>,
    /// Where the loss at an evaluation point is measured.
    surface: &'a Surface,
}

impl BatchSink<'_> {
    fn flush(&mut self, finished: Option<RunSummary>) -> ControlFlow<()> {
        let batch = RunBatch {
            key: self.key,
            generation: self.generation,
            records: std::mem::take(&mut self.records),
            internals: std::mem::take(&mut self.internals),
            stride: self.stride,
            finished,
        };
        self.last_sent = Instant::now();
        if self.events.send(WorkerEvent::Batch(batch)).is_err() {
            return ControlFlow::Break(());
        }
        (self.wake)();
        ControlFlow::Continue(())
    }
}

impl TraceSink for BatchSink<'_> {
    fn record(&mut self, record: &StepRecord) -> ControlFlow<()> {
        if !record.step.is_multiple_of(self.stride) {
            return ControlFlow::Continue(());
        }
        // Flush before adding, so a record and its internals (which arrive right after it)
        // always travel in the same batch.
        let due = self.records.len() >= BATCH_RECORDS
            || (self.records.len() % 256 == 255 && self.last_sent.elapsed() >= BATCH_INTERVAL);
        if due {
            if self.cancelled.load(Ordering::Relaxed) {
                return ControlFlow::Break(());
            }
            self.flush(None)?;
        }
        self.records.push(*record);
        self.last_kept = Some(record.step);
        ControlFlow::Continue(())
    }

    fn wants_internals(&self) -> bool {
        true
    }

    fn record_internals(&mut self, step: u64, internals: &Internals<'_>, effective: &[f64]) {
        if self.last_kept != Some(step) {
            return;
        }
        let pair = |state: Option<&[f64]>| state.map_or([f64::NAN; 2], |v| [v[0], v[1]]);
        self.internals.push(InternalsSample {
            step,
            velocity: pair(internals.velocity),
            effective_step: [effective[0], effective[1]],
            second_moment: pair(internals.second_moment),
            evaluation: None,
        });
    }

    fn record_evaluation(&mut self, step: u64, point: Point) {
        if self.last_kept != Some(step) {
            return;
        }
        if let Some(sample) = self.internals.last_mut().filter(|s| s.step == step) {
            sample.evaluation = Some(EvaluationPoint { point, loss: self.surface.value(point) });
        }
    }
}
