//! The dropout lab: masks, scaling and their effect on activations.

pub mod panel;
pub mod view;
