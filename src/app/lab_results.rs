//! The report of a lab entry on screen, computed off the UI thread.
//!
//! Each frame the app hands [`LabResults::sync`] the selected entry's experiment. When it differs
//! from the last one asked for, a named thread computes its [`LabReport`]; the window keeps
//! showing the previous report (marked as updating) until the new one arrives, so dragging a
//! slider never freezes a frame. A panic inside the computation is caught and reported instead
//! of taking the window down.
//!
//! A training entry streams: its thread sends a snapshot of the report a few times a second
//! while the networks train, so curves and decision regions grow live. It can be paused and
//! resumed, and a newer request cancels it at the next epoch instead of waiting for the end.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use egui::ColorImage;

use crate::app::widgets::grid_images;

use optlab_core::labs::LabReport;
use optlab_core::notebook::Experiment;
use optlab_core::sweep::report;
use optlab_core::train::TrainingLab;
use optlab_core::train::session::TrainingSession;

/// How often a training thread sends a snapshot: often enough to look live, rarely enough that
/// copying the report and recomputing the decision regions stays a small share of the work.
const SNAPSHOT_INTERVAL: Duration = Duration::from_millis(150);

/// How long a paused training thread sleeps between looks at its flags (it is also woken).
const PAUSE_POLL: Duration = Duration::from_millis(200);

/// A report (partial while a training streams) or the computation's failure.
struct Message {
    experiment: Experiment,
    outcome: Result<LabReport, String>,
    /// The report's image, prepared on the computing thread (sweeps and basin maps).
    image: Option<Arc<ColorImage>>,
    /// The computation ended with this message.
    last: bool,
}

/// Flags the window sets and the computing thread reads.
#[derive(Default)]
struct Control {
    cancelled: AtomicBool,
    paused: AtomicBool,
}

/// The computation in flight.
struct Job {
    receiver: Receiver<Message>,
    /// Reports the window no longer shows go back to the computing thread, which copies its
    /// next snapshot into one and frees the others (freeing megabytes here took 1.5–2.5 ms of
    /// a frame).
    recycle: Sender<LabReport>,
    control: Arc<Control>,
    thread: Thread,
}

impl Job {
    fn cancel(&self) {
        self.control.cancelled.store(true, Ordering::Relaxed);
        self.thread.unpark();
    }
}

/// What a view shows about the computation: whether it runs, and how long it took or will take.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// A computation is running (or paused).
    pub busy: bool,
    /// Training is paused.
    pub paused: bool,
    /// Seconds since the computation started (its duration once it ended).
    pub elapsed_s: f64,
    /// Seconds left at the current pace, once some work is done.
    pub eta_s: Option<f64>,
}

/// The latest report and the computation in flight.
#[derive(Default)]
pub struct LabResults {
    /// The experiment last asked for.
    requested: Option<Experiment>,
    /// The newest report received, with the experiment it belongs to.
    shown: Option<(Experiment, LabReport)>,
    /// Whether `shown` is complete (a streaming training sends partial reports first).
    shown_complete: bool,
    /// The image prepared with `shown` (grids only).
    shown_image: Option<Arc<ColorImage>>,
    /// Counts reports received, so views can rebuild textures when it changes.
    pub generation: u64,
    /// Why the last computation failed, if it did.
    pub failure: Option<String>,
    /// The experiment whose computation failed (not retried until it changes).
    failed: Option<Experiment>,
    /// The experiment the user stopped (its partial report stays; not restarted until it
    /// changes).
    stopped: Option<Experiment>,
    /// Whether training is paused (kept across requests until resumed).
    paused: bool,
    /// When the running computation started, and how long the last one took.
    started: Option<Instant>,
    took_s: f64,
    job: Option<Job>,
}

impl LabResults {
    /// Asks for `experiment`'s report unless it was the last one asked for. One computation
    /// runs at a time: a request made meanwhile cancels a streaming one and starts when the
    /// running one ends (only the newest, so a dragged slider does not queue up every value it
    /// passed). Does nothing for a race.
    pub fn sync(&mut self, experiment: &Experiment, ctx: &egui::Context) {
        if experiment.lab().is_none() || self.requested.as_ref() == Some(experiment) {
            return;
        }
        self.requested = Some(experiment.clone());
        // An edit restarts training: show its effect rather than a paused, untrained network.
        self.paused = false;
        match &self.job {
            Some(job) => job.cancel(),
            None => self.start(experiment.clone(), ctx.clone()),
        }
    }

    fn start(&mut self, experiment: Experiment, ctx: egui::Context) {
        let (sender, receiver) = mpsc::channel();
        let (recycle, recycled) = mpsc::channel();
        let control = Arc::new(Control::default());
        control.paused.store(self.paused, Ordering::Relaxed);
        let thread_control = Arc::clone(&control);
        let spawned = thread::Builder::new().name("optlab-lab".to_owned()).spawn(move || {
            let channels = Channels { sender, recycled: Mutex::new(recycled) };
            compute(&experiment, &channels, &thread_control, &ctx);
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
    pub fn poll(&mut self, ctx: &egui::Context) -> bool {
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
            self.job = None;
            self.took_s = self.started.take().map_or(self.took_s, |t| t.elapsed().as_secs_f64());
            let shown = self.shown.as_ref().map(|(e, _)| e);
            if let Some(wanted) = self.requested.clone()
                && (shown != Some(&wanted) || !self.shown_complete)
                && self.failed.as_ref() != Some(&wanted)
                && self.stopped.as_ref() != Some(&wanted)
            {
                self.start(wanted, ctx.clone());
            }
        }
        arrived
    }

    /// Shows a message unless it belongs to a request that was superseded meanwhile.
    fn receive(&mut self, message: Message) -> bool {
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
                self.shown_image = message.image;
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
            crate::app::widgets::background_drop::drop_later(report);
        }
    }

    /// The image the computing thread prepared for the newest report (sweeps and basin maps:
    /// a few hundred thousand cells coloured off the window's thread).
    #[must_use]
    pub fn prepared_image(&self) -> Option<Arc<ColorImage>> {
        self.shown_image.clone()
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

    /// Whether training is paused.
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
        let old = std::mem::replace(
            self,
            Self { generation: self.generation, paused: self.paused, ..Self::default() },
        );
        // The old job (dropped here) only cancels; its report may be large.
        crate::app::widgets::background_drop::drop_later(old.shown);
    }
}

impl Drop for Job {
    /// A computation nobody will read stops at its next check.
    fn drop(&mut self) {
        self.cancel();
    }
}

/// The computing thread's ends of the channels to the window.
struct Channels {
    /// Reports to the window.
    sender: Sender<Message>,
    /// Reports the window has finished with (behind a lock because grids take snapshots on
    /// their pool's thread; it is never contended).
    recycled: Mutex<Receiver<LabReport>>,
}

impl Channels {
    /// The newest report the window has finished with (older ones are freed here).
    fn spare(&self) -> Option<LabReport> {
        self.recycled.lock().ok()?.try_iter().last()
    }
}

/// `report` copied into `spare`'s buffers when there is a spare of the same kind.
fn copy_into<T: Clone>(report: &T, spare: Option<T>) -> T {
    match spare {
        Some(mut snapshot) => {
            snapshot.clone_from(report);
            snapshot
        }
        None => report.clone(),
    }
}

/// The body of the computing thread.
fn compute(experiment: &Experiment, channels: &Channels, control: &Control, ctx: &egui::Context) {
    let sender = &channels.sender;
    let send = |outcome: Result<LabReport, String>, last| {
        let image = outcome.as_ref().ok().and_then(prepared_image).map(Arc::new);
        let message = Message { experiment: experiment.clone(), outcome, last, image };
        let sent = sender.send(message).is_ok();
        ctx.request_repaint();
        sent
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match experiment {
        Experiment::Training(lab) => stream_training(lab, control, |report| {
            drop(channels.spare());
            send(Ok(report), false)
        }),
        Experiment::Sweep(lab) => stream_grid(
            control,
            |cancel, publish| {
                report::sweep(lab, cancel, SNAPSHOT_INTERVAL, |r| {
                    let spare = match channels.spare() {
                        Some(LabReport::Sweep(spare)) => Some(spare),
                        _ => None,
                    };
                    publish(LabReport::Sweep(copy_into(r, spare)));
                })
                .map(LabReport::Sweep)
            },
            |report| send(Ok(report), false),
        ),
        Experiment::Basin(lab) => stream_grid(
            control,
            |cancel, publish| {
                report::basin(lab, cancel, SNAPSHOT_INTERVAL, |r| {
                    let spare = match channels.spare() {
                        Some(LabReport::Basin(spare)) => Some(spare),
                        _ => None,
                    };
                    publish(LabReport::Basin(copy_into(r, spare)));
                })
                .map(LabReport::Basin)
            },
            |report| send(Ok(report), false),
        ),
        other => other.lab().map(LabReport::compute),
    }));
    match outcome {
        Ok(Some(report)) => drop(send(Ok(report), true)),
        Ok(None) => {} // cancelled, or not a lab: nothing to show
        Err(panic) => drop(send(Err(panic_message(panic.as_ref())), true)),
    }
}

/// Trains `lab`'s runs side by side, handing a snapshot to `publish` every
/// [`SNAPSHOT_INTERVAL`] and waiting while paused. Returns the final report, or `None` when
/// cancelled or when nobody listens any more.
fn stream_training(
    lab: &TrainingLab,
    control: &Control,
    mut publish: impl FnMut(LabReport) -> bool,
) -> Option<LabReport> {
    let mut session = TrainingSession::new(lab);
    let mut last_sent: Option<Instant> = None;
    // Whether the session trained since the last snapshot (the first one shows the start).
    let mut unsent = true;
    loop {
        if control.cancelled.load(Ordering::Relaxed) {
            return None;
        }
        let paused = control.paused.load(Ordering::Relaxed);
        let due = last_sent.is_none_or(|sent| sent.elapsed() >= SNAPSHOT_INTERVAL);
        if unsent && (due || paused) {
            if !publish(LabReport::Training(session.snapshot())) {
                return None;
            }
            last_sent = Some(Instant::now());
            unsent = false;
        }
        if paused {
            thread::park_timeout(PAUSE_POLL);
        } else if session.advance() {
            unsent = true;
        } else {
            return Some(LabReport::Training(session.finish()));
        }
    }
}

/// Runs a grid computation on a pool of all cores but one (the window keeps one); its snapshots
/// go to `publish`. `None` when cancelled.
fn stream_grid(
    control: &Control,
    compute: impl FnOnce(&AtomicBool, &mut dyn FnMut(LabReport)) -> Option<LabReport> + Send,
    mut publish: impl FnMut(LabReport) -> bool + Send,
) -> Option<LabReport> {
    let cores = thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let threads = cores.saturating_sub(1).max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("optlab-grid-{i}"))
        .build()
        .ok()?;
    // The computation throttles its snapshots itself (it only copies the grid when due).
    let mut throttled = |report: LabReport| {
        if !publish(report) {
            control.cancelled.store(true, Ordering::Relaxed);
        }
    };
    pool.install(|| compute(&control.cancelled, &mut throttled))
}

/// The image a grid report's view draws, built where the report is computed.
fn prepared_image(report: &LabReport) -> Option<ColorImage> {
    match report {
        LabReport::Sweep(r) => Some(grid_images::sweep_image(r)),
        LabReport::Basin(r) => Some(grid_images::basin_image(r)),
        _ => None,
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the computation panicked".to_owned())
}
