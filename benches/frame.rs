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
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1600.0, 1000.0))),
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
