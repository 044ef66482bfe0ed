#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What following processes costs (-s): N runs of /bin/true from a shell
alone, under strace -f, under pysample -s and pysample without -s,
interleaved round by round so the machine's noise hits each alike.
Prints the median wall time of each, the ratio to the run alone, and
pysample's peak RSS.

    bench/forkstorm.py [--runs N] [--rounds R] [--pysample PATH] [--hz HZ]
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import time

ap = argparse.ArgumentParser()
ap.add_argument("--runs", type=int, default=200, help="processes per storm")
ap.add_argument("--rounds", type=int, default=5)
ap.add_argument("--hz", default="999")
ap.add_argument("--pysample", default=os.path.join(os.path.dirname(__file__), "..", "pysample"))
args = ap.parse_args()

storm = ["sh", "-c", 'i=0; while [ $i -lt %d ]; do /bin/true; i=$((i+1)); done' % args.runs]
variants = [("alone", [])]
if shutil.which("strace"):
    variants.append(("strace -f", ["strace", "-f", "-qq", "-o", "/dev/null"]))
variants += [("pysample -s", [args.pysample, "-s", "-F", args.hz, "-o", "/dev/null"]),
             ("pysample", [args.pysample, "-F", args.hz, "-o", "/dev/null"])]

times = {name: [] for name, _ in variants}
rss = {name: [] for name, _ in variants}
for _ in range(args.rounds):
    for name, prefix in variants:
        cmd = prefix + (["--"] if prefix and "pysample" in name else []) + storm
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
        times[name].append(time.monotonic() - start)
        try:
            rss[name].append(int(p.stderr.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            pass
        if p.returncode != 0:
            print("%s failed: %s" % (name, p.stderr[-500:]))

base = statistics.median(times["alone"])
print("%d runs of /bin/true, %d rounds, medians:" % (args.runs, args.rounds))
for name, _ in variants:
    t = statistics.median(times[name])
    print("  %-12s %6.2f s  %5.1fx  peak RSS %6.1f MiB" % (
        name, t, t / base, statistics.median(rss[name]) / 1024 if rss[name] else 0))
