//! # optlab
//!
//! The desktop app ([`app`]) and the headless command line ([`cli`]) of optlab, a lab notebook
//! for how neural networks are optimized and regularized. Everything they compute comes from
//! [`optlab_core`]; this crate draws it and parses arguments.

pub mod app;
pub mod bench;
pub mod cli;
