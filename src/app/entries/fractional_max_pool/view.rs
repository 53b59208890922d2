//! The fractional max pooling lab's views: the input with its pooling regions drawn over it,
//! the pooled output beside it, and ordinary 2 × 2 max pooling for comparison.

use egui::{Color32, RichText, Ui};
use egui_plot::{Plot, PlotPoint, PlotTransform};

use crate::app::widgets::lab_image::{self, Pixels};
use optlab_core::entries::fractional_max_pool::FractionalMaxPoolReport;
use optlab_core::entries::fractional_max_pool::PoolRegion;
use optlab_core::entries::fractional_max_pool::{FracPoolRun, Image};

/// Region edges across the image: thin, translucent lines.
const GRID_COLOUR: Color32 = Color32::from_rgba_premultiplied(120, 120, 120, 120);
/// Region bars on the rulers, alternating with the region's index so that neighbours differ;
/// each is drawn over a dark halo.
const REGION_COLOURS: [Color32; 2] = [Color32::WHITE, Color32::from_rgb(255, 70, 190)];
/// The halo under every bar.
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
            (large, ruler_margin(run)),
            |painter, transform| regions(painter, transform, run),
        );
        image_plot(
            ui,
            "fmp-pooled",
            "fractional max pooled",
            &run.draw.pooled,
            generation,
            range,
            (size, 0.0),
            |_, _| {},
        );
        image_plot(
            ui,
            "fmp-2x2",
            "2 × 2 max pooled",
            &run.max_pooled,
            generation,
            range,
            (size, 0.0),
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
    (size, margin): (f32, f64),
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
            // Room above and left of the image for the overlay (the region rulers).
            .include_x(-margin)
            .include_y(margin)
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

/// What the rulers over the input mean.
fn region_legend(run: &FracPoolRun) -> RichText {
    let overlapping = run.row_regions.windows(2).any(|pair| pair[1].start <= pair[0].end);
    let text = if overlapping {
        "Pooling region outlines: each region is a bar on the rulers above and left of the \
         input, in two lanes of alternating colour (white, pink); overlapping regions share a \
         row or column of pixels, where a white and a pink bar overlap."
    } else {
        "Pooling region outlines: each region is a bar on the rulers above and left of the \
         input, in two lanes of alternating colour (white, pink); disjoint regions tile the \
         image, so the bars meet end to end."
    };
    RichText::new(text)
}

/// Height of one ruler lane in pixels of the image: a twelfth of its side, at least 1.
fn lane_height(run: &FracPoolRun) -> f64 {
    (run.input.width().max(run.input.height()) as f64 / 12.0).max(1.0)
}

/// Room the two ruler lanes take beside the image, in pixels of the image.
fn ruler_margin(run: &FracPoolRun) -> f64 {
    2.0 * lane_height(run) + 0.5
}

/// The pooling regions: thin lines at their edges across the image, and each region as a bar
/// on a ruler above (columns) and left (rows) of it, alternating between two lanes and two
/// colours so that regions sharing a pixel are told apart.
fn regions(painter: &egui::Painter, transform: &PlotTransform, run: &FracPoolRun) {
    let screen = |x: f64, y: f64| transform.position_from_point(&PlotPoint::new(x, y));
    edge_lines(painter, &screen, run);
    let lane = lane_height(run);
    let gap = 0.15 * lane;
    let bar = |index: usize| {
        let near = 0.5 + (index % 2) as f64 * lane;
        (near + gap, near + lane - gap)
    };
    for (index, region) in run.col_regions.iter().enumerate() {
        let [left, right] = edges(region);
        let (low, high) = bar(index);
        let rect = egui::Rect::from_two_pos(screen(left + 0.1, low), screen(right - 0.1, high));
        ruler_bar(painter, rect, index);
    }
    for (index, region) in run.row_regions.iter().enumerate() {
        let [top, bottom] = edges(region);
        let (near, far) = bar(index);
        let rect = egui::Rect::from_two_pos(screen(-far, -top - 0.1), screen(-near, -bottom + 0.1));
        ruler_bar(painter, rect, index);
    }
}

/// One region's bar on a ruler, in the colour of its index's parity, over a dark halo.
fn ruler_bar(painter: &egui::Painter, rect: egui::Rect, index: usize) {
    painter.rect_filled(rect.expand(1.0), 1.0, HALO);
    painter.rect_filled(rect, 1.0, REGION_COLOURS[index % 2]);
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
