//! Optimizer internals of one run: its velocity (momentum buffer, Adam's m) and the effective
//! per-coordinate step size over time — "divide by the large gradient, take a small step".

use egui_plot::{Legend, Line, Plot, PlotPoints, VLine};

use super::{OptlabApp, palette};
use crate::notebook::Race;
use crate::optim::OptimizerConfig;

/// Draws the run picker and both plots in `height` points.
pub fn show(app: &mut OptlabApp, ui: &mut egui::Ui, race: &Race, step: u64, height: f32) {
    if race.runs.is_empty() {
        ui.label("No runs in this race.");
        return;
    }
    app.focused_run = app.focused_run.min(race.runs.len() - 1);
    let index = app.focused_run;
    egui::ComboBox::from_label("run")
        .selected_text(&race.runs[index].name)
        .show_ui(ui, |ui| {
            for (i, run) in race.runs.iter().enumerate() {
                ui.selectable_value(&mut app.focused_run, i, &run.name);
            }
        })
        .response
        .on_hover_text("Whose internals to show");
    let Some(result) = app.results.runs.get(app.focused_run) else { return };
    let colour = palette::run_colour(race.runs[index].color, index);
    let shown: Vec<_> = result.internals.iter().filter(|s| s.step <= step).copied().collect();
    let link = egui::Id::new("optlab-internals-x");
    let second = colour.gamma_multiply(0.55);
    Plot::new("velocity-plot")
        .height(height * 0.5 - 16.0)
        .legend(Legend::default())
        .link_axis(link, [true, false])
        .y_axis_label("velocity / 1st moment")
        .show(ui, |plot| {
            for (axis, c) in [(0, colour), (1, second)] {
                let points: PlotPoints = shown
                    .iter()
                    .filter(|s| s.velocity[axis].is_finite())
                    .map(|s| [s.step as f64, s.velocity[axis]])
                    .collect();
                plot.line(Line::new(format!("v{}", ["x", "y"][axis]), points).color(c).width(2.0));
            }
            plot.vline(VLine::new("", step as f64).width(1.0));
        });
    Plot::new("effective-step-plot")
        .height(height * 0.5 - 16.0)
        .legend(Legend::default())
        .link_axis(link, [true, false])
        .x_axis_label("step")
        .y_axis_label("effective step size (log)")
        .y_grid_spacer(egui_plot::log_grid_spacer(10))
        .show(ui, |plot| {
            for (axis, c) in [(0, colour), (1, second)] {
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
