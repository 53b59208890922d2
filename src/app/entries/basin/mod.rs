//! The basin map: where each start point of a grid ends up.

pub mod panel;
pub mod view;
