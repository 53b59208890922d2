//! The small preview under a schedule's controls: the learning rate of every update of the run
//! (from [`Schedule::preview`]), and the momentum (or β₁) beside it when the schedule cycles it,
//! each in a plot about 80 points high with labelled ticks, and one line of numbers under them
//! (start, extremes, end) that screen readers and tests can read.
//!
//! The curves are recomputed only when the schedule, the optimizer's lr and momentum or the
//! number of updates change (the last inputs are kept in egui's memory beside the curves).

use std::sync::Arc;

use egui::Ui;
use egui_plot::{GridInput, GridMark, Line, Plot, PlotPoint};

use crate::app::widgets::log_axis;
use crate::app::widgets::numbers;
use optlab_core::optim::OptimizerConfig;
use optlab_core::schedule::Schedule;

/// Updates previewed at most; a longer run previews its first ones and says so.
pub const MAX_PREVIEW_UPDATES: u64 = 2_000_000;

/// Height of the lr preview in points.
const LR_HEIGHT: f32 = 80.0;
/// Height of the momentum preview in points.
const MOMENTUM_HEIGHT: f32 = 64.0;
/// Columns of the drawn envelope (two points each at most).
const COLUMNS: usize = 300;

/// Where a schedule runs: what its preview needs from the run around it.
#[derive(Clone, Debug)]
pub struct RunContext {
    /// The optimizer's learning rate (the schedule's η₀).
    pub lr: f64,
    /// The optimizer's momentum or β₁, `None` when it has none.
    pub momentum: Option<f64>,
    /// The optimizer (for the refusal of a momentum-cycling schedule).
    pub optimizer: OptimizerConfig,
    /// Updates the run makes (the preview's x range).
    pub updates: u64,
    /// A training run (`ReduceOnPlateau` steps once per epoch) rather than a race run.
    pub training: bool,
}

impl RunContext {
    /// The context of a run with `optimizer` making `updates` updates.
    #[must_use]
    pub fn new(optimizer: &OptimizerConfig, updates: u64, training: bool) -> Self {
        Self {
            lr: optimizer.lr(),
            momentum: optimizer.momentum(),
            optimizer: optimizer.clone(),
            updates,
            training,
        }
    }
}

/// A previewed schedule: the envelopes drawn and the numbers said under them.
#[derive(Debug, Default)]
pub struct Preview {
    /// The lr envelope (update, lr).
    pub lr: Vec<PlotPoint>,
    /// The momentum envelope, when the schedule drives it.
    pub momentum: Option<Vec<PlotPoint>>,
    /// "lr: 0.004 at t = 0, …" (and a second line for the momentum).
    pub summary: String,
}

/// The preview of `schedule` in `context`: each update's lr, and momentum when it moves.
#[must_use]
pub fn compute(schedule: &Schedule, context: &RunContext) -> Preview {
    let updates = context.updates.min(MAX_PREVIEW_UPDATES);
    let (lrs, momenta) = schedule.preview(context.lr, context.momentum, updates);
    // Without a momentum to drive there is no curve (the run is refused, see `show`).
    let momenta = momenta.filter(|_| context.momentum.is_some());
    let mut summary = describe("lr", &lrs);
    if let Some(momenta) = &momenta {
        summary.push('\n');
        summary.push_str(&describe("momentum", momenta));
    }
    Preview {
        lr: envelope(&lrs, COLUMNS),
        momentum: momenta.map(|m| envelope(&m, COLUMNS)),
        summary,
    }
}

/// Start, lowest, highest and last value of a series with the updates where they occur.
#[must_use]
pub fn describe(name: &str, values: &[f64]) -> String {
    let (Some(&first), Some(&last)) = (values.first(), values.last()) else {
        return format!("{name}: no updates");
    };
    let (mut low, mut high) = ((0, first), (0, first));
    for (t, &value) in values.iter().enumerate() {
        if value < low.1 {
            low = (t, value);
        }
        if value > high.1 {
            high = (t, value);
        }
    }
    let end = values.len() - 1;
    let show = numbers::compact;
    format!(
        "{name}: {} at t = 0, lowest {} at t = {}, highest {} at t = {}, {} at t = {end}",
        show(first),
        show(low.1),
        low.0,
        show(high.1),
        high.0,
        show(last)
    )
}

/// The series as at most two points per column (its lowest and highest, in order), so steps
/// and spikes survive the thinning.
#[must_use]
pub fn envelope(values: &[f64], columns: usize) -> Vec<PlotPoint> {
    let per_column = values.len().div_ceil(columns.max(1)).max(1);
    let mut points = Vec::with_capacity(2 * columns + 1);
    for (chunk_index, chunk) in values.chunks(per_column).enumerate() {
        let start = chunk_index * per_column;
        let (mut low, mut high) = (0, 0);
        for (offset, value) in chunk.iter().enumerate() {
            if *value < chunk[low] {
                low = offset;
            }
            if *value > chunk[high] {
                high = offset;
            }
        }
        let mut picked = [low, high];
        picked.sort_unstable();
        for offset in picked.into_iter().chain([chunk.len() - 1]) {
            #[expect(clippy::cast_precision_loss, reason = "update counts stay below 2^53")]
            let point = PlotPoint::new((start + offset) as f64, chunk[offset]);
            if points.last().is_none_or(|p: &PlotPoint| p.x < point.x) {
                points.push(point);
            }
        }
    }
    points
}

/// The inputs a preview was computed from (compared bit for bit).
#[derive(Clone, Debug, PartialEq)]
struct Inputs {
    schedule: Schedule,
    lr: u64,
    momentum: Option<u64>,
    updates: u64,
}

/// Draws the preview of `schedule` in `context`; `salt` keeps it apart from other runs'.
pub fn show(ui: &mut Ui, schedule: &Schedule, context: &RunContext, salt: usize) {
    let preview = cached(ui, schedule, context, salt);
    if context.updates > MAX_PREVIEW_UPDATES {
        ui.weak(format!("Preview of the first {MAX_PREVIEW_UPDATES} updates"));
    }
    let note = loss_note(schedule, context.training);
    lr_plot(ui, &preview.lr, salt, note.is_some());
    if let Some(note) = note {
        ui.weak(note);
    }
    if let Some(momentum) = &preview.momentum {
        momentum_plot(ui, momentum, salt);
    }
    ui.label(egui::RichText::new(&preview.summary).small()).on_hover_text(
        "The previewed values: first, lowest, highest and last, with their update t",
    );
}

/// The note under a preview of a schedule that reads the loss.
fn loss_note(schedule: &Schedule, training: bool) -> Option<&'static str> {
    schedule.reads_loss().then_some(if training {
        "ReduceOnPlateau depends on the loss (the validation loss, once per epoch): the \
         preview assumes it never stalls"
    } else {
        "ReduceOnPlateau depends on the loss after each update: the preview assumes it never \
         stalls"
    })
}

/// The preview from egui's memory, recomputed when its inputs changed.
fn cached(ui: &Ui, schedule: &Schedule, context: &RunContext, salt: usize) -> Arc<Preview> {
    let id = ui.make_persistent_id(("schedule-preview", salt));
    let inputs = Inputs {
        schedule: schedule.clone(),
        lr: context.lr.to_bits(),
        momentum: context.momentum.map(f64::to_bits),
        updates: context.updates,
    };
    let stored: Option<(Arc<Inputs>, Arc<Preview>)> = ui.data(|d| d.get_temp(id));
    if let Some((old, preview)) = stored
        && *old == inputs
    {
        return preview;
    }
    let preview = Arc::new(compute(schedule, context));
    ui.data_mut(|d| d.insert_temp(id, (Arc::new(inputs), Arc::clone(&preview))));
    preview
}

/// The lr against the update, from 0 so a flat line still reads.
fn lr_plot(ui: &mut Ui, points: &[PlotPoint], salt: usize, flat_note: bool) {
    let name = if flat_note { "lr (if the loss never stalls)" } else { "lr" };
    let colour = ui.visuals().hyperlink_color;
    small_plot(ui, ("lr-preview", salt), "lr", LR_HEIGHT).include_y(0.0).show(ui, |plot| {
        plot.line(Line::new(name, points).color(colour).allow_band(false));
    });
}

/// The momentum (or β₁) against the update.
fn momentum_plot(ui: &mut Ui, points: &[PlotPoint], salt: usize) {
    let colour = egui::Color32::from_rgb(230, 140, 40);
    small_plot(ui, ("momentum-preview", salt), "momentum", MOMENTUM_HEIGHT).show(ui, |plot| {
        plot.line(Line::new("momentum", points).color(colour).allow_band(false));
    });
}

/// A fixed, unzoomable plot over the panel's width with labelled ticks.
fn small_plot(ui: &Ui, salt: (&str, usize), y_label: &str, height: f32) -> Plot<'static> {
    Plot::new(salt)
        .height(height)
        .width(ui.available_width())
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .show_background(false)
        .y_axis_label(y_label.to_owned())
        .y_axis_min_width(56.0)
        .y_grid_spacer(|input| few_marks(&input))
        .y_axis_formatter(|mark, _| log_axis::linear_label(mark.value, mark.step_size))
        .x_axis_formatter(|mark, _| format!("{:.0}", mark.value))
}

/// Labelled marks at 1, 2 or 5 times a power of ten, about three in range: a plot 80 points
/// high has room for no more labels.
#[must_use]
pub fn few_marks(input: &GridInput) -> Vec<GridMark> {
    let (low, high) = input.bounds;
    if !(low.is_finite() && high.is_finite()) || high <= low {
        return Vec::new();
    }
    let wanted = (high - low) / 3.0;
    let decade = 10f64.powf(wanted.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * decade).find(|s| *s >= wanted);
    let step = step.unwrap_or(10.0 * decade);
    let (first, last) = ((low / step).ceil(), (high / step).floor());
    if !(last - first).is_finite() || last - first > 100.0 {
        return Vec::new();
    }
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "at most 100")]
    let count = (last - first) as usize + 1;
    (0..count).map(|i| GridMark { value: (first + i as f64) * step, step_size: step }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_keeps_each_columns_extremes_in_order() {
        let values: Vec<f64> = (0..1000).map(|t| if t == 517 { 9.0 } else { 1.0 }).collect();
        let points = envelope(&values, 10);
        let spike = points.iter().find(|p| p.y > 1.0).map(|p| (p.x, p.y));
        assert_eq!(spike, Some((517.0, 9.0)), "the spike survives");
        assert!(points.windows(2).all(|w| w[0].x < w[1].x), "x increases");
        assert!(points.len() <= 30);
        assert_eq!(points.last().map(|p| (p.x, p.y)), Some((999.0, 1.0)));
    }

    #[test]
    fn a_short_axis_gets_about_three_round_marks() {
        let input = GridInput { bounds: (0.0, 0.0021), base_step_size: 1e-5 };
        let values: Vec<f64> = few_marks(&input).iter().map(|m| m.value).collect();
        assert_eq!(values, vec![0.0, 0.001, 0.002]);
        let input = GridInput { bounds: (0.84, 0.96), base_step_size: 1e-3 };
        assert_eq!(few_marks(&input).len(), 3, "0.85, 0.9, 0.95");
    }

    #[test]
    fn the_summary_names_start_extremes_and_end() {
        let text = describe("lr", &[0.5, 1.0, 0.25, 0.5]);
        assert_eq!(
            text,
            "lr: 0.5000 at t = 0, lowest 0.2500 at t = 2, highest 1.0000 at t = 1, 0.5000 at t = 3"
        );
        assert_eq!(describe("lr", &[]), "lr: no updates");
    }
}
