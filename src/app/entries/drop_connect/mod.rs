//! The DropConnect lab: masks on weights rather than activations.

pub mod panel;
pub mod view;
