//! The update rules of the course assignment, in its own conventions, and the mistakes students
//! make in them.
//!
//! Source: cs231n assignment 2, `cs231n/optim.py` and `layers.py` (see
//! `reference/semantics.md` §8). Where the assignment differs from PyTorch:
//! - `sgd_momentum` folds the learning rate into the velocity (`v = μv − lr·dw; w += v`); PyTorch
//!   keeps it outside (`b = μb + dw; w −= lr·b`, so `b = −v/lr`). The two agree while lr is
//!   constant and differ once a schedule changes it.
//! - `rmsprop` calls PyTorch's `alpha` `decay_rate` (default 0.99, PyTorch's 0.99 too) and has no
//!   momentum or centring.
//! - `adam` increments `t` *before* using it ("modify t _before_ using it"), so a config with
//!   `t = 5` corrects with 1 − β⁶, as PyTorch does with `step = 5` in its state.
//! - dropout's `p` is the probability of *keeping* a unit; PyTorch's `p` is the drop probability.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// A rule of the assignment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rule {
    /// `w −= lr·dw`.
    Sgd,
    /// `v = μv − lr·dw; w += v`.
    SgdMomentum,
    /// `cache = ρ·cache + (1 − ρ)·dw²; w −= lr·dw/(√cache + ε)`.
    RmsProp,
    /// Adam with bias correction, `t` incremented before use.
    #[default]
    Adam,
    /// Inverted dropout's forward pass, train and test mode.
    DropoutForward,
}

/// Where a config key's value comes from when the config leaves it out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fallback {
    /// A number (`config.setdefault("learning_rate", 1e-2)`).
    Number(f64),
    /// `np.zeros_like(w)`.
    ZerosLikeW,
}

/// One key of a rule's `config` dict.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConfigKey {
    /// The key as the assignment spells it.
    pub name: &'static str,
    /// Its value when the config leaves it out.
    pub default: Fallback,
    /// What it is, for tooltips.
    pub help: &'static str,
}

const fn key(name: &'static str, default: f64, help: &'static str) -> ConfigKey {
    ConfigKey { name, default: Fallback::Number(default), help }
}

const fn state(name: &'static str, help: &'static str) -> ConfigKey {
    ConfigKey { name, default: Fallback::ZerosLikeW, help }
}

const LR: &str = "learning rate: the step size";
const EPS: &str = "added to the root in the denominator so it never divides by 0";

const SGD_KEYS: &[ConfigKey] = &[key("learning_rate", 1e-2, LR)];
const MOMENTUM_KEYS: &[ConfigKey] = &[
    key("learning_rate", 1e-2, LR),
    key("momentum", 0.9, "μ: how much of the velocity survives a step"),
    state("velocity", "v: the running step, lr folded in (state)"),
];
const RMSPROP_KEYS: &[ConfigKey] = &[
    key("learning_rate", 1e-2, LR),
    key("decay_rate", 0.99, "ρ: decay of the squared-gradient average (PyTorch's alpha)"),
    key("epsilon", 1e-8, EPS),
    state("cache", "the running average of dw² (state)"),
];
const ADAM_KEYS: &[ConfigKey] = &[
    key("learning_rate", 1e-3, LR),
    key("beta1", 0.9, "β₁: decay of the first moment m"),
    key("beta2", 0.999, "β₂: decay of the second moment v"),
    key("epsilon", 1e-8, EPS),
    state("m", "first moment: running mean of dw (state)"),
    state("v", "second moment: running mean of dw² (state)"),
    key("t", 0.0, "steps taken so far; incremented before use (state)"),
];
const DROPOUT_KEYS: &[ConfigKey] = &[
    key("p", 0.5, "probability of KEEPING a unit (PyTorch's p is the drop probability)"),
    key("seed", 0.0, "seeds the mask (ChaCha8 here, so not numpy's values)"),
];

impl Rule {
    /// Every rule, in menu order.
    pub const ALL: [Self; 5] =
        [Self::Sgd, Self::SgdMomentum, Self::RmsProp, Self::Adam, Self::DropoutForward];

    /// The function's name in the assignment.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Sgd => "sgd",
            Self::SgdMomentum => "sgd_momentum",
            Self::RmsProp => "rmsprop",
            Self::Adam => "adam",
            Self::DropoutForward => "dropout_forward",
        }
    }

    /// The arrays the function takes besides its config: `w, dw` or `x`.
    #[must_use]
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            Self::DropoutForward => &["x"],
            _ => &["w", "dw"],
        }
    }

    /// The config keys the function reads, with their defaults as `setdefault` gives them.
    #[must_use]
    pub fn config_keys(self) -> &'static [ConfigKey] {
        match self {
            Self::Sgd => SGD_KEYS,
            Self::SgdMomentum => MOMENTUM_KEYS,
            Self::RmsProp => RMSPROP_KEYS,
            Self::Adam => ADAM_KEYS,
            Self::DropoutForward => DROPOUT_KEYS,
        }
    }

    /// What the function returns: `next_w` and the updated state, or dropout's outputs.
    #[must_use]
    pub fn outputs(self) -> &'static [&'static str] {
        match self {
            Self::Sgd => &["next_w"],
            Self::SgdMomentum => &["next_w", "velocity"],
            Self::RmsProp => &["next_w", "cache"],
            Self::Adam => &["next_w", "m", "v", "t"],
            Self::DropoutForward => &["out", "out_test", "mask"],
        }
    }

    /// The rule as the assignment writes it.
    #[must_use]
    pub fn formula(self) -> &'static str {
        match self {
            Self::Sgd => "w -= learning_rate * dw",
            Self::SgdMomentum => "v = momentum * v - learning_rate * dw\nnext_w = w + v",
            Self::RmsProp => {
                "cache = decay_rate * cache + (1 - decay_rate) * dw**2\n\
                 next_w = w - learning_rate * dw / (np.sqrt(cache) + epsilon)"
            }
            Self::Adam => {
                "t = t + 1\n\
                 m = beta1 * m + (1 - beta1) * dw\n\
                 mt = m / (1 - beta1**t)\n\
                 v = beta2 * v + (1 - beta2) * (dw**2)\n\
                 vt = v / (1 - beta2**t)\n\
                 next_w = w - learning_rate * mt / (np.sqrt(vt) + epsilon)"
            }
            Self::DropoutForward => {
                "train: mask = (np.random.rand(*x.shape) < p) / p; out = x * mask\n\
                 test:  out = x"
            }
        }
    }

    /// Where the assignment's convention differs from PyTorch's, in one or two sentences.
    #[must_use]
    pub fn convention(self) -> &'static str {
        match self {
            Self::Sgd => "Same as torch.optim.SGD without momentum.",
            Self::SgdMomentum => {
                "The learning rate is folded into the velocity. PyTorch keeps it outside \
                 (b = μb + dw; w -= lr·b, so b = -v/lr): the same while lr is constant, \
                 different once a schedule changes it."
            }
            Self::RmsProp => {
                "decay_rate is PyTorch's alpha; no momentum or centring; ε outside the root."
            }
            Self::Adam => {
                "t is incremented before the bias correction: a config with t = 5 corrects \
                 with 1 - β^6, as PyTorch does with step = 5 in its state."
            }
            Self::DropoutForward => {
                "p is the KEEP probability (PyTorch's p drops). Inverted dropout: scale by 1/p \
                 while training, leave the test pass alone."
            }
        }
    }

    /// The mistakes the checker tries when a pasted result does not match.
    #[must_use]
    pub fn mistakes(self) -> &'static [Mistake] {
        match self {
            Self::Sgd => &[Mistake::SignFlipped, Mistake::LearningRateForgotten],
            Self::SgdMomentum => &[
                Mistake::LearningRateOutsideVelocity,
                Mistake::OldVelocityApplied,
                Mistake::SignFlipped,
            ],
            Self::RmsProp => &[
                Mistake::EpsilonInsideRoot,
                Mistake::DecayRateSwapped,
                Mistake::LearningRateForgotten,
            ],
            Self::Adam => &[
                Mistake::TNotIncremented,
                Mistake::NoBiasCorrection,
                Mistake::EpsilonInsideRoot,
                Mistake::CorrectedMomentsStored,
            ],
            Self::DropoutForward => &[Mistake::NotInverted, Mistake::KeepAsDropProbability],
        }
    }
}

/// A common slip in implementing a rule; the checker computes what each would give.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mistake {
    /// `w + lr·dw`, or `v = μv + lr·dw`.
    SignFlipped,
    /// `w − dw`: the learning rate left out.
    LearningRateForgotten,
    /// PyTorch's form: `v = μv + dw; w −= lr·v`.
    LearningRateOutsideVelocity,
    /// `next_w = w + v` with the velocity from before this step.
    OldVelocityApplied,
    /// `√(cache + ε)` instead of `√cache + ε`.
    EpsilonInsideRoot,
    /// `cache = (1 − ρ)·cache + ρ·dw²`.
    DecayRateSwapped,
    /// The bias correction uses `t` before incrementing it.
    TNotIncremented,
    /// `next_w = w − lr·m/(√v + ε)` with the raw moments.
    NoBiasCorrection,
    /// The corrected m̂ and v̂ written back into the config instead of m and v.
    CorrectedMomentsStored,
    /// `out = x·mask` without dividing by p (the test pass would then need ×p).
    NotInverted,
    /// p used as the drop probability: keep with 1 − p, scale by 1/(1 − p).
    KeepAsDropProbability,
}

impl Mistake {
    /// The mistake in words.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::SignFlipped => "the sign of the gradient step is flipped",
            Self::LearningRateForgotten => "the learning rate is left out of the step",
            Self::LearningRateOutsideVelocity => {
                "the velocity is PyTorch's (v = μv + dw; w -= lr·v); the assignment folds lr \
                 into v (v = μv - lr·dw; w += v)"
            }
            Self::OldVelocityApplied => "w is moved by the velocity from before this step",
            Self::EpsilonInsideRoot => "ε is inside the square root: √(x + ε), not √x + ε",
            Self::DecayRateSwapped => "decay_rate weights dw² instead of the old cache",
            Self::TNotIncremented => {
                "t is used before it is incremented (the assignment says: modify t before using it)"
            }
            Self::NoBiasCorrection => "the bias correction is missing: m and v are used raw",
            Self::CorrectedMomentsStored => {
                "the corrected m̂ and v̂ are stored in the config instead of m and v"
            }
            Self::NotInverted => "the mask is not divided by p (that is non-inverted dropout)",
            Self::KeepAsDropProbability => {
                "p is used as the drop probability; in the assignment p is the keep probability"
            }
        }
    }
}

/// The hyperparameters of one optimizer step, resolved from the config and its defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hyper {
    /// `learning_rate`.
    pub learning_rate: f64,
    /// `momentum`.
    pub momentum: f64,
    /// `decay_rate`.
    pub decay_rate: f64,
    /// `beta1`.
    pub beta1: f64,
    /// `beta2`.
    pub beta2: f64,
    /// `epsilon`.
    pub epsilon: f64,
}

/// The state an optimizer carries between steps (the arrays of its config, and `t`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    /// `velocity` (`sgd_momentum`).
    pub velocity: Vec<f64>,
    /// `cache` (rmsprop).
    pub cache: Vec<f64>,
    /// `m` (adam).
    pub m: Vec<f64>,
    /// `v` (adam).
    pub v: Vec<f64>,
    /// `t` (adam).
    pub t: u64,
}

/// A named intermediate value of a step: an array, or a number when `values` has one element.
#[derive(Clone, Debug, PartialEq)]
pub struct Intermediate {
    /// Its name, as a student would write it (`mt`, `1 - beta1**t`, …).
    pub name: &'static str,
    /// Its values, element-wise over w (or one number).
    pub values: Vec<f64>,
}

/// Applies one step of `rule` to `w` in place, updating `state`, optionally with `mistake`
/// made. Returns the step's intermediate values. Dropout is not an optimizer step: see
/// [`dropout_forward`].
pub fn step(
    rule: Rule,
    hyper: &Hyper,
    w: &mut [f64],
    dw: &[f64],
    state: &mut State,
    mistake: Option<Mistake>,
) -> Vec<Intermediate> {
    match rule {
        Rule::Sgd => sgd(hyper, w, dw, mistake),
        Rule::SgdMomentum => sgd_momentum(hyper, w, dw, &mut state.velocity, mistake),
        Rule::RmsProp => rmsprop(hyper, w, dw, &mut state.cache, mistake),
        Rule::Adam => adam(hyper, w, dw, state, mistake),
        Rule::DropoutForward => Vec::new(),
    }
}

fn sgd(hyper: &Hyper, w: &mut [f64], dw: &[f64], mistake: Option<Mistake>) -> Vec<Intermediate> {
    let lr = match mistake {
        Some(Mistake::LearningRateForgotten) => 1.0,
        Some(Mistake::SignFlipped) => -hyper.learning_rate,
        _ => hyper.learning_rate,
    };
    let steps: Vec<f64> = dw.iter().map(|g| lr * g).collect();
    w.iter_mut().zip(&steps).for_each(|(w, s)| *w -= s);
    vec![Intermediate { name: "learning_rate * dw", values: steps }]
}

fn sgd_momentum(
    hyper: &Hyper,
    w: &mut [f64],
    dw: &[f64],
    velocity: &mut [f64],
    mistake: Option<Mistake>,
) -> Vec<Intermediate> {
    let (mu, lr) = (hyper.momentum, hyper.learning_rate);
    let carried: Vec<f64> = velocity.iter().map(|v| mu * v).collect();
    let pushed: Vec<f64> = dw.iter().map(|g| lr * g).collect();
    for (i, (w, v)) in w.iter_mut().zip(velocity.iter_mut()).enumerate() {
        let old = *v;
        match mistake {
            Some(Mistake::LearningRateOutsideVelocity) => {
                *v = mu * *v + dw[i];
                *w -= lr * *v;
            }
            Some(Mistake::SignFlipped) => {
                *v = carried[i] + pushed[i];
                *w += *v;
            }
            _ => {
                *v = carried[i] - pushed[i];
                *w += if mistake == Some(Mistake::OldVelocityApplied) { old } else { *v };
            }
        }
    }
    vec![
        Intermediate { name: "momentum * v (old v)", values: carried },
        Intermediate { name: "learning_rate * dw", values: pushed },
    ]
}

fn rmsprop(
    hyper: &Hyper,
    w: &mut [f64],
    dw: &[f64],
    cache: &mut [f64],
    mistake: Option<Mistake>,
) -> Vec<Intermediate> {
    let (rho, eps) = (hyper.decay_rate, hyper.epsilon);
    let lr =
        if mistake == Some(Mistake::LearningRateForgotten) { 1.0 } else { hyper.learning_rate };
    let squared: Vec<f64> = dw.iter().map(|g| g * g).collect();
    let mut denominators = Vec::with_capacity(w.len());
    let mut steps = Vec::with_capacity(w.len());
    for (i, w) in w.iter_mut().enumerate() {
        cache[i] = if mistake == Some(Mistake::DecayRateSwapped) {
            (1.0 - rho) * cache[i] + rho * squared[i]
        } else {
            rho * cache[i] + (1.0 - rho) * squared[i]
        };
        let denominator = root_plus_epsilon(cache[i], eps, mistake);
        let step = lr * dw[i] / denominator;
        *w -= step;
        denominators.push(denominator);
        steps.push(step);
    }
    vec![
        Intermediate { name: "dw**2", values: squared },
        Intermediate { name: "np.sqrt(cache) + epsilon", values: denominators },
        Intermediate { name: "learning_rate * dw / (np.sqrt(cache) + epsilon)", values: steps },
    ]
}

fn adam(
    hyper: &Hyper,
    w: &mut [f64],
    dw: &[f64],
    state: &mut State,
    mistake: Option<Mistake>,
) -> Vec<Intermediate> {
    let Hyper { learning_rate: lr, beta1, beta2, epsilon: eps, .. } = *hyper;
    let t_used = if mistake == Some(Mistake::TNotIncremented) { state.t } else { state.t + 1 };
    state.t += 1;
    // Python's float power (`beta1**t`), as the assignment and PyTorch compute it; powi can
    // differ in the last bit.
    #[expect(clippy::cast_precision_loss, reason = "a step count, exact below 2^53")]
    let exponent = t_used as f64;
    let (c1, c2) = if mistake == Some(Mistake::NoBiasCorrection) {
        (1.0, 1.0)
    } else {
        (1.0 - beta1.powf(exponent), 1.0 - beta2.powf(exponent))
    };
    let (mut mt, mut vt, mut steps) = (Vec::new(), Vec::new(), Vec::new());
    for (i, w) in w.iter_mut().enumerate() {
        let g = dw[i];
        state.m[i] = beta1 * state.m[i] + (1.0 - beta1) * g;
        let m_hat = state.m[i] / c1;
        state.v[i] = beta2 * state.v[i] + (1.0 - beta2) * (g * g);
        let v_hat = state.v[i] / c2;
        let root = root_plus_epsilon(v_hat, eps, mistake);
        let step = lr * m_hat / root;
        *w -= step;
        mt.push(m_hat);
        vt.push(v_hat);
        steps.push(step);
    }
    if mistake == Some(Mistake::CorrectedMomentsStored) {
        state.m.clone_from(&mt);
        state.v.clone_from(&vt);
    }
    vec![
        Intermediate { name: "t (as used)", values: vec![exponent] },
        Intermediate { name: "1 - beta1**t", values: vec![c1] },
        Intermediate { name: "1 - beta2**t", values: vec![c2] },
        Intermediate { name: "mt = m / (1 - beta1**t)", values: mt },
        Intermediate { name: "vt = v / (1 - beta2**t)", values: vt },
        Intermediate { name: "learning_rate * mt / (np.sqrt(vt) + epsilon)", values: steps },
    ]
}

/// `√x + ε`, or `√(x + ε)` with [`Mistake::EpsilonInsideRoot`] made.
fn root_plus_epsilon(x: f64, eps: f64, mistake: Option<Mistake>) -> f64 {
    if mistake == Some(Mistake::EpsilonInsideRoot) { (x + eps).sqrt() } else { x.sqrt() + eps }
}

/// Dropout's forward pass in both modes.
#[derive(Clone, Debug, PartialEq)]
pub struct DropoutPass {
    /// `mask = (rand < p) / p`: 1/p where kept, 0 where dropped.
    pub mask: Vec<f64>,
    /// Train mode: `x * mask`.
    pub out_train: Vec<f64>,
    /// Test mode: `x` unchanged.
    pub out_test: Vec<f64>,
}

/// The assignment's `dropout_forward` on `x` with keep probability `p`, the mask drawn from
/// ChaCha8 seeded with `seed` (one uniform draw per element, kept when below p, like
/// `np.random.rand(*x.shape) < p`). With `mistake`, the pass a slip would compute.
#[must_use]
pub fn dropout_forward(x: &[f64], p: f64, seed: u64, mistake: Option<Mistake>) -> DropoutPass {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (keep, scale) = match mistake {
        Some(Mistake::KeepAsDropProbability) => (1.0 - p, 1.0 / (1.0 - p)),
        Some(Mistake::NotInverted) => (p, 1.0),
        _ => (p, 1.0 / p),
    };
    let mask: Vec<f64> =
        x.iter().map(|_| if rng.random::<f64>() < keep { scale } else { 0.0 }).collect();
    let out_train = x.iter().zip(&mask).map(|(x, m)| x * m).collect();
    DropoutPass { mask, out_train, out_test: x.to_vec() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hyper() -> Hyper {
        Hyper {
            learning_rate: 0.1,
            momentum: 0.9,
            decay_rate: 0.99,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }

    #[test]
    fn every_mistake_changes_the_result() {
        for rule in Rule::ALL.into_iter().filter(|r| *r != Rule::DropoutForward) {
            let fresh = || State {
                velocity: vec![0.3, -0.2],
                cache: vec![0.5, 0.7],
                m: vec![0.1, 0.2],
                v: vec![0.3, 0.4],
                t: 3,
            };
            let run = |mistake| {
                let (mut w, mut state) = (vec![1.0, -2.0], fresh());
                step(rule, &hyper(), &mut w, &[0.5, 0.25], &mut state, mistake);
                (w, state)
            };
            let right = run(None);
            for &mistake in rule.mistakes() {
                assert_ne!(run(Some(mistake)), right, "{rule:?} {mistake:?}");
            }
        }
    }

    #[test]
    fn adam_increments_t_before_the_correction() {
        let mut state = State { m: vec![0.0], v: vec![0.0], t: 0, ..State::default() };
        let mut w = vec![1.0];
        let parts = step(Rule::Adam, &hyper(), &mut w, &[2.0], &mut state, None);
        assert_eq!(state.t, 1);
        // After one step m̂ = dw and v̂ = dw², so the step is lr·sign(dw) (up to ε).
        assert!((w[0] - 0.9).abs() < 1e-8, "{}", w[0]);
        assert_eq!(parts[0].values, vec![1.0]);
    }

    #[test]
    #[expect(clippy::float_cmp, reason = "2 × (1/0.25) is exact")]
    fn inverted_dropout_keeps_about_p_and_scales_by_one_over_p() {
        let x = vec![2.0; 10_000];
        let pass = dropout_forward(&x, 0.25, 7, None);
        let kept = pass.mask.iter().filter(|&&m| m > 0.0).count();
        assert!((kept as f64 / 10_000.0 - 0.25).abs() < 0.02, "{kept}");
        assert!(pass.out_train.iter().all(|&o| o == 0.0 || o == 8.0));
        assert_eq!(pass.out_test, x);
        assert_eq!(pass, dropout_forward(&x, 0.25, 7, None));
    }
}
