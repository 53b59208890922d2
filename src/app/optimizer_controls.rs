//! Optimizer and schedule controls of one run (stub: being written).
