//! Frees large values off the window's thread.
//!
//! A superseded snapshot of a 300 × 300 sweep holds megabytes. glibc hands blocks that large
//! back to the kernel with `munmap`, and dropping one took 1.4–1.7 ms on the window's thread
//! (measured with `optlab bench`). While a computation runs, its own thread takes such reports
//! back (`lab_results`): waking a third thread on a 2-core machine would preempt the window.
//! Once no computing thread is left to take them, this long-lived thread drops them.

use std::sync::OnceLock;
use std::sync::mpsc::{self, Sender};
use std::thread;

/// Anything the dropping thread can own.
type Garbage = Box<dyn Send>;

/// The dropping thread's inbox; `None` when the thread could not be started.
fn inbox() -> Option<&'static Sender<Garbage>> {
    static INBOX: OnceLock<Option<Sender<Garbage>>> = OnceLock::new();
    INBOX
        .get_or_init(|| {
            let (sender, receiver) = mpsc::channel::<Garbage>();
            // The loop ends when the process does; each value is dropped as it arrives.
            let spawned = thread::Builder::new().name("optlab-drop".to_owned()).spawn(move || {
                for garbage in receiver {
                    drop(garbage);
                }
            });
            spawned.ok().map(|_| sender)
        })
        .as_ref()
}

/// Drops `value` on the dropping thread (or right here if that thread is unavailable).
pub fn drop_later<T: Send + 'static>(value: T) {
    if let Some(inbox) = inbox() {
        // A failed send hands the value back inside the error, which drops it here.
        let _ = inbox.send(Box::new(value));
    }
}
