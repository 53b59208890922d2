//! The open notebook: its file, its unsaved-changes state and its autosave.
//!
//! Nothing the user typed may be lost: every change is written to the autosave file shortly
//! after it happens (and on exit), atomically, and restored at the next start together with the
//! path of the file it belongs to.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use optlab_core::files::{self, ReadOnly, write_atomically_with};
use optlab_core::notebook::Notebook;

use super::autosave::{self, LastSession, ROTATE_EVERY, Recovery, SessionInfo};
use super::autosave_writer::Writer;
use super::notebook_file::read_notebook_counting_comments;

/// How long after the last edit the autosave is written.
pub const AUTOSAVE_DELAY: Duration = Duration::from_millis(300);

/// The notebook being edited.
#[derive(Debug)]
pub struct Document {
    /// The notebook as edited.
    pub notebook: Notebook,
    /// The file it was opened from or saved to.
    pub path: Option<PathBuf>,
    /// The notebook as last saved to or loaded from `path` (for the unsaved-changes marker);
    /// `None` when that is unknown (a restored session whose file is gone).
    saved: Option<Notebook>,
    /// Modification time of `path` when last read or written (for hot reload).
    disk_mtime: Option<SystemTime>,
    /// Where autosaves go (`None` disables autosave, e.g. in tests).
    autosave_dir: Option<PathBuf>,
    /// The notebook as last autosaved.
    autosaved: Option<Notebook>,
    /// When the current unsaved-to-autosave change was first seen.
    changed_at: Option<Instant>,
    /// The last autosave problem, shown in the status bar.
    pub autosave_error: Option<String>,
    /// When the autosave last moved into the rotation (`None`: not yet this session).
    rotated_at: Option<Instant>,
    /// The thread that writes autosaves (started at the first one).
    writer: Option<Writer>,
    /// Lines with comments in `path` as last read, which a save would drop; 0 once the user
    /// chose to save anyway.
    pub comments_in_file: usize,
}

/// What a save to a path would lose or override, asked about before it happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveQuestion {
    /// The file is hand-written with this many comment lines, which a save drops.
    DropsComments(usize),
    /// The file is read-only.
    ReadOnly,
}

/// The session an app starts on: the document, its session info and what did not load.
#[derive(Debug)]
pub struct Restored {
    /// The document (the built-in notebook when nothing could be restored).
    pub document: Document,
    /// The session info.
    pub info: SessionInfo,
    /// Files of the last session that did not load, and where they were kept.
    pub recoveries: Vec<Recovery>,
}

impl Document {
    /// A new document for `notebook`, not tied to a file.
    #[must_use]
    pub fn new(notebook: Notebook, autosave_dir: Option<PathBuf>) -> Self {
        Self {
            saved: Some(notebook.clone()),
            notebook,
            path: None,
            disk_mtime: None,
            autosave_dir,
            autosaved: None,
            changed_at: None,
            autosave_error: None,
            rotated_at: None,
            writer: None,
            comments_in_file: 0,
        }
    }

    /// Whether the notebook differs from its file (or, without a file, from how it started).
    #[must_use]
    pub fn dirty(&self) -> bool {
        self.saved.as_ref() != Some(&self.notebook)
    }

    /// The window title: file name, unsaved marker, notebook title.
    #[must_use]
    pub fn title(&self) -> String {
        let file = self
            .path
            .as_ref()
            .and_then(|p| p.file_name())
            .map_or_else(|| "untitled".to_owned(), |n| n.to_string_lossy().into_owned());
        let marker = if self.dirty() { "● " } else { "" };
        format!("{marker}{file} — {} — optlab", self.notebook.title)
    }

    /// Replaces the notebook with one from `path`.
    ///
    /// # Errors
    /// The file could not be read or parsed; the document is then unchanged.
    pub fn open(&mut self, path: &Path) -> Result<(), String> {
        let (notebook, comments) = read_notebook_counting_comments(path)?;
        self.comments_in_file = comments;
        self.saved = Some(notebook.clone());
        self.notebook = notebook;
        self.path = Some(path.to_owned());
        self.disk_mtime = mtime(path);
        Ok(())
    }

    /// Replaces the notebook with an unsaved copy of `notebook` (New, presets).
    pub fn replace_unsaved(&mut self, notebook: Notebook) {
        self.comments_in_file = 0;
        self.saved = Some(notebook.clone());
        self.notebook = notebook;
        self.path = None;
        self.disk_mtime = None;
    }

    /// Saves to `path` (atomically) and makes it the document's file.
    ///
    /// # Errors
    /// The message of the failed write; the previous file is untouched.
    pub fn save_as(&mut self, path: &Path) -> Result<(), String> {
        self.save_as_with(path, ReadOnly::Refuse)
    }

    /// What saving to `path` would drop or override, if anything: asked before the first save
    /// of a hand-written file with comments, and before replacing a read-only file.
    #[must_use]
    pub fn save_question(&self, path: &Path) -> Option<SaveQuestion> {
        let target = files::resolve_links(path).unwrap_or_else(|_| path.to_owned());
        if std::fs::metadata(&target).is_ok_and(|m| m.is_file() && m.permissions().readonly()) {
            return Some(SaveQuestion::ReadOnly);
        }
        let same_file = self.path.as_deref().is_some_and(|own| same_file(own, path));
        (same_file && self.comments_in_file > 0)
            .then_some(SaveQuestion::DropsComments(self.comments_in_file))
    }

    /// Saves to `path`, replacing a read-only file only if `read_only` says so.
    ///
    /// # Errors
    /// The message of the failed write; the previous file is untouched.
    pub fn save_as_with(&mut self, path: &Path, read_only: ReadOnly) -> Result<(), String> {
        write_atomically_with(path, &self.notebook.to_ron(), read_only)
            .map_err(|e| format!("could not save {}: {e}", path.display()))?;
        self.comments_in_file = 0;
        self.saved = Some(self.notebook.clone());
        self.path = Some(path.to_owned());
        self.disk_mtime = mtime(path);
        Ok(())
    }

    /// Re-reads the document's file, dropping edits.
    ///
    /// # Errors
    /// No file, or it could not be read or parsed; the document is then unchanged.
    pub fn revert(&mut self) -> Result<(), String> {
        let path = self.path.clone().ok_or("this notebook has no file to revert to")?;
        self.open(&path)
    }

    /// Whether the file changed on disk since it was last read or written here.
    #[must_use]
    pub fn changed_on_disk(&self) -> bool {
        match (&self.path, self.disk_mtime) {
            (Some(path), Some(known)) => mtime(path).is_some_and(|now| now != known),
            _ => false,
        }
    }

    /// Accepts the on-disk version as known without reloading it ("keep my version").
    pub fn ignore_disk_change(&mut self) {
        if let Some(path) = &self.path {
            self.disk_mtime = mtime(path);
        }
    }

    /// Autosaves when the notebook changed and has been still for [`AUTOSAVE_DELAY`], on the
    /// writer thread; with `now_please` (on exit) at once, waiting for the write. Returns
    /// whether it wrote (or queued a write).
    pub fn autosave_tick(&mut self, selected: usize, recent: &[PathBuf], now_please: bool) -> bool {
        self.collect_autosave_results();
        let Some(dir) = self.autosave_dir.clone() else { return false };
        if self.autosaved.as_ref() == Some(&self.notebook) && !now_please {
            self.changed_at = None;
            return false;
        }
        let since = *self.changed_at.get_or_insert_with(Instant::now);
        if !now_please && since.elapsed() < AUTOSAVE_DELAY {
            return false;
        }
        let info = SessionInfo {
            path: self.path.clone(),
            dirty: self.dirty(),
            selected,
            recent: recent.to_vec(),
            written_by: None,
        };
        let rotate = self.rotated_at.is_none_or(|at| at.elapsed() >= ROTATE_EVERY);
        let writer = self.writer.get_or_insert_with(Writer::spawn);
        let notebook = self.notebook.clone();
        if now_please {
            if let Err(e) = writer.write_now(dir, notebook, info, rotate) {
                self.autosave_error = Some(e);
                return false;
            }
            self.autosave_error = None;
        } else {
            writer.submit(dir, notebook, info, rotate);
        }
        self.autosaved = Some(self.notebook.clone());
        self.changed_at = None;
        if rotate {
            self.rotated_at = Some(Instant::now());
        }
        true
    }

    /// Takes in the results of finished autosaves: a failure shows in the status bar and the
    /// write is tried again after the next [`AUTOSAVE_DELAY`].
    fn collect_autosave_results(&mut self) {
        let Some(writer) = &self.writer else { return };
        for result in writer.finished() {
            match result {
                Ok(()) => self.autosave_error = None,
                Err(e) => {
                    self.autosave_error = Some(e);
                    self.autosaved = None;
                    self.changed_at = Some(Instant::now());
                }
            }
        }
    }

    /// Makes the next [`Document::autosave_tick`] write even without a notebook change (the
    /// session info, such as the recent-files list, changed).
    pub fn request_autosave(&mut self) {
        self.autosaved = None;
    }

    /// Restores the last session from `dir`: the autosaved notebook, or the newest rotated
    /// autosave that loads, or the built-in notebook. What did not load is kept aside, never
    /// overwritten, and listed in [`Restored::recoveries`].
    #[must_use]
    pub fn restore(dir: &Path) -> Restored {
        let LastSession { notebook, info, recoveries, autosave_safe } = autosave::load(dir);
        let autosave_dir = autosave_safe.then(|| dir.to_owned());
        let Some((notebook, from)) = notebook else {
            let document = Self::new(Notebook::default_notebook(), autosave_dir);
            return Restored { document, info, recoveries };
        };
        let mut document = Self::new(notebook.clone(), autosave_dir);
        let from_current = from.file_name() == Some(std::ffi::OsStr::new(autosave::AUTOSAVE_FILE));
        if from_current {
            document.autosaved = Some(notebook);
        }
        if let Some(path) = &info.path {
            document.path = Some(path.clone());
            document.disk_mtime = mtime(path);
            // The saved state is what is on disk, so the unsaved marker survives a crash.
            document.saved = read_notebook_counting_comments(path).ok().map(|(saved, comments)| {
                document.comments_in_file = comments;
                saved
            });
        } else if info.dirty || !from_current {
            document.saved = None;
        }
        if !autosave_safe {
            document.autosave_error =
                Some("autosave is off: an unreadable autosave could not be moved aside".into());
        }
        Restored { document, info, recoveries }
    }
}

/// Whether two paths name the same file (after following links), or are equal.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_autosaved_session_comes_back_with_its_file_and_unsaved_marker() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("mine.ron");
        let mut document = Document::new(Notebook::default_notebook(), Some(dir.path().into()));
        document.save_as(&file).expect("saved");
        document.notebook.title = "edited after saving".into();
        assert!(document.dirty());
        let recent = vec![file.clone()];
        assert!(document.autosave_tick(1, &recent, true));
        let Restored { document: restored, info, recoveries } = Document::restore(dir.path());
        assert!(recoveries.is_empty());
        assert_eq!(restored.notebook, document.notebook);
        assert_eq!(restored.path.as_deref(), Some(file.as_path()));
        assert!(restored.dirty(), "the edit is still unsaved after the restart");
        assert_eq!((info.selected, info.recent), (1, recent));
    }

    #[test]
    fn a_failed_save_keeps_the_document_and_says_why() {
        let dir = tempfile::tempdir().expect("temp dir");
        let good = dir.path().join("good.ron");
        let mut document = Document::new(Notebook::default_notebook(), None);
        document.save_as(&good).expect("saved");
        let before = std::fs::read_to_string(&good).expect("written");
        document.notebook.title = "changed".into();
        let error = document.save_as(&dir.path().join("missing-dir/x.ron")).unwrap_err();
        assert!(error.contains("could not save"), "{error}");
        assert_eq!(document.path.as_deref(), Some(good.as_path()));
        assert!(document.dirty());
        assert_eq!(std::fs::read_to_string(&good).expect("still there"), before);
    }
}
