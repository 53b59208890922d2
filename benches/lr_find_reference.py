#!/usr/bin/env python3
"""Reference numbers for optlab's LR range test (opt-in; needs numpy only).

Prints fastai's LR-finder results for a few synthetic loss curves; the numbers are embedded in
`crates/optlab-core/tests/core/lr_range.rs`. Run: `python3 benches/lr_find_reference.py`.

Source: fastai, `fastai/callback/schedule.py` (`LRFinder`, `Learner.lr_find`, `valley`, `slide`,
`minimum`, `steep`) and `fastai/learner.py` (`Recorder`, `AvgSmoothLoss`), master at commit
0a049e8a90b86d70860f68072698245a1ee787ca (https://github.com/fastai/fastai, Apache-2.0).
The four suggestion functions below are transcribed from that file line by line, with torch
tensors replaced by numpy arrays (float64 where fastai has float32); their control flow and index
arithmetic (Python's negative indices included) are kept as written there.
"""

import math

import numpy as np

BETA = 0.98


def torch_lerp(start, end, weight):
    """torch.lerp on the CPU (aten's lerp kernel)."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def lr_find(loss_at, start_lr=1e-7, end_lr=10, num_it=100, stop_div=True):
    """LRFinder + Recorder + AvgSmoothLoss, then lr_find's trimming and NaN cut."""
    n_it = max(num_it, 6)
    lrs, raw, smooth = [], [], []
    val, count, best = 0.0, 0, float("inf")
    train_iter = 0
    while True:
        lr = start_lr * (end_lr / start_lr) ** (train_iter / n_it)  # SchedExp
        loss = loss_at(lr)
        count += 1
        val = torch_lerp(loss, val, BETA)
        smooth_loss = val / (1 - BETA**count)
        train_iter += 1
        lrs.append(lr)
        raw.append(loss)
        smooth.append(smooth_loss)
        if smooth_loss < best:
            best = smooth_loss
        if smooth_loss > 4 * best and stop_div:
            break
        if train_iter >= n_it:
            break
    l = np.array(lrs[num_it // 10 : -5])
    s = np.array(smooth[num_it // 10 : -5])
    nan = np.nonzero(np.isnan(s))[0]
    if len(nan) > 0:
        l, s = l[: nan.min()], s[: nan.min()]
    return lrs, raw, smooth, l, s


def valley(lrs, losses, num_it):
    "Suggests a learning rate from the longest valley and returns its index"
    n = len(losses)
    max_start, max_end = 0, 0

    # find the longest valley
    lds = [1] * n
    for i in range(1, n):
        for j in range(0, i):
            if (losses[i] < losses[j]) and (lds[i] < lds[j] + 1):
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]

    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)

    return float(lrs[idx]), (float(lrs[idx]), losses[idx])


def slide(lrs, losses, num_it, lr_diff=15, thresh=0.005, adjust_value=1.0):
    "Suggests a learning rate following an interval slide rule and returns its index"
    losses = np.asarray(losses)
    loss_grad = np.gradient(losses)

    r_idx = -1
    l_idx = r_idx - lr_diff
    local_min_lr = lrs[l_idx]
    while (l_idx >= -len(losses)) and (abs(loss_grad[r_idx] - loss_grad[l_idx]) > thresh):
        local_min_lr = lrs[l_idx]
        r_idx -= 1
        l_idx -= 1

    suggestion = float(local_min_lr) * adjust_value
    idx = np.interp(np.log10(suggestion), np.log10(lrs), losses)
    return suggestion, (suggestion, idx)


def minimum(lrs, losses, num_it):
    "Suggests a learning rate one-tenth the minumum before divergance and returns its index"
    lr_min = lrs[losses.argmin()].item()
    loss_idx = losses[min(range(len(lrs)), key=lambda i: abs(lrs[i] - lr_min))]
    return lr_min / 10, (lr_min, loss_idx)


def steep(lrs, losses, num_it):
    "Suggests a learning rate when the slope is the steepest and returns its index"
    grads = (losses[1:] - losses[:-1]) / (np.log(lrs[1:]) - np.log(lrs[:-1]))
    lr_steep = lrs[grads.argmin()].item()
    loss_idx = losses[min(range(len(lrs)), key=lambda i: abs(lrs[i] - lr_steep))]
    return lr_steep, (lr_steep, loss_idx)


# The synthetic curves (the Rust test defines the same functions of lr).
def classic(lr):
    x = math.log10(lr)
    return 1.0 - 0.8 * math.tanh(x + 3.0) + 0.002 * math.exp(3.0 * (x + 1.0))


def diverging(lr):
    x = math.log10(lr)
    return 0.5 - 0.3 * math.tanh(x + 4.0) + 0.01 * math.exp(4.0 * (x + 2.0)) + 0.03 * math.sin(40.0 * x)


def nan_above(lr):
    return float("nan") if lr > 0.1 else classic(lr)


CASES = [
    ("classic", classic, dict(num_it=100, stop_div=True)),
    ("diverging", diverging, dict(num_it=100, stop_div=True)),
    ("long", diverging, dict(start_lr=1e-6, end_lr=1.0, num_it=300, stop_div=False)),
    ("nan", nan_above, dict(num_it=100, stop_div=False)),
    ("short", classic, dict(num_it=20, stop_div=True)),
]


def attempt(func, l, s, num_it):
    try:
        lr, (x, y) = func(l, s, num_it)
        return "%r (%r, %r)" % (lr, float(x), float(y))
    except (IndexError, ValueError) as e:
        return "raises %s: %s" % (type(e).__name__, e)


def main():
    for name, f, kw in CASES:
        lrs, raw, smooth, l, s = lr_find(f, **kw)
        num_it = kw["num_it"]
        print("%s: recorded %d, window %d, first smoothed %r, last smoothed %r" % (name, len(lrs), len(l), smooth[0], smooth[-1]))
        for func in (valley, slide, minimum, steep):
            print("  %s: %s" % (func.__name__, attempt(func, l, s, num_it)))
    # valley's negative index: max_start = -1 wraps to the last point.
    l, s = np.array([1.0, 2.0, 3.0, 4.0]), np.array([5.0, 4.0, 6.0, 7.0])
    print("quirk valley:", attempt(valley, l, s, 4))


if __name__ == "__main__":
    main()
