//! The DropConnect entry's report: every unit's inference computed every way, with its table and
//! summary line.

use super::compute::{LayerMeans, SampledMask, UnitInference, layer_means};
use super::config::DropConnectLab;
use crate::entries::kind::{SummaryLine, Table};

/// The DropConnect lab's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct DropConnectReport {
    /// Keep probability p.
    pub keep: f64,
    /// Every unit's inference computed every way.
    pub units: Vec<UnitInference>,
    /// Their means over units.
    pub means: LayerMeans,
    /// One sampled training-time mask of the layer, for the weight picture.
    pub mask: SampledMask,
}

/// Computes every unit's inference of `lab`.
#[must_use]
pub fn compute(lab: &DropConnectLab) -> DropConnectReport {
    let units = lab.compare();
    let means = layer_means(&units);
    DropConnectReport { keep: lab.keep, units, means, mask: lab.sampled_mask() }
}

/// `units.csv`: one row per unit, numbered from 1 as in the views.
#[must_use]
pub fn table(r: &DropConnectReport) -> Table {
    Table {
        name: "units".to_owned(),
        header: vec![
            "unit",
            "moment_mean",
            "moment_variance",
            "monte_carlo_mean",
            "monte_carlo_variance",
            "mean_inference",
            "gaussian_sampled",
            "closed_form",
            "monte_carlo_relu",
        ],
        rows: r
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                vec![
                    (i + 1) as f64,
                    u.moments.mean,
                    u.moments.variance,
                    u.monte_carlo.mean,
                    u.monte_carlo.variance,
                    u.mean_inference,
                    u.gaussian_sampled,
                    u.closed_form,
                    u.monte_carlo.relu_mean,
                ]
            })
            .collect(),
    }
}

/// One line for the layer: the means over units of each inference.
#[must_use]
pub fn summaries(r: &DropConnectReport) -> Vec<SummaryLine> {
    vec![(
        "layer".to_owned(),
        vec![
            ("keep", r.keep),
            ("train_mean", r.means.train),
            ("mean_inference", r.means.mean_inference),
            ("gaussian_sampled", r.means.gaussian_sampled),
            ("closed_form", r.means.closed_form),
        ],
    )]
}
