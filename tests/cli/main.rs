//! The command line's tests, one binary: they run the built `optlab` executable and read what it
//! prints, as a user's shell would.

mod bad_input;
mod classic_optimizers;
mod commands;
mod compare;
mod edge_of_stability;
mod everywhere;
mod landscape;
mod lbfgs;
mod lr_finder;
mod matrix;
mod presets;
mod schedules;
mod second_order;
mod signsf;
mod slice;
mod torch;
mod torch_adam;
