//! Optimizer internals of one run: the state its rule keeps (a velocity, Adagrad's G,
//! RMSprop's v) and the effective per-coordinate step size over time — "divide by the large
//! gradient, take a small step". Both plots start after the first update (see
//! [`after_first_update`]) and draw the x and y coordinates in two distinct colours, with the
//! legend above the plot so it never covers a curve.

use egui_plot::{HoverPosition, Line, Plot, PlotPoints, VLine};

use crate::app::entries::race::internals_series::{
    Family, Series, after_first_update, linear_marks, nesterov_note, plotted, y_range,
};
use crate::app::entries::race::lookahead::lookahead_momentum;
use crate::app::entries::race::results::RunResult;
use crate::app::entries::race::results::thin;
use crate::app::widgets::legend_row::{self, Swatch};
use crate::app::widgets::{log_axis, palette};
use optlab_core::entries::race::Race;
use optlab_core::runner::races::InternalsSample;

/// Most points drawn per curve.
const MAX_DRAWN: usize = 2000;

/// The names of the two series of a plot, in the colours of [`palette::COORDINATE_COLOURS`].
const COORDINATES: [&str; 2] = ["x coordinate", "y coordinate"];

/// Draws the run picker, what its rule keeps and both plots in `height` points.
pub fn show(
    ui: &mut egui::Ui,
    race: &Race,
    (step, height): (u64, f32),
    focused_run: &mut usize,
    runs: &[RunResult],
) {
    if race.runs.is_empty() {
        ui.label("No runs in this race.");
        return;
    }
    let bottom = ui.cursor().top() + height;
    *focused_run = (*focused_run).min(race.runs.len() - 1);
    egui::ComboBox::from_label("run")
        .selected_text(&race.runs[*focused_run].name)
        .show_ui(ui, |ui| {
            for (i, run) in race.runs.iter().enumerate() {
                ui.selectable_value(focused_run, i, &run.name);
            }
        })
        .response
        .on_hover_text("Whose internals to show");
    let optimizer = &race.runs[*focused_run].optimizer;
    let family = Family::of(optimizer);
    // The look-ahead form's velocity is in parameter units (x ← x + v), not the buffer b of
    // the family's note: its own note replaces that one.
    if lookahead_momentum(optimizer).is_none() {
        ui.add(egui::Label::new(family.note()).wrap());
    }
    if let Some(note) = nesterov_note(optimizer) {
        ui.add(egui::Label::new(note).wrap());
    }
    let Some(result) = runs.get(*focused_run) else { return };
    let shown: Vec<InternalsSample> =
        thin(after_first_update(result.internals_until(step)), MAX_DRAWN).copied().collect();
    let link = egui::Id::unique("optlab-internals-x");
    let effective = family.effective_step();
    let state = match lookahead_momentum(optimizer) {
        Some(momentum) => Some(Series::lookahead_offset(momentum)),
        None => family.state(),
    };
    if let Some(state) = state {
        series_plot(ui, (&shown, &state), (step, bottom, false), link, "internals-state-plot");
    }
    series_plot(ui, (&shown, &effective), (step, bottom, true), link, "internals-step-plot");
}

/// The legend row above a plot: its title and a coloured swatch per coordinate, wrapped when
/// the column is narrow. Returns its height.
fn legend_row(ui: &mut egui::Ui, title: &str) -> f32 {
    ui.horizontal_wrapped(|ui| {
        ui.strong(title);
        for (name, colour) in COORDINATES.iter().zip(palette::COORDINATE_COLOURS) {
            legend_row::entry(ui, name, Swatch::Line(colour));
        }
    })
    .response
    .rect
    .height()
}

/// One plot of `series` against step, on a log axis when it spans decades, with the playback
/// step as a vertical line. The plot ends at `bottom` when it is the `last`; otherwise it takes
/// half of the room left, keeping a legend row for the next one.
fn series_plot(
    ui: &mut egui::Ui,
    (shown, series): (&[InternalsSample], &Series),
    (step, bottom, last): (u64, f32, bool),
    link: egui::Id,
    id: &str,
) {
    let legend = legend_row(ui, series.title);
    let room = bottom - ui.cursor().top() - ui.spacing().item_spacing.y;
    let height = if last { room } else { (room - legend - ui.spacing().item_spacing.y) * 0.5 };
    let log = series.log;
    let mut plot = Plot::new(id)
        .height(height.max(60.0))
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .x_axis_label("step")
        .x_axis_formatter(|mark, _| step_label(mark.value))
        .label_formatter(move |hover| hover_text(hover, log));
    if let Some((low, high)) = y_range(shown, series) {
        plot = plot.include_y(low).include_y(high);
    }
    if log {
        plot = plot
            .y_grid_spacer(|input| log_axis::marks(&input))
            .y_axis_formatter(|m, _| log_axis::label_within(m.value, m.step_size));
    } else {
        plot = plot
            .y_grid_spacer(|input| linear_marks(&input))
            .y_axis_formatter(|m, _| log_axis::linear_label(m.value, m.step_size));
    }
    plot.show(ui, |plot| {
        for (axis, (name, colour)) in
            COORDINATES.iter().zip(palette::COORDINATE_COLOURS).enumerate()
        {
            let points: PlotPoints = shown
                .iter()
                .filter_map(|s| Some([s.step as f64, plotted(series.values(s)[axis], log)?]))
                .collect();
            // x under y and wider, so both show where they coincide (plain SGD's η).
            let width = if axis == 0 { 4.0 } else { 2.0 };
            plot.line(Line::new(*name, points).color(colour).width(width));
        }
        plot.vline(VLine::new("", step as f64).color(egui::Color32::from_gray(140)).width(1.0));
    });
}

/// A step axis label: whole steps only (zoomed in on one step, the marks between steps would
/// all print as the same number).
fn step_label(value: f64) -> String {
    let whole = value.round() + 0.0; // + 0.0 turns −0 into 0
    if (value - whole).abs() < 1e-9 { format!("{whole:.0}") } else { String::new() }
}

/// The hover readout: the series, the step and the value (undoing the log).
fn hover_text(hover: &HoverPosition<'_>, log: bool) -> Option<String> {
    match hover {
        HoverPosition::NearDataPoint { plot_name, position, .. } => {
            let value = if log { 10f64.powf(position.y) } else { position.y };
            Some(format!("{plot_name}\nstep {:.0}\n{value:.4e}", position.x))
        }
        HoverPosition::Elsewhere { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::step_label;
    use crate::app::widgets::log_axis::linear_label;

    #[test]
    fn step_labels_are_whole_steps() {
        assert_eq!(step_label(3.0), "3");
        assert_eq!(step_label(0.5), "");
        assert_eq!(step_label(-0.0), "0");
    }

    #[test]
    fn linear_labels_keep_small_values_readable() {
        assert_eq!(linear_label(0.0, 0.5), "0");
        assert_eq!(linear_label(1.5, 0.5), "1.5");
        assert_eq!(linear_label(-20.0, 10.0), "-20");
        assert_eq!(linear_label(2e-4, 1e-4), "2.0e-4");
        assert_eq!(linear_label(0.004, 0.002), "0.004");
    }
}
