//! The race: several optimizers racing from one start point on one loss surface. Its runs are
//! streamed step by step by [`crate::runner::races`] (the app) or written as CSV by
//! [`crate::headless`] (`optlab run`); the engine is [`crate::run`].

mod config;

pub use config::{Race, RaceRun, STEPS, TOLERANCE};

use crate::entries::kind::EntryKind;
use crate::limits::LimitError;

impl EntryKind for Race {
    const LABEL: &'static str = "race";

    fn validate(&self) -> Result<(), LimitError> {
        Self::validate(self)
    }
}
