//! Every refusal helps: the same range table at every entry point, sweep axes checked against
//! their field and task, names capped, ron's messages without its internals, numbers in short
//! form, and the README's RON examples parse.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use optlab_core::entries::assignment::{AssignmentLab, NumpyText, Rule, Stepper, numpy::Array};
use optlab_core::names::{MAX_NAME_CHARS, MAX_SLUG_BYTES, slug, unique};
use optlab_core::notebook::{LoadError, Notebook};

fn refused(text: &str) -> LoadError {
    match Notebook::from_ron(text) {
        Ok(notebook) => panic!("accepted: {notebook:?}"),
        Err(e) => e,
    }
}

fn entry(experiment: &str) -> String {
    format!("(entries: [(name: \"e\", experiment: {experiment})])")
}

fn rmsprop_config(pairs: &[(&str, &str)]) -> Result<Stepper, Vec<String>> {
    let mut lab = AssignmentLab::preloaded(Rule::RmsProp);
    lab.config = pairs
        .iter()
        .map(|&(k, v)| (k.to_owned(), NumpyText::new(v).expect("numpy text")))
        .collect::<BTreeMap<_, _>>();
    Stepper::new(&lab, &Array::vector(vec![1.0, 2.0]))
}

#[test]
fn the_assignment_config_uses_the_notebooks_range_table() {
    let notebook =
        refused(&entry("Race(runs: [(name: \"r\", optimizer: RmsProp(decay_rate: 1.0))])"));
    assert!(
        notebook.message.contains("`decay_rate` = 1 is out of range; allowed [0, 1)"),
        "{notebook}"
    );
    let problems = rmsprop_config(&[("decay_rate", "1")]).expect_err("decay_rate 1 is refused");
    assert_eq!(problems, ["config `decay_rate` = 1 is out of range; allowed [0, 1)"]);
    // ε = 0 is allowed in both, as torch allows it.
    assert!(
        Notebook::from_ron(&entry("Race(runs: [(name: \"r\", optimizer: RmsProp(eps: 0.0))])"))
            .is_ok()
    );
    assert!(rmsprop_config(&[("epsilon", "0")]).is_ok());
    let problems = rmsprop_config(&[("epsilon", "-1e-12")]).expect_err("a negative ε is refused");
    assert_eq!(problems, ["config `epsilon` = -1e-12 is out of range; allowed [0, +inf)"]);
}

#[test]
fn a_sweep_axis_outside_its_fields_range_is_refused_at_load() {
    let e = refused(&entry("Sweep(x: (field: Momentum, from: 0.0, to: 5.0, count: 4))"));
    assert!(e.message.contains("`momentum` = 5 is out of range; allowed [0, 1]"), "{e}");
    let e = refused(&entry(
        "Sweep(optimizer: Adam(), x: (field: Beta2, from: 0.5, to: 1.0, count: 4))",
    ));
    assert!(e.message.contains("`beta2` = 1 is out of range; allowed [0, 1)"), "{e}");
    let fine = entry("Sweep(x: (field: Momentum, from: 0.0, to: 0.99, count: 4))");
    assert!(Notebook::from_ron(&fine).is_ok());
}

#[test]
fn a_sweep_axis_of_the_other_task_is_refused_at_load() {
    let e = refused(&entry("Sweep(x: (field: L2, from: 1e-3, to: 0.1, count: 4, log: true))"));
    assert!(
        e.message.contains("x axis: L2 λ is a training field; this sweep runs on a surface"),
        "{e}"
    );
    let e = refused(&entry(
        "Sweep(training: (runs: [(name: \"n\", optimizer: Adam())]), \
         x: (field: Lr, from: 0.1, to: 1.0, count: 4), y: (field: Noise, from: 0.0, to: 1.0, count: 4))",
    ));
    assert!(e.message.contains("y axis: gradient noise σ is a surface field"), "{e}");
    let e = refused(&entry(
        "Sweep(optimizer: Adam(), x: (field: Momentum, from: 0.0, to: 0.9, count: 4))",
    ));
    assert!(e.message.contains("x axis: Adam has no momentum μ to vary"), "{e}");
    let e = refused(&entry("Sweep(y: (field: ScheduleRate, from: 0.1, to: 0.5, count: 4))"));
    assert!(e.message.contains("y axis: this schedule has no schedule rate to vary"), "{e}");
    let training = entry(
        "Sweep(training: (runs: [(name: \"n\", optimizer: Adam())]), \
         x: (field: L2, from: 1e-3, to: 0.1, count: 4, log: true))",
    );
    assert!(Notebook::from_ron(&training).is_ok());
}

#[test]
fn names_are_capped_at_load_and_slugs_stay_short_and_distinct() {
    let name = "x".repeat(100_000);
    let e = refused(&format!("(entries: [(name: \"{name}\", experiment: Race())])"));
    assert!(e.message.contains(&format!("at most {MAX_NAME_CHARS}")), "{e}");
    let run = "é".repeat(MAX_NAME_CHARS + 1);
    let e = refused(&entry(&format!("Race(runs: [(name: \"{run}\", optimizer: Sgd())])")));
    assert!(e.message.contains("201 characters"), "{e}");
    let ok = "é".repeat(MAX_NAME_CHARS);
    assert!(
        Notebook::from_ron(&entry(&format!("Race(runs: [(name: \"{ok}\", optimizer: Sgd())])")))
            .is_ok()
    );

    let mut taken = HashSet::new();
    let slugs: Vec<String> =
        (0..3).map(|_| unique(&mut taken, &slug(&"Ab ".repeat(1000), "entry"))).collect();
    assert!(slugs.iter().all(|s| s.len() <= MAX_SLUG_BYTES), "{slugs:?}");
    assert_eq!(slugs.iter().collect::<HashSet<_>>().len(), 3, "{slugs:?}");
}

#[test]
fn integers_out_of_bounds_state_their_field_and_range() {
    let cosine =
        entry("Race(runs: [(name: \"r\", optimizer: Sgd(), schedule: Cosine(period: -5))])");
    let e = refused(&cosine);
    assert_eq!(e.message, "`period` = -5 is out of range; allowed [1, +inf)", "{e}");
    let e = refused(&entry("Race(steps: 99999999999999999999999)"));
    assert!(
        e.message.starts_with("`steps` = 99999999999999999999999 is out of range; allowed [1, "),
        "{e}"
    );
    let e = refused(&entry("Race(seed: -1)"));
    assert_eq!(e.message, "`seed` = -1 is out of range; allowed [0, 18446744073709551615]", "{e}");
    let e = refused(&entry("Race(runs: [(name: \"r\", optimizer: Sgd(), color: (300, 0, 0))])"));
    assert!(e.message.contains("300") && e.message.contains("[0, 255]"), "{e}");
    assert!(!e.message.contains("Integer is out of bounds"), "{e}");
}

#[test]
fn deep_nesting_says_so_without_rons_developer_hint() {
    let deep = format!("(entries: [(name: \"d\", experiment: Race(runs: {}))])", "[".repeat(500));
    let e = refused(&deep);
    assert_eq!(e.message, "nested too deeply (more than 128 levels of brackets)", "{e}");
    assert_eq!(e.line, 1, "{e}");
}

#[test]
fn numbers_in_messages_are_short() {
    let e = refused(&entry("Race(runs: [(name: \"r\", optimizer: Adam(beta1: 1e300))])"));
    assert!(e.message.contains("`beta1` = 1e300 is out of range; allowed [0, 1)"), "{e}");
    assert!(e.message.len() < 80, "{e}");
    let numpy = NumpyText::new("np.zeros(3 1e300)").expect_err("two numbers without a comma");
    assert!(numpy.to_string().contains("found the number 1e300"), "{numpy}");
    let formula = optlab_core::expr::parse("x 1e300").expect_err("a number after x");
    assert!(formula.to_string().contains("the number 1e300"), "{formula}");
}

/// The experiments and notebooks of one `ron` code block of the README: top-level `(…)` or `Kind(…)` values,
/// comments left out.
fn values_in(block: &str) -> Vec<String> {
    let mut values = Vec::new();
    let (mut current, mut depth, mut in_string) = (String::new(), 0_usize, false);
    for line in block.lines() {
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if !in_string && c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            current.push(c);
            match c {
                '"' => in_string = !in_string,
                '(' | '[' | '{' if !in_string => depth += 1,
                ')' | ']' | '}' if !in_string => {
                    depth -= 1;
                    if depth == 0 {
                        values.push(std::mem::take(&mut current).trim().to_owned());
                    }
                }
                _ => {}
            }
        }
        current.push('\n');
    }
    values
}

#[test]
fn every_ron_example_of_the_readme_parses() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("the README reads");
    let blocks: Vec<&str> =
        readme.split("```ron\n").skip(1).filter_map(|rest| rest.split("```").next()).collect();
    assert!(blocks.len() >= 5, "{} ron blocks", blocks.len());
    let mut parsed = 0;
    for value in blocks.iter().flat_map(|block| values_in(block)) {
        let text = if value.starts_with('(') { value.clone() } else { entry(&value) };
        if let Err(e) = Notebook::from_ron(&text) {
            panic!("README example does not parse: {e}\n{value}");
        }
        parsed += 1;
    }
    assert!(parsed >= 8, "{parsed} examples");
    // The Basin region, written as the README's comment shows it.
    let region = entry("Basin(region: (x_min: -5.0, x_max: 5.0, y_min: -5.0, y_max: 5.0))");
    assert!(Notebook::from_ron(&region).is_ok());
}
