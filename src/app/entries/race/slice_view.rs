//! The Slice view: the loss along a line through the selected run's point, as the lecture
//! draws minima and saddles (x axis: where along the line, y axis: the loss). The line runs
//! along x, y, the steepest descent, either Hessian eigenvector (with its eigenvalue and
//! whether the loss curves up or down along it), from the start to the run's point, or
//! between two typed points. Every run's current point is marked at its projection onto the
//! line and its own loss: filled when it lies on the line, hollow (and its distance said) when
//! it does not. Undefined stretches of the curve are gaps.

use std::sync::Arc;

use egui::{Color32, DragValue, Ui};
use egui_plot::{HoverPosition, Line, LineStyle, MarkerShape, Plot, PlotPoints, Points, VLine};

use super::results::RunResult;
use super::slice_job::{SliceInput, SliceJob, SliceOutcome, SliceRange};
use super::slice_map;
use crate::app::widgets::numbers::{compact, coordinate};
use crate::app::widgets::palette;
use crate::app::widgets::surface_probe;
use optlab_core::entries::race::Race;
use optlab_core::slice::{Direction, Sample, Slice, SliceError};
use optlab_core::surface::Point;

/// Samples of a slice of a cheap surface (a few hundred microseconds in all).
const POINTS: usize = 401;

/// Samples of a slice of a costly formula (computed off the window's thread).
const COSTLY_POINTS: usize = 201;

/// A run lies on the line when it is closer to it than this fraction of the plotted length.
const ON_LINE_FRACTION: f64 = 1e-3;

/// Which way the sliced line runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SliceDirection {
    /// Along the x axis.
    AlongX,
    /// Along the y axis.
    AlongY,
    /// Along the steepest descent at the through point.
    Gradient,
    /// Along the Hessian's eigenvector with the smaller eigenvalue.
    #[default]
    Eigen1,
    /// Along the Hessian's eigenvector with the larger eigenvalue.
    Eigen2,
    /// From the race's start (s = 0) to the selected run's point (s = 1).
    StartToRun,
    /// From one typed point (s = 0) to another (s = 1).
    TwoPoints,
}

impl SliceDirection {
    /// Every choice, in the order of the buttons.
    const ALL: [Self; 7] = [
        Self::AlongX,
        Self::AlongY,
        Self::Gradient,
        Self::Eigen1,
        Self::Eigen2,
        Self::StartToRun,
        Self::TwoPoints,
    ];

    /// The button's text.
    fn label(self) -> &'static str {
        match self {
            Self::AlongX => "x",
            Self::AlongY => "y",
            Self::Gradient => "gradient",
            Self::Eigen1 => "eigenvector 1",
            Self::Eigen2 => "eigenvector 2",
            Self::StartToRun => "start to run",
            Self::TwoPoints => "two points",
        }
    }

    /// The button's hover text.
    fn hover(self) -> &'static str {
        match self {
            Self::AlongX => "The first parameter varies, the second stays",
            Self::AlongY => "The second parameter varies, the first stays",
            Self::Gradient => "Steepest descent: -∇f at the point, length 1",
            Self::Eigen1 => "The Hessian's eigenvector with the smaller eigenvalue",
            Self::Eigen2 => "The Hessian's eigenvector with the larger eigenvalue",
            Self::StartToRun => "From the start (s = 0) to the run's point (s = 1)",
            Self::TwoPoints => "From a (s = 0) to b (s = 1), typed below",
        }
    }
}

/// What the Slice view remembers between frames.
#[derive(Default)]
pub struct SliceState {
    /// Which way the line runs.
    pub direction: SliceDirection,
    /// A typed interval of `s`; `None` spans the surface's home view.
    fixed: Option<(f64, f64)>,
    /// The typed points a and b (the start and the run's point until edited).
    typed: Option<[Point; 2]>,
    /// The slice being computed and the last one finished.
    job: SliceJob,
}

/// The point the line goes through and how the view names it.
struct Through {
    /// The point.
    point: Point,
    /// The race's start point.
    start: Point,
    /// The selected run's name.
    run: String,
}

/// Draws the Slice view in `height` points: the run and direction pickers, the range, what the
/// direction means, the marker legend and the plot.
pub fn show(
    ui: &mut Ui,
    race: &Race,
    (step, height): (u64, f32),
    focused_run: &mut usize,
    runs: &[RunResult],
    state: &mut SliceState,
) {
    let bottom = ui.cursor().top() + height;
    let through = through_row(ui, race, step, focused_run, runs);
    ui.horizontal_wrapped(|ui| {
        ui.label("along");
        for choice in SliceDirection::ALL {
            ui.selectable_value(&mut state.direction, choice, choice.label())
                .on_hover_text(choice.hover());
        }
    });
    if state.direction == SliceDirection::TwoPoints {
        typed_points_row(ui, state.typed.get_or_insert([through.start, through.point]));
    }
    let input = slice_input(race, &through, state);
    let ctx = ui.ctx().clone();
    let (finished, fresh) = state.job.get(&input, || Arc::new(move || ctx.request_repaint()));
    let shown = finished.as_deref().and_then(|f| Some((&f.input, f.outcome.as_ref()?)));
    range_row(ui, state, shown.and_then(|(_, outcome)| outcome.slice.as_ref().ok()));
    if !fresh {
        ui.weak("computing the slice for the new line… (the last one is shown meanwhile)");
    }
    let Some(finished) = finished else { return };
    let Some(outcome) = &finished.outcome else {
        ui.colored_label(ui.visuals().error_fg_color, "Computing the slice failed (a panic).");
        return;
    };
    // While a new line is computed, the words describe the line shown, not the one asked for.
    let shown_direction = shown_direction(finished.input.direction, state.direction);
    ui.add(egui::Label::new(meaning(shown_direction, &through, outcome)).wrap());
    let ends = outcome
        .slice
        .as_ref()
        .ok()
        .and_then(|s| Some([s.samples.first()?.point, s.samples.last()?.point]));
    slice_map::remember(ui.ctx(), ends);
    let slice = match &outcome.slice {
        Ok(slice) => slice,
        Err(SliceError::NoDirection(_)) if shown_direction == SliceDirection::StartToRun => {
            ui.label(format!("No slice yet: {} is still at the start point.", through.run));
            return;
        }
        Err(e) => {
            ui.colored_label(ui.visuals().warn_fg_color, format!("No slice: {e}"));
            return;
        }
    };
    ui.label(extremes(&slice.samples));
    let markers = markers(race, step, runs, slice);
    let between = matches!(finished.input.direction, Direction::Between { .. });
    legend(ui, &markers, between);
    let axis = axis_label(shown_direction, &through.run);
    plot(ui, (slice, &markers), (axis, between), bottom);
}

/// The run picker and the sentence saying which point the line goes through.
fn through_row(
    ui: &mut Ui,
    race: &Race,
    step: u64,
    focused_run: &mut usize,
    runs: &[RunResult],
) -> Through {
    let start = race.start_point();
    let at = |p: Point| format!("({}, {})", coordinate(p[0]), coordinate(p[1]));
    if race.runs.is_empty() {
        let text =
            format!("The line goes through the start point {}: the race has no runs.", at(start));
        ui.label(&text);
        return Through { point: start, start, run: "the run".to_owned() };
    }
    *focused_run = (*focused_run).min(race.runs.len() - 1);
    let run = race.runs[*focused_run].name.clone();
    let record = runs.get(*focused_run).and_then(|r| r.record_at(step));
    let (point, text) = match record {
        Some(r) => (
            r.position,
            format!("The line goes through {run}'s point at step {}, {}.", r.step, at(r.position)),
        ),
        None => (
            start,
            format!("The line goes through the start point {}: {run} has no steps yet.", at(start)),
        ),
    };
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::from_label("run")
            .selected_text(&run)
            .show_ui(ui, |ui| {
                for (i, candidate) in race.runs.iter().enumerate() {
                    ui.selectable_value(focused_run, i, &candidate.name);
                }
            })
            .response
            .on_hover_text("The line goes through this run's point at the playback step");
        ui.label(&text);
    });
    Through { point, start, run }
}

/// The four coordinates of the typed points a and b.
fn typed_points_row(ui: &mut Ui, typed: &mut [Point; 2]) {
    ui.horizontal_wrapped(|ui| {
        for (name, point) in ["a", "b"].iter().zip(typed.iter_mut()) {
            for (axis, value) in ["x", "y"].iter().zip(point.iter_mut()) {
                let field = DragValue::new(value).speed(0.01).prefix(format!("{name} {axis} = "));
                // Every digit that matters: the saddle's start y = 1e-6 must not read as 0.
                ui.add(field.custom_formatter(|v, _| coordinate(v)));
            }
        }
    });
}

/// The interval of `s`: across the home view, or typed (starting from the one shown).
fn range_row(ui: &mut Ui, state: &mut SliceState, shown: Option<&Slice>) {
    let shown_span = shown.and_then(|s| Some((s.samples.first()?.s, s.samples.last()?.s)));
    ui.horizontal_wrapped(|ui| {
        let mut across = state.fixed.is_none();
        ui.checkbox(&mut across, "s across the surface's home view")
            .on_hover_text("Off: type the interval of s");
        if across {
            state.fixed = None;
        } else if state.fixed.is_none() {
            state.fixed = Some(shown_span.unwrap_or((-1.0, 1.0)));
        }
        match &mut state.fixed {
            Some((from, to)) => {
                ui.add(DragValue::new(from).speed(0.01).prefix("from s = "));
                ui.add(DragValue::new(to).speed(0.01).prefix("to s = "));
            }
            None => {
                if let Some((from, to)) = shown_span {
                    ui.label(format!("s from {} to {}", compact(from), compact(to)));
                }
            }
        }
    });
}

/// The computation the view asks for.
fn slice_input(race: &Race, through: &Through, state: &SliceState) -> SliceInput {
    let direction = match state.direction {
        SliceDirection::AlongX => Direction::AlongX,
        SliceDirection::AlongY => Direction::AlongY,
        SliceDirection::Gradient => Direction::Gradient,
        SliceDirection::Eigen1 => Direction::HessianEigen { index: 0 },
        SliceDirection::Eigen2 => Direction::HessianEigen { index: 1 },
        SliceDirection::StartToRun => Direction::Between { a: through.start, b: through.point },
        SliceDirection::TwoPoints => {
            let [a, b] = state.typed.unwrap_or([through.start, through.point]);
            Direction::Between { a, b }
        }
    };
    let range = match state.fixed {
        Some((from, to)) => SliceRange::Fixed { from, to },
        None => SliceRange::Across(race.surface.view_box()),
    };
    let cheap = surface_probe::is_cheap(&race.surface);
    let points = if cheap { POINTS } else { COSTLY_POINTS };
    SliceInput { surface: race.surface.clone(), through: through.point, direction, range, points }
}

/// The choice that made a line running along `direction`; `asked` tells a segment from the
/// start from one between typed points.
fn shown_direction(direction: Direction, asked: SliceDirection) -> SliceDirection {
    match direction {
        Direction::AlongX | Direction::Vector(_) => SliceDirection::AlongX,
        Direction::AlongY => SliceDirection::AlongY,
        Direction::Gradient => SliceDirection::Gradient,
        Direction::HessianEigen { index: 0 } => SliceDirection::Eigen1,
        Direction::HessianEigen { .. } => SliceDirection::Eigen2,
        Direction::Between { .. } if asked == SliceDirection::StartToRun => asked,
        Direction::Between { .. } => SliceDirection::TwoPoints,
    }
}

/// Which way the loss bends along an eigenvector with eigenvalue `value`.
fn bend(value: f64) -> &'static str {
    if value > 0.0 {
        "curves up"
    } else if value < 0.0 {
        "curves down"
    } else {
        "is flat to second order"
    }
}

/// What the chosen direction is, in words (for an eigenvector: its eigenvalue and the bend).
fn meaning(direction: SliceDirection, through: &Through, outcome: &SliceOutcome) -> String {
    let vector = |p: Point| format!("({}, {})", compact(p[0]), compact(p[1]));
    let line = outcome.slice.as_ref().ok().map(|s| s.line);
    match direction {
        SliceDirection::AlongX => format!("s along x: y stays {}.", coordinate(through.point[1])),
        SliceDirection::AlongY => format!("s along y: x stays {}.", coordinate(through.point[0])),
        SliceDirection::Gradient => line.map_or_else(String::new, |l| {
            format!(
                "s along steepest descent -∇f/|∇f| = {}: the loss falls as s grows.",
                vector(l.direction)
            )
        }),
        SliceDirection::Eigen1 | SliceDirection::Eigen2 => {
            let Some((values, vectors)) = outcome.eigen else {
                return "The Hessian is not finite here: no eigenvectors.".to_owned();
            };
            let (this, other) = if direction == SliceDirection::Eigen1 { (0, 1) } else { (1, 0) };
            let kind = match (values[0] < 0.0, values[1] > 0.0) {
                (true, true) => "one up and one down: a saddle",
                (false, true) => "both up: a bowl, as at a minimum",
                (true, false) => "both down: a cap, as at a maximum",
                (false, false) => "flat to second order",
            };
            format!(
                "Eigenvector {} {}, eigenvalue λ = {}: the loss {} along it. Eigenvector {} has \
                 λ = {} and {}: {kind}.",
                this + 1,
                vector(vectors[this]),
                compact(values[this]),
                bend(values[this]),
                other + 1,
                compact(values[other]),
                bend(values[other]),
            )
        }
        SliceDirection::StartToRun => {
            format!("s from the start (0) to {}'s point (1).", through.run)
        }
        SliceDirection::TwoPoints => "s from a (0) to b (1).".to_owned(),
    }
}

/// The x axis's title.
fn axis_label(direction: SliceDirection, run: &str) -> String {
    match direction {
        SliceDirection::StartToRun => format!("s from the start (0) to {run}'s point (1)"),
        SliceDirection::TwoPoints => "s from a (0) to b (1)".to_owned(),
        other => format!("s along {} (distance from the through point)", other.label()),
    }
}

/// The lowest and highest loss on the curve and where, and how much of it is undefined.
fn extremes(samples: &[Sample]) -> String {
    let finite = samples.iter().filter(|s| s.loss.is_finite());
    let lowest = finite.clone().min_by(|a, b| a.loss.total_cmp(&b.loss));
    let highest = finite.max_by(|a, b| a.loss.total_cmp(&b.loss));
    let (Some(lowest), Some(highest)) = (lowest, highest) else {
        return "The loss is undefined all along this line.".to_owned();
    };
    let undefined = samples.iter().filter(|s| !s.loss.is_finite()).count();
    let gaps = if undefined == 0 {
        String::new()
    } else {
        format!("; undefined at {undefined} of {} points (gaps)", samples.len())
    };
    format!(
        "Along the line: lowest loss {} at s = {}, highest {} at s = {}{gaps}",
        compact(lowest.loss),
        compact(lowest.s),
        compact(highest.loss),
        compact(highest.s)
    )
}

/// A run's point as the plot marks it.
struct Marker {
    /// The run's colour.
    colour: Color32,
    /// Its projection onto the line and its own loss, when it is drawn.
    at: Option<[f64; 2]>,
    /// Whether it lies on the line (filled) or off it (hollow).
    on_line: bool,
    /// Its radius in screen points: larger under the markers of later runs at the same place,
    /// so every run shows as a ring around the next.
    radius: f32,
    /// The legend's and the hover's text.
    text: String,
}

/// Every enabled run's point at `step`, projected onto the slice's line.
fn markers(race: &Race, step: u64, runs: &[RunResult], slice: &Slice) -> Vec<Marker> {
    let (Some(first), Some(last)) = (slice.samples.first(), slice.samples.last()) else {
        return Vec::new();
    };
    let (from, to) = (first.s, last.s);
    let line = slice.line;
    let length = (to - from) * line.direction[0].hypot(line.direction[1]);
    let mut markers = Vec::new();
    for (index, run) in race.runs.iter().enumerate().filter(|(_, run)| run.enabled) {
        let colour = palette::run_colour(run.color, index);
        let name = &run.name;
        let Some(record) = runs.get(index).and_then(|r| r.record_at(step)) else {
            let text = format!("{name}: no steps yet");
            markers.push(Marker { colour, at: None, on_line: false, radius: 0.0, text });
            continue;
        };
        let projection = line.project(record.position);
        let (s, distance, loss) = (projection.s, projection.distance, record.loss);
        if !(s.is_finite() && distance.is_finite() && loss.is_finite()) {
            let text = format!("{name}: its point or loss is not finite (diverged)");
            markers.push(Marker { colour, at: None, on_line: false, radius: 0.0, text });
            continue;
        }
        let on_line = distance <= ON_LINE_FRACTION * length;
        let place = if on_line {
            "on the line".to_owned()
        } else {
            format!("{} off the line", compact(distance))
        };
        let inside = (from..=to).contains(&s);
        let outside = if inside { "" } else { ", outside the plotted s" };
        let text =
            format!("{name} at s = {}: loss {}, {place}{outside}", compact(s), compact(loss));
        markers.push(Marker {
            colour,
            at: inside.then_some([s, loss]),
            on_line,
            radius: 0.0,
            text,
        });
    }
    nest(&mut markers, &slice.samples);
    markers
}

/// Gives each drawn marker its radius: 5 points, plus 2.5 for each later marker drawn at the
/// same place (within half a percent of the plotted range on both axes).
fn nest(markers: &mut [Marker], samples: &[Sample]) {
    let finite = || samples.iter().map(|s| s.loss).filter(|l| l.is_finite());
    let low = finite().fold(f64::INFINITY, f64::min);
    let high = finite().fold(f64::NEG_INFINITY, f64::max);
    let (first, last) = (samples.first().map_or(0.0, |s| s.s), samples.last().map_or(1.0, |s| s.s));
    let near = |a: [f64; 2], b: [f64; 2]| {
        let close = |d: f64, span: f64| d.abs() <= 0.005 * span.max(f64::MIN_POSITIVE);
        close(a[0] - b[0], last - first) && close(a[1] - b[1], (high - low).max(1e-12))
    };
    let places: Vec<Option<[f64; 2]>> = markers.iter().map(|m| m.at).collect();
    for (index, marker) in markers.iter_mut().enumerate() {
        let Some(at) = marker.at else { continue };
        let later = places[index + 1..].iter().flatten().filter(|&&other| near(at, other)).count();
        #[expect(clippy::cast_precision_loss, reason = "a count of runs, far below 2^24")]
        let rings = later as f32;
        marker.radius = 5.0 + 2.5 * rings;
    }
}

/// The legend above the plot: the curve, the dashed line at the through point (at both ends
/// of a segment) and one entry per run.
fn legend(ui: &mut Ui, markers: &[Marker], between: bool) {
    let text_colour = ui.visuals().text_color();
    let ends = if between { "s = 0 and s = 1: the two points" } else { "s = 0: the through point" };
    ui.horizontal_wrapped(|ui| {
        legend_entry(ui, Swatch::Line(text_colour), "loss along the line");
        legend_entry(ui, Swatch::Dashed, ends);
        for marker in markers {
            legend_entry(ui, Swatch::Marker(marker.colour, marker.on_line), &marker.text);
        }
    });
    if markers.iter().any(|m| m.at.is_some() && !m.on_line) {
        ui.weak("Hollow: a run off the line, drawn at its own loss over its nearest s.");
    }
}

/// The small picture in front of a legend entry.
#[derive(Clone, Copy)]
enum Swatch {
    /// A solid line.
    Line(Color32),
    /// A grey dashed line.
    Dashed,
    /// A marker: filled (on the line) or hollow.
    Marker(Color32, bool),
}

/// A swatch and a text as one widget, so a narrow column wraps between entries.
fn legend_entry(ui: &mut Ui, swatch: Swatch, text: &str) {
    let galley = egui::WidgetText::from(text).into_galley(
        ui,
        Some(egui::TextWrapMode::Extend),
        f32::INFINITY,
        egui::TextStyle::Body,
    );
    let width = 26.0;
    let size = egui::vec2(width + galley.size().x, galley.size().y);
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::hover());
    let painter = ui.painter();
    let centre = egui::pos2(rect.left() + width * 0.5 - 2.0, rect.center().y);
    let ends = [centre - egui::vec2(9.0, 0.0), centre + egui::vec2(9.0, 0.0)];
    match swatch {
        Swatch::Line(colour) => {
            painter.line_segment(ends, (2.0, colour));
        }
        Swatch::Dashed => {
            let stroke = egui::Stroke::new(1.5, through_colour(ui));
            painter.extend(egui::Shape::dashed_line(&ends, stroke, 4.0, 3.0));
        }
        Swatch::Marker(colour, true) => {
            painter.circle_filled(centre, 5.0, colour);
        }
        Swatch::Marker(colour, false) => {
            painter.circle_stroke(centre, 5.0, (1.5, colour));
        }
    }
    painter.galley(rect.left_top() + egui::vec2(width, 0.0), galley, ui.visuals().text_color());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Label, true, text));
}

/// The colour of the dashed line at the through point: the text's, so it stands out from the
/// grid line at s = 0 beneath it.
fn through_colour(ui: &Ui) -> Color32 {
    ui.visuals().text_color().gamma_multiply(0.8)
}

/// The curve (a gap wherever the loss is undefined), the through point's vertical line (and
/// s = 1 of a segment) and the runs' markers, down to `bottom`.
fn plot(
    ui: &mut Ui,
    (slice, markers): (&Slice, &[Marker]),
    (axis, between): (String, bool),
    bottom: f32,
) {
    let height = (bottom - ui.cursor().top() - ui.spacing().item_spacing.y).max(80.0);
    let curve_colour = ui.visuals().text_color();
    let through_colour = through_colour(ui);
    Plot::new("slice-plot")
        .height(height)
        .x_axis_label(axis)
        .y_axis_label("loss")
        .label_formatter(|hover| match hover {
            HoverPosition::NearDataPoint { plot_name, position, .. } => Some(format!(
                "{plot_name}\ns = {}\nloss {}",
                compact(position.x),
                compact(position.y)
            )),
            HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |plot| {
            for (index, piece) in finite_pieces(&slice.samples).enumerate() {
                let points: PlotPoints = piece.iter().map(|s| [s.s, s.loss]).collect();
                let line = Line::new("loss along the line", points).id(("slice-piece", index));
                plot.line(line.color(curve_colour).width(2.0));
            }
            let ends: &[f64] = if between { &[0.0, 1.0] } else { &[0.0] };
            for (index, &s) in ends.iter().enumerate() {
                let through = VLine::new("", s).id(("slice-end", index));
                plot.vline(
                    through.color(through_colour).style(LineStyle::dashed_loose()).width(1.5),
                );
            }
            for (index, marker) in markers.iter().enumerate() {
                let Some(at) = marker.at else { continue };
                let colour =
                    if marker.on_line { marker.colour } else { marker.colour.gamma_multiply(0.8) };
                let point = Points::new(marker.text.clone(), vec![at])
                    .id(("slice-marker", index))
                    .shape(MarkerShape::Circle)
                    .radius(marker.radius)
                    .filled(marker.on_line)
                    .color(colour);
                plot.points(point);
            }
        });
}

/// The stretches of consecutive samples whose loss is finite: a NaN or infinite loss is a gap.
fn finite_pieces(samples: &[Sample]) -> impl Iterator<Item = &[Sample]> {
    samples.split(|s| !s.loss.is_finite()).filter(|piece| !piece.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(s: f64, loss: f64) -> Sample {
        Sample { s, point: [s, 0.0], loss }
    }

    #[test]
    fn undefined_losses_split_the_curve_into_pieces() {
        let samples = [
            sample(0.0, 1.0),
            sample(1.0, f64::NAN),
            sample(2.0, 2.0),
            sample(3.0, 3.0),
            sample(4.0, f64::INFINITY),
        ];
        let pieces: Vec<Vec<f64>> =
            finite_pieces(&samples).map(|p| p.iter().map(|s| s.s).collect()).collect();
        assert_eq!(pieces, [vec![0.0], vec![2.0, 3.0]]);
        let summary = extremes(&samples);
        assert!(summary.contains("lowest loss 1.0000 at s = 0.0000"), "{summary}");
        assert!(summary.contains("undefined at 2 of 5 points (gaps)"), "{summary}");
        assert_eq!(
            extremes(&[sample(0.0, f64::NAN)]),
            "The loss is undefined all along this line."
        );
    }

    #[test]
    fn eigenvalues_say_which_way_the_loss_bends() {
        assert_eq!(bend(2.0), "curves up");
        assert_eq!(bend(-2.0), "curves down");
        assert_eq!(bend(0.0), "is flat to second order");
    }
}
