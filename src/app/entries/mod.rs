//! Every kind of notebook entry, each in its own folder with its controls (`panel`) and what it
//! draws (`view`).
//!
//! This file is the one place that lists the kinds: one line each in [`lab_kinds!`]'s invocation,
//! which generates [`controls`], [`lab_views`] and [`lab_templates`] (the ➕ Lab menu). A new
//! lab kind is a new folder whose `mod.rs` implements [`kind::LabUi`], plus its line here.

pub mod action;
pub mod assignment;
pub mod basin;
pub mod drop_connect;
pub mod dropout;
pub mod fractional_max_pool;
pub mod kind;
pub mod race;
pub mod stochastic_depth;
pub mod sweep;
pub mod training;

use egui::Ui;

use crate::app::lab_results::LabResults;
use action::EntryAction;
use kind::{LabContext, LabUi};
use optlab_core::entries::Experiment;
use optlab_core::entries::LabReport;

/// Generates [`controls`], [`lab_views`] and [`lab_templates`] from the one list below.
macro_rules! lab_kinds {
    ($($kind:ident => $ui:ty,)*) => {
        /// Draws the controls of `experiment`: they edit it in place.
        pub fn controls(ui: &mut Ui, experiment: &mut Experiment) {
            match experiment {
                Experiment::Race(race) => race::panel::show(ui, race),
                $( Experiment::$kind(lab) => <$ui as LabUi>::controls(ui, lab), )*
            }
        }

        /// Draws the views of the selected lab from its latest report (while a new request
        /// computes, that is still the previous one's); returns what the views asked for.
        pub fn lab_views(ui: &mut Ui, labs: &LabResults) -> Vec<EntryAction> {
            let mut actions = Vec::new();
            let Some(report) = lab_report(ui, labs) else { return actions };
            let mut cx = LabContext { labs, actions: &mut actions };
            match report {
                $( LabReport::$kind(report) => <$ui as LabUi>::view(ui, report, &mut cx), )*
            }
            actions
        }

        /// The labs with their default settings, as the ➕ Lab menu offers them (races have
        /// their own ➕ Add button).
        #[must_use]
        pub fn lab_templates() -> Vec<(&'static str, Experiment)> {
            vec![$( (<$ui as LabUi>::MENU, Experiment::$kind(Default::default())), )*]
        }
    };
}

// The one list of lab kinds in the app: the RON variant name and the folder's `LabUi`. (The
// race, whose views are the map and curves, is drawn by `race::view` and has no menu line.)
lab_kinds! {
    Dropout => dropout::DropoutUi,
    DropConnect => drop_connect::DropConnectUi,
    FractionalMaxPool => fractional_max_pool::FractionalMaxPoolUi,
    StochasticDepth => stochastic_depth::StochasticDepthUi,
    Training => training::TrainingUi,
    Sweep => sweep::SweepUi,
    Basin => basin::BasinUi,
    Assignment => assignment::AssignmentUi,
}

/// The lab's report to draw, after its failure and "updating…" lines; a spinner (and `None`)
/// while there is none yet.
fn lab_report<'a>(ui: &mut Ui, labs: &'a LabResults) -> Option<&'a LabReport> {
    if let Some(failure) = &labs.failure {
        ui.colored_label(ui.visuals().error_fg_color, format!("computation failed: {failure}"));
    }
    let Some(report) = labs.report() else {
        ui.centered_and_justified(|ui| {
            ui.add(egui::Spinner::new());
            ui.label("computing…");
        });
        return None;
    };
    if labs.updating() {
        ui.horizontal(|ui| {
            ui.add(egui::Spinner::new());
            ui.weak("updating…");
        });
    }
    Some(report)
}
