//! The training lab: small networks trained on toy data sets.

pub mod panel;
pub mod view;
