//! The assignment helper's configuration (the rule, the pasted inputs, config and expected
//! results as numpy text) and its report.

use super::numpy::Array;
use super::rules::Rule;
use super::rules::{Fallback, Hyper, State};
use crate::limits::{Limit, LimitError, short};
use crate::optim;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Most steps of multi-step mode.
pub const MAX_STEPS: u32 = 10_000;
/// Most recorded values (steps × elements × recorded arrays) of multi-step mode.
pub const MAX_RECORDED: usize = 4_000_000;
/// Allowed number of steps.
pub const STEPS: Limit = Limit::closed("steps", 1.0, MAX_STEPS as f64);

/// numpy text as a notebook stores it: written and read as the text, parsed when read (so a
/// bad array is refused with its column when the file loads). Clones share the parsed array.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NumpyText {
    text: String,
    value: Arc<Array>,
}

impl NumpyText {
    /// Parses `text`.
    ///
    /// # Errors
    /// The text is not numpy text optlab reads; the error names the column.
    pub fn new(text: &str) -> Result<Self, super::numpy::NumpyError> {
        Ok(Self { text: text.to_owned(), value: Arc::new(super::numpy::parse(text)?) })
    }

    /// The text as written.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The array it evaluates to.
    #[must_use]
    pub fn value(&self) -> &Array {
        &self.value
    }
}

impl PartialEq for NumpyText {
    /// Equal when written the same way.
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl TryFrom<String> for NumpyText {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Self::new(&text).map_err(|e| format!("numpy text `{}`: {e}", abbreviate(&text)))
    }
}

impl From<NumpyText> for String {
    fn from(text: NumpyText) -> Self {
        text.text
    }
}

fn abbreviate(text: &str) -> String {
    const SHOWN: usize = 60;
    if text.chars().count() <= SHOWN {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(SHOWN).collect::<String>())
    }
}

/// An assignment-helper entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Fields", into = "Fields")]
pub struct AssignmentLab {
    /// The rule to check.
    pub rule: Rule,
    /// The arrays the rule takes: `w` and `dw` (`x` for dropout).
    pub inputs: BTreeMap<String, NumpyText>,
    /// The config dict; keys left out take the assignment's defaults.
    pub config: BTreeMap<String, NumpyText>,
    /// Results the student pasted, by output name (`next_w`, `velocity`, `out`, …).
    pub expected: BTreeMap<String, NumpyText>,
    /// Steps to apply (multi-step mode when more than 1).
    pub steps: u32,
}

/// The file form of [`AssignmentLab`], checked for unknown keys when read.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields {
    #[serde(default)]
    rule: Rule,
    #[serde(default)]
    inputs: BTreeMap<String, NumpyText>,
    #[serde(default)]
    config: BTreeMap<String, NumpyText>,
    #[serde(default)]
    expected: BTreeMap<String, NumpyText>,
    #[serde(default = "one")]
    steps: u32,
}

fn one() -> u32 {
    1
}

impl TryFrom<Fields> for AssignmentLab {
    type Error = String;

    fn try_from(f: Fields) -> Result<Self, String> {
        let lab = Self {
            rule: f.rule,
            inputs: f.inputs,
            config: f.config,
            expected: f.expected,
            steps: f.steps,
        };
        lab.unknown_key().map_or(Ok(()), Err)?;
        lab.validate().map_err(|e| e.to_string())?;
        Ok(lab)
    }
}

impl From<AssignmentLab> for Fields {
    fn from(lab: AssignmentLab) -> Self {
        Self {
            rule: lab.rule,
            inputs: lab.inputs,
            config: lab.config,
            expected: lab.expected,
            steps: lab.steps,
        }
    }
}

impl Default for AssignmentLab {
    /// The assignment's own Adam test, which is the one with the pitfall (t = 5 becomes 6).
    fn default() -> Self {
        Self::preloaded(Rule::Adam)
    }
}

const W: &str = "np.linspace(-0.4, 0.6, num=20).reshape(4, 5)";
const DW: &str = "np.linspace(-0.6, 0.4, num=20).reshape(4, 5)";
const STATE_IN: &str = "np.linspace(0.6, 0.9, num=20).reshape(4, 5)";

impl AssignmentLab {
    /// The entry as the assignment's notebook tests `rule`: its inputs, its config and its
    /// expected arrays (printed to 8 decimals there).
    #[must_use]
    pub fn preloaded(rule: Rule) -> Self {
        let (inputs, config, expected): (&[_], &[_], &[_]) = match rule {
            Rule::Sgd => (&[("w", W), ("dw", DW)], &[("learning_rate", "1e-2")], &[]),
            Rule::SgdMomentum => (
                &[("w", W), ("dw", DW)],
                &[("learning_rate", "1e-3"), ("velocity", STATE_IN)],
                &[("next_w", expected::MOMENTUM_NEXT_W), ("velocity", expected::MOMENTUM_V)],
            ),
            Rule::RmsProp => (
                &[("w", W), ("dw", DW)],
                &[("learning_rate", "1e-2"), ("cache", STATE_IN)],
                &[("next_w", expected::RMSPROP_NEXT_W), ("cache", expected::RMSPROP_CACHE)],
            ),
            Rule::Adam => (
                &[("w", W), ("dw", DW)],
                &[
                    ("learning_rate", "1e-2"),
                    ("m", STATE_IN),
                    ("v", "np.linspace(0.7, 0.5, num=20).reshape(4, 5)"),
                    ("t", "5"),
                ],
                &[
                    ("next_w", expected::ADAM_NEXT_W),
                    ("m", expected::ADAM_M),
                    ("v", expected::ADAM_V),
                ],
            ),
            Rule::DropoutForward => (
                &[("x", "np.random.seed(231); x = np.random.randn(500, 500) + 10")],
                &[("p", "0.25"), ("seed", "231")],
                &[],
            ),
        };
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, NumpyText> {
            pairs
                .iter()
                .filter_map(|&(k, v)| Some((k.to_owned(), NumpyText::new(v).ok()?)))
                .collect()
        };
        Self { rule, inputs: map(inputs), config: map(config), expected: map(expected), steps: 1 }
    }

    /// Checks the numeric fields that have a fixed range.
    ///
    /// # Errors
    /// `steps` outside [1, [`MAX_STEPS`]].
    pub fn validate(&self) -> Result<(), LimitError> {
        STEPS.check(f64::from(self.steps)).map(|_| ())
    }

    /// A message for the first key the rule does not know, if any.
    #[must_use]
    pub fn unknown_key(&self) -> Option<String> {
        let rule = self.rule;
        let config_names: Vec<&str> = rule.config_keys().iter().map(|k| k.name).collect();
        let groups: [(&str, &BTreeMap<String, NumpyText>, &[&str]); 3] = [
            ("inputs", &self.inputs, rule.inputs()),
            ("config", &self.config, &config_names),
            ("expected", &self.expected, rule.outputs()),
        ];
        groups.into_iter().find_map(|(group, map, allowed)| {
            let key = map.keys().find(|k| !allowed.contains(&k.as_str()))?;
            Some(format!(
                "{group} key `{key}` is not used by {}; its {group} keys are {}",
                rule.name(),
                allowed.join(", ")
            ))
        })
    }

    /// The value of config `key`, or its default (`None` for a state array left out).
    pub(super) fn config_number(&self, key: &str, problems: &mut Vec<String>, limit: Limit) -> f64 {
        let fallback = self.rule.config_keys().iter().find(|k| k.name == key).map(|k| k.default);
        let value = match (self.config.get(key), fallback) {
            (Some(text), _) => {
                let Some(value) = text.value().as_scalar() else {
                    problems.push(format!(
                        "config `{key}` must be one number; it has shape {}",
                        text.value().shape_text()
                    ));
                    return f64::NAN;
                };
                value
            }
            (None, Some(Fallback::Number(value))) => value,
            (None, _) => f64::NAN,
        };
        if let Err(e) = limit.check(value) {
            problems.push(format!("config {e}"));
        }
        value
    }

    pub(super) fn hyper(&self, problems: &mut Vec<String>) -> Hyper {
        let mut get = |key: &'static str, limit: Limit| {
            if self.rule.config_keys().iter().any(|k| k.name == key) {
                self.config_number(key, problems, limit)
            } else {
                0.0
            }
        };
        // The notebook's optimizer table, under the assignment's key names: `decay_rate` = 1
        // is refused here as in `RmsProp(decay_rate: 1.0)`, and ε = 0 is allowed in both.
        let named = |name, limit: Limit| Limit { name, ..limit };
        Hyper {
            learning_rate: get("learning_rate", named("learning_rate", optim::LR)),
            momentum: get("momentum", optim::MOMENTUM),
            decay_rate: get("decay_rate", optim::DECAY_RATE),
            beta1: get("beta1", optim::BETA1),
            beta2: get("beta2", optim::BETA2),
            epsilon: get("epsilon", named("epsilon", optim::EPS)),
        }
    }

    /// The state arrays of the config, each as long as `w` (a number fills the array; a
    /// state left out is zeros, as `np.zeros_like(w)`).
    pub(super) fn state(&self, w: &Array, problems: &mut Vec<String>) -> State {
        let array = |key: &str, problems: &mut Vec<String>| -> Vec<f64> {
            let Some(text) = self.config.get(key) else { return vec![0.0; w.len()] };
            let value = text.value();
            if value.shape() == w.shape() {
                value.data().to_vec()
            } else if let Some(fill) = value.as_scalar().filter(|_| value.shape().is_empty()) {
                vec![fill; w.len()]
            } else {
                problems.push(format!(
                    "config `{key}` has shape {}; w has shape {}",
                    value.shape_text(),
                    w.shape_text()
                ));
                Vec::new()
            }
        };
        let t = if self.rule == Rule::Adam {
            self.config_number("t", problems, Limit::closed("t", 0.0, 1e9))
        } else {
            0.0
        };
        if t.fract() != 0.0 {
            problems.push(format!("config `t` = {} must be a whole number of steps", short(t)));
        }
        let uses = |key: &str| self.rule.config_keys().iter().any(|k| k.name == key);
        let mut take = |key: &str| if uses(key) { array(key, problems) } else { Vec::new() };
        State {
            velocity: take("velocity"),
            cache: take("cache"),
            m: take("m"),
            v: take("v"),
            #[expect(clippy::cast_possible_truncation, reason = "checked whole, in [0, 1e9]")]
            #[expect(clippy::cast_sign_loss, reason = "checked whole, in [0, 1e9]")]
            t: if t.is_finite() { t as u64 } else { 0 },
        }
    }
}

/// The assignment notebook's expected arrays, as it prints them (8 decimals).
mod expected {
    pub const MOMENTUM_NEXT_W: &str = "np.asarray([
  [ 0.1406,      0.20738947,  0.27417895,  0.34096842,  0.40775789],
  [ 0.47454737,  0.54133684,  0.60812632,  0.67491579,  0.74170526],
  [ 0.80849474,  0.87528421,  0.94207368,  1.00886316,  1.07565263],
  [ 1.14244211,  1.20923158,  1.27602105,  1.34281053,  1.4096    ]])";
    pub const MOMENTUM_V: &str = "np.asarray([
  [ 0.5406,      0.55475789,  0.56891579, 0.58307368,  0.59723158],
  [ 0.61138947,  0.62554737,  0.63970526,  0.65386316,  0.66802105],
  [ 0.68217895,  0.69633684,  0.71049474,  0.72465263,  0.73881053],
  [ 0.75296842,  0.76712632,  0.78128421,  0.79544211,  0.8096    ]])";
    pub const RMSPROP_NEXT_W: &str = "np.asarray([
  [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
  [-0.132737,   -0.08078555, -0.02881884,  0.02316247,  0.07515774],
  [ 0.12716641,  0.17918792,  0.23122175,  0.28326742,  0.33532447],
  [ 0.38739248,  0.43947102,  0.49155973,  0.54365823,  0.59576619]])";
    pub const RMSPROP_CACHE: &str = "np.asarray([
  [ 0.5976,      0.6126277,   0.6277108,   0.64284931,  0.65804321],
  [ 0.67329252,  0.68859723,  0.70395734,  0.71937285,  0.73484377],
  [ 0.75037008,  0.7659518,   0.78158892,  0.79728144,  0.81302936],
  [ 0.82883269,  0.84469141,  0.86060554,  0.87657507,  0.8926    ]])";
    pub const ADAM_NEXT_W: &str = "np.asarray([
  [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
  [-0.1380274,  -0.08544591, -0.03286534,  0.01971428,  0.0722929],
  [ 0.1248705,   0.17744702,  0.23002243,  0.28259667,  0.33516969],
  [ 0.38774145,  0.44031188,  0.49288093,  0.54544852,  0.59801459]])";
    pub const ADAM_M: &str = "np.asarray([
  [ 0.48,        0.49947368,  0.51894737,  0.53842105,  0.55789474],
  [ 0.57736842,  0.59684211,  0.61631579,  0.63578947,  0.65526316],
  [ 0.67473684,  0.69421053,  0.71368421,  0.73315789,  0.75263158],
  [ 0.77210526,  0.79157895,  0.81105263,  0.83052632,  0.85      ]])";
    pub const ADAM_V: &str = "np.asarray([
  [ 0.69966,     0.68908382,  0.67851319,  0.66794809,  0.65738853],
  [ 0.64683452,  0.63628604,  0.6257431,   0.61520571,  0.60467385],
  [ 0.59414753,  0.58362676,  0.57311152,  0.56260183,  0.55209767],
  [ 0.54159906,  0.53110598,  0.52061845,  0.51013645,  0.49966   ]])";
}
