//! The training entry's Landscape tab (Li et al. 2018): for the chosen run, the loss on a
//! filter-normalized random plane through its final weights (heat map, contours, final point),
//! the plane of its path's first two principal components with the path drawn on it, and the
//! 1-D lines init → final (every run) and run A → run B. Colours follow the race map's log
//! scale and colour bar; legends are rows above the plots.

use std::sync::Arc;

use egui::{Color32, TextureOptions, Ui};
use egui_plot::{
    Line, LineStyle, MarkerShape, Plot, PlotImage, PlotPoint, PlotPoints, Points, VLine,
};

use crate::app::entries::action::EntryAction;
use crate::app::widgets::heatmap::{self, Heatmap};
use crate::app::widgets::lab_image;
use crate::app::widgets::legend_row::{self, Swatch};
use crate::app::widgets::palette;
use crate::app::widgets::surface_grid::{self, SurfaceGrid};
use optlab_core::entries::training::TrainingReport;
use optlab_core::entries::training::landscape::{LandscapeReport, PcaPlane, RunLandscape};
use optlab_core::surface::ViewBox;
use optlab_core::train::landscape::LossGrid;

/// What the tab says when the views are off.
const OFF_TEXT: &str = "The loss-landscape views are off. When on, optlab records each run's \
    weights during training (up to 200 snapshots) and, once training has finished, computes \
    the loss on a random filter-normalized plane through the final weights, the plane of the \
    path's two principal components, and the straight lines from the initial to the final \
    weights and between two runs' final weights.";

/// The note under the PCA plane.
const PCA_NOTE: &str = "A PCA plane is chosen by the path itself, so two runs' PCA planes are \
    different planes: compare optimizers on the random slices, which are drawn the same way \
    for every run.";

/// Draws the tab; the "turn on" button adds its request to `actions`.
pub fn show(ui: &mut Ui, r: &TrainingReport, generation: u64, actions: &mut Vec<EntryAction>) {
    let landscape = &r.landscape;
    if !landscape.enabled {
        ui.label(OFF_TEXT);
        if ui
            .button("Turn on the landscape views")
            .on_hover_text(
                "Sets the entry's landscape option (51 × 51 over [−1, 1]²); training runs again",
            )
            .clicked()
        {
            actions.push(EntryAction::EnableLandscape);
        }
        return;
    }
    let Some(chosen) = run_chooser(ui, r) else { return };
    ui.label(progress_text(r, landscape));
    let Some(run) = landscape.runs.get(chosen) else { return };
    if let Some(note) = &run.note {
        ui.colored_label(ui.visuals().warn_fg_color, note);
    }
    let height = (ui.available_height() - 90.0).max(160.0);
    ui.columns(3, |columns| {
        columns[0].vertical(|ui| slice_column(ui, run, chosen, generation, height));
        columns[1].vertical(|ui| pca_column(ui, run, chosen, generation, height));
        columns[2].vertical(|ui| interpolation_column(ui, r, height));
    });
}

/// The run whose planes are shown (kept in egui's memory).
fn run_chooser(ui: &mut Ui, r: &TrainingReport) -> Option<usize> {
    let id = ui.make_persistent_id("landscape-chosen-run");
    let mut chosen = ui.data(|d| d.get_temp::<usize>(id)).unwrap_or(0);
    chosen = chosen.min(r.runs.len().checked_sub(1)?);
    egui::ComboBox::from_label("landscape of")
        .selected_text(r.runs.get(chosen).map_or("", |run| run.name.as_str()))
        .show_ui(ui, |ui| {
            for (index, run) in r.runs.iter().enumerate() {
                ui.selectable_value(&mut chosen, index, &run.name);
            }
        })
        .response
        .on_hover_text("The run whose random slice and PCA plane are shown");
    ui.data_mut(|d| d.insert_temp(id, chosen));
    Some(chosen)
}

/// "waiting for training" / "computing: 3 of 7 parts" / "done".
fn progress_text(r: &TrainingReport, landscape: &LandscapeReport) -> String {
    if landscape.finished {
        return "Every loss is the training objective: data loss on the training set (no \
                dropout) plus the L2 penalty."
            .to_owned();
    }
    if !r.is_finished() {
        return "The landscape is computed once training has finished…".to_owned();
    }
    let parts = landscape.runs.iter().map(|run| {
        usize::from(!run.interpolation.is_empty())
            + usize::from(run.slice.as_ref().is_some_and(LossGrid::is_complete))
            + usize::from(
                run.pca.as_ref().is_some_and(|p| p.grid.is_complete()) || run.note.is_some(),
            )
    });
    let done: usize = parts.sum();
    format!("Computing the landscape: {done} of {} views…", 3 * landscape.runs.len())
}

/// The random slice: heat map, contours, the final point, and its colour bar.
fn slice_column(ui: &mut Ui, run: &RunLandscape, index: usize, generation: u64, height: f32) {
    ui.strong("Random filter-normalized slice");
    let Some(grid) = &run.slice else {
        ui.weak("waiting…");
        return;
    };
    legend_row::show(
        ui,
        &[("final weights θ*".to_owned(), Swatch::Dot { colour: Color32::WHITE, filled: true })],
    );
    let picture = picture(ui, grid, ("slice", index), generation);
    ui.horizontal(|ui| {
        let width = (ui.available_width() - heatmap::COLOUR_BAR_WIDTH).max(120.0);
        Plot::new(("landscape-slice", index))
            .width(width)
            .height(height - 40.0)
            .data_aspect(1.0)
            .x_axis_label("a (direction 1)")
            .y_axis_label("b (direction 2)")
            .show(ui, |plot| {
                draw_picture(plot, &picture);
                marker(plot, "final weights", [0.0, 0.0], Color32::WHITE, MarkerShape::Circle);
            });
        heatmap::colour_bar(ui, &picture);
    });
    ui.weak("θ* + a·d₁ + b·d₂: each direction's filters have the norms of θ*'s, biases not moved.");
}

/// The PCA plane: heat map, the path (start and end marked), the variance explained.
fn pca_column(ui: &mut Ui, run: &RunLandscape, index: usize, generation: u64, height: f32) {
    ui.strong("PCA plane of the training path");
    let Some(pca) = &run.pca else {
        ui.weak("waiting…");
        return;
    };
    ui.label(format!(
        "components explain {:.1} % and {:.1} % of the path's variance",
        100.0 * pca.explained[0],
        100.0 * pca.explained[1]
    ));
    let path_colour = Color32::from_rgb(255, 255, 255);
    legend_row::show(
        ui,
        &[
            ("path".to_owned(), Swatch::Line(path_colour)),
            ("start (epoch 0)".to_owned(), Swatch::Diamond(path_colour)),
            ("end".to_owned(), Swatch::Dot { colour: path_colour, filled: true }),
        ],
    );
    let picture = picture(ui, &pca.grid, ("pca", index), generation);
    ui.horizontal(|ui| {
        let width = (ui.available_width() - heatmap::COLOUR_BAR_WIDTH).max(120.0);
        Plot::new(("landscape-pca", index))
            .width(width)
            .height(height - 90.0)
            .data_aspect(1.0)
            .x_axis_label(format!("PC 1 ({:.0} %)", 100.0 * pca.explained[0]))
            .y_axis_label(format!("PC 2 ({:.0} %)", 100.0 * pca.explained[1]))
            .show(ui, |plot| {
                draw_picture(plot, &picture);
                path(plot, pca, path_colour);
            });
        heatmap::colour_bar(ui, &picture);
    });
    ui.weak(PCA_NOTE);
}

fn path(plot: &mut egui_plot::PlotUi<'_>, pca: &PcaPlane, colour: Color32) {
    let points: Vec<[f64; 2]> = pca.path.iter().map(|p| [p[1], p[2]]).collect();
    plot.line(Line::new("path", PlotPoints::from(points.clone())).color(colour).width(2.0));
    if let Some(&start) = points.first() {
        marker(plot, "start", start, colour, MarkerShape::Diamond);
    }
    if let Some(&end) = points.last() {
        marker(plot, "end", end, colour, MarkerShape::Circle);
    }
}

/// A filled marker with a dark rim, readable on any colour of the map.
fn marker(
    plot: &mut egui_plot::PlotUi<'_>,
    name: &str,
    at: [f64; 2],
    colour: Color32,
    shape: MarkerShape,
) {
    plot.points(
        Points::new("", vec![at])
            .shape(shape)
            .filled(true)
            .radius(6.5)
            .color(Color32::BLACK)
            .allow_hover(false),
    );
    plot.points(Points::new(name, vec![at]).shape(shape).filled(true).radius(4.5).color(colour));
}

/// The loss along init → final for every run, and A → B, against α.
fn interpolation_column(ui: &mut Ui, r: &TrainingReport, height: f32) {
    ui.strong("1-D interpolation");
    let mut legend: Vec<(String, Swatch)> = r
        .runs
        .iter()
        .enumerate()
        .map(|(i, run)| {
            (format!("{}: init → final", run.name), Swatch::Line(palette::run_colour(None, i)))
        })
        .collect();
    let between = r.landscape.between.as_ref();
    let key = ui.visuals().text_color();
    if let Some(line) = between.filter(|l| !l.points.is_empty()) {
        let name = |i: usize| r.runs.get(i).map_or("", |run| run.name.as_str());
        legend.push((
            format!("{} → {} (final weights)", name(line.from), name(line.to)),
            Swatch::Dashed(key),
        ));
    }
    legend_row::show(ui, &legend);
    Plot::new("landscape-interpolation")
        .height(height - 40.0)
        .x_axis_label("α  (0: start, 1: end)")
        .y_axis_label("loss")
        .show(ui, |plot| {
            plot.vline(
                VLine::new("α = 0", 0.0).color(Color32::GRAY).style(LineStyle::dotted_loose()),
            );
            plot.vline(
                VLine::new("α = 1", 1.0).color(Color32::GRAY).style(LineStyle::dotted_loose()),
            );
            for (i, (run, landscape)) in r.runs.iter().zip(&r.landscape.runs).enumerate() {
                let points = PlotPoints::from(landscape.interpolation.clone());
                let name = format!("{}: init → final", run.name);
                plot.line(Line::new(name, points).color(palette::run_colour(None, i)).width(2.0));
            }
            if let Some(line) = between.filter(|l| !l.points.is_empty()) {
                let points = PlotPoints::from(line.points.clone());
                plot.line(
                    Line::new("A → B", points)
                        .color(key)
                        .width(1.5)
                        .style(LineStyle::dashed_loose()),
                );
            }
        });
    if let Some(note) = between.and_then(|l| l.note.as_deref()) {
        ui.weak(note);
    }
    ui.weak("(1 − α)·θ_start + α·θ_end, a little past both ends; dotted lines at α = 0 and 1.");
}

/// The heat map of `grid` (rows not computed yet are hatched), cached per view and report.
fn picture(
    ui: &Ui,
    grid: &LossGrid,
    which: (&'static str, usize),
    generation: u64,
) -> Arc<Heatmap> {
    let key = ui.make_persistent_id(("landscape-picture", which));
    let rows = grid.rows_done();
    if let Some((made_for, picture)) = ui.data(|d| d.get_temp::<((u64, usize), Arc<Heatmap>)>(key))
        && made_for == (generation, rows)
    {
        return picture;
    }
    let picture = Arc::new(build_picture(ui, grid, key, generation));
    ui.data_mut(|d| d.insert_temp(key, ((generation, rows), Arc::clone(&picture))));
    picture
}

fn build_picture(ui: &Ui, grid: &LossGrid, key: egui::Id, generation: u64) -> Heatmap {
    let side = grid.side;
    // Grid row 0 is b's low end; an image's row 0 is its top.
    let values: Vec<f64> = (0..side)
        .rev()
        .flat_map(|j| (0..side).map(move |i| (i, j)))
        .map(|(i, j)| grid.loss.get(j * side + i).copied().unwrap_or(f64::NAN))
        .collect();
    let half = |range: [f64; 2]| 0.5 * (range[1] - range[0]) / (side - 1) as f64;
    let (ha, hb) = (half(grid.a_range), half(grid.b_range));
    let view_box = ViewBox {
        x_min: grid.a_range[0] - ha,
        x_max: grid.a_range[1] + ha,
        y_min: grid.b_range[0] - hb,
        y_max: grid.b_range[1] + hb,
    };
    let sampled = SurfaceGrid::from_values(values, (side, side), view_box);
    let contours = sampled
        .contours(&surface_grid::contour_levels())
        .into_iter()
        .map(|line| line.into_iter().map(|p| PlotPoint::new(p[0], p[1])).collect())
        .collect();
    let image = Arc::new(sampled.image());
    let texture = lab_image::streamed_texture(
        ui,
        key.with("texture"),
        generation,
        TextureOptions::NEAREST,
        || image,
    );
    Heatmap {
        region: view_box,
        view_box,
        texture,
        scale: sampled.scale,
        levels: surface_grid::colour_levels(&sampled.scale),
        grid: Arc::new(sampled),
        contours,
        generation,
        complete: grid.is_complete(),
    }
}

fn draw_picture<'a>(plot: &mut egui_plot::PlotUi<'a>, picture: &'a Heatmap) {
    let b = picture.view_box;
    let centre = PlotPoint::new(0.5 * (b.x_min + b.x_max), 0.5 * (b.y_min + b.y_max));
    #[expect(clippy::cast_possible_truncation, reason = "plot units; f32 is plenty for drawing")]
    let size = [(b.x_max - b.x_min) as f32, (b.y_max - b.y_min) as f32];
    plot.image(PlotImage::new("", picture.texture.id(), centre, size).allow_hover(false));
    for line in &picture.contours {
        plot.line(
            Line::new("", &line[..])
                .color(Color32::from_white_alpha(110))
                .width(1.0)
                .allow_hover(false),
        );
    }
}
