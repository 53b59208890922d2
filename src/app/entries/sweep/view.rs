//! A sweep's heat map: the metric of every cell (viridis, log scale for losses; dark red where
//! a run diverged; grey until computed) with a colour bar, the values under the pointer, and a
//! click that hands the cell's run to the app.

use egui::{Color32, ColorImage, PointerButton, RichText, TextureHandle, TextureOptions, Ui};
use egui_plot::{Line, LineStyle, Plot, PlotImage, PlotPoint, PlotPoints};
use std::sync::Arc;

use crate::app::entries::action::EntryAction;
use crate::app::lab_results::{LabResults, Progress};
use crate::app::widgets::grid_images::{self, SWEEP_DIVERGED, SWEEP_NO_VALUE, SweepScale};
use crate::app::widgets::heatmap::format_loss;
use crate::app::widgets::lab_image;
use crate::app::widgets::log_axis;
use crate::app::widgets::numbers;
use crate::app::widgets::palette;
use optlab_core::entries::sweep::{StabilityBorder, SweepReport};
use optlab_core::grid::{Metric, SweepAxis};

/// A click on a cell: its column and row.
pub type Clicked = Option<(usize, usize)>;

/// Draws the map; a click on a cell asks for its run and ⏹ Stop for the end of the sweep,
/// through `actions`.
pub fn show(ui: &mut Ui, r: &SweepReport, labs: &LabResults, actions: &mut Vec<EntryAction>) {
    let (done, total) = r.progress();
    let progress = labs.progress(done, total);
    let (clicked, stop) = draw(ui, r, (labs.generation, labs.prepared()), progress);
    if let Some((i, j)) = clicked {
        actions.extend(cell_run(r, i, j));
    }
    if stop {
        actions.push(EntryAction::StopLab);
    }
}

/// The run of cell (i, j), named after its coordinates: a race run, or a training run when
/// the sweep trains networks.
fn cell_run(r: &SweepReport, i: usize, j: usize) -> Option<EntryAction> {
    let (x, y) = (r.x_values[i], r.y_values[j]);
    let name = format!(
        "{} {}, {} {}",
        r.lab.x.field.label(),
        axis_number(r.lab.x.field, x),
        r.lab.y.field.label(),
        axis_number(r.lab.y.field, y)
    );
    if let Some(task) = &r.lab.training {
        let config = optlab_core::entries::sweep::training::cell_config(&r.lab, task, x, y).ok()?;
        Some(EntryAction::AddRunToTraining { config, name })
    } else {
        let config = r.lab.cell_config(x, y).ok()?;
        Some(EntryAction::AddRunToRace { config, name })
    }
}

/// Draws the map; returns the cell clicked, if any, and whether ⏹ Stop was clicked.
fn draw(
    ui: &mut Ui,
    r: &SweepReport,
    (generation, prepared): (u64, Option<Arc<ColorImage>>),
    progress: Progress,
) -> (Clicked, bool) {
    if let Some(error) = &r.error {
        ui.colored_label(ui.visuals().error_fg_color, error);
        return (None, false);
    }
    let (done, total) = r.progress();
    let stop = crate::app::widgets::lab_widgets::grid_toolbar(ui, (done, total), "runs", progress);
    let scale = grid_images::sweep_scale(r);
    let height = ui.available_height() - 30.0;
    let mut clicked = None;
    ui.horizontal_top(|ui| {
        let width = (ui.available_width() - COLOUR_BAR_WIDTH - 4.0).max(200.0);
        clicked = map(ui, r, (generation, prepared), [width, height.max(200.0)]);
        colour_bar(ui, r, &scale, height.max(200.0));
    });
    best_line(ui, r);
    border_caption(ui, r);
    (clicked, stop)
}

/// Plot coordinate of an axis value (log10 on a log axis).
fn coordinate(axis: &SweepAxis, value: f64) -> f64 {
    if axis.log { value.log10() } else { value }
}

/// The cell index under plot coordinate `c` along `axis` with `values`.
fn index_at(axis: &SweepAxis, values: &[f64], c: f64) -> Option<usize> {
    let (first, last) = (coordinate(axis, *values.first()?), coordinate(axis, *values.last()?));
    let n = values.len();
    let t = (c - first) / (last - first) * (n - 1) as f64;
    let i = t.round();
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked range")]
    (i >= 0.0 && i < n as f64).then_some(i as usize)
}

fn map(
    ui: &mut Ui,
    r: &SweepReport,
    streamed: (u64, Option<Arc<ColorImage>>),
    size: [f32; 2],
) -> Clicked {
    let texture = texture(ui, r, streamed);
    let (x_axis, y_axis) = (r.lab.x.clone(), r.lab.y.clone());
    let mut plot = Plot::new("sweep-map")
        .width(size[0])
        .height(size[1])
        .allow_drag(false)
        .allow_scroll(false)
        .show_grid(false)
        .x_axis_label(x_axis.field.label())
        .y_axis_label(y_axis.field.label());
    if x_axis.log {
        plot = plot
            .x_grid_spacer(|i| log_axis::marks(&i))
            .x_axis_formatter(|m, _| log_axis::label(m.value));
    }
    if y_axis.log {
        plot = plot
            .y_grid_spacer(|i| log_axis::marks(&i))
            .y_axis_formatter(|m, _| log_axis::label(m.value));
    }
    let response = plot.show(ui, |plot_ui| {
        place(plot_ui, r, &texture);
        if let Some(border) = &r.border {
            draw_border(plot_ui, r, border);
        }
        let pointer = plot_ui.pointer_coordinate();
        let clicked = plot_ui.response().clicked_by(PointerButton::Primary);
        pointer.map(|p| (p, clicked))
    });
    let (pointer, clicked) = response.inner.unzip();
    let cell_at = |p: PlotPoint| {
        Some((index_at(&r.lab.x, &r.x_values, p.x)?, index_at(&r.lab.y, &r.y_values, p.y)?))
    };
    let hovered = pointer.and_then(cell_at);
    if let Some((i, j)) = hovered {
        response.response.on_hover_text_at_pointer(cell_text(r, i, j));
    }
    if clicked == Some(true) { hovered } else { None }
}

/// Colour of the theoretical stability border: white reads on viridis and on the dark red of
/// diverged cells.
const BORDER_COLOUR: Color32 = Color32::WHITE;

/// The theoretical stability border as a dashed white line, the part inside the map only (so
/// the plot's bounds stay the map's).
fn draw_border(plot_ui: &mut egui_plot::PlotUi<'_>, r: &SweepReport, border: &StabilityBorder) {
    let inside = |values: &[f64], v: f64| {
        let (a, b) = (values[0], values[values.len() - 1]);
        v >= a.min(b) && v <= a.max(b)
    };
    let points: Vec<[f64; 2]> = border
        .points
        .iter()
        .filter(|[x, y]| inside(&r.x_values, *x) && inside(&r.y_values, *y))
        .map(|&[x, y]| [coordinate(&r.lab.x, x), coordinate(&r.lab.y, y)])
        .collect();
    let name = format!("stability limit lr = {}", border.formula);
    let line = Line::new(name, PlotPoints::from(points))
        .color(BORDER_COLOUR)
        .width(2.0)
        .style(LineStyle::dashed_loose())
        .allow_hover(false);
    plot_ui.line(line);
}

/// The sentence under the map that names the dashed line.
fn border_caption(ui: &mut Ui, r: &SweepReport) {
    if let Some(border) = &r.border {
        ui.label(format!(
            "Dashed white line: the stability limit lr = {} from the Hessian (λmax of this \
             quadratic); beyond it every run diverges.",
            border.formula
        ));
    }
}

/// A value of an axis: a whole number for a count field (L-BFGS's `max_iter`, …).
fn axis_number(field: optlab_core::grid::SweepField, value: f64) -> String {
    if field.is_count() { format!("{value:.0}") } else { numbers::compact(value) }
}

/// "η = 0.0012, μ = 0.91\nfinal loss 3.2e-5 …" for cell (i, j).
fn cell_text(r: &SweepReport, i: usize, j: usize) -> String {
    let head = format!(
        "{} = {}\n{} = {}",
        r.lab.x.field.label(),
        axis_number(r.lab.x.field, r.x_values[i]),
        r.lab.y.field.label(),
        axis_number(r.lab.y.field, r.y_values[j])
    );
    let Some(cell) = r.cell(i, j) else { return format!("{head}\n(not computed yet)") };
    let (loss, step, target) = if r.lab.training.is_some() {
        ("validation loss", "epoch", "a training entry")
    } else {
        ("loss", "step", "a race")
    };
    let mut lines = vec![head];
    lines.push(match cell.diverged_at {
        Some(at) => format!("diverged at {step} {at}"),
        None => format!("final {loss} {}", format_loss(cell.final_loss)),
    });
    lines.push(format!("best {loss} {}", format_loss(cell.best_loss)));
    if let Some(accuracy) = cell.accuracy {
        lines.push(format!("accuracy {:.1} %", 100.0 * accuracy));
    }
    if let Some(at) = cell.reached_at {
        lines.push(format!("within tolerance at {step} {at}"));
    }
    lines.push(format!("click: add this run to {target}"));
    lines.join("\n")
}

fn place(plot_ui: &mut egui_plot::PlotUi<'_>, r: &SweepReport, texture: &TextureHandle) {
    let span = |axis: &SweepAxis, values: &[f64]| {
        let (a, b) = (coordinate(axis, values[0]), coordinate(axis, values[values.len() - 1]));
        let half = (b - a) / (values.len() - 1).max(1) as f64 / 2.0;
        (a - half, b + half)
    };
    let ((x0, x1), (y0, y1)) = (span(&r.lab.x, &r.x_values), span(&r.lab.y, &r.y_values));
    let centre = PlotPoint::new(0.5 * (x0 + x1), 0.5 * (y0 + y1));
    #[expect(clippy::cast_possible_truncation, reason = "plot units; f32 is plenty for drawing")]
    let size = [(x1 - x0) as f32, (y1 - y0) as f32];
    plot_ui.image(PlotImage::new("", texture.id(), centre, size).allow_hover(false));
}

/// The cells as a texture, rebuilt when a newer report arrives (from the image its computing
/// thread prepared, if any), updated in place.
fn texture(
    ui: &Ui,
    r: &SweepReport,
    (generation, prepared): (u64, Option<Arc<ColorImage>>),
) -> TextureHandle {
    let key = ui.scope_id().with("sweep-texture");
    lab_image::streamed_texture(ui, key, generation, TextureOptions::NEAREST, || {
        prepared.unwrap_or_else(|| Arc::new(grid_images::sweep_image(r)))
    })
}

/// Width of the colour bar with its labels (room for "final validation loss" in small text).
const COLOUR_BAR_WIDTH: f32 = 112.0;

/// The metric as this map measures it (validation losses and epochs for a training task).
fn metric_name(r: &SweepReport) -> &'static str {
    if r.lab.training.is_some() { r.lab.metric.training_label() } else { r.lab.metric.label() }
}

/// A vertical gradient with the metric's values at five heights.
#[expect(clippy::cast_possible_truncation, reason = "screen coordinates are f32")]
fn colour_bar(ui: &mut Ui, r: &SweepReport, scale: &SweepScale, height: f32) {
    let (rect, _) =
        ui.allocate_exact_size(egui::vec2(COLOUR_BAR_WIDTH, height), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let small = egui::TextStyle::Small.resolve(ui.style());
    let text = ui.visuals().text_color();
    painter.text(
        rect.left_top() + egui::vec2(2.0, 2.0),
        egui::Align2::LEFT_TOP,
        metric_name(r),
        small.clone(),
        text,
    );
    let strip = egui::Rect::from_min_max(
        egui::pos2(rect.left() + 4.0, rect.top() + 30.0),
        egui::pos2(rect.left() + 16.0, rect.bottom() - 36.0),
    );
    if strip.height() < 20.0 {
        return;
    }
    let y_of = |t: f64| strip.bottom() - strip.height() * t as f32;
    let mut mesh = egui::Mesh::default();
    for k in 0..=32_u32 {
        let t = f64::from(k) / 32.0;
        mesh.colored_vertex(egui::pos2(strip.left(), y_of(t)), palette::surface_colour(t));
        mesh.colored_vertex(egui::pos2(strip.right(), y_of(t)), palette::surface_colour(t));
        if k > 0 {
            let v = 2 * k;
            mesh.add_triangle(v - 2, v - 1, v);
            mesh.add_triangle(v - 1, v, v + 1);
        }
    }
    painter.add(mesh);
    let range = r.metric_range.unwrap_or((0.0, 0.0));
    let min_gap = f64::from(14.0 / strip.height());
    for (t, label) in bar_ticks(scale, range, min_gap) {
        let y = y_of(t);
        painter.line_segment(
            [egui::pos2(strip.right(), y), egui::pos2(strip.right() + 3.0, y)],
            (1.0, text),
        );
        painter.text(
            egui::pos2(strip.right() + 5.0, y),
            egui::Align2::LEFT_CENTER,
            label,
            small.clone(),
            text,
        );
    }
    painter.text(
        rect.left_top() + egui::vec2(2.0, 14.0),
        egui::Align2::LEFT_TOP,
        scale_caption(scale),
        small.clone(),
        ui.visuals().weak_text_color(),
    );
    let swatch = |y: f32, colour: Color32, label: &str| {
        let r = egui::Rect::from_min_size(egui::pos2(strip.left(), y), egui::vec2(12.0, 10.0));
        painter.rect_filled(r, 0.0, colour);
        painter.text(
            egui::pos2(strip.right() + 4.0, y + 5.0),
            egui::Align2::LEFT_CENTER,
            label,
            small.clone(),
            text,
        );
    };
    swatch(rect.bottom() - 24.0, SWEEP_DIVERGED, "diverged");
    swatch(rect.bottom() - 12.0, SWEEP_NO_VALUE, "no value");
}

/// What the bar's colours span, in a few words under the metric's name.
fn scale_caption(scale: &SweepScale) -> &'static str {
    match scale {
        SweepScale::Decades(..) => "log, lowest–highest",
        SweepScale::Log(_) => "log of gap to lowest",
        SweepScale::Linear(..) => "lowest–highest",
    }
}

/// The colour bar's labelled ticks as (t in [0, 1], text): the lowest and the highest cell at
/// the ends, and between them, on a log scale, the decades (every 2nd, 5th … when there are
/// many) at their true heights; on the other scales three evenly spaced values. Ticks closer
/// than `min_gap` to an end are left out, so labels never overlap.
fn bar_ticks(scale: &SweepScale, (lo, hi): (f64, f64), min_gap: f64) -> Vec<(f64, String)> {
    let text = |v: f64| match scale {
        SweepScale::Linear(..) => numbers::compact(v),
        SweepScale::Decades(..) | SweepScale::Log(_) => format_loss(v),
    };
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return vec![(0.5, text(lo))];
    }
    let mut ticks = vec![(0.0, text(lo))];
    let inner: Vec<(f64, String)> = match *scale {
        SweepScale::Decades(a, b) => {
            let input = egui_plot::GridInput { bounds: (a, b), base_step_size: (b - a) / 100.0 };
            log_axis::marks(&input)
                .into_iter()
                .map(|mark| ((mark.value - a) / (b - a), log_axis::label(mark.value)))
                .filter(|(_, label)| !label.is_empty())
                .collect()
        }
        _ => [0.25, 0.5, 0.75].into_iter().map(|t| (t, text(scale.value(t)))).collect(),
    };
    let mut last = 0.0;
    for (t, label) in inner {
        if t - last >= min_gap && 1.0 - t >= min_gap {
            ticks.push((t, label));
            last = t;
        }
    }
    ticks.push((1.0, text(hi)));
    ticks
}

/// The best cell in words.
fn best_line(ui: &mut Ui, r: &SweepReport) {
    if let Some((i, j, value)) = r.best {
        let metric = r.lab.metric;
        let shown = match metric {
            Metric::FinalLoss | Metric::BestLoss => format_loss(value),
            Metric::StepsToTolerance | Metric::Diverged => format!("{value:.0}"),
            Metric::Accuracy => format!("{:.1} %", 100.0 * value),
        };
        let best = if metric.lower_is_better() { "Lowest" } else { "Highest" };
        let what = metric_name(r);
        ui.label(
            RichText::new(format!(
                "{best} {what}: {shown} at {} = {}, {} = {}",
                r.lab.x.field.label(),
                axis_number(r.lab.x.field, r.x_values[i]),
                r.lab.y.field.label(),
                axis_number(r.lab.y.field, r.y_values[j]),
            ))
            .strong(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use optlab_core::entries::sweep::SweepLab;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-300)
    }

    /// The presets' sweep of final losses from 9.6e-26 to 0.3.
    fn report(range: (f64, f64)) -> SweepReport {
        let mut report = SweepReport::empty(&SweepLab::default());
        report.metric_range = Some(range);
        report
    }

    #[test]
    fn the_colour_range_runs_from_the_lowest_to_the_highest_cell_in_decades() {
        let r = report((9.6e-26, 0.3));
        assert_eq!(r.lab.metric, Metric::FinalLoss);
        let scale = grid_images::sweep_scale(&r);
        assert!(close(scale.t(9.6e-26), 0.0), "t({})", 9.6e-26);
        assert!(close(scale.t(0.3), 1.0), "t({})", 0.3);
        assert!(close(scale.value(0.0), 9.6e-26), "{}", scale.value(0.0));
        assert!(close(scale.value(1.0), 0.3), "{}", scale.value(1.0));
        // Halfway up the bar is halfway in decades: the geometric mean.
        assert!(close(scale.value(0.5), (9.6e-26f64 * 0.3).sqrt()));
    }

    #[test]
    fn a_range_that_reaches_zero_or_below_keeps_the_gap_scale() {
        let scale = grid_images::sweep_scale(&report((-0.5, 3.0)));
        assert!(matches!(scale, SweepScale::Log(_)));
        assert!(close(scale.t(-0.5), 0.0), "t({})", -0.5);
        assert!(close(scale.t(3.0), 1.0), "t({})", 3.0);
    }

    #[test]
    fn decade_ticks_sit_at_their_true_heights_between_the_labelled_ends() {
        let (lo, hi): (f64, f64) = (1e-20, 1.0);
        let scale = SweepScale::Decades(lo.log10(), hi.log10());
        let ticks = bar_ticks(&scale, (lo, hi), 0.02);
        let at = |label: &str| ticks.iter().find(|(_, l)| l == label).map(|(t, _)| *t);
        assert_eq!(ticks.first().map(|(t, _)| *t), Some(0.0));
        assert_eq!(ticks.last().map(|(t, _)| *t), Some(1.0));
        // Twenty decades: every second one is labelled, at (exponent + 20) / 20 of the bar.
        for (label, exponent) in [("1e-16", -16.0), ("1e-10", -10.0), ("0.01", -2.0)] {
            let t = at(label).unwrap_or_else(|| panic!("no tick {label}: {ticks:?}"));
            assert!(close(t, (exponent + 20.0) / 20.0), "{label} at {t}");
        }
        assert!(at("1e-15").is_none(), "odd decades are left out: {ticks:?}");
        assert!(ticks.windows(2).all(|w| w[1].0 - w[0].0 >= 0.02), "{ticks:?}");
    }

    #[test]
    fn ticks_too_close_to_an_end_are_left_out() {
        let scale = SweepScale::Decades(-3.05, 0.0);
        let ticks = bar_ticks(&scale, (10f64.powf(-3.05), 1.0), 0.1);
        let labels: Vec<&str> = ticks.iter().map(|(_, l)| l.as_str()).collect();
        assert!(!labels.contains(&"0.001"), "0.001 is 0.016 from the bottom: {labels:?}");
        assert_eq!(
            ticks.iter().filter(|(t, _)| *t > 0.9).count(),
            1,
            "only the top end: {labels:?}"
        );
    }
}
