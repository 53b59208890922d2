//! The race: optimizers side by side on a 2D loss surface, with its map, 3D view, curves,
//! internals and table.

pub mod asgd_average;
pub mod classic_controls;
pub mod copy_torch;
pub mod curves_view;
pub mod evaluation_point;
pub mod internals_series;
pub mod internals_view;
pub mod lbfgs_controls;
pub mod lookahead;
pub mod map_curvature;
pub mod map_directions;
pub mod map_frame;
pub mod map_view;
pub mod optimizer_controls;
pub mod panel;
pub mod playback;
pub mod results;
pub mod schedule_controls;
pub mod schedule_fields;
pub mod schedule_preview;
pub mod slice_job;
pub mod slice_map;
pub mod slice_view;
pub mod stats_table;
pub mod surface3d_view;

pub mod view;
