//! `torch.optim.Adagrad`.

use super::rule::{Internals, UpdateRule, decayed};

/// `torch.optim.Adagrad`.
#[derive(Clone, Debug, PartialEq)]
pub struct AdagradRule {
    pub(super) lr_decay: f64,
    pub(super) eps: f64,
    pub(super) weight_decay: f64,
    /// torch's `sum`, starting at `initial_accumulator_value`.
    pub(super) sum: Vec<f64>,
    pub(super) steps: u64,
}

impl AdagradRule {
    /// torch's `clr = lr / (1 + (step − 1)·lr_decay)` for 1-based `step`.
    #[inline]
    fn decayed_lr(&self, lr: f64, step: u64) -> f64 {
        lr / (1.0 + step.saturating_sub(1) as f64 * self.lr_decay)
    }
}

/// One Adagrad coordinate with this update's (decayed lr, ε, weight decay).
#[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
#[inline(always)]
fn adagrad_update(p: &mut f64, g: f64, sum: &mut f64, (clr, eps, wd): (f64, f64, f64)) {
    let g = decayed(g, *p, wd);
    *sum += g * g;
    // torch: param.addcdiv_(grad, sqrt(sum) + eps, value=-clr); ε outside the root.
    *p -= clr * (g / (sum.sqrt() + eps));
}

impl UpdateRule for AdagradRule {
    #[inline]
    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        debug_assert_eq!(params.len(), self.sum.len());
        self.steps += 1;
        let clr = self.decayed_lr(lr, self.steps);
        let (eps, wd) = (self.eps, self.weight_decay);
        for ((p, &g), s) in params.iter_mut().zip(grad).zip(&mut self.sum) {
            adagrad_update(p, g, s, (clr, eps, wd));
        }
    }

    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        self.steps += 1;
        let clr = self.decayed_lr(lr, self.steps);
        let (eps, wd) = (self.eps, self.weight_decay);
        let Some(sum) = self.sum.first_chunk_mut::<2>() else {
            debug_assert!(false, "step_2d on a rule built for fewer than 2 parameters");
            return;
        };
        for i in 0..2 {
            adagrad_update(&mut params[i], grad[i], &mut sum[i], (clr, eps, wd));
        }
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    /// Uses the decay of the latest update (η itself before the first).
    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        let clr = self.decayed_lr(lr, self.steps);
        for (e, s) in effective_step.iter_mut().zip(&self.sum) {
            *e = clr / (s.sqrt() + self.eps);
        }
        Internals { velocity: None, second_moment: Some(&self.sum), steps_taken: self.steps }
    }
}
