//! The shortcuts that let `NAdam`, `RAdam` and Adafactor reach 20 M steps/s (`optlab bench`)
//! change no bit: each rule is checked against a plain transcription of torch's update (every
//! `powf` taken every step, no cached or skipped operation) over runs long enough to pass the
//! points where the shortcuts start (`NAdam`'s β₂ᵗ becomes negligible near t = 38 800 and its
//! 0.96^(tψ) near t = 233 000; `RAdam`'s ρₜ settles at ρ∞ near t = 43 000), through the 2-D run
//! loop (`step_2d`) and through the general slice path, with β₁ moved between updates the way
//! a momentum-cycling schedule moves it.

use optlab_core::optim::{OptimizerConfig, SURFACE};
use optlab_core::run::{self, RunConfig, Trace};
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;

const START: [f64; 2] = [-1.2, 1.0];

fn parse(ron: &str) -> OptimizerConfig {
    let config: OptimizerConfig = ron::from_str(ron).expect("a valid optimizer");
    config.validate().expect("in range");
    config
}

/// torch's `Tensor.lerp_` on the CPU.
fn lerp(start: f64, end: f64, weight: f64) -> f64 {
    if weight.abs() < 0.5 {
        start + weight * (end - start)
    } else {
        end - (end - start) * (1.0 - weight)
    }
}

/// Coupled weight decay as torch adds it (only when λ ≠ 0).
fn decayed(grad: f64, param: f64, weight_decay: f64) -> f64 {
    if weight_decay == 0.0 { grad } else { grad + weight_decay * param }
}

/// The step count as the float torch holds it.
fn float(t: u64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "test step counts are far below 2⁵³")]
    let t = t as f64;
    t
}

/// `_single_tensor_nadam` written out: two `powf` for μₜ and μₜ₊₁ and one for β₂ᵗ every step.
struct PlainNAdam {
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    decoupled: bool,
    momentum_decay: f64,
    m: [f64; 2],
    v: [f64; 2],
    mu_product: f64,
    t: u64,
}

impl PlainNAdam {
    fn step(&mut self, p: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        self.t += 1;
        let t = float(self.t);
        let bias_correction2 = 1.0 - self.beta2.powf(t);
        let mu = self.beta1 * (1.0 - 0.5 * 0.96f64.powf(t * self.momentum_decay));
        let mu_next = self.beta1 * (1.0 - 0.5 * 0.96f64.powf((t + 1.0) * self.momentum_decay));
        self.mu_product *= mu;
        let grad_coefficient = -lr * (1.0 - mu) / (1.0 - self.mu_product);
        let momentum_coefficient = (-lr * mu_next) / (1.0 - self.mu_product * mu_next);
        for i in 0..2 {
            if self.decoupled && self.weight_decay != 0.0 {
                p[i] *= 1.0 - lr * self.weight_decay;
            }
            let coupled = if self.decoupled { 0.0 } else { self.weight_decay };
            let g = decayed(grad[i], p[i], coupled);
            self.m[i] = lerp(self.m[i], g, 1.0 - self.beta1);
            self.v[i] = self.v[i] * self.beta2 + (1.0 - self.beta2) * g * g;
            let denom = (self.v[i] / bias_correction2).sqrt() + self.eps;
            p[i] += grad_coefficient * g / denom;
            p[i] += momentum_coefficient * self.m[i] / denom;
        }
    }
}

/// `_single_tensor_radam` written out: β₁ᵗ, β₂ᵗ, ρₜ, rₜ and √(1 − β₂ᵗ) every step.
struct PlainRAdam {
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    decoupled: bool,
    m: [f64; 2],
    v: [f64; 2],
    t: u64,
}

impl PlainRAdam {
    fn step(&mut self, p: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        self.t += 1;
        let t = float(self.t);
        let bias_correction1 = 1.0 - self.beta1.powf(t);
        let beta2_pow = self.beta2.powf(t);
        let rho_inf = 2.0 / (1.0 - self.beta2) - 1.0;
        let rho_t = rho_inf - 2.0 * t * beta2_pow / (1.0 - beta2_pow);
        let rectified = (rho_t > 5.0).then(|| {
            let rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                .powf(0.5);
            ((1.0 - beta2_pow).powf(0.5), rect)
        });
        for i in 0..2 {
            if self.decoupled && self.weight_decay != 0.0 {
                p[i] *= 1.0 - lr * self.weight_decay;
            }
            let coupled = if self.decoupled { 0.0 } else { self.weight_decay };
            let g = decayed(grad[i], p[i], coupled);
            self.m[i] = lerp(self.m[i], g, 1.0 - self.beta1);
            self.v[i] = self.v[i] * self.beta2 + (1.0 - self.beta2) * g * g;
            let corrected = self.m[i] / bias_correction1;
            p[i] -= match rectified {
                Some((root_bc2, rect)) => {
                    corrected * lr * ((1.0 / (self.v[i].sqrt() + self.eps)) * root_bc2) * rect
                }
                None => corrected * lr,
            };
        }
    }
}

/// The run loop's positions (bits) for `steps` updates of `config` on Rosenbrock.
fn run_loop_positions(config: &OptimizerConfig, steps: u64) -> Vec<[u64; 2]> {
    let run = RunConfig {
        surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
        start: START,
        optimizer: config.clone(),
        schedule: Schedule::Constant,
        steps,
        noise_sigma: 0.0,
        seed: 0,
    };
    let mut trace = Trace::with_capacity(usize::try_from(steps).expect("small") + 1);
    let summary = run::execute(&run, &mut trace);
    assert_eq!(summary.outcome, run::Outcome::Finished, "{config:?}");
    trace.records().iter().map(|r| r.position.map(f64::to_bits)).collect()
}

/// The positions of `steps` updates by `step` on Rosenbrock from the run loop's start.
fn plain_positions(
    steps: u64,
    lr: f64,
    mut step: impl FnMut(&mut [f64; 2], [f64; 2], f64),
) -> Vec<[u64; 2]> {
    let surface = Surface::Rosenbrock { a: 1.0, b: 100.0 };
    let mut position = START;
    let mut positions = vec![position.map(f64::to_bits)];
    for _ in 0..steps {
        let (_, gradient) = surface.value_and_gradient(position);
        step(&mut position, gradient, lr);
        positions.push(position.map(f64::to_bits));
    }
    positions
}

fn assert_same_positions(label: &str, ours: &[[u64; 2]], plain: &[[u64; 2]]) {
    assert_eq!(ours.len(), plain.len(), "{label}");
    for (step, (a, b)) in ours.iter().zip(plain).enumerate() {
        assert_eq!(a, b, "{label}: position after {step} updates");
    }
}

/// β₁ of update t under a triangular cycle between 0.85 and 0.95 with a period of 1000 updates,
/// as a cyclic schedule would drive it.
fn cycled_beta1(t: u64) -> f64 {
    let phase = float(t % 1000) / 500.0;
    let up = if phase <= 1.0 { phase } else { 2.0 - phase };
    0.95 - 0.1 * up
}

impl PlainNAdam {
    /// A fresh plain rule: (β₁, β₂), (λ, decoupled), ψ; ε = 10⁻⁸.
    fn new((beta1, beta2): (f64, f64), (weight_decay, decoupled): (f64, bool), psi: f64) -> Self {
        let (m, v, mu_product, t) = ([0.0; 2], [0.0; 2], 1.0, 0);
        Self {
            beta1,
            beta2,
            eps: 1e-8,
            weight_decay,
            decoupled,
            momentum_decay: psi,
            m,
            v,
            mu_product,
            t,
        }
    }

    /// The same settings as optlab's RON.
    fn ron(&self, lr: f64) -> String {
        format!(
            "NAdam(lr: {lr:e}, beta1: {:e}, beta2: {:e}, weight_decay: {:e}, momentum_decay: {:e}, \
             decoupled_weight_decay: {})",
            self.beta1, self.beta2, self.weight_decay, self.momentum_decay, self.decoupled
        )
    }
}

impl PlainRAdam {
    /// A fresh plain rule: (β₁, β₂), (λ, decoupled); ε = 10⁻⁸.
    fn new((beta1, beta2): (f64, f64), (weight_decay, decoupled): (f64, bool)) -> Self {
        Self { beta1, beta2, eps: 1e-8, weight_decay, decoupled, m: [0.0; 2], v: [0.0; 2], t: 0 }
    }

    /// The same settings as optlab's RON.
    fn ron(&self, lr: f64) -> String {
        format!(
            "RAdam(lr: {lr:e}, beta1: {:e}, beta2: {:e}, weight_decay: {:e}, \
             decoupled_weight_decay: {})",
            self.beta1, self.beta2, self.weight_decay, self.decoupled
        )
    }
}

#[test]
fn nadam_is_torchs_bit_for_bit_past_both_settling_points() {
    // The bench's run (lr 10⁻⁴, defaults) past t = 233 000; a faster-settling β₂ and ψ with
    // coupled decay; decoupled decay with a small β₁.
    let cases = [
        (1e-4, PlainNAdam::new((0.9, 0.999), (0.0, false), 0.004), 240_000),
        (1e-3, PlainNAdam::new((0.9, 0.99), (0.01, false), 0.04), 30_000),
        (1e-3, PlainNAdam::new((0.6, 0.999), (0.01, true), 0.004), 5_000),
    ];
    for (lr, mut plain, steps) in cases {
        let ron = plain.ron(lr);
        let config = parse(&ron);
        let expected = plain_positions(steps, lr, |p, g, lr| plain.step(p, g, lr));
        assert_same_positions(&ron, &run_loop_positions(&config, steps), &expected);
    }
}

#[test]
fn nadam_follows_a_cycled_beta1_bit_for_bit() {
    // β₁ moves before every update (a momentum-cycling schedule), on the general slice path,
    // past β₂ᵗ's settling point and, with ψ = 0.04, past 0.96^(tψ)'s (t ≈ 23 300).
    let steps = 30_000;
    let mut plain = PlainNAdam::new((0.9, 0.999), (0.0, false), 0.04);
    let config = parse(&plain.ron(1e-4));
    let mut optimizer = config.build_shaped(&[SURFACE]);
    let mut t = 0;
    let ours = plain_positions(steps, 1e-4, |p, g, lr| {
        t += 1;
        optimizer.set_momentum(cycled_beta1(t));
        optimizer.step(p, &g, lr);
    });
    let mut t = 0;
    let expected = plain_positions(steps, 1e-4, |p, g, lr| {
        t += 1;
        plain.beta1 = cycled_beta1(t);
        plain.step(p, g, lr);
    });
    assert_same_positions("NAdam with β₁ cycled", &ours, &expected);
}

#[test]
fn radam_is_torchs_bit_for_bit_past_its_settling_point() {
    let cases = [
        (1e-4, PlainRAdam::new((0.9, 0.999), (0.0, false)), 60_000),
        (1e-3, PlainRAdam::new((0.8, 0.99), (0.01, true)), 8_000),
        (1e-3, PlainRAdam::new((0.9, 0.0), (0.01, false)), 100),
    ];
    for (lr, mut plain, steps) in cases {
        let ron = plain.ron(lr);
        let config = parse(&ron);
        let expected = plain_positions(steps, lr, |p, g, lr| plain.step(p, g, lr));
        assert_same_positions(&ron, &run_loop_positions(&config, steps), &expected);
    }
}

#[test]
fn radam_follows_a_cycled_beta1_bit_for_bit() {
    let steps = 50_000;
    let mut plain = PlainRAdam::new((0.9, 0.999), (0.0, false));
    let config = parse(&plain.ron(1e-4));
    let mut optimizer = config.build_shaped(&[SURFACE]);
    let mut t = 0;
    let ours = plain_positions(steps, 1e-4, |p, g, lr| {
        t += 1;
        optimizer.set_momentum(cycled_beta1(t));
        optimizer.step(p, &g, lr);
    });
    let mut t = 0;
    let expected = plain_positions(steps, 1e-4, |p, g, lr| {
        t += 1;
        plain.beta1 = cycled_beta1(t);
        plain.step(p, g, lr);
    });
    assert_same_positions("RAdam with β₁ cycled", &ours, &expected);
}

#[test]
fn adafactor_unclipped_shortcut_gives_the_general_paths_bits() {
    // The closed form compares the update's square sum with a precomputed bound instead of
    // computing the clip; the general path computes it. Rosenbrock's runs clip about one update
    // in seven, alternating often, with each threshold d.
    let steps = 20_000;
    for ron in [
        "Adafactor(lr: 1e-4)",
        "Adafactor(lr: 1e-3, d: 1.5)",
        "Adafactor(lr: 1e-3, d: 1.0000000000000002, weight_decay: 0.1)",
        "Adafactor(lr: 1e-4, d: 3.0, beta2_decay: -0.5)",
    ] {
        let config = parse(ron);
        let mut optimizer = config.build_shaped(&[SURFACE]);
        let general = plain_positions(steps, config.lr(), |p, g, lr| optimizer.step(p, &g, lr));
        assert_same_positions(ron, &run_loop_positions(&config, steps), &general);
    }
}
