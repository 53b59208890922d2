//! Colours: one per run (distinct on the dark viridis background and in both themes), and the
//! colour map of the loss surface.

use egui::Color32;

/// Run colours in order: bright, well separated, readable on dark and light.
const RUN_COLOURS: [(u8, u8, u8); 10] = [
    (255, 99, 71),   // tomato
    (0, 200, 255),   // sky
    (255, 215, 0),   // gold
    (255, 105, 180), // pink
    (50, 230, 120),  // green
    (255, 255, 255), // white
    (190, 130, 255), // violet
    (255, 160, 40),  // orange
    (120, 255, 230), // aqua
    (200, 200, 200), // grey
];

/// The x and y coordinates of one run's internals: orange and blue (Okabe–Ito), far apart in
/// hue and lightness, readable on the dark and the light theme and for colour-blind readers.
pub const COORDINATE_COLOURS: [Color32; 2] =
    [Color32::from_rgb(230, 159, 0), Color32::from_rgb(86, 180, 233)];

/// The palette colour for the run at `index`.
#[must_use]
pub fn default_run_colour(index: usize) -> (u8, u8, u8) {
    RUN_COLOURS[index % RUN_COLOURS.len()]
}

/// The colour of a run: its own if set, else the palette's.
#[must_use]
pub fn run_colour(color: Option<(u8, u8, u8)>, index: usize) -> Color32 {
    let (r, g, b) = color.unwrap_or_else(|| default_run_colour(index));
    Color32::from_rgb(r, g, b)
}

/// The surface colour map at `t` in [0, 1] (viridis: perceptually uniform, colour-blind safe).
#[must_use]
pub fn surface_colour(t: f64) -> Color32 {
    let c = colorous::VIRIDIS.eval_continuous(t.clamp(0.0, 1.0));
    Color32::from_rgb(c.r, c.g, c.b)
}

/// [`surface_colour`] from a 1024-entry table: for images of many thousands of cells rebuilt
/// while a computation streams in (the spline costs about as much as the rest of a frame).
#[must_use]
pub fn surface_colour_fast(t: f64) -> Color32 {
    static TABLE: std::sync::OnceLock<Vec<Color32>> = std::sync::OnceLock::new();
    let table =
        TABLE.get_or_init(|| (0..1024).map(|i| surface_colour(f64::from(i) / 1023.0)).collect());
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "t clamped to [0, 1]"
    )]
    let index = (t.clamp(0.0, 1.0) * 1023.0).round() as usize;
    table.get(index).copied().unwrap_or(Color32::BLACK)
}

/// `colour` with its red, green and blue scaled by `factor` in [0, 1] (opaque).
#[must_use]
pub fn dimmed(colour: Color32, factor: f64) -> Color32 {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a channel times a factor in [0, 1] stays in [0, 255]"
    )]
    let scale = |c: u8| (f64::from(c) * factor.clamp(0.0, 1.0)).round() as u8;
    Color32::from_rgb(scale(colour.r()), scale(colour.g()), scale(colour.b()))
}
