//! `torch.optim.SGD` without momentum.

use super::rule::{Internals, UpdateRule, decayed};

/// `torch.optim.SGD` without momentum.
#[derive(Clone, Debug, PartialEq)]
pub struct SgdRule {
    pub(super) weight_decay: f64,
    pub(super) steps: u64,
}

impl UpdateRule for SgdRule {
    #[inline]
    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        self.steps += 1;
        let weight_decay = self.weight_decay;
        for (p, &g) in params.iter_mut().zip(grad) {
            *p -= lr * decayed(g, *p, weight_decay);
        }
    }

    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        self.steps += 1;
        for (p, g) in params.iter_mut().zip(grad) {
            *p -= lr * decayed(g, *p, self.weight_decay);
        }
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        effective_step.fill(lr);
        Internals { velocity: None, second_moment: None, steps_taken: self.steps }
    }
}
