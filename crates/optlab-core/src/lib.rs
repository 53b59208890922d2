//! # optlab-core
//!
//! The numerical core of optlab, a lab notebook for how neural networks are optimized and
//! regularized ("Training Neural Networks II"): loss surfaces, optimizers with PyTorch
//! semantics, learning-rate schedules, runs with divergence detection and gradient noise,
//! every notebook entry kind (its config, computation and report), notebooks saved as RON, and
//! the background runners.
//!
//! Nothing here draws and nothing depends on a GUI or a command-line parser: the desktop app
//! and the command line (the `optlab` binary) both sit on top of this crate.

pub mod budget;
pub mod directions;
pub mod entries;
pub mod expr;
pub mod files;
pub mod grid;
pub mod headless;
pub mod limits;
pub mod names;
pub mod notebook;
pub mod optim;
pub mod presets;
pub mod regularize;
pub mod ron_comments;
pub mod ron_errors;
pub mod run;
pub mod runner;
pub mod schedule;
pub mod slice;
pub mod stability;
pub mod surface;
pub mod torch_script;
pub mod train;
