//! Reading and writing the user's files safely: bounded reads that never block on a FIFO or a
//! device, and saves that never destroy the previous file.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The largest notebook file optlab reads (64 MiB): far above any hand-written or saved
/// notebook, far below what would exhaust memory.
pub const MAX_NOTEBOOK_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a whole regular file of at most `max_bytes` bytes.
///
/// FIFOs, devices and directories are refused before they are opened (opening a FIFO would
/// wait for a writer), and a file that grows past `max_bytes` while it is read is refused
/// without reading the rest.
///
/// # Errors
/// The I/O error, or an [`io::ErrorKind::InvalidInput`] error saying what kind of file it is
/// or how large it is and what the limit is.
pub fn read_capped(path: &Path, max_bytes: u64) -> io::Result<Vec<u8>> {
    let metadata = fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(invalid(format!(
            "not a regular file (it is {}); optlab reads notebooks from regular files only",
            file_kind(&metadata)
        )));
    }
    if metadata.len() > max_bytes {
        return Err(too_large(metadata.len(), max_bytes));
    }
    let mut bytes = Vec::new();
    File::open(path)?.take(max_bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64, max_bytes));
    }
    Ok(bytes)
}

fn too_large(size: u64, max_bytes: u64) -> io::Error {
    invalid(format!(
        "the file is {} but optlab reads files of at most {}",
        human_bytes(size),
        human_bytes(max_bytes)
    ))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// What kind of non-regular file `metadata` describes, in words.
fn file_kind(metadata: &fs::Metadata) -> &'static str {
    let kind = metadata.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// A byte count in the largest unit that keeps it at least 1 (`1.2 MB`, `64 MiB`-style binary
/// units written as `MB`).
#[must_use]
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    #[expect(clippy::cast_precision_loss, reason = "a size shown with one decimal")]
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else if value.fract() == 0.0 {
        format!("{value} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// How a save treats a read-only file at its target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReadOnly {
    /// Refuse to replace it (the default: the user did not choose to).
    #[default]
    Refuse,
    /// Replace it, and keep it read-only (the user said so).
    Replace,
}

/// Writes `text` to `path` so that the old file survives any failure: the bytes go to a
/// temporary file beside the target, which is synced and then renamed over it.
///
/// What the old file was is kept: a symbolic link is followed and its target replaced (the link
/// stays a link), the file's permissions carry over to the new file, and a read-only file is
/// refused unless `read_only` says to replace it.
///
/// # Errors
/// Any I/O error, or [`io::ErrorKind::PermissionDenied`] for a refused read-only file; the
/// previous file at `path` is then untouched.
pub fn write_atomically_with(path: &Path, text: &str, read_only: ReadOnly) -> io::Result<()> {
    let target = resolve_links(path)?;
    let old_permissions = match fs::metadata(&target) {
        Ok(metadata) if metadata.is_file() => Some(metadata.permissions()),
        Ok(metadata) => {
            let kind = file_kind(&metadata);
            return Err(invalid(format!("cannot save over {kind}")));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if read_only == ReadOnly::Refuse
        && old_permissions.as_ref().is_some_and(fs::Permissions::readonly)
    {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "the file is read-only; optlab does not replace it unless you choose to",
        ));
    }
    let dir = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new().prefix(".optlab-save-").tempfile_in(dir)?;
    temp.write_all(text.as_bytes())?;
    if let Some(permissions) = old_permissions {
        temp.as_file().set_permissions(permissions)?;
    }
    temp.as_file().sync_all()?;
    temp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

/// [`write_atomically_with`] refusing read-only files.
///
/// # Errors
/// As [`write_atomically_with`].
pub fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    write_atomically_with(path, text, ReadOnly::Refuse)
}

/// The file a chain of symbolic links at `path` ends at (which need not exist yet); `path`
/// itself when it is not a link.
///
/// # Errors
/// A link that cannot be read, or a chain of more than 40 links (a loop).
pub fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_owned();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let next = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if next.is_relative() => parent.join(next),
                    _ => next,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(invalid(format!("{}: too many levels of symbolic links", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_short_units() {
        assert_eq!(human_bytes(12), "12 bytes");
        assert_eq!(human_bytes(64 * 1024 * 1024), "64 MB");
        assert_eq!(human_bytes(1_258_291), "1.2 MB");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_with_both_sizes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("big.ron");
        fs::write(&path, vec![b' '; 3000]).expect("written");
        let error = read_capped(&path, 2048).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(error.to_string(), "the file is 2.9 KB but optlab reads files of at most 2 KB");
        assert_eq!(read_capped(&path, 3000).expect("fits").len(), 3000);
    }

    #[cfg(unix)]
    #[test]
    fn saving_through_a_link_replaces_the_target_and_keeps_its_mode() {
        use std::os::unix::fs::{PermissionsExt, symlink};
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("real.ron");
        fs::write(&target, "old").expect("written");
        fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).expect("chmod");
        let link = dir.path().join("link.ron");
        symlink("real.ron", &link).expect("link");
        write_atomically(&link, "new").expect("saved");
        assert!(fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
        assert_eq!(fs::read_to_string(&target).expect("target"), "new");
        let mode = fs::metadata(&target).expect("target").permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_file_is_replaced_only_when_chosen_and_stays_read_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("frozen.ron");
        fs::write(&path, "old").expect("written");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).expect("chmod");
        let error = write_atomically(&path, "new").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(fs::read_to_string(&path).expect("kept"), "old");
        write_atomically_with(&path, "new", ReadOnly::Replace).expect("replaced on request");
        assert_eq!(fs::read_to_string(&path).expect("new"), "new");
        assert_eq!(fs::metadata(&path).expect("file").permissions().mode() & 0o777, 0o444);
    }

    #[cfg(unix)]
    #[test]
    fn a_save_over_a_fifo_is_refused_without_opening_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("pipe.ron");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(made.success());
        let error = write_atomically(&fifo, "text").unwrap_err();
        assert_eq!(error.to_string(), "cannot save over a FIFO");
        let error = read_capped(&fifo, 100).unwrap_err();
        assert!(error.to_string().contains("it is a FIFO"), "{error}");
    }

    #[test]
    fn a_directory_is_refused_by_kind() {
        let dir = tempfile::tempdir().expect("temp dir");
        let error = read_capped(dir.path(), 100).unwrap_err();
        assert!(error.to_string().contains("a directory"), "{error}");
    }
}
