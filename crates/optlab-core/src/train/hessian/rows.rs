//! One part of the data's rows: its forward and backward pass at the current parameters
//! (kept), and the R-passes of a Hessian-vector product on top of them. Parts are independent;
//! [`super::HessianWorkspace`] sums their gradients and products in part order.

use super::super::layers::softmax_row;
use super::super::model::Network;
use super::super::objective::{Activation, LossFunction};
use super::activation::activate_rows;
use super::aligned::Aligned;
use super::elementwise::{combine, multiply, scale, sum_rows};
use super::first_layer::FirstLayerTerms;
use super::plan::{LayerPlan, Matrices, add_backward, add_forward, scale_transposed};
use super::products::{Start, add_outer_sums};

/// What every part reads: the layers, the weights, the objective.
pub(super) struct Shared<'a> {
    pub plans: &'a [LayerPlan],
    pub weights: &'a [Matrices],
    pub activation: Activation,
    pub loss: LossFunction,
    pub classes: usize,
    /// Rows of the whole batch (the divisor of the mean).
    pub total_rows: usize,
}

impl<'a> Shared<'a> {
    /// What the parts of `network` read, `total_rows` rows in all.
    pub fn new(
        plans: &'a [LayerPlan],
        weights: &'a [Matrices],
        network: &Network,
        total_rows: usize,
    ) -> Self {
        Self {
            plans,
            weights,
            activation: network.activation(),
            loss: network.loss_function(),
            classes: network.classes(),
            total_rows,
        }
    }
}

/// Buffers of one layer, rows × `fan_out` each.
#[derive(Clone, Debug, Default)]
struct LayerRows {
    /// The layer's output a.
    output: Aligned,
    /// σ′(u), and σ″(u) (after the backward pass σ″(u)·∂L/∂a, the factor of R{u} in
    /// R{∂L/∂u}, fixed across products) (activated layers only).
    slope: Aligned,
    curve: Aligned,
    /// ∂L/∂a and ∂L/∂u.
    delta_out: Aligned,
    delta_pre: Aligned,
    /// R{u} and R{a} of the current direction.
    r_pre: Aligned,
    r_out: Aligned,
    /// This part's weight gradient (or its R) in the plan's summing orientation, and bias.
    weight_sum: Aligned,
    bias_sum: Aligned,
}

/// A block of rows with everything its passes keep.
#[derive(Clone, Debug, Default)]
pub(super) struct RowPart {
    x: Aligned,
    y: Vec<usize>,
    layers: Vec<LayerRows>,
    /// Softmax of the scores (cross-entropy only).
    probabilities: Aligned,
    /// R{∂L/∂a} of the layer being walked and of its input.
    r_delta: Aligned,
    r_delta_in: Aligned,
    /// A row of zeros, as wide as the widest layer: where backpropagated sums start.
    zeros: Vec<f64>,
    /// The direction v of the current product, every layer's block in both orientations (a
    /// copy per part: each thread loads its own, in parallel and into its own cache).
    direction: Vec<Matrices>,
    /// The second layer's direction terms, summed once per prepare.
    first_layer: FirstLayerTerms,
    /// Sum of this part's row losses (not yet divided by the batch's rows).
    pub loss_sum: f64,
    /// This part's data-loss gradient, then (after a product) its H·v, in the parameters'
    /// layout, without the L2 term.
    pub gradient: Vec<f64>,
    pub product: Vec<f64>,
}

impl RowPart {
    /// A part holding the rows `x`, `y`, with buffers for `plans` and `params` parameters.
    pub fn new(
        x: &[[f64; 2]],
        y: &[usize],
        plans: &[LayerPlan],
        classes: usize,
        params: usize,
    ) -> Self {
        let rows = x.len().min(y.len());
        let widest = plans.iter().map(|p| p.fan_in().max(p.fan_out())).max().unwrap_or(1);
        let layers = plans
            .iter()
            .map(|plan| {
                let size = rows * plan.fan_out();
                let curved = if plan.activated { size } else { 0 };
                LayerRows {
                    output: Aligned::zeros(size),
                    slope: Aligned::zeros(curved),
                    curve: Aligned::zeros(curved),
                    delta_out: Aligned::zeros(size),
                    delta_pre: Aligned::zeros(size),
                    r_pre: Aligned::zeros(size),
                    r_out: Aligned::zeros(size),
                    weight_sum: Aligned::zeros(plan.shape.weight_count()),
                    bias_sum: Aligned::zeros(plan.fan_out()),
                }
            })
            .collect();
        Self {
            x: Aligned::from_values(x[..rows].as_flattened()),
            y: y[..rows].to_vec(),
            layers,
            probabilities: Aligned::zeros(rows * classes),
            r_delta: Aligned::zeros(rows * widest),
            r_delta_in: Aligned::zeros(rows * widest),
            zeros: vec![0.0; widest],
            direction: vec![Matrices::default(); plans.len()],
            first_layer: FirstLayerTerms::new(plans, rows),
            loss_sum: 0.0,
            gradient: vec![0.0; params],
            product: vec![0.0; params],
        }
    }

    fn rows(&self) -> usize {
        self.y.len()
    }

    /// Forward pass, loss and backward pass at the weights in `shared`: keeps the activations,
    /// their slopes and the backpropagated gradients, and fills [`Self::gradient`].
    pub fn prepare(&mut self, shared: &Shared<'_>) {
        self.forward(shared);
        self.output_delta(shared);
        self.backward(shared);
        if let [first, second, ..] = &self.layers[..] {
            self.first_layer.prepare(&self.x, &first.slope, &second.delta_pre);
        }
    }

    fn forward(&mut self, shared: &Shared<'_>) {
        let rows = self.rows();
        for (index, plan) in shared.plans.iter().enumerate() {
            let (before, rest) = self.layers.split_at_mut(index);
            let input = before.last().map_or(&self.x[..], |l| &l.output[..]);
            let layer = &mut rest[0];
            let pre = &mut layer.r_pre;
            if plan.identity {
                layer.output.copy_from_slice(input);
                continue;
            }
            let matrices = &shared.weights[index];
            let start = bias_start(pre, &matrices.bias, plan.skip.then_some(input));
            add_forward(plan, [(matrices, &input[..rows * plan.fan_in()])], pre, start);
            if plan.activated {
                let (output, slope, curve) =
                    (&mut layer.output, &mut layer.slope, &mut layer.curve);
                activate_rows(shared.activation, pre, output, slope, curve);
            } else {
                layer.output.copy_from_slice(pre);
            }
        }
    }

    /// The loss of every row into [`Self::loss_sum`], ∂L/∂scores into the last layer's
    /// `delta_out`.
    fn output_delta(&mut self, shared: &Shared<'_>) {
        let classes = shared.classes;
        let n = shared.total_rows.max(1) as f64;
        let Some(last) = self.layers.last_mut() else { return };
        let scores = last.output.chunks_exact(classes);
        let deltas = last.delta_out.chunks_exact_mut(classes);
        let probabilities = self.probabilities.chunks_exact_mut(classes);
        let mut total = 0.0;
        for (((s, d), p), &label) in scores.zip(deltas).zip(probabilities).zip(&self.y) {
            match shared.loss {
                LossFunction::CrossEntropy => {
                    total += softmax_row(s, p, label);
                    for (class, (d, p)) in d.iter_mut().zip(p.iter()).enumerate() {
                        *d = (p - f64::from(u8::from(class == label))) / n;
                    }
                }
                LossFunction::SquaredError => {
                    for (class, (d, s)) in d.iter_mut().zip(s).enumerate() {
                        let residual = s - f64::from(u8::from(class == label));
                        total += 0.5 * residual * residual;
                        *d = residual / n;
                    }
                }
            }
        }
        self.loss_sum = total;
    }

    fn backward(&mut self, shared: &Shared<'_>) {
        for (index, plan) in shared.plans.iter().enumerate().rev() {
            let (before, rest) = self.layers.split_at_mut(index);
            let layer = &mut rest[0];
            if plan.identity {
                if let Some(previous) = before.last_mut() {
                    previous.delta_out.copy_from_slice(&layer.delta_out);
                }
                continue;
            }
            if plan.activated {
                multiply(&mut layer.delta_pre, &layer.slope, &layer.delta_out);
                scale(&mut layer.curve, &layer.delta_out);
            } else {
                layer.delta_pre.copy_from_slice(&layer.delta_out);
            }
            let input = before.last().map_or(&self.x[..], |l| &l.output[..]);
            sum_layer_gradient(
                plan,
                input,
                None,
                &layer.delta_pre,
                (&mut layer.weight_sum, &mut layer.bias_sum),
            );
            if let Some(previous) = before.last_mut() {
                let target = &mut previous.delta_out;
                let start = skip_start(target, &self.zeros, plan.skip.then_some(&layer.delta_pre));
                let terms = [(&shared.weights[index], &layer.delta_pre[..])];
                add_backward(plan, terms, target, start);
            }
        }
        scatter(shared.plans, &self.layers, &mut self.gradient);
    }

    /// H·v of this part's rows (data loss only) into [`Self::product`], for the direction `v`
    /// (the parameters' layout); needs a [`Self::prepare`] at the same weights.
    pub fn hessian_product(&mut self, shared: &Shared<'_>, v: &[f64]) {
        for (matrices, plan) in self.direction.iter_mut().zip(shared.plans) {
            matrices.load(plan, v);
        }
        self.r_forward(shared);
        self.r_output(shared);
        self.r_backward(shared);
    }

    fn r_forward(&mut self, shared: &Shared<'_>) {
        let rows = self.rows();
        for (index, plan) in shared.plans.iter().enumerate() {
            let (before, rest) = self.layers.split_at_mut(index);
            let layer = &mut rest[0];
            let Some(previous) = before.last() else {
                // The first layer: its input is the data, R{x} = 0.
                first_r_pre(plan, &self.direction[0], &self.x, layer);
                finish_r_out(plan, layer);
                continue;
            };
            if plan.identity {
                layer.r_out.copy_from_slice(&previous.r_out);
                continue;
            }
            let pre = &mut layer.r_pre;
            let bias = &self.direction[index].bias;
            let start = bias_start(pre, bias, plan.skip.then_some(&previous.r_out));
            let n_in = rows * plan.fan_in();
            let terms = [
                (&shared.weights[index], &previous.r_out[..n_in]),
                (&self.direction[index], &previous.output[..n_in]),
            ];
            add_forward(plan, terms, pre, start);
            finish_r_out(plan, layer);
        }
    }

    /// R{∂L/∂scores}: Rs/n for squared error, (p ⊙ Rs − p (p·Rs))/n for cross-entropy.
    fn r_output(&mut self, shared: &Shared<'_>) {
        let classes = shared.classes;
        let n = shared.total_rows.max(1) as f64;
        let Some(last) = self.layers.last() else { return };
        let r_scores = last.r_out.chunks_exact(classes);
        let r_delta = self.r_delta.chunks_exact_mut(classes);
        match shared.loss {
            LossFunction::SquaredError => {
                for (d, rs) in r_delta.zip(r_scores) {
                    d.iter_mut().zip(rs).for_each(|(d, rs)| *d = rs / n);
                }
            }
            LossFunction::CrossEntropy => {
                let probabilities = self.probabilities.chunks_exact(classes);
                for ((d, rs), p) in r_delta.zip(r_scores).zip(probabilities) {
                    let mean: f64 = p.iter().zip(rs).map(|(p, rs)| p * rs).sum();
                    for ((d, rs), p) in d.iter_mut().zip(rs).zip(p) {
                        *d = p * (rs - mean) / n;
                    }
                }
            }
        }
    }

    /// R{∂L/∂u} layer by layer from the top. The combination σ′·R{δ} + σ″δ·R{u} stays a pass
    /// of its own: done by the product that computes R{δ} (`cargo bench --bench sharpness`, λmax,
    /// alternated) it was slower per entry (medians 10.2–11.2 ms against 7.6–7.8 ms on two
    /// threads: three more streams through the L1 cache the product's B lives in) and no faster
    /// per tile of rows.
    fn r_backward(&mut self, shared: &Shared<'_>) {
        let rows = self.rows();
        for (index, plan) in shared.plans.iter().enumerate().rev() {
            let (before, rest) = self.layers.split_at_mut(index);
            let layer = &mut rest[0];
            let size = rows * plan.fan_out();
            if plan.identity {
                continue;
            }
            let r_delta = &mut self.r_delta[..size];
            if plan.activated {
                combine(r_delta, &layer.slope, &layer.curve, &layer.r_pre);
            }
            // The direction's terms of the second layer: from `first_layer` when it folds them.
            let crossed = index != 1 || !self.first_layer.folds_second_layer();
            let input = before.last().map_or(&self.x[..], |l| &l.output[..]);
            let r_input = before.last().map(|l| &l.r_out[..]).filter(|_| crossed);
            let extra = r_input.map(|r| (r, &layer.delta_pre[..]));
            let sums = (&mut layer.weight_sum[..], &mut layer.bias_sum[..]);
            sum_layer_gradient(plan, input, extra, r_delta, sums);
            let sums = (&mut layer.weight_sum[..], &mut layer.bias_sum[..]);
            self.first_layer.add_to_sums((index, plan), &self.direction, sums);
            if before.is_empty() {
                continue;
            }
            let target = &mut self.r_delta_in[..rows * plan.fan_in()];
            let start = skip_start(target, &self.zeros, plan.skip.then_some(r_delta));
            let weights = (&shared.weights[index], &r_delta[..]);
            if crossed {
                let direction = (&self.direction[index], &layer.delta_pre[..]);
                add_backward(plan, [weights, direction], target, start);
            } else {
                add_backward(plan, [weights], target, start);
            }
            std::mem::swap(&mut self.r_delta, &mut self.r_delta_in);
        }
        scatter(shared.plans, &self.layers, &mut self.product);
    }
}

/// R{u} of the first layer: x·V + Vb (the data does not move).
fn first_r_pre(plan: &LayerPlan, direction: &Matrices, x: &[f64], layer: &mut LayerRows) {
    add_forward(plan, [(direction, x)], &mut layer.r_pre, Start::Row(&direction.bias));
}

/// Where a pre-activation's sums start: the bias on every row, or (for a residual layer,
/// whose `skip` input is added first) the bias plus the skip written into `pre`.
fn bias_start<'a>(pre: &mut [f64], bias: &'a [f64], skip: Option<&[f64]>) -> Start<'a> {
    let Some(skip) = skip else { return Start::Row(bias) };
    for row in pre.chunks_exact_mut(bias.len().max(1)) {
        row.copy_from_slice(bias);
    }
    pre.iter_mut().zip(skip).for_each(|(u, a)| *u += a);
    Start::Current
}

/// Where a backpropagated gradient's sums start: zero, or (residual layers) the `skip`
/// gradient copied into `target`.
fn skip_start<'a>(target: &mut [f64], zeros: &'a [f64], skip: Option<&[f64]>) -> Start<'a> {
    let Some(skip) = skip else { return Start::Row(zeros) };
    target.copy_from_slice(skip);
    Start::Current
}

/// R{a} = σ′(u) ⊙ R{u} for an activated layer, R{u} otherwise.
fn finish_r_out(plan: &LayerPlan, layer: &mut LayerRows) {
    if plan.activated {
        multiply(&mut layer.r_out, &layer.slope, &layer.r_pre);
    } else {
        layer.r_out.copy_from_slice(&layer.r_pre);
    }
}

/// The layer's weight and bias sums: inputᵀ·delta (+ `extra`'s R{input}ᵀ·δ) and Σ delta.
fn sum_layer_gradient(
    plan: &LayerPlan,
    input: &[f64],
    extra: Option<(&[f64], &[f64])>,
    delta: &[f64],
    (weight_sum, bias_sum): (&mut [f64], &mut [f64]),
) {
    let (fan_in, fan_out) = (plan.fan_in(), plan.fan_out());
    weight_sum.fill(0.0);
    let oriented = |a, d| if plan.outer_transposed() { (d, a) } else { (a, d) };
    let (k, n) = if plan.outer_transposed() { (fan_out, fan_in) } else { (fan_in, fan_out) };
    match extra {
        Some((r_input, delta_pre)) => {
            let pairs = [oriented(r_input, delta_pre), oriented(input, delta)];
            add_outer_sums(&pairs, weight_sum, k, n);
        }
        None => add_outer_sums(&[oriented(input, delta)], weight_sum, k, n),
    }
    sum_rows(bias_sum, delta);
}

/// Writes every layer's sums, times its scales, into `out` in the parameters' layout.
fn scatter(plans: &[LayerPlan], layers: &[LayerRows], out: &mut [f64]) {
    for (plan, layer) in plans.iter().zip(layers) {
        let shape = plan.shape;
        let (fan_in, fan_out) = (shape.fan_in, shape.fan_out);
        let Some(weights) = out.get_mut(shape.weight_offset..shape.bias_offset) else { continue };
        if plan.identity {
            weights.fill(0.0);
        } else if shape.transposed == plan.outer_transposed() {
            // Summed in the stored order.
            for (w, summed) in weights.iter_mut().zip(&layer.weight_sum) {
                *w = plan.weight_scale * summed;
            }
        } else {
            let summed_columns = if plan.outer_transposed() { fan_in } else { fan_out };
            scale_transposed(&layer.weight_sum, summed_columns, plan.weight_scale, weights);
        }
        if let Some(bias) = out.get_mut(shape.bias_offset..shape.end()) {
            for (b, sum) in bias.iter_mut().zip(&layer.bias_sum) {
                *b = if plan.identity { 0.0 } else { plan.bias_scale * sum };
            }
        }
    }
}
