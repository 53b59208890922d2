//! The race's centre: the playback bar, the map or the 3D surface on the left, the curves or
//! the internals above the run table on the right.

use std::sync::Arc;

use egui::Ui;

use super::curves_view::{self, CurveCache};
use super::internals_view;
use super::map_frame::MapState;
use super::map_view::{self, MapParts, PathCache};
use super::playback::{self, Playback};
use super::results::RaceResults;
use super::slice_map;
use super::slice_view::{self, SliceState};
use super::stats_table::{self, StatsCache};
use super::surface3d_view::{self, Camera};
use crate::app::entries::action::EntryAction;
use crate::app::widgets::heatmap::{DrawnContours, HeatmapCache, PictureStatus};
use crate::app::widgets::surface_probe::Probe;
use optlab_core::entries::race::Race;
use optlab_core::surface::Surface;

/// Which view fills the left half of the centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SpaceView {
    /// The loss surface from above with contours and trajectories.
    #[default]
    Map,
    /// The loss surface as a rotatable shaded mesh.
    Surface3d,
}

/// Which view fills the right half of the centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CurveView {
    /// Loss and learning rate against step.
    #[default]
    Curves,
    /// Velocity and effective step size of the selected run.
    Internals,
    /// The loss along a line through the selected run's point.
    Slice,
}

/// What the race views drew last, rebuilt only when what they show changes.
#[derive(Default)]
pub struct RaceCaches {
    /// The map's surface picture (texture and contours).
    heatmap: HeatmapCache,
    /// The 3D view's surface grid (its own: it covers the surface's home box).
    heatmap_3d: HeatmapCache,
    /// The loss under the pointer on the map (made on the first frame that needs it).
    hover: Option<Probe<f64>>,
    /// Contour lines simplified for the map's zoom.
    contours: DrawnContours,
    /// Loss and lr curves.
    curves: CurveCache,
    /// Trajectories on the map.
    paths: PathCache,
    /// The map's framing, arrows and hidden runs.
    map: MapState,
    /// Figures of the run table.
    stats: StatsCache,
    /// Camera (and mesh) of the 3D view.
    camera: Camera,
    /// The Slice view's choices and its slice.
    slice: SliceState,
}

impl RaceCaches {
    /// What the surface picture of `view` (map or 3D) is doing.
    #[must_use]
    pub fn picture_status(&self, view: SpaceView) -> PictureStatus {
        match view {
            SpaceView::Map => self.heatmap.status(),
            SpaceView::Surface3d => self.heatmap_3d.status(),
        }
    }
}

/// What the race views draw and the view state they change.
pub struct RaceParts<'a> {
    /// The computed runs.
    pub results: &'a RaceResults,
    /// The shown step, play/pause and speed.
    pub playback: &'a mut Playback,
    /// The left view.
    pub space_view: &'a mut SpaceView,
    /// The right view.
    pub curve_view: &'a mut CurveView,
    /// The run whose internals are shown.
    pub focused_run: &'a mut usize,
    /// What the views drew last.
    pub caches: &'a mut RaceCaches,
}

/// Draws the race's views; returns a new start point picked on the map.
pub fn show(ui: &mut Ui, race: &Race, mut parts: RaceParts<'_>) -> Option<EntryAction> {
    playback::toolbar(ui, parts.playback, parts.results.computed_steps());
    ui.separator();
    let step = parts.playback.step();
    let width = ui.available_width();
    let height = ui.available_height();
    let left_width = (width * 0.52).max(200.0);
    let mut action = None;
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(left_width);
            ui.set_height(height);
            action = space_views(ui, race, step, &mut parts);
        });
        ui.separator();
        ui.vertical(|ui| curve_views(ui, race, step, &mut parts));
    });
    action
}

/// The view picker and the map or the 3D surface.
fn space_views(
    ui: &mut Ui,
    race: &Race,
    step: u64,
    parts: &mut RaceParts<'_>,
) -> Option<EntryAction> {
    ui.horizontal(|ui| {
        ui.selectable_value(parts.space_view, SpaceView::Map, "Map")
            .on_hover_text("The loss surface from above: colours, contours, paths");
        ui.selectable_value(parts.space_view, SpaceView::Surface3d, "3D")
            .on_hover_text("The surface as a mesh: drag to rotate, scroll to zoom");
    });
    let caches = &mut *parts.caches;
    let runs = &parts.results.runs;
    // Only the view on screen computes its surface picture; the other waits for its turn.
    caches.heatmap.set_paused(*parts.space_view != SpaceView::Map);
    caches.heatmap_3d.set_paused(*parts.space_view != SpaceView::Surface3d);
    match *parts.space_view {
        SpaceView::Map => {
            let ctx = ui.ctx().clone();
            let hover = caches.hover.get_or_insert_with(|| {
                Probe::new(Surface::value, Arc::new(move || ctx.request_repaint()))
            });
            let map = MapParts {
                heatmap: &mut caches.heatmap,
                contours: &mut caches.contours,
                paths: &mut caches.paths,
                hover,
                runs,
                state: &mut caches.map,
                focused_run: *parts.focused_run,
            };
            map_view::show(ui, race, step, map).map(EntryAction::MoveStart)
        }
        SpaceView::Surface3d => {
            surface3d_view::show(
                ui,
                race,
                step,
                (&mut caches.heatmap_3d, &mut caches.camera),
                runs,
            );
            None
        }
    }
}

/// The view picker, the curves or the internals, and the run table.
fn curve_views(ui: &mut Ui, race: &Race, step: u64, parts: &mut RaceParts<'_>) {
    ui.horizontal(|ui| {
        ui.selectable_value(parts.curve_view, CurveView::Curves, "Loss & lr")
            .on_hover_text("Loss (log axis) and learning rate against step");
        ui.selectable_value(parts.curve_view, CurveView::Internals, "Internals")
            .on_hover_text("Velocity and effective step size of one run");
        ui.selectable_value(parts.curve_view, CurveView::Slice, "Slice")
            .on_hover_text("The loss along a line through a run's point");
    });
    if *parts.curve_view != CurveView::Slice {
        slice_map::remember(ui.ctx(), None);
    }
    let table_height = stats_table::height(ui, race.runs.len());
    let plots_height = (ui.available_height() - table_height - 12.0).max(160.0);
    let runs = &parts.results.runs;
    match *parts.curve_view {
        CurveView::Curves => {
            curves_view::show(ui, race, (step, plots_height), &mut parts.caches.curves, runs);
        }
        CurveView::Internals => {
            internals_view::show(ui, race, (step, plots_height), parts.focused_run, runs);
        }
        CurveView::Slice => {
            let (slice, focused) = (&mut parts.caches.slice, &mut *parts.focused_run);
            slice_view::show(ui, race, (step, plots_height), focused, runs, slice);
        }
    }
    ui.separator();
    stats_table::show(ui, race, step, (parts.focused_run, &mut parts.caches.stats), parts.results);
}
