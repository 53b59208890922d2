//! Nesterov's look-ahead point on the map: for a run in the look-ahead form
//! (`NesterovLookahead`, whose stored parameter is the plain x), the point x̄ = x + μv where
//! velocity would take it and where its next gradient is taken. Drawn at the playback step as
//! a hollow ring joined to x by a dashed segment, with the gradient part of the next step,
//! −η·∇f(x̄), as an arrow from x̄ (it ends at the next x, since x ← x̄ − η·∇f(x̄)).

use egui::Color32;
use egui_plot::{Line, LineStyle, MarkerShape, PlotPoint, PlotPoints, PlotUi, Points};

use crate::app::entries::race::results::RunResult;
use crate::app::widgets::palette;
use crate::app::widgets::surface_probe::is_cheap;
use optlab_core::entries::race::Race;
use optlab_core::optim::OptimizerConfig;
use optlab_core::surface::{Point, Surface};

/// The legend and hover name of the look-ahead ring.
pub const LOOKAHEAD_NAME: &str = "look-ahead x + μv";
/// The name while the velocity is still zero (step 0): the look-ahead point is x itself.
pub const COINCIDES_NAME: &str = "look-ahead x + μv = x (no velocity yet)";
/// The name of the gradient arrow taken at the look-ahead point.
pub const GRADIENT_NAME: &str = "−η∇f(x + μv), the gradient's part of the next step";
/// The dark halo under the ring, as under the map's other markers.
const HALO: Color32 = Color32::from_rgba_premultiplied(0, 0, 0, 170);
/// Arrows shorter than this many screen points are not drawn (unreadable).
const SHORTEST_ARROW: f64 = 12.0;

/// Where one look-ahead run stands at the shown step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LookaheadPoint {
    /// The stored parameter x.
    pub at: Point,
    /// The look-ahead point x + μv, where the next gradient is taken.
    pub ahead: Point,
    /// The learning rate of the next step.
    pub lr: f64,
}

impl LookaheadPoint {
    /// The look-ahead point of `position` with velocity `velocity` and momentum `momentum`;
    /// `None` when any of them is not finite (a diverged run, or a rule without velocity).
    #[must_use]
    pub fn new(position: Point, velocity: [f64; 2], momentum: f64, lr: f64) -> Option<Self> {
        let ahead = [position[0] + momentum * velocity[0], position[1] + momentum * velocity[1]];
        let finite = position.iter().chain(&ahead).all(|c| c.is_finite());
        finite.then_some(Self { at: position, ahead, lr })
    }

    /// Whether the look-ahead point is x itself (no velocity yet, as at step 0).
    #[must_use]
    #[expect(clippy::float_cmp, reason = "exactly x: the offset μv is zero, not merely small")]
    pub fn coincides(&self) -> bool {
        self.at == self.ahead
    }

    /// The tip of the arrow −η·∇f(x̄) from x̄, given the gradient there; `None` when the
    /// gradient is not finite.
    #[must_use]
    pub fn gradient_tip(&self, gradient: Point) -> Option<Point> {
        let tip = [self.ahead[0] - self.lr * gradient[0], self.ahead[1] - self.lr * gradient[1]];
        tip.iter().all(|c| c.is_finite()).then_some(tip)
    }
}

/// The momentum μ of a look-ahead run, `None` for every other optimizer.
#[must_use]
pub fn lookahead_momentum(config: &OptimizerConfig) -> Option<f64> {
    match config {
        OptimizerConfig::NesterovLookahead { momentum, .. } => Some(*momentum),
        _ => None,
    }
}

/// The look-ahead point of run `result` (momentum `momentum`) at playback step `step`: the
/// last record and the internals sample of the same step.
#[must_use]
pub fn at_step(result: &RunResult, momentum: f64, step: u64) -> Option<LookaheadPoint> {
    let record = result.record_at(step)?;
    let sample = result.internals_until(step).last().filter(|s| s.step == record.step)?;
    LookaheadPoint::new(record.position, sample.velocity, momentum, record.lr)
}

/// Draws the look-ahead point of every enabled look-ahead run at `step` on the map.
pub fn draw(
    plot_ui: &mut PlotUi<'_>,
    race: &Race,
    step: u64,
    runs: &[RunResult],
) -> Option<&'static str> {
    let mut drawn = None;
    for (index, run) in race.runs.iter().enumerate().filter(|(_, run)| run.enabled) {
        let Some(momentum) = lookahead_momentum(&run.optimizer) else { continue };
        let Some(point) = runs.get(index).and_then(|r| at_step(r, momentum, step)) else {
            continue;
        };
        let colour = palette::run_colour(run.color, index);
        drawn = Some(draw_one(plot_ui, &race.surface, point, (index, colour)));
    }
    drawn
}

/// One run's ring, dashed segment and gradient arrow.
fn draw_one(
    plot_ui: &mut PlotUi<'_>,
    surface: &Surface,
    point: LookaheadPoint,
    (index, colour): (usize, Color32),
) -> &'static str {
    let id = ("optlab-lookahead", index);
    let ahead = PlotPoint::from(point.ahead);
    let name = if point.coincides() { COINCIDES_NAME } else { LOOKAHEAD_NAME };
    if !point.coincides() {
        let segment = [point.at, point.ahead];
        plot_ui.line(
            Line::new("", segment.to_vec())
                .id((id, "segment"))
                .color(colour)
                .width(1.5)
                .style(LineStyle::Dashed { length: 6.0 })
                .allow_hover(false),
        );
    }
    plot_ui.points(
        Points::new("", [ahead.x, ahead.y])
            .id((id, "halo"))
            .shape(MarkerShape::Circle)
            .filled(false)
            .radius(7.5)
            .color(HALO)
            .allow_hover(false),
    );
    plot_ui.points(
        Points::new(name, [ahead.x, ahead.y])
            .id((id, "ring"))
            .shape(MarkerShape::Circle)
            .filled(false)
            .radius(6.0)
            .color(colour),
    );
    // The gradient at x̄ only where one evaluation is cheap (never an expensive formula in a
    // frame); the arrow only when it is long enough to read.
    if !is_cheap(surface) {
        return name;
    }
    let Some(tip) = point.gradient_tip(surface.gradient(point.ahead)) else { return name };
    let (from, to) = (plot_ui.screen_from_plot(ahead), plot_ui.screen_from_plot(tip.into()));
    if f64::from(from.distance(to)) < SHORTEST_ARROW {
        return name;
    }
    // The shaft and a head of two strokes, each over the dark halo, 2 points wide (egui_plot's
    // own arrows are 1 point wide, too thin to see on the map).
    let back = (from - to).normalized() * 9.0;
    let head =
        [egui::emath::Rot2::from_angle(0.45) * back, egui::emath::Rot2::from_angle(-0.45) * back]
            .map(|offset| plot_ui.plot_from_screen(to + offset));
    let shapes = [vec![ahead, tip.into()], vec![head[0], tip.into(), head[1]]];
    for (part, shape) in shapes.iter().enumerate() {
        plot_ui.line(
            Line::new("", PlotPoints::Owned(shape.clone()))
                .id((id, "gradient halo", part))
                .color(HALO)
                .width(4.5)
                .allow_hover(false),
        );
    }
    for (part, shape) in shapes.into_iter().enumerate() {
        plot_ui.line(
            Line::new(GRADIENT_NAME, PlotPoints::Owned(shape))
                .id((id, "gradient"))
                .color(colour)
                .width(2.0)
                .allow_hover(part == 0),
        );
    }
    name
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact by construction")]
mod tests {
    use super::*;

    #[test]
    fn the_lookahead_point_is_x_plus_mu_v() {
        let point = LookaheadPoint::new([1.0, -2.0], [0.5, 0.25], 0.9, 0.01).expect("finite");
        assert_eq!(point.at, [1.0, -2.0]);
        assert!((point.ahead[0] - 1.45).abs() < 1e-12 && (point.ahead[1] + 1.775).abs() < 1e-12);
        assert!(!point.coincides());
        // The arrow −η∇f(x̄) from x̄.
        let tip = point.gradient_tip([10.0, -20.0]).expect("finite");
        assert!((tip[0] - 1.35).abs() < 1e-12 && (tip[1] + 1.575).abs() < 1e-12);
        assert!(point.gradient_tip([f64::NAN, 0.0]).is_none());
    }

    #[test]
    fn without_velocity_the_lookahead_point_is_x() {
        let point = LookaheadPoint::new([3.0, 4.0], [0.0, 0.0], 0.9, 0.1).expect("finite");
        assert!(point.coincides());
        assert!(LookaheadPoint::new([3.0, 4.0], [f64::NAN; 2], 0.9, 0.1).is_none());
        assert!(LookaheadPoint::new([f64::INFINITY, 4.0], [0.0; 2], 0.9, 0.1).is_none());
    }

    #[test]
    fn only_the_lookahead_form_has_a_lookahead_point() {
        let lookahead = OptimizerConfig::NesterovLookahead { lr: 0.01, momentum: 0.8 };
        assert_eq!(lookahead_momentum(&lookahead), Some(0.8));
        let torch = OptimizerConfig::Nesterov { lr: 0.01, momentum: 0.8, weight_decay: 0.0 };
        assert_eq!(lookahead_momentum(&torch), None);
    }
}
