//! "Copy as PyTorch" on a race run: a click puts the run's PyTorch script on the clipboard and
//! the button says "✔ Copied"; a run PyTorch cannot reproduce has the button disabled.

use egui::OutputCommand;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

use super::harness::{panel, race_mut};
use optlab_core::notebook::Notebook;
use optlab_core::torch_script::HEADER;

/// The button's text before a click (the app's `copy_torch::LABEL`).
const LABEL: &str = "Copy as PyTorch";

const NOTEBOOK: &str = r#"(
    version: 1,
    title: "copy as pytorch",
    entries: [(
        name: "one Adam run",
        experiment: Race(
            surface: Rosenbrock(a: 1.0, b: 100.0),
            steps: 30,
            noise: 0.1,
            runs: [(name: "Adam", optimizer: Adam(lr: 0.02), schedule: Step(every: 10, factor: 0.5))],
        ),
    )],
)"#;

fn copied_texts(h: &egui_kittest::Harness<'_, optlab::app::OptlabApp>) -> Vec<String> {
    h.output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_button_copies_the_runs_pytorch_script() {
    let notebook = Notebook::from_ron(NOTEBOOK).expect("the notebook loads");
    let mut h = panel(notebook);
    h.step();
    assert!(!h.get_by_label(LABEL).accesskit_node().is_disabled(), "an exportable run");
    h.get_by_label(LABEL).click_accesskit();
    let mut copied = Vec::new();
    for _ in 0..3 {
        h.step();
        copied.extend(copied_texts(&h));
    }
    let copied_label = h.query_by_label("✔ Copied").is_some();
    assert_eq!(copied.len(), 1, "one script on the clipboard (button says copied: {copied_label})");
    let script = &copied[0];
    assert!(script.starts_with(HEADER), "{script}");
    assert!(script.contains("torch.optim.Adam([theta], lr=0.02"), "the run's optimizer");
    assert!(script.contains("lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)"));
    assert!(script.contains("NOISE = ["), "the race's noise is embedded");
    h.get_by_label("✔ Copied");
    assert!(h.query_by_label(LABEL).is_none());
}

#[test]
fn a_run_pytorch_cannot_reproduce_has_the_button_disabled() {
    let notebook = Notebook::from_ron(NOTEBOOK).expect("the notebook loads");
    let mut h = panel(notebook);
    race_mut(h.state_mut()).runs[0].optimizer =
        ron::from_str("Adam(lr: 0.02, bias_correction: false)").expect("RON");
    h.step();
    h.step();
    let button = h.get_by_label(LABEL);
    assert!(button.accesskit_node().is_disabled());
    button.click_accesskit();
    for _ in 0..3 {
        h.step();
        assert!(copied_texts(&h).is_empty(), "a disabled button copies nothing");
    }
}
