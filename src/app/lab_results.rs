//! The report of the regularization lab on screen, computed off the UI thread.
//!
//! Each frame the app hands [`LabResults::sync`] the selected entry's experiment. When it differs
//! from the last one asked for, a named thread computes its [`LabReport`]; the window keeps
//! showing the previous report (marked as updating) until the new one arrives, so dragging a
//! slider never freezes a frame. Reports of superseded requests are dropped. A panic inside
//! the computation is caught and reported instead of taking the window down.

use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread;

use crate::labs::LabReport;
use crate::notebook::Experiment;

/// A finished computation: the experiment it was for and its report or failure.
type Outcome = (Experiment, Result<LabReport, String>);

/// The latest report and the computation in flight.
#[derive(Default)]
pub struct LabResults {
    /// The experiment last asked for.
    requested: Option<Experiment>,
    /// The newest report received, with the experiment it belongs to.
    shown: Option<(Experiment, LabReport)>,
    /// Counts reports received, so views can rebuild textures when it changes.
    pub generation: u64,
    /// Why the last computation failed, if it did.
    pub failure: Option<String>,
    receiver: Option<Receiver<Outcome>>,
}

impl LabResults {
    /// Asks for `experiment`'s report unless it was the last one asked for. One computation
    /// runs at a time: a request made meanwhile starts when it ends (only the newest one, so a
    /// dragged slider does not queue up every value it passed). Does nothing for a race.
    pub fn sync(&mut self, experiment: &Experiment, ctx: &egui::Context) {
        if experiment.lab().is_none() || self.requested.as_ref() == Some(experiment) {
            return;
        }
        self.requested = Some(experiment.clone());
        if self.receiver.is_none() {
            self.start(experiment.clone(), ctx.clone());
        }
    }

    fn start(&mut self, experiment: Experiment, ctx: egui::Context) {
        let (sender, receiver) = mpsc::channel();
        let spawned = thread::Builder::new().name("optlab-lab".to_owned()).spawn(move || {
            let report = std::panic::catch_unwind(|| experiment.lab().map(LabReport::compute))
                .map_err(|panic| panic_message(panic.as_ref()))
                .and_then(|report| report.ok_or_else(|| "not a lab".to_owned()));
            // The window may have moved on and dropped the receiver: nothing to do then.
            let _ = sender.send((experiment, report));
            ctx.request_repaint();
        });
        match spawned {
            Ok(_) => self.receiver = Some(receiver),
            Err(e) => self.failure = Some(format!("could not start a thread: {e}")),
        }
    }

    /// Takes a finished report, if one arrived, and starts the newest request if it differs;
    /// returns whether a report arrived.
    pub fn poll(&mut self, ctx: &egui::Context) -> bool {
        let Some(receiver) = &self.receiver else { return false };
        let received = match receiver.try_recv() {
            Ok(received) => received,
            Err(TryRecvError::Empty) => return false,
            Err(TryRecvError::Disconnected) => {
                self.receiver = None;
                return false;
            }
        };
        self.receiver = None;
        let (experiment, outcome) = received;
        match outcome {
            Ok(report) => {
                self.failure = None;
                self.generation += 1;
                self.shown = Some((experiment.clone(), report));
            }
            Err(message) => self.failure = Some(message),
        }
        if let Some(wanted) = self.requested.clone()
            && wanted != experiment
        {
            self.start(wanted, ctx.clone());
        }
        true
    }

    /// The newest report, if any.
    #[must_use]
    pub fn report(&self) -> Option<&LabReport> {
        self.shown.as_ref().map(|(_, report)| report)
    }

    /// Whether the shown report is older than what was last asked for.
    #[must_use]
    pub fn updating(&self) -> bool {
        self.requested.is_some() && self.shown.as_ref().map(|(e, _)| e) != self.requested.as_ref()
    }

    /// Forgets everything (another entry was selected).
    pub fn clear(&mut self) {
        *self = Self { generation: self.generation, ..Self::default() };
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the computation panicked".to_owned())
}
