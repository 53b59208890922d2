//! The per-run table: final loss, best loss, steps to reach the tolerance, distance to the
//! nearest known minimum, and the step of divergence.

use crate::app::entries::race::results::{RaceResults, RunStats};
use crate::app::widgets::draw_cache::{DrawCache, RecordsKey};
use crate::app::widgets::palette;
use optlab_core::entries::race::Race;
use optlab_core::surface::Surface;

/// The figure columns: a short header that fits a narrow column, and its meaning on hover.
const COLUMNS: [(&str, &str); 5] = [
    ("final loss", "Loss at the shown step"),
    ("best loss", "Lowest loss up to the shown step"),
    ("to tol.", "First step within the tolerance of the global minimum"),
    ("to min", "Distance from the shown position to the nearest known minimum"),
    (
        "diverged",
        "The step where the run diverged: its loss passed 10¹² × max(1, loss at the start), \
         or its values stopped being numbers (or passed 1e100)",
    ),
];

/// Draws the table for the shown step: the run column stays put while the figures scroll
/// sideways when the panel is too narrow for them; rows scroll vertically.
/// A click on a run's name focuses it (its internals are shown).
pub fn show(
    ui: &mut egui::Ui,
    race: &Race,
    step: u64,
    (focused_run, stats): (&mut usize, &mut StatsCache),
    results: &RaceResults,
) {
    let row = row_height(ui);
    egui::ScrollArea::vertical().id_salt("run-stats-scroll").show(ui, |ui| {
        ui.horizontal_top(|ui| {
            run_column(ui, race, focused_run, row);
            // A solid bar (not egui's floating one, which shows only under the pointer), so a
            // column past the edge is visibly scrollable.
            ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
            egui::ScrollArea::horizontal()
                .id_salt("run-stats-figures")
                .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::VisibleWhenNeeded)
                .show(ui, |ui| figures(ui, (race, step), stats, results, row));
        });
    });
}

/// The height the table needs for `runs` rows and its header, without scrolling.
#[must_use]
pub fn height(ui: &egui::Ui, runs: usize) -> f32 {
    let pitch = row_height(ui) + ui.spacing().item_spacing.y;
    let scroll_bar = egui::style::ScrollStyle::solid().allocated_width();
    (runs + 1) as f32 * pitch + ui.spacing().item_spacing.y + scroll_bar + 4.0
}

/// One row's height, the same in both halves of the table so their rows line up.
fn row_height(ui: &egui::Ui) -> f32 {
    let text = ui.text_style_height(&egui::TextStyle::Body);
    ui.spacing().interact_size.y.max(text + 2.0 * ui.spacing().button_padding.y)
}

/// The fixed first column: the runs' names in their colours.
fn run_column(ui: &mut egui::Ui, race: &Race, focused_run: &mut usize, row: f32) {
    egui::Grid::new("run-stats-names").striped(true).min_row_height(row).show(ui, |ui| {
        ui.strong("run").on_hover_text("Click a run to show its internals");
        ui.end_row();
        for (index, run) in race.runs.iter().enumerate() {
            let colour = palette::run_colour(run.color, index);
            let name = egui::RichText::new(format!("● {}", run.name)).color(colour);
            if ui.selectable_label(*focused_run == index, name).clicked() {
                *focused_run = index;
            }
            ui.end_row();
        }
    });
}

/// The figures of every run, one row per run in the order of [`run_column`].
fn figures(
    ui: &mut egui::Ui,
    (race, step): (&Race, u64),
    stats: &mut StatsCache,
    results: &RaceResults,
    row: f32,
) {
    egui::Grid::new("run-stats").striped(true).min_row_height(row).num_columns(5).show(ui, |ui| {
        for (title, tip) in COLUMNS {
            ui.strong(title).on_hover_text(tip);
        }
        ui.end_row();
        for (index, run) in race.runs.iter().enumerate() {
            match cached_stats(stats, results, race, (index, step)) {
                Some(stats) => stats_row(ui, &stats),
                None => pending_row(ui, run.enabled),
            }
            ui.end_row();
        }
    });
}

/// Run `index`'s figures, recomputed only when its shown records, the tolerance or the surface
/// change (each computation walks every shown record).
fn cached_stats(
    stats: &mut StatsCache,
    results: &RaceResults,
    race: &Race,
    (index, step): (usize, u64),
) -> Option<RunStats> {
    let result = results.runs.get(index)?;
    let records = RecordsKey::new(result, result.records_until(step).len());
    let key = (records, race.tolerance.to_bits(), race.surface.clone());
    stats.ensure(index, key, || results.stats(index, race, step));
    stats.get(index).copied().flatten()
}

fn stats_row(ui: &mut egui::Ui, stats: &RunStats) {
    let dash = || "—".to_owned();
    ui.label(format!("{:.2e}", stats.final_loss));
    ui.label(format!("{:.2e}", stats.best_loss));
    ui.label(stats.steps_to_tolerance.map_or_else(dash, |s| s.to_string()));
    ui.label(stats.distance_to_minimum.map_or_else(dash, |d| format!("{d:.2e}")));
    match stats.diverged_at {
        Some(at) => ui.colored_label(ui.visuals().error_fg_color, format!("at step {at}")),
        None => ui.label("—"),
    };
}

fn pending_row(ui: &mut egui::Ui, enabled: bool) {
    ui.weak(if enabled { "computing…" } else { "disabled" });
    for _ in 0..4 {
        ui.label("");
    }
}

/// Table figures per run with what they were computed from.
pub type StatsCache = DrawCache<(RecordsKey, u64, Surface), Option<RunStats>>;
