//! The built-in notebooks: every file in `presets/` is compiled in, checks clean, runs headless
//! writing full CSV series, and still teaches its lesson (the numbers in its notes hold).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use optlab_core::headless;
use optlab_core::notebook::Notebook;
use optlab_core::presets;

fn optlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optlab")).args(args).output().expect("optlab starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

fn preset_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("presets/ exists")
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem().unwrap_or_default().to_string_lossy().into_owned()
}

#[test]
fn every_file_in_presets_is_built_in_with_the_same_text() {
    let files = preset_files();
    assert!(files.len() >= 7, "{files:?}");
    for file in &files {
        assert_eq!(file.extension().and_then(|e| e.to_str()), Some("ron"), "{}", file.display());
        let name = stem(file);
        let preset = presets::find(&name)
            .unwrap_or_else(|| panic!("presets/{name}.ron is missing from presets::BUILTIN"));
        assert_eq!(preset.text, fs::read_to_string(file).expect("reads"), "{name}");
        let notebook = preset.notebook().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!notebook.title.is_empty() && !notebook.entries.is_empty(), "{name}");
        for entry in &notebook.entries {
            assert!(entry.notes.len() > 80, "{name}/{}: notes say what to look at", entry.name);
        }
        assert!(preset.text.starts_with("//"), "{name}: a comment at the top");
    }
    assert_eq!(presets::builtin().len(), files.len(), "no built-in without a file");
}

#[test]
fn every_preset_passes_check() {
    let files = preset_files();
    let mut args = vec!["check".to_owned()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = optlab(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), files.len());
    assert!(text(&out.stdout).lines().all(|l| l.ends_with(": ok")));
}

#[test]
fn presets_command_lists_and_prints_them() {
    let out = optlab(&["presets"]);
    assert!(out.status.success());
    let listing = text(&out.stdout);
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), presets::builtin().len());
    for (line, preset) in lines.iter().zip(presets::builtin()) {
        assert_eq!(*line, format!("{}\t{}", preset.name, preset.title()));
    }
    let out = optlab(&["presets", "taco-shell"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), presets::find("taco-shell").expect("built in").text);

    let out = optlab(&["presets", "taco-bell"]);
    assert_eq!(out.status.code(), Some(2));
    let message = text(&out.stderr);
    assert!(message.contains("taco-bell") && message.contains("taco-shell, "), "{message}");
}

/// One summary line: `entry="…" run="…" key=value…`.
#[derive(Debug)]
struct Summary {
    entry: String,
    run: String,
    values: BTreeMap<String, String>,
}

impl Summary {
    fn text(&self, key: &str) -> &str {
        self.values.get(key).unwrap_or_else(|| panic!("no {key} in {self:?}"))
    }

    fn get(&self, key: &str) -> f64 {
        self.text(key).parse().expect("a number")
    }

    fn count(&self, key: &str) -> u64 {
        self.text(key).parse().expect("a whole number")
    }
}

/// Reads a Rust-escaped quoted string at the start of `s`; returns it and the rest.
fn quoted(s: &str) -> (String, &str) {
    let s = s.strip_prefix('"').expect("a quoted name");
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (out, &s[i + 1..]),
            '\\' => out.push(chars.next().expect("an escaped character").1),
            c => out.push(c),
        }
    }
    panic!("unterminated name in {s}");
}

fn parse_summary(line: &str) -> Summary {
    let (entry, rest) = quoted(line.strip_prefix("entry=").expect("entry= first"));
    let (run, rest) = quoted(rest.strip_prefix(" run=").expect("run= second"));
    let values = rest
        .split_whitespace()
        .map(|pair| {
            let (key, value) = pair.split_once('=').expect("key=value");
            (key.to_owned(), value.to_owned())
        })
        .collect();
    Summary { entry, run, values }
}

/// Runs a preset with `--out`, checks every CSV, and returns the summaries.
fn run_preset(name: &str) -> Vec<Summary> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("presets/{name}.ron"));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out_dir = dir.path().join("out");
    let out =
        optlab(&["run", &file.display().to_string(), "--out", &out_dir.display().to_string()]);
    assert!(out.status.success(), "{name}: {}", text(&out.stderr));
    let summaries: Vec<Summary> = text(&out.stdout).lines().map(parse_summary).collect();

    let notebook = presets::find(name).and_then(|p| p.notebook().ok()).expect("loads");
    let jobs = headless::plan(&notebook, Some(&dir.path().join("plan"))).expect("plan");
    assert_eq!(summaries.len(), jobs.len(), "{name}: one line per enabled run");
    for (summary, job) in summaries.iter().zip(&jobs) {
        assert_eq!((&summary.entry, &summary.run), (&job.entry, &job.run));
        let relative = job.csv.as_ref().and_then(|p| p.strip_prefix(dir.path().join("plan")).ok());
        let csv = out_dir.join(relative.expect("a CSV path under the plan directory"));
        check_csv(&csv, summary, &notebook);
    }
    summaries
}

fn check_csv(path: &Path, summary: &Summary, notebook: &Notebook) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("step,x,y,loss,lr,grad_norm"), "{}", path.display());
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(!summary.values.contains_key("diverged_at"), "{summary:?} diverged");
    let steps = summary.count("steps");
    let entry = notebook.entries.iter().find(|e| e.name == summary.entry).expect("entry");
    let Some(race) = entry.experiment.race() else { return };
    assert_eq!(steps, race.steps, "{summary:?} ran every step");
    assert_eq!(rows.len() as u64, steps + 1, "{}: N + 1 rows", path.display());
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), 6);
        assert_eq!(row[0], i.to_string());
        for value in &row[1..] {
            let value: f64 = value.parse().expect("a number");
            assert!(value.is_finite(), "{}: row {i}", path.display());
        }
    }
    let last = rows.last().expect("rows");
    assert_eq!(last[1..4], [summary.text("x"), summary.text("y"), summary.text("final_loss")]);
}

fn find<'a>(summaries: &'a [Summary], entry: &str, run: &str) -> &'a Summary {
    summaries
        .iter()
        .find(|s| s.entry.starts_with(entry) && s.run == run)
        .unwrap_or_else(|| panic!("no run {entry}/{run} in {summaries:#?}"))
}

fn final_loss(summaries: &[Summary], entry: &str, run: &str) -> f64 {
    find(summaries, entry, run).get("final_loss")
}

#[test]
fn taco_shell_momentum_beats_sgd_and_both_nesterov_forms_agree() {
    let s = run_preset("taco-shell");
    let sgd = final_loss(&s, "SGD vs momentum", "SGD");
    let momentum = final_loss(&s, "SGD vs momentum", "Momentum");
    assert!(momentum < sgd / 100.0, "momentum {momentum} vs SGD {sgd}");
    let torch = final_loss(&s, "Nesterov:", "Nesterov (PyTorch)");
    let lookahead = final_loss(&s, "Nesterov:", "Nesterov (look-ahead)");
    assert!(torch < 1e-6 && lookahead < 1e-6, "{torch} {lookahead}");
}

#[test]
fn local_minima_start_and_momentum_decide_the_basin() {
    let s = run_preset("local-minima");
    let (shallow, deep) = (0.29, -0.31);
    for run in ["SGD", "Adam"] {
        assert!((final_loss(&s, "Start on the right", run) - shallow).abs() < 0.01);
        assert!((final_loss(&s, "Start on the left", run) - deep).abs() < 0.01);
    }
    assert!((final_loss(&s, "Momentum hops", "Momentum 0.5") - shallow).abs() < 0.01);
    assert!((final_loss(&s, "Momentum hops", "Momentum 0.9") - deep).abs() < 0.01);
    let ends: Vec<String> = ["SGD", "Momentum", "Adam"]
        .iter()
        .map(|run| {
            let r = find(&s, "Himmelblau", run);
            assert!(r.get("final_loss") < 1e-6, "{r:?}");
            format!("({:.1}, {:.1})", r.get("x"), r.get("y"))
        })
        .collect();
    assert!(ends[0] != ends[1] || ends[1] != ends[2], "different minima: {ends:?}");
}

#[test]
fn saddle_point_sgd_stalls_while_momentum_adam_and_noise_escape() {
    let s = run_preset("saddle-point");
    assert!(final_loss(&s, "A hair off", "SGD") > -0.05, "SGD still on the saddle");
    assert!(final_loss(&s, "A hair off", "Momentum") < -0.49);
    assert!(final_loss(&s, "A hair off", "Adam") < -0.49);
    for run in ["SGD", "Momentum", "Adam"] {
        assert!(final_loss(&s, "Exactly on", run).abs() < 1e-6, "{run} sits on the saddle");
    }
    for run in ["SGD", "Momentum"] {
        assert!(final_loss(&s, "On the ridge, with", run) < -0.45, "{run} escapes with noise");
    }
}

#[test]
fn sgd_noise_sets_a_floor_that_grows_with_the_noise() {
    let s = run_preset("sgd-noise");
    let clean = final_loss(&s, "No noise", "SGD");
    let seeds = ["seed 0", "seed 1", "seed 2"];
    let mean = |entry: &str| seeds.iter().map(|r| final_loss(&s, entry, r)).sum::<f64>() / 3.0;
    let (half, two) = (mean("Noise 0.5"), mean("Noise 2"));
    assert!(clean < 1e-6 && clean < half && half * 4.0 < two, "{clean} {half} {two}");
    let losses: Vec<&str> =
        seeds.iter().map(|r| find(&s, "Noise 2", r).text("final_loss")).collect();
    assert!(losses[0] != losses[1] && losses[1] != losses[2], "seeds differ: {losses:?}");
}

#[test]
fn adagrad_stalls_where_rmsprop_keeps_going() {
    let s = run_preset("adagrad-vs-rmsprop");
    let adagrad = final_loss(&s, "Adagrad stalls", "Adagrad");
    let rmsprop = final_loss(&s, "Adagrad stalls", "RMSprop");
    assert!(rmsprop * 10.0 < adagrad, "RMSprop {rmsprop} vs Adagrad {adagrad}");
}

#[test]
fn adam_without_bias_correction_jumps_into_the_shallow_well() {
    let s = run_preset("adam-bias-correction");
    let corrected = final_loss(&s, "Too-large", "Adam");
    let raw = final_loss(&s, "Too-large", "Adam, no bias correction");
    assert!((corrected + 0.31).abs() < 0.01 && (raw - 0.29).abs() < 0.01, "{corrected} {raw}");
    let hidden = |run| final_loss(&s, "A hidden", run);
    let (slow, raw, fast) =
        (hidden("Adam"), hidden("Adam, no bias correction"), hidden("Adam, lr 0.1"));
    assert!(fast < raw && raw < slow, "{fast} < {raw} < {slow}");
}

#[test]
fn lr_decay_every_schedule_ends_below_the_constant_lr() {
    let s = run_preset("lr-decay");
    let constant = final_loss(&s, "Constant vs", "Constant");
    for run in ["Exponential", "1/t", "Step"] {
        let decayed = final_loss(&s, "Constant vs", run);
        assert!(decayed < constant, "{run}: {decayed} vs constant {constant}");
    }
}

/// Runs a regularization-lab preset with `--out`: every line parses, every entry wrote its
/// tables with rows as long as their headers, and the summaries come back.
fn run_lab_preset(name: &str) -> Vec<Summary> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("presets/{name}.ron"));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out =
        optlab(&["run", &file.display().to_string(), "--out", &dir.path().display().to_string()]);
    assert!(out.status.success(), "{name}: {}", text(&out.stderr));
    let summaries: Vec<Summary> = text(&out.stdout).lines().map(parse_summary).collect();
    let notebook = presets::find(name).and_then(|p| p.notebook().ok()).expect("loads");
    let entries: Vec<&str> = summaries.iter().map(|s| s.entry.as_str()).collect();
    for entry in &notebook.entries {
        assert!(entries.contains(&entry.name.as_str()), "{name}: no line for {}", entry.name);
    }
    let dirs: Vec<PathBuf> =
        fs::read_dir(dir.path()).expect("out dir").map(|e| e.expect("entry").path()).collect();
    assert_eq!(dirs.len(), notebook.entries.len(), "{name}: one directory per entry");
    for entry_dir in dirs {
        let tables: Vec<PathBuf> =
            fs::read_dir(&entry_dir).expect("entry dir").map(|e| e.expect("file").path()).collect();
        assert!(!tables.is_empty(), "{}", entry_dir.display());
        for table in tables {
            let csv = fs::read_to_string(&table).expect("a CSV file");
            let mut lines = csv.lines();
            let columns = lines.next().expect("a header").split(',').count();
            let rows: Vec<&str> = lines.collect();
            assert!(!rows.is_empty(), "{}", table.display());
            for row in rows {
                assert_eq!(row.split(',').count(), columns, "{}: {row}", table.display());
                assert!(
                    row.split(',').all(|v| v.parse::<f64>().is_ok()),
                    "{}: {row}",
                    table.display()
                );
            }
        }
    }
    summaries
}

#[test]
fn dropout_expectation_holds_and_only_unscaled_dropout_mismatches() {
    let summaries = run_lab_preset("dropout");
    for neuron in summaries.iter().filter(|s| s.run == "neuron") {
        let (keep, full, expected) =
            (neuron.get("keep"), neuron.get("full"), neuron.get("expected"));
        let bias = neuron.get("bias");
        assert!((expected - (keep * full + bias)).abs() <= 1e-12 * full.abs().max(1.0));
        assert!((neuron.get("test_time") - expected).abs() <= 1e-12 * full.abs().max(1.0));
        assert!((neuron.get("enumerated") - expected).abs() <= 1e-12 * full.abs().max(1.0));
        let error = (neuron.get("monte_carlo") - expected).abs();
        assert!(error <= 5.0 * neuron.get("std_error"), "{neuron:?}");
    }
    for s in summaries.iter().filter(|s| s.run.starts_with("scaling")) {
        let ratio = s.get("train_mean") / s.get("test_mean");
        if s.run.ends_with("None") {
            assert!(
                (ratio - s.get("keep")).abs() < 0.05,
                "train ≈ p × test without scaling: {s:?}"
            );
        } else {
            assert!((ratio - 1.0).abs() < 0.05, "the rule matches train and test: {s:?}");
        }
    }
}

#[test]
fn dropconnect_mean_inference_is_low_and_moment_matching_is_close() {
    let summaries = run_lab_preset("dropconnect");
    let layer = find(&summaries, "Eight inputs", "layer");
    let truth = layer.get("train_mean");
    let mean = layer.get("mean_inference");
    let gaussian = layer.get("gaussian_sampled");
    assert!(mean < 0.9 * truth, "relu(pWv) underestimates: {layer:?}");
    assert!((gaussian - truth).abs() < 0.25 * (mean - truth).abs(), "{layer:?}");
    assert!((layer.get("closed_form") - gaussian).abs() < 0.02 * gaussian, "{layer:?}");
}

#[test]
fn fractional_pooling_shrinks_by_alpha_and_less_than_two_by_two() {
    for s in run_lab_preset("fractional-max-pooling") {
        let (input, output, alpha) = (s.get("input"), s.get("output"), s.get("alpha"));
        assert_eq!(output.to_bits(), (input / alpha).floor().to_bits(), "{s:?}");
        assert!(output > s.get("max_pool_2x2"), "{s:?}");
        assert!((1.0..2.0).contains(&s.get("ratio")), "{s:?}");
    }
}

#[test]
fn stochastic_depth_trains_about_forty_of_fifty_four_blocks() {
    let summaries = run_lab_preset("stochastic-depth");
    let network = find(&summaries, "ResNet-110", "network");
    assert!((network.get("expected_depth") - 40.25).abs() < 1e-9, "{network:?}");
    assert!((network.get("sampled_depth") - 40.25).abs() < 1.0, "{network:?}");
}

#[test]
fn spiral_nets_reach_98_percent_and_dropout_keeps_validation_loss_down() {
    let summaries = run_lab_preset("spiral");
    for run in ["2-layer, Adam", "2-layer, SGD"] {
        let s = find(&summaries, "The course's spiral net", run);
        assert!(s.get("train_acc") >= 0.98, "{s:?}");
    }
    let sgd = find(&summaries, "Optimizers racing", "SGD").get("train_loss");
    for run in ["Momentum", "Nesterov", "Adagrad", "RMSprop", "Adam"] {
        let s = find(&summaries, "Optimizers racing", run);
        assert!(s.get("train_loss") < 0.85 * sgd, "{run} ahead of SGD: {s:?} vs {sgd}");
        assert!(s.get("train_acc") >= 0.95, "{s:?}");
    }
    let plain = find(&summaries, "Overfitting vs dropout", "no dropout");
    let dropout = find(&summaries, "Overfitting vs dropout", "dropout p = 0.5");
    assert!(plain.get("train_loss") < dropout.get("train_loss"), "{plain:?} vs {dropout:?}");
    assert!(dropout.get("val_loss") < 0.7 * plain.get("val_loss"), "{plain:?} vs {dropout:?}");
}

#[test]
fn stochastic_depth_keeps_a_deep_residual_mlp_from_memorising() {
    let summaries = run_lab_preset("deep-residual");
    let entry = "Deep residual MLP";
    let all = find(&summaries, entry, "all blocks");
    for run in ["stochastic depth p_L = 0.5", "stochastic depth p_L = 0.2"] {
        let dropped = find(&summaries, entry, run);
        assert!(all.get("train_loss") < dropped.get("train_loss"), "{all:?} vs {dropped:?}");
        assert!(dropped.get("val_loss") < 0.75 * all.get("val_loss"), "{all:?} vs {dropped:?}");
    }
}

#[test]
fn the_momentum_sweep_matches_numpy_divergences_and_finds_a_diagonal_band() {
    let summaries = run_lab_preset("sweep");
    let grid = find(&summaries, "Momentum on Rosenbrock", "grid");
    assert_eq!(grid.count("cells"), 10_000);
    // ../shared/bench/sweep_numpy.py 100 100 1000 (vectorized numpy, written independently)
    // reports diverged=1065 for the same grid.
    assert_eq!(grid.count("diverged"), 1065, "{grid:?}");
    let best = find(&summaries, "Momentum on Rosenbrock", "best final loss");
    assert!((0.9..0.99).contains(&best.get("x")), "high momentum: {best:?}");
    assert!((1e-3..1e-2).contains(&best.get("y")), "moderate lr: {best:?}");
    assert!(best.get("value") < 1e-12, "{best:?}");
    let adam = find(&summaries, "Adam on the taco shell", "grid");
    assert_eq!(adam.count("diverged"), 0, "{adam:?}");
}

#[test]
fn basins_split_himmelblau_four_ways_and_momentum_grows_the_deep_well() {
    let summaries = run_lab_preset("basins");
    let shares: Vec<f64> = (1..=4)
        .map(|k| find(&summaries, "Himmelblau", &format!("minimum {k}")).get("share"))
        .collect();
    assert!(shares.iter().all(|s| (0.15..0.35).contains(s)), "{shares:?}");
    assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9, "every run settles: {shares:?}");
    let sgd = find(&summaries, "Double well: SGD", "minimum 1");
    let momentum = find(&summaries, "Double well: momentum", "minimum 1");
    assert!(sgd.get("x") < 0.0, "minimum 1 is the deep left well: {sgd:?}");
    assert!(momentum.get("share") > sgd.get("share") + 0.02, "{sgd:?} vs {momentum:?}");
    assert!(
        momentum.get("median_settle_step") < 0.6 * sgd.get("median_settle_step"),
        "{sgd:?} vs {momentum:?}"
    );
}

#[test]
fn beyond_adam_teaches_what_its_notes_say() {
    let s = run_lab_preset("beyond-adam");
    let family = "Adam's family";
    assert!(find(&s, family, "Adam").count("reached_at") < 3000);
    let nadam = final_loss(&s, family, "NAdam");
    assert!(nadam < 1e-3 && !find(&s, family, "NAdam").values.contains_key("reached_at"));
    assert!(find(&s, family, "RAdam").count("diverged_at") <= 5, "plain first steps blow up");
    assert!(final_loss(&s, family, "RAdam, lr 0.005") > 0.1);
    assert!(final_loss(&s, family, "Adamax") > 0.01);
    assert!(final_loss(&s, family, "AdamW") < 1e-2);
    let signs = "Sign-based";
    assert!(final_loss(&s, signs, "SGD") < 1e-3);
    assert!(final_loss(&s, signs, "Lion") > 0.1, "Lion's fixed-size steps are still far off");
    assert!(
        find(&s, signs, "Rprop").count("reached_at") < find(&s, signs, "Adam").count("reached_at")
    );
    let free = "Schedule-Free";
    let schedule_free = final_loss(&s, free, "Schedule-Free AdamW");
    let constant = final_loss(&s, free, "AdamW, constant");
    let cosine = final_loss(&s, free, "AdamW, cosine");
    assert!(schedule_free < constant && constant < cosine, "{schedule_free} {constant} {cosine}");
    let lbfgs = find(&s, "L-BFGS", "L-BFGS (strong Wolfe)").count("reached_at");
    let adam = find(&s, "L-BFGS", "Adam").count("reached_at");
    assert!(lbfgs < 50 && adam > 1000, "L-BFGS {lbfgs} vs Adam {adam}");
    for run in ["Adam", "Muon", "Adafactor"] {
        assert!(find(&s, "Muon and Adafactor", run).get("train_acc") > 0.95, "{run}");
    }
}

/// [`preset_trace`] of the `second-order` preset.
fn second_order_trace(entry: &str, run: &str) -> Vec<optlab_core::run::StepRecord> {
    preset_trace("second-order", entry, run)
}

/// Every recorded step of run `run` of preset `preset`'s race `entry`, computed headless from
/// the preset's own configuration.
fn preset_trace(preset: &str, entry: &str, run: &str) -> Vec<optlab_core::run::StepRecord> {
    use optlab_core::entries::Experiment;
    let notebook = presets::find(preset).and_then(|p| p.notebook().ok()).expect("loads");
    let found = notebook.entries.iter().find(|e| e.name.starts_with(entry)).expect("the entry");
    let Experiment::Race(race) = &found.experiment else { panic!("{entry} is a race") };
    let index = race.runs.iter().position(|r| r.name == run).expect("the run");
    let config = race.run_config(index).expect("a run config");
    let mut trace = optlab_core::run::Trace::with_capacity(100_000);
    optlab_core::run::execute(&config, &mut trace);
    trace.records()
}

/// The first step whose loss is below `level`.
fn first_below(entry: &str, run: &str, level: f64) -> Option<u64> {
    second_order_trace(entry, run).iter().find(|r| r.loss < level).map(|r| r.step)
}

#[test]
fn second_order_teaches_what_its_notes_say() {
    let s = run_lab_preset("second-order");
    // Dauphin's Fig. 2: Newton lands on the saddle, saddle-free Newton escapes fastest.
    let saddle = "Dauphin's saddle";
    let newton = second_order_trace(saddle, "Newton");
    assert!(newton[1..].iter().all(|r| r.position == [0.0, 0.0]), "Newton sits on the saddle");
    assert_eq!(first_below(saddle, "Saddle-free Newton", -1.0), Some(4));
    assert_eq!(first_below(saddle, "Gradient descent", -1.0), Some(13));
    assert!(final_loss(&s, saddle, "Saddle-free Newton") < -4e7);
    assert!((final_loss(&s, saddle, "Gradient descent") + 3.4).abs() < 0.05);
    // The monkey saddle: Newton halves its distance to the saddle every step.
    let monkey = "Monkey saddle";
    let newton = second_order_trace(monkey, "Newton");
    let end = newton.last().expect("rows").position;
    assert!((end[0] + 0.5 / 1024.0).abs() < 1e-15 && (end[1] - 0.2 / 1024.0).abs() < 1e-15);
    assert_eq!(first_below(monkey, "Saddle-free Newton", -1.0), Some(2));
    assert_eq!(first_below(monkey, "Gradient descent", -1.0), Some(5));
    // Himmelblau: Newton climbs to the maximum, saddle-free Newton and GD reach minima.
    let himmelblau = "Himmelblau";
    let newton = find(&s, himmelblau, "Newton");
    assert!((newton.get("x") + 0.2708).abs() < 1e-4 && (newton.get("y") + 0.9230).abs() < 1e-4);
    assert!(newton.get("final_loss") > 181.6 && !newton.values.contains_key("reached_at"));
    assert_eq!(find(&s, himmelblau, "Saddle-free Newton").count("reached_at"), 14);
    assert_eq!(find(&s, himmelblau, "Gradient descent").count("reached_at"), 24);
    // Rosenbrock: a handful of Newton steps against Adam's thousands.
    let rosenbrock = "Rosenbrock";
    let reached = |run| find(&s, rosenbrock, run).count("reached_at");
    assert_eq!(reached("Newton"), 5);
    assert_eq!(reached("Damped Newton (δ = 1)"), 26);
    assert_eq!(reached("L-BFGS (strong Wolfe)"), 33);
    assert_eq!(reached("Adam"), 4215);
    // Basins: plain Newton ends elsewhere (saddles, the maximum) from 42 % of the starts.
    let newton = find(&s, "Basins: Newton on", "elsewhere").get("share");
    assert!((newton - 0.42).abs() < 0.01, "{newton}");
    let minima: f64 =
        (1..=4).map(|k| find(&s, "Basins: Newton on", &format!("minimum {k}")).get("share")).sum();
    assert!((minima - 0.58).abs() < 0.01, "{minima}");
    assert!(find(&s, "Basins: saddle-free", "elsewhere").get("share").abs() < f64::EPSILON);
}

#[test]
fn schedules_teach_what_their_notes_say() {
    const FIRST_CUT: f64 = 45.0;
    let s = run_lab_preset("schedules");
    let valley = "Warm restarts vs cosine";
    let constant = final_loss(&s, valley, "Constant");
    assert!(final_loss(&s, valley, "Cosine") < constant / 5.0);
    assert!(final_loss(&s, valley, "One-cycle") < constant / 10.0);
    // Warm restarts: the lr is back at its top at t = 100, 300, 700.
    let restarts = preset_trace("schedules", valley, "Warm restarts");
    for t in [100, 300, 700] {
        assert!((restarts[t].lr - 0.01).abs() < 1e-15, "restart at {t}: {}", restarts[t].lr);
        assert!(restarts[t - 1].lr < 1e-5, "the end of a cycle before {t}");
    }
    // Reduce-on-plateau halves the lr when the loss stalls, down to its min_lr.
    let plateau = "Reduce-on-plateau";
    let trace = preset_trace("schedules", plateau, "Reduce on plateau");
    let first_cut = trace.iter().position(|r| r.lr < 0.01).expect("a reduction");
    assert!((first_cut as f64 - FIRST_CUT).abs() < 1.0, "first reduction at {first_cut}");
    assert!((trace.last().expect("rows").lr - 1e-4).abs() < 1e-18, "ends at min_lr");
    assert!(
        final_loss(&s, plateau, "Reduce on plateau") < final_loss(&s, plateau, "Constant") / 10.0
    );
    // One-cycle on Rosenbrock: both one-cycles arrive before the constant lr.
    let rosenbrock = "One-cycle's momentum";
    let reached = |run| find(&s, rosenbrock, run).count("reached_at");
    assert_eq!(reached("Momentum, constant"), 1386);
    assert_eq!(reached("One-cycle, momentum cycled"), 872);
    assert_eq!(reached("One-cycle, momentum fixed"), 727);
}
