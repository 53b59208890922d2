//! Grey-scale lab images (pooling inputs and outputs, keep/drop rasters) as textures in plots.
//!
//! A texture is made once per lab report and kept in egui's memory under the view's id and
//! the report's generation, so a frame only looks it up.

use egui::{ColorImage, TextureHandle, TextureOptions, Ui};
use egui_plot::{PlotImage, PlotPoint, PlotUi};
use std::sync::Arc;

use crate::app::widgets::palette;

/// Pixels of an image: width, height and row-major values (row 0 is the top row).
pub struct Pixels<'a> {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Row-major values.
    pub values: &'a [f64],
}

/// The texture of `pixels` coloured with the surface colour map over [`lo`, `hi`], made once
/// per `(id, generation)`.
pub fn texture(
    ui: &Ui,
    id: egui::Id,
    generation: u64,
    pixels: &Pixels<'_>,
    (lo, hi): (f64, f64),
) -> TextureHandle {
    let key = id.with(generation);
    if let Some(texture) = ui.data(|d| d.get_temp::<TextureHandle>(key)) {
        return texture;
    }
    let span = if hi > lo { hi - lo } else { 1.0 };
    let colours = pixels.values.iter().map(|&v| palette::surface_colour((v - lo) / span)).collect();
    let image = ColorImage::new([pixels.width, pixels.height], colours);
    let texture = ui.ctx().load_texture(format!("lab-{id:?}"), image, TextureOptions::NEAREST);
    // Only the latest generation stays referenced; older textures are freed with their handle.
    ui.data_mut(|d| {
        d.remove::<TextureHandle>(id.with(generation.wrapping_sub(1)));
        d.insert_temp(key, texture.clone());
    });
    texture
}

/// Places `texture` so pixel (row, col) covers x ∈ [col, col + 1], y ∈ [−row − 1, −row]: the
/// image reads top-down like on paper and pixel edges fall on whole numbers.
pub fn place(plot: &mut PlotUi<'_>, texture: &TextureHandle, width: usize, height: usize) {
    let (w, h) = (width as f64, height as f64);
    #[expect(clippy::cast_possible_truncation, reason = "image sides are at most a few thousand")]
    let size = [w as f32, h as f32];
    plot.image(
        PlotImage::new("", texture.id(), PlotPoint::new(0.5 * w, -0.5 * h), size)
            .allow_hover(false),
    );
}

/// Smallest and largest finite value (0, 1 when there is none).
#[must_use]
pub fn range(values: &[f64]) -> (f64, f64) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) =
        finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo <= hi { (lo, hi) } else { (0.0, 1.0) }
}

/// A texture that follows a streaming report: one per `key`, rebuilt with `build` only when
/// `generation` changes, and updated in place (a training or a sweep sends several reports a
/// second; a new texture for each would pile up).
pub fn streamed_texture(
    ui: &Ui,
    key: egui::Id,
    generation: u64,
    options: TextureOptions,
    build: impl FnOnce() -> Arc<ColorImage>,
) -> TextureHandle {
    let cached = ui.data(|d| d.get_temp::<(u64, TextureHandle)>(key));
    if let Some((made_for, texture)) = &cached
        && *made_for == generation
    {
        return texture.clone();
    }
    let image = build();
    let texture = match cached {
        Some((_, mut texture)) => {
            texture.set(image, options);
            texture
        }
        None => ui.ctx().load_texture(format!("lab-{key:?}"), image, options),
    };
    ui.data_mut(|d| d.insert_temp(key, (generation, texture.clone())));
    texture
}
