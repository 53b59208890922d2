//! A basin map: every start point coloured by the known minimum its run ended in (brighter
//! where it settled sooner), black where it diverged, grey where it ended elsewhere; the minima
//! marked on top; the share of each basin below.

use egui::{ColorImage, PointerButton, RichText, TextureHandle, TextureOptions, Ui};
use egui_plot::{MarkerShape, Plot, PlotImage, PlotPoint, PlotPoints, Points};
use std::sync::Arc;

use crate::app::entries::action::EntryAction;
use crate::app::lab_results::{LabResults, Progress};
use crate::app::widgets::legend_row::{self, Swatch};
use crate::app::widgets::palette;
use crate::app::widgets::{grid_images, lab_image, numbers};
use optlab_core::entries::basin::BasinReport;
use optlab_core::surface::Point;

/// Draws the map; a click on a start asks for its run and ⏹ Stop for the end of the
/// computation, through `actions`.
pub fn show(ui: &mut Ui, r: &BasinReport, labs: &LabResults, actions: &mut Vec<EntryAction>) {
    let (done, total) = r.progress();
    let progress = labs.progress(done, total);
    let (clicked, stop) = draw(ui, r, (labs.generation, labs.prepared()), progress);
    if let Some(start) = clicked {
        actions.push(start_run(r, start));
    }
    if stop {
        actions.push(EntryAction::StopLab);
    }
}

/// The lab's run from `start`, named after it.
fn start_run(r: &BasinReport, start: Point) -> EntryAction {
    let mut config = r.lab.configs().swap_remove(0);
    config.start = start;
    let name = format!("from ({}, {})", numbers::compact(start[0]), numbers::compact(start[1]));
    EntryAction::AddRunToRace { config, name }
}

/// Draws the map; returns the start point clicked, if any, and whether ⏹ Stop was clicked.
fn draw(
    ui: &mut Ui,
    r: &BasinReport,
    streamed: (u64, Option<Arc<ColorImage>>),
    progress: Progress,
) -> (Option<Point>, bool) {
    let stop = crate::app::widgets::lab_widgets::grid_toolbar(ui, r.progress(), "starts", progress);
    let height = (ui.available_height() - 60.0).max(200.0);
    let clicked = map(ui, r, streamed, height);
    shares(ui, r);
    (clicked, stop)
}

fn map(
    ui: &mut Ui,
    r: &BasinReport,
    streamed: (u64, Option<Arc<ColorImage>>),
    height: f32,
) -> Option<Point> {
    let texture = texture(ui, r, streamed);
    let region = r.lab.region();
    // The minima's legend is a row above the map: inside, it covered starts.
    let legend: Vec<(String, Swatch)> = r
        .minima
        .iter()
        .enumerate()
        .map(|(index, minimum)| {
            (
                minimum_name(index, minimum.position),
                Swatch::Diamond(palette::run_colour(None, index)),
            )
        })
        .collect();
    legend_row::show(ui, &legend);
    let response = Plot::new("basin-map")
        .height(height - 24.0)
        .data_aspect(1.0)
        .allow_drag(false)
        .allow_scroll(false)
        .show_grid(false)
        .x_axis_label("start x")
        .y_axis_label("start y")
        .show(ui, |plot_ui| {
            let centre = PlotPoint::new(
                0.5 * (region.x_min + region.x_max),
                0.5 * (region.y_min + region.y_max),
            );
            #[expect(clippy::cast_possible_truncation, reason = "plot units; f32 is plenty")]
            let size = [region.width() as f32, region.height() as f32];
            plot_ui.image(PlotImage::new("", texture.id(), centre, size).allow_hover(false));
            for (index, minimum) in r.minima.iter().enumerate() {
                // A dark halo: the diamond has its basin's colour and would vanish in it.
                plot_ui.points(
                    Points::new("", PlotPoints::new(vec![minimum.position]))
                        .shape(MarkerShape::Diamond)
                        .radius(10.0)
                        .filled(true)
                        .color(egui::Color32::from_black_alpha(200))
                        .allow_hover(false),
                );
                plot_ui.points(
                    Points::new(
                        minimum_name(index, minimum.position),
                        PlotPoints::new(vec![minimum.position]),
                    )
                    .shape(MarkerShape::Diamond)
                    .radius(7.0)
                    .filled(true)
                    .color(palette::run_colour(None, index)),
                );
            }
            let clicked = plot_ui.response().clicked_by(PointerButton::Primary);
            plot_ui.pointer_coordinate().filter(|_| clicked).map(|p| [p.x, p.y])
        });
    response.response.on_hover_text("Click a start point to add its run to a race");
    response.inner
}

/// "minimum 1 (3.00, 2.00)": the legend and hover name of minimum `index`.
fn minimum_name(index: usize, position: Point) -> String {
    format!("minimum {} ({:.2}, {:.2})", index + 1, position[0], position[1])
}

fn texture(
    ui: &Ui,
    r: &BasinReport,
    (generation, prepared): (u64, Option<Arc<ColorImage>>),
) -> TextureHandle {
    let key = ui.scope_id().with("basin-texture");
    lab_image::streamed_texture(ui, key, generation, TextureOptions::NEAREST, || {
        prepared.unwrap_or_else(|| Arc::new(grid_images::basin_image(r)))
    })
}

/// "minimum 1: 31 % · minimum 2: 24 % · … · diverged 3 %".
fn shares(ui: &mut Ui, r: &BasinReport) {
    let total: usize = r.counts.iter().sum();
    if total == 0 {
        return;
    }
    let percent = |count: usize| 100.0 * count as f64 / total as f64;
    let k = r.minima.len();
    let mut parts: Vec<String> = r.counts[..k.min(r.counts.len())]
        .iter()
        .enumerate()
        .map(|(index, &count)| format!("minimum {}: {:.1} %", index + 1, percent(count)))
        .collect();
    parts.push(format!("elsewhere: {:.1} %", percent(r.counts.get(k).copied().unwrap_or(0))));
    parts.push(format!("diverged: {:.1} %", percent(r.counts.get(k + 1).copied().unwrap_or(0))));
    ui.label(RichText::new(parts.join(" · ")).strong());
    ui.weak("Colour: the minimum a start ends in, brighter the sooner it settled there (loss within the tolerance for good).");
}
