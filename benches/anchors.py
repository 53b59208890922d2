#!/usr/bin/env python3
"""The Python anchors of `optlab bench --compare`: the same work as optlab's, written the way a
numpy or JAX user would (float64 everywhere; JAX with jit and lax.fori_loop), after the scripts
of the course's benchmark folder (sweep_numpy.py, sweep_jax.py, sweep_adam_jax.py,
spiral_numpy.py, spiral_jax.py, sharpness_jax.py).

`optlab bench --compare` runs this file (embedded in the binary) once per measurement, in turn
with its own figure, so both sides see the same machine. It can also be run by hand:

    python3 benches/anchors.py WORK BACKEND [--grid FILE] [--losses FILE] [--reps N] [--quick]
                               [--torch-order]

WORK is momentum_sweep, adam_sweep, spiral_step or sharpness; BACKEND is numpy or jax. A sweep
reads its runs from --grid (JSON: "lr" and "param" per run, "steps"; optlab writes it, so both
sides sweep the very same values) or builds the default 100 x 100 grid. The last line printed is
`seconds=S` (JAX: the median of the steady-state repeats, its compile excluded; numpy: the median
of the repeats); --losses writes every run's final loss, one per line, for a run-by-run check.
"""
import argparse
import json
import sys
import time

import numpy as np


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def timed(work, reps):
    """Median seconds of `reps` calls of `work` after one warm-up call (JAX compiles in it);
    with no repeats, the seconds of that one call."""
    start = time.perf_counter()
    result = work()
    times = [time.perf_counter() - start] if reps < 1 else []
    for _ in range(reps):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return median(times), result


def default_grid(work, quick):
    side, steps = (32, 100) if quick else (100, 1000)
    if work == "momentum_sweep":
        lr, param = np.logspace(-5, -2, side), np.linspace(0.0, 0.99, side)
    else:
        lr, param = np.logspace(-4, -1, side), np.linspace(0.0, 0.99, side)
    return np.repeat(lr, side), np.tile(param, side), steps


def rosenbrock_gradient(x, y):
    r = y - x * x
    return -2 * (1 - x) - 400 * x * r, 200 * r


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


# --- Momentum sweep: torch's SGD with momentum (dampening 0), from (-1.2, 1) -------------------

def momentum_numpy(lr, mu, steps):
    x, y = np.full(lr.shape, -1.2), np.full(lr.shape, 1.0)
    with np.errstate(all="ignore"):
        gx, gy = rosenbrock_gradient(x, y)
        bx, by = gx, gy
        x, y = x - lr * bx, y - lr * by
        for _ in range(1, steps):
            gx, gy = rosenbrock_gradient(x, y)
            bx, by = mu * bx + gx, mu * by + gy
            x, y = x - lr * bx, y - lr * by
        return rosenbrock(x, y)


def momentum_jax(steps):
    import jax.numpy as jnp
    from jax import lax

    def sweep(lr, mu):
        x, y = jnp.full(lr.shape, -1.2), jnp.full(lr.shape, 1.0)
        gx, gy = rosenbrock_gradient(x, y)
        bx, by = gx, gy
        x, y = x - lr * bx, y - lr * by

        def body(_, s):
            x, y, bx, by = s
            gx, gy = rosenbrock_gradient(x, y)
            bx, by = mu * bx + gx, mu * by + gy
            return x - lr * bx, y - lr * by, bx, by

        x, y, _, _ = lax.fori_loop(1, steps, body, (x, y, bx, by))
        return rosenbrock(x, y)

    return sweep


# --- Adam sweep: bias-corrected Adam, beta2 0.999, eps 1e-8, from (-1.2, 1) --------------------

B2, EPS = 0.999, 1e-8


def adam_numpy(lr, b1, steps):
    x, y = np.full(lr.shape, -1.2), np.full(lr.shape, 1.0)
    mx, my, vx, vy = (np.zeros_like(x) for _ in range(4))
    with np.errstate(all="ignore"):
        for t in range(steps):
            gx, gy = rosenbrock_gradient(x, y)
            mx, my = b1 * mx + (1 - b1) * gx, b1 * my + (1 - b1) * gy
            vx, vy = B2 * vx + (1 - B2) * gx * gx, B2 * vy + (1 - B2) * gy * gy
            k = t + 1.0
            c1, c2 = 1 - b1 ** k, np.sqrt(1 - B2 ** k)
            step = lr / c1
            x = x - step * mx / (np.sqrt(vx) / c2 + EPS)
            y = y - step * my / (np.sqrt(vy) / c2 + EPS)
        return rosenbrock(x, y)


def adam_numpy_torch_order(lr, b1, steps):
    """The same sweep with PyTorch's operations in PyTorch's order (as optlab computes them):
    running powers, lr·sqrt(bc2)/bc1 and eps·sqrt(bc2), m + (1 - b1)(g - m). Rounding differs
    from adam_numpy's order in the last bit, which runs near the edge of stability amplify; this
    form is for the run-by-run check, not for timing."""
    x, y = np.full(lr.shape, -1.2), np.full(lr.shape, 1.0)
    mx, my, vx, vy = (np.zeros_like(x) for _ in range(4))
    p1, p2 = np.ones_like(x), np.ones_like(x)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            gx, gy = rosenbrock_gradient(x, y)
            p1, p2 = p1 * b1, p2 * B2
            bc1, root_bc2 = 1 - p1, np.sqrt(1 - p2)
            step, eps = lr * root_bc2 / bc1, EPS * root_bc2
            mx, my = mx + (1 - b1) * (gx - mx), my + (1 - b1) * (gy - my)
            vx, vy = B2 * vx + (1 - B2) * gx * gx, B2 * vy + (1 - B2) * gy * gy
            x = x - step * mx / (np.sqrt(vx) + eps)
            y = y - step * my / (np.sqrt(vy) + eps)
        return rosenbrock(x, y)


def adam_jax(steps):
    import jax.numpy as jnp
    from jax import lax

    def sweep(lr, b1):
        z = jnp.zeros(lr.shape)

        def body(t, s):
            x, y, mx, my, vx, vy = s
            gx, gy = rosenbrock_gradient(x, y)
            mx, my = b1 * mx + (1 - b1) * gx, b1 * my + (1 - b1) * gy
            vx, vy = B2 * vx + (1 - B2) * gx * gx, B2 * vy + (1 - B2) * gy * gy
            k = t + 1.0
            c1, c2 = 1 - b1 ** k, jnp.sqrt(1 - B2 ** k)
            step = lr / c1
            x = x - step * mx / (jnp.sqrt(vx) / c2 + EPS)
            y = y - step * my / (jnp.sqrt(vy) / c2 + EPS)
            return x, y, mx, my, vx, vy

        x, y, *_ = lax.fori_loop(0, steps, body, (z - 1.2, z + 1.0, z, z, z, z))
        return rosenbrock(x, y)

    return sweep


def sweep(work, backend, args):
    if args.grid:
        with open(args.grid, encoding="utf-8") as file:
            grid = json.load(file)
        lr, param, steps = np.asarray(grid["lr"]), np.asarray(grid["param"]), int(grid["steps"])
    else:
        lr, param, steps = default_grid(work, args.quick)
    if backend == "numpy":
        rule = momentum_numpy if work == "momentum_sweep" else adam_numpy
        if args.torch_order and work == "adam_sweep":
            rule = adam_numpy_torch_order
        seconds, losses = timed(lambda: rule(lr, param, steps), args.reps)
    else:
        import jax
        import jax.numpy as jnp

        build = momentum_jax if work == "momentum_sweep" else adam_jax
        compiled = jax.jit(build(steps))
        lr_j, param_j = jnp.asarray(lr), jnp.asarray(param)
        seconds, losses = timed(lambda: compiled(lr_j, param_j).block_until_ready(), args.reps)
    if args.losses:
        np.savetxt(args.losses, np.asarray(losses), fmt="%.17g")
    return seconds


# --- Spiral step: the course's 2 -> 100 -> 3 relu net, full batch, one SGD step -----------------

def spiral_data():
    np.random.seed(0)
    n, d, k = 100, 2, 3
    x, y = np.zeros((n * k, d)), np.zeros(n * k, dtype="int32")
    for j in range(k):
        rows = range(n * j, n * (j + 1))
        radius = np.linspace(0.0, 1, n)
        angle = np.linspace(j * 4, (j + 1) * 4, n) + np.random.randn(n) * 0.2
        x[rows] = np.c_[radius * np.sin(angle), radius * np.cos(angle)]
        y[rows] = j
    return x, y


def spiral_step(backend, args):
    x, y = spiral_data()
    h, step_size, reg = 100, 1.0, 1e-3
    w = 0.01 * np.random.randn(2, h)
    w2 = 0.01 * np.random.randn(h, 3)
    params = [w, np.zeros((1, h)), w2, np.zeros((1, 3))]
    iterations = 100 if args.quick else 1000
    if backend == "numpy":
        def numpy_step(p):
            w, b, w2, b2 = p
            hidden = np.maximum(0, x @ w + b)
            scores = hidden @ w2 + b2
            exp = np.exp(scores - scores.max(axis=1, keepdims=True))
            probs = exp / exp.sum(axis=1, keepdims=True)
            dscores = probs
            dscores[range(len(y)), y] -= 1
            dscores /= len(y)
            dw2 = hidden.T @ dscores + reg * w2
            db2 = dscores.sum(axis=0, keepdims=True)
            dhidden = dscores @ w2.T
            dhidden[hidden <= 0] = 0
            dw = x.T @ dhidden + reg * w
            db = dhidden.sum(axis=0, keepdims=True)
            return [w - step_size * dw, b - step_size * db, w2 - step_size * dw2, b2 - step_size * db2]

        def run():
            p = params
            for _ in range(iterations):
                p = numpy_step(p)
            return p
    else:
        import jax
        import jax.numpy as jnp

        xj, yj = jnp.asarray(x), jnp.asarray(y)

        def loss_fn(p):
            w, b, w2, b2 = p
            hidden = jnp.maximum(0, xj @ w + b)
            logp = jax.nn.log_softmax(hidden @ w2 + b2, axis=1)
            data = -jnp.mean(logp[jnp.arange(xj.shape[0]), yj])
            return data + 0.5 * reg * (jnp.sum(w * w) + jnp.sum(w2 * w2))

        @jax.jit
        def jax_step(p):
            grads = jax.grad(loss_fn)(p)
            return [a - step_size * g for a, g in zip(p, grads)]

        start = [jnp.asarray(a) for a in params]

        def run():
            p = start
            for _ in range(iterations):
                p = jax_step(p)
            return jax.block_until_ready(p)
    seconds, _ = timed(run, max(1, args.reps // 2))
    return seconds / iterations


# --- Sharpness: lambda_max by 20 power iterations of Hessian-vector products (JAX only) ---------

def sharpness(backend, args):
    if backend != "jax":
        raise SystemExit("sharpness has no numpy anchor (numpy has no automatic differentiation)")
    import jax
    import jax.numpy as jnp

    x, y = spiral_data()
    xj, yj = jnp.asarray(x), jnp.asarray(np.eye(3)[y])
    sizes = [2, 64, 64, 3]
    params = [(jnp.asarray(np.random.randn(a, b) / np.sqrt(a)), jnp.zeros(b))
              for a, b in zip(sizes[:-1], sizes[1:])]

    def loss(ps):
        h = xj
        for i, (w, b) in enumerate(ps):
            h = h @ w + b
            if i < len(ps) - 1:
                h = jnp.tanh(h)
        return 0.5 * jnp.mean(jnp.sum((h - yj) ** 2, axis=1))

    leaves = jax.tree_util.tree_leaves

    @jax.jit
    def lam_max(ps, v0):
        def body(_, s):
            v, _ = s
            n = jnp.sqrt(sum(jnp.sum(a * a) for a in leaves(v)))
            v = jax.tree_util.tree_map(lambda a: a / n, v)
            hv = jax.jvp(jax.grad(loss), (ps,), (v,))[1]
            lam = sum(jnp.sum(a * b) for a, b in zip(leaves(hv), leaves(v)))
            return hv, lam
        return jax.lax.fori_loop(0, 20, body, (v0, 0.0))[1]

    v0 = jax.tree_util.tree_map(lambda a: jnp.asarray(np.random.randn(*a.shape)), params)
    seconds, _ = timed(lambda: float(lam_max(params, v0)), args.reps)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", choices=["momentum_sweep", "adam_sweep", "spiral_step", "sharpness"])
    parser.add_argument("backend", choices=["numpy", "jax"])
    parser.add_argument("--grid")
    parser.add_argument("--losses")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--torch-order", action="store_true",
                        help="adam_sweep numpy: PyTorch's operation order (for the run-by-run check)")
    args = parser.parse_args()
    if args.backend == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
    if args.work.endswith("_sweep"):
        seconds = sweep(args.work, args.backend, args)
    elif args.work == "spiral_step":
        seconds = spiral_step(args.backend, args)
    else:
        seconds = sharpness(args.backend, args)
    print(f"seconds={seconds!r}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
