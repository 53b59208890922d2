//! The per-run table: final loss, best loss, steps to reach the tolerance, distance to the
//! nearest known minimum, and the step of divergence.

use crate::app::entries::race::results::{RaceResults, RunStats};
use crate::app::widgets::draw_cache::{DrawCache, RecordsKey};
use crate::app::widgets::palette;
use optlab_core::entries::race::Race;
use optlab_core::surface::Surface;

/// Draws the table for the shown step.
/// A click on a run's name focuses it (its internals are shown).
pub fn show(
    ui: &mut egui::Ui,
    race: &Race,
    step: u64,
    (focused_run, stats): (&mut usize, &mut StatsCache),
    results: &RaceResults,
) {
    egui::ScrollArea::both()
        .id_salt("run-stats-scroll")
        .show(ui, |ui| grid(ui, (race, step), (focused_run, stats), results));
}

fn grid(
    ui: &mut egui::Ui,
    (race, step): (&Race, u64),
    (focused_run, stats): (&mut usize, &mut StatsCache),
    results: &RaceResults,
) {
    egui::Grid::new("run-stats").striped(true).num_columns(6).show(ui, |ui| {
        for (title, tip) in [
            ("run", "Click a run to show its internals"),
            ("final loss", "Loss at the shown step"),
            ("best loss", "Lowest loss up to the shown step"),
            ("to tol.", "First step within the tolerance of the global minimum"),
            ("to min", "Distance from the shown position to the nearest known minimum"),
            ("diverged", "The step where values stopped being numbers"),
        ] {
            ui.strong(title).on_hover_text(tip);
        }
        ui.end_row();
        for (index, run) in race.runs.iter().enumerate() {
            let colour = palette::run_colour(run.color, index);
            let name = egui::RichText::new(format!("● {}", run.name)).color(colour);
            if ui.selectable_label(*focused_run == index, name).clicked() {
                *focused_run = index;
            }
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
    ui.monospace(format!("{:.3e}", stats.final_loss));
    ui.monospace(format!("{:.3e}", stats.best_loss));
    ui.monospace(stats.steps_to_tolerance.map_or_else(dash, |s| s.to_string()));
    ui.monospace(stats.distance_to_minimum.map_or_else(dash, |d| format!("{d:.2e}")));
    match stats.diverged_at {
        Some(at) => ui.colored_label(ui.visuals().error_fg_color, format!("step {at}")),
        None => ui.monospace("—"),
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
