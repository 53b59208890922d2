//! The training entry's loss-landscape controls: on/off, the slice's resolution and span, the
//! interpolation's points and the two runs joined by a line.

use egui::Ui;

use crate::app::widgets::lab_widgets;
use optlab_core::entries::training::TrainingLab;
use optlab_core::entries::training::landscape::{
    self as landscape, INTERPOLATION_POINTS, LandscapeOptions, RESOLUTION, SPAN, same_shape,
};

/// Draws the controls of `lab`'s landscape option.
pub fn show(ui: &mut Ui, lab: &mut TrainingLab) {
    let mut on = lab.landscape.is_some();
    if ui
        .checkbox(&mut on, "loss landscape")
        .on_hover_text(
            "After training: the loss on a random filter-normalized plane through each run's \
             final weights, the plane of its path's two principal components, and the lines \
             init → final and between two runs (the Landscape tab)",
        )
        .changed()
    {
        lab.landscape = on.then(LandscapeOptions::default);
    }
    // A removed run must not leave the line pointing past the end (the entry would be refused).
    let count = lab.runs.len();
    if let Some(options) = lab.landscape.as_mut()
        && options.between.is_some_and(|(a, b)| a.max(b) >= count)
    {
        options.between = None;
    }
    let runs: Vec<String> = lab.runs.iter().map(|run| run.name.clone()).collect();
    let pair = lab.landscape.as_ref().and_then(|options| landscape::pair(options, lab));
    let shapes_match = pair.is_some_and(|(a, b)| same_shape(lab, a, b));
    let Some(options) = lab.landscape.as_mut() else { return };
    lab_widgets::count(
        ui,
        &mut options.resolution,
        (3, 201),
        RESOLUTION,
        "resolution",
        "Points per side of the random slice and of the PCA plane (51: 2601 evaluations of the \
         loss over the whole training set)",
    );
    lab_widgets::number(
        ui,
        &mut options.span,
        (0.05, 5.0),
        SPAN,
        "span",
        "The random slice covers [−span, span]² around the final weights, in units of the \
         filter-normalized directions (1: as far as the weights' own filter norms)",
    );
    lab_widgets::count(
        ui,
        &mut options.interpolation_points,
        (3, 1001),
        INTERPOLATION_POINTS,
        "line points",
        "Points of each interpolation line, over α from −0.25 to 1.25",
    );
    between(ui, options, &runs, pair);
    if pair.is_some() && !shapes_match {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "These two runs differ in architecture, activation or loss: no line joins them.",
        );
    }
}

/// The runs A and B of the line between two runs' final weights.
fn between(
    ui: &mut Ui,
    options: &mut LandscapeOptions,
    runs: &[String],
    pair: Option<(usize, usize)>,
) {
    if runs.len() < 2 {
        return;
    }
    let (mut a, mut b) = pair.unwrap_or((0, 1));
    ui.horizontal(|ui| {
        let pick = |ui: &mut Ui, value: &mut usize, label: &str| {
            egui::ComboBox::from_label(label)
                .selected_text(runs.get(*value).map_or("", String::as_str))
                .show_ui(ui, |ui| {
                    for (index, name) in runs.iter().enumerate() {
                        ui.selectable_value(value, index, name);
                    }
                })
                .response
                .on_hover_text("The runs whose final weights the A → B line joins");
        };
        pick(ui, &mut a, "A");
        pick(ui, &mut b, "→ B");
    });
    if a != b && Some((a, b)) != pair {
        options.between = Some((a, b));
    }
}
