//! How each layer of a [`Network`] enters the objective the Hessian is taken of (eval mode),
//! and the layer's weights copied in both orientations, scaled as that forward pass uses them.

use super::super::layers::Linear;
use super::super::model::{ModelConfig, Network};
use super::super::objective::Activation;
use super::aligned::Aligned;
use super::products::{Start, add_product_transposed, add_products};

/// Narrower outputs than this go through dot products instead of vectorized rows.
pub(super) const NARROW: usize = 8;

/// One layer: pre-activation u = \[skip: input\] + input·(`weight_scale`·W) + `bias_scale`·b,
/// output σ(u) when `activated`, u otherwise; an `identity` layer passes its input through.
#[derive(Clone, Debug)]
pub(super) struct LayerPlan {
    pub shape: Linear,
    pub weight_scale: f64,
    pub bias_scale: f64,
    pub skip: bool,
    pub activated: bool,
    pub identity: bool,
}

impl LayerPlan {
    pub fn fan_in(&self) -> usize {
        self.shape.fan_in
    }

    pub fn fan_out(&self) -> usize {
        self.shape.fan_out
    }

    /// Whether a weight gradient is summed as Gᵀ (`fan_out` rows of `fan_in`): for narrow
    /// outputs, so the sums run over the longer side.
    pub fn outer_transposed(&self) -> bool {
        self.fan_out() < NARROW && self.fan_in() > self.fan_out()
    }
}

/// The layers of `network` as `model` builds them, evaluated as in `Mode::Eval`: DropConnect's
/// hidden weights ×p, dropout the identity, residual branches ×pₗ. `None` when `model` does not
/// describe `network` (other layer shapes).
pub(super) fn layer_plans(network: &Network, model: &ModelConfig) -> Option<Vec<LayerPlan>> {
    let layers = network.layers();
    if model.layer_shapes(network.classes()) != layers {
        return None;
    }
    let last = layers.len().checked_sub(1)?;
    let plans = layers.iter().enumerate().map(|(index, &shape)| {
        let plain = LayerPlan {
            shape,
            weight_scale: 1.0,
            bias_scale: 1.0,
            skip: false,
            activated: index < last,
            identity: false,
        };
        match model {
            ModelConfig::Mlp { dropconnect_keep, .. } if index < last => {
                let keep =
                    if dropconnect_keep.is_nan() { 0.0 } else { dropconnect_keep.clamp(0.0, 1.0) };
                LayerPlan { weight_scale: keep, ..plain }
            }
            ModelConfig::ResidualMlp { .. } if index > 0 && index < last => {
                let gate = network.survival().get(index - 1).copied().unwrap_or(1.0);
                LayerPlan {
                    weight_scale: gate,
                    bias_scale: gate,
                    skip: true,
                    identity: gate == 0.0,
                    ..plain
                }
            }
            _ => plain,
        }
    });
    Some(plans.collect())
}

/// A layer's matrix (weights or a direction), scaled, as `fan_in` rows of `fan_out` (`forward`)
/// and as `fan_out` rows of `fan_in` (`backward`), and its bias part, scaled.
#[derive(Clone, Debug, Default)]
pub(super) struct Matrices {
    pub forward: Aligned,
    pub backward: Aligned,
    pub bias: Vec<f64>,
}

impl Matrices {
    /// Copies layer `plan`'s block of the flat vector `values` (the parameters' layout).
    pub fn load(&mut self, plan: &LayerPlan, values: &[f64]) {
        let shape = plan.shape;
        let (fan_in, fan_out) = (shape.fan_in, shape.fan_out);
        let stored = values.get(shape.weight_offset..shape.bias_offset).unwrap_or(&[]);
        self.forward.resize(fan_in * fan_out);
        self.backward.resize(fan_in * fan_out);
        // Stored as `fan_in` rows of `fan_out` (transposed: `fan_out` rows of `fan_in`).
        let (same, crossed, stored_columns) = if shape.transposed {
            (&mut self.backward, &mut self.forward, fan_in)
        } else {
            (&mut self.forward, &mut self.backward, fan_out)
        };
        for (w, stored) in same.iter_mut().zip(stored) {
            *w = plan.weight_scale * stored;
        }
        scale_transposed(stored, stored_columns, plan.weight_scale, crossed);
        let bias = values.get(shape.bias_offset..shape.end()).unwrap_or(&[]);
        self.bias.clear();
        self.bias.extend(bias.iter().map(|b| plan.bias_scale * b));
    }
}

/// C (rows × `fan_out`) = `start` + Σ over `terms` of A·M, for matrices M of the layer `plan`
/// (its weights, a direction) and their inputs A (rows × `fan_in`).
pub(super) fn add_forward<'a, const T: usize>(
    plan: &LayerPlan,
    terms: [(&'a Matrices, &'a [f64]); T],
    c: &mut [f64],
    start: Start<'a>,
) {
    let terms = terms.map(|(m, a)| (a, &m.forward[..], &m.backward[..]));
    add_terms((plan.fan_in(), plan.fan_out()), terms, c, start);
}

/// C (rows × `fan_in`) = `start` + Σ over `terms` of D·Mᵀ, for matrices M of the layer `plan`
/// and inputs D (rows × `fan_out`).
pub(super) fn add_backward<'a, const T: usize>(
    plan: &LayerPlan,
    terms: [(&'a Matrices, &'a [f64]); T],
    c: &mut [f64],
    start: Start<'a>,
) {
    let terms = terms.map(|(m, d)| (d, &m.backward[..], &m.forward[..]));
    add_terms((plan.fan_out(), plan.fan_in()), terms, c, start);
}

/// C (rows × n) = `start` + Σ over `terms` (input, B, Bᵀ) of input·B, with B stored as k rows
/// of n and Bᵀ as n rows of k: one pass with one sum per entry when the output is wide, one
/// pass of dot products per term when it is narrow (the first added to `start`, the others to
/// C).
fn add_terms<'a, const T: usize>(
    (k, n): (usize, usize),
    terms: [(&'a [f64], &'a [f64], &'a [f64]); T],
    c: &mut [f64],
    start: Start<'a>,
) {
    if n >= NARROW {
        add_products(&terms.map(|(input, b, _)| (input, b)), c, k, n, start);
    } else {
        for (term, (input, _, bt)) in terms.into_iter().enumerate() {
            let start = if term == 0 { start } else { Start::Current };
            add_product_transposed(input, bt, c, k, n, start);
        }
    }
}

/// `out` = `scale`·Sᵀ for S stored as rows of `columns` (`out` has `columns` rows).
pub(super) fn scale_transposed(stored: &[f64], columns: usize, scale: f64, out: &mut [f64]) {
    let rows = stored.len() / columns.max(1);
    for (row, values) in stored.chunks_exact(columns.max(1)).enumerate() {
        for (column, value) in values.iter().enumerate() {
            if let Some(slot) = out.get_mut(column * rows + row) {
                *slot = scale * value;
            }
        }
    }
}

/// σ(u), σ′(u) and σ″(u) of `activation` (relu's σ″ is 0 wherever it exists).
pub(super) fn activate(activation: Activation, u: f64) -> (f64, f64, f64) {
    match activation {
        Activation::Relu => {
            if u > 0.0 {
                (u, 1.0, 0.0)
            } else {
                (0.0, 0.0, 0.0)
            }
        }
        Activation::Tanh => {
            let t = u.tanh();
            let slope = 1.0 - t * t;
            (t, slope, -2.0 * t * slope)
        }
    }
}
