//! Drawing pieces shared by several entry kinds: colour maps, heatmaps, axes, lab images and
//! controls, draw caches.

pub mod draw_cache;
pub mod grid_images;
pub mod heatmap;
pub mod lab_image;
pub mod lab_widgets;
pub mod legend_row;
pub mod log_axis;
pub mod number_field;
pub mod numbers;
pub mod offscreen;
pub mod palette;
pub mod surface_grid;
pub mod surface_jobs;
pub mod surface_probe;
