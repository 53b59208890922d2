//! The landscape part of the training report and its summary values.

use crate::train::landscape::LossGrid;

/// The landscape part of the training report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LandscapeReport {
    /// Whether the views are on (the option is set).
    pub enabled: bool,
    /// One per run of the report, in its order (empty when off).
    pub runs: Vec<RunLandscape>,
    /// The line between two runs' final weights.
    pub between: Option<PairLine>,
    /// Whether everything has been computed.
    pub finished: bool,
}

/// One run's landscape, as far as computed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunLandscape {
    /// `(α, loss)` along (1 − α)·θ₀ + α·θ*.
    pub interpolation: Vec<[f64; 2]>,
    /// The loss over the filter-normalized random plane around θ*.
    pub slice: Option<LossGrid>,
    /// The PCA plane of the recorded path.
    pub pca: Option<PcaPlane>,
    /// Why a part could not be computed (a path with non-finite values, too few epochs).
    pub note: Option<String>,
}

/// The path on the plane of its first two principal components.
#[derive(Clone, Debug, PartialEq)]
pub struct PcaPlane {
    /// The fraction of the path's variance each component explains.
    pub explained: [f64; 2],
    /// `(epoch, a, b, loss at the recorded θ)` of every snapshot.
    pub path: Vec<[f64; 4]>,
    /// The loss over the plane around the path.
    pub grid: LossGrid,
}

/// The line between two runs' final weights.
#[derive(Clone, Debug, PartialEq)]
pub struct PairLine {
    /// Run A's index.
    pub from: usize,
    /// Run B's index.
    pub to: usize,
    /// `(α, loss)` along (1 − α)·θᴬ + α·θᴮ (run A's objective); empty with a note.
    pub points: Vec<[f64; 2]>,
    /// Why the line was not computed.
    pub note: Option<String>,
}

/// The summary values of run `index`: `slice_centre`, `slice_min`, `slice_min_a`,
/// `slice_min_b` (the random slice's loss at θ* and its lowest point),
/// `pca_explained_1`, `pca_explained_2`, and `interp_max_rise` (the largest increase of the
/// loss between consecutive points of θ₀ → θ* for α in [0, 1]; 0 for a
/// non-increasing line).
#[must_use]
pub fn summary_values(r: &LandscapeReport, index: usize) -> Vec<(&'static str, f64)> {
    let Some(run) = r.runs.get(index) else { return Vec::new() };
    let mut values = Vec::new();
    if let Some(slice) = run.slice.as_ref().filter(|s| s.is_complete()) {
        values.push(("slice_centre", slice.nearest(0.0, 0.0).unwrap_or(f64::NAN)));
        let min = slice.minimum().unwrap_or([f64::NAN; 3]);
        values.extend([("slice_min", min[2]), ("slice_min_a", min[0]), ("slice_min_b", min[1])]);
    }
    if let Some(pca) = &run.pca {
        values
            .extend([("pca_explained_1", pca.explained[0]), ("pca_explained_2", pca.explained[1])]);
    }
    if !run.interpolation.is_empty() {
        values.push(("interp_max_rise", max_rise(&run.interpolation)));
    }
    values
}

/// The largest rise of the loss between consecutive points with α in [0, 1].
#[must_use]
pub fn max_rise(line: &[[f64; 2]]) -> f64 {
    let inside: Vec<f64> =
        line.iter().filter(|p| (-1e-12..=1.0 + 1e-12).contains(&p[0])).map(|p| p[1]).collect();
    inside.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max)
}
