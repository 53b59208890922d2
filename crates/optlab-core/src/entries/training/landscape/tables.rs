//! The landscape tables and the A → B summary line.

use crate::entries::kind::{SummaryLine, Table};
use crate::entries::training::report::{TrainingReport, run_slugs};
use crate::train::landscape::LossGrid;

/// The landscape tables (see the module docs for names and columns).
#[must_use]
pub fn tables(r: &TrainingReport) -> Vec<Table> {
    let slugs = run_slugs(r);
    let mut tables = Vec::new();
    for (run, slug) in r.landscape.runs.iter().zip(&slugs) {
        if !run.interpolation.is_empty() {
            tables.push(Table {
                name: format!("{slug}/interpolation"),
                header: vec!["alpha", "loss"],
                rows: run.interpolation.iter().map(|p| p.to_vec()).collect(),
            });
        }
        if let Some(slice) = &run.slice {
            tables.push(grid_table(format!("{slug}/slice"), slice));
        }
        if let Some(pca) = &run.pca {
            tables.push(Table {
                name: format!("{slug}/pca_path"),
                header: vec!["epoch", "a", "b", "loss"],
                rows: pca.path.iter().map(|p| p.to_vec()).collect(),
            });
            tables.push(grid_table(format!("{slug}/pca_plane"), &pca.grid));
        }
    }
    if let Some(line) = r.landscape.between.as_ref().filter(|l| !l.points.is_empty()) {
        let name = |i: usize| slugs.get(i).cloned().unwrap_or_default();
        tables.push(Table {
            name: format!("interpolation-{}-{}", name(line.from), name(line.to)),
            header: vec!["alpha", "loss"],
            rows: line.points.iter().map(|p| p.to_vec()).collect(),
        });
    }
    tables
}

fn grid_table(name: String, grid: &LossGrid) -> Table {
    Table {
        name,
        header: vec!["a", "b", "loss"],
        rows: grid.points().map(|p| p.to_vec()).collect(),
    }
}

/// A summary line for the A → B line: `between_<a>_<b>` with its loss at both ends and its
/// highest point (the barrier).
#[must_use]
pub fn pair_summary(r: &TrainingReport) -> Option<SummaryLine> {
    let line = r.landscape.between.as_ref().filter(|l| !l.points.is_empty())?;
    let name = |i: usize| r.runs.get(i).map_or_else(String::new, |run| run.name.clone());
    let inside: Vec<f64> = line
        .points
        .iter()
        .filter(|p| (-1e-12..=1.0 + 1e-12).contains(&p[0]))
        .map(|p| p[1])
        .collect();
    let (first, last) = (inside.first().copied()?, inside.last().copied()?);
    let highest = inside.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((
        format!("{} -> {}", name(line.from), name(line.to)),
        vec![("loss_a", first), ("loss_b", last), ("barrier", highest - first.max(last))],
    ))
}
