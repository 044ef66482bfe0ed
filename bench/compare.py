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
import subprocess
import sys
import tempfile

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def run(sampler, args, python, workload, floor, out):
    if sampler == "floor":
        target = subprocess.Popen([python, workload], stdout=subprocess.PIPE, text=True)
        fl = subprocess.Popen([floor, str(args.hz), str(target.pid)], stdout=subprocess.PIPE, text=True)
        stdout, report = target.communicate()[0], fl.communicate()[0]
        m = re.search(r"(\d+) samples; stopped median (\d+) us", report)
        samples, stop = (int(m.group(1)), float(m.group(2))) if m else (None, None)
    else:
        binary, _, extra = sampler.partition(":")
        p = subprocess.run([binary, "-F", str(args.hz)] + [a for a in extra.split(",") if a] +
                           ["-o", out, "--", python, workload], capture_output=True, text=True)
        stdout = p.stdout
        m = re.search(r"(\d+) samples from", p.stderr)
        samples = int(m.group(1)) if m else None
        m = re.search(r"stopped median ([\d.]+) us", p.stderr)
        stop = float(m.group(1)) if m else None
    m = re.search(r"elapsed ([\d.]+)", stdout)
    if not m:
        sys.exit("%s printed no elapsed time" % sampler)
    elapsed = float(m.group(1))
    return elapsed, (samples / elapsed if samples else None), stop


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
        workload = os.path.join(TOP, "bench", "workloads", workload + ".py")
    tmp = tempfile.mkdtemp(prefix="pysample-compare-")
    floor = os.path.join(tmp, "floor")
    if subprocess.run(["cc", "-O2", "-o", floor, os.path.join(TOP, "bench", "floor.c")]).returncode:
        sys.exit("cannot build bench/floor.c")
    out = os.path.join(tmp, "out.perf")
    results = {s: [] for s in ["alone"] + args.samplers}
    for _ in range(args.rounds):
        for s in results:
            if s == "alone":
                p = subprocess.run([args.python, workload], capture_output=True, text=True)
                results[s].append((float(re.search(r"elapsed ([\d.]+)", p.stdout).group(1)), None, None))
            else:
                results[s].append(run(s, args, args.python, workload, floor, out))
    alone = statistics.median(r[0] for r in results["alone"])
    for s, rs in results.items():
        def med(i):
            vals = [r[i] for r in rs if r[i] is not None]
            return statistics.median(vals) if vals else float("nan")
        print("%-40s slowdown %.2fx  samples/s %7.0f  stop %5.1f us  rounds: %s" %
              (s, med(0) / alone, med(1), med(2), " ".join("%.2f" % (r[0] / alone) for r in rs)))


if __name__ == "__main__":
    main()
