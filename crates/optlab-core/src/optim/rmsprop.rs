//! `torch.optim.RMSprop`, with optional centering and momentum.

use super::rule::{Internals, UpdateRule, decayed};

/// `torch.optim.RMSprop`, with optional centering and momentum.
#[derive(Clone, Debug, PartialEq)]
pub struct RmsPropRule {
    pub(super) decay_rate: f64,
    pub(super) eps: f64,
    pub(super) centered: bool,
    pub(super) momentum: f64,
    pub(super) weight_decay: f64,
    /// torch's `square_avg`.
    pub(super) square_avg: Vec<f64>,
    /// torch's `grad_avg` (kept at zero unless centered, so the loop has no optional slices).
    pub(super) grad_avg: Vec<f64>,
    /// torch's `momentum_buffer` (kept at zero unless μ > 0).
    pub(super) buffer: Vec<f64>,
    pub(super) steps: u64,
}

impl RmsPropRule {
    /// Preloads torch's `square_avg` (CS231n's `cache`).
    #[must_use]
    pub fn with_square_avg(mut self, square_avg: Vec<f64>) -> Self {
        debug_assert_eq!(square_avg.len(), self.square_avg.len());
        self.square_avg = square_avg;
        self
    }

    /// torch's `square_avg`.
    #[must_use]
    pub fn square_avg(&self) -> &[f64] {
        &self.square_avg
    }

    /// torch's `grad_avg`, present only when centered.
    #[must_use]
    pub fn grad_avg(&self) -> Option<&[f64]> {
        self.centered.then_some(self.grad_avg.as_slice())
    }

    /// torch's `momentum_buffer`, present only when μ > 0.
    #[must_use]
    pub fn buffer(&self) -> Option<&[f64]> {
        (self.momentum > 0.0).then_some(self.buffer.as_slice())
    }
}

/// v − ḡ², clamped at 0 where rounding makes it negative (NaN passes through).
#[inline]
fn centered_variance(square_avg: f64, grad_avg: f64) -> f64 {
    let variance = square_avg - grad_avg * grad_avg;
    if variance < 0.0 { 0.0 } else { variance }
}

/// One RMSprop update's scalars, applied per coordinate.
#[derive(Clone, Copy)]
struct RmsPropCoordinate {
    pub(super) alpha: f64,
    pub(super) eps: f64,
    pub(super) mu: f64,
    pub(super) wd: f64,
    pub(super) lr: f64,
    pub(super) centered: bool,
}

impl RmsPropCoordinate {
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn update(self, p: &mut f64, g: f64, v: &mut f64, ga: &mut f64, b: &mut f64) {
        let one_minus_alpha = 1.0 - self.alpha;
        let g = decayed(g, *p, self.wd);
        *v = self.alpha * *v + one_minus_alpha * g * g;
        let spread = if self.centered {
            // torch: grad_avg.lerp_(grad, 1 − alpha)
            *ga += one_minus_alpha * (g - *ga);
            centered_variance(*v, *ga)
        } else {
            *v
        };
        let denom = spread.sqrt() + self.eps;
        if self.mu > 0.0 {
            *b = self.mu * *b + g / denom;
            *p -= self.lr * *b;
        } else {
            *p -= self.lr * (g / denom);
        }
    }
}

impl RmsPropRule {
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn begin_step(&mut self, lr: f64) -> RmsPropCoordinate {
        self.steps += 1;
        RmsPropCoordinate {
            alpha: self.decay_rate,
            eps: self.eps,
            mu: self.momentum,
            wd: self.weight_decay,
            lr,
            centered: self.centered,
        }
    }
}

impl UpdateRule for RmsPropRule {
    #[inline]
    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        debug_assert_eq!(params.len(), self.square_avg.len());
        let coordinate = self.begin_step(lr);
        let state = self.square_avg.iter_mut().zip(&mut self.grad_avg).zip(&mut self.buffer);
        for ((p, &g), ((v, ga), b)) in params.iter_mut().zip(grad).zip(state) {
            coordinate.update(p, g, v, ga, b);
        }
    }

    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        let coordinate = self.begin_step(lr);
        let (Some(v), Some(ga), Some(b)) = (
            self.square_avg.first_chunk_mut::<2>(),
            self.grad_avg.first_chunk_mut::<2>(),
            self.buffer.first_chunk_mut::<2>(),
        ) else {
            debug_assert!(false, "step_2d on a rule built for fewer than 2 parameters");
            return;
        };
        for i in 0..2 {
            coordinate.update(&mut params[i], grad[i], &mut v[i], &mut ga[i], &mut b[i]);
        }
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        let state = self.square_avg.iter().zip(&self.grad_avg);
        for (e, (&v, &ga)) in effective_step.iter_mut().zip(state) {
            let spread = if self.centered { centered_variance(v, ga) } else { v };
            *e = lr / (spread.sqrt() + self.eps);
        }
        Internals {
            velocity: self.buffer(),
            second_moment: Some(&self.square_avg),
            steps_taken: self.steps,
        }
    }
}
