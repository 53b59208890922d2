//! The notebook file format: saving and loading lose nothing, the canonical text is a fixed
//! point, omitted fields take their defaults, and refusals point at the right place.

use optlab_core::entries::Experiment;
use optlab_core::entries::drop_connect::DropConnectLab;
use optlab_core::entries::dropout::DropoutLab;
use optlab_core::entries::fractional_max_pool::{FractionalMaxPoolLab, Pattern};
use optlab_core::entries::race::{Race, RaceRun};
use optlab_core::entries::stochastic_depth::StochasticDepthLab;
use optlab_core::entries::training::TrainingLab;
use optlab_core::entries::training::lr_finder::LrFinderOptions;
use optlab_core::notebook::{Entry, FORMAT_VERSION, LoadError, Notebook};
use optlab_core::optim::{MuonLrAdjust, OptimizerConfig};
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

// ------------------------------------------------------------------------------------------
// Strategies: every value in its allowed range, with the awkward corners (0, tiny, huge,
// subnormal, negative zero) mixed in.

/// Any finite number.
fn finite() -> BoxedStrategy<f64> {
    prop_oneof![
        4 => -10.0..10.0,
        1 => prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
        1 => Just(-0.0),
    ]
    .boxed()
}

/// A finite number ≥ 0.
fn non_negative() -> BoxedStrategy<f64> {
    prop_oneof![
        4 => 0.0..10.0,
        1 => prop::num::f64::POSITIVE | prop::num::f64::ZERO,
        1 => Just(1e-300),
    ]
    .boxed()
}

/// A finite number > 0.
fn positive() -> BoxedStrategy<f64> {
    prop_oneof![4 => 1e-12..10.0, 1 => prop::num::f64::POSITIVE.prop_filter("> 0", |v| *v > 0.0)]
        .boxed()
}

/// A number in [0, 1].
fn unit_closed() -> BoxedStrategy<f64> {
    prop_oneof![4 => 0.0..=1.0, 1 => Just(0.0), 1 => Just(1.0)].boxed()
}

/// A number in [0, 1).
fn unit_half_open() -> BoxedStrategy<f64> {
    prop_oneof![4 => 0.0..1.0, 1 => Just(0.0), 1 => Just(0.999_999_999_999)].boxed()
}

/// Names with the characters that break naive serializers.
fn name() -> BoxedStrategy<String> {
    prop_oneof![
        2 => "[a-zA-Z0-9 _-]{0,12}",
        1 => "[\"\\\\\n\t\r'(),:/ éß∇√⊙₁😀\u{0}\u{7f}\u{200b}]{0,12}",
        1 => any::<String>(),
    ]
    .boxed()
}

fn surface() -> BoxedStrategy<Surface> {
    let quadratic = (finite(), finite(), finite(), finite(), finite())
        .prop_map(|(a, b, d, c1, c2)| Surface::Quadratic { h: ((a, b), (b, d)), c: (c1, c2) });
    let taco = (prop_oneof![1.0..1e6, Just(1.0), Just(1e6)], finite())
        .prop_map(|(condition, angle)| Surface::TacoShell { condition, angle });
    prop_oneof![
        quadratic,
        taco,
        (finite(), non_negative()).prop_map(|(a, b)| Surface::Rosenbrock { a, b }),
        Just(Surface::Beale),
        Just(Surface::Himmelblau),
        non_negative().prop_map(|a| Surface::Rastrigin { a }),
        Just(Surface::SixHumpCamel),
        Just(Surface::Saddle),
        Just(Surface::DoubleWell),
    ]
    .boxed()
}

fn nesterov_momentum() -> BoxedStrategy<f64> {
    prop_oneof![4 => 1e-9..=1.0, 1 => Just(1.0)].boxed()
}

fn optimizer() -> BoxedStrategy<OptimizerConfig> {
    prop_oneof![
        (non_negative(), non_negative())
            .prop_map(|(lr, weight_decay)| OptimizerConfig::Sgd { lr, weight_decay }),
        (non_negative(), unit_closed(), unit_closed(), non_negative()).prop_map(
            |(lr, momentum, dampening, weight_decay)| OptimizerConfig::Momentum {
                lr,
                momentum,
                dampening,
                weight_decay
            }
        ),
        (non_negative(), nesterov_momentum(), non_negative()).prop_map(
            |(lr, momentum, weight_decay)| OptimizerConfig::Nesterov { lr, momentum, weight_decay }
        ),
        (non_negative(), nesterov_momentum())
            .prop_map(|(lr, momentum)| OptimizerConfig::NesterovLookahead { lr, momentum }),
        (non_negative(), non_negative(), non_negative(), non_negative(), non_negative()).prop_map(
            |(lr, lr_decay, eps, initial_accumulator, weight_decay)| OptimizerConfig::Adagrad {
                lr,
                lr_decay,
                eps,
                initial_accumulator,
                weight_decay
            }
        ),
        (
            non_negative(),
            unit_half_open(),
            non_negative(),
            any::<bool>(),
            unit_closed(),
            non_negative()
        )
            .prop_map(|(lr, decay_rate, eps, centered, momentum, weight_decay)| {
                OptimizerConfig::RmsProp { lr, decay_rate, eps, centered, momentum, weight_decay }
            }),
        adam(),
        adam_family(),
        // Lion and Schedule-Free (signsf).
        sign_and_schedule_free(),
        classic_optimizer(),
        // Adafactor and Muon (issue 16).
        matrix_rules(),
        lbfgs(),
        // Newton's methods (issue 18).
        (non_negative(), non_negative())
            .prop_map(|(lr, damping)| OptimizerConfig::Newton { lr, damping }),
        (non_negative(), non_negative())
            .prop_map(|(lr, damping)| OptimizerConfig::SaddleFreeNewton { lr, damping }),
    ]
    .boxed()
}

/// Adadelta, ASGD and Rprop (issue 16), anywhere in their ranges.
fn classic_optimizer() -> BoxedStrategy<OptimizerConfig> {
    prop_oneof![
        (non_negative(), unit_closed(), non_negative(), non_negative()).prop_map(
            |(lr, rho, eps, weight_decay)| OptimizerConfig::Adadelta { lr, rho, eps, weight_decay }
        ),
        (non_negative(), non_negative(), non_negative(), non_negative(), non_negative()).prop_map(
            |(lr, lambd, alpha, t0, weight_decay)| OptimizerConfig::Asgd {
                lr,
                lambd,
                alpha,
                t0,
                weight_decay
            }
        ),
        (non_negative(), 1e-9..0.999_999f64, 1.000_001..1e9f64, non_negative(), 1e-12..1e12f64)
            .prop_map(|(lr, eta_minus, eta_plus, step_min, step_max)| OptimizerConfig::Rprop {
                lr,
                eta_minus,
                eta_plus,
                step_min,
                step_max
            }),
    ]
    .boxed()
}

/// Lion, Schedule-Free AdamW and Schedule-Free SGD with values anywhere in their ranges.
fn sign_and_schedule_free() -> BoxedStrategy<OptimizerConfig> {
    let open_unit = || prop_oneof![4 => 1e-12..1.0, 1 => Just(0.999_999_999_999)];
    let averaging = || (0..=1_000_000_000_u64, 0.0..=100.0, 0.0..=100.0);
    prop_oneof![
        (non_negative(), unit_half_open(), unit_half_open(), non_negative()).prop_map(
            |(lr, beta1, beta2, weight_decay)| OptimizerConfig::Lion {
                lr,
                beta1,
                beta2,
                weight_decay
            }
        ),
        (
            non_negative(),
            open_unit(),
            unit_half_open(),
            non_negative(),
            non_negative(),
            averaging()
        )
            .prop_map(
                |(lr, beta1, beta2, eps, weight_decay, (warmup_steps, r, weight_lr_power))| {
                    OptimizerConfig::ScheduleFreeAdamW {
                        lr,
                        beta1,
                        beta2,
                        eps,
                        weight_decay,
                        warmup_steps,
                        r,
                        weight_lr_power,
                    }
                }
            ),
        (non_negative(), open_unit(), non_negative(), averaging()).prop_map(
            |(lr, momentum, weight_decay, (warmup_steps, r, weight_lr_power))| {
                OptimizerConfig::ScheduleFreeSgd {
                    lr,
                    momentum,
                    weight_decay,
                    warmup_steps,
                    r,
                    weight_lr_power,
                }
            }
        ),
    ]
    .boxed()
}

/// `NAdam`, `RAdam` and Adamax.
fn adam_family() -> BoxedStrategy<OptimizerConfig> {
    let moments = (non_negative(), unit_half_open(), unit_half_open(), non_negative());
    (moments, non_negative(), non_negative(), any::<bool>(), 0..3u8)
        .prop_map(|((lr, beta1, beta2, eps), weight_decay, momentum_decay, decoupled, which)| {
            match which {
                0 => OptimizerConfig::Adamax { lr, beta1, beta2, eps, weight_decay },
                1 => OptimizerConfig::NAdam {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    weight_decay,
                    momentum_decay,
                    decoupled_weight_decay: decoupled,
                },
                _ => OptimizerConfig::RAdam {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    weight_decay,
                    decoupled_weight_decay: decoupled,
                },
            }
        })
        .boxed()
}

/// Adafactor (with and without ε₁) and Muon (any coefficients, both lr adjustments).
fn matrix_rules() -> BoxedStrategy<OptimizerConfig> {
    let adafactor = (
        non_negative(),
        prop_oneof![Just(-0.8), -10.0..=0.0f64],
        prop::option::of(non_negative()),
        non_negative(),
        prop_oneof![Just(1.0), 1.0..100.0f64],
        non_negative(),
    )
        .prop_map(|(lr, beta2_decay, eps1, eps2, d, weight_decay)| {
            OptimizerConfig::Adafactor { lr, beta2_decay, eps1, eps2, d, weight_decay }
        });
    let coefficients = (-10.0..10.0f64, -10.0..10.0f64, -10.0..10.0f64);
    let muon = (
        (non_negative(), non_negative(), unit_closed(), any::<bool>()),
        coefficients,
        non_negative(),
        0..=99usize,
        any::<bool>(),
    )
        .prop_map(
            |((lr, weight_decay, momentum, nesterov), ns_coefficients, eps, ns_steps, rms)| {
                OptimizerConfig::Muon {
                    lr,
                    weight_decay,
                    momentum,
                    nesterov,
                    ns_coefficients,
                    eps,
                    ns_steps,
                    adjust_lr: if rms {
                        MuonLrAdjust::MatchRmsAdamW
                    } else {
                        MuonLrAdjust::Original
                    },
                }
            },
        );
    prop_oneof![adafactor, muon].boxed()
}

/// L-BFGS (issue 16) with counts inside their limits and `max_eval` `None` or `Some`.
fn lbfgs() -> BoxedStrategy<OptimizerConfig> {
    let counts = (1..=1000_u32, prop::option::of(1..=10_000_u32), 1..=1000_u32);
    (non_negative(), counts, non_negative(), non_negative(), any::<bool>())
        .prop_map(
            |(
                lr,
                (max_iter, max_eval, history_size),
                tolerance_grad,
                tolerance_change,
                strong_wolfe,
            )| {
                OptimizerConfig::Lbfgs {
                    lr,
                    max_iter,
                    max_eval,
                    tolerance_grad,
                    tolerance_change,
                    history_size,
                    strong_wolfe,
                }
            },
        )
        .boxed()
}

fn adam() -> BoxedStrategy<OptimizerConfig> {
    let moments = (non_negative(), unit_half_open(), unit_half_open(), non_negative());
    (moments, any::<bool>(), any::<bool>(), non_negative(), any::<bool>())
        .prop_map(|((lr, beta1, beta2, eps), bias_correction, amsgrad, weight_decay, w)| {
            if w {
                OptimizerConfig::AdamW { lr, beta1, beta2, eps, amsgrad, weight_decay }
            } else {
                OptimizerConfig::Adam {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    bias_correction,
                    amsgrad,
                    weight_decay,
                }
            }
        })
        .boxed()
}

fn period() -> BoxedStrategy<u64> {
    prop_oneof![4 => 1..1000_u64, 1 => Just(1), 1 => Just(u64::MAX)].boxed()
}

fn schedule() -> BoxedStrategy<Schedule> {
    let leaf = prop_oneof![
        Just(Schedule::Constant),
        non_negative().prop_map(|k| Schedule::Exponential { k }),
        non_negative().prop_map(|k| Schedule::InverseTime { k }),
        (period(), unit_closed()).prop_map(|(every, factor)| Schedule::Step { every, factor }),
        (vec(any::<u64>(), 0..4), unit_closed())
            .prop_map(|(milestones, factor)| Schedule::MultiStep { milestones, factor }),
        (period(), non_negative()).prop_map(|(period, min_lr)| Schedule::Cosine { period, min_lr }),
    ];
    leaf.prop_recursive(3, 6, 1, |inner| {
        (period(), unit_closed(), inner).prop_map(|(steps, start_factor, then)| Schedule::Warmup {
            steps,
            start_factor,
            then: Box::new(then),
        })
    })
    .boxed()
}

fn race_run() -> impl Strategy<Value = RaceRun> {
    (name(), any::<bool>(), option::of(any::<(u8, u8, u8)>()), optimizer(), schedule()).prop_map(
        |(name, enabled, color, optimizer, schedule)| RaceRun {
            name,
            enabled,
            color,
            optimizer,
            schedule,
        },
    )
}

fn race() -> impl Strategy<Value = Race> {
    let steps = prop_oneof![1..5000_u64, Just(1), Just(10_000_000)];
    let settings = (steps, non_negative(), any::<u64>(), positive());
    (surface(), option::of((finite(), finite())), settings, vec(race_run(), 0..4)).prop_map(
        |(surface, start, (steps, noise, seed, tolerance), runs)| Race {
            surface,
            start: start.map(|(x, y)| [x, y]),
            steps,
            noise,
            seed,
            tolerance,
            runs,
        },
    )
}

fn keep() -> BoxedStrategy<f64> {
    prop_oneof![Just(1.0), 1e-3..=1.0f64].boxed()
}

/// Any valid regularization lab, every field varied within its range.
fn lab() -> BoxedStrategy<Experiment> {
    let dropout = (
        vec((-10.0..10.0f64, -10.0..10.0f64), 1..6),
        keep(),
        1..100_000u64,
        1..4096usize,
        any::<u64>(),
        prop_oneof![Just(0.0), -10.0..10.0f64],
    )
        .prop_map(|(pairs, keep, samples, layer_units, seed, bias)| {
            let (weights, inputs) = pairs.into_iter().unzip();
            Experiment::Dropout(DropoutLab {
                weights,
                inputs,
                bias,
                keep,
                samples,
                layer_units,
                seed,
            })
        });
    let dropconnect = (1..64usize, 1..64usize, keep(), 1..100_000u64, 1..100_000u64, any::<u64>())
        .prop_map(|(inputs, units, keep, samples, gaussian_samples, seed)| {
            Experiment::DropConnect(DropConnectLab {
                inputs,
                units,
                keep,
                samples,
                gaussian_samples,
                seed,
            })
        });
    let pooling = (
        4..256usize,
        1.001..1.999f64,
        any::<bool>(),
        any::<bool>(),
        0..Pattern::ALL.len(),
        any::<u64>(),
    )
        .prop_map(|(input_size, alpha, pseudo_random, overlapping, pattern, seed)| {
            Experiment::FractionalMaxPool(FractionalMaxPoolLab {
                input_size,
                alpha,
                pseudo_random,
                overlapping,
                pattern: Pattern::ALL[pattern],
                seed,
            })
        });
    let depth = (1..1000usize, keep(), 1..10_000usize, any::<u64>()).prop_map(
        |(blocks, final_survival, batches, seed)| {
            Experiment::StochasticDepth(StochasticDepthLab {
                blocks,
                final_survival,
                batches,
                seed,
            })
        },
    );
    prop_oneof![dropout, dropconnect, pooling, depth, training_with_lr_finder()].boxed()
}

/// A default training entry with the LR finder off or on with any valid options.
fn training_with_lr_finder() -> BoxedStrategy<Experiment> {
    let options = (1e-9..1.0f64, 1.001..1e4f64, 6..=10_000usize, any::<bool>()).prop_map(
        |(start_lr, ratio, num_it, stop_div)| LrFinderOptions {
            start_lr,
            end_lr: (start_lr * ratio).min(1e4),
            num_it,
            stop_div,
        },
    );
    option::of(options)
        .prop_map(|lr_finder| {
            Experiment::Training(TrainingLab { lr_finder, ..TrainingLab::default() })
        })
        .boxed()
}

fn notebook() -> impl Strategy<Value = Notebook> {
    let experiment = prop_oneof![3 => race().prop_map(Experiment::Race), 2 => lab()];
    let entry = (name(), name(), experiment).prop_map(|(name, notes, experiment)| Entry {
        name,
        notes,
        experiment,
    });
    (name(), vec(entry, 0..3)).prop_map(|(title, entries)| Notebook {
        version: FORMAT_VERSION,
        title,
        entries,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn saving_and_loading_loses_nothing(notebook in notebook()) {
        let text = notebook.to_ron();
        let loaded = Notebook::from_ron(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&loaded, &notebook);
        prop_assert_eq!(loaded.to_ron(), text, "the canonical text is a fixed point");
        prop_assert_eq!(Notebook::from_bytes(notebook.to_ron().as_bytes()).ok(), Some(notebook));
    }
}

// ------------------------------------------------------------------------------------------
// Hand-written files.

fn load(text: &str) -> Notebook {
    Notebook::from_ron(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn refuse(text: &str) -> LoadError {
    match Notebook::from_ron(text) {
        Ok(notebook) => panic!("accepted: {notebook:?}\n{text}"),
        Err(e) => e,
    }
}

fn only_race(notebook: &Notebook) -> &Race {
    let [entry] = &notebook.entries[..] else { panic!("one entry expected: {notebook:?}") };
    entry.experiment.race().expect("a race entry")
}

#[test]
fn an_empty_notebook_is_just_parentheses() {
    let notebook = load("()");
    assert_eq!(notebook.version, FORMAT_VERSION);
    assert_eq!(notebook.title, "");
    assert!(notebook.entries.is_empty());
}

#[test]
fn omitted_fields_take_their_defaults() {
    let notebook = load(
        "// comments are fine\n\
         (entries: [(name: \"bare\", experiment: Race(runs: [(name: \"a\", optimizer: Adam())]))])",
    );
    let race = only_race(&notebook);
    assert_eq!(race.surface, Surface::TacoShell { condition: 10.0, angle: 30.0 });
    assert_eq!(race.start, None);
    assert_eq!(
        race.start_point().map(f64::to_bits),
        race.surface.default_start().map(f64::to_bits)
    );
    assert_eq!((race.steps, race.noise, race.seed), (500, 0.0, 0));
    assert!((race.tolerance - 1e-6).abs() < 1e-18);
    let run = &race.runs[0];
    assert!(run.enabled);
    assert_eq!(run.color, None);
    assert_eq!(run.schedule, Schedule::Constant);
    assert_eq!(
        run.optimizer,
        OptimizerConfig::Adam {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            bias_correction: true,
            amsgrad: false,
            weight_decay: 0.0,
        }
    );
}

#[test]
fn unit_variants_and_implicit_some_need_no_extra_parentheses() {
    let notebook = load(
        "(entries: [(name: \"x\", notes: \"n\", experiment: Race(surface: Saddle, \
         start: (-1.5, 0.25), runs: [(name: \"s\", color: (1, 2, 3), optimizer: Sgd(lr: 0.1), \
         schedule: Step(every: 5))]))])",
    );
    let race = only_race(&notebook);
    assert_eq!(race.surface, Surface::Saddle);
    assert_eq!(race.start, Some([-1.5, 0.25]));
    assert_eq!(race.runs[0].color, Some((1, 2, 3)));
    assert_eq!(race.runs[0].schedule, Schedule::Step { every: 5, factor: 0.1 });
}

#[test]
fn the_canonical_text_omits_no_field_and_reloads() {
    let notebook = Notebook::default_notebook();
    let text = notebook.to_ron();
    for field in ["version: 1", "steps: 300", "tolerance: ", "enabled: true", "schedule: Constant"]
    {
        assert!(text.contains(field), "`{field}` missing from\n{text}");
    }
    assert_eq!(load(&text), notebook);
}

const UNKNOWN_FIELD: &str = "(
    entries: [
        (
            name: \"typo\",
            experiment: Race(
                stepz: 30,
            ),
        ),
    ],
)";

#[test]
fn an_unknown_field_is_refused_at_its_line_and_column() {
    let e = refuse(UNKNOWN_FIELD);
    assert_eq!(e.line, 6, "{e}");
    assert!((17..=22).contains(&e.col), "column {} should point at `stepz`: {e}", e.col);
    assert!(e.message.contains("stepz"), "{e}");
}

#[test]
fn an_unknown_variant_is_refused_at_its_line_and_column() {
    let text = "(entries: [(name: \"a\", experiment: Race(runs: [\n\
                \x20   (name: \"b\", optimizer: Adamm(lr: 0.1)),\n]))])";
    let e = refuse(text);
    assert_eq!(e.line, 2, "{e}");
    assert!((27..=33).contains(&e.col), "column {} should point at `Adamm`: {e}", e.col);
    assert!(e.message.contains("Adamm"), "{e}");
}

#[test]
fn a_value_out_of_range_names_the_field_and_the_range() {
    let text = "(entries: [(name: \"a\", experiment: Race(runs: [\n\
                (name: \"b\", optimizer: RmsProp(decay_rate: 1.0)),\n]))])";
    let e = refuse(text);
    assert_eq!(e.line, 2, "{e}");
    assert!(e.message.contains("decay_rate") && e.message.contains("[0, 1)"), "{e}");
}

#[test]
fn a_newer_version_is_refused_as_newer() {
    let e = refuse("(\n    version: 99,\n    title: \"from the future\",\n)");
    assert!(e.message.contains("newer"), "{e}");
    assert!(e.message.contains("99"), "{e}");
    assert_eq!(e.line, 2, "{e}");
}

#[test]
fn an_unknown_older_version_is_refused() {
    let e = refuse("(version: 0)");
    assert!(e.message.contains("version 0"), "{e}");
}

#[test]
fn a_byte_order_mark_is_not_content() {
    let notebook = Notebook::from_bytes(b"\xef\xbb\xbf(title: \"saved by Notepad\")");
    assert_eq!(notebook.map(|n| n.title).ok().as_deref(), Some("saved by Notepad"));
    let (with, without) = (refuse("\u{feff}(title: 3)"), refuse("(title: 3)"));
    assert_eq!(with, without, "columns count from after the mark");
}

#[test]
fn an_empty_file_is_refused_as_empty() {
    for text in ["", "  \n\t\n"] {
        let e = refuse(text);
        assert!(e.message.contains("empty"), "{e}");
    }
}

#[test]
fn invalid_utf8_is_refused_with_its_position() {
    let mut bytes = b"(\n    title: \"caf\xc3\xa9 ".to_vec();
    bytes.push(0xff);
    bytes.extend_from_slice(b"\",\n)");
    let e = Notebook::from_bytes(&bytes).expect_err("invalid UTF-8 is refused");
    assert_eq!((e.line, e.col), (2, 18), "{e}");
    assert!(e.message.contains("UTF-8"), "{e}");
}

#[test]
fn the_readme_example_loads() {
    let readme = include_str!("../../../../README.md");
    let start = readme.find("```ron\n").expect("the README shows a notebook") + "```ron\n".len();
    let end = start + readme[start..].find("```").expect("the block ends");
    let notebook = load(&readme[start..end]);
    assert_eq!(only_race(&notebook).runs.len(), 2);
}

#[test]
fn the_readme_training_entry_loads_with_its_stated_values() {
    let readme = include_str!("../../../../README.md");
    let start = readme.find("```ron\nTraining(").expect("the README shows a training entry")
        + "```ron\n".len();
    let end = start + readme[start..].find("```").expect("the block ends");
    let text = format!("(entries: [(name: \"t\", experiment: {})])", &readme[start..end]);
    let notebook = load(&text);
    let Experiment::Training(lab) = &notebook.entries[0].experiment else {
        panic!("a training entry")
    };
    assert_eq!((lab.validation_fraction, lab.runs.len()), (0.2, 1));
    assert_eq!((lab.runs[0].batch_size, lab.runs[0].epochs), (32, 50));
}

#[test]
fn the_readme_assignment_entry_loads_and_its_pasted_result_agrees() {
    let readme = include_str!("../../../../README.md");
    let start = readme.find("```ron\nAssignment(").expect("the README shows an assignment entry")
        + "```ron\n".len();
    let end = start + readme[start..].find("```").expect("the block ends");
    let text = format!("(entries: [(name: \"a\", experiment: {})])", &readme[start..end]);
    let notebook = load(&text);
    let Experiment::Assignment(lab) = &notebook.entries[0].experiment else {
        panic!("an assignment entry")
    };
    let report = lab.compute();
    assert_eq!(
        report.output("t").and_then(optlab_core::entries::assignment::numpy::Array::as_scalar),
        Some(6.0)
    );
    assert_eq!(report.checks.len(), 1);
    assert_eq!(report.checks[0].verdict, optlab_core::entries::assignment::Verdict::Agrees);
}

#[test]
fn a_race_on_a_typed_formula_round_trips_and_a_bad_formula_names_its_place() {
    let text = r#"(entries: [(name: "mine", experiment: Race(
        surface: Expression("sin(x) * cos(y) + 0.1*(x^2 + y^2)"),
        runs: [(name: "Adam", optimizer: Adam(lr: 0.05))],
    ))])"#;
    let notebook = load(text);
    assert_eq!(Notebook::from_ron(&notebook.to_ron()).expect("reloads"), notebook);
    let broken = text.replace("cos(y)", "cos(y");
    let e = refuse(&broken);
    assert_eq!(e.line, 2, "{e}");
    assert!(e.message.contains("missing") || e.message.contains(')'), "{e}");
}

/// Any valid loss-landscape option of a training entry with three runs.
fn landscape_options() -> impl Strategy<Value = optlab_core::entries::training::LandscapeOptions> {
    let between = option::of((0..3usize, 0..3usize).prop_filter("two runs", |(a, b)| a != b));
    (3..=201usize, 1e-3..=100.0f64, 3..=1001usize, between).prop_map(
        |(resolution, span, interpolation_points, between)| {
            optlab_core::entries::training::LandscapeOptions {
                resolution,
                span,
                interpolation_points,
                between,
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn a_training_entry_s_landscape_option_round_trips(options in option::of(landscape_options())) {
        let mut lab = optlab_core::entries::training::TrainingLab::default();
        let run = lab.runs[0].clone();
        lab.runs = vec![run.clone(), run.clone(), run];
        lab.landscape = options;
        let notebook = Notebook {
            version: FORMAT_VERSION,
            title: String::new(),
            entries: vec![Entry {
                name: "t".to_owned(),
                notes: String::new(),
                experiment: Experiment::Training(lab),
            }],
        };
        let text = notebook.to_ron();
        let loaded = Notebook::from_ron(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&loaded, &notebook);
    }
}

// ------------------------------------------------------------------------------------------
// Training entries with sharpness tracking (issue 19).

fn training_with_sharpness() -> impl Strategy<Value = Notebook> {
    use optlab_core::entries::training::{SharpnessTracking, TrainingLab};
    let tracking = option::of((1_usize..=100_000, 1_usize..=1000))
        .prop_map(|t| t.map(|(every, iterations)| SharpnessTracking { every, iterations }));
    (tracking, any::<u64>()).prop_map(|(sharpness, seed)| Notebook {
        version: FORMAT_VERSION,
        title: "sharpness".to_owned(),
        entries: vec![Entry {
            name: "tracked".to_owned(),
            notes: String::new(),
            experiment: Experiment::Training(TrainingLab {
                sharpness,
                seed,
                ..TrainingLab::default()
            }),
        }],
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn sharpness_tracking_survives_saving_and_loading(notebook in training_with_sharpness()) {
        let text = notebook.to_ron();
        let loaded = Notebook::from_ron(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&loaded, &notebook);
        prop_assert_eq!(loaded.to_ron(), text);
    }
}

#[test]
fn sharpness_tracking_out_of_range_is_refused_with_its_field() {
    for (field, text) in
        [("every", "every: 0, iterations: 20"), ("iterations", "every: 5, iterations: 5000")]
    {
        let ron = format!("(entries: [(name: \"t\", experiment: Training(sharpness: ({text})))])");
        let error = refuse(&ron).to_string();
        assert!(error.contains(field), "{error}");
    }
    let notebook = load("(entries: [(name: \"t\", experiment: Training(sharpness: ()))])");
    let Experiment::Training(lab) = &notebook.entries[0].experiment else { panic!("training") };
    assert_eq!(lab.sharpness.map(|t| (t.every, t.iterations)), Some((10, 20)));
}
