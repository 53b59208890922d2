//! An optimizer as its PyTorch constructor (`torch.optim.X([theta], …)`, `lion_pytorch.Lion`,
//! `schedulefree.…`) with every field under PyTorch's argument name.

use crate::optim::{MuonLrAdjust, OptimizerConfig};

use super::python::{boolean, float};
use super::refusal::Refusal;

/// What the script needs to run one optimizer.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct OptimizerCode {
    /// The constructor call, e.g. `torch.optim.Adam([theta], lr=0.01, …)`.
    pub(super) constructor: String,
    /// A module to import besides torch (`lion_pytorch`, `schedulefree`).
    pub(super) import: Option<&'static str>,
    /// The parameters are a 1×2 matrix (Adafactor factors it, Muon orthogonalizes it), as
    /// optlab treats a surface's point.
    pub(super) matrix: bool,
    /// `NesterovLookahead`'s μ: rows show Sutskever's x, not torch's look-ahead point.
    pub(super) lookahead_momentum: Option<f64>,
    /// `optimizer.step(closure)` (L-BFGS).
    pub(super) closure: bool,
    /// `optimizer.train()` before the loop (Schedule-Free).
    pub(super) train_mode: bool,
    /// Comment lines for the script's header.
    pub(super) comments: Vec<&'static str>,
}

impl OptimizerCode {
    fn plain(class: &str, args: &[(&str, String)]) -> Self {
        Self {
            constructor: call(&format!("torch.optim.{class}"), args),
            import: None,
            matrix: false,
            lookahead_momentum: None,
            closure: false,
            train_mode: false,
            comments: Vec::new(),
        }
    }
}

/// `name([theta], key=value, …)`.
fn call(name: &str, args: &[(&str, String)]) -> String {
    let mut text = format!("{name}([theta]");
    for (key, value) in args {
        text.push_str(", ");
        text.push_str(key);
        text.push('=');
        text.push_str(value);
    }
    text.push(')');
    text
}

fn pair(a: f64, b: f64) -> String {
    format!("({}, {})", float(a), float(b))
}

fn f(value: f64) -> String {
    float(value)
}

fn b(value: bool) -> String {
    boolean(value).to_owned()
}

/// The PyTorch code of `config`.
///
/// # Errors
/// An optimizer PyTorch has no equivalent of (Adam without bias correction, Newton's
/// methods).
pub(super) fn code(config: &OptimizerConfig) -> Result<OptimizerCode, Refusal> {
    match *config {
        OptimizerConfig::Sgd { lr, weight_decay } => {
            Ok(OptimizerCode::plain("SGD", &[("lr", f(lr)), ("weight_decay", f(weight_decay))]))
        }
        OptimizerConfig::Momentum { lr, momentum, dampening, weight_decay } => {
            Ok(OptimizerCode::plain(
                "SGD",
                &[
                    ("lr", f(lr)),
                    ("momentum", f(momentum)),
                    ("dampening", f(dampening)),
                    ("weight_decay", f(weight_decay)),
                ],
            ))
        }
        OptimizerConfig::Nesterov { lr, momentum, weight_decay } => {
            Ok(nesterov(lr, momentum, weight_decay))
        }
        OptimizerConfig::NesterovLookahead { lr, momentum } => Ok(OptimizerCode {
            lookahead_momentum: Some(momentum),
            comments: vec![
                "NesterovLookahead is torch's SGD(nesterov=True), which stores the look-ahead",
                "point x + mu*v; the rows show Sutskever's x, as optlab does.",
            ],
            ..nesterov(lr, momentum, 0.0)
        }),
        OptimizerConfig::Newton { .. } | OptimizerConfig::SaddleFreeNewton { .. } => Err(Refusal(
            "Newton's methods are not in torch.optim: they invert the exact Hessian, which \
             torch.optim never forms"
                .to_owned(),
        )),
        OptimizerConfig::Adam { bias_correction: false, .. } => Err(Refusal(
            "Adam with bias_correction: false has no PyTorch equivalent: torch.optim.Adam always \
             divides by 1 − β₁ᵗ and 1 − β₂ᵗ"
                .to_owned(),
        )),
        OptimizerConfig::Adam { lr, beta1, beta2, eps, amsgrad, weight_decay, .. } => {
            Ok(OptimizerCode::plain(
                "Adam",
                &[
                    ("lr", f(lr)),
                    ("betas", pair(beta1, beta2)),
                    ("eps", f(eps)),
                    ("weight_decay", f(weight_decay)),
                    ("amsgrad", b(amsgrad)),
                ],
            ))
        }
        OptimizerConfig::AdamW { lr, beta1, beta2, eps, amsgrad, weight_decay } => {
            Ok(OptimizerCode::plain(
                "AdamW",
                &[
                    ("lr", f(lr)),
                    ("betas", pair(beta1, beta2)),
                    ("eps", f(eps)),
                    ("weight_decay", f(weight_decay)),
                    ("amsgrad", b(amsgrad)),
                ],
            ))
        }
        OptimizerConfig::Adagrad { .. }
        | OptimizerConfig::RmsProp { .. }
        | OptimizerConfig::Adamax { .. }
        | OptimizerConfig::NAdam { .. }
        | OptimizerConfig::RAdam { .. }
        | OptimizerConfig::Adadelta { .. } => adaptive_code(config),
        OptimizerConfig::Asgd { .. }
        | OptimizerConfig::Rprop { .. }
        | OptimizerConfig::Adafactor { .. }
        | OptimizerConfig::Muon { .. }
        | OptimizerConfig::Lbfgs { .. }
        | OptimizerConfig::Lion { .. }
        | OptimizerConfig::ScheduleFreeAdamW { .. }
        | OptimizerConfig::ScheduleFreeSgd { .. } => other_code(config),
    }
}

fn nesterov(lr: f64, momentum: f64, weight_decay: f64) -> OptimizerCode {
    OptimizerCode::plain(
        "SGD",
        &[
            ("lr", f(lr)),
            ("momentum", f(momentum)),
            ("dampening", f(0.0)),
            ("weight_decay", f(weight_decay)),
            ("nesterov", b(true)),
        ],
    )
}

/// Adagrad, `RMSprop`, Adamax, `NAdam`, `RAdam`, Adadelta.
fn adaptive_code(config: &OptimizerConfig) -> Result<OptimizerCode, Refusal> {
    Ok(match *config {
        OptimizerConfig::Adagrad { lr, lr_decay, eps, initial_accumulator, weight_decay } => {
            OptimizerCode::plain(
                "Adagrad",
                &[
                    ("lr", f(lr)),
                    ("lr_decay", f(lr_decay)),
                    ("weight_decay", f(weight_decay)),
                    ("initial_accumulator_value", f(initial_accumulator)),
                    ("eps", f(eps)),
                ],
            )
        }
        OptimizerConfig::RmsProp { lr, decay_rate, eps, centered, momentum, weight_decay } => {
            OptimizerCode::plain(
                "RMSprop",
                &[
                    ("lr", f(lr)),
                    ("alpha", f(decay_rate)),
                    ("eps", f(eps)),
                    ("weight_decay", f(weight_decay)),
                    ("momentum", f(momentum)),
                    ("centered", b(centered)),
                ],
            )
        }
        OptimizerConfig::Adamax { lr, beta1, beta2, eps, weight_decay } => OptimizerCode::plain(
            "Adamax",
            &[
                ("lr", f(lr)),
                ("betas", pair(beta1, beta2)),
                ("eps", f(eps)),
                ("weight_decay", f(weight_decay)),
            ],
        ),
        OptimizerConfig::NAdam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            momentum_decay,
            decoupled_weight_decay,
        } => OptimizerCode::plain(
            "NAdam",
            &[
                ("lr", f(lr)),
                ("betas", pair(beta1, beta2)),
                ("eps", f(eps)),
                ("weight_decay", f(weight_decay)),
                ("momentum_decay", f(momentum_decay)),
                ("decoupled_weight_decay", b(decoupled_weight_decay)),
            ],
        ),
        OptimizerConfig::RAdam { lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay } => {
            OptimizerCode::plain(
                "RAdam",
                &[
                    ("lr", f(lr)),
                    ("betas", pair(beta1, beta2)),
                    ("eps", f(eps)),
                    ("weight_decay", f(weight_decay)),
                    ("decoupled_weight_decay", b(decoupled_weight_decay)),
                ],
            )
        }
        OptimizerConfig::Adadelta { lr, rho, eps, weight_decay } => OptimizerCode::plain(
            "Adadelta",
            &[("lr", f(lr)), ("rho", f(rho)), ("eps", f(eps)), ("weight_decay", f(weight_decay))],
        ),
        _ => return Err(unexpected(config)),
    })
}

/// ASGD, Rprop, Adafactor, Muon, L-BFGS, Lion, Schedule-Free.
fn other_code(config: &OptimizerConfig) -> Result<OptimizerCode, Refusal> {
    Ok(match *config {
        OptimizerConfig::Asgd { lr, lambd, alpha, t0, weight_decay } => OptimizerCode::plain(
            "ASGD",
            &[
                ("lr", f(lr)),
                ("lambd", f(lambd)),
                ("alpha", f(alpha)),
                ("t0", f(t0)),
                ("weight_decay", f(weight_decay)),
            ],
        ),
        OptimizerConfig::Rprop { lr, eta_minus, eta_plus, step_min, step_max } => {
            OptimizerCode::plain(
                "Rprop",
                &[
                    ("lr", f(lr)),
                    ("etas", pair(eta_minus, eta_plus)),
                    ("step_sizes", pair(step_min, step_max)),
                ],
            )
        }
        OptimizerConfig::Adafactor { lr, beta2_decay, eps1, eps2, d, weight_decay } => {
            let eps1 = eps1.map_or_else(|| "None".to_owned(), f);
            OptimizerCode {
                matrix: true,
                comments: vec!["Adafactor factors the 1x2 matrix (x, y), as optlab does."],
                ..OptimizerCode::plain(
                    "Adafactor",
                    &[
                        ("lr", f(lr)),
                        ("beta2_decay", f(beta2_decay)),
                        ("eps", format!("({eps1}, {})", f(eps2))),
                        ("d", f(d)),
                        ("weight_decay", f(weight_decay)),
                    ],
                )
            }
        }
        OptimizerConfig::Muon { .. } => muon(config)?,
        OptimizerConfig::Lbfgs { .. } => lbfgs(config)?,
        _ => return signsf_code(config),
    })
}

fn muon(config: &OptimizerConfig) -> Result<OptimizerCode, Refusal> {
    let OptimizerConfig::Muon {
        lr,
        weight_decay,
        momentum,
        nesterov,
        ns_coefficients,
        eps,
        ns_steps,
        adjust_lr,
    } = *config
    else {
        return Err(unexpected(config));
    };
    let (a, b_coefficient, c) = ns_coefficients;
    let adjust = match adjust_lr {
        MuonLrAdjust::Original => "\"original\"",
        MuonLrAdjust::MatchRmsAdamW => "\"match_rms_adamw\"",
    };
    Ok(OptimizerCode {
        matrix: true,
        comments: vec![
            "Muon: PyTorch runs the Newton-Schulz iteration in bfloat16, optlab in float64, so",
            "the numbers differ from optlab's (by about bfloat16's precision, 1e-2 relative).",
            "The parameters are the 1x2 matrix (x, y), as optlab treats a surface's point.",
        ],
        ..OptimizerCode::plain(
            "Muon",
            &[
                ("lr", f(lr)),
                ("weight_decay", f(weight_decay)),
                ("momentum", f(momentum)),
                ("nesterov", b(nesterov)),
                ("ns_coefficients", format!("({}, {}, {})", f(a), f(b_coefficient), f(c))),
                ("eps", f(eps)),
                ("ns_steps", ns_steps.to_string()),
                ("adjust_lr_fn", adjust.to_owned()),
            ],
        )
    })
}

fn lbfgs(config: &OptimizerConfig) -> Result<OptimizerCode, Refusal> {
    let lr = config.lr();
    let Some(settings) = config.lbfgs_settings() else {
        return Err(unexpected(config));
    };
    let max_eval = settings.max_eval.map_or_else(|| "None".to_owned(), |n| n.to_string());
    let line_search = if settings.strong_wolfe { "\"strong_wolfe\"" } else { "None" };
    Ok(OptimizerCode {
        closure: true,
        comments: vec!["L-BFGS: one row per optimizer.step(closure), as optlab trace prints."],
        ..OptimizerCode::plain(
            "LBFGS",
            &[
                ("lr", f(lr)),
                ("max_iter", settings.max_iter.to_string()),
                ("max_eval", max_eval),
                ("tolerance_grad", f(settings.tolerance_grad)),
                ("tolerance_change", f(settings.tolerance_change)),
                ("history_size", settings.history_size.to_string()),
                ("line_search_fn", line_search.to_owned()),
            ],
        )
    })
}

/// Lion and the Schedule-Free optimizers (other packages than torch).
fn signsf_code(config: &OptimizerConfig) -> Result<OptimizerCode, Refusal> {
    let (module, constructor) = match *config {
        OptimizerConfig::Lion { lr, beta1, beta2, weight_decay } => (
            "lion_pytorch",
            call(
                "lion_pytorch.Lion",
                &[("lr", f(lr)), ("betas", pair(beta1, beta2)), ("weight_decay", f(weight_decay))],
            ),
        ),
        OptimizerConfig::ScheduleFreeAdamW {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            warmup_steps,
            r,
            weight_lr_power,
        } => (
            "schedulefree",
            call(
                "schedulefree.AdamWScheduleFree",
                &[
                    ("lr", f(lr)),
                    ("betas", pair(beta1, beta2)),
                    ("eps", f(eps)),
                    ("weight_decay", f(weight_decay)),
                    ("warmup_steps", warmup_steps.to_string()),
                    ("r", f(r)),
                    ("weight_lr_power", f(weight_lr_power)),
                    ("foreach", b(false)),
                ],
            ),
        ),
        OptimizerConfig::ScheduleFreeSgd {
            lr,
            momentum,
            weight_decay,
            warmup_steps,
            r,
            weight_lr_power,
        } => (
            "schedulefree",
            call(
                "schedulefree.SGDScheduleFree",
                &[
                    ("lr", f(lr)),
                    ("momentum", f(momentum)),
                    ("weight_decay", f(weight_decay)),
                    ("warmup_steps", warmup_steps.to_string()),
                    ("r", f(r)),
                    ("weight_lr_power", f(weight_lr_power)),
                    ("foreach", b(false)),
                ],
            ),
        ),
        _ => return Err(unexpected(config)),
    };
    let mut code = OptimizerCode::plain("SGD", &[]);
    code.constructor = constructor;
    code.import = Some(module);
    code.train_mode = module == "schedulefree";
    Ok(code)
}

/// A variant sent to the wrong group (a bug in this file, refused rather than mistranslated).
fn unexpected(config: &OptimizerConfig) -> Refusal {
    Refusal(format!("the PyTorch export does not know {} yet", config.name()))
}
