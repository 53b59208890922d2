//! Optimizers (stub)
