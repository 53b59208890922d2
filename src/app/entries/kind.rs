//! What each lab kind's folder gives the app ([`LabUi`]), and what its views get
//! ([`LabContext`]).

use egui::Ui;
use optlab_core::entries::LabKind;

use super::action::EntryAction;
use crate::app::lab_results::LabResults;

/// What a lab's view gets besides its report: the runner (progress, prepared images, the
/// report's generation) and where to put what it asks the app to do.
pub struct LabContext<'a> {
    /// The lab runner that computed the report.
    pub labs: &'a LabResults,
    /// Requests the app applies after the frame's views are drawn.
    pub actions: &'a mut Vec<EntryAction>,
}

/// What each lab kind's folder gives the app: its controls, its views and its menu name.
pub trait LabUi {
    /// The kind's config (the RON variant's payload).
    type Lab: LabKind + Default;
    /// The kind's name in the ➕ Lab menu.
    const MENU: &'static str;

    /// Draws the controls; they edit `lab` in place.
    fn controls(ui: &mut Ui, lab: &mut Self::Lab);

    /// Draws the views of `report`.
    fn view(ui: &mut Ui, report: &<Self::Lab as LabKind>::Report, cx: &mut LabContext<'_>);
}
