//! Loss against step on a log axis and the learning rate against step, linked to the
//! playback step (a vertical line) and to each other (shared x axis and cursor), under one
//! legend row (above the plots, so it never covers a curve).

use egui_plot::{HoverPosition, Line, LineStyle, Plot, PlotPoint, VLine};

use crate::app::entries::race::evaluation_point;
use crate::app::entries::race::internals_series::linear_marks;
use crate::app::entries::race::results::{RunResult, global_minimum};
use crate::app::entries::race::schedule_preview;
use crate::app::widgets::draw_cache::{DrawCache, RecordsKey, column_envelope};
use crate::app::widgets::legend_row::{self, Swatch};
use crate::app::widgets::{lab_widgets, log_axis, numbers, palette};
use optlab_core::entries::race::Race;
use optlab_core::optim::OptimizerConfig;
use optlab_core::schedule::Schedule;

/// The legend's name of the momentum curves.
pub const MOMENTUM_NAME: &str = "momentum or β₁ cycled by the schedule (bottom plot)";
const MOMENTUM_HINT: &str = "Cyclic and OneCycle drive the optimizer's momentum (or β₁) \
                             inversely to the lr, as PyTorch does: high when the lr is low";

/// Width of every plot's y axis, so the linked plots' x axes line up.
const Y_AXIS_WIDTH: f32 = 60.0;
/// Labelled marks on the step axis (about this many).
const STEP_LABELS: f64 = 6.0;

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
    /// The loss at Schedule-Free's evaluation point x (empty for other rules).
    evaluation: DrawCache<(RecordsKey, usize, u64), Vec<PlotPoint>>,
    /// Each update's momentum (or β₁) when the run's schedule cycles it, else `None`.
    momenta: DrawCache<MomentumKey, Option<Vec<f64>>>,
    /// The drawn momentum curve (empty when the schedule does not cycle it).
    momentum: DrawCache<(RecordsKey, usize), Vec<PlotPoint>>,
}

/// What a run's momentum series is computed from: its schedule, optimizer and length.
#[derive(Clone, Debug, PartialEq)]
struct MomentumKey {
    schedule: Schedule,
    optimizer: OptimizerConfig,
    steps: u64,
}

impl CurveCache {
    /// Brings every run's curves up to `step` for a plot `columns` wide.
    fn update(
        &mut self,
        (race, results): (&Race, &[RunResult]),
        step: u64,
        columns: usize,
        floor: f64,
    ) {
        for (index, result) in results.iter().enumerate() {
            self.update_momentum(race, (index, result), step, columns);
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
            self.evaluation.ensure(index, (key, columns, floor.to_bits()), || {
                let at_x = evaluation_point::evaluation_records(result, step);
                let mut points = column_envelope(&at_x, columns, |r| r.loss);
                for p in &mut points {
                    p.y = (p.y - floor).max(LOG_FLOOR).log10();
                }
                points
            });
        }
    }
}

impl CurveCache {
    /// Brings run `index`'s momentum curve up to `step` (from its schedule's preview, which
    /// does not depend on the loss for the schedules that cycle momentum).
    fn update_momentum(
        &mut self,
        race: &Race,
        (index, result): (usize, &RunResult),
        step: u64,
        columns: usize,
    ) {
        let Some(run) = race.runs.get(index) else { return };
        let key = MomentumKey {
            schedule: run.schedule.clone(),
            optimizer: run.optimizer.clone(),
            steps: race.steps,
        };
        self.momenta
            .ensure(index, key, || momentum_series(&run.schedule, &run.optimizer, race.steps));
        let momenta = self.momenta.get(index).and_then(Option::as_deref).unwrap_or_default();
        let shown = result.records_until(step);
        let records = RecordsKey::new(result, shown.len());
        self.momentum.ensure(index, (records, columns), || {
            if momenta.is_empty() {
                return Vec::new();
            }
            column_envelope(shown, columns, |r| {
                usize::try_from(r.step)
                    .ok()
                    .and_then(|t| momenta.get(t))
                    .copied()
                    .unwrap_or(f64::NAN)
            })
        });
    }

    /// Whether any run draws a momentum curve.
    fn any_momentum(&self, runs: usize) -> bool {
        (0..runs).any(|index| self.momentum.get(index).is_some_and(|points| !points.is_empty()))
    }
}

/// Each update's momentum (or β₁) when `schedule` cycles the optimizer's, else `None`.
fn momentum_series(
    schedule: &Schedule,
    optimizer: &OptimizerConfig,
    steps: u64,
) -> Option<Vec<f64>> {
    if !schedule.cycles_momentum() {
        return None;
    }
    let momentum = optimizer.momentum()?;
    let updates = steps.min(schedule_preview::MAX_PREVIEW_UPDATES);
    schedule.preview(optimizer.lr(), Some(momentum), updates).1
}

/// Draws the legend row and both plots in `height` points.
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
    cache.update((race, runs), step, columns, floor);
    let top = ui.cursor().top();
    legend_row(ui, race, runs, (step, cache.any_momentum(runs.len())));
    let plots = (height - (ui.cursor().top() - top)).max(120.0);
    let loss_label = loss_axis_label(known.is_some(), floor);
    let link = egui::Id::unique("optlab-curves-x");
    if cache.any_momentum(runs.len()) {
        loss_plot(ui, (race, runs, &*cache), (step, plots * 0.5), link, loss_label);
        lr_plot(ui, (race, runs, &*cache), (step, plots * 0.27 - 8.0), link);
        momentum_plot(ui, (race, runs, &*cache), (step, plots * 0.23 - 8.0), link);
    } else {
        loss_plot(ui, (race, runs, &*cache), (step, plots * 0.62), link, loss_label);
        lr_plot(ui, (race, runs, &*cache), (step, plots * 0.38 - 8.0), link);
    }
}

/// The momentum (or β₁) of the runs whose schedule cycles it (`Cyclic`, `OneCycle`), dashed in the
/// run's colour, on the same steps as the lr above.
fn momentum_plot(
    ui: &mut egui::Ui,
    (race, results, curves): Drawn<'_>,
    (step, height): (u64, f32),
    link: egui::Id,
) {
    lab_widgets::count_x_axis(Plot::new("momentum-plot"), STEP_LABELS)
        .height(height)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .y_axis_min_width(Y_AXIS_WIDTH)
        .x_axis_label("step")
        .y_axis_label("momentum / β₁")
        // A short plot: about three labelled ticks, so egui_plot keeps them apart enough to draw.
        .y_grid_spacer(|input| super::schedule_preview::few_marks(&input))
        .y_axis_formatter(|mark, _| log_axis::linear_label(mark.value, mark.step_size))
        .show(ui, |plot| {
            for (index, run) in race.runs.iter().enumerate().take(results.len()) {
                let points = curves.momentum.get(index).map_or(&[][..], Vec::as_slice);
                if points.is_empty() {
                    continue;
                }
                let colour = palette::run_colour(run.color, index);
                let name = format!("{} momentum", run.name);
                plot.line(
                    curve(name, points, colour, 1.5).style(LineStyle::Dashed { length: 6.0 }),
                );
            }
            plot.vline(VLine::new("", step as f64).color(ui_weak()).width(1.0));
        });
}

/// What both plots draw from: the race, its results and their cached curves.
type Drawn<'a> = (&'a Race, &'a [RunResult], &'a CurveCache);

/// The legend above the plots (it never covers a curve): a swatch and the name of each run,
/// with the step where it diverged once playback has reached it, wrapped when the column is
/// narrow.
fn legend_row(ui: &mut egui::Ui, race: &Race, runs: &[RunResult], (step, momentum): (u64, bool)) {
    ui.horizontal_wrapped(|ui| {
        for (index, run) in race.runs.iter().enumerate() {
            let colour = palette::run_colour(run.color, index);
            let diverged =
                runs.get(index).and_then(RunResult::diverged_at).filter(|&at| at <= step);
            let name = match diverged {
                Some(at) => format!("{} (diverged at step {at})", run.name),
                None => run.name.clone(),
            };
            legend_row::entry(ui, &name, Swatch::Line(colour));
        }
        // Schedule-Free runs also draw the loss at their evaluation point x, dashed.
        if runs.iter().any(|run| !evaluation_point::evaluation_records(run, 0).is_empty()) {
            ui.label("┄").on_hover_text(evaluation_point::LOSS_AT_X_HINT);
            ui.label(evaluation_point::LOSS_AT_X_NAME)
                .on_hover_text(evaluation_point::LOSS_AT_X_HINT);
        }
        if momentum {
            ui.label("┄").on_hover_text(MOMENTUM_HINT);
            ui.label(MOMENTUM_NAME).on_hover_text(MOMENTUM_HINT);
        }
    });
}

/// The loss gap on a log axis with a labelled mark at every decade (every 2nd, 5th … when it
/// spans many), a dashed line where a run diverged, and the playback step.
fn loss_plot(
    ui: &mut egui::Ui,
    (race, results, curves): Drawn<'_>,
    (step, height): (u64, f32),
    link: egui::Id,
    loss_label: String,
) {
    lab_widgets::count_x_axis(Plot::new("loss-plot"), STEP_LABELS)
        .height(height)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .y_axis_min_width(Y_AXIS_WIDTH)
        .y_axis_label(loss_label)
        .y_grid_spacer(|input| log_axis::marks(&input))
        .y_axis_formatter(|mark, _| log_axis::label_within(mark.value, mark.step_size))
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
                plot.line(curve(run.name.clone(), points, colour, 2.0));
                if let Some(at_x) = curves.evaluation.get(index).filter(|p| !p.is_empty()) {
                    let name = format!("{} at the evaluation point x", run.name);
                    plot.line(
                        curve(name, at_x, colour, 1.5).style(LineStyle::Dashed { length: 6.0 }),
                    );
                }
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
}

/// The learning rate on a linear axis from 0, with labelled marks at 1, 2 or 5 times a power of
/// ten, and the playback step.
fn lr_plot(
    ui: &mut egui::Ui,
    (race, results, curves): Drawn<'_>,
    (step, height): (u64, f32),
    link: egui::Id,
) {
    lab_widgets::count_x_axis(Plot::new("lr-plot"), STEP_LABELS)
        .height(height)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .y_axis_min_width(Y_AXIS_WIDTH)
        .x_axis_label("step")
        .y_axis_label("learning rate")
        .y_grid_spacer(|input| linear_marks(&input))
        .y_axis_formatter(|mark, _| log_axis::linear_label(mark.value, mark.step_size))
        // From 0, so runs with one constant lr (a flat line) still get a readable range.
        .include_y(0.0)
        .show(ui, |plot| {
            for (index, run) in race.runs.iter().enumerate().take(results.len()) {
                let colour = palette::run_colour(run.color, index);
                let points = curves.lr.get(index).map_or(&[][..], Vec::as_slice);
                plot.line(curve(run.name.clone(), points, colour, 1.5));
            }
            plot.vline(VLine::new("", step as f64).color(ui_weak()).width(1.0));
        });
}

/// One run's curve as a plain polyline. `egui_plot` would otherwise merge points less than a
/// pixel apart into a band and fill between neighbouring bands: a step decay's drops (two
/// points one step apart) became the corners of a filled polygon spanning the flat stretch
/// between two drops. The envelope already has at most two points per column, so the band
/// saves nothing.
fn curve(name: String, points: &[PlotPoint], colour: egui::Color32, width: f32) -> Line<'_> {
    Line::new(name, points).color(colour).width(width).allow_band(false)
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

/// The loss plot's axis title: what is subtracted before the log scale, written as the start
/// fields write numbers (−4.29497e7, not −42949672.9600).
fn loss_axis_label(minimum_known: bool, floor: f64) -> String {
    let floor_text = numbers::coordinate(floor).replace('-', "−");
    if !minimum_known {
        format!("loss − lowest reached (log), lowest = {floor_text}")
    } else if floor == 0.0 {
        "loss (log)".to_owned()
    } else {
        format!("loss − f* (log), f* = {floor_text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use optlab_core::run::{self, Trace};

    /// The lr-decay preset's race and its computed runs.
    fn lr_decay() -> (Race, Vec<RunResult>) {
        let notebook = optlab_core::presets::find("lr-decay")
            .and_then(|p| p.notebook().ok())
            .expect("the lr-decay preset loads");
        let race = notebook.entries[0].experiment.race().expect("a race").clone();
        let runs = (0..race.runs.len())
            .map(|index| {
                let config = race.run_config(index).expect("an enabled run");
                let mut trace = Trace::with_capacity(100_000);
                let summary = run::execute(&config, &mut trace);
                RunResult {
                    config: Some(config),
                    generation: 1,
                    records: trace.records(),
                    stride: 1,
                    summary: Some(summary),
                    ..RunResult::default()
                }
            })
            .collect();
        (race, runs)
    }

    /// Every shape the curves view paints at playback `step` in a window `width` points wide.
    fn painted(race: &Race, runs: &[RunResult], step: u64, width: f32) -> Vec<egui::Shape> {
        let ctx = egui::Context::default();
        let mut cache = CurveCache::default();
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(width, 700.0),
            )),
            ..egui::RawInput::default()
        };
        let mut output = ctx.run_ui(input, |ui| show(ui, race, (step, 640.0), &mut cache, runs));
        output.textures_delta.clear();
        output.shapes.into_iter().map(|clipped| clipped.shape).collect()
    }

    /// The bug of issue 15: between two drops of a step decay (step 529 of the lr-decay preset)
    /// the lr plot drew the staircase as a filled polygon. Every curve must be a line.
    #[test]
    fn a_step_decay_is_drawn_as_a_line_not_a_filled_band() {
        let (race, runs) = lr_decay();
        let step_colour = palette::run_colour(race.runs[3].color, 3);
        for width in [500.0, 900.0, 1400.0] {
            let shapes = painted(&race, &runs, 529, width);
            let bands = shapes.iter().filter(|s| matches!(s, egui::Shape::Band(_))).count();
            assert_eq!(bands, 0, "filled bands at width {width}");
            let step_lines = shapes
                .iter()
                .filter(|s| matches!(s, egui::Shape::Path(p) if p.stroke.color == egui::epaint::ColorMode::Solid(step_colour)))
                .count();
            assert!(step_lines >= 2, "the step run's loss and lr lines at width {width}");
        }
    }

    #[test]
    fn the_loss_axis_names_what_it_subtracts_in_few_digits() {
        assert_eq!(
            loss_axis_label(false, -42_949_672.96),
            "loss − lowest reached (log), lowest = −4.29497e7"
        );
        assert_eq!(loss_axis_label(true, 0.0), "loss (log)");
        assert_eq!(loss_axis_label(true, -3.2), "loss − f* (log), f* = −3.2");
        assert_eq!(loss_axis_label(false, 0.25), "loss − lowest reached (log), lowest = 0.25");
    }
}
