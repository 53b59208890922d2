//! What the Internals view plots for each optimizer family, and the axis ranges of its plots,
//! pure (no drawing): the state the rule keeps (none for plain SGD, a velocity for momentum,
//! G or v for the adaptive rules) and the effective step size η/(√G + ε) or η/(√v + ε).

use egui_plot::{GridInput, GridMark};
use optlab_core::optim::OptimizerConfig;
use optlab_core::runner::races::InternalsSample;

/// The families of update rules, by the state they keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Plain SGD: no state, every step is −η∇L.
    Plain,
    /// SGD with (Nesterov) momentum: a velocity, effective step η.
    Momentum,
    /// Adagrad: the sum G of all squared gradients.
    Adagrad,
    /// RMSprop: a leaky average v of squared gradients.
    RmsProp,
    /// Adam and AdamW: the first moment m and the second moment v.
    Adam,
    /// Adamax: the first moment m and the infinity norm u.
    Adamax,
    /// `NAdam`: Adam's moments with a Nesterov step.
    NAdam,
    /// `RAdam`: Adam's moments, rectified once ρₜ > 5.
    RAdam,
    /// Lion: the momentum m, whose sign (mixed with the gradient) is the step; effective step η.
    Sign,
    /// Schedule-Free AdamW: the second moment v and the average x beside the parameters y.
    ScheduleFreeAdam,
    /// Schedule-Free SGD: the base sequence z and the average x; effective step η (warmed up).
    ScheduleFreeSgd,
    /// Adadelta: leaky averages of squared gradients and of squared updates.
    Adadelta,
    /// ASGD: a decaying η and the average of the iterates.
    Asgd,
    /// Rprop: a step size per coordinate and the previous gradient.
    Rprop,
    /// Adafactor: the (factored) second-moment estimate V (issue 16).
    Adafactor,
    /// Muon: a momentum buffer, orthogonalized (issue 16).
    Muon,
    /// L-BFGS: the direction d of its last iteration and the step length t.
    QuasiNewton,
    /// Newton and saddle-free Newton: the step direction (H + δI)⁻¹∇L (issue 18).
    Newton,
}

/// One plotted quantity: its title and how to read it from a sample.
#[derive(Clone, Copy, Debug)]
pub struct Series {
    /// The plot's title, shown above it.
    pub title: &'static str,
    /// Whether the values span decades (plotted on a log axis).
    pub log: bool,
    /// The quantity's two coordinates at a sample, before [`Series::scale`].
    pub pick: fn(&InternalsSample) -> [f64; 2],
    /// The factor the picked values are plotted times (μ for the look-ahead offset μv).
    pub scale: f64,
}

impl Series {
    /// The plotted quantity's two coordinates at `sample`.
    #[must_use]
    pub fn values(&self, sample: &InternalsSample) -> [f64; 2] {
        (self.pick)(sample).map(|v| v * self.scale)
    }

    /// The look-ahead form's offset μv = x̄ − x from the plain x to the point where its
    /// gradient is taken (drawn on the map as a hollow ring).
    #[must_use]
    pub fn lookahead_offset(momentum: f64) -> Self {
        Self {
            title: "look-ahead offset μv = (x + μv) − x",
            log: false,
            pick: |s| s.velocity,
            scale: momentum,
        }
    }
}

/// What the two forms of Nesterov momentum store, for the Internals view; `None` for every
/// other optimizer.
#[must_use]
pub fn nesterov_note(config: &OptimizerConfig) -> Option<&'static str> {
    match config {
        OptimizerConfig::NesterovLookahead { .. } => Some(
            "Look-ahead form: the stored parameter is the plain x and the velocity v is in \
             parameter units (x ← x + v); the gradient is taken at the look-ahead point \
             x + μv, drawn on the map as a hollow ring on a dashed line from x. The upper \
             plot is that offset μv; it is zero at step 0, where the look-ahead point is x.",
        ),
        OptimizerConfig::Nesterov { .. } => Some(
            "PyTorch form: the stored parameter is the look-ahead point itself, x̄ = x + μv of \
             the look-ahead form (the two sequences of x̄ coincide step for step), so this \
             path is the look-ahead points; its buffer b is the velocity in gradient units, \
             v = −η·b.",
        ),
        _ => None,
    }
}

impl Family {
    /// The family of `config`.
    #[must_use]
    pub fn of(config: &OptimizerConfig) -> Self {
        match config {
            OptimizerConfig::Sgd { .. } => Self::Plain,
            OptimizerConfig::Momentum { .. }
            | OptimizerConfig::Nesterov { .. }
            | OptimizerConfig::NesterovLookahead { .. } => Self::Momentum,
            OptimizerConfig::Adagrad { .. } => Self::Adagrad,
            OptimizerConfig::RmsProp { .. } => Self::RmsProp,
            OptimizerConfig::Adam { .. } | OptimizerConfig::AdamW { .. } => Self::Adam,
            OptimizerConfig::Adamax { .. } => Self::Adamax,
            OptimizerConfig::NAdam { .. } => Self::NAdam,
            OptimizerConfig::RAdam { .. } => Self::RAdam,
            OptimizerConfig::Lion { .. } => Self::Sign,
            OptimizerConfig::ScheduleFreeAdamW { .. } => Self::ScheduleFreeAdam,
            OptimizerConfig::ScheduleFreeSgd { .. } => Self::ScheduleFreeSgd,
            OptimizerConfig::Adadelta { .. } => Self::Adadelta,
            OptimizerConfig::Asgd { .. } => Self::Asgd,
            OptimizerConfig::Rprop { .. } => Self::Rprop,
            OptimizerConfig::Adafactor { .. } => Self::Adafactor,
            OptimizerConfig::Muon { .. } => Self::Muon,
            OptimizerConfig::Lbfgs { .. } => Self::QuasiNewton,
            OptimizerConfig::Newton { .. } | OptimizerConfig::SaddleFreeNewton { .. } => {
                Self::Newton
            }
        }
    }

    /// One sentence on what the rule keeps and what the plots show.
    #[must_use]
    pub fn note(self) -> &'static str {
        match self {
            Self::Plain => {
                "Plain SGD keeps no state: every step is −η·∇L at the current point, so its \
                 effective step is the learning rate η for both coordinates."
            }
            Self::Momentum => {
                "Momentum keeps a velocity b, a running sum of past gradients; it steps −η·b, \
                 so its effective step is the learning rate η."
            }
            Self::Adagrad => {
                "Adagrad keeps G, the sum of all squared gradients so far. G only grows, so \
                 the effective step η/(√G + ε) of each coordinate only shrinks."
            }
            Self::RmsProp => {
                "RMSprop keeps v, a leaky average of squared gradients that forgets old ones, \
                 so its effective step η/(√v + ε) grows back where the gradient is small."
            }
            Self::Adam => {
                "Adam keeps m, an average of gradients (a velocity), and v, an average of \
                 squared gradients; it steps −η·m̂/(√v̂ + ε)."
            }
            _ => self.note_beyond_the_lecture(),
        }
    }

    /// [`Self::note`] for the optimizers added after the lecture's (empty for the lecture's own).
    fn note_beyond_the_lecture(self) -> &'static str {
        match self {
            Self::Adamax => {
                "Adamax keeps m, an average of gradients, and u = max(β₂u, |∇L| + ε), the \
                 largest recent gradient size; it steps −η·m̂/u, so its effective step η/u \
                 drops at once when a large gradient arrives and recovers slowly."
            }
            Self::NAdam => {
                "NAdam keeps Adam's m and v and steps along a Nesterov mix of the gradient and \
                 m, both divided by √v̂ + ε: the effective step η/(√v̂ + ε) is Adam's."
            }
            Self::RAdam => {
                "RAdam keeps Adam's m and v. While ρₜ ≤ 5 (the first 5 updates with \
                 β₂ = 0.999) it steps −η·m̂ with effective step η; after that \
                 η·rₜ·√(1 − β₂ᵗ)/(√v + ε), Adam's step times the rectification rₜ < 1."
            }
            Self::Sign => {
                "Lion keeps a momentum m; every coordinate steps by exactly η, in the direction \
                 of −sign(β₁m + (1 − β₁)∇L), so its effective step is the learning rate η."
            }
            Self::ScheduleFreeAdam => {
                "Schedule-Free AdamW takes Adam-normalized steps on a sequence z and keeps x, \
                 the weighted average of the z's; the parameters y = (1 − β₁)z + β₁x are where \
                 gradients are taken (the path), and x (dashed on the map and in the loss plot) \
                 is what the model is evaluated at."
            }
            Self::ScheduleFreeSgd => {
                "Schedule-Free SGD takes SGD steps on a sequence z and keeps x, the weighted \
                 average of the z's; the parameters y = (1 − β)z + βx are where gradients are \
                 taken (the path), and x (dashed on the map and in the loss plot) is what the \
                 model is evaluated at. Its effective step is η (times the warm-up)."
            }
            Self::Adadelta => {
                "Adadelta keeps v, a leaky average of squared gradients (torch's square_avg), and \
                 u, one of its squared updates (acc_delta); it steps −η·√(u + ε)/√(v + ε)·∇L, \
                 so its effective step η√(u + ε)/√(v + ε) grows as its own updates grow."
            }
            Self::Asgd => {
                "ASGD is SGD with a step η = lr/(1 + λ·lr·t)^α that decays (the lr column stays \
                 the lr) and θ shrinking by (1 − λη); after t0 updates it averages its iterates \
                 into θ_avg (torch's ax), drawn on the map as a hollow square. The run's path is θ."
            }
            Self::Rprop => {
                "Rprop keeps a step size Δ per coordinate and the previous gradient (torch's \
                 prev): Δ grows by η⁺ while the gradient keeps its sign and shrinks by η⁻ when \
                 it flips (that coordinate then waits a step, prev = 0); θ moves by Δ·sign(∇L)."
            }
            Self::Adafactor => {
                "Adafactor keeps the second moment of a matrix as a row factor R and a column \
                 factor C (here (x, y) is a 1×2 matrix), rebuilds V = RCᵀ/mean(R) from them \
                 and steps αₜ·∇L/√V, clipped to RMS d, with αₜ = min(η, 1/√t)·max(ε₂, RMS(θ))."
            }
            Self::Muon => {
                "Muon keeps a momentum buffer b and steps along its orthogonalized direction \
                 (Newton–Schulz, in f64 here; PyTorch uses bfloat16): for a 1×2 matrix that \
                 is the unit vector along the update times a fixed number (≈ 0.70 with the \
                 default coefficients and 5 iterations), so every step has the same length."
            }
            Self::QuasiNewton => {
                "L-BFGS keeps the last pairs (s, y) of steps and gradient changes and turns −∇L \
                 into d = −H∇L with an inverse-Hessian estimate H (two-loop recursion); each \
                 iteration moves t·d. One step here is one optimizer.step(closure) call with \
                 all its iterations and loss evaluations, so the plots show the last \
                 iteration's d and t."
            }
            Self::Newton => {
                "Newton's methods keep no state: each step solves (H + δI)p = ∇L with the exact \
                 Hessian H at the current point (|H|, every curvature made positive, for \
                 saddle-free Newton) and moves −η·p. The plot shows p; near a saddle plain \
                 Newton's p points at the saddle."
            }
            Self::Plain | Self::Momentum | Self::Adagrad | Self::RmsProp | Self::Adam => "",
        }
    }

    /// The upper plot: the state the rule keeps (`None` for plain SGD, which keeps none).
    #[must_use]
    pub fn state(self) -> Option<Series> {
        let velocity = |s: &InternalsSample| s.velocity;
        let second = |s: &InternalsSample| s.second_moment;
        match self {
            Self::Plain | Self::ScheduleFreeSgd => None,
            Self::Momentum => Some(Series {
                title: "velocity b (momentum buffer)",
                log: false,
                pick: velocity,
                scale: 1.0,
            }),
            Self::Adagrad => Some(Series {
                title: "G = Σ g², sum of squared gradients",
                log: true,
                pick: second,
                scale: 1.0,
            }),
            Self::RmsProp | Self::ScheduleFreeAdam => Some(Series {
                title: "v, leaky average of squared gradients",
                log: true,
                pick: second,
                scale: 1.0,
            }),
            Self::Adam | Self::Adamax | Self::NAdam | Self::RAdam => Some(Series {
                title: "m, first moment (velocity)",
                log: false,
                pick: velocity,
                scale: 1.0,
            }),
            Self::Sign => {
                Some(Series { title: "m, momentum", log: false, pick: velocity, scale: 1.0 })
            }
            Self::Adadelta | Self::Asgd | Self::Rprop => Some(self.classic_state()),
            Self::Adafactor => Some(Series {
                title: "V = RCᵀ/mean(R), factored second moment",
                log: true,
                pick: second,
                scale: 1.0,
            }),
            Self::Muon => {
                Some(Series { title: "b, momentum buffer", log: false, pick: velocity, scale: 1.0 })
            }
            Self::QuasiNewton => Some(Series {
                title: "direction d = −H∇L of the last iteration",
                log: false,
                pick: velocity,
                scale: 1.0,
            }),
            Self::Newton => Some(Series {
                title: "Newton step p = (H + δI)⁻¹∇L (θ moves −η·p)",
                log: false,
                pick: velocity,
                scale: 1.0,
            }),
        }
    }

    /// [`Self::state`] of Adadelta, ASGD and Rprop (issue 16): the `velocity` slot carries
    /// ASGD's average and Rprop's previous gradient.
    fn classic_state(self) -> Series {
        let (title, log, pick): (_, _, fn(&InternalsSample) -> [f64; 2]) = match self {
            Self::Adadelta => {
                ("v, leaky average of squared gradients (square_avg)", true, |s| s.second_moment)
            }
            Self::Asgd => {
                ("θ_avg, average of the iterates (ax; θ_avg = θ until t0)", false, |s| {
                    s.velocity
                })
            }
            _ => ("previous gradient (prev; 0 after a sign change)", false, |s| s.velocity),
        };
        Series { title, log, pick, scale: 1.0 }
    }

    /// The lower plot: the effective per-coordinate step size.
    #[must_use]
    pub fn effective_step(self) -> Series {
        let title = match self {
            Self::Plain | Self::Momentum | Self::Sign => "effective step: the learning rate η",
            Self::ScheduleFreeSgd => "effective step of z: ηₜ (η times the warm-up)",
            Self::ScheduleFreeAdam => "effective step of z: ηₜ/(√v̂ + ε)",
            Self::Adagrad => "effective step η/(√G + ε)",
            Self::RmsProp => "effective step η/(√v + ε)",
            Self::Adam | Self::NAdam => "effective step η/(√v̂ + ε)",
            Self::Adamax => "effective step η/u (applied to m̂)",
            Self::RAdam => "effective step: η, then η·rₜ·√(1 − β₂ᵗ)/(√v + ε) once ρₜ > 5",
            Self::Adadelta => "effective step η√(u + ε)/√(v + ε)",
            Self::Asgd => "effective step η = lr/(1 + λ·lr·t)^α",
            Self::Rprop => "step size Δ per coordinate (θ moves by Δ·sign(∇L))",
            Self::Adafactor => "effective step αₜ/(clip·√V)",
            Self::Muon => "effective step: η adjusted to the shape (times the unit direction)",
            Self::QuasiNewton => "step length t of the last iteration (line search or η)",
            Self::Newton => "effective step: the learning rate η (times p)",
        };
        Series { title, log: true, pick: |s| s.effective_step, scale: 1.0 }
    }
}

/// The samples after the first update: before it the adaptive rules' state is zero and their
/// effective step η/ε is a spike of up to 1e9 that would flatten the rest of the curve.
#[must_use]
pub fn after_first_update(samples: &[InternalsSample]) -> &[InternalsSample] {
    &samples[samples.partition_point(|s| s.step == 0)..]
}

/// The value plotted for `value`: log10 on a log axis (`None` for values ≤ 0 there), the value
/// itself otherwise (`None` when not finite).
#[must_use]
pub fn plotted(value: f64, log: bool) -> Option<f64> {
    let y = if log && value > 0.0 {
        value.log10()
    } else if log {
        f64::NAN
    } else {
        value
    };
    y.is_finite().then_some(y)
}

/// The y range of the plotted values of `series`, padded a little; a log range spans at least
/// half a decade, so it holds labelled marks. `None` when nothing is plotted.
#[must_use]
pub fn y_range(samples: &[InternalsSample], series: &Series) -> Option<(f64, f64)> {
    let (low, high) = samples
        .iter()
        .flat_map(|s| series.values(s))
        .filter_map(|v| plotted(v, series.log))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !low.is_finite() {
        return None;
    }
    let least = if series.log { 0.5 } else { high.abs().max(low.abs()).max(1e-12) * 0.2 };
    let pad = ((high - low) * 0.05).max((least - (high - low)).max(0.0) / 2.0);
    Some((low - pad, high + pad))
}

/// Most labelled marks on a linear axis.
const MOST_LINEAR_LABELS: f64 = 8.0;

/// Grid marks for a linear axis at 1, 2 or 5 times a power of ten, the step chosen so about
/// [`MOST_LINEAR_LABELS`] of them fall in range (`egui_plot`'s default spaces them by powers of
/// ten, which left a short velocity plot with one label), with faint marks at a fifth of it.
#[must_use]
pub fn linear_marks(input: &GridInput) -> Vec<GridMark> {
    let (low, high) = input.bounds;
    if !(low.is_finite() && high.is_finite()) || high <= low {
        return Vec::new();
    }
    let wanted = (high - low) / MOST_LINEAR_LABELS;
    let decade = 10f64.powf(wanted.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * decade).find(|s| *s >= wanted);
    let step = step.unwrap_or(10.0 * decade);
    let minor = step / 5.0;
    let first = (low / minor).ceil();
    let last = (high / minor).floor();
    if !(last - first).is_finite() || last - first > 1000.0 {
        return Vec::new();
    }
    let mut marks = Vec::new();
    let mut index = first;
    while index <= last {
        let value = index * minor;
        let major = (index.rem_euclid(5.0)).abs() < 1e-9;
        marks.push(GridMark { value, step_size: if major { step } else { minor } });
        index += 1.0;
    }
    marks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(step: u64, effective: f64, second: f64) -> InternalsSample {
        InternalsSample {
            step,
            velocity: [f64::NAN; 2],
            effective_step: [effective, effective * 2.0],
            second_moment: [second; 2],
            evaluation: None,
        }
    }

    #[test]
    fn the_step_zero_spike_is_left_out() {
        let samples = [sample(0, 5e8, 0.0), sample(1, 1e-3, 4.0), sample(2, 5e-4, 16.0)];
        let shown = after_first_update(&samples);
        assert_eq!(shown.len(), 2);
        let effective = Family::Adagrad.effective_step();
        let (low, high) = y_range(shown, &effective).expect("a range");
        assert!(low < 5e-4f64.log10() && high > 2e-3f64.log10() && high < 0.0, "{low}..{high}");
        assert!(after_first_update(&samples[..1]).is_empty());
    }

    #[test]
    fn adaptive_rules_show_their_accumulator_not_a_velocity() {
        assert!(Family::Plain.state().is_none());
        assert!(Family::Plain.note().contains("keeps no state"));
        for (family, state, step) in [
            (Family::Adagrad, "G = Σ g²", "η/(√G + ε)"),
            (Family::RmsProp, "v, leaky average", "η/(√v + ε)"),
        ] {
            let series = family.state().expect("adaptive rules keep state");
            assert!(series.log && series.title.starts_with(state));
            assert!((series.pick)(&sample(3, 0.1, 9.0)).iter().all(|v| (v - 9.0).abs() < 1e-12));
            assert!(family.effective_step().title.contains(step));
            assert!(family.note().contains(step) && !family.note().contains("no state"));
        }
        assert!(!Family::Momentum.state().expect("a velocity").log);
    }

    #[test]
    fn the_lookahead_offset_is_mu_times_the_velocity_and_both_forms_are_explained() {
        let mut s = sample(4, 0.1, 1.0);
        s.velocity = [2.0, -4.0];
        let offset = Series::lookahead_offset(0.9);
        assert!(!offset.log);
        let [x, y] = offset.values(&s);
        assert!((x - 1.8).abs() < 1e-12 && (y + 3.6).abs() < 1e-12);
        let lookahead = OptimizerConfig::NesterovLookahead { lr: 0.01, momentum: 0.9 };
        assert!(nesterov_note(&lookahead).is_some_and(|n| n.contains("x + μv")));
        let torch = OptimizerConfig::Nesterov { lr: 0.01, momentum: 0.9, weight_decay: 0.0 };
        assert!(nesterov_note(&torch).is_some_and(|n| n.contains("look-ahead point itself")));
        let momentum = OptimizerConfig::Sgd { lr: 0.01, weight_decay: 0.0 };
        assert!(nesterov_note(&momentum).is_none());
    }

    #[test]
    fn nadam_radam_and_adamax_show_their_first_moment_and_own_step() {
        let mut adamax = OptimizerConfig::catalogue();
        adamax.retain(|c| matches!(c.name(), "Adamax" | "NAdam" | "RAdam"));
        let families: Vec<Family> = adamax.iter().map(Family::of).collect();
        assert_eq!(families, [Family::Adamax, Family::NAdam, Family::RAdam]);
        for family in families {
            let state = family.state().expect("a first moment");
            assert!(!state.log && state.title.starts_with("m, first moment"));
            assert!(family.effective_step().log);
        }
        assert!(Family::Adamax.effective_step().title.contains("η/u"));
        assert!(Family::RAdam.note().contains("ρₜ ≤ 5"));
    }

    #[test]
    fn adadelta_asgd_and_rprop_show_their_own_state() {
        let mut s = sample(3, 0.1, 9.0);
        s.velocity = [0.5, -0.25];
        for (family, title, picked) in [
            (Family::Adadelta, "square_avg", [9.0, 9.0]),
            (Family::Asgd, "average of the iterates", [0.5, -0.25]),
            (Family::Rprop, "previous gradient", [0.5, -0.25]),
        ] {
            let state = family.state().expect("these rules keep state");
            assert!(state.title.contains(title), "{}", state.title);
            assert!(state.values(&s).iter().zip(picked).all(|(a, b)| (a - b).abs() < 1e-15));
            assert!(family.effective_step().log);
        }
        assert!(Family::Asgd.note().contains("hollow square"));
        assert!(Family::Rprop.effective_step().title.contains("sign(∇L)"));
        let rprop: OptimizerConfig = ron::from_str("Rprop()").expect("parses");
        assert_eq!(Family::of(&rprop), Family::Rprop);
    }

    #[test]
    fn a_flat_log_series_still_spans_half_a_decade() {
        let samples = [sample(1, 0.05, 1.0), sample(2, 0.05, 1.0)];
        let (low, high) = y_range(&samples, &Family::Plain.effective_step()).expect("a range");
        assert!((high - low - 0.5).abs() < 1e-9, "{low}..{high}");
        assert!(low < 0.05f64.log10() && high > 0.1f64.log10());
    }

    #[test]
    fn linear_marks_label_one_two_five_steps() {
        let majors = |bounds| -> Vec<f64> {
            let marks = linear_marks(&GridInput { bounds, base_step_size: 1e-3 });
            let step = marks.iter().map(|m| m.step_size).fold(0.0, f64::max);
            marks.iter().filter(|m| m.step_size >= step).map(|m| m.value).collect()
        };
        assert_eq!(majors((-100.0, 100.0)), [-100.0, -50.0, 0.0, 50.0, 100.0]);
        assert_eq!(majors((-0.7, 0.7)).len(), 7);
        assert!(linear_marks(&GridInput { bounds: (1.0, 1.0), base_step_size: 0.1 }).is_empty());
    }

    #[test]
    fn non_positive_values_are_not_plotted_on_a_log_axis() {
        assert_eq!(plotted(0.0, true), None);
        assert_eq!(plotted(-1.0, true), None);
        assert_eq!(plotted(-1.0, false), Some(-1.0));
        assert_eq!(plotted(f64::NAN, false), None);
        assert_eq!(plotted(100.0, true), Some(2.0));
    }
}
