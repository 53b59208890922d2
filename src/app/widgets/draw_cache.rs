//! Per-run drawing geometry kept between frames.
//!
//! A frame that shows the same records at the same size as the last one reuses the points it
//! built then; a new batch, a playback step or a resize rebuilds only the runs it touches. The
//! key says what the geometry was built from: the run's job generation and how many of its
//! records are shown (records only ever append within a generation) plus whatever the view
//! derives from (plot width, view box, log floor), as plain comparable values.

use egui_plot::PlotPoint;

use crate::app::entries::race::results::RunResult;
use optlab_core::run::StepRecord;

/// Geometry of type `V` for each run index, with the key it was built for.
#[derive(Clone, Debug)]
pub struct DrawCache<K, V> {
    slots: Vec<Option<(K, V)>>,
}

impl<K, V> Default for DrawCache<K, V> {
    fn default() -> Self {
        Self { slots: Vec::new() }
    }
}

impl<K: PartialEq, V> DrawCache<K, V> {
    /// Makes sure run `index` has geometry for `key`, building it with `make` unless the last
    /// one had that key.
    pub fn ensure(&mut self, index: usize, key: K, make: impl FnOnce() -> V) {
        if self.slots.len() <= index {
            self.slots.resize_with(index + 1, || None);
        }
        let slot = &mut self.slots[index];
        if slot.as_ref().is_none_or(|(old, _)| *old != key) {
            *slot = Some((key, make()));
        }
    }

    /// The geometry last built for run `index`.
    #[must_use]
    pub fn get(&self, index: usize) -> Option<&V> {
        self.slots.get(index)?.as_ref().map(|(_, value)| value)
    }
}

/// What identifies the records a view of one run is built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordsKey {
    generation: u64,
    shown: usize,
    finished: bool,
}

impl RecordsKey {
    /// The key of `result`'s first `shown` records.
    #[must_use]
    pub fn new(result: &RunResult, shown: usize) -> Self {
        Self { generation: result.generation, shown, finished: result.summary.is_some() }
    }
}

/// A curve over `records` for a plot `columns` wide: each column keeps the points of its
/// lowest and highest value in step order, so oscillations that a stride would alias away keep
/// their envelope, and a flat stretch collapses to its ends. `value` maps a record to y.
#[must_use]
pub fn column_envelope(
    records: &[StepRecord],
    columns: usize,
    value: impl Fn(&StepRecord) -> f64,
) -> Vec<PlotPoint> {
    let columns = columns.max(1);
    if records.len() <= 2 * columns {
        return collapse_flat(records.iter().map(|r| PlotPoint::new(r.step as f64, value(r))));
    }
    let per_column = records.len().div_ceil(columns);
    let mut points = Vec::with_capacity(2 * columns + 2);
    for chunk in records.chunks(per_column) {
        let mut low = (f64::INFINITY, 0);
        let mut high = (f64::NEG_INFINITY, 0);
        for (i, record) in chunk.iter().enumerate() {
            let y = value(record);
            if y < low.0 {
                low = (y, i);
            }
            if y > high.0 {
                high = (y, i);
            }
        }
        let (first, second) = if low.1 <= high.1 { (low, high) } else { (high, low) };
        for (y, i) in [first, second] {
            if y.is_finite() {
                points.push(PlotPoint::new(chunk[i].step as f64, y));
            }
        }
    }
    if let Some(last) = records.last() {
        points.push(PlotPoint::new(last.step as f64, value(last)));
    }
    collapse_flat(points)
}

/// Drops the interior points of runs of identical y (a constant lr draws as one segment);
/// compared as bits, since only exact repeats may go.
fn collapse_flat(points: impl IntoIterator<Item = PlotPoint>) -> Vec<PlotPoint> {
    let mut kept: Vec<PlotPoint> = Vec::new();
    for p in points {
        if let [.., a, b] = kept.as_slice()
            && a.y.to_bits() == b.y.to_bits()
            && b.y.to_bits() == p.y.to_bits()
        {
            kept.pop();
        }
        kept.push(p);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(values: impl IntoIterator<Item = f64>) -> Vec<StepRecord> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, loss)| StepRecord {
                step: i as u64,
                position: [0.0; 2],
                loss,
                lr: 0.1,
                grad_norm: 0.0,
            })
            .collect()
    }

    #[test]
    fn envelope_keeps_the_extremes_of_each_column_and_the_ends() {
        // A fast zig-zag: a stride of 10 would see only the low side.
        let zigzag = records((0..10_000).map(|i| if i % 2 == 0 { 1.0 } else { 5.0 }));
        let points = column_envelope(&zigzag, 500, |r| r.loss);
        assert!(points.len() <= 2 * 500 + 1, "{}", points.len());
        let (low, high) = points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| (l.min(p.y), h.max(p.y)));
        assert_eq!((low.to_bits(), high.to_bits()), (1f64.to_bits(), 5f64.to_bits()));
        assert_eq!(points.first().map(|p| p.x), Some(0.0));
        assert_eq!(points.last().map(|p| p.x), Some(9_999.0));
        assert!(points.windows(2).all(|w| w[0].x <= w[1].x), "steps stay in order");
    }

    #[test]
    fn a_constant_series_draws_as_one_segment() {
        let flat = records(std::iter::repeat_n(0.1, 10_000));
        let points = column_envelope(&flat, 500, |r| r.lr);
        assert_eq!(points.len(), 2);
        assert_eq!((points[0].x, points[1].x), (0.0, 9_999.0));
        let short = column_envelope(&flat[..7], 500, |r| r.lr);
        assert_eq!(short.len(), 2);
    }

    #[test]
    fn cache_rebuilds_only_when_the_key_changes() {
        let mut cache: DrawCache<u32, u32> = DrawCache::default();
        let mut builds = 0;
        for key in [1, 1, 2, 2, 1] {
            cache.ensure(3, key, || {
                builds += 1;
                key * 10
            });
        }
        assert_eq!(builds, 3);
        assert_eq!(cache.get(3), Some(&10));
        assert_eq!(cache.get(0), None);
    }
}
