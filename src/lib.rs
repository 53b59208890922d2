//! # optlab
//!
//! The numerical core of optlab, a lab notebook for how neural networks are optimized and
//! regularized ("Training Neural Networks II"): loss surfaces, optimizers with PyTorch
//! semantics, learning-rate schedules, runs with divergence detection and gradient noise,
//! notebooks saved as RON, and a background worker.
//!
//! Nothing in the core draws; the desktop app ([`app`]) and the command line ([`cli`]) both
//! sit on top of it.

pub mod app;
pub mod assignment;
pub mod bench;
pub mod cli;
pub mod expr;
pub mod headless;
pub mod labs;
pub mod limits;
pub mod notebook;
pub mod optim;
pub mod presets;
pub mod regularize;
pub mod run;
pub mod schedule;
pub mod surface;
pub mod sweep;
pub mod train;
pub mod worker;
