//! Controls of the assignment helper: the rule, its inputs and config as numpy text, the steps,
//! and the results a student pastes.

use egui::{ComboBox, RichText, TextEdit, Ui};
use std::collections::BTreeMap;

use crate::app::widgets::lab_widgets;
use optlab_core::entries::assignment::rules::Fallback;
use optlab_core::entries::assignment::{AssignmentLab, MAX_STEPS, NumpyText, Rule};

/// Draws the controls.
pub fn show(ui: &mut Ui, lab: &mut AssignmentLab) {
    lab_widgets::heading(
        ui,
        "Assignment helper",
        "Check your numpy update rule: paste w, dw and the config as the assignment writes \
         them, and your results; every intermediate value is shown.",
    );
    rule_picker(ui, lab);
    ui.label(RichText::new(lab.rule.formula()).monospace());
    ui.label(RichText::new(lab.rule.convention()).weak());
    ui.separator();
    let rule = lab.rule;
    ui.strong("Inputs");
    for &name in rule.inputs() {
        numpy_field(ui, &mut lab.inputs, ("inputs", name), "", 2);
    }
    ui.strong("config").on_hover_text("Keys left empty take the assignment's default");
    for key in rule.config_keys() {
        let hint = match key.default {
            Fallback::Number(value) => format!("default {}", short_number(value)),
            Fallback::ZerosLikeW => "default np.zeros_like(w)".to_owned(),
        };
        numpy_field(ui, &mut lab.config, ("config", key.name), &hint, 1).on_hover_text(key.help);
    }
    if rule != Rule::DropoutForward {
        lab_widgets::count(
            ui,
            &mut lab.steps,
            (1, MAX_STEPS),
            optlab_core::entries::assignment::STEPS,
            "steps",
            "Apply the rule this many times (multi-step mode). dw is either one gradient, used \
             every step, or a stack with one gradient per step: shape (steps, *w.shape)",
        );
    }
    ui.separator();
    ui.strong("Your results").on_hover_text(
        "Paste what your code returns (print(next_w), its repr, or the notebook's expected \
         arrays); each is compared with the notebook's rel_error",
    );
    for &name in rule.outputs() {
        numpy_field(ui, &mut lab.expected, ("expected", name), "paste to check", 2);
    }
}

fn rule_picker(ui: &mut Ui, lab: &mut AssignmentLab) {
    ui.horizontal(|ui| {
        let mut rule = lab.rule;
        ComboBox::from_label("rule")
            .selected_text(rule.name())
            .show_ui(ui, |ui| {
                for candidate in Rule::ALL {
                    ui.selectable_value(&mut rule, candidate, candidate.name());
                }
            })
            .response
            .on_hover_text("Picking a rule loads the assignment's own test for it (Ctrl+Z undoes)");
        if rule != lab.rule {
            *lab = AssignmentLab::preloaded(rule);
        }
        if ui
            .button("↺ Test inputs")
            .on_hover_text("Load the assignment notebook's inputs and expected arrays again")
            .clicked()
        {
            *lab = AssignmentLab::preloaded(lab.rule);
        }
    });
}

/// A numpy-text field for `map[name]`. The text being typed is kept aside and committed only
/// when it parses (an empty field removes the key); otherwise the error shows with its column.
fn numpy_field(
    ui: &mut Ui,
    map: &mut BTreeMap<String, NumpyText>,
    (group, name): (&str, &str),
    hint: &str,
    rows: usize,
) -> egui::Response {
    let committed = map.get(name).map_or("", NumpyText::text).to_owned();
    let id = ui.make_persistent_id(("numpy-draft", group, name));
    // The draft belongs to the text it was started from: after an undo, a reload or a switch
    // of entry the committed text changes and the draft starts again from it.
    let (mut draft, from) = ui
        .data(|d| d.get_temp::<(String, String)>(id))
        .filter(|(_, from)| *from == committed)
        .unwrap_or_else(|| (committed.clone(), committed.clone()));
    let response = ui
        .horizontal(|ui| {
            let label = ui.label(RichText::new(name).monospace());
            ui.add(
                TextEdit::multiline(&mut draft)
                    .code_editor()
                    .desired_rows(rows)
                    .desired_width(f32::INFINITY)
                    .hint_text(hint),
            )
            .labelled_by(label.id)
        })
        .inner;
    let mut from = from;
    if draft.trim().is_empty() {
        if map.remove(name).is_some() {
            from = String::new();
        }
    } else if draft != committed {
        match NumpyText::new(&draft) {
            Ok(parsed) => {
                map.insert(name.to_owned(), parsed);
                from.clone_from(&draft);
            }
            Err(e) => {
                ui.colored_label(ui.visuals().error_fg_color, format!("{name}: {e}"));
            }
        }
    }
    ui.data_mut(|d| d.insert_temp(id, (draft, from)));
    response
}

/// 0.9, 0.999, 1e-8: plain unless the value is tiny.
fn short_number(value: f64) -> String {
    if value != 0.0 && value.abs() < 1e-3 { format!("{value:e}") } else { format!("{value}") }
}
