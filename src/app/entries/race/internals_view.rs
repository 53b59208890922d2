//! Optimizer internals of one run: its velocity (momentum buffer, Adam's m) and the effective
//! per-coordinate step size over time — "divide by the large gradient, take a small step".

use egui_plot::{Legend, Line, Plot, PlotPoints, VLine};

use crate::app::entries::race::results::RunResult;
use crate::app::entries::race::results::thin;
use crate::app::widgets::palette;
use optlab_core::entries::race::Race;
use optlab_core::optim::OptimizerConfig;
use optlab_core::runner::races::InternalsSample;

/// Most points drawn per curve.
const MAX_DRAWN: usize = 2000;

/// Draws the run picker and both plots in `height` points.
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
    *focused_run = (*focused_run).min(race.runs.len() - 1);
    let index = *focused_run;
    egui::ComboBox::from_label("run")
        .selected_text(&race.runs[index].name)
        .show_ui(ui, |ui| {
            for (i, run) in race.runs.iter().enumerate() {
                ui.selectable_value(focused_run, i, &run.name);
            }
        })
        .response
        .on_hover_text("Whose internals to show");
    let Some(result) = runs.get(*focused_run) else { return };
    let colour = palette::run_colour(race.runs[index].color, index);
    let shown: Vec<InternalsSample> =
        thin(result.internals_until(step), MAX_DRAWN).copied().collect();
    let link = egui::Id::unique("optlab-internals-x");
    let second = colour.gamma_multiply(0.55);
    let plot_height = height * 0.5 - 16.0;
    if shown.iter().any(|s| s.velocity[0].is_finite()) {
        velocity_plot(ui, &shown, [colour, second], step, plot_height, link);
    } else {
        ui.allocate_ui(egui::vec2(ui.available_width(), plot_height), |ui| {
            ui.centered_and_justified(|ui| {
                ui.label("Plain SGD keeps no velocity: every step is −η∇L at the current point.");
            });
        });
    }
    effective_step_plot(ui, &shown, [colour, second], step, plot_height, link);
    let adaptive = matches!(
        race.runs[index].optimizer,
        OptimizerConfig::Adagrad { .. }
            | OptimizerConfig::RmsProp { .. }
            | OptimizerConfig::Adam { .. }
            | OptimizerConfig::AdamW { .. }
    );
    if !adaptive {
        ui.weak("This optimizer's step size is the learning rate for every coordinate.");
    }
}

fn velocity_plot(
    ui: &mut egui::Ui,
    shown: &[InternalsSample],
    colours: [egui::Color32; 2],
    step: u64,
    height: f32,
    link: egui::Id,
) {
    Plot::new("velocity-plot")
        .height(height)
        .legend(Legend::default())
        .link_axis(link, [true, false])
        .y_axis_label("velocity / 1st moment")
        .show(ui, |plot| {
            for (axis, c) in [(0, colours[0]), (1, colours[1])] {
                let points: PlotPoints = shown
                    .iter()
                    .filter(|s| s.velocity[axis].is_finite())
                    .map(|s| [s.step as f64, s.velocity[axis]])
                    .collect();
                plot.line(Line::new(format!("v{}", ["x", "y"][axis]), points).color(c).width(2.0));
            }
            plot.vline(VLine::new("", step as f64).width(1.0));
        });
}

/// The effective per-coordinate step size on a log axis.
fn effective_step_plot(
    ui: &mut egui::Ui,
    shown: &[InternalsSample],
    colours: [egui::Color32; 2],
    step: u64,
    plot_height: f32,
    link: egui::Id,
) {
    let (low, high) = shown
        .iter()
        .flat_map(|s| s.effective_step)
        .filter(|v| *v > 0.0)
        .map(f64::log10)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    Plot::new("effective-step-plot")
        .height(plot_height)
        .legend(Legend::default())
        .link_axis(link, [true, false])
        .x_axis_label("step")
        .y_axis_label("effective step size (log)")
        .include_y(if low.is_finite() { low - 0.5 } else { -3.0 })
        .include_y(if high.is_finite() { high + 0.5 } else { 0.0 })
        .y_grid_spacer(egui_plot::log_grid_spacer(10))
        .y_axis_formatter(|mark, _| super::curves_view::decade_label(mark.value))
        .show(ui, |plot| {
            for (axis, c) in [(0, colours[0]), (1, colours[1])] {
                let points: PlotPoints = shown
                    .iter()
                    .filter(|s| s.effective_step[axis] > 0.0)
                    .map(|s| [s.step as f64, s.effective_step[axis].log10()])
                    .collect();
                plot.line(
                    Line::new(format!("η_eff {}", ["x", "y"][axis]), points).color(c).width(2.0),
                );
            }
            plot.vline(VLine::new("", step as f64).width(1.0));
        });
}
