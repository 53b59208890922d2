//! Controls of a dropout lab: the neuron's weights and inputs, p, Monte Carlo samples and the
//! scaling experiment's layer.

use egui::Ui;

use crate::app::widgets::lab_widgets;
use crate::app::widgets::number_field::NumberField;
use optlab_core::entries::dropout;
use optlab_core::entries::dropout::DropoutLab;

/// Most inputs editable here (the mask table enumerates up to 2¹² masks).
const MAX_INPUTS: usize = 12;

/// Draws the controls.
pub fn show(ui: &mut Ui, lab: &mut DropoutLab) {
    lab_widgets::heading(
        ui,
        "Dropout",
        "Each input survives with probability p: E[a] = p·(w·x) + b, so test time must scale.",
    );
    ui.label("Neuron a = Σ wᵢxᵢ + b");
    neuron_inputs(ui, lab);
    NumberField::new(
        dropout::BIAS,
        "bias b",
        "The neuron's bias. Dropout drops inputs, never the bias, so E[a] = p·(w·x) + b and the \
         notes' test-time rule scales the inputs, not b. Inverted dropout (÷p in training) \
         leaves the bias unscaled too.",
    )
    .show(ui, &mut lab.bias);
    lab_widgets::keep(ui, &mut lab.keep, "input (and of each unit in the layer)");
    lab_widgets::count(
        ui,
        &mut lab.samples,
        (1, 1_000_000),
        optlab_core::entries::dropout::SAMPLES,
        "Monte Carlo masks",
        "Random masks averaged by the convergence plot",
    );
    ui.separator();
    ui.label("Train vs test scaling");
    lab_widgets::count(
        ui,
        &mut lab.layer_units,
        (1, 4096),
        optlab_core::entries::dropout::LAYER_UNITS,
        "ReLU units",
        "Units of the random layer whose activations are dropped out",
    );
    lab_widgets::seed(ui, &mut lab.seed);
}

/// One row per input: wᵢ and xᵢ, with buttons to add or remove an input.
fn neuron_inputs(ui: &mut Ui, lab: &mut DropoutLab) {
    for (i, (w, x)) in lab.weights.iter_mut().zip(lab.inputs.iter_mut()).enumerate() {
        ui.horizontal(|ui| {
            ui.label(format!("input {}:", i + 1));
            let (w_name, x_name) = (format!("w{}", i + 1), format!("x{}", i + 1));
            NumberField::new(dropout::WEIGHT, &w_name, "The weight of this input").show(ui, w);
            NumberField::new(dropout::INPUT, &x_name, "The value of this input").show(ui, x);
        });
    }
    ui.horizontal(|ui| {
        let n = lab.weights.len();
        if ui
            .add_enabled(n < MAX_INPUTS, egui::Button::new("➕ input"))
            .on_hover_text("Add an input (the table lists all 2ⁿ masks)")
            .clicked()
        {
            lab.weights.push(1.0);
            lab.inputs.push(1.0);
        }
        if ui
            .add_enabled(n > 1, egui::Button::new("➖ input"))
            .on_hover_text("Remove the last input")
            .clicked()
        {
            lab.weights.pop();
            lab.inputs.pop();
        }
    });
}
