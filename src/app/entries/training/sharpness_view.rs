//! The training entry's Sharpness tab: λmax of the training objective's Hessian against epoch
//! for every run (solid, in the run's colour), each run's edge of stability (2/lr, or its
//! momentum form, at the epoch's learning rate) dashed in the same colour, and the training
//! loss (log axis) below at the same epochs. The legend is a row above the plots. Without
//! tracking, the tab says how to turn it on and offers a button that does.

use egui::{Id, Ui};
use egui_plot::{HoverPosition, Line, LineStyle, Plot, PlotPoints};

use crate::app::entries::action::EntryAction;
use crate::app::widgets::legend_row::{self, Swatch};
use crate::app::widgets::{lab_widgets, log_axis, palette};
use optlab_core::entries::training::{SharpnessPoint, TrainingReport};

/// Where the "turn tracking on" click waits until the view's caller collects it.
fn request_id() -> Id {
    Id::unique("training-sharpness-turn-on")
}

/// Draws the tab.
pub fn show(ui: &mut Ui, r: &TrainingReport) {
    let tracked = r.runs.iter().any(|run| !run.sharpness.is_empty());
    if !tracked {
        turn_on_hint(ui);
        return;
    }
    legend(ui, r);
    edge_notes(ui, r);
    let height = ((ui.available_height() - 40.0) * 0.5).max(120.0);
    sharpness_plot(ui, r, height);
    loss_plot(ui, r, height);
}

/// Adds the "turn tracking on" request of this frame's click, if any, to `actions`.
pub fn take_request(ui: &Ui, actions: &mut Vec<EntryAction>) {
    let clicked = ui.data_mut(|d| d.remove_temp::<bool>(request_id())).unwrap_or(false);
    if clicked {
        actions.push(EntryAction::TrackSharpness);
    }
}

fn turn_on_hint(ui: &mut Ui) {
    ui.label(
        "Sharpness is not tracked for this entry. Turn it on under \"Sharpness\" in the \
         controls, or here: every 10 epochs (and at the start) each run's λmax — the largest \
         eigenvalue of the training loss's Hessian over the whole training set — is computed by \
         20 power iterations of exact Hessian-vector products, and plotted against epoch with \
         the optimizer's edge of stability 2/lr.",
    );
    let button = ui.button("Track sharpness").on_hover_text(
        "Turn on sharpness tracking (every 10 epochs, 20 power iterations); the runs train again",
    );
    if button.clicked() {
        ui.data_mut(|d| d.insert_temp(request_id(), true));
    }
}

fn legend(ui: &mut Ui, r: &TrainingReport) {
    let key = ui.visuals().text_color();
    let mut entries = vec![
        ("λmax (solid)".to_owned(), Swatch::Line(key)),
        ("edge of stability 2/lr (dashed)".to_owned(), Swatch::Dashed(key)),
    ];
    entries.extend(
        r.runs
            .iter()
            .enumerate()
            .map(|(index, run)| (run.name.clone(), Swatch::Line(palette::run_colour(None, index)))),
    );
    legend_row::show(ui, &entries);
}

/// Which runs have no edge line, and why.
fn edge_notes(ui: &mut Ui, r: &TrainingReport) {
    let without: Vec<&str> = r
        .runs
        .iter()
        .filter(|run| {
            !run.sharpness.is_empty() && run.sharpness.iter().all(|p| !p.edge.is_finite())
        })
        .map(|run| run.name.as_str())
        .collect();
    if !without.is_empty() {
        ui.weak(format!(
            "No edge line for {}: adaptive and line-search optimizers (Adam, RMSprop, L-BFGS, …) \
             have no 2/lr stability limit; the edge is drawn for SGD, momentum and Nesterov.",
            without.join(", ")
        ));
    }
}

fn hover_formatter(name: &str, x: f64, y: f64, log: bool) -> String {
    let value = if log { 10f64.powf(y) } else { y };
    format!("{name}\nepoch {x:.0}\n{value:.4}")
}

/// The Sharpness tab's shared epoch axis: both plots span the epochs trained so far, one under
/// the other with their plot areas aligned, so a loss spike sits under the λmax that caused it.
fn epoch_axis<'a>(plot: Plot<'a>, r: &TrainingReport) -> Plot<'a> {
    let link = Id::unique("training-sharpness-epochs");
    let last_epoch = r.runs.iter().filter_map(|run| run.epochs.last()).map(|e| e.epoch).max();
    lab_widgets::count_x_axis(plot, lab_widgets::EPOCH_LABELS)
        .include_x(0.0)
        .include_x(last_epoch.unwrap_or(0) as f64)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .y_axis_min_width(Y_AXIS_WIDTH)
}

/// Room for the y tick labels of both plots, so their plot areas start at the same x.
const Y_AXIS_WIDTH: f32 = 56.0;

fn sharpness_plot(ui: &mut Ui, r: &TrainingReport, height: f32) {
    let plot = epoch_axis(Plot::new("training-sharpness"), r)
        .height(height)
        .x_axis_label("epoch")
        .y_axis_label("λmax of the Hessian")
        .include_y(0.0)
        .label_formatter(|hover| match hover {
            HoverPosition::NearDataPoint { plot_name, position, .. } => {
                Some(hover_formatter(plot_name, position.x, position.y, false))
            }
            HoverPosition::Elsewhere { .. } => None,
        });
    plot.show(ui, |plot| {
        for (index, run) in r.runs.iter().enumerate() {
            let colour = palette::run_colour(None, index);
            let points = &run.sharpness;
            let lambda: PlotPoints<'_> =
                points.iter().map(|p| [p.epoch as f64, p.sharpness]).collect();
            plot.line(Line::new(format!("{} λmax", run.name), lambda).color(colour).width(2.0));
            let edge = edge_steps(points);
            if !edge.is_empty() {
                let edge: PlotPoints<'_> = edge.into_iter().collect();
                plot.line(
                    Line::new(format!("{} edge", run.name), edge)
                        .color(colour)
                        .width(1.5)
                        .style(LineStyle::dashed_loose()),
                );
            }
        }
    });
}

/// The edge as a stepped line: each value held until the next point's epoch (a horizontal line
/// for a constant lr). Points without an edge are left out.
fn edge_steps(points: &[SharpnessPoint]) -> Vec<[f64; 2]> {
    let finite: Vec<&SharpnessPoint> = points.iter().filter(|p| p.edge.is_finite()).collect();
    let mut steps = Vec::with_capacity(2 * finite.len());
    for (i, p) in finite.iter().enumerate() {
        steps.push([p.epoch as f64, p.edge]);
        if let Some(next) = finite.get(i + 1) {
            steps.push([next.epoch as f64, p.edge]);
        }
    }
    steps
}

fn loss_plot(ui: &mut Ui, r: &TrainingReport, height: f32) {
    let plot = epoch_axis(Plot::new("training-sharpness-loss"), r)
        .height(height)
        .x_axis_label("epoch")
        .y_axis_label("training loss (log)")
        .y_grid_spacer(|input| log_axis::marks(&input))
        .y_axis_formatter(|mark, _| log_axis::label_within(mark.value, mark.step_size))
        .label_formatter(|hover| match hover {
            HoverPosition::NearDataPoint { plot_name, position, .. } => {
                Some(hover_formatter(plot_name, position.x, position.y, true))
            }
            HoverPosition::Elsewhere { .. } => None,
        });
    plot.show(ui, |plot| {
        for (index, run) in r.runs.iter().enumerate() {
            let colour = palette::run_colour(None, index);
            let loss: PlotPoints<'_> = run
                .epochs
                .iter()
                .map(|e| [e.epoch as f64, e.train_loss.max(1e-16).log10()])
                .collect();
            plot.line(Line::new(format!("{} loss", run.name), loss).color(colour).width(1.5));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edge_steps_at_each_new_value_and_skips_missing_ones() {
        let point = |epoch, edge| SharpnessPoint { epoch, sharpness: 1.0, edge, train_loss: 1.0 };
        let points = [point(0, 10.0), point(10, f64::NAN), point(20, 5.0)];
        assert_eq!(edge_steps(&points), vec![[0.0, 10.0], [20.0, 10.0], [20.0, 5.0]]);
    }
}
