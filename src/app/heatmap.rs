//! Surface textures and contours (stub: being written).

/// Cached textures and contour lines per surface.
#[derive(Default)]
pub struct HeatmapCache;
