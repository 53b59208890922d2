//! The stochastic depth lab: residual blocks dropped at random.

pub mod panel;
pub mod view;
