//! The fractional max pooling lab's views: the input with its pooling regions drawn over it,
//! the pooled output beside it, and ordinary 2 × 2 max pooling for comparison.

use egui::{Color32, RichText, Ui};
use egui_plot::{Plot, PlotPoint, PlotTransform};

use crate::app::widgets::lab_image::{self, Pixels};
use optlab_core::entries::fractional_max_pool::FractionalMaxPoolReport;
use optlab_core::entries::fractional_max_pool::PoolRegion;
use optlab_core::entries::fractional_max_pool::{FracPoolRun, Image};

/// Region boundaries of images too fine for outlines: bright, thin lines.
const GRID_COLOUR: Color32 = Color32::from_rgba_premultiplied(255, 255, 255, 170);
/// Region outlines, alternating like a checkerboard over the regions' (row, column) indices so
/// that neighbours always differ; each is drawn over a dark halo to show on any pixel.
const REGION_COLOURS: [Color32; 2] = [Color32::WHITE, Color32::from_rgb(255, 70, 190)];
/// The halo under every outline.
const HALO: Color32 = Color32::from_rgba_premultiplied(0, 0, 0, 200);

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
    ui.label(region_legend(run));
    // The input with its regions gets half the width; the two pooled images share the rest.
    let room = ui.available_height() - 30.0;
    let large = (ui.available_width() * 0.5 - 8.0).min(room).max(120.0);
    let size = (ui.available_width() * 0.25 - 8.0).min(room).max(120.0);
    ui.horizontal_top(|ui| {
        let range = lab_image::range(run.input.pixels());
        image_plot(
            ui,
            "fmp-input",
            "input with pooling regions",
            &run.input,
            generation,
            range,
            large,
            |painter, transform| regions(painter, transform, run),
        );
        image_plot(
            ui,
            "fmp-pooled",
            "fractional max pooled",
            &run.draw.pooled,
            generation,
            range,
            size,
            |_, _| {},
        );
        image_plot(
            ui,
            "fmp-2x2",
            "2 × 2 max pooled",
            &run.max_pooled,
            generation,
            range,
            size,
            |_, _| {},
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
    overlay: impl FnOnce(&egui::Painter, &PlotTransform),
) {
    ui.vertical(|ui| {
        ui.strong(title);
        let pixels =
            Pixels { width: image.width(), height: image.height(), values: image.pixels() };
        let texture = lab_image::texture(ui, egui::Id::unique(id), generation, &pixels, range);
        let response = Plot::new(id)
            .width(size)
            .height(size)
            .data_aspect(1.0)
            .show_axes(false)
            .show_grid(false)
            .allow_drag(false)
            .allow_scroll(false)
            .show(ui, |plot| {
                lab_image::place(plot, &texture, image.width(), image.height());
            });
        overlay(&ui.painter_at(response.response.rect), &response.transform);
    });
}

/// What the outlines over the input mean.
fn region_legend(run: &FracPoolRun) -> RichText {
    let overlapping = run.row_regions.windows(2).any(|pair| pair[1].start <= pair[0].end);
    let text = if overlapping {
        "Pooling region outlines, white and pink alternating like a checkerboard, drawn a \
         little inside each region: overlapping regions share a row or column of pixels, where \
         a white and a pink outline run through the same pixel."
    } else {
        "Pooling region outlines, white and pink alternating like a checkerboard: disjoint \
         regions tile the image, each pixel inside exactly one outline."
    };
    RichText::new(text)
}

/// The pooling regions over the input: each region's outline, inset a little so neighbours
/// that overlap by a pixel show both outlines, coloured by the parity of its row and column
/// index so that neighbours always differ. Images too fine for outlines get one line per
/// region edge instead.
fn regions(painter: &egui::Painter, transform: &PlotTransform, run: &FracPoolRun) {
    let screen = |x: f64, y: f64| transform.position_from_point(&PlotPoint::new(x, y));
    let pixel = (screen(1.0, 0.0).x - screen(0.0, 0.0).x).abs();
    if pixel < 4.0 {
        edge_lines(painter, &screen, run);
        return;
    }
    let inset = (0.28 * pixel).clamp(2.0, 8.0);
    let width = (0.07 * pixel).clamp(1.0, 2.0);
    for (i, rows) in run.row_regions.iter().enumerate() {
        for (j, cols) in run.col_regions.iter().enumerate() {
            let [left, right] = edges(cols);
            let [top, bottom] = edges(rows);
            let rect = egui::Rect::from_two_pos(screen(left, -top), screen(right, -bottom));
            let colour = REGION_COLOURS[(i + j) % 2];
            for stroke in [egui::Stroke::new(width + 2.0, HALO), egui::Stroke::new(width, colour)] {
                painter.rect_stroke(rect.shrink(inset), 0.0, stroke, egui::StrokeKind::Middle);
            }
        }
    }
}

/// One line per region edge across the whole image.
fn edge_lines(painter: &egui::Painter, screen: &dyn Fn(f64, f64) -> egui::Pos2, run: &FracPoolRun) {
    let (w, h) = (run.input.width() as f64, run.input.height() as f64);
    let stroke = egui::Stroke::new(1.0, GRID_COLOUR);
    for x in run.col_regions.iter().flat_map(edges) {
        painter.line_segment([screen(x, 0.0), screen(x, -h)], stroke);
    }
    for y in run.row_regions.iter().flat_map(edges) {
        painter.line_segment([screen(0.0, -y), screen(w, -y)], stroke);
    }
}

/// First and one-past-last pixel edge of a region.
fn edges(region: &PoolRegion) -> [f64; 2] {
    [region.start as f64, (region.end + 1) as f64]
}
