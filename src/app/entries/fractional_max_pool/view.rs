//! The fractional max pooling lab's views: the input with its pooling regions drawn over it,
//! the pooled output beside it, and ordinary 2 × 2 max pooling for comparison.

use egui::{Color32, RichText, Ui};
use egui_plot::{Line, Plot, PlotPoints};

use crate::app::widgets::lab_image::{self, Pixels};
use optlab_core::entries::fractional_max_pool::FractionalMaxPoolReport;
use optlab_core::entries::fractional_max_pool::PoolRegion;
use optlab_core::entries::fractional_max_pool::{FracPoolRun, Image};

/// Region boundaries: bright, thin lines.
const GRID_COLOUR: Color32 = Color32::from_rgba_premultiplied(255, 255, 255, 170);

/// Draws the lab.
pub fn show(ui: &mut Ui, r: &FractionalMaxPoolReport, generation: u64) {
    let Some(run) = &r.run else {
        ui.label("The image is too small to pool.");
        return;
    };
    let (n_in, n_out) = (run.input.width(), run.draw.pooled.width());
    ui.label(
        RichText::new(format!(
            "α = {:.3}: {n_in} → {n_out} pixels per side (2 × 2 max pooling gives {}). Regions \
             are 1 or 2 pixels wide; 🎲 Resample draws new sequences.",
            r.alpha,
            run.max_pooled.width()
        ))
        .weak(),
    );
    sequences(ui, run);
    let size = (ui.available_width() / 3.0 - 8.0).min(ui.available_height() - 30.0).max(120.0);
    ui.horizontal_top(|ui| {
        let range = lab_image::range(run.input.pixels());
        image_plot(
            ui,
            "fmp-input",
            "input with pooling regions",
            &run.input,
            generation,
            range,
            size,
            |plot| {
                regions(plot, run);
            },
        );
        image_plot(
            ui,
            "fmp-pooled",
            "fractional max pooled",
            &run.draw.pooled,
            generation,
            range,
            size,
            |_| {},
        );
        image_plot(
            ui,
            "fmp-2x2",
            "2 × 2 max pooled",
            &run.max_pooled,
            generation,
            range,
            size,
            |_| {},
        );
    });
}

/// The row and column boundary sequences and their increments.
fn sequences(ui: &mut Ui, run: &FracPoolRun) {
    let text = |boundaries: &[usize]| {
        let steps: Vec<String> = boundaries.windows(2).map(|w| (w[1] - w[0]).to_string()).collect();
        format!("{:?}  increments {}", boundaries, steps.join(""))
    };
    ui.monospace(format!("rows    {}", text(&run.draw.rows.boundaries))).on_hover_text(
        "a₀ = 0 … a_N_out = N_in: each region spans [aᵢ₋₁, aᵢ − 1] (or [aᵢ₋₁, aᵢ] overlapping)",
    );
    ui.monospace(format!("columns {}", text(&run.draw.cols.boundaries)));
}

#[expect(clippy::too_many_arguments, reason = "one image plot: its data, place and overlay")]
fn image_plot(
    ui: &mut Ui,
    id: &str,
    title: &str,
    image: &Image,
    generation: u64,
    range: (f64, f64),
    size: f32,
    overlay: impl FnOnce(&mut egui_plot::PlotUi<'_>),
) {
    ui.vertical(|ui| {
        ui.strong(title);
        let pixels =
            Pixels { width: image.width(), height: image.height(), values: image.pixels() };
        let texture = lab_image::texture(ui, egui::Id::unique(id), generation, &pixels, range);
        Plot::new(id)
            .width(size)
            .height(size)
            .data_aspect(1.0)
            .show_axes(false)
            .show_grid(false)
            .allow_drag(false)
            .allow_scroll(false)
            .show(ui, |plot| {
                lab_image::place(plot, &texture, image.width(), image.height());
                overlay(plot);
            });
    });
}

/// The pooling regions as lines at their edges (pixel coordinates, rows downwards).
fn regions(plot: &mut egui_plot::PlotUi<'_>, run: &FracPoolRun) {
    let (w, h) = (run.input.width() as f64, run.input.height() as f64);
    for region in &run.col_regions {
        for x in edges(region) {
            plot.line(line([[x, 0.0], [x, -h]]));
        }
    }
    for region in &run.row_regions {
        for y in edges(region) {
            plot.line(line([[0.0, -y], [w, -y]]));
        }
    }
}

/// Left and right pixel edges of a region.
fn edges(region: &PoolRegion) -> [f64; 2] {
    [region.start as f64, (region.end + 1) as f64]
}

fn line(points: [[f64; 2]; 2]) -> Line<'static> {
    Line::new("", PlotPoints::from(points.to_vec()))
        .color(GRID_COLOUR)
        .width(1.0)
        .allow_hover(false)
}
