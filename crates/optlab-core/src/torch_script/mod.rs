//! "Copy as PyTorch": one run (surface, optimizer, schedule, start, steps, gradient noise) as a
//! self-contained Python script that runs it with `torch.optim` and `torch.optim.lr_scheduler`
//! in float64 and prints exactly the CSV `optlab trace` prints (`step,x,y,loss,lr`, numbers in
//! Rust's shortest round-trip form), so `diff` can compare the two.
//!
//! The script imports `torch` and Python's standard library only, plus `lion_pytorch` for Lion
//! and `schedulefree` for the Schedule-Free optimizers. Gradient noise is embedded: the script
//! carries the noise vectors optlab draws (ChaCha8, the run's seed) and adds them to the
//! gradients, so a noisy run is reproduced exactly. What PyTorch cannot run the way optlab does
//! is refused with a sentence ([`Refusal`]).

mod optimizer;
mod python;
mod refusal;
mod schedule;
mod surface;

use std::fmt::Write as _;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::run::{DIVERGENCE_BOUND, LOSS_GROWTH_BOUND, RunConfig};
use crate::schedule::Schedule;

use optimizer::OptimizerCode;
use python::float;
pub use refusal::Refusal;

/// The first line of every generated script.
pub const HEADER: &str = "# optlab run as a PyTorch script";

/// Most updates of a noisy run the script embeds the noise of (two numbers per update).
pub const MAX_NOISY_STEPS: u64 = 100_000;

/// The Python script that runs `config` with PyTorch and prints `optlab trace`'s CSV.
///
/// # Errors
/// A sentence saying why the run has no PyTorch equivalent (an Adam without bias correction,
/// a formula Python cannot hold, L-BFGS with gradient noise, …) or the run's own range error.
pub fn script(config: &RunConfig) -> Result<String, Refusal> {
    check(config)?;
    let optimizer = optimizer::code(&config.optimizer)?;
    let scheduler = schedule::code(&config.schedule)?;
    let loss = surface::code(&config.surface)?;
    let noise = noise_code(config);
    let mut text = String::new();
    header(&mut text, config, &optimizer);
    text.push_str(&loss);
    text.push_str(python::FORMAT_FUNCTION);
    setup(&mut text, config, &optimizer, scheduler.as_deref());
    text.push_str(&noise);
    main_loop(&mut text, config, &optimizer);
    Ok(text)
}

/// Whether [`script`] can export `config`, without writing the script (cheap enough for every
/// frame: a formula's tree is only measured, no noise is drawn).
///
/// # Errors
/// The sentence [`script`] would refuse with.
pub fn check(config: &RunConfig) -> Result<(), Refusal> {
    config.validate().map_err(|e| Refusal(e.to_string()))?;
    let optimizer = optimizer::code(&config.optimizer)?;
    schedule::code(&config.schedule)?;
    surface::check(&config.surface)?;
    if config.noise_sigma > 0.0 && optimizer.closure {
        return Err(Refusal(
            "L-BFGS with gradient noise cannot be exported: optlab draws fresh noise for every \
             evaluation of its line search, a number the script cannot know in advance"
                .to_owned(),
        ));
    }
    if config.noise_sigma > 0.0 && config.steps > MAX_NOISY_STEPS {
        return Err(Refusal(format!(
            "a noisy run of {} steps cannot be exported: the script embeds the noise of every \
             update, at most {MAX_NOISY_STEPS} updates",
            config.steps
        )));
    }
    Ok(())
}

/// The `optlab trace` command line that prints the same rows as the script.
#[must_use]
pub fn trace_command(config: &RunConfig) -> String {
    let mut command = format!(
        "optlab trace --surface '{}' --optimizer '{}'",
        ron_text(&config.surface),
        ron_text(&config.optimizer)
    );
    if config.schedule != Schedule::Constant {
        let _ = write!(command, " --schedule '{}'", ron_text(&config.schedule));
    }
    let [x, y] = config.start;
    let _ = write!(command, " --start={x},{y} --steps {}", config.steps);
    if config.noise_sigma > 0.0 {
        let _ = write!(command, " --noise {} --seed {}", config.noise_sigma, config.seed);
    }
    command
}

/// A value as one line of RON (empty if it cannot be written, which the run's types never are).
fn ron_text<T: serde::Serialize>(value: &T) -> String {
    ron::to_string(value).unwrap_or_default()
}

fn header(text: &mut String, config: &RunConfig, optimizer: &OptimizerCode) {
    let _ = writeln!(text, "{HEADER} (optlab {}).", env!("CARGO_PKG_VERSION"));
    text.push_str(
        "# It prints the CSV `optlab trace` prints for the same run; compare them with\n\
         #   python3 this_file.py > torch.csv\n",
    );
    let _ = writeln!(text, "#   {} > optlab.csv", trace_command(config));
    text.push_str("#   diff torch.csv optlab.csv\n");
    text.push_str("# float64 throughout; PyTorch's single-tensor code paths (CPU).\n");
    for line in &optimizer.comments {
        let _ = writeln!(text, "# {line}");
    }
    text.push_str("import math\nimport sys\nfrom decimal import Decimal\n\nimport torch\n");
    if let Some(module) = optimizer.import {
        let _ = writeln!(text, "import {module}");
    }
    text.push_str("\ntorch.set_default_dtype(torch.float64)\n\n");
}

fn setup(
    text: &mut String,
    config: &RunConfig,
    optimizer: &OptimizerCode,
    scheduler: Option<&str>,
) {
    let [x, y] = config.start.map(float);
    let start = if optimizer.matrix { format!("[[{x}, {y}]]") } else { format!("[{x}, {y}]") };
    let _ = writeln!(text, "\n\ntheta = torch.tensor({start}, requires_grad=True)");
    let _ = writeln!(text, "optimizer = {}", optimizer.constructor);
    if optimizer.train_mode {
        text.push_str(
            "optimizer.train()  # Schedule-Free: the parameters are y, where gradients are taken\n",
        );
    }
    if let Some(scheduler) = scheduler {
        let _ = writeln!(text, "scheduler = {scheduler}");
    }
    let _ = writeln!(text, "STEPS = {}", config.steps);
    text.push_str(&shown_point(optimizer));
    text.push_str(EVALUATE);
}

/// `shown_point()`: the point a row shows (the parameters, or for `NesterovLookahead` the plain
/// x = x̄ + μ·η·buf of Sutskever's form, since torch stores the look-ahead point x̄).
fn shown_point(optimizer: &OptimizerCode) -> String {
    match optimizer.lookahead_momentum {
        None => "\n\ndef shown_point():\n    return theta.detach().reshape(2)\n".to_owned(),
        Some(momentum) => format!(
            "\n\ndef shown_point():\n    \
             # optlab's NesterovLookahead shows Sutskever's x; torch's SGD(nesterov=True) stores\n    \
             # the look-ahead point x + mu*v, with v = -lr * momentum_buffer.\n    \
             buffer = optimizer.state[theta].get(\"momentum_buffer\")\n    \
             if buffer is None:\n        return theta.detach().reshape(2)\n    \
             return (theta.detach() + {} * last_lr * buffer).reshape(2)\n",
            float(momentum)
        ),
    }
}

const EVALUATE: &str = "

def evaluate(point):
    \"\"\"The exact loss (a float) and gradient at a point, without touching theta.\"\"\"
    q = point.detach().clone().requires_grad_(True)
    loss = loss_fn(q)
    (gradient,) = torch.autograd.grad(loss, q)
    return loss.item(), gradient.tolist()
";

/// `NOISE = [...]`: the noise optlab adds to each update's gradient (σ·z, z ~ N(0, 1) from
/// ChaCha8 seeded with the run's seed), or nothing for a noiseless run ([`check`] has refused
/// the noisy runs it cannot embed).
fn noise_code(config: &RunConfig) -> String {
    if config.noise_sigma <= 0.0 {
        return String::new();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut text = format!(
        "\n# The gradient noise optlab adds to update t (sigma = {}, seed {}: ChaCha8, N(0, 1)).\nNOISE = [\n",
        float(config.noise_sigma),
        config.seed
    );
    for _ in 0..config.steps {
        let z0: f64 = StandardNormal.sample(&mut rng);
        let z1: f64 = StandardNormal.sample(&mut rng);
        let pair = [config.noise_sigma * z0, config.noise_sigma * z1].map(float);
        let _ = writeln!(text, "    ({}, {}),", pair[0], pair[1]);
    }
    text.push_str("]\n");
    text
}

fn main_loop(text: &mut String, config: &RunConfig, optimizer: &OptimizerCode) {
    let _ = write!(
        text,
        "\n\nprint(\"step,x,y,loss,lr\")\n\
         bound = math.inf\n\
         last_lr = optimizer.param_groups[0][\"lr\"]\n\
         for step in range(STEPS + 1):\n    \
         point = shown_point()\n    \
         loss, gradient = evaluate(point)\n    \
         lr = optimizer.param_groups[0][\"lr\"]\n    \
         if step == 0:\n        bound = {} * max(1.0, loss)\n    \
         x, y = point.tolist()\n    \
         sane = (\n        math.isfinite(loss)\n        and loss <= bound\n        \
         and all(math.isfinite(g) for g in gradient)\n        \
         and abs(x) <= {bound} and abs(y) <= {bound}\n    )\n    \
         if not sane:\n        print(f\"diverged at step {{step}}\", file=sys.stderr)\n        break\n    \
         print(f\"{{step}},{{fmt(x)}},{{fmt(y)}},{{fmt(loss)}},{{fmt(lr)}}\")\n    \
         if step == STEPS:\n        break\n    \
         last_lr = lr\n",
        float(LOSS_GROWTH_BOUND),
        bound = float(DIVERGENCE_BOUND),
    );
    text.push_str(&update_code(config, optimizer));
    text.push_str(&schedule::step_code(&config.schedule));
}

/// One update: the gradient at theta (plus the embedded noise), then `optimizer.step()`; for
/// L-BFGS `optimizer.step(closure)`.
fn update_code(config: &RunConfig, optimizer: &OptimizerCode) -> String {
    if optimizer.closure {
        return "    def closure():\n        optimizer.zero_grad()\n        \
                loss = loss_fn(theta)\n        loss.backward()\n        return loss\n\n    \
                optimizer.step(closure)\n"
            .to_owned();
    }
    let mut code = "    optimizer.zero_grad()\n    loss_fn(theta).backward()\n".to_owned();
    if config.noise_sigma > 0.0 {
        code.push_str("    theta.grad.add_(torch.tensor(NOISE[step]).reshape(theta.shape))\n");
    }
    code.push_str("    optimizer.step()\n");
    code
}
