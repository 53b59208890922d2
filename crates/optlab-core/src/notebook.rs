//! The saved document: a notebook of entries, each an experiment with notes, stored as RON.
//!
//! The format is a user-facing contract: people write these files by hand, share them and diff
//! them. So the output is pretty-printed with a fixed field order and round-tripping floats,
//! every field but an entry's name and experiment may be omitted, and unknown fields or variants
//! are refused with their line and column. Every file carries a `version`; [`Notebook::from_ron`]
//! reads the version first and upgrades older layouts before the current types see them.

use std::fmt;

use ron::extensions::Extensions;
use serde::{Deserialize, Serialize};

use crate::entries::{ConfigError, Experiment};

/// The layout version this build writes.
pub const FORMAT_VERSION: u32 = 1;

fn current_version() -> u32 {
    FORMAT_VERSION
}

/// A whole notebook: what File > Save writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notebook {
    /// Layout version of the file (see [`FORMAT_VERSION`]).
    #[serde(default = "current_version")]
    pub version: u32,
    /// Title shown in the window and in preset lists.
    #[serde(default)]
    pub title: String,
    /// The experiments, in reading order.
    #[serde(default)]
    pub entries: Vec<Entry>,
}

/// One notebook entry: an experiment with a name and free-text notes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Short name shown in the entry list.
    #[serde(deserialize_with = "crate::names::limited_name")]
    pub name: String,
    /// What to look at; free text written by the teacher or student.
    #[serde(default)]
    pub notes: String,
    /// The experiment itself.
    pub experiment: Experiment,
}

/// Why a notebook could not be read: a message with the 1-based line and column it refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong, including the allowed range for numbers.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for LoadError {}

impl From<ron::error::SpannedError> for LoadError {
    /// ron's position, and its message reworded where it shows the library's internals.
    fn from(e: ron::error::SpannedError) -> Self {
        let message = crate::ron_errors::describe(&e.code);
        Self { line: e.span.start.line, col: e.span.start.col, message }
    }
}

/// The RON dialect of notebooks: `start: (1.0, 2.0)` without `Some(…)`, and `Race(surface: …)`
/// without a second pair of parentheses. Both are on by default, so hand-written files need no
/// `#![enable(…)]` header.
fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(Extensions::IMPLICIT_SOME)
        .with_default_extension(Extensions::UNWRAP_VARIANT_NEWTYPES)
}

/// Reads only the version, ignoring everything else, to pick the upgrade path. A version this
/// build cannot read is refused while parsing, so the error points at the number.
#[derive(Deserialize)]
#[serde(rename = "Notebook")] // the name ron's messages show
struct VersionOnly {
    #[serde(default = "current_version", deserialize_with = "known_version")]
    version: u32,
}

fn known_version<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let version = <u32 as Deserialize>::deserialize(deserializer)?;
    match version {
        1..=FORMAT_VERSION => Ok(version),
        newer if newer > FORMAT_VERSION => Err(serde::de::Error::custom(format!(
            "this notebook has format version {newer}, newer than this optlab can read (versions \
             up to {FORMAT_VERSION}): update optlab to open it"
        ))),
        older => Err(serde::de::Error::custom(format!(
            "unknown format version {older}; the first version is 1"
        ))),
    }
}

impl Notebook {
    /// Parses a notebook from RON text, upgrading older layouts.
    ///
    /// # Errors
    /// A [`LoadError`] with the position of the first problem: a syntax error, an unknown field
    /// or variant, a number out of range, or a version newer than this build.
    pub fn from_ron(text: &str) -> Result<Self, LoadError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Self::parse(text).map_err(|mut e| {
            if e.message == crate::ron_errors::INTEGER_OUT_OF_BOUNDS {
                let reparse =
                    |probe: &str| Self::parse(probe).err().map(|p| (p.line, p.col, p.message));
                e.message = crate::ron_errors::explain_integer(text, (e.line, e.col), reparse);
            }
            e
        })
    }

    /// [`Self::from_ron`] without naming an integer's range.
    fn parse(text: &str) -> Result<Self, LoadError> {
        // Some Windows editors start UTF-8 files with a byte-order mark; it is not content.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.trim().is_empty() {
            return Err(LoadError {
                line: 1,
                col: 1,
                message: "the file is empty; a notebook is written `(title: …, entries: […])`"
                    .into(),
            });
        }
        let options = ron_options();
        let VersionOnly { version } = options.from_str(text)?;
        match version {
            // Version 1 is the current layout. A later layout change keeps the old types in a
            // `v1` module, parses them here and converts them to the current ones.
            FORMAT_VERSION => {
                let notebook: Self = options.from_str(text)?;
                notebook.check_semantics(text)?;
                Ok(notebook)
            }
            // `known_version` has refused every other version already.
            other => Err(LoadError {
                line: 1,
                col: 1,
                message: format!("unknown format version {other}; known versions: 1"),
            }),
        }
    }

    /// Parses a notebook from raw bytes, refusing invalid UTF-8 with its position.
    ///
    /// # Errors
    /// As [`Notebook::from_ron`], plus invalid UTF-8.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, LoadError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Self::from_ron(text),
            Err(e) => {
                // The prefix is valid UTF-8; count characters, as ron's columns do.
                let valid = String::from_utf8_lossy(&bytes[..e.valid_up_to()]);
                let line = valid.split('\n').count();
                let col = 1 + valid.chars().rev().take_while(|&c| c != '\n').count();
                Err(LoadError { line, col, message: "the file is not valid UTF-8 text".into() })
            }
        }
    }

    /// Semantic checks that the field-level parsers cannot make (a matrix's symmetry, two lists
    /// of equal length, the memory an entry needs as a whole). The error points at the entry's name in `text`, the nearest place the
    /// parser no longer knows, and names the entry.
    fn check_semantics(&self, text: &str) -> Result<(), LoadError> {
        for (index, entry) in self.entries.iter().enumerate() {
            let checked = entry.experiment.validate().map_err(|e| e.to_string());
            if let Err(e) = checked.and_then(|()| entry.experiment.check_fit()) {
                let quoted = format!("{:?}", entry.name);
                let (line, col) = text.find(&quoted).map_or((1, 1), |at| line_col(text, at));
                let message = format!("entry {} ({quoted}): {e}", index + 1);
                return Err(LoadError { line, col, message });
            }
        }
        Ok(())
    }

    /// Checks every number in every entry against its allowed range, and every entry's
    /// estimated peak memory against the budget.
    ///
    /// # Errors
    /// The first value out of range or entry over the memory budget.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.entries.iter().try_for_each(|entry| entry.experiment.validate())
    }

    /// The canonical RON text: pretty, fixed field order, floats that round-trip.
    #[must_use]
    pub fn to_ron(&self) -> String {
        let pretty = ron::ser::PrettyConfig::new()
            .indentor("    ".to_owned())
            .separate_tuple_members(false)
            .struct_names(false);
        // Serializing plain data to a String cannot fail; keep the document rather than panic.
        ron_options().to_string_pretty(self, pretty).map_or_else(
            |e| format!("// could not serialize the notebook: {e}\n"),
            |text| text + "\n",
        )
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
