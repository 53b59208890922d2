//! Adafactor's and Muon's race controls (issue 16): the picker reaches them, every control has
//! a name, the lr-adjustment picker and the ε₁ switch edit the run, and the panel says what Muon
//! does with vectors and where its Newton–Schulz iteration runs.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use optlab::app::OptlabApp;
use optlab_core::notebook::Notebook;
use optlab_core::optim::{MuonLrAdjust, OptimizerConfig};

use super::harness::{panel, race};

fn settle(h: &mut Harness<'_, OptlabApp>) {
    h.run_steps(3);
}

/// The default notebook with its first run switched to `name` through the optimizer picker.
fn picked(name: &str) -> Harness<'static, OptlabApp> {
    let mut h = panel(Notebook::default_notebook());
    settle(&mut h);
    h.get_by_role_and_label(Role::ComboBox, "optimizer").click();
    settle(&mut h);
    h.get_by_label(name).click_accesskit();
    settle(&mut h);
    h
}

fn label_containing(h: &Harness<'_, OptlabApp>, needle: &str) -> bool {
    h.query_all_by_role(Role::Label)
        .filter_map(|node| node.accesskit_node().value())
        .any(|label| label.contains(needle))
}

#[test]
fn muon_controls_pick_the_lr_adjustment_and_say_what_biases_take() {
    let mut h = picked("Muon");
    assert!(matches!(race(h.state()).runs[0].optimizer, OptimizerConfig::Muon { .. }));
    for slider in ["lr η", "decoupled decay λ", "momentum μ", "a", "b", "c", "NS steps", "ε"] {
        h.get_by_role_and_label(Role::Slider, slider);
    }
    assert!(label_containing(&h, "biases take AdamW with the same lr and no weight decay"));
    assert!(label_containing(&h, "PyTorch runs it in bfloat16"));
    h.get_by_role_and_label(Role::ComboBox, "adjust lr").click_accesskit();
    settle(&mut h);
    h.get_by_label("MatchRmsAdamW").click_accesskit();
    settle(&mut h);
    let optimizer = &race(h.state()).runs[0].optimizer;
    let adjusted = matches!(optimizer, OptimizerConfig::Muon { adjust_lr, .. }
        if *adjust_lr == MuonLrAdjust::MatchRmsAdamW);
    assert!(adjusted, "{optimizer:?}");
    assert!(label_containing(&h, "0.2·√max(rows, cols)"), "the rule shows the adjustment");
    let unnamed = h.unnamed_widgets();
    assert!(unnamed.is_empty(), "unnamed widgets:\n{}", unnamed.join("\n"));
}

#[test]
fn adafactor_controls_switch_eps1_between_machine_epsilon_and_a_number() {
    let mut h = picked("Adafactor");
    for slider in ["lr η", "β₂ decay τ", "ε₂", "clip d", "decoupled decay λ"] {
        h.get_by_role_and_label(Role::Slider, slider);
    }
    assert!(h.query_by_role_and_label(Role::Slider, "ε₁").is_none(), "None: no number to set");
    h.get_by_role_and_label(Role::CheckBox, "ε₁ = machine ε").click_accesskit();
    settle(&mut h);
    let optimizer = &race(h.state()).runs[0].optimizer;
    assert!(matches!(optimizer, OptimizerConfig::Adafactor { eps1: Some(_), .. }), "{optimizer:?}");
    h.get_by_role_and_label(Role::Slider, "ε₁");
    assert!(label_containing(&h, "RCᵀ/max(mean(R), ε₁)"), "the rule shows the factors");
    let unnamed = h.unnamed_widgets();
    assert!(unnamed.is_empty(), "unnamed widgets:\n{}", unnamed.join("\n"));
}
