//! Small controls shared by the regularization labs' panels: a labelled slider with a tooltip,
//! a count slider, a seed field with a "resample" button.

use egui::Ui;
use optlab_core::entries::dropout::KEEP;
use optlab_core::limits::Limit;

use super::number_field::NumberField;

/// A float slider with a text field and a tooltip; `range` is both the slider and the allowed
/// range (a typed value outside it is refused with the range). Returns whether it changed.
pub fn number(
    ui: &mut Ui,
    value: &mut f64,
    range: (f64, f64),
    label: &'static str,
    tip: &str,
) -> bool {
    NumberField::new(Limit::closed(label, range.0, range.1), label, tip)
        .slider(range.0..=range.1, false)
        .show(ui, value)
}

/// A keep-probability slider over (0, 1] with the course's convention in its tooltip.
pub fn keep(ui: &mut Ui, keep: &mut f64, what: &str) -> bool {
    keep_labelled(ui, keep, what, "keep p")
}

/// [`keep`] with its own label, where one panel has several (dropout and DropConnect).
pub fn keep_labelled(ui: &mut Ui, keep: &mut f64, what: &str, label: &str) -> bool {
    let tip = format!(
        "Keep probability p of each {what}, in (0, 1]. This is the course's p; PyTorch's \
         dropout p is the drop probability 1 − p."
    );
    NumberField::new(KEEP, label, &tip).slider(0.01..=1.0, false).show(ui, keep)
}

/// An integer slider (log scale when the range spans decades) with a text field and a
/// tooltip; `range` is both the slider and the allowed range. Returns whether it changed.
pub fn count<T: egui::emath::Numeric>(
    ui: &mut Ui,
    value: &mut T,
    range: (T, T),
    label: &'static str,
    tip: &str,
) -> bool {
    let (low, high) = (range.0.to_f64(), range.1.to_f64());
    let spans_decades = high >= 100.0 * low.max(1.0);
    let mut shown = value.to_f64();
    let changed = NumberField::new(Limit::closed(label, low, high), label, tip)
        .slider(low..=high, spans_decades)
        .whole()
        .show(ui, &mut shown);
    if changed {
        *value = T::from_f64(shown);
    }
    changed
}

/// Largest seed typed into a field: every whole number up to here is exact in an `f64`.
const SEED: Limit = Limit::closed("seed", 0.0, 9_007_199_254_740_992.0);

/// A seed field on its own: a whole number, refused with the range otherwise.
pub fn seed_field(ui: &mut Ui, seed: &mut u64, tip: &str) -> bool {
    NumberField::new(SEED, "seed", tip).whole().show_u64(ui, seed)
}

/// The seed of a lab's random draws with a button that draws again (seed + 1).
pub fn seed(ui: &mut Ui, seed: &mut u64) {
    ui.horizontal(|ui| {
        seed_field(ui, seed, "Every random draw of this lab comes from this seed (ChaCha8)");
        if ui.button("🎲 Resample").on_hover_text("Draw again with the next seed").clicked() {
            *seed = seed.wrapping_add(1);
        }
    });
}

/// A heading with the lab's one-line idea under it.
pub fn heading(ui: &mut Ui, title: &str, idea: &str) {
    ui.heading(title);
    ui.label(egui::RichText::new(idea).italics());
    ui.separator();
}

/// A grid computation's progress bar ("4000 / 10000 runs · about 1.2 s left") with a ⏹ Stop
/// button; returns whether Stop was clicked.
pub fn grid_toolbar(
    ui: &mut Ui,
    (done, total): (usize, usize),
    unit: &str,
    progress: crate::app::lab_results::Progress,
) -> bool {
    ui.horizontal(|ui| {
        let running = progress.busy && done < total;
        let stop = ui
            .add_enabled(running, egui::Button::new("⏹ Stop"))
            .on_hover_text("Stop here and keep what is computed; any edit computes again")
            .clicked();
        let fraction = if total == 0 { 1.0 } else { done as f32 / total as f32 };
        let text = match progress.eta_s {
            Some(eta) if running => format!("{done} / {total} {unit} · about {eta:.1} s left"),
            _ if done < total && progress.busy => format!("{done} / {total} {unit}"),
            _ if done < total => format!("stopped at {done} / {total} {unit}"),
            _ => format!("{total} {unit} in {:.2} s", progress.elapsed_s),
        };
        ui.add(egui::ProgressBar::new(fraction).text(text).desired_width(360.0))
            .on_hover_text("Computed on every core but one (the window keeps one)");
        stop
    })
    .inner
}
