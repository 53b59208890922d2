//! The one place background work runs: named threads, cancel and pause flags, progress, caught
//! panics, and freeing large results off the window's thread.
//!
//! * [`races`]: a pool of `optlab-worker-N` threads streaming race runs in batches, keyed per
//!   run so a newer job cancels an older one.
//! * [`labs`]: one `optlab-lab` thread computing the selected lab's report, streaming snapshots
//!   of trainings and grids (on an `optlab-grid-N` pool that leaves one core to the window),
//!   pausable and cancellable.
//! * [`for_each_in_order`]: `optlab run`'s scoped `optlab-run-N` threads, results handed back in
//!   job order.
//!
//! Every runner reports through a `wake` callback (the app passes `request_repaint`), so nothing
//! here knows about a window.

pub mod labs;
pub mod races;

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::thread;

pub use crate::entries::Control;

/// A callback that wakes whoever shows the results (a window's `request_repaint`).
pub type Wake = std::sync::Arc<dyn Fn() + Send + Sync>;

/// Whether threads started from now on keep out of the window's way.
static BACKGROUND_OFF_WINDOW: AtomicBool = AtomicBool::new(false);

/// The nice value background threads take when [`keep_background_off_window`] was called.
pub const BACKGROUND_NICE: i32 = 19;

/// Makes every thread [`spawn_named`] starts from now on (and the pools those threads start)
/// keep out of the window's way, so frames stay on time while grids and runs compute:
///
/// * they run at nice [`BACKGROUND_NICE`], below the window's thread;
/// * they run on every core the process may use but the first, which stays the window's. A
///   low priority alone is not enough: a background thread sharing the window's core is owed a
///   share of it, and Linux's scheduler pays it at a timer tick, taking the core from the
///   window for the whole tick (4 ms at 250 Hz; `optlab bench`'s `frame_over_4ms_split` lines
///   showed these as 4 ms of waiting with one involuntary switch). With the core to itself the
///   window wakes onto it and is never preempted by its own work. The pools already have one
///   thread fewer than the cores.
///
/// The app calls this when it starts; the command line does not, since its threads are the
/// work. Only on Linux, where a nice value and an affinity belong to one thread (elsewhere the
/// nice value would lower the whole process). With a single core allowed, only the nice value
/// changes.
pub fn keep_background_off_window() {
    BACKGROUND_OFF_WINDOW.store(true, Ordering::Relaxed);
}

/// Starts a thread named `name` running `body`.
///
/// # Errors
/// The operating system refused the thread.
pub fn spawn_named<F>(name: String, body: F) -> std::io::Result<thread::JoinHandle<()>>
where
    F: FnOnce() + Send + 'static,
{
    let off_window = BACKGROUND_OFF_WINDOW.load(Ordering::Relaxed);
    thread::Builder::new().name(name).spawn(move || {
        if off_window {
            run_off_window();
        }
        body();
    })
}

/// Lowers the calling thread's priority to [`BACKGROUND_NICE`] and moves it off the first
/// allowed core (best effort: a refusal leaves it as it was). Threads it starts inherit both.
fn run_off_window() {
    #[cfg(target_os = "linux")]
    {
        // On Linux `setpriority(PRIO_PROCESS, 0, …)` changes the calling thread only.
        let _ = rustix::process::setpriority_process(None, BACKGROUND_NICE);
        if let Ok(allowed) = rustix::thread::sched_getaffinity(None)
            && let Some(background) = all_but_first_core(&allowed)
        {
            let _ = rustix::thread::sched_setaffinity(None, &background);
        }
    }
}

/// The cores of `allowed` but the lowest-numbered one, or `None` when fewer than two are
/// allowed (the window then shares its only core).
#[cfg(target_os = "linux")]
fn all_but_first_core(allowed: &rustix::thread::CpuSet) -> Option<rustix::thread::CpuSet> {
    if allowed.count() < 2 {
        return None;
    }
    let first = (0..rustix::thread::CpuSet::MAX_CPU).find(|&cpu| allowed.is_set(cpu))?;
    let mut background = *allowed;
    background.unset(first);
    Some(background)
}

/// The message of a caught panic.
#[must_use]
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the computation panicked".to_owned())
}

/// Runs `work` on every job on scoped threads named `optlab-run-N` (one per core at most) and
/// hands each result to `take` in job order, as soon as every earlier one has been handed. The
/// first error of `take` (or of a job) stops the workers after their current job.
///
/// # Errors
/// The first error a job or `take` returned.
pub fn for_each_in_order<J: Sync, R: Send, E: Send>(
    jobs: &[J],
    work: impl Fn(&J) -> Result<R, E> + Sync,
    mut take: impl FnMut(usize, R) -> Result<(), E>,
) -> Result<(), E> {
    let next = AtomicUsize::new(0);
    let workers = thread::available_parallelism().map_or(1, usize::from).min(jobs.len());
    let (sender, receiver) = mpsc::channel();
    thread::scope(|scope| {
        for index in 0..workers {
            let (sender, next, work) = (sender.clone(), &next, &work);
            // A worker that cannot start leaves the others to take its jobs.
            let _ = thread::Builder::new()
                .name(format!("optlab-run-{index}"))
                .spawn_scoped(scope, move || take_jobs(jobs, next, work, &sender));
        }
        drop(sender);
        let mut pending = BTreeMap::new();
        let mut handed = 0;
        let handed_all = receiver.iter().try_for_each(|(index, result)| {
            pending.insert(index, result?);
            while let Some(result) = pending.remove(&handed) {
                take(handed, result)?;
                handed += 1;
            }
            Ok(())
        });
        // On an error, let the workers finish their current job and take no new one.
        next.store(jobs.len(), Ordering::Relaxed);
        handed_all
    })
}

/// One worker: takes the next job until none is left or a send fails.
fn take_jobs<J, R, E>(
    jobs: &[J],
    next: &AtomicUsize,
    work: &impl Fn(&J) -> Result<R, E>,
    sender: &Sender<(usize, Result<R, E>)>,
) {
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(job) = jobs.get(index) else { return };
        let result = work(job);
        let failed = result.is_err();
        if sender.send((index, result)).is_err() || failed {
            next.store(jobs.len(), Ordering::Relaxed);
            return;
        }
    }
}

/// Anything the dropping thread can own.
type Garbage = Box<dyn Send>;

/// The dropping thread's inbox; `None` when the thread could not be started.
fn inbox() -> Option<&'static Sender<Garbage>> {
    static INBOX: OnceLock<Option<Sender<Garbage>>> = OnceLock::new();
    INBOX
        .get_or_init(|| {
            let (sender, receiver) = mpsc::channel::<Garbage>();
            // The loop ends when the process does; each value is dropped as it arrives.
            let spawned = spawn_named("optlab-drop".to_owned(), move || {
                for garbage in receiver {
                    drop(garbage);
                }
            });
            spawned.ok().map(|_| sender)
        })
        .as_ref()
}

/// Drops `value` on a long-lived `optlab-drop` thread (or right here if that thread is
/// unavailable).
///
/// A superseded snapshot of a 300 × 300 sweep holds megabytes. glibc hands blocks that large
/// back to the kernel with `munmap`, and dropping one took 1.4–1.7 ms on the window's thread
/// (measured with `optlab bench`). While a computation runs, its own thread takes such reports
/// back ([`labs`]): waking a third thread on a 2-core machine would preempt the window. Once no
/// computing thread is left to take them, this thread drops them.
pub fn drop_later<T: Send + 'static>(value: T) {
    if let Some(inbox) = inbox() {
        // A failed send hands the value back inside the error, which drops it here.
        let _ = inbox.send(Box::new(value));
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::all_but_first_core;
    use rustix::thread::CpuSet;

    fn cores(numbers: &[usize]) -> CpuSet {
        let mut set = CpuSet::new();
        for &cpu in numbers {
            set.set(cpu);
        }
        set
    }

    fn numbers(set: &CpuSet) -> Vec<usize> {
        (0..CpuSet::MAX_CPU).filter(|&cpu| set.is_set(cpu)).collect()
    }

    #[test]
    fn the_background_gets_every_allowed_core_but_the_lowest() {
        let background = all_but_first_core(&cores(&[2, 3, 7])).expect("three cores allowed");
        assert_eq!(numbers(&background), [3, 7]);
        let background = all_but_first_core(&cores(&[0, 1])).expect("two cores allowed");
        assert_eq!(numbers(&background), [1]);
    }

    #[test]
    fn with_one_core_the_background_shares_it() {
        assert!(all_but_first_core(&cores(&[5])).is_none());
        assert!(all_but_first_core(&CpuSet::new()).is_none());
    }
}
