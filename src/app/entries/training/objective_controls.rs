//! A training run's hidden activation, data loss and weight initialisation: three pickers with
//! the formula of each choice in its tooltip.

use egui::Ui;

use crate::app::widgets::lab_widgets;
use optlab_core::entries::training::TrainingRun;
use optlab_core::train::{Activation, LossFunction, WeightInit, model};

/// The activation, loss and initialisation pickers of run `index`.
pub fn show(ui: &mut Ui, run: &mut TrainingRun, index: usize) {
    egui::ComboBox::new(("training-activation", index), "activation")
        .selected_text(run.activation.name())
        .show_ui(ui, |ui| {
            for choice in Activation::ALL {
                ui.selectable_value(&mut run.activation, choice, choice.name())
                    .on_hover_text(activation_hint(choice));
            }
        })
        .response
        .on_hover_text("The nonlinearity after every hidden layer");
    egui::ComboBox::new(("training-loss", index), "loss")
        .selected_text(run.loss.name())
        .show_ui(ui, |ui| {
            for choice in LossFunction::ALL {
                ui.selectable_value(&mut run.loss, choice, choice.name())
                    .on_hover_text(loss_hint(choice));
            }
        })
        .response
        .on_hover_text("The data loss the network is trained on (the L2 penalty is added to it)");
    init(ui, run, index);
}

fn activation_hint(activation: Activation) -> &'static str {
    match activation {
        Activation::Relu => "relu(z) = max(0, z): the course's units",
        Activation::Tanh => "tanh(z): smooth, saturating at ±1 (the edge-of-stability net uses it)",
    }
}

fn loss_hint(loss: LossFunction) -> &'static str {
    match loss {
        LossFunction::CrossEntropy => "−log softmax(s)ᵧ averaged over the points",
        LossFunction::SquaredError => {
            "½‖s − one-hot(y)‖² on the raw outputs s, averaged over the points (no softmax)"
        }
    }
}

/// Kaiming normal, `LeCun` normal or N(0, std²), with the std's field for the last.
fn init(ui: &mut Ui, run: &mut TrainingRun, index: usize) {
    let name = match run.init {
        WeightInit::KaimingNormal => "Kaiming normal",
        WeightInit::LecunNormal => "LeCun normal",
        WeightInit::Normal { .. } => "Normal",
    };
    egui::ComboBox::new(("training-init", index), "init")
        .selected_text(name)
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut run.init, WeightInit::KaimingNormal, "Kaiming normal")
                .on_hover_text("N(0, 2/fan_in): PyTorch's kaiming_normal_ for relu");
            ui.selectable_value(&mut run.init, WeightInit::LecunNormal, "LeCun normal")
                .on_hover_text("N(0, 1/fan_in): suited to tanh units");
            let normal = matches!(run.init, WeightInit::Normal { .. });
            if ui
                .selectable_label(normal, "Normal")
                .on_hover_text("N(0, std²) everywhere")
                .clicked()
                && !normal
            {
                run.init = WeightInit::Normal { std: 0.01 };
            }
        })
        .response
        .on_hover_text("How the weights start (biases start at 0)");
    if let WeightInit::Normal { std } = &mut run.init {
        lab_widgets::number(ui, std, (0.0, 1.0), model::INIT_STD, "std", "Standard deviation");
    }
}
