//! The selected lab's report for the window: [`optlab_core::runner::labs::LabRunner`] woken by
//! egui's repaint, with the sweep and basin images coloured on the computing thread (a few
//! hundred thousand cells coloured off the window's thread).

use std::sync::Arc;

use egui::ColorImage;

use optlab_core::entries::LabReport;
use optlab_core::runner::labs::LabRunner;
pub use optlab_core::runner::labs::Progress;

/// The lab runner the window drives; what it prepares is the grid image of sweeps and basins.
pub type LabResults = LabRunner<Arc<ColorImage>>;

/// A runner that repaints `ctx` when a report arrives.
#[must_use]
pub fn new(ctx: &egui::Context) -> LabResults {
    let ctx = ctx.clone();
    LabRunner::new(
        Arc::new(move || ctx.request_repaint()),
        Arc::new(|report| prepared_image(report).map(Arc::new)),
    )
}

/// The image a grid report's view draws, built where the report is computed.
fn prepared_image(report: &LabReport) -> Option<ColorImage> {
    match report {
        LabReport::Sweep(r) => Some(super::widgets::grid_images::sweep_image(r)),
        LabReport::Basin(r) => Some(super::widgets::grid_images::basin_image(r)),
        _ => None,
    }
}
