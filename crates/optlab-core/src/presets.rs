//! Built-in notebooks, compiled into the binary so the app and `optlab presets` work from any
//! folder. Each is a file in `presets/`; the tests check and run every one of them.

use crate::notebook::{FORMAT_VERSION, LoadError, Notebook};

/// A built-in notebook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// Name used on the command line (`optlab presets NAME`), the file stem in `presets/`.
    pub name: &'static str,
    /// The RON text.
    pub text: &'static str,
}

/// One entry of [`BUILTIN`]: the file `presets/NAME.ron`.
macro_rules! preset {
    ($name:literal) => {
        Preset { name: $name, text: include_str!(concat!("../../../presets/", $name, ".ron")) }
    };
}

/// In the order of the lecture: the problems of plain SGD (ill-conditioning, local minima,
/// saddle points, noise), then the adaptive methods, then learning-rate decay.
const BUILTIN: &[Preset] = &[
    preset!("taco-shell"),
    preset!("local-minima"),
    preset!("saddle-point"),
    preset!("sgd-noise"),
    preset!("adagrad-vs-rmsprop"),
    preset!("adam-bias-correction"),
    preset!("lr-decay"),
    preset!("dropout"),
    preset!("dropconnect"),
    preset!("fractional-max-pooling"),
    preset!("stochastic-depth"),
    preset!("spiral"),
    preset!("deep-residual"),
    preset!("sweep"),
    preset!("basins"),
    preset!("assignment"),
    preset!("beyond-adam"),
    preset!("second-order"),
    preset!("schedules"),
    preset!("lr-finder"),
    preset!("landscape"),
    preset!("edge-of-stability"),
];

impl Preset {
    /// Parses the preset.
    ///
    /// # Errors
    /// The preset does not parse (a bug the test suite catches).
    pub fn notebook(&self) -> Result<Notebook, LoadError> {
        Notebook::from_ron(self.text)
    }

    /// The notebook's title, or the name when it does not parse.
    #[must_use]
    pub fn title(&self) -> String {
        self.notebook().map_or_else(|_| self.name.to_owned(), |n| n.title)
    }
}

/// All built-in notebooks, in lecture order.
#[must_use]
pub fn builtin() -> &'static [Preset] {
    BUILTIN
}

/// The built-in notebook called `name`.
#[must_use]
pub fn find(name: &str) -> Option<&'static Preset> {
    BUILTIN.iter().find(|p| p.name == name)
}

impl Notebook {
    /// The notebook `cargo run --release` opens: the taco-shell preset, five optimizers racing.
    #[must_use]
    pub fn default_notebook() -> Notebook {
        find("taco-shell").and_then(|p| p.notebook().ok()).unwrap_or_else(|| {
            // Unreachable while the presets test passes; an empty notebook beats a panic.
            Notebook { version: FORMAT_VERSION, title: "optlab".to_owned(), entries: Vec::new() }
        })
    }
}
