//! `NAdam`, `RAdam` and Adamax in the race controls: picked from the optimizer menu, their own
//! sliders and the decoupled-decay checkbox edit the run's config.

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable as _;
use optlab_core::notebook::Notebook;
use optlab_core::optim::OptimizerConfig;

use super::harness::{panel, race};

#[test]
fn nadam_is_picked_and_its_momentum_decay_and_decoupling_are_edited() {
    let mut h = panel(Notebook::default_notebook());
    h.run_steps(3);
    let lr = race(h.state()).runs[0].optimizer.lr();
    h.get_by_role_and_label(Role::ComboBox, "optimizer").click();
    h.run_steps(3);
    // The menu lists 11 optimizers; the new ones may sit below its scroll area's edge.
    h.get_by_label("NAdam").scroll_to_me();
    h.run_steps(3);
    h.get_by_label("NAdam").click();
    h.run_steps(3);
    h.get_by_role_and_label(Role::Slider, "momentum decay ψ").set_value_accesskit(0.02);
    h.run_steps(3);
    h.get_by_label("decoupled").scroll_to_me();
    h.run_steps(3);
    h.get_by_label("decoupled").click();
    h.run_steps(3);
    let optimizer = &race(h.state()).runs[0].optimizer;
    let OptimizerConfig::NAdam { lr: kept, momentum_decay, decoupled_weight_decay, .. } =
        *optimizer
    else {
        panic!("{optimizer:?}")
    };
    assert!((kept - lr).abs() < 1e-15, "the lr {lr} is kept");
    assert!((momentum_decay - 0.02).abs() < 1e-12, "{momentum_decay}");
    assert!(decoupled_weight_decay);
    assert!(optimizer.validate().is_ok());
}

#[test]
fn radam_and_adamax_show_their_own_fields() {
    for (name, field, absent) in
        [("RAdam", "decoupled", "momentum decay ψ"), ("Adamax", "ε", "decoupled")]
    {
        let mut h = panel(Notebook::default_notebook());
        h.run_steps(3);
        h.get_by_role_and_label(Role::ComboBox, "optimizer").click();
        h.run_steps(3);
        h.get_by_label(name).scroll_to_me();
        h.run_steps(3);
        h.get_by_label(name).click();
        h.run_steps(3);
        assert_eq!(race(h.state()).runs[0].optimizer.name(), name);
        h.query_all_by_label(field).next().unwrap_or_else(|| panic!("{name}: {field}"));
        assert!(h.query_by_label(absent).is_none(), "{name} has no {absent}");
        h.get_by_role_and_label(Role::Slider, "β₂");
    }
}
