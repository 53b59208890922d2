//! Small controls shared by the regularization labs' panels: a labelled slider with a tooltip,
//! a count slider, a seed field with a "resample" button.

use egui::Ui;
use optlab_core::entries::dropout::KEEP;
use optlab_core::limits::Limit;

use super::number_field::NumberField;

/// A float slider over `range` with a text field and a tooltip; a typed value is taken within
/// `limit` (the file format's range) and refused outside it. Returns whether it changed.
pub fn number(
    ui: &mut Ui,
    value: &mut f64,
    range: (f64, f64),
    limit: Limit,
    label: &str,
    tip: &str,
) -> bool {
    NumberField::new(limit, label, tip).slider(range.0..=range.1, false).show(ui, value)
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

/// An integer slider over `range` (log scale when it spans decades) with a text field and a
/// tooltip; a typed whole number is taken within `limit` (the file format's range) and refused
/// outside it. Returns whether it changed.
pub fn count<T: egui::emath::Numeric>(
    ui: &mut Ui,
    value: &mut T,
    range: (T, T),
    limit: Limit,
    label: &str,
    tip: &str,
) -> bool {
    let (low, high) = (range.0.to_f64(), range.1.to_f64());
    let spans_decades = high >= 100.0 * low.max(1.0);
    let mut shown = value.to_f64();
    let changed = NumberField::new(limit, label, tip)
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

/// Grid marks for a short linear plot axis: every mark at a multiple of 1, 2 or 5 times a power
/// of ten, the step chosen so that about `labels` marks fall in range (`egui_plot`'s default
/// spaces marks by powers of ten, which leaves a plot 80 points high with one label).
#[must_use]
pub fn linear_ticks(input: &egui_plot::GridInput, labels: f64) -> Vec<egui_plot::GridMark> {
    let (low, high) = input.bounds;
    if !(low.is_finite() && high.is_finite() && labels.is_finite()) || high <= low || labels < 1.0 {
        return Vec::new();
    }
    let wanted = (high - low) / labels;
    let decade = 10f64.powf(wanted.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * decade).find(|s| *s >= wanted);
    let step = step.unwrap_or(10.0 * decade);
    let (first, last) = ((low / step).ceil(), (high / step).floor());
    if !(last - first).is_finite() || last - first > 100.0 {
        return Vec::new();
    }
    let mut marks = Vec::new();
    let mut index = first;
    while index <= last {
        marks.push(egui_plot::GridMark { value: index * step, step_size: step });
        index += 1.0;
    }
    marks
}

/// Marks for an axis that counts (steps, epochs): [`linear_ticks`] at whole numbers only, so a
/// short run gets one mark per step rather than marks at halves.
#[must_use]
pub fn count_ticks(input: &egui_plot::GridInput, labels: f64) -> Vec<egui_plot::GridMark> {
    linear_ticks(input, labels)
        .into_iter()
        .filter(|mark| mark.value.fract() == 0.0)
        .map(|mark| egui_plot::GridMark { value: mark.value, step_size: mark.step_size.max(1.0) })
        .collect()
}

/// About how many labelled marks an epoch axis gets (the training curves and the Sharpness tab
/// alike).
pub const EPOCH_LABELS: f64 = 5.0;

/// `plot` with its x axis marked by [`count_ticks`] (about `labels` labelled marks) and
/// labelled by [`tick_label`]: for an axis of epochs or steps, where `egui_plot`'s powers of
/// ten leave a narrow plot of 300 epochs with the single label "0".
#[must_use]
pub fn count_x_axis(plot: egui_plot::Plot<'_>, labels: f64) -> egui_plot::Plot<'_> {
    plot.x_grid_spacer(move |input| count_ticks(&input, labels)).x_axis_formatter(tick_label)
}

/// The label of a mark from [`linear_ticks`]: as many decimals as its step needs ("0.5" for
/// steps of 0.5, "2" for steps of 2), and "0", never "−0".
#[must_use]
pub fn tick_label(mark: egui_plot::GridMark, _range: &std::ops::RangeInclusive<f64>) -> String {
    let needed = (-mark.step_size.log10()).ceil();
    #[expect(clippy::cast_possible_truncation, reason = "clamped to 0..=12 first")]
    #[expect(clippy::cast_sign_loss, reason = "clamped to 0..=12 first")]
    let decimals = if needed.is_finite() { needed.clamp(0.0, 12.0) as usize } else { 0 };
    let text = format!("{:.decimals$}", mark.value);
    if text.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        text.trim_start_matches('-').to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::{count_ticks, linear_ticks, tick_label};
    use egui_plot::GridMark;

    #[test]
    fn tick_labels_have_the_decimals_of_their_step_and_no_negative_zero() {
        let label = |value, step_size| tick_label(GridMark { value, step_size }, &(0.0..=1.0));
        assert_eq!(label(0.5, 0.5), "0.5");
        assert_eq!(label(-0.0, 0.5), "0.0");
        assert_eq!(label(3.0 * 0.2, 0.2), "0.6");
        assert_eq!(label(4.0, 2.0), "4");
        assert_eq!(label(0.05, 0.05), "0.05");
        assert_eq!(label(-0.2, 0.2), "-0.2");
    }
    use egui_plot::GridInput;

    #[test]
    fn linear_ticks_give_a_few_round_marks() {
        let values = |bounds, labels| -> Vec<f64> {
            let input = GridInput { bounds, base_step_size: 1e-3 };
            linear_ticks(&input, labels).iter().map(|m| m.value).collect()
        };
        assert_eq!(values((0.0, 1.0), 4.0), [0.0, 0.5, 1.0]);
        assert_eq!(values((-0.05, 0.48), 4.0), [0.0, 0.2, 0.4]);
        let fifths = values((0.0, 1.0), 5.0);
        assert_eq!(fifths.len(), 6);
        assert!(fifths.iter().enumerate().all(|(i, v)| (v - 0.2 * i as f64).abs() < 1e-12));
        assert!(values((1.0, 1.0), 4.0).is_empty());
        assert!(values((0.0, f64::NAN), 4.0).is_empty());
        assert!(values((0.0, 1.0), 0.0).is_empty());
    }

    #[test]
    fn count_ticks_fall_on_whole_numbers() {
        let marks = |bounds, labels| -> Vec<(f64, f64)> {
            let input = GridInput { bounds, base_step_size: 1e-3 };
            count_ticks(&input, labels).iter().map(|m| (m.value, m.step_size)).collect()
        };
        // 300 epochs: every 100 (the default grid labelled only 0 on a narrow plot).
        assert_eq!(marks((-1.0, 285.0), 5.0), [(0.0, 100.0), (100.0, 100.0), (200.0, 100.0)]);
        // 3 steps: one mark per step, not halves.
        assert_eq!(marks((0.0, 3.0), 6.0), [(0.0, 1.0), (1.0, 1.0), (2.0, 1.0), (3.0, 1.0)]);
        assert_eq!(
            marks((0.0, 16.0), 6.0).iter().map(|m| m.0).collect::<Vec<_>>(),
            [0.0, 5.0, 10.0, 15.0]
        );
    }
}
