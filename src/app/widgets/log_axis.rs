//! A log10 axis for `egui_plot`, which only has linear axes: values are plotted as log10 of the
//! quantity, grid lines fall on 1, 2 and 5 times each decade (all of 1…9 when the plot spans
//! little more than a decade, whole decades only when it spans many) and labels show the
//! quantity itself (0.2, 0.5, 1, 2 … or 1e-6), so a loss between 0.24 and 1.1 still gets
//! readable ticks.

use egui_plot::{GridInput, GridMark};

/// Most decades labelled with 1, 2 and 5; beyond this only whole decades get lines.
const DETAILED_DECADES: f64 = 4.0;

/// Grid marks for an axis holding log10 of its quantity.
#[must_use]
pub fn marks(input: &GridInput) -> Vec<GridMark> {
    let (low, high) = input.bounds;
    if !(low.is_finite() && high.is_finite()) || high <= low {
        return Vec::new();
    }
    let span = high - low;
    let multiples: &[f64] = if span > DETAILED_DECADES {
        &[1.0]
    } else if span > 1.5 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    };
    // Every n-th decade when there are many (n = 1, 2, 5, 10, 20 …), so lines stay apart.
    let decade_step = decade_stride(span);
    let first = (low / decade_step).floor() * decade_step;
    let mut marks = Vec::new();
    let mut decade = first;
    while decade <= high {
        for &multiple in multiples {
            let value = decade + multiple.log10();
            if (low..=high).contains(&value) {
                let step_size = match multiple {
                    1.0 => decade_step,
                    2.0 | 5.0 => 0.3 * decade_step,
                    _ => 0.1 * decade_step,
                };
                marks.push(GridMark { value, step_size });
            }
        }
        decade += decade_step;
    }
    marks
}

/// Decades between labelled marks on an axis spanning `span` decades: 1, 2, 5, 10, 20 … so
/// that at most about [`MOST_DECADE_LABELS`] are labelled.
fn decade_stride(span: f64) -> f64 {
    let wanted = span / MOST_DECADE_LABELS;
    if wanted <= 1.0 {
        return 1.0;
    }
    let power = 10f64.powf(wanted.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|s| *s >= wanted).unwrap_or(10.0 * power)
}

/// Most decades labelled on one axis; more, and every 2nd, 5th … decade is labelled.
const MOST_DECADE_LABELS: f64 = 12.0;

/// The quantity at a mark from [`marks`]: "0.2", "5", "1e-6"; empty for the unlabelled
/// multiples (3, 4, 6 … 9) and for values that are not marks.
#[must_use]
pub fn label(log10_value: f64) -> String {
    let exponent = log10_value.floor();
    let multiple = 10f64.powf(log10_value - exponent).round();
    if (log10_value - (exponent + multiple.log10())).abs() > 1e-6 {
        return String::new();
    }
    if !matches!(multiple, 1.0 | 2.0 | 5.0 | 10.0) {
        return String::new();
    }
    let (multiple, exponent) =
        if multiple >= 10.0 { (1.0, exponent + 1.0) } else { (multiple, exponent) };
    mark_text(multiple, exponent)
}

/// `multiple × 10^exponent` as an axis label: plain decimals from 1e-3 to 1e4, else `2e-5`.
fn mark_text(multiple: f64, exponent: f64) -> String {
    if (-3.0..=4.0).contains(&exponent) {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "exponent in [-3, 0): 1 to 3 decimals"
        )]
        let decimals = (-exponent).max(0.0) as usize;
        format!("{:.*}", decimals, multiple * 10f64.powf(exponent))
    } else {
        format!("{multiple}e{exponent}")
    }
}

/// [`label`] for a mark of [`marks`] whose `step_size` says how dense the marks are: when
/// they fall on every multiple 1…9 of a decade (a plot spanning little more than a decade),
/// those are labelled too (3e-4, 4e-4 …), so a curve within half a decade still gets several
/// labels; `egui_plot` leaves out labels where they would overlap.
#[must_use]
pub fn label_within(log10_value: f64, step_size: f64) -> String {
    let dense = step_size < 0.2;
    let exponent = log10_value.floor();
    let multiple = 10f64.powf(log10_value - exponent).round();
    let on_mark = (log10_value - (exponent + multiple.log10())).abs() <= 1e-6;
    if !dense || !on_mark || matches!(multiple, 1.0 | 2.0 | 5.0 | 10.0) {
        return label(log10_value);
    }
    mark_text(multiple, exponent)
}

/// A label for a linear axis (the learning rate beside the log loss): plain decimals for
/// ordinary numbers, exponent form for tiny or huge ones, so an lr of 0.0003 is not "0".
#[must_use]
pub fn linear_label(value: f64, step_size: f64) -> String {
    if value.abs() < step_size * 1e-6 {
        return "0".to_owned();
    }
    let magnitude = value.abs().max(step_size);
    if (1e-3..1e5).contains(&magnitude) {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "the step size is at least 1e-3 here: 0 to 6 decimals"
        )]
        let decimals = (-step_size.log10().floor()).clamp(0.0, 6.0) as usize;
        format!("{value:.decimals$}")
    } else {
        format!("{value:.1e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(bounds: (f64, f64)) -> Vec<String> {
        marks(&GridInput { bounds, base_step_size: 0.01 })
            .iter()
            .map(|m| label(m.value))
            .filter(|l| !l.is_empty())
            .collect()
    }

    #[test]
    fn a_loss_within_one_decade_gets_one_two_five_labels() {
        // 0.24 to 1.1
        assert_eq!(labelled((0.24f64.log10(), 1.1f64.log10())), ["0.5", "1"]);
        assert_eq!(labelled((0.15f64.log10(), 1.1f64.log10())), ["0.2", "0.5", "1"]);
    }

    #[test]
    fn many_decades_get_whole_decades_in_exponent_form_when_small() {
        assert_eq!(labelled((-6.5, -0.5)), ["1e-6", "1e-5", "1e-4", "0.001", "0.01", "0.1"]);
        assert_eq!(labelled((-0.1, 1.9)), ["1", "2", "5", "10", "20", "50"]);
    }

    #[test]
    fn dense_marks_label_every_multiple() {
        let input = GridInput { bounds: (4e-4f64.log10(), 8e-4f64.log10()), base_step_size: 0.01 };
        let labels: Vec<String> = marks(&input)
            .iter()
            .map(|m| label_within(m.value, m.step_size))
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(labels, ["4e-4", "5e-4", "6e-4", "7e-4", "8e-4"]);
        // Sparser marks keep the plain labels.
        assert_eq!(label_within(3f64.log10(), 0.3), "");
        assert_eq!(label_within(3f64.log10(), 0.1), "3");
    }

    #[test]
    fn a_loss_over_eighteen_decades_labels_every_second_one() {
        assert_eq!(
            labelled((-16.3, 1.7)),
            ["1e-16", "1e-14", "1e-12", "1e-10", "1e-8", "1e-6", "1e-4", "0.01", "1"]
        );
        assert_eq!(
            labelled((-60.0, 2.0)).len(),
            7,
            "every 10th decade: {:?}",
            labelled((-60.0, 2.0))
        );
        assert_eq!(labelled((-11.0, 0.5)).len(), 12, "every decade up to 12");
    }

    #[test]
    fn linear_labels_keep_small_learning_rates_readable() {
        assert_eq!(linear_label(0.0, 0.01), "0");
        assert_eq!(linear_label(0.04, 0.01), "0.04");
        assert_eq!(linear_label(0.005, 0.005), "0.005");
        assert_eq!(linear_label(2e-4, 1e-4), "2.0e-4");
    }

    #[test]
    fn no_marks_for_an_empty_or_broken_range() {
        assert!(marks(&GridInput { bounds: (1.0, 1.0), base_step_size: 0.1 }).is_empty());
        assert!(marks(&GridInput { bounds: (f64::NAN, 1.0), base_step_size: 0.1 }).is_empty());
    }
}
