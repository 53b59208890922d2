//! The loss surface as a picture: a colour texture, contour lines and a colour bar.
//!
//! The grid, its image and contours are computed off the window's thread by the surface jobs
//! ([`super::surface_jobs`]), coarse to fine, whenever the surface or the region on screen
//! changes; [`HeatmapCache`] starts and cancels them and uploads each snapshot's image as a
//! texture (cheap). A frame only looks the picture up, and while a grid is computed it keeps
//! drawing the previous one.

use std::sync::Arc;

use egui::{TextureHandle, TextureOptions};
use egui_plot::PlotPoint;

use crate::app::widgets::palette;
use crate::app::widgets::surface_grid::{ColourLevel, LogScale, SurfaceGrid};
use crate::app::widgets::surface_jobs::{GridJob, GridRequest, Polled, Snapshot};
use optlab_core::runner::{Wake, drop_later};
use optlab_core::surface::{Surface, ViewBox};

/// Columns and rows of the map's grid (the texture's size in pixels).
pub const GRID: usize = 256;
/// Gradient steps of the colour bar.
const SEGMENTS: u32 = 48;
/// Width of the colour bar widget in points.
pub const COLOUR_BAR_WIDTH: f32 = 60.0;

/// The picture of the surface a view draws: the newest snapshot of a grid job.
pub struct Heatmap {
    /// The region asked for (the 3D view's mesh covers it).
    pub region: ViewBox,
    /// Where the texture is drawn (the sampled grid's box; a coarse pass's box is shifted a
    /// little, so each pixel's centre is where its sample was taken).
    pub view_box: ViewBox,
    /// The colour image of the loss (row 0 = `y_max`).
    pub texture: TextureHandle,
    /// The sampled grid (`t` values), which the 3D view takes its heights from.
    pub grid: Arc<SurfaceGrid>,
    /// The loss ↔ `t` map of the colours and contours.
    pub scale: LogScale,
    /// Contour polylines in plot coordinates, as plot points so drawing them borrows
    /// instead of copying (`Line::new(name, &line[..])`).
    pub contours: Vec<Vec<PlotPoint>>,
    /// Colour-bar labels from the bottom (t = 0) to the top (t = 1).
    pub levels: Vec<ColourLevel>,
    /// Counts the snapshots shown: changes exactly when the picture changed.
    pub generation: u64,
    /// Whether the grid is finished (otherwise a coarser pass of it).
    pub complete: bool,
}

/// Which part of the plane a heatmap must cover.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Coverage {
    /// Exactly the surface's own view box (the 3D view's mesh).
    Home,
    /// What the map shows: `visible` is last frame's plot bounds (unknown on the first frame),
    /// `aspect` the plot's width over height, used to fit the home box when the surface changes.
    Map {
        /// Last frame's plot bounds.
        visible: Option<ViewBox>,
        /// Width over height of the plot on screen.
        aspect: f64,
    },
}

/// Zooming in further than this many times past the sampled region resamples it, so the
/// texture never looks coarser than about a quarter of its resolution.
const MAX_ZOOM_IN: f64 = 4.0;
/// A map region is sampled this much larger than the visible box on every side, so panning
/// and zooming out a little reuse it.
const MAP_MARGIN: f64 = 0.25;
/// Columns and rows of the 3D view's grid: its mesh has 61 × 61 vertices.
pub const GRID_3D: usize = 128;

/// The heatmap of the surface on screen. Grids are computed by [`GridJob`]s off the window's
/// thread, only when the surface changes or the map shows a region the shown grid does not
/// cover (or has zoomed far into it); the previous picture stays until the new one arrives.
#[derive(Default)]
pub struct HeatmapCache {
    /// The picture shown and the request it belongs to.
    shown: Option<(GridRequest, Heatmap)>,
    /// The request being computed.
    job: Option<GridJob>,
    /// A request whose computation failed, and why (not retried until the request changes).
    failed: Option<(GridRequest, String)>,
    /// The surface last asked for, and how many times it changed.
    surface: Option<Surface>,
    surface_changes: u64,
    snapshots: u64,
    jobs_started: u64,
}

impl HeatmapCache {
    /// The newest picture of `surface` covering `coverage`: [`HeatmapCache::update`], then
    /// [`HeatmapCache::shown`].
    #[cfg(test)]
    pub fn get(
        &mut self,
        ctx: &egui::Context,
        surface: &Surface,
        coverage: Coverage,
    ) -> Option<&Heatmap> {
        self.update(ctx, surface, coverage);
        self.shown()
    }

    /// The picture shown (`None` until the first snapshot of the first grid arrives).
    #[must_use]
    pub fn shown(&self) -> Option<&Heatmap> {
        self.shown.as_ref().map(|(_, heatmap)| heatmap)
    }

    /// Starts or cancels a job when what is wanted (`surface` covering `coverage`) changed,
    /// takes the snapshots that arrived and uploads the newest one's image.
    pub fn update(&mut self, ctx: &egui::Context, surface: &Surface, coverage: Coverage) {
        if self.surface.as_ref() != Some(surface) {
            self.surface = Some(surface.clone());
            self.surface_changes += 1;
        }
        let (wanted, size) = self.wanted(surface, coverage);
        let covers = |request: &GridRequest| {
            request.surface == *surface
                && request.size == size
                && fits(&request.region, &wanted, coverage)
        };
        let shown = self.shown.as_ref().filter(|(request, _)| covers(request));
        if shown.is_some_and(|(_, heatmap)| heatmap.complete) {
            self.job = None;
        } else if !self.job.as_ref().is_some_and(|job| covers(&job.request))
            && !self.failed.as_ref().is_some_and(|(request, _)| covers(request))
        {
            // A partial picture that still serves is finished over its own region.
            let region = match shown {
                Some((request, _)) => request.region,
                None if coverage == Coverage::Home => wanted,
                None => wanted.grown(MAP_MARGIN),
            };
            let request = GridRequest { surface: surface.clone(), region, size };
            self.jobs_started += 1;
            let ctx = ctx.clone();
            let wake: Wake = Arc::new(move || ctx.request_repaint());
            self.job = Some(GridJob::start(request, wake));
        }
        self.poll(ctx);
    }

    /// The region wanted for `coverage` and the grid's size.
    fn wanted(&self, surface: &Surface, coverage: Coverage) -> (ViewBox, usize) {
        let home = surface.view_box();
        let same_surface = self.shown.as_ref().is_some_and(|(r, _)| r.surface == *surface)
            || self.job.as_ref().is_some_and(|job| job.request.surface == *surface);
        match coverage {
            Coverage::Home => (home, GRID_3D),
            Coverage::Map { visible: Some(visible), .. } if same_surface && visible.is_proper() => {
                (visible, GRID)
            }
            Coverage::Map { aspect, .. } => (home.with_aspect(aspect), GRID),
        }
    }

    /// Takes what the running job sent: shows its newest snapshot (uploading the image), or
    /// records its failure.
    fn poll(&mut self, ctx: &egui::Context) {
        let Some(job) = &self.job else { return };
        match job.poll() {
            Polled::Nothing => {}
            Polled::Failed(message) => {
                let request = job.request.clone();
                self.failed = Some((request, message));
                self.job = None;
            }
            Polled::Snapshot(snapshot) => {
                let request = job.request.clone();
                // While the same surface is refined for a new region, a coarse first pass would
                // look worse than the old picture: keep that until the new one is fine enough.
                let coarse = |shown: &Heatmap| {
                    let fine_enough = shown.grid.width.min(request.size / 4);
                    !snapshot.complete && snapshot.grid.width < fine_enough
                };
                let keep_old = self
                    .shown
                    .as_ref()
                    .is_some_and(|(r, h)| r.surface == request.surface && coarse(h));
                if snapshot.complete {
                    self.job = None;
                }
                if keep_old {
                    drop_later(snapshot);
                    return;
                }
                self.show(ctx, request, *snapshot);
            }
        }
    }

    /// Shows `snapshot` of `request`, reusing the texture of the previous picture.
    fn show(&mut self, ctx: &egui::Context, request: GridRequest, snapshot: Snapshot) {
        self.snapshots += 1;
        self.failed = None;
        let Snapshot { grid, image, contours, levels, complete } = snapshot;
        let texture = match self.shown.take() {
            Some((_, mut old)) => {
                old.texture.set(image, TextureOptions::LINEAR);
                drop_later((old.contours, old.grid));
                old.texture
            }
            None => ctx.load_texture("optlab-loss-heatmap", image, TextureOptions::LINEAR),
        };
        let heatmap = Heatmap {
            region: request.region,
            view_box: grid.view_box,
            texture,
            scale: grid.scale,
            grid,
            contours,
            levels,
            generation: self.snapshots,
            complete,
        };
        self.shown = Some((request, heatmap));
    }

    /// Pauses or resumes the running job (paused while its view is not on screen).
    pub fn set_paused(&self, paused: bool) {
        if let Some(job) = &self.job {
            job.set_paused(paused);
        }
    }

    /// Share of the grid being computed that is done (0 to 1), while a job runs.
    #[must_use]
    pub fn progress(&self) -> Option<f32> {
        self.job.as_ref().map(GridJob::progress)
    }

    /// Why the grid could not be computed, if it could not.
    #[must_use]
    pub fn failure(&self) -> Option<&str> {
        self.failed.as_ref().map(|(_, message)| message.as_str())
    }

    /// Counts changes of the surface asked for: the map fits its view to a new surface when
    /// this changes.
    #[must_use]
    pub fn surface_generation(&self) -> u64 {
        self.surface_changes
    }

    /// How many grid computations were started.
    #[cfg(test)]
    #[must_use]
    pub fn jobs_started(&self) -> u64 {
        self.jobs_started
    }

    /// What the picture is doing.
    #[must_use]
    pub fn status(&self) -> PictureStatus {
        PictureStatus {
            shown: self.shown().is_some(),
            complete: self.shown().is_some_and(|h| h.complete),
            progress: self.progress(),
            failure: self.failure().map(str::to_owned),
            jobs_started: self.jobs_started,
        }
    }
}

/// What a view's surface picture is doing (tests and benchmarks wait on it).
#[derive(Clone, Debug, PartialEq)]
pub struct PictureStatus {
    /// A picture is drawn (possibly of a coarser pass, or of the previous surface).
    pub shown: bool,
    /// The picture drawn is a finished grid.
    pub complete: bool,
    /// Share of the grid being computed that is done, while one is computed.
    pub progress: Option<f32>,
    /// Why the grid could not be computed.
    pub failure: Option<String>,
    /// How many grid computations were started.
    pub jobs_started: u64,
}

/// Whether a grid over `region` serves a view wanting `wanted`.
fn fits(region: &ViewBox, wanted: &ViewBox, coverage: Coverage) -> bool {
    match coverage {
        Coverage::Home => region == wanted,
        Coverage::Map { .. } => {
            region.covers(wanted)
                && region.width() <= MAX_ZOOM_IN * wanted.width()
                && region.height() <= MAX_ZOOM_IN * wanted.height()
        }
    }
}

/// Contour lines simplified for drawing at one zoom level, kept until the heatmap or the zoom
/// changes: the raw lines have a point per grid cell (thousands), most of them closer than a
/// pixel to the straight line through their neighbours, and every drawn point costs
/// tessellation each frame.
#[derive(Default)]
pub struct DrawnContours {
    key: Option<(u64, u64)>,
    lines: Vec<Vec<PlotPoint>>,
}

impl DrawnContours {
    /// `heatmap`'s contours simplified to within `tolerance` plot units.
    pub fn get(&mut self, heatmap: &Heatmap, tolerance: f64) -> &[Vec<PlotPoint>] {
        let key = Some((heatmap.generation, tolerance.to_bits()));
        if self.key != key {
            self.key = key;
            self.lines = heatmap.contours.iter().map(|l| simplified(l, tolerance)).collect();
        }
        &self.lines
    }
}

/// Ramer–Douglas–Peucker: the fewest of `points` (always both ends) such that no dropped point
/// lies farther than `tolerance` from the kept polyline. Iterative, so long lines cannot
/// overflow the stack. A closed ring keeps its shape because its first and last points are
/// kept.
#[must_use]
pub fn simplified(points: &[PlotPoint], tolerance: f64) -> Vec<PlotPoint> {
    if points.len() <= 2 || tolerance.is_nan() || tolerance <= 0.0 {
        return points.to_vec();
    }
    let mut keep = vec![false; points.len()];
    keep[0] = true;
    keep[points.len() - 1] = true;
    let mut spans = vec![(0, points.len() - 1)];
    while let Some((first, last)) = spans.pop() {
        let (a, b) = (points[first], points[last]);
        let farthest = (first + 1..last)
            .map(|i| (i, distance_to_segment(points[i], a, b)))
            .max_by(|x, y| x.1.total_cmp(&y.1));
        if let Some((i, d)) = farthest
            && d > tolerance
        {
            keep[i] = true;
            spans.push((first, i));
            spans.push((i, last));
        }
    }
    points.iter().zip(keep).filter_map(|(p, k)| k.then_some(*p)).collect()
}

/// Distance from `p` to the segment from `a` to `b`.
fn distance_to_segment(p: PlotPoint, a: PlotPoint, b: PlotPoint) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let length_squared = dx * dx + dy * dy;
    let t = if length_squared > 0.0 {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / length_squared).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p.x - (a.x + t * dx)).hypot(p.y - (a.y + t * dy))
}

/// A loss value in at most about five characters: `0`, `0.042`, `3.75`, `128`, `1.2e5`.
#[must_use]
pub fn format_loss(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".to_owned()
    } else if !(1e-3..1e4).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// "computing surface… 40 %" in the bottom-left corner of `frame` (in its middle while there
/// is no picture yet), or why the surface could not be computed: a label (screen readers and
/// tests find it) over a dark box. Asks for a repaint while the grid is computed, so the
/// percentage moves.
pub fn surface_status(ui: &mut egui::Ui, frame: egui::Rect, cache: &HeatmapCache) {
    let text = match (cache.failure(), cache.progress()) {
        (Some(failure), _) => format!("the surface could not be computed: {failure}"),
        (None, Some(progress)) => {
            ui.ctx().request_repaint_after(std::time::Duration::from_millis(500));
            format!("computing surface… {:.0} %", 100.0 * progress)
        }
        (None, None) => return,
    };
    let font = egui::TextStyle::Body.resolve(ui.style());
    let size = ui.painter().layout_no_wrap(text.clone(), font, egui::Color32::WHITE).size();
    let (anchor, align) = if cache.shown().is_some() {
        (frame.left_bottom() + egui::vec2(8.0, -8.0), egui::Align2::LEFT_BOTTOM)
    } else {
        (frame.center(), egui::Align2::CENTER_CENTER)
    };
    let rect = align.anchor_size(anchor, size + egui::vec2(8.0, 8.0));
    ui.painter().rect_filled(rect, 3.0, egui::Color32::from_black_alpha(190));
    // A child Ui: the label lies over the picture without moving the parent's cursor.
    let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rect.shrink(4.0)));
    child.label(egui::RichText::new(text).color(egui::Color32::WHITE));
}

/// The hatch of undefined points below the colour bar, labelled `NaN`: it is not a colour of
/// the scale.
fn undefined_swatch(painter: &egui::Painter, top_left: egui::Pos2, text_colour: egui::Color32) {
    let size = 12.0;
    for k in 0..4_u8 {
        let y = top_left.y + f32::from(k) * size / 4.0;
        let band =
            egui::Rect::from_min_size(egui::pos2(top_left.x, y), egui::vec2(size, size / 4.0));
        let colour = crate::app::widgets::surface_grid::undefined_colour(usize::from(k) * 3, 0);
        painter.rect_filled(band, 0.0, colour);
    }
    painter.text(
        egui::pos2(top_left.x + size + 4.0, top_left.y + size / 2.0),
        egui::Align2::LEFT_CENTER,
        "NaN",
        egui::FontId::proportional(11.0),
        text_colour,
    );
}

/// A vertical colour bar (low loss at the bottom) with loss labels, filling the available
/// height in a strip [`COLOUR_BAR_WIDTH`] wide.
#[expect(clippy::cast_possible_truncation, reason = "screen coordinates are f32")]
pub fn colour_bar(ui: &mut egui::Ui, heatmap: &Heatmap) {
    let height = ui.available_height().max(80.0);
    let (rect, _) =
        ui.allocate_exact_size(egui::vec2(COLOUR_BAR_WIDTH, height), egui::Sense::hover());
    if !ui.is_rect_visible(rect) {
        return;
    }
    let painter = ui.painter_at(rect);
    let text_colour = ui.visuals().text_color();
    let small = egui::TextStyle::Small.resolve(ui.style());
    // Leave room for the title at the top and line up roughly with the plot frame (whose
    // x axis takes the bottom ~24 points).
    let title_height = 16.0;
    let strip = egui::Rect::from_min_max(
        egui::pos2(rect.left() + 4.0, rect.top() + title_height + 6.0),
        egui::pos2(rect.left() + 16.0, rect.bottom() - 28.0),
    );
    painter.text(
        egui::pos2(rect.left() + 2.0, rect.top() + 2.0),
        egui::Align2::LEFT_TOP,
        "loss",
        small.clone(),
        text_colour,
    );
    if strip.height() < 10.0 {
        return;
    }
    let y_of = |t: f64| -> f32 { strip.bottom() - strip.height() * t as f32 };
    let mut mesh = egui::Mesh::default();
    for i in 0..=SEGMENTS {
        let t = f64::from(i) / f64::from(SEGMENTS);
        let colour = palette::surface_colour(t);
        let y = y_of(t);
        mesh.colored_vertex(egui::pos2(strip.left(), y), colour);
        mesh.colored_vertex(egui::pos2(strip.right(), y), colour);
        if i > 0 {
            let k = 2 * i;
            mesh.add_triangle(k - 2, k - 1, k);
            mesh.add_triangle(k - 1, k, k + 1);
        }
    }
    painter.add(mesh);
    painter.rect_stroke(
        strip,
        0.0,
        ui.visuals().widgets.noninteractive.fg_stroke,
        egui::StrokeKind::Outside,
    );
    if !heatmap.grid.undefined.is_empty() {
        undefined_swatch(&painter, egui::pos2(strip.left(), strip.bottom() + 8.0), text_colour);
    }
    // With little height only the ends are labelled, so labels never overlap.
    let every = if strip.height() < 4.0 * 18.0 { heatmap.levels.len().max(2) - 1 } else { 1 };
    for (i, level) in heatmap.levels.iter().enumerate() {
        if i % every != 0 && i + 1 != heatmap.levels.len() {
            continue;
        }
        let y = y_of(level.t);
        painter.line_segment(
            [egui::pos2(strip.right(), y), egui::pos2(strip.right() + 4.0, y)],
            egui::Stroke::new(1.0, text_colour),
        );
        painter.text(
            egui::pos2(strip.right() + 6.0, y),
            egui::Align2::LEFT_CENTER,
            format_loss(level.loss),
            small.clone(),
            text_colour,
        );
    }
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact by construction")]
mod tests {
    use super::*;
    use crate::app::widgets::surface_grid::{COLOUR_BAR_LABELS, CONTOUR_LEVELS};
    use std::time::{Duration, Instant};

    fn taco() -> Surface {
        Surface::TacoShell { condition: 30.0, angle: 30.0 }
    }

    #[test]
    fn simplified_lines_stay_within_the_tolerance_and_keep_their_ends() {
        let circle: Vec<PlotPoint> = (0..=1000)
            .map(|i| {
                let a = std::f64::consts::TAU * f64::from(i) / 1000.0;
                PlotPoint::new(a.cos(), a.sin())
            })
            .collect();
        let kept = simplified(&circle, 1e-3);
        assert!(kept.len() < 200, "1001 points on the circle, {} kept", kept.len());
        assert_eq!((kept[0], kept[kept.len() - 1]), (circle[0], circle[1000]));
        for p in &circle {
            let nearest = kept
                .windows(2)
                .map(|w| distance_to_segment(*p, w[0], w[1]))
                .fold(f64::INFINITY, f64::min);
            assert!(nearest <= 1e-3 + 1e-12, "{nearest}");
        }
        let straight: Vec<PlotPoint> = (0..50).map(|i| PlotPoint::new(f64::from(i), 2.0)).collect();
        assert_eq!(simplified(&straight, 1e-9).len(), 2);
        assert_eq!(simplified(&circle, 0.0).len(), circle.len(), "no tolerance, no change");
    }

    /// The finished picture for `coverage`, waiting for its job (a minute at most).
    fn ready<'a>(
        cache: &'a mut HeatmapCache,
        ctx: &egui::Context,
        surface: &Surface,
        coverage: Coverage,
    ) -> &'a Heatmap {
        let deadline = Instant::now() + Duration::from_mins(1);
        loop {
            let complete = cache.get(ctx, surface, coverage).is_some_and(|h| h.complete);
            if complete && cache.progress().is_none() {
                return cache.get(ctx, surface, coverage).expect("a picture");
            }
            assert!(Instant::now() < deadline, "the grid was not computed");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn cache() -> HeatmapCache {
        HeatmapCache::default()
    }

    #[test]
    fn levels_of_the_colour_bar_match_the_scale() {
        let ctx = egui::Context::default();
        let mut cache = cache();
        let heatmap = ready(&mut cache, &ctx, &taco(), Coverage::Home);
        assert_eq!(heatmap.levels.len(), COLOUR_BAR_LABELS);
        assert_eq!(heatmap.levels[0].t, 0.0);
        assert!((heatmap.levels[0].loss - heatmap.scale.f_min).abs() < 1e-12);
        assert!(heatmap.levels.windows(2).all(|w| w[0].loss < w[1].loss));
        assert_eq!(heatmap.texture.size(), [GRID_3D, GRID_3D]);
        assert!(heatmap.contours.iter().filter(|line| line.len() > 10).count() >= CONTOUR_LEVELS);
        // The grid's minimum is near the surface's minimum 0.
        assert!(heatmap.scale.f_min >= 0.0 && heatmap.scale.f_min < 0.05);
        let map = Coverage::Map { visible: None, aspect: 1.0 };
        assert_eq!(ready(&mut cache, &ctx, &taco(), map).texture.size(), [GRID, GRID]);
    }

    #[test]
    fn cache_recomputes_only_when_the_surface_changes() {
        let ctx = egui::Context::default();
        let mut cache = cache();
        assert!(cache.get(&ctx, &taco(), Coverage::Home).is_none(), "computed off-thread");
        assert_eq!(cache.jobs_started(), 1);
        let first = ready(&mut cache, &ctx, &taco(), Coverage::Home).generation;
        for _ in 0..5 {
            assert_eq!(cache.get(&ctx, &taco(), Coverage::Home).unwrap().generation, first);
        }
        assert_eq!(cache.jobs_started(), 1);
        assert_eq!(cache.surface_generation(), 1);
        // Another surface: a new job, and the old picture stays until its first snapshot.
        let texture = cache.get(&ctx, &taco(), Coverage::Home).unwrap().texture.id();
        ready(&mut cache, &ctx, &Surface::Beale, Coverage::Home);
        ready(&mut cache, &ctx, &Surface::Beale, Coverage::Home);
        assert_eq!(cache.jobs_started(), 2);
        assert_eq!(cache.surface_generation(), 2);
        assert_eq!(cache.get(&ctx, &Surface::Beale, Coverage::Home).unwrap().texture.id(), texture);
        // A parameter change is a different surface; a newer request replaces a running one.
        cache.get(&ctx, &Surface::Rosenbrock { a: 1.0, b: 100.0 }, Coverage::Home);
        let rosenbrock = Surface::Rosenbrock { a: 2.0, b: 100.0 };
        let heatmap = ready(&mut cache, &ctx, &rosenbrock, Coverage::Home);
        assert_eq!(heatmap.view_box, rosenbrock.view_box());
        assert_eq!(cache.jobs_started(), 4);
    }

    #[test]
    fn the_map_region_follows_zoom_only_when_it_must() {
        let ctx = egui::Context::default();
        let mut cache = cache();
        let surface = taco();
        let home = surface.view_box();
        // First frame: the home box widened to the plot's aspect, with a margin.
        let tall = Coverage::Map { visible: None, aspect: 0.5 };
        let first = ready(&mut cache, &ctx, &surface, tall).view_box;
        assert!(first.covers(&home.with_aspect(0.5)), "{first:?}");
        let surface_generation = cache.surface_generation();
        // Panning a little and zooming in twofold reuse it.
        let near = ViewBox { x_min: -2.0, x_max: 2.5, y_min: -4.0, y_max: 4.5 };
        let reused = cache.get(&ctx, &surface, Coverage::Map { visible: Some(near), aspect: 0.5 });
        assert_eq!(reused.unwrap().view_box, first);
        assert_eq!(cache.jobs_started(), 1);
        // Zooming far in or out resamples around what is visible; the surface is the same.
        let small = ViewBox { x_min: 0.0, x_max: 0.1, y_min: 0.0, y_max: 0.2 };
        let zoomed =
            ready(&mut cache, &ctx, &surface, Coverage::Map { visible: Some(small), aspect: 0.5 });
        assert!(zoomed.view_box.covers(&small) && zoomed.view_box.width() < 1.0);
        assert_eq!(cache.surface_generation(), surface_generation, "no refit on zoom");
        let wide = home.grown(3.0);
        let out =
            ready(&mut cache, &ctx, &surface, Coverage::Map { visible: Some(wide), aspect: 1.0 });
        assert!(out.view_box.covers(&wide));
        assert_eq!(cache.jobs_started(), 3);
        // The 3D view wants exactly the home box.
        assert_eq!(ready(&mut cache, &ctx, &surface, Coverage::Home).view_box, home);
    }

    #[test]
    fn a_grid_shows_its_progress_until_it_is_finished() {
        let terms: Vec<String> =
            (0..100).map(|i| format!("0.01*(x-{i}/100)^2+0.01*sin(y*{i}/50)")).collect();
        let text = format!("({})", terms.join("+"));
        let surface = Surface::Expression(optlab_core::expr::Formula::new(&text).unwrap());
        let ctx = egui::Context::default();
        let mut cache = cache();
        assert!(cache.get(&ctx, &surface, Coverage::Home).is_none());
        assert!(cache.progress().is_some_and(|p| (0.0..1.0).contains(&p)));
        let heatmap = ready(&mut cache, &ctx, &surface, Coverage::Home);
        assert!(heatmap.complete && heatmap.grid.width == GRID_3D);
        assert!(cache.progress().is_none() && cache.failure().is_none());
    }

    #[test]
    fn losses_format_short() {
        assert_eq!(format_loss(0.0), "0");
        assert_eq!(format_loss(0.0421), "0.042");
        assert_eq!(format_loss(3.751), "3.75");
        assert_eq!(format_loss(42.0), "42.0");
        assert_eq!(format_loss(128.4), "128");
        assert_eq!(format_loss(123_456.0), "1.2e5");
        assert_eq!(format_loss(-0.5), "-0.500");
        assert_eq!(format_loss(1e-6), "1.0e-6");
    }
}
