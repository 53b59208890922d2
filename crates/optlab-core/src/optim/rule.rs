//! The trait every update rule implements, the read-only view of its state, and the coupled
//! weight decay they share.

/// Read-only view of an optimizer's state, for display.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Internals<'a> {
    /// The momentum-like buffer, in the rule's own units: torch's `momentum_buffer` (a
    /// gradient, Δθ = −η·b) for Momentum, Nesterov and RMSprop with momentum; Adam's first
    /// moment m; the look-ahead velocity v (a parameter step, Δx = v). `None` when the rule
    /// has no such buffer. Adadelta, ASGD and Rprop carry here the state their Internals view
    /// plots: Adadelta's `acc_delta`, ASGD's average `ax` (a point), Rprop's `prev` (a gradient).
    /// L-BFGS puts its direction d = −H∇L of the last iteration here.
    pub velocity: Option<&'a [f64]>,
    /// The squared-gradient accumulator: Adagrad's sum, RMSprop's running average, Adam's raw
    /// (not bias-corrected) v. `None` for the SGD family.
    pub second_moment: Option<&'a [f64]>,
    /// Updates taken so far (torch's `step`).
    pub steps_taken: u64,
}

/// Loss and gradient at a point: writes ∇L(point) into the second slice, returns L(point).
/// What L-BFGS's closure computes; see [`UpdateRule::step_with_objective`].
pub type Objective<'a> = dyn FnMut(&[f64], &mut [f64]) -> f64 + 'a;

/// One optimizer's update rule with its state.
pub trait UpdateRule {
    /// Whether the rule steps from loss values it evaluates itself (L-BFGS) rather than from
    /// one gradient: callers then step it with [`Self::step_with_objective`]. A constant, so
    /// the run loop's branch on it compiles away for every other rule.
    const NEEDS_OBJECTIVE: bool = false;

    /// One update given a closure that evaluates loss and gradient anywhere (PyTorch's
    /// `step(closure)`). The default evaluates the gradient once at
    /// [`Self::gradient_point`] and calls [`Self::step`].
    fn step_with_objective(&mut self, params: &mut [f64], lr: f64, objective: &mut Objective<'_>) {
        let mut point = params.to_vec();
        self.gradient_point(params, &mut point);
        let mut grad = vec![0.0; params.len()];
        objective(&point, &mut grad);
        self.step(params, &grad, lr);
    }

    /// One update of `params` in place given the gradient at [`Self::gradient_point`] and this
    /// update's `lr`. Slices must have the rule's length (checked in debug builds only).
    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64);

    /// [`Self::step`] for a rule built for two parameters, the loss surfaces' case. Equal to
    /// `step` bit for bit. Rules override it with a loop of known length over fixed-size state,
    /// so a caller's point can stay in registers; the default goes through a copy.
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        let mut copy = *params;
        self.step(&mut copy, &grad, lr);
        *params = copy;
    }

    /// Where the gradient for the next step must be evaluated (default: `params` itself).
    #[inline]
    fn gradient_point(&self, params: &[f64], out: &mut [f64]) {
        out.copy_from_slice(params);
    }

    /// Whether [`Self::gradient_point`] differs from the parameters (only the look-ahead form).
    #[inline]
    fn needs_lookahead(&self) -> bool {
        false
    }

    /// Updates taken so far.
    fn steps_taken(&self) -> u64;

    /// Sets the momentum (or β₁) the next update uses, as a momentum-cycling schedule writes
    /// PyTorch's `momentum` or `betas[0]` of the param group before the update. The default,
    /// for rules without one, does nothing (validation refuses cycling for them).
    #[inline]
    fn set_momentum(&mut self, _value: f64) {}

    /// Where the model is evaluated when that is not the parameters (Schedule-Free's average
    /// x, whose parameters are the train-mode point y): writes it into `out` and returns
    /// `true`. The default, for every other rule, returns `false` and writes nothing.
    #[inline]
    fn evaluation_point(&self, _params: &[f64], _out: &mut [f64]) -> bool {
        false
    }

    /// The state for display. Writes into `effective_step` the per-coordinate factor the rule
    /// multiplies its step direction by, for learning rate `lr`: η for the SGD family,
    /// ηₜ/(√G + ε) for Adagrad, η/(√v + ε) for RMSprop (applied to ∇L, before momentum), and
    /// η/(√v̂ + ε) for Adam (applied to m̂; before the first step no bias correction is applied).
    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_>;
}

/// Adds coupled L2 weight decay as torch does: only when λ ≠ 0 (so a non-finite θ with λ = 0
/// leaves the gradient alone instead of turning it into NaN via 0·∞).
#[inline]
pub(super) fn decayed(grad: f64, param: f64, weight_decay: f64) -> f64 {
    if weight_decay == 0.0 { grad } else { grad + weight_decay * param }
}
