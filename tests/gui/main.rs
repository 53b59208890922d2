//! The desktop app's tests, one binary: `egui_kittest` drives the real app headless (clicks, keys,
//! frames) through the accessibility tree.

mod adam_family;
mod app;
mod big_surface;
mod classic_optimizers;
mod controls;
mod copy_torch;
mod faults;
mod harness;
mod inputs;
mod internals;
mod labs;
mod landscape;
mod lbfgs;
mod lbfgs_training;
mod legends;
mod lookahead;
mod lr_finder;
mod map;
mod matrix_controls;
mod schedule_free;
mod schedules;
mod sharpness;
mod slice;
mod sweep_counts;
