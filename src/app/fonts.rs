//! Fonts: egui's defaults lack ∇, √, ⊙ and some sub/superscripts the update rules use, so the
//! DejaVu Sans family (from the `dejavu` crate, compiled into the binary) is added as a
//! fallback for every text style.

use std::sync::Arc;

/// Adds DejaVu Sans (and Mono) as fallbacks after egui's own fonts.
pub fn install(ctx: &egui::Context) {
    ctx.set_fonts(definitions());
}

/// egui's default fonts plus the DejaVu fallbacks.
#[must_use]
pub fn definitions() -> egui::FontDefinitions {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "dejavu-sans".to_owned(),
        Arc::new(egui::FontData::from_static(dejavu::sans::regular())),
    );
    fonts.font_data.insert(
        "dejavu-mono".to_owned(),
        Arc::new(egui::FontData::from_static(dejavu::sans_mono::regular())),
    );
    for (family, name) in [
        (egui::FontFamily::Proportional, "dejavu-sans"),
        (egui::FontFamily::Monospace, "dejavu-mono"),
    ] {
        let list = fonts.families.entry(family).or_default();
        list.push(name.to_owned());
        list.push(if name == "dejavu-sans" { "dejavu-mono" } else { "dejavu-sans" }.to_owned());
    }
    fonts
}
