//! The Slice view's line drawn on the map: the Slice view leaves the ends of the line it drew
//! in egui's memory each frame, and the race's other right-hand views clear them; the map
//! (drawn first) draws them as a dashed segment while they are from the frame before or this
//! one.

use egui_plot::{Line, LineStyle, PlotUi};

use optlab_core::surface::Point;

/// The line the Slice view drew last and in which frame.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Drawn {
    /// The line's points at the first and the last plotted s.
    ends: [Point; 2],
    /// The frame that drew it.
    frame: u64,
}

/// Where the segment is kept in egui's memory.
fn memory_id() -> egui::Id {
    egui::Id::unique("optlab-slice-line-on-map")
}

/// Notes the ends of the line the Slice view draws in this frame (`None`: no line), and asks
/// for one more frame when they moved, so the map follows.
pub fn remember(ctx: &egui::Context, ends: Option<[Point; 2]>) {
    let frame = ctx.cumulative_frame_nr();
    let before = ctx.data(|d| d.get_temp::<Drawn>(memory_id()));
    let now = ends.map(|ends| Drawn { ends, frame });
    ctx.data_mut(|d| match now {
        Some(drawn) => {
            d.insert_temp(memory_id(), drawn);
        }
        None => d.remove::<Drawn>(memory_id()),
    });
    if before.map(|b| b.ends) != ends {
        ctx.request_repaint();
    }
}

/// Draws the Slice view's line on the map, if the Slice view is on screen.
pub fn draw_on_map(plot_ui: &mut PlotUi<'_>) -> bool {
    let ctx = plot_ui.ctx().clone();
    let Some(drawn) = ctx.data(|d| d.get_temp::<Drawn>(memory_id())) else { return false };
    if drawn.frame + 1 < ctx.cumulative_frame_nr() {
        return false;
    }
    let colour = ctx.global_style().visuals.text_color();
    let line = Line::new("slice line", vec![drawn.ends[0], drawn.ends[1]])
        .color(colour)
        .style(LineStyle::dashed_dense())
        .width(2.0)
        .allow_hover(false);
    plot_ui.line(line);
    true
}
