//! The one harness the GUI tests share: the app in a headless window or in a bare panel, waits
//! that end on the app's own state, and short paths into the selected entry.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use optlab::app::{Document, OptlabApp};
use optlab_core::entries::Experiment;
use optlab_core::entries::race::Race;
use optlab_core::notebook::Notebook;

/// The whole app (eframe integration, 1600 × 1000) on `notebook`, with two worker threads.
pub fn window(notebook: Notebook) -> Harness<'static, OptlabApp> {
    window_on(Document::new(notebook, None))
}

/// The whole app on an open document.
pub fn window_on(document: Document) -> Harness<'static, OptlabApp> {
    Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .with_context_setup(optlab::app::install_fonts)
        .build_eframe(move |cc| OptlabApp::new(document, 0, &cc.egui_ctx, 2))
}

/// The whole app on the built-in notebook `name`.
pub fn preset_window(name: &str) -> Harness<'static, OptlabApp> {
    let notebook = optlab_core::presets::find(name)
        .and_then(|p| p.notebook().ok())
        .unwrap_or_else(|| panic!("the {name} preset loads"));
    window(notebook)
}

/// The app drawn into a plain `Ui` (1400 × 900, one worker thread), as the control tests use it.
pub fn panel(notebook: Notebook) -> Harness<'static, OptlabApp> {
    let document = Document::new(notebook, None);
    let app = OptlabApp::new(document, 0, &egui::Context::default(), 1);
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .with_context_setup(optlab::app::install_fonts)
        .build_ui_state(|ui, app: &mut OptlabApp| app.draw(ui), app)
}

/// Steps the harness until `done` holds, for at most five minutes (an animating race never lets
/// `run()` settle, so the tests wait on the state they need). The limit is a hang guard, not a
/// speed check: the longest preset (`edge-of-stability`, 3000 epochs with sharpness tracking)
/// takes about a minute on a loaded 2-core machine.
pub fn step_until(h: &mut Harness<'_, OptlabApp>, what: &str, done: impl Fn(&OptlabApp) -> bool) {
    let deadline = Instant::now() + Duration::from_mins(5);
    while !done(h.state()) {
        assert!(Instant::now() < deadline, "waited five minutes for: {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The selected entry's experiment, for editing.
pub fn experiment<'a>(h: &'a mut Harness<'_, OptlabApp>) -> &'a mut Experiment {
    let app = h.state_mut();
    &mut app.document.notebook.entries[app.selected].experiment
}

/// The selected race.
pub fn race(app: &OptlabApp) -> &Race {
    app.document.notebook.entries[app.selected].experiment.race().expect("a race entry")
}

/// The selected race, for editing.
pub fn race_mut(app: &mut OptlabApp) -> &mut Race {
    app.document.notebook.entries[app.selected].experiment.race_mut().expect("a race entry")
}
