//! App CPU time per frame: the egui pass over the whole window (`Context::run_ui`) plus
//! tessellation, with 8 runs of 10 000 steps on screen, their results fully computed. This is
//! the work a frame costs before the GPU sees it. Run with `cargo bench --bench frame`.

use std::time::{Duration, Instant};

use divan::Bencher;
use optlab::app::{Document, OptlabApp};
use optlab_core::entries::race::RaceRun;
use optlab_core::notebook::Notebook;
use optlab_core::optim::OptimizerConfig;
use optlab_core::schedule::Schedule;

fn main() {
    divan::main();
}

/// The default notebook widened to 8 runs of 10 000 steps.
fn eight_runs() -> Notebook {
    let mut notebook = Notebook::default_notebook();
    let race = notebook.entries[0].experiment.race_mut().expect("a race entry");
    race.steps = 10_000;
    let catalogue = OptimizerConfig::catalogue();
    race.runs = (0..8)
        .map(|i| RaceRun {
            name: format!("run {i}"),
            enabled: true,
            color: None,
            optimizer: catalogue[i % catalogue.len()].clone(),
            schedule: Schedule::Constant,
        })
        .collect();
    notebook
}

fn raw_input(time: f64) -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            optlab::app::WINDOW_SIZE.into(),
        )),
        time: Some(time),
        ..egui::RawInput::default()
    }
}

/// One frame: the egui pass plus tessellation.
fn frame(ctx: &egui::Context, app: &mut OptlabApp, time: f64) -> usize {
    app.tick(time);
    let output = ctx.run_ui(raw_input(time), |ui| app.draw(ui));
    ctx.tessellate(output.shapes, output.pixels_per_point).len()
}

/// Builds the app and waits until every run is computed, so only drawing is measured.
fn ready_app(ctx: &egui::Context) -> OptlabApp {
    optlab::app::install_fonts(ctx);
    let mut app = OptlabApp::new(Document::new(eight_runs(), None), 0, ctx, 2);
    let deadline = Instant::now() + Duration::from_mins(2);
    let mut time = 0.0;
    loop {
        frame(ctx, &mut app, time);
        time += 1.0 / 60.0;
        if !app.results.pending() && app.results.computed_steps() == 10_000 {
            break;
        }
        assert!(Instant::now() < deadline, "runs did not finish computing");
        std::thread::sleep(Duration::from_millis(5));
    }
    app.playback.seek(10_000);
    app
}

#[divan::bench]
fn map_view_8_runs_10k_steps(bencher: Bencher) {
    let ctx = egui::Context::default();
    let mut app = ready_app(&ctx);
    let mut time = 100.0;
    bencher.bench_local(|| {
        time += 1.0 / 60.0;
        frame(&ctx, &mut app, time)
    });
}

/// The pause between two frames of a 60 Hz window.
const FRAME_PAUSE: Duration = Duration::from_millis(16);

/// As [`map_view_8_runs_10k_steps`], but each frame comes 16 ms after the last, as in the
/// window: back to back, a frame finds its data in the core's caches; at the window's pace
/// other work (on a virtual machine, other guests) has evicted part of it, and on the machine
/// this was written on such a frame cost up to twice as much. One frame per sample, so the
/// pause (made as the sample's input) is not timed.
#[divan::bench(sample_size = 1, sample_count = 300)]
fn map_view_8_runs_10k_steps_paced(bencher: Bencher) {
    let ctx = egui::Context::default();
    let mut app = ready_app(&ctx);
    let mut time = 100.0;
    bencher.with_inputs(|| std::thread::sleep(FRAME_PAUSE)).bench_local_values(|()| {
        time += 1.0 / 60.0;
        frame(&ctx, &mut app, time)
    });
}

#[divan::bench]
fn surface_3d_view_8_runs_10k_steps(bencher: Bencher) {
    let ctx = egui::Context::default();
    let mut app = ready_app(&ctx);
    app.space_view = optlab::app::SpaceView::Surface3d;
    let mut time = 100.0;
    bencher.bench_local(|| {
        time += 1.0 / 60.0;
        frame(&ctx, &mut app, time)
    });
}

/// Playback: the step moves every frame, so every run's cached geometry is rebuilt each time.
#[divan::bench]
fn map_view_8_runs_playing(bencher: Bencher) {
    let ctx = egui::Context::default();
    let mut app = ready_app(&ctx);
    let mut time = 100.0;
    let mut step = 5_000;
    bencher.bench_local(|| {
        time += 1.0 / 60.0;
        step = if step >= 10_000 { 5_000 } else { step + 7 };
        app.playback.seek(step);
        frame(&ctx, &mut app, time)
    });
}

/// The default notebook's race on the big formula, with two runs of 200 steps.
fn big_formula_notebook() -> Notebook {
    let mut notebook = Notebook::default_notebook();
    notebook.entries.truncate(1);
    let race = notebook.entries[0].experiment.race_mut().expect("a race entry");
    let formula =
        optlab_core::expr::Formula::new(&optlab::bench::big_formula()).expect("the formula parses");
    race.surface = optlab_core::surface::Surface::Expression(formula);
    race.start = None;
    race.steps = 200;
    race.runs.truncate(2);
    notebook
}

/// Median, 95th percentile and maximum of `times`, in milliseconds, and how many are over the
/// 4 ms budget.
#[expect(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "an index into a few thousand frame times"
)]
fn summary(times: &mut [Duration]) -> String {
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let over = times.iter().filter(|t| ms(**t) > 4.0).count();
    format!(
        "{} frames: median {:.2} ms, p95 {:.2} ms, max {:.2} ms, {over} over 4 ms",
        times.len(),
        ms(at(0.5)),
        ms(at(0.95)),
        ms(times[times.len() - 1])
    )
}

/// One frame with the pointer at `pointer` (hovering the map asks for the loss under it).
fn frame_at(ctx: &egui::Context, app: &mut OptlabApp, time: f64, pointer: egui::Pos2) -> Duration {
    frame_timed(ctx, app, time, pointer).0
}

/// One frame's wall time and the window thread's CPU time (which leaves out the time the
/// operating system gave the background threads instead: on 2 cores they compete).
fn frame_timed(
    ctx: &egui::Context,
    app: &mut OptlabApp,
    time: f64,
    pointer: egui::Pos2,
) -> (Duration, Option<Duration>) {
    let cpu = cpu_time::ThreadTime::try_now().ok();
    let started = Instant::now();
    app.tick(time);
    let mut input = raw_input(time);
    input.events.push(egui::Event::PointerMoved(pointer));
    let output = ctx.run_ui(input, |ui| app.draw(ui));
    ctx.tessellate(output.shapes, output.pixels_per_point);
    (started.elapsed(), cpu.and_then(|t| t.try_elapsed().ok()))
}

/// Frames at 60 per second until the shown view's surface picture is finished (for at most
/// `cap`), then 300 more if it finished; returns the frame times of both phases.
fn frames_until_finished(
    ctx: &egui::Context,
    app: &mut OptlabApp,
    time: &mut f64,
    cap: Duration,
) -> (Phase, Phase) {
    let deadline = Instant::now() + cap;
    let (mut during, mut after) = (Phase::default(), Phase::default());
    let mut i = 0u16;
    let mut pointer = || {
        i = i.wrapping_add(1);
        egui::pos2(760.0 + f32::from(i % 40), 480.0)
    };
    while !app.surface_picture().complete && Instant::now() < deadline {
        *time += 1.0 / 60.0;
        during.push(frame_timed(ctx, app, *time, pointer()));
        std::thread::sleep(Duration::from_millis(16));
    }
    if app.surface_picture().complete {
        for _ in 0..300 {
            *time += 1.0 / 60.0;
            after.push(frame_timed(ctx, app, *time, pointer()));
            std::thread::sleep(Duration::from_millis(16));
        }
    }
    (during, after)
}

/// The frame times of one phase: wall clock and the window thread's CPU time.
#[derive(Default)]
struct Phase {
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
}

impl Phase {
    fn push(&mut self, (wall, cpu): (Duration, Option<Duration>)) {
        self.wall.push(wall);
        self.cpu.extend(cpu);
    }
}

/// The summary of a phase (wall, then CPU time), or why it has none.
fn phase(times: &mut Phase) -> String {
    if times.wall.is_empty() {
        return "not reached".to_owned();
    }
    let wall = summary(&mut times.wall);
    if times.cpu.is_empty() {
        wall
    } else {
        format!("{wall}; CPU time {}", summary(&mut times.cpu))
    }
}

/// A formula of about 1.2 MB on screen: every frame's app work (tick, egui pass, tessellation,
/// with the pointer moving over the map) while the map's 256 × 256 grid and the 3D view's
/// 128 × 128 grid are computed in the background, and once they are finished. Prints median,
/// p95 and max; the budget is 4 ms a frame. Runs once and takes minutes (the map's grid alone
/// is 65 536 evaluations of the formula, milliseconds each).
#[divan::bench(sample_count = 1, sample_size = 1)]
fn big_formula_frame_times() {
    let notebook = big_formula_notebook();
    let surface = &notebook.entries[0].experiment.race().expect("a race").surface;
    let started = Instant::now();
    for i in 0..50 {
        std::hint::black_box(surface.value([-2.0 + 0.08 * f64::from(i), 0.5]));
    }
    let one = started.elapsed().as_secs_f64() / 50.0;
    println!(
        "big formula: one evaluation {:.2} ms; before, the first frame sampled the map's \
         256 × 256 grid on the window's thread: about {:.0} s",
        one * 1e3,
        one * 65_536.0
    );
    // For comparison: the first frames of the default notebook (fonts, first layout).
    let ctx = egui::Context::default();
    optlab::app::install_fonts(&ctx);
    let default = Document::new(Notebook::default_notebook(), None);
    let mut app = OptlabApp::new(default, 0, &ctx, 2);
    let first = (1..=3)
        .map(|i| frame_at(&ctx, &mut app, f64::from(i) / 60.0, egui::pos2(760.0, 480.0)))
        .max()
        .unwrap_or_default();
    println!("default notebook, first 3 frames: max {:.2} ms", first.as_secs_f64() * 1e3);
    drop(app);
    let ctx = egui::Context::default();
    optlab::app::install_fonts(&ctx);
    let mut app = OptlabApp::new(Document::new(notebook, None), 0, &ctx, 2);
    let mut time = 0.0;
    let mut first = Duration::ZERO;
    for _ in 0..3 {
        time += 1.0 / 60.0;
        first = first.max(frame_at(&ctx, &mut app, time, egui::pos2(760.0, 480.0)));
    }
    println!("big formula, first 3 frames: max {:.2} ms", first.as_secs_f64() * 1e3);
    // The map for a minute while its grid is computed (a quarter of an hour would finish it).
    let (mut during, _) = frames_until_finished(&ctx, &mut app, &mut time, Duration::from_mins(1));
    println!("big formula, map, while its grid is computed: {}", phase(&mut during));
    // The 3D view's grid (128 × 128) until it is finished, and after.
    app.space_view = optlab::app::SpaceView::Surface3d;
    let (mut during, mut after) =
        frames_until_finished(&ctx, &mut app, &mut time, Duration::from_mins(10));
    println!("big formula, 3D, while its grid is computed: {}", phase(&mut during));
    println!("big formula, 3D, finished: {}", phase(&mut after));
    // Back to the map: its grid went on meanwhile.
    app.space_view = optlab::app::SpaceView::Map;
    let (mut during, mut after) =
        frames_until_finished(&ctx, &mut app, &mut time, Duration::from_mins(10));
    println!("big formula, map, while its grid is computed: {}", phase(&mut during));
    println!("big formula, map, finished: {}", phase(&mut after));
}
