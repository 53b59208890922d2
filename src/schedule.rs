//! Schedules (stub)
