//! Small networks on 2-D inputs: an MLP (inverted dropout, DropConnect) and a residual MLP
//! with stochastic depth, with relu or tanh hidden units ([`Activation`]), trained on softmax
//! cross-entropy or squared error ([`LossFunction`]) plus an L2 penalty `½λΣW²` on the weights
//! (not the biases). Relu and cross-entropy (the course's net) take the fused kernel of
//! [`kernels`] when the shape fits; everything else runs layer by layer.
//!
//! # Parameter layout
//!
//! All parameters live in one flat `Vec<f64>` so that [`crate::optim::Optimizer::step`] updates
//! them in one call; the gradient buffer has the same layout. Layer after layer, each
//! [`Linear`] stores its weights, then its `fan_out` biases. A layer that widens or keeps its
//! width (`fan_out ≥ fan_in`) stores W as `fan_in` rows of `fan_out` (the course's `X @ W`,
//! numpy's `W` of shape (D, h)); a narrowing layer stores Wᵀ as `fan_out` rows of `fan_in`
//! (PyTorch's `nn.Linear.weight`). Either way every inner loop then runs over the longer side
//! of the matrix, contiguously, which is what lets the compiler vectorize the 100 → 3 output
//! layer of the course's net. [`Network::weight`] reads an entry independently of the layout.
//!
//! Activations are row-major: one row of features per example.
//!
//! # Regularizers
//!
//! * **Dropout** (MLP): inverted dropout with keep probability p on every hidden activation
//!   after its relu, h ⊙ m / p at train time, the identity at test time (as
//!   [`crate::entries::dropout::Scaling::Inverted`]).
//! * **DropConnect** (MLP): every hidden layer's weights are masked per mini-batch,
//!   (M ⊙ W) at train time, without rescaling, as in Wan et al. (2013). At test time the layer
//!   uses the plain weights scaled by p, the mean-inference simplification. The paper's own
//!   inference (moment-matched Gaussian sampling) is shown in [`crate::entries::drop_connect`]
//!   and is not used here: it would need many forward samples per prediction. The output layer
//!   is never masked.
//! * **Stochastic depth** (residual MLP): block l computes hₗ = a(hₗ₋₁ + gₗ·(hₗ₋₁Aₗ + cₗ)),
//!   the paper's Hₗ = relu(bₗ·fₗ(Hₗ₋₁) + Hₗ₋₁) with a one-layer branch (a is the run's
//!   activation; a dropped block is a(hₗ₋₁), the identity under relu). In training
//!   gₗ = bₗ ~ Bernoulli(pₗ) once per mini-batch, pₗ from the linear decay rule
//!   [`survival_probabilities`]; at test time gₗ = pₗ (the paper's rule).
//!
//! Every random draw is made by [`Network::draw`] into a [`Draw`] from the caller's generator,
//! so a loss can be re-evaluated with the same masks (the gradient check does).

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::kernels;
use super::layers::{Linear, add_combination, axpy, relu_of, softmax_row};
use super::objective::{Activation, LossFunction, squared_error_row};
use crate::entries::dropout::KEEP;
use crate::entries::stochastic_depth::survival_probabilities;
use crate::limits::{Limit, LimitError, check_all};
use crate::regularize::{clamp_probability, draw_keep};

/// Input features: the datasets are 2-D.
pub const INPUTS: usize = 2;
/// Width of any hidden layer.
pub const WIDTH: Limit = Limit::closed("width", 1.0, MAX_WIDTH as f64);
/// Widest hidden layer.
pub const MAX_WIDTH: usize = 1024;
/// Number of hidden layers of an MLP (0 is softmax regression).
pub const HIDDEN_LAYERS: Limit = Limit::closed("hidden", 0.0, MAX_HIDDEN_LAYERS as f64);
/// Most hidden layers of an MLP.
pub const MAX_HIDDEN_LAYERS: usize = 8;
/// Residual blocks of a residual MLP.
pub const BLOCKS: Limit = Limit::closed("blocks", 0.0, MAX_BLOCKS as f64);
/// Most residual blocks.
pub const MAX_BLOCKS: usize = 64;
/// Keep probability of DropConnect, in (0, 1].
pub const DROPCONNECT_KEEP: Limit = Limit { name: "dropconnect_keep", ..KEEP };
/// Keep probability of dropout, in (0, 1].
pub const DROPOUT_KEEP: Limit = Limit { name: "dropout_keep", ..KEEP };
/// Survival probability `p_L` of the last residual block, in (0, 1].
pub const FINAL_SURVIVAL: Limit = Limit { name: "final_survival", ..KEEP };
/// Standard deviation of `WeightInit::Normal`.
pub const INIT_STD: Limit = Limit::closed("std", 0.0, 10.0);
/// Most classes a network outputs.
pub const MAX_CLASSES: usize = 64;

mod de {
    use super::{DROPCONNECT_KEEP, DROPOUT_KEEP, FINAL_SURVIVAL, INIT_STD};
    crate::limited_f64!(dropout_keep, DROPOUT_KEEP);
    crate::limited_f64!(dropconnect_keep, DROPCONNECT_KEEP);
    crate::limited_f64!(final_survival, FINAL_SURVIVAL);
    crate::limited_f64!(std, INIT_STD);
}

fn keep_all() -> f64 {
    1.0
}

/// The network's architecture and its regularizers, as written in RON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ModelConfig {
    /// 2 → `hidden[0]` → … → classes, relu after every hidden layer.
    Mlp {
        /// Widths of the hidden layers, 0 to 8 layers of 1 to 1024 units.
        hidden: Vec<usize>,
        /// Keep probability p of inverted dropout on hidden activations, (0, 1]; 1 is off.
        #[serde(default = "keep_all", deserialize_with = "de::dropout_keep")]
        dropout_keep: f64,
        /// Keep probability p of DropConnect on hidden weights, (0, 1]; 1 is off.
        #[serde(default = "keep_all", deserialize_with = "de::dropconnect_keep")]
        dropconnect_keep: f64,
    },
    /// relu(2 → width) input projection, `blocks` residual blocks of `width`, then
    /// width → classes.
    ResidualMlp {
        /// Width of the residual stream, 1 to 1024.
        width: usize,
        /// Number of residual blocks L, 0 to 64.
        blocks: usize,
        /// Survival probability `p_L` of the last block under the linear decay rule, (0, 1];
        /// 1 turns stochastic depth off.
        #[serde(default = "keep_all", deserialize_with = "de::final_survival")]
        final_survival: f64,
    },
}

impl Default for ModelConfig {
    /// The course's net: one hidden layer of 100 units.
    fn default() -> Self {
        Self::Mlp { hidden: vec![100], dropout_keep: 1.0, dropconnect_keep: 1.0 }
    }
}

impl ModelConfig {
    /// Checks every field against its allowed range.
    ///
    /// # Errors
    /// The first field out of range, naming the field and its interval.
    pub fn validate(&self) -> Result<(), LimitError> {
        match self {
            Self::Mlp { hidden, dropout_keep, dropconnect_keep } => {
                HIDDEN_LAYERS.check(hidden.len() as f64)?;
                hidden.iter().try_for_each(|&w| {
                    Limit { name: "hidden", ..WIDTH }.check(w as f64).map(drop)
                })?;
                check_all(&[(*dropout_keep, DROPOUT_KEEP), (*dropconnect_keep, DROPCONNECT_KEEP)])
            }
            Self::ResidualMlp { width, blocks, final_survival } => check_all(&[
                (*width as f64, WIDTH),
                (*blocks as f64, BLOCKS),
                (*final_survival, FINAL_SURVIVAL),
            ]),
        }
    }
}

impl ModelConfig {
    /// The network's layers for `classes` classes, sizes clamped as [`Network::new`] clamps
    /// them (the memory estimate reads them without building the network).
    #[must_use]
    pub fn layer_shapes(&self, classes: usize) -> Vec<Linear> {
        let widths = match self {
            Self::Mlp { hidden, .. } => {
                hidden.iter().take(MAX_HIDDEN_LAYERS).map(|&w| clamp_width(w)).collect()
            }
            Self::ResidualMlp { width, blocks, .. } => {
                vec![clamp_width(*width); (*blocks).min(MAX_BLOCKS) + 1]
            }
        };
        layer_shapes(&widths, classes.clamp(1, MAX_CLASSES))
    }
}

/// How weights are initialised (biases start at 0).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub enum WeightInit {
    /// N(0, 2/`fan_in`) (PyTorch `kaiming_normal_` for relu); residual branches are scaled by
    /// 1/√L so the stream's variance stays bounded with depth.
    #[default]
    KaimingNormal,
    /// N(0, 1/`fan_in`) (`LeCun` normal, suited to tanh units); residual branches are scaled by
    /// 1/√L as under `KaimingNormal`.
    LecunNormal,
    /// N(0, std²) everywhere (PyTorch `normal_`; the course uses std = 0.01).
    Normal {
        /// Standard deviation, 0 to 10.
        #[serde(deserialize_with = "de::std")]
        std: f64,
    },
}

impl WeightInit {
    /// Checks the standard deviation.
    ///
    /// # Errors
    /// `std` out of range.
    pub fn validate(&self) -> Result<(), LimitError> {
        match *self {
            Self::KaimingNormal | Self::LecunNormal => Ok(()),
            Self::Normal { std } => INIT_STD.check(std).map(drop),
        }
    }
}

/// Which kind of network, with what the forward pass needs to know about it.
#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Mlp { dropout_keep: f64, dropconnect_keep: f64 },
    Residual { survival: Vec<f64> },
}

/// The random draws of one mini-batch: dropout factors, DropConnect masks, block gates.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Draw {
    /// Per hidden layer of an MLP, one factor per activation (rows × width): 1/p where the unit
    /// is kept, 0 where it is dropped. Empty when dropout is off.
    pub dropout: Vec<Vec<f64>>,
    /// Per hidden layer of an MLP, one keep flag per weight in the layer's stored layout. Empty
    /// when DropConnect is off.
    pub dropconnect: Vec<Vec<bool>>,
    /// Per residual block, whether it survives this mini-batch. Empty for an MLP.
    pub gates: Vec<bool>,
}

/// Whether the forward pass trains (with a [`Draw`]) or predicts.
#[derive(Clone, Copy, Debug)]
pub enum Mode<'a> {
    /// Training with the given draws (mask buffers that are too short count as "keep").
    Train(&'a Draw),
    /// Test time: no dropout, DropConnect weights ×p, residual branches ×pₗ.
    Eval,
}

/// Buffers of a forward and backward pass for up to `capacity` rows, reused across batches.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Workspace {
    capacity: usize,
    /// Output of each layer (after relu and dropout for hidden layers), rows × `fan_out`.
    outputs: Vec<Vec<f64>>,
    /// Backpropagated gradient and its predecessor, rows × widest layer.
    delta: Vec<f64>,
    delta_prev: Vec<f64>,
    /// Residual blocks: gₗ·∂L/∂pre.
    scaled: Vec<f64>,
    /// Class probabilities of the last forward pass, rows × classes.
    probabilities: Vec<f64>,
    /// Masked or scaled weights of each layer (DropConnect only).
    effective: Vec<Vec<f64>>,
}

impl Workspace {
    /// Rows the workspace holds.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Class probabilities of the last forward pass, row after row.
    #[must_use]
    pub fn probabilities(&self) -> &[f64] {
        &self.probabilities
    }
}

/// Loss of a batch, split into its parts.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Loss {
    /// Mean softmax cross-entropy.
    pub data: f64,
    /// `½λΣW²`.
    pub l2: f64,
}

impl Loss {
    /// Data loss plus penalty.
    #[must_use]
    pub fn total(&self) -> f64 {
        self.data + self.l2
    }
}

/// A network with its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    kind: Kind,
    layers: Vec<Linear>,
    params: Vec<f64>,
    classes: usize,
    l2: f64,
    activation: Activation,
    loss: LossFunction,
}

impl Network {
    /// A freshly initialised network for `classes` classes (clamped to 1..=64) with L2 strength
    /// `l2`. Sizes are clamped to the [`ModelConfig`] limits, so an unvalidated config cannot
    /// make it panic or allocate without bound.
    #[must_use]
    pub fn new(
        model: &ModelConfig,
        init: WeightInit,
        classes: usize,
        l2: f64,
        rng: &mut ChaCha8Rng,
    ) -> Self {
        let classes = classes.clamp(1, MAX_CLASSES);
        let (kind, widths) = match model {
            ModelConfig::Mlp { hidden, dropout_keep, dropconnect_keep } => {
                let kind = Kind::Mlp {
                    dropout_keep: clamp_probability(*dropout_keep),
                    dropconnect_keep: clamp_probability(*dropconnect_keep),
                };
                let widths = hidden.iter().take(MAX_HIDDEN_LAYERS).map(|&w| clamp_width(w));
                (kind, widths.collect::<Vec<_>>())
            }
            ModelConfig::ResidualMlp { width, blocks, final_survival } => {
                let blocks = (*blocks).min(MAX_BLOCKS);
                let survival = survival_probabilities(blocks, *final_survival);
                (Kind::Residual { survival }, vec![clamp_width(*width); blocks + 1])
            }
        };
        let layers = layer_shapes(&widths, classes);
        let mut network = Self {
            kind,
            layers,
            params: Vec::new(),
            classes,
            l2: l2.max(0.0),
            activation: Activation::default(),
            loss: LossFunction::default(),
        };
        network.params = network.initial_params(init, rng);
        network
    }

    /// Initial weights layer by layer, biases zero.
    fn initial_params(&self, init: WeightInit, rng: &mut ChaCha8Rng) -> Vec<f64> {
        let blocks = self.layers.len().saturating_sub(2).max(1) as f64;
        let mut params = vec![0.0; self.layers.last().map_or(0, Linear::end)];
        for (index, layer) in self.layers.iter().enumerate() {
            let std = match init {
                WeightInit::Normal { std } => std,
                WeightInit::KaimingNormal | WeightInit::LecunNormal => {
                    let gain = if init == WeightInit::KaimingNormal { 2.0 } else { 1.0 };
                    let branch = self.is_residual_block(index);
                    (gain / layer.fan_in as f64).sqrt() / if branch { blocks.sqrt() } else { 1.0 }
                }
            };
            let range = layer.weight_offset..layer.bias_offset;
            for weight in params.get_mut(range).unwrap_or(&mut []) {
                let z: f64 = StandardNormal.sample(rng);
                *weight = std * z;
            }
        }
        params
    }

    /// Whether layer `index` is a residual block (neither the projection nor the output).
    fn is_residual_block(&self, index: usize) -> bool {
        matches!(self.kind, Kind::Residual { .. }) && index > 0 && index + 1 < self.layers.len()
    }

    /// The same network with hidden activation `activation`, trained on `loss`.
    #[must_use]
    pub fn with_objective(self, activation: Activation, loss: LossFunction) -> Self {
        Self { activation, loss, ..self }
    }

    /// The hidden layers' nonlinearity.
    #[must_use]
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The data loss.
    #[must_use]
    pub fn loss_function(&self) -> LossFunction {
        self.loss
    }

    /// The flat parameter vector.
    #[must_use]
    pub fn params(&self) -> &[f64] {
        &self.params
    }

    /// The flat parameter vector, for the optimizer.
    pub fn params_mut(&mut self) -> &mut [f64] {
        &mut self.params
    }

    /// The fully connected layers in order (MLP: hidden layers then output; residual MLP:
    /// projection, blocks, output).
    #[must_use]
    pub fn layers(&self) -> &[Linear] {
        &self.layers
    }

    /// Number of classes.
    #[must_use]
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// L2 strength λ.
    #[must_use]
    pub fn l2(&self) -> f64 {
        self.l2
    }

    /// W\[input\]\[output\] of layer `layer`, whichever layout it is stored in; `None` outside.
    #[must_use]
    pub fn weight(&self, layer: usize, input: usize, output: usize) -> Option<f64> {
        let shape = self.layers.get(layer)?;
        if input >= shape.fan_in || output >= shape.fan_out {
            return None;
        }
        let index = if shape.transposed {
            output * shape.fan_in + input
        } else {
            input * shape.fan_out + output
        };
        shape.weights(&self.params).get(index).copied()
    }

    /// Survival probability of each residual block (empty for an MLP).
    #[must_use]
    pub fn survival(&self) -> &[f64] {
        match &self.kind {
            Kind::Residual { survival } => survival,
            Kind::Mlp { .. } => &[],
        }
    }

    /// Buffers for batches of up to `rows` rows (at least 1).
    #[must_use]
    pub fn workspace(&self, rows: usize) -> Workspace {
        let rows = rows.max(1);
        let widest = self.workspace_width();
        let hidden = self.mlp_hidden();
        let dropconnect = self.dropconnect_on();
        let effective =
            (0..self.layers.len())
                .zip(&self.layers)
                .map(|(i, l)| {
                    if dropconnect && i < hidden { vec![0.0; l.weight_count()] } else { Vec::new() }
                })
                .collect();
        Workspace {
            capacity: rows,
            outputs: self.layers.iter().map(|l| vec![0.0; rows * l.fan_out]).collect(),
            delta: vec![0.0; rows * widest],
            delta_prev: vec![0.0; rows * widest],
            scaled: vec![0.0; rows * widest],
            probabilities: vec![0.0; rows * self.classes],
            effective,
        }
    }

    /// Hidden layers of an MLP (all but the output layer); 0 for a residual MLP.
    fn mlp_hidden(&self) -> usize {
        match self.kind {
            Kind::Mlp { .. } => self.layers.len().saturating_sub(1),
            Kind::Residual { .. } => 0,
        }
    }

    /// Draws fresh masks and gates for a batch of `rows` rows into `draw`, reusing its buffers.
    pub fn draw(&self, rows: usize, rng: &mut ChaCha8Rng, draw: &mut Draw) {
        draw.dropout.clear();
        draw.dropconnect.clear();
        draw.gates.clear();
        match &self.kind {
            Kind::Mlp { dropout_keep, dropconnect_keep } => {
                let hidden = &self.layers[..self.mlp_hidden()];
                if *dropout_keep < 1.0 {
                    let scale = 1.0 / dropout_keep;
                    draw.dropout.extend(hidden.iter().map(|layer| {
                        let units = rows.saturating_mul(layer.fan_out);
                        (0..units)
                            .map(|_| if draw_keep(rng, *dropout_keep) { scale } else { 0.0 })
                            .collect()
                    }));
                }
                if *dropconnect_keep < 1.0 {
                    draw.dropconnect.extend(hidden.iter().map(|layer| {
                        (0..layer.weight_count())
                            .map(|_| draw_keep(rng, *dropconnect_keep))
                            .collect()
                    }));
                }
            }
            Kind::Residual { survival } => {
                draw.gates.extend(survival.iter().map(|&p| draw_keep(rng, p)));
            }
        }
    }

    /// `½λΣW²` of `params` (biases excluded).
    #[must_use]
    pub fn l2_penalty(&self, params: &[f64]) -> f64 {
        let squares: f64 =
            self.layers.iter().flat_map(|layer| layer.weights(params)).map(|w| w * w).sum();
        0.5 * self.l2 * squares
    }

    /// Loss of the network's own parameters on a batch (no gradient). Rows beyond the
    /// workspace's capacity are ignored; see [`Self::evaluate`] for whole datasets.
    pub fn loss(&self, x: &[[f64; 2]], y: &[usize], mode: Mode<'_>, ws: &mut Workspace) -> Loss {
        self.loss_at(&self.params, x, y, mode, ws)
    }

    /// Loss at parameters `params` (same layout as [`Self::params`]) on a batch.
    pub fn loss_at(
        &self,
        params: &[f64],
        x: &[[f64; 2]],
        y: &[usize],
        mode: Mode<'_>,
        ws: &mut Workspace,
    ) -> Loss {
        self.fit_workspace(ws);
        let rows = batch_rows(x, y, ws);
        let Some(input) = x.get(..rows) else { return Loss::default() };
        self.forward(params, input.as_flattened(), rows, mode, ws);
        let data = self.data_loss(y, rows, ws, false);
        Loss { data, l2: self.l2_penalty(params) }
    }

    /// Loss of a training batch and its gradient with respect to every parameter, written into
    /// `grad` (same layout as the parameters; overwritten). Uses `params` rather than the
    /// network's own, so an optimizer's look-ahead point or a perturbed copy can be evaluated.
    pub fn loss_and_gradient(
        &self,
        params: &[f64],
        x: &[[f64; 2]],
        y: &[usize],
        draw: &Draw,
        ws: &mut Workspace,
        grad: &mut [f64],
    ) -> Loss {
        self.fit_workspace(ws);
        let rows = batch_rows(x, y, ws);
        let Some(input) = x.get(..rows) else { return Loss::default() };
        let y = &y[..rows];
        grad.fill(0.0);
        let data = self
            .fused_loss_and_gradient(params, input, y, draw, ws, grad)
            .unwrap_or_else(|| self.layered_loss_and_gradient(params, input, y, draw, ws, grad));
        self.add_l2_gradient(params, grad);
        Loss { data, l2: self.l2_penalty(params) }
    }

    /// The data loss and its gradient (added to `grad`), layer by layer over the whole batch:
    /// every network shape.
    fn layered_loss_and_gradient(
        &self,
        params: &[f64],
        x: &[[f64; 2]],
        y: &[usize],
        draw: &Draw,
        ws: &mut Workspace,
        grad: &mut [f64],
    ) -> f64 {
        let rows = x.len();
        let input = x.as_flattened();
        self.forward(params, input, rows, Mode::Train(draw), ws);
        let data = self.data_loss(y, rows, ws, true);
        match &self.kind {
            Kind::Mlp { dropout_keep, .. } => {
                self.backward_mlp(params, input, rows, (draw, *dropout_keep), ws, grad);
            }
            Kind::Residual { .. } => self.backward_residual(params, input, rows, draw, ws, grad),
        }
        data
    }

    /// The data loss and its gradient by [`kernels::loss_and_gradient`] when the network has
    /// the shape it handles (one hidden layer of at least 2 units, 2 to 4 classes, fewer
    /// classes than units, no DropConnect, no dropout draw); `None` leaves `grad` untouched.
    fn fused_loss_and_gradient(
        &self,
        params: &[f64],
        x: &[[f64; 2]],
        y: &[usize],
        draw: &Draw,
        ws: &mut Workspace,
        grad: &mut [f64],
    ) -> Option<f64> {
        let Kind::Mlp { dropconnect_keep, .. } = self.kind else { return None };
        if self.activation != Activation::Relu || self.loss != LossFunction::CrossEntropy {
            return None;
        }
        let [hidden, output] = &self.layers[..] else { return None };
        let shape_fits = !hidden.transposed && output.transposed;
        if dropconnect_keep < 1.0 || !draw.dropout.is_empty() || !shape_fits {
            return None;
        }
        let net = kernels::Shallow { layers: [hidden, output], params };
        let [hidden_out, scores] = &mut ws.outputs[..] else { return None };
        let mut buffers = kernels::Buffers {
            hidden: hidden_out,
            scores,
            probabilities: &mut ws.probabilities,
            delta: &mut ws.delta,
            hidden_delta: &mut ws.delta_prev,
        };
        match self.classes {
            2 => kernels::loss_and_gradient::<2>(&net, x, y, &mut buffers, grad),
            3 => kernels::loss_and_gradient::<3>(&net, x, y, &mut buffers, grad),
            4 => kernels::loss_and_gradient::<4>(&net, x, y, &mut buffers, grad),
            _ => None,
        }
    }

    /// ∂(`½λΣW²`)/∂W = λW on every weight.
    fn add_l2_gradient(&self, params: &[f64], grad: &mut [f64]) {
        if self.l2 == 0.0 {
            return;
        }
        for layer in &self.layers {
            let range = layer.weight_offset..layer.bias_offset;
            let weights = layer.weights(params);
            for (g, w) in grad.get_mut(range).unwrap_or(&mut []).iter_mut().zip(weights) {
                *g += self.l2 * w;
            }
        }
    }

    /// Rebuilds `ws` (keeping its capacity) when it was made for a different network, so a
    /// mismatched workspace costs an allocation instead of an out-of-bounds index.
    fn fit_workspace(&self, ws: &mut Workspace) {
        let rows = ws.capacity;
        let fits = ws.outputs.len() == self.layers.len()
            && ws.effective.len() == self.layers.len()
            && self.layers.iter().zip(&ws.outputs).all(|(l, o)| o.len() == rows * l.fan_out)
            && ws.probabilities.len() == rows * self.classes
            && self.workspace_width() * rows <= ws.delta.len().min(ws.scaled.len())
            && ws.delta.len() == ws.delta_prev.len()
            && self.dropconnect_on() == ws.effective.iter().any(|e| !e.is_empty());
        if !fits {
            *ws = self.workspace(rows);
        }
    }

    fn workspace_width(&self) -> usize {
        self.layers.iter().map(|l| l.fan_out.max(l.fan_in)).max().unwrap_or(1)
    }

    fn dropconnect_on(&self) -> bool {
        matches!(self.kind, Kind::Mlp { dropconnect_keep, .. } if dropconnect_keep < 1.0)
            && self.layers.len() > 1
    }

    /// Forward pass into `ws`, ending with the raw scores in the last output buffer.
    fn forward(&self, params: &[f64], x: &[f64], rows: usize, mode: Mode<'_>, ws: &mut Workspace) {
        match &self.kind {
            Kind::Mlp { dropconnect_keep, .. } => {
                self.forward_mlp(params, x, rows, (mode, *dropconnect_keep), ws);
            }
            Kind::Residual { survival } => {
                self.forward_residual(params, x, rows, (mode, survival), ws);
            }
        }
    }

    fn forward_mlp(
        &self,
        params: &[f64],
        x: &[f64],
        rows: usize,
        (mode, dropconnect_keep): (Mode<'_>, f64),
        ws: &mut Workspace,
    ) {
        let hidden = self.mlp_hidden();
        for (index, layer) in self.layers.iter().enumerate() {
            let (before, rest) = ws.outputs.split_at_mut(index);
            let input = before.last().map_or(x, |prev| &prev[..rows * layer.fan_in]);
            let Some(out) = rest.first_mut().and_then(|o| o.get_mut(..rows * layer.fan_out)) else {
                return;
            };
            let masked = index < hidden && dropconnect_keep < 1.0;
            let weights = if masked {
                let mask = match mode {
                    Mode::Train(draw) => DropConnect::Mask(draw.dropconnect.get(index)),
                    Mode::Eval => DropConnect::Scale(dropconnect_keep),
                };
                effective_weights(layer.weights(params), &mask, &mut ws.effective[index])
            } else {
                layer.weights(params)
            };
            affine(layer, input, weights, layer.bias(params), out);
            if index < hidden {
                activate(self.activation, out);
                if let Mode::Train(draw) = mode
                    && let Some(factors) = draw.dropout.get(index)
                {
                    out.iter_mut().zip(factors).for_each(|(h, f)| *h *= f);
                }
            }
        }
    }

    fn forward_residual(
        &self,
        params: &[f64],
        x: &[f64],
        rows: usize,
        (mode, survival): (Mode<'_>, &[f64]),
        ws: &mut Workspace,
    ) {
        let last = self.layers.len().saturating_sub(1);
        for (index, layer) in self.layers.iter().enumerate() {
            let (before, rest) = ws.outputs.split_at_mut(index);
            let input = before.last().map_or(x, |prev| &prev[..rows * layer.fan_in]);
            let Some(out) = rest.first_mut().and_then(|o| o.get_mut(..rows * layer.fan_out)) else {
                return;
            };
            let (weights, bias) = (layer.weights(params), layer.bias(params));
            if index == 0 {
                affine(layer, input, weights, bias, out);
                activate(self.activation, out);
            } else if index == last {
                affine(layer, input, weights, bias, out);
            } else {
                let gate = block_gate(mode, survival, index - 1);
                let activation = self.activation;
                if gate == 0.0 {
                    // A dropped block is a(h): the identity under relu (its input is already
                    // non-negative); it costs no matrix product, which is the paper's speed-up.
                    out.iter_mut().zip(input).for_each(|(o, h)| *o = activation.apply(*h));
                } else {
                    affine(layer, input, weights, bias, out);
                    for (o, h) in out.iter_mut().zip(input) {
                        *o = activation.apply(h + gate * *o);
                    }
                }
            }
        }
    }

    /// The mean data loss of the last forward pass (the run's [`LossFunction`]), with the class
    /// probabilities in `ws.probabilities`; with `gradient`, ∂loss/∂scores into `ws.delta`.
    fn data_loss(&self, y: &[usize], rows: usize, ws: &mut Workspace, gradient: bool) -> f64 {
        match self.loss {
            LossFunction::CrossEntropy => self.softmax_cross_entropy(y, rows, ws, gradient),
            LossFunction::SquaredError => self.squared_error(y, rows, ws, gradient),
        }
    }

    /// Softmax of the scores into `ws.probabilities` (for predictions) and the mean of
    /// ½‖s − one-hot‖² over the rows; with `gradient`, ∂loss/∂scores = (s − one-hot)/rows
    /// into `ws.delta`.
    fn squared_error(&self, y: &[usize], rows: usize, ws: &mut Workspace, gradient: bool) -> f64 {
        let classes = self.classes;
        if self.softmax_rows(rows, ws).is_none() {
            return f64::NAN;
        }
        let Some(scores) = ws.outputs.last().and_then(|s| s.get(..rows * classes)) else {
            return f64::NAN;
        };
        let n = rows.max(1) as f64;
        let mut total = 0.0;
        let mut deltas = ws.delta.chunks_exact_mut(classes);
        for (row, &label) in scores.chunks_exact(classes).zip(y) {
            let delta = if gradient { deltas.next().map(|d| (d, n)) } else { None };
            total += squared_error_row(row, label, delta);
        }
        total / n
    }

    /// Softmax of the scores into `ws.probabilities` and the mean cross-entropy; with
    /// `gradient`, also ∂loss/∂scores = (probabilities − one-hot)/rows into `ws.delta`.
    fn softmax_cross_entropy(
        &self,
        y: &[usize],
        rows: usize,
        ws: &mut Workspace,
        gradient: bool,
    ) -> f64 {
        let classes = self.classes;
        let Some(scores) = ws.outputs.last().and_then(|s| s.get(..rows * classes)) else {
            return f64::NAN;
        };
        let mut total = 0.0;
        let probabilities = ws.probabilities.chunks_exact_mut(classes);
        for ((row, probs), &label) in scores.chunks_exact(classes).zip(probabilities).zip(y) {
            total += softmax_row(row, probs, label);
        }
        let n = rows.max(1) as f64;
        if gradient {
            let delta = ws.delta.chunks_exact_mut(classes);
            for ((d, probs), &label) in
                delta.zip(ws.probabilities.chunks_exact(classes)).zip(y).take(rows)
            {
                for (class, (d, p)) in d.iter_mut().zip(probs).enumerate() {
                    *d = (p - if class == label { 1.0 } else { 0.0 }) / n;
                }
            }
        }
        total / n
    }

    fn backward_mlp(
        &self,
        params: &[f64],
        x: &[f64],
        rows: usize,
        (draw, dropout_keep): (&Draw, f64),
        ws: &mut Workspace,
        grad: &mut [f64],
    ) {
        let hidden = self.mlp_hidden();
        // ∂h/∂z of a kept, active unit: 1/p under inverted dropout.
        let dropout_scale = if draw.dropout.is_empty() { 1.0 } else { 1.0 / dropout_keep };
        for (index, layer) in self.layers.iter().enumerate().rev() {
            let input = if index == 0 { x } else { &ws.outputs[index - 1][..rows * layer.fan_in] };
            let delta = &ws.delta[..rows * layer.fan_out];
            let (dw, db) = layer_grads(layer, grad);
            accumulate_weight_grad(layer, input, delta, dw, db);
            let masked = index < hidden && !ws.effective[index].is_empty();
            if masked && let Some(mask) = draw.dropconnect.get(index) {
                dw.iter_mut().zip(mask).filter(|(_, keep)| !**keep).for_each(|(g, _)| *g = 0.0);
            }
            if index == 0 {
                break;
            }
            let weights = if masked { &ws.effective[index][..] } else { layer.weights(params) };
            let out = &mut ws.delta_prev[..rows * layer.fan_in];
            input_grad(layer, weights, delta, out);
            through_activation(
                self.activation,
                out,
                input,
                (draw.dropout.get(index - 1), dropout_scale),
            );
            std::mem::swap(&mut ws.delta, &mut ws.delta_prev);
        }
    }

    fn backward_residual(
        &self,
        params: &[f64],
        x: &[f64],
        rows: usize,
        draw: &Draw,
        ws: &mut Workspace,
        grad: &mut [f64],
    ) {
        let last = self.layers.len().saturating_sub(1);
        for (index, layer) in self.layers.iter().enumerate().rev() {
            let input = if index == 0 { x } else { &ws.outputs[index - 1][..rows * layer.fan_in] };
            let n = rows * layer.fan_out;
            let (dw, db) = layer_grads(layer, grad);
            if index == last || index == 0 {
                if index == 0 {
                    slope_mask(self.activation, &mut ws.delta[..n], &ws.outputs[0][..n]);
                }
                accumulate_weight_grad(layer, input, &ws.delta[..n], dw, db);
                if index == 0 {
                    break;
                }
                input_grad(
                    layer,
                    layer.weights(params),
                    &ws.delta[..n],
                    &mut ws.delta_prev[..rows * layer.fan_in],
                );
                std::mem::swap(&mut ws.delta, &mut ws.delta_prev);
                continue;
            }
            // Block: pre = h + g(hA + c), out = relu(pre).
            slope_mask(self.activation, &mut ws.delta[..n], &ws.outputs[index][..n]);
            let gate = if draw.gates.get(index - 1).copied().unwrap_or(true) { 1.0 } else { 0.0 };
            if gate != 0.0 {
                let scaled = &mut ws.scaled[..n];
                scaled.iter_mut().zip(&ws.delta[..n]).for_each(|(s, d)| *s = gate * d);
                accumulate_weight_grad(layer, input, scaled, dw, db);
                let prev = &mut ws.delta_prev[..n];
                input_grad(layer, layer.weights(params), scaled, prev);
                prev.iter_mut().zip(&ws.delta[..n]).for_each(|(p, d)| *p += d);
                std::mem::swap(&mut ws.delta, &mut ws.delta_prev);
            }
        }
    }

    /// Class probabilities of every point (eval mode), row after row, computed in chunks of the
    /// workspace's capacity.
    #[must_use]
    pub fn predict_proba(&self, x: &[[f64; 2]], ws: &mut Workspace) -> Vec<f64> {
        let mut probabilities = Vec::with_capacity(x.len() * self.classes);
        for chunk in x.chunks(ws.capacity.max(1)) {
            let rows = chunk.len();
            self.fit_workspace(ws);
            self.forward(&self.params, chunk.as_flattened(), rows, Mode::Eval, ws);
            let _ = self.softmax_rows(rows, ws);
            probabilities.extend_from_slice(&ws.probabilities[..rows * self.classes]);
        }
        probabilities
    }

    /// Softmax of the current scores without labels (the cross-entropy loop stops at the
    /// shortest of scores and labels, so prediction runs it here).
    fn softmax_rows(&self, rows: usize, ws: &mut Workspace) -> Option<()> {
        let classes = self.classes;
        let scores = ws.outputs.last()?.get(..rows * classes)?;
        for (row, probs) in
            scores.chunks_exact(classes).zip(ws.probabilities.chunks_exact_mut(classes))
        {
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            probs.iter_mut().zip(row).for_each(|(p, s)| *p = (s - max).exp());
            let sum: f64 = probs.iter().sum();
            for p in probs.iter_mut() {
                *p /= sum;
            }
        }
        Some(())
    }

    /// Mean data loss (eval mode) and accuracy over a whole dataset, in chunks of the
    /// workspace's capacity. `None` for an empty dataset.
    #[must_use]
    pub fn evaluate(&self, x: &[[f64; 2]], y: &[usize], ws: &mut Workspace) -> Option<Evaluation> {
        let len = x.len().min(y.len());
        if len == 0 {
            return None;
        }
        let (mut loss_sum, mut correct) = (0.0, 0_usize);
        let chunk = ws.capacity.max(1);
        for (xs, ys) in x[..len].chunks(chunk).zip(y[..len].chunks(chunk)) {
            let loss = self.loss_at(&self.params, xs, ys, Mode::Eval, ws);
            loss_sum += loss.data * xs.len() as f64;
            let probabilities = ws.probabilities.chunks_exact(self.classes);
            correct += probabilities.zip(ys).filter(|(p, label)| argmax(p) == **label).count();
        }
        Some(Evaluation { data_loss: loss_sum / len as f64, accuracy: correct as f64 / len as f64 })
    }
}

/// Data loss and accuracy of a network on a dataset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// Mean softmax cross-entropy (no L2).
    pub data_loss: f64,
    /// Fraction of points whose most probable class is their label.
    pub accuracy: f64,
}

/// Index of the largest value (the first on ties, 0 for an empty slice).
#[must_use]
pub fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

fn clamp_width(width: usize) -> usize {
    width.clamp(1, MAX_WIDTH)
}

/// Layers 2 → widths\[0\] → … → classes, packed one after another.
fn layer_shapes(widths: &[usize], classes: usize) -> Vec<Linear> {
    let mut layers = Vec::with_capacity(widths.len() + 1);
    let (mut fan_in, mut offset) = (INPUTS, 0);
    for &fan_out in widths.iter().chain([&classes]) {
        let layer = Linear::new(fan_in, fan_out, offset);
        offset = layer.end();
        fan_in = fan_out;
        layers.push(layer);
    }
    layers
}

/// Rows of a batch: the shortest of inputs, labels and the workspace.
fn batch_rows(x: &[[f64; 2]], y: &[usize], ws: &Workspace) -> usize {
    x.len().min(y.len()).min(ws.capacity)
}

/// Gate of residual block `block`: its draw in training (1 or 0), its survival pₗ at test time.
fn block_gate(mode: Mode<'_>, survival: &[f64], block: usize) -> f64 {
    match mode {
        Mode::Train(draw) => {
            if draw.gates.get(block).copied().unwrap_or(true) {
                1.0
            } else {
                0.0
            }
        }
        Mode::Eval => survival.get(block).copied().unwrap_or(1.0),
    }
}

/// How DropConnect changes a layer's weights.
enum DropConnect<'a> {
    /// Training: keep where the mask says so (a missing mask keeps everything).
    Mask(Option<&'a Vec<bool>>),
    /// Test time: every weight ×p.
    Scale(f64),
}

/// The masked or scaled weights, written into `buffer`.
fn effective_weights<'a>(
    weights: &[f64],
    change: &DropConnect<'_>,
    buffer: &'a mut Vec<f64>,
) -> &'a [f64] {
    buffer.resize(weights.len(), 0.0);
    match change {
        DropConnect::Mask(Some(mask)) => {
            for ((e, w), keep) in buffer.iter_mut().zip(weights).zip(mask.iter()) {
                *e = if *keep { *w } else { 0.0 };
            }
        }
        DropConnect::Mask(None) => buffer.copy_from_slice(weights),
        &DropConnect::Scale(p) => buffer.iter_mut().zip(weights).for_each(|(e, w)| *e = p * w),
    }
    buffer
}

/// The weight and bias gradient slices of `layer` inside `grad`.
fn layer_grads<'a>(layer: &Linear, grad: &'a mut [f64]) -> (&'a mut [f64], &'a mut [f64]) {
    let Some(block) = grad.get_mut(layer.weight_offset..layer.end()) else {
        return (&mut [], &mut []);
    };
    block.split_at_mut(layer.weight_count())
}

fn activate(activation: Activation, values: &mut [f64]) {
    match activation {
        Activation::Relu => values.iter_mut().for_each(|v| *v = relu_of(*v)),
        Activation::Tanh => values.iter_mut().for_each(|v| *v = v.tanh()),
    }
}

/// The gradient through the activation, written from its output: relu zeroes it where the
/// output is not positive (`relu'(0) = 0`, as numpy's `dhidden[hidden <= 0] = 0`), tanh
/// multiplies it by 1 − h².
fn slope_mask(activation: Activation, delta: &mut [f64], output: &[f64]) {
    match activation {
        Activation::Relu => {
            for (d, h) in delta.iter_mut().zip(output) {
                if *h <= 0.0 {
                    *d = 0.0;
                }
            }
        }
        Activation::Tanh => {
            delta.iter_mut().zip(output).for_each(|(d, h)| *d *= 1.0 - h * h);
        }
    }
}

/// The gradient back through an MLP hidden layer's dropout and activation, from the stored
/// output a(z)·f (f = 1/p where the unit was kept, 0 where dropped; no factors when dropout is
/// off). Relu: the output is positive exactly where the unit was active and kept, so the slope
/// is `dropout_scale` there. Tanh: f·(1 − t²) with t = a(z) recovered as output/f.
fn through_activation(
    activation: Activation,
    delta: &mut [f64],
    output: &[f64],
    (factors, dropout_scale): (Option<&Vec<f64>>, f64),
) {
    match (activation, factors) {
        (Activation::Relu, _) => {
            for (d, h) in delta.iter_mut().zip(output) {
                *d *= if *h > 0.0 { dropout_scale } else { 0.0 };
            }
        }
        (Activation::Tanh, None) => slope_mask(activation, delta, output),
        (Activation::Tanh, Some(factors)) => {
            // A unit past the end of a short factor buffer was kept unscaled (as the forward
            // pass treats it).
            for (i, (d, h)) in delta.iter_mut().zip(output).enumerate() {
                let f = factors.get(i).copied().unwrap_or(1.0);
                let t = if f == 0.0 { 0.0 } else { h / f };
                *d *= f * (1.0 - t * t);
            }
        }
    }
}

/// x·y with four independent partial sums, so the loop vectorizes without reassociating one
/// long chain of additions.
#[inline]
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let (x4, x_tail) = x.as_chunks::<4>();
    let (y4, y_tail) = y.as_chunks::<4>();
    let mut acc = [0.0; 4];
    for (a, b) in x4.iter().zip(y4) {
        for ((acc, a), b) in acc.iter_mut().zip(a).zip(b) {
            *acc += a * b;
        }
    }
    let tail: f64 = x_tail.iter().zip(y_tail).map(|(a, b)| a * b).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// out = input·W + b, row by row.
fn affine(layer: &Linear, input: &[f64], weights: &[f64], bias: &[f64], out: &mut [f64]) {
    let (fan_in, fan_out, row) =
        (layer.fan_in.max(1), layer.fan_out.max(1), layer.row_len().max(1));
    for (x, z) in input.chunks_exact(fan_in).zip(out.chunks_exact_mut(fan_out)) {
        if layer.transposed {
            for ((z, column), b) in z.iter_mut().zip(weights.chunks_exact(row)).zip(bias) {
                *z = b + dot(x, column);
            }
        } else {
            z.iter_mut().zip(bias).for_each(|(z, b)| *z = *b);
            add_combination(z, x.iter().copied().zip(weights.chunks_exact(row)));
        }
    }
}

/// dW += inputᵀ·delta and db += Σ delta, in the layer's stored layout, example by example
/// (the gradient block stays in the L1 cache).
fn accumulate_weight_grad(
    layer: &Linear,
    input: &[f64],
    delta: &[f64],
    dw: &mut [f64],
    db: &mut [f64],
) {
    let (fan_in, fan_out, row) =
        (layer.fan_in.max(1), layer.fan_out.max(1), layer.row_len().max(1));
    for (x, d) in input.chunks_exact(fan_in).zip(delta.chunks_exact(fan_out)) {
        let (coefficients, vector) = if layer.transposed { (d, x) } else { (x, d) };
        for (&c, dw_row) in coefficients.iter().zip(dw.chunks_exact_mut(row)) {
            if c != 0.0 {
                axpy(c, vector, dw_row);
            }
        }
        axpy(1.0, d, db);
    }
}

/// out = delta·Wᵀ (∂loss/∂input), row by row; overwrites `out`.
fn input_grad(layer: &Linear, weights: &[f64], delta: &[f64], out: &mut [f64]) {
    let (fan_in, fan_out, row) =
        (layer.fan_in.max(1), layer.fan_out.max(1), layer.row_len().max(1));
    for (d, o) in delta.chunks_exact(fan_out).zip(out.chunks_exact_mut(fan_in)) {
        if layer.transposed {
            o.fill(0.0);
            add_combination(o, d.iter().copied().zip(weights.chunks_exact(row)));
        } else {
            for (o, w) in o.iter_mut().zip(weights.chunks_exact(row)) {
                *o = dot(d, w);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::train::data;

    #[test]
    fn kernels_match_naive_sums() {
        let x: Vec<f64> = (0..11).map(|i| f64::from(i) * 0.5 - 2.0).collect();
        let y: Vec<f64> = (0..11).map(|i| f64::from(i).sin()).collect();
        let naive: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
        assert!((dot(&x, &y) - naive).abs() < 1e-12);
        for terms in 0..7 {
            let mut out = vec![1.0; 11];
            let coefficients: Vec<f64> = (0..terms).map(|t| f64::from(t) - 1.0).collect();
            add_combination(&mut out, coefficients.iter().map(|&c| (c, &x[..])));
            let total: f64 = coefficients.iter().sum();
            assert!(out.iter().zip(&x).all(|(o, v)| (o - (1.0 + total * v)).abs() < 1e-12));
        }
    }

    /// Loss, probabilities and gradient bits of one training step, by `step`.
    fn step_bits(
        net: &Network,
        data: &data::Dataset,
        step: impl Fn(&Network, &mut Workspace, &mut [f64]) -> f64,
    ) -> (Vec<u64>, Vec<f64>) {
        let mut ws = net.workspace(data.len());
        let mut grad = vec![0.0; net.params().len()];
        let loss = step(net, &mut ws, &mut grad);
        let values = [loss].into_iter().chain(ws.probabilities().iter().copied());
        let bits = values.chain(grad.iter().copied()).map(f64::to_bits).collect();
        (bits, grad)
    }

    #[test]
    fn train_fused_step_matches_the_layered_passes_bit_for_bit() {
        let draw = Draw::default();
        // Widths with and without a remainder after chunks of 8, 4 and 2 units and a dot tail.
        for (hidden, classes) in [(2, 1), (5, 2), (13, 3), (100, 3), (37, 4), (6, 4), (9, 5)] {
            let mut rng = ChaCha8Rng::seed_from_u64(hidden as u64);
            let mut data = data::spiral(classes, 20, 0.2, &mut rng);
            // Exact zeros in the inputs take the generic kernels' skips; row 2 has label 7.
            data.x.extend([[0.0, 0.5], [-0.3, 0.0], [0.0, -0.0]]);
            data.y.extend([0, classes - 1, 7]);
            let model =
                ModelConfig::Mlp { hidden: vec![hidden], dropout_keep: 1.0, dropconnect_keep: 1.0 };
            let mut net = Network::new(&model, WeightInit::KaimingNormal, classes, 1e-3, &mut rng);
            // Learning rates up to 1e4 drive the weights to overflow, infinities and NaN.
            for lr in [1.0, 1.0, 10.0, 100.0, 1e3, 1e4, 1e4, 1e4] {
                let (fused, grad) = step_bits(&net, &data, |net, ws, grad| {
                    net.loss_and_gradient(net.params(), &data.x, &data.y, &draw, ws, grad).data
                });
                let (layered, _) = step_bits(&net, &data, |net, ws, grad| {
                    let (x, y) = (&data.x[..], &data.y[..]);
                    let loss = net.layered_loss_and_gradient(net.params(), x, y, &draw, ws, grad);
                    net.add_l2_gradient(net.params(), grad);
                    loss
                });
                assert_eq!(fused.len(), layered.len());
                let first_difference = fused.iter().zip(&layered).position(|(a, b)| a != b);
                assert_eq!(first_difference, None, "{hidden} units, {classes} classes, lr {lr}");
                net.params_mut().iter_mut().zip(&grad).for_each(|(p, g)| *p -= lr * g);
            }
        }
    }

    #[test]
    fn train_layers_pick_the_layout_of_their_longer_side() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let model = ModelConfig::Mlp { hidden: vec![5], dropout_keep: 1.0, dropconnect_keep: 1.0 };
        let net = Network::new(&model, WeightInit::KaimingNormal, 3, 0.0, &mut rng);
        let [first, output] = net.layers() else { panic!("two layers") };
        assert!(!first.transposed && output.transposed);
        assert_eq!(net.params().len(), 2 * 5 + 5 + 5 * 3 + 3);
        // W[4][2] of the 5 → 3 layer is stored at row 2 (output), column 4 (input) of Wᵀ.
        assert_eq!(net.weight(1, 4, 2), Some(net.params()[output.weight_offset + 2 * 5 + 4]));
        assert_eq!(net.weight(1, 5, 0), None);
        assert_eq!(net.weight(2, 0, 0), None);
    }

    #[test]
    fn train_with_a_foreign_workspace_rebuilds_it_instead_of_panicking() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let small = ModelConfig::Mlp { hidden: vec![2], dropout_keep: 1.0, dropconnect_keep: 1.0 };
        let big = ModelConfig::Mlp { hidden: vec![8, 8], dropout_keep: 1.0, dropconnect_keep: 0.5 };
        let net = Network::new(&big, WeightInit::KaimingNormal, 2, 0.1, &mut rng);
        let mut ws = Network::new(&small, WeightInit::KaimingNormal, 2, 0.0, &mut rng).workspace(4);
        let loss = net.loss(&[[0.1, 0.2], [0.3, -0.4]], &[0, 1], Mode::Eval, &mut ws);
        assert!(loss.total().is_finite());
        // Mismatched lengths and out-of-range labels are truncated or score as infinite loss.
        let loss = net.loss(&[[0.1, 0.2]], &[7, 0], Mode::Eval, &mut ws);
        assert!(loss.data.is_infinite());
    }
}
