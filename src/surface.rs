//! Surfaces (stub)
