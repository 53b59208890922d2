//! The thread that writes autosaves, so the window never waits on the disk (a `sync` can take
//! a tenth of a second on a busy machine). Writes happen in the order they were asked for; only
//! the newest waiting one is written when several queue up.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use optlab_core::notebook::Notebook;
use optlab_core::runner::{panic_message, spawn_named};

use super::autosave::{self, SessionInfo};

/// How long a synchronous write (on exit) waits for the writer before giving up.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// One autosave to write.
struct Job {
    dir: PathBuf,
    notebook: Notebook,
    info: SessionInfo,
    rotate: bool,
    /// Where a synchronous caller waits for the result.
    reply: Option<Sender<Result<(), String>>>,
}

/// The autosave writer thread and the results it sends back.
#[derive(Debug)]
pub struct Writer {
    jobs: Option<Sender<Job>>,
    results: Receiver<Result<(), String>>,
}

impl Writer {
    /// Starts the writer thread. Without a thread, writes happen on the caller's thread.
    #[must_use]
    pub fn spawn() -> Self {
        let (jobs, inbox) = channel::<Job>();
        let (outbox, results) = channel();
        let spawned = spawn_named("optlab-autosave".into(), move || serve(&inbox, &outbox));
        Self { jobs: spawned.ok().map(|_| jobs), results }
    }

    /// Queues a write; its result comes back through [`Writer::finished`].
    pub fn submit(&self, dir: PathBuf, notebook: Notebook, info: SessionInfo, rotate: bool) {
        let job = Job { dir, notebook, info, rotate, reply: None };
        if let Some(job) = self.send(job) {
            // No writer thread: write here rather than lose the edit.
            let _ = write(&job);
        }
    }

    /// Writes now, after every queued write, and waits for the result.
    ///
    /// # Errors
    /// What could not be written, or that the writer did not answer in time.
    pub fn write_now(
        &self,
        dir: PathBuf,
        notebook: Notebook,
        info: SessionInfo,
        rotate: bool,
    ) -> Result<(), String> {
        let (reply, answer) = channel();
        let job = Job { dir, notebook, info, rotate, reply: Some(reply) };
        match self.send(job) {
            None => answer
                .recv_timeout(FLUSH_TIMEOUT)
                .unwrap_or_else(|_| Err("autosave: the writer did not finish in time".into())),
            Some(job) => write(&job),
        }
    }

    /// The results of queued writes that finished since the last call, oldest first.
    pub fn finished(&self) -> impl Iterator<Item = Result<(), String>> + '_ {
        self.results.try_iter()
    }

    /// Hands `job` to the writer thread; gives it back when there is no thread to take it.
    fn send(&self, job: Job) -> Option<Job> {
        match &self.jobs {
            Some(jobs) => jobs.send(job).err().map(|e| e.0),
            None => Some(job),
        }
    }
}

/// The writer's loop: the newest of the waiting jobs is written; a synchronous job is never
/// skipped.
fn serve(inbox: &Receiver<Job>, outbox: &Sender<Result<(), String>>) {
    while let Ok(mut job) = inbox.recv() {
        for newer in inbox.try_iter() {
            // A skipped write's rotation is due all the same.
            let mut rotate = job.rotate;
            if let Some(reply) = job.reply.take() {
                let _ = reply.send(write(&job));
                rotate = false;
            }
            job = Job { rotate: newer.rotate || rotate, ..newer };
        }
        let result = write(&job);
        match job.reply {
            Some(reply) => {
                let _ = reply.send(result);
            }
            None => {
                if outbox.send(result).is_err() {
                    return;
                }
            }
        }
    }
}

/// Writes one job, turning a panic into a message.
fn write(job: &Job) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        autosave::write(&job.dir, &job.notebook, &job.info, job.rotate)
    }))
    .unwrap_or_else(|panic| Err(format!("autosave failed: {}", panic_message(panic.as_ref()))))
}
