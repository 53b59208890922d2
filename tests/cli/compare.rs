//! `optlab bench --compare` without the Python anchors: it says what to install and still
//! prints optlab's own figure for every piece of work. (With numpy and JAX present it runs them;
//! that needs Python packages CI does not install, so it is measured by hand, not tested here.)

use std::process::{Command, Output};

fn compare_with(python: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optlab"))
        .args(["bench", "--compare", "--quick", "--pairs", "1", "--python", python])
        .output()
        .expect("optlab runs")
}

/// optlab's seconds on each `compare work=` line, by work name.
fn optlab_figures(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter_map(|line| line.strip_prefix("compare work="))
        .map(|rest| {
            let name = rest.split_whitespace().next().unwrap_or_default().to_owned();
            let seconds = rest
                .split_whitespace()
                .find_map(|field| field.strip_prefix("optlab_s="))
                .and_then(|value| value.parse().ok())
                .unwrap_or(f64::NAN);
            (name, seconds)
        })
        .collect()
}

fn assert_optlab_figures_only(text: &str) {
    let figures = optlab_figures(text);
    let names: Vec<&str> = figures.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["momentum_sweep", "adam_sweep", "spiral_step", "sharpness"], "{text}");
    for (name, seconds) in &figures {
        assert!(seconds.is_finite() && *seconds > 0.0, "{name}: {seconds} in {text}");
    }
    assert!(!text.contains("vs_"), "no anchor ran, so no ratio: {text}");
    assert_eq!(text.matches("compare_process work=").count(), 2, "{text}");
}

#[test]
fn without_python_compare_says_what_to_install_and_times_optlab_alone() {
    let out = compare_with("no-such-python-interpreter");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for module in ["numpy", "jax"] {
        let line =
            text.lines().find(|l| l.starts_with(&format!("# {module} missing:"))).expect(&text);
        assert!(line.contains("install Python 3") && line.contains("pip install"), "{line}");
    }
    assert_optlab_figures_only(&text);
}

#[test]
fn a_python_without_the_modules_is_told_which_to_pip_install() {
    // `false` starts and fails every `import`, as a Python without numpy and jax would.
    let out = compare_with("false");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("# numpy missing: false has no numpy: pip install numpy"), "{text}");
    assert!(text.contains("# jax missing: false has no jax: pip install jax"), "{text}");
    assert_optlab_figures_only(&text);
}
