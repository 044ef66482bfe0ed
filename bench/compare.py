#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Two or more pysample builds (or the floor) side by side on one workload,
interleaved: round 1 runs the workload alone and under each sampler, then
round 2, ...; prints the median slowdown, samples/s and stop time of each,
with every round's slowdown, so a change can be judged on a noisy machine.

    python3 bench/compare.py [--rounds 5] [--hz 9999] [--python PATH] \\
        WORKLOAD SAMPLER...

WORKLOAD is a script in bench/workloads (split, deep, ...) or a path.
SAMPLER is `floor` (bench/floor.c) or the path of a pysample binary,
optionally followed by `:ARG,ARG` for extra arguments
(`./pysample:--nonblocking`)."""
import argparse
import os
import re
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (bench/run.py: building, running, parsing)


def run(sampler, hz, target, env, floor, out):
    """(elapsed, samples per second, median stop) of one run."""
    if sampler == "floor":
        stdout, res = bench.run_floor(floor, hz, target, env)
    else:
        binary, _, extra = sampler.partition(":")
        stats = ["--stats", out + ".stats"] if bench.supports_stats(binary) else []
        p = bench.sh([binary, "-F", str(hz)] + [a for a in extra.split(",") if a] +
                     ["-o", out] + stats + ["--"] + target, env=env)
        stdout, res = p.stdout, bench.run_results(p.stderr, out + ".stats")
    m = re.search(r"elapsed ([\d.]+)", stdout)
    if not m:
        sys.exit("%s: the workload printed no elapsed time" % sampler)
    elapsed = float(m.group(1))
    samples = res.get("samples")
    return elapsed, (samples / elapsed if samples else None), res.get("stop_med")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--hz", type=int, default=9999)
    ap.add_argument("--python", default=os.path.expanduser("~/.pyenv/versions/3.12.1/bin/python"))
    ap.add_argument("workload")
    ap.add_argument("samplers", nargs="+")
    args = ap.parse_args()
    workload = args.workload
    if not os.path.exists(workload):
        workload = os.path.join(bench.WORK, workload + ".py")
    tmp = tempfile.mkdtemp(prefix="pysample-compare-")
    floor, ext = bench.build(tmp, args.python)
    env = dict(os.environ, CEXT_DIR=ext)
    target = [args.python, workload]
    out = os.path.join(tmp, "out.perf")
    results = {s: [] for s in ["alone"] + args.samplers}
    for _ in range(args.rounds):
        for s in results:
            if s == "alone":
                stdout = bench.sh(target, env=env).stdout
                results[s].append((float(re.search(r"elapsed ([\d.]+)", stdout).group(1)), None, None))
            else:
                results[s].append(run(s, args.hz, target, env, floor, out))
    alone = statistics.median(r[0] for r in results["alone"])
    for s, rs in results.items():
        def med(i):
            vals = [r[i] for r in rs if r[i] is not None]
            return statistics.median(vals) if vals else float("nan")
        print("%-40s slowdown %.2fx  samples/s %7.0f  stop %5.1f us  rounds: %s" %
              (s, med(0) / alone, med(1), med(2), " ".join("%.2f" % (r[0] / alone) for r in rs)))


if __name__ == "__main__":
    main()
