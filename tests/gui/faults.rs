//! Faults around the user's files, as a crashing machine or a hostile file system makes them:
//! a corrupt or newer-version autosave, a FIFO where the session should be, saves through a
//! link, onto a read-only file, or over a hand-written file with comments. Nothing is lost, the
//! app says what happened, and nothing blocks.

use std::fs;
use std::path::Path;

use egui_kittest::kittest::Queryable;
use optlab::app::autosave::{self, AUTOSAVE_FILE, SESSION_FILE};
use optlab::app::{Document, OptlabApp, Restored, SaveQuestion};
use optlab_core::notebook::Notebook;

use crate::harness;

/// A notebook different from the built-in one, autosaved into `dir` by a first session.
fn first_session(dir: &Path, title: &str) -> Notebook {
    let mut document = Document::new(Notebook::default_notebook(), Some(dir.to_owned()));
    document.notebook.title = title.into();
    assert!(document.autosave_tick(0, &[], true), "the first session autosaves");
    document.notebook.clone()
}

/// The files in `dir` whose names start with `prefix`.
fn files_starting(dir: &Path, prefix: &str) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(prefix)))
        .collect();
    found.sort();
    found
}

#[test]
fn a_truncated_autosave_is_kept_aside_and_never_overwritten() {
    let dir = tempfile::tempdir().expect("temp dir");
    first_session(dir.path(), "my whole notebook");
    let text = fs::read_to_string(dir.path().join(AUTOSAVE_FILE)).expect("autosaved");
    let truncated = &text[..text.len() / 2];
    fs::write(dir.path().join(AUTOSAVE_FILE), truncated).expect("truncated");

    let Restored { mut document, recoveries, .. } = Document::restore(dir.path());
    assert_eq!(recoveries.len(), 1, "{recoveries:?}");
    let recovery = &recoveries[0];
    let kept = recovery.kept_as.clone().expect("kept aside");
    assert!(recovery.problem.starts_with(&dir.path().join(AUTOSAVE_FILE).display().to_string()));
    assert!(recovery.problem.split(':').nth(1).is_some_and(|l| l.parse::<usize>().is_ok()));
    assert_eq!(fs::read_to_string(&kept).expect("kept"), truncated);
    // The new session autosaves at once; the kept file is untouched by it.
    assert!(document.autosave_tick(0, &[], true));
    assert_eq!(fs::read_to_string(&kept).expect("still kept"), truncated);
    assert_eq!(files_starting(dir.path(), "autosave-unreadable-"), vec![kept]);
}

#[test]
fn a_corrupt_autosave_falls_back_to_the_rotation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let before = first_session(dir.path(), "yesterday's notebook");
    // The next session's first autosave moves yesterday's into the rotation.
    let mut today = Document::restore(dir.path()).document;
    today.notebook.title = "today's notebook".into();
    assert!(today.autosave_tick(0, &[], true));
    let rotated = autosave::rotated(dir.path(), 1);
    assert_eq!(
        Notebook::from_ron(&fs::read_to_string(&rotated).expect("rotated")),
        Ok(before.clone())
    );
    fs::write(dir.path().join(AUTOSAVE_FILE), "(title: \"broken").expect("corrupted");

    let Restored { document, recoveries, .. } = Document::restore(dir.path());
    assert_eq!(document.notebook, before, "the newest rotated autosave that loads");
    assert!(document.dirty(), "a recovered notebook counts as unsaved");
    assert!(recoveries[0].started_on.contains("autosave.1.ron"), "{:?}", recoveries[0]);
}

#[test]
fn a_newer_version_autosave_names_the_version_that_wrote_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    first_session(dir.path(), "from the future");
    let path = dir.path().join(AUTOSAVE_FILE);
    let newer =
        fs::read_to_string(&path).expect("autosaved").replacen("version: 1", "version: 2", 1);
    fs::write(&path, &newer).expect("written");
    let session = fs::read_to_string(dir.path().join(SESSION_FILE)).expect("session");
    let from_later = session.replace(env!("CARGO_PKG_VERSION"), "9.0.0");
    fs::write(dir.path().join(SESSION_FILE), from_later).expect("written");

    let Restored { recoveries, document, .. } = Document::restore(dir.path());
    let message = recoveries[0].message();
    assert!(message.contains("format version 2"), "{message}");
    assert!(message.contains("written by optlab 9.0.0"), "{message}");
    assert!(message.contains("the built-in notebook"), "{message}");
    assert_eq!(document.notebook, Notebook::default_notebook());
    let kept = recoveries[0].kept_as.as_ref().expect("kept");
    assert_eq!(fs::read_to_string(kept).expect("kept"), newer);
}

#[test]
fn a_corrupt_session_file_is_kept_and_the_notebook_still_comes_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let notebook = first_session(dir.path(), "kept");
    fs::write(dir.path().join(SESSION_FILE), "(path: Some(\"x\"), selected: oops)")
        .expect("written");
    let Restored { document, recoveries, .. } = Document::restore(dir.path());
    assert_eq!(document.notebook, notebook);
    assert_eq!(recoveries.len(), 1);
    assert!(recoveries[0].problem.contains("session.ron:1:"), "{:?}", recoveries[0]);
    assert!(files_starting(dir.path(), "session-unreadable-").len() == 1);
}

#[cfg(unix)]
#[test]
fn a_fifo_in_place_of_the_session_does_not_block_the_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let notebook = first_session(dir.path(), "beside a fifo");
    let session = dir.path().join(SESSION_FILE);
    fs::remove_file(&session).expect("removed");
    let made = std::process::Command::new("mkfifo").arg(&session).status().expect("mkfifo runs");
    assert!(made.success());
    // Opening a FIFO for reading would wait for a writer forever; this returns.
    let Restored { document, recoveries, .. } = Document::restore(dir.path());
    assert_eq!(document.notebook, notebook);
    assert!(recoveries[0].problem.contains("a FIFO"), "{:?}", recoveries[0]);
    let mut other = Document::new(Notebook::default_notebook(), None);
    let refused = other.open(&files_starting(dir.path(), "session-unreadable-")[0]).unwrap_err();
    assert!(refused.contains("not a regular file (it is a FIFO)"), "{refused}");
}

#[test]
fn the_window_says_what_did_not_load_and_where_it_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    first_session(dir.path(), "lost?");
    fs::write(dir.path().join(AUTOSAVE_FILE), "(title: \"lost?\", entries: [(").expect("written");
    let Restored { document, recoveries, .. } = Document::restore(dir.path());
    let kept = recoveries[0].kept_as.clone().expect("kept");
    let mut h = harness::window_on(document);
    h.state_mut().recoveries = recoveries;
    h.step();
    h.step();
    h.get_by_label("⚠ The last session did not load");
    h.get_by_label(&kept.display().to_string());
    h.get_by_label("Try to open it now").click();
    h.step();
    h.step();
    let app: &OptlabApp = h.state();
    assert!(app.recoveries.is_empty(), "the window closes");
    let said = app.messages.last().expect("a message");
    assert!(said.contains(&kept.display().to_string()) && said.contains(":1:"), "{said}");
}

#[cfg(unix)]
#[test]
fn saving_through_a_link_writes_its_target() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("real.ron");
    fs::write(&target, Notebook::default_notebook().to_ron()).expect("written");
    let link = dir.path().join("link.ron");
    std::os::unix::fs::symlink(&target, &link).expect("link");
    let mut document = Document::new(Notebook::default_notebook(), None);
    document.open(&link).expect("opened through the link");
    document.notebook.title = "edited".into();
    assert_eq!(document.save_question(&link), None);
    document.save_as(&link).expect("saved");
    assert!(fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
    assert!(fs::read_to_string(&target).expect("target").contains("title: \"edited\""));
}

#[cfg(unix)]
#[test]
fn a_read_only_file_is_asked_about_and_stays_read_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("frozen.ron");
    let original = Notebook::default_notebook().to_ron();
    fs::write(&path, &original).expect("written");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).expect("chmod");
    let mut document = Document::new(Notebook::default_notebook(), None);
    document.open(&path).expect("opened");
    document.notebook.title = "edited".into();
    assert_eq!(document.save_question(&path), Some(SaveQuestion::ReadOnly));
    let refused = document.save_as(&path).unwrap_err();
    assert!(refused.contains("read-only"), "{refused}");
    assert_eq!(fs::read_to_string(&path).expect("unchanged"), original);
    assert!(document.dirty());
}

#[test]
fn the_first_save_of_a_commented_file_asks_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hand.ron");
    let text = "// my notes\n(\n    title: \"by hand\", // the title\n    entries: [],\n)\n";
    fs::write(&path, text).expect("written");
    let mut h = harness::window(Notebook::default_notebook());
    h.state_mut().document.open(&path).expect("opened");
    h.state_mut().document.notebook.title = "changed".into();
    assert_eq!(h.state().document.save_question(&path), Some(SaveQuestion::DropsComments(2)));
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.step();
    h.step();
    assert_eq!(fs::read_to_string(&path).expect("not yet saved"), text);
    h.get_by_label("Save without the comments").click();
    h.step();
    h.step();
    let saved = fs::read_to_string(&path).expect("saved");
    assert!(saved.contains("title: \"changed\"") && !saved.contains("//"), "{saved}");
    assert_eq!(h.state().document.save_question(&path), None, "asked once");
}

#[test]
fn autosaves_are_written_off_the_window_thread_and_failures_are_shown() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut document = Document::new(Notebook::default_notebook(), Some(dir.path().to_owned()));
    document.notebook.title = "written in the background".into();
    assert!(!document.autosave_tick(0, &[], false), "waits for the edit to settle");
    std::thread::sleep(optlab::app::AUTOSAVE_DELAY);
    assert!(document.autosave_tick(0, &[], false), "queued");
    let path = dir.path().join(AUTOSAVE_FILE);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !fs::read_to_string(&path).is_ok_and(|t| t.contains("written in the background")) {
        assert!(std::time::Instant::now() < deadline, "the writer thread wrote the autosave");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // A folder that cannot be created (a file is in the way): the error reaches the document.
    let blocked = dir.path().join("blocked");
    fs::write(&blocked, "a file, not a folder").expect("written");
    let mut stuck = Document::new(Notebook::default_notebook(), Some(blocked.join("optlab")));
    stuck.notebook.title = "cannot be autosaved".into();
    assert!(!stuck.autosave_tick(0, &[], true));
    assert!(stuck.autosave_error.as_ref().is_some_and(|e| e.contains("autosave")));
}

#[test]
fn save_first_saves_and_then_does_what_was_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mine.ron");
    let mut document = Document::new(Notebook::default_notebook(), None);
    document.notebook.title = "my unsaved work".into();
    let mut h = harness::window_on(document);
    h.step();
    let preset = optlab_core::presets::builtin().iter().next().expect("a preset");
    h.get_by_label("Presets").click();
    for _ in 0..3 {
        h.step();
    }
    h.get_by_label(&preset.title()).click();
    for _ in 0..3 {
        h.step();
    }
    h.get_by_label("Save first").click();
    for _ in 0..3 {
        h.step();
    }
    // No file yet: Save As asks for one; the preset waits for the save.
    let field = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "File path:");
    field.click();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "File path:")
        .type_text(&path.display().to_string());
    h.step();
    h.get_by_label("Save").click();
    for _ in 0..3 {
        h.step();
    }
    let saved = fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("saved first: {e}; {:?}", h.state().messages));
    assert!(saved.contains("my unsaved work"), "{saved}");
    let opened = preset.notebook().expect("the preset loads");
    assert_eq!(h.state().document.notebook.title, opened.title, "then the preset opened");
}

#[test]
fn a_run_that_diverges_at_its_start_is_reported_not_left_computing() {
    let text = "(entries: [(name: \"undefined at the start\", experiment: Race(surface: \
                Expression(\"log(x) + y^2\"), start: (-2.0, 0.0), runs: [(name: \"SGD\", \
                optimizer: Sgd(lr: 0.1))]))])";
    let notebook = Notebook::from_ron(text).expect("loads");
    let mut h = harness::window(notebook);
    harness::step_until(&mut h, "the run to finish", |app| !app.results.pending());
    for _ in 0..3 {
        h.step();
    }
    assert!(h.query_by_label("computing…").is_none(), "the table still says computing");
    h.get_by_label("at step 0");
}
