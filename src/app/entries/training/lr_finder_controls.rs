//! The LR finder's controls in a training entry's panel (on/off, the ramp's ends, iterations,
//! stop on divergence), and what the LR finder tab asks the app to do with the entry.

use egui::Ui;

use crate::app::widgets::lab_widgets;
use crate::app::widgets::number_field::NumberField;
use optlab_core::entries::training::TrainingLab;
use optlab_core::entries::training::lr_finder::{END_LR, LrFinderOptions, NUM_IT, START_LR};

/// A request of the LR finder tab, applied to the selected training entry as one undo step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LrFinderAction {
    /// Set run `run`'s optimizer lr to `lr` (a suggestion); the run trains again with it.
    UseLr {
        /// The run's index in the entry.
        run: usize,
        /// The new learning rate.
        lr: f64,
    },
    /// Turn the LR finder on with fastai's defaults.
    TurnOn,
}

impl LrFinderAction {
    /// Applies the request to `lab`; returns what to say in the status bar.
    pub fn apply(self, lab: &mut TrainingLab) -> Option<String> {
        match self {
            Self::UseLr { run, lr } => {
                let target = lab.runs.get_mut(run)?;
                target.optimizer.set_lr(lr);
                Some(format!("{}: lr = {lr:.2e}", target.name))
            }
            Self::TurnOn => {
                lab.lr_finder.get_or_insert_with(LrFinderOptions::default);
                None
            }
        }
    }
}

/// The LR finder's section of the panel.
pub fn show(ui: &mut Ui, finder: &mut Option<LrFinderOptions>) {
    let mut on = finder.is_some();
    let toggle = ui.checkbox(&mut on, "LR range test before training").on_hover_text(
        "Before training, run the LR range test (fastai's lr_find) on a copy of every run: the \
         lr grows exponentially over mini-batch updates while the loss is recorded. The run \
         itself is not changed. The result is in the LR finder tab.",
    );
    if toggle.changed() {
        *finder = on.then(LrFinderOptions::default);
    }
    let Some(options) = finder.as_mut() else { return };
    ui.indent("lr-finder-options", |ui| fields(ui, options));
}

/// The ramp's ends, its length and the stop rule.
fn fields(ui: &mut Ui, options: &mut LrFinderOptions) {
    NumberField::new(
        START_LR,
        "start lr",
        "Learning rate of the first update (fastai: 1e-7), in (0, 10⁴]",
    )
    .slider(1e-9..=1.0, true)
    .format(|lr| format!("{lr:e}"))
    .show(ui, &mut options.start_lr);
    NumberField::new(
        END_LR,
        "end lr",
        "The ramp's end (fastai: 10), above start lr: update i uses \
         start·(end/start)^(i/iterations), so the last update stays just below it",
    )
    .slider(1e-4..=1e4, true)
    .show(ui, &mut options.end_lr);
    lab_widgets::count(
        ui,
        &mut options.num_it,
        (6, 10_000),
        NUM_IT,
        "iterations",
        "Mini-batch updates of the test (fastai: 100), 6 to 10 000; epochs continue with \
         fresh shuffles as training would",
    );
    ui.checkbox(&mut options.stop_div, "stop on divergence").on_hover_text(
        "Stop when the smoothed loss exceeds 4× its lowest value so far (fastai's stop_div)",
    );
}
