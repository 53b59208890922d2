//! What the menus remember between frames: the open dialog, the action waiting for a "discard
//! unsaved changes?" answer, the reload offer and the native file dialog's thread.

use std::path::PathBuf;
use std::sync::mpsc::Receiver;

use super::document::SaveQuestion;

/// What waits for a "discard unsaved changes?" answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Pending {
    /// File > New.
    New,
    /// Open this file.
    Open(PathBuf),
    /// Open a built-in preset by name.
    Preset(&'static str),
    /// File > Revert.
    Revert,
    /// Close the window.
    Quit,
}

/// Which path dialog is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathDialog {
    /// File > Open….
    Open,
    /// File > Save As….
    SaveAs,
}

/// State of the menus' dialogs.
#[derive(Default)]
#[expect(clippy::struct_excessive_bools, reason = "independent yes/no states of separate dialogs")]
pub struct MenuState {
    /// The path dialog being shown, with its text.
    pub path_dialog: Option<(PathDialog, String)>,
    /// An action waiting for confirmation to discard edits.
    pub confirm: Option<Pending>,
    /// An action to do once the save the user chose before it has succeeded ("Save first").
    pub after_save: Option<Pending>,
    /// The open file changed on disk: offer to reload.
    pub offer_reload: bool,
    /// Help > Keyboard shortcuts.
    pub show_shortcuts: bool,
    /// Help > About.
    pub show_about: bool,
    /// The native file dialog came back without a file: say so under the path field.
    pub no_file_chosen: bool,
    /// Put the cursor in the path field at the next frame (once).
    pub focus_path: bool,
    /// A native file dialog running on its own thread.
    pub(super) browsing: Option<Receiver<Option<PathBuf>>>,
    /// A save waiting for an answer: it would drop comments or replace a read-only file.
    pub save_question: Option<(PathBuf, SaveQuestion)>,
    /// The window may close (the user confirmed).
    pub quit_confirmed: bool,
    /// Why the last notebook file did not open, shown in a window until dismissed.
    pub open_failure: Option<String>,
}
