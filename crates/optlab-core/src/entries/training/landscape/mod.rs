//! The training entry's loss-landscape views (Li et al. 2018; Goodfellow et al. 2015): the
//! option that turns them on, the parameter path the session records while the runs train,
//! the work done after training (step by step, so the report grows and stays cancellable), and
//! the report's tables and summary values. The numbers are [`crate::train::landscape`]'s.
//!
//! Per run that trained, after training finishes:
//! 1. the line θ₀ → θ* (`<run>/interpolation.csv`, `alpha,loss`);
//! 2. the filter-normalized random slice around θ* (`<run>/slice.csv`, `a,b,loss`);
//! 3. the PCA plane of the recorded path: the path (`<run>/pca_path.csv`,
//!    `epoch,a,b,loss`, the loss at the recorded θ itself) and the loss over the plane around
//!    it (`<run>/pca_plane.csv`, `a,b,loss`);
//!
//! then the line between two runs' final weights (`interpolation-<a>-<b>.csv`, `alpha,loss`).
//! Every loss is the training objective: data loss on the training set in eval mode plus the
//! L2 penalty.

pub mod options;
pub mod parts;
pub mod tables;
pub mod work;

pub use options::{
    ALPHA_RANGE, INTERPOLATION_POINTS, LandscapeOptions, MAX_SNAPSHOTS, RESOLUTION, SPAN,
    path_memory,
};
pub use parts::{LandscapeReport, PairLine, PcaPlane, RunLandscape, max_rise, summary_values};
pub use tables::{pair_summary, tables};
pub use work::{LandscapeWork, pair, same_shape};
