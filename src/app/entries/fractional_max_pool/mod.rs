//! The fractional max-pooling lab: pseudo-random pooling regions.

pub mod panel;
pub mod view;
