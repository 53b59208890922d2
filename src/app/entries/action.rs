//! What an entry's views ask the app to do once they are drawn: views only read what they
//! show, and the app applies these to the notebook and the computations.

use super::training::lr_finder_controls::LrFinderAction;
use optlab_core::run::RunConfig;
use optlab_core::surface::Point;
use optlab_core::train::TrainingConfig;

/// A request from an entry's view, applied by the app after the frame's views are drawn.
#[derive(Clone, Debug)]
pub enum EntryAction {
    /// Move the selected race's start point here (a click or drag on the map).
    MoveStart(Point),
    /// Add this run to a race with the same setup (a click on a sweep or basin map).
    AddRunToRace {
        /// The run to add.
        config: RunConfig,
        /// Its name in the race.
        name: String,
    },
    /// Add this run to a training entry with the same data (a click on a training sweep).
    AddRunToTraining {
        /// The run to add.
        config: TrainingConfig,
        /// Its name in the entry.
        name: String,
    },
    /// Pause (`true`) or resume (`false`) the lab's training.
    PauseLab(bool),
    /// Stop the lab's computation, keeping what it computed so far.
    StopLab,
    /// Use an LR finder suggestion as a run's lr, or turn the finder on (training entries).
    LrFinder(LrFinderAction),
    /// Turn on the selected training entry's loss-landscape views (default options).
    EnableLandscape,
    /// Turn on sharpness tracking (default settings) for the selected training entry.
    TrackSharpness,
}
