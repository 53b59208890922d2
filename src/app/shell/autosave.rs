//! The autosave folder: the notebook as last edited (`autosave.ron`), the session beside it
//! (`session.ron`), a small rotation of older autosaves (`autosave.1.ron` … `autosave.3.ron`),
//! and recovery when a file there does not load.
//!
//! A file that does not load is never overwritten: it is renamed aside with a timestamp
//! (`autosave-unreadable-2026-12-05T17-04-33Z.ron`) before anything new is written, the app
//! starts on the newest rotated autosave that loads (or the built-in notebook) and says so. If it
//! cannot be renamed, autosave stays off for the session rather than write over it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use optlab_core::files::{self, write_atomically};
use optlab_core::notebook::{LoadError, Notebook};

use super::notebook_file::read_notebook;

/// The autosaved notebook inside the autosave directory.
pub const AUTOSAVE_FILE: &str = "autosave.ron";
/// The session info beside it.
pub const SESSION_FILE: &str = "session.ron";
/// How many older autosaves are kept (`autosave.1.ron` is the newest of them).
pub const ROTATION: usize = 3;
/// The autosave is copied into the rotation at the first write of a session and then at most
/// this often, so the rotation spans minutes to sessions, not the last few keystrokes.
pub const ROTATE_EVERY: Duration = Duration::from_mins(10);

/// Which optlab wrote a session (shown when its autosave is too new to read).
fn this_build() -> String {
    format!(
        "optlab {} (notebook format {})",
        env!("CARGO_PKG_VERSION"),
        optlab_core::notebook::FORMAT_VERSION
    )
}

/// What the autosave file holds besides the notebook itself.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct SessionInfo {
    /// The file the notebook belongs to, if it was opened or saved.
    pub path: Option<PathBuf>,
    /// Whether it had changes not yet saved to that file.
    pub dirty: bool,
    /// Index of the selected entry.
    pub selected: usize,
    /// Recently opened or saved files, newest first (File > Open recent).
    pub recent: Vec<PathBuf>,
    /// The optlab that wrote this session, e.g. `optlab 0.1.0 (notebook format 1)`.
    pub written_by: Option<String>,
}

/// A file of the last session that did not load, and what happened instead.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovery {
    /// What failed: `FILE:LINE:COL: message` or `FILE: message`.
    pub problem: String,
    /// Where the file was kept (renamed aside), if it could be.
    pub kept_as: Option<PathBuf>,
    /// What the app started on instead.
    pub started_on: String,
    /// The optlab that wrote the session, when it is not this one.
    pub written_by: Option<String>,
}

impl Recovery {
    /// The whole story in a few sentences, for the status bar and the recovery window.
    #[must_use]
    pub fn message(&self) -> String {
        let written_by = self
            .written_by
            .as_ref()
            .map(|writer| format!(" It was written by {writer}; this is {}.", this_build()))
            .unwrap_or_default();
        let kept = self.kept_as.as_ref().map_or_else(
            || " It could not be moved aside, so autosave is off for this session.".to_owned(),
            |kept| {
                format!(
                    " The file is kept, unchanged, as {}: fix it in an editor and open it with \
                     File > Open.",
                    kept.display()
                )
            },
        );
        format!(
            "The last session did not load: {}.{written_by}{kept} optlab started on {}.",
            self.problem, self.started_on
        )
    }
}

/// The last session as found in the autosave folder.
#[derive(Debug)]
pub struct LastSession {
    /// The notebook to start on and the file it came from (`None`: nothing loadable).
    pub notebook: Option<(Notebook, PathBuf)>,
    /// The session info (default when missing or unreadable).
    pub info: SessionInfo,
    /// What did not load.
    pub recoveries: Vec<Recovery>,
    /// Whether autosaving may go on (every unreadable file was moved aside).
    pub autosave_safe: bool,
}

/// Reads the last session from `dir`, moving aside whatever does not load.
#[must_use]
pub fn load(dir: &Path) -> LastSession {
    let (info, session_recovery, session_safe) = load_session(dir);
    let mut last = load_notebook(dir, &info);
    last.autosave_safe &= session_safe;
    last.recoveries.extend(session_recovery);
    LastSession { info, ..last }
}

fn load_notebook(dir: &Path, info: &SessionInfo) -> LastSession {
    let mut last = LastSession {
        notebook: None,
        info: SessionInfo::default(),
        recoveries: Vec::new(),
        autosave_safe: true,
    };
    let current = dir.join(AUTOSAVE_FILE);
    let problem = match read_notebook(&current) {
        Ok(notebook) => {
            last.notebook = Some((notebook, current));
            return last;
        }
        Err(_) if !current.exists() => None,
        Err(problem) => Some(problem),
    };
    let kept_as = problem.as_ref().and_then(|_| keep_aside(&current, "autosave"));
    last.autosave_safe = problem.is_none() || kept_as.is_some();
    last.notebook = newest_rotated(dir);
    if let Some(problem) = problem {
        let started_on = last.notebook.as_ref().map_or_else(
            || "the built-in notebook".to_owned(),
            |(_, from)| format!("the previous autosave, {}", from.display()),
        );
        let written_by = info.written_by.clone().filter(|w| *w != this_build());
        last.recoveries.push(Recovery { problem, kept_as, started_on, written_by });
    }
    last
}

/// The newest rotated autosave that loads.
fn newest_rotated(dir: &Path) -> Option<(Notebook, PathBuf)> {
    (1..=ROTATION)
        .map(|k| rotated(dir, k))
        .find_map(|path| Some((read_notebook(&path).ok()?, path)))
}

/// The session info; an unreadable one is moved aside and replaced by the default.
fn load_session(dir: &Path) -> (SessionInfo, Option<Recovery>, bool) {
    let path = dir.join(SESSION_FILE);
    let text = match files::read_capped(&path, files::MAX_NOTEBOOK_BYTES) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| "not valid UTF-8 text".to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return (SessionInfo::default(), None, true);
        }
        Err(e) => Err(e.to_string()),
    };
    let parsed = text.and_then(|text| {
        ron::from_str::<SessionInfo>(&text).map_err(|e| LoadError::from(e).to_string())
    });
    match parsed {
        Ok(info) => (info, None, true),
        Err(message) => {
            let kept_as = keep_aside(&path, "session");
            let safe = kept_as.is_some();
            let problem = format!("{}:{message}", path.display());
            let started_on = "a fresh session (no file, no recent files)".to_owned();
            (
                SessionInfo::default(),
                Some(Recovery { problem, kept_as, started_on, written_by: None }),
                safe,
            )
        }
    }
}

/// Writes the notebook and the session; with `rotate`, the current autosave first moves into
/// the rotation.
///
/// # Errors
/// A sentence saying what could not be written.
pub fn write(
    dir: &Path,
    notebook: &Notebook,
    info: &SessionInfo,
    rotate: bool,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("autosave: {}: {e}", dir.display()))?;
    if rotate {
        rotate_autosaves(dir).map_err(|e| format!("autosave rotation failed: {e}"))?;
    }
    write_atomically(&dir.join(AUTOSAVE_FILE), &notebook.to_ron())
        .map_err(|e| format!("autosave failed: {e}"))?;
    let info = SessionInfo { written_by: Some(this_build()), ..info.clone() };
    let session = ron::to_string(&info).map_err(|e| format!("autosave: {e}"))?;
    write_atomically(&dir.join(SESSION_FILE), &session).map_err(|e| format!("autosave: {e}"))
}

/// `autosave.K.ron`.
#[must_use]
pub fn rotated(dir: &Path, k: usize) -> PathBuf {
    dir.join(format!("autosave.{k}.ron"))
}

/// Shifts the rotation by one (the oldest drops out) and copies the current autosave into
/// its first place. A copy, not a rename: the current file stays until its replacement is
/// written, so a crash in between loses nothing.
fn rotate_autosaves(dir: &Path) -> std::io::Result<()> {
    let current = dir.join(AUTOSAVE_FILE);
    if !current.is_file() {
        return Ok(());
    }
    for k in (1..ROTATION).rev() {
        let from = rotated(dir, k);
        if from.exists() {
            std::fs::rename(&from, rotated(dir, k + 1))?;
        }
    }
    std::fs::copy(&current, rotated(dir, 1)).map(|_| ())
}

/// Renames `path` to `STEM-unreadable-TIMESTAMP.ron` beside it (never over an existing file);
/// `None` if it cannot.
fn keep_aside(path: &Path, stem: &str) -> Option<PathBuf> {
    let dir = path.parent()?;
    let stamp = timestamp(SystemTime::now());
    let aside = (1..100).map(|n| {
        let suffix = if n == 1 { String::new() } else { format!("-{n}") };
        dir.join(format!("{stem}-unreadable-{stamp}{suffix}.ron"))
    });
    let free = aside.into_iter().find(|candidate| !candidate.exists())?;
    std::fs::rename(path, &free).ok().map(|()| free)
}

/// `2026-12-05T17-04-33Z`: UTC, sortable, and valid in a file name everywhere.
fn timestamp(time: SystemTime) -> String {
    let seconds = time.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days);
    let (h, m, s) = (of_day / 3600, of_day % 3600 / 60, of_day % 60);
    format!("{year:04}-{month:02}-{day:02}T{h:02}-{m:02}-{s:02}Z")
}

/// The Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_dates() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_490_273);
        assert_eq!(timestamp(at), "2026-12-05T17-04-33Z");
        assert_eq!(timestamp(SystemTime::UNIX_EPOCH), "1970-01-01T00-00-00Z");
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
