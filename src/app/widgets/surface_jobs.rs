//! The surface's grid computed off the window's thread: one `optlab-surface` thread per request
//! samples the grid coarse to fine ([`Refinement`]), and publishes a snapshot (the grid, its
//! colour image and contour lines) after each pass and every [`PUBLISH_INTERVAL`] within a pass,
//! calling the wake callback. The window uploads the image as a texture (cheap) and keeps
//! drawing the previous picture meanwhile.
//!
//! A request is cancelled by dropping its [`GridJob`] (a newer request replaces it): the thread
//! stops before its next sample. A panic inside the sampling is caught and reported.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::{Duration, Instant};

use egui::ColorImage;
use egui_plot::PlotPoint;

use crate::app::widgets::surface_grid::{
    ColourLevel, Refinement, SurfaceGrid, colour_levels, contour_levels,
};
use optlab_core::runner::{Control, Wake, drop_later, panic_message, spawn_named};
use optlab_core::surface::{Surface, ViewBox};

/// Shortest time between two snapshots of one job (the finished grid is always published; a
/// cheap surface is done before the first interval ends and sends that one only).
pub const PUBLISH_INTERVAL: Duration = Duration::from_millis(400);

/// What to sample: a surface over a region at a resolution.
#[derive(Clone, Debug, PartialEq)]
pub struct GridRequest {
    /// The surface (cheap to clone and compare: a formula's text and tree are shared).
    pub surface: Surface,
    /// The region the grid covers.
    pub region: ViewBox,
    /// Columns and rows of the finished grid.
    pub size: usize,
}

/// A picture of the surface: the grid of one pass (partly refined while the pass runs), its
/// colour image, contour lines and colour-bar labels.
pub struct Snapshot {
    /// The sampled `t` values and their scale; its box is where the image is drawn.
    pub grid: Arc<SurfaceGrid>,
    /// The colour image of the grid (row 0 at the top).
    pub image: ColorImage,
    /// Contour polylines in plot coordinates.
    pub contours: Vec<Vec<PlotPoint>>,
    /// Colour-bar labels from the bottom to the top.
    pub levels: Vec<ColourLevel>,
    /// Whether this is the finished grid.
    pub complete: bool,
}

/// What the computing thread sends.
enum Message {
    Snapshot(Box<Snapshot>),
    Failed(String),
}

/// A request being computed. Dropping it cancels the computation.
pub struct GridJob {
    /// What is computed.
    pub request: GridRequest,
    receiver: Receiver<Message>,
    control: Arc<Control>,
    /// Pixels sampled so far.
    sampled: Arc<AtomicUsize>,
    total: usize,
}

impl Drop for GridJob {
    fn drop(&mut self) {
        self.control.cancelled.store(true, Ordering::Relaxed);
    }
}

/// What [`GridJob::poll`] found.
pub enum Polled {
    /// Nothing new.
    Nothing,
    /// The newest snapshot (older ones that arrived meanwhile are dropped).
    Snapshot(Box<Snapshot>),
    /// The computation failed (panicked, or its thread could not start).
    Failed(String),
}

impl GridJob {
    /// Starts computing `request` on a new `optlab-surface` thread; `wake` is called after
    /// every snapshot.
    #[must_use]
    pub fn start(request: GridRequest, wake: Wake) -> Self {
        let (sender, receiver) = mpsc::channel();
        let control = Arc::new(Control::default());
        let sampled = Arc::new(AtomicUsize::new(0));
        let total = request.size * request.size;
        let job = request.clone();
        let (thread_control, thread_sampled) = (Arc::clone(&control), Arc::clone(&sampled));
        let spare = sender.clone();
        let spawned = spawn_named("optlab-surface".to_owned(), move || {
            let mut publish = |snapshot: Snapshot| {
                let sent = sender.send(Message::Snapshot(Box::new(snapshot))).is_ok();
                wake();
                sent
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                compute(&job, &thread_control, &thread_sampled, &mut publish);
            }));
            if let Err(panic) = outcome {
                let _ = sender.send(Message::Failed(panic_message(panic.as_ref())));
                wake();
            }
        });
        if let Err(e) = spawned {
            let _ = spare.send(Message::Failed(format!("could not start a thread: {e}")));
        }
        Self { request, receiver, control, sampled, total }
    }

    /// Pauses the computation (its view is not on screen, so its core goes to the one that
    /// is) or resumes it.
    pub fn set_paused(&self, paused: bool) {
        self.control.paused.store(paused, Ordering::Relaxed);
    }

    /// Share of the grid sampled so far, 0 to 1.
    #[must_use]
    pub fn progress(&self) -> f32 {
        #[expect(clippy::cast_precision_loss, reason = "a share shown in percent")]
        let share = self.sampled.load(Ordering::Relaxed) as f32 / self.total.max(1) as f32;
        share.min(1.0)
    }

    /// The newest message that arrived, if any.
    pub fn poll(&self) -> Polled {
        let mut newest = Polled::Nothing;
        loop {
            match self.receiver.try_recv() {
                Ok(Message::Snapshot(snapshot)) => {
                    if let Polled::Snapshot(old) = std::mem::replace(&mut newest, Polled::Nothing) {
                        drop_later(old);
                    }
                    newest = Polled::Snapshot(snapshot);
                }
                Ok(Message::Failed(message)) => return Polled::Failed(message),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return newest,
            }
        }
    }
}

/// How often a paused job looks whether it may go on.
const PAUSED_POLL: Duration = Duration::from_millis(50);

/// Samples `request` coarse to fine, publishing snapshots; waits while paused; stops when
/// cancelled or when nobody listens any more.
fn compute(
    request: &GridRequest,
    control: &Control,
    sampled: &AtomicUsize,
    publish: &mut dyn FnMut(Snapshot) -> bool,
) {
    let mut refinement = Refinement::new(request.region, request.size, request.size);
    let height = request.size.max(1);
    let stop = || {
        while control.is_paused() && !control.is_cancelled() {
            std::thread::sleep(PAUSED_POLL);
        }
        control.is_cancelled()
    };
    let mut last = Instant::now();
    let strides = refinement.strides();
    for (pass, &stride) in strides.iter().enumerate() {
        for row in (0..height).step_by(stride) {
            let Some(count) = refinement.sample_row(&request.surface, (row, stride), &stop) else {
                return;
            };
            sampled.fetch_add(count, Ordering::Relaxed);
            // Within a pass, the rows not refined yet show the coarser pass: not in the first.
            if pass > 0 && last.elapsed() >= PUBLISH_INTERVAL {
                if !publish(snapshot(refinement.grid(stride), false)) {
                    return;
                }
                last = Instant::now();
            }
        }
        let finished = stride == 1;
        if finished || last.elapsed() >= PUBLISH_INTERVAL {
            if !publish(snapshot(refinement.grid(stride), finished)) {
                return;
            }
            last = Instant::now();
        }
    }
}

/// The picture of `grid`: its image, contours and colour-bar labels.
fn snapshot(grid: SurfaceGrid, complete: bool) -> Snapshot {
    let image = grid.image();
    let contours = grid
        .contours(&contour_levels())
        .into_iter()
        .map(|line| line.into_iter().map(PlotPoint::from).collect())
        .collect();
    let levels = colour_levels(&grid.scale);
    Snapshot { grid: Arc::new(grid), image, contours, levels, complete }
}

#[cfg(test)]
mod tests {
    use super::*;
    use optlab_core::expr::Formula;
    use std::sync::atomic::AtomicU64;

    /// A formula costing some microseconds an evaluation: a 256 × 256 grid takes a while.
    fn slow_surface() -> Surface {
        let terms: Vec<String> = (0..200).map(|i| format!("0.01*sin(x*{i}/50+y)")).collect();
        Surface::Expression(Formula::new(&format!("({})", terms.join("+"))).expect("a formula"))
    }

    #[test]
    fn a_job_publishes_coarse_to_fine_and_stops_when_cancelled() {
        let wakes = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&wakes);
        let wake: Wake = Arc::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        // A cheap grid runs to its end: the last snapshot is the finished grid.
        let request = GridRequest {
            surface: Surface::Himmelblau,
            region: Surface::Himmelblau.view_box(),
            size: 64,
        };
        let job = GridJob::start(request, Arc::clone(&wake));
        let deadline = Instant::now() + Duration::from_mins(1);
        let finished = loop {
            assert!(Instant::now() < deadline, "the grid was not computed");
            if let Polled::Snapshot(snapshot) = job.poll()
                && snapshot.complete
            {
                break snapshot;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        assert_eq!((finished.grid.width, finished.image.size), (64, [64, 64]));
        assert!(!finished.contours.is_empty() && wakes.load(Ordering::Relaxed) >= 1);
        assert!((job.progress() - 1.0).abs() < f32::EPSILON);
        // A cancelled job stops before the end: its thread ends with pixels left to sample.
        let region = Surface::Himmelblau.view_box();
        let job = GridJob::start(GridRequest { surface: slow_surface(), region, size: 256 }, wake);
        while job.sampled.load(Ordering::Relaxed) == 0 {
            assert!(Instant::now() < deadline, "the job did not start");
            std::thread::sleep(Duration::from_millis(1));
        }
        job.control.cancelled.store(true, Ordering::Relaxed);
        while !matches!(job.receiver.try_recv(), Err(TryRecvError::Disconnected)) {
            assert!(Instant::now() < deadline, "the cancelled job did not stop");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(job.progress() < 1.0, "{}", job.progress());
    }

    #[test]
    fn a_paused_job_samples_nothing_until_resumed() {
        let wake: Wake = Arc::new(|| {});
        let region = Surface::Himmelblau.view_box();
        let job = GridJob::start(GridRequest { surface: slow_surface(), region, size: 256 }, wake);
        let deadline = Instant::now() + Duration::from_mins(1);
        while job.sampled.load(Ordering::Relaxed) == 0 {
            assert!(Instant::now() < deadline, "the job did not start");
            std::thread::sleep(Duration::from_millis(1));
        }
        job.set_paused(true);
        // One sample may be under way when the flag is set; after that, nothing moves.
        std::thread::sleep(PAUSED_POLL * 2);
        let paused_at = job.sampled.load(Ordering::Relaxed);
        std::thread::sleep(PAUSED_POLL * 4);
        assert_eq!(job.sampled.load(Ordering::Relaxed), paused_at, "sampled while paused");
        job.set_paused(false);
        while job.sampled.load(Ordering::Relaxed) == paused_at {
            assert!(Instant::now() < deadline, "the job did not resume");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
