//! Every kind of notebook entry, each in its own folder with its controls (`panel`) and what it
//! draws (`view`).
//!
//! This file is the one place that lists the kinds: [`controls`] and [`lab_views`] have one arm
//! per kind, and [`lab_templates`] is what the ➕ Lab menu offers. A new kind is a new folder
//! plus its lines here.

pub mod action;
pub mod assignment;
pub mod basin;
pub mod drop_connect;
pub mod dropout;
pub mod fractional_max_pool;
pub mod race;
pub mod stochastic_depth;
pub mod sweep;
pub mod training;

use egui::Ui;

use crate::app::lab_results::LabResults;
use action::EntryAction;
use optlab_core::entries::Experiment;
use optlab_core::entries::LabReport;
use optlab_core::entries::assignment::AssignmentLab;
use optlab_core::entries::basin::BasinLab;
use optlab_core::entries::drop_connect::DropConnectLab;
use optlab_core::entries::dropout::DropoutLab;
use optlab_core::entries::fractional_max_pool::FractionalMaxPoolLab;
use optlab_core::entries::stochastic_depth::StochasticDepthLab;
use optlab_core::entries::sweep::SweepLab;
use optlab_core::entries::training::TrainingLab;

/// Draws the controls of `experiment`: they edit it in place.
pub fn controls(ui: &mut Ui, experiment: &mut Experiment) {
    match experiment {
        Experiment::Race(race) => race::panel::show(ui, race),
        Experiment::Dropout(lab) => dropout::panel::show(ui, lab),
        Experiment::DropConnect(lab) => drop_connect::panel::show(ui, lab),
        Experiment::FractionalMaxPool(lab) => fractional_max_pool::panel::show(ui, lab),
        Experiment::StochasticDepth(lab) => stochastic_depth::panel::show(ui, lab),
        Experiment::Training(lab) => training::panel::show(ui, lab),
        Experiment::Sweep(lab) => sweep::panel::show(ui, lab),
        Experiment::Basin(lab) => basin::panel::show(ui, lab),
        Experiment::Assignment(lab) => assignment::panel::show(ui, lab),
    }
}

/// Draws the views of the selected lab from its latest report (while a new request computes,
/// that is still the previous one's); returns what the views asked for.
pub fn lab_views(ui: &mut Ui, labs: &LabResults) -> Vec<EntryAction> {
    let mut actions = Vec::new();
    let Some(report) = lab_report(ui, labs) else { return actions };
    let generation = labs.generation;
    match report {
        LabReport::Dropout(r) => dropout::view::show(ui, r),
        LabReport::DropConnect(r) => drop_connect::view::show(ui, r),
        LabReport::FractionalMaxPool(r) => fractional_max_pool::view::show(ui, r, generation),
        LabReport::StochasticDepth(r) => stochastic_depth::view::show(ui, r, generation),
        LabReport::Training(r) => training::view::show(ui, r, labs, &mut actions),
        LabReport::Sweep(r) => sweep::view::show(ui, r, labs, &mut actions),
        LabReport::Basin(r) => basin::view::show(ui, r, labs, &mut actions),
        LabReport::Assignment(r) => assignment::view::show(ui, r),
    }
    actions
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

/// The labs with their default settings, as the ➕ Lab menu offers them (races have their own
/// ➕ Add button).
#[must_use]
pub fn lab_templates() -> [(&'static str, Experiment); 8] {
    [
        ("Dropout", Experiment::Dropout(DropoutLab::default())),
        ("DropConnect", Experiment::DropConnect(DropConnectLab::default())),
        ("Fractional max pooling", Experiment::FractionalMaxPool(FractionalMaxPoolLab::default())),
        ("Stochastic depth", Experiment::StochasticDepth(StochasticDepthLab::default())),
        ("Training", Experiment::Training(TrainingLab::default())),
        ("Sweep", Experiment::Sweep(SweepLab::default())),
        ("Basin map", Experiment::Basin(BasinLab::default())),
        ("Assignment helper", Experiment::Assignment(AssignmentLab::default())),
    ]
}
