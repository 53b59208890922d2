//! A legend drawn as a row above a plot instead of inside it, so it never covers data: each
//! entry a swatch (solid or dashed line, filled or hollow dot, diamond) and a name, wrapped
//! between entries when the column is narrow. Each entry is one labelled widget (found by its
//! name in the accessibility tree, as a plot's own legend entries are).

use egui::{Color32, Pos2, Stroke, Ui, pos2, vec2};

/// How an entry's swatch is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Swatch {
    /// A solid line.
    Line(Color32),
    /// A dashed line.
    Dashed(Color32),
    /// A dot, filled or a ring.
    Dot {
        /// The dot's colour.
        colour: Color32,
        /// Filled (true) or a ring (false).
        filled: bool,
    },
    /// A filled diamond.
    Diamond(Color32),
    /// A filled square.
    Square(Color32),
}

/// Width of a swatch in points.
const SWATCH_WIDTH: f32 = 30.0;

/// Draws `entries` as one wrapped row.
pub fn show(ui: &mut Ui, entries: &[(String, Swatch)]) {
    ui.horizontal_wrapped(|ui| {
        for (name, swatch) in entries {
            entry(ui, name, *swatch);
        }
    });
}

/// A swatch and a name as one widget, so a narrow column wraps between entries, never inside
/// one.
pub fn entry(ui: &mut Ui, name: &str, swatch: Swatch) {
    let galley = egui::WidgetText::from(name).into_galley(
        ui,
        Some(egui::TextWrapMode::Extend),
        f32::INFINITY,
        egui::TextStyle::Body,
    );
    let size = vec2(SWATCH_WIDTH + galley.size().x, galley.size().y);
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::hover());
    let y = rect.center().y;
    let (left, right) = (rect.left() + 5.0, rect.left() + SWATCH_WIDTH - 5.0);
    let painter = ui.painter();
    match swatch {
        Swatch::Line(colour) => {
            painter.line_segment([pos2(left, y), pos2(right, y)], Stroke::new(2.5, colour));
        }
        Swatch::Dashed(colour) => {
            for [a, b] in dashes(left, right, y) {
                painter.line_segment([a, b], Stroke::new(2.0, colour));
            }
        }
        Swatch::Dot { colour, filled } => {
            let centre = pos2(0.5 * (left + right), y);
            if filled {
                painter.circle_filled(centre, 4.0, colour);
            } else {
                painter.circle_stroke(centre, 4.0, Stroke::new(1.5, colour));
            }
        }
        Swatch::Diamond(colour) => {
            let (c, r) = (pos2(0.5 * (left + right), y), 5.5);
            let corners =
                vec![c + vec2(0.0, -r), c + vec2(r, 0.0), c + vec2(0.0, r), c - vec2(r, 0.0)];
            painter.add(egui::Shape::convex_polygon(corners, colour, Stroke::NONE));
        }
        Swatch::Square(colour) => {
            let square =
                egui::Rect::from_center_size(pos2(0.5 * (left + right), y), vec2(8.0, 8.0));
            painter.rect_filled(square, 0.0, colour);
        }
    }
    let text_colour = ui.visuals().text_color();
    painter.galley(rect.left_top() + vec2(SWATCH_WIDTH, 0.0), galley, text_colour);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Label, true, name));
}

/// Three dashes with two gaps from `left` to `right` at height `y`.
fn dashes(left: f32, right: f32, y: f32) -> Vec<[Pos2; 2]> {
    let unit = (right - left) / 4.0;
    (0..3)
        .map(|k| {
            #[expect(clippy::cast_precision_loss, reason = "k < 3")]
            let start = left + 1.5 * unit * k as f32;
            [pos2(start, y), pos2((start + unit).min(right), y)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::dashes;

    #[test]
    fn dashes_leave_gaps_and_stay_inside_the_swatch() {
        let parts = dashes(0.0, 20.0, 3.0);
        assert_eq!(parts.len(), 3);
        assert!(parts.windows(2).all(|w| w[1][0].x > w[0][1].x), "gaps between dashes");
        assert!(parts.iter().all(|[a, b]| a.x >= 0.0 && b.x <= 20.0 && a.x < b.x));
    }
}
