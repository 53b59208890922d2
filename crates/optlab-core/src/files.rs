//! Reading and writing the user's files safely: bounded reads that never block on a FIFO or a
//! device, and saves that never destroy the previous file.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

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

    #[test]
    fn a_directory_is_refused_by_kind() {
        let dir = tempfile::tempdir().expect("temp dir");
        let error = read_capped(dir.path(), 100).unwrap_err();
        assert!(error.to_string().contains("a directory"), "{error}");
    }
}
