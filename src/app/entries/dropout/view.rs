//! The dropout lab's views: the notes' worked example as a table of every mask with E[a], a
//! Monte Carlo estimate converging to it, and what each scaling rule does to a layer's
//! activations at train and at test time.

use egui::{Color32, RichText, Ui};
use egui_plot::{Bar, BarChart, HLine, Legend, Line, LineStyle, Plot, PlotPoints};

use crate::app::widgets::lab_widgets;

use optlab_core::entries::dropout::DropoutReport;
use optlab_core::entries::dropout::ScalingComparison;

/// Colours of the three scaling rules (none, test-time, inverted).
const RULE_COLOURS: [Color32; 3] = [
    Color32::from_rgb(239, 99, 81),
    Color32::from_rgb(245, 197, 66),
    Color32::from_rgb(80, 200, 120),
];

/// Rows of the mask table shown at once (the rest scroll).
const TABLE_ROWS: usize = 16;

/// Draws the lab.
pub fn show(ui: &mut Ui, r: &DropoutReport) {
    ui.label(
        RichText::new(
            "p is the keep probability here, as in the course. PyTorch's dropout p is the drop \
             probability 1 − p.",
        )
        .weak(),
    );
    let half = (ui.available_height() * 0.42 - 12.0).max(140.0);
    ui.columns(2, |columns| {
        columns[0].vertical(|ui| mask_table(ui, r, half));
        columns[1].vertical(|ui| monte_carlo_plot(ui, r, half));
    });
    ui.separator();
    ui.strong(format!(
        "A layer of ReLU units: mean activation in training (solid, the rule's colour) and at \
         test (dashed white) against p, the grey line at the lab's p; right, the activations at \
         p = {:.2} as a share of units (train filled, test outline)",
        r.keep
    ));
    let row = ((ui.available_height() - 8.0) / 3.0 - 24.0).max(60.0);
    for (k, comparison) in r.scalings.iter().enumerate() {
        ui.label(rule_caption(comparison));
        ui.columns(2, |columns| {
            sweep_plot(&mut columns[0], r, k, row);
            histogram(&mut columns[1], comparison, RULE_COLOURS[k], row);
        });
    }
}

/// The rule, its formula, and whether its train and test means agree at the lab's p.
fn rule_caption(c: &ScalingComparison) -> RichText {
    let matched = (c.train.mean - c.test.mean).abs() <= 0.05 * c.test.mean.abs().max(1e-12);
    let verdict = if matched { "means match" } else { "MEANS DIFFER" };
    let text = format!(
        "{} ({}): train mean {:.3}, test mean {:.3} — {verdict}",
        c.scaling.name(),
        c.scaling.formula(),
        c.train.mean,
        c.test.mean
    );
    if matched { RichText::new(text) } else { RichText::new(text).strong().color(RULE_COLOURS[0]) }
}

/// Every mask of the neuron with its probability and activation, and E[a] under it.
fn mask_table(ui: &mut Ui, r: &DropoutReport, height: f32) {
    ui.strong("Every mask of a = Σ wᵢxᵢ + b (✓ kept, ✗ dropped; b is never dropped)");
    let Some(masks) = &r.masks else {
        ui.label("More than 12 inputs: too many masks to list; see the Monte Carlo estimate.");
        return;
    };
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + 4.0;
    egui::ScrollArea::vertical().id_salt("dropout-masks").max_height(height - 130.0).show_rows(
        ui,
        row_height,
        masks.len(),
        |ui, rows| {
            egui::Grid::new("dropout-mask-grid").striped(true).num_columns(3).show(ui, |ui| {
                ui.strong("mask");
                ui.strong("P(mask)");
                ui.strong("a");
                ui.end_row();
                for row in &masks[rows] {
                    let marks: String =
                        row.kept.iter().map(|&kept| if kept { "✓" } else { "✗" }).collect();
                    ui.monospace(marks);
                    ui.monospace(crate::app::widgets::numbers::compact(row.probability));
                    // + 0.0 turns the empty sum's −0 into 0.
                    ui.monospace(format!("{:.4}", row.activation + 0.0));
                    ui.end_row();
                }
            });
        },
    );
    if masks.len() > TABLE_ROWS {
        ui.weak(format!("{} masks; scroll for the rest", masks.len()));
    }
    let exact = r.exact.unwrap_or(r.closed_form);
    ui.label(format!(
        "E[a] = Σ P(mask)·a = {exact:.6}   p·(w·x) + b = {:.2} × {:.4} + {:.4} = {:.6}",
        r.keep, r.full, r.bias, r.closed_form
    ));
    test_time_rules(ui, r);
}

/// What p scales at test time, with the bias: the notes' rule on the dropped inputs, inverted
/// dropout, and the notes' H·p where the unit's own output is the dropped value.
fn test_time_rules(ui: &mut Ui, r: &DropoutReport) {
    ui.label("At test time nothing is dropped; p scales what training dropped:");
    ui.label(format!(
        "– notes' rule, inputs dropped: a = w·(p·x) + b = {:.4} (= E[a]: b was never dropped, so \
         it is not scaled)",
        r.test_time
    ));
    ui.label(format!(
        "– inverted dropout: train Σ kept wᵢxᵢ / p + b, test a = w·x + b = {:.4} (the bias is \
         not scaled at either time)",
        r.full + r.bias
    ));
    ui.label(format!(
        "– this unit's own output dropped (notes' H = (W·x + b)·p): z = (w·x + b)·p = {:.4}: p \
         scales the whole pre-activation, bias included",
        r.unit_scaled
    ))
    .on_hover_text(
        "The notes drop a layer's outputs H = relu(W·x + b) and multiply them by p at test \
         time, so p multiplies each unit's bias too. For the inputs of this neuron that rule \
         is w·(p·x) + b: scaling its bias as well would be off by (1 − p)·b.",
    );
}

/// The running Monte Carlo mean against the number of masks, with the exact value and a band
/// of two standard errors around it.
fn monte_carlo_plot(ui: &mut Ui, r: &DropoutReport, height: f32) {
    ui.strong("Monte Carlo mean of a over random masks");
    let last = r.monte_carlo.last().map_or(1, |&(n, _)| n).max(1) as f64;
    // SE(n) = SE(N)·√(N/n).
    let band =
        |n: f64, sign: f64| r.closed_form + sign * 2.0 * r.final_std_error * (last / n).sqrt();
    let line = |f: &dyn Fn(f64, f64) -> f64| -> PlotPoints<'static> {
        r.monte_carlo.iter().map(|&(n, mean)| [(n as f64).log10(), f(n as f64, mean)]).collect()
    };
    Plot::new("dropout-monte-carlo")
        .height(height - 30.0)
        .legend(Legend::default())
        .x_axis_label("masks sampled (log10)")
        .y_axis_label("mean of a")
        .show(ui, |plot| {
            plot.line(Line::new("running mean", line(&|_, mean| mean)).width(2.0));
            plot.line(
                Line::new("exact ± 2 SE", line(&|n, _| band(n, 1.0)))
                    .style(LineStyle::dashed_dense())
                    .color(Color32::GRAY),
            );
            plot.line(
                Line::new("exact ± 2 SE", line(&|n, _| band(n, -1.0)))
                    .style(LineStyle::dashed_dense())
                    .color(Color32::GRAY),
            );
            plot.hline(HLine::new("exact p·(w·x) + b", r.closed_form).color(Color32::WHITE));
        });
}

/// Rule `k`'s mean activation at train time (solid) and at test time (dashed) against p.
fn sweep_plot(ui: &mut Ui, r: &DropoutReport, k: usize, height: f32) {
    let colour = RULE_COLOURS[k];
    let pick = |test: bool| -> PlotPoints<'static> {
        r.sweep
            .iter()
            .map(|point| {
                let m = point.means[k];
                [point.keep, if test { m.test_mean } else { m.train_mean }]
            })
            .collect()
    };
    Plot::new(("dropout-sweep", k))
        .height(height)
        .include_x(0.0)
        .include_x(1.0)
        .include_y(0.0)
        .x_axis_label("keep p")
        .y_axis_label("mean")
        .x_grid_spacer(|input| lab_widgets::linear_ticks(&input, 5.0))
        .y_grid_spacer(|input| lab_widgets::linear_ticks(&input, 3.0))
        .x_axis_formatter(lab_widgets::tick_label)
        .y_axis_formatter(lab_widgets::tick_label)
        .y_axis_min_width(36.0)
        .allow_drag(false)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.line(Line::new("train", pick(false)).color(colour).width(2.0));
            plot.line(
                Line::new("test", pick(true))
                    .color(Color32::WHITE)
                    .width(1.5)
                    .style(LineStyle::dashed_loose()),
            );
            plot.vline(egui_plot::VLine::new("lab's p", r.keep).color(Color32::GRAY));
        });
}

/// Rule `c`'s activations at the lab's p as a share of units per bin: train filled, test
/// outlined.
fn histogram(ui: &mut Ui, c: &ScalingComparison, colour: Color32, height: f32) {
    let bars = |h: &optlab_core::regularize::Histogram, fill: Color32| -> Vec<Bar> {
        let width = h.bin_width();
        h.counts
            .iter()
            .enumerate()
            .map(|(i, &count)| {
                let total = h.counts.iter().sum::<u64>().max(1) as f64;
                Bar::new(h.lo + (i as f64 + 0.5) * width, count as f64 / total)
                    .width(width)
                    .fill(fill)
            })
            .collect()
    };
    Plot::new(("dropout-histogram", c.scaling.name()))
        .height(height)
        .x_axis_label("activation")
        .y_axis_label("share")
        .x_grid_spacer(|input| lab_widgets::linear_ticks(&input, 6.0))
        .y_grid_spacer(|input| lab_widgets::linear_ticks(&input, 3.0))
        .x_axis_formatter(lab_widgets::tick_label)
        .y_axis_formatter(lab_widgets::tick_label)
        .y_axis_min_width(36.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.bar_chart(
                BarChart::new("train", bars(&c.train_histogram, colour.gamma_multiply(0.6)))
                    .color(colour),
            );
            plot.bar_chart(
                BarChart::new("test", bars(&c.test_histogram, Color32::TRANSPARENT))
                    .color(Color32::WHITE),
            );
        });
}
