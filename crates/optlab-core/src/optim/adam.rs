//! `torch.optim.Adam` and `AdamW`, with or without bias correction and AMSGrad.

use super::rule::{Internals, UpdateRule, decayed};

/// βᵗ, or 0 once 1 − βᵗ rounds to exactly 1 (βᵗ < 2⁻⁵⁴ ≈ 5.6e-17), so the results are
/// bit-for-bit those of the unflushed product. Without this the running product decays into
/// subnormals and sticks at the smallest one (0.9 × 5e-324 rounds back to 5e-324), and every
/// later step pays a subnormal-arithmetic stall that made Adam about 10× slower.
#[inline]
fn flush_negligible(power: f64) -> f64 {
    if power < 1e-20 { 0.0 } else { power }
}

/// One Adam update's scalars, applied per coordinate.
#[derive(Clone, Copy)]
struct AdamCoordinate {
    pub(super) beta1: f64,
    pub(super) beta2: f64,
    pub(super) amsgrad: bool,
    pub(super) coupled: f64,
    pub(super) shrink: f64,
    pub(super) decoupled: bool,
    pub(super) step_size: f64,
    pub(super) eps: f64,
}

impl AdamCoordinate {
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn update(self, p: &mut f64, g: f64, m: &mut f64, v: &mut f64, v_max: &mut f64) {
        if self.decoupled {
            *p *= self.shrink;
        }
        let g = decayed(g, *p, self.coupled);
        // torch: exp_avg.lerp_(grad, 1 − beta1)
        *m += (1.0 - self.beta1) * (g - *m);
        *v = self.beta2 * *v + (1.0 - self.beta2) * g * g;
        let second = if self.amsgrad {
            // Max over the raw v, bias-corrected afterwards (current torch); NaN propagates.
            if *v > *v_max || v.is_nan() {
                *v_max = *v;
            }
            *v_max
        } else {
            *v
        };
        *p -= self.step_size * *m / (second.sqrt() + self.eps);
    }
}

/// Hyperparameters shared by Adam and AdamW.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct AdamMoments {
    pub(super) beta1: f64,
    pub(super) beta2: f64,
    pub(super) eps: f64,
    pub(super) amsgrad: bool,
}

/// `torch.optim.Adam` / `AdamW` (torch's `_single_tensor_adam` with or without
/// `decoupled_weight_decay`), and Adam without bias correction.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamRule {
    pub(super) hyper: AdamMoments,
    pub(super) bias_correction: bool,
    pub(super) weight_decay: f64,
    /// AdamW: θ ← θ(1 − ηλ) instead of g ← g + λθ.
    pub(super) decoupled: bool,
    /// torch's `exp_avg`.
    pub(super) m: Vec<f64>,
    /// torch's `exp_avg_sq`.
    pub(super) v: Vec<f64>,
    /// torch's `max_exp_avg_sq` (kept at zero unless amsgrad).
    pub(super) v_max: Vec<f64>,
    /// β₁ᵗ and β₂ᵗ as running products (see the module docs).
    pub(super) beta1_pow: f64,
    pub(super) beta2_pow: f64,
    pub(super) steps: u64,
    /// Set once a schedule has moved β₁: β₁ᵗ is then PyTorch's `beta1 ** step` with the
    /// current β₁ instead of the running product.
    pub(super) beta1_moved: bool,
}

impl AdamRule {
    pub(super) fn new(
        n_params: usize,
        hyper: AdamMoments,
        bias_correction: bool,
        weight_decay: f64,
    ) -> Self {
        Self {
            hyper,
            bias_correction,
            weight_decay,
            decoupled: false,
            m: vec![0.0; n_params],
            v: vec![0.0; n_params],
            v_max: vec![0.0; n_params],
            beta1_pow: 1.0,
            beta2_pow: 1.0,
            steps: 0,
            beta1_moved: false,
        }
    }

    /// Preloads the state as if `steps` updates had produced moments `m` (torch `exp_avg`) and
    /// `v` (`exp_avg_sq`); the next update uses t = `steps` + 1, as torch does with a loaded
    /// `state["step"]`. With amsgrad the running maximum starts at `v`.
    #[must_use]
    pub fn with_state(mut self, m: Vec<f64>, v: Vec<f64>, steps: u64) -> Self {
        debug_assert_eq!(m.len(), self.m.len());
        debug_assert_eq!(v.len(), self.v.len());
        if self.hyper.amsgrad {
            self.v_max.clone_from(&v);
        }
        self.m = m;
        self.v = v;
        self.beta1_pow = flush_negligible(self.hyper.beta1.powf(steps as f64));
        self.beta2_pow = flush_negligible(self.hyper.beta2.powf(steps as f64));
        self.steps = steps;
        self
    }

    /// torch's `exp_avg` (first moment m).
    #[must_use]
    pub fn exp_avg(&self) -> &[f64] {
        &self.m
    }

    /// torch's `exp_avg_sq` (raw second moment v).
    #[must_use]
    pub fn exp_avg_sq(&self) -> &[f64] {
        &self.v
    }

    /// torch's `max_exp_avg_sq`, present only with amsgrad.
    #[must_use]
    pub fn max_exp_avg_sq(&self) -> Option<&[f64]> {
        self.hyper.amsgrad.then_some(self.v_max.as_slice())
    }

    /// (1 − β₁ᵗ, √(1 − β₂ᵗ)) for the current t, or (1, 1) without bias correction or before the
    /// first step.
    #[inline]
    fn corrections(&self) -> (f64, f64) {
        // Once both powers have been flushed to 0 the corrections are exactly 1; skipping the
        // square root keeps long runs off the shared divide/sqrt unit.
        let negligible = self.beta1_pow == 0.0 && self.beta2_pow == 0.0;
        if self.bias_correction && self.steps > 0 && !negligible {
            (1.0 - self.beta1_pow, (1.0 - self.beta2_pow).sqrt())
        } else {
            (1.0, 1.0)
        }
    }
}

impl AdamRule {
    /// Advances t and returns this update's per-coordinate scalars.
    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn begin_step(&mut self, lr: f64) -> AdamCoordinate {
        let AdamMoments { beta1, beta2, eps, amsgrad } = self.hyper;
        self.steps += 1;
        self.beta1_pow = if self.beta1_moved {
            flush_negligible(super::adamax::python_pow(beta1, self.steps))
        } else {
            flush_negligible(self.beta1_pow * beta1)
        };
        self.beta2_pow = flush_negligible(self.beta2_pow * beta2);
        // torch: θ −= (η/bc1)·m/(√v/√bc2 + ε). Multiplying through by √bc2 gives
        // θ −= (η√bc2/bc1)·m/(√v + ε√bc2): equal up to rounding (~1e-16), one operation shorter
        // on the per-coordinate dependency chain.
        let (bc1, root_bc2) = self.corrections();
        let (step_size, eps) = if self.bias_correction && (bc1, root_bc2) != (1.0, 1.0) {
            (lr * root_bc2 / bc1, eps * root_bc2)
        } else {
            (lr, eps)
        };
        // torch applies weight decay only when it is nonzero, coupled or decoupled.
        let wd = self.weight_decay;
        let (coupled, shrink) = if self.decoupled { (0.0, 1.0 - lr * wd) } else { (wd, 1.0) };
        let decoupled = self.decoupled && wd != 0.0;
        AdamCoordinate { beta1, beta2, amsgrad, coupled, shrink, decoupled, step_size, eps }
    }
}

impl UpdateRule for AdamRule {
    #[inline]
    fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64) {
        debug_assert_eq!(params.len(), grad.len());
        debug_assert_eq!(params.len(), self.m.len());
        let coordinate = self.begin_step(lr);
        let state = self.m.iter_mut().zip(&mut self.v).zip(&mut self.v_max);
        for ((p, &g), ((m, v), v_max)) in params.iter_mut().zip(grad).zip(state) {
            coordinate.update(p, g, m, v, v_max);
        }
    }

    #[expect(clippy::inline_always, reason = "the 2-D run loop; see benches/engine.rs")]
    #[inline(always)]
    fn step_2d(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        let coordinate = self.begin_step(lr);
        let (Some(m), Some(v), Some(v_max)) = (
            self.m.first_chunk_mut::<2>(),
            self.v.first_chunk_mut::<2>(),
            self.v_max.first_chunk_mut::<2>(),
        ) else {
            debug_assert!(false, "step_2d on a rule built for fewer than 2 parameters");
            return;
        };
        for i in 0..2 {
            coordinate.update(&mut params[i], grad[i], &mut m[i], &mut v[i], &mut v_max[i]);
        }
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    fn set_momentum(&mut self, value: f64) {
        self.hyper.beta1 = value;
        self.beta1_moved = true;
    }

    fn internals(&self, lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        // η/(√v̂ + ε) = η√bc2/(√v + ε√bc2), as in `step`.
        let (_, root_bc2) = self.corrections();
        let (scaled_lr, eps) = (lr * root_bc2, self.hyper.eps * root_bc2);
        let second = if self.hyper.amsgrad { &self.v_max } else { &self.v };
        for (e, &v) in effective_step.iter_mut().zip(second) {
            *e = scaled_lr / (v.sqrt() + eps);
        }
        Internals { velocity: Some(&self.m), second_moment: Some(&self.v), steps_taken: self.steps }
    }
}
