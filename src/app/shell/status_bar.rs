//! The status bar: worker state, steps computed per second, the latest message.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::app::entries::race::results::RaceResults;

/// Steps received from the worker over the last second.
#[derive(Debug, Default)]
pub struct Throughput {
    samples: VecDeque<(Instant, u64)>,
}

impl Throughput {
    const WINDOW: Duration = Duration::from_secs(1);

    /// Notes `steps` received now.
    pub fn add(&mut self, steps: u64) {
        let now = Instant::now();
        if steps > 0 {
            self.samples.push_back((now, steps));
        }
        while self.samples.front().is_some_and(|(t, _)| now.duration_since(*t) > Self::WINDOW) {
            self.samples.pop_front();
        }
    }

    /// Steps per second over the window.
    #[must_use]
    pub fn per_second(&self) -> f64 {
        let steps: u64 = self.samples.iter().map(|(_, s)| s).sum();
        steps as f64 / Self::WINDOW.as_secs_f64()
    }
}

/// What the status bar shows.
pub struct Status<'a> {
    /// Runs the worker is computing.
    pub jobs: usize,
    /// The selected lab's computation (training, sweep, basin map, …), if one is under way.
    pub lab: Option<LabActivity>,
    /// Steps the worker delivered recently.
    pub throughput: &'a Throughput,
    /// Why the last autosave failed, if it did.
    pub autosave_error: Option<&'a String>,
    /// The race's results (a failed run's message wins over the latest message).
    pub results: &'a RaceResults,
    /// Messages for the user, newest last.
    pub messages: &'a [String],
}

/// A lab computation under way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabActivity {
    /// Computing on a background thread.
    Computing,
    /// Paused by the user (training waits for Resume).
    Paused,
}

/// Draws the status bar.
pub fn show(ui: &mut egui::Ui, status: &Status<'_>) {
    ui.horizontal(|ui| {
        let jobs = status.jobs;
        if jobs > 0 {
            ui.spinner();
            ui.label(format!("computing {jobs} run(s)"))
                .on_hover_text("Runs are computed on background threads; the window stays live");
        } else if status.lab == Some(LabActivity::Computing) {
            ui.spinner();
            ui.label("computing the lab")
                .on_hover_text("The lab is computed on a background thread; the window stays live");
        } else if status.lab == Some(LabActivity::Paused) {
            ui.label("⏸ lab paused").on_hover_text("Resume it above its plots");
        } else {
            ui.label("✔ idle").on_hover_text("Every run on screen is fully computed");
        }
        ui.separator();
        let rate = status.throughput.per_second();
        ui.label(format!("{} steps/s", human(rate)))
            .on_hover_text("Optimizer steps the worker delivered in the last second");
        ui.separator();
        if let Some(error) = status.autosave_error {
            ui.colored_label(ui.visuals().error_fg_color, error);
            ui.separator();
        }
        let failed = status.results.runs.iter().find_map(|r| r.failure.as_ref());
        if let Some(failure) = failed {
            ui.colored_label(ui.visuals().error_fg_color, format!("⚠ {failure}"));
        } else if let Some(message) = status.messages.last() {
            ui.label(message);
        }
    });
}

/// `12_345_678` → `"12.3 M"`.
fn human(value: f64) -> String {
    if value >= 1e9 {
        format!("{:.1} G", value / 1e9)
    } else if value >= 1e6 {
        format!("{:.1} M", value / 1e6)
    } else if value >= 1e3 {
        format!("{:.1} k", value / 1e3)
    } else {
        format!("{value:.0}")
    }
}
