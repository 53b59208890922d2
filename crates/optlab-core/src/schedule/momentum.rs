//! The optimizer momentum a cycling schedule drives (PyTorch's `momentum` or `betas[0]` of the
//! param group), and the refusal of cycling for an optimizer without one.

use super::Schedule;
use crate::limits::{Limit, LimitError};
use crate::optim::OptimizerConfig;

impl OptimizerConfig {
    /// The momentum a cycling schedule drives: `momentum` of Momentum, Nesterov and
    /// NesterovLookahead, `beta1` of Adam, AdamW, Adamax, `NAdam` and `RAdam`; `None` for the
    /// others.
    #[must_use]
    pub fn momentum(&self) -> Option<f64> {
        match *self {
            Self::Momentum { momentum, .. }
            | Self::Nesterov { momentum, .. }
            | Self::NesterovLookahead { momentum, .. } => Some(momentum),
            Self::Adam { beta1, .. }
            | Self::AdamW { beta1, .. }
            | Self::Adamax { beta1, .. }
            | Self::NAdam { beta1, .. }
            | Self::RAdam { beta1, .. } => Some(beta1),
            _ => None,
        }
    }
}

impl Schedule {
    /// Why this schedule cannot drive `optimizer`, as a sentence: it cycles the momentum and the
    /// optimizer has none to cycle (PyTorch raises "optimizer must support momentum or beta1
    /// with `cycle_momentum` option enabled"). `None` when they fit.
    #[must_use]
    pub fn momentum_refusal(&self, optimizer: &OptimizerConfig) -> Option<String> {
        (self.cycles_momentum() && optimizer.momentum().is_none()).then(|| {
            format!(
                "{} cycles the momentum, but {} has no momentum or beta1 to cycle; set \
                 `cycle_momentum: false` or use Momentum, Nesterov, Adam, AdamW, Adamax, NAdam or RAdam",
                self.name(),
                optimizer.name()
            )
        })
    }

    /// Why a run of `steps` updates is too long for this schedule (`OneCycle` raises past its
    /// `total_steps`), as a sentence; `None` when it fits.
    #[must_use]
    pub fn length_refusal(&self, steps: u64) -> Option<String> {
        let limit = self.max_updates()?;
        (steps > limit).then(|| {
            format!(
                "the run has {steps} updates but its OneCycle schedule ends after {limit} \
                 (PyTorch raises past total_steps); raise total_steps or take fewer steps"
            )
        })
    }
}

/// The refusal of cycling for the optimizer called `name`, as a [`Limit`] whose name says it
/// (a limit's name is static, hence one message per optimizer).
macro_rules! no_momentum {
    ($name:expr, $($known:literal),*) => {
        match $name {
            $($known => concat!(
                "cycle_momentum (", $known,
                " has no momentum or beta1 to cycle; set cycle_momentum: false)"
            ),)*
            _ => "cycle_momentum (this optimizer has no momentum or beta1 to cycle; set cycle_momentum: false)",
        }
    };
}

impl Schedule {
    /// The checks of a run of `steps` updates of `optimizer` under this schedule: cycling needs
    /// a momentum ([`Self::momentum_refusal`]) and `OneCycle` a run no longer than its cycle
    /// ([`Self::length_refusal`]).
    ///
    /// # Errors
    /// The refusal as a [`LimitError`] whose name explains it.
    pub fn check_run(&self, optimizer: &OptimizerConfig, steps: u64) -> Result<(), LimitError> {
        if self.momentum_refusal(optimizer).is_some() {
            let name = no_momentum!(
                optimizer.name(),
                "Sgd",
                "Adagrad",
                "RmsProp",
                "Lion",
                "ScheduleFreeAdamW",
                "ScheduleFreeSgd",
                "Adadelta",
                "Asgd",
                "Rprop",
                "Adafactor",
                "Muon",
                "Lbfgs"
            );
            return Limit::closed(name, 0.0, 0.0).check(1.0).map(drop);
        }
        if let Some(limit) = self.max_updates() {
            let name =
                "steps (at most the OneCycle schedule's total_steps: PyTorch raises past it)";
            return Limit::closed(name, 0.0, limit as f64).check(steps as f64).map(drop);
        }
        Ok(())
    }
}
