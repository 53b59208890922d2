//! The SGD momentum family: `torch.optim.SGD` with classical or Nesterov momentum, and the
//! course notes' look-ahead form of Nesterov momentum.

use super::rule::{Internals, UpdateRule, decayed};

/// `torch.optim.SGD` with momentum, classical or Nesterov (torch's `_single_tensor_sgd` also
/// shares one code path between them).
#[derive(Clone, Debug, PartialEq)]
pub struct MomentumRule {
    pub(super) momentum: f64,
    pub(super) dampening: f64,
    pub(super) weight_decay: f64,
    pub(super) nesterov: bool,
    /// torch's `momentum_buffer`, in gradient units.
    pub(super) buffer: Vec<f64>,
    /// torch creates the buffer on the first step as a copy of the gradient.
    pub(super) has_buffer: bool,
    pub(super) steps: u64,
}

impl MomentumRule {
    pub(super) fn new(n_params: usize, momentum: f64, dampening: f64, weight_decay: f64) -> Self {
        Self {
            momentum,
            dampening,
            weight_decay,
            nesterov: false,
            buffer: vec![0.0; n_params],
            has_buffer: false,
            steps: 0,
        }
    }

    /// Preloads torch's `momentum_buffer` (so the next step is not treated as the first). A
    /// CS231n-style velocity v = μv − η∇L corresponds to `buffer = −v/η`.
    #[must_use]
    pub fn with_buffer(mut self, buffer: Vec<f64>) -> Self {
        debug_assert_eq!(buffer.len(), self.buffer.len());
        self.buffer = buffer;
        self.has_buffer = true;
        self
    }

    /// torch's `momentum_buffer`, or `None` before the first step or when μ = 0.
    #[must_use]
    pub fn buffer(&self) -> Option<&[f64]> {
        (self.has_buffer && self.momentum != 0.0).then_some(self.buffer.as_slice())
    }
}

/// One momentum update's scalars, applied per coordinate.
#[derive(Clone, Copy)]
struct MomentumCoordinate {
    pub(super) mu: f64,
    pub(super) undamped: f64,
    pub(super) wd: f64,
    pub(super) nesterov: bool,
    pub(super) first: bool,
    pub(super) lr: f64,
}

impl MomentumCoordinate {
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn update(self, p: &mut f64, g: f64, b: &mut f64) {
        let g = decayed(g, *p, self.wd);
        if self.mu == 0.0 {
            // torch skips the buffer entirely when momentum == 0 (dampening is then unused).
            *p -= self.lr * g;
            return;
        }
        // First step: buffer = gradient, ignoring dampening (torch `buf = clone(grad)`).
        *b = if self.first { g } else { self.mu * *b + self.undamped * g };
        *p -= self.lr * if self.nesterov { g + self.mu * *b } else { *b };
    }
}

impl MomentumRule {
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn begin_step(&mut self, lr: f64) -> MomentumCoordinate {
        self.steps += 1;
        let first = !self.has_buffer;
        if self.momentum != 0.0 {
            self.has_buffer = true;
        }
        MomentumCoordinate {
            mu: self.momentum,
            undamped: 1.0 - self.dampening,
            wd: self.weight_decay,
            nesterov: self.nesterov,
            first,
            lr,
        }
    }
}

impl UpdateRule for MomentumRule {
    #[inline]
    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        debug_assert_eq!(params.len(), self.buffer.len());
        let coordinate = self.begin_step(lr);
        for ((p, &g), b) in params.iter_mut().zip(grad).zip(&mut self.buffer) {
            coordinate.update(p, g, b);
        }
    }

    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        let coordinate = self.begin_step(lr);
        let Some(buffer) = self.buffer.first_chunk_mut::<2>() else {
            debug_assert!(false, "step_2d on a rule built for fewer than 2 parameters");
            return;
        };
        for i in 0..2 {
            coordinate.update(&mut params[i], grad[i], &mut buffer[i]);
        }
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    fn set_momentum(&mut self, value: f64) {
        self.momentum = value;
    }

    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        effective_step.fill(lr);
        Internals { velocity: self.buffer(), second_moment: None, steps_taken: self.steps }
    }
}

/// The look-ahead form of Nesterov momentum (Sutskever et al. 2013, the course notes' first
/// form). The stored parameter is the plain x; the gradient is taken at x + μv.
#[derive(Clone, Debug, PartialEq)]
pub struct LookaheadRule {
    pub(super) momentum: f64,
    /// Velocity v in parameter units: x ← x + v.
    pub(super) velocity: Vec<f64>,
    pub(super) steps: u64,
}

impl LookaheadRule {
    /// The velocity v (x̄ = x + μv is [`UpdateRule::gradient_point`]).
    #[must_use]
    pub fn velocity(&self) -> &[f64] {
        &self.velocity
    }
}

impl UpdateRule for LookaheadRule {
    #[inline]
    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        debug_assert_eq!(params.len(), self.velocity.len());
        self.steps += 1;
        let mu = self.momentum;
        for ((x, &g), v) in params.iter_mut().zip(grad).zip(&mut self.velocity) {
            *v = mu * *v - lr * g;
            *x += *v;
        }
    }

    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        self.steps += 1;
        let mu = self.momentum;
        let Some(velocity) = self.velocity.first_chunk_mut::<2>() else {
            debug_assert!(false, "step_2d on a rule built for fewer than 2 parameters");
            return;
        };
        for i in 0..2 {
            velocity[i] = mu * velocity[i] - lr * grad[i];
            params[i] += velocity[i];
        }
    }

    /// x̄ = x + μv: the look-ahead point, which is also the parameter of torch's Nesterov.
    #[inline]
    fn gradient_point(&self, params: &[f64], out: &mut [f64]) {
        debug_assert_eq!(params.len(), out.len());
        let mu = self.momentum;
        for ((o, &x), &v) in out.iter_mut().zip(params).zip(&self.velocity) {
            *o = x + mu * v;
        }
    }

    #[inline]
    fn needs_lookahead(&self) -> bool {
        true
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    fn set_momentum(&mut self, value: f64) {
        self.momentum = value;
    }

    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        effective_step.fill(lr);
        Internals { velocity: Some(&self.velocity), second_moment: None, steps_taken: self.steps }
    }
}
