//! The DropConnect lab's weight picture: the layer's weight matrix W as a grid of cells (one row
//! per unit, one column per input, both numbered from 1), under one sampled training mask M.
//! Kept weights are coloured by value (blue negative, red positive); dropped weights are hollow
//! and crossed out. Each row ends with u = (M ⊙ W)v of its unit under this mask (when rows are
//! tall enough to label).

use egui::{Align2, Color32, FontId, Rect, Sense, Stroke, StrokeKind, Ui, pos2, vec2};

use optlab_core::entries::drop_connect::SampledMask;

/// Largest side of one cell, in points.
const MOST_CELL: f32 = 34.0;
/// Smallest side of one cell, in points (64 × 64 weights still fit a narrow panel).
const LEAST_CELL: f32 = 4.0;
/// Room left of the grid for the row labels, in points.
const ROW_LABELS: f32 = 52.0;
/// The picture's name for assistive technology (and tests).
const ACCESSIBLE_NAME: &str = "weight matrix under one mask";
/// Room right of the grid for u, in points.
const U_LABELS: f32 = 70.0;
/// Colours of negative and positive kept weights at full strength.
const NEGATIVE: Color32 = Color32::from_rgb(70, 130, 230);
const POSITIVE: Color32 = Color32::from_rgb(230, 90, 70);

/// The caption under the picture's title: "kept 9 of 16 weights".
#[must_use]
pub fn kept_caption(mask: &SampledMask) -> String {
    format!("kept {} of {} weights", mask.kept_count(), mask.kept.len())
}

/// Draws the picture in at most `height` points.
pub fn show(ui: &mut Ui, mask: &SampledMask, height: f32) {
    ui.strong("One training mask: M ⊙ W (rows: units, columns: inputs vⱼ)");
    ui.label(format!(
        "{}; coloured cells are kept (blue < 0 < red), crossed hollow cells are dropped; 🎲 \
         Resample draws another",
        kept_caption(mask)
    ));
    let (units, inputs) = (mask.layer.units(), mask.layer.inputs());
    let width_for_cells = ui.available_width() - ROW_LABELS - U_LABELS;
    let cell = (width_for_cells / inputs as f32)
        .min((height - 60.0) / (units as f32 + 1.0))
        .clamp(LEAST_CELL, MOST_CELL);
    let size = vec2(ROW_LABELS + cell * inputs as f32 + U_LABELS, cell * (units as f32 + 1.0));
    let (response, painter) = ui.allocate_painter(size, Sense::hover());
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::accesskit::Role::Image, true, ACCESSIBLE_NAME)
    });
    let origin = response.rect.min + vec2(ROW_LABELS, cell);
    let largest = mask.layer.weights().iter().fold(0.0_f64, |m, w| m.max(w.abs())).max(1e-12);
    let font = FontId::proportional((cell * 0.5).clamp(9.0, 13.0));
    let text = ui.visuals().text_color();
    for j in 0..inputs {
        if cell >= 12.0 || j == 0 || j + 1 == inputs {
            let at = origin + vec2((j as f32 + 0.5) * cell, -0.5 * cell);
            painter.text(at, Align2::CENTER_CENTER, format!("{}", j + 1), font.clone(), text);
        }
    }
    let hovered = response.hover_pos();
    let mut hover_text = None;
    for (i, row) in mask.layer.rows().enumerate() {
        let y = origin.y + i as f32 * cell;
        if cell >= 12.0 || i == 0 || i + 1 == units {
            let at = pos2(origin.x - 6.0, y + 0.5 * cell);
            painter.text(at, Align2::RIGHT_CENTER, format!("unit {}", i + 1), font.clone(), text);
        }
        for (j, &weight) in row.iter().enumerate() {
            let kept = mask.kept.get(i * inputs + j).copied().unwrap_or(false);
            let rect = Rect::from_min_size(pos2(origin.x + j as f32 * cell, y), vec2(cell, cell));
            paint_cell(&painter, rect, weight / largest, kept);
            if hovered.is_some_and(|p| rect.contains(p)) {
                hover_text = Some(cell_text(i, j, weight, kept));
            }
        }
        if let Some(u) = mask.preactivations.get(i).filter(|_| cell >= 10.0) {
            let at = pos2(origin.x + inputs as f32 * cell + 6.0, y + 0.5 * cell);
            painter.text(at, Align2::LEFT_CENTER, format!("u = {u:.3}"), font.clone(), text);
        }
    }
    if let Some(text) = hover_text {
        response.on_hover_text(text);
    }
}

/// One weight's cell: filled by its value when kept, hollow and crossed out when dropped.
fn paint_cell(painter: &egui::Painter, rect: Rect, relative: f64, kept: bool) {
    let inner = rect.shrink((rect.width() * 0.06).max(0.5));
    if kept {
        let base = if relative < 0.0 { NEGATIVE } else { POSITIVE };
        #[expect(clippy::cast_possible_truncation, reason = "a share in [0, 1] as a colour factor")]
        let strength = (0.25 + 0.75 * relative.abs().min(1.0)) as f32;
        painter.rect_filled(inner, 1.0, base.gamma_multiply(strength));
    } else {
        let grey = Color32::from_gray(150);
        let stroke = Stroke::new(1.0, grey);
        painter.rect_stroke(inner, 1.0, stroke, StrokeKind::Inside);
        let cross = inner.shrink(inner.width() * 0.2);
        painter.line_segment([cross.left_top(), cross.right_bottom()], stroke);
        painter.line_segment([cross.right_top(), cross.left_bottom()], stroke);
    }
}

/// "w₂₃ = −0.412, kept …" for unit i's weight from input j (counted from 0 here, shown from 1;
/// a comma separates the indices when one has two digits: w₁₂,₃).
fn cell_text(i: usize, j: usize, weight: f64, kept: bool) -> String {
    let separator = if i >= 9 || j >= 9 { "," } else { "" };
    let name = format!("w{}{separator}{}", subscript(i + 1), subscript(j + 1));
    let state = if kept { "kept" } else { "dropped" };
    format!("{name} = {weight:.3}, {state} (unit {}, input {})", i + 1, j + 1)
}

/// `n` in subscript digits.
fn subscript(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|c| c.to_digit(10).and_then(|d| char::from_u32(0x2080 + d)).unwrap_or(c))
        .collect()
}
