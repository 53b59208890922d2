//! # optlab
//!
//! The numerical core of optlab, a lab notebook for how neural networks are optimized and
//! regularized ("Training Neural Networks II"): loss surfaces, optimizers with PyTorch
//! semantics, learning-rate schedules, runs with divergence detection and gradient noise.
//!
//! Nothing in this library draws: the desktop app and the command line both sit on top of it.

pub mod limits;
pub mod optim;
pub mod schedule;
pub mod surface;
