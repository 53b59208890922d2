//! The selected lab's report, computed off the window's thread.
//!
//! Each frame the window hands [`LabRunner::sync`] the selected entry's experiment. When it
//! differs from the last one asked for, a thread named `optlab-lab` computes its [`LabReport`];
//! the window keeps showing the previous report (marked as updating) until the new one arrives,
//! so dragging a slider never freezes a frame. A panic inside the computation is caught and
//! reported instead of taking the window down.
//!
//! Trainings and grids stream: the thread sends a snapshot of the report a few times a second,
//! so curves, decision regions and heat maps grow live. A computation can be paused and
//! resumed, and a newer request cancels it at its next check instead of waiting for the end.
//!
//! The runner knows no window: it calls `wake` after every message and lets the caller attach
//! something prepared on the computing thread to each report (the app colours grid images
//! there), through `prepare`.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use super::{Control, Wake, drop_later, panic_message, spawn_named};
use crate::entries::{Experiment, LabReport};

/// How often a streaming computation sends a snapshot: often enough to look live, rarely enough
/// that copying the report (and recomputing decision regions) stays a small share of the work.
pub const SNAPSHOT_INTERVAL: Duration = Duration::from_millis(150);

/// What the caller prepares on the computing thread for each report it will show.
pub type Prepare<X> = Arc<dyn Fn(&LabReport) -> Option<X> + Send + Sync>;

/// A report (partial while a computation streams) or the computation's failure.
struct Message<X> {
    experiment: Experiment,
    outcome: Result<LabReport, String>,
    /// What `prepare` made of the report on the computing thread.
    prepared: Option<X>,
    /// The computation ended with this message.
    last: bool,
}

/// The computation in flight.
struct Job<X> {
    receiver: Receiver<Message<X>>,
    /// Reports the window no longer shows go back to the computing thread, which copies its
    /// next snapshot into one and frees the others (freeing megabytes on the window's thread
    /// took 1.5–2.5 ms of a frame).
    recycle: Sender<LabReport>,
    control: Arc<Control>,
    thread: Thread,
}

impl<X> Job<X> {
    fn cancel(&self) {
        self.control.cancelled.store(true, Ordering::Relaxed);
        self.thread.unpark();
    }
}

impl<X> Drop for Job<X> {
    /// A computation nobody will read stops at its next check.
    fn drop(&mut self) {
        self.cancel();
    }
}

/// What a view shows about the computation: whether it runs, and how long it took or will take.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// A computation is running (or paused).
    pub busy: bool,
    /// The computation is paused.
    pub paused: bool,
    /// Seconds since the computation started (its duration once it ended).
    pub elapsed_s: f64,
    /// Seconds left at the current pace, once some work is done.
    pub eta_s: Option<f64>,
}

/// The latest report and the computation in flight.
pub struct LabRunner<X> {
    wake: Wake,
    prepare: Prepare<X>,
    /// The experiment last asked for.
    requested: Option<Experiment>,
    /// The newest report received, with the experiment it belongs to.
    shown: Option<(Experiment, LabReport)>,
    /// Whether `shown` is complete (a streaming computation sends partial reports first).
    shown_complete: bool,
    /// What was prepared with `shown`.
    shown_prepared: Option<X>,
    /// Counts reports received, so views can rebuild textures when it changes.
    pub generation: u64,
    /// Why the last computation failed, if it did.
    pub failure: Option<String>,
    /// The experiment whose computation failed (not retried until it changes).
    failed: Option<Experiment>,
    /// The experiment the user stopped (its partial report stays; not restarted until it
    /// changes).
    stopped: Option<Experiment>,
    /// Whether streaming is paused (kept across requests until resumed).
    paused: bool,
    /// When the running computation started, and how long the last one took.
    started: Option<Instant>,
    took_s: f64,
    job: Option<Job<X>>,
}

impl<X: Clone + Send + 'static> LabRunner<X> {
    /// A runner that calls `wake` after every report and `prepare` on every report it will
    /// send, on the computing thread.
    #[must_use]
    pub fn new(wake: Wake, prepare: Prepare<X>) -> Self {
        Self {
            wake,
            prepare,
            requested: None,
            shown: None,
            shown_complete: false,
            shown_prepared: None,
            generation: 0,
            failure: None,
            failed: None,
            stopped: None,
            paused: false,
            started: None,
            took_s: 0.0,
            job: None,
        }
    }

    /// Asks for `experiment`'s report unless it was the last one asked for. One computation
    /// runs at a time: a request made meanwhile cancels the running one and starts when it
    /// ends (only the newest, so a dragged slider does not queue up every value it passed).
    /// Does nothing for a race.
    pub fn sync(&mut self, experiment: &Experiment) {
        if experiment.lab().is_none() || self.requested.as_ref() == Some(experiment) {
            return;
        }
        self.requested = Some(experiment.clone());
        // An edit restarts training: show its effect rather than a paused, untrained network.
        self.paused = false;
        match &self.job {
            Some(job) => job.cancel(),
            None => self.start(experiment.clone()),
        }
    }

    fn start(&mut self, experiment: Experiment) {
        let (sender, receiver) = mpsc::channel();
        let (recycle, recycled) = mpsc::channel();
        let control = Arc::new(Control::default());
        control.paused.store(self.paused, Ordering::Relaxed);
        let thread_control = Arc::clone(&control);
        let (wake, prepare) = (Arc::clone(&self.wake), Arc::clone(&self.prepare));
        let spawned = spawn_named("optlab-lab".to_owned(), move || {
            let channels = Channels { sender, recycled: Mutex::new(recycled), wake, prepare };
            compute(&experiment, &channels, &thread_control);
        });
        match spawned {
            Ok(handle) => {
                let thread = handle.thread().clone();
                self.job = Some(Job { receiver, recycle, control, thread });
                self.started = Some(Instant::now());
            }
            Err(e) => self.failure = Some(format!("could not start a thread: {e}")),
        }
    }

    /// Takes the reports that arrived and starts the newest request when the running
    /// computation ends; returns whether a report arrived.
    pub fn poll(&mut self) -> bool {
        let Some(job) = &self.job else { return false };
        let mut messages = Vec::new();
        let mut ended = false;
        loop {
            match job.receiver.try_recv() {
                Ok(message) => messages.push(message),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    ended = true;
                    break;
                }
            }
        }
        let mut arrived = false;
        for message in messages {
            ended |= message.last;
            arrived |= self.receive(message);
        }
        if ended {
            self.ended();
        }
        arrived
    }

    /// The running computation ended: start the newest request if it still needs computing.
    fn ended(&mut self) {
        self.job = None;
        self.took_s = self.started.take().map_or(self.took_s, |t| t.elapsed().as_secs_f64());
        let shown = self.shown.as_ref().map(|(e, _)| e);
        if let Some(wanted) = self.requested.clone()
            && (shown != Some(&wanted) || !self.shown_complete)
            && self.failed.as_ref() != Some(&wanted)
            && self.stopped.as_ref() != Some(&wanted)
        {
            self.start(wanted);
        }
    }

    /// Shows a message unless it belongs to a request that was superseded meanwhile.
    fn receive(&mut self, message: Message<X>) -> bool {
        if self.requested.as_ref() != Some(&message.experiment) {
            if let Ok(report) = message.outcome {
                self.retire(report);
            }
            return false;
        }
        match message.outcome {
            Ok(report) => {
                self.failure = None;
                self.generation += 1;
                if let Some((_, old)) = self.shown.replace((message.experiment, report)) {
                    self.retire(old);
                }
                self.shown_prepared = message.prepared;
                self.shown_complete = message.last;
                true
            }
            Err(failure) => {
                self.failure = Some(failure);
                self.failed = Some(message.experiment);
                false
            }
        }
    }

    /// Hands a report no longer shown back to the computing thread, or to the dropping thread
    /// once the computation has ended.
    fn retire(&self, report: LabReport) {
        let unsent = match &self.job {
            Some(job) => job.recycle.send(report).err().map(|e| e.0),
            None => Some(report),
        };
        if let Some(report) = unsent {
            drop_later(report);
        }
    }

    /// What the computing thread prepared for the newest report.
    #[must_use]
    pub fn prepared(&self) -> Option<X> {
        self.shown_prepared.clone()
    }

    /// The newest report, if any.
    #[must_use]
    pub fn report(&self) -> Option<&LabReport> {
        self.shown.as_ref().map(|(_, report)| report)
    }

    /// Whether the shown report was computed for exactly `experiment` (an edit made while a
    /// frame is drawn is only asked for on the next frame, so `updating` can still be false).
    #[must_use]
    pub fn shows(&self, experiment: &Experiment) -> bool {
        self.shown.as_ref().is_some_and(|(shown, _)| shown == experiment)
    }

    /// Whether the shown report is older than what was last asked for.
    #[must_use]
    pub fn updating(&self) -> bool {
        self.requested.is_some() && self.shown.as_ref().map(|(e, _)| e) != self.requested.as_ref()
    }

    /// Whether a computation is running (or paused) right now.
    #[must_use]
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// The computation's state for a view that has done `done` of `total` units of work.
    #[must_use]
    pub fn progress(&self, done: usize, total: usize) -> Progress {
        let elapsed_s = self.started.map_or(self.took_s, |t| t.elapsed().as_secs_f64());
        let eta_s = (self.busy() && done > 0 && done < total)
            .then(|| elapsed_s * (total - done) as f64 / done as f64);
        Progress { busy: self.busy(), paused: self.paused, elapsed_s, eta_s }
    }

    /// Whether streaming is paused.
    #[must_use]
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Pauses or resumes training (other labs finish regardless; they take moments).
    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
        if let Some(job) = &self.job {
            job.control.paused.store(paused, Ordering::Relaxed);
            job.thread.unpark();
        }
    }

    /// Stops the running computation where it is; its partial report stays on screen until
    /// the experiment changes.
    pub fn stop(&mut self) {
        if let Some(job) = &self.job {
            job.cancel();
            self.stopped.clone_from(&self.requested);
        }
    }

    /// Whether the user stopped the shown computation before it finished.
    #[must_use]
    pub fn stopped(&self) -> bool {
        self.stopped.is_some() && self.stopped == self.requested
    }

    /// Forgets everything (another entry was selected) and stops the running computation.
    pub fn clear(&mut self) {
        let fresh = Self {
            generation: self.generation,
            paused: self.paused,
            ..Self::new(Arc::clone(&self.wake), Arc::clone(&self.prepare))
        };
        let old = std::mem::replace(self, fresh);
        // The old job (dropped here) only cancels; its report may be large.
        drop_later(old.shown);
    }
}

/// The computing thread's ends of the channels to the window.
struct Channels<X> {
    /// Reports to the window.
    sender: Sender<Message<X>>,
    /// Reports the window has finished with (behind a lock because grids take snapshots on
    /// their pool's threads; it is never contended).
    recycled: Mutex<Receiver<LabReport>>,
    wake: Wake,
    prepare: Prepare<X>,
}

impl<X> Channels<X> {
    /// The newest report the window has finished with (older ones are freed here).
    fn spare(&self) -> Option<LabReport> {
        self.recycled.lock().ok()?.try_iter().last()
    }

    /// Sends a report (or failure) to the window and wakes it; whether anyone listens.
    fn send(
        &self,
        experiment: &Experiment,
        outcome: Result<LabReport, String>,
        last: bool,
    ) -> bool {
        let prepared = outcome.as_ref().ok().and_then(|report| (self.prepare)(report));
        let message = Message { experiment: experiment.clone(), outcome, prepared, last };
        let sent = self.sender.send(message).is_ok();
        (self.wake)();
        sent
    }
}

/// The body of the computing thread: the lab streamed on a pool of all cores but one (the
/// window keeps one), its snapshots sent as they come, a panic caught and sent as a failure.
fn compute<X: Send>(experiment: &Experiment, channels: &Channels<X>, control: &Control) {
    let Some(lab) = experiment.lab() else { return };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut publish = |make: &mut dyn FnMut(Option<LabReport>) -> LabReport| {
            let report = make(channels.spare());
            channels.send(experiment, Ok(report), false)
        };
        on_grid_pool(|| LabReport::stream(lab, control, SNAPSHOT_INTERVAL, &mut publish))
    }));
    match outcome {
        Ok(Some(report)) => drop(channels.send(experiment, Ok(report), true)),
        Ok(None) => {} // cancelled: nothing to show
        Err(panic) => drop(channels.send(experiment, Err(panic_message(panic.as_ref())), true)),
    }
}

/// Runs `work` on a rayon pool of all cores but one, named `optlab-grid-N` (on the calling
/// thread when no pool can be built).
fn on_grid_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    let cores = thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let threads = cores.saturating_sub(1).max(1);
    match rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("optlab-grid-{i}"))
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}
