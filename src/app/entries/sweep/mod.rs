//! The hyperparameter sweep: a grid of runs over two settings.

pub mod panel;
pub mod view;
