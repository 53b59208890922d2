//! A number a student drags or types: a slider over the usual range beside a text field that
//! takes any value the field's [`Limit`] allows.
//!
//! A typed value is applied when the field is left (Enter, Tab or a click elsewhere), so typing
//! a number is one edit and one undo step, not one per keystroke. Text that is not a number, or
//! a number outside the limit, is refused: the field keeps the typed text in red, a line under it
//! says why with the allowed range (the same words as the CLI and the file loader), and the
//! value stays as it was. Escape, or a drag of the slider, puts the value back in the field.

use std::ops::RangeInclusive;

use egui::{Id, Response, Slider, SliderClamping, TextEdit, Ui};
use optlab_core::limits::{Limit, short};

use crate::app::widgets::offscreen::unless_offscreen;

/// Width of the text field, enough for `1.234e-5`.
const FIELD_WIDTH: f32 = 64.0;

/// The state of one field between frames: the text being typed and the last refusal.
#[derive(Clone, Default)]
struct Typing {
    /// What the field shows while it is being edited or after a refusal.
    text: String,
    /// Why the last typed text was refused (shown under the field until the next edit).
    refusal: Option<String>,
    /// Whether the field had keyboard focus in the last frame.
    focused: bool,
}

/// A labelled number: an optional slider, a text field and the label, in one row.
#[derive(Clone)]
pub struct NumberField<'a> {
    /// The allowed values, as the CLI and the file loader check them.
    limit: Limit,
    /// The slider's ends (inside `limit`), or `None` for a text field alone.
    slider: Option<RangeInclusive<f64>>,
    /// Logarithmic slider (for values spanning decades).
    log: bool,
    /// Whole numbers only (steps, periods, counts).
    whole: bool,
    /// Shown beside the field and given to screen readers.
    label: &'a str,
    /// Hover text in the course's words.
    tip: &'a str,
    /// How the field prints the current value.
    format: fn(f64) -> String,
}

impl<'a> NumberField<'a> {
    /// A field for values in `limit`, printed with [`short`], with no slider.
    #[must_use]
    pub fn new(limit: Limit, label: &'a str, tip: &'a str) -> Self {
        Self { limit, slider: None, log: false, whole: false, label, tip, format: short }
    }

    /// Adds a slider over `range` (which must lie inside the limit).
    #[must_use]
    pub fn slider(mut self, range: RangeInclusive<f64>, log: bool) -> Self {
        debug_assert!(self.limit.contains(*range.start()) && self.limit.contains(*range.end()));
        self.slider = Some(range);
        self.log = log;
        self
    }

    /// Accepts whole numbers only.
    #[must_use]
    pub fn whole(mut self) -> Self {
        self.whole = true;
        self
    }

    /// Prints the value with `format` instead of [`short`].
    #[must_use]
    pub fn format(mut self, format: fn(f64) -> String) -> Self {
        self.format = format;
        self
    }

    /// Draws the row; returns whether `value` changed (a drag, or a typed value accepted). A
    /// row scrolled out of view keeps its space and is not drawn ([`unless_offscreen`]).
    pub fn show(&self, ui: &mut Ui, value: &mut f64) -> bool {
        let id = ui.auto_id_with(("number-field", self.label));
        unless_offscreen(ui, id, |ui| self.show_row(ui, id, value)).unwrap_or(false)
    }

    /// The row and the refusal under it; `id` is the text field's.
    fn show_row(&self, ui: &mut Ui, id: Id, value: &mut f64) -> bool {
        let mut typing: Typing = ui.data(|d| d.get_temp(id)).unwrap_or_default();
        let (changed, refusal) = ui
            .horizontal(|ui| {
                let slider = self.show_slider(ui, value);
                let dragged = slider.as_ref().is_some_and(Response::changed);
                if dragged {
                    typing.refusal = None;
                }
                let field = self.show_text(ui, id, &mut typing, *value);
                let typed = self.commit(ui, &field, &mut typing, value);
                let label = ui.label(self.label).on_hover_text(self.tip);
                for labelled in slider.into_iter().chain([field]) {
                    let _named = labelled.labelled_by(label.id);
                }
                (dragged || typed, typing.refusal.clone())
            })
            .inner;
        if let Some(message) = &refusal {
            ui.colored_label(ui.visuals().error_fg_color, format!("⚠ {message}"));
        }
        ui.data_mut(|d| d.insert_temp(id, typing));
        changed
    }

    /// [`Self::show`] for a whole-number field over `u64` (steps, periods, seeds).
    pub fn show_u64(&self, ui: &mut Ui, value: &mut u64) -> bool {
        #[expect(clippy::cast_precision_loss, reason = "counts shown in the GUI stay below 2^53")]
        let mut shown = *value as f64;
        let changed = Self { whole: true, ..self.clone() }.show(ui, &mut shown);
        if changed {
            #[expect(clippy::cast_possible_truncation, reason = "checked whole and in range")]
            #[expect(clippy::cast_sign_loss, reason = "limits of counts start at 0 or above")]
            let typed = shown as u64;
            *value = typed;
        }
        changed
    }

    /// The slider (without its own value box), if the field has one.
    fn show_slider(&self, ui: &mut Ui, value: &mut f64) -> Option<Response> {
        let range = self.slider.as_ref()?;
        let mut slider = Slider::new(value, range.clone())
            .logarithmic(self.log)
            .clamping(SliderClamping::Edits)
            .show_value(false);
        if self.whole {
            slider = slider.integer();
        }
        Some(ui.add(slider).on_hover_text(self.tip))
    }

    /// The text field: the value when idle, the typed text while editing or after a refusal.
    fn show_text(&self, ui: &mut Ui, id: Id, typing: &mut Typing, value: f64) -> Response {
        // The frame the field is left still shows (and then commits) the typed text.
        let focused = ui.memory(|m| m.has_focus(id));
        if !focused && !typing.focused && typing.refusal.is_none() {
            typing.text = (self.format)(value);
        }
        let mut edit = TextEdit::singleline(&mut typing.text).id(id).desired_width(FIELD_WIDTH);
        if typing.refusal.is_some() {
            edit = edit.text_color(ui.visuals().error_fg_color);
        }
        let hint = format!("{}: allowed {}", self.limit.name, self.limit.interval());
        typing.focused = focused;
        ui.add(edit).on_hover_text(format!("{}\n{hint}", self.tip))
    }

    /// Applies the typed text when the field is left; returns whether `value` changed.
    fn commit(&self, ui: &Ui, field: &Response, typing: &mut Typing, value: &mut f64) -> bool {
        if !field.lost_focus() {
            return false;
        }
        if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            typing.refusal = None;
            return false;
        }
        match self.parse(&typing.text) {
            Ok(typed) => {
                typing.refusal = None;
                let changed = typed.to_bits() != value.to_bits();
                *value = typed;
                changed
            }
            Err(message) => {
                typing.refusal = Some(message);
                false
            }
        }
    }

    /// The typed text as a value of this field, or why it is refused (with the allowed range).
    ///
    /// # Errors
    /// A message naming the field, what was typed and the allowed range.
    pub fn parse(&self, text: &str) -> Result<f64, String> {
        let name = self.limit.name;
        let allowed = self.limit.interval();
        let typed = text.trim().replace('−', "-");
        let Ok(number) = typed.parse::<f64>() else {
            return Err(format!(
                "`{name}`: \"{}\" is not a number; allowed {allowed}",
                text.trim()
            ));
        };
        if self.whole && number.fract() != 0.0 {
            return Err(format!(
                "`{name}` = {} is not a whole number; allowed {allowed}",
                short(number)
            ));
        }
        self.limit.check(number).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::NumberField;
    use optlab_core::limits::Limit;

    const STEPS: Limit = Limit::closed("steps", 1.0, 1e7);
    const LR: Limit = Limit::at_least("lr", 0.0);

    #[test]
    fn typed_numbers_in_range_are_taken_as_typed() {
        let field = NumberField::new(LR, "lr η", "");
        assert_eq!(field.parse(" 1e6 "), Ok(1e6));
        assert_eq!(field.parse("−0"), Ok(-0.0));
        assert_eq!(NumberField::new(STEPS, "steps", "").whole().parse("1e7"), Ok(1e7));
    }

    #[test]
    fn refusals_name_the_field_what_was_typed_and_the_range() {
        let steps = NumberField::new(STEPS, "steps", "").whole();
        assert_eq!(
            steps.parse("0"),
            Err("`steps` = 0 is out of range; allowed [1, 10000000]".into())
        );
        assert_eq!(
            steps.parse("1e8"),
            Err("`steps` = 100000000 is out of range; allowed [1, 10000000]".into())
        );
        assert_eq!(
            steps.parse("2.5"),
            Err("`steps` = 2.5 is not a whole number; allowed [1, 10000000]".into())
        );
        let lr = NumberField::new(LR, "lr η", "");
        assert_eq!(lr.parse("abc"), Err("`lr`: \"abc\" is not a number; allowed [0, +inf)".into()));
        assert!(lr.parse("-0.1").is_err_and(|m| m.contains("[0, +inf)")));
        assert!(lr.parse("NaN").is_err() && lr.parse("inf").is_err());
    }
}
