//! Reading a notebook file for the window: bounded, never from a FIFO or a device, with the
//! file's name in every message and a count of the comments a save would drop.

use std::path::Path;

use optlab_core::files;
use optlab_core::notebook::{LoadError, Notebook};
use optlab_core::ron_comments::comment_lines;

/// Reads and parses a notebook file, with the file name in the message.
///
/// # Errors
/// `FILE:LINE:COL: message` for parse errors, `FILE: message` for I/O errors and for files
/// optlab does not read (not regular, or over [`files::MAX_NOTEBOOK_BYTES`]).
pub fn read_notebook(path: &Path) -> Result<Notebook, String> {
    read_notebook_counting_comments(path).map(|(notebook, _)| notebook)
}

/// [`read_notebook`], also counting the lines with comments (which a save would drop).
///
/// # Errors
/// As [`read_notebook`].
pub fn read_notebook_counting_comments(path: &Path) -> Result<(Notebook, usize), String> {
    let bytes = files::read_capped(path, files::MAX_NOTEBOOK_BYTES)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let notebook =
        Notebook::from_bytes(&bytes).map_err(|e: LoadError| format!("{}:{e}", path.display()))?;
    Ok((notebook, comment_lines(std::str::from_utf8(&bytes).unwrap_or_default())))
}
