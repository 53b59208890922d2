//! The saved document: a notebook of entries, each an experiment with notes, stored as RON.
//!
//! The format is a user-facing contract: people write these files by hand, share them and diff
//! them. So the output is pretty-printed with a fixed field order and round-tripping floats,
//! every field but an entry's name and experiment may be omitted, and unknown fields or variants
//! are refused with their line and column. Every file carries a `version`; [`Notebook::from_ron`]
//! reads the version first and upgrades older layouts before the current types see them.

use std::fmt;
use std::io::{self, Write};
use std::path::Path;

use ron::extensions::Extensions;
use serde::{Deserialize, Serialize};

use crate::assignment::AssignmentLab;
use crate::labs::Lab;
use crate::limits::{Limit, LimitError};
use crate::optim::OptimizerConfig;
use crate::regularize::{DropConnectLab, DropoutLab, FracPoolLab, StochDepthLab};
use crate::run::{NOISE_SIGMA, RunConfig};
use crate::schedule::Schedule;
use crate::surface::{Point, Surface};
use crate::sweep::{BasinLab, SweepLab};
use crate::train::TrainingLab;

/// The layout version this build writes.
pub const FORMAT_VERSION: u32 = 1;

/// Steps of one race run: at least one update, at most ten million (the GUI keeps a bounded,
/// decimated trace; the CLI streams).
pub const STEPS: Limit = Limit::closed("steps", 1.0, 1e7);
/// Loss gap below which a run counts as having reached the minimum.
pub const TOLERANCE: Limit = Limit::above("tolerance", 0.0);

mod de {
    use super::{Limit, NOISE_SIGMA, Point, STEPS, TOLERANCE};
    crate::limited_f64!(noise, NOISE_SIGMA);
    crate::limited_f64!(tolerance, TOLERANCE);

    /// A start point with finite coordinates (`inf` and `NaN` parse as RON numbers).
    pub(crate) fn start<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Point>, D::Error> {
        let start = <Option<Point> as serde::Deserialize>::deserialize(deserializer)?;
        if let Some([x, y]) = start {
            Limit::finite("start x").check(x).map_err(serde::de::Error::custom)?;
            Limit::finite("start y").check(y).map_err(serde::de::Error::custom)?;
        }
        Ok(start)
    }

    /// An (r, g, b) colour, refusing components outside [0, 255] with the whole colour shown.
    pub(crate) fn color<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<(u8, u8, u8)>, D::Error> {
        let Some((r, g, b)) =
            <Option<(i64, i64, i64)> as serde::Deserialize>::deserialize(deserializer)?
        else {
            return Ok(None);
        };
        match (u8::try_from(r), u8::try_from(g), u8::try_from(b)) {
            (Ok(r), Ok(g), Ok(b)) => Ok(Some((r, g, b))),
            _ => Err(serde::de::Error::custom(format!(
                "`color` = ({r}, {g}, {b}) is out of range; each component must be in [0, 255]"
            ))),
        }
    }

    pub(crate) fn steps<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<u64, D::Error> {
        let value = <u64 as serde::Deserialize>::deserialize(deserializer)?;
        STEPS.check(value as f64).map(|_| value).map_err(serde::de::Error::custom)
    }
}

fn current_version() -> u32 {
    FORMAT_VERSION
}
fn default_steps() -> u64 {
    500
}
fn default_tolerance() -> f64 {
    1e-6
}
fn yes() -> bool {
    true
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
    pub name: String,
    /// What to look at; free text written by the teacher or student.
    #[serde(default)]
    pub notes: String,
    /// The experiment itself.
    pub experiment: Experiment,
}

/// The kinds of experiment an entry can hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Experiment {
    /// Several optimizers racing on one loss surface.
    Race(Race),
    /// Dropout: the mask table of a small neuron, E[a], and train/test activation scaling.
    Dropout(DropoutLab),
    /// DropConnect: masks on weights, mean against moment-matched Gaussian inference.
    DropConnect(DropConnectLab),
    /// Fractional max pooling (Graham 2014): pooling regions over an image.
    FractionalMaxPool(FracPoolLab),
    /// Stochastic depth (Huang et al. 2016): which residual blocks survive, and test scaling.
    StochasticDepth(StochDepthLab),
    /// Small networks trained side by side on toy 2-D data.
    Training(TrainingLab),
    /// A hyperparameter sweep: a metric over a grid of two fields of one run.
    Sweep(SweepLab),
    /// A basin map: which known minimum an optimizer ends in from each start point.
    Basin(BasinLab),
    /// The assignment helper: a hand-written update rule checked against the reference.
    Assignment(AssignmentLab),
}

impl Experiment {
    /// The race, if this entry is one.
    #[must_use]
    pub fn race(&self) -> Option<&Race> {
        match self {
            Self::Race(race) => Some(race),
            _ => None,
        }
    }

    /// The race, if this entry is one, for editing.
    pub fn race_mut(&mut self) -> Option<&mut Race> {
        match self {
            Self::Race(race) => Some(race),
            _ => None,
        }
    }

    /// The regularization lab, if this entry is one.
    #[must_use]
    pub fn lab(&self) -> Option<Lab<'_>> {
        match self {
            Self::Race(_) => None,
            Self::Dropout(lab) => Some(Lab::Dropout(lab)),
            Self::DropConnect(lab) => Some(Lab::DropConnect(lab)),
            Self::FractionalMaxPool(lab) => Some(Lab::FracPool(lab)),
            Self::StochasticDepth(lab) => Some(Lab::StochDepth(lab)),
            Self::Training(lab) => Some(Lab::Training(lab)),
            Self::Sweep(lab) => Some(Lab::Sweep(lab)),
            Self::Basin(lab) => Some(Lab::Basin(lab)),
            Self::Assignment(lab) => Some(Lab::Assignment(lab)),
        }
    }

    /// A short name of the kind, as the entry list shows it.
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Race(_) => "race",
            Self::Dropout(_) => "dropout",
            Self::DropConnect(_) => "DropConnect",
            Self::FractionalMaxPool(_) => "fractional pooling",
            Self::StochasticDepth(_) => "stochastic depth",
            Self::Training(_) => "training",
            Self::Sweep(_) => "sweep",
            Self::Basin(_) => "basin map",
            Self::Assignment(_) => "assignment",
        }
    }

    /// Checks every number against its allowed range.
    ///
    /// # Errors
    /// The first value out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
        match self {
            Self::Race(race) => race.validate(),
            Self::Dropout(lab) => lab.validate(),
            Self::DropConnect(lab) => lab.validate(),
            Self::FractionalMaxPool(lab) => lab.validate(),
            Self::StochasticDepth(lab) => lab.validate(),
            Self::Training(lab) => lab.validate(),
            Self::Sweep(lab) => lab.validate(),
            Self::Basin(lab) => lab.validate(),
            Self::Assignment(lab) => lab.validate(),
        }
    }
}

/// Optimizers racing from one start point on one surface.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Race {
    /// The loss surface.
    #[serde(default)]
    pub surface: Surface,
    /// Start point; omitted means the surface's default start.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::start")]
    pub start: Option<Point>,
    /// Updates per run.
    #[serde(default = "default_steps", deserialize_with = "de::steps")]
    pub steps: u64,
    /// Standard deviation of Gaussian gradient noise (0 = exact gradients).
    #[serde(default, deserialize_with = "de::noise")]
    pub noise: f64,
    /// Seed of the noise generator (ChaCha8); run i uses `seed + i`.
    #[serde(default)]
    pub seed: u64,
    /// A run has "reached the minimum" once its loss is within this of the global minimum.
    #[serde(default = "default_tolerance", deserialize_with = "de::tolerance")]
    pub tolerance: f64,
    /// The racing runs.
    #[serde(default)]
    pub runs: Vec<RaceRun>,
}

/// One optimizer in a race.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaceRun {
    /// Legend name.
    pub name: String,
    /// Disabled runs stay in the file but are neither computed nor drawn.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Colour as (r, g, b); omitted means the palette colour for its position.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::color")]
    pub color: Option<(u8, u8, u8)>,
    /// Optimizer and hyperparameters.
    pub optimizer: OptimizerConfig,
    /// Learning-rate schedule.
    #[serde(default)]
    pub schedule: Schedule,
}

impl Race {
    /// The start point actually used.
    #[must_use]
    pub fn start_point(&self) -> Point {
        self.start.unwrap_or_else(|| self.surface.default_start())
    }

    /// The engine config of run `index`; each run gets its own noise stream (`seed + index`)
    /// so adding a run does not change the others.
    #[must_use]
    pub fn run_config(&self, index: usize) -> Option<RunConfig> {
        let run = self.runs.get(index)?;
        Some(RunConfig {
            surface: self.surface.clone(),
            start: self.start_point(),
            optimizer: run.optimizer.clone(),
            schedule: run.schedule.clone(),
            steps: self.steps,
            noise_sigma: self.noise,
            seed: self.seed.wrapping_add(index as u64),
        })
    }

    /// Checks every number of the race against its allowed range.
    ///
    /// # Errors
    /// The first value out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
        self.surface.validate()?;
        if let Some([x, y]) = self.start {
            Limit::finite("start x").check(x)?;
            Limit::finite("start y").check(y)?;
        }
        STEPS.check(self.steps as f64)?;
        NOISE_SIGMA.check(self.noise)?;
        TOLERANCE.check(self.tolerance)?;
        self.runs.iter().try_for_each(|run| {
            run.optimizer.validate()?;
            run.schedule.validate()
        })
    }
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
    fn from(e: ron::error::SpannedError) -> Self {
        Self { line: e.span.start.line, col: e.span.start.col, message: e.code.to_string() }
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
    /// of equal length). The error points at the entry's name in `text`, the nearest place the
    /// parser no longer knows, and names the entry.
    fn check_semantics(&self, text: &str) -> Result<(), LoadError> {
        for (index, entry) in self.entries.iter().enumerate() {
            if let Err(e) = entry.experiment.validate() {
                let quoted = format!("{:?}", entry.name);
                let (line, col) = text.find(&quoted).map_or((1, 1), |at| line_col(text, at));
                let message = format!("entry {} ({quoted}): {e}", index + 1);
                return Err(LoadError { line, col, message });
            }
        }
        Ok(())
    }

    /// Checks every number in every entry against its allowed range.
    ///
    /// # Errors
    /// The first value out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
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

    /// The notebook `cargo run --release` opens: the taco-shell preset, five optimizers racing.
    #[must_use]
    pub fn default_notebook() -> Self {
        crate::presets::find("taco-shell").and_then(|p| p.notebook().ok()).unwrap_or_else(|| {
            // Unreachable while the presets test passes; an empty notebook beats a panic.
            Self { version: FORMAT_VERSION, title: "optlab".to_owned(), entries: Vec::new() }
        })
    }
}

/// Writes `text` to `path` so that the old file survives any failure: the bytes go to a
/// temporary file in the same directory, which is synced and then renamed over the target.
///
/// # Errors
/// Any I/O error; the previous file at `path` is then untouched.
pub fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new().prefix(".optlab-save-").tempfile_in(dir)?;
    temp.write_all(text.as_bytes())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
