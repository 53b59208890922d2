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

/// Every character the views print: printable ASCII and the symbols of the labels and formulas
/// (a unit test keeps this list in step with the sources).
const PRINTED: &str = concat!(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`",
    "abcdefghijklmnopqrstuvwxyz{|}~",
    "°±²³·¹½×ΣΦαβδεηθκλμρστφᵀᵗᵢḡ–—‖…⁴⁵⁶⁻ⁿ₀₁₂₋ₗ→↔↺∇∈−√∞≈≠≥⊙⌈⌉⏭⏵⏸⏹▶●⚠✓✔✖✗✘➕➖⟲⬆⬇🎲📋🗑",
    "§÷\u{302}\u{304}Δπᵏ′″ⁱ⁷⁺₃₄ₖₜ←∂≤⌊⌋ⱼ┄◯□",
    // NAdam, RAdam, Adamax (their update rules come from the core):
    "ψ⋯₊",
    // Newton's methods and the curvature cross (issue 18):
    "Λ∝",
    // The training run's loss picker (issue 19):
    "ᵧ",
);

/// Extra sizes drawn outside the text styles (the 3D view's axis labels).
const EXTRA_SIZES_PT: [f32; 1] = [13.0];

/// Rasterizes [`PRINTED`] in every text style once per scale, at the first frame. egui draws
/// glyphs into its atlas on first use, so a view appearing for the first time (a sweep's
/// first snapshot) paid 2–3 ms for its glyphs inside a 4 ms frame budget, and changing
/// numbers kept adding glyphs after that.
pub fn prewarm(ctx: &egui::Context) {
    let id = egui::Id::unique("optlab-fonts-prewarmed-at");
    let scale = ctx.pixels_per_point();
    if ctx.data(|d| d.get_temp::<f32>(id)) == Some(scale) {
        return;
    }
    let style_fonts = ctx.global_style().text_styles.values().cloned().collect::<Vec<_>>();
    let extra_fonts = EXTRA_SIZES_PT.map(egui::FontId::proportional);
    ctx.fonts_mut(|fonts| {
        for font in style_fonts.into_iter().chain(extra_fonts) {
            for quarter in 0..4_u8 {
                drop(fonts.layout_job(shifted_line(&font, f32::from(quarter) * 0.25 / scale)));
            }
        }
    });
    ctx.data_mut(|d| d.insert_temp(id, scale));
}

/// [`PRINTED`] as one line shifted `offset_pt` to the right. egui keeps up to four bitmaps of
/// a glyph, one per quarter pixel of horizontal position; shifting the whole line by 0, 1/4,
/// 1/2 and 3/4 pixel moves every character through all four. (One line, not one per character:
/// egui caches each line of a text separately, and dropping thousands of cached lines two
/// frames later took 5–10 ms.)
fn shifted_line(font: &egui::FontId, offset_pt: f32) -> egui::text::LayoutJob {
    let mut job = egui::text::LayoutJob::default();
    job.append(PRINTED, offset_pt, egui::TextFormat::simple(font.clone(), egui::Color32::WHITE));
    job
}

#[cfg(test)]
mod tests {
    use super::PRINTED;

    use std::collections::BTreeSet;
    use std::path::Path;

    /// Every non-ASCII character in the sources (labels, formulas, and comments, a harmless
    /// superset) is prewarmed.
    #[test]
    fn the_prewarmed_characters_cover_the_sources() {
        let mut missing = BTreeSet::new();
        collect_missing(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut missing);
        assert!(missing.is_empty(), "add to PRINTED: {missing:?}");
    }

    fn collect_missing(folder: &Path, missing: &mut BTreeSet<char>) {
        for entry in std::fs::read_dir(folder).expect("a source folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                collect_missing(&path, missing);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                missing.extend(text.chars().filter(|c| !c.is_ascii() && !PRINTED.contains(*c)));
            }
        }
    }
}
