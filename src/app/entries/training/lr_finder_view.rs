//! The training entry's LR finder tab: one run's LR range test (fastai's `lr_find`) as loss
//! against lr on a log axis — the smoothed loss as a line (dashed where `lr_find` trims it before
//! suggesting), every mini-batch loss as a faint dot — with fastai's four suggestions marked and
//! a button per suggestion that makes it the run's lr. The legend is a row above the plot.

use egui::{Color32, Ui};
use egui_plot::{HoverPosition, Line, LineStyle, MarkerShape, Plot, PlotPoints, Points};

use super::lr_finder_controls::LrFinderAction;
use crate::app::entries::action::EntryAction;
use crate::app::widgets::legend_row::{self, Swatch};
use crate::app::widgets::log_axis;
use optlab_core::entries::training::TrainingReport;
use optlab_core::train::lr_range::{RangeTest, Suggested};

/// How one suggestion is named, explained and marked.
struct Mark {
    name: &'static str,
    tip: &'static str,
    colour: Color32,
    shape: MarkerShape,
    swatch: Swatch,
}

/// fastai's four suggestions in its order, with colours from the Okabe–Ito palette.
fn marks() -> [Mark; 4] {
    let orange = Color32::from_rgb(230, 159, 0);
    let blue = Color32::from_rgb(86, 180, 233);
    let green = Color32::from_rgb(0, 158, 115);
    let pink = Color32::from_rgb(204, 121, 167);
    [
        Mark {
            name: "valley",
            tip: "fastai's default: a point a third to a half into the longest stretch over \
                  which the smoothed loss keeps falling",
            colour: orange,
            shape: MarkerShape::Diamond,
            swatch: Swatch::Diamond(orange),
        },
        Mark {
            name: "slide",
            tip: "the interval slide rule: from the right, the leftmost point whose loss \
                  gradient still differs from the one 15 points to its right by more than 0.005",
            colour: blue,
            shape: MarkerShape::Circle,
            swatch: Swatch::Dot { colour: blue, filled: true },
        },
        Mark {
            name: "minimum/10",
            tip: "a tenth of the lr where the smoothed loss is lowest (the marked point is the \
                  minimum itself)",
            colour: green,
            shape: MarkerShape::Circle,
            swatch: Swatch::Dot { colour: green, filled: false },
        },
        Mark {
            name: "steep",
            tip: "where the smoothed loss falls fastest per decade of lr",
            colour: pink,
            shape: MarkerShape::Square,
            swatch: Swatch::Square(pink),
        },
    ]
}

/// The suggestions in [`marks`]'s order.
fn suggestions(test: &RangeTest) -> [&Suggested; 4] {
    let s = &test.suggestions;
    [&s.valley, &s.slide, &s.minimum, &s.steep]
}

/// Draws the tab; a click on a suggestion's button (or on "Turn on") adds its request.
pub fn show(ui: &mut Ui, r: &TrainingReport, actions: &mut Vec<EntryAction>) {
    if r.runs.iter().all(|run| run.lr_find.is_none()) {
        off(ui, actions);
        return;
    }
    let chosen = run_chooser(ui, r);
    let Some((run, test)) = r.runs.get(chosen).and_then(|run| Some((run, run.lr_find.as_ref()?)))
    else {
        ui.label("This run has no LR range test (it could not train).");
        return;
    };
    ui.label(format!(
        "{}: {} updates from lr {:.1e}, {}; the suggestions read updates {} to {} (fastai's \
         [num_it/10, −5) window, cut at the first NaN).",
        run.name,
        test.lrs.len(),
        test.plan.start_lr,
        test.stop.describe(),
        test.window.start + 1,
        test.window.end,
    ));
    let above = test.losses.iter().filter(|v| !v.is_finite() || **v > y_top(test)).count();
    if above > 0 {
        ui.label(format!(
            "{above} mini-batch losses lie above the plot (diverging): small triangles at its top."
        ));
    }
    buttons(ui, test, chosen, actions);
    legend(ui);
    plot(ui, test);
}

/// What the tab says while the LR finder is off, with a button that turns it on.
fn off(ui: &mut Ui, actions: &mut Vec<EntryAction>) {
    ui.label(
        "The LR range test (Smith 2017; fastai's lr_find) trains a copy of each run for 100 \
         mini-batches while the learning rate grows exponentially from 1e-7 to 10, and plots \
         the smoothed loss against the lr. Where the loss falls fastest lies a good learning \
         rate; fastai reads four suggestions off the curve. The runs themselves are not changed.",
    );
    let clicked = ui
        .button("Turn on the LR finder")
        .on_hover_text("Run the test before training (the panel's LR finder settings)")
        .clicked();
    if clicked {
        actions.push(EntryAction::LrFinder(LrFinderAction::TurnOn));
    }
}

/// The run whose test is shown (kept in egui's memory).
fn run_chooser(ui: &mut Ui, r: &TrainingReport) -> usize {
    let id = ui.make_persistent_id("lr-finder-run");
    let mut chosen = ui.data(|d| d.get_temp::<usize>(id)).unwrap_or(0);
    chosen = chosen.min(r.runs.len().saturating_sub(1));
    egui::ComboBox::from_label("run")
        .selected_text(r.runs.get(chosen).map_or("", |run| run.name.as_str()))
        .show_ui(ui, |ui| {
            for (index, run) in r.runs.iter().enumerate() {
                ui.selectable_value(&mut chosen, index, &run.name);
            }
        })
        .response
        .on_hover_text("The run whose LR range test is shown");
    ui.data_mut(|d| d.insert_temp(id, chosen));
    chosen
}

/// One button per suggestion: "Use valley: lr = 1.9e-2", disabled with the reason when
/// fastai's function has no answer.
fn buttons(ui: &mut Ui, test: &RangeTest, run: usize, actions: &mut Vec<EntryAction>) {
    ui.horizontal_wrapped(|ui| {
        for (mark, suggested) in marks().iter().zip(suggestions(test)) {
            match suggested {
                Ok(s) => {
                    let text = format!("Use {}: lr = {:.1e}", mark.name, s.lr);
                    let hint = format!("Set this run's lr to {:.3e}: {}", s.lr, mark.tip);
                    if ui.button(text).on_hover_text(hint).clicked() {
                        actions
                            .push(EntryAction::LrFinder(LrFinderAction::UseLr { run, lr: s.lr }));
                    }
                }
                Err(why) => {
                    let text = format!("{}: none", mark.name);
                    ui.add_enabled(false, egui::Button::new(text)).on_disabled_hover_text(why);
                }
            }
        }
    });
}

/// The legend row above the plot.
fn legend(ui: &mut Ui) {
    let ink = ui.visuals().text_color();
    let faint = ui.visuals().weak_text_color();
    let mut entries = vec![
        ("smoothed loss (read by the suggestions)".to_owned(), Swatch::Line(ink)),
        ("smoothed loss, trimmed".to_owned(), Swatch::Dashed(faint)),
        ("loss of each mini-batch".to_owned(), Swatch::Dot { colour: faint, filled: true }),
    ];
    entries.extend(marks().into_iter().map(|m| (m.name.to_owned(), m.swatch)));
    legend_row::show(ui, &entries);
}

/// `(log10 lr, value)` of the finite values at `indices`.
fn points(test: &RangeTest, values: &[f64], indices: std::ops::Range<usize>) -> Vec<[f64; 2]> {
    indices
        .filter_map(|i| Some((*test.lrs.get(i)?, *values.get(i)?)))
        .filter(|(lr, v)| *lr > 0.0 && v.is_finite())
        .map(|(lr, v)| [lr.log10(), v])
        .collect()
}

/// The top of the y range: above every finite smoothed value, so a diverging mini-batch loss
/// does not flatten the curve (those are drawn at the top as triangles).
fn y_top(test: &RangeTest) -> f64 {
    let (low, high) = test
        .smoothed
        .iter()
        .chain(&test.losses)
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let smooth_high = test.smoothed.iter().copied().filter(|v| v.is_finite()).fold(low, f64::max);
    let top = smooth_high + 0.15 * (smooth_high - low).max(1e-9);
    if high <= top { high } else { top }
}

/// The loss against lr, log x axis, the suggestions marked.
fn plot(ui: &mut Ui, test: &RangeTest) {
    let faint = ui.visuals().weak_text_color();
    let ink = ui.visuals().text_color();
    let top = y_top(test);
    let all = 0..test.lrs.len();
    let (raw, over): (Vec<[f64; 2]>, Vec<[f64; 2]>) =
        points(test, &test.losses, all.clone()).into_iter().partition(|p| p[1] <= top);
    let over: Vec<[f64; 2]> = over.into_iter().map(|p| [p[0], top]).collect();
    Plot::new("lr-finder-plot")
        .x_axis_label("learning rate (log)")
        .y_axis_label("loss")
        .x_grid_spacer(|input| log_axis::marks(&input))
        .x_axis_formatter(|mark, _| log_axis::label_within(mark.value, mark.step_size))
        .label_formatter(|hover| match hover {
            HoverPosition::NearDataPoint { plot_name, position, .. } => Some(format!(
                "{plot_name}\nlr {:.3e}\nloss {:.4}",
                10f64.powf(position.x),
                position.y
            )),
            HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |plot| {
            let dots = Points::new("loss of each mini-batch", PlotPoints::from(raw));
            plot.points(dots.color(faint.gamma_multiply(0.8)).radius(1.8).filled(true));
            let above = Points::new("mini-batch loss above the plot", PlotPoints::from(over));
            plot.points(above.color(faint).radius(3.0).shape(MarkerShape::Up));
            let window = &test.window;
            for part in [0..window.start + 1, window.end.saturating_sub(1)..all.end] {
                let trimmed = PlotPoints::from(points(test, &test.smoothed, part));
                let line = Line::new("smoothed loss, trimmed", trimmed);
                plot.line(line.color(faint).width(1.5).style(LineStyle::dashed_loose()));
            }
            let kept = PlotPoints::from(points(test, &test.smoothed, test.window.clone()));
            plot.line(Line::new("smoothed loss", kept).color(ink).width(2.0));
            for (mark, suggested) in marks().iter().zip(suggestions(test)) {
                let Ok(s) = suggested else { continue };
                let at = vec![[s.marked_lr.log10(), s.marked_loss]];
                let point = Points::new(mark.name, PlotPoints::from(at)).shape(mark.shape);
                let filled = !matches!(mark.swatch, Swatch::Dot { filled: false, .. });
                plot.points(point.color(mark.colour).radius(6.0).filled(filled));
            }
        });
}
