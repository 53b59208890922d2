//! ASGD's average on the map: for a run with `Asgd`, whose position is the parameter θ, the
//! running average `θ_avg` of its iterates (torch's `ax`) at the playback step, drawn as a hollow
//! square joined to θ by a dashed segment. Through update t0 + 2, `θ_avg` is θ itself.

use egui::Color32;
use egui_plot::{Line, LineStyle, MarkerShape, PlotUi, Points};

use crate::app::entries::race::results::RunResult;
use crate::app::widgets::palette;
use optlab_core::entries::race::Race;
use optlab_core::optim::OptimizerConfig;
use optlab_core::surface::Point;

/// The legend and hover name of the average's square.
pub const AVERAGE_NAME: &str = "ASGD average θ_avg of the iterates (ax)";
/// The name while the average is still the parameter itself (before update t0 + 2).
pub const NOT_STARTED_NAME: &str = "ASGD average θ_avg = θ (averaging starts after t0)";
/// The legend's swatch of the square.
pub const SWATCH: &str = "□";
/// The dark halo under the square, as under the map's other markers.
const HALO: Color32 = Color32::from_rgba_premultiplied(0, 0, 0, 170);

/// Where one ASGD run and its average stand at the shown step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AveragePoint {
    /// The parameter θ, the run's position.
    pub at: Point,
    /// The average `θ_avg`.
    pub average: Point,
}

impl AveragePoint {
    /// `None` when a coordinate is not finite (a diverged run, or no average recorded).
    #[must_use]
    pub fn new(at: Point, average: [f64; 2]) -> Option<Self> {
        let finite = at.iter().chain(&average).all(|c| c.is_finite());
        finite.then_some(Self { at, average })
    }

    /// Whether the average is θ itself (averaging has not started).
    #[must_use]
    #[expect(clippy::float_cmp, reason = "torch copies θ into ax exactly until averaging starts")]
    pub fn coincides(&self) -> bool {
        self.at == self.average
    }
}

/// Whether `config` keeps an average of its iterates (ASGD).
#[must_use]
pub fn keeps_average(config: &OptimizerConfig) -> bool {
    matches!(config, OptimizerConfig::Asgd { .. })
}

/// The average of run `result` at playback step `step`: the last record and the internals
/// sample of the same step (whose velocity slot holds ASGD's `ax`).
#[must_use]
pub fn at_step(result: &RunResult, step: u64) -> Option<AveragePoint> {
    let record = result.record_at(step)?;
    let sample = result.internals_until(step).last().filter(|s| s.step == record.step)?;
    if sample.step == 0 {
        return None;
    }
    AveragePoint::new(record.position, sample.velocity)
}

/// Draws the average of every enabled ASGD run at `step`; returns the name drawn, if any.
pub fn draw(
    plot_ui: &mut PlotUi<'_>,
    race: &Race,
    step: u64,
    runs: &[RunResult],
) -> Option<&'static str> {
    let mut drawn = None;
    for (index, run) in race.runs.iter().enumerate().filter(|(_, run)| run.enabled) {
        if !keeps_average(&run.optimizer) {
            continue;
        }
        let Some(point) = runs.get(index).and_then(|r| at_step(r, step)) else { continue };
        let colour = palette::run_colour(run.color, index);
        drawn = Some(draw_one(plot_ui, point, (index, colour)));
    }
    drawn
}

/// One run's square and the dashed segment from θ.
fn draw_one(
    plot_ui: &mut PlotUi<'_>,
    point: AveragePoint,
    (index, colour): (usize, Color32),
) -> &'static str {
    let id = ("optlab-asgd-average", index);
    let name = if point.coincides() { NOT_STARTED_NAME } else { AVERAGE_NAME };
    if !point.coincides() {
        plot_ui.line(
            Line::new("", vec![point.at, point.average])
                .id((id, "segment"))
                .color(colour)
                .width(1.5)
                .style(LineStyle::Dashed { length: 6.0 })
                .allow_hover(false),
        );
    }
    let [x, y] = point.average;
    plot_ui.points(
        Points::new("", [x, y])
            .id((id, "halo"))
            .shape(MarkerShape::Square)
            .filled(false)
            .radius(8.0)
            .color(HALO)
            .allow_hover(false),
    );
    plot_ui.points(
        Points::new(name, [x, y])
            .id((id, "square"))
            .shape(MarkerShape::Square)
            .filled(false)
            .radius(6.5)
            .color(colour),
    );
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_average_is_shown_apart_from_theta_once_it_moves() {
        let point = AveragePoint::new([1.0, 2.0], [0.5, 1.5]).expect("finite");
        assert!(!point.coincides());
        assert!(AveragePoint::new([1.0, 2.0], [1.0, 2.0]).expect("finite").coincides());
        assert!(AveragePoint::new([1.0, 2.0], [f64::NAN, 0.0]).is_none());
        let asgd = OptimizerConfig::Asgd {
            lr: 0.01,
            lambd: 1e-4,
            alpha: 0.75,
            t0: 10.0,
            weight_decay: 0.0,
        };
        assert!(keeps_average(&asgd));
        assert!(!keeps_average(&OptimizerConfig::Sgd { lr: 0.01, weight_decay: 0.0 }));
    }
}
