//! Exact Hessian-vector products of a network's training objective
//! L(θ) = mean data loss over the given points + `½λΣW²`, by Pearlmutter's R-operator: a forward
//! and backward pass at θ (kept), then per direction v the R-forward pass (R{u}, R{a}: the
//! directional derivatives of every pre-activation and activation) and the R-backward pass
//! (R{∂L/∂a}), whose weight sums are H·v. No finite differences: H·v is exact up to rounding.
//!
//! Every model of [`super::model`]: MLPs of any depth and the residual MLP, relu or tanh
//! (relu's σ″ is 0 almost everywhere; tanh's is −2t(1 − t²)), cross-entropy (the softmax's
//! Hessian diag(p) − ppᵀ on the scores) or squared error (the identity on the scores), and L2
//! (λ on every weight's diagonal). Networks with random draws are differentiated in **eval
//! mode** (`Mode::Eval`, the deterministic forward the epoch statistics use): dropout off,
//! DropConnect weights ×p, residual branches ×pₗ. The layer layout is read through
//! [`Network::layers`] (weights stored transposed for narrowing layers); this module has its
//! own forward and backward passes and does not share `model.rs`'s.
//!
//! The rows are split into parts of at most [`PART_ROWS`] (a split that depends only on the
//! number of rows), each part computed on its own (on rayon's pool when there are several) and
//! their sums added in part order, so results are bit-identical whatever the thread count.
//! Buffers live in [`HessianWorkspace`]; a product allocates nothing. Two terms of the second
//! layer are summed once per prepare instead of once per product (`first_layer.rs`).

mod activation;
mod aligned;
mod elementwise;
mod first_layer;
mod plan;
mod products;
mod relay;
mod rows;

use rayon::prelude::*;

use super::model::{Loss, ModelConfig, Network};
use plan::{LayerPlan, Matrices, layer_plans};
use relay::Relay;
use rows::{RowPart, Shared};

/// Most rows of one part.
pub const PART_ROWS: usize = 160;

/// The passes' buffers for one network on one set of points, kept between products.
#[derive(Clone, Debug)]
pub struct HessianWorkspace {
    plans: Vec<LayerPlan>,
    weights: Vec<Matrices>,
    parts: Vec<RowPart>,
    network: Network,
    total_rows: usize,
    loss: Loss,
    gradient: Vec<f64>,
    /// Parameters of the last [`Self::prepare`].
    prepared: Vec<f64>,
}

impl HessianWorkspace {
    /// Buffers for `network` (built from `model`) on the points `x` with labels `y`. `None`
    /// when `model` does not describe `network`'s layers.
    #[must_use]
    pub fn new(
        network: &Network,
        model: &ModelConfig,
        x: &[[f64; 2]],
        y: &[usize],
    ) -> Option<Self> {
        let plans = layer_plans(network, model)?;
        let rows = x.len().min(y.len());
        let parts_count = rows.div_ceil(PART_ROWS).max(1);
        let params = network.params().len();
        let classes = network.classes();
        let parts = (0..parts_count)
            .map(|part| {
                let (start, end) = (part * rows / parts_count, (part + 1) * rows / parts_count);
                RowPart::new(&x[start..end], &y[start..end], &plans, classes, params)
            })
            .collect();
        Some(Self {
            weights: vec![Matrices::default(); plans.len()],
            plans,
            parts,
            network: network.clone(),
            total_rows: rows,
            loss: Loss::default(),
            gradient: vec![0.0; params],
            prepared: Vec::new(),
        })
    }

    /// Number of parameters (the length of vectors this workspace takes and gives).
    #[must_use]
    pub fn len(&self) -> usize {
        self.gradient.len()
    }

    /// Whether the network has no parameters.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.gradient.is_empty()
    }

    /// Forward and backward pass at `params` (the network's layout): the loss and the
    /// gradient ([`Self::gradient`]), kept for the products that follow. Parameters of the
    /// wrong length give a NaN loss.
    pub fn prepare(&mut self, params: &[f64]) -> Loss {
        if params.len() != self.len() {
            self.loss = Loss { data: f64::NAN, l2: f64::NAN };
            self.gradient.fill(f64::NAN);
            self.prepared.clear();
            return self.loss;
        }
        for (matrices, plan) in self.weights.iter_mut().zip(&self.plans) {
            matrices.load(plan, params);
        }
        let shared = Shared::new(&self.plans, &self.weights, &self.network, self.total_rows);
        run_parts(&mut self.parts, |part| part.prepare(&shared));
        let n = self.total_rows.max(1) as f64;
        let data = self.parts.iter().map(|p| p.loss_sum).sum::<f64>() / n;
        sum_parts(&self.parts, |p| &p.gradient, &mut self.gradient);
        add_l2(&self.plans, self.network.l2(), params, &mut self.gradient);
        self.prepared.clear();
        self.prepared.extend_from_slice(params);
        self.loss = Loss { data, l2: self.network.l2_penalty(params) };
        self.loss
    }

    /// The loss of the last [`Self::prepare`].
    #[must_use]
    pub fn loss(&self) -> Loss {
        self.loss
    }

    /// ∇L at the last [`Self::prepare`]'s parameters.
    #[must_use]
    pub fn gradient(&self) -> &[f64] {
        &self.gradient
    }

    /// H·v at the last [`Self::prepare`]'s parameters into `hv` (NaN when nothing was
    /// prepared or the lengths differ).
    pub fn product(&mut self, v: &[f64], hv: &mut [f64]) {
        if self.prepared.is_empty() || v.len() != self.len() || hv.len() != self.len() {
            hv.fill(f64::NAN);
            return;
        }
        let shared = Shared::new(&self.plans, &self.weights, &self.network, self.total_rows);
        run_parts(&mut self.parts, |part| part.hessian_product(&shared, v));
        sum_parts(&self.parts, |p| &p.product, hv);
        add_l2(&self.plans, self.network.l2(), v, hv);
    }

    /// Products in sequence at the last [`Self::prepare`]'s parameters: `hv` = H·v, then
    /// `step(v, hv)` (which sets the next v), again while `step` returns true. The bits of
    /// [`Self::product`] then `step` in a loop, but the threads stay awake from one product to
    /// the next (see `relay.rs`): for a power iteration, whose products are short. When
    /// nothing was prepared or the lengths differ, `step` sees one product of NaN.
    pub fn product_rounds<F>(&mut self, v: &mut Vec<f64>, hv: &mut Vec<f64>, mut step: F)
    where
        F: FnMut(&mut Vec<f64>, &mut Vec<f64>) -> bool + Send,
    {
        let threads = rayon::current_num_threads();
        if self.prepared.is_empty() || v.len() != self.len() || hv.len() != self.len() {
            hv.fill(f64::NAN);
            step(v, hv);
            return;
        }
        if threads.min(self.parts.len()) < 2 {
            self.product(v, hv);
            while step(v, hv) {
                self.product(v, hv);
            }
            return;
        }
        let (plans, l2) = (&self.plans[..], self.network.l2());
        let shared = Shared::new(plans, &self.weights, &self.network, self.total_rows);
        let relay = Relay::new(&mut self.parts, v, &shared);
        let helpers = relay.helpers(threads);
        rayon::scope(|scope| {
            for _ in 0..helpers {
                scope.spawn(|_| relay.serve());
            }
            loop {
                relay.compute_round();
                let mut v = relay.direction();
                sum_parts(relay.parts(), |p| &p.product, hv);
                add_l2(plans, l2, &v, hv);
                if !step(&mut v, hv) {
                    break;
                }
            }
            relay.finish();
        });
    }

    /// Loss, gradient ([`Self::gradient`]) and H·v at `params` in one call.
    pub fn loss_gradient_product(&mut self, params: &[f64], v: &[f64], hv: &mut [f64]) -> Loss {
        let loss = self.prepare(params);
        self.product(v, hv);
        loss
    }
}

/// out += λ·values on every weight (not the biases): the L2 term's gradient λW, or its H·v = λv.
fn add_l2(plans: &[LayerPlan], l2: f64, values: &[f64], out: &mut [f64]) {
    if l2 == 0.0 {
        return;
    }
    for plan in plans {
        let range = plan.shape.weight_offset..plan.shape.bias_offset;
        let (Some(out), Some(values)) = (out.get_mut(range.clone()), values.get(range)) else {
            continue;
        };
        out.iter_mut().zip(values).for_each(|(o, v)| *o += l2 * v);
    }
}

/// Runs `work` on every part: in turn for one part, on rayon's pool for several.
fn run_parts(parts: &mut [RowPart], work: impl Fn(&mut RowPart) + Sync + Send) {
    if parts.len() == 1 {
        parts.iter_mut().for_each(work);
    } else {
        parts.par_iter_mut().for_each(work);
    }
}

/// out = Σ over `parts` of `field`, in part order.
fn sum_parts<P>(parts: impl IntoIterator<Item = P>, field: impl Fn(&P) -> &[f64], out: &mut [f64]) {
    out.fill(0.0);
    for part in parts {
        out.iter_mut().zip(field(&part)).for_each(|(o, v)| *o += v);
    }
}
