//! The fractional max pooling entry's report: one draw of regions and the pooled image, with its
//! tables and summary line.

use super::compute::{FracPoolRun, Image, PoolRegion};
use super::config::FractionalMaxPoolLab;
use crate::entries::kind::{SummaryLine, Table};

/// The fractional max pooling lab's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct FractionalMaxPoolReport {
    /// α.
    pub alpha: f64,
    /// One draw: the input, its regions and the pooled image, and 2 × 2 max pooling.
    pub run: Option<FracPoolRun>,
}

/// Draws `lab`'s regions and pools its image.
#[must_use]
pub fn compute(lab: &FractionalMaxPoolLab) -> FractionalMaxPoolReport {
    FractionalMaxPoolReport { alpha: lab.alpha, run: lab.run() }
}

fn image_table(name: &str, image: &Image) -> Table {
    Table {
        name: name.to_owned(),
        header: vec!["row", "col", "value"],
        rows: image
            .rows()
            .enumerate()
            .flat_map(|(r, row)| {
                row.iter().enumerate().map(move |(c, &v)| vec![r as f64, c as f64, v])
            })
            .collect(),
    }
}

/// The input, the pooled images and the regions.
#[must_use]
pub fn tables(r: &FractionalMaxPoolReport) -> Vec<Table> {
    let Some(run) = &r.run else { return Vec::new() };
    let regions = |name: &str, list: &[PoolRegion]| Table {
        name: name.to_owned(),
        header: vec!["index", "start", "end"],
        rows: list
            .iter()
            .enumerate()
            .map(|(i, g)| vec![i as f64, g.start as f64, g.end as f64])
            .collect(),
    };
    vec![
        image_table("input", &run.input),
        image_table("pooled", &run.draw.pooled),
        image_table("max_pool_2x2", &run.max_pooled),
        regions("row_regions", &run.row_regions),
        regions("col_regions", &run.col_regions),
    ]
}

/// One line: α and the sizes before and after pooling.
#[must_use]
pub fn summaries(r: &FractionalMaxPoolReport) -> Vec<SummaryLine> {
    let Some(run) = &r.run else { return Vec::new() };
    let size = |image: &Image| image.width() as f64;
    vec![(
        "pooling".to_owned(),
        vec![
            ("alpha", r.alpha),
            ("input", size(&run.input)),
            ("output", size(&run.draw.pooled)),
            ("max_pool_2x2", size(&run.max_pooled)),
            ("ratio", size(&run.input) / size(&run.draw.pooled).max(1.0)),
        ],
    )]
}
