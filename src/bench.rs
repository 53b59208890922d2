//! `optlab bench`: a one-command performance report, each figure on its own labelled line:
//! optimizer steps per second on 2-D Rosenbrock, sweep and basin-map runs per second on every
//! core, and the app's time per frame while each kind of sweep fills in ([`frames`]).
//!
//! Wall-clock medians of a few repetitions; the `cargo bench` targets (`engine`, `sweep`,
//! `frame`) measure the same things with more statistics. Build with `--release`.
//!
//! `optlab bench --compare` ([`compare`]) times the same work in optlab and in numpy and JAX
//! (`benches/anchors.py`), alternately, and prints the ratios.

use std::io::{self, Write};
use std::time::Instant;

mod compare;
mod frames;
mod work;

pub use compare::{CompareOptions, agreement, compare};

use optlab_core::entries::basin::BasinLab;
use optlab_core::entries::sweep::SweepLab;
use optlab_core::grid as sweep;
use optlab_core::optim::OptimizerConfig;
use optlab_core::run::{self, Discard, RunConfig};
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;

/// Steps per optimizer run; `quick` divides every size by ten.
const OPTIMIZER_STEPS: u64 = 2_000_000;

/// Prints the report to `out`.
///
/// # Errors
/// Writing to `out` failed.
pub fn report(out: &mut impl Write, quick: bool) -> io::Result<()> {
    let scale = if quick { 10 } else { 1 };
    writeln!(out, "# optlab bench ({} cores, release build expected)", cores())?;
    optimizers(out, OPTIMIZER_STEPS / scale)?;
    sweeps(out, quick)?;
    family_sweeps(out, quick)?;
    frames::frames(out, quick)?;
    out.flush()
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// The median of `repeats` timings of `work`, in seconds.
fn median_seconds(repeats: usize, mut work: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..repeats.max(1))
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The medians of `repeats` timings of `work` on one thread: wall-clock seconds and the
/// thread's on-CPU seconds (NaN where the platform has no thread clock).
fn median_wall_and_cpu_seconds(repeats: usize, mut work: impl FnMut()) -> (f64, f64) {
    let mut cpu_times = Vec::new();
    let wall = median_seconds(repeats, || {
        let cpu_begin = cpu_time::ThreadTime::try_now().ok();
        work();
        let cpu = cpu_begin.and_then(|t| t.try_elapsed().ok());
        cpu_times.push(cpu.map_or(f64::NAN, |c| c.as_secs_f64()));
    });
    cpu_times.sort_by(f64::total_cmp);
    (wall, cpu_times[cpu_times.len() / 2])
}

fn optimizers(out: &mut impl Write, steps: u64) -> io::Result<()> {
    for mut optimizer in OptimizerConfig::catalogue() {
        if optimizer.lbfgs_settings().is_some() {
            lbfgs(out, &optimizer, steps)?;
            continue;
        }
        // A learning rate every rule survives on Rosenbrock from (−1.2, 1), so every run takes
        // all its steps (the SGD family's defaults diverge there at once).
        optimizer.set_lr(optimizer.lr().min(1e-4));
        let config = RunConfig {
            surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
            start: [-1.2, 1.0],
            optimizer: optimizer.clone(),
            schedule: Schedule::Constant,
            steps,
            noise_sigma: 0.0,
            seed: 0,
        };
        let mut taken = 0;
        let (seconds, cpu_seconds) = median_wall_and_cpu_seconds(3, || {
            let summary = run::execute(&config, &mut Discard);
            taken = summary.last.map_or(0, |r| r.step);
        });
        let name = optimizer.name();
        // On a shared machine the wall figure counts time the OS gave this core to other
        // processes; the on-CPU figure is the run's own speed.
        writeln!(
            out,
            "steps_per_s optimizer={name:?} surface=\"Rosenbrock\" value={:.1}M steps={taken} on_cpu={:.1}M",
            taken as f64 / seconds / 1e6,
            taken as f64 / cpu_seconds / 1e6,
        )?;
    }
    Ok(())
}

/// L-BFGS (its catalogue form: lr 1, strong Wolfe): whole 40-step runs on Rosenbrock from
/// (−1.2, 1), where it reaches the minimum, repeated to fill about `steps / 1000` runs; one
/// step is one `optimizer.step(closure)`. Also the loss-and-gradient evaluations per step,
/// counted by stepping the same run through a counting closure.
fn lbfgs(out: &mut impl Write, optimizer: &OptimizerConfig, steps: u64) -> io::Result<()> {
    const STEPS_PER_RUN: u64 = 40;
    let surface = Surface::Rosenbrock { a: 1.0, b: 100.0 };
    let config = RunConfig {
        surface: surface.clone(),
        start: [-1.2, 1.0],
        optimizer: optimizer.clone(),
        schedule: Schedule::Constant,
        steps: STEPS_PER_RUN,
        noise_sigma: 0.0,
        seed: 0,
    };
    let runs = (steps / 1000).max(1);
    let mut taken = 0;
    let seconds = median_seconds(3, || {
        for _ in 0..runs {
            let summary = run::execute(&config, &mut Discard);
            taken = summary.last.map_or(0, |r| r.step);
        }
    });
    let mut evaluations = 0_u64;
    let mut rule = optimizer.build(2);
    let mut position = [-1.2, 1.0];
    for _ in 0..taken {
        rule.step_with_objective(&mut position, optimizer.lr(), &mut |point, gradient| {
            evaluations += 1;
            let (loss, exact) = surface.value_and_gradient([point[0], point[1]]);
            gradient.copy_from_slice(&exact);
            loss
        });
    }
    let name = optimizer.name();
    writeln!(
        out,
        "steps_per_s optimizer={name:?} surface=\"Rosenbrock\" value={:.3}M steps={taken} runs={runs} evals_per_step={:.2} evals_per_s={:.1}M",
        (taken * runs) as f64 / seconds / 1e6,
        evaluations as f64 / taken.max(1) as f64,
        (evaluations * runs) as f64 / seconds / 1e6,
    )
}

fn sweeps(out: &mut impl Write, quick: bool) -> io::Result<()> {
    let mut lab = SweepLab::default();
    if quick {
        lab.x.count = 32;
        lab.y.count = 32;
    }
    let configs = lab.configs().unwrap_or_default();
    let levels = lab.levels();
    let seconds = median_seconds(5, || {
        std::hint::black_box(sweep::compute_cells(&configs, &levels));
    });
    let steps = configs.len() as f64 * lab.steps as f64;
    writeln!(
        out,
        "sweep runs={} steps_each={} seconds={seconds:.4} runs_per_s={:.0} steps_per_s={:.1}M (compare: python3 ../shared/bench/sweep_numpy.py {} {} {})",
        configs.len(),
        lab.steps,
        configs.len() as f64 / seconds,
        steps / seconds / 1e6,
        lab.y.count,
        lab.x.count,
        lab.steps,
    )?;
    let mut basin = BasinLab::default();
    if quick {
        basin.resolution = 64;
    }
    let configs = basin.configs();
    let levels = basin.levels();
    let seconds = median_seconds(3, || {
        std::hint::black_box(sweep::compute_cells(&configs, &levels));
    });
    writeln!(
        out,
        "basin runs={} steps_each={} seconds={seconds:.4} runs_per_s={:.0}",
        configs.len(),
        basin.steps,
        configs.len() as f64 / seconds,
    )
}

/// One sweep per first-order optimizer: its lr over a decade each side of its default (x) ×
/// the start's x from −1.5 to 1.5 (y), on Rosenbrock from y = 1, every core; whether the SIMD
/// lane kernel takes the family or it runs run by run through the engine. Steps per second
/// count the steps taken (a diverged run stops there).
fn family_sweeps(out: &mut impl Write, quick: bool) -> io::Result<()> {
    let (side, steps) = if quick { (32, 1000) } else { (100, 1000) };
    let levels = sweep::Levels::default();
    for optimizer in OptimizerConfig::catalogue() {
        let second_order = matches!(
            optimizer,
            OptimizerConfig::Lbfgs { .. }
                | OptimizerConfig::Newton { .. }
                | OptimizerConfig::SaddleFreeNewton { .. }
        );
        if second_order {
            continue;
        }
        let configs = family_configs(&optimizer, side, steps);
        let seconds = median_seconds(3, || {
            std::hint::black_box(sweep::compute_cells(&configs, &levels));
        });
        // Steps actually taken: a diverged run stops at its divergence.
        let cells = sweep::compute_cells(&configs, &levels);
        let diverged = cells.iter().filter(|c| c.diverged_at.is_some()).count();
        let taken: u64 = cells.iter().map(|c| c.diverged_at.unwrap_or(steps)).sum();
        writeln!(
            out,
            "sweep_family optimizer={} kernel={} runs={} steps_each={steps} diverged={diverged} seconds={seconds:.4} steps_per_s={:.1}M",
            optimizer.name(),
            if sweep::lanes::applies_to_all(&configs) { "lanes" } else { "engine" },
            configs.len(),
            taken as f64 / seconds / 1e6,
        )?;
    }
    Ok(())
}

/// The `side × side` runs of [`family_sweeps`] for `optimizer`.
fn family_configs(optimizer: &OptimizerConfig, side: usize, steps: u64) -> Vec<RunConfig> {
    let base_lr = optimizer.lr();
    let fraction = |i: usize| i as f64 / (side.max(2) - 1) as f64;
    let mut configs = Vec::with_capacity(side * side);
    for row in 0..side {
        for column in 0..side {
            let mut optimizer = optimizer.clone();
            optimizer.set_lr(base_lr * 10f64.powf(2.0 * fraction(column) - 1.0));
            configs.push(RunConfig {
                surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
                start: [3.0 * fraction(row) - 1.5, 1.0],
                optimizer,
                schedule: Schedule::Constant,
                steps,
                noise_sigma: 0.0,
                seed: 0,
            });
        }
    }
    configs
}

/// A formula of about 1.2 MB, the frame benchmark's and the GUI tests' heavy surface: 64 000
/// small terms in parentheses of 50 inside parentheses of 50, so the tree stays far from the
/// depth limit. One evaluation costs milliseconds.
#[must_use]
pub fn big_formula() -> String {
    let term = |i: u32| {
        let a = 0.001 + 0.0003 * f64::from(i % 7);
        let c = f64::from((i * 37) % 200) / 100.0 - 1.0;
        let k = 0.5 + 0.1 * f64::from(i % 13);
        match i % 3 {
            0 => format!("{a:.4}*(x-{c:.2})^2"),
            1 => format!("{a:.4}*sin(y*{k:.2})"),
            _ => format!("{a:.4}*(y+{c:.2})^2"),
        }
    };
    let terms: Vec<String> = (0..64_000u32).map(term).collect();
    let groups: Vec<String> = terms.chunks(50).map(|c| format!("({})", c.join("+"))).collect();
    let blocks: Vec<String> = groups.chunks(50).map(|c| format!("({})", c.join("+"))).collect();
    blocks.join("+")
}
