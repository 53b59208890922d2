//! The stochastic depth lab's views: the survival probability of each block, a raster of which
//! blocks each sampled mini-batch kept, and the residual stack's mean training output against
//! the test-time rules.

use egui::{Color32, RichText, Ui};
use egui_plot::{Line, Plot, PlotPoints, Points};

use crate::app::widgets::lab_image::{self, Pixels};
use crate::app::widgets::legend_row::{self, Swatch};
use crate::app::widgets::palette;
use optlab_core::entries::stochastic_depth::StochasticDepthReport;
use optlab_core::entries::stochastic_depth::TestRuleComparison;

/// Draws the lab.
pub fn show(ui: &mut Ui, r: &StochasticDepthReport, generation: u64) {
    let blocks = r.survival.len();
    ui.label(
        RichText::new(format!(
            "{blocks} blocks, pₗ = 1 − (l/L)(1 − p_L): expected depth Σ pₗ = {:.2} of {blocks} \
             blocks per mini-batch (the paper: about 40 of 54 for ResNet-110).",
            r.expected_depth
        ))
        .weak(),
    );
    let height = ui.available_height();
    ui.columns(2, |columns| {
        columns[0].vertical(|ui| survival_plot(ui, r, height * 0.5 - 30.0));
        columns[1].vertical(|ui| raster(ui, r, generation, height * 0.5 - 30.0));
    });
    ui.separator();
    match &r.test_rules {
        Some(rules) => test_rules(ui, rules),
        None => {
            ui.label("No residual stack for this setting.");
        }
    }
}

/// pₗ against l, with the kept fraction of the sampled raster.
fn survival_plot(ui: &mut Ui, r: &StochasticDepthReport, height: f32) {
    ui.strong("Survival probability of each block");
    let kept = r.raster.kept_fraction_per_block();
    let formula: PlotPoints<'_> =
        r.survival.iter().enumerate().map(|(l, &p)| [(l + 1) as f64, p]).collect();
    let sampled: PlotPoints<'_> =
        kept.iter().enumerate().map(|(l, &f)| [(l + 1) as f64, f]).collect();
    // The legend is a row above the plot: inside, it covered the points near pₗ = 1.
    let (formula_colour, sampled_colour) =
        (palette::run_colour(None, 0), palette::run_colour(None, 1));
    legend_row::show(
        ui,
        &[
            ("pₗ (linear decay)".to_owned(), Swatch::Line(formula_colour)),
            ("kept in the raster".to_owned(), Swatch::Dot { colour: sampled_colour, filled: true }),
        ],
    );
    Plot::new("stoch-depth-survival")
        .height(height - 24.0)
        .include_y(0.0)
        .include_y(1.0)
        .x_axis_label("block l")
        .y_axis_label("survival")
        .show(ui, |plot| {
            plot.line(Line::new("pₗ (linear decay)", formula).color(formula_colour).width(2.0));
            plot.points(
                Points::new("kept in the raster", sampled).color(sampled_colour).radius(2.5),
            );
        });
}

/// Mini-batches (rows) × blocks (columns): bright where a block ran, dark where it was skipped.
fn raster(ui: &mut Ui, r: &StochasticDepthReport, generation: u64, height: f32) {
    let (batches, blocks) = (r.raster.batches(), r.raster.blocks());
    let active = r.raster.active_blocks_per_batch();
    let mean_active = active.iter().sum::<usize>() as f64 / active.len().max(1) as f64;
    ui.strong(format!("Kept blocks per mini-batch (mean {mean_active:.2})"));
    // The key, in the texture's own colours (the colour map's two ends), so the raster reads
    // without the notes.
    legend_row::show(
        ui,
        &[
            ("kept (ran)".to_owned(), Swatch::Square(palette::surface_colour(1.0))),
            ("skipped".to_owned(), Swatch::Square(palette::surface_colour(0.0))),
        ],
    );
    let values: Vec<f64> =
        r.raster.rows().flat_map(|row| row.iter().map(|&kept| f64::from(u8::from(kept)))).collect();
    let pixels = Pixels { width: blocks, height: batches, values: &values };
    let texture = lab_image::texture(
        ui,
        egui::Id::unique("stoch-depth-raster"),
        generation,
        &pixels,
        (0.0, 1.0),
    );
    Plot::new("stoch-depth-raster-plot")
        .height(height - 24.0)
        .show_grid(false)
        .x_axis_label("block")
        .y_axis_label("mini-batch")
        .y_axis_formatter(|mark, _| format!("{}", -mark.value + 0.0))
        .allow_drag(false)
        .allow_scroll(false)
        .show(ui, |plot| lab_image::place(plot, &texture, blocks, batches));
}

/// The stack's mean training output against each convention's test-time output.
fn test_rules(ui: &mut Ui, t: &TestRuleComparison) {
    ui.strong(format!(
        "A residual stack: mean training output over {} passes against the test-time output",
        t.samples
    ));
    ui.label(
        RichText::new(
            "Paper: train with gates bₗ, test with every block scaled by pₗ. Inverted: train \
             with bₗ/pₗ, test with the full network. Each pair agrees in expectation \
             up to the ReLUs inside the blocks (the paper's approximation).",
        )
        .weak(),
    );
    egui::ScrollArea::both().id_salt("stoch-depth-rules").show(ui, |ui| {
        egui::Grid::new("stoch-depth-rule-grid").striped(true).num_columns(5).show(ui, |ui| {
            for title in [
                "coordinate",
                "paper: train mean",
                "paper: test",
                "inverted: train mean",
                "inverted: test",
            ] {
                ui.strong(title);
            }
            ui.end_row();
            for i in 0..t.paper_test.len() {
                let at = |v: &[f64]| v.get(i).copied().unwrap_or(f64::NAN);
                let se = |v: &[f64]| v.get(i).copied().unwrap_or(f64::NAN);
                ui.monospace(format!("{}", i + 1));
                ui.monospace(format!(
                    "{:.4} ± {:.4}",
                    at(&t.paper_train_mean),
                    2.0 * se(&t.paper_train_std_error)
                ));
                ui.colored_label(Color32::LIGHT_GREEN, format!("{:.4}", at(&t.paper_test)));
                ui.monospace(format!(
                    "{:.4} ± {:.4}",
                    at(&t.inverted_train_mean),
                    2.0 * se(&t.inverted_train_std_error)
                ));
                ui.colored_label(Color32::LIGHT_GREEN, format!("{:.4}", at(&t.inverted_test)));
                ui.end_row();
            }
        });
    });
}
