//! Rows a scroll area has scrolled out of view are not laid out again: their space is kept.
//!
//! A side panel of controls is taller than the window, and egui lays out every widget of a
//! scroll area each frame, seen or not. While a sweep streams the window redraws 60 times a
//! second, and the controls column is about half of a frame's egui pass; the rows below the
//! fold are pure waste (a few % of a frame at the opening size, more in a small window or on a
//! long race panel). A row drawn
//! through [`unless_offscreen`] remembers its size; while that size lies outside the visible
//! part of the scroll area, the next frames allocate the same space instead of drawing it, so
//! the scroll bar, the rows below and their widget ids stay as they were.
//!
//! Everything is drawn whenever a widget has keyboard focus (Tab walks through every field,
//! and the scroll area follows it) or a screen reader reads the window (it lists every control).

use egui::{Id, Rect, Ui, Vec2};

/// Draws `add_contents` in a scope and returns its result, or, when its size is known from an
/// earlier frame and that space is out of view, allocates the space and returns `None`.
///
/// `id` must be unique and stable for this row (it keys the remembered size). The row's
/// size is remembered whenever it is drawn, so a row that changes height shows at its new
/// height the first frame it comes into view.
pub fn unless_offscreen<R>(
    ui: &mut Ui,
    id: Id,
    add_contents: impl FnOnce(&mut Ui) -> R,
) -> Option<R> {
    let size_id = id.with("offscreen-size");
    let remembered: Option<Vec2> = ui.data(|d| d.get_temp(size_id));
    if let Some(size) = remembered
        && may_skip(ui)
        && !ui.is_rect_visible(Rect::from_min_size(ui.cursor().min, size))
    {
        // Advances the cursor and the automatic ids exactly as the scope below does.
        ui.allocate_space(size);
        return None;
    }
    let drawn = ui.scope(add_contents);
    ui.data_mut(|d| d.insert_temp(size_id, drawn.response.rect.size()));
    Some(drawn.inner)
}

/// Whether rows may be skipped this frame: no widget has keyboard focus and no screen reader
/// reads the window.
fn may_skip(ui: &Ui) -> bool {
    let focused = ui.memory(|m| m.focused().is_some());
    let read_aloud = ui.ctx().has_accesskit_node(egui::accesskit_root_id());
    !focused && !read_aloud
}

#[cfg(test)]
mod tests {
    use super::unless_offscreen;
    use egui::{Context, Id, RawInput, Rect, ScrollArea, pos2, vec2};

    /// Rows in a 200-point-high scroll area: which rows were drawn this frame, the height of
    /// the area's content, and the automatic id of a button drawn after the rows.
    struct Frame {
        drawn: Vec<usize>,
        content_height: f32,
        button_after: Id,
    }

    fn frame(ctx: &Context, rows: usize, focus_first: bool) -> Frame {
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(pos2(0.0, 0.0), vec2(400.0, 200.0))),
            ..RawInput::default()
        };
        let mut drawn = Vec::new();
        let (mut content_height, mut button_after) = (0.0, Id::NULL);
        let mut output = ctx.run_ui(input, |ui| {
            let output = ScrollArea::vertical().show(ui, |ui| {
                for row in 0..rows {
                    let id = Id::unique(("row", row));
                    unless_offscreen(ui, id, |ui| {
                        drawn.push(row);
                        let button = ui.button(format!("row {row}"));
                        if focus_first && row == 0 {
                            button.request_focus();
                        }
                        ui.label("a second line");
                    });
                }
                button_after = ui.button("after the rows").id;
            });
            content_height = output.content_size.y;
        });
        // No GPU: the font atlas' upload is dropped on purpose.
        output.textures_delta.clear();
        Frame { drawn, content_height, button_after }
    }

    #[test]
    fn rows_out_of_view_keep_their_space_but_are_not_drawn_again() {
        let ctx = Context::default();
        let first = frame(&ctx, 40, false);
        assert_eq!(first.drawn.len(), 40, "the first frame draws every row to learn its size");
        let second = frame(&ctx, 40, false);
        assert!(second.drawn.contains(&0), "the top row is in view: {:?}", second.drawn);
        assert!(second.drawn.len() < 10, "only rows in view are drawn: {:?}", second.drawn);
        assert!(
            (second.content_height - first.content_height).abs() < 0.5,
            "the content keeps its height: {} then {}",
            first.content_height,
            second.content_height
        );
    }

    #[test]
    fn a_widget_after_skipped_rows_keeps_its_id() {
        let ctx = Context::default();
        let all_drawn = frame(&ctx, 40, false);
        let some_skipped = frame(&ctx, 40, false);
        assert!(some_skipped.drawn.len() < 40);
        assert_eq!(all_drawn.button_after, some_skipped.button_after);
    }

    #[test]
    fn with_a_focused_widget_every_row_is_drawn() {
        let ctx = Context::default();
        let _ = frame(&ctx, 40, true);
        let _ = frame(&ctx, 40, true);
        let focused = frame(&ctx, 40, true);
        assert_eq!(focused.drawn.len(), 40, "Tab must reach every row");
    }

    #[test]
    fn for_a_screen_reader_every_row_is_drawn() {
        let ctx = Context::default();
        ctx.enable_accesskit();
        let _ = frame(&ctx, 40, false);
        let read_aloud = frame(&ctx, 40, false);
        assert_eq!(read_aloud.drawn.len(), 40, "a screen reader lists every control");
    }
}
