//! The assignment helper: checks a student's update rule against the reference.

pub mod panel;
pub mod view;
