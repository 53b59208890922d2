//! Running a rule for the helper and checking pasted results against it.

use super::config::{AssignmentLab, MAX_RECORDED, NumpyText};
use super::numpy::Array;
use super::report::{
    AGREES_BELOW, AssignmentReport, Check, DropoutStats, Named, StepRecord, Verdict,
};
use super::rules::{self, Intermediate, Mistake, Rule, State};
use crate::limits::{Limit, short};

/// The notebook's `rel_error`: max over elements of |a − b| / max(1e-8, |a| + |b|). NaN when
/// either side holds a NaN (as `np.max` gives); `None` when the lengths differ.
#[must_use]
pub fn rel_error(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() {
        return None;
    }
    Some(a.iter().zip(b).fold(0.0_f64, |worst, (&x, &y)| {
        let error = (x - y).abs() / (x.abs() + y.abs()).max(1e-8);
        if worst.is_nan() || error.is_nan() { f64::NAN } else { worst.max(error) }
    }))
}

/// Runs an optimizer rule of `lab` into `report`.
pub(super) fn optimizer(lab: &AssignmentLab, report: &mut AssignmentReport) {
    let problems = &mut report.problems;
    let (Some(w), Some(dw)) = (lab.inputs.get("w"), lab.inputs.get("dw")) else {
        problems.push(format!("{} needs the inputs `w` and `dw`", lab.rule.name()));
        return;
    };
    let (w, dw) = (w.value(), dw.value());
    let hyper = lab.hyper(problems);
    let state = lab.state(w, problems);
    let per_step = gradient_stride(w, dw, lab.steps, problems);
    let recorded =
        w.len().saturating_mul(lab.rule.outputs().len()).saturating_mul(lab.steps as usize);
    if recorded > MAX_RECORDED {
        problems.push(format!(
            "{} steps of {} elements record {recorded} values; at most {MAX_RECORDED}",
            lab.steps,
            w.len()
        ));
    }
    if !problems.is_empty() {
        return;
    }
    let run = |mistake| run_steps(lab, &hyper, w, dw, per_step, state.clone(), mistake);
    let (steps, intermediates) = run(None);
    report.resolved = resolved(lab, w, dw, &hyper, &state);
    report.outputs = steps.last().map(|s| s.values.clone()).unwrap_or_default();
    report.intermediates = intermediates;
    report.checks = pasted_in_output_order(lab)
        .map(|(name, pasted)| {
            let ours = report.output(name);
            let mut check = compare(name, ours, pasted.value());
            if check.verdict != Verdict::Agrees {
                check.mistake = closest_mistake(lab.rule, name, pasted.value(), |m| run(Some(m)).0);
            }
            check
        })
        .collect();
    report.steps = steps;
}

/// The pasted results in the order the rule returns them (`next_w` first).
fn pasted_in_output_order(lab: &AssignmentLab) -> impl Iterator<Item = (&'static str, &NumpyText)> {
    lab.rule.outputs().iter().filter_map(|&name| Some((name, lab.expected.get(name)?)))
}

/// Whether `dw` is one gradient for every step (0) or a stack with one per step (its stride).
fn gradient_stride(w: &Array, dw: &Array, steps: u32, problems: &mut Vec<String>) -> usize {
    if dw.shape() == w.shape() {
        return 0;
    }
    if dw.shape().first() == Some(&(steps as usize)) && &dw.shape()[1..] == w.shape() {
        return w.len();
    }
    problems.push(format!(
        "dw has shape {}; expected {} (the same gradient every step) or ({steps}, …{}) (one per \
         step, steps = {steps})",
        dw.shape_text(),
        w.shape_text(),
        w.shape_text().trim_start_matches('(')
    ));
    0
}

fn run_steps(
    lab: &AssignmentLab,
    hyper: &rules::Hyper,
    w: &Array,
    dw: &Array,
    per_step: usize,
    state: State,
    mistake: Option<Mistake>,
) -> (Vec<StepRecord>, Vec<Intermediate>) {
    let mut stepper =
        Stepper { rule: lab.rule, hyper: *hyper, state, w: w.data().to_vec(), mistake };
    let mut records = Vec::with_capacity(lab.steps as usize);
    let mut intermediates = Vec::new();
    for step in 0..lab.steps {
        let start = step as usize * per_step;
        intermediates = stepper.step(&dw.data()[start..start + w.len()]);
        records.push(StepRecord {
            step: step + 1,
            values: outputs(lab.rule, w, &stepper.w, &stepper.state),
        });
    }
    (records, intermediates)
}

/// The multi-step engine, shared by the helper's multi-step mode and `optlab replay --rule`:
/// one rule applied to a vector step after step, its config's state carried along.
#[derive(Clone, Debug)]
pub struct Stepper {
    rule: Rule,
    hyper: rules::Hyper,
    state: State,
    w: Vec<f64>,
    mistake: Option<Mistake>,
}

impl Stepper {
    /// The rule and config of `lab` (defaults filled in) starting from `w`.
    ///
    /// # Errors
    /// Every problem of the config (values out of range, state shapes that do not fit `w`),
    /// or a rule that is not an update rule (dropout).
    pub fn new(lab: &AssignmentLab, w: &Array) -> Result<Self, Vec<String>> {
        if lab.rule == Rule::DropoutForward {
            return Err(vec!["dropout_forward is not an update rule".to_owned()]);
        }
        let mut problems = lab.unknown_key().into_iter().collect();
        let hyper = lab.hyper(&mut problems);
        let state = lab.state(w, &mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self { rule: lab.rule, hyper, state, w: w.data().to_vec(), mistake: None })
    }

    /// Applies one step with gradient `dw` (as long as w); returns its intermediate values.
    pub fn step(&mut self, dw: &[f64]) -> Vec<Intermediate> {
        rules::step(self.rule, &self.hyper, &mut self.w, dw, &mut self.state, self.mistake)
    }

    /// w after the steps so far.
    #[must_use]
    pub fn w(&self) -> &[f64] {
        &self.w
    }

    /// The state after the steps so far.
    #[must_use]
    pub fn state(&self) -> &State {
        &self.state
    }
}

fn outputs(rule: Rule, w: &Array, current: &[f64], state: &State) -> Vec<Named> {
    let shaped = |name: &str, data: &[f64]| Named {
        name: name.to_owned(),
        value: Array::new(w.shape().to_vec(), data.to_vec())
            .unwrap_or_else(|| Array::vector(data.to_vec())),
    };
    let mut out = vec![shaped("next_w", current)];
    match rule {
        Rule::SgdMomentum => out.push(shaped("velocity", &state.velocity)),
        Rule::RmsProp => out.push(shaped("cache", &state.cache)),
        Rule::Adam => {
            out.push(shaped("m", &state.m));
            out.push(shaped("v", &state.v));
            #[expect(clippy::cast_precision_loss, reason = "a step count, exact below 2^53")]
            out.push(Named { name: "t".to_owned(), value: Array::scalar(state.t as f64) });
        }
        Rule::Sgd | Rule::DropoutForward => {}
    }
    out
}

fn resolved(
    lab: &AssignmentLab,
    w: &Array,
    dw: &Array,
    hyper: &rules::Hyper,
    state: &State,
) -> Vec<Named> {
    let named = |name: &str, value: Array| Named { name: name.to_owned(), value };
    let mut out = vec![named("w", w.clone()), named("dw", dw.clone())];
    for key in lab.rule.config_keys() {
        let value = match key.name {
            "learning_rate" => Array::scalar(hyper.learning_rate),
            "momentum" => Array::scalar(hyper.momentum),
            "decay_rate" => Array::scalar(hyper.decay_rate),
            "beta1" => Array::scalar(hyper.beta1),
            "beta2" => Array::scalar(hyper.beta2),
            "epsilon" => Array::scalar(hyper.epsilon),
            #[expect(clippy::cast_precision_loss, reason = "a step count, exact below 2^53")]
            "t" => Array::scalar(state.t as f64),
            other => {
                let data = match other {
                    "velocity" => &state.velocity,
                    "cache" => &state.cache,
                    "m" => &state.m,
                    _ => &state.v,
                };
                Array::new(w.shape().to_vec(), data.clone()).unwrap_or_else(|| w.map(|_| 0.0))
            }
        };
        out.push(named(key.name, value));
    }
    out
}

fn compare(name: &str, ours: Option<&Array>, pasted: &Array) -> Check {
    let mut check = Check {
        name: name.to_owned(),
        rel_error: None,
        verdict: Verdict::Differs,
        note: String::new(),
        mistake: None,
    };
    let Some(ours) = ours else {
        check.note = format!("there is no output `{name}`");
        return check;
    };
    if ours.len() != pasted.len() {
        check.note = format!(
            "shape {} pasted; the result has shape {}",
            pasted.shape_text(),
            ours.shape_text()
        );
        return check;
    }
    if ours.shape() != pasted.shape() && !pasted.shape().is_empty() {
        check.note = format!(
            "compared element by element, but the shapes differ: {} pasted, {} here",
            pasted.shape_text(),
            ours.shape_text()
        );
    }
    let error = rel_error(ours.data(), pasted.data()).unwrap_or(f64::NAN);
    check.rel_error = Some(error);
    check.verdict = Verdict::of(error);
    check
}

/// The mistake whose `name` output agrees with `pasted`, if one does.
fn closest_mistake(
    rule: Rule,
    name: &str,
    pasted: &Array,
    run: impl Fn(Mistake) -> Vec<StepRecord>,
) -> Option<(Mistake, f64)> {
    rule.mistakes()
        .iter()
        .filter_map(|&mistake| {
            let records = run(mistake);
            let last = records.last()?;
            let value = last.values.iter().find(|v| v.name == name)?;
            Some((mistake, rel_error(value.value.data(), pasted.data())?))
        })
        .filter(|(_, error)| *error < AGREES_BELOW)
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// p: a keep probability in (0, 1].
const KEEP: Limit = Limit { name: "p", min: 0.0, max: 1.0, min_open: true, max_open: false };

/// Runs dropout's forward pass of `lab` into `report`.
pub(super) fn dropout(lab: &AssignmentLab, report: &mut AssignmentReport) {
    let problems = &mut report.problems;
    let Some(x) = lab.inputs.get("x") else {
        problems.push("dropout_forward needs the input `x`".to_owned());
        return;
    };
    let x = x.value();
    let keep = lab.config_number("p", problems, KEEP);
    let seed = lab.config_number("seed", problems, Limit::closed("seed", 0.0, 9.007e15));
    if seed.fract() != 0.0 {
        problems.push(format!("config `seed` = {} must be a whole number", short(seed)));
    }
    if !problems.is_empty() {
        return;
    }
    #[expect(clippy::cast_possible_truncation, reason = "checked whole, below 2^53")]
    #[expect(clippy::cast_sign_loss, reason = "checked ≥ 0")]
    let pass = rules::dropout_forward(x.data(), keep, seed as u64, None);
    let shaped = |name: &str, data: Vec<f64>| Named {
        name: name.to_owned(),
        value: Array::new(x.shape().to_vec(), data).unwrap_or_else(|| x.clone()),
    };
    let stats = DropoutStats {
        keep,
        mean_input: mean(x.data()),
        mean_train: mean(&pass.out_train),
        mean_test: mean(&pass.out_test),
        zeros_train: zero_fraction(&pass.out_train),
        zeros_test: zero_fraction(&pass.out_test),
    };
    report.resolved = vec![
        shaped("x", x.data().to_vec()),
        Named { name: "p".to_owned(), value: Array::scalar(keep) },
        Named { name: "seed".to_owned(), value: Array::scalar(seed) },
    ];
    report.intermediates = vec![
        Intermediate { name: "1 / p (the kept units' scale)", values: vec![1.0 / keep] },
        Intermediate { name: "fraction kept (expected p)", values: vec![1.0 - stats.zeros_train] },
    ];
    report.outputs = vec![
        shaped("out", pass.out_train),
        shaped("out_test", pass.out_test),
        shaped("mask", pass.mask),
    ];
    report.checks = pasted_in_output_order(lab)
        .map(|(name, pasted)| dropout_check(name, x, keep, pasted.value(), report.output(name)))
        .collect();
    report.dropout = Some(stats);
    report.steps = vec![StepRecord { step: 1, values: report.outputs.clone() }];
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

fn zero_fraction(values: &[f64]) -> f64 {
    values.iter().filter(|&&v| v == 0.0).count() as f64 / values.len().max(1) as f64
}

/// A pasted dropout output checked without numpy's random numbers: every element must be 0 or
/// the input times the right scale, and the share of zeros must be near 1 − p.
fn dropout_check(name: &str, x: &Array, keep: f64, pasted: &Array, ours: Option<&Array>) -> Check {
    match name {
        "out_test" => compare(name, ours, pasted),
        "mask" => pattern_check(name, &x.map(|_| 1.0), keep, pasted),
        _ => pattern_check(name, x, keep, pasted),
    }
}

fn pattern_check(name: &str, x: &Array, keep: f64, pasted: &Array) -> Check {
    let mut check = compare(name, Some(x), pasted);
    check.rel_error = None;
    if !check.note.is_empty() && x.len() != pasted.len() {
        return check;
    }
    let candidates = [
        (None, 1.0 / keep, 1.0 - keep),
        (Some(Mistake::NotInverted), 1.0, 1.0 - keep),
        (Some(Mistake::KeepAsDropProbability), 1.0 / (1.0 - keep), keep),
    ];
    let nonzero_inputs = x.data().iter().filter(|&&v| v != 0.0).count().max(1) as f64;
    let zeros = x.data().iter().zip(pasted.data()).filter(|&(&a, &b)| a != 0.0 && b == 0.0).count()
        as f64
        / nonzero_inputs;
    let tolerance = 5.0 * (keep * (1.0 - keep) / nonzero_inputs).sqrt() + 1.0 / nonzero_inputs;
    for (mistake, scale, expected_zeros) in candidates {
        let scaled_error = x
            .data()
            .iter()
            .zip(pasted.data())
            .filter(|&(_, &b)| b != 0.0)
            .map(|(&a, &b)| rel_error(&[a * scale], &[b]).unwrap_or(f64::NAN))
            .fold(
                0.0_f64,
                |worst, e| if e.is_nan() || worst.is_nan() { f64::NAN } else { worst.max(e) },
            );
        if scaled_error < AGREES_BELOW && (zeros - expected_zeros).abs() <= tolerance {
            check.rel_error = Some(scaled_error);
            check.note = format!(
                "{zeros:.4} of the units are zero (expected {expected_zeros:.4}); the others \
                 are x × {scale:.6}"
            );
            match mistake {
                None => check.verdict = Verdict::Agrees,
                Some(m) => check.mistake = Some((m, scaled_error)),
            }
            return check;
        }
    }
    check.note = format!(
        "not x × 1/p where kept and 0 where dropped: {zeros:.4} of the units are zero (expected {:.4})",
        1.0 - keep
    );
    check
}

impl AssignmentLab {
    /// Everything the helper shows for this entry.
    #[must_use]
    pub fn compute(&self) -> AssignmentReport {
        let mut report = AssignmentReport::new(self.rule);
        if let Some(problem) = self.unknown_key() {
            report.problems.push(problem);
            return report;
        }
        if self.rule == Rule::DropoutForward {
            dropout(self, &mut report);
        } else {
            optimizer(self, &mut report);
        }
        report
    }
}
