//! The desktop app's tests, one binary: `egui_kittest` drives the real app headless (clicks, keys,
//! frames) through the accessibility tree.

mod app;
mod big_surface;
mod controls;
mod faults;
mod harness;
mod inputs;
mod internals;
mod labs;
mod lbfgs;
mod legends;
mod lookahead;
mod map;
mod slice;
