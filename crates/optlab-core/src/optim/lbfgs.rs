//! `torch.optim.LBFGS`: one [`LbfgsRule::step_with`] is one `optimizer.step(closure)` call, with
//! every inner iteration and line-search evaluation PyTorch makes (`step`, `_strong_wolfe` and
//! `_cubic_interpolate` of `torch/optim/lbfgs.py`, in the same order of operations).
//!
//! L-BFGS needs loss values, so it cannot step from a gradient alone: the run engine hands it an
//! [`Objective`] (loss and gradient at any point) through [`UpdateRule::step_with_objective`].
//! Replay (gradients only) refuses it; training steps it over the whole training set
//! (`train::full_batch`).

use std::collections::VecDeque;

use super::rule::{Internals, Objective, UpdateRule};
use crate::limits::{Limit, LimitError, check_all};

/// `max_iter`: inner iterations per step (PyTorch default 20).
pub const MAX_ITER: Limit = Limit::closed("max_iter", 1.0, 1000.0);
/// `max_eval` when given: loss-and-gradient evaluations per step.
pub const MAX_EVAL: Limit = Limit::closed("max_eval", 1.0, 10_000.0);
/// `tolerance_grad`: a step ends once max |g| is at most this.
pub const TOLERANCE_GRAD: Limit = Limit::at_least("tolerance_grad", 0.0);
/// `tolerance_change`: a step ends once the move or the loss change is below this.
pub const TOLERANCE_CHANGE: Limit = Limit::at_least("tolerance_change", 0.0);
/// `history_size`: the pairs (s, y) kept (PyTorch default 100; 0 would fail in PyTorch).
pub const HISTORY_SIZE: Limit = Limit::closed("history_size", 1.0, 1000.0);

/// Range-checked deserializers of the RON fields.
pub(super) mod de {
    use super::{HISTORY_SIZE, MAX_EVAL, MAX_ITER, TOLERANCE_CHANGE, TOLERANCE_GRAD};
    crate::limited_f64!(tolerance_grad, TOLERANCE_GRAD);
    crate::limited_f64!(tolerance_change, TOLERANCE_CHANGE);

    /// A `u32` checked against `limit`.
    fn count<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
        limit: crate::limits::Limit,
    ) -> Result<u32, D::Error> {
        let value = <u32 as serde::Deserialize>::deserialize(deserializer)?;
        limit.check(f64::from(value)).map(|_| value).map_err(serde::de::Error::custom)
    }

    /// `max_iter` inside [`MAX_ITER`].
    pub(crate) fn max_iter<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<u32, D::Error> {
        count(deserializer, MAX_ITER)
    }

    /// `history_size` inside [`HISTORY_SIZE`].
    pub(crate) fn history_size<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<u32, D::Error> {
        count(deserializer, HISTORY_SIZE)
    }

    /// `max_eval: None` or `Some(n)` with n inside [`MAX_EVAL`].
    pub(crate) fn max_eval<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u32>, D::Error> {
        let value = <Option<u32> as serde::Deserialize>::deserialize(deserializer)?;
        match value {
            Some(n) => {
                MAX_EVAL.check(f64::from(n)).map(|_| value).map_err(serde::de::Error::custom)
            }
            None => Ok(None),
        }
    }
}

/// PyTorch's defaults.
pub(super) mod dflt {
    /// `lr` 1.
    pub(crate) fn lr() -> f64 {
        1.0
    }
    /// `max_iter` 20.
    pub(crate) fn max_iter() -> u32 {
        20
    }
    /// `tolerance_grad` 1e-7.
    pub(crate) fn tolerance_grad() -> f64 {
        1e-7
    }
    /// `tolerance_change` 1e-9.
    pub(crate) fn tolerance_change() -> f64 {
        1e-9
    }
    /// `history_size` 100.
    pub(crate) fn history_size() -> u32 {
        100
    }
}

/// The settings of one L-BFGS optimizer (the RON fields but `lr`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LbfgsSettings {
    /// Inner iterations per step.
    pub max_iter: u32,
    /// Evaluations per step; `None` is PyTorch's `max_iter * 5 // 4`.
    pub max_eval: Option<u32>,
    /// Stop once max |g| ≤ this.
    pub tolerance_grad: f64,
    /// Stop once max |t·d| or |Δloss| is below this.
    pub tolerance_change: f64,
    /// Pairs (s, y) kept.
    pub history_size: u32,
    /// Strong-Wolfe line search (PyTorch `line_search_fn="strong_wolfe"`).
    pub strong_wolfe: bool,
}

impl LbfgsSettings {
    /// The evaluation budget PyTorch uses: `max_eval`, or `max_iter * 5 // 4` when `None`.
    #[must_use]
    pub fn resolved_max_eval(&self) -> u32 {
        self.max_eval.unwrap_or(self.max_iter.saturating_mul(5) / 4)
    }

    /// Checks every field against its range.
    ///
    /// # Errors
    /// The first field out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
        check_all(&[
            (f64::from(self.max_iter), MAX_ITER),
            (f64::from(self.max_eval.unwrap_or(1)), MAX_EVAL),
            (self.tolerance_grad, TOLERANCE_GRAD),
            (self.tolerance_change, TOLERANCE_CHANGE),
            (f64::from(self.history_size), HISTORY_SIZE),
        ])
    }
}

/// The update rule in the course's notation, in lines short enough for the controls column.
pub(super) fn update_rule(settings: &LbfgsSettings) -> String {
    let search = if settings.strong_wolfe {
        "t: strong-Wolfe line search\n  (c₁ = 10⁻⁴, c₂ = 0.9, cubic)"
    } else {
        "t = η   (first iteration ever:\n  t = η·min(1, 1/‖∇L‖₁))"
    };
    format!(
        "d = −H∇L, two-loop recursion over\n\
         \u{20} the last m = {m} pairs\n\
         \u{20} s = Δθ, y = Δ∇L (yᵀs > 10⁻¹⁰):\n\
         \u{20} q ← ∇L; newest first:\n\
         \u{20}   αᵢ = ρᵢsᵢᵀq, q ← q − αᵢyᵢ\n\
         \u{20} r ← (sᵀy/yᵀy)q; oldest first:\n\
         \u{20}   βᵢ = ρᵢyᵢᵀr,\n\
         \u{20}   r ← r + (αᵢ − βᵢ)sᵢ\n\
         \u{20} d = −r, ρᵢ = 1/yᵢᵀsᵢ\n\
         \u{20} (first iteration: d = −∇L)\n\
         {search}\n\
         θ ← θ + t·d\n\
         a step's budget: {iters} iterations,\n\
         \u{20} {evals} evaluations of L and ∇L",
        m = settings.history_size,
        iters = settings.max_iter,
        evals = settings.resolved_max_eval(),
    )
}

/// `torch.optim.LBFGS` with its state (PyTorch keeps it on the first parameter).
#[derive(Clone, Debug, PartialEq)]
pub struct LbfgsRule {
    pub(super) settings: LbfgsSettings,
    /// Direction d of the last iteration.
    direction: Vec<f64>,
    /// Step length t of the last iteration.
    step_length: f64,
    /// The kept y (gradient differences), oldest first (PyTorch `old_dirs`).
    old_dirs: VecDeque<Vec<f64>>,
    /// The kept s (parameter steps), oldest first (PyTorch `old_stps`).
    old_stps: VecDeque<Vec<f64>>,
    /// 1/yᵀs of each pair (PyTorch `ro`).
    ro: VecDeque<f64>,
    /// sᵀy/yᵀy of the newest pair (PyTorch `H_diag`).
    h_diag: f64,
    /// Gradient at the start of the last iteration.
    prev_flat_grad: Vec<f64>,
    /// Inner iterations so far, over all steps (PyTorch `n_iter`).
    n_iter: u64,
    /// Evaluations so far, over all steps (PyTorch `func_evals`).
    func_evals: u64,
    /// Evaluations of the last step.
    last_evals: u32,
    /// Steps so far.
    steps: u64,
}

impl LbfgsRule {
    /// A fresh optimizer for `n_params` parameters.
    pub(super) fn new(n_params: usize, settings: LbfgsSettings) -> Self {
        Self {
            settings,
            direction: vec![0.0; n_params],
            step_length: 0.0,
            old_dirs: VecDeque::new(),
            old_stps: VecDeque::new(),
            ro: VecDeque::new(),
            h_diag: 1.0,
            prev_flat_grad: vec![0.0; n_params],
            n_iter: 0,
            func_evals: 0,
            last_evals: 0,
            steps: 0,
        }
    }

    /// Evaluations of L (with ∇L) the last step made.
    #[must_use]
    pub fn evaluations_last_step(&self) -> u32 {
        self.last_evals
    }

    /// Evaluations of L over all steps (PyTorch `func_evals`).
    #[must_use]
    pub fn evaluations(&self) -> u64 {
        self.func_evals
    }

    /// Inner iterations over all steps (PyTorch `n_iter`).
    #[must_use]
    pub fn iterations(&self) -> u64 {
        self.n_iter
    }

    /// The step length t of the last iteration (PyTorch `t`).
    #[must_use]
    pub fn step_length(&self) -> f64 {
        self.step_length
    }

    /// The direction d of the last iteration (PyTorch `d`).
    #[must_use]
    pub fn direction(&self) -> &[f64] {
        &self.direction
    }

    /// One `optimizer.step(closure)`: moves `params` in place and returns the evaluations of
    /// `objective` it made.
    pub fn step_with(&mut self, params: &mut [f64], lr: f64, objective: &mut Objective<'_>) -> u32 {
        let n = params.len();
        self.steps += 1;
        let mut flat_grad = vec![0.0; n];
        let mut loss = objective(params, &mut flat_grad);
        let mut current_evals: u32 = 1;
        self.func_evals += 1;
        let settings = self.settings;
        let max_eval = settings.resolved_max_eval();
        if max_abs(&flat_grad) <= settings.tolerance_grad {
            self.last_evals = current_evals;
            return current_evals;
        }
        let mut n_iter = 0;
        while n_iter < settings.max_iter {
            n_iter += 1;
            self.n_iter += 1;
            self.update_direction(&flat_grad);
            self.prev_flat_grad.copy_from_slice(&flat_grad);
            let prev_loss = loss;
            let t = if self.n_iter == 1 { py_min(1.0, 1.0 / sum_abs(&flat_grad)) * lr } else { lr };
            self.step_length = t;
            let gtd = dot(&flat_grad, &self.direction);
            if gtd > -settings.tolerance_change {
                break;
            }
            let (ls_evals, opt_cond);
            if settings.strong_wolfe {
                let start = params.to_vec();
                let mut probe = vec![0.0; n];
                let mut along = |t: f64, grad: &mut [f64]| {
                    add_scaled(&mut probe, &start, t, &self.direction);
                    objective(&probe, grad)
                };
                let max_ls = max_eval.saturating_sub(current_evals);
                let search = LineSearch { direction: &self.direction, f: loss, g: &flat_grad, gtd };
                let found = search.run(&mut along, t, max_ls);
                loss = found.f;
                flat_grad = found.g;
                self.step_length = found.t;
                ls_evals = found.evals;
                add_in_place(params, found.t, &self.direction);
                opt_cond = max_abs(&flat_grad) <= settings.tolerance_grad;
            } else {
                add_in_place(params, t, &self.direction);
                if n_iter == settings.max_iter {
                    (ls_evals, opt_cond) = (0, false);
                } else {
                    loss = objective(params, &mut flat_grad);
                    (ls_evals, opt_cond) = (1, max_abs(&flat_grad) <= settings.tolerance_grad);
                }
            }
            current_evals += ls_evals;
            self.func_evals += u64::from(ls_evals);
            let moved = max_abs_scaled(&self.direction, self.step_length);
            if n_iter == settings.max_iter
                || current_evals >= max_eval
                || opt_cond
                || moved <= settings.tolerance_change
                || (loss - prev_loss).abs() < settings.tolerance_change
            {
                break;
            }
        }
        self.last_evals = current_evals;
        current_evals
    }

    /// The new direction d: −g on the very first iteration, else the history update and the
    /// two-loop recursion, as PyTorch orders them.
    fn update_direction(&mut self, flat_grad: &[f64]) {
        if self.n_iter == 1 {
            for (d, g) in self.direction.iter_mut().zip(flat_grad) {
                *d = -g;
            }
            self.old_dirs.clear();
            self.old_stps.clear();
            self.ro.clear();
            self.h_diag = 1.0;
            return;
        }
        let y: Vec<f64> = flat_grad.iter().zip(&self.prev_flat_grad).map(|(g, p)| g - p).collect();
        let s: Vec<f64> = self.direction.iter().map(|d| d * self.step_length).collect();
        let ys = dot(&y, &s);
        if ys > 1e-10 {
            if self.old_dirs.len() == self.settings.history_size as usize {
                self.old_dirs.pop_front();
                self.old_stps.pop_front();
                self.ro.pop_front();
            }
            self.h_diag = ys / dot(&y, &y);
            self.old_dirs.push_back(y);
            self.old_stps.push_back(s);
            self.ro.push_back(1.0 / ys);
        }
        let num_old = self.old_dirs.len();
        let mut al = vec![0.0; num_old];
        let mut q: Vec<f64> = flat_grad.iter().map(|g| -g).collect();
        for i in (0..num_old).rev() {
            al[i] = dot(&self.old_stps[i], &q) * self.ro[i];
            add_in_place(&mut q, -al[i], &self.old_dirs[i]);
        }
        for (d, q) in self.direction.iter_mut().zip(&q) {
            *d = q * self.h_diag;
        }
        for (((al_i, y), s), ro) in al.iter().zip(&self.old_dirs).zip(&self.old_stps).zip(&self.ro)
        {
            let be_i = dot(y, &self.direction) * ro;
            add_in_place(&mut self.direction, al_i - be_i, s);
        }
    }
}

/// What `_strong_wolfe` starts from: the direction, the loss, gradient and directional
/// derivative at t = 0.
struct LineSearch<'a> {
    direction: &'a [f64],
    f: f64,
    g: &'a [f64],
    gtd: f64,
}

/// One trial point of the line search: step length, loss, gradient, directional derivative.
#[derive(Clone)]
struct Trial {
    t: f64,
    f: f64,
    g: Vec<f64>,
    gtd: f64,
}

/// What the line search returns: the accepted point and the evaluations made.
struct Found {
    f: f64,
    g: Vec<f64>,
    t: f64,
    evals: u32,
}

/// PyTorch's `_strong_wolfe` constants (LBFGS passes neither, nor its own tolerance).
const C1: f64 = 1e-4;
const C2: f64 = 0.9;
const LS_TOLERANCE_CHANGE: f64 = 1e-9;

impl LineSearch<'_> {
    /// The trial at step length `t` along the direction.
    fn probe(&self, along: &mut dyn FnMut(f64, &mut [f64]) -> f64, t: f64) -> Trial {
        let mut g = vec![0.0; self.g.len()];
        let f = along(t, &mut g);
        let gtd = dot(&g, self.direction);
        Trial { t, f, g, gtd }
    }

    /// `_strong_wolfe(obj_func, x, t, d, f, g, gtd, max_ls=max_ls)`.
    fn run(&self, along: &mut dyn FnMut(f64, &mut [f64]) -> f64, t: f64, max_ls: u32) -> Found {
        let d_norm = max_abs(self.direction);
        let origin = Trial { t: 0.0, f: self.f, g: self.g.to_vec(), gtd: self.gtd };
        let mut new = self.probe(along, t);
        let mut evals = 1;
        let mut prev = origin.clone();
        let mut ls_iter = 0;
        let mut bracket: Option<([Trial; 2], bool)> = None;
        while ls_iter < max_ls {
            if new.f > self.f + C1 * new.t * self.gtd || (ls_iter > 1 && new.f >= prev.f) {
                bracket = Some(([prev, new.clone()], false));
                break;
            }
            if new.gtd.abs() <= -C2 * self.gtd {
                bracket = Some(([new.clone(), new.clone()], true));
                break;
            }
            if new.gtd >= 0.0 {
                bracket = Some(([prev, new.clone()], false));
                break;
            }
            let min_step = new.t + 0.01 * (new.t - prev.t);
            let max_step = new.t * 10.0;
            let next_t = cubic_interpolate(&prev, &new, Some((min_step, max_step)));
            prev = new;
            new = self.probe(along, next_t);
            evals += 1;
            ls_iter += 1;
        }
        let (mut bracket, done) = bracket.unwrap_or(([origin, new], false));
        let (zoom_evals, low) = self.zoom(along, &mut bracket, done, d_norm, ls_iter, max_ls);
        evals += zoom_evals;
        let low = &bracket[low];
        Found { f: low.f, g: low.g.clone(), t: low.t, evals }
    }

    /// The zoom phase on `bracket`; returns the evaluations it made and the low position.
    fn zoom(
        &self,
        along: &mut dyn FnMut(f64, &mut [f64]) -> f64,
        bracket: &mut [Trial; 2],
        mut done: bool,
        d_norm: f64,
        mut ls_iter: u32,
        max_ls: u32,
    ) -> (u32, usize) {
        let mut evals = 0;
        let mut insuf_progress = false;
        let ordered = |b: &[Trial; 2]| if b[0].f <= b[1].f { (0, 1) } else { (1, 0) };
        let (mut low, mut high) = ordered(bracket);
        while !done && ls_iter < max_ls {
            if (bracket[1].t - bracket[0].t).abs() * d_norm < LS_TOLERANCE_CHANGE {
                break;
            }
            let mut t = cubic_interpolate(&bracket[0], &bracket[1], None);
            let top = py_max(bracket[0].t, bracket[1].t);
            let bottom = py_min(bracket[0].t, bracket[1].t);
            let eps = 0.1 * (top - bottom);
            if py_min(top - t, t - bottom) < eps {
                if insuf_progress || t >= top || t <= bottom {
                    t = if (t - top).abs() < (t - bottom).abs() { top - eps } else { bottom + eps };
                    insuf_progress = false;
                } else {
                    insuf_progress = true;
                }
            } else {
                insuf_progress = false;
            }
            let new = self.probe(along, t);
            evals += 1;
            ls_iter += 1;
            if new.f > self.f + C1 * t * self.gtd || new.f >= bracket[low].f {
                bracket[high] = new;
                (low, high) = ordered(bracket);
            } else {
                if new.gtd.abs() <= -C2 * self.gtd {
                    done = true;
                } else if new.gtd * (bracket[high].t - bracket[low].t) >= 0.0 {
                    bracket[high] = bracket[low].clone();
                }
                bracket[low] = new;
            }
        }
        (evals, low)
    }
}

/// `_cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds)` with Python's `min`/`max` (NaN kept).
fn cubic_interpolate(first: &Trial, second: &Trial, bounds: Option<(f64, f64)>) -> f64 {
    let (x1, f1, g1) = (first.t, first.f, first.gtd);
    let (x2, f2, g2) = (second.t, second.f, second.gtd);
    let (xmin_bound, xmax_bound) = bounds.unwrap_or(if x1 <= x2 { (x1, x2) } else { (x2, x1) });
    let d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2);
    let d2_square = d1 * d1 - g1 * g2;
    if d2_square >= 0.0 {
        let d2 = d2_square.sqrt();
        let min_pos = if x1 <= x2 {
            x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
        } else {
            x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        };
        py_min(py_max(min_pos, xmin_bound), xmax_bound)
    } else {
        // PyTorch's `(xmin_bound + xmax_bound) / 2.0`, written as it is.
        #[expect(clippy::manual_midpoint, reason = "the same expression as PyTorch's")]
        let middle = (xmin_bound + xmax_bound) / 2.0;
        middle
    }
}

/// Python's `max(a, b)`: `a` unless `b > a` (so a NaN `a` is kept).
fn py_max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// Python's `min(a, b)`: `a` unless `b < a`.
fn py_min(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// Σ aᵢbᵢ in index order.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |sum, (x, y)| sum + x * y)
}

/// max |aᵢ| as torch's `abs().max()` (NaN wins).
fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0_f64, |m, x| if x.is_nan() || m.is_nan() { f64::NAN } else { m.max(x.abs()) })
}

/// max |s·aᵢ| (torch's `d.mul(t).abs().max()`).
fn max_abs_scaled(a: &[f64], s: f64) -> f64 {
    a.iter().fold(0.0_f64, |m, x| {
        let v = (x * s).abs();
        if v.is_nan() || m.is_nan() { f64::NAN } else { m.max(v) }
    })
}

/// Σ |aᵢ| in index order.
fn sum_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |sum, x| sum + x.abs())
}

/// a ← a + s·b (torch's `a.add_(b, alpha=s)`).
fn add_in_place(a: &mut [f64], s: f64, b: &[f64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += s * y;
    }
}

/// out ← a + s·b.
fn add_scaled(out: &mut [f64], a: &[f64], s: f64, b: &[f64]) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x + s * y;
    }
}

impl UpdateRule for LbfgsRule {
    const NEEDS_OBJECTIVE: bool = true;

    /// L-BFGS cannot step from a gradient alone: it leaves `params` where they are. Every
    /// caller either steps it through [`UpdateRule::step_with_objective`] (the run engine,
    /// training) or refuses it first (`optlab replay`).
    fn step(&mut self, _params: &mut [f64], _grad: &[f64], _lr: f64) {}

    fn step_with_objective(&mut self, params: &mut [f64], lr: f64, objective: &mut Objective<'_>) {
        self.step_with(params, lr, objective);
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    /// The velocity slot holds the direction d of the last iteration, the effective step its
    /// step length t (both coordinates).
    fn internals(&self, _lr: f64, effective_step: &mut [f64]) -> Internals<'_> {
        effective_step.fill(self.step_length);
        Internals { velocity: Some(&self.direction), second_moment: None, steps_taken: self.steps }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(strong_wolfe: bool) -> LbfgsSettings {
        LbfgsSettings {
            max_iter: 20,
            max_eval: None,
            tolerance_grad: 1e-7,
            tolerance_change: 1e-9,
            history_size: 100,
            strong_wolfe,
        }
    }

    /// L = ½(3x² + y²) − x.
    fn bowl(p: &[f64], g: &mut [f64]) -> f64 {
        g[0] = 3.0 * p[0] - 1.0;
        g[1] = p[1];
        0.5 * (3.0 * p[0] * p[0] + p[1] * p[1]) - p[0]
    }

    #[test]
    fn max_eval_none_is_five_quarters_of_max_iter_rounded_down() {
        assert_eq!(settings(false).resolved_max_eval(), 25);
        let one = LbfgsSettings { max_iter: 1, ..settings(false) };
        assert_eq!(one.resolved_max_eval(), 1);
        let seven = LbfgsSettings { max_iter: 7, ..settings(false) };
        assert_eq!(seven.resolved_max_eval(), 8);
    }

    #[test]
    fn the_first_iteration_moves_along_minus_g_scaled_by_its_l1_norm() {
        let mut rule = LbfgsRule::new(2, LbfgsSettings { max_iter: 1, ..settings(false) });
        let mut p = [2.0, -1.0];
        let evals = rule.step_with(&mut p, 0.5, &mut bowl);
        // g = (5, −1), ‖g‖₁ = 6, t = 0.5/6.
        assert_eq!(evals, 1);
        assert!((p[0] - (2.0 - 5.0 * 0.5 / 6.0)).abs() < 1e-15);
        assert!((p[1] - (-1.0 + 0.5 / 6.0)).abs() < 1e-15);
    }

    #[test]
    fn strong_wolfe_solves_a_quadratic_in_a_few_steps() {
        // PyTorch's default tolerance_change stops where g·d > −1e-9, about 1e-5 from the
        // minimum here; tighter tolerances let it finish.
        let tight =
            LbfgsSettings { tolerance_grad: 1e-12, tolerance_change: 1e-20, ..settings(true) };
        let mut rule = LbfgsRule::new(2, tight);
        let mut p = [2.0, -1.0];
        for _ in 0..3 {
            rule.step_with(&mut p, 1.0, &mut bowl);
        }
        assert!((p[0] - 1.0 / 3.0).abs() < 1e-10 && p[1].abs() < 1e-10, "{p:?}");
    }
}
