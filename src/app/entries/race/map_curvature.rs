//! The local quadratic at each direction mark (the start, the selected run's current point):
//! a cross along the Hessian's eigenvectors with arms ∝ 1/√|λ| — long where the surface is
//! flat, short where it is steep — solid for upward curvature, dashed for downward, each arm
//! labelled with its eigenvalue. The sentence under the map names the shape (bowl with κ,
//! saddle, cap).

use egui::{Align2, Color32, RichText};
use egui_plot::{Line, LineStyle, PlotPoint, PlotPoints, PlotUi, Text};

use crate::app::entries::race::map_directions::DirectionMark;
use crate::app::widgets::numbers;
use crate::app::widgets::surface_probe::Answer;
use optlab_core::directions::LocalCurvature;
use optlab_core::surface::Point;

/// The cross's colour.
pub const CURVATURE_COLOUR: Color32 = Color32::from_rgb(190, 255, 120);
/// The longer arm's half-length as a fraction of the shorter side of the view.
const ARM_FRACTION: f64 = 0.16;
/// The shorter arm never drawn shorter than this fraction of the longer one (κ up to 1e4 is
/// then still shown in proportion: √1e4 = 100).
const SHORTEST_ARM: f64 = 0.01;

/// Half-lengths of the two arms (in plot units) for the longer one `longest`: ∝ 1/√|λ|.
#[must_use]
pub fn arm_lengths(curvature: &LocalCurvature, longest: f64) -> [f64; 2] {
    let inverse = curvature.eigenvalues.map(|l| 1.0 / l.abs().sqrt());
    let largest = inverse[0].max(inverse[1]);
    inverse.map(|i| {
        let ratio = if largest.is_infinite() {
            if i.is_infinite() { 1.0 } else { SHORTEST_ARM }
        } else {
            i / largest
        };
        longest * ratio.max(SHORTEST_ARM)
    })
}

/// Draws the cross of every mark whose directions (and curvature) are known.
pub fn draw(plot_ui: &mut PlotUi<'_>, marks: &[DirectionMark]) {
    let bounds = plot_ui.plot_bounds();
    let longest = ARM_FRACTION * bounds.width().min(bounds.height());
    if !(longest.is_finite() && longest > 0.0) {
        return;
    }
    for (index, mark) in marks.iter().enumerate() {
        let Answer::Ready(directions) = &mark.answer else { continue };
        let Some(curvature) = &directions.curvature else { continue };
        if !(mark.at[0].is_finite() && mark.at[1].is_finite()) {
            continue;
        }
        for (axis, half) in arm_lengths(curvature, longest).into_iter().enumerate() {
            arm(plot_ui, (index, axis), mark.at, curvature, half);
        }
    }
}

/// One principal direction: a segment through `at`, and its eigenvalue at one end.
fn arm(
    plot_ui: &mut PlotUi<'_>,
    id: (usize, usize),
    at: Point,
    curvature: &LocalCurvature,
    half: f64,
) {
    let (value, v) = (curvature.eigenvalues[id.1], curvature.eigenvectors[id.1]);
    let end = [at[0] + v[0] * half, at[1] + v[1] * half];
    let points = vec![[at[0] - v[0] * half, at[1] - v[1] * half], end];
    let style = if value < 0.0 { LineStyle::Dashed { length: 5.0 } } else { LineStyle::Solid };
    let name = "principal curvatures (arms ∝ 1/√|λ|)";
    plot_ui.line(
        Line::new(name, PlotPoints::from(points))
            .id(("curvature", id))
            .color(CURVATURE_COLOUR)
            .style(style)
            .width(1.5)
            .allow_hover(false)
            .allow_band(false),
    );
    let label = RichText::new(format!("λ = {}", numbers::coordinate(value)))
        .color(CURVATURE_COLOUR)
        .small();
    plot_ui.text(
        Text::new("", PlotPoint::new(end[0], end[1]), label)
            .id(("curvature-label", id))
            .anchor(Align2::LEFT_BOTTOM),
    );
}

/// The sentence under the map for one place: the eigenvalues and the shape they make.
#[must_use]
pub fn caption(place: &str, curvature: &LocalCurvature) -> String {
    let [low, high] = curvature.eigenvalues.map(numbers::coordinate);
    format!(
        "{place}: Hessian eigenvalues λ = {low} and {high} (the green cross, arms ∝ 1/√|λ|): {}",
        curvature.shape()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curvature(eigenvalues: [f64; 2]) -> LocalCurvature {
        LocalCurvature { eigenvalues, eigenvectors: [[1.0, 0.0], [0.0, 1.0]] }
    }

    #[test]
    fn the_steep_direction_gets_the_short_arm() {
        let arms = arm_lengths(&curvature([1.0, 100.0]), 1.0);
        assert!((arms[0] - 1.0).abs() < 1e-12 && (arms[1] - 0.1).abs() < 1e-12, "{arms:?}");
        let saddle = arm_lengths(&curvature([-4.0, 1.0]), 2.0);
        assert!((saddle[0] - 1.0).abs() < 1e-12 && (saddle[1] - 2.0).abs() < 1e-12);
    }

    #[test]
    fn a_flat_direction_is_the_long_arm_and_the_other_stays_visible() {
        let arms = arm_lengths(&curvature([0.0, 5.0]), 1.0);
        assert!((arms[0] - 1.0).abs() < 1e-12 && (arms[1] - SHORTEST_ARM).abs() < 1e-12);
    }

    #[test]
    fn the_caption_names_the_shape() {
        let text = caption("start", &curvature([1.0, 100.0]));
        assert!(text.contains("λ = 1 and 100"), "{text}");
        assert!(text.contains("κ = λmax/λmin = 100"), "{text}");
    }
}
