//! The command line's tests, one binary: they run the built `optlab` executable and read what it
//! prints, as a user's shell would.

mod bad_input;
mod commands;
mod lbfgs;
mod presets;
mod slice;
