#!/usr/bin/env python3
"""Times one full-batch iteration of the course's spiral net in optlab and in numpy, alternating.

Usage (from the repository root):
    python3 crates/optlab-core/benches/train_compare.py [PAIRS]

Runs `cargo bench --bench train` (divan's median over 100 samples) and then
../shared/bench/spiral_numpy.py (the course's own code, mean over 2000 iterations), PAIRS times
(default 7), and prints each pair's figures and ratio, then the median, lowest and highest ratio.
On a shared virtual machine both sides slow down and speed up by 1.5x from minute to minute;
pairs run back to back see the same conditions, so the ratio of a pair is the figure to read."""
import re
import statistics
import subprocess
import sys

pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
UNITS = {"ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}


def optlab_us():
    out = subprocess.run(
        ["cargo", "bench", "--locked", "--bench", "train"],
        check=True, capture_output=True, text=True,
    ).stdout
    line = next(l for l in out.splitlines() if "spiral_full_batch_iteration" in l)
    # fastest │ slowest │ median │ mean │ samples │ iterations
    cells = [c.strip() for c in line.split("│")]
    value, unit = re.match(r"([\d.]+)\s*(\S+)", cells[2]).groups()
    return float(value) * UNITS[unit]


def numpy_us():
    out = subprocess.run(
        [sys.executable, "../shared/bench/spiral_numpy.py", "2000"],
        check=True, capture_output=True, text=True,
    ).stdout
    return float(re.search(r"([\d.]+) us/iter", out).group(1))


ratios = []
for pair in range(1, pairs + 1):
    ours, theirs = optlab_us(), numpy_us()
    ratios.append(theirs / ours)
    print(f"pair {pair}: optlab {ours:.1f} us, numpy {theirs:.1f} us, ratio {theirs / ours:.1f}x")
print(f"ratio over {pairs} pairs: median {statistics.median(ratios):.1f}x, "
      f"lowest {min(ratios):.1f}x, highest {max(ratios):.1f}x")
