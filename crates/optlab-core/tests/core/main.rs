//! The core's integration tests, one binary: every module below checks one part of
//! `optlab_core` through its public API, with no GUI and no command line linked in.

mod adam_family_properties;
mod assignment;
mod budget;
mod divergence;
mod dropout_bias_and_masks;
mod expr;
mod layout;
mod lbfgs_properties;
mod matrix_training;
mod notebook_roundtrip;
mod optim_classic;
mod optim_properties;
mod reference_lbfgs;
mod reference_optimizers;
mod reference_schedules;
mod reference_signsf;
mod reference_torch_adam;
mod reference_torch_classic;
mod reference_torch_matrix;
mod reference_torch_schedules;
mod refusals;
mod regularize;
mod schedule_properties;
mod signsf_properties;
mod slice;
mod stability;
mod surfaces;
mod sweep;
mod torch_script;
mod train;
mod worker;
