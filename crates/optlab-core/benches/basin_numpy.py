#!/usr/bin/env python3
"""The basin-map benchmark written as vectorized numpy, for a side-by-side figure with
`cargo bench --bench sweep` (basin_256x256_momentum_himmelblau) and `optlab bench`.

The same work as optlab's basin map: Momentum (lr 0.002, mu 0.9, torch form) on Himmelblau from
SIDE x SIDE start points at cell centres of [-5, 5]^2, STEPS updates; every step the loss and
gradient, the divergence check, and for each of the four minima the step from which the loss
stayed within 1e-3 of it; at the end each start is classified by its nearest minimum.
Usage: basin_numpy.py SIDE STEPS"""
import sys
import time

import numpy as np

side, steps = (int(a) for a in sys.argv[1:3])
minima = np.array([[3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]])
levels = np.full(4, 1e-3)  # every Himmelblau minimum has value 0
t0 = time.perf_counter()
centres = -5.0 + 10.0 * (np.arange(side) + 0.5) / side
x = np.tile(centres, side)
y = np.repeat(centres, side)
bx = np.zeros_like(x)
by = np.zeros_like(y)
alive = np.ones(x.shape, dtype=bool)
settled = np.full((4, x.size), -1)
lr, mu = 0.002, 0.9
with np.errstate(all="ignore"):
    for t in range(steps + 1):
        u = x * x + y - 11.0
        v = x + y * y - 7.0
        loss = u * u + v * v
        gx = 4.0 * x * u + 2.0 * v
        gy = 2.0 * u + 4.0 * y * v
        alive &= np.isfinite(loss) & np.isfinite(gx) & np.isfinite(gy)
        below = loss[None, :] <= levels[:, None]
        settled = np.where(below, np.where(settled < 0, t, settled), -1)
        if t == steps:
            break
        if t == 0:
            bx, by = gx.copy(), gy.copy()
        else:
            bx = np.where(alive, mu * bx + gx, bx)
            by = np.where(alive, mu * by + gy, by)
        x = np.where(alive, x - lr * bx, x)
        y = np.where(alive, y - lr * by, y)
    d = (x[None, :] - minima[:, 0:1]) ** 2 + (y[None, :] - minima[:, 1:2]) ** 2
    nearest = np.argmin(d, axis=0)
    ends = np.where(settled[nearest, np.arange(x.size)] >= 0, nearest, -1)
dt = time.perf_counter() - t0
shares = [float(np.mean(ends == k)) for k in range(4)]
print(f"basin numpy: {side}x{side} starts x {steps} steps in {dt:.3f} s "
      f"({side * side * steps / dt / 1e6:.1f} M steps/s) shares="
      + ",".join(f"{s:.4f}" for s in shares))
