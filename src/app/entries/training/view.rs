//! The training lab's views: loss (log axis) and accuracy against epoch for every run, train
//! solid and validation dashed in the run's colour, and the decision regions of one run with
//! the data on top. Legends are rows above the plots, never over the data.

use egui::{Color32, ColorImage, RichText, TextureHandle, TextureOptions, Ui};
use egui_plot::{
    HoverPosition, Line, LineStyle, MarkerShape, Plot, PlotImage, PlotPoint, PlotPoints, Points,
};

use crate::app::entries::action::EntryAction;
use crate::app::lab_results::LabResults;
use crate::app::widgets::legend_row::{self, Swatch};
use crate::app::widgets::palette;
use crate::app::widgets::{lab_image, lab_widgets};
use optlab_core::entries::training::TrainingReport;
use optlab_core::train::{Dataset, DecisionGrid};

/// What the window knows about the training thread.
#[derive(Clone, Copy, Debug)]
struct Progress {
    /// A computation is running or paused.
    pub busy: bool,
    /// Training is paused.
    pub paused: bool,
}

/// Draws the lab; a click on pause/resume adds its request to `actions`.
pub fn show(ui: &mut Ui, r: &TrainingReport, labs: &LabResults, actions: &mut Vec<EntryAction>) {
    let generation = labs.generation;
    let progress = Progress { busy: labs.busy(), paused: labs.paused() };
    if draw(ui, r, generation, progress, actions) {
        actions.push(EntryAction::PauseLab(!progress.paused));
    }
    super::sharpness_view::take_request(ui, actions);
}

/// Draws the lab; returns whether the pause/resume button was clicked.
fn draw(
    ui: &mut Ui,
    r: &TrainingReport,
    generation: u64,
    progress: Progress,
    actions: &mut Vec<EntryAction>,
) -> bool {
    for run in r.runs.iter().filter(|run| run.error.is_some()) {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!("{}: {}", run.name, run.error.as_deref().unwrap_or_default()),
        );
    }
    let toggled = toolbar(ui, r, progress);
    ui.label(summary_line(r));
    match tab_row(ui) {
        TrainingTab::Curves => curves_and_regions(ui, r, generation),
        TrainingTab::LrFinder => super::lr_finder_view::show(ui, r, actions),
        TrainingTab::Landscape => super::landscape_view::show(ui, r, generation, actions),
        TrainingTab::Sharpness => super::sharpness_view::show(ui, r),
    }
    toggled
}

/// The training entry's views, one tab each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum TrainingTab {
    /// Loss and accuracy per epoch, and the decision regions.
    #[default]
    Curves,
    /// The LR range test of every run and fastai's suggestions.
    LrFinder,
    /// The loss around the trained weights: random slice, PCA plane, interpolation.
    Landscape,
    /// λmax of the Hessian per epoch against the edge of stability.
    Sharpness,
}

impl TrainingTab {
    /// Every tab, in the row's order, with its label and tooltip.
    const ALL: [(Self, &'static str, &'static str); 4] = [
        (Self::Curves, "Curves", "Loss and accuracy per epoch, and the decision regions"),
        (
            Self::Sharpness,
            "Sharpness",
            "λmax of the training loss's Hessian per epoch, against the edge of stability 2/lr",
        ),
        (
            Self::Landscape,
            "Landscape",
            "The loss around the trained weights: a random filter-normalized slice, the PCA \
             plane of the training path, and the lines init → final and between two runs",
        ),
        (
            Self::LrFinder,
            "LR finder",
            "The LR range test (fastai's lr_find): loss against an exponentially growing lr, \
             with fastai's suggestions and buttons that use them",
        ),
    ];
}

/// The row of tabs; returns the chosen one (kept in egui's memory for the entry's view).
fn tab_row(ui: &mut Ui) -> TrainingTab {
    let id = ui.make_persistent_id("training-tab");
    let mut tab = ui.data(|d| d.get_temp::<TrainingTab>(id)).unwrap_or_default();
    ui.horizontal(|ui| {
        for (choice, label, hint) in TrainingTab::ALL {
            ui.selectable_value(&mut tab, choice, label).on_hover_text(hint);
        }
    });
    ui.data_mut(|d| d.insert_temp(id, tab));
    tab
}

/// The loss and accuracy curves of every run beside the chosen run's decision regions.
fn curves_and_regions(ui: &mut Ui, r: &TrainingReport, generation: u64) {
    let height = ui.available_height();
    ui.columns(2, |columns| {
        columns[0].vertical(|ui| {
            // The legend above both plots, never over a curve.
            let legend_top = ui.cursor().top();
            curves_legend(ui, r);
            let legend = ui.cursor().top() - legend_top;
            let plot_height = ((height - legend) * 0.5 - 30.0).max(120.0);
            let loss = Axis { id: "training-loss", label: "loss (log)", log: true };
            curves(ui, r, &loss, plot_height, |e| {
                (e.train_loss.max(1e-16).log10(), e.validation_loss.map(|v| v.max(1e-16).log10()))
            });
            let accuracy = Axis { id: "training-accuracy", label: "accuracy", log: false };
            curves(ui, r, &accuracy, plot_height, |e| (e.train_accuracy, e.validation_accuracy));
        });
        columns[1].vertical(|ui| decision_regions(ui, r, generation, height - 70.0));
    });
}

/// Pause/resume and the epochs trained so far.
fn toolbar(ui: &mut Ui, r: &TrainingReport, progress: Progress) -> bool {
    let (done, planned) = r.progress_epochs();
    let finished = r.is_finished() && !progress.busy;
    ui.horizontal(|ui| {
        let label = if progress.paused { "▶ Resume" } else { "⏸ Pause" };
        let hint = if progress.paused {
            "Go on training (Space)"
        } else {
            "Stop training here; resume later (Space)"
        };
        let clicked = ui
            .add_enabled(!finished, egui::Button::new(label))
            .on_hover_text(hint)
            .on_disabled_hover_text("Training has finished; change a setting to train again")
            .clicked();
        let fraction = if planned == 0 { 1.0 } else { done as f32 / planned as f32 };
        let text = match (finished, progress.paused) {
            (true, _) => format!("finished: {done} epochs"),
            (false, true) => format!("paused at {done} / {planned} epochs"),
            (false, false) => format!("training: {done} / {planned} epochs"),
        };
        ui.add(egui::ProgressBar::new(fraction).text(text).desired_width(320.0))
            .on_hover_text("Epochs trained, summed over the runs; runs take turns epoch by epoch");
        clicked
    })
    .inner
}

/// "name: train 99.0 %, validation 95.0 %" for every run.
fn summary_line(r: &TrainingReport) -> RichText {
    let parts: Vec<String> = r
        .runs
        .iter()
        .filter_map(|run| {
            let last = run.epochs.last()?;
            let validation = last
                .validation_accuracy
                .map_or_else(String::new, |v| format!(", validation {:.1} %", 100.0 * v));
            let evaluations = evaluations_note(&run.epochs);
            Some(format!(
                "{}: train {:.1} %{validation}{evaluations}",
                run.name,
                100.0 * last.train_accuracy
            ))
        })
        .collect();
    let when = if r.is_finished() { "Final accuracy" } else { "Accuracy so far" };
    RichText::new(format!("{when} — {}", parts.join(" · "))).strong()
}

/// ", 14 evaluations in its last step (212 in all)" for a full-batch (L-BFGS) run, else "".
fn evaluations_note(epochs: &[optlab_core::train::EpochStats]) -> String {
    let Some(last) = epochs.last().and_then(|e| e.evaluations) else { return String::new() };
    let all: u64 = epochs.iter().filter_map(|e| e.evaluations).map(u64::from).sum();
    format!(", {last} evaluations of L in its last step ({all} in all)")
}

/// A plot's id, its y label and whether its values are log10 of the quantity.
struct Axis {
    id: &'static str,
    label: &'static str,
    log: bool,
}

/// The legend of both curve plots: which line style is train and which validation, then one
/// colour per run.
fn curves_legend(ui: &mut Ui, r: &TrainingReport) {
    let key = ui.visuals().text_color();
    let mut entries = vec![("train (solid)".to_owned(), Swatch::Line(key))];
    let validated = r.runs.iter().any(|run| run.epochs.iter().any(|e| e.validation_loss.is_some()));
    if validated {
        entries.push(("validation (dashed)".to_owned(), Swatch::Dashed(key)));
    }
    entries.extend(
        r.runs
            .iter()
            .enumerate()
            .map(|(index, run)| (run.name.clone(), Swatch::Line(palette::run_colour(None, index)))),
    );
    legend_row::show(ui, &entries);
}

/// One value per epoch for every run: training solid, validation dashed, in the run's colour.
fn curves(
    ui: &mut Ui,
    r: &TrainingReport,
    axis: &Axis,
    height: f32,
    value: impl Fn(&optlab_core::train::EpochStats) -> (f64, Option<f64>),
) {
    let plot = Plot::new(axis.id).height(height).x_axis_label("epoch").y_axis_label(axis.label);
    let mut plot = lab_widgets::count_x_axis(plot, lab_widgets::EPOCH_LABELS);
    let log = axis.log;
    plot = plot.label_formatter(move |hover| match hover {
        HoverPosition::NearDataPoint { plot_name, position, .. } => {
            let value = if log { 10f64.powf(position.y) } else { position.y };
            Some(format!("{plot_name}\nepoch {:.0}\n{value:.4}", position.x))
        }
        HoverPosition::Elsewhere { .. } => None,
    });
    if axis.log {
        plot = plot
            .y_grid_spacer(|input| crate::app::widgets::log_axis::marks(&input))
            .y_axis_formatter(|mark, _| {
                crate::app::widgets::log_axis::label_within(mark.value, mark.step_size)
            });
    }
    plot.show(ui, |plot| {
        for (index, run) in r.runs.iter().enumerate() {
            let colour = palette::run_colour(None, index);
            let train: PlotPoints<'_> =
                run.epochs.iter().map(|e| [e.epoch as f64, value(e).0]).collect();
            let validation: PlotPoints<'_> =
                run.epochs.iter().filter_map(|e| Some([e.epoch as f64, value(e).1?])).collect();
            plot.line(Line::new(format!("{} train", run.name), train).color(colour).width(2.0));
            plot.line(
                Line::new(format!("{} validation", run.name), validation)
                    .color(colour)
                    .width(1.5)
                    .style(LineStyle::dashed_loose()),
            );
        }
    });
}

/// The predicted class over the plane for the chosen run, with the points on top.
fn decision_regions(ui: &mut Ui, r: &TrainingReport, generation: u64, height: f32) {
    let chosen_id = ui.scope_id().with("training-chosen-run");
    let mut chosen = ui.data(|d| d.get_temp::<usize>(chosen_id)).unwrap_or(0);
    chosen = chosen.min(r.runs.len().saturating_sub(1));
    egui::ComboBox::from_label("decision regions of")
        .selected_text(r.runs.get(chosen).map_or("", |run| run.name.as_str()))
        .show_ui(ui, |ui| {
            for (index, run) in r.runs.iter().enumerate() {
                ui.selectable_value(&mut chosen, index, &run.name);
            }
        });
    ui.data_mut(|d| d.insert_temp(chosen_id, chosen));
    let Some(run) = r.runs.get(chosen) else { return };
    let texture = run.grid.as_ref().map(|grid| texture(ui, grid, generation, chosen));
    let classes = r.train.classes.max(r.validation.classes);
    let legend: Vec<(String, Swatch)> = (0..classes)
        .flat_map(|class| {
            let colour = palette::run_colour(None, class);
            let train = (format!("train class {class}"), Swatch::Dot { colour, filled: true });
            let validation =
                (format!("validation class {class}"), Swatch::Dot { colour, filled: false });
            std::iter::once(train).chain((!r.validation.x.is_empty()).then_some(validation))
        })
        .collect();
    legend_row::show(ui, &legend);
    let height = height - 30.0;
    Plot::new("training-regions").height(height).data_aspect(1.0).show(ui, |plot| {
        if let (Some(grid), Some(texture)) = (&run.grid, &texture) {
            place(plot, grid, texture);
        }
        points(plot, &r.train, "train", true);
        points(plot, &r.validation, "validation", false);
    });
    ui.weak(points_caption(!r.validation.x.is_empty()));
}

/// What the points and colours of the decision regions mean; rings only when there are
/// validation points to draw as rings.
fn points_caption(validated: bool) -> &'static str {
    if validated {
        "Filled points: training data; rings: validation data. Colour: the predicted class, \
         brighter where the network is surer."
    } else {
        "Points: training data (no validation split). Colour: the predicted class, brighter \
         where the network is surer."
    }
}

/// Class colours, brighter with the class probability. One texture per run, updated in place
/// when a newer report arrives (a streaming training sends several a second).
fn texture(ui: &Ui, grid: &DecisionGrid, generation: u64, run: usize) -> TextureHandle {
    let key = ui.scope_id().with(("training-texture", run));
    lab_image::streamed_texture(ui, key, generation, TextureOptions::LINEAR, || {
        std::sync::Arc::new(region_image(grid))
    })
}

fn region_image(grid: &DecisionGrid) -> ColorImage {
    let [nx, ny] = grid.spec.side;
    let classes = grid.classes.max(1);
    let mut pixels = vec![Color32::BLACK; nx * ny];
    for (index, (&class, probabilities)) in
        grid.predicted.iter().zip(grid.probabilities.chunks_exact(classes)).enumerate()
    {
        let (i, j) = (index % nx.max(1), index / nx.max(1));
        let confidence = probabilities.get(class).copied().unwrap_or(0.0);
        let colour = palette::dimmed(palette::run_colour(None, class), 0.2 + 0.4 * confidence);
        // Grid row 0 is the bottom (y min); image row 0 is the top.
        if let Some(pixel) = pixels.get_mut((ny - 1 - j.min(ny - 1)) * nx + i) {
            *pixel = colour;
        }
    }
    ColorImage::new([nx, ny], pixels)
}

fn place(plot: &mut egui_plot::PlotUi<'_>, grid: &DecisionGrid, texture: &TextureHandle) {
    let [nx, ny] = grid.spec.side.map(|n| n.max(2) as f64);
    let (min, max) = (grid.spec.min, grid.spec.max);
    // Grid points are cell centres from min to max: the image reaches half a cell beyond.
    let size = [(max[0] - min[0]) * nx / (nx - 1.0), (max[1] - min[1]) * ny / (ny - 1.0)];
    let centre = PlotPoint::new(0.5 * (min[0] + max[0]), 0.5 * (min[1] + max[1]));
    #[expect(clippy::cast_possible_truncation, reason = "plot units; f32 is plenty for drawing")]
    let size = [size[0] as f32, size[1] as f32];
    plot.image(PlotImage::new("", texture.id(), centre, size).allow_hover(false));
}

fn points(plot: &mut egui_plot::PlotUi<'_>, data: &Dataset, name: &str, filled: bool) {
    for class in 0..data.classes {
        let xs: PlotPoints<'_> =
            data.x.iter().zip(&data.y).filter(|&(_, &y)| y == class).map(|(p, _)| *p).collect();
        let points: Vec<PlotPoint> = xs.points().to_vec();
        // A dark disc under each point keeps it readable on its own class's region.
        plot.points(
            Points::new("", PlotPoints::Owned(points.clone()))
                .shape(MarkerShape::Circle)
                .filled(true)
                .radius(4.5)
                .color(Color32::from_black_alpha(200))
                .allow_hover(false),
        );
        plot.points(
            Points::new(format!("{name} class {class}"), PlotPoints::Owned(points))
                .shape(MarkerShape::Circle)
                .filled(filled)
                .radius(3.0)
                .color(palette::run_colour(None, class)),
        );
    }
}
