//! L-BFGS's race controls (issue 16) driven headless: every field is named, the `max_eval`
//! switch turns `None` into `Some(n)` and back, and the strong-Wolfe box edits the config.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use optlab::app::OptlabApp;
use optlab_core::notebook::Notebook;
use optlab_core::optim::OptimizerConfig;

use super::harness::{panel, race, race_mut};

fn settle(h: &mut Harness<'_, OptlabApp>) {
    h.run_steps(3);
}

/// The default notebook with its first run switched to L-BFGS (PyTorch's defaults).
fn harness() -> Harness<'static, OptlabApp> {
    let mut h = panel(Notebook::default_notebook());
    settle(&mut h);
    race_mut(h.state_mut()).runs[0].optimizer =
        ron::from_str("Lbfgs()").expect("L-BFGS with PyTorch's defaults");
    settle(&mut h);
    h
}

fn lbfgs_fields(h: &Harness<'_, OptlabApp>) -> (Option<u32>, bool) {
    match race(h.state()).runs[0].optimizer {
        OptimizerConfig::Lbfgs { max_eval, strong_wolfe, .. } => (max_eval, strong_wolfe),
        ref other => panic!("the first run is no longer L-BFGS: {other:?}"),
    }
}

#[test]
fn lbfgs_controls_are_named_and_edit_the_run() {
    let mut h = harness();
    for label in ["max iterations", "tolerance grad", "tolerance change", "history m"] {
        h.get_by_role_and_label(Role::Slider, label);
    }
    assert!(h.query_by_role_and_label(Role::Slider, "max evaluations").is_none());
    h.get_by_role_and_label(Role::CheckBox, "limit evaluations (off: 25)").click_accesskit();
    settle(&mut h);
    assert_eq!(lbfgs_fields(&h), (Some(25), false));
    h.get_by_role_and_label(Role::Slider, "max evaluations");
    h.get_by_role_and_label(Role::CheckBox, "strong Wolfe line search").click_accesskit();
    settle(&mut h);
    assert_eq!(lbfgs_fields(&h), (Some(25), true));
    h.get_by_role_and_label(Role::CheckBox, "limit evaluations (off: 25)").click_accesskit();
    settle(&mut h);
    assert_eq!(lbfgs_fields(&h), (None, true));
    assert!(race(h.state()).validate().is_ok());
    let unnamed = h.unnamed_widgets();
    assert!(unnamed.is_empty(), "unnamed widgets:\n{}", unnamed.join("\n"));
}
