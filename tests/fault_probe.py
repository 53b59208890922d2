#!/usr/bin/env python3
"""Fault probe (opt-in, not part of `cargo test`): mutate every built-in notebook and feed
hostile command lines to the `optlab` binary, and count what must never happen.

    python3 tests/fault_probe.py [path/to/optlab] [--mutants N] [--seed S]

Every case runs with a time limit. A case is a failure when the process panics (exit 101 or
"panicked" on stderr), is killed by a signal (an abort on allocation failure is SIGABRT), hangs
past the limit, accepts a notebook that `check` refused (or the reverse), or writes outside
its `--out` folder. The same seed gives the same cases on every machine (Python's Mersenne
Twister, seeded; the binary's own randomness is ChaCha, seeded from each notebook).
"""

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIME_LIMIT = 60.0

EXTREME_NUMBERS = ["1e300", "-1e300", "0", "-0.0", "-1", "1e-320", "NaN", "inf", "4294967296",
                   "18446744073709551616", "-9223372036854775809", "1e20", "0.999999999"]


def run(args, stdin=b"", cwd=None):
    """(outcome, exit code, stderr) of one optlab call: ok, refused, panic, signal or hang."""
    try:
        done = subprocess.run(args, input=stdin, capture_output=True, timeout=TIME_LIMIT, cwd=cwd)
    except subprocess.TimeoutExpired:
        return "hang", None, ""
    err = done.stderr.decode("utf-8", "replace")
    if done.returncode == 101 or "panicked" in err:
        return "panic", done.returncode, err
    if done.returncode < 0:
        return "signal", done.returncode, err
    return ("ok" if done.returncode == 0 else "refused"), done.returncode, err


def mutants(text, rng, count):
    """`count` mutated copies of a notebook: truncations, byte flips, extreme numbers, deep
    nesting, invalid UTF-8 and huge strings."""
    numbers = [m.span() for m in re.finditer(r"-?\d+(\.\d+)?(e-?\d+)?", text)]
    data = text.encode()
    for k in range(count):
        kind = k % 6
        if kind == 0:
            yield "truncated", data[: rng.randrange(len(data))]
        elif kind == 1:
            flipped = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
            yield "byte flip", bytes(flipped)
        elif kind == 2 and numbers:
            start, end = rng.choice(numbers)
            yield "extreme number", (text[:start] + rng.choice(EXTREME_NUMBERS) + text[end:]).encode()
        elif kind == 3:
            at = rng.randrange(len(text))
            depth = rng.choice([64, 1000, 100000])
            yield "deep nesting", (text[:at] + "[" * depth + text[at:]).encode()
        elif kind == 4:
            at = rng.randrange(len(data))
            yield "invalid UTF-8", data[:at] + b"\xff\xfe" + data[at:]
        else:
            name = 'name: "' + "n" * rng.choice([300, 5000, 100000]) + '"'
            yield "huge name", re.sub(r'name: "[^"]*"', name, text, count=1).encode()


def notebook_cases(binary, rng, per_preset, tally):
    presets = sorted((ROOT / "presets").glob("*.ron"))
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for preset in presets:
            text = preset.read_text()
            for n, (kind, mutant) in enumerate(mutants(text, rng, per_preset)):
                path = scratch / f"{preset.stem}-{n}.ron"
                path.write_bytes(mutant)
                checked, code, err = run([binary, "check", str(path)])
                record(tally, f"check {kind}", checked, path, err)
                if checked == "ok" and kind in ("extreme number", "byte flip"):
                    out = scratch / "out"
                    ran, _, err = run([binary, "run", str(path), "--out", str(out)], cwd=scratch)
                    record(tally, f"run {kind}", ran, path, err)
                    stray = [p for p in scratch.iterdir() if p.suffix not in (".ron",) and p.name != "out"]
                    if stray:
                        record(tally, "writes outside --out", "stray", path, str(stray))
                        for p in stray:
                            p.unlink()


CLI_CASES = [
    (["frobnicate"], b""),
    (["trace", "--surface", "Rosenbrock(a: 1e300)", "--optimizer", "Sgd(lr: 0.1)", "--steps", "10"], b""),
    (["trace", "--surface", "Beale", "--optimizer", "Sgd(lr: -1)", "--steps", "10"], b""),
    (["trace", "--surface", "Beale", "--optimizer", "Sgd(lr: 0.1)", "--steps", "1000000000000"], b""),
    (["trace", "--surface", "Beale", "--optimizer", "Adam(lr: 0.1, beta2: 1.0)", "--steps", "5"], b""),
    (["trace", "--surface", "[" * 100000, "--optimizer", "Sgd", "--steps", "5"], b""),
    (["replay", "--optimizer", "Sgd(lr: 0.1)", "--params=1,2"], b"1,2\n" + b"9" * 3_000_000 + b"\n"),
    (["replay", "--optimizer", "Sgd(lr: 0.1)", "--params=1,2"], b"1,\xff\n"),
    (["replay", "--rule", "rmsprop", "--config", "decay_rate=1", "--params=1"], b"1\n"),
    (["check", "/dev/null"], b""),
    # A missing file is an I/O failure (exit 1), not bad input: listed apart below.
    (["presets", "no-such-preset"], b""),
]


def cli_cases(binary, tally):
    for args, stdin in CLI_CASES:
        outcome, code, err = run([binary, *args], stdin=stdin)
        # Every case is bad input: it must be refused with exit 2 and a message.
        if outcome == "ok" or (outcome == "refused" and (code != 2 or not err.strip())):
            outcome = "accepted" if outcome == "ok" else f"exit {code}"
        record(tally, "cli " + args[0], outcome, " ".join(a[:40] for a in args), err)
    with tempfile.TemporaryDirectory() as scratch:
        fifo = Path(scratch) / "pipe.ron"
        os.mkfifo(fifo)
        outcome, _, err = run([binary, "check", str(fifo)])
        record(tally, "cli check fifo", outcome, str(fifo), err)
    outcome, _, err = run([binary, "check", "/dev/zero"])
    record(tally, "cli check /dev/zero", outcome, "/dev/zero", err)
    outcome, code, err = run([binary, "check", "/nonexistent/file.ron"])
    if outcome == "refused" and (code != 1 or not err.strip()):
        outcome = f"exit {code}"
    record(tally, "cli check missing file", outcome, "/nonexistent/file.ron", err)


def record(tally, kind, outcome, what, err):
    counts = tally.setdefault(kind, {})
    counts[outcome] = counts.get(outcome, 0) + 1
    if outcome not in ("ok", "refused"):
        tally.setdefault("_failures", []).append(f"{kind}: {outcome}: {what}: {err.strip()[:300]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", nargs="?", default=str(ROOT / "target" / "release" / "optlab"))
    parser.add_argument("--mutants", type=int, default=36, help="mutants per built-in notebook")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    args.binary = str(Path(args.binary).resolve())
    tally = {}
    cli_cases(args.binary, tally)
    notebook_cases(args.binary, random.Random(args.seed), args.mutants, tally)
    failures = tally.pop("_failures", [])
    total = sum(sum(c.values()) for c in tally.values())
    for kind in sorted(tally):
        print(f"{kind:28} " + ", ".join(f"{k} {v}" for k, v in sorted(tally[kind].items())))
    print(f"cases {total}, failures {len(failures)} (panics, signals, hangs, writes outside "
          "--out, bad command lines accepted or refused without exit 2 and a message)")
    for failure in failures:
        print("FAIL", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
