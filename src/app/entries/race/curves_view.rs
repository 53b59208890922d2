//! Loss against step on a log axis and the learning rate against step, linked to the
//! playback step (a vertical line) and to each other (shared x axis and cursor).

use egui_plot::{HoverPosition, Legend, Line, Plot, PlotPoint, VLine};

use crate::app::entries::race::results::{RunResult, global_minimum};
use crate::app::widgets::draw_cache::{DrawCache, RecordsKey, column_envelope};
use crate::app::widgets::palette;
use optlab_core::entries::race::Race;

/// Smallest loss gap drawn; below it the log axis would run to −∞.
const LOG_FLOOR: f64 = 1e-16;

/// Screen points per column of a curve's envelope (two points per column at most).
const POINTS_PER_COLUMN: f32 = 2.0;

/// The drawn loss and lr curves of every run, rebuilt only when a run's shown records or the
/// plot width change.
#[derive(Debug, Default)]
pub struct CurveCache {
    loss: DrawCache<(RecordsKey, usize, u64), Vec<PlotPoint>>,
    lr: DrawCache<(RecordsKey, usize), Vec<PlotPoint>>,
}

impl CurveCache {
    /// Brings every run's curves up to `step` for a plot `columns` wide.
    fn update(&mut self, results: &[RunResult], step: u64, columns: usize, floor: f64) {
        for (index, result) in results.iter().enumerate() {
            let shown = result.records_until(step);
            let key = RecordsKey::new(result, shown.len());
            self.loss.ensure(index, (key, columns, floor.to_bits()), || {
                // log10(max(loss − f*, floor)) is monotone in the loss, so the envelope of the
                // raw losses picks the same points; only the picked ones pay for a logarithm.
                let mut points = column_envelope(shown, columns, |r| r.loss);
                for p in &mut points {
                    p.y = (p.y - floor).max(LOG_FLOOR).log10();
                }
                points
            });
            self.lr.ensure(index, (key, columns), || column_envelope(shown, columns, |r| r.lr));
        }
    }
}

/// Draws both plots in `height` points.
pub fn show(
    ui: &mut egui::Ui,
    race: &Race,
    (step, height): (u64, f32),
    cache: &mut CurveCache,
    runs: &[RunResult],
) {
    // A typed formula has no known minimum: measure against the lowest loss any run reached.
    let known = global_minimum(race);
    let floor = known.unwrap_or_else(|| lowest_loss(runs));
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a positive screen width of at most a few thousand points"
    )]
    let columns = (ui.available_width() / POINTS_PER_COLUMN).max(16.0) as usize;
    cache.update(runs, step, columns, floor);
    let (curves, results) = (&*cache, runs);
    let loss_label = if known.is_none() {
        format!("loss − lowest reached (log), {floor:.4}")
    } else if floor == 0.0 {
        "loss (log)".to_owned()
    } else {
        format!("loss − f* (log), f* = {floor:.4})")
    };
    let link = egui::Id::unique("optlab-curves-x");
    Plot::new("loss-plot")
        .height(height * 0.62)
        .legend(Legend::default().position(egui_plot::Corner::RightTop))
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .x_axis_formatter(|mark, _| format!("{:.0}", mark.value))
        .y_axis_label(loss_label)
        .y_grid_spacer(egui_plot::log_grid_spacer(10))
        .y_axis_formatter(|mark, _| decade_label(mark.value))
        .label_formatter(|hover| match hover {
            HoverPosition::NearDataPoint { plot_name, position, .. } => Some(format!(
                "{plot_name}\nstep {:.0}\nloss gap {:.4e}",
                position.x,
                10f64.powf(position.y)
            )),
            HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |plot| {
            for (index, (run, result)) in race.runs.iter().zip(results).enumerate() {
                let colour = palette::run_colour(run.color, index);
                let points = curves.loss.get(index).map_or(&[][..], Vec::as_slice);
                plot.line(Line::new(run.name.clone(), points).color(colour).width(2.0));
                if let Some(diverged) = result.diverged_at() {
                    plot.vline(
                        VLine::new(format!("{} diverged at {diverged}", run.name), diverged as f64)
                            .color(colour)
                            .style(egui_plot::LineStyle::dashed_dense()),
                    );
                }
            }
            plot.vline(VLine::new("", step as f64).color(ui_weak()).width(1.0));
        });
    Plot::new("lr-plot")
        .height(height * 0.38 - 8.0)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .x_axis_label("step")
        .x_axis_formatter(|mark, _| format!("{:.0}", mark.value))
        .y_axis_label("learning rate")
        // From 0, so runs with one constant lr (a flat line) still get a readable range.
        .include_y(0.0)
        .show(ui, |plot| {
            for (index, run) in race.runs.iter().enumerate().take(results.len()) {
                let colour = palette::run_colour(run.color, index);
                let points = curves.lr.get(index).map_or(&[][..], Vec::as_slice);
                plot.line(Line::new(run.name.clone(), points).color(colour).width(1.5));
            }
            plot.vline(VLine::new("", step as f64).color(ui_weak()).width(1.0));
        });
}

fn ui_weak() -> egui::Color32 {
    egui::Color32::from_gray(140)
}

/// The lowest finite loss of any record of any run (0 when there is none).
fn lowest_loss(runs: &[RunResult]) -> f64 {
    let lowest = runs
        .iter()
        .flat_map(|run| run.records.iter().map(|r| r.loss))
        .filter(|l| l.is_finite())
        .fold(f64::INFINITY, f64::min);
    if lowest.is_finite() { lowest } else { 0.0 }
}

/// Labels whole decades as 1e-3, 1e0, …; nothing between them.
pub fn decade_label(exponent: f64) -> String {
    if (exponent - exponent.round()).abs() < 1e-9 {
        format!("1e{}", exponent.round())
    } else {
        String::new()
    }
}
