#!/usr/bin/env python3
"""Compares optlab's 100 x 100 Momentum sweep with the same sweep in numpy, run by run.

Usage:
    optlab presets sweep > sweep.ron && optlab run sweep.ron --out out
    python3 crates/optlab-core/benches/sweep_compare.py out/momentum-on-rosenbrock-lr-momentum/grid.csv

Recomputes every run of ../shared/bench/sweep_numpy.py's grid (lr = logspace(-5, -2, 100) rows,
momentum = linspace(0, 0.99, 100) columns, 1000 steps from (-1.2, 1)) and prints, over the runs
both finish, the largest relative difference of the final loss and how many runs differ by more
than 1e-6. It does so twice: with numpy's own logspace, and with the learning rates optlab used
(numpy's vectorized power is not always correctly rounded: a few of its 10^x are one ulp away,
and near the edge of stability one ulp is a different run)."""
import csv
import sys

import numpy as np

rows, cols, steps = 100, 100, 1000


def final_losses(lr, mu):
    x = np.full(rows * cols, -1.2)
    y = np.full(rows * cols, 1.0)
    bx = np.zeros_like(x)
    by = np.zeros_like(y)
    with np.errstate(all="ignore"):
        for t in range(steps):
            r = y - x * x
            gx = -2 * (1 - x) - 400 * x * r
            gy = 200 * r
            if t == 0:
                bx, by = gx, gy
            else:
                bx = mu * bx + gx
                by = mu * by + gy
            x = x - lr * bx
            y = y - lr * by
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def compare(label, theirs, ours):
    both = np.isfinite(theirs) & np.isfinite(ours)
    scale = np.maximum(np.abs(theirs), np.abs(ours))
    rel = np.where(both & (scale > 0), np.abs(theirs - ours) / np.where(scale > 0, scale, 1), 0.0)
    print(f"{label}: runs both finish {both.sum()}, max relative difference {rel.max():.3g}, "
          f"over 1e-6: {(rel > 1e-6).sum()}, finished by one side only: "
          f"{(np.isfinite(theirs) != np.isfinite(ours)).sum()}")


# grid.csv lists the cells row by row (lr outer, momentum inner), as numpy's arrays are laid out.
with open(sys.argv[1]) as f:
    grid = list(csv.DictReader(f))
assert len(grid) == rows * cols, f"{len(grid)} cells in {sys.argv[1]}"
ours = np.array([float(row["final_loss"]) for row in grid])
optlab_lr = np.array([float(row["y"]) for row in grid])
lr = np.repeat(np.logspace(-5, -2, rows), cols)
mu = np.tile(np.linspace(0.0, 0.99, cols), rows)
assert np.allclose(optlab_lr, lr, rtol=1e-12, atol=0)
assert np.array_equal(np.array([float(row["x"]) for row in grid]), mu)
print(f"learning rates one ulp apart: {(optlab_lr != lr).sum()} of {rows * cols} runs")
compare("numpy's logspace", final_losses(lr, mu), ours)
compare("optlab's learning rates", final_losses(optlab_lr, mu), ours)
