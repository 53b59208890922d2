//! Controls of a fractional max pooling lab: image, α, sequence kind and region kind.

use egui::Ui;

use crate::app::widgets::lab_widgets;
use optlab_core::entries::fractional_max_pool::{FractionalMaxPoolLab, Pattern};

/// Draws the controls.
pub fn show(ui: &mut Ui, lab: &mut FractionalMaxPoolLab) {
    lab_widgets::heading(
        ui,
        "Fractional max pooling",
        "Shrink by a non-integer α ∈ (1, 2): pooling regions of 1 or 2 pixels in a random or \
         pseudo-random order (Graham 2014).",
    );
    egui::ComboBox::from_label("image")
        .selected_text(lab.pattern.name())
        .show_ui(ui, |ui| {
            for pattern in Pattern::ALL {
                ui.selectable_value(&mut lab.pattern, pattern, pattern.name());
            }
        })
        .response
        .on_hover_text("The input image");
    lab_widgets::count(
        ui,
        &mut lab.input_size,
        (4, 256),
        optlab_core::entries::fractional_max_pool::INPUT_SIZE,
        "input side",
        "Pixels per side",
    );
    lab_widgets::number(
        ui,
        &mut lab.alpha,
        (1.01, 1.99),
        optlab_core::entries::fractional_max_pool::ALPHA,
        "α",
        "N_in / N_out: each side shrinks by this factor (√2 ≈ 1.414 in the paper)",
    );
    ui.checkbox(&mut lab.pseudo_random, "pseudo-random sequence").on_hover_text(
        "aᵢ = ⌈α(i + u)⌉ with one random u, instead of a random shuffle of 1s and 2s",
    );
    ui.checkbox(&mut lab.overlapping, "overlapping regions")
        .on_hover_text("Regions [aᵢ₋₁, aᵢ] share their edge pixel instead of [aᵢ₋₁, aᵢ − 1]");
    lab_widgets::seed(ui, &mut lab.seed);
}
