//! The 3D view: the loss surface as a shaded mesh, software-rendered with the painter's
//! algorithm into one [`egui::Mesh`] that fills the panel, with the runs' paths drawn on it;
//! pieces of path the surface hides (behind a hill or a wall of the block, tested against a
//! coarse depth buffer every few points along each segment) are drawn faint.
//!
//! Heights are the heatmap's log-normalised loss, so colours match the map. The grid, its
//! colours and Lambert shading (from a light fixed to the surface) are computed once per
//! surface; projecting and depth-sorting the triangles happens only when the camera or the
//! view's size changes, otherwise the last mesh is drawn again.

use std::fmt;
use std::sync::Arc;

use egui::{Align2, Color32, CursorIcon, Mesh, Pos2, Rect, Sense, Shape, Stroke, vec2};

use crate::app::entries::race::map_view::{decimated, thinned, without_reversals};
use crate::app::entries::race::results::RunResult;
use crate::app::widgets::draw_cache::{DrawCache, RecordsKey};
use crate::app::widgets::heatmap::{Coverage, HeatmapCache, surface_status};
use crate::app::widgets::palette;
use crate::app::widgets::surface_grid::{LogScale, SurfaceGrid};
use optlab_core::entries::race::Race;
use optlab_core::run::StepRecord;
use optlab_core::surface::{MinimumKind, Point, ViewBox};

/// Cells along each side of the mesh (vertices: one more).
const CELLS: usize = 60;
/// Height of the surface (t from 0 to 1) relative to the half-width of the box.
const Z_SCALE: f32 = 0.9;
/// Depth of the skirt below the lowest possible point of the surface.
const SKIRT: f32 = 0.08;
/// Height of the paths above the surface.
const LIFT: f32 = 0.02;
/// Most points of a path drawn in 3D.
const MAX_PATH_POINTS: usize = 1500;
/// Distance of the eye from the centre, in half-widths of the box (weak perspective).
const EYE_DISTANCE: f32 = 5.0;
/// Pitch limits: from just above the horizon to straight down.
const PITCH_RANGE: (f32, f32) = (0.08, 1.55);
/// Zoom limits.
const ZOOM_RANGE: (f32, f32) = (0.3, 5.0);
/// Ambient and diffuse shares of the Lambert shading.
const AMBIENT: f32 = 0.38;
const DIFFUSE: f32 = 0.62;
const HALO: Color32 = Color32::from_rgba_premultiplied(0, 0, 0, 170);
const DIVERGED: Color32 = Color32::from_rgb(255, 40, 40);

/// Orientation and zoom of the 3D view, and the mesh it draws.
#[derive(Clone, Debug)]
pub struct Camera {
    /// Rotation about the vertical axis, radians.
    pub yaw: f32,
    /// Elevation of the eye above the horizon, radians.
    pub pitch: f32,
    /// Magnification, 1 = the surface fits the view.
    pub zoom: f32,
    /// The surface mesh of the current surface (not part of the camera's state).
    mesh: MeshCache,
    /// The runs' paths as last drawn.
    paths: Path3dCache,
}

impl Default for Camera {
    fn default() -> Self {
        let View { yaw, pitch, zoom } = View::default();
        Self { yaw, pitch, zoom, mesh: MeshCache::default(), paths: Path3dCache::default() }
    }
}

impl Camera {
    fn view(&self) -> View {
        View { yaw: self.yaw, pitch: self.pitch, zoom: self.zoom }
    }

    fn set_view(&mut self, view: View) {
        self.yaw = view.yaw;
        self.pitch = view.pitch;
        self.zoom = view.zoom;
    }
}

/// The camera's parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
struct View {
    yaw: f32,
    pitch: f32,
    zoom: f32,
}

impl Default for View {
    fn default() -> Self {
        Self { yaw: -0.5, pitch: 1.1, zoom: 1.0 }
    }
}

/// The map from world to screen for one view, rect and box size.
#[derive(Clone, Copy, Debug)]
struct Projection {
    sin_yaw: f32,
    cos_yaw: f32,
    sin_pitch: f32,
    cos_pitch: f32,
    centre: Pos2,
    /// Screen points per world unit at the centre's depth.
    scale: f32,
}

impl Projection {
    /// Fits a box of half-extents `extent` (x, y) and its skirt, as seen through `view`, into
    /// `rect` at zoom 1: the projected block fills the rect's width or its height, centred.
    fn new(view: View, rect: Rect, extent: [f32; 2]) -> Self {
        let (sin_yaw, cos_yaw) = view.yaw.sin_cos();
        let (sin_pitch, cos_pitch) = view.pitch.sin_cos();
        let mut projection =
            Self { sin_yaw, cos_yaw, sin_pitch, cos_pitch, centre: Pos2::ZERO, scale: 1.0 };
        let mut bounds = Rect::NOTHING;
        for [x, y] in [[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]] {
            for z in [0.5 * Z_SCALE, -0.5 * Z_SCALE - SKIRT] {
                bounds.extend_with(projection.project([x * extent[0], y * extent[1], z]).0);
            }
        }
        let fit = (rect.width() / bounds.width().max(1e-3))
            .min(rect.height() / bounds.height().max(1e-3));
        projection.scale = 0.95 * fit * view.zoom;
        projection.centre = rect.center() - bounds.center().to_vec2() * projection.scale;
        projection
    }

    /// Screen position and depth (larger = nearer the eye) of world point `p`.
    fn project(&self, p: [f32; 3]) -> (Pos2, f32) {
        let x1 = p[0] * self.cos_yaw - p[1] * self.sin_yaw;
        let y1 = p[0] * self.sin_yaw + p[1] * self.cos_yaw;
        let up = y1 * self.sin_pitch + p[2] * self.cos_pitch;
        let depth = self.depth_of(p);
        let f = EYE_DISTANCE / (EYE_DISTANCE - depth).max(0.1) * self.scale;
        (self.centre + vec2(x1 * f, -up * f), depth)
    }

    /// Depth (towards the eye) of world point or direction `p`.
    fn depth_of(&self, p: [f32; 3]) -> f32 {
        let y1 = p[0] * self.sin_yaw + p[1] * self.cos_yaw;
        p[2] * self.sin_pitch - y1 * self.cos_pitch
    }
}

/// Which way a triangle faces: the surface is seen from every side, a skirt wall only from
/// outside.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Facing {
    Surface,
    /// Outward normal of the wall.
    Wall([f32; 3]),
}

/// The surface as world points with shaded colours and triangles, plus the last drawn mesh.
#[derive(Clone, Default)]
pub struct MeshCache {
    /// The sampled grid the heights were taken from, and the box the mesh covers.
    key: Option<(Arc<SurfaceGrid>, ViewBox)>,
    /// Map from plot coordinates to world coordinates: centre and 1 / half-extent.
    centre: [f64; 2],
    inverse_half: f64,
    /// Half-extents of the box in world units (the longer one is 1).
    extent: [f32; 2],
    /// World points: the `(CELLS + 1)²` grid (row-major from `y_min`), then the skirt's.
    world: Vec<[f32; 3]>,
    /// Shaded colour of each point.
    colours: Vec<Color32>,
    /// Triangles (indices into `world`) and their facing.
    triangles: Vec<([u32; 3], Facing)>,
    /// Scratch for projecting: depth of each point, and (depth, index) of each drawn triangle.
    depth: Vec<f32>,
    order: Vec<(f32, u32)>,
    /// The last mesh and what it was projected for.
    drawn: Option<(View, Rect, Arc<Mesh>)>,
    /// The nearest surface depth on a coarse screen grid, for hiding paths behind hills.
    depth_buffer: DepthBuffer,
    /// How many times the grid was computed.
    rebuilds: u64,
}

/// The nearest depth of the mesh per cell of a coarse screen grid, so the paths drawn over the
/// mesh can tell where a hill hides them.
#[derive(Clone, Default)]
struct DepthBuffer {
    origin: Pos2,
    cols: usize,
    rows: usize,
    /// Row-major; `NEG_INFINITY` where no triangle covers the cell's centre.
    nearest: Vec<f32>,
}

impl DepthBuffer {
    /// Cell size in points.
    const CELL: f32 = 3.0;
    /// How far in front of a point the surface must be to hide it (world units).
    const TOLERANCE: f32 = 0.04;

    /// Rasterises `triangles` (screen positions and depths of their corners) into the grid.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "cell indices of a rect a few thousand points wide, clamped to the grid"
    )]
    fn rasterise(
        &mut self,
        rect: Rect,
        positions: &[Pos2],
        depths: &[f32],
        triangles: &[[u32; 3]],
    ) {
        self.origin = rect.min;
        self.cols = ((rect.width() / Self::CELL).ceil() as usize).clamp(1, 1024);
        self.rows = ((rect.height() / Self::CELL).ceil() as usize).clamp(1, 1024);
        self.nearest.clear();
        self.nearest.resize(self.cols * self.rows, f32::NEG_INFINITY);
        let edge =
            |a: Pos2, b: Pos2, p: Pos2| (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
        let cell_of = |v: f32, n: usize| ((v / Self::CELL - 0.5).max(0.0) as usize).min(n - 1);
        for &[a, b, c] in triangles {
            let (a, b, c) = (a as usize, b as usize, c as usize);
            let (pa, pb, pc) = (positions[a], positions[b], positions[c]);
            let area = edge(pa, pb, pc);
            if area.abs() < 1e-6 {
                continue;
            }
            let min = pa.min(pb).min(pc) - self.origin;
            let max = pa.max(pb).max(pc) - self.origin;
            if max.x < 0.0 || max.y < 0.0 {
                continue;
            }
            let (i0, i1) = (cell_of(min.x, self.cols), cell_of(max.x + Self::CELL, self.cols));
            let (j0, j1) = (cell_of(min.y, self.rows), cell_of(max.y + Self::CELL, self.rows));
            for j in j0..=j1 {
                for i in i0..=i1 {
                    let centre = self.origin
                        + vec2((i as f32 + 0.5) * Self::CELL, (j as f32 + 0.5) * Self::CELL);
                    let wa = edge(pb, pc, centre) / area;
                    let wb = edge(pc, pa, centre) / area;
                    let wc = 1.0 - wa - wb;
                    if wa >= -1e-4 && wb >= -1e-4 && wc >= -1e-4 {
                        let depth = wa * depths[a] + wb * depths[b] + wc * depths[c];
                        let slot = &mut self.nearest[j * self.cols + i];
                        *slot = slot.max(depth);
                    }
                }
            }
        }
    }

    /// Whether the surface hides a point at `pos` with `depth`: nearer by the tolerance over
    /// the whole 3×3 neighbourhood of its cell (lenient at silhouettes and on steep slopes).
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "cell indices, checked against the grid"
    )]
    fn hides(&self, pos: Pos2, depth: f32) -> bool {
        if self.nearest.is_empty() {
            return false;
        }
        let at = (pos - self.origin) / Self::CELL;
        if at.x < 0.0 || at.y < 0.0 {
            return false;
        }
        let (i, j) = (at.x as isize, at.y as isize);
        let mut front = f32::INFINITY;
        for dj in -1..=1 {
            for di in -1..=1 {
                let (ci, cj) = (i + di, j + dj);
                if ci < 0 || cj < 0 || ci as usize >= self.cols || cj as usize >= self.rows {
                    return false;
                }
                front = front.min(self.nearest[cj as usize * self.cols + ci as usize]);
            }
        }
        front > depth + Self::TOLERANCE
    }
}

impl DepthBuffer {
    /// Most samples along one segment.
    const MOST_SAMPLES: usize = 4096;

    /// Points along the screen segment from `a` to `b` (each a position and a depth; the
    /// depth interpolated between them) about a cell apart, `b` included and `a` not, each
    /// with whether it is seen: a straight piece of path between two visible points can still
    /// pass behind a hill or through the block's wall, and is then hidden there.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a sample count from a screen length, at least 1 and capped"
    )]
    fn along(&self, (a, depth_a): (Pos2, f32), (b, depth_b): (Pos2, f32)) -> Vec<(Pos2, bool)> {
        let length = (b - a).length();
        let count = if length.is_finite() {
            ((length / Self::CELL).ceil() as usize).clamp(1, Self::MOST_SAMPLES)
        } else {
            1
        };
        (1..=count)
            .map(|k| {
                let t = k as f32 / count as f32;
                let (pos, depth) = (a.lerp(b, t), depth_a + (depth_b - depth_a) * t);
                (pos, !self.hides(pos, depth))
            })
            .collect()
    }
}

impl fmt::Debug for MeshCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeshCache").field("rebuilds", &self.rebuilds).finish_non_exhaustive()
    }
}

impl MeshCache {
    /// Rebuilds the mesh over `view_box` if the grid (a new snapshot) or the box changed. The
    /// heights are the grid's `t` values, interpolated: no surface is evaluated here.
    #[expect(clippy::cast_possible_truncation, reason = "extents are at most 1; indices < 2^16")]
    fn update(&mut self, grid: &Arc<SurfaceGrid>, view_box: ViewBox) {
        if self.key.as_ref().is_some_and(|(g, b)| Arc::ptr_eq(g, grid) && *b == view_box) {
            return;
        }
        self.rebuilds += 1;
        self.drawn = None;
        self.centre = view_box.center();
        self.inverse_half = 2.0 / view_box.width().max(view_box.height());
        self.extent = [
            (0.5 * view_box.width() * self.inverse_half) as f32,
            (0.5 * view_box.height() * self.inverse_half) as f32,
        ];
        let n = CELLS + 1;
        self.world.clear();
        for j in 0..n {
            let y = view_box.y_min + view_box.height() * j as f64 / CELLS as f64;
            for i in 0..n {
                let x = view_box.x_min + view_box.width() * i as f64 / CELLS as f64;
                let t = grid.t_at([x, y]);
                self.world.push(self.world_point([x, y], t));
            }
        }
        let light = normalised([-0.45, -0.5, 0.75]);
        self.colours.clear();
        for j in 0..n {
            for i in 0..n {
                let at = |i: usize, j: usize| self.world[j * n + i];
                let (x0, x1) = (at(i.saturating_sub(1), j), at((i + 1).min(CELLS), j));
                let (y0, y1) = (at(i, j.saturating_sub(1)), at(i, (j + 1).min(CELLS)));
                let dzdx = (x1[2] - x0[2]) / (x1[0] - x0[0]);
                let dzdy = (y1[2] - y0[2]) / (y1[1] - y0[1]);
                let normal = normalised([-dzdx, -dzdy, 1.0]);
                let shade = AMBIENT + DIFFUSE * dot(normal, light).max(0.0);
                let t = f64::from(at(i, j)[2] / Z_SCALE + 0.5);
                self.colours.push(shaded(palette::surface_colour(t), shade));
            }
        }
        self.triangles.clear();
        for j in 0..CELLS {
            for i in 0..CELLS {
                let a = (j * n + i) as u32;
                let (b, c, d) = (a + 1, a + n as u32 + 1, a + n as u32);
                self.triangles.push(([a, b, c], Facing::Surface));
                self.triangles.push(([a, c, d], Facing::Surface));
            }
        }
        // The skirt: each edge of the grid extruded down to the floor, darker than the
        // surface above it, so the surface reads as the top of a solid block.
        let floor = -0.5 * Z_SCALE - SKIRT;
        let sides: [(Vec<usize>, [f32; 3]); 4] = [
            ((0..n).collect(), [0.0, -1.0, 0.0]),
            ((0..n).map(|j| j * n + CELLS).collect(), [1.0, 0.0, 0.0]),
            ((0..n).map(|i| CELLS * n + i).collect(), [0.0, 1.0, 0.0]),
            ((0..n).map(|j| j * n).collect(), [-1.0, 0.0, 0.0]),
        ];
        for (edge, normal) in sides {
            let first = self.world.len() as u32;
            let wall = 0.4 + 0.25 * dot(normal, light).max(0.0);
            for &k in &edge {
                let top = self.world[k];
                let colour = palette::surface_colour(f64::from(top[2] / Z_SCALE + 0.5));
                self.world.push(top);
                self.colours.push(shaded(colour, wall));
                self.world.push([top[0], top[1], floor]);
                self.colours.push(shaded(colour, 0.5 * wall));
            }
            for k in 0..CELLS as u32 {
                let (top0, bottom0) = (first + 2 * k, first + 2 * k + 1);
                let (top1, bottom1) = (top0 + 2, bottom0 + 2);
                self.triangles.push(([top0, top1, bottom1], Facing::Wall(normal)));
                self.triangles.push(([top0, bottom1, bottom0], Facing::Wall(normal)));
            }
        }
        self.key = Some((Arc::clone(grid), view_box));
    }

    /// World coordinates of plot point `p` at height `t` (0..1).
    #[expect(clippy::cast_possible_truncation, reason = "world coordinates are small; f32 draws")]
    fn world_point(&self, p: [f64; 2], t: f64) -> [f32; 3] {
        [
            ((p[0] - self.centre[0]) * self.inverse_half) as f32,
            ((p[1] - self.centre[1]) * self.inverse_half) as f32,
            (t as f32 - 0.5) * Z_SCALE,
        ]
    }

    /// Height of the drawn mesh (world units) above plot point `p`, interpolated on the
    /// triangle that covers it: in a valley narrower than a grid cell the mesh runs above the
    /// true surface, and a path must not vanish under it.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a grid index in 0..CELLS, clamped"
    )]
    fn mesh_z(&self, p: [f64; 2]) -> Option<f32> {
        let (_, view_box) = self.key.as_ref()?;
        let cells = CELLS as f64;
        let gx = ((p[0] - view_box.x_min) / view_box.width() * cells).clamp(0.0, cells);
        let gy = ((p[1] - view_box.y_min) / view_box.height() * cells).clamp(0.0, cells);
        let (i, j) = ((gx as usize).min(CELLS - 1), (gy as usize).min(CELLS - 1));
        let (fx, fy) = ((gx - i as f64) as f32, (gy - j as f64) as f32);
        let n = CELLS + 1;
        let z = |i: usize, j: usize| self.world[j * n + i][2];
        let (za, zb, zc, zd) = (z(i, j), z(i + 1, j), z(i + 1, j + 1), z(i, j + 1));
        // The cell is split along a–c, as in `update`.
        Some(if fx >= fy {
            za + fx * (zb - za) + fy * (zc - zb)
        } else {
            za + fy * (zd - za) + fx * (zc - zd)
        })
    }

    /// The projection for `view` in `rect`.
    fn projection(&self, view: View, rect: Rect) -> Projection {
        Projection::new(view, rect, self.extent)
    }

    /// The mesh seen through `view` in `rect`, reprojected and re-sorted only when either
    /// changed.
    #[expect(clippy::cast_possible_truncation, reason = "fewer than 2^32 triangles")]
    fn mesh(&mut self, view: View, rect: Rect) -> Arc<Mesh> {
        if let Some((v, r, mesh)) = &self.drawn
            && *v == view
            && *r == rect
        {
            return Arc::clone(mesh);
        }
        let projection = self.projection(view, rect);
        let mut mesh = Mesh::default();
        mesh.reserve_vertices(self.world.len());
        mesh.reserve_triangles(self.triangles.len());
        self.depth.clear();
        for (p, &colour) in self.world.iter().zip(&self.colours) {
            let (pos, depth) = projection.project(*p);
            mesh.colored_vertex(pos, colour);
            self.depth.push(depth);
        }
        self.order.clear();
        for (index, (corners, facing)) in self.triangles.iter().enumerate() {
            if let Facing::Wall(normal) = facing
                && projection.depth_of(*normal) <= 0.0
            {
                continue; // a wall seen from behind is hidden by the block anyway
            }
            let depth: f32 = corners.iter().map(|&k| self.depth[k as usize]).sum();
            self.order.push((depth, index as u32));
        }
        // Far triangles first, so nearer ones paint over them.
        self.order.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
        for &(_, index) in &self.order {
            let [a, b, c] = self.triangles[index as usize].0;
            mesh.add_triangle(a, b, c);
        }
        let positions: Vec<Pos2> = mesh.vertices.iter().map(|v| v.pos).collect();
        let drawn: Vec<[u32; 3]> =
            self.order.iter().map(|&(_, index)| self.triangles[index as usize].0).collect();
        self.depth_buffer.rasterise(rect, &positions, &self.depth, &drawn);
        let mesh = Arc::new(mesh);
        self.drawn = Some((view, rect, Arc::clone(&mesh)));
        mesh
    }
}

fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn normalised(v: [f32; 3]) -> [f32; 3] {
    let length = dot(v, v).sqrt();
    if length > 0.0 { [v[0] / length, v[1] / length, v[2] / length] } else { [0.0, 0.0, 1.0] }
}

/// `colour` darkened by `shade` in [0, 1].
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "the product of a byte and a factor in [0, 1], rounded, is a byte"
)]
fn shaded(colour: Color32, shade: f32) -> Color32 {
    let scale = |c: u8| (f32::from(c) * shade.clamp(0.0, 1.0)).round() as u8;
    Color32::from_rgb(scale(colour.r()), scale(colour.g()), scale(colour.b()))
}

/// Draws the rotatable surface with the runs' paths up to `step`.
pub fn show(
    ui: &mut egui::Ui,
    race: &Race,
    step: u64,
    (heatmap, camera): (&mut HeatmapCache, &mut Camera),
    runs: &[RunResult],
) {
    heatmap.update(ui.ctx(), &race.surface, Coverage::Home);
    let pictures: &HeatmapCache = heatmap;
    let size = vec2(ui.available_width().max(120.0), ui.available_height().max(120.0));
    let Some(heatmap) = pictures.shown() else {
        let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
        ui.painter().rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
        surface_status(ui, rect, pictures);
        return;
    };
    let (view_box, scale) = (heatmap.region, heatmap.scale);
    camera.mesh.update(&heatmap.grid, view_box);

    let (response, painter) = ui.allocate_painter(size, Sense::click_and_drag());
    let rect = response.rect;

    // Drag rotates, the wheel (or a pinch) zooms, a double click resets.
    let mut view = camera.view();
    if response.dragged() {
        let delta = response.drag_delta();
        view.yaw += delta.x * 0.01;
        view.pitch = (view.pitch + delta.y * 0.01).clamp(PITCH_RANGE.0, PITCH_RANGE.1);
        ui.ctx().set_cursor_icon(CursorIcon::Grabbing);
    } else if response.hovered() {
        ui.ctx().set_cursor_icon(CursorIcon::Grab);
    }
    if response.hovered() {
        let (scroll, pinch) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
        view.zoom = (view.zoom * (scroll * 0.003).exp() * pinch).clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
    }
    if response.double_clicked() {
        view = View::default();
    }
    camera.set_view(view);

    painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    let cache = &mut camera.mesh;
    painter.add(Shape::mesh(cache.mesh(view, rect)));
    let scene = Scene {
        painter: &painter,
        cache,
        projection: cache.projection(view, rect),
        scale,
        view_box,
    };
    scene.axis_names(ui.visuals().weak_text_color());
    scene.markers(race);
    let generation = heatmap.generation;
    let view_bits = [view.yaw, view.pitch, view.zoom].map(f32::to_bits);
    let rect_bits = [rect.min.x, rect.min.y, rect.max.x, rect.max.y].map(f32::to_bits);
    for (index, run) in race.runs.iter().enumerate() {
        let Some(result) = runs.get(index).filter(|_| run.enabled) else { continue };
        let shown = result.records_until(step);
        let key = (RecordsKey::new(result, shown.len()), view_bits, rect_bits, generation);
        camera.paths.ensure(index, key, || scene.path_geometry(result, shown, step));
        if let Some(path) = camera.paths.get(index) {
            scene.draw_path(path, palette::run_colour(run.color, index));
        }
    }
    painter.text(
        rect.left_bottom() + vec2(6.0, -6.0),
        Align2::LEFT_BOTTOM,
        "drag to rotate · scroll to zoom",
        egui::TextStyle::Small.resolve(ui.style()),
        ui.visuals().weak_text_color(),
    );
    surface_status(ui, rect.shrink2(vec2(0.0, 18.0)), pictures);
}

/// What the overlays need to place points on the surface.
struct Scene<'a> {
    painter: &'a egui::Painter,
    cache: &'a MeshCache,
    projection: Projection,
    scale: LogScale,
    view_box: ViewBox,
}

impl Scene<'_> {
    /// Screen position of plot point `p` with loss `loss` (on the mesh when not given), just
    /// above the surface, and whether the surface in front hides it; `None` outside the view
    /// box (no surface there).
    fn on_surface(&self, p: [f64; 2], loss: Option<f64>) -> Option<(Pos2, bool)> {
        let (pos, depth) = self.placed(p, loss)?;
        Some((pos, !self.cache.depth_buffer.hides(pos, depth)))
    }

    /// Screen position and depth of plot point `p` with loss `loss`, as [`Self::on_surface`].
    fn placed(&self, p: [f64; 2], loss: Option<f64>) -> Option<(Pos2, f32)> {
        if !(p[0].is_finite() && p[1].is_finite() && self.view_box.contains(p)) {
            return None;
        }
        let mut w = self.cache.world_point(p, loss.map_or(0.0, |loss| self.scale.t(loss)));
        w[2] = w[2].max(self.cache.mesh_z(p).unwrap_or(w[2])) + LIFT;
        Some(self.projection.project(w))
    }

    /// "x" and "y" beside the middle of the box's near edges, at floor level, unless the block
    /// hides them.
    fn axis_names(&self, colour: Color32) {
        let b = &self.view_box;
        let margin = 0.1 * b.width().max(b.height());
        let floor = f64::from(-SKIRT / Z_SCALE);
        let font = egui::FontId::proportional(13.0);
        let (cx, cy) = (0.5 * (b.x_min + b.x_max), 0.5 * (b.y_min + b.y_max));
        let nearer = |a: [f64; 2], b: [f64; 2]| {
            let (pa, pb) = (self.cache.world_point(a, floor), self.cache.world_point(b, floor));
            if self.projection.depth_of(pa) >= self.projection.depth_of(pb) { a } else { b }
        };
        let x_at = nearer([cx, b.y_min - margin], [cx, b.y_max + margin]);
        let y_at = nearer([b.x_min - margin, cy], [b.x_max + margin, cy]);
        for (at, name) in [(x_at, "x"), (y_at, "y")] {
            let (pos, depth) = self.projection.project(self.cache.world_point(at, floor));
            // Behind the block the name would be painted over its wall: left out.
            if !self.cache.depth_buffer.hides(pos, depth) {
                self.painter.text(pos, Align2::CENTER_CENTER, name, font.clone(), colour);
            }
        }
    }

    /// Global minima (white dots) and the start point (a white ring); a faint ring where hidden.
    fn markers(&self, race: &Race) {
        for minimum in race.surface.minima() {
            if minimum.kind == MinimumKind::Global
                && let Some((pos, visible)) = self.on_surface(minimum.position, Some(minimum.value))
            {
                if visible {
                    self.painter.circle(pos, 4.0, Color32::WHITE, Stroke::new(1.5, HALO));
                } else {
                    // Behind a hill or a wall: a thin faint ring, never a dot that seems to sit
                    // on the surface in front.
                    let faint = Color32::WHITE.gamma_multiply(0.3);
                    self.painter.circle_stroke(pos, 4.0, Stroke::new(1.0, faint));
                }
            }
        }
        let start = race.start_point();
        // On the mesh: the start's loss is not evaluated in a frame (it may be expensive).
        if let Some((pos, visible)) = self.on_surface(start, None) {
            let (ring, halo) = faded(Color32::WHITE, visible);
            self.painter.circle_stroke(pos, 7.5, Stroke::new(3.5, halo));
            self.painter.circle_stroke(pos, 7.5, Stroke::new(1.5, ring));
        }
    }

    /// Run `result`'s path up to its shown records in screen points: stretches of equal
    /// visibility (a stretch ends where the path leaves the box or goes behind a hill, sharing
    /// the point there), thinned to a screen point, and where the current position is.
    fn path_geometry(&self, result: &RunResult, shown: &[StepRecord], step: u64) -> Path3d {
        let mut pieces: Vec<(Vec<Pos2>, bool)> = Vec::new();
        let mut piece: Vec<Pos2> = Vec::new();
        let mut piece_visible = true;
        let mut previous: Option<(Pos2, f32)> = None;
        let buffer = &self.cache.depth_buffer;
        for record in decimated(shown, MAX_PATH_POINTS) {
            let Some(placed) = self.placed(record.position, Some(record.loss)) else {
                if !piece.is_empty() {
                    pieces.push((std::mem::take(&mut piece), piece_visible));
                }
                previous = None;
                continue;
            };
            // The segment from the previous point, sampled, so a stretch behind a hill or a
            // wall is hidden even when both its ends are seen.
            let samples = match previous {
                Some(from) => buffer.along(from, placed),
                None => vec![(placed.0, !buffer.hides(placed.0, placed.1))],
            };
            for (pos, visible) in samples {
                if visible != piece_visible && !piece.is_empty() {
                    let last = piece[piece.len() - 1];
                    pieces.push((std::mem::replace(&mut piece, vec![last]), piece_visible));
                }
                piece_visible = visible;
                piece.push(pos);
            }
            previous = Some(placed);
        }
        pieces.push((piece, piece_visible));
        let stretches = pieces
            .iter()
            .filter(|(p, _)| p.len() >= 2)
            .flat_map(|(piece, visible)| screen_parts(piece).into_iter().map(|p| (p, *visible)))
            .collect();
        let current = shown.last().and_then(|last| self.on_surface(last.position, Some(last.loss)));
        let diverged =
            result.diverged_at().is_some_and(|at| at <= step.saturating_add(result.stride));
        Path3d { stretches, current, diverged }
    }

    /// Draws a run's cached path with a dot at its current position, or a red ✖ where it
    /// diverged. Stretches behind a hill are drawn thin and faint.
    fn draw_path(&self, path: &Path3d, colour: Color32) {
        for (part, visible) in &path.stretches {
            if *visible {
                self.painter.add(Shape::line(part.clone(), Stroke::new(4.5, HALO)));
                self.painter.add(Shape::line(part.clone(), Stroke::new(2.0, colour)));
            } else {
                let faint = Stroke::new(1.2, colour.gamma_multiply(0.45));
                self.painter.add(Shape::line(part.clone(), faint));
            }
        }
        let Some((pos, visible)) = path.current else { return };
        if path.diverged {
            let (red, halo) = faded(DIVERGED, visible);
            let r = 6.0;
            for (a, b) in [(vec2(-r, -r), vec2(r, r)), (vec2(-r, r), vec2(r, -r))] {
                self.painter.line_segment([pos + a, pos + b], Stroke::new(4.5, halo));
                self.painter.line_segment([pos + a, pos + b], Stroke::new(2.5, red));
            }
        } else if visible {
            self.painter.circle(pos, 4.5, colour, Stroke::new(1.5, HALO));
        } else {
            // Behind a hill: a ring, so the run's position is still found at a glance.
            self.painter.circle_stroke(pos, 4.5, Stroke::new(1.5, colour));
        }
    }
}

/// A stretch of screen points thinned to a point apart and cut where it turns straight back
/// (straight-back joins make egui's stroke spike across the screen; see `without_reversals`).
fn screen_parts(piece: &[Pos2]) -> Vec<Vec<Pos2>> {
    let to_point = |p: &Pos2| [f64::from(p.x), f64::from(p.y)];
    #[expect(clippy::cast_possible_truncation, reason = "screen coordinates")]
    let to_pos = |p: Point| Pos2::new(p[0] as f32, p[1] as f32);
    let points = thinned(piece.iter().map(to_point), 1.0);
    without_reversals(&points)
        .into_iter()
        .filter(|p| p.len() >= 2)
        .map(|part| part.into_iter().map(to_pos).collect())
        .collect()
}

/// One run's path as drawn, kept until its records, the camera, the rect or the surface change.
#[derive(Clone, Debug)]
pub struct Path3d {
    stretches: Vec<(Vec<Pos2>, bool)>,
    current: Option<(Pos2, bool)>,
    diverged: bool,
}

/// What a drawn 3D path is built from: the shown records, the camera (yaw, pitch, zoom as
/// bits), the rect and the heatmap generation (surface and colour scale).
type Path3dKey = (RecordsKey, [u32; 3], [u32; 4], u64);

/// Every run's drawn 3D path.
pub type Path3dCache = DrawCache<Path3dKey, Path3d>;

/// A marker's colour and halo: as they are if visible, faint if a hill hides the marker.
fn faded(colour: Color32, visible: bool) -> (Color32, Color32) {
    if visible { (colour, HALO) } else { (colour.gamma_multiply(0.45), Color32::TRANSPARENT) }
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact by construction")]
mod tests {
    use super::*;
    use egui::pos2;
    use optlab_core::surface::Surface;

    fn rect() -> Rect {
        Rect::from_min_size(pos2(0.0, 0.0), vec2(400.0, 300.0))
    }

    fn projection(view: View) -> Projection {
        Projection::new(view, rect(), [1.0, 1.0])
    }

    #[test]
    fn top_down_view_matches_the_map() {
        // Looking straight down with no yaw, +x is right and +y is up on screen.
        let p = projection(View { yaw: 0.0, pitch: std::f32::consts::FRAC_PI_2, zoom: 1.0 });
        let (centre, _) = p.project([0.0, 0.0, 0.0]);
        let (right, _) = p.project([0.5, 0.0, 0.0]);
        let (up, _) = p.project([0.0, 0.5, 0.0]);
        assert!((centre - rect().center()).length() < 1e-3);
        assert!(right.x > centre.x + 10.0 && (right.y - centre.y).abs() < 1e-3);
        assert!(up.y < centre.y - 10.0 && (up.x - centre.x).abs() < 1e-3);
        // Higher points are nearer the eye.
        assert!(p.project([0.0, 0.0, 0.3]).1 > p.project([0.0, 0.0, 0.0]).1);
    }

    #[test]
    fn the_block_fits_at_every_angle() {
        let p = projection(View::default());
        let (low, _) = p.project([0.2, 0.1, -0.3]);
        let (high, _) = p.project([0.2, 0.1, 0.3]);
        assert!(high.y < low.y);
        let floor = -0.5 * Z_SCALE - SKIRT;
        for corner in [[-1.0, -1.0, floor], [1.0, 1.0, 0.45], [1.0, -1.0, 0.45], [-1.0, 1.0, floor]]
        {
            for yaw in [0.0, 0.8, 2.0, -2.5] {
                for pitch in [PITCH_RANGE.0, 0.6, PITCH_RANGE.1] {
                    let p = projection(View { yaw, pitch, zoom: 1.0 }).project(corner).0;
                    assert!(rect().contains(p), "{corner:?} at yaw {yaw} pitch {pitch}: {p:?}");
                }
            }
        }
    }

    #[test]
    fn mesh_is_cached_per_surface_and_sorted_back_to_front() {
        let surface = Surface::Himmelblau;
        let view_box = surface.view_box();
        let grid = Arc::new(SurfaceGrid::sample(&surface, view_box, 64, 64));
        let mut cache = MeshCache::default();
        cache.update(&grid, view_box);
        cache.update(&grid, view_box);
        assert_eq!(cache.rebuilds, 1);
        // The grid, then two points per skirt vertex on four sides.
        assert_eq!(cache.world.len(), (CELLS + 1) * (CELLS + 1) + 4 * 2 * (CELLS + 1));
        assert_eq!(cache.world.len(), cache.colours.len());
        assert!(cache.world.iter().all(|p| p.iter().all(|c| c.is_finite())));
        let floor = -0.5 * Z_SCALE - SKIRT;
        assert!(cache.world.iter().all(|p| (floor..=0.5 * Z_SCALE).contains(&p[2])));
        let view = View::default();
        let first = cache.mesh(view, rect());
        // The whole surface, and the two skirt walls that face the eye.
        assert_eq!(first.indices.len(), 3 * (2 * CELLS * CELLS + 2 * 2 * CELLS));
        assert!(first.is_valid());
        // The same camera and size reuse the mesh; a new camera reprojects.
        assert!(Arc::ptr_eq(&first, &cache.mesh(view, rect())));
        let turned = View { yaw: 1.0, ..view };
        assert!(!Arc::ptr_eq(&first, &cache.mesh(turned, rect())));
        // Triangle depths never decrease along the index buffer.
        assert!(cache.order.windows(2).all(|w| w[0].0 <= w[1].0));
        // Paths are placed on the drawn mesh: at grid points exactly its height, in between
        // on the triangle's plane.
        let n = CELLS + 1;
        for (i, j) in [(0, 0), (7, 3), (CELLS, CELLS), (30, 59)] {
            let x = view_box.x_min + view_box.width() * i as f64 / CELLS as f64;
            let y = view_box.y_min + view_box.height() * j as f64 / CELLS as f64;
            let z = cache.mesh_z([x, y]).unwrap();
            assert!((z - cache.world[j * n + i][2]).abs() < 1e-5, "{i} {j}");
        }
        let mid = [
            view_box.x_min + view_box.width() * 7.5 / CELLS as f64,
            view_box.y_min + view_box.height() * 3.25 / CELLS as f64,
        ];
        let z = cache.mesh_z(mid).unwrap();
        let corners = [(7, 3), (8, 3), (8, 4), (7, 4)].map(|(i, j)| cache.world[j * n + i][2]);
        let (lo, hi) = corners
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &c| (l.min(c), h.max(c)));
        assert!((lo..=hi).contains(&z));
        // A new grid (another surface, or a finer pass) rebuilds the mesh.
        let beale = Arc::new(SurfaceGrid::sample(&Surface::Beale, Surface::Beale.view_box(), 8, 8));
        cache.update(&beale, Surface::Beale.view_box());
        assert_eq!(cache.rebuilds, 2);
        assert!(cache.drawn.is_none());
    }

    #[test]
    fn the_depth_buffer_hides_what_is_behind_a_hill() {
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(100.0, 100.0));
        // One big triangle at depth 0.5 over the left part of the rect.
        let positions = [pos2(0.0, 0.0), pos2(60.0, 0.0), pos2(0.0, 100.0)];
        let mut buffer = DepthBuffer::default();
        buffer.rasterise(rect, &positions, &[0.5, 0.5, 0.5], &[[0, 1, 2]]);
        assert!(buffer.hides(pos2(10.0, 10.0), 0.0)); // far behind it
        assert!(!buffer.hides(pos2(10.0, 10.0), 0.5)); // on it
        assert!(!buffer.hides(pos2(10.0, 10.0), 0.9)); // in front of it
        assert!(!buffer.hides(pos2(90.0, 90.0), 0.0)); // nothing there
        assert!(!buffer.hides(pos2(-5.0, 10.0), 0.0)); // outside the rect
        // Depth is interpolated across the triangle.
        let mut buffer = DepthBuffer::default();
        buffer.rasterise(rect, &positions, &[1.0, 0.0, 0.0], &[[0, 1, 2]]);
        assert!(buffer.hides(pos2(8.0, 8.0), 0.5));
        assert!(!buffer.hides(pos2(45.0, 5.0), 0.5));
    }

    #[test]
    fn a_segment_behind_a_hill_is_hidden_and_one_in_front_is_seen() {
        // A ridge across the rect: depth 0 at the left and right edges, 1 along x = 50.
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(100.0, 100.0));
        let positions = [
            pos2(0.0, 0.0),
            pos2(50.0, 0.0),
            pos2(100.0, 0.0),
            pos2(0.0, 100.0),
            pos2(50.0, 100.0),
            pos2(100.0, 100.0),
        ];
        let depths = [0.0, 1.0, 0.0, 0.0, 1.0, 0.0];
        let triangles = [[0, 1, 4], [0, 4, 3], [1, 2, 5], [1, 5, 4]];
        let mut buffer = DepthBuffer::default();
        buffer.rasterise(rect, &positions, &depths, &triangles);
        // Both ends in front of the slopes (depth 0.5 > 0.2), the middle behind the ridge.
        let behind = buffer.along((pos2(10.0, 50.0), 0.5), (pos2(90.0, 50.0), 0.5));
        assert!(behind.len() >= 20, "sampled about a cell apart: {}", behind.len());
        assert!(behind.first().is_some_and(|s| s.1) && behind.last().is_some_and(|s| s.1));
        let hidden: Vec<f32> = behind.iter().filter(|s| !s.1).map(|s| s.0.x).collect();
        assert!(
            !hidden.is_empty() && hidden.iter().all(|x| (25.0..75.0).contains(x)),
            "{hidden:?}"
        );
        assert!(hidden.iter().any(|x| (x - 50.0).abs() < 4.0));
        // In front of the ridge top: seen all along.
        let in_front = buffer.along((pos2(10.0, 50.0), 1.2), (pos2(90.0, 50.0), 1.2));
        assert!(in_front.iter().all(|s| s.1));
        // A zero-length segment is its end point.
        assert_eq!(buffer.along((pos2(50.0, 50.0), 2.0), (pos2(50.0, 50.0), 2.0)).len(), 1);
    }

    #[test]
    fn the_block_fills_the_panel() {
        // Wide and tall panels: the projected block touches 95 % of one side, centred.
        for size in [vec2(800.0, 400.0), vec2(400.0, 800.0), vec2(760.0, 870.0)] {
            let rect = Rect::from_min_size(pos2(10.0, 20.0), size);
            for view in [View::default(), View { yaw: 0.0, pitch: 0.6, zoom: 1.0 }] {
                let p = Projection::new(view, rect, [1.0, 1.0]);
                let mut bounds = Rect::NOTHING;
                for corner in [[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]] {
                    for z in [0.5 * Z_SCALE, -0.5 * Z_SCALE - SKIRT] {
                        bounds.extend_with(p.project([corner[0], corner[1], z]).0);
                    }
                }
                let filled = (bounds.width() / size.x).max(bounds.height() / size.y);
                assert!((filled - 0.95).abs() < 1e-3, "{size:?} {view:?}: {filled}");
                assert!((bounds.center() - rect.center()).length() < 0.5);
            }
        }
    }

    #[test]
    fn shading_darkens_and_camera_defaults() {
        assert_eq!(shaded(Color32::from_rgb(200, 100, 50), 0.5), Color32::from_rgb(100, 50, 25));
        assert_eq!(shaded(Color32::from_rgb(200, 100, 50), 1.0), Color32::from_rgb(200, 100, 50));
        let camera = Camera::default();
        assert!(camera.pitch > PITCH_RANGE.0 && camera.pitch < PITCH_RANGE.1);
        assert_eq!(camera.zoom, 1.0);
    }
}
