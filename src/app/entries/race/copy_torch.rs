//! The race run's "Copy as PyTorch" button: the run as a Python script for PyTorch
//! ([`optlab_core::torch_script`]) on the clipboard, "✔ Copied" for a moment after; disabled,
//! with the reason as its tooltip, when PyTorch cannot run it.

use std::time::Duration;

use egui::{Button, Ui};
use optlab_core::run::RunConfig;
use optlab_core::torch_script;

/// How long the button says "✔ Copied" after a click, in seconds.
pub const COPIED_SECONDS: f64 = 1.5;

/// The button's text before a click.
pub const LABEL: &str = "Copy as PyTorch";

/// Draws the button for the run `config` (`None`: the race has no such run).
pub fn button(ui: &mut Ui, config: Option<&RunConfig>) {
    let id = ui.make_persistent_id("copied-as-pytorch");
    let now = ui.input(|i| i.time);
    let copied_at: Option<f64> = ui.data(|d| d.get_temp(id));
    let since = copied_at.map(|t| now - t).filter(|&s| (0.0..COPIED_SECONDS).contains(&s));
    let refusal = match config {
        Some(config) => torch_script::check(config).err().map(|r| r.0),
        None => Some("This run is not part of the race".to_owned()),
    };
    let text = if since.is_some() { "✔ Copied" } else { LABEL };
    let response = ui.add_enabled(refusal.is_none(), Button::new(text));
    let response = match refusal {
        Some(reason) => response.on_disabled_hover_text(reason),
        None => response.on_hover_text(
            "Put a Python script on the clipboard that runs this run with torch.optim in float64 \
             and prints the same CSV as `optlab trace` (gradient noise included)",
        ),
    };
    if response.clicked()
        && let Some(config) = config
        && let Ok(script) = torch_script::script(config)
    {
        ui.ctx().copy_text(script);
        ui.data_mut(|d| d.insert_temp(id, now));
        ui.ctx().request_repaint_after(Duration::from_secs_f64(COPIED_SECONDS));
    } else if let Some(since) = since {
        ui.ctx().request_repaint_after(Duration::from_secs_f64(COPIED_SECONDS - since));
    }
}
