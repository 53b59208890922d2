#!/usr/bin/env python3
"""Opt-in check of `optlab torch`: its scripts, run by PyTorch, against `optlab trace`.

For every case (every optimizer on a few surfaces, every schedule with Sgd and with Momentum,
gradient noise) it prints `optlab torch ...`, runs the script with python3 (torch, lion-pytorch,
schedulefree installed), runs `optlab trace ...` with the same arguments and compares the rows:
positions to 1e-10*max(1, |x|), the lr column to 1e-12 relative. It prints one line per case
with the worst differences and exits 1 if a case PyTorch should match exactly does not.

    cargo build && python3 benches/torch_diff.py [--optlab target/debug/optlab] [--jobs 2] [FILTER]

Muon differs by design (PyTorch runs Newton-Schulz in bfloat16); its lines are marked and do not
fail the check.
"""

import argparse
import concurrent.futures
import subprocess
import sys

SURFACES = {
    "quad": ("Quadratic(h: ((3.0, 0.5), (0.5, 1.0)), c: (1.0, -2.0))", "2.0,-1.5"),
    "rosen": ("Rosenbrock(a: 1.0, b: 10.0)", "-1.0,1.5"),
    "beale": ("Beale", "1.0,1.0"),
    "formula": ('Expression("(1 - x)^2 + 10*(y - x^2)^2 + 0.1*sin(3*x)*exp(-y^2/4) + abs(x*y)^1.5")', "-0.8,1.2"),
}

OPTIMIZERS = [
    "Sgd(lr: 0.01)",
    "Sgd(lr: 0.01, weight_decay: 0.1)",
    "Momentum(lr: 0.01, momentum: 0.9)",
    "Momentum(lr: 0.01, momentum: 0.9, dampening: 0.3, weight_decay: 0.01)",
    "Nesterov(lr: 0.01, momentum: 0.9)",
    "NesterovLookahead(lr: 0.01, momentum: 0.9)",
    "Adagrad(lr: 0.5)",
    "Adagrad(lr: 0.5, lr_decay: 0.01, initial_accumulator: 0.1, weight_decay: 0.01)",
    "RmsProp(lr: 0.01)",
    "RmsProp(lr: 0.01, centered: true, momentum: 0.5, weight_decay: 0.01)",
    "Adam(lr: 0.05)",
    "Adam(lr: 0.05, amsgrad: true, weight_decay: 0.01)",
    "AdamW(lr: 0.05)",
    "Adamax(lr: 0.05)",
    "NAdam(lr: 0.05)",
    "NAdam(lr: 0.05, weight_decay: 0.1, decoupled_weight_decay: true)",
    "RAdam(lr: 0.05)",
    "RAdam(lr: 0.05, weight_decay: 0.1, decoupled_weight_decay: true)",
    "Lion(lr: 0.01, weight_decay: 0.1)",
    "ScheduleFreeAdamW(lr: 0.05, warmup_steps: 5)",
    "ScheduleFreeSgd(lr: 0.01, warmup_steps: 5)",
    "Adadelta(lr: 1.0)",
    "Asgd(lr: 0.01, t0: 10.0)",
    "Rprop(lr: 0.01)",
    "Adafactor(lr: 0.05)",
    "Muon(lr: 0.02)",
    "Lbfgs(lr: 1.0, max_iter: 4)",
    "Lbfgs(lr: 1.0, max_iter: 4, strong_wolfe: true)",
]

SCHEDULES = [
    "Exponential(k: 0.05)",
    "InverseTime(k: 0.1)",
    "Step(every: 7, factor: 0.5)",
    "MultiStep(milestones: [5, 12, 30], factor: 0.3)",
    "Cosine(period: 20, min_lr: 0.001)",
    "Warmup(steps: 8, start_factor: 0.25, then: Cosine(period: 30, min_lr: 0.0))",
    "ConstantFactor(factor: 0.5, total_iters: 10)",
    "Linear(start_factor: 0.2, end_factor: 1.0, total_iters: 15)",
    "Polynomial(total_iters: 30, power: 2.0)",
    "CosineWarmRestarts(t0: 7, t_mult: 2, eta_min: 0.001)",
    "Cyclic(base_lr: 0.001, max_lr: 0.02, step_size_up: 5, mode: Triangular2, cycle_momentum: false)",
    "Cyclic(base_lr: 0.001, max_lr: 0.02, step_size_up: 5, step_size_down: Some(3), mode: ExpRange, gamma: 0.97)",
    "OneCycle(max_lr: 0.02, total_steps: 60)",
    "OneCycle(max_lr: 0.02, total_steps: 60, anneal: Linear, three_phase: true, cycle_momentum: false)",
    'Lambda("1 / (1 + 0.1*t)")',
    'Multiplicative("0.95")',
    "Sequential(schedules: [Linear(start_factor: 0.1, total_iters: 5), Cosine(period: 40)], milestones: [5])",
    "Chained([Exponential(k: 0.02), ConstantFactor(factor: 0.5, total_iters: 10)])",
    "ReduceOnPlateau(factor: 0.5, patience: 3, threshold: 0.01)",
]

STEPS = 60


def cases():
    for optimizer in OPTIMIZERS:
        for name, (surface, start) in SURFACES.items():
            yield (f"{optimizer} on {name}", surface, optimizer, None, start, [])
    for schedule in SCHEDULES:
        for optimizer in ("Sgd(lr: 0.01)", "Momentum(lr: 0.01, momentum: 0.9)"):
            surface, start = SURFACES["quad"]
            yield (f"{optimizer} + {schedule}", surface, optimizer, schedule, start, [])
    for optimizer in ("Sgd(lr: 0.01)", "Adam(lr: 0.05)", "NesterovLookahead(lr: 0.01, momentum: 0.9)"):
        surface, start = SURFACES["rosen"]
        yield (f"{optimizer} on rosen, noise 0.5", surface, optimizer, None, start, ["--noise", "0.5", "--seed", "7"])


def arguments(surface, optimizer, schedule, start, extra):
    args = ["--surface", surface, "--optimizer", optimizer, f"--start={start}", "--steps", str(STEPS)]
    if schedule:
        args += ["--schedule", schedule]
    return args + extra


def parse(csv):
    lines = csv.strip().splitlines()
    return [list(map(float, line.split(",")[1:])) for line in lines[1:]]


def run_case(optlab, case):
    label, surface, optimizer, schedule, start, extra = case
    args = arguments(surface, optimizer, schedule, start, extra)
    script = subprocess.run([optlab, "torch", *args], capture_output=True, text=True)
    if script.returncode != 0:
        return label, None, f"optlab torch refused: {script.stderr.strip()}"
    torch_run = subprocess.run([sys.executable, "-W", "ignore", "-c", script.stdout], capture_output=True, text=True)
    if torch_run.returncode != 0:
        return label, None, f"python failed: {torch_run.stderr.strip().splitlines()[-1]}"
    trace = subprocess.run([optlab, "trace", *args], capture_output=True, text=True)
    ours, theirs = parse(trace.stdout), parse(torch_run.stdout)
    worst_x = worst_lr = 0.0
    worst_step = (0, 0)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        dx = max(abs(a[i] - b[i]) / max(1.0, abs(a[i])) for i in (0, 1))
        dlr = abs(a[3] - b[3]) / max(abs(a[3]), 1e-300)
        if dx > worst_x:
            worst_x, worst_step = dx, (step, worst_step[1])
        if dlr > worst_lr:
            worst_lr, worst_step = dlr, (worst_step[0], step)
    rows = "" if len(ours) == len(theirs) else f" rows optlab {len(ours)} torch {len(theirs)}"
    return label, (worst_x, worst_lr, worst_step, len(ours), len(theirs)), rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--optlab", default="target/debug/optlab")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("filter", nargs="?", default="")
    options = parser.parse_args()
    chosen = [c for c in cases() if options.filter in c[0]]
    failed = 0
    print(f"{'case':<110} {'worst x,y':>10} {'worst lr':>10}  rows")
    with concurrent.futures.ThreadPoolExecutor(options.jobs) as pool:
        for label, result, note in pool.map(lambda c: run_case(options.optlab, c), chosen):
            if result is None:
                # optlab refuses a momentum cycle on an optimizer without momentum (issue 17).
                failed += "has no momentum" not in note
                print(f"{label:<110} {'-':>10} {'-':>10}  {note}")
                continue
            worst_x, worst_lr, (sx, slr), n_ours, n_theirs = result
            bfloat16 = label.startswith("Muon")
            ok = (worst_x <= 1e-10 and worst_lr <= 1e-12 and n_ours == n_theirs) or bfloat16
            failed += not ok
            mark = "" if ok and not bfloat16 else ("  (bfloat16 by design)" if bfloat16 else "  FAIL")
            print(f"{label:<110} {worst_x:>10.1e} {worst_lr:>10.1e}  {n_ours}{note}"
                  f"{mark}{f' (x at step {sx}, lr at step {slr})' if not ok else ''}")
    print(f"{len(chosen)} cases, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
