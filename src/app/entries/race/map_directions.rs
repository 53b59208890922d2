//! The map's direction arrows: at the start and at the selected run's current point, the
//! steepest-descent direction −∇f (solid), the way to the nearest known minimum (dashed; for a
//! surface without known minima, Newton's direction −H⁻¹∇f) and the angle between them.
//!
//! Arrows have a fixed length, a fraction of the view: their directions are the lesson, not
//! their sizes. The sentences under the map say what each arrow is, or why one is missing.

use egui::{Align2, Color32, RichText};
use egui_plot::{Line, LineStyle, PlotPoint, PlotPoints, PlotUi, Text};

use crate::app::entries::race::map_frame::MapState;
use crate::app::widgets::surface_probe::Answer;
use optlab_core::directions::{Directions, NewtonFailure, Reference, unit};
use optlab_core::runner::Wake;
use optlab_core::surface::{Point, Surface};

/// Arrow length as a fraction of the shorter side of the view.
const ARROW_FRACTION: f64 = 0.22;
/// The steepest-descent arrow.
pub const DESCENT_COLOUR: Color32 = Color32::WHITE;
/// The arrow to the nearest minimum.
pub const MINIMUM_COLOUR: Color32 = Color32::from_rgb(140, 240, 255);
/// Newton's arrow.
pub const NEWTON_COLOUR: Color32 = Color32::from_rgb(255, 190, 110);
/// Under arrows and labels.
const HALO: Color32 = Color32::from_rgba_premultiplied(0, 0, 0, 170);

/// Where the directions are shown and what they are there.
#[derive(Clone, Debug)]
pub struct DirectionMark {
    /// "start" or "step 120 (SGD)".
    pub place: String,
    /// The point.
    pub at: Point,
    /// The directions, once known.
    pub answer: Answer<Directions>,
    /// Whether the point is closer to the minimum (or to Newton's target) than the screen can
    /// show: its directions are rounding noise, so they are not drawn.
    pub settled: bool,
}

/// Closer than this many screen points to where the reference direction leads, a point has
/// arrived: its directions are not drawn.
const SETTLED_POINTS: f64 = 1.5;

/// Whether `d`'s point is within `SETTLED_POINTS` screen points (`pixel` plot units each) of
/// the minimum it is compared with, or of Newton's target.
#[must_use]
pub fn settled(d: &Directions, pixel: f64) -> bool {
    let gap = match &d.reference {
        Reference::Minimum { position, .. } => (position[0] - d.at[0]).hypot(position[1] - d.at[1]),
        Reference::Newton(Ok(newton)) => newton.step[0].hypot(newton.step[1]),
        Reference::Newton(Err(_)) => return false,
    };
    gap < SETTLED_POINTS * pixel
}

/// The directions at the start and, when it is elsewhere, at the selected run's current point
/// (`current`: its place name and position); `pixel` is plot units per screen point.
pub fn marks(
    state: &mut MapState,
    (wake, pixel): (&Wake, f64),
    surface: &Surface,
    start: Point,
    current: Option<(String, Point)>,
) -> Vec<DirectionMark> {
    if !state.show_directions {
        return Vec::new();
    }
    let probes = state.probes(wake);
    let mark = |place: String, at: Point, answer: Answer<Directions>| {
        let settled = matches!(&answer, Answer::Ready(d) if settled(d, pixel));
        DirectionMark { place, at, answer, settled }
    };
    let mut marks = vec![mark("start".to_owned(), start, probes[0].get(surface, start))];
    if let Some((place, at)) =
        current.filter(|(_, p)| p.map(f64::to_bits) != start.map(f64::to_bits))
    {
        marks.push(mark(place, at, probes[1].get(surface, at)));
    }
    marks
}

/// The sentence for a point that has arrived (see [`DirectionMark::settled`]).
#[must_use]
pub fn settled_caption(place: &str, directions: &Directions) -> String {
    match directions.reference {
        Reference::Minimum { .. } => {
            format!("{place}: at the minimum (closer than the map shows), no directions to compare")
        }
        Reference::Newton(_) => format!(
            "{place}: at the critical point Newton's step leads to (closer than the map shows)"
        ),
    }
}

/// The angle as the map writes it beside the arrows: "38°", or why there is none.
#[must_use]
pub fn angle_text(directions: &Directions) -> String {
    if let Some(angle) = directions.angle {
        return format!("{angle:.0}°");
    }
    match (&directions.reference, directions.descent) {
        (Reference::Newton(Err(failure)), _) => match failure {
            NewtonFailure::GradientUndefined => "∇f undefined",
            NewtonFailure::ZeroGradient => "∇f = 0",
            NewtonFailure::HessianUndefined => "H not finite",
            NewtonFailure::Singular => "H singular",
        }
        .to_owned(),
        (Reference::Minimum { direction: None, .. }, _) => "at the minimum".to_owned(),
        (_, None) => "∇f undefined".to_owned(),
        _ => "no angle".to_owned(),
    }
}

/// The sentence under the map for one place: what the arrows are and the angle between them.
#[must_use]
pub fn caption(place: &str, directions: &Directions) -> String {
    let angle = directions.angle.map(|a| format!("{a:.0}°"));
    match (&directions.reference, directions.descent, angle) {
        (Reference::Newton(Err(failure)), ..) => {
            format!("{place}: Newton's direction −H⁻¹∇f is {}", failure.explanation())
        }
        (Reference::Minimum { direction: None, .. }, ..) => {
            format!("{place}: at the minimum, no direction to it")
        }
        (_, None, _) => format!("{place}: −∇f is undefined (the gradient is zero or not a number)"),
        (Reference::Minimum { .. }, Some(_), Some(angle)) => {
            format!("{place}: −∇f (solid) is {angle} off the way to the nearest minimum (dashed)")
        }
        (Reference::Newton(Ok(newton)), Some(_), Some(angle)) => {
            let warning = if newton.indefinite {
                "; H is indefinite here, so Newton heads for a saddle or a maximum"
            } else {
                ""
            };
            format!(
                "{place}: −∇f (solid) is {angle} off Newton's direction −H⁻¹∇f (dashed){warning}"
            )
        }
        (_, Some(_), None) => format!("{place}: no angle between the two directions"),
    }
}

/// Draws the arrows and the angle label of every mark whose directions are known.
pub fn draw(plot_ui: &mut PlotUi<'_>, marks: &[DirectionMark]) {
    let bounds = plot_ui.plot_bounds();
    let length = ARROW_FRACTION * bounds.width().min(bounds.height());
    if !(length.is_finite() && length > 0.0) {
        return;
    }
    for (index, mark) in marks.iter().enumerate() {
        let Answer::Ready(directions) = &mark.answer else { continue };
        let ([x_min, y_min], [x_max, y_max]) = (bounds.min(), bounds.max());
        let visible =
            (x_min..=x_max).contains(&mark.at[0]) && (y_min..=y_max).contains(&mark.at[1]);
        if mark.settled || !visible {
            continue;
        }
        if !(mark.at[0].is_finite() && mark.at[1].is_finite()) {
            continue;
        }
        let (reference_name, reference_colour) = match directions.reference {
            Reference::Minimum { .. } => ("the way to the nearest minimum", MINIMUM_COLOUR),
            Reference::Newton(_) => ("Newton's direction −H⁻¹∇f", NEWTON_COLOUR),
        };
        if let Some(d) = directions.reference_direction() {
            arrow(
                plot_ui,
                (index, 1),
                mark.at,
                scaled(d, length),
                (reference_name, reference_colour, true),
            );
        }
        if let Some(d) = directions.descent {
            let name = "−∇f, steepest descent";
            arrow(plot_ui, (index, 0), mark.at, scaled(d, length), (name, DESCENT_COLOUR, false));
        }
        angle_label(plot_ui, index, mark.at, directions, length);
    }
}

fn scaled(d: Point, length: f64) -> Point {
    [d[0] * length, d[1] * length]
}

/// One arrow from `from` along `vector`: a shaft and a head over a dark halo.
fn arrow(
    plot_ui: &mut PlotUi<'_>,
    id: (usize, usize),
    from: Point,
    vector: Point,
    (name, colour, dashed): (&str, Color32, bool),
) {
    let tip = [from[0] + vector[0], from[1] + vector[1]];
    let head = |turn: f64| {
        let (sin, cos) = turn.sin_cos();
        let back = [-vector[0] * 0.28, -vector[1] * 0.28];
        [tip[0] + cos * back[0] - sin * back[1], tip[1] + sin * back[0] + cos * back[1]]
    };
    let shaft = vec![from, tip];
    let barbs = vec![head(0.45), tip, head(-0.45)];
    for (part, points) in [(0, &shaft), (1, &barbs)] {
        plot_ui.line(
            Line::new("", PlotPoints::from(points.clone()))
                .id(("direction-halo", id, part))
                .color(HALO)
                .width(5.0)
                .allow_hover(false)
                .allow_band(false),
        );
    }
    let style = if dashed { LineStyle::Dashed { length: 7.0 } } else { LineStyle::Solid };
    plot_ui.line(
        Line::new(name, PlotPoints::from(shaft))
            .id(("direction", id, 0))
            .color(colour)
            .style(style)
            .width(2.5)
            .allow_band(false),
    );
    plot_ui.line(
        Line::new("", PlotPoints::from(barbs))
            .id(("direction", id, 1))
            .color(colour)
            .width(2.5)
            .allow_hover(false)
            .allow_band(false),
    );
}

/// Smallest angle (degrees) whose label goes inside the wedge between the arrows, with an arc.
const WEDGE_LABEL_ANGLE: f64 = 25.0;

/// The angle: an arc between the arrows and its label inside the wedge when the angle is
/// wide enough, otherwise beside the point on the side away from both arrows.
fn angle_label(plot_ui: &mut PlotUi<'_>, index: usize, at: Point, d: &Directions, length: f64) {
    let sum = [d.descent, d.reference_direction()]
        .iter()
        .flatten()
        .fold([0.0, 0.0], |s, v| [s[0] + v[0], s[1] + v[1]]);
    let wedge =
        d.angle.filter(|a| *a >= WEDGE_LABEL_ANGLE).and(d.descent.zip(d.reference_direction()));
    let (direction, distance, anchor) = if let Some((a, b)) = wedge {
        arc(plot_ui, index, at, (a, b), 0.4 * length);
        let bisector = unit(sum).unwrap_or([-a[1], a[0]]);
        (bisector, 0.68 * length, Align2::CENTER_CENTER)
    } else {
        let away = unit([-sum[0], -sum[1]]).unwrap_or([0.0, -1.0]);
        let anchor = match (away[0] >= 0.0, away[1] >= 0.0) {
            (true, true) => Align2::LEFT_BOTTOM,
            (true, false) => Align2::LEFT_TOP,
            (false, true) => Align2::RIGHT_BOTTOM,
            (false, false) => Align2::RIGHT_TOP,
        };
        (away, 0.3 * length, anchor)
    };
    // Kept inside the view, so a point near the edge still shows its angle.
    let bounds = plot_ui.plot_bounds();
    let inset = 0.08 * bounds.width().min(bounds.height());
    let [x_min, y_min] = bounds.min();
    let [x_max, y_max] = bounds.max();
    let position = PlotPoint::new(
        (at[0] + distance * direction[0]).clamp(x_min + inset, (x_max - inset).max(x_min + inset)),
        (at[1] + distance * direction[1]).clamp(y_min + inset, (y_max - inset).max(y_min + inset)),
    );
    plot_ui.text(
        Text::new(
            "",
            position,
            RichText::new(angle_text(d))
                .size(15.0)
                .strong()
                .color(Color32::WHITE)
                .background_color(Color32::from_black_alpha(190)),
        )
        .id(("direction-angle", index))
        .anchor(anchor)
        .allow_hover(false),
    );
}

/// The arc of radius `radius` around `at` from direction `a` to direction `b` (the short way).
fn arc(plot_ui: &mut PlotUi<'_>, index: usize, at: Point, (a, b): (Point, Point), radius: f64) {
    let from = a[1].atan2(a[0]);
    let mut turn = b[1].atan2(b[0]) - from;
    if turn > std::f64::consts::PI {
        turn -= std::f64::consts::TAU;
    } else if turn < -std::f64::consts::PI {
        turn += std::f64::consts::TAU;
    }
    let points: Vec<Point> = (0..=24)
        .map(|i| {
            let (sin, cos) = (from + turn * f64::from(i) / 24.0).sin_cos();
            [at[0] + radius * cos, at[1] + radius * sin]
        })
        .collect();
    plot_ui.line(
        Line::new("", PlotPoints::from(points))
            .id(("direction-arc", index))
            .color(Color32::from_white_alpha(220))
            .width(1.5)
            .allow_hover(false)
            .allow_band(false),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use optlab_core::directions::surface_directions;
    use optlab_core::expr::Formula;

    #[test]
    fn points_closer_than_the_map_shows_have_arrived() {
        let taco = Surface::TacoShell { condition: 100.0, angle: 30.0 };
        assert!(!settled(&surface_directions(&taco, taco.default_start()), 0.01));
        let near = surface_directions(&taco, [0.01, 0.0]);
        assert!(settled(&near, 0.01) && !settled(&near, 0.005));
        assert!(settled_caption("step 9 (SGD)", &near).contains("at the minimum"));
        let formula = Surface::Expression(Formula::new("x^2 + 3*y^2").unwrap());
        assert!(settled(&surface_directions(&formula, [1e-4, 0.0]), 0.01));
        assert!(!settled(&surface_directions(&formula, [1.0, 0.0]), 0.01));
    }

    #[test]
    fn captions_say_what_each_arrow_is() {
        let taco = Surface::TacoShell { condition: 100.0, angle: 30.0 };
        let d = surface_directions(&taco, taco.default_start());
        let text = caption("start", &d);
        assert!(
            text.starts_with("start: −∇f (solid) is 74° off the way to the nearest minimum"),
            "{text}"
        );
        assert_eq!(angle_text(&d), "74°");
        let formula = Surface::Expression(Formula::new("x^2 + 3*y^2").unwrap());
        let d = surface_directions(&formula, [1.0, 1.0]);
        assert!(caption("start", &d).contains("Newton's direction −H⁻¹∇f (dashed)"), "{d:?}");
        let flat = Surface::Expression(Formula::new("x").unwrap());
        let d = surface_directions(&flat, [1.0, 1.0]);
        assert_eq!(
            caption("start", &d),
            "start: Newton's direction −H⁻¹∇f is undefined: the Hessian is singular here (no H⁻¹)"
        );
        assert_eq!(angle_text(&d), "H singular");
        let saddle = Surface::Expression(Formula::new("x^2 - y^2").unwrap());
        let d = surface_directions(&saddle, [1.0, 0.5]);
        assert!(caption("start", &d).ends_with("Newton heads for a saddle or a maximum"), "{d:?}");
        let undefined = Surface::Expression(Formula::new("sqrt(x) + y^2").unwrap());
        let d = surface_directions(&undefined, [-2.0, 0.0]);
        assert_eq!(angle_text(&d), "∇f undefined");
        assert!(!caption("step 3 (SGD)", &d).chars().any(|c| c.is_ascii_digit() && c != '3'));
    }
}
