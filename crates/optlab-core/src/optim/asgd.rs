//! `torch.optim.ASGD` (`_single_tensor_asgd`): SGD with a decaying step η and, after `t0`
//! updates, a running average `ax` of the iterates. The parameters, not the average, are the
//! position; the average is what the method returns as its estimate.

use super::rule::{Internals, UpdateRule, decayed};

/// `torch.optim.ASGD`'s hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct AsgdParams {
    /// λ: the decay term, θ ← θ(1 − λη) each step, and in η's decay.
    pub lambd: f64,
    /// α: the power of η's decay.
    pub alpha: f64,
    /// t0: the update after which averaging starts.
    pub t0: f64,
    /// Coupled L2 weight decay.
    pub weight_decay: f64,
}

/// `torch.optim.ASGD`.
#[derive(Clone, Debug, PartialEq)]
pub struct AsgdRule {
    pub(super) params: AsgdParams,
    /// torch's `eta`: the step size of the next update (the group's lr before the first).
    pub(super) eta: f64,
    /// torch's `mu`: the weight of the next iterate in the average, 1/max(1, t − t0).
    pub(super) mu: f64,
    /// torch's `ax`: the average of the iterates (a copy of θ until averaging starts).
    pub(super) ax: Vec<f64>,
    pub(super) steps: u64,
}

impl AsgdRule {
    /// A fresh rule (state as torch initializes it) for `n_params` parameters; `eta` is set
    /// from the lr of the first update, as torch's lazy state initialization does.
    pub(super) fn new(n_params: usize, params: AsgdParams) -> Self {
        Self { params, eta: 0.0, mu: 1.0, ax: vec![0.0; n_params], steps: 0 }
    }

    /// torch's `ax`, the running average of the iterates.
    #[must_use]
    pub fn ax(&self) -> &[f64] {
        &self.ax
    }

    /// torch's `eta` for learning rate `lr`: the step size of the next update.
    #[must_use]
    pub fn eta(&self, lr: f64) -> f64 {
        if self.steps == 0 { lr } else { self.eta }
    }

    /// torch's `mu`, the weight of the next iterate in the average.
    #[must_use]
    pub fn mu(&self) -> f64 {
        self.mu
    }

    /// Counts the update and returns this update's (η, decay factor 1 − λη, μ).
    #[inline]
    fn begin(&mut self, lr: f64) -> (f64, f64, f64) {
        if self.steps == 0 {
            self.eta = lr;
        }
        self.steps += 1;
        (self.eta, 1.0 - self.params.lambd * self.eta, self.mu)
    }

    /// torch's new η = lr/(1 + λ·lr·t)^α and μ = 1/max(1, t − t0) after update t.
    #[inline]
    #[expect(clippy::cast_precision_loss, reason = "torch's step is a float tensor")]
    fn finish(&mut self, lr: f64) {
        let step = self.steps as f64;
        let AsgdParams { lambd, alpha, t0, .. } = self.params;
        self.eta = lr / (1.0 + lambd * lr * step).powf(alpha);
        self.mu = 1.0 / (step - t0).max(1.0);
    }
}

/// One ASGD coordinate: decay, the gradient step, then the average.
#[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
#[inline(always)]
#[expect(clippy::float_cmp, reason = "torch copies the parameter when mu is exactly 1")]
fn asgd_update(
    p: &mut f64,
    g: f64,
    ax: &mut f64,
    (eta, decay, mu, weight_decay): (f64, f64, f64, f64),
) {
    let g = decayed(g, *p, weight_decay);
    *p *= decay;
    *p += -eta * g;
    if mu == 1.0 {
        *ax = *p;
    } else {
        *ax += (*p - *ax) * mu;
    }
}

impl UpdateRule for AsgdRule {
    #[inline]
    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        debug_assert_eq!(params.len(), self.ax.len());
        let (eta, decay, mu) = self.begin(lr);
        let scalars = (eta, decay, mu, self.params.weight_decay);
        for ((p, &g), ax) in params.iter_mut().zip(grad).zip(&mut self.ax) {
            asgd_update(p, g, ax, scalars);
        }
        self.finish(lr);
    }

    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        let (eta, decay, mu) = self.begin(lr);
        let scalars = (eta, decay, mu, self.params.weight_decay);
        let Some(ax) = self.ax.first_chunk_mut::<2>() else {
            debug_assert!(false, "step_2d on a rule built for fewer than 2 parameters");
            return;
        };
        for i in 0..2 {
            asgd_update(&mut params[i], grad[i], &mut ax[i], scalars);
        }
        self.finish(lr);
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    /// The effective step is η of the next update (the same for every coordinate); the
    /// `velocity` slot carries the average `ax` (in parameter units: a point, not a velocity).
    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        effective_step.fill(self.eta(lr));
        Internals { velocity: Some(&self.ax), second_moment: None, steps_taken: self.steps }
    }
}

/// The RON variant's update rule in the course's notation (after the weight-decay line).
pub(super) fn asgd_rule_text(t0: f64) -> String {
    format!(
        "θ ← θ(1 − λη)   (η = lr on the first step)\n\
         θ ← θ − η∇L\n\
         θ_avg ← θ_avg + μ(θ − θ_avg)   (ax, the average; θ_avg = θ while μ = 1)\n\
         η ← lr/(1 + λ·lr·t)^α,  μ ← 1/max(1, t − t0),  t0 = {t0}"
    )
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the compared values are exact by construction")]
mod tests {
    use super::*;

    fn rule(t0: f64) -> AsgdRule {
        AsgdRule::new(2, AsgdParams { lambd: 1e-3, alpha: 0.75, t0, weight_decay: 0.0 })
    }

    #[test]
    fn the_first_step_decays_then_steps_with_the_lr() {
        let mut asgd = rule(1e6);
        let mut params = [1.0, 2.0];
        asgd.step(&mut params, &[0.5, -1.0], 0.1);
        let decay = 1.0 - 1e-3 * 0.1;
        assert_eq!(params, [1.0 * decay - 0.1 * 0.5, 2.0 * decay + 0.1 * 1.0]);
        assert_eq!(asgd.ax, params.to_vec());
        assert_eq!(asgd.eta(0.1), 0.1 / (1.0 + 1e-3 * 0.1_f64).powf(0.75));
    }

    #[test]
    fn step_2d_equals_step_bit_for_bit() {
        let mut slow =
            AsgdRule::new(2, AsgdParams { lambd: 0.01, alpha: 0.6, t0: 5.0, weight_decay: 0.02 });
        let mut fast = slow.clone();
        let (mut a, mut b) = ([0.3, -1.7], [0.3, -1.7]);
        for t in 0..40 {
            let grad = [a[0] * 3.0 - 1.0, a[1] * 0.5 + f64::from(t)];
            slow.step(&mut a, &grad, 0.05);
            fast.step_2d(&mut b, grad, 0.05);
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits), "step {t}");
        }
        assert_eq!(slow, fast);
    }
}
